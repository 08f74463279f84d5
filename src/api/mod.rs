//! The one module that speaks HTTP. Base URL from the runtime config, cookies for the
//! session, a time-out on every request, and one error type mapped from status and body.
//! Endpoint functions are one-liners on top of [`Api::get`].
//!
//! Split by concern: [`transport`] sends a request (time-out, abort on drop, the one retry
//! rule, the 401 that ends a session), [`read_ahead`] starts a page's first reads beside
//! `/me`, [`upload`] sends files with progress, and [`endpoints`] are the API's calls.

mod endpoints;
mod read_ahead;
mod transport;
mod upload;

pub use read_ahead::{EARLY_ANSWER_LIFE_MS, forget_prefetched};
pub use transport::{
    REQUEST_TIMEOUT, RETRY_PAUSES_MS, UNAUTHENTICATED_EVENT, retries_for, retry_pause,
    set_request_timeout,
};
pub use upload::{UPLOAD_TIMEOUT, UploadCancel};

use baoming_contract::error::{ErrorCode, ErrorEnvelope};

use crate::i18n::Msg;

/// Everything that can go wrong with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// No answer: offline, DNS, refused connection or CORS.
    Network,
    /// No answer within [`REQUEST_TIMEOUT`].
    Timeout,
    /// The backend answered with the contract's error envelope.
    Api { status: u16, body: ErrorEnvelope },
    /// The backend answered with a status but without the envelope (a proxy's error page).
    Http { status: u16 },
    /// The body did not match the contract.
    Decode(String),
    /// The candidate cancelled (an upload's 取消).
    Cancelled,
}

impl ApiError {
    /// The contract's error code, when the backend sent one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ApiError::Api { body, .. } => Some(body.error.code),
            _ => None,
        }
    }

    /// Whether trying again unchanged may work (shown as a 重试 button).
    pub fn is_retryable(&self) -> bool {
        match self {
            ApiError::Network | ApiError::Timeout => true,
            ApiError::Http { status } => *status >= 500 || *status == 429,
            ApiError::Api { body, .. } => body.error.code.is_retryable(),
            ApiError::Decode(_) | ApiError::Cancelled => false,
        }
    }

    /// What to tell the candidate.
    pub fn message(&self) -> Msg {
        match self {
            ApiError::Network => Msg::ErrorNetwork,
            ApiError::Timeout => Msg::ErrorTimeout,
            ApiError::Api { body, .. } if body.error.code == ErrorCode::NotFound => {
                Msg::ErrorNotFound
            }
            ApiError::Api { status, .. } | ApiError::Http { status } if *status >= 500 => {
                Msg::ErrorServer
            }
            ApiError::Http { status: 404 } => Msg::ErrorNotFound,
            _ => Msg::ErrorUnexpected,
        }
    }

    /// Maps a non-success answer to an error: the envelope when the body is one.
    pub fn from_status_and_body(status: u16, body: &str) -> ApiError {
        match serde_json::from_str::<ErrorEnvelope>(body) {
            Ok(body) => ApiError::Api { status, body },
            Err(_) => ApiError::Http { status },
        }
    }
}

/// The API client. Cheap to clone; provided as context by the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    base: String,
}

impl Api {
    /// `base` is the absolute URL of the API root (`…/api/v1`), without a trailing slash.
    pub fn new(base: impl Into<String>) -> Api {
        Api { base: base.into() }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

#[cfg(test)]
mod tests {
    use super::transport::is_safe_to_repeat;
    use super::upload::upload_url;
    use super::*;
    use baoming_contract::photo_warning::PhotoWarning;
    use gloo_net::http::Method;

    #[test]
    fn maps_status_and_body_to_one_error() {
        let envelope = r#"{"error":{"code":"not_found","message":"no such plan"}}"#;
        let e = ApiError::from_status_and_body(404, envelope);
        assert_eq!(e.code(), Some(ErrorCode::NotFound));
        assert_eq!(e.message(), Msg::ErrorNotFound);
        assert!(!e.is_retryable());

        let e = ApiError::from_status_and_body(502, "<html>Bad Gateway</html>");
        assert_eq!(e, ApiError::Http { status: 502 });
        assert_eq!(e.message(), Msg::ErrorServer);
        assert!(e.is_retryable());

        let e =
            ApiError::from_status_and_body(500, r#"{"error":{"code":"internal","message":"x"}}"#);
        assert_eq!(e.message(), Msg::ErrorServer);
        assert!(e.is_retryable());

        let e = ApiError::from_status_and_body(
            422,
            r#"{"error":{"code":"validation_failed","message":"x","fields":{"phone":"required"}}}"#,
        );
        assert_eq!(e.message(), Msg::ErrorUnexpected);
        assert!(!e.is_retryable());
    }

    #[test]
    fn uploads_carry_their_warnings_in_the_query() {
        let url = "https://api.example/api/v1/applications/a1/documents/portrait";
        assert_eq!(upload_url(url, &[]), url);
        let warnings = PhotoWarning::parse_list("blurry,too_dark").unwrap();
        assert_eq!(
            upload_url(url, &warnings),
            format!("{url}?findings=too_dark,blurry")
        );
    }

    #[test]
    fn transport_failures_are_retryable() {
        assert_eq!(ApiError::Network.message(), Msg::ErrorNetwork);
        assert_eq!(ApiError::Timeout.message(), Msg::ErrorTimeout);
        assert!(ApiError::Network.is_retryable() && ApiError::Timeout.is_retryable());
        assert!(!ApiError::Decode("x".into()).is_retryable());
    }

    #[test]
    fn only_requests_that_cannot_do_anything_twice_are_retried() {
        assert!(is_safe_to_repeat(&Method::GET, &[]));
        assert!(is_safe_to_repeat(&Method::PUT, &[]));
        assert!(is_safe_to_repeat(
            &Method::POST,
            &[("Idempotency-Key", "k")]
        ));
        // Sending an SMS code, registering or logging in twice is not harmless.
        assert!(!is_safe_to_repeat(&Method::POST, &[]));
        assert_eq!(retries_for(&ApiError::Network), 2);
        assert_eq!(retries_for(&ApiError::Timeout), 1);
        assert_eq!(retries_for(&ApiError::Http { status: 502 }), 2);
        assert_eq!(retries_for(&ApiError::Http { status: 429 }), 0);
        assert_eq!(retries_for(&ApiError::Decode("x".into())), 0);
    }

    #[test]
    fn one_retry_rule_with_its_pauses() {
        assert_eq!(retry_pause(&ApiError::Network, 0), Some(RETRY_PAUSES_MS[0]));
        assert_eq!(retry_pause(&ApiError::Network, 1), Some(RETRY_PAUSES_MS[1]));
        assert_eq!(retry_pause(&ApiError::Network, 2), None);
        assert_eq!(retry_pause(&ApiError::Timeout, 0), Some(RETRY_PAUSES_MS[0]));
        assert_eq!(retry_pause(&ApiError::Timeout, 1), None);
        assert_eq!(retry_pause(&ApiError::Http { status: 429 }, 0), None);
        assert_eq!(retry_pause(&ApiError::Cancelled, 0), None);
    }
}
