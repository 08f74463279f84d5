//! The double's own control surface under `/_double/` (JSON, unsigned). None of it is
//! WeChat's: it stands in for the payer's phone, WeChat's clock and key management.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::model::{Order, RefundStatus, TradeState};
use crate::state::{Rotation, Shared};
use crate::{ControlError, Injection, RotateMode, api, crypto, notify};

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        let status = match &self {
            ControlError::NotFound(_) => StatusCode::NOT_FOUND,
            ControlError::Conflict(_) => StatusCode::CONFLICT,
            ControlError::BadRequest(_) => StatusCode::BAD_REQUEST,
        };
        (status, Json(json!({ "error": self.to_string() }))).into_response()
    }
}

/// Which keys are published and which one signs, as `Wechatpay-Serial` names them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationState {
    pub published: Vec<String>,
    pub signing: String,
}

pub(crate) fn rotation_state(shared: &Shared) -> RotationState {
    let rotation = shared.lock().rotation.clone();
    RotationState {
        published: rotation
            .published
            .iter()
            .map(|i| shared.key_id(*i).to_string())
            .collect(),
        signing: shared.key_id(rotation.signing).to_string(),
    }
}

/// The candidate scans the code and pays: SUCCESS, a transaction_id, success_time.
pub(crate) fn pay(
    shared: &Arc<Shared>,
    out_trade_no: &str,
    send_notification: bool,
) -> Result<Order, ControlError> {
    let now = shared.clock.now();
    let order = {
        let mut inner = shared.lock();
        let order = inner
            .orders
            .get_mut(out_trade_no)
            .ok_or_else(|| ControlError::NotFound(format!("order {out_trade_no}")))?;
        if order.trade_state != TradeState::Notpay {
            return Err(ControlError::Conflict(format!(
                "order {out_trade_no} is {}; only a NOTPAY order can be paid",
                order.trade_state.as_str()
            )));
        }
        // time_expire: "超过此时间后,用户将无法对该笔订单进行支付".
        if now > order.pay_deadline {
            return Err(ControlError::Conflict(format!(
                "order {out_trade_no} is past its time_expire; it can no longer be paid"
            )));
        }
        let transaction_id = format!("4200{}", crypto::random_digits(24));
        order.trade_state = TradeState::Success;
        order.transaction_id = Some(transaction_id.clone());
        order.success_time = Some(now);
        order.bank_type = Some("OTHERS".to_string());
        order.payer_openid = Some(format!(
            "o{}",
            crypto::random_from(
                b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-",
                27
            )
        ));
        let order = order.clone();
        inner
            .by_transaction
            .insert(transaction_id, out_trade_no.to_string());
        order
    };
    if send_notification {
        notify::transaction_success(shared, &order, false)?;
    }
    Ok(order)
}

/// Fault injection: the payment fails (PAYERROR). 查询订单 documents PAYERROR as
/// "仅付款码支付会返回", so a real Native order would not show it; backends still meet
/// unexpected states, and this lets tests show they cope.
pub(crate) fn fail(shared: &Shared, out_trade_no: &str) -> Result<Order, ControlError> {
    let mut inner = shared.lock();
    let order = inner
        .orders
        .get_mut(out_trade_no)
        .ok_or_else(|| ControlError::NotFound(format!("order {out_trade_no}")))?;
    if order.trade_state != TradeState::Notpay {
        return Err(ControlError::Conflict(format!(
            "order {out_trade_no} is {}",
            order.trade_state.as_str()
        )));
    }
    order.trade_state = TradeState::Payerror;
    Ok(order.clone())
}

/// As if the order's time_expire had passed (the order stays NOTPAY, as WeChat's does).
pub(crate) fn expire(shared: &Shared, out_trade_no: &str) -> Result<Order, ControlError> {
    let now = shared.clock.now();
    let mut inner = shared.lock();
    let order = inner
        .orders
        .get_mut(out_trade_no)
        .ok_or_else(|| ControlError::NotFound(format!("order {out_trade_no}")))?;
    if order.trade_state != TradeState::Notpay {
        return Err(ControlError::Conflict(format!(
            "order {out_trade_no} is {}",
            order.trade_state.as_str()
        )));
    }
    order.pay_deadline = now - 1;
    Ok(order.clone())
}

/// Platform key rotation (平台证书更新指引): publish the new key beside the old one, then
/// sign with the new one, then stop publishing the old one.
pub(crate) fn rotate(shared: &Shared, mode: RotateMode) -> Result<RotationState, ControlError> {
    let now = shared.clock.now();
    {
        let mut inner = shared.lock();
        let rotation: &mut Rotation = &mut inner.rotation;
        match mode {
            RotateMode::PublishBoth => {
                if rotation.published.len() == 1 {
                    let new = 1 - rotation.signing;
                    rotation.published.push(new);
                    // 下载平台证书: "更换平台证书前,会提前24小时修改老证书的弃用时间,接口返回新老两个平台证书".
                    rotation.expire_override[rotation.signing] = Some(now + 86_400);
                    rotation.expire_override[new] = None;
                }
            }
            RotateMode::Switch => {
                let newest = *rotation.published.last().unwrap_or(&rotation.signing);
                if rotation.published.len() < 2 && newest == rotation.signing {
                    return Err(ControlError::Conflict(
                        "only one key is published; publish_both first".to_string(),
                    ));
                }
                rotation.signing = newest;
            }
            RotateMode::RetireOld => {
                let newest = *rotation.published.last().unwrap_or(&rotation.signing);
                if rotation.signing != newest {
                    return Err(ControlError::Conflict(
                        "the old key still signs; switch first".to_string(),
                    ));
                }
                let signing = rotation.signing;
                rotation.published.retain(|i| *i == signing);
                rotation.expire_override = [None, None];
            }
        }
    }
    Ok(rotation_state(shared))
}

/// Forgets orders, refunds, logs, rotation, latency and injected faults (not the clock).
pub(crate) fn reset(shared: &Shared) {
    let mut inner = shared.lock();
    *inner = Default::default();
}

// ---------------------------------------------------------------- HTTP

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v3/{*rest}", any(api::v3))
        .route("/_double/pay", post(pay_handler))
        .route("/_double/fail", post(fail_handler))
        .route("/_double/expire", post(expire_handler))
        .route("/_double/clock", post(clock_handler).get(clock_get))
        .route("/_double/rotate", post(rotate_handler).get(rotate_get))
        .route("/_double/latency", post(latency_handler))
        .route("/_double/refund", post(refund_handler))
        .route("/_double/notify", post(notify_handler))
        .route("/_double/probe", post(probe_handler))
        .route("/_double/inject", post(inject_handler))
        .route("/_double/reset", post(reset_handler))
        .route("/_double/config", get(config_handler))
        .route("/_double/orders", get(orders_handler))
        .route("/_double/orders/{out_trade_no}", get(order_handler))
        .route("/_double/refunds", get(refunds_handler))
        .route("/_double/requests", get(requests_handler))
        .route("/_double/notifications", get(notifications_handler))
        .with_state(shared)
}

type Ctl = State<Arc<Shared>>;

#[derive(Deserialize)]
struct PayBody {
    out_trade_no: String,
    #[serde(default = "yes")]
    notify: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct OrderBody {
    out_trade_no: String,
}

#[derive(Deserialize)]
struct ClockBody {
    advance_s: i64,
}

#[derive(Deserialize)]
struct RotateBody {
    mode: RotateMode,
}

#[derive(Deserialize)]
struct LatencyBody {
    ms: u64,
}

#[derive(Deserialize)]
struct RefundBody {
    out_refund_no: String,
    #[serde(default = "refund_success")]
    status: RefundStatus,
}

fn refund_success() -> RefundStatus {
    RefundStatus::Success
}

async fn pay_handler(
    State(shared): Ctl,
    Json(body): Json<PayBody>,
) -> Result<Json<Order>, ControlError> {
    pay(&shared, &body.out_trade_no, body.notify).map(Json)
}

async fn fail_handler(
    State(shared): Ctl,
    Json(body): Json<OrderBody>,
) -> Result<Json<Order>, ControlError> {
    fail(&shared, &body.out_trade_no).map(Json)
}

async fn expire_handler(
    State(shared): Ctl,
    Json(body): Json<OrderBody>,
) -> Result<Json<Order>, ControlError> {
    expire(&shared, &body.out_trade_no).map(Json)
}

async fn clock_handler(State(shared): Ctl, Json(body): Json<ClockBody>) -> Json<serde_json::Value> {
    shared.clock.advance(body.advance_s);
    Json(json!({ "now": shared.clock.now() }))
}

async fn clock_get(State(shared): Ctl) -> Json<serde_json::Value> {
    Json(json!({ "now": shared.clock.now() }))
}

async fn rotate_handler(
    State(shared): Ctl,
    Json(body): Json<RotateBody>,
) -> Result<Json<RotationState>, ControlError> {
    rotate(&shared, body.mode).map(Json)
}

async fn rotate_get(State(shared): Ctl) -> Json<RotationState> {
    Json(rotation_state(&shared))
}

async fn latency_handler(State(shared): Ctl, Json(body): Json<LatencyBody>) -> StatusCode {
    shared.lock().latency_ms = body.ms;
    StatusCode::NO_CONTENT
}

async fn refund_handler(
    State(shared): Ctl,
    Json(body): Json<RefundBody>,
) -> Result<Json<crate::Refund>, ControlError> {
    notify::settle_refund(&shared, &body.out_refund_no, body.status).map(Json)
}

fn order_of(shared: &Shared, out_trade_no: &str) -> Result<Order, ControlError> {
    shared
        .lock()
        .orders
        .get(out_trade_no)
        .cloned()
        .ok_or_else(|| ControlError::NotFound(format!("order {out_trade_no}")))
}

async fn notify_handler(
    State(shared): Ctl,
    Json(body): Json<OrderBody>,
) -> Result<StatusCode, ControlError> {
    let order = order_of(&shared, &body.out_trade_no)?;
    notify::transaction_success(&shared, &order, false)?;
    Ok(StatusCode::ACCEPTED)
}

async fn probe_handler(
    State(shared): Ctl,
    Json(body): Json<OrderBody>,
) -> Result<StatusCode, ControlError> {
    let order = order_of(&shared, &body.out_trade_no)?;
    notify::transaction_success(&shared, &order, true)?;
    Ok(StatusCode::ACCEPTED)
}

async fn inject_handler(State(shared): Ctl, Json(body): Json<Injection>) -> StatusCode {
    shared.lock().injections.push(body);
    StatusCode::NO_CONTENT
}

async fn reset_handler(State(shared): Ctl) -> StatusCode {
    reset(&shared);
    StatusCode::NO_CONTENT
}

async fn config_handler(State(shared): Ctl) -> Json<crate::MerchantConfig> {
    Json(crate::MerchantConfig::new(
        shared.config.mode,
        shared.base_url.get().cloned(),
    ))
}

async fn orders_handler(State(shared): Ctl) -> Json<Vec<Order>> {
    Json(shared.lock().orders.values().cloned().collect())
}

async fn order_handler(
    State(shared): Ctl,
    Path(out_trade_no): Path<String>,
) -> Result<Json<Order>, ControlError> {
    order_of(&shared, &out_trade_no).map(Json)
}

async fn refunds_handler(State(shared): Ctl) -> Json<Vec<crate::Refund>> {
    Json(shared.lock().refunds.values().cloned().collect())
}

async fn requests_handler(State(shared): Ctl) -> Json<Vec<crate::RequestRecord>> {
    Json(shared.lock().requests.clone())
}

async fn notifications_handler(State(shared): Ctl) -> Json<Vec<crate::NotificationRecord>> {
    Json(shared.lock().notifications.clone())
}
