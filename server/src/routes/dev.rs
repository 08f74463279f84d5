//! Development-only endpoints, mounted only with `--dev` (otherwise every path here answers
//! the API's 404 envelope): the SMS outbox the browser journeys read codes from, and a way
//! to end sessions so a journey can watch the app handle a 401, and paying an order in the
//! sandbox.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use baoming_contract::api::{Order, Outbox};
use baoming_contract::phone;
use serde::Deserialize;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{PathParams, QueryParams};
use crate::store::{accounts, orders, outbox, sessions};

/// The outbox answers at most this many messages.
const OUTBOX_LIMIT: u32 = 100;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/dev/sms-outbox", get(sms_outbox))
        .route("/dev/sessions/expire", post(expire_sessions))
        .route("/dev/orders/{order_no}/mark-paid", post(mark_order_paid))
        .route(
            "/dev/orders/{order_no}/expire-code",
            post(expire_order_code),
        )
}

/// `POST /dev/orders/{order_no}/mark-paid`: the sandbox provider records the order's
/// current attempt as paid now, as if the candidate had scanned and paid. The backend
/// learns it the way it would from WeChat Pay: when the order is queried or read, or by
/// the reconciler. Answers the order as the backend knows it at this moment (still unpaid
/// until then).
async fn mark_order_paid(
    State(state): State<AppState>,
    PathParams(order_no): PathParams<String>,
) -> ApiResult<Json<Order>> {
    let sandbox = state
        .sandbox
        .clone()
        .ok_or_else(|| ApiError::not_found("payments do not use the sandbox provider"))?;
    let now = state.clock.now();
    let (order, attempt) = state
        .db
        .call(move |conn| {
            let order = orders::get(conn, &order_no)?
                .ok_or_else(|| ApiError::not_found("no such order"))?;
            let attempt = orders::attempts(conn, &order_no)?
                .into_iter()
                .rev()
                .find(|a| a.state == orders::AttemptState::Open);
            Ok((order, attempt))
        })
        .await?;
    let paid = attempt.is_some_and(|a| sandbox.mark_paid(&a.out_trade_no, now));
    if !paid {
        return Err(ApiError::not_found(
            "the order has no open code at the sandbox provider",
        ));
    }
    Ok(Json(order.order))
}

/// `POST /dev/orders/{order_no}/expire-code`: time travel for tests, as if the order's
/// current code had reached its `time_expire` now (with the WeChat Pay double, pair it with
/// the double's `/_double/expire`). The next read of the order retires that attempt and
/// issues a new code, as it would two hours later. 204; 404 without an open code.
async fn expire_order_code(
    State(state): State<AppState>,
    PathParams(order_no): PathParams<String>,
) -> ApiResult<axum::http::StatusCode> {
    let now = state.clock.now();
    let changed = state
        .db
        .call(move |conn| {
            let tx = super::applications::write_tx(conn)?;
            let changed = tx.execute(
                "UPDATE payment_attempts SET time_expire = ?2
                 WHERE order_no = ?1 AND state IN ('pending', 'open')",
                rusqlite::params![order_no, now.0],
            )?;
            tx.execute(
                "UPDATE orders SET code_expires_at = ?2 WHERE order_no = ?1 AND status = 'unpaid'",
                rusqlite::params![order_no, now.0],
            )?;
            tx.commit()?;
            Ok(changed)
        })
        .await?;
    if changed == 0 {
        return Err(ApiError::not_found("the order has no open code"));
    }
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct PhoneQuery {
    #[serde(default)]
    phone: Option<String>,
}

/// `GET /dev/sms-outbox[?phone=]`: messages "sent", newest first.
async fn sms_outbox(
    State(state): State<AppState>,
    QueryParams(query): QueryParams<PhoneQuery>,
) -> ApiResult<Json<Outbox>> {
    let phone = match query
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => None,
        Some(raw) => Some(phone::normalize(raw).map_err(|e| {
            ApiError::validation("invalid phone number").with_field("phone", e.code())
        })?),
    };
    let messages = state
        .db
        .call(move |conn| Ok(outbox::list(conn, phone.as_deref(), OUTBOX_LIMIT)?))
        .await?;
    Ok(Json(Outbox { messages }))
}

/// `POST /dev/sessions/expire?phone=`: every session of that phone's account expires now.
async fn expire_sessions(
    State(state): State<AppState>,
    QueryParams(query): QueryParams<PhoneQuery>,
) -> ApiResult<StatusCode> {
    let phone = phone::normalize(query.phone.as_deref().unwrap_or_default())
        .map_err(|e| ApiError::validation("invalid phone number").with_field("phone", e.code()))?;
    let now = state.clock.now();
    state
        .db
        .call(move |conn| {
            let account = accounts::by_phone(conn, &phone)?
                .ok_or_else(|| ApiError::not_found("this phone has no account"))?;
            sessions::expire_all(conn, &account.id, now)?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
