//! # baoming-server
//!
//! The reference backend of Baoming: the JSON API of `baoming-contract` on axum, with an
//! embedded SQLite database, and optionally the built web app at `/`.
//!
//! Every rule (what a valid phone number is, when a plan is open, which status may follow
//! which) comes from the contract crate; this crate stores, serves and enforces them.
//!
//! [`app`] builds the whole HTTP application from an [`AppState`], which tests drive
//! in-process; [`serve`] binds a socket and runs it until Ctrl-C or SIGTERM.

pub mod auth;
pub mod checkout;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod error;
pub mod extract;
pub mod files;
pub mod limits;
pub mod middleware;
pub mod passwords;
pub mod payments;
pub mod review_cli;
pub mod reviewer;
pub mod routes;
pub mod secrets;
pub mod seed;
pub mod sms;
pub mod static_files;
pub mod store;
pub mod wechat_pay;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use tower::ServiceExt;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::clock::Clock;
use crate::config::{Config, Payments};
use crate::db::Db;
use crate::middleware::AllowedOrigins;
use crate::payments::{PaymentProvider, SandboxProvider};
use crate::secrets::SmsCodeKey;
use crate::sms::SmsSender;
use crate::wechat_pay::WechatPayProvider;

/// What every handler can reach. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// How the server was started.
    pub config: Arc<Config>,
    /// The database.
    pub db: Db,
    /// "Now", fixed in tests.
    pub clock: Clock,
    /// Delivers SMS: the configured provider, or in development mode without one the
    /// outbox ([`sms::sender_from_config`]); tests replace it with
    /// [`AppState::with_sms_sender`].
    pub sms: Arc<dyn SmsSender>,
    /// The key SMS codes are stored under ([`Config::sms_code_key_path`]).
    pub sms_code_key: Arc<SmsCodeKey>,
    /// Takes payments: the sandbox or WeChat Pay (`--payment-provider`).
    pub payments: Arc<dyn PaymentProvider>,
    /// The sandbox behind `payments`, for the development endpoint that pays orders.
    pub sandbox: Option<Arc<SandboxProvider>>,
    /// The WeChat Pay client behind `payments`, for its notification endpoint.
    pub wechat: Option<Arc<WechatPayProvider>>,
    /// Keeps two requests about one order from making two payment attempts at once.
    pub order_locks: Arc<checkout::OrderLocks>,
    /// Failed log-ins per phone and client address, and per client address.
    pub login_guard: Arc<limits::LoginGuard>,
    /// Wrong SMS codes (registration and reset) per client address.
    pub code_guard: Arc<limits::ClientBudget>,
    /// The plans, read at most every two seconds.
    pub plan_cache: Arc<routes::plans::PlanCache>,
}

impl AppState {
    /// Opens (creating and migrating) the database in `config.data_dir` and seeds it on
    /// first start. Blocking: call it before serving or from `spawn_blocking`.
    pub fn open(config: Config, clock: Clock) -> anyhow::Result<AppState> {
        // Refused before anything is created on disk.
        if config.sms.is_none() && !config.dev_mode {
            anyhow::bail!(sms::NO_PROVIDER);
        }
        let db = Db::open_in_dir(&config.data_dir).with_context(|| {
            format!("cannot open the database in {}", config.data_dir.display())
        })?;
        files::sweep_at_start_up(&config.data_dir);
        AppState::with_db(config, db, clock)
    }

    /// Builds the state around an already open database, seeding it if it has no plans.
    pub fn with_db(config: Config, db: Db, clock: Clock) -> anyhow::Result<AppState> {
        let now = clock.now();
        db.blocking(|conn| seed::seed_if_empty(conn, now))
            .context("cannot seed the database")?;
        if let Some(root) = &config.web_root
            && !root.join("index.html").is_file()
        {
            tracing::warn!(web_root = %root.display(), "the web root has no index.html");
        }
        if config.reviewer_tokens().is_empty() {
            tracing::warn!(
                "no reviewer token is configured (--reviewer-token): the admin API refuses \
                 every request"
            );
        }
        let (payments, sandbox, wechat): (Arc<dyn PaymentProvider>, _, _) = match &config.payments {
            Payments::Sandbox => {
                let sandbox = Arc::new(SandboxProvider::new(clock.clone()));
                (sandbox.clone(), Some(sandbox), None)
            }
            Payments::Wechat(wechat) => {
                let wechat = Arc::new(
                    WechatPayProvider::from_config((**wechat).clone(), clock.clone())
                        .context("cannot set up WeChat Pay")?,
                );
                (wechat.clone(), None, Some(wechat))
            }
        };
        if !config.dev_mode && !config.cookies_secure() {
            tracing::warn!(
                "--insecure-cookies: the session cookie is sent without Secure and can be read \
                 on the network; serve the site over HTTPS and drop the flag"
            );
        }
        if !config.dev_mode && config.public_origins.is_empty() {
            tracing::warn!(
                "no --public-origin: only loopback Host names and the allowed origins' are answered; \
                 list the origins browsers use to reach this backend"
            );
        }
        if !config.dev_mode && config.payments == Payments::Sandbox {
            tracing::warn!(
                "payments use the sandbox provider: no real money can be taken \
                 (--payment-provider wechat)"
            );
        }
        let sms = sms::sender_from_config(&config, &db, &clock).context("cannot set up SMS")?;
        match &config.sms {
            Some(provider) => {
                tracing::info!(provider = provider.provider.name(), "SMS provider");
            }
            None => tracing::warn!(
                "SMS go to the development outbox: codes are printed on the console and kept \
                 in the database (--sms-provider sends them for real)"
            ),
        }
        let sms_code_key = SmsCodeKey::load_or_create(&config.sms_code_key_path())?;
        Ok(AppState {
            config: Arc::new(config),
            sms,
            sms_code_key: Arc::new(sms_code_key),
            payments,
            sandbox,
            wechat,
            order_locks: Arc::default(),
            login_guard: Arc::default(),
            code_guard: Arc::new(limits::ClientBudget::new(
                limits::CLIENT_CODE_FAILURES,
                limits::CLIENT_FAILURE_WINDOW_S,
            )),
            plan_cache: Arc::default(),
            db,
            clock,
        })
    }

    /// The same state with another SMS sender (a real provider, or a test double).
    pub fn with_sms_sender(self, sms: Arc<dyn SmsSender>) -> AppState {
        AppState { sms, ..self }
    }

    /// The same state taking payments through `wechat` (a client of a test double, say).
    pub fn with_wechat_pay(self, wechat: Arc<WechatPayProvider>) -> AppState {
        AppState {
            payments: wechat.clone(),
            sandbox: None,
            wechat: Some(wechat),
            ..self
        }
    }
}

/// The whole HTTP application: `/api/...` and, with a web root, the web app at `/`.
pub fn app(state: AppState) -> Router {
    let config = Arc::clone(&state.config);
    let site = match &config.web_root {
        Some(root) => static_files::router(root),
        None => Router::new()
            .fallback(|| async { (StatusCode::NOT_FOUND, "not found\n").into_response() }),
    };
    // `nest` leaves some paths under /api (such as `/api/`) to the outer fallback; routing
    // by prefix here guarantees no API client ever receives the web app's HTML.
    let fallback = tower::service_fn(move |req: Request| {
        let site = site.clone();
        async move {
            if routes::is_api_path(req.uri().path()) {
                Ok(routes::not_found().await.into_response())
            } else {
                site.oneshot(req).await
            }
        }
    });
    let router = Router::new()
        .nest("/api", routes::api_router(&config).with_state(state))
        .fallback_service(fallback);
    let allowed = AllowedOrigins(config.allowed_origins.clone().into());
    // Each `.layer` wraps everything above it: the request log sees the final answer,
    // security headers reach CORS preflights and guard refusals, and CORS headers reach
    // the guard's 403 so a permitted page can read it.
    router
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .layer(axum::middleware::from_fn_with_state(
            allowed,
            middleware::cross_site_guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            middleware::HostPolicy::from_config(&config),
            middleware::host_guard,
        ))
        .layer(middleware::cors_layer(&config.allowed_origins))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("referrer-policy"),
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(axum::middleware::from_fn(middleware::log_requests))
}

/// Logs to stderr (stdout carries the "listening" line and `openapi` output), filtered by
/// `RUST_LOG`, `info` by default.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

/// Opens the database, binds `config.listen`, prints
/// `baoming-server listening on http://ADDR` (with the port actually bound) and serves until
/// Ctrl-C or SIGTERM, letting requests in flight finish.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let listen = config.listen.clone();
    let state = tokio::task::spawn_blocking(move || {
        passwords::warm_up();
        AppState::open(config, Clock::system())
    })
    .await
    .context("start-up task failed")??;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr().context("no local address")?;
    tracing::info!(
        %addr,
        data_dir = %state.config.data_dir.display(),
        dev_mode = state.config.dev_mode,
        "starting"
    );
    // Tools and tests wait for this exact line on stdout, so flush it at once.
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "baoming-server listening on http://{addr}")?;
    if state.config.dev_mode && state.config.reviewer_tokens.is_empty() {
        writeln!(
            stdout,
            "development reviewer token: {}",
            crate::config::DEV_REVIEWER_TOKEN
        )?;
    }
    stdout.flush()?;
    drop(stdout);

    let reconciler = checkout::spawn_reconciler(state.clone(), state.config.reconcile_every);
    // Temporary files of uploads a crash interrupted (ID-card bytes) never stay long.
    let sweeper = files::spawn_temp_sweeper(
        state.config.data_dir.clone(),
        files::TEMP_SWEEP_EVERY,
        files::STALE_TEMP_AGE,
    );
    // The peer address feeds the per-client SMS limits.
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server failed")?;
    reconciler.abort();
    sweeper.abort();
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
