//! Password rules: at least 8 characters with both letters and digits, at most 72 bytes
//! (so every hash function a backend may choose sees the whole password).

use crate::reason::Reason;

pub const MIN_CHARS: usize = 8;
pub const MAX_BYTES: usize = 72;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordError {
    Empty,
    TooShort,
    TooLong,
    NeedsLetterAndDigit,
    /// 确认密码 differs from 密码.
    Mismatch,
}

impl PasswordError {
    /// The reason in the error envelope's `fields`.
    pub fn reason(self) -> Reason {
        match self {
            PasswordError::Empty => Reason::Required,
            PasswordError::TooShort => Reason::PasswordTooShort,
            PasswordError::TooLong => Reason::PasswordTooLong,
            PasswordError::NeedsLetterAndDigit => Reason::PasswordNeedsLetterAndDigit,
            PasswordError::Mismatch => Reason::PasswordMismatch,
        }
    }

    /// [`Self::reason`]'s code.
    pub fn code(self) -> &'static str {
        self.reason().code()
    }
}

/// How strong a valid password looks, for the hint under the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strength {
    Weak,
    Fair,
    Strong,
}

pub fn validate(password: &str) -> Result<(), PasswordError> {
    if password.is_empty() {
        return Err(PasswordError::Empty);
    }
    if password.len() > MAX_BYTES {
        return Err(PasswordError::TooLong);
    }
    if password.chars().count() < MIN_CHARS {
        return Err(PasswordError::TooShort);
    }
    let letter = password.chars().any(|c| c.is_alphabetic());
    let digit = password.chars().any(|c| c.is_ascii_digit());
    if !(letter && digit) {
        return Err(PasswordError::NeedsLetterAndDigit);
    }
    Ok(())
}

pub fn validate_confirmation(password: &str, confirmation: &str) -> Result<(), PasswordError> {
    if confirmation.is_empty() {
        Err(PasswordError::Empty)
    } else if password != confirmation {
        Err(PasswordError::Mismatch)
    } else {
        Ok(())
    }
}

/// A rough strength estimate: length plus the kinds of characters used.
pub fn strength(password: &str) -> Strength {
    let kinds = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ]
    .iter()
    .filter(|k| **k)
    .count();
    let len = password.chars().count();
    match (len, kinds) {
        (l, k) if l >= 12 && k >= 3 => Strength::Strong,
        (l, k) if l >= 10 && k >= 2 || l >= MIN_CHARS && k >= 3 => Strength::Fair,
        _ => Strength::Weak,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        let table = [
            ("", Err(PasswordError::Empty)),
            ("abc123", Err(PasswordError::TooShort)),
            ("abcdefgh", Err(PasswordError::NeedsLetterAndDigit)),
            ("12345678", Err(PasswordError::NeedsLetterAndDigit)),
            ("abcd1234", Ok(())),
            ("密码密码密码12", Ok(())),
        ];
        for (pw, expected) in table {
            assert_eq!(validate(pw), expected, "{pw:?}");
        }
        assert_eq!(validate(&"a1".repeat(40)), Err(PasswordError::TooLong));
    }

    #[test]
    fn confirmation_must_match() {
        assert_eq!(
            validate_confirmation("abcd1234", ""),
            Err(PasswordError::Empty)
        );
        assert_eq!(
            validate_confirmation("abcd1234", "abcd1235"),
            Err(PasswordError::Mismatch)
        );
        assert_eq!(validate_confirmation("abcd1234", "abcd1234"), Ok(()));
    }

    #[test]
    fn strength_grows_with_length_and_variety() {
        assert_eq!(strength("abcd1234"), Strength::Weak);
        assert_eq!(strength("abcdef123456"), Strength::Fair);
        assert_eq!(strength("Abcd-1234-xyz"), Strength::Strong);
    }
}
