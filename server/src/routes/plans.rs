//! `GET /api/v1/plans` and `GET /api/v1/plans/{plan_id}`: the certification plans and the
//! state of their registration windows right now.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use baoming_contract::api::PlanList;
use baoming_contract::plan::Plan;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::PathParams;
use crate::store;
use crate::store::plans::StoredPlan;

/// How long the plans read from the database are reused. Every candidate's first screen
/// asks for them, and they change only when an operator edits the table (seen within
/// this long); their state (open, closed) is still worked out at each request's time.
const PLANS_CACHED_FOR: Duration = Duration::from_secs(2);

/// The plans as last read, and when.
#[derive(Debug, Default)]
pub struct PlanCache {
    read: Mutex<Option<(Instant, Arc<Vec<StoredPlan>>)>>,
}

impl PlanCache {
    fn fresh(&self) -> Option<Arc<Vec<StoredPlan>>> {
        let read = self.read.lock().unwrap_or_else(|p| p.into_inner());
        read.as_ref()
            .filter(|(at, _)| at.elapsed() < PLANS_CACHED_FOR)
            .map(|(_, plans)| Arc::clone(plans))
    }

    fn store(&self, plans: Arc<Vec<StoredPlan>>) {
        *self.read.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), plans));
    }
}

/// Every plan: from the cache while it is fresh, else from a reader (several requests
/// may read at once when it expires; each then stores what it read).
async fn stored_plans(state: &AppState) -> ApiResult<Arc<Vec<StoredPlan>>> {
    if let Some(plans) = state.plan_cache.fresh() {
        return Ok(plans);
    }
    let plans = Arc::new(state.db.read(|conn| Ok(store::plans::list(conn)?)).await?);
    state.plan_cache.store(Arc::clone(&plans));
    Ok(plans)
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/plans", get(list_plans))
        .route("/plans/{plan_id}", get(get_plan))
}

async fn list_plans(State(state): State<AppState>) -> ApiResult<Json<PlanList>> {
    let stored = stored_plans(&state).await?;
    let now = state.clock.now();
    Ok(Json(PlanList {
        plans: stored.iter().map(|plan| plan.clone().at(now)).collect(),
    }))
}

async fn get_plan(
    State(state): State<AppState>,
    PathParams(plan_id): PathParams<String>,
) -> ApiResult<Json<Plan>> {
    let stored = stored_plans(&state).await?;
    let now = state.clock.now();
    stored
        .iter()
        .find(|plan| plan.id == plan_id)
        .map(|plan| Json(plan.clone().at(now)))
        .ok_or_else(|| ApiError::not_found("no such plan"))
}
