//! What the double stores and reports: orders, refunds and the logs of requests
//! and notification deliveries. All of it is JSON on `/_double/…`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// 交易状态 (查询订单 `trade_state`).
///
/// 查询订单 documents SUCCESS/REFUND/NOTPAY/CLOSED/REVOKED/USERPAYING/PAYERROR, with
/// REVOKED, USERPAYING and PAYERROR marked "仅付款码支付会返回" (only 付款码 orders).
/// A Native order therefore never reads REVOKED or USERPAYING here; PAYERROR exists
/// only as fault injection (`/_double/fail`), see its doc.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TradeState {
    Success,
    Refund,
    Notpay,
    Closed,
    Payerror,
}

impl TradeState {
    /// The wire name, e.g. `NOTPAY`.
    pub fn as_str(self) -> &'static str {
        match self {
            TradeState::Success => "SUCCESS",
            TradeState::Refund => "REFUND",
            TradeState::Notpay => "NOTPAY",
            TradeState::Closed => "CLOSED",
            TradeState::Payerror => "PAYERROR",
        }
    }

    /// `trade_state_desc` in the words WeChat uses.
    pub fn desc(self) -> &'static str {
        match self {
            TradeState::Success => "支付成功",
            TradeState::Refund => "订单发生过退款",
            TradeState::Notpay => "订单未支付",
            TradeState::Closed => "订单已关闭",
            TradeState::Payerror => "支付失败,请重新下单支付",
        }
    }

    /// True once money moved (SUCCESS or REFUND).
    pub fn is_paid(self) -> bool {
        matches!(self, TradeState::Success | TradeState::Refund)
    }
}

/// 退款状态 (查询单笔退款 `status`): SUCCESS, CLOSED, PROCESSING, ABNORMAL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RefundStatus {
    Success,
    Closed,
    Processing,
    Abnormal,
}

impl RefundStatus {
    /// The wire name, e.g. `PROCESSING`.
    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Success => "SUCCESS",
            RefundStatus::Closed => "CLOSED",
            RefundStatus::Processing => "PROCESSING",
            RefundStatus::Abnormal => "ABNORMAL",
        }
    }
}

/// One Native order as the double holds it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub out_trade_no: String,
    pub appid: String,
    pub mchid: String,
    pub description: String,
    pub attach: Option<String>,
    pub notify_url: String,
    /// `amount.total`, in fen.
    pub total: i64,
    pub currency: String,
    /// `time_expire` exactly as the merchant sent it.
    pub time_expire: Option<String>,
    /// Unix seconds after which the payer can no longer pay (time_expire adjusted
    /// as documented, or 7 days when absent).
    pub pay_deadline: i64,
    pub created_at: i64,
    pub code_url: String,
    pub code_url_issued_at: i64,
    pub trade_state: TradeState,
    pub transaction_id: Option<String>,
    pub success_time: Option<i64>,
    pub payer_openid: Option<String>,
    pub bank_type: Option<String>,
    /// The first request body, minus the fields allowed to change on a re-order;
    /// a re-order must match it exactly.
    pub request: Value,
}

/// One refund (申请退款).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refund {
    pub refund_id: String,
    pub out_refund_no: String,
    pub transaction_id: String,
    pub out_trade_no: String,
    pub reason: Option<String>,
    pub notify_url: Option<String>,
    /// `amount.refund`, in fen.
    pub refund: i64,
    /// `amount.total`, in fen (the order's total).
    pub total: i64,
    pub currency: String,
    pub status: RefundStatus,
    pub create_time: i64,
    pub success_time: Option<i64>,
    /// The first request body; a repeat with the same `out_refund_no` must match it.
    pub request: Value,
}

/// One `/v3` request the double answered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// Unix seconds on the double's clock.
    pub at: i64,
    pub method: String,
    /// Path and query as received.
    pub path: String,
    pub status: u16,
    /// `code` of an error answer.
    pub code: Option<String>,
    pub message: Option<String>,
    pub request_id: String,
    /// The `Wechatpay-Serial` request header, if any.
    pub wechatpay_serial: Option<String>,
    /// The request body when it was JSON.
    pub body: Option<Value>,
    /// Whether the answer carried `Wechatpay-Signature` (every answer except
    /// those refusing the request's own signature).
    pub signed: bool,
}

/// One delivery attempt of a notification.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotificationRecord {
    /// The notification's `id`; the same on every retry.
    pub id: String,
    /// 1 for the first delivery, 2 for the first retry, …
    pub attempt: u32,
    pub at: i64,
    pub url: String,
    /// TRANSACTION.SUCCESS, REFUND.SUCCESS, REFUND.ABNORMAL or REFUND.CLOSED.
    pub event_type: String,
    pub out_trade_no: String,
    pub out_refund_no: Option<String>,
    /// The `Wechatpay-Serial` header sent (platform serial or PUB_KEY_ID).
    pub wechatpay_serial: String,
    /// A 签名探测 delivery whose signature is deliberately wrong; the merchant
    /// must refuse it.
    pub probe: bool,
    /// HTTP status the merchant answered; `None` on a connection error or time-out.
    pub status: Option<u16>,
    /// The body the merchant answered.
    pub answer_body: Option<String>,
    pub error: Option<String>,
    /// 200 or 204: WeChat's definition of a received notification.
    pub accepted: bool,
    /// For a refusal (4XX/5XX): whether the answer was `{"code":"FAIL","message":…}`.
    pub failure_answer_well_formed: Option<bool>,
    /// The envelope that was posted.
    pub envelope: Value,
}
