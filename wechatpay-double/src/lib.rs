//! A strict WeChat Pay API v3 test double: it plays `api.mch.weixin.qq.com` for the
//! reference backend's tests, the conformance suite and browser journeys.
//!
//! It was written from WeChat Pay's documentation only (签名生成, 签名验证, Native下单,
//! 查询订单, 关闭订单, 申请退款, 查询单笔退款, 支付成功回调通知, 退款结果通知, 下载平台证书,
//! 微信支付公钥) and shares no code with the backend it tests. Each check carries, in a
//! comment beside it, the documented rule it enforces.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use wechatpay_double::{DoubleConfig, fixtures};
//! let double = wechatpay_double::start(DoubleConfig::for_tests()).await?;
//! // Point the merchant side at double.base_url(), mchid fixtures::MCHID, the key
//! // fixtures::MERCHANT_KEY_PEM, serial fixtures::MERCHANT_CERT_SERIAL, the platform public
//! // key fixtures::PLATFORM_1_PUBLIC_PEM / fixtures::PLATFORM_1_PUB_KEY_ID …
//! // … let the backend create a Native order "T20261205000001", then:
//! double.pay("T20261205000001", true)?;
//! # Ok(()) }
//! ```
//!
//! The library runs the double inside the caller's tokio runtime. Its notifications are
//! sent from tokio's blocking pool, so a test on a current-thread runtime works as long as
//! it does not block that thread while the double must answer.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

mod api;
mod auth;
mod clock;
mod control;
pub mod crypto;
pub mod fixtures;
mod model;
mod notify;
mod state;
mod validate;

pub use auth::{Authorization, SCHEME, parse as parse_authorization};
pub use clock::{format_time, parse_time};
pub use control::RotationState;
pub use model::{NotificationRecord, Order, Refund, RefundStatus, RequestRecord, TradeState};

use state::Shared;

/// How the platform's identity reaches the merchant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyMode {
    /// 微信支付公钥: answers and notifications name a `PUB_KEY_ID_…` in
    /// `Wechatpay-Serial`; `/v3/certificates` has nothing to give (404 RESOURCE_NOT_EXISTS).
    PublicKey,
    /// 平台证书: `Wechatpay-Serial` is a certificate serial; `/v3/certificates`
    /// publishes the certificates.
    Certificate,
}

/// One step of platform key rotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RotateMode {
    /// Publish the new key beside the current one (signing is unchanged).
    PublishBoth,
    /// Sign answers and notifications with the new key.
    Switch,
    /// Stop publishing the old key.
    RetireOld,
}

/// How the double behaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DoubleConfig {
    pub mode: KeyMode,
    /// Accept `http://` notify URLs (WeChat requires HTTPS for public domains); tests
    /// deliver to `http://127.0.0.1`.
    pub allow_http_notify: bool,
    /// Wait between notification retries (WeChat waits 15 s, then longer).
    pub notify_retry_ms: u64,
    /// Deliveries per notification, the first included. WeChat documents 15 retries.
    pub notify_max_attempts: u32,
    /// How long a merchant has to answer a notification (WeChat: 5 seconds).
    pub notify_timeout_ms: u64,
    /// When a PROCESSING refund settles as SUCCESS by itself: `Some(0)` right after the
    /// answer, `None` only when `/_double/refund` says so.
    pub refund_delay_ms: Option<u64>,
    /// Unix seconds the double's clock reads at start (`None`: real time).
    pub start_at: Option<i64>,
    /// Refuse requests without a `Wechatpay-Serial` header naming a published key (see
    /// `check_headers` in the source for why; `/v3/certificates` is exempt).
    pub require_wechatpay_serial: bool,
}

impl Default for DoubleConfig {
    fn default() -> Self {
        Self {
            mode: KeyMode::PublicKey,
            allow_http_notify: false,
            notify_retry_ms: 1_000,
            notify_max_attempts: 16,
            notify_timeout_ms: 5_000,
            refund_delay_ms: Some(0),
            start_at: None,
            require_wechatpay_serial: true,
        }
    }
}

impl DoubleConfig {
    /// The defaults with `allow_http_notify` and quick notification retries, for tests
    /// whose merchant listens on `http://127.0.0.1`.
    pub fn for_tests() -> Self {
        Self {
            allow_http_notify: true,
            notify_retry_ms: 100,
            ..Self::default()
        }
    }
}

/// What the merchant side needs to talk to the double (also `GET /_double/config` and
/// `wechatpay-double --print-config`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantConfig {
    /// `http://127.0.0.1:PORT` once the double listens.
    pub base_url: Option<String>,
    pub mode: KeyMode,
    pub mchid: String,
    pub appid: String,
    pub api_v3_key: String,
    pub merchant_cert_serial: String,
    pub merchant_key_path: PathBuf,
    pub merchant_cert_path: PathBuf,
    /// Public-key mode: the 微信支付公钥ID and file the merchant downloads from the merchant
    /// platform (key pair 1; after a rotation, pair 2 is `platform_2_public.pem`).
    pub platform_public_key_id: Option<String>,
    pub platform_public_key_path: Option<PathBuf>,
    /// Certificate mode: the first platform certificate (the merchant is expected to fetch
    /// certificates from `/v3/certificates`).
    pub platform_cert_serial: Option<String>,
    pub platform_cert_path: Option<PathBuf>,
    pub fixtures_dir: PathBuf,
}

impl MerchantConfig {
    /// The settings for `mode`.
    pub fn new(mode: KeyMode, base_url: Option<String>) -> Self {
        let public = mode == KeyMode::PublicKey;
        Self {
            base_url,
            mode,
            mchid: fixtures::MCHID.to_string(),
            appid: fixtures::APPID.to_string(),
            api_v3_key: fixtures::API_V3_KEY.to_string(),
            merchant_cert_serial: fixtures::MERCHANT_CERT_SERIAL.to_string(),
            merchant_key_path: fixtures::fixture_path("merchant_key.pem"),
            merchant_cert_path: fixtures::fixture_path("merchant_cert.pem"),
            platform_public_key_id: public.then(|| fixtures::PLATFORM_1_PUB_KEY_ID.to_string()),
            platform_public_key_path: public
                .then(|| fixtures::fixture_path("platform_1_public.pem")),
            platform_cert_serial: (!public).then(|| fixtures::PLATFORM_1_SERIAL.to_string()),
            platform_cert_path: (!public).then(|| fixtures::fixture_path("platform_1_cert.pem")),
            fixtures_dir: fixtures::fixtures_dir(),
        }
    }
}

/// A fault to answer instead of the real handling (after the request's signature checked),
/// e.g. `{"path_prefix":"/v3/pay/transactions/native","status":429,"code":"FREQUENCY_LIMITED",
/// "message":"频率超限","times":1}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Injection {
    /// `GET`, `POST`, or any method when absent.
    #[serde(default)]
    pub method: Option<String>,
    pub path_prefix: String,
    pub status: u16,
    pub code: String,
    #[serde(default)]
    pub message: String,
    /// How many requests get this answer.
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

/// A control operation that could not be done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ControlError {
    NotFound(String),
    Conflict(String),
    BadRequest(String),
}

impl std::fmt::Display for ControlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ControlError::NotFound(what) => write!(f, "{what} not found"),
            ControlError::Conflict(why) | ControlError::BadRequest(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for ControlError {}

/// Starts the double on `127.0.0.1:0`.
pub async fn start(config: DoubleConfig) -> anyhow::Result<RunningDouble> {
    start_on(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

/// Starts the double on `addr`.
pub async fn start_on(config: DoubleConfig, addr: SocketAddr) -> anyhow::Result<RunningDouble> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared::new(config, tokio::runtime::Handle::current())?);
    let _ = shared.base_url.set(format!("http://{addr}"));
    let app = control::router(Arc::clone(&shared));
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(RunningDouble {
        shared,
        addr,
        server,
    })
}

/// A double serving in the background; dropping it stops the server.
pub struct RunningDouble {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for RunningDouble {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl std::fmt::Debug for RunningDouble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningDouble")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl RunningDouble {
    /// `http://127.0.0.1:PORT`, the stand-in for `https://api.mch.weixin.qq.com`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn mode(&self) -> KeyMode {
        self.shared.config.mode
    }

    /// The merchant-side settings.
    pub fn merchant_config(&self) -> MerchantConfig {
        MerchantConfig::new(self.mode(), Some(self.base_url()))
    }

    /// What `Wechatpay-Serial` names on answers now (certificate serial or PUB_KEY_ID).
    pub fn platform_serial(&self) -> String {
        self.shared.signing_key_id()
    }

    /// Every key currently published (both during a rotation).
    pub fn published_serials(&self) -> Vec<String> {
        self.shared.published_key_ids()
    }

    /// Unix seconds on the double's clock.
    pub fn now(&self) -> i64 {
        self.shared.clock.now()
    }

    /// Moves the double's clock. Past 5 minutes, requests signed with real time are refused.
    pub fn advance_clock(&self, seconds: i64) {
        self.shared.clock.advance(seconds);
    }

    /// The candidate pays `out_trade_no`; `notify: false` loses the notification.
    pub fn pay(&self, out_trade_no: &str, notify: bool) -> Result<Order, ControlError> {
        control::pay(&self.shared, out_trade_no, notify)
    }

    /// The payment fails (PAYERROR; see `/_double/fail`).
    pub fn fail(&self, out_trade_no: &str) -> Result<Order, ControlError> {
        control::fail(&self.shared, out_trade_no)
    }

    /// As if the order's time_expire had passed.
    pub fn expire(&self, out_trade_no: &str) -> Result<Order, ControlError> {
        control::expire(&self.shared, out_trade_no)
    }

    /// One step of platform key rotation.
    pub fn rotate(&self, mode: RotateMode) -> Result<RotationState, ControlError> {
        control::rotate(&self.shared, mode)
    }

    /// Every `/v3` answer waits `ms` first.
    pub fn set_latency(&self, ms: u64) {
        self.shared.lock().latency_ms = ms;
    }

    /// Answers the next matching `/v3` request(s) with an error.
    pub fn inject(&self, injection: Injection) {
        self.shared.lock().injections.push(injection);
    }

    /// Settles a PROCESSING refund (and sends its notification).
    pub fn settle_refund(
        &self,
        out_refund_no: &str,
        status: RefundStatus,
    ) -> Result<Refund, ControlError> {
        notify::settle_refund(&self.shared, out_refund_no, status)
    }

    /// Sends the TRANSACTION.SUCCESS notification of a paid order again (WeChat: "同样的通知可能会多次发送给商户系统").
    pub fn resend_notification(&self, out_trade_no: &str) -> Result<(), ControlError> {
        let order = self
            .order(out_trade_no)
            .ok_or_else(|| ControlError::NotFound(format!("order {out_trade_no}")))?;
        notify::transaction_success(&self.shared, &order, false)
    }

    /// Sends a 签名探测 notification with a wrong signature; the merchant must refuse it.
    pub fn send_probe(&self, out_trade_no: &str) -> Result<(), ControlError> {
        let order = self
            .order(out_trade_no)
            .ok_or_else(|| ControlError::NotFound(format!("order {out_trade_no}")))?;
        notify::transaction_success(&self.shared, &order, true)
    }

    /// Forgets orders, refunds, logs, rotation, latency and faults (not the clock).
    pub fn reset(&self) {
        control::reset(&self.shared);
    }

    pub fn order(&self, out_trade_no: &str) -> Option<Order> {
        self.shared.lock().orders.get(out_trade_no).cloned()
    }

    pub fn orders(&self) -> Vec<Order> {
        self.shared.lock().orders.values().cloned().collect()
    }

    pub fn refund(&self, out_refund_no: &str) -> Option<Refund> {
        self.shared.lock().refunds.get(out_refund_no).cloned()
    }

    pub fn refunds(&self) -> Vec<Refund> {
        self.shared.lock().refunds.values().cloned().collect()
    }

    /// Every `/v3` request answered so far.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.lock().requests.clone()
    }

    /// Every notification delivery attempt so far.
    pub fn notifications(&self) -> Vec<NotificationRecord> {
        self.shared.lock().notifications.clone()
    }

    /// Waits until a delivery matching `pred` is recorded, up to `timeout`.
    pub async fn wait_for_notification(
        &self,
        timeout: Duration,
        pred: impl Fn(&NotificationRecord) -> bool,
    ) -> Option<NotificationRecord> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(found) = self.notifications().into_iter().find(|n| pred(n)) {
                return Some(found);
            }
            if tokio::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
