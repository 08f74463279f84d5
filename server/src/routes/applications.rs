//! 报名: `POST /plans/{plan_id}/applications`, `GET /applications`,
//! `GET /applications/{id}`, `PUT /applications/{id}/draft`, `POST /applications/{id}/submit`
//! and `POST /applications/{id}/resubmit`.
//!
//! Another candidate's application answers 404 exactly like one that does not exist, so ids
//! cannot be probed. Every rule (the wizard's, the draft bounds, the transitions, the review
//! deadline) comes from the contract.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use baoming_contract::api::{
    Application, ApplicationList, Draft, IDEMPOTENCY_KEY_RETENTION_S, IdempotencyKeyError,
    SaveDraftRequest, check_idempotency_key,
};
use baoming_contract::application::{
    Context, DRAFT_MAX_BYTES, check_draft_bounds, reason, validate_for_submit,
};
use baoming_contract::error::ErrorCode;
use baoming_contract::plan::PlanState;
use baoming_contract::status::{ApplicationStatus, Transition, expected_decision_by};
use baoming_contract::time::Timestamp;
use rusqlite::{Connection, TransactionBehavior};

use crate::AppState;
use crate::auth::CurrentAccount;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, PathParams};
use crate::middleware::idempotency_key_header;
use crate::secrets;
use crate::store::applications::{self, StoredApplication};
use crate::store::idempotency::{self, RequestFingerprint, StoredAnswer};
use crate::store::{documents, plans, reviews};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/plans/{plan_id}/applications", post(create_application))
        .route("/applications", get(list_applications))
        .route("/applications/{application_id}", get(get_application))
        .route(
            "/applications/{application_id}/draft",
            put(save_draft).layer(DefaultBodyLimit::max(DRAFT_MAX_BYTES)),
        )
        .route("/applications/{application_id}/submit", post(submit))
        .route("/applications/{application_id}/resubmit", post(resubmit))
}

/// Response header marking an answer replayed from an earlier request with the same
/// idempotency key.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

pub(crate) fn application_not_found() -> ApiError {
    ApiError::not_found("no such application")
}

/// The candidate's application `id`, or 404 (also when it is someone else's).
pub(crate) fn load_owned(
    conn: &Connection,
    account_id: &str,
    id: &str,
) -> ApiResult<StoredApplication> {
    applications::owned(conn, account_id, id)?.ok_or_else(application_not_found)
}

/// 409 `invalid_transition` unless the candidate may change the application now.
pub(crate) fn ensure_editable(app: &StoredApplication) -> ApiResult<()> {
    if app.status.candidate_may_edit() {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::InvalidTransition,
            format!(
                "the application cannot be changed while {}",
                status_name(app.status)
            ),
        ))
    }
}

pub(crate) fn status_name(status: ApplicationStatus) -> String {
    crate::store::enum_to_sql(&status).unwrap_or_else(|_| format!("{status:?}"))
}

/// An immediate (write-locking) transaction: the checks and the change it guards happen
/// with no other writer in between.
pub(crate) fn write_tx(conn: &mut Connection) -> rusqlite::Result<rusqlite::Transaction<'_>> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
}

/// The application as the API shows it, with its documents and timeline.
pub(crate) fn view(conn: &Connection, app: StoredApplication) -> rusqlite::Result<Application> {
    let documents = documents::list(conn, &app.id)?;
    let events = applications::events(conn, &app.id)?;
    // Every rejection is kept; a rejected application shows the latest one's reasons, and
    // resubmitting hides them again (the timeline still shows the rejection).
    let review_reasons = if app.status == ApplicationStatus::Rejected {
        reviews::latest_reasons(conn, &app.id)?.unwrap_or_default()
    } else {
        Vec::new()
    };
    let expected_decision_by = match (app.status, app.submitted_at) {
        (ApplicationStatus::UnderReview, Some(at)) => Some(expected_decision_by(at)),
        _ => None,
    };
    Ok(Application {
        id: app.id,
        plan_id: app.plan_id,
        status: app.status,
        version: app.version,
        draft: app.draft,
        documents,
        events,
        review_reasons,
        expected_decision_by,
        updated_at: app.updated_at,
        submitted_draft: app.submitted_draft,
    })
}

/// `POST /plans/{plan_id}/applications`: 报名 on a plan. The candidate's existing
/// application for the plan is answered 200 even after the plan closed; a new one needs an
/// open plan and starts as a draft with the account's phone filled in.
async fn create_application(
    State(state): State<AppState>,
    current: CurrentAccount,
    PathParams(plan_id): PathParams<String>,
) -> ApiResult<(StatusCode, Json<Application>)> {
    let now = state.clock.now();
    let account = current.account;
    let (status, app) = state
        .db
        .call(move |conn| {
            let tx = write_tx(conn)?;
            let plan =
                plans::get(&tx, &plan_id)?.ok_or_else(|| ApiError::not_found("no such plan"))?;
            if let Some(existing) = applications::for_plan(&tx, &account.id, &plan.id)? {
                return Ok((StatusCode::OK, view(&tx, existing)?));
            }
            let state = PlanState::at(now, plan.opens_at, plan.closes_at);
            if state != PlanState::Open {
                return Err(ApiError::new(
                    ErrorCode::PlanNotOpen,
                    format!(
                        "the plan is not open for registration ({})",
                        crate::store::enum_to_sql(&state)?
                    ),
                ));
            }
            let app = StoredApplication {
                id: secrets::new_id(),
                account_id: account.id.clone(),
                plan_id: plan.id,
                status: ApplicationStatus::Draft,
                version: 1,
                draft: Draft {
                    phone: account.phone.clone(),
                    ..Draft::default()
                },
                created_at: now,
                updated_at: now,
                submitted_at: None,
                submitted_draft: None,
            };
            if !applications::insert(&tx, &app)? {
                return Err(ApiError::internal(
                    "application appeared during its creation",
                ));
            }
            applications::insert_event(&tx, &app.id, ApplicationStatus::Draft, now)?;
            let view = view(&tx, app)?;
            tx.commit()?;
            Ok((StatusCode::CREATED, view))
        })
        .await?;
    Ok((status, Json(app)))
}

/// `GET /applications`: the candidate's applications, newest first.
async fn list_applications(
    State(state): State<AppState>,
    current: CurrentAccount,
) -> ApiResult<Json<ApplicationList>> {
    let account_id = current.account.id;
    let applications = state
        .db
        .read(move |conn| {
            let stored = applications::list_for_account(conn, &account_id)?;
            stored
                .into_iter()
                .map(|app| view(conn, app).map_err(ApiError::from))
                .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(Json(ApplicationList { applications }))
}

/// `GET /applications/{id}`.
async fn get_application(
    State(state): State<AppState>,
    current: CurrentAccount,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<Application>> {
    let account_id = current.account.id;
    let app = state
        .db
        .read(move |conn| Ok(view(conn, load_owned(conn, &account_id, &id)?)?))
        .await?;
    Ok(Json(app))
}

/// `PUT /applications/{id}/draft`: saves the wizard's content, complete or not, if the
/// status allows editing and `base_version` is current.
async fn save_draft(
    State(state): State<AppState>,
    current: CurrentAccount,
    PathParams(id): PathParams<String>,
    body: Result<JsonBody<SaveDraftRequest>, ApiError>,
) -> ApiResult<Json<Application>> {
    let now = state.clock.now();
    let account_id = current.account.id;
    let app = state
        .db
        .call(move |conn| {
            let tx = write_tx(conn)?;
            let app = load_owned(&tx, &account_id, &id)?;
            let JsonBody(request) = body.map_err(|e| {
                if e.code() == ErrorCode::PayloadTooLarge {
                    ApiError::validation(format!("the draft exceeds {DRAFT_MAX_BYTES} bytes"))
                        .with_field("draft", reason::TOO_LARGE)
                } else {
                    e
                }
            })?;
            let bounds = check_draft_bounds(&request.draft);
            if !bounds.is_empty() {
                return Err(
                    ApiError::validation("the draft exceeds its size bounds; see fields")
                        .with_fields(bounds),
                );
            }
            ensure_editable(&app)?;
            if request.base_version != app.version {
                return Err(ApiError::new(
                    ErrorCode::Conflict,
                    format!(
                        "stale base_version {}: the application is at version {}; reload it",
                        request.base_version, app.version
                    ),
                )
                .with_field("base_version", reason::STALE));
            }
            applications::save_draft(&tx, &app.id, &request.draft, now)?;
            let saved = load_owned(&tx, &account_id, &app.id)?;
            let view = view(&tx, saved)?;
            tx.commit()?;
            Ok(view)
        })
        .await?;
    Ok(Json(app))
}

/// `POST /applications/{id}/submit` (报名): draft → under_review.
async fn submit(
    State(state): State<AppState>,
    current: CurrentAccount,
    PathParams(id): PathParams<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    submission(
        state,
        current,
        id,
        (&headers, &body),
        Transition::Submit,
        "submit",
    )
    .await
}

/// `POST /applications/{id}/resubmit` (重新提交): rejected → under_review.
async fn resubmit(
    State(state): State<AppState>,
    current: CurrentAccount,
    PathParams(id): PathParams<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    submission(
        state,
        current,
        id,
        (&headers, &body),
        Transition::Resubmit,
        "resubmit",
    )
    .await
}

/// The `Idempotency-Key` header, checked by the contract.
pub(crate) fn idempotency_key(headers: &HeaderMap) -> ApiResult<String> {
    let checked = match headers
        .get(idempotency_key_header())
        .map(HeaderValue::to_str)
    {
        None => check_idempotency_key(None),
        Some(Ok(value)) => check_idempotency_key(Some(value)),
        Some(Err(_)) => Err(IdempotencyKeyError::Invalid),
    };
    checked.map(str::to_owned).map_err(|e| {
        ApiError::validation("this request needs a valid Idempotency-Key header")
            .with_field("idempotency_key", e.code())
    })
}

/// Submit and resubmit: validate with the wizard's rules against the stored documents, then
/// apply `transition`. The idempotency check, the change and remembering its answer are one
/// transaction, so concurrent repeats of a request make one submission and all get the
/// first answer. Failures are not remembered: the same key may be retried after a fix.
async fn submission(
    state: AppState,
    current: CurrentAccount,
    id: String,
    (headers, body): (&HeaderMap, &Bytes),
    transition: Transition,
    action: &'static str,
) -> ApiResult<Response> {
    let key = idempotency_key(headers)?;
    let now = state.clock.now();
    let account_id = current.account.id;
    let request =
        RequestFingerprint::new("POST", &format!("/api/v1/applications/{id}/{action}"), body);
    let (answer, replayed) = state
        .db
        .call(move |conn| {
            let tx = write_tx(conn)?;
            let retention = i64::try_from(IDEMPOTENCY_KEY_RETENTION_S).unwrap_or(i64::MAX);
            idempotency::prune(&tx, Timestamp(now.0.saturating_sub(retention)))?;
            if let Some(answer) = idempotency::get(&tx, &account_id, &key, &request)? {
                tx.commit()?;
                return Ok((answer, true));
            }
            let app = load_owned(&tx, &account_id, &id)?;
            let Some(next) = app.status.apply(transition) else {
                return Err(ApiError::new(
                    ErrorCode::InvalidTransition,
                    format!(
                        "cannot {action} an application that is {}",
                        status_name(app.status)
                    ),
                ));
            };
            let plan = plans::get(&tx, &app.plan_id)?
                .ok_or_else(|| ApiError::internal("an application's plan is missing"))?;
            // 报名 only while registration is open; 重新提交 until the correction deadline.
            let deadlines = plan.deadlines();
            let (allowed, until) = match transition {
                Transition::Resubmit => (
                    deadlines.takes_corrections(now),
                    deadlines.corrections_close_at,
                ),
                _ => (deadlines.takes_registrations(now), deadlines.closes_at),
            };
            if !allowed {
                return Err(ApiError::new(
                    ErrorCode::PlanNotOpen,
                    format!(
                        "the plan takes no {action} now: {} {}",
                        if now < deadlines.opens_at {
                            "it opens at"
                        } else {
                            "that closed at"
                        },
                        if now < deadlines.opens_at {
                            deadlines.opens_at
                        } else {
                            until
                        }
                        .to_rfc3339()
                    ),
                ));
            }
            let context = Context {
                occupation: plan.occupation,
                today: now.date_cst(),
            };
            let uploaded = documents::materials(&tx, &app.id)?;
            let problems = validate_for_submit(&app.draft, &context, &uploaded);
            if !problems.is_empty() {
                return Err(ApiError::validation(
                    "the application is incomplete or breaks a rule; see fields",
                )
                .with_fields(problems));
            }
            applications::submitted(&tx, &app.id, next, now)?;
            let submitted = load_owned(&tx, &account_id, &app.id)?;
            let body = serde_json::to_string(&view(&tx, submitted)?).map_err(ApiError::internal)?;
            let answer = StoredAnswer {
                status: StatusCode::OK.as_u16(),
                body,
            };
            idempotency::insert(&tx, &account_id, &key, &request, &answer, now)?;
            tx.commit()?;
            Ok((answer, false))
        })
        .await?;
    let status = StatusCode::from_u16(answer.status).map_err(ApiError::internal)?;
    let mut response = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        answer.body,
    )
        .into_response();
    if replayed {
        response.headers_mut().insert(
            HeaderName::from_static(IDEMPOTENT_REPLAYED),
            HeaderValue::from_static("true"),
        );
    }
    Ok(response)
}
