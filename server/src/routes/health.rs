//! `GET /api/v1/health`: liveness for tools, tests and load balancers.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use baoming_contract::api::Health;

use crate::AppState;

/// The backend's version, reported by the health endpoint.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

async fn health(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
        version: VERSION.to_owned(),
        dev_mode: state.config.dev_mode,
    })
}
