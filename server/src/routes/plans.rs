//! `GET /api/v1/plans` and `GET /api/v1/plans/{plan_id}`: the certification plans and the
//! state of their registration windows right now.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use baoming_contract::api::PlanList;
use baoming_contract::plan::Plan;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::PathParams;
use crate::store;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/plans", get(list_plans))
        .route("/plans/{plan_id}", get(get_plan))
}

async fn list_plans(State(state): State<AppState>) -> ApiResult<Json<PlanList>> {
    let stored = state.db.read(|conn| Ok(store::plans::list(conn)?)).await?;
    let now = state.clock.now();
    Ok(Json(PlanList {
        plans: stored.into_iter().map(|plan| plan.at(now)).collect(),
    }))
}

async fn get_plan(
    State(state): State<AppState>,
    PathParams(plan_id): PathParams<String>,
) -> ApiResult<Json<Plan>> {
    let stored = state
        .db
        .read(move |conn| Ok(store::plans::get(conn, &plan_id)?))
        .await?;
    let now = state.clock.now();
    stored
        .map(|plan| Json(plan.at(now)))
        .ok_or_else(|| ApiError::not_found("no such plan"))
}
