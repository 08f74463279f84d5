//! How the server is configured: the options of `serve` and their environment variables.
//!
//! Every `serve` option has an environment variable; an option given on the command line wins
//! over its variable. clap parses the command line into [`ServeArgs`] (the whole command line
//! is [`crate::cli`]); [`ServeArgs::resolve`] reads the environment through a lookup function,
//! so that tests never see the process environment, and checks what only makes sense once
//! both are known. The variables are named in `--help` by hand (`[env: …]`), not read by
//! clap: their values never appear there.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

use clap::builder::{NonEmptyStringValueParser, PossibleValuesParser};

use crate::sms::{Provider, Secret, SmsProviderConfig, Templates};
use crate::wechat_pay::{DEFAULT_API_BASE, PublicKeyFile, WechatPayConfig};

/// The variables without an option (secrets and WeChat Pay's settings), printed after the
/// options in `--help` of `baoming-server` and `baoming-server serve`.
pub const ENVIRONMENT_HELP: &str = "\
Each option above is also read from the environment variable shown; the option wins.

WeChat Pay API v3 (with --payment-provider wechat; a platform key file, or certificates):
  BAOMING_WECHATPAY_MCHID             商户号
  BAOMING_WECHATPAY_APPID             The AppID bound to the merchant
  BAOMING_WECHATPAY_MERCHANT_SERIAL   Serial number of the merchant API certificate
  BAOMING_WECHATPAY_MERCHANT_KEY      PEM file of the merchant private key (apiclient_key.pem)
  BAOMING_WECHATPAY_APIV3_KEY         The APIv3 key (32 bytes)
  BAOMING_WECHATPAY_PLATFORM_KEY      WeChat Pay public key mode: PEM file of the public key
                                      (pub_key.pem, BEGIN PUBLIC KEY)
  BAOMING_WECHATPAY_PLATFORM_SERIAL   Its id, PUB_KEY_ID_… (sent as Wechatpay-Serial)
  BAOMING_WECHATPAY_PLATFORM_CERTIFICATES
                                      `download`: platform certificates from /v3/certificates,
                                      refreshed twice a day (the default without a key file;
                                      both may be used during a move); `off`
  BAOMING_WECHATPAY_NOTIFY_URL        https://<site>/api/v1/payments/wechat/notify
  BAOMING_WECHATPAY_API_BASE          Default https://api.mch.weixin.qq.com

SMS provider secrets (with --sms-provider; environment only):
  BAOMING_SMS_SECRET_ID         Tencent SecretId / Alibaba AccessKey ID
  BAOMING_SMS_SECRET_KEY        Tencent SecretKey / Alibaba AccessKey secret, or
  BAOMING_SMS_SECRET_KEY_FILE   a file holding it
";

/// The options of `serve` as given on the command line: `None`, `false` or empty when not
/// given. [`ServeArgs::resolve`] fills in the environment and the defaults.
///
/// Values are checked as they are parsed (origins, proxies, tokens, durations, names), so a
/// bad one is a usage error naming its option. The help texts keep their line breaks
/// (`verbatim_doc_comment`: clap is built without `wrap_help`).
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct ServeArgs {
    /// Address to bind (default 127.0.0.1:8787)
    /// [env: BAOMING_LISTEN]
    #[arg(
        long,
        value_name = "ADDR",
        verbatim_doc_comment,
        value_parser = NonEmptyStringValueParser::new()
    )]
    pub listen: Option<String>,
    /// Where the SQLite database lives (default ./.data)
    /// [env: BAOMING_DATA_DIR]
    #[arg(long, value_name = "DIR", verbatim_doc_comment)]
    pub data_dir: Option<PathBuf>,
    /// Development mode [env: BAOMING_DEV=1]
    #[arg(long)]
    pub dev: bool,
    /// Serve the built web app from DIR [env: BAOMING_WEB_ROOT]
    #[arg(long, value_name = "DIR")]
    pub web_root: Option<PathBuf>,
    /// Origin allowed to call the API cross-origin, repeatable
    /// [env: BAOMING_ALLOWED_ORIGINS, comma-separated]
    #[arg(
        long = "allowed-origin",
        value_name = "ORIGIN",
        verbatim_doc_comment,
        value_parser = normalize_origin
    )]
    pub allowed_origins: Vec<String>,
    /// Origin browsers use to reach this backend (its Host is
    /// accepted), repeatable [env: BAOMING_PUBLIC_ORIGINS,
    /// comma-separated]; requests whose Host is neither a public
    /// nor an allowed origin's are refused (DNS rebinding)
    #[arg(
        long = "public-origin",
        value_name = "URL",
        verbatim_doc_comment,
        value_parser = normalize_origin
    )]
    pub public_origins: Vec<String>,
    /// Plain-HTTP deployment without --dev: session cookie
    /// `baoming_session` without `Secure` (warned at start)
    /// [env: BAOMING_INSECURE_COOKIES=1]. Without it the cookie is
    /// `__Host-baoming_session` with `Secure` unless --dev
    #[arg(long, verbatim_doc_comment)]
    pub insecure_cookies: bool,
    /// `Secure` cookie even with --dev (the default without it)
    /// [env: BAOMING_SECURE_COOKIES=1]
    #[arg(long, verbatim_doc_comment)]
    pub secure_cookies: bool,
    /// Reverse proxy whose X-Forwarded-For is believed for rate
    /// limits (the right-most address not a trusted proxy is the
    /// client), repeatable [env: BAOMING_TRUSTED_PROXIES,
    /// comma-separated]
    #[arg(
        long = "trusted-proxy",
        value_name = "IP|CIDR",
        verbatim_doc_comment,
        value_parser = IpNet::parse
    )]
    pub trusted_proxies: Vec<IpNet>,
    /// Same as --trusted-proxy for the loopback addresses
    /// (127.0.0.0/8, ::1) [env: BAOMING_TRUST_FORWARDED_FOR=1]
    #[arg(long, verbatim_doc_comment)]
    pub trust_forwarded_for: bool,
    /// Development mode only: no per-client-address limit on SMS
    /// codes (a browser test suite sends many from one address);
    /// the per-phone limits stay
    #[arg(long, verbatim_doc_comment)]
    pub no_client_sms_limit: bool,
    /// Bearer token accepted by the admin API, repeatable
    /// [env: BAOMING_REVIEWER_TOKENS, comma-separated]; in
    /// development mode without one, `dev-reviewer-token` is
    /// accepted
    #[arg(
        long = "reviewer-token",
        value_name = "TOKEN",
        verbatim_doc_comment,
        allow_hyphen_values = true,
        value_parser = reviewer_token
    )]
    pub reviewer_tokens: Vec<String>,
    /// `sandbox` (the default: no real money) or `wechat`
    /// [env: BAOMING_PAYMENT_PROVIDER]
    #[arg(
        long,
        value_name = "NAME",
        verbatim_doc_comment,
        hide_possible_values = true,
        value_parser = PossibleValuesParser::new(["sandbox", "wechat"])
    )]
    pub payment_provider: Option<String>,
    /// How often unsettled payments and refunds are asked about
    /// (default 60) [env: BAOMING_RECONCILE_EVERY_S]
    #[arg(
        long,
        value_name = "SECONDS",
        verbatim_doc_comment,
        value_parser = |v: &str| seconds("--reconcile-every", v)
    )]
    pub reconcile_every: Option<std::time::Duration>,
    /// How long after a code was issued WeChat Pay's notification
    /// counts as overdue and the reconciler asks (default 300)
    #[arg(
        long,
        value_name = "SECONDS",
        verbatim_doc_comment,
        value_parser = |v: &str| seconds("--notification-grace", v)
    )]
    pub notification_grace: Option<std::time::Duration>,
    /// `tencent` (Tencent Cloud SMS) or `aliyun` (Alibaba Cloud
    /// SMS) [env: BAOMING_SMS_PROVIDER]; required without --dev
    /// (the development outbox, which prints codes, exists only
    /// with --dev); with it, the options under "SMS provider"
    /// below, all but region and endpoint
    #[arg(
        long,
        value_name = "NAME",
        verbatim_doc_comment,
        hide_possible_values = true,
        value_parser = PossibleValuesParser::new(["tencent", "aliyun"])
    )]
    pub sms_provider: Option<String>,
    /// The key SMS codes are stored under (HMAC-SHA256), created
    /// with mode 0600 when missing [env: BAOMING_SMS_CODE_KEY_FILE]
    /// (default <data-dir>/sms-code.key)
    #[arg(long, value_name = "FILE", verbatim_doc_comment)]
    pub sms_code_key_file: Option<PathBuf>,
    /// The approved sign name (签名), without 【】
    /// [env: BAOMING_SMS_SIGN_NAME]
    #[arg(
        long,
        value_name = "NAME",
        help_heading = SMS_HEADING,
        verbatim_doc_comment,
        value_parser = NonEmptyStringValueParser::new()
    )]
    pub sms_sign_name: Option<String>,
    /// Template of the verification code
    /// [env: BAOMING_SMS_TEMPLATE_CODE]
    #[arg(
        long,
        value_name = "ID",
        help_heading = SMS_HEADING,
        verbatim_doc_comment,
        value_parser = NonEmptyStringValueParser::new()
    )]
    pub sms_template_code: Option<String>,
    /// Template of 审核通过 [env: BAOMING_SMS_TEMPLATE_APPROVED]
    #[arg(
        long,
        value_name = "ID",
        help_heading = SMS_HEADING,
        value_parser = NonEmptyStringValueParser::new()
    )]
    pub sms_template_approved: Option<String>,
    /// Template of 审核未通过 [env: BAOMING_SMS_TEMPLATE_REJECTED]
    #[arg(
        long,
        value_name = "ID",
        help_heading = SMS_HEADING,
        value_parser = NonEmptyStringValueParser::new()
    )]
    pub sms_template_rejected: Option<String>,
    /// Template of 准考证可打印 [env: BAOMING_SMS_TEMPLATE_TICKET]
    #[arg(
        long,
        value_name = "ID",
        help_heading = SMS_HEADING,
        value_parser = NonEmptyStringValueParser::new()
    )]
    pub sms_template_ticket: Option<String>,
    /// Template of 已注册提示, sent instead of a register code
    /// [env: BAOMING_SMS_TEMPLATE_REGISTERED]
    #[arg(
        long,
        value_name = "ID",
        help_heading = SMS_HEADING,
        verbatim_doc_comment,
        value_parser = NonEmptyStringValueParser::new()
    )]
    pub sms_template_registered: Option<String>,
    /// Template of 未注册提示, sent instead of a reset code
    /// [env: BAOMING_SMS_TEMPLATE_UNREGISTERED]
    #[arg(
        long,
        value_name = "ID",
        help_heading = SMS_HEADING,
        verbatim_doc_comment,
        value_parser = NonEmptyStringValueParser::new()
    )]
    pub sms_template_unregistered: Option<String>,
    /// tencent only: the SmsSdkAppId [env: BAOMING_SMS_APP_ID]
    #[arg(
        long,
        value_name = "ID",
        help_heading = SMS_HEADING,
        value_parser = NonEmptyStringValueParser::new()
    )]
    pub sms_app_id: Option<String>,
    /// Default ap-guangzhou (tencent), cn-hangzhou (aliyun)
    /// [env: BAOMING_SMS_REGION]
    #[arg(
        long,
        value_name = "REGION",
        help_heading = SMS_HEADING,
        verbatim_doc_comment,
        value_parser = NonEmptyStringValueParser::new()
    )]
    pub sms_region: Option<String>,
    /// Default https://sms.tencentcloudapi.com (tencent),
    /// https://dysmsapi.aliyuncs.com (aliyun); https:// except on
    /// a loopback address [env: BAOMING_SMS_ENDPOINT]
    #[arg(
        long,
        value_name = "URL",
        help_heading = SMS_HEADING,
        verbatim_doc_comment,
        value_parser = NonEmptyStringValueParser::new()
    )]
    pub sms_endpoint: Option<String>,
}

/// The heading of the SMS provider's options in `--help`.
const SMS_HEADING: &str = "SMS provider";

/// The default `--listen` address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";
/// The default `--data-dir`.
pub const DEFAULT_DATA_DIR: &str = "./.data";

/// How `serve` runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `host:port` to bind; port 0 picks a free port.
    pub listen: String,
    /// Directory holding `baoming.sqlite3`; created if missing.
    pub data_dir: PathBuf,
    /// Development mode: reported by `/health`, and mounts the `/dev/...` endpoints (the
    /// SMS outbox, expiring sessions).
    pub dev_mode: bool,
    /// Directory of the built web app, served at `/` with an SPA fallback.
    pub web_root: Option<PathBuf>,
    /// Origins (`scheme://host[:port]`) allowed to call the API from another origin with
    /// credentials. Compared exactly.
    pub allowed_origins: Vec<String>,
    /// Origins (`scheme://host[:port]`) browsers use to reach this backend itself; their
    /// hosts, with the allowed origins', are the `Host` values accepted
    /// ([`crate::middleware::host_guard`]).
    pub public_origins: Vec<String>,
    /// `--secure-cookies`: a `Secure` cookie even in development mode. Without `--dev` the
    /// cookie is secure anyway unless [`Config::insecure_cookies`]; see
    /// [`Config::cookies_secure`].
    pub secure_cookies: bool,
    /// `--insecure-cookies`: plain `baoming_session` without `Secure` outside development
    /// mode, for a plain-HTTP deployment (warned at start).
    pub insecure_cookies: bool,
    /// `--trust-forwarded-for`: the loopback addresses are trusted proxies.
    pub trust_forwarded_for: bool,
    /// Reverse proxies whose `X-Forwarded-For` is believed; see [`Config::is_trusted_proxy`].
    pub trusted_proxies: Vec<IpNet>,
    /// Development mode only: SMS codes are not limited per client address.
    pub no_client_sms_limit: bool,
    /// Bearer tokens the admin (reviewer) API accepts. See [`Config::reviewer_tokens`].
    pub reviewer_tokens: Vec<String>,
    /// Who takes payments.
    pub payments: Payments,
    /// How often the payments reconciler runs ([`crate::checkout::reconcile_once`]).
    pub reconcile_every: std::time::Duration,
    /// How long after a code was issued the reconciler starts asking about it (by then a
    /// payment's notification is overdue), and how often it asks again.
    pub notification_grace: std::time::Duration,
    /// The SMS provider; without one, development mode uses the outbox and production mode
    /// refuses to start.
    pub sms: Option<Box<SmsProviderConfig>>,
    /// The file of the key SMS codes are stored under; see [`Config::sms_code_key_path`].
    pub sms_code_key_file: Option<PathBuf>,
}

/// The payment provider `serve` uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Payments {
    /// [`crate::payments::SandboxProvider`]: no real money.
    #[default]
    Sandbox,
    /// [`crate::wechat_pay::WechatPayProvider`].
    Wechat(Box<WechatPayConfig>),
}

/// The environment variables of the WeChat Pay settings, in [`ENVIRONMENT_HELP`] order.
pub const WECHATPAY_VARIABLES: [&str; 10] = [
    "BAOMING_WECHATPAY_MCHID",
    "BAOMING_WECHATPAY_APPID",
    "BAOMING_WECHATPAY_MERCHANT_SERIAL",
    "BAOMING_WECHATPAY_MERCHANT_KEY",
    "BAOMING_WECHATPAY_APIV3_KEY",
    "BAOMING_WECHATPAY_PLATFORM_KEY",
    "BAOMING_WECHATPAY_PLATFORM_SERIAL",
    "BAOMING_WECHATPAY_PLATFORM_CERTIFICATES",
    "BAOMING_WECHATPAY_NOTIFY_URL",
    "BAOMING_WECHATPAY_API_BASE",
];

/// The `--sms-*` options of the provider and their environment variables, in `--help` order
/// (the fields of [`ServeArgs`]).
pub const SMS_SETTINGS: [(&str, &str); 11] = [
    ("--sms-provider", "BAOMING_SMS_PROVIDER"),
    ("--sms-sign-name", "BAOMING_SMS_SIGN_NAME"),
    ("--sms-template-code", "BAOMING_SMS_TEMPLATE_CODE"),
    ("--sms-template-approved", "BAOMING_SMS_TEMPLATE_APPROVED"),
    ("--sms-template-rejected", "BAOMING_SMS_TEMPLATE_REJECTED"),
    ("--sms-template-ticket", "BAOMING_SMS_TEMPLATE_TICKET"),
    (
        "--sms-template-registered",
        "BAOMING_SMS_TEMPLATE_REGISTERED",
    ),
    (
        "--sms-template-unregistered",
        "BAOMING_SMS_TEMPLATE_UNREGISTERED",
    ),
    ("--sms-app-id", "BAOMING_SMS_APP_ID"),
    ("--sms-region", "BAOMING_SMS_REGION"),
    ("--sms-endpoint", "BAOMING_SMS_ENDPOINT"),
];

/// The reviewer token accepted in development mode when none is configured.
pub const DEV_REVIEWER_TOKEN: &str = "dev-reviewer-token";

/// Reviewer tokens shorter than this are refused: they would be guessable.
pub const REVIEWER_TOKEN_MIN_LEN: usize = 16;

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: DEFAULT_LISTEN.to_owned(),
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            dev_mode: false,
            web_root: None,
            allowed_origins: Vec::new(),
            public_origins: Vec::new(),
            secure_cookies: false,
            insecure_cookies: false,
            trust_forwarded_for: false,
            trusted_proxies: Vec::new(),
            no_client_sms_limit: false,
            reviewer_tokens: Vec::new(),
            payments: Payments::Sandbox,
            reconcile_every: std::time::Duration::from_secs(DEFAULT_RECONCILE_EVERY_S),
            notification_grace: std::time::Duration::from_secs(
                crate::checkout::RECONCILE_AFTER_S.unsigned_abs(),
            ),
            sms: None,
            sms_code_key_file: None,
        }
    }
}

/// The default `--reconcile-every`, in seconds.
pub const DEFAULT_RECONCILE_EVERY_S: u64 = 60;

impl Config {
    /// The database file inside [`Config::data_dir`].
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("baoming.sqlite3")
    }

    /// The file of the SMS code key: `--sms-code-key-file`, by default `sms-code.key` in
    /// [`Config::data_dir`] (next to, but not inside, the database).
    pub fn sms_code_key_path(&self) -> PathBuf {
        self.sms_code_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("sms-code.key"))
    }

    /// Whether the session cookie is `__Host-baoming_session` with `Secure`: by default
    /// outside development mode (browsers reach a real deployment over HTTPS, even when a
    /// TLS-terminating proxy talks plain HTTP to the backend), unless `--insecure-cookies`;
    /// in development mode only with `--secure-cookies`.
    pub fn cookies_secure(&self) -> bool {
        !self.insecure_cookies && (self.secure_cookies || !self.dev_mode)
    }

    /// Whether `addr` is a trusted proxy: one of `--trusted-proxy`, or with
    /// `--trust-forwarded-for` a loopback address.
    pub fn is_trusted_proxy(&self, addr: IpAddr) -> bool {
        (self.trust_forwarded_for && addr.to_canonical().is_loopback())
            || self.trusted_proxies.iter().any(|net| net.contains(addr))
    }

    /// The tokens the admin API accepts: the configured ones, or in development mode with
    /// none configured [`DEV_REVIEWER_TOKEN`]. Empty means the admin API refuses everyone.
    pub fn reviewer_tokens(&self) -> Vec<String> {
        if self.reviewer_tokens.is_empty() && self.dev_mode {
            vec![DEV_REVIEWER_TOKEN.to_owned()]
        } else {
            self.reviewer_tokens.clone()
        }
    }
}

/// A command line or environment value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn usage_error(message: impl Into<String>) -> UsageError {
    UsageError(message.into())
}

impl ServeArgs {
    /// The configuration of these options over the environment (`env` looks a variable up;
    /// taking it as a function keeps tests away from the process environment). Every
    /// variable is read and checked, also one an option replaces; a list given on the
    /// command line replaces its variable's list rather than adding to it.
    pub fn resolve(self, env: impl Fn(&str) -> Option<String>) -> Result<Config, UsageError> {
        let mut config = config_from_env(&env)?;
        let mut provider = env("BAOMING_PAYMENT_PROVIDER")
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty());
        // Each SMS setting from its variable, replaced by its option.
        let mut sms: BTreeMap<&'static str, String> = SMS_SETTINGS
            .iter()
            .filter_map(|(flag, var)| {
                env(var)
                    .map(|v| v.trim().to_owned())
                    .filter(|v| !v.is_empty())
                    .map(|v| (*flag, v))
            })
            .collect();
        let ServeArgs {
            listen,
            data_dir,
            dev,
            web_root,
            allowed_origins,
            public_origins,
            insecure_cookies,
            secure_cookies,
            trusted_proxies,
            trust_forwarded_for,
            no_client_sms_limit,
            reviewer_tokens,
            payment_provider,
            reconcile_every,
            notification_grace,
            sms_provider: sms_provider_name,
            sms_code_key_file,
            sms_sign_name,
            sms_template_code,
            sms_template_approved,
            sms_template_rejected,
            sms_template_ticket,
            sms_template_registered,
            sms_template_unregistered,
            sms_app_id,
            sms_region,
            sms_endpoint,
        } = self;
        if let Some(listen) = listen {
            config.listen = listen;
        }
        if let Some(dir) = data_dir {
            config.data_dir = dir;
        }
        if let Some(dir) = web_root {
            config.web_root = Some(dir);
        }
        // A switch given on the command line is on, whatever its variable says.
        config.dev_mode |= dev;
        config.secure_cookies |= secure_cookies;
        config.insecure_cookies |= insecure_cookies;
        config.trust_forwarded_for |= trust_forwarded_for;
        config.no_client_sms_limit |= no_client_sms_limit;
        if !allowed_origins.is_empty() {
            config.allowed_origins = allowed_origins;
        }
        config.allowed_origins.dedup();
        if !public_origins.is_empty() {
            config.public_origins = public_origins;
        }
        config.public_origins.dedup();
        if !trusted_proxies.is_empty() {
            config.trusted_proxies = trusted_proxies;
        }
        if !reviewer_tokens.is_empty() {
            config.reviewer_tokens = reviewer_tokens;
        }
        if payment_provider.is_some() {
            provider = payment_provider;
        }
        if let Some(every) = reconcile_every {
            config.reconcile_every = every;
        }
        if let Some(grace) = notification_grace {
            config.notification_grace = grace;
        }
        if let Some(file) = sms_code_key_file {
            config.sms_code_key_file = Some(file);
        }
        // In SMS_SETTINGS order.
        let sms_options = [
            sms_provider_name,
            sms_sign_name,
            sms_template_code,
            sms_template_approved,
            sms_template_rejected,
            sms_template_ticket,
            sms_template_registered,
            sms_template_unregistered,
            sms_app_id,
            sms_region,
            sms_endpoint,
        ];
        for ((flag, _), value) in SMS_SETTINGS.iter().zip(sms_options) {
            if let Some(value) = value {
                sms.insert(flag, value);
            }
        }

        if config.secure_cookies && config.insecure_cookies {
            return Err(usage_error(
                "--secure-cookies and --insecure-cookies contradict each other".to_string(),
            ));
        }
        config.payments = match provider.as_deref() {
            None | Some("sandbox") => Payments::Sandbox,
            Some("wechat") => {
                Payments::Wechat(Box::new(wechat_pay_from_env(&env, config.dev_mode)?))
            }
            Some(other) => {
                return Err(usage_error(format!(
                    "--payment-provider must be `sandbox` or `wechat`, not `{other}`"
                )));
            }
        };
        config.sms = sms_provider(&sms, &env)?;
        if config.no_client_sms_limit && !config.dev_mode {
            return Err(usage_error(
                "--no-client-sms-limit is for development mode only (add --dev)".to_string(),
            ));
        }
        Ok(config)
    }
}

fn config_from_env(env: &impl Fn(&str) -> Option<String>) -> Result<Config, UsageError> {
    let set = |name: &str| {
        env(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let mut config = Config::default();
    if let Some(listen) = set("BAOMING_LISTEN") {
        config.listen = listen;
    }
    if let Some(dir) = set("BAOMING_DATA_DIR") {
        config.data_dir = PathBuf::from(dir);
    }
    if let Some(every) = set("BAOMING_RECONCILE_EVERY_S") {
        config.reconcile_every = seconds("BAOMING_RECONCILE_EVERY_S", &every)?;
    }
    let switch = |name: &str| -> Result<Option<bool>, UsageError> {
        let Some(value) = set(name) else {
            return Ok(None);
        };
        match value.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(Some(true)),
            "0" | "false" | "no" | "off" => Ok(Some(false)),
            _ => Err(usage_error(format!("{name} must be 1 or 0, not `{value}`"))),
        }
    };
    if let Some(on) = switch("BAOMING_DEV")? {
        config.dev_mode = on;
    }
    if let Some(on) = switch("BAOMING_SECURE_COOKIES")? {
        config.secure_cookies = on;
    }
    if let Some(on) = switch("BAOMING_INSECURE_COOKIES")? {
        config.insecure_cookies = on;
    }
    if let Some(on) = switch("BAOMING_TRUST_FORWARDED_FOR")? {
        config.trust_forwarded_for = on;
    }
    if let Some(list) = set("BAOMING_PUBLIC_ORIGINS") {
        config.public_origins = list
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(normalize_origin)
            .collect::<Result<_, _>>()?;
    }
    if let Some(list) = set("BAOMING_TRUSTED_PROXIES") {
        config.trusted_proxies = list
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(IpNet::parse)
            .collect::<Result<_, _>>()?;
    }
    if let Some(file) = set("BAOMING_SMS_CODE_KEY_FILE") {
        config.sms_code_key_file = Some(PathBuf::from(file));
    }
    if let Some(dir) = set("BAOMING_WEB_ROOT") {
        config.web_root = Some(PathBuf::from(dir));
    }
    if let Some(list) = set("BAOMING_ALLOWED_ORIGINS") {
        config.allowed_origins = list
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(normalize_origin)
            .collect::<Result<_, _>>()?;
    }
    if let Some(list) = set("BAOMING_REVIEWER_TOKENS") {
        config.reviewer_tokens = list
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(reviewer_token)
            .collect::<Result<_, _>>()?;
    }
    Ok(config)
}

/// A duration flag in whole seconds, 1 to 3600.
fn seconds(flag: &str, value: &str) -> Result<std::time::Duration, UsageError> {
    value
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|s| (1..=3600).contains(s))
        .map(std::time::Duration::from_secs)
        .ok_or_else(|| usage_error(format!("{flag} needs whole seconds, 1 to 3600")))
}

/// The WeChat Pay settings; the error names every missing variable. The platform's keys
/// come from a public key file (`…_PLATFORM_KEY` with its `PUB_KEY_ID_…` in
/// `…_PLATFORM_SERIAL`), or from certificates downloaded from WeChat
/// (`…_PLATFORM_CERTIFICATES=download`, also the default without a key file), or both
/// while a merchant moves from certificates to a public key. The notify URL must be HTTPS
/// (WeChat refuses others) except in development mode, where a local test double calls.
fn wechat_pay_from_env(
    env: &impl Fn(&str) -> Option<String>,
    dev_mode: bool,
) -> Result<WechatPayConfig, UsageError> {
    const OPTIONAL: [&str; 4] = [
        "BAOMING_WECHATPAY_API_BASE",
        "BAOMING_WECHATPAY_PLATFORM_KEY",
        "BAOMING_WECHATPAY_PLATFORM_SERIAL",
        "BAOMING_WECHATPAY_PLATFORM_CERTIFICATES",
    ];
    let mut missing = Vec::new();
    let mut get = |name: &'static str| {
        let value = env(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty());
        if value.is_none() && !OPTIONAL.contains(&name) {
            missing.push(name);
        }
        value.unwrap_or_default()
    };
    let [
        mchid,
        appid,
        serial,
        key,
        api_v3_key,
        platform_key,
        platform_serial,
        certificates,
        notify,
        base,
    ] = WECHATPAY_VARIABLES.map(&mut get);
    if platform_key.is_empty() != platform_serial.is_empty() {
        return Err(usage_error(
            "BAOMING_WECHATPAY_PLATFORM_KEY and BAOMING_WECHATPAY_PLATFORM_SERIAL go together \
             (the public key file and its PUB_KEY_ID_…)",
        ));
    }
    let download_certificates = match certificates.as_str() {
        "" => platform_key.is_empty(),
        "download" => true,
        "off" => false,
        _ => {
            return Err(usage_error(
                "BAOMING_WECHATPAY_PLATFORM_CERTIFICATES must be `download` or `off`",
            ));
        }
    };
    if platform_key.is_empty() && !download_certificates {
        return Err(usage_error(
            "WeChat Pay needs a platform key: BAOMING_WECHATPAY_PLATFORM_KEY and \
             BAOMING_WECHATPAY_PLATFORM_SERIAL, or BAOMING_WECHATPAY_PLATFORM_CERTIFICATES=download",
        ));
    }
    if !missing.is_empty() {
        return Err(usage_error(format!(
            "--payment-provider wechat needs {}",
            missing.join(", ")
        )));
    }
    if api_v3_key.len() != 32 {
        return Err(usage_error(
            "BAOMING_WECHATPAY_APIV3_KEY must be exactly 32 bytes",
        ));
    }
    if !(notify.starts_with("https://") || (dev_mode && notify.starts_with("http://"))) {
        return Err(usage_error(
            "BAOMING_WECHATPAY_NOTIFY_URL must be an https:// URL",
        ));
    }
    let api_base = if base.is_empty() {
        DEFAULT_API_BASE.to_owned()
    } else {
        base.trim_end_matches('/').to_owned()
    };
    if !(api_base.starts_with("https://") || api_base.starts_with("http://")) {
        return Err(usage_error(
            "BAOMING_WECHATPAY_API_BASE must look like https://host[:port]",
        ));
    }
    Ok(WechatPayConfig {
        mchid,
        appid,
        merchant_serial: serial,
        merchant_key_path: PathBuf::from(key),
        api_v3_key,
        public_keys: if platform_key.is_empty() {
            Vec::new()
        } else {
            vec![PublicKeyFile {
                id: platform_serial,
                path: PathBuf::from(platform_key),
            }]
        },
        download_certificates,
        notify_url: notify,
        api_base,
    })
}

/// The SMS provider of the `--sms-*` settings (`values`, by flag) and the secrets from the
/// environment; `None` without `--sms-provider`. The error names every missing setting.
fn sms_provider(
    values: &BTreeMap<&'static str, String>,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Option<Box<SmsProviderConfig>>, UsageError> {
    let Some(name) = values.get("--sms-provider") else {
        return Ok(None);
    };
    let provider = match name.as_str() {
        "tencent" => Provider::Tencent,
        "aliyun" => Provider::Aliyun,
        other => {
            return Err(usage_error(format!(
                "--sms-provider must be `tencent` or `aliyun`, not `{other}`"
            )));
        }
    };
    let set = |name: &str| {
        env(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let mut missing: Vec<&str> = Vec::new();
    let mut required = |flag: &'static str| match values.get(flag) {
        Some(value) => value.clone(),
        None => {
            missing.push(flag);
            String::new()
        }
    };
    let sign_name = required("--sms-sign-name");
    let templates = Templates {
        code: required("--sms-template-code"),
        approved: required("--sms-template-approved"),
        rejected: required("--sms-template-rejected"),
        ticket: required("--sms-template-ticket"),
        registered: required("--sms-template-registered"),
        unregistered: required("--sms-template-unregistered"),
    };
    let app_id = match provider {
        Provider::Tencent => required("--sms-app-id"),
        Provider::Aliyun => {
            if values.contains_key("--sms-app-id") {
                return Err(usage_error(
                    "--sms-app-id is for --sms-provider tencent only".to_string(),
                ));
            }
            String::new()
        }
    };
    let secret_id = set("BAOMING_SMS_SECRET_ID").unwrap_or_else(|| {
        missing.push("BAOMING_SMS_SECRET_ID");
        String::new()
    });
    let secret_key = match (
        set("BAOMING_SMS_SECRET_KEY"),
        set("BAOMING_SMS_SECRET_KEY_FILE"),
    ) {
        (Some(value), None) => Secret::Value(value),
        (None, Some(file)) => Secret::File(PathBuf::from(file)),
        (Some(_), Some(_)) => {
            return Err(usage_error(
                "set BAOMING_SMS_SECRET_KEY or BAOMING_SMS_SECRET_KEY_FILE, not both".to_string(),
            ));
        }
        (None, None) => {
            missing.push("BAOMING_SMS_SECRET_KEY (or BAOMING_SMS_SECRET_KEY_FILE)");
            Secret::Value(String::new())
        }
    };
    if !missing.is_empty() {
        return Err(usage_error(format!(
            "--sms-provider {name} needs {}",
            missing.join(", ")
        )));
    }
    let endpoint = values
        .get("--sms-endpoint")
        .map_or(provider.default_endpoint(), String::as_str)
        .trim_end_matches('/')
        .to_owned();
    let secure = endpoint.starts_with("https://") && endpoint.len() > "https://".len();
    let loopback = plain_http_loopback(&endpoint);
    if !(secure || loopback) {
        return Err(usage_error(format!(
            "--sms-endpoint must be an https:// URL (plain http only on a loopback address), \
             not `{endpoint}`"
        )));
    }
    Ok(Some(Box::new(SmsProviderConfig {
        provider,
        endpoint,
        region: values
            .get("--sms-region")
            .map_or(provider.default_region(), String::as_str)
            .to_owned(),
        app_id,
        sign_name,
        templates,
        secret_id,
        secret_key,
    })))
}

/// Whether `endpoint` is `http://` on this machine (a test double), where TLS adds nothing.
fn plain_http_loopback(endpoint: &str) -> bool {
    let Some(rest) = endpoint.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A reviewer token must be long enough not to be guessed and printable ASCII without
/// spaces or commas (it travels in a header and in a comma-separated variable).
fn reviewer_token(token: &str) -> Result<String, UsageError> {
    let token = token.trim();
    let printable = token.bytes().all(|b| b.is_ascii_graphic() && b != b',');
    if token.len() >= REVIEWER_TOKEN_MIN_LEN && printable {
        Ok(token.to_owned())
    } else {
        Err(usage_error(format!(
            "a reviewer token needs at least {REVIEWER_TOKEN_MIN_LEN} printable ASCII \
             characters without spaces or commas"
        )))
    }
}

/// Checks that `origin` looks like what browsers send in the `Origin` header
/// (`scheme://host[:port]`, no path) and writes it as they do: the contract's rule
/// ([`baoming_contract::origin::parse`]), so `https://X.test:443/` is `https://x.test`.
fn normalize_origin(origin: &str) -> Result<String, UsageError> {
    baoming_contract::origin::parse(origin).map_err(|e| usage_error(e.0))
}

/// An address block of trusted proxies: `10.0.0.0/8`, `2001:db8::/32`, or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// Parses `IP` or `IP/prefix`; host bits set beyond the prefix are refused, as they
    /// usually mean a typo.
    pub fn parse(text: &str) -> Result<IpNet, UsageError> {
        let text = text.trim();
        let bad = || {
            usage_error(format!(
                "trusted proxy `{text}` must be an IP address or a CIDR block such as 10.0.0.0/8"
            ))
        };
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        let bits = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(bad)?,
        };
        let net = IpNet { addr, prefix };
        if net.masked(addr) == to_bits(addr) {
            Ok(net)
        } else {
            Err(usage_error(format!(
                "trusted proxy `{text}` has bits set after its /{prefix}"
            )))
        }
    }

    /// Whether `addr` lies in the block; an IPv4-mapped IPv6 address counts as IPv4.
    pub fn contains(&self, addr: IpAddr) -> bool {
        let addr = addr.to_canonical();
        addr.is_ipv4() == self.addr.is_ipv4() && self.masked(addr) == to_bits(self.addr)
    }

    /// `addr` with the bits after the prefix cleared.
    fn masked(&self, addr: IpAddr) -> u128 {
        let bits: u32 = if addr.is_ipv4() { 32 } else { 128 };
        let host_bits = bits - u32::from(self.prefix);
        to_bits(addr) & u128::MAX.checked_shl(host_bits).unwrap_or(0)
    }
}

fn to_bits(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_what_a_browser_sends() {
        // A browser's `Origin` never names the scheme's default port, and its host is
        // lower-case ASCII (IDNA): the configured origin must compare equal to it.
        for (typed, sent) in [
            ("https://x.test:443", "https://x.test"),
            ("http://x.test:80/", "http://x.test"),
            ("https://X.Test:8443", "https://x.test:8443"),
            ("http://[::1]:8080", "http://[::1]:8080"),
            ("https://报名.中国", "https://xn--eqr925a.xn--fiqs8s"),
            ("  http://localhost:8080/  ", "http://localhost:8080"),
        ] {
            assert_eq!(normalize_origin(typed).unwrap(), sent, "{typed}");
        }
        for bad in [
            "ftp://x.test",
            "https://user@x.test",
            "https://x.test/app",
            "https://x.test?a",
            "https://x.test#top",
            "https://",
            "x.test",
            "https://*.x.test",
        ] {
            assert!(normalize_origin(bad).is_err(), "{bad}");
        }
    }
}
