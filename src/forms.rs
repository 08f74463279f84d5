//! What the candidate is told about a field: the contract's rules and the backend's field
//! reasons mapped to message keys. Pure functions, tested on the host.

use baoming_contract::auth::CodeError;
use baoming_contract::password::PasswordError;
use baoming_contract::phone::PhoneError;
use baoming_contract::reason::Reason;

use crate::api::ApiError;
use crate::i18n::Msg;

pub fn phone_error(e: PhoneError) -> Msg {
    match e {
        PhoneError::Empty => Msg::ErrPhoneRequired,
        PhoneError::WrongLength => Msg::ErrPhoneLength,
        PhoneError::NotMobile => Msg::ErrPhoneNotMobile,
        PhoneError::InvalidCharacters => Msg::ErrPhoneChars,
    }
}

pub fn code_error(e: CodeError) -> Msg {
    match e {
        CodeError::Empty => Msg::ErrCodeRequired,
        CodeError::Format => Msg::ErrCodeFormat,
    }
}

pub fn password_error(e: PasswordError) -> Msg {
    match e {
        PasswordError::Empty => Msg::ErrPasswordRequired,
        PasswordError::TooShort => Msg::ErrPasswordShort,
        PasswordError::TooLong => Msg::ErrPasswordLong,
        PasswordError::NeedsLetterAndDigit => Msg::ErrPasswordLetterDigit,
        PasswordError::Mismatch => Msg::ErrPasswordMismatch,
    }
}

/// 确认密码's own message for an empty field.
pub fn confirm_error(e: PasswordError) -> Msg {
    match e {
        PasswordError::Empty => Msg::ErrConfirmRequired,
        other => password_error(other),
    }
}

/// The message for a backend field reason, by field. Unknown reasons get `None` (the form
/// then shows its general message).
pub fn server_field_error(field: &str, why: &str) -> Option<Msg> {
    let why = Reason::from_code(why)?;
    Some(match (field, why) {
        ("phone", Reason::Required) => Msg::ErrPhoneRequired,
        ("phone", Reason::PhoneWrongLength) => Msg::ErrPhoneLength,
        ("phone", Reason::PhoneNotMobile) => Msg::ErrPhoneNotMobile,
        ("phone", Reason::PhoneInvalidCharacters) => Msg::ErrPhoneChars,
        ("phone", Reason::PhoneRegistered) => Msg::ErrPhoneRegistered,
        ("phone", Reason::PhoneNotRegistered) => Msg::ErrPhoneNotRegistered,
        ("phone", Reason::PhoneUnreachable) => Msg::ErrPhoneUnreachable,
        ("code", Reason::Required) => Msg::ErrCodeRequired,
        ("code", Reason::CodeFormat) => Msg::ErrCodeFormat,
        ("code", Reason::CodeWrong) => Msg::ErrCodeWrong,
        ("code", Reason::CodeExpired) => Msg::ErrCodeExpired,
        ("code", Reason::CodeAttemptsExceeded) => Msg::ErrCodeAttempts,
        ("password", Reason::Required) => Msg::ErrPasswordRequired,
        ("password", Reason::PasswordTooShort) => Msg::ErrPasswordShort,
        ("password", Reason::PasswordTooLong) => Msg::ErrPasswordLong,
        ("password", Reason::PasswordNeedsLetterAndDigit) => Msg::ErrPasswordLetterDigit,
        ("password", Reason::CredentialsWrong) => Msg::ErrCredentials,
        // Another field's reason, or a reason these forms' fields never get.
        _ => return None,
    })
}

/// The field reasons of an error answer, as (field, message) pairs the form can show.
pub fn field_errors(error: &ApiError) -> Vec<(String, Msg)> {
    match error {
        ApiError::Api { body, .. } => body
            .error
            .fields
            .iter()
            .filter_map(|(f, why)| server_field_error(f, why).map(|m| (f.clone(), m)))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baoming_contract::auth::reason;
    use baoming_contract::error::{ErrorCode, ErrorEnvelope};

    #[test]
    fn every_contract_reason_has_a_message() {
        for e in [
            PhoneError::Empty,
            PhoneError::WrongLength,
            PhoneError::NotMobile,
            PhoneError::InvalidCharacters,
        ] {
            assert_eq!(
                server_field_error("phone", e.code()),
                Some(phone_error(e)),
                "{e:?}"
            );
        }
        for e in [
            PasswordError::Empty,
            PasswordError::TooShort,
            PasswordError::TooLong,
            PasswordError::NeedsLetterAndDigit,
        ] {
            assert_eq!(
                server_field_error("password", e.code()),
                Some(password_error(e)),
                "{e:?}"
            );
        }
        for e in [CodeError::Empty, CodeError::Format] {
            assert_eq!(
                server_field_error("code", e.code()),
                Some(code_error(e)),
                "{e:?}"
            );
        }
        for r in [
            reason::CODE_WRONG,
            reason::CODE_EXPIRED,
            reason::CODE_ATTEMPTS_EXCEEDED,
        ] {
            assert!(server_field_error("code", r).is_some(), "{r}");
        }
        assert_eq!(
            server_field_error("phone", reason::PHONE_REGISTERED),
            Some(Msg::ErrPhoneRegistered)
        );
        assert_eq!(
            server_field_error("phone", reason::PHONE_UNREACHABLE),
            Some(Msg::ErrPhoneUnreachable)
        );
        assert_eq!(
            server_field_error("password", reason::CREDENTIALS_WRONG),
            Some(Msg::ErrCredentials)
        );
        assert_eq!(server_field_error("phone", "something_new"), None);
    }

    /// Every reason the backend may answer for 手机号, 验证码 or 密码 on these forms has
    /// its own message (none falls back to the form's general one).
    #[test]
    fn every_reason_of_the_account_fields_has_its_own_message() {
        let phone = [
            Reason::Required,
            Reason::PhoneWrongLength,
            Reason::PhoneNotMobile,
            Reason::PhoneInvalidCharacters,
            Reason::PhoneRegistered,
            Reason::PhoneNotRegistered,
            Reason::PhoneUnreachable,
        ];
        let code = [
            Reason::Required,
            Reason::CodeFormat,
            Reason::CodeWrong,
            Reason::CodeExpired,
            Reason::CodeAttemptsExceeded,
        ];
        let password = [
            Reason::Required,
            Reason::PasswordTooShort,
            Reason::PasswordTooLong,
            Reason::PasswordNeedsLetterAndDigit,
            Reason::CredentialsWrong,
        ];
        for (field, reasons) in [
            ("phone", &phone[..]),
            ("code", &code),
            ("password", &password),
        ] {
            for r in Reason::ALL {
                assert_eq!(
                    server_field_error(field, r.code()).is_some(),
                    reasons.contains(&r),
                    "{field}: {r:?}"
                );
            }
        }
    }

    #[test]
    fn field_errors_come_from_the_envelope() {
        let body = ErrorEnvelope::new(ErrorCode::ValidationFailed, "x")
            .with_field("code", reason::CODE_EXPIRED)
            .with_field("password", "password_too_short");
        let got = field_errors(&ApiError::Api { status: 422, body });
        assert_eq!(
            got,
            vec![
                ("code".to_string(), Msg::ErrCodeExpired),
                ("password".to_string(), Msg::ErrPasswordShort)
            ]
        );
        assert!(field_errors(&ApiError::Network).is_empty());
    }
}
