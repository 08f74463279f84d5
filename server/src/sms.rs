//! Sending SMS: the [`SmsSender`] interface, the real providers ([`tencent`]: Tencent Cloud
//! SMS, [`aliyun`]: Alibaba Cloud SMS) and the development outbox [`DevOutbox`], chosen from
//! the configuration by [`sender_from_config`].
//!
//! Providers send templated messages: a sign name (签名) and a template approved in the
//! provider's console, filled with [`SmsMessage::template_params`]. [`SmsMessage::text`] is
//! what the candidate reads; only the development outbox sends (prints and stores) it.
//!
//! Nothing here logs a verification code, a message text or a full phone number: phones are
//! masked and provider messages (which may echo the request) are scrubbed of digits.

pub mod aliyun;
pub mod tencent;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use baoming_contract::auth::SMS_CODE_TTL_S;
use baoming_contract::phone::mask;

use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::store;

/// The sign name (签名) the development outbox puts before each text.
pub const DEV_SIGN_NAME: &str = "职业技能等级认定";

/// What an SMS is about: each kind is one template at the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SmsKind {
    /// 验证码: the code of 考生注册 or 忘记密码.
    VerificationCode,
    /// 审核通过.
    ReviewApproved,
    /// 审核未通过.
    ReviewRejected,
    /// 准考证 can be printed.
    TicketReady,
    /// Sent instead of a code when someone asks to register a phone that has an account:
    /// the page answers the same either way, and only the phone's owner learns the truth.
    AlreadyRegistered,
    /// Sent instead of a code when someone asks to reset the password of a phone without
    /// an account, for the same reason.
    NotRegistered,
}

impl SmsKind {
    /// Every kind, in the order of the settings.
    pub const ALL: [SmsKind; 6] = [
        SmsKind::VerificationCode,
        SmsKind::ReviewApproved,
        SmsKind::ReviewRejected,
        SmsKind::TicketReady,
        SmsKind::AlreadyRegistered,
        SmsKind::NotRegistered,
    ];

    /// The name in logs and in the `--sms-template-<name>` settings.
    pub fn name(self) -> &'static str {
        match self {
            SmsKind::VerificationCode => "code",
            SmsKind::ReviewApproved => "approved",
            SmsKind::ReviewRejected => "rejected",
            SmsKind::TicketReady => "ticket",
            SmsKind::AlreadyRegistered => "registered",
            SmsKind::NotRegistered => "unregistered",
        }
    }

    /// The template body with its parameters as `{name}`: what the candidate reads after
    /// the sign name. The providers' template texts (see their modules) must say the same.
    pub fn body(self) -> &'static str {
        match self {
            SmsKind::VerificationCode => "您的验证码是{code}，{minutes}分钟内有效。",
            SmsKind::ReviewApproved => "您的报名审核已通过，请登录缴费。",
            SmsKind::ReviewRejected => "您的报名审核未通过，请登录查看原因并修改后重新提交。",
            SmsKind::TicketReady => "您的准考证已可打印，请登录查看考试安排。",
            SmsKind::AlreadyRegistered => ALREADY_REGISTERED_TEXT,
            SmsKind::NotRegistered => NOT_REGISTERED_TEXT,
        }
    }
}

/// The text of [`SmsKind::AlreadyRegistered`], the same at every provider.
pub const ALREADY_REGISTERED_TEXT: &str =
    "本手机号已注册报名账号，无需重复注册，请直接登录；忘记密码可在登录页找回。";
/// The text of [`SmsKind::NotRegistered`], the same at every provider.
pub const NOT_REGISTERED_TEXT: &str =
    "本手机号尚未注册报名账号，无法找回密码；如需报名，请先注册。";

/// One SMS to send.
#[derive(Clone, PartialEq, Eq)]
pub struct SmsMessage {
    /// The normalised 11-digit phone number.
    pub phone: String,
    /// Which template.
    pub kind: SmsKind,
    /// The full text, sign name included, as the development outbox shows it.
    pub text: String,
    /// The verification code the text carries, if any.
    pub code: Option<String>,
}

impl fmt::Debug for SmsMessage {
    // Codes are secrets; only the development outbox may show them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsMessage")
            .field("phone", &mask(&self.phone))
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl SmsMessage {
    fn new(phone: &str, kind: SmsKind, code: Option<&str>) -> SmsMessage {
        let mut message = SmsMessage {
            phone: phone.to_owned(),
            kind,
            text: String::new(),
            code: code.map(str::to_owned),
        };
        let mut body = kind.body().to_owned();
        for (name, value) in message.template_params() {
            body = body.replace(&format!("{{{name}}}"), &value);
        }
        message.text = format!("【{DEV_SIGN_NAME}】{body}");
        message
    }

    /// The verification-code SMS: `【职业技能等级认定】您的验证码是123456，5分钟内有效。`
    pub fn verification_code(phone: &str, code: &str) -> SmsMessage {
        SmsMessage::new(phone, SmsKind::VerificationCode, Some(code))
    }

    /// A reviewer rejected the application.
    pub fn review_rejected(phone: &str) -> SmsMessage {
        SmsMessage::new(phone, SmsKind::ReviewRejected, None)
    }

    /// A reviewer approved the application.
    pub fn review_approved(phone: &str) -> SmsMessage {
        SmsMessage::new(phone, SmsKind::ReviewApproved, None)
    }

    /// The admission ticket can be printed.
    pub fn ticket_ready(phone: &str) -> SmsMessage {
        SmsMessage::new(phone, SmsKind::TicketReady, None)
    }

    /// Someone asked for a register code for this phone, which has an account.
    pub fn already_registered(phone: &str) -> SmsMessage {
        SmsMessage::new(phone, SmsKind::AlreadyRegistered, None)
    }

    /// Someone asked for a reset code for this phone, which has no account.
    pub fn not_registered(phone: &str) -> SmsMessage {
        SmsMessage::new(phone, SmsKind::NotRegistered, None)
    }

    /// The template's parameters in template order, named as in [`SmsKind::body`]
    /// (Tencent Cloud takes the values in order, Alibaba Cloud the names).
    pub fn template_params(&self) -> Vec<(&'static str, String)> {
        match (self.kind, &self.code) {
            (SmsKind::VerificationCode, Some(code)) => vec![
                ("code", code.clone()),
                ("minutes", (SMS_CODE_TTL_S / 60).to_string()),
            ],
            _ => Vec::new(),
        }
    }
}

/// Why an SMS was not sent. Its `Display` names no phone number and no code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsError {
    /// The provider's frequency control refuses this number (or, `account_wide`, every
    /// number) for now. Not sent; never retried.
    RateLimited {
        retry_after_s: u64,
        /// Until midnight (China Standard Time): the daily allowance is used up.
        daily: bool,
        /// The account's own quota, not the candidate's: the staff must look at it.
        account_wide: bool,
        detail: String,
    },
    /// The provider says this number cannot receive SMS (it does not take it as a mobile
    /// number, or the number opted out). Not sent.
    InvalidNumber { detail: String },
    /// A problem for the staff, not the candidate: balance, templates, credentials,
    /// settings, the provider or the network.
    Unavailable {
        cause: Cause,
        /// The provider may have sent the SMS anyway (a time-out after the request left,
        /// an unreadable answer): the code is kept so it works if it arrives.
        maybe_sent: bool,
        detail: String,
    },
}

/// What is wrong when an SMS is [`SmsError::Unavailable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The account's balance or SMS package is used up (充值 / 购买套餐包).
    Balance,
    /// The sign name or template is not approved, or the parameters do not fit it.
    TemplateOrSign,
    /// The provider refuses the credentials or their permissions.
    Credentials,
    /// The request does not fit the provider's API: a setting (app id, region, endpoint)
    /// or the server's clock.
    Configuration,
    /// The account's monthly or other overall sending limit.
    AccountLimit,
    /// The provider failed or answered something unexpected.
    Provider,
    /// The provider could not be reached, or did not answer in time.
    Network,
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Cause::Balance => "the SMS balance or package is used up",
            Cause::TemplateOrSign => "the sign name or template is not approved or does not fit",
            Cause::Credentials => "the provider refuses the credentials",
            Cause::Configuration => "the request does not fit the provider (settings or clock)",
            Cause::AccountLimit => "the account's sending limit is reached",
            Cause::Provider => "the provider failed",
            Cause::Network => "the provider cannot be reached",
        })
    }
}

impl fmt::Display for SmsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SmsError::RateLimited {
                retry_after_s,
                daily,
                account_wide,
                detail,
            } => write!(
                f,
                "the provider limits {} for {retry_after_s} s{}: {detail}",
                if *account_wide {
                    "the whole account"
                } else {
                    "this number"
                },
                if *daily { " (daily limit)" } else { "" }
            ),
            SmsError::InvalidNumber { detail } => {
                write!(
                    f,
                    "the provider says the number cannot receive SMS: {detail}"
                )
            }
            SmsError::Unavailable {
                cause,
                maybe_sent,
                detail,
            } => write!(
                f,
                "{cause}: {detail}{}",
                if *maybe_sent {
                    " (the SMS may have been sent)"
                } else {
                    ""
                }
            ),
        }
    }
}

impl std::error::Error for SmsError {}

impl SmsError {
    /// Whether the provider may have sent the SMS despite the error.
    pub fn maybe_sent(&self) -> bool {
        matches!(
            self,
            SmsError::Unavailable {
                maybe_sent: true,
                ..
            }
        )
    }

    /// Whether the staff must act (and the failure is logged as an error).
    pub fn needs_staff(&self) -> bool {
        match self {
            SmsError::RateLimited { account_wide, .. } => *account_wide,
            SmsError::InvalidNumber { .. } => false,
            SmsError::Unavailable { .. } => true,
        }
    }

    /// Logs the failure to send `message`: an error when the staff must act, otherwise a
    /// warning (the candidate's number or pace). The phone is masked, the code never shown.
    pub fn log(&self, message: &SmsMessage) {
        let phone = mask(&message.phone);
        let kind = message.kind.name();
        if self.needs_staff() {
            tracing::error!(error = %self, %phone, kind, "SMS not sent: the staff must act");
        } else {
            tracing::warn!(error = %self, %phone, kind, "SMS not sent");
        }
    }
}

/// Something that delivers SMS. Blocking; called from the blocking thread pool, after the
/// code is stored and the rate limits counted.
pub trait SmsSender: Send + Sync {
    /// Delivers `message`.
    fn send(&self, message: &SmsMessage) -> Result<(), SmsError>;
}

impl fmt::Debug for dyn SmsSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SmsSender")
    }
}

/// The development sender: nothing leaves the machine. Each message is stored in the
/// `sms_outbox` table (read through `GET /api/v1/dev/sms-outbox` in development mode) and
/// printed to the console, `SMS to 138****8000: 【职业技能等级认定】您的验证码是123456，…`.
/// Only ever used with `--dev`: it keeps and shows codes.
pub struct DevOutbox {
    db: Db,
    clock: Clock,
}

impl DevOutbox {
    pub fn new(db: Db, clock: Clock) -> DevOutbox {
        DevOutbox { db, clock }
    }
}

impl SmsSender for DevOutbox {
    fn send(&self, message: &SmsMessage) -> Result<(), SmsError> {
        let sent_at = self.clock.now();
        self.db
            .blocking(|conn| {
                store::outbox::insert(
                    conn,
                    &message.phone,
                    &message.text,
                    message.code.as_deref(),
                    sent_at,
                )
            })
            .map_err(|e| SmsError::Unavailable {
                cause: Cause::Provider,
                maybe_sent: false,
                detail: format!("the development outbox: {e}"),
            })?;
        tracing::info!(
            target: "baoming_server::sms",
            "SMS to {}: {}",
            mask(&message.phone),
            message.text
        );
        Ok(())
    }
}

// ---------------------------------------------------------------- configuration

/// The SMS providers `serve` can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// Tencent Cloud SMS (腾讯云短信), API 3.0 `SendSms` 2021-01-11.
    Tencent,
    /// Alibaba Cloud SMS (阿里云短信服务), `dysmsapi` `SendSms` 2017-05-25.
    Aliyun,
}

impl Provider {
    /// The `--sms-provider` value.
    pub fn name(self) -> &'static str {
        match self {
            Provider::Tencent => "tencent",
            Provider::Aliyun => "aliyun",
        }
    }

    /// The production API base.
    pub fn default_endpoint(self) -> &'static str {
        match self {
            Provider::Tencent => tencent::DEFAULT_ENDPOINT,
            Provider::Aliyun => aliyun::DEFAULT_ENDPOINT,
        }
    }

    /// The region sent when none is configured.
    pub fn default_region(self) -> &'static str {
        match self {
            Provider::Tencent => tencent::DEFAULT_REGION,
            Provider::Aliyun => aliyun::DEFAULT_REGION,
        }
    }
}

/// The provider's template id of each kind of message (Tencent `TemplateId`, Alibaba
/// `TemplateCode`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Templates {
    pub code: String,
    pub approved: String,
    pub rejected: String,
    pub ticket: String,
    pub registered: String,
    pub unregistered: String,
}

impl Templates {
    /// The template id of `kind`.
    pub fn id(&self, kind: SmsKind) -> &str {
        match kind {
            SmsKind::VerificationCode => &self.code,
            SmsKind::ReviewApproved => &self.approved,
            SmsKind::ReviewRejected => &self.rejected,
            SmsKind::TicketReady => &self.ticket,
            SmsKind::AlreadyRegistered => &self.registered,
            SmsKind::NotRegistered => &self.unregistered,
        }
    }
}

/// A secret from the environment, or the file holding it (read when the server starts).
#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    Value(String),
    File(PathBuf),
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Secret::Value(_) => f.write_str("Secret(…)"),
            Secret::File(path) => write!(f, "Secret(file {})", path.display()),
        }
    }
}

impl Secret {
    /// The secret, without surrounding white space.
    pub fn reveal(&self) -> anyhow::Result<String> {
        let value = match self {
            Secret::Value(value) => value.trim().to_owned(),
            Secret::File(path) => std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the secret file {}", path.display()))?
                .trim()
                .to_owned(),
        };
        anyhow::ensure!(!value.is_empty(), "the secret is empty");
        Ok(value)
    }
}

/// The settings of a real provider (`--sms-provider` and the `--sms-*` settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsProviderConfig {
    pub provider: Provider,
    /// The API base, `https://host[:port]` (tests point it at a double).
    pub endpoint: String,
    /// Tencent `X-TC-Region` (`ap-guangzhou`, `ap-beijing`, `ap-nanjing`); Alibaba
    /// `RegionId` (`cn-hangzhou`).
    pub region: String,
    /// Tencent `SmsSdkAppId` (短信应用 SDK AppID); empty for Alibaba.
    pub app_id: String,
    /// The approved sign name (签名), without 【】.
    pub sign_name: String,
    pub templates: Templates,
    /// Tencent `SecretId` / Alibaba `AccessKeyId`.
    pub secret_id: String,
    /// Tencent `SecretKey` / Alibaba `AccessKeySecret`.
    pub secret_key: Secret,
}

/// Why production mode does not start without a provider; names every setting.
pub const NO_PROVIDER: &str = "production mode (no --dev) sends SMS through a real provider, \
and none is configured: set --sms-provider tencent|aliyun [BAOMING_SMS_PROVIDER], \
BAOMING_SMS_SECRET_ID and BAOMING_SMS_SECRET_KEY (or BAOMING_SMS_SECRET_KEY_FILE), \
--sms-sign-name, --sms-template-code, --sms-template-approved, --sms-template-rejected, \
--sms-template-ticket, --sms-template-registered, --sms-template-unregistered and for tencent --sms-app-id (see --help); or start with --dev, \
whose outbox prints codes on the console";

/// The sender `serve` uses: the configured provider; without one the development outbox,
/// in development mode only.
pub fn sender_from_config(
    config: &Config,
    db: &Db,
    clock: &Clock,
) -> anyhow::Result<Arc<dyn SmsSender>> {
    match &config.sms {
        Some(settings) => provider_sender(settings, clock),
        None if config.dev_mode => Ok(Arc::new(DevOutbox::new(db.clone(), clock.clone()))),
        None => anyhow::bail!(NO_PROVIDER),
    }
}

/// The real provider of `settings`, with the default time-outs and retries.
pub fn provider_sender(
    settings: &SmsProviderConfig,
    clock: &Clock,
) -> anyhow::Result<Arc<dyn SmsSender>> {
    let secret_key = settings
        .secret_key
        .reveal()
        .context("BAOMING_SMS_SECRET_KEY(_FILE)")?;
    let policy = CallPolicy::default();
    Ok(match settings.provider {
        Provider::Tencent => Arc::new(tencent::TencentSms::new(
            settings.clone(),
            secret_key,
            clock.clone(),
            policy,
        )),
        Provider::Aliyun => Arc::new(aliyun::AliyunSms::new(
            settings.clone(),
            secret_key,
            clock.clone(),
            policy,
        )),
    })
}

// ---------------------------------------------------------------- calling a provider

/// Time-outs and retries of one provider call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallPolicy {
    /// Resolving and connecting (TLS included).
    pub connect_timeout: Duration,
    /// The whole exchange, answer included. A candidate waits for it.
    pub timeout: Duration,
    /// Tries in all, when the request certainly never reached the provider.
    pub attempts: u32,
    /// The wait before the second try; doubled before each further one.
    pub first_backoff: Duration,
}

impl Default for CallPolicy {
    fn default() -> Self {
        CallPolicy {
            connect_timeout: Duration::from_secs(3),
            timeout: Duration::from_secs(10),
            attempts: 3,
            first_backoff: Duration::from_millis(300),
        }
    }
}

impl CallPolicy {
    fn agent(&self) -> ureq::Agent {
        ureq::Agent::config_builder()
            .timeout_global(Some(self.timeout))
            .timeout_connect(Some(self.connect_timeout))
            .http_status_as_error(false)
            // A signed request is never replayed somewhere else.
            .max_redirects(0)
            .build()
            .into()
    }
}

/// An HTTP answer of a provider.
struct HttpAnswer {
    status: u16,
    body: Vec<u8>,
}

/// Whether a failed call certainly never delivered the request to the provider: the name
/// did not resolve or no connection was made. Anything later (a time-out while sending or
/// waiting, a reset connection) may have reached it, and an SMS may have gone out.
fn never_sent(error: &ureq::Error) -> bool {
    use std::io::ErrorKind;
    use ureq::Timeout;
    match error {
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => true,
        ureq::Error::Timeout(Timeout::Resolve | Timeout::Connect) => true,
        ureq::Error::Io(e) => matches!(
            e.kind(),
            ErrorKind::ConnectionRefused
                | ErrorKind::AddrNotAvailable
                | ErrorKind::NetworkUnreachable
                | ErrorKind::HostUnreachable
        ),
        _ => false,
    }
}

/// Runs `attempt` (which signs and sends one request afresh) until the provider answers.
/// Retried, with doubling back-off, only when the request never left (see [`never_sent`]):
/// neither SMS API promises idempotency, so a request that may have arrived is never sent
/// twice.
fn call_with_retries(
    policy: &CallPolicy,
    provider: Provider,
    mut attempt: impl FnMut() -> Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<HttpAnswer, SmsError> {
    let mut backoff = policy.first_backoff;
    let mut tries = 0;
    loop {
        tries += 1;
        match attempt() {
            Ok(mut response) => {
                let status = response.status().as_u16();
                let body = response
                    .body_mut()
                    .with_config()
                    .limit(64 * 1024)
                    .read_to_vec()
                    .map_err(|e| SmsError::Unavailable {
                        cause: Cause::Network,
                        maybe_sent: true,
                        detail: format!("{}: reading the answer: {e}", provider.name()),
                    })?;
                return Ok(HttpAnswer { status, body });
            }
            Err(e) if never_sent(&e) && tries < policy.attempts => {
                tracing::warn!(
                    provider = provider.name(),
                    error = %e,
                    try_again_in_ms = backoff.as_millis() as u64,
                    "SMS provider not reached"
                );
                std::thread::sleep(backoff);
                backoff = backoff.saturating_mul(2);
            }
            Err(e) => {
                return Err(SmsError::Unavailable {
                    cause: Cause::Network,
                    maybe_sent: !never_sent(&e),
                    detail: format!("{}: {e} (after {tries} tries)", provider.name()),
                });
            }
        }
    }
}

/// The UTC calendar date of `seconds` since the epoch (both providers sign in UTC).
fn utc_date(seconds: i64) -> baoming_contract::time::Date {
    baoming_contract::time::Date::from_days_since_epoch(seconds.div_euclid(86_400))
}

/// `YYYY-MM-DDThh:mm:ssZ`, UTC.
fn utc_iso8601(seconds: i64) -> String {
    let of_day = seconds.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        utc_date(seconds),
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

/// Lower-case hex SHA-256.
fn sha256_hex(data: &[u8]) -> String {
    crate::secrets::sha256_hex(data)
}

/// `host[:port]` of an endpoint URL, as the `Host` header carries it.
fn authority(endpoint: &str) -> &str {
    let rest = endpoint
        .split_once("://")
        .map_or(endpoint, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest)
}

/// A provider's message made safe for the log: it may echo the request (Alibaba's
/// `SignatureDoesNotMatch` repeats the string it signed, with the phone and the code), so
/// every run of four or more digits is cut out and the length bounded.
pub fn scrub(message: &str) -> String {
    const MAX_CHARS: usize = 160;
    let mut out = String::new();
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.len() >= 4 {
            out.push('…');
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in message.chars().take(MAX_CHARS) {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    // A run cut by the length bound might be the start of a longer one.
    if message.chars().count() > MAX_CHARS {
        digits.clear();
        out.push('…');
    }
    flush(&mut digits, &mut out);
    out
}

/// What a provider's error code means, filled in by each provider's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Refused for this number for `seconds` (or until midnight when `None`).
    NumberLimit(Option<u64>),
    /// Refused for the whole account until midnight.
    AccountDailyLimit,
    /// The API's request rate: a few seconds.
    Throttled,
    InvalidNumber,
    Unavailable(Cause, bool),
}

impl Class {
    /// The error for this class; `now` places midnight.
    fn into_error(self, now: baoming_contract::time::Timestamp, detail: String) -> SmsError {
        let until_midnight = || {
            u64::try_from(crate::limits::next_midnight_cst(now).0 - now.0)
                .unwrap_or(0)
                .max(1)
        };
        match self {
            Class::NumberLimit(Some(seconds)) => SmsError::RateLimited {
                retry_after_s: seconds,
                daily: false,
                account_wide: false,
                detail,
            },
            Class::NumberLimit(None) => SmsError::RateLimited {
                retry_after_s: until_midnight(),
                daily: true,
                account_wide: false,
                detail,
            },
            Class::AccountDailyLimit => SmsError::RateLimited {
                retry_after_s: until_midnight(),
                daily: true,
                account_wide: true,
                detail,
            },
            Class::Throttled => SmsError::RateLimited {
                retry_after_s: 10,
                daily: false,
                account_wide: true,
                detail,
            },
            Class::InvalidNumber => SmsError::InvalidNumber { detail },
            Class::Unavailable(cause, maybe_sent) => SmsError::Unavailable {
                cause,
                maybe_sent,
                detail,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baoming_contract::time::Timestamp;

    #[test]
    fn the_code_text_follows_the_template_and_debug_hides_it() {
        let m = SmsMessage::verification_code("13800138000", "123456");
        assert_eq!(
            m.text,
            "【职业技能等级认定】您的验证码是123456，5分钟内有效。"
        );
        assert_eq!(
            m.template_params(),
            [("code", "123456".to_owned()), ("minutes", "5".to_owned())]
        );
        let debug = format!("{m:?}");
        assert!(
            !debug.contains("123456") && debug.contains("138****8000"),
            "{debug}"
        );
    }

    #[test]
    fn notices_have_no_parameters_and_their_own_texts() {
        let table = [
            (
                SmsMessage::review_approved("13800138000"),
                SmsKind::ReviewApproved,
                "【职业技能等级认定】您的报名审核已通过，请登录缴费。",
            ),
            (
                SmsMessage::review_rejected("13800138000"),
                SmsKind::ReviewRejected,
                "【职业技能等级认定】您的报名审核未通过，请登录查看原因并修改后重新提交。",
            ),
            (
                SmsMessage::ticket_ready("13800138000"),
                SmsKind::TicketReady,
                "【职业技能等级认定】您的准考证已可打印，请登录查看考试安排。",
            ),
            (
                SmsMessage::already_registered("13800138000"),
                SmsKind::AlreadyRegistered,
                "【职业技能等级认定】本手机号已注册报名账号，无需重复注册，请直接登录；忘记密码可在登录页找回。",
            ),
            (
                SmsMessage::not_registered("13800138000"),
                SmsKind::NotRegistered,
                "【职业技能等级认定】本手机号尚未注册报名账号，无法找回密码；如需报名，请先注册。",
            ),
        ];
        for (message, kind, text) in table {
            assert_eq!(message.kind, kind);
            assert_eq!(message.text, text);
            assert!(message.template_params().is_empty());
            assert_eq!(message.code, None);
        }
    }

    #[test]
    fn the_dev_outbox_stores_messages() {
        let db = Db::open_in_memory().unwrap();
        let outbox = DevOutbox::new(db.clone(), Clock::fixed(Timestamp(1_800_000_000)));
        let message = SmsMessage::verification_code("13800138000", "123456");
        outbox.send(&message).unwrap();
        let stored = db
            .blocking(|c| store::outbox::list(c, Some("13800138000"), 10))
            .unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].code.as_deref(), Some("123456"));
        assert_eq!(stored[0].text, message.text);
        assert_eq!(stored[0].sent_at, Timestamp(1_800_000_000));
    }

    #[test]
    fn production_without_a_provider_has_no_sender() {
        let db = Db::open_in_memory().unwrap();
        let clock = Clock::system();
        let err = sender_from_config(&Config::default(), &db, &clock)
            .expect_err("refused")
            .to_string();
        for flag in ["--sms-provider", "BAOMING_SMS_SECRET_KEY", "--dev"] {
            assert!(err.contains(flag), "{err}");
        }
        let dev = Config {
            dev_mode: true,
            ..Config::default()
        };
        assert!(sender_from_config(&dev, &db, &clock).is_ok());
    }

    #[test]
    fn provider_messages_are_scrubbed_of_codes_and_phones() {
        let table = [
            ("触发小时级流控Permits:5", "触发小时级流控Permits:5"),
            ("send success", "send success"),
            (
                "您的验证码是123456，5分钟内有效。",
                "您的验证码是…，5分钟内有效。",
            ),
            ("+8613800138000 is invalid", "+… is invalid"),
        ];
        for (raw, scrubbed) in table {
            assert_eq!(scrub(raw), scrubbed);
        }
        // Alibaba's SignatureDoesNotMatch echoes what it signed, percent-encoded twice.
        let echo = "Specified signature is not matched with our calculation. server string to \
                    sign is:POST&%2F&PhoneNumbers%3D13800138000%26TemplateParam%3D%257B%2522\
                    code%2522%253A%2522123456%2522";
        let out = scrub(echo);
        assert!(
            !out.contains("123456") && !out.contains("13800138000"),
            "{out}"
        );
        // A run cut by the length bound is not left half shown.
        let long = format!("{}12345678901", "x".repeat(155));
        assert!(!scrub(&long).contains("12345"), "{}", scrub(&long));
    }

    #[test]
    fn only_requests_that_never_left_are_retried() {
        use std::io::{Error, ErrorKind};
        let table = [
            (ureq::Error::HostNotFound, true),
            (ureq::Error::ConnectionFailed, true),
            (ureq::Error::Timeout(ureq::Timeout::Connect), true),
            (ureq::Error::Timeout(ureq::Timeout::Resolve), true),
            (
                ureq::Error::Io(Error::from(ErrorKind::ConnectionRefused)),
                true,
            ),
            (ureq::Error::Timeout(ureq::Timeout::SendBody), false),
            (ureq::Error::Timeout(ureq::Timeout::RecvResponse), false),
            (ureq::Error::Timeout(ureq::Timeout::Global), false),
            (
                ureq::Error::Io(Error::from(ErrorKind::ConnectionReset)),
                false,
            ),
            (
                ureq::Error::Io(Error::from(ErrorKind::UnexpectedEof)),
                false,
            ),
        ];
        for (error, expected) in table {
            assert_eq!(never_sent(&error), expected, "{error:?}");
        }
    }

    #[test]
    fn error_classes_say_who_must_act() {
        let now = Timestamp::parse_rfc3339("2026-11-28T23:00:00+08:00").unwrap();
        let d = || "detail".to_owned();
        let daily = Class::NumberLimit(None).into_error(now, d());
        assert_eq!(
            daily,
            SmsError::RateLimited {
                retry_after_s: 3600,
                daily: true,
                account_wide: false,
                detail: d()
            }
        );
        assert!(!daily.needs_staff() && !daily.maybe_sent());
        assert!(Class::AccountDailyLimit.into_error(now, d()).needs_staff());
        assert!(!Class::InvalidNumber.into_error(now, d()).needs_staff());
        let lost = Class::Unavailable(Cause::Provider, true).into_error(now, d());
        assert!(lost.needs_staff() && lost.maybe_sent());
        assert!(lost.to_string().contains("may have been sent"));
    }

    #[test]
    fn utc_times_for_signing() {
        // The date of Tencent's worked example: 2019-02-26 00:44:25 in Beijing.
        assert_eq!(utc_date(1_551_113_065).to_string(), "2019-02-25");
        assert_eq!(utc_iso8601(1_551_113_065), "2019-02-25T16:44:25Z");
        assert_eq!(utc_iso8601(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn the_host_header_is_the_endpoints_authority() {
        assert_eq!(
            authority("https://sms.tencentcloudapi.com"),
            "sms.tencentcloudapi.com"
        );
        assert_eq!(authority("http://127.0.0.1:8123/"), "127.0.0.1:8123");
    }
}
