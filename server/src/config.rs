//! Command line and environment: what to run and how the server is configured.
//!
//! Every `serve` flag has an environment variable; a flag given on the command line wins over
//! its variable. No argument parser crate: the surface is small and the errors should name the
//! flag in the same words as the usage text.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

use crate::sms::{Provider, Secret, SmsProviderConfig, Templates};
use crate::wechat_pay::{DEFAULT_API_BASE, PublicKeyFile, WechatPayConfig};

/// Text printed for `--help` and after a usage error.
pub const USAGE: &str = "\
Usage: baoming-server [serve] [OPTIONS]
       baoming-server openapi
       baoming-server review [--url <URL>] [--token <TOKEN>] <COMMAND>

Commands:
  serve     Run the HTTP server (the default)
  openapi   Print the OpenAPI document to stdout
  review    The reviewer's tool over the admin API (`review --help` for its commands)

Options for serve (each also read from the environment variable shown):
  --listen <ADDR>             Address to bind [BAOMING_LISTEN] (default 127.0.0.1:8787)
  --data-dir <DIR>            Where the SQLite database lives [BAOMING_DATA_DIR] (default ./.data)
  --dev                       Development mode [BAOMING_DEV=1]
  --web-root <DIR>            Serve the built web app from DIR [BAOMING_WEB_ROOT]
  --allowed-origin <ORIGIN>   Origin allowed to call the API cross-origin, repeatable
                              [BAOMING_ALLOWED_ORIGINS, comma-separated]
  --public-origin <URL>       Origin browsers use to reach this backend (its Host is
                              accepted), repeatable [BAOMING_PUBLIC_ORIGINS,
                              comma-separated]; requests whose Host is neither a public
                              nor an allowed origin's are refused (DNS rebinding)
  --insecure-cookies          Plain-HTTP deployment without --dev: session cookie
                              `baoming_session` without `Secure` (warned at start)
                              [BAOMING_INSECURE_COOKIES=1]. Without it the cookie is
                              `__Host-baoming_session` with `Secure` unless --dev
  --secure-cookies            `Secure` cookie even with --dev (the default without it)
                              [BAOMING_SECURE_COOKIES=1]
  --trusted-proxy <IP|CIDR>   Reverse proxy whose X-Forwarded-For is believed for rate
                              limits (the right-most address not a trusted proxy is the
                              client), repeatable [BAOMING_TRUSTED_PROXIES, comma-separated]
  --trust-forwarded-for       Same as --trusted-proxy for the loopback addresses
                              (127.0.0.0/8, ::1) [BAOMING_TRUST_FORWARDED_FOR=1]
  --no-client-sms-limit       Development mode only: no per-client-address limit on SMS
                              codes (a browser test suite sends many from one address);
                              the per-phone limits stay
  --reviewer-token <TOKEN>    Bearer token accepted by the admin API, repeatable
                              [BAOMING_REVIEWER_TOKENS, comma-separated]; in development
                              mode without one, `dev-reviewer-token` is accepted
  --payment-provider <NAME>   `sandbox` (the default: no real money) or `wechat`
                              [BAOMING_PAYMENT_PROVIDER]
  --reconcile-every <SECONDS> How often unsettled payments and refunds are asked about
                              (default 60) [BAOMING_RECONCILE_EVERY_S]
  --notification-grace <SECONDS>
                              How long after a code was issued WeChat Pay's notification
                              counts as overdue and the reconciler asks (default 300)
  --sms-provider <NAME>       `tencent` (Tencent Cloud SMS) or `aliyun` (Alibaba Cloud SMS)
                              [BAOMING_SMS_PROVIDER]; required without --dev (the
                              development outbox, which prints codes, exists only with --dev)
  --sms-code-key-file <FILE>  The key SMS codes are stored under (HMAC-SHA256), created
                              with mode 0600 when missing [BAOMING_SMS_CODE_KEY_FILE]
                              (default <data-dir>/sms-code.key)
  -h, --help                  Print this help

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

SMS provider (with --sms-provider; all required but region and endpoint):
  --sms-sign-name <NAME>        The approved sign name (签名), without 【】 [BAOMING_SMS_SIGN_NAME]
  --sms-template-code <ID>      Template of the verification code [BAOMING_SMS_TEMPLATE_CODE]
  --sms-template-approved <ID>  Template of 审核通过 [BAOMING_SMS_TEMPLATE_APPROVED]
  --sms-template-rejected <ID>  Template of 审核未通过 [BAOMING_SMS_TEMPLATE_REJECTED]
  --sms-template-ticket <ID>    Template of 准考证可打印 [BAOMING_SMS_TEMPLATE_TICKET]
  --sms-template-registered <ID>
                                Template of 已注册提示, sent instead of a register code
                                [BAOMING_SMS_TEMPLATE_REGISTERED]
  --sms-template-unregistered <ID>
                                Template of 未注册提示, sent instead of a reset code
                                [BAOMING_SMS_TEMPLATE_UNREGISTERED]
  --sms-app-id <ID>             tencent only: the SmsSdkAppId [BAOMING_SMS_APP_ID]
  --sms-region <REGION>         Default ap-guangzhou (tencent), cn-hangzhou (aliyun)
                                [BAOMING_SMS_REGION]
  --sms-endpoint <URL>          Default https://sms.tencentcloudapi.com (tencent),
                                https://dysmsapi.aliyuncs.com (aliyun); https:// except on
                                a loopback address [BAOMING_SMS_ENDPOINT]
  BAOMING_SMS_SECRET_ID         Tencent SecretId / Alibaba AccessKey ID (environment only)
  BAOMING_SMS_SECRET_KEY        Tencent SecretKey / Alibaba AccessKey secret (environment
                                only), or BAOMING_SMS_SECRET_KEY_FILE: a file holding it
";

/// The default `--listen` address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";
/// The default `--data-dir`.
pub const DEFAULT_DATA_DIR: &str = "./.data";

/// What the command line asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run the server.
    Serve(Config),
    /// Print the OpenAPI document.
    OpenApi,
    /// Print [`USAGE`].
    Help,
    /// The reviewer's command-line tool.
    Review(crate::review_cli::Invocation),
    /// Print [`crate::review_cli::REVIEW_USAGE`].
    ReviewHelp,
}

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

/// The environment variables of the WeChat Pay settings, in [`USAGE`] order.
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

/// The `--sms-*` flags of the provider and their environment variables, in [`USAGE`] order.
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

/// Parses the arguments (without the program name) with `env` looking up environment
/// variables; taking `env` as a function keeps tests away from the process environment.
pub fn parse<I, F>(args: I, env: F) -> Result<Command, UsageError>
where
    I: IntoIterator<Item = String>,
    F: Fn(&str) -> Option<String>,
{
    let mut args = args.into_iter().peekable();
    match args.peek().map(String::as_str) {
        Some("openapi") => {
            args.next();
            return match args.next() {
                None => Ok(Command::OpenApi),
                Some(extra) => Err(usage_error(format!("unexpected argument `{extra}`"))),
            };
        }
        Some("review") => {
            args.next();
            return crate::review_cli::parse(args, &env).map(|inv| match inv {
                None => Command::ReviewHelp,
                Some(inv) => Command::Review(inv),
            });
        }
        Some("serve") => {
            args.next();
        }
        _ => {}
    }

    let mut config = config_from_env(&env)?;
    let mut cli_origins: Option<Vec<String>> = None;
    let mut cli_public: Option<Vec<String>> = None;
    let mut cli_proxies: Option<Vec<IpNet>> = None;
    let mut cli_tokens: Option<Vec<String>> = None;
    let mut provider = env("BAOMING_PAYMENT_PROVIDER")
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty());
    // Each SMS setting from its variable, replaced by its flag.
    let mut sms: BTreeMap<&'static str, String> = SMS_SETTINGS
        .iter()
        .filter_map(|(flag, var)| {
            env(var)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .map(|v| (*flag, v))
        })
        .collect();
    while let Some(arg) = args.next() {
        // Accept both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, UsageError> {
            inline
                .clone()
                .or_else(|| args.next())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| usage_error(format!("{name} needs a value")))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--listen" => config.listen = value("--listen")?,
            "--data-dir" => config.data_dir = PathBuf::from(value("--data-dir")?),
            "--web-root" => config.web_root = Some(PathBuf::from(value("--web-root")?)),
            "--allowed-origin" => {
                let origin = normalize_origin(&value("--allowed-origin")?)?;
                cli_origins.get_or_insert_with(Vec::new).push(origin);
            }
            "--public-origin" => {
                let origin = normalize_origin(&value("--public-origin")?)?;
                cli_public.get_or_insert_with(Vec::new).push(origin);
            }
            "--trusted-proxy" => {
                let net = IpNet::parse(&value("--trusted-proxy")?)?;
                cli_proxies.get_or_insert_with(Vec::new).push(net);
            }
            "--reviewer-token" => {
                let token = reviewer_token(&value("--reviewer-token")?)?;
                cli_tokens.get_or_insert_with(Vec::new).push(token);
            }
            "--payment-provider" => provider = Some(value("--payment-provider")?),
            "--sms-code-key-file" => {
                config.sms_code_key_file = Some(PathBuf::from(value("--sms-code-key-file")?));
            }
            "--reconcile-every" => {
                config.reconcile_every = seconds("--reconcile-every", &value("--reconcile-every")?)?
            }
            "--notification-grace" => {
                config.notification_grace =
                    seconds("--notification-grace", &value("--notification-grace")?)?
            }
            "--dev"
            | "--secure-cookies"
            | "--insecure-cookies"
            | "--trust-forwarded-for"
            | "--no-client-sms-limit" => {
                if inline.is_some() {
                    return Err(usage_error(format!("{flag} takes no value")));
                }
                match flag.as_str() {
                    "--dev" => config.dev_mode = true,
                    "--secure-cookies" => config.secure_cookies = true,
                    "--insecure-cookies" => config.insecure_cookies = true,
                    "--no-client-sms-limit" => config.no_client_sms_limit = true,
                    _ => config.trust_forwarded_for = true,
                }
            }
            other => match SMS_SETTINGS.iter().find(|(name, _)| *name == other) {
                Some((name, _)) => {
                    sms.insert(name, value(name)?);
                }
                None => return Err(usage_error(format!("unknown argument `{arg}`"))),
            },
        }
    }
    // Origins given on the command line replace the environment's list rather than adding
    // to it, like every other flag.
    if let Some(origins) = cli_origins {
        config.allowed_origins = origins;
    }
    config.allowed_origins.dedup();
    if let Some(origins) = cli_public {
        config.public_origins = origins;
    }
    config.public_origins.dedup();
    if let Some(proxies) = cli_proxies {
        config.trusted_proxies = proxies;
    }
    if config.secure_cookies && config.insecure_cookies {
        return Err(usage_error(
            "--secure-cookies and --insecure-cookies contradict each other".to_string(),
        ));
    }
    if let Some(tokens) = cli_tokens {
        config.reviewer_tokens = tokens;
    }
    config.payments = match provider.as_deref() {
        None | Some("sandbox") => Payments::Sandbox,
        Some("wechat") => Payments::Wechat(Box::new(wechat_pay_from_env(&env, config.dev_mode)?)),
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
    Ok(Command::Serve(config))
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
/// (`scheme://host[:port]`, no path) and drops a trailing slash people often paste.
fn normalize_origin(origin: &str) -> Result<String, UsageError> {
    let origin = origin.trim();
    let bad = || {
        usage_error(format!(
            "origin `{origin}` must look like http(s)://host[:port]"
        ))
    };
    // The WHATWG URL parser, as the browser that sends `Origin` uses: the host lower-cased
    // (and IDNA-encoded), the scheme's default port dropped, so `https://X.test:443/` is
    // `https://x.test`, exactly what a browser on that page sends.
    let url = url::Url::parse(origin).map_err(|_| bad())?;
    let plain = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some_and(|h| !h.is_empty() && !h.contains('*'))
        && url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        // The parser drops an empty path, `?` and `#`: refuse them as typed.
        && !origin.trim_end_matches('/').contains(['?', '#', '@', ' ']);
    if !plain {
        return Err(bad());
    }
    Ok(url.origin().ascii_serialization())
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

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn serve(cmd: Result<Command, UsageError>) -> Config {
        match cmd {
            Ok(Command::Serve(c)) => c,
            other => panic!("expected serve, got {other:?}"),
        }
    }

    #[test]
    fn serve_is_the_default_with_documented_defaults() {
        assert_eq!(serve(parse(args(&[]), no_env)), Config::default());
        assert_eq!(serve(parse(args(&["serve"]), no_env)), Config::default());
        let c = Config::default();
        assert_eq!(c.listen, "127.0.0.1:8787");
        assert_eq!(c.database_path(), PathBuf::from("./.data/baoming.sqlite3"));
    }

    #[test]
    fn flags_set_every_field_in_both_spellings() {
        let c = serve(parse(
            args(&[
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--data-dir=/tmp/x",
                "--dev",
                "--web-root",
                "dist",
                "--allowed-origin",
                "http://localhost:8080/",
                "--allowed-origin=https://Example.com",
                "--secure-cookies",
                "--trust-forwarded-for",
            ]),
            no_env,
        ));
        assert!(c.secure_cookies);
        assert!(c.trust_forwarded_for);
        assert_eq!(c.listen, "127.0.0.1:0");
        assert_eq!(c.data_dir, PathBuf::from("/tmp/x"));
        assert!(c.dev_mode);
        assert_eq!(c.web_root, Some(PathBuf::from("dist")));
        assert_eq!(
            c.allowed_origins,
            ["http://localhost:8080", "https://example.com"]
        );
    }

    #[test]
    fn environment_fills_in_and_flags_win() {
        let env = |name: &str| {
            match name {
                "BAOMING_LISTEN" => Some("0.0.0.0:9000"),
                "BAOMING_DATA_DIR" => Some("/var/lib/baoming"),
                "BAOMING_DEV" => Some("1"),
                "BAOMING_WEB_ROOT" => Some("/srv/web"),
                "BAOMING_ALLOWED_ORIGINS" => Some("http://a.test, http://b.test:8080"),
                "BAOMING_SECURE_COOKIES" => Some("yes"),
                "BAOMING_TRUST_FORWARDED_FOR" => Some("1"),
                _ => None,
            }
            .map(str::to_owned)
        };
        let c = serve(parse(args(&[]), env));
        assert_eq!(c.listen, "0.0.0.0:9000");
        assert_eq!(c.data_dir, PathBuf::from("/var/lib/baoming"));
        assert!(c.dev_mode);
        assert_eq!(c.web_root, Some(PathBuf::from("/srv/web")));
        assert_eq!(c.allowed_origins, ["http://a.test", "http://b.test:8080"]);
        assert!(c.secure_cookies && c.trust_forwarded_for);

        let c = serve(parse(
            args(&[
                "--listen",
                "127.0.0.1:1",
                "--allowed-origin",
                "http://c.test",
            ]),
            env,
        ));
        assert_eq!(c.listen, "127.0.0.1:1");
        assert_eq!(c.allowed_origins, ["http://c.test"]);
    }

    #[test]
    fn reviewer_tokens_from_flags_env_and_dev_mode() {
        let c = serve(parse(
            args(&[
                "--reviewer-token",
                "0123456789abcdef",
                "--reviewer-token=fedcba9876543210",
            ]),
            no_env,
        ));
        assert_eq!(c.reviewer_tokens, ["0123456789abcdef", "fedcba9876543210"]);
        assert_eq!(c.reviewer_tokens(), c.reviewer_tokens);
        let env = |name: &str| {
            (name == "BAOMING_REVIEWER_TOKENS")
                .then(|| " aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbb ".to_owned())
        };
        let c = serve(parse(args(&[]), env));
        assert_eq!(c.reviewer_tokens, ["aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"]);
        let c = serve(parse(args(&["--reviewer-token", "cccccccccccccccc"]), env));
        assert_eq!(c.reviewer_tokens, ["cccccccccccccccc"]);
        // Development mode without tokens accepts the fixed one; production accepts none.
        let dev = serve(parse(args(&["--dev"]), no_env));
        assert_eq!(dev.reviewer_tokens(), [DEV_REVIEWER_TOKEN]);
        assert!(Config::default().reviewer_tokens().is_empty());
        for bad in ["short", "has space in it!!", "has,comma,1234567"] {
            assert!(
                parse(args(&["--reviewer-token", bad]), no_env).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn other_commands_and_help() {
        assert_eq!(parse(args(&["openapi"]), no_env), Ok(Command::OpenApi));
        assert_eq!(parse(args(&["--help"]), no_env), Ok(Command::Help));
        assert_eq!(parse(args(&["serve", "-h"]), no_env), Ok(Command::Help));
    }

    #[test]
    fn the_payment_provider_and_wechat_pay_settings() {
        assert_eq!(serve(parse(args(&[]), no_env)).payments, Payments::Sandbox);
        let sandbox = parse(args(&["--payment-provider", "sandbox"]), no_env);
        assert_eq!(serve(sandbox).payments, Payments::Sandbox);
        assert!(parse(args(&["--payment-provider=alipay"]), no_env).is_err());

        // wechat without its settings names every missing variable.
        let err = parse(args(&["--payment-provider", "wechat"]), no_env).unwrap_err();
        for name in [
            "BAOMING_WECHATPAY_MCHID",
            "BAOMING_WECHATPAY_APPID",
            "BAOMING_WECHATPAY_MERCHANT_SERIAL",
            "BAOMING_WECHATPAY_MERCHANT_KEY",
            "BAOMING_WECHATPAY_APIV3_KEY",
            "BAOMING_WECHATPAY_NOTIFY_URL",
        ] {
            assert!(err.0.contains(name), "{err}");
        }
        assert!(!err.0.contains("BAOMING_WECHATPAY_API_BASE"), "{err}");

        let full = |name: &str| -> Option<String> {
            Some(
                match name {
                    "BAOMING_PAYMENT_PROVIDER" => "wechat",
                    "BAOMING_WECHATPAY_MCHID" => "1900000109",
                    "BAOMING_WECHATPAY_APPID" => "wx0000000000000001",
                    "BAOMING_WECHATPAY_MERCHANT_SERIAL" => "5157F09E",
                    "BAOMING_WECHATPAY_MERCHANT_KEY" => "/etc/baoming/apiclient_key.pem",
                    "BAOMING_WECHATPAY_APIV3_KEY" => "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5",
                    "BAOMING_WECHATPAY_PLATFORM_KEY" => "/etc/baoming/pub_key.pem",
                    "BAOMING_WECHATPAY_PLATFORM_SERIAL" => "PUB_KEY_ID_01",
                    "BAOMING_WECHATPAY_NOTIFY_URL" => {
                        "https://baoming.example/api/v1/payments/wechat/notify"
                    }
                    _ => return None,
                }
                .to_owned(),
            )
        };
        let Payments::Wechat(w) = serve(parse(args(&[]), full)).payments else {
            panic!("not wechat");
        };
        assert_eq!(w.mchid, "1900000109");
        assert_eq!(
            w.merchant_key_path,
            PathBuf::from("/etc/baoming/apiclient_key.pem")
        );
        assert_eq!(w.api_base, crate::wechat_pay::DEFAULT_API_BASE);
        // Public-key mode: the key file under its id, no certificate download.
        assert_eq!(
            w.public_keys,
            [PublicKeyFile {
                id: "PUB_KEY_ID_01".into(),
                path: PathBuf::from("/etc/baoming/pub_key.pem"),
            }]
        );
        assert!(!w.download_certificates);
        assert!(
            !format!("{w:?}").contains("a0b1c2d3"),
            "the APIv3 key is not logged"
        );
        // Certificate mode: no key file; both during a move.
        let certificates = |name: &str| match name {
            "BAOMING_WECHATPAY_PLATFORM_KEY" | "BAOMING_WECHATPAY_PLATFORM_SERIAL" => None,
            _ => full(name),
        };
        let Payments::Wechat(w) = serve(parse(args(&[]), certificates)).payments else {
            panic!("not wechat");
        };
        assert!(w.public_keys.is_empty() && w.download_certificates);
        let both = |name: &str| match name {
            "BAOMING_WECHATPAY_PLATFORM_CERTIFICATES" => Some("download".to_owned()),
            _ => full(name),
        };
        let Payments::Wechat(w) = serve(parse(args(&[]), both)).payments else {
            panic!("not wechat");
        };
        assert!(w.public_keys.len() == 1 && w.download_certificates);
        // A key without its id, or no key at all with downloads off, is refused.
        let half = |name: &str| match name {
            "BAOMING_WECHATPAY_PLATFORM_SERIAL" => None,
            _ => full(name),
        };
        assert!(parse(args(&[]), half).is_err());
        let none = |name: &str| match name {
            "BAOMING_WECHATPAY_PLATFORM_CERTIFICATES" => Some("off".to_owned()),
            _ => certificates(name),
        };
        assert!(parse(args(&[]), none).is_err());
        // Plain-HTTP notifications only for a local double in development mode.
        let http = |name: &str| match name {
            "BAOMING_WECHATPAY_NOTIFY_URL" => Some("http://127.0.0.1:1/notify".to_owned()),
            _ => full(name),
        };
        assert!(parse(args(&[]), http).is_err());
        assert!(parse(args(&["--dev"]), http).is_ok());
        // The reconciler's period.
        assert_eq!(
            serve(parse(args(&["--reconcile-every", "5"]), no_env)).reconcile_every,
            std::time::Duration::from_secs(5)
        );
        assert!(parse(args(&["--reconcile-every", "0"]), no_env).is_err());
        assert_eq!(
            serve(parse(args(&["--notification-grace=3"]), no_env)).notification_grace,
            std::time::Duration::from_secs(3)
        );
        // The flag wins over the variable.
        let flag = parse(args(&["--payment-provider", "sandbox"]), full);
        assert_eq!(serve(flag).payments, Payments::Sandbox);
        let short_key = |name: &str| match name {
            "BAOMING_WECHATPAY_APIV3_KEY" => Some("short".to_owned()),
            _ => full(name),
        };
        assert!(
            parse(args(&[]), short_key)
                .unwrap_err()
                .0
                .contains("32 bytes")
        );
    }

    /// A complete Tencent configuration in the environment.
    fn tencent_env(name: &str) -> Option<String> {
        Some(
            match name {
                "BAOMING_SMS_PROVIDER" => "tencent",
                "BAOMING_SMS_SIGN_NAME" => "职业技能等级认定",
                "BAOMING_SMS_TEMPLATE_CODE" => "2300001",
                "BAOMING_SMS_TEMPLATE_APPROVED" => "2300002",
                "BAOMING_SMS_TEMPLATE_REJECTED" => "2300003",
                "BAOMING_SMS_TEMPLATE_TICKET" => "2300004",
                "BAOMING_SMS_TEMPLATE_REGISTERED" => "2300005",
                "BAOMING_SMS_TEMPLATE_UNREGISTERED" => "2300006",
                "BAOMING_SMS_APP_ID" => "1400987654",
                "BAOMING_SMS_SECRET_ID" => "AKIDexample",
                "BAOMING_SMS_SECRET_KEY" => "secret-key-value",
                _ => return None,
            }
            .to_owned(),
        )
    }

    #[test]
    fn the_sms_provider_and_its_settings() {
        assert_eq!(serve(parse(args(&[]), no_env)).sms, None);
        let sms = serve(parse(args(&[]), tencent_env)).sms.expect("tencent");
        assert_eq!(sms.provider, Provider::Tencent);
        assert_eq!(sms.endpoint, "https://sms.tencentcloudapi.com");
        assert_eq!(sms.region, "ap-guangzhou");
        assert_eq!(sms.app_id, "1400987654");
        assert_eq!(sms.sign_name, "职业技能等级认定");
        assert_eq!(
            [
                &sms.templates.code,
                &sms.templates.approved,
                &sms.templates.rejected,
                &sms.templates.ticket,
                &sms.templates.registered,
                &sms.templates.unregistered,
            ],
            [
                "2300001", "2300002", "2300003", "2300004", "2300005", "2300006"
            ]
        );
        assert_eq!(sms.secret_id, "AKIDexample");
        assert_eq!(sms.secret_key, Secret::Value("secret-key-value".into()));
        assert!(
            !format!("{sms:?}").contains("secret-key-value"),
            "the secret key is not logged"
        );

        // Flags, in both spellings, win over the variables.
        let sms = serve(parse(
            args(&[
                "--sms-sign-name",
                "另一个签名",
                "--sms-template-code=9",
                "--sms-region",
                "ap-beijing",
                "--sms-endpoint",
                "http://127.0.0.1:8123/",
            ]),
            tencent_env,
        ))
        .sms
        .unwrap();
        assert_eq!(sms.sign_name, "另一个签名");
        assert_eq!(sms.templates.code, "9");
        assert_eq!(sms.region, "ap-beijing");
        assert_eq!(sms.endpoint, "http://127.0.0.1:8123");

        // Alibaba: its defaults, no app id, the secret from a file.
        let aliyun = |name: &str| match name {
            "BAOMING_SMS_PROVIDER" => Some("aliyun".to_owned()),
            "BAOMING_SMS_APP_ID" | "BAOMING_SMS_SECRET_KEY" => None,
            "BAOMING_SMS_SECRET_KEY_FILE" => Some("/run/secrets/aliyun".to_owned()),
            _ => tencent_env(name),
        };
        let sms = serve(parse(args(&[]), aliyun)).sms.unwrap();
        assert_eq!(sms.provider, Provider::Aliyun);
        assert_eq!(sms.endpoint, "https://dysmsapi.aliyuncs.com");
        assert_eq!(sms.region, "cn-hangzhou");
        assert_eq!(sms.app_id, "");
        assert_eq!(
            sms.secret_key,
            Secret::File(PathBuf::from("/run/secrets/aliyun"))
        );
        let err = parse(args(&["--sms-app-id", "1400"]), aliyun).unwrap_err();
        assert!(err.0.contains("tencent only"), "{err}");
    }

    #[test]
    fn an_sms_provider_without_its_settings_names_every_missing_one() {
        let err = parse(args(&["--sms-provider", "tencent"]), no_env).unwrap_err();
        for missing in [
            "--sms-sign-name",
            "--sms-template-code",
            "--sms-template-approved",
            "--sms-template-rejected",
            "--sms-template-ticket",
            "--sms-template-registered",
            "--sms-template-unregistered",
            "--sms-app-id",
            "BAOMING_SMS_SECRET_ID",
            "BAOMING_SMS_SECRET_KEY",
        ] {
            assert!(err.0.contains(missing), "{missing}: {err}");
        }
        let err = parse(args(&["--sms-provider=aliyun"]), no_env).unwrap_err();
        assert!(!err.0.contains("--sms-app-id"), "{err}");

        let both = |name: &str| match name {
            "BAOMING_SMS_SECRET_KEY_FILE" => Some("/run/secrets/k".to_owned()),
            _ => tencent_env(name),
        };
        assert!(parse(args(&[]), both).unwrap_err().0.contains("not both"));
        assert!(parse(args(&["--sms-provider", "twilio"]), tencent_env).is_err());
        assert!(parse(args(&["--sms-sign-name"]), tencent_env).is_err());
    }

    #[test]
    fn sms_endpoints_are_https_except_on_this_machine() {
        for (endpoint, ok) in [
            ("https://sms.internal.example", true),
            ("http://127.0.0.1:9", true),
            ("http://localhost:8080/", true),
            ("http://[::1]:8080", true),
            ("http://sms.tencentcloudapi.com", false),
            ("http://127.0.0.1.example.com", false),
            ("https://", false),
            ("sms.tencentcloudapi.com", false),
        ] {
            let result = parse(args(&["--sms-endpoint", endpoint]), tencent_env);
            assert_eq!(result.is_ok(), ok, "{endpoint}: {result:?}");
        }
    }

    #[test]
    fn the_sms_code_key_file_defaults_to_the_data_dir() {
        let c = serve(parse(args(&["--data-dir", "/var/lib/baoming"]), no_env));
        assert_eq!(
            c.sms_code_key_path(),
            PathBuf::from("/var/lib/baoming/sms-code.key")
        );
        let env = |name: &str| {
            (name == "BAOMING_SMS_CODE_KEY_FILE").then(|| "/run/secrets/sms-code.key".to_owned())
        };
        let c = serve(parse(args(&[]), env));
        assert_eq!(
            c.sms_code_key_path(),
            PathBuf::from("/run/secrets/sms-code.key")
        );
        let c = serve(parse(args(&["--sms-code-key-file", "/etc/k"]), env));
        assert_eq!(c.sms_code_key_path(), PathBuf::from("/etc/k"));
    }

    #[test]
    fn the_client_sms_limit_can_be_lifted_in_development_only() {
        let c = serve(parse(args(&["--dev", "--no-client-sms-limit"]), no_env));
        assert!(c.no_client_sms_limit);
        assert!(!Config::default().no_client_sms_limit);
        assert!(parse(args(&["--no-client-sms-limit"]), no_env).is_err());
    }

    #[test]
    fn hardening_flags_from_flags_and_environment() {
        let c = serve(parse(
            args(&[
                "--public-origin",
                "https://API.example.cn/",
                "--public-origin=http://10.0.0.5:8787",
                "--trusted-proxy",
                "10.0.0.0/8",
                "--trusted-proxy=2001:db8::1",
                "--insecure-cookies",
            ]),
            no_env,
        ));
        assert_eq!(
            c.public_origins,
            ["https://api.example.cn", "http://10.0.0.5:8787"]
        );
        assert!(c.insecure_cookies && !c.cookies_secure());
        assert!(c.is_trusted_proxy("10.200.0.1".parse().unwrap()));
        assert!(c.is_trusted_proxy("::ffff:10.0.0.1".parse().unwrap()));
        assert!(c.is_trusted_proxy("2001:db8::1".parse().unwrap()));
        assert!(!c.is_trusted_proxy("2001:db8::2".parse().unwrap()));
        assert!(!c.is_trusted_proxy("11.0.0.1".parse().unwrap()));
        assert!(!c.is_trusted_proxy("127.0.0.1".parse().unwrap()));

        let env = |name: &str| {
            match name {
                "BAOMING_PUBLIC_ORIGINS" => Some("https://a.test, https://b.test"),
                "BAOMING_TRUSTED_PROXIES" => Some("192.168.0.0/16, ::1"),
                "BAOMING_INSECURE_COOKIES" => Some("1"),
                _ => None,
            }
            .map(str::to_owned)
        };
        let c = serve(parse(args(&[]), env));
        assert_eq!(c.public_origins, ["https://a.test", "https://b.test"]);
        assert!(c.is_trusted_proxy("192.168.3.4".parse().unwrap()));
        assert!(c.is_trusted_proxy("::1".parse().unwrap()));
        assert!(!c.cookies_secure());

        // Secure by default without --dev; --trust-forwarded-for means loopback proxies.
        let c = serve(parse(args(&["--trust-forwarded-for"]), no_env));
        assert!(c.cookies_secure());
        assert!(c.is_trusted_proxy("127.0.0.1".parse().unwrap()));
        assert!(!c.is_trusted_proxy("10.0.0.1".parse().unwrap()));
        assert_eq!(IpNet::parse("0.0.0.0/0").unwrap().to_string(), "0.0.0.0/0");
        assert!(
            IpNet::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(
            !IpNet::parse("0.0.0.0/0")
                .unwrap()
                .contains("::1".parse().unwrap())
        );
    }

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

    #[test]
    fn mistakes_are_usage_errors() {
        for bad in [
            &["--listen"][..],
            &["--bogus"],
            &["openapi", "extra"],
            &["--dev=1"],
            &["--secure-cookies=1"],
            &["--allowed-origin", "*"],
            &["--allowed-origin", "localhost:8080"],
            &["--allowed-origin", "http://a.test/path"],
            &["--public-origin", "api.example.cn"],
            &["--trusted-proxy", "10.0.0.1/8"],
            &["--trusted-proxy", "10.0.0.0/33"],
            &["--trusted-proxy", "proxy.local"],
            &["--insecure-cookies=1"],
            &["--secure-cookies", "--insecure-cookies"],
        ] {
            assert!(parse(args(bad), no_env).is_err(), "{bad:?}");
        }
        for var in [
            "BAOMING_DEV",
            "BAOMING_SECURE_COOKIES",
            "BAOMING_TRUST_FORWARDED_FOR",
        ] {
            let env = |name: &str| (name == var).then(|| "maybe".to_owned());
            assert!(parse(args(&[]), env).is_err(), "{var}");
        }
    }
}
