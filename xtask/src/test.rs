//! `cargo xtask test`: every level of tests in order, stopping at the first failure,
//! and always a summary of the stages that ran.
//!
//! 0. setup (the tools; installs what is missing)
//! 1. host unit tests (`cargo test --workspace`; among them, that the committed OpenAPI
//!    document is current)
//! 2. the OpenAPI document linted with Redocly's `recommended` ruleset (`openapi.rs`)
//! 3. component tests in headless Chromium (`cargo test -p baoming --target wasm32-…`)
//! 4. the release web app (`trunk build --release` into `dist/`)
//! 5. the reference backend and the conformance runner (`cargo build`)
//! 6. the conformance suite against a fresh reference backend
//! 7. Playwright journeys: the built app served by plain static servers (at `/` and
//!    under `/baoming/`) against another fresh backend, in Chromium (`tests/e2e`), then in
//!    WebKit (`tests/webkit`: WebKitGTK through its WebDriver server, `webkit.rs`)
//! 8. Lighthouse's mobile preset on 登录, a wizard step and 待缴费 (`lighthouse.rs`)
//!
//! Right after the release build, the size budget of a first visit (`size.rs`); over it,
//! the run fails but the later stages still run.
//!
//! A stage that ran no tests counts as failed: a suite that cannot fail is a defect.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use serde_json::json;

use crate::csp;
use crate::paths::{self, Layout};
use crate::procs::{Background, Cmd, describe, free_ports};
use crate::run::{self, SERVER_START_LIMIT};
use crate::setup::{self, Tools};
use crate::wasm_env::WASM_TARGET;

const SETUP: &str = "setup (tools)";
const HOST: &str = "host unit tests";
const OPENAPI: &str = "OpenAPI lint (Redocly, recommended)";
const WASM: &str = "wasm tests (headless Chromium)";
const WEB_BUILD: &str = "web app build (trunk --release)";
const BACKEND_BUILD: &str = "backend build (cargo)";
const CONFORMANCE: &str = "conformance (reference backend)";
const JOURNEYS: &str = "browser journeys (Playwright, Chromium)";
const WEBKIT: &str = "browser journeys (WebKit)";
const SIZE: &str = "size budget (first visit, brotli)";
const LIGHTHOUSE: &str = "Lighthouse (mobile; login, wizard, pay)";
const STAGES: &[&str] = &[
    SETUP,
    HOST,
    OPENAPI,
    WASM,
    WEB_BUILD,
    SIZE,
    BACKEND_BUILD,
    CONFORMANCE,
    JOURNEYS,
    WEBKIT,
    LIGHTHOUSE,
];

/// The static server the journeys use (Node standard library only).
pub(crate) const STATIC_SERVER: &str = "tests/e2e/support/static-server.mjs";
/// The Chromium flags a sandboxed machine without internet needs (TOOLCHAIN.md §4).
const CHROMIUM_ARGS: &[&str] = &[
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// Which test suites to run (`--only`); the builds they need always run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    pub host: bool,
    pub openapi: bool,
    pub wasm: bool,
    pub conformance: bool,
    pub journeys: bool,
    pub webkit: bool,
    pub size: bool,
    pub lighthouse: bool,
}

impl Selection {
    /// What `cargo xtask test` (and CI) runs: everything.
    pub const ALL: Selection = Selection {
        host: true,
        openapi: true,
        wasm: true,
        conformance: true,
        journeys: true,
        webkit: true,
        size: true,
        lighthouse: true,
    };
    pub const KEYS: &'static str =
        "host, openapi, wasm, conformance, journeys, webkit, size, lighthouse";

    /// `host,journeys` → those two suites.
    pub fn parse(list: &str) -> Result<Self> {
        let mut selection = Selection {
            host: false,
            openapi: false,
            wasm: false,
            conformance: false,
            journeys: false,
            webkit: false,
            size: false,
            lighthouse: false,
        };
        for key in list.split(',').map(str::trim).filter(|k| !k.is_empty()) {
            match key {
                "host" => selection.host = true,
                "openapi" => selection.openapi = true,
                "wasm" => selection.wasm = true,
                "conformance" => selection.conformance = true,
                "journeys" => selection.journeys = true,
                "webkit" => selection.webkit = true,
                "size" => selection.size = true,
                "lighthouse" => selection.lighthouse = true,
                other => bail!("unknown test suite {other:?}; choose from {}", Self::KEYS),
            }
        }
        if !(selection.host
            || selection.openapi
            || selection.wasm
            || selection.conformance
            || selection.journeys
            || selection.webkit
            || selection.size
            || selection.lighthouse)
        {
            bail!("--only needs at least one of {}", Self::KEYS);
        }
        Ok(selection)
    }

    fn wants(&self, stage: &str) -> bool {
        match stage {
            HOST => self.host,
            OPENAPI => self.openapi,
            WASM => self.wasm,
            WEB_BUILD => self.journeys || self.webkit || self.size || self.lighthouse,
            BACKEND_BUILD => self.conformance || self.journeys || self.webkit || self.lighthouse,
            SIZE => self.size,
            LIGHTHOUSE => self.lighthouse,
            CONFORMANCE => self.conformance,
            JOURNEYS => self.journeys,
            WEBKIT => self.webkit,
            _ => true,
        }
    }
}

pub fn test(layout: &Layout, selection: Selection) -> Result<()> {
    let started = Instant::now();
    let mut summary = Summary::new(selection);
    run_stages(layout, &mut summary);
    summary.print(started.elapsed());
    let failed = summary.failed();
    if !failed.is_empty() {
        bail!("failed: {}", failed.join(", "));
    }
    Ok(())
}

fn run_stages(layout: &Layout, summary: &mut Summary) {
    let mut tools: Option<Tools> = None;
    let ready = summary.stage(SETUP, || {
        tools = Some(setup::setup(layout, setup::Mode::Install)?);
        Ok(Verdict::pass("tools ready"))
    });
    let Some(tools) = tools.filter(|_| ready) else {
        return;
    };
    let _ = summary.stage(HOST, || host_unit_tests(layout))
        && summary.stage(OPENAPI, || crate::openapi::lint_stage(layout, &tools))
        && summary.stage(WASM, || wasm_tests(layout, &tools))
        && summary.stage(WEB_BUILD, || {
            run::build_app(layout, &tools)?;
            Ok(Verdict::pass(format!(
                "{}/",
                paths::rel(layout, &layout.dist)
            )))
        })
        // A budget, not a prerequisite: over it fails the run, the later stages still run.
        && {
            let _ = summary.stage(SIZE, || crate::size::budget_stage(layout));
            true
        }
        && summary.stage(BACKEND_BUILD, || {
            run::build_server(layout, false, &["baoming-conformance", "wechatpay-double"])?;
            Ok(Verdict::pass("baoming-server, baoming-conformance, wechatpay-double"))
        })
        && summary.stage(CONFORMANCE, || conformance(layout))
        && summary.stage(JOURNEYS, || journeys(layout, &tools, Engine::Chromium))
        && summary.stage(WEBKIT, || journeys(layout, &tools, Engine::WebKit))
        && summary.stage(LIGHTHOUSE, || crate::lighthouse::lighthouse(layout, &tools));
}

// ---------------------------------------------------------------------------------------
// Stages

fn host_unit_tests(layout: &Layout) -> Result<Verdict> {
    // Every crate, the web app's browser-free rules included; its DOM tests run in
    // Chromium in the next stage.
    let (status, out) = Cmd::new(paths::host_cargo())
        // All test binaries even after a failure, so the counts are complete.
        .args(["test", "--workspace", "--no-fail-fast"])
        .env("CARGO_TARGET_DIR", layout.host_target_dir())
        .current_dir(&layout.root)
        .run_tee()?;
    Ok(judge(
        &cargo_test_counts(&out),
        status.success(),
        &describe(status),
    ))
}

fn wasm_tests(layout: &Layout, tools: &Tools) -> Result<Verdict> {
    let webdriver = write_webdriver_json(layout, tools)?;
    let (status, out) = tools
        .wasm_cargo_test(layout)
        .args([
            "test",
            "-p",
            "baoming",
            "--no-fail-fast",
            "--target",
            WASM_TARGET,
        ])
        // Doctests already ran on the host in the first stage.
        .args(["--lib", "--bins", "--tests"])
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            &tools.wasm_bindgen_test_runner,
        )
        .env("CHROMEDRIVER", &tools.chromedriver)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120")
        // Chromium's first start on a cold machine can take longer than the default 5 s.
        .env("WASM_BINDGEN_TEST_DRIVER_TIMEOUT", "30")
        .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &webdriver)
        .run_tee()?;
    Ok(judge(
        &cargo_test_counts(&out),
        status.success(),
        &describe(status),
    ))
}

/// Capabilities for wasm-bindgen-test-runner's ChromeDriver session: which Chromium,
/// and the flags this machine needs. The runner adds `headless`, `no-sandbox` and
/// `disable-dev-shm-usage` itself.
fn write_webdriver_json(layout: &Layout, tools: &Tools) -> Result<PathBuf> {
    let capabilities = json!({
        "goog:chromeOptions": {
            "binary": tools.chrome,
            "args": CHROMIUM_ARGS,
        }
    });
    let dir = layout.report_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join("webdriver.json");
    std::fs::write(&path, serde_json::to_string_pretty(&capabilities)?)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// The origin the conformance run tells the backend to allow, so that the suite's CORS
/// checks run rather than being skipped. Any well-formed origin will do.
const CONFORMANCE_ORIGIN: &str = "http://app.baoming.test";

/// The whole suite against a backend taking payments in its development sandbox, then again
/// against one taking them through the WeChat Pay test double (the candidate pays by the
/// double's phone scanning the code; notifications and refunds go through WeChat's
/// documented, signed path). The payments area needs the review area's approval, so the
/// second run is whole too.
fn conformance(layout: &Layout) -> Result<Verdict> {
    // Declared before the server so that the server stops before its data is removed.
    let data = TempDir::new("conformance")?;
    let mut server = start_backend(
        layout,
        "127.0.0.1:0",
        data.path(),
        &[CONFORMANCE_ORIGIN],
        &[],
        None,
    )?;
    let base_url = server.wait_listening(SERVER_START_LIMIT)?;

    // The second backend pays through the WeChat Pay double. Both runs go side by side:
    // each spends most of its time waiting out SMS minutes.
    let double = crate::wechat_double::Double::start(layout)?;
    let wechat_data = TempDir::new("conformance-wechat")?;
    let port = free_ports(1)?[0];
    let listen = format!("127.0.0.1:{port}");
    let mut wechat_server = double
        .backend(
            backend_cmd(
                layout,
                &listen,
                wechat_data.path(),
                &[CONFORMANCE_ORIGIN],
                &[],
            ),
            &format!("http://{listen}"),
        )?
        .spawn_background("backend (WeChat Pay double)")?;
    let wechat_url = wechat_server.wait_listening(SERVER_START_LIMIT)?;

    let runner = run::host_binary(layout, false, "baoming-conformance");
    let sandbox_run = Cmd::new(&runner)
        .arg(base_url.trim_end_matches('/'))
        .args(["--origin", CONFORMANCE_ORIGIN])
        .current_dir(&layout.root);
    let wechat_run = Cmd::new(&runner)
        .arg(wechat_url.trim_end_matches('/'))
        .args([
            "--origin",
            CONFORMANCE_ORIGIN,
            "--wechat-double",
            &double.url,
        ])
        .current_dir(&layout.root);
    let (sandbox, wechat) = std::thread::scope(|scope| {
        let wechat = scope.spawn(|| wechat_run.run_tee_prefixed("[wechat pay double] "));
        let sandbox = sandbox_run.run_tee_prefixed("[sandbox] ");
        (sandbox, wechat.join())
    });
    drop(server);
    drop(wechat_server);
    drop(double);
    let (status, out) = sandbox?;
    let (wechat_status, wechat_out) =
        wechat.map_err(|_| anyhow::anyhow!("the WeChat Pay conformance run panicked"))??;
    let mut counts = conformance_counts(&out).unwrap_or_default();
    let more = conformance_counts(&wechat_out).unwrap_or_default();
    println!(
        "\nconformance: sandbox {} passed, {} failed; WeChat Pay double {} passed, {} failed",
        counts.passed, counts.failed, more.passed, more.failed
    );
    counts.passed += more.passed;
    counts.failed += more.failed;
    counts.skipped += more.skipped;
    let ok = status.success() && wechat_status.success() && more.passed > 0;
    let detail = if status.success() {
        describe(wechat_status)
    } else {
        describe(status)
    };
    Ok(judge(&counts, ok, &detail))
}

/// Which browser engine a journeys stage drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Engine {
    /// `tests/e2e` with Playwright's own driver of the system Chromium.
    Chromium,
    /// `tests/webkit` with WebKitGTK through WebKitWebDriver (Playwright only as runner).
    WebKit,
}

impl Engine {
    fn config(self) -> &'static str {
        match self {
            Engine::Chromium => "playwright.config.ts",
            Engine::WebKit => "playwright.webkit.config.ts",
        }
    }

    /// A file name in the report folder: `journeys-<what>.log` (Chromium, as it always was)
    /// or `journeys-webkit-<what>.log`.
    fn file(self, what: &str) -> String {
        match self {
            Engine::Chromium => format!("journeys-{what}"),
            Engine::WebKit => format!("journeys-webkit-{what}"),
        }
    }
}

fn journeys(layout: &Layout, tools: &Tools, engine: Engine) -> Result<Verdict> {
    let script = layout.root.join(STATIC_SERVER);
    if !script.is_file() {
        bail!("{STATIC_SERVER} is missing: the journeys serve the built app with it");
    }
    let playwright = tools.node_bin.join("playwright");

    // The backend must allow the apps' origins and the apps must know the backend's
    // address, so all three ports are chosen before anything starts.
    let ports = free_ports(5)?;
    let (api_port, app_port, sub_port) = (ports[0], ports[1], ports[2]);
    // The WeChat Pay journeys: a backend paying through the WeChat Pay double, and the app
    // pointed at it.
    let (wechat_api_port, wechat_app_port) = (ports[3], ports[4]);
    let api_origin = format!("http://127.0.0.1:{api_port}");
    let app_origin = format!("http://127.0.0.1:{app_port}");
    let sub_origin = format!("http://127.0.0.1:{sub_port}");
    let api_base = format!("{api_origin}/api/v1");

    let data = TempDir::new("journeys")?;
    // What the backend prints also goes to a file: the security journey checks that no
    // session token or personal data reaches the log.
    let reports = layout.report_dir();
    std::fs::create_dir_all(&reports).with_context(|| format!("creating {}", reports.display()))?;
    let backend_log = reports.join(engine.file("backend.log"));
    let mut backend = start_backend(
        layout,
        &format!("127.0.0.1:{api_port}"),
        data.path(),
        &[&app_origin, &sub_origin],
        // Every journey registers from 127.0.0.1: the per-client SMS limit (20 an hour)
        // would stop the suite. Conformance keeps the limit and checks it.
        &["--no-client-sms-limit"],
        Some(&backend_log),
    )?;
    backend.wait_listening(SERVER_START_LIMIT)?;
    // Every journey runs under the Content-Security-Policy a deployment would send
    // (`cargo xtask csp`), reporting violations to the static servers: any violation fails
    // the stage, whichever journey caused it.
    let policy = format!(
        "{}; report-uri {CSP_REPORT_PATH}",
        csp::policy_for_dist(&layout.dist, Some(&api_origin))?
    );
    let static_logs = [
        reports.join(engine.file("static-root.log")),
        reports.join(engine.file("static-subpath.log")),
    ];
    let statics = [("/", app_port), ("/baoming/", sub_port)];
    let mut app = static_server(layout, statics[0], &api_base, &policy)
        .spawn_background_teed(&format!("static {}", statics[0].0), Some(&static_logs[0]))?;
    let app_url = app.wait_listening(SERVER_START_LIMIT)?;
    let mut sub = static_server(layout, statics[1], &api_base, &policy)
        .spawn_background_teed(&format!("static {}", statics[1].0), Some(&static_logs[1]))?;
    let sub_url = sub.wait_listening(SERVER_START_LIMIT)?;

    let double = crate::wechat_double::Double::start(layout)?;
    let wechat_data = TempDir::new("journeys-wechat")?;
    let wechat_api_origin = format!("http://127.0.0.1:{wechat_api_port}");
    let wechat_app_origin = format!("http://127.0.0.1:{wechat_app_port}");
    let mut wechat_backend = double
        .backend(
            backend_cmd(
                layout,
                &format!("127.0.0.1:{wechat_api_port}"),
                wechat_data.path(),
                &[&wechat_app_origin],
                &["--no-client-sms-limit"],
            ),
            &wechat_api_origin,
        )?
        .spawn_background_teed("backend (WeChat Pay double)", None)?;
    wechat_backend.wait_listening(SERVER_START_LIMIT)?;
    let wechat_static_log = reports.join(engine.file("static-wechat.log"));
    let wechat_policy = format!(
        "{}; report-uri {CSP_REPORT_PATH}",
        csp::policy_for_dist(&layout.dist, Some(&wechat_api_origin))?
    );
    let mut wechat_app = static_server(
        layout,
        ("/", wechat_app_port),
        &format!("{wechat_api_origin}/api/v1"),
        &wechat_policy,
    )
    .spawn_background_teed("static / (WeChat Pay)", Some(&wechat_static_log))?;
    let wechat_app_url = wechat_app.wait_listening(SERVER_START_LIMIT)?;

    let report = layout.report_dir().join(match engine {
        Engine::Chromium => "playwright-report.json".to_string(),
        Engine::WebKit => "playwright-webkit-report.json".to_string(),
    });
    let _ = std::fs::remove_file(&report);
    let webkit = match engine {
        Engine::WebKit => Some(crate::webkit::WebKit::start()?),
        Engine::Chromium => None,
    };
    let mut cmd = Cmd::new(&playwright)
        .args(["test", "--reporter=list,json", "--config", engine.config()])
        .env("PLAYWRIGHT_JSON_OUTPUT_NAME", &report)
        .env("BAOMING_API_ORIGIN", &api_origin)
        .env("BAOMING_APP_URL", &app_url)
        .env("BAOMING_APP_SUBPATH_URL", &sub_url)
        .env("BAOMING_BACKEND_LOG", &backend_log)
        .env("BAOMING_WECHAT_APP_URL", &wechat_app_url)
        .env("BAOMING_WECHAT_API_ORIGIN", &wechat_api_origin)
        .env("BAOMING_WECHAT_DOUBLE_URL", &double.url)
        .env("CHROME_PATH", &tools.chrome);
    if let Some(webkit) = &webkit {
        cmd = cmd
            .env("BAOMING_WEBDRIVER_URL", &webkit.driver_url)
            .env("BAOMING_MINIBROWSER", &webkit.minibrowser);
    }
    let status = cmd
        .path_prepend(&tools.path_front)
        .current_dir(&layout.root)
        .status()?;
    drop((
        webkit,
        sub,
        app,
        backend,
        wechat_app,
        wechat_backend,
        double,
    ));
    let violations: Vec<String> = static_logs
        .iter()
        .chain([&wechat_static_log])
        .filter_map(|log| std::fs::read_to_string(log).ok())
        .flat_map(|text| csp_violations(&text))
        .collect();

    let counts = match std::fs::read_to_string(&report) {
        Ok(text) => playwright_counts(&text)
            .with_context(|| format!("reading Playwright's report {}", report.display()))?,
        Err(_) => {
            println!("Playwright wrote no report to {}", report.display());
            Counts::default()
        }
    };
    println!("Playwright report: {}", paths::rel(layout, &report));
    let mut verdict = judge(&counts, status.success(), &describe(status));
    if !violations.is_empty() {
        eprintln!("\nContent-Security-Policy violations during the journeys:");
        for line in &violations {
            eprintln!("  {line}");
        }
        verdict.ok = false;
        verdict.detail = format!("{}, {} CSP violations", verdict.detail, violations.len());
    }
    Ok(verdict)
}

/// Where the journeys' policy sends its reports (tests/e2e/support/static-server.mjs).
const CSP_REPORT_PATH: &str = "/__csp-report";

/// The violations a static server printed, except those tests/e2e/security.spec.ts causes
/// on purpose: URLs containing `csp-probe`, and `frame-ancestors` (only a page framing the
/// app causes it, and browsers report just the origin).
fn csp_violations(log: &str) -> Vec<String> {
    log.lines()
        .filter(|line| line.contains("CSP violation:"))
        .filter(|line| {
            !line.contains("csp-probe") && !line.contains("CSP violation: frame-ancestors ")
        })
        .map(|line| line.trim().to_string())
        .collect()
}

pub(crate) fn start_backend(
    layout: &Layout,
    listen: &str,
    data_dir: &Path,
    allowed_origins: &[&str],
    extra_args: &[&str],
    log: Option<&Path>,
) -> Result<Background> {
    backend_cmd(layout, listen, data_dir, allowed_origins, extra_args)
        .spawn_background_teed("backend", log)
}

/// The reference backend in development mode, not yet started (the caller may add
/// settings, e.g. [`crate::wechat_double::Double::backend`]).
pub(crate) fn backend_cmd(
    layout: &Layout,
    listen: &str,
    data_dir: &Path,
    allowed_origins: &[&str],
    extra_args: &[&str],
) -> Cmd {
    backend_cmd_of(
        &run::host_binary(layout, false, "baoming-server"),
        layout,
        listen,
        data_dir,
        allowed_origins,
        extra_args,
    )
}

/// [`backend_cmd`] with another build of the backend (the benchmarks' release one).
pub(crate) fn backend_cmd_of(
    binary: &Path,
    layout: &Layout,
    listen: &str,
    data_dir: &Path,
    allowed_origins: &[&str],
    extra_args: &[&str],
) -> Cmd {
    let mut cmd = Cmd::new(binary)
        .args(["serve", "--listen", listen, "--data-dir"])
        .arg(data_dir)
        .arg("--dev");
    for origin in allowed_origins {
        cmd = cmd.args(["--allowed-origin", origin]);
    }
    cmd = cmd.args(extra_args.iter().copied());
    cmd.current_dir(&layout.root)
}

/// The static server (`STATIC_SERVER`) for `dist/` at `mount`, with the SPA fallback and the
/// Content-Security-Policy a deployment sends; the caller adds options and starts it.
pub(crate) fn static_server(
    layout: &Layout,
    (mount, port): (&str, u16),
    api_base: &str,
    policy: &str,
) -> Cmd {
    Cmd::new("node")
        .arg(layout.root.join(STATIC_SERVER))
        .arg("--dir")
        .arg(&layout.dist)
        .args(["--mount", mount, "--port", &port.to_string()])
        .args(["--api-base", api_base, "--spa-fallback"])
        .args(["--csp", policy])
        .current_dir(&layout.root)
}

// ---------------------------------------------------------------------------------------
// Counting and judging

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    pub flaky: u64,
    pub skipped: u64,
}

/// Sums every `test result: ok. 3 passed; 0 failed; 1 ignored; …` line (one per test
/// binary, from libtest and from wasm-bindgen-test-runner alike).
pub fn cargo_test_counts(output: &str) -> Counts {
    let mut counts = Counts::default();
    for line in output.lines() {
        let Some(at) = line.find("test result: ") else {
            continue;
        };
        for part in line[at..].split(';') {
            let mut words = part.split_whitespace().rev();
            let (Some(label), Some(number)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(n) = number.parse::<u64>() else {
                continue;
            };
            match label {
                "passed" => counts.passed += n,
                "failed" => counts.failed += n,
                "ignored" => counts.skipped += n,
                _ => {}
            }
        }
    }
    counts
}

/// The runner's last `conformance: N passed, M failed` line.
pub fn conformance_counts(output: &str) -> Option<Counts> {
    summary_counts(output, "conformance")
}

/// The last `<name>: N passed, M failed[, K skipped]` line a runner printed.
pub fn summary_counts(output: &str, name: &str) -> Option<Counts> {
    let prefix = format!("{name}: ");
    let line = output
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix(prefix.as_str()))?;
    let mut counts = Counts::default();
    for part in line.split(',') {
        let mut words = part.split_whitespace();
        let n: u64 = words.next()?.parse().ok()?;
        match words.next()? {
            "passed" => counts.passed = n,
            "failed" => counts.failed = n,
            "skipped" => counts.skipped = n,
            _ => {}
        }
    }
    Some(counts)
}

/// `stats` of Playwright's JSON reporter: expected (passed), unexpected (failed),
/// flaky (passed on a retry), skipped.
pub fn playwright_counts(report: &str) -> Result<Counts> {
    let value: serde_json::Value = serde_json::from_str(report)?;
    let stats = value.get("stats").context("no \"stats\" in the report")?;
    let get = |key: &str| {
        stats
            .get(key)
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0)
    };
    Ok(Counts {
        passed: get("expected"),
        failed: get("unexpected"),
        flaky: get("flaky"),
        skipped: get("skipped"),
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub ok: bool,
    pub detail: String,
}

impl Verdict {
    fn pass(detail: impl Into<String>) -> Self {
        Verdict {
            ok: true,
            detail: detail.into(),
        }
    }
}

/// A test stage passes when its command succeeded, nothing failed and something ran.
pub fn judge(counts: &Counts, exited_ok: bool, exit: &str) -> Verdict {
    let ran = counts.passed + counts.failed + counts.flaky;
    let mut detail = if ran == 0 {
        "ran no tests".to_string()
    } else {
        let mut d = format!("{} passed", counts.passed);
        if counts.failed > 0 {
            d.push_str(&format!(", {} failed", counts.failed));
        }
        if counts.flaky > 0 {
            d.push_str(&format!(", {} flaky", counts.flaky));
        }
        if counts.skipped > 0 {
            d.push_str(&format!(", {} skipped", counts.skipped));
        }
        d
    };
    if !exited_ok && counts.failed == 0 {
        detail.push_str(&format!(" ({exit})"));
    }
    Verdict {
        ok: exited_ok && counts.failed == 0 && ran > 0,
        detail,
    }
}

// ---------------------------------------------------------------------------------------
// Summary

enum RowState {
    /// Not reached: an earlier stage failed.
    NotRun,
    /// Left out by `--only`.
    Skipped,
    Done(Verdict, Duration),
}

struct Row {
    name: &'static str,
    state: RowState,
}

struct Summary {
    selection: Selection,
    rows: Vec<Row>,
}

impl Summary {
    fn new(selection: Selection) -> Self {
        Summary {
            selection,
            rows: STAGES
                .iter()
                .map(|&name| Row {
                    name,
                    state: RowState::NotRun,
                })
                .collect(),
        }
    }

    /// Runs one stage, records its verdict and time; `true` when it passed or was
    /// left out.
    fn stage(&mut self, name: &'static str, run: impl FnOnce() -> Result<Verdict>) -> bool {
        let index = STAGES
            .iter()
            .position(|&s| s == name)
            .expect("a known stage");
        if !self.selection.wants(name) {
            self.rows[index].state = RowState::Skipped;
            return true;
        }
        println!("\n==== [{}/{}] {name} ====", index + 1, STAGES.len());
        let start = Instant::now();
        let verdict = match run() {
            Ok(v) => v,
            Err(e) => {
                eprintln!("\nerror in {name}: {e:#}");
                let first = format!("{e}");
                Verdict {
                    ok: false,
                    detail: first.lines().next().unwrap_or("error").to_string(),
                }
            }
        };
        let ok = verdict.ok;
        self.rows[index].state = RowState::Done(verdict, start.elapsed());
        ok
    }

    fn failed(&self) -> Vec<&'static str> {
        self.rows
            .iter()
            .filter(|r| matches!(&r.state, RowState::Done(v, _) if !v.ok))
            .map(|r| r.name)
            .collect()
    }

    fn print(&self, total: Duration) {
        println!("\n==== summary ====");
        for row in &self.rows {
            let (mark, detail, time) = match &row.state {
                RowState::Done(v, t) => (
                    if v.ok { "ok" } else { "FAIL" },
                    v.detail.as_str(),
                    secs(*t),
                ),
                RowState::NotRun => ("--", "not run", String::new()),
                RowState::Skipped => ("--", "skipped (--only)", String::new()),
            };
            println!(
                "  {:<42} {mark:<4}  {:<40} {time:>9}",
                format!("{}:", row.name),
                truncate(detail, 40)
            );
        }
        println!("  {:<42} {:<4}  {:<40} {:>9}", "total", "", "", secs(total));
        let failed = self.failed();
        if failed.is_empty()
            && !self
                .rows
                .iter()
                .any(|r| matches!(r.state, RowState::NotRun))
        {
            println!("\nAll stages passed.");
        } else if !failed.is_empty() {
            println!("\nFAILED: {}", failed.join(", "));
        }
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

/// A fresh folder removed on drop (a backend's data between runs must not leak into
/// the next run's results).
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(label: &str) -> Result<Self> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let dir = std::env::temp_dir().join(format!(
            "baoming-xtask-{label}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(TempDir(dir))
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_every_cargo_test_result_line() {
        let out = "\
running 3 tests
test a ... ok
test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s

test result: FAILED. 5 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 1.2s
test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
";
        assert_eq!(
            cargo_test_counts(out),
            Counts {
                passed: 8,
                failed: 2,
                flaky: 0,
                skipped: 1
            }
        );
        assert_eq!(cargo_test_counts("no tests to run!\n"), Counts::default());
    }

    #[test]
    fn reads_the_conformance_final_line() {
        let out = "ok   register\nFAIL login: 500\nconformance: 41 passed, 1 failed\n";
        assert_eq!(
            conformance_counts(out),
            Some(Counts {
                passed: 41,
                failed: 1,
                ..Counts::default()
            })
        );
        assert_eq!(conformance_counts("crashed\n"), None);
    }

    #[test]
    fn reads_playwright_stats() {
        let report = r#"{"config": {}, "suites": [], "stats": {"startTime": "x", "duration": 1.5, "expected": 12, "skipped": 1, "unexpected": 0, "flaky": 2}}"#;
        assert_eq!(
            playwright_counts(report).unwrap(),
            Counts {
                passed: 12,
                failed: 0,
                flaky: 2,
                skipped: 1
            }
        );
        assert!(playwright_counts("{}").is_err());
    }

    #[test]
    fn judges_stages() {
        let some = Counts {
            passed: 4,
            ..Counts::default()
        };
        let failing = Counts {
            passed: 4,
            failed: 1,
            ..Counts::default()
        };
        let cases = [
            (some, true, Verdict::pass("4 passed")),
            (
                failing,
                false,
                Verdict {
                    ok: false,
                    detail: "4 passed, 1 failed".into(),
                },
            ),
            // Nothing ran: a failure even though the command succeeded.
            (
                Counts::default(),
                true,
                Verdict {
                    ok: false,
                    detail: "ran no tests".into(),
                },
            ),
            // Did not compile, or the runner crashed after some tests.
            (
                some,
                false,
                Verdict {
                    ok: false,
                    detail: "4 passed (exit status 101)".into(),
                },
            ),
        ];
        for (counts, exited_ok, want) in cases {
            assert_eq!(
                judge(&counts, exited_ok, "exit status 101"),
                want,
                "{counts:?}"
            );
        }
    }

    #[test]
    fn finds_the_csp_violations_a_static_server_printed() {
        let log = "static-server listening on http://127.0.0.1:1/\n\
            static-server: 404 GET /x.js\n\
            static-server: CSP violation: style-src-attr blocked inline on http://127.0.0.1:1/\n\
            static-server: CSP violation: connect-src blocked http://127.0.0.1:2/config.json?csp-probe on http://127.0.0.1:1/\n\
            static-server: CSP violation: frame-ancestors blocked http://127.0.0.1:1/ on http://127.0.0.1:1/\n";
        assert_eq!(
            csp_violations(log),
            ["static-server: CSP violation: style-src-attr blocked inline on http://127.0.0.1:1/"]
        );
        assert!(csp_violations("static-server listening on http://127.0.0.1:1/\n").is_empty());
    }

    #[test]
    fn every_stage_has_a_row() {
        let summary = Summary::new(Selection::ALL);
        assert_eq!(summary.rows.len(), STAGES.len());
        assert!(summary.failed().is_empty());
    }

    #[test]
    fn only_runs_the_chosen_suites_and_the_builds_they_need() {
        let journeys = Selection::parse("journeys").unwrap();
        assert!(
            journeys.wants(SETUP) && journeys.wants(WEB_BUILD) && journeys.wants(BACKEND_BUILD)
        );
        assert!(!journeys.wants(HOST) && !journeys.wants(WASM) && !journeys.wants(CONFORMANCE));
        assert!(!journeys.wants(OPENAPI));

        let openapi = Selection::parse("openapi").unwrap();
        assert!(openapi.wants(SETUP) && openapi.wants(OPENAPI));
        assert!(!openapi.wants(HOST) && !openapi.wants(WEB_BUILD) && !openapi.wants(BACKEND_BUILD));

        let some = Selection::parse("host, conformance").unwrap();
        assert!(some.wants(HOST) && some.wants(BACKEND_BUILD) && some.wants(CONFORMANCE));
        assert!(!some.wants(WEB_BUILD) && !some.wants(JOURNEYS));

        let lighthouse = Selection::parse("lighthouse").unwrap();
        assert!(lighthouse.wants(WEB_BUILD) && lighthouse.wants(BACKEND_BUILD));
        assert!(lighthouse.wants(LIGHTHOUSE) && !lighthouse.wants(JOURNEYS));
        assert!(!lighthouse.wants(SIZE) && !lighthouse.wants(CONFORMANCE));
        let size = Selection::parse("size").unwrap();
        assert!(size.wants(WEB_BUILD) && size.wants(SIZE) && !size.wants(BACKEND_BUILD));

        assert_eq!(
            Selection::parse("host,openapi,wasm,conformance,journeys,webkit,size,lighthouse")
                .unwrap(),
            Selection::ALL
        );
        let webkit = Selection::parse("webkit").unwrap();
        assert!(webkit.wants(WEB_BUILD) && webkit.wants(BACKEND_BUILD) && webkit.wants(WEBKIT));
        assert!(!webkit.wants(JOURNEYS) && !webkit.wants(CONFORMANCE));
        assert!(Selection::ALL.wants(LIGHTHOUSE));
        assert!(Selection::parse("").is_err());
        assert!(Selection::parse("e2e").is_err());
    }

    #[test]
    fn a_skipped_stage_neither_fails_nor_stops_the_run() {
        let mut summary = Summary::new(Selection::parse("conformance").unwrap());
        assert!(summary.stage(HOST, || unreachable!("host tests are not selected")));
        assert!(summary.failed().is_empty());
        assert!(!summary.stage(CONFORMANCE, || Ok(judge(&Counts::default(), true, ""))));
        assert_eq!(summary.failed(), vec![CONFORMANCE]);
    }
}
