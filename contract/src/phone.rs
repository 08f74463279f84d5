//! Mainland China mobile numbers: `1[3-9]` followed by 9 digits.
//!
//! People paste numbers as `+86 138 0013 8000`, `0086-138-0013-8000` or `138 0013 8000`;
//! [`normalize`] accepts all of them and returns the bare 11 digits. The SMS code is the real
//! check that the number is the candidate's.

use crate::reason::Reason;

/// How many digits a mainland mobile number has (without the country code).
pub const DIGITS: usize = 11;

/// Why a phone number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneError {
    Empty,
    /// Not 11 digits after removing spaces, dashes and the +86 prefix.
    WrongLength,
    /// 11 digits, but not `1[3-9]…`.
    NotMobile,
    /// Letters or other characters.
    InvalidCharacters,
}

impl PhoneError {
    /// The reason in the error envelope's `fields`.
    pub fn reason(self) -> Reason {
        match self {
            PhoneError::Empty => Reason::Required,
            PhoneError::WrongLength => Reason::PhoneWrongLength,
            PhoneError::NotMobile => Reason::PhoneNotMobile,
            PhoneError::InvalidCharacters => Reason::PhoneInvalidCharacters,
        }
    }

    /// The machine-readable reason used in the error envelope's `fields`.
    pub fn code(self) -> &'static str {
        self.reason().code()
    }
}

/// Normalises a typed or pasted mobile number to its 11 digits.
pub fn normalize(input: &str) -> Result<String, PhoneError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(PhoneError::Empty);
    }
    let mut digits = String::with_capacity(13);
    for (i, c) in trimmed.chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            // Full-width digits come from some Chinese input methods.
            '０'..='９' => digits.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
            ' ' | '-' | '\u{3000}' | '(' | ')' => {}
            '+' if i == 0 => {}
            _ => return Err(PhoneError::InvalidCharacters),
        }
    }
    let national = if digits.len() == 13 && digits.starts_with("86") {
        &digits[2..]
    } else if digits.len() == 15 && digits.starts_with("0086") {
        &digits[4..]
    } else {
        &digits[..]
    };
    if national.len() != DIGITS {
        return Err(PhoneError::WrongLength);
    }
    let b = national.as_bytes();
    if b[0] != b'1' || !(b'3'..=b'9').contains(&b[1]) {
        return Err(PhoneError::NotMobile);
    }
    Ok(national.to_string())
}

/// Masks a number for display in logs and SMS notices: `138****8000`.
pub fn mask(phone: &str) -> String {
    if phone.len() == DIGITS && phone.is_ascii() {
        format!("{}****{}", &phone[..3], &phone[7..])
    } else {
        "***".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_ways_people_write_a_number() {
        for input in [
            "13800138000",
            " 138 0013 8000 ",
            "+86 138 0013 8000",
            "+8613800138000",
            "0086-138-0013-8000",
            "86 13800138000",
            "１３８００１３８０００",
        ] {
            assert_eq!(normalize(input).as_deref(), Ok("13800138000"), "{input:?}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_mobile_number() {
        let table = [
            ("", PhoneError::Empty),
            ("   ", PhoneError::Empty),
            ("1380013800", PhoneError::WrongLength),
            ("138001380001", PhoneError::WrongLength),
            ("12800138000", PhoneError::NotMobile),
            ("23800138000", PhoneError::NotMobile),
            ("010-12345678", PhoneError::NotMobile),
            ("1380013800a", PhoneError::InvalidCharacters),
            ("138+00138000", PhoneError::InvalidCharacters),
        ];
        for (input, err) in table {
            assert_eq!(normalize(input), Err(err), "{input:?}");
        }
    }

    #[test]
    fn every_second_digit_from_3_to_9_is_mobile() {
        for d in 3..=9 {
            assert!(normalize(&format!("1{d}800138000")).is_ok());
        }
    }

    #[test]
    fn masks_the_middle() {
        assert_eq!(mask("13800138000"), "138****8000");
        assert_eq!(mask("x"), "***");
    }
}
