//! Per-field reasons: the values of [`crate::error::FieldErrors`] on the wire
//! (`"required"`, `"too_long"`, `"gender_mismatch_id"`, `"portrait_too_small"`, …).
//!
//! [`Reason`] is their one definition. The `reason` modules of [`crate::auth`],
//! [`crate::application`], [`crate::photo`], [`crate::photo_warning`] and [`crate::review`]
//! name the reasons their rules answer, and the error enums' `reason()` methods say which
//! one each error is; all of them come from here. A client parses a reason with
//! [`Reason::from_code`]; `None` is a reason from a newer backend (show a generic message).

use serde::{Deserialize, Serialize};

/// One per-field reason. Its JSON is its [`Reason::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Required,
    TooLong,
    Invalid,
    GenderMismatchId,
    MonthFormat,
    DateFormat,
    EndBeforeStart,
    InFuture,
    Overlaps,
    OccupationNotRelated,
    NotEnoughYears,
    CertificateTooRecent,
    Missing,
    TooMany,
    TooLarge,
    Stale,
    IdempotencyKeyReused,
    CodeFormat,
    CodeWrong,
    CodeExpired,
    CodeAttemptsExceeded,
    PhoneRegistered,
    PhoneNotRegistered,
    PhoneUnreachable,
    CredentialsWrong,
    PhoneWrongLength,
    PhoneNotMobile,
    PhoneInvalidCharacters,
    PasswordTooShort,
    PasswordTooLong,
    PasswordNeedsLetterAndDigit,
    PasswordMismatch,
    IdWrongLength,
    IdInvalidCharacters,
    IdInvalidBirthDate,
    IdInvalidCheckDigit,
    PortraitNotJpeg,
    PortraitTooSmall,
    PortraitTooLarge,
    Corrupt,
    Truncated,
    BlankScan,
    TooManyPixels,
    PortraitProportion,
    PortraitLowResolution,
    UnknownFinding,
    UnknownField,
    NotAllowed,
}

impl Reason {
    /// Every reason, each once.
    pub const ALL: [Reason; 48] = [
        Reason::Required,
        Reason::TooLong,
        Reason::Invalid,
        Reason::GenderMismatchId,
        Reason::MonthFormat,
        Reason::DateFormat,
        Reason::EndBeforeStart,
        Reason::InFuture,
        Reason::Overlaps,
        Reason::OccupationNotRelated,
        Reason::NotEnoughYears,
        Reason::CertificateTooRecent,
        Reason::Missing,
        Reason::TooMany,
        Reason::TooLarge,
        Reason::Stale,
        Reason::IdempotencyKeyReused,
        Reason::CodeFormat,
        Reason::CodeWrong,
        Reason::CodeExpired,
        Reason::CodeAttemptsExceeded,
        Reason::PhoneRegistered,
        Reason::PhoneNotRegistered,
        Reason::PhoneUnreachable,
        Reason::CredentialsWrong,
        Reason::PhoneWrongLength,
        Reason::PhoneNotMobile,
        Reason::PhoneInvalidCharacters,
        Reason::PasswordTooShort,
        Reason::PasswordTooLong,
        Reason::PasswordNeedsLetterAndDigit,
        Reason::PasswordMismatch,
        Reason::IdWrongLength,
        Reason::IdInvalidCharacters,
        Reason::IdInvalidBirthDate,
        Reason::IdInvalidCheckDigit,
        Reason::PortraitNotJpeg,
        Reason::PortraitTooSmall,
        Reason::PortraitTooLarge,
        Reason::Corrupt,
        Reason::Truncated,
        Reason::BlankScan,
        Reason::TooManyPixels,
        Reason::PortraitProportion,
        Reason::PortraitLowResolution,
        Reason::UnknownFinding,
        Reason::UnknownField,
        Reason::NotAllowed,
    ];

    /// The reason's string on the wire.
    pub const fn code(self) -> &'static str {
        match self {
            Reason::Required => "required",
            Reason::TooLong => "too_long",
            Reason::Invalid => "invalid",
            Reason::GenderMismatchId => "gender_mismatch_id",
            Reason::MonthFormat => "month_format",
            Reason::DateFormat => "date_format",
            Reason::EndBeforeStart => "end_before_start",
            Reason::InFuture => "in_future",
            Reason::Overlaps => "overlaps",
            Reason::OccupationNotRelated => "occupation_not_related",
            Reason::NotEnoughYears => "not_enough_years",
            Reason::CertificateTooRecent => "certificate_too_recent",
            Reason::Missing => "missing",
            Reason::TooMany => "too_many",
            Reason::TooLarge => "too_large",
            Reason::Stale => "stale",
            Reason::IdempotencyKeyReused => "idempotency_key_reused",
            Reason::CodeFormat => "code_format",
            Reason::CodeWrong => "code_wrong",
            Reason::CodeExpired => "code_expired",
            Reason::CodeAttemptsExceeded => "code_attempts_exceeded",
            Reason::PhoneRegistered => "phone_registered",
            Reason::PhoneNotRegistered => "phone_not_registered",
            Reason::PhoneUnreachable => "phone_unreachable",
            Reason::CredentialsWrong => "credentials_wrong",
            Reason::PhoneWrongLength => "phone_wrong_length",
            Reason::PhoneNotMobile => "phone_not_mobile",
            Reason::PhoneInvalidCharacters => "phone_invalid_characters",
            Reason::PasswordTooShort => "password_too_short",
            Reason::PasswordTooLong => "password_too_long",
            Reason::PasswordNeedsLetterAndDigit => "password_needs_letter_and_digit",
            Reason::PasswordMismatch => "password_mismatch",
            Reason::IdWrongLength => "id_wrong_length",
            Reason::IdInvalidCharacters => "id_invalid_characters",
            Reason::IdInvalidBirthDate => "id_invalid_birth_date",
            Reason::IdInvalidCheckDigit => "id_invalid_check_digit",
            Reason::PortraitNotJpeg => "portrait_not_jpeg",
            Reason::PortraitTooSmall => "portrait_too_small",
            Reason::PortraitTooLarge => "portrait_too_large",
            Reason::Corrupt => "corrupt",
            Reason::Truncated => "truncated",
            Reason::BlankScan => "blank_scan",
            Reason::TooManyPixels => "too_many_pixels",
            Reason::PortraitProportion => "portrait_proportion",
            Reason::PortraitLowResolution => "portrait_low_resolution",
            Reason::UnknownFinding => "unknown_finding",
            Reason::UnknownField => "unknown_field",
            Reason::NotAllowed => "not_allowed",
        }
    }

    /// The reason with this code; `None` for a code this version does not know.
    pub fn from_code(code: &str) -> Option<Reason> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_reason_round_trips() {
        for r in Reason::ALL {
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.code()), "{r:?}");
            assert_eq!(serde_json::from_str::<Reason>(&json).unwrap(), r, "{r:?}");
            assert_eq!(Reason::from_code(r.code()), Some(r), "{r:?}");
        }
        assert_eq!(Reason::from_code("no_such_reason"), None);
        assert_eq!(Reason::from_code(""), None);
    }

    #[test]
    fn codes_and_variants_are_unique() {
        let codes: HashSet<&str> = Reason::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes.len(), Reason::ALL.len());
        let variants: HashSet<Reason> = Reason::ALL.into_iter().collect();
        assert_eq!(variants.len(), Reason::ALL.len());
    }

    /// `ALL` is in declaration order, so a variant added in the middle and left out of it
    /// fails here.
    #[test]
    fn all_is_in_declaration_order() {
        for (i, r) in Reason::ALL.into_iter().enumerate() {
            assert_eq!(r as usize, i, "{r:?}");
        }
    }

    #[test]
    fn codes_are_snake_case() {
        for r in Reason::ALL {
            assert!(
                r.code()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{r:?}"
            );
        }
    }
}
