//! `cargo xtask bench-load`: registration day on a release build of the reference backend.
//!
//! Three phases against one backend on 127.0.0.1 (development mode, so codes come from the
//! outbox and the sandbox pays; `--trusted-proxy 127.0.0.1`, so every simulated client has
//! its own address and the per-address limits apply as in the field):
//! 1. `GET /plans` alone, with wrk: throughput and latency (goal ≥ 20,000 req/s);
//! 2. a burst of log-ins for unknown phones from random addresses (200 connections for
//!    12 s, at least 1,000 log-ins, Goose) while wrk measures `GET /plans` beside it (goal:
//!    p99 < 100 ms), and the peak RSS (goal < 300 MB);
//! 3. the day (Goose, `bench/load`): 2,000 candidates going the whole way within 10 minutes
//!    while an attacker guesses passwords and probes registration (goals: all complete, 0
//!    errors, p99 < 300 ms outside password hashing).
//!
//! Figures, not a test: they depend on the machine and what else runs on it.

use anyhow::{Context, Result};

use crate::paths::{self, Layout};
use crate::procs::{Cmd, free_ports};
use crate::run::{self, SERVER_START_LIMIT};
use crate::test::{TempDir, backend_cmd_of};

/// The load tool's own workspace, built only here.
const LOAD_MANIFEST: &str = "bench/load/Cargo.toml";

pub fn bench_load(layout: &Layout, options: &[String]) -> Result<()> {
    if Cmd::new("wrk").arg("--version").probe().is_none() {
        crate::setup::apt_install(&["wrk"], "the load tool wrk")?;
    }
    let server = run::build_server(layout, true, &[])?;
    let bench_target = layout.cache.join("target-bench");
    Cmd::new(paths::host_cargo())
        .args(["build", "--release", "--manifest-path", LOAD_MANIFEST])
        .env("CARGO_TARGET_DIR", &bench_target)
        .current_dir(&layout.root)
        .run()
        .context("building the load tool (bench/load) failed")?;
    let load_tool = bench_target.join("release").join("baoming-load");

    let data = TempDir::new("bench-load")?;
    let listen = format!("127.0.0.1:{}", free_ports(1)?[0]);
    let host = format!("http://{listen}");
    let mut backend = backend_cmd_of(
        &server,
        layout,
        &listen,
        data.path(),
        &[],
        &["--trusted-proxy", "127.0.0.1"],
    )
    // A line per request would flood the console and slow the backend down.
    .env("RUST_LOG", "warn")
    .spawn_background("backend (release)")?;
    backend.wait_listening(SERVER_START_LIMIT)?;
    let pid = backend.pid();
    let plans = format!("{host}/api/v1/plans");

    println!("\n== 1. GET /plans alone (wrk, 50 connections, 10 s)");
    let alone = wrk(&plans, 10)?;
    println!(
        "GET /plans: {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms (goal ≥ 20,000 req/s: {})",
        alone.requests_per_s,
        alone.p50_ms,
        alone.p99_ms,
        met(alone.requests_per_s >= 20_000.0)
    );

    println!(
        "\n== 2. Log-ins for unknown phones from random addresses, 200 connections for 12 s (Goose), beside GET /plans (wrk)"
    );
    let burst = Cmd::new(&load_tool)
        .args([
            "--host",
            &host,
            "burst",
            "--logins",
            "1000",
            "--concurrency",
            "200",
            // Longer than wrk's 10 s, which starts a moment later.
            "--seconds",
            "12",
        ])
        .spawn_background("burst")?;
    let during = wrk(&plans, 10)?;
    let mut burst = burst;
    burst.wait()?;
    let rss_burst = peak_rss_mb(pid)?;
    println!(
        "GET /plans during the burst: {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms (goal p99 < 100 ms: {})",
        during.requests_per_s,
        during.p50_ms,
        during.p99_ms,
        met(during.p99_ms < 100.0)
    );
    println!(
        "backend peak RSS so far: {rss_burst:.0} MB (goal < 300 MB: {})",
        met(rss_burst < 300.0)
    );

    println!("\n== 3. Registration day (Goose): candidates the whole way, an attacker alongside");
    Cmd::new(&load_tool)
        .args(["--host", &host, "day"])
        .args(options)
        .run()
        .context("the registration-day run failed")?;
    let rss_day = peak_rss_mb(pid)?;
    println!(
        "backend peak RSS over the whole run: {rss_day:.0} MB (goal < 300 MB: {})",
        met(rss_day < 300.0)
    );
    drop(backend);
    Ok(())
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

/// What wrk measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wrk {
    pub requests_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

fn wrk(url: &str, seconds: u32) -> Result<Wrk> {
    let out = Cmd::new("wrk")
        .args([
            "-t",
            "2",
            "-c",
            "50",
            "-d",
            &format!("{seconds}s"),
            "--latency",
            url,
        ])
        .read_stdout()?;
    parse_wrk(&out).with_context(|| format!("could not read wrk's output:\n{out}"))
}

/// Reads `Requests/sec:` and the 50 % and 99 % lines of `--latency`.
pub fn parse_wrk(out: &str) -> Option<Wrk> {
    let mut requests_per_s = None;
    let (mut p50, mut p99) = (None, None);
    for line in out.lines() {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("Requests/sec:"), Some(value)) => requests_per_s = value.parse().ok(),
            (Some("50%"), Some(value)) => p50 = duration_ms(value),
            (Some("99%"), Some(value)) => p99 = duration_ms(value),
            _ => {}
        }
    }
    Some(Wrk {
        requests_per_s: requests_per_s?,
        p50_ms: p50?,
        p99_ms: p99?,
    })
}

/// wrk's durations: `812.00us`, `1.23ms`, `2.01s`, `1.02m`.
fn duration_ms(value: &str) -> Option<f64> {
    let split = value.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = value.split_at(split);
    let number: f64 = number.parse().ok()?;
    Some(match unit {
        "us" => number / 1000.0,
        "ms" => number,
        "s" => number * 1000.0,
        "m" => number * 60_000.0,
        _ => return None,
    })
}

/// The process's peak resident set (`VmHWM`), in MB.
fn peak_rss_mb(pid: u32) -> Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .context("reading the backend's /proc status")?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("no VmHWM in /proc status")?;
    Ok(kb / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrk() {
        let out = "Running 10s test @ http://127.0.0.1:1/api/v1/plans
  2 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.61ms    1.02ms  41.00ms   90.00%
  Latency Distribution
     50%    2.50ms
     75%    3.00ms
     90%    3.50ms
     99%  812.00us
  171790 requests in 10.00s, 1.50GB read
Requests/sec:  17179.12
Transfer/sec:    153.10MB
";
        assert_eq!(
            parse_wrk(out),
            Some(Wrk {
                requests_per_s: 17179.12,
                p50_ms: 2.5,
                p99_ms: 0.812
            })
        );
        assert_eq!(duration_ms("2.5s"), Some(2500.0));
        assert_eq!(duration_ms("1.5m"), Some(90_000.0));
        assert_eq!(parse_wrk("crashed"), None);
    }
}
