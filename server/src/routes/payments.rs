//! 待缴费: `POST /applications/{id}/orders`, `GET /orders/{order_no}`,
//! `POST /orders/{order_no}/query` and WeChat Pay's `POST /payments/wechat/notify`.
//!
//! One open order per application (also a unique index); its number never changes, only its
//! code is refreshed. The amount is the plan's fee from the database. A payment is learnt
//! from the provider (a query now, or when an unpaid order is read) and recorded exactly
//! once: the order becomes paid and the application moves on by the contract's
//! `confirm_payment` transition in the same transaction. Another candidate's order answers
//! 404 like one that does not exist.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use baoming_contract::api::{IDEMPOTENCY_KEY_RETENTION_S, Order, OrderStatus};
use baoming_contract::error::ErrorCode;
use baoming_contract::review::code_needs_refresh;
use baoming_contract::status::Transition;
use baoming_contract::time::Timestamp;
use rusqlite::Connection;

use super::applications::{idempotency_key, load_owned, status_name, write_tx};
use crate::AppState;
use crate::auth::CurrentAccount;
use crate::error::{ApiError, ApiResult};
use crate::extract::PathParams;
use crate::payments::{PaymentProvider, PaymentState, new_order_no};
use crate::store::idempotency::{self, StoredAnswer};
use crate::store::orders::{self, StoredOrder};
use crate::store::{applications, plans};
use crate::wechat_pay::PlatformSignature;

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

fn provider_failed(e: anyhow::Error) -> ApiError {
    tracing::error!(error = %e, "payment provider failed");
    ApiError::new(
        ErrorCode::Unavailable,
        "the payment service did not answer; try again",
    )
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

/// Gives an unpaid order a fresh code when its code is expired or about to expire.
fn refresh_code(
    conn: &Connection,
    provider: &dyn PaymentProvider,
    order: StoredOrder,
    now: Timestamp,
) -> ApiResult<StoredOrder> {
    let fresh = order.order.status != OrderStatus::Unpaid
        || order
            .order
            .code_expires_at
            .is_some_and(|at| !code_needs_refresh(at, now));
    if fresh {
        return Ok(order);
    }
    let prepay = provider
        .prepay(
            &order.order.order_no,
            order.order.amount_fen,
            "职业技能等级认定报名费",
            now,
        )
        .map_err(provider_failed)?;
    orders::set_code(
        conn,
        &order.order.order_no,
        &prepay.code_url,
        prepay.expires_at,
    )?;
    orders::get(conn, &order.order.order_no)?.ok_or_else(order_not_found)
}

/// Records that `order` was paid at `paid_at`: the order, then the application by
/// `confirm_payment`. Only the first call changes anything.
pub(crate) fn record_payment(
    conn: &Connection,
    order: &StoredOrder,
    paid_at: Timestamp,
    now: Timestamp,
) -> ApiResult<()> {
    if !orders::mark_paid(conn, &order.order.order_no, paid_at)? {
        return Ok(());
    }
    let app = applications::by_id_with_phone(conn, &order.order.application_id)?
        .ok_or_else(|| ApiError::internal("an order's application is missing"))?
        .0;
    match app.status.apply(Transition::ConfirmPayment) {
        Some(next) => applications::set_status(conn, &app.id, next, now)?,
        // Cannot happen with one open order per application and orders only for
        // applications awaiting payment; the money is recorded on the order regardless.
        None => tracing::error!(
            order = %order.order.order_no,
            status = %status_name(app.status),
            "payment for an application that was not awaiting payment"
        ),
    }
    Ok(())
}

/// Asks the provider about an unpaid order and records a payment; `strict` makes a
/// provider failure an error instead of answering what the backend last knew.
fn sync_with_provider(
    conn: &mut Connection,
    provider: &dyn PaymentProvider,
    account_id: &str,
    order_no: &str,
    now: Timestamp,
    strict: bool,
) -> ApiResult<Order> {
    let tx = write_tx(conn)?;
    let order = load_owned_order(&tx, account_id, order_no)?;
    if order.order.status == OrderStatus::Unpaid {
        match provider.query(order_no) {
            Ok(PaymentState::Paid { paid_at }) => record_payment(&tx, &order, paid_at, now)?,
            Ok(PaymentState::Unpaid) => {}
            Err(e) if strict => return Err(provider_failed(e)),
            Err(e) => tracing::warn!(error = %e, order = %order_no, "payment query failed"),
        }
    }
    let order = load_owned_order(&tx, account_id, order_no)?;
    tx.commit()?;
    Ok(order.order)
}

/// `POST /applications/{id}/orders` (Idempotency-Key): the application's one open order,
/// created if there is none, with a code valid for at least a few more minutes.
async fn create_order(
    State(state): State<AppState>,
    current: CurrentAccount,
    PathParams(id): PathParams<String>,
    headers: HeaderMap,
) -> ApiResult<(StatusCode, Json<Order>)> {
    let key = idempotency_key(&headers)?;
    let now = state.clock.now();
    let account_id = current.account.id;
    let provider = state.payments.clone();
    let endpoint = format!("POST /api/v1/applications/{id}/orders");
    let order = state
        .db
        .call(move |conn| {
            let provider = provider.as_ref();
            let tx = write_tx(conn)?;
            let app = load_owned(&tx, &account_id, &id)?;
            let retention = i64::try_from(IDEMPOTENCY_KEY_RETENTION_S).unwrap_or(i64::MAX);
            idempotency::prune(&tx, Timestamp(now.0.saturating_sub(retention)))?;
            // A repeat answers the order it created, as it is now (paid, or with a code
            // that is still valid), instead of a stale copy.
            if let Some(answer) = idempotency::get(&tx, &account_id, &key, &endpoint)? {
                let first: Order =
                    serde_json::from_str(&answer.body).map_err(ApiError::internal)?;
                let order = load_owned_order(&tx, &account_id, &first.order_no)?;
                let order = refresh_code(&tx, provider, order, now)?;
                tx.commit()?;
                return Ok(order.order);
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
            let order = match orders::open_for_application(&tx, &app.id)? {
                // Paid already (the notification or a poll has not told us yet): record
                // it and answer the paid order rather than a code to pay twice.
                Some(open) => match provider.query(&open.order.order_no) {
                    Ok(PaymentState::Paid { paid_at }) => {
                        record_payment(&tx, &open, paid_at, now)?;
                        load_owned_order(&tx, &account_id, &open.order.order_no)?
                    }
                    Ok(PaymentState::Unpaid) => refresh_code(&tx, provider, open, now)?,
                    Err(e) => return Err(provider_failed(e)),
                },
                None => {
                    let plan = plans::get(&tx, &app.plan_id)?
                        .ok_or_else(|| ApiError::internal("an application's plan is missing"))?;
                    let order_no = new_order_no(now);
                    let prepay = provider
                        .prepay(&order_no, plan.fee_fen, &plan.name, now)
                        .map_err(provider_failed)?;
                    let order = Order {
                        order_no: order_no.clone(),
                        application_id: app.id.clone(),
                        amount_fen: plan.fee_fen,
                        status: OrderStatus::Unpaid,
                        code_url: Some(prepay.code_url),
                        code_expires_at: Some(prepay.expires_at),
                        paid_at: None,
                    };
                    orders::insert(&tx, &order, now)?;
                    orders::get(&tx, &order_no)?.ok_or_else(order_not_found)?
                }
            };
            let answer = StoredAnswer {
                status: StatusCode::OK.as_u16(),
                body: serde_json::to_string(&order.order).map_err(ApiError::internal)?,
            };
            idempotency::insert(&tx, &account_id, &key, &endpoint, &answer, now)?;
            tx.commit()?;
            Ok(order.order)
        })
        .await?;
    Ok((StatusCode::OK, Json(order)))
}

/// `GET /orders/{order_no}`: the order; an unpaid one is first checked with the provider,
/// so polling notices a payment even without the notification.
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
    let now = state.clock.now();
    let account_id = current.account.id;
    let provider = state.payments.clone();
    let order = state
        .db
        .call(move |conn| {
            sync_with_provider(conn, provider.as_ref(), &account_id, &order_no, now, strict)
        })
        .await?;
    Ok(Json(order))
}

/// `POST /payments/wechat/notify`: WeChat Pay's payment notification. The platform
/// signature over the raw body must verify and be at most 5 minutes old (else 401); the
/// decrypted transaction, when `SUCCESS` for a known order of exactly the order's amount,
/// records the payment once. Answers 204 (also for a repeat, which changes nothing); 404
/// when the provider is not WeChat Pay; 422 when the amount differs from the order's.
async fn wechat_notify(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let Some(wechat) = state.payments.wechat() else {
        return Err(super::not_found().await);
    };
    let now = state.clock.now();
    let refused = |e: anyhow::Error| {
        tracing::warn!(error = %format!("{e:#}"), "a WeChat Pay notification was refused");
        ApiError::new(
            ErrorCode::Unauthenticated,
            "the notification's signature does not verify",
        )
    };
    let sig =
        PlatformSignature::from_headers(|name| headers.get(name).and_then(|v| v.to_str().ok()))
            .ok_or_else(|| refused(anyhow::anyhow!("Wechatpay-* headers missing")))?;
    let (notification, transaction) = wechat
        .open_notification(&sig, &body, now)
        .map_err(refused)?;
    if transaction.trade_state != "SUCCESS" {
        tracing::info!(
            id = %notification.id,
            order = %transaction.out_trade_no,
            state = %transaction.trade_state,
            "a WeChat Pay notification that is not a payment"
        );
        return Ok(StatusCode::NO_CONTENT);
    }
    let paid_at = transaction
        .success_time
        .as_deref()
        .and_then(Timestamp::parse_rfc3339)
        .unwrap_or(now);
    let amount = transaction.amount.as_ref().map(|a| a.total);
    let order_no = transaction.out_trade_no.clone();
    state
        .db
        .call(move |conn| {
            let tx = write_tx(conn)?;
            let order = orders::get(&tx, &order_no)?.ok_or_else(order_not_found)?;
            if amount != Some(order.order.amount_fen) {
                tracing::error!(
                    order = %order_no,
                    notified = ?amount,
                    expected = order.order.amount_fen,
                    "a WeChat Pay notification with the wrong amount"
                );
                return Err(ApiError::validation(
                    "the notified amount differs from the order's",
                )
                .with_field("amount.total", "mismatch"));
            }
            if order.order.status == OrderStatus::Closed {
                tracing::error!(order = %order_no, "WeChat Pay reports a payment of a closed order");
            }
            record_payment(&tx, &order, paid_at, now)?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
