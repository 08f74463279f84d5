//! Accounts, SMS codes and sessions: the limits both sides know and the field reasons the
//! backend answers with in the error envelope's `fields`.

use crate::reason::Reason;

/// SMS verification codes are this many ASCII digits.
pub const SMS_CODE_LEN: usize = 6;
/// A code is valid this long after it was sent.
pub const SMS_CODE_TTL_S: u64 = 5 * 60;
/// Wrong guesses allowed on one code; the next guess (even a right one) is refused.
pub const SMS_CODE_MAX_ATTEMPTS: u32 = 5;
/// Per phone: at most one code a minute, five an hour and ten a day (China Standard Time).
pub const SMS_RESEND_INTERVAL_S: u64 = 60;
pub const SMS_PER_PHONE_PER_HOUR: u32 = 5;
pub const SMS_PER_PHONE_PER_DAY: u32 = 10;
/// Per client address, so one machine cannot spray codes at many numbers.
pub const SMS_PER_CLIENT_PER_HOUR: u32 = 20;
pub const SMS_PER_CLIENT_PER_DAY: u32 = 50;

/// Failed log-ins before each further attempt must wait (slowing down guessing).
pub const LOGIN_FREE_FAILURES: u32 = 3;
/// Failed log-ins in a row that lock the account.
pub const LOGIN_LOCK_AFTER_FAILURES: u32 = 10;
/// How long a locked account stays locked.
pub const LOGIN_LOCK_S: u64 = 15 * 60;
/// Seconds to wait after the `n`-th failure in a row (n ≥ 1): nothing for the first few,
/// then 2, 4, 8 … seconds, capped at a minute.
pub fn login_delay_after_failures(n: u32) -> u64 {
    if n < LOGIN_FREE_FAILURES {
        0
    } else {
        (1u64 << (n - LOGIN_FREE_FAILURES + 1).min(6)).min(60)
    }
}

/// A session lasts this long after it was last used.
pub const SESSION_IDLE_S: u64 = 7 * 24 * 3600;

/// A session ends this long after the log-in that started it, however often it is used:
/// a stolen cookie stops working within a month, and a candidate logs in again at most
/// monthly.
pub const SESSION_ABSOLUTE_S: u64 = 30 * 24 * 3600;

/// Why an SMS code is refused (the reason in `fields.code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeError {
    Empty,
    /// Not six digits.
    Format,
}

impl CodeError {
    /// The reason in the error envelope's `fields`.
    pub fn reason(self) -> Reason {
        match self {
            CodeError::Empty => Reason::Required,
            CodeError::Format => Reason::CodeFormat,
        }
    }

    /// [`Self::reason`]'s code.
    pub fn code(self) -> &'static str {
        self.reason().code()
    }
}

/// Trims spaces (people paste `123 456`) and checks for six digits.
pub fn normalize_code(input: &str) -> Result<String, CodeError> {
    let code: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if code.is_empty() {
        Err(CodeError::Empty)
    } else if code.len() == SMS_CODE_LEN && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code)
    } else {
        Err(CodeError::Format)
    }
}

/// Field reasons (values of the envelope's `fields`), beyond those of
/// [`crate::phone::PhoneError::code`], [`crate::password::PasswordError::code`] and
/// [`CodeError::code`].
pub mod reason {
    use crate::reason::Reason;

    pub const REQUIRED: &str = Reason::Required.code();
    /// `fields.code`: not six digits.
    pub const CODE_FORMAT: &str = Reason::CodeFormat.code();
    /// `fields.code`: no code was sent to this phone for this purpose, or it is not this one.
    pub const CODE_WRONG: &str = Reason::CodeWrong.code();
    /// `fields.code`: older than [`super::SMS_CODE_TTL_S`].
    pub const CODE_EXPIRED: &str = Reason::CodeExpired.code();
    /// `fields.code`: [`super::SMS_CODE_MAX_ATTEMPTS`] wrong guesses; request a new code.
    pub const CODE_ATTEMPTS_EXCEEDED: &str = Reason::CodeAttemptsExceeded.code();
    /// `fields.phone`: registering, with a right code, a phone that got an account while
    /// the code was pending. Never the answer to a caller without the code.
    pub const PHONE_REGISTERED: &str = Reason::PhoneRegistered.code();
    /// `fields.phone`: resetting, with a right code, the password of a phone whose account
    /// is gone. Never the answer to a caller without the code.
    pub const PHONE_NOT_REGISTERED: &str = Reason::PhoneNotRegistered.code();
    /// `fields.phone`: the SMS provider says this number cannot receive SMS (it does not
    /// take it as a mobile number, or the number opted out of SMS).
    pub const PHONE_UNREACHABLE: &str = Reason::PhoneUnreachable.code();
    /// `fields.password`: phone and password do not match (never says which is wrong).
    pub const CREDENTIALS_WRONG: &str = Reason::CredentialsWrong.code();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(normalize_code(" 123 456 ").as_deref(), Ok("123456"));
        assert_eq!(normalize_code(""), Err(CodeError::Empty));
        assert_eq!(normalize_code("12345"), Err(CodeError::Format));
        assert_eq!(normalize_code("1234567"), Err(CodeError::Format));
        assert_eq!(normalize_code("12345a"), Err(CodeError::Format));
        assert_eq!(normalize_code("１２３４５６"), Err(CodeError::Format));
    }

    #[test]
    fn login_slows_down_then_the_account_locks() {
        let delays: Vec<u64> = (1..=9).map(login_delay_after_failures).collect();
        assert_eq!(delays, [0, 0, 2, 4, 8, 16, 32, 60, 60]);
        const { assert!(LOGIN_LOCK_AFTER_FAILURES > LOGIN_FREE_FAILURES) };
    }
}
