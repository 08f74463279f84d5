//! The one error type handlers return. It renders the contract's
//! [`ErrorEnvelope`](baoming_contract::error::ErrorEnvelope) with the status the contract
//! assigns to its code, so no handler picks a status by hand.

use std::fmt;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use baoming_contract::error::{ErrorCode, ErrorEnvelope, FieldErrors};

/// An API failure: the envelope to send, plus (rarely) a status the contract cannot express.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    envelope: ErrorEnvelope,
    status_override: Option<StatusCode>,
}

impl ApiError {
    /// An error with `code`; `message` is developer-facing English.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            envelope: ErrorEnvelope::new(code, message),
            status_override: None,
        }
    }

    /// `not_found`.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::NotFound, message)
    }

    /// `validation_failed` without per-field reasons (malformed JSON and the like).
    pub fn validation(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::ValidationFailed, message)
    }

    /// An unexpected failure. The cause goes to the log only: it may hold SQL or file paths
    /// that are none of the client's business.
    pub fn internal(cause: impl fmt::Display) -> ApiError {
        tracing::error!(%cause, "internal error");
        ApiError::new(ErrorCode::Internal, "internal error")
    }

    /// A request whose method the path does not support. The contract has no code for this,
    /// so it is `validation_failed` (the request is wrong, not the resource) with HTTP's own
    /// 405 status, which clients and proxies understand.
    pub fn method_not_allowed() -> ApiError {
        ApiError {
            status_override: Some(StatusCode::METHOD_NOT_ALLOWED),
            ..ApiError::validation("method not allowed")
        }
    }

    /// Adds a per-field reason (`field` is a JSON path such as `history.2.end`).
    pub fn with_field(mut self, field: impl Into<String>, reason: impl Into<String>) -> ApiError {
        self.envelope = self.envelope.with_field(field, reason);
        self
    }

    /// Adds every per-field reason of `fields`.
    pub fn with_fields(mut self, fields: FieldErrors) -> ApiError {
        self.envelope.error.fields.extend(fields);
        self
    }

    /// Tells the client to wait `seconds`, in the body and in `Retry-After`.
    pub fn with_retry_after(mut self, seconds: u64) -> ApiError {
        self.envelope = self.envelope.with_retry_after(seconds);
        self
    }

    /// The code sent.
    pub fn code(&self) -> ErrorCode {
        self.envelope.error.code
    }

    /// The envelope sent.
    pub fn envelope(&self) -> &ErrorEnvelope {
        &self.envelope
    }

    /// The HTTP status sent.
    pub fn status(&self) -> StatusCode {
        self.status_override.unwrap_or_else(|| {
            StatusCode::from_u16(self.code().http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        })
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.code(), self.envelope.error.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = self.envelope.error.retry_after_s;
        let mut response = (status, Json(self.envelope)).into_response();
        let headers = response.headers_mut();
        // Errors are answers about this moment (limits, sessions); never cache them, even
        // when they come from a layer outside the API router.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(seconds) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> ApiError {
        ApiError::internal(e)
    }
}

/// What handlers return.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_comes_from_the_contract_and_retry_after_is_a_header() {
        let r = ApiError::new(ErrorCode::RateLimited, "slow down")
            .with_retry_after(42)
            .into_response();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[header::RETRY_AFTER], "42");
        assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");

        let r = ApiError::not_found("x").into_response();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(r.headers().get(header::RETRY_AFTER).is_none());
    }

    #[test]
    fn method_not_allowed_is_validation_failed_with_405() {
        let e = ApiError::method_not_allowed();
        assert_eq!(e.code(), ErrorCode::ValidationFailed);
        assert_eq!(e.status(), StatusCode::METHOD_NOT_ALLOWED);
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let e = ApiError::internal("no such table: secrets");
        assert_eq!(e.envelope().error.message, "internal error");
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
