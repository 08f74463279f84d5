//! 待缴费: `POST /applications/{id}/orders`, `GET /orders/{order_no}`,
//! `POST /orders/{order_no}/query` and WeChat Pay's `POST /payments/wechat/notify`.
//!
//! One open order per application (also a unique index); its number never changes, only its
//! code is refreshed, each code being a payment attempt of its own ([`crate::checkout`]).
//! The amount is the plan's fee from the database. A payment is learnt from the
//! notification, a query (我已支付, or a poll of an unpaid order), or the reconciler, and
//! recorded exactly once. Another candidate's order answers 404 like one that does not
//! exist.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use baoming_contract::api::{IDEMPOTENCY_KEY_RETENTION_S, Order, OrderStatus};
use baoming_contract::error::ErrorCode;
use baoming_contract::status::Transition;
use baoming_contract::time::Timestamp;
use rusqlite::Connection;
use serde_json::json;

use super::applications::{idempotency_key, load_owned, status_name, write_tx};
use crate::AppState;
use crate::auth::CurrentAccount;
use crate::checkout;
use crate::error::{ApiError, ApiResult};
use crate::extract::PathParams;
use crate::payments::{TradeState, new_order_no};
use crate::store::idempotency::{self, RequestFingerprint, StoredAnswer};
use crate::store::orders::{self, StoredOrder};
use crate::wechat_pay::{Notice, PlatformSignature};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/applications/{application_id}/orders", post(create_order))
        .route("/orders/{order_no}", get(get_order))
        .route("/orders/{order_no}/query", post(query_order))
        .route("/payments/wechat/notify", post(wechat_notify))
}

fn order_not_found() -> ApiError {
    ApiError::not_found("no such order")
}

/// The candidate's order `order_no`, or 404 (also when it is someone else's).
pub(crate) fn load_owned_order(
    conn: &Connection,
    account_id: &str,
    order_no: &str,
) -> ApiResult<StoredOrder> {
    orders::get(conn, order_no)?
        .filter(|o| o.account_id == account_id)
        .ok_or_else(order_not_found)
}

async fn owned_order(state: &AppState, account_id: &str, order_no: &str) -> ApiResult<Order> {
    let (account_id, order_no) = (account_id.to_owned(), order_no.to_owned());
    state
        .db
        .read(move |conn| Ok(load_owned_order(conn, &account_id, &order_no)?.order))
        .await
}

/// `POST /applications/{id}/orders` (Idempotency-Key): the application's one open order,
/// created if there is none, with a code valid for at least a few more minutes. The order
/// (and the key's answer) is recorded first; the code comes from the provider afterwards,
/// with no database connection held, so a repeat with the same key after a 503 finds the
/// same order and asks again.
async fn create_order(
    State(state): State<AppState>,
    current: CurrentAccount,
    PathParams(id): PathParams<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Order>)> {
    let key = idempotency_key(&headers)?;
    let now = state.clock.now();
    let account_id = current.account.id;
    let request =
        RequestFingerprint::new("POST", &format!("/api/v1/applications/{id}/orders"), &body);
    let owner = account_id.clone();
    let (order_no, existed) = state
        .db
        .call(move |conn| {
            let tx = write_tx(conn)?;
            let app = load_owned(&tx, &owner, &id)?;
            let retention = i64::try_from(IDEMPOTENCY_KEY_RETENTION_S).unwrap_or(i64::MAX);
            idempotency::prune(&tx, Timestamp(now.0.saturating_sub(retention)))?;
            // A repeat answers the order it created, as it is now.
            if let Some(answer) = idempotency::get(&tx, &owner, &key, &request)? {
                let first: Order =
                    serde_json::from_str(&answer.body).map_err(ApiError::internal)?;
                return Ok((first.order_no, true));
            }
            if app.status.apply(Transition::ConfirmPayment).is_none() {
                return Err(ApiError::new(
                    ErrorCode::InvalidTransition,
                    format!(
                        "only an application awaiting payment can be paid; this one is {}",
                        status_name(app.status)
                    ),
                ));
            }
            let (order, existed) = match orders::open_for_application(&tx, &app.id)? {
                Some(open) => (open, true),
                None => {
                    let plan = crate::store::plans::get(&tx, &app.plan_id)?
                        .ok_or_else(|| ApiError::internal("an application's plan is missing"))?;
                    let order = Order {
                        order_no: new_order_no(now),
                        application_id: app.id.clone(),
                        amount_fen: plan.fee_fen,
                        status: OrderStatus::Unpaid,
                        code_url: None,
                        code_expires_at: None,
                        paid_at: None,
                        refunded_at: None,
                        notice: None,
                    };
                    orders::insert(&tx, &order, now)?;
                    let stored = orders::get(&tx, &order.order_no)?.ok_or_else(order_not_found)?;
                    (stored, false)
                }
            };
            let answer = StoredAnswer {
                status: StatusCode::OK.as_u16(),
                body: serde_json::to_string(&order.order).map_err(ApiError::internal)?,
            };
            idempotency::insert(&tx, &owner, &key, &request, &answer, now)?;
            tx.commit()?;
            Ok((order.order.order_no, existed))
        })
        .await?;
    if existed {
        // Paid already (the notification or a poll has not told us yet)? Record it rather
        // than offer a code to pay twice.
        checkout::sync_order(&state, &order_no, false).await?;
    }
    checkout::ensure_code(&state, &order_no).await?;
    let order = owned_order(&state, &account_id, &order_no).await?;
    Ok((StatusCode::OK, Json(order)))
}

/// `GET /orders/{order_no}`: the order; an unpaid one is first checked with the provider
/// (at most every few seconds), so polling notices a payment even without the
/// notification, and a code that expired is renewed.
async fn get_order(
    State(state): State<AppState>,
    current: CurrentAccount,
    PathParams(order_no): PathParams<String>,
) -> ApiResult<Json<Order>> {
    sync(state, current, order_no, false).await
}

/// `POST /orders/{order_no}/query` (我已支付): asks the provider now.
async fn query_order(
    State(state): State<AppState>,
    current: CurrentAccount,
    PathParams(order_no): PathParams<String>,
) -> ApiResult<Json<Order>> {
    sync(state, current, order_no, true).await
}

async fn sync(
    state: AppState,
    current: CurrentAccount,
    order_no: String,
    strict: bool,
) -> ApiResult<Json<Order>> {
    let account_id = current.account.id;
    // Ownership first: nothing is asked of the provider about someone else's order.
    owned_order(&state, &account_id, &order_no).await?;
    checkout::sync_order(&state, &order_no, strict).await?;
    Ok(Json(owned_order(&state, &account_id, &order_no).await?))
}

/// WeChat's documented answer to a notification it must send again: a 4xx/5xx status and
/// `{"code": "FAIL", "message": …}` (a success is 200 or 204 with no body).
fn notify_failure(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "code": "FAIL", "message": message }))).into_response()
}

/// `POST /payments/wechat/notify`: WeChat Pay's payment and refund notifications. The
/// platform signature over the raw body must verify with a trusted platform key and be at
/// most 5 minutes old; the decrypted transaction, when `SUCCESS`, records the payment of
/// its attempt once (a repeat changes nothing); a refund's outcome settles the refund.
/// Answers 204, or WeChat's `{"code":"FAIL",…}` with 401 (signature), 400 (unusable body),
/// 404 (not WeChat Pay), 500/503 (try again later).
async fn wechat_notify(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(wechat) = state.wechat.clone() else {
        return notify_failure(StatusCode::NOT_FOUND, "WeChat Pay is not configured");
    };
    let Some(sig) =
        PlatformSignature::from_headers(|name| headers.get(name).and_then(|v| v.to_str().ok()))
    else {
        tracing::warn!("a WeChat Pay notification without its Wechatpay-* headers");
        return notify_failure(StatusCode::UNAUTHORIZED, "missing signature headers");
    };
    // Verifying may download certificates (a rotation): off the async workers.
    let opened = tokio::task::spawn_blocking(move || wechat.open_notification(&sig, &body)).await;
    let (notification, notice) = match opened {
        Ok(Ok(opened)) => opened,
        Ok(Err(e)) => {
            tracing::warn!(error = %format!("{e:#}"), "a WeChat Pay notification was refused");
            return notify_failure(StatusCode::UNAUTHORIZED, "signature verification failed");
        }
        Err(e) => return notify_failure(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    let now = state.clock.now();
    let result = match notice {
        Notice::Transaction(t) => match t.state(now) {
            TradeState::Success {
                paid_at,
                transaction_id,
                amount_fen,
            } => {
                checkout::record_payment(
                    &state,
                    &t.out_trade_no,
                    &transaction_id,
                    amount_fen,
                    paid_at,
                )
                .await
            }
            _ => {
                tracing::info!(id = %notification.id, attempt = %t.out_trade_no, state = %t.trade_state, "a WeChat Pay notification that is not a payment");
                Ok(())
            }
        },
        Notice::Refund(r) => checkout::settle_refund(&state, &r.out_refund_no, r.state(now)).await,
    };
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        // An attempt or refund we never made, or a wrong amount: WeChat retrying will not
        // help, but saying FAIL keeps it visible in WeChat's records too.
        Err(e) if e.code() == ErrorCode::NotFound || e.code() == ErrorCode::ValidationFailed => {
            notify_failure(StatusCode::BAD_REQUEST, &e.envelope().error.message)
        }
        Err(e) => notify_failure(
            StatusCode::INTERNAL_SERVER_ERROR,
            &e.envelope().error.message,
        ),
    }
}
