//! The `lighthouse` stage of `cargo xtask test`: Lighthouse's mobile preset on 登录, a wizard
//! step and 待缴费 (`tests/perf/lighthouse.mjs`), against the release `dist/` served as a CDN
//! would (brotli, immutable hashed assets, the deployment's Content-Security-Policy) and a
//! fresh reference backend in development mode.
//!
//! The test gates only what a build decides, whatever the machine's speed: accessibility and
//! best practices 100 and no request answered 404, on one run per page. Performance, LCP,
//! TTI and TBT move with the machine's load (performance 95-98 and TBT 160-270 ms were
//! measured on a busier 2-core machine for a build that scores 100 on an idle one), so the
//! test only prints them; `cargo xtask bench-lighthouse` measures them on three runs a page
//! and prints them beside their goals. Each page counts as one test; its reports (JSON and
//! HTML) go to `target/xtask/lighthouse/`.

use std::path::Path;

use anyhow::{Result, bail};

use crate::csp;
use crate::paths::{self, Layout};
use crate::procs::{Background, Cmd, describe, free_ports};
use crate::run::SERVER_START_LIMIT;
use crate::setup::Tools;
use crate::test::{Counts, STATIC_SERVER, TempDir, Verdict, judge, start_backend, static_server};

const SCRIPT: &str = "tests/perf/lighthouse.mjs";
const FIRST_VISIT_SCRIPT: &str = "tests/perf/first-visit.mjs";

/// The release `dist/` served as a CDN would, beside a fresh reference backend in
/// development mode; both stop when this is dropped.
struct Served {
    // Fields drop in order: the servers before their data.
    _app: Background,
    _compare: Option<Background>,
    _backend: Background,
    _data: TempDir,
    app_url: String,
    api_origin: String,
    /// The React comparison app's URL, when asked for.
    compare_url: Option<String>,
}

fn serve_as_cdn(layout: &Layout, label: &str) -> Result<Served> {
    serve_as_cdn_with(layout, label, None)
}

/// As [`serve_as_cdn`], and `compare` (a built static app, the React comparison) served the
/// same way on a port of its own, talking to the same backend.
fn serve_as_cdn_with(layout: &Layout, label: &str, compare: Option<&Path>) -> Result<Served> {
    if !layout.root.join(STATIC_SERVER).is_file() {
        bail!("{STATIC_SERVER} is missing");
    }
    let ports = free_ports(3)?;
    let (api_port, app_port, compare_port) = (ports[0], ports[1], ports[2]);
    let api_origin = format!("http://127.0.0.1:{api_port}");
    let app_origin = format!("http://127.0.0.1:{app_port}");
    let compare_origin = format!("http://127.0.0.1:{compare_port}");
    let mut origins = vec![app_origin.as_str()];
    if compare.is_some() {
        origins.push(&compare_origin);
    }

    let data = TempDir::new(label)?;
    let mut backend = start_backend(
        layout,
        &format!("127.0.0.1:{api_port}"),
        data.path(),
        &origins,
        &[],
        None,
    )?;
    backend.wait_listening(SERVER_START_LIMIT)?;
    let policy = csp::policy_for_dist(&layout.dist, Some(&api_origin))?;
    let mut app = static_server(
        layout,
        ("/", app_port),
        &format!("{api_origin}/api/v1"),
        &policy,
    )
    // Measured on the wire: brotli, as the README asks of a CDN.
    .arg("--compress")
    .spawn_background("static / (compressed)")?;
    let app_url = app.wait_listening(SERVER_START_LIMIT)?;
    let (compare, compare_url) = match compare {
        Some(dir) => {
            // The same policy as Baoming's; Vite's build has no inline script to allow.
            let policy = csp::policy(&[], Some(&csp::origin_of(&api_origin)?));
            let mut server = Cmd::new("node")
                .arg(layout.root.join(STATIC_SERVER))
                .arg("--dir")
                .arg(dir)
                .args(["--mount", "/", "--port", &compare_port.to_string()])
                .args([
                    "--api-base",
                    &format!("{api_origin}/api/v1"),
                    "--spa-fallback",
                ])
                .args(["--csp", &policy, "--compress"])
                .current_dir(&layout.root)
                .spawn_background("static / comparison (compressed)")?;
            let url = server.wait_listening(SERVER_START_LIMIT)?;
            (Some(server), Some(url))
        }
        None => (None, None),
    };
    Ok(Served {
        _compare: compare,
        compare_url,
        _app: app,
        _backend: backend,
        _data: data,
        app_url,
        api_origin,
    })
}

/// The test stage: the gates on one run per page (they do not vary between runs).
pub fn lighthouse(layout: &Layout, tools: &Tools) -> Result<Verdict> {
    let (status, out) = run_lighthouse(layout, tools, 1, false)?;
    let counts = lighthouse_counts(&out).unwrap_or_default();
    Ok(judge(&counts, status.success(), &describe(status)))
}

/// `cargo xtask bench-lighthouse`: the figures (performance, LCP, TTI, TBT, the LCP element)
/// beside their goals, on the median of `runs` runs a page (Lighthouse's advice for variance).
/// Builds what it needs; fails only when Lighthouse cannot run.
pub fn bench_lighthouse(layout: &Layout, runs: u32) -> Result<()> {
    let tools = crate::setup::setup(layout, crate::setup::Mode::Install)?;
    crate::run::build_app(layout, &tools)?;
    crate::run::build_server(layout, false, &[])?;
    let (status, _) = run_lighthouse(layout, &tools, runs, true)?;
    if !status.success() {
        bail!("{SCRIPT}: {}", describe(status));
    }
    Ok(())
}

fn run_lighthouse(
    layout: &Layout,
    tools: &Tools,
    runs: u32,
    bench: bool,
) -> Result<(std::process::ExitStatus, String)> {
    let script = layout.root.join(SCRIPT);
    if !script.is_file() {
        bail!("{} is missing", script.display());
    }
    let served = serve_as_cdn(layout, "lighthouse")?;
    let reports = layout.report_dir().join("lighthouse");
    let mut cmd = Cmd::new("node")
        .arg(&script)
        .args(["--app", &served.app_url, "--api", &served.api_origin])
        .arg("--chrome")
        .arg(&tools.chrome)
        .arg("--reports")
        .arg(&reports)
        .args(["--runs", &runs.to_string()]);
    if bench {
        cmd = cmd.arg("--bench");
    }
    let result = cmd
        .path_prepend(&tools.path_front)
        .current_dir(&layout.root)
        .run_tee()?;
    drop(served);
    println!("Lighthouse reports: {}/", paths::rel(layout, &reports));
    Ok(result)
}

/// `cargo xtask bench-first-visit`: `tests/perf/first-visit.mjs` (real throttling, figures
/// only) against the same servers as the Lighthouse stage, with the React comparison app
/// (`bench/size-compare`, built for `/`) served beside it and measured on the same screens.
/// Builds what it needs.
pub fn bench_first_visit(layout: &Layout, runs: u32) -> Result<()> {
    let tools = crate::setup::setup(layout, crate::setup::Mode::Install)?;
    crate::run::build_app(layout, &tools)?;
    crate::run::build_server(layout, false, &[])?;
    let compare_app = layout.root.join(crate::size_compare::APP_DIR);
    let compare_out = "dist-first-visit";
    crate::size_compare::build_js_app_into(&compare_app, compare_out, Some("/"))?;
    let served = serve_as_cdn_with(layout, "first-visit", Some(&compare_app.join(compare_out)))?;
    let report = layout.report_dir().join("first-visit.json");
    std::fs::create_dir_all(layout.report_dir())?;
    let status = Cmd::new("node")
        .arg(layout.root.join(FIRST_VISIT_SCRIPT))
        .args(["--app", &served.app_url, "--api", &served.api_origin])
        .arg("--chrome")
        .arg(&tools.chrome)
        .args(["--runs", &runs.to_string()])
        .args([
            "--compare",
            served.compare_url.as_deref().unwrap_or_default(),
        ])
        .arg("--json")
        .arg(&report)
        .path_prepend(&tools.path_front)
        .current_dir(&layout.root)
        .status()?;
    drop(served);
    if !status.success() {
        bail!("{FIRST_VISIT_SCRIPT}: {}", describe(status));
    }
    println!("Figures: {}", paths::rel(layout, &report));
    Ok(())
}

/// The script's closing `lighthouse: N passed, M failed` line (one test per page).
pub fn lighthouse_counts(output: &str) -> Option<Counts> {
    crate::test::summary_counts(output, "lighthouse")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_closing_line_only() {
        let out = "lighthouse: login http://127.0.0.1:1/login\n\
                   FAIL login performance 97\n\
                   lighthouse: 2 passed, 1 failed\n";
        assert_eq!(
            lighthouse_counts(out),
            Some(Counts {
                passed: 2,
                failed: 1,
                ..Counts::default()
            })
        );
        assert_eq!(
            lighthouse_counts("lighthouse: pay http://127.0.0.1:1/pay/x\n"),
            None
        );
        assert_eq!(lighthouse_counts("crashed\n"), None);
    }
}
