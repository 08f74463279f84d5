//! 审核, the reviewer's API under `/admin`: list applications by status, show one (and its
//! documents' bytes), decide (approve or reject with reasons) and mark the admission ticket
//! ready. Every route needs a [`Reviewer`] bearer token; every decision is a transition
//! from the contract's table, adds a timeline event and tells the candidate by SMS.

use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use baoming_contract::api::{
    AdminApplication, AdminApplicationList, Application, DecisionKind, DecisionRequest, Order,
    REFUND_REASON_MAX_CHARS, RefundOrderRequest, refund_reason_ok,
};
use baoming_contract::error::ErrorCode;
use baoming_contract::review::check_decision;
use baoming_contract::status::{ApplicationStatus, Transition};
use rusqlite::Connection;
use serde::Deserialize;

use super::applications::{application_not_found, status_name, view, write_tx};
use super::documents::{document_response, slot};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::reviewer::Reviewer;
use crate::sms::SmsMessage;
use crate::store::applications::{self, StoredApplication};
use crate::store::{documents, reviews};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/applications", get(list))
        .route("/admin/applications/{application_id}", get(show))
        .route(
            "/admin/applications/{application_id}/decision",
            post(decide),
        )
        .route(
            "/admin/applications/{application_id}/admission-ticket",
            post(issue_ticket),
        )
        .route(
            "/admin/applications/{application_id}/documents/{material}",
            get(document),
        )
        .route("/admin/applications/{application_id}/refund", post(refund))
}

#[derive(Debug, Deserialize)]
struct StatusQuery {
    #[serde(default)]
    status: Option<ApplicationStatus>,
}

fn load(conn: &Connection, id: &str) -> ApiResult<(StoredApplication, String)> {
    applications::by_id_with_phone(conn, id)?.ok_or_else(application_not_found)
}

/// `GET /admin/applications[?status=]`: oldest submission first; without `status`, every
/// application that has been submitted.
async fn list(
    _: Reviewer,
    State(state): State<AppState>,
    QueryParams(query): QueryParams<StatusQuery>,
) -> ApiResult<Json<AdminApplicationList>> {
    let applications = state
        .db
        .call(move |conn| {
            applications::list_for_review(conn, query.status)?
                .into_iter()
                .map(|(app, phone)| {
                    Ok(AdminApplication {
                        candidate_phone: phone,
                        application: view(conn, app)?,
                    })
                })
                .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(Json(AdminApplicationList { applications }))
}

/// `GET /admin/applications/{id}`.
async fn show(
    _: Reviewer,
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<AdminApplication>> {
    let shown = state
        .db
        .call(move |conn| {
            let (app, phone) = load(conn, &id)?;
            Ok(AdminApplication {
                candidate_phone: phone,
                application: view(conn, app)?,
            })
        })
        .await?;
    Ok(Json(shown))
}

/// `GET /admin/applications/{id}/documents/{material}`: the file, for checking it.
async fn document(
    _: Reviewer,
    State(state): State<AppState>,
    PathParams((id, slug)): PathParams<(String, String)>,
) -> ApiResult<Response> {
    let material = slot(&slug)?;
    let info = state
        .db
        .call(move |conn| {
            let (app, _) = load(conn, &id)?;
            documents::get(conn, &app.id, material)?
                .ok_or_else(|| ApiError::not_found("nothing is uploaded in this slot"))
        })
        .await?;
    document_response(&state, &info).await
}

/// Applies `transition` to application `id` in one transaction (with `also` run inside it
/// after the status changed), then sends the candidate `sms`.
async fn transition(
    state: AppState,
    id: String,
    transition: Transition,
    also: impl FnOnce(&Connection, &StoredApplication) -> ApiResult<()> + Send + 'static,
    sms: fn(&str) -> SmsMessage,
) -> ApiResult<Json<Application>> {
    let now = state.clock.now();
    let (app, phone) = state
        .db
        .call(move |conn| {
            let tx = write_tx(conn)?;
            let (app, phone) = load(&tx, &id)?;
            let Some(next) = app.status.apply(transition) else {
                return Err(ApiError::new(
                    ErrorCode::InvalidTransition,
                    format!(
                        "{transition:?} is not possible for an application that is {}",
                        status_name(app.status)
                    ),
                ));
            };
            also(&tx, &app)?;
            applications::set_status(&tx, &app.id, next, now)?;
            let (changed, _) = load(&tx, &app.id)?;
            let shown = view(&tx, changed)?;
            tx.commit()?;
            Ok((shown, phone))
        })
        .await?;
    // The decision stands even if the SMS fails: the candidate also sees it on the status
    // page, so a failed notice is logged rather than undoing the decision.
    let message = sms(&phone);
    let sender = state.sms.clone();
    let sent = tokio::task::spawn_blocking(move || sender.send(&message)).await;
    match sent {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %e, application = %app.id, "decision SMS failed"),
        Err(e) => tracing::error!(error = %e, application = %app.id, "decision SMS panicked"),
    }
    Ok(Json(app))
}

/// `POST /admin/applications/{id}/decision`: approve (→ awaiting_payment) or reject with
/// reasons (→ rejected).
async fn decide(
    _: Reviewer,
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    JsonBody(request): JsonBody<DecisionRequest>,
) -> ApiResult<Json<Application>> {
    let problems = check_decision(&request);
    if !problems.is_empty() {
        return Err(
            ApiError::validation("the decision is incomplete; see fields").with_fields(problems),
        );
    }
    match request.decision {
        DecisionKind::Approve => {
            transition(
                state,
                id,
                Transition::Approve,
                |_, _| Ok(()),
                SmsMessage::review_approved,
            )
            .await
        }
        DecisionKind::Reject => {
            let now = state.clock.now();
            let reasons: Vec<_> = request
                .reasons
                .into_iter()
                .map(|mut r| {
                    r.message = r.message.trim().to_owned();
                    r
                })
                .collect();
            transition(
                state,
                id,
                Transition::Reject,
                move |conn, app| Ok(reviews::insert_rejection(conn, &app.id, &reasons, now)?),
                SmsMessage::review_rejected,
            )
            .await
        }
    }
}

/// `POST /admin/applications/{id}/admission-ticket`: paid → ticket_ready.
async fn issue_ticket(
    _: Reviewer,
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<Application>> {
    transition(
        state,
        id,
        Transition::IssueTicket,
        |_, _| Ok(()),
        SmsMessage::ticket_ready,
    )
    .await
}

/// `POST /admin/applications/{id}/refund`: returns the whole fee of a paid application
/// (also after its ticket is ready), with a reason. Answers the order once the payment
/// provider has accepted the refund: `refunded` (and the application `refunded`) when it
/// completed at once, else still `paid` with notice `refund_pending` until its
/// notification (or the reconciler) says it completed. Repeating it asks again, never
/// refunds twice. 409 `invalid_transition` for an application that is not paid.
async fn refund(
    _: Reviewer,
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<RefundOrderRequest>,
) -> ApiResult<Json<Order>> {
    if !refund_reason_ok(&body.reason) {
        return Err(ApiError::validation(format!(
            "a refund needs a reason of 1 to {REFUND_REASON_MAX_CHARS} characters"
        ))
        .with_field("reason", "required"));
    }
    let lookup = id.clone();
    state
        .db
        .call(move |conn| load(conn, &lookup).map(|_| ()))
        .await?;
    let order_no =
        crate::checkout::refund_application(&state, &id, &body.reason, "reviewer").await?;
    let order = state
        .db
        .call(move |conn| {
            crate::store::orders::get(conn, &order_no)?
                .map(|o| o.order)
                .ok_or_else(|| ApiError::internal("a refunded order is missing"))
        })
        .await?;
    Ok(Json(order))
}
