//! The command line of `baoming-server`, parsed by clap:
//!
//! ```text
//! baoming-server [serve] [OPTIONS]    run the HTTP server (the default)
//! baoming-server openapi              print the OpenAPI document
//! baoming-server review [--url <URL>] [--token <TOKEN>] <COMMAND>
//! ```
//!
//! The options of `serve` are [`crate::config::ServeArgs`], those of `review`
//! [`crate::review_cli::ReviewArgs`]; this module puts them together, so that neither of those
//! modules needs the other. [`parse`] also reads the environment they fall back on, through a
//! lookup function.

use std::ffi::OsString;

use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::config::{Config, ENVIRONMENT_HELP, ServeArgs};
use crate::review_cli::{Invocation, ReviewArgs};

/// What the command line asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run the server.
    Serve(Config),
    /// Print the OpenAPI document.
    OpenApi,
    /// The reviewer's command-line tool.
    Review(Invocation),
}

/// Baoming's reference backend: the JSON API on axum and SQLite
#[derive(Debug, Parser)]
#[command(
    name = "baoming-server",
    // `serve` is the default: its options work without it, but not before it.
    args_conflicts_with_subcommands = true,
    // An option given twice counts once, the last time (`review refund` refuses a second
    // --reason by itself).
    args_override_self = true,
    after_help = ENVIRONMENT_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Option<CliCommand>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum CliCommand {
    /// Run the HTTP server (the default)
    #[command(after_help = ENVIRONMENT_HELP)]
    Serve(Box<ServeArgs>),
    /// Print the OpenAPI document to stdout
    #[command(name = "openapi")]
    OpenApi,
    /// The reviewer's tool over the admin API (`review --help` for its commands)
    Review(ReviewArgs),
}

/// Parses the arguments (without the program name), with `env` looking up environment
/// variables; taking `env` as a function keeps tests away from the process environment.
///
/// The error is clap's, ready to print: `--help` (`exit_code()` 0, printed on stdout) or a
/// usage error (2, on stderr), including the values that only the environment rules out.
pub fn parse<I, T>(args: I, env: impl Fn(&str) -> Option<String>) -> Result<Command, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let mut cli = Cli::command();
    let args =
        std::iter::once(OsString::from("baoming-server")).chain(args.into_iter().map(Into::into));
    let matches = cli.try_get_matches_from_mut(args)?;
    let parsed = Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut cli))?;
    // A usage error found after parsing, shown with the usage of the (sub)command it is about.
    let usage_error = |cli: &mut clap::Command, name: Option<&str>, message: String| {
        let cmd = match name.and_then(|name| cli.find_subcommand_mut(name)) {
            Some(sub) => sub,
            None => cli,
        };
        cmd.error(ErrorKind::ValueValidation, message)
    };
    match parsed.command {
        None => parsed
            .serve
            .resolve(env)
            .map(Command::Serve)
            .map_err(|e| usage_error(&mut cli, None, e.to_string())),
        Some(CliCommand::Serve(serve)) => serve
            .resolve(env)
            .map(Command::Serve)
            .map_err(|e| usage_error(&mut cli, Some("serve"), e.to_string())),
        Some(CliCommand::OpenApi) => Ok(Command::OpenApi),
        Some(CliCommand::Review(review)) => review
            .resolve(env)
            .map(Command::Review)
            .map_err(|e| usage_error(&mut cli, Some("review"), e)),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use baoming_contract::api::ReviewTarget;
    use baoming_contract::eligibility::Material;
    use baoming_contract::status::ApplicationStatus;

    use super::*;
    use crate::config::{DEV_REVIEWER_TOKEN, IpNet, Payments};
    use crate::review_cli::Action;
    use crate::sms::{Provider, Secret};
    use crate::wechat_pay::PublicKeyFile;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn serve(cmd: Result<Command, clap::Error>) -> Config {
        match cmd {
            Ok(Command::Serve(c)) => c,
            other => panic!("expected serve, got {other:?}"),
        }
    }

    fn kind<T: std::fmt::Debug>(result: Result<T, clap::Error>) -> ErrorKind {
        result.expect_err("an error").kind()
    }

    /// `baoming-server review ARGS`.
    fn review(
        list: &[&str],
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Invocation, clap::Error> {
        let line = std::iter::once("review").chain(list.iter().copied());
        parse(line, env).map(|command| match command {
            Command::Review(invocation) => invocation,
            other => panic!("expected review, got {other:?}"),
        })
    }

    fn ok(list: &[&str]) -> Invocation {
        review(list, no_env).unwrap_or_else(|e| panic!("{list:?}: {e}"))
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
        assert_eq!(parse(args(&["openapi"]), no_env).unwrap(), Command::OpenApi);
        for help in [
            &["--help"][..],
            &["-h"],
            &["serve", "-h"],
            &["help"],
            &["help", "serve"],
        ] {
            assert_eq!(
                kind(parse(args(help), no_env)),
                ErrorKind::DisplayHelp,
                "{help:?}"
            );
        }
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
            assert!(err.to_string().contains(name), "{err}");
        }
        assert!(
            !err.to_string().contains("BAOMING_WECHATPAY_API_BASE"),
            "{err}"
        );

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
                .to_string()
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
        assert!(err.to_string().contains("tencent only"), "{err}");
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
            assert!(err.to_string().contains(missing), "{missing}: {err}");
        }
        let err = parse(args(&["--sms-provider=aliyun"]), no_env).unwrap_err();
        assert!(!err.to_string().contains("--sms-app-id"), "{err}");

        let both = |name: &str| match name {
            "BAOMING_SMS_SECRET_KEY_FILE" => Some("/run/secrets/k".to_owned()),
            _ => tencent_env(name),
        };
        assert!(
            parse(args(&[]), both)
                .unwrap_err()
                .to_string()
                .contains("not both")
        );
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

    // ------------------------------------------------------------ review

    #[test]
    fn review_commands_and_options() {
        let inv = ok(&[
            "--url",
            "http://h:1/",
            "--token",
            "T",
            "list",
            "--status",
            "under_review",
        ]);
        assert_eq!(inv.url, "http://h:1");
        assert_eq!(inv.token, "T");
        assert_eq!(
            inv.action,
            Action::List {
                status: Some(ApplicationStatus::UnderReview)
            }
        );
        let inv = ok(&["list", "--token=T"]);
        assert_eq!(inv.url, "http://127.0.0.1:8787");
        assert_eq!(inv.action, Action::List { status: None });
        assert_eq!(
            ok(&["show", "abc", "--token", "T"]).action,
            Action::Show { id: "abc".into() }
        );
        assert_eq!(
            ok(&["--token", "T", "approve", "abc"]).action,
            Action::Approve { id: "abc".into() }
        );
        assert_eq!(
            ok(&["--token", "T", "ticket", "abc"]).action,
            Action::Ticket { id: "abc".into() }
        );
        assert_eq!(
            ok(&[
                "--token",
                "T",
                "refund",
                "abc",
                "--reason",
                " 考生申请退考 "
            ])
            .action,
            Action::Refund {
                id: "abc".into(),
                reason: "考生申请退考".into()
            }
        );
        assert_eq!(
            ok(&["--token", "T", "ticket", "abc"]).action,
            Action::Ticket { id: "abc".into() }
        );
        let inv = ok(&[
            "--token",
            "T",
            "reject",
            "abc",
            "--reason",
            "portrait:背景不是白色",
            "--reason",
            "field:id_number:身份证号有误",
            "--reason=general:请补充材料",
            "--reason",
            "document:id_card_back:看不清",
        ]);
        let Action::Reject { id, reasons } = inv.action else {
            panic!("reject expected")
        };
        assert_eq!(id, "abc");
        assert_eq!(
            reasons.iter().map(|r| r.target.clone()).collect::<Vec<_>>(),
            [
                ReviewTarget::Document(Material::Portrait),
                ReviewTarget::Field("id_number".into()),
                ReviewTarget::General,
                ReviewTarget::Document(Material::IdCardBack),
            ]
        );
        assert_eq!(reasons[0].message, "背景不是白色");
        assert_eq!(reasons[1].message, "身份证号有误");
    }

    #[test]
    fn review_environment_supplies_url_and_token() {
        let env = |name: &str| match name {
            "BAOMING_REVIEWER_TOKEN" => Some("from-env".to_owned()),
            "BAOMING_REVIEW_URL" => Some("https://review.example".to_owned()),
            _ => None,
        };
        let inv = review(&["list"], env).unwrap();
        assert_eq!(inv.token, "from-env");
        assert_eq!(inv.url, "https://review.example");
        let inv = review(&["list", "--token", "flag"], env).unwrap();
        assert_eq!(inv.token, "flag");
    }

    #[test]
    fn review_help_and_mistakes() {
        for help in [&["--help"][..], &["list", "-h"], &["help", "reject"]] {
            assert_eq!(
                kind(review(help, no_env)),
                ErrorKind::DisplayHelp,
                "{help:?}"
            );
        }
        for bad in [
            &["list"][..],
            &["--token", "T"],
            &["--token", "T", "frobnicate"],
            &["--token", "T", "show"],
            &["--token", "T", "show", "a", "b"],
            &["--token", "T", "reject", "a"],
            &["--token", "T", "reject", "a", "--reason", "nonsense"],
            &["--token", "T", "reject", "a", "--reason", "selfie:x"],
            &["--token", "T", "reject", "a", "--reason", "general:  "],
            &["--token", "T", "reject", "a", "--reason", "field:id_number"],
            &["--token", "T", "reject", "a", "--reason", "document:nope:x"],
            &["--token", "T", "approve", "a", "--reason", "general:x"],
            &["--token", "T", "refund", "a"],
            &[
                "--token", "T", "refund", "a", "--reason", "x", "--reason", "y",
            ],
            &[
                "--token",
                "T",
                "refund",
                "a",
                "--reason",
                "退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退退",
            ],
            &["--token", "T", "show", "a", "--status", "paid"],
            &["--token", "T", "list", "--status", "lost"],
            &["--token", "T", "list", "--bogus"],
            &["--token", "T", "--url", "ftp://x", "list"],
            &["--token"],
        ] {
            assert!(review(bad, no_env).is_err(), "{bad:?}");
        }
    }

    // ------------------------------------------------------------ the command line itself

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
        // review's default URL is the server's default address.
        assert_eq!(
            crate::review_cli::DEFAULT_URL,
            format!("http://{}", crate::config::DEFAULT_LISTEN)
        );
    }

    #[test]
    fn help_names_every_option_and_variable() {
        let help = Cli::command().render_long_help().to_string();
        let mut names: Vec<&str> = [
            "--listen",
            "--data-dir",
            "--dev",
            "--web-root",
            "--allowed-origin",
            "--public-origin",
            "--insecure-cookies",
            "--secure-cookies",
            "--trusted-proxy",
            "--trust-forwarded-for",
            "--no-client-sms-limit",
            "--reviewer-token",
            "--payment-provider",
            "--reconcile-every",
            "--notification-grace",
            "--sms-code-key-file",
            "BAOMING_LISTEN",
            "BAOMING_DATA_DIR",
            "BAOMING_DEV",
            "BAOMING_WEB_ROOT",
            "BAOMING_ALLOWED_ORIGINS",
            "BAOMING_PUBLIC_ORIGINS",
            "BAOMING_INSECURE_COOKIES",
            "BAOMING_SECURE_COOKIES",
            "BAOMING_TRUSTED_PROXIES",
            "BAOMING_TRUST_FORWARDED_FOR",
            "BAOMING_REVIEWER_TOKENS",
            "BAOMING_PAYMENT_PROVIDER",
            "BAOMING_RECONCILE_EVERY_S",
            "BAOMING_SMS_CODE_KEY_FILE",
            "BAOMING_SMS_SECRET_ID",
            "BAOMING_SMS_SECRET_KEY",
            "BAOMING_SMS_SECRET_KEY_FILE",
            "serve",
            "openapi",
            "review",
        ]
        .to_vec();
        names.extend(crate::config::WECHATPAY_VARIABLES);
        for (flag, var) in crate::config::SMS_SETTINGS {
            names.extend([flag, var]);
        }
        for name in names {
            assert!(help.contains(name), "{name} missing from\n{help}");
        }
        // Each SMS setting is an option of serve, under the name SMS_SETTINGS gives it.
        let cmd = Cli::command();
        for (flag, _) in crate::config::SMS_SETTINGS {
            let long = flag.trim_start_matches("--");
            assert!(
                cmd.get_arguments().any(|a| a.get_long() == Some(long)),
                "{flag}"
            );
        }

        let mut cmd = Cli::command();
        let review = cmd
            .find_subcommand_mut("review")
            .unwrap()
            .render_long_help()
            .to_string();
        for name in [
            "--url",
            "--token",
            "BAOMING_REVIEW_URL",
            "BAOMING_REVIEWER_TOKEN",
            "list",
            "show",
            "approve",
            "reject",
            "ticket",
            "refund",
            "A REASON is",
        ] {
            assert!(review.contains(name), "{name} missing from\n{review}");
        }
    }

    #[test]
    fn serve_options_go_after_serve_or_without_it() {
        assert!(serve(parse(args(&["serve", "--dev"]), no_env)).dev_mode);
        assert!(serve(parse(args(&["--dev"]), no_env)).dev_mode);
        assert!(parse(args(&["--dev", "serve"]), no_env).is_err());
        assert!(parse(args(&["--dev", "openapi"]), no_env).is_err());
        assert!(parse(args(&["serve", "openapi"]), no_env).is_err());
    }

    #[test]
    fn a_repeated_option_counts_the_last_time() {
        let c = serve(parse(
            args(&[
                "--listen",
                "127.0.0.1:1",
                "--dev",
                "--listen=127.0.0.1:2",
                "--dev",
            ]),
            no_env,
        ));
        assert_eq!(c.listen, "127.0.0.1:2");
        assert!(c.dev_mode);
        let c = serve(parse(
            args(&[
                "serve",
                "--payment-provider",
                "wechat",
                "--payment-provider",
                "sandbox",
            ]),
            no_env,
        ));
        assert_eq!(c.payments, Payments::Sandbox);
        let inv = ok(&[
            "--token", "A", "list", "--token", "B", "--url", "http://a", "--url", "http://b",
        ]);
        assert_eq!((inv.token.as_str(), inv.url.as_str()), ("B", "http://b"));
    }

    #[test]
    fn usage_errors_name_the_option_and_show_the_usage() {
        let message = |line: &[&str], env: &dyn Fn(&str) -> Option<String>| {
            let err = parse(args(line), env).expect_err("a usage error");
            assert_eq!(err.exit_code(), 2, "{line:?}");
            err.to_string()
        };
        // Unknown option, missing value, empty value.
        let m = message(&["--bogus"], &no_env);
        assert!(
            m.contains("--bogus") && m.contains("Usage: baoming-server"),
            "{m}"
        );
        let m = message(&["serve", "--listen"], &no_env);
        assert!(m.contains("--listen"), "{m}");
        for empty in [
            "--listen",
            "--data-dir",
            "--web-root",
            "--sms-sign-name",
            "--sms-endpoint",
        ] {
            message(&[empty, ""], &no_env);
            message(&[&format!("{empty}=")], &no_env);
        }
        // A bad value names its option and why.
        let m = message(&["--allowed-origin", "localhost:8080"], &no_env);
        assert!(
            m.contains("--allowed-origin") && m.contains("must look like"),
            "{m}"
        );
        let m = message(&["--reconcile-every", "0"], &no_env);
        assert!(m.contains("whole seconds, 1 to 3600"), "{m}");
        let m = message(&["--sms-provider", "twilio"], &no_env);
        assert!(m.contains("tencent") && m.contains("aliyun"), "{m}");
        // One found once the environment is known, with the usage of its command.
        let m = message(
            &["serve", "--secure-cookies", "--insecure-cookies"],
            &no_env,
        );
        assert!(
            m.contains("contradict") && m.contains("Usage: baoming-server serve"),
            "{m}"
        );
        let m = message(&["review", "list"], &no_env);
        assert!(
            m.contains("a reviewer token is needed") && m.contains("Usage: baoming-server review"),
            "{m}"
        );
    }

    #[test]
    fn every_variable_is_checked_even_when_an_option_replaces_it() {
        let env =
            |name: &str| (name == "BAOMING_ALLOWED_ORIGINS").then(|| "localhost:8080".to_owned());
        assert!(parse(args(&["--allowed-origin", "http://a.test"]), env).is_err());
        // Blank variables are unset.
        let blank = |name: &str| name.starts_with("BAOMING_").then(|| "  ".to_owned());
        assert_eq!(serve(parse(args(&[]), blank)), Config::default());
        // Variables are trimmed; switches take 1/0, true/false, yes/no, on/off.
        let env = |name: &str| {
            match name {
                "BAOMING_LISTEN" => Some(" 0.0.0.0:1 "),
                "BAOMING_DEV" => Some("ON"),
                "BAOMING_TRUST_FORWARDED_FOR" => Some("no"),
                "BAOMING_RECONCILE_EVERY_S" => Some("7"),
                _ => None,
            }
            .map(str::to_owned)
        };
        let c = serve(parse(args(&[]), env));
        assert_eq!(c.listen, "0.0.0.0:1");
        assert!(c.dev_mode && !c.trust_forwarded_for);
        assert_eq!(c.reconcile_every, std::time::Duration::from_secs(7));
        // A switch given on the command line is on whatever its variable says.
        let off = |name: &str| (name == "BAOMING_DEV").then(|| "0".to_owned());
        assert!(!serve(parse(args(&[]), off)).dev_mode);
        assert!(serve(parse(args(&["--dev"]), off)).dev_mode);
        let bad = |name: &str| (name == "BAOMING_RECONCILE_EVERY_S").then(|| "0".to_owned());
        let err = parse(args(&[]), bad).unwrap_err().to_string();
        assert!(err.contains("BAOMING_RECONCILE_EVERY_S"), "{err}");
    }

    #[test]
    fn review_url_from_the_environment_is_checked_too() {
        let env = |url: &'static str| {
            move |name: &str| match name {
                "BAOMING_REVIEW_URL" => Some(url.to_owned()),
                "BAOMING_REVIEWER_TOKEN" => Some("T".to_owned()),
                _ => None,
            }
        };
        assert_eq!(
            review(&["list"], env(" https://review.example/ "))
                .unwrap()
                .url,
            "https://review.example"
        );
        assert!(review(&["list"], env("ftp://review.example")).is_err());
        // The option wins, and is checked on its own.
        assert_eq!(
            review(&["list", "--url", "http://h:1"], env("ftp://x"))
                .unwrap()
                .url,
            "http://h:1"
        );
        // A token may start with a hyphen.
        assert_eq!(ok(&["--token", "-T-", "list"]).token, "-T-");
        let c = serve(parse(
            args(&["--reviewer-token", "-0123456789abcdef"]),
            no_env,
        ));
        assert_eq!(c.reviewer_tokens, ["-0123456789abcdef"]);
    }
}
