//! Resident identity card numbers (GB 11643-1999): 6-digit area code, 8-digit birth date,
//! 3-digit sequence (odd for men, even for women) and a check character computed with
//! ISO 7064 MOD 11-2.

use crate::reason::Reason;
use crate::time::Date;

/// Sex as printed on the ID card and asked for on the 申报表.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

/// What an ID number tells about its holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdInfo {
    pub birth_date: Date,
    pub gender: Gender,
}

/// Why an ID number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdError {
    Empty,
    WrongLength,
    InvalidCharacters,
    InvalidBirthDate,
    InvalidCheckDigit,
}

impl IdError {
    /// The reason in the error envelope's `fields`.
    pub fn reason(self) -> Reason {
        match self {
            IdError::Empty => Reason::Required,
            IdError::WrongLength => Reason::IdWrongLength,
            IdError::InvalidCharacters => Reason::IdInvalidCharacters,
            IdError::InvalidBirthDate => Reason::IdInvalidBirthDate,
            IdError::InvalidCheckDigit => Reason::IdInvalidCheckDigit,
        }
    }

    /// The machine-readable reason used in the error envelope's `fields`.
    pub fn code(self) -> &'static str {
        self.reason().code()
    }
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [u8; 11] = *b"10X98765432";

/// The check character for the first 17 digits.
pub fn check_character(first17: &[u8; 17]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize]
}

/// Characters of a resident ID number (GB 11643).
pub const LEN: usize = 18;

/// Normalises (trims, upper-cases a trailing `x`) and validates an 18-character ID number.
pub fn normalize(input: &str) -> Result<String, IdError> {
    let s: String = input
        .trim()
        .chars()
        .filter(|c| *c != ' ')
        .collect::<String>()
        .to_ascii_uppercase();
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    if s.chars().count() != LEN {
        return Err(IdError::WrongLength);
    }
    let b = s.as_bytes();
    if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
        return Err(IdError::InvalidCharacters);
    }
    let num = |r: std::ops::Range<usize>| -> u32 {
        b[r].iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let year = num(6..10) as i32;
    let month = num(10..12) as u8;
    let day = num(12..14) as u8;
    if !(1900..=2100).contains(&year) || Date::new(year, month, day).is_none() {
        return Err(IdError::InvalidBirthDate);
    }
    let first17: [u8; 17] = b[..17].try_into().expect("17 ASCII digits checked above");
    if check_character(&first17) != b[17] {
        return Err(IdError::InvalidCheckDigit);
    }
    Ok(s)
}

/// Validates and returns the birth date and gender encoded in the number.
pub fn parse(input: &str) -> Result<IdInfo, IdError> {
    let s = normalize(input)?;
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> u32 {
        b[r].iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let birth_date = Date::new(num(6..10) as i32, num(10..12) as u8, num(12..14) as u8)
        .ok_or(IdError::InvalidBirthDate)?;
    let gender = if (b[16] - b'0') % 2 == 1 {
        Gender::Male
    } else {
        Gender::Female
    };
    Ok(IdInfo { birth_date, gender })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standards_own_example_is_valid() {
        let info = parse("11010519491231002X").unwrap();
        assert_eq!(info.birth_date, Date::new(1949, 12, 31).unwrap());
        assert_eq!(info.gender, Gender::Female);
        assert_eq!(
            normalize("11010519491231002x").unwrap(),
            "11010519491231002X"
        );
    }

    #[test]
    fn known_valid_numbers() {
        // Check characters computed independently (Python, the standard's weights).
        for (id, gender) in [
            ("110105199003074472", Gender::Male),
            ("330106198506151233", Gender::Male),
            ("44052419880101002X", Gender::Female),
            ("11010519491231002X", Gender::Female),
        ] {
            assert_eq!(parse(id).map(|i| i.gender), Ok(gender), "{id}");
        }
    }

    #[test]
    fn refusals_name_the_problem() {
        let table = [
            ("", IdError::Empty),
            ("1101051949123100", IdError::WrongLength),
            ("11010519491231002XX", IdError::WrongLength),
            ("1101051949123100AX", IdError::InvalidCharacters),
            ("110105194913310028", IdError::InvalidBirthDate),
            ("110105194902300020", IdError::InvalidBirthDate),
            ("110105180001010020", IdError::InvalidBirthDate),
            ("110105194912310021", IdError::InvalidCheckDigit),
            ("110105194912310020", IdError::InvalidCheckDigit),
        ];
        for (id, err) in table {
            assert_eq!(normalize(id), Err(err), "{id}");
        }
    }

    #[test]
    fn every_single_digit_typo_is_caught() {
        let good = *b"11010519491231002X";
        for pos in 0..17 {
            for d in b'0'..=b'9' {
                if d == good[pos] {
                    continue;
                }
                let mut bad = good;
                bad[pos] = d;
                let s = std::str::from_utf8(&bad).unwrap();
                assert!(normalize(s).is_err(), "{s} should fail");
            }
        }
    }
}
