//! The one error envelope every endpoint returns on failure.
//!
//! ```json
//! { "error": { "code": "rate_limited", "message": "…", "fields": {}, "retry_after_s": 42 } }
//! ```
//! `code` is machine-readable and stable; clients show their own localised text for it and
//! never `message`, which is for logs and developers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Machine-readable error codes. Unknown future codes deserialize as [`ErrorCode::Unknown`]
/// so an older client keeps working against a newer backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request body or parameters are invalid; see `fields`.
    ValidationFailed,
    /// No session, or the session expired or was revoked.
    Unauthenticated,
    /// Authenticated, but the resource belongs to someone else or the role is wrong.
    Forbidden,
    /// The resource does not exist (or is not visible to the caller).
    NotFound,
    /// The request conflicts with the current state (for example, already registered).
    Conflict,
    /// Too many requests; wait `retry_after_s` seconds.
    RateLimited,
    /// The daily limit (for example of SMS codes) is used up; `retry_after_s` says until when.
    DailyLimitReached,
    /// Too many failed log-ins; the account is locked for `retry_after_s` seconds.
    AccountLocked,
    /// The plan does not take this now: registration is not yet open or has closed (new
    /// applications and 报名), or its correction deadline has passed (重新提交).
    PlanNotOpen,
    /// The action is not allowed in the application's current status.
    InvalidTransition,
    /// The uploaded file is too large.
    PayloadTooLarge,
    /// The uploaded file's type (read from its bytes) is not accepted.
    UnsupportedMediaType,
    /// A cross-site request was refused.
    CrossSiteRequest,
    /// The backend failed; retrying later may help.
    Internal,
    /// The backend is temporarily unavailable.
    Unavailable,
    /// A code this client does not know yet.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The HTTP status a backend answers with for this code.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::ValidationFailed => 422,
            ErrorCode::Unauthenticated => 401,
            ErrorCode::Forbidden | ErrorCode::CrossSiteRequest => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict | ErrorCode::PlanNotOpen | ErrorCode::InvalidTransition => 409,
            ErrorCode::RateLimited | ErrorCode::DailyLimitReached | ErrorCode::AccountLocked => 429,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::Internal | ErrorCode::Unknown => 500,
            ErrorCode::Unavailable => 503,
        }
    }

    /// Whether repeating the same request later can succeed without changing it.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorCode::RateLimited | ErrorCode::Internal | ErrorCode::Unavailable
        )
    }
}

/// A per-field problem: the field's name (JSON path such as `history.2.end`) maps to a
/// machine-readable reason (for example `required`, `invalid_check_digit`).
pub type FieldErrors = BTreeMap<String, String>;

/// The body of an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub code: ErrorCode,
    /// Developer-facing English text; clients localise from `code` and `fields` instead.
    pub message: String,
    /// Per-field reasons, present for `validation_failed` and sometimes for `conflict`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: FieldErrors,
    /// Seconds to wait before retrying; also sent as the `Retry-After` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<u64>,
}

/// The envelope: `{ "error": ErrorBody }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

impl ErrorEnvelope {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorEnvelope {
            error: ErrorBody {
                code,
                message: message.into(),
                fields: FieldErrors::new(),
                retry_after_s: None,
            },
        }
    }

    pub fn with_field(mut self, field: impl Into<String>, reason: impl Into<String>) -> Self {
        self.error.fields.insert(field.into(), reason.into());
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.error.retry_after_s = Some(seconds);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_round_trips_with_optional_parts_omitted() {
        let e = ErrorEnvelope::new(ErrorCode::NotFound, "no such plan");
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"error":{"code":"not_found","message":"no such plan"}}"#
        );
        assert_eq!(serde_json::from_str::<ErrorEnvelope>(&json).unwrap(), e);
    }

    #[test]
    fn envelope_carries_fields_and_retry_after() {
        let e = ErrorEnvelope::new(ErrorCode::RateLimited, "slow down")
            .with_retry_after(42)
            .with_field("phone", "rate_limited");
        let v: serde_json::Value = serde_json::to_value(&e).unwrap();
        assert_eq!(v["error"]["retry_after_s"], 42);
        assert_eq!(v["error"]["fields"]["phone"], "rate_limited");
    }

    #[test]
    fn unknown_codes_from_a_newer_backend_do_not_break_parsing() {
        let e: ErrorEnvelope =
            serde_json::from_str(r#"{"error":{"code":"brand_new","message":"x"}}"#).unwrap();
        assert_eq!(e.error.code, ErrorCode::Unknown);
    }

    #[test]
    fn statuses_follow_http_semantics() {
        let table = [
            (ErrorCode::ValidationFailed, 422),
            (ErrorCode::Unauthenticated, 401),
            (ErrorCode::Forbidden, 403),
            (ErrorCode::NotFound, 404),
            (ErrorCode::Conflict, 409),
            (ErrorCode::RateLimited, 429),
            (ErrorCode::PayloadTooLarge, 413),
            (ErrorCode::UnsupportedMediaType, 415),
            (ErrorCode::Internal, 500),
            (ErrorCode::Unavailable, 503),
        ];
        for (code, status) in table {
            assert_eq!(code.http_status(), status, "{code:?}");
        }
        assert!(ErrorCode::Unavailable.is_retryable());
        assert!(!ErrorCode::ValidationFailed.is_retryable());
    }
}
