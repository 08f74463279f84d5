//! `wechatpay-double --listen 127.0.0.1:0 --mode public-key|certificate --allow-http-notify`
//!
//! Prints `wechatpay-double listening on http://127.0.0.1:PORT` and serves until killed.

use std::net::SocketAddr;

use clap::{Parser, ValueEnum};
use wechatpay_double::{DoubleConfig, KeyMode, MerchantConfig};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Mode {
    PublicKey,
    Certificate,
}

/// A strict WeChat Pay API v3 test double (test-only keys; never a real merchant).
#[derive(Debug, Parser)]
#[command(name = "wechatpay-double", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// 微信支付公钥 (PUB_KEY_ID_…) or 平台证书 mode.
    #[arg(long, value_enum, default_value = "public-key")]
    mode: Mode,
    /// Accept http:// notify URLs (WeChat requires HTTPS).
    #[arg(long)]
    allow_http_notify: bool,
    /// Milliseconds between notification retries.
    #[arg(long, default_value_t = 1_000)]
    notify_retry_ms: u64,
    /// Deliveries per notification, the first included.
    #[arg(long, default_value_t = 16)]
    notify_max_attempts: u32,
    /// Milliseconds after which a refund settles as SUCCESS by itself.
    #[arg(long, default_value_t = 0)]
    refund_delay_ms: u64,
    /// Refunds settle only through POST /_double/refund.
    #[arg(long)]
    manual_refunds: bool,
    /// Unix seconds the double's clock reads at start.
    #[arg(long)]
    start_at: Option<i64>,
    /// Accept requests without a Wechatpay-Serial header.
    #[arg(long)]
    no_require_wechatpay_serial: bool,
    /// Print the merchant-side settings (fixture paths, ids) as JSON and exit.
    #[arg(long)]
    print_config: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mode = match args.mode {
        Mode::PublicKey => KeyMode::PublicKey,
        Mode::Certificate => KeyMode::Certificate,
    };
    if args.print_config {
        println!(
            "{}",
            serde_json::to_string_pretty(&MerchantConfig::new(mode, None))?
        );
        return Ok(());
    }
    let config = DoubleConfig {
        mode,
        allow_http_notify: args.allow_http_notify,
        notify_retry_ms: args.notify_retry_ms,
        notify_max_attempts: args.notify_max_attempts,
        refund_delay_ms: (!args.manual_refunds).then_some(args.refund_delay_ms),
        start_at: args.start_at,
        require_wechatpay_serial: !args.no_require_wechatpay_serial,
        ..DoubleConfig::default()
    };
    let double = wechatpay_double::start_on(config, args.listen).await?;
    println!("wechatpay-double listening on {}", double.base_url());
    shutdown_signal().await;
    drop(double);
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
