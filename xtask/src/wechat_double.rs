//! The WeChat Pay test double (`wechatpay-double`, a workspace crate written from WeChat
//! Pay's documentation) as a process, and a reference backend configured to pay through it:
//! for the conformance stage and the payment journeys.

use anyhow::{Context, Result};
use serde_json::Value;

use crate::paths::Layout;
use crate::procs::{Background, Cmd};
use crate::run::{self, SERVER_START_LIMIT};

/// A running double.
pub struct Double {
    _process: Background,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// What the merchant side needs (`wechatpay-double --print-config`).
    merchant: Value,
}

impl Double {
    /// Starts the double in WeChat Pay public-key mode, accepting plain-HTTP notify URLs
    /// (the backends here listen on 127.0.0.1) and retrying notifications quickly.
    pub fn start(layout: &Layout) -> Result<Double> {
        let binary = run::host_binary(layout, false, "wechatpay-double");
        let merchant: Value = serde_json::from_str(
            &Cmd::new(&binary)
                .args(["--print-config", "--mode", "public-key"])
                .read_stdout()?,
        )
        .context("wechatpay-double --print-config")?;
        let mut process = Cmd::new(&binary)
            .args(["--listen", "127.0.0.1:0", "--mode", "public-key"])
            .args(["--allow-http-notify", "--notify-retry-ms", "200"])
            .current_dir(&layout.root)
            .spawn_background("wechatpay-double")?;
        let url = process.wait_listening(SERVER_START_LIMIT)?;
        Ok(Double {
            _process: process,
            url: url.trim_end_matches('/').to_owned(),
            merchant,
        })
    }

    /// `backend` (a development-mode reference backend about to listen at `origin`) paying
    /// through this double, its reconciler every 2 s and asking about a code 3 s after it
    /// was issued (a lost notification is found within seconds, not minutes).
    pub fn backend(&self, backend: Cmd, origin: &str) -> Result<Cmd> {
        let text = |key: &str| -> Result<String> {
            Ok(match &self.merchant[key] {
                Value::String(s) => s.clone(),
                other => anyhow::bail!("wechatpay-double --print-config: {key} is {other}"),
            })
        };
        Ok(backend
            .args(["--payment-provider", "wechat", "--reconcile-every", "2"])
            .args(["--notification-grace", "3"])
            .env("BAOMING_WECHATPAY_MCHID", text("mchid")?)
            .env("BAOMING_WECHATPAY_APPID", text("appid")?)
            .env(
                "BAOMING_WECHATPAY_MERCHANT_SERIAL",
                text("merchant_cert_serial")?,
            )
            .env("BAOMING_WECHATPAY_MERCHANT_KEY", text("merchant_key_path")?)
            .env("BAOMING_WECHATPAY_APIV3_KEY", text("api_v3_key")?)
            .env(
                "BAOMING_WECHATPAY_PLATFORM_KEY",
                text("platform_public_key_path")?,
            )
            .env(
                "BAOMING_WECHATPAY_PLATFORM_SERIAL",
                text("platform_public_key_id")?,
            )
            .env(
                "BAOMING_WECHATPAY_NOTIFY_URL",
                format!("{origin}/api/v1/payments/wechat/notify"),
            )
            .env("BAOMING_WECHATPAY_API_BASE", &self.url))
    }
}

/// `cargo xtask bench-polling [OPTIONS]`: `tests/perf/polling.mjs` (candidates polling their
/// orders while WeChat Pay answers slowly, with `wrk`) against a fresh development backend
/// paying through the double. Builds what it needs; `options` go to the script.
pub fn bench_polling(layout: &Layout, options: &[String]) -> Result<()> {
    crate::setup::setup(layout, crate::setup::Mode::Install)?;
    if Cmd::new("wrk").arg("--version").probe().is_none() {
        crate::setup::apt_install(&["wrk"], "the load tool wrk")?;
    }
    run::build_server(layout, false, &["wechatpay-double"])?;
    let double = Double::start(layout)?;
    let data = crate::test::TempDir::new("bench-polling")?;
    let port = crate::procs::free_ports(1)?[0];
    let listen = format!("127.0.0.1:{port}");
    let origin = format!("http://{listen}");
    let mut backend = double
        .backend(
            crate::test::backend_cmd(
                layout,
                &listen,
                data.path(),
                &[],
                &["--no-client-sms-limit"],
            ),
            &origin,
        )?
        // A line per request would flood the console and slow the backend down.
        .env("RUST_LOG", "warn")
        .spawn_background("backend (WeChat Pay double)")?;
    backend.wait_listening(SERVER_START_LIMIT)?;
    let status = Cmd::new("node")
        .arg(layout.root.join("tests/perf/polling.mjs"))
        .args(["--api", &origin, "--double", &double.url])
        .args(options)
        .current_dir(&layout.root)
        .status()?;
    drop(backend);
    anyhow::ensure!(
        status.success(),
        "tests/perf/polling.mjs: {}",
        crate::procs::describe(status)
    );
    Ok(())
}
