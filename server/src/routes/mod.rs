//! The JSON API, one module per area. Everything here is mounted under `/api`, and every
//! answer from it, including "no such path", is JSON.

pub mod accounts;
pub mod admin;
pub mod applications;
pub mod dev;
pub mod documents;
pub mod health;
pub mod payments;
pub mod plans;

use axum::Router;
use axum::http::{HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::AppState;
use crate::auth;
use crate::config::Config;
use crate::error::ApiError;

/// The router mounted at `/api`: versioned routes under `/v1`, a JSON 404 for any other
/// path and a JSON 405 for a known path with the wrong method. The `/v1/dev/...` routes
/// exist only in development mode.
pub fn api_router(config: &Config) -> Router<AppState> {
    let mut v1 = Router::new()
        .merge(health::router())
        .merge(accounts::router())
        .merge(plans::router())
        .merge(applications::router())
        .merge(documents::router())
        .merge(payments::router())
        .merge(admin::router());
    if config.dev_mode {
        v1 = v1.merge(dev::router());
    }
    Router::new()
        .nest("/v1", v1)
        // Applies to the routes registered above, so it must come after them.
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(axum::middleware::from_fn(auth::refresh_session_cookie))
        // API answers describe this moment (plan states, later sessions and payments);
        // no browser or proxy may reuse them. A handler may say more (an uploaded file is
        // `private, no-store`), never less.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

/// Whether `path` belongs to the API (and so must never be answered with HTML).
pub fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// The answer for a path under `/api` that names no endpoint.
pub async fn not_found() -> ApiError {
    ApiError::not_found("no such API endpoint")
}

async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}

#[cfg(test)]
mod tests {
    #[test]
    fn api_paths_are_recognised_by_prefix() {
        assert!(super::is_api_path("/api"));
        assert!(super::is_api_path("/api/"));
        assert!(super::is_api_path("/api/v1/x"));
        assert!(!super::is_api_path("/apix"));
        assert!(!super::is_api_path("/plans/api"));
    }
}
