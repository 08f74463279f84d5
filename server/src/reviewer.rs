//! The admin API's authentication: `Authorization: Bearer <token>` with one of the tokens
//! from [`Config::reviewer_tokens`](crate::config::Config::reviewer_tokens). Reviewers have
//! no accounts or sessions; the operator hands out tokens and rotates them by restarting
//! with a new list.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use baoming_contract::error::ErrorCode;

use crate::AppState;
use crate::error::ApiError;
use crate::secrets::{constant_time_eq, sha256_hex};

/// A request authenticated as a reviewer. As a handler argument it answers 401
/// `unauthenticated` without a valid bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reviewer;

fn unauthenticated() -> ApiError {
    ApiError::new(
        ErrorCode::Unauthenticated,
        "the admin API needs `Authorization: Bearer <reviewer token>`",
    )
}

/// Whether `given` is one of `tokens`. Every token is compared, each through its SHA-256 so
/// the comparison takes the same time whatever the lengths and wherever they differ.
pub fn token_matches(tokens: &[String], given: &str) -> bool {
    let given = sha256_hex(given.as_bytes());
    tokens.iter().fold(false, |found, token| {
        found | constant_time_eq(&sha256_hex(token.as_bytes()), &given)
    })
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

impl FromRequestParts<AppState> for Reviewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(unauthenticated)?;
        let token = bearer_token(value).ok_or_else(unauthenticated)?;
        if token_matches(&state.config.reviewer_tokens(), token) {
            Ok(Reviewer)
        } else {
            Err(unauthenticated())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_read_and_compared() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("abc"), None);
        let tokens = vec!["first-token-0000".to_owned(), "second-token-000".to_owned()];
        assert!(token_matches(&tokens, "second-token-000"));
        assert!(!token_matches(&tokens, "second-token-00"));
        assert!(!token_matches(&[], "anything"));
    }
}
