//! Baoming's project automation, run as `cargo xtask <command>`.
//!
//! xtask never links the project's crates: it runs cargo, Trunk, Node and the built
//! binaries as child processes, so it builds in seconds and works while they do not.

mod bench;
mod csp;
mod lighthouse;
mod load;
mod openapi;
mod paths;
mod procs;
mod run;
mod setup;
mod size;
mod size_compare;
mod strings_check;
mod test;
mod wasm_env;
mod webkit;
mod wechat_double;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

const USAGE: &str = "\
Baoming project automation

USAGE:
    cargo xtask <COMMAND> [OPTIONS]

COMMANDS:
    setup [--check]         Install what the builds and tests need (wasm32 std, Trunk,
                            wasm-bindgen, node packages, Chromium); idempotent.
                            --check only reports what is missing.
    build                   setup, then build the web app (release) into dist/
    run [--port N]          build the app and the reference backend, and serve both on
                            http://127.0.0.1:N/ (default 8080); Ctrl-C stops everything
    test [--only SUITES]    setup, then every level of tests in order: host unit tests,
                            wasm tests in headless Chromium, release build, conformance
                            against the reference backend, Playwright journeys (Chromium, then WebKit), Lighthouse
                            (mobile: login, wizard, pay; accessibility, best practices and
                            no 404s, never speed); the size budget right after the
                            release build; ends with a summary and fails if any stage
                            failed or ran no tests. --only host,wasm,conformance,journeys,webkit,
                            size,lighthouse runs just those suites
                            (and the builds they need)
    size [--no-build] [--dist DIR]
                            raw, gzip and brotli size of every file of dist/ and of a
                            first visit, against the budget (builds dist/ if missing
                            unless --no-build)
    size-compare [--no-build]
                            builds the JavaScript comparison app (bench/size-compare:
                            React, React Router, qrcode; npm) and prints its first visit
                            beside dist/'s, measured alike (dist/ built if missing
                            unless --no-build)
    bench-photos [--runs N] [--prepare-only] [--no-build]
                            benchmark (figures, not a test): the app's portrait auto-fix
                            against the JS library browser-image-compression on real
                            photos in headless Chromium, and in WebKit side by side (photos fetched from Debian and
                            PyPI into ~/.cache/baoming/bench-photos; dist/ built if
                            missing unless --no-build); N runs per photo (default 3),
                            medians printed. --prepare-only just fetches the photos
    bench-first-visit [--runs N]
                            benchmark (figures, not a test): 登录, a wizard step and
                            待缴费 opened in Chromium with the network and CPU really
                            throttled (Lighthouse's mobile slow 4G), empty cache: time
                            to the static shell's paint and to the page's own content
                            (builds dist/ and the backend); medians of N (default 3)
    bench-load [--candidates N] [--minutes N] [--attackers N]
                            benchmark (figures, not a test): registration day on a
                            release backend: GET /plans alone (wrk; goal 20,000 req/s),
                            beside a burst of log-ins (200 connections, 12 s; goal p99
                            < 100 ms, RSS < 300 MB), then N candidates (default 2,000)
                            registering,
                            uploading, submitting and paying within N minutes (default
                            10) while an attacker guesses passwords and probes
                            registration (Goose, bench/load; goal 0 errors, p99 < 300 ms
                            outside password hashing)
    bench-polling [--candidates N] [--latency-ms N] [--seconds N] [--connections N]
                            benchmark (figures, not a test): candidates polling their
                            orders (wrk) while the WeChat Pay double answers after N ms
                            (default 50), beside GET /plans' p99 (goal < 100 ms);
                            a debug backend, as the tests run it
    bench-lighthouse [--runs N]
                            benchmark (figures, not a test): Lighthouse's mobile preset
                            on 登录, a wizard step and 待缴费; performance, LCP, TTI,
                            TBT and the LCP element beside their goals, medians of N
                            (default 3). The test's Lighthouse stage gates only
                            accessibility, best practices and 404s
    csp [--api-origin URL] [--dist DIR]
                            print the Content-Security-Policy header value for dist/
                            (hashes of its inline scripts) talking to the backend at
                            URL (only its origin counts; omit it for a same-origin API)
    openapi [--check]       write openapi/baoming-v1.json from the reference backend;
                            --check fails if the committed file is stale
    conformance <BASE-URL> [--origin ORIGIN] [--filter TEXT]
                            run the API conformance suite against any backend (options
                            go to baoming-conformance; --origin enables the CORS checks)
    help                    show this text

Host builds use CARGO_TARGET_DIR, or ~/.cache/baoming/target (wasm builds:
~/.cache/baoming/target-wasm) when it is unset, so that fresh clones build incrementally.
";

#[derive(Debug, PartialEq, Eq)]
enum Command {
    Setup {
        check: bool,
    },
    Build,
    Run {
        port: u16,
    },
    Test {
        selection: test::Selection,
    },
    Size {
        build: bool,
        dist: Option<PathBuf>,
    },
    SizeCompare {
        build: bool,
    },
    BenchPhotos(bench::Options),
    BenchFirstVisit {
        runs: u32,
    },
    BenchLighthouse {
        runs: u32,
    },
    BenchLoad {
        options: Vec<String>,
    },
    BenchPolling {
        options: Vec<String>,
    },
    Csp {
        api_origin: Option<String>,
        dist: Option<PathBuf>,
    },
    OpenApi {
        check: bool,
    },
    /// The base URL, then options passed through to the runner.
    Conformance {
        args: Vec<String>,
    },
    Help,
}

fn parse(args: &[String]) -> Result<Command> {
    let Some((name, rest)) = args.split_first() else {
        return Ok(Command::Help);
    };
    let mut rest = rest.iter().map(String::as_str);
    let command = match name.as_str() {
        "setup" => {
            let mut check = false;
            for arg in rest.by_ref() {
                match arg {
                    "--check" => check = true,
                    other => bail!("unknown option for setup: {other}"),
                }
            }
            Command::Setup { check }
        }
        "build" => Command::Build,
        "run" => {
            let mut port = run::DEFAULT_PORT;
            while let Some(arg) = rest.next() {
                let value = match arg.split_once('=') {
                    Some(("--port", v)) => v,
                    None if arg == "--port" => rest.next().context("--port needs a number")?,
                    _ => bail!("unknown option for run: {arg}"),
                };
                port = value
                    .parse()
                    .ok()
                    .filter(|&p: &u16| p != 0)
                    .with_context(|| format!("--port {value}: not a port number (1-65535)"))?;
            }
            Command::Run { port }
        }
        "test" => {
            let mut selection = test::Selection::ALL;
            while let Some(arg) = rest.next() {
                let list = match arg.split_once('=') {
                    Some(("--only", v)) => v,
                    None if arg == "--only" => {
                        rest.next().context("--only needs a list of suites")?
                    }
                    _ => bail!("unknown option for test: {arg}"),
                };
                selection = test::Selection::parse(list)?;
            }
            Command::Test { selection }
        }
        "size" => {
            let (mut build, mut dist) = (true, None);
            while let Some(arg) = rest.next() {
                match arg.split_once('=') {
                    _ if arg == "--no-build" => build = false,
                    Some(("--dist", v)) => dist = Some(PathBuf::from(v)),
                    None if arg == "--dist" => {
                        dist = Some(PathBuf::from(rest.next().context("--dist needs a folder")?))
                    }
                    _ => bail!("unknown option for size: {arg}"),
                }
            }
            Command::Size { build, dist }
        }
        "size-compare" => {
            let mut build = true;
            for arg in rest.by_ref() {
                match arg {
                    "--no-build" => build = false,
                    other => bail!("unknown option for size-compare: {other}"),
                }
            }
            Command::SizeCompare { build }
        }
        "bench-photos" => {
            let mut options = bench::Options::default();
            while let Some(arg) = rest.next() {
                match arg.split_once('=') {
                    _ if arg == "--prepare-only" => options.prepare_only = true,
                    _ if arg == "--no-build" => options.build = false,
                    Some(("--runs", v)) => options.runs = parse_runs(v)?,
                    None if arg == "--runs" => {
                        options.runs = parse_runs(rest.next().context("--runs needs a number")?)?
                    }
                    _ => bail!("unknown option for bench-photos: {arg}"),
                }
            }
            Command::BenchPhotos(options)
        }
        "bench-first-visit" | "bench-lighthouse" => {
            let mut runs = 3;
            while let Some(arg) = rest.next() {
                match arg.split_once('=') {
                    Some(("--runs", v)) => runs = parse_runs(v)?,
                    None if arg == "--runs" => {
                        runs = parse_runs(rest.next().context("--runs needs a number")?)?
                    }
                    _ => bail!("unknown option for {name}: {arg}"),
                }
            }
            if runs > 9 {
                bail!("--runs {runs}: at most 9 for {name}");
            }
            if name == "bench-lighthouse" {
                Command::BenchLighthouse { runs }
            } else {
                Command::BenchFirstVisit { runs }
            }
        }
        "bench-load" => Command::BenchLoad {
            options: rest.by_ref().map(str::to_owned).collect(),
        },
        "bench-polling" => Command::BenchPolling {
            options: rest.by_ref().map(str::to_owned).collect(),
        },
        "csp" => {
            let (mut api_origin, mut dist) = (None, None);
            while let Some(arg) = rest.next() {
                match arg.split_once('=') {
                    Some(("--api-origin", v)) => api_origin = Some(v.to_string()),
                    None if arg == "--api-origin" => {
                        api_origin = Some(rest.next().context("--api-origin needs a URL")?.into())
                    }
                    Some(("--dist", v)) => dist = Some(PathBuf::from(v)),
                    None if arg == "--dist" => {
                        dist = Some(PathBuf::from(rest.next().context("--dist needs a folder")?))
                    }
                    _ => bail!("unknown option for csp: {arg}"),
                }
            }
            if let Some(origin) = &api_origin {
                csp::origin_of(origin)?;
            }
            Command::Csp { api_origin, dist }
        }
        "openapi" => {
            let mut check = false;
            for arg in rest.by_ref() {
                match arg {
                    "--check" => check = true,
                    other => bail!("unknown option for openapi: {other}"),
                }
            }
            Command::OpenApi { check }
        }
        "conformance" => {
            let args: Vec<String> = rest.by_ref().map(str::to_string).collect();
            let base_url = args
                .first()
                .context("conformance needs the backend's base URL, e.g. http://127.0.0.1:8080")?;
            if !base_url.starts_with("http://") && !base_url.starts_with("https://") {
                bail!("conformance: {base_url} is not an http(s) URL");
            }
            Command::Conformance { args }
        }
        "help" | "-h" | "--help" => Command::Help,
        other => bail!("unknown command: {other}"),
    };
    if let Some(extra) = rest.next() {
        bail!("{name}: unexpected argument {extra}");
    }
    Ok(command)
}

fn parse_runs(value: &str) -> Result<u32> {
    value
        .parse()
        .ok()
        .filter(|&n: &u32| (1..=100).contains(&n))
        .with_context(|| format!("--runs {value}: not a number of runs (1-100)"))
}

fn execute(command: Command) -> Result<()> {
    let layout = paths::Layout::discover();
    match command {
        Command::Setup { check } => {
            let mode = if check {
                setup::Mode::CheckOnly
            } else {
                setup::Mode::Install
            };
            setup::setup(&layout, mode)?;
            println!("setup: everything is in place");
            Ok(())
        }
        Command::Build => run::build(&layout),
        Command::Run { port } => run::run(&layout, port),
        Command::Test { selection } => test::test(&layout, selection),
        Command::Size { build, dist } => {
            let dist = match dist {
                Some(dir) if dir.is_absolute() => dir,
                Some(dir) => std::env::current_dir()?.join(dir),
                None => {
                    if build && !layout.dist.join("index.html").is_file() {
                        println!("{} is missing: building it first", layout.dist.display());
                        run::build(&layout)?;
                    }
                    layout.dist.clone()
                }
            };
            size::size(&layout, &dist)
        }
        Command::SizeCompare { build } => size_compare::size_compare(&layout, build),
        Command::BenchPhotos(options) => bench::bench_photos(&layout, &options),
        Command::BenchFirstVisit { runs } => lighthouse::bench_first_visit(&layout, runs),
        Command::BenchLighthouse { runs } => lighthouse::bench_lighthouse(&layout, runs),
        Command::BenchLoad { options } => load::bench_load(&layout, &options),
        Command::BenchPolling { options } => wechat_double::bench_polling(&layout, &options),
        Command::Csp { api_origin, dist } => {
            let dist = dist.unwrap_or_else(|| layout.dist.clone());
            println!("{}", csp::policy_for_dist(&dist, api_origin.as_deref())?);
            Ok(())
        }
        Command::OpenApi { check } => openapi::openapi(&layout, check),
        Command::Conformance { args } => openapi::conformance(&layout, &args),
        Command::Help => {
            print!("{USAGE}");
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse(&args) {
        Ok(command) => command,
        Err(e) => {
            eprintln!("error: {e:#}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match execute(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nerror: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_line(line: &str) -> Result<Command> {
        let args: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        parse(&args)
    }

    #[test]
    fn parses_commands_and_options() {
        let cases = [
            ("", Command::Help),
            ("help", Command::Help),
            ("setup", Command::Setup { check: false }),
            ("setup --check", Command::Setup { check: true }),
            ("build", Command::Build),
            ("run", Command::Run { port: 8080 }),
            ("run --port 3000", Command::Run { port: 3000 }),
            ("run --port=3001", Command::Run { port: 3001 }),
            (
                "test",
                Command::Test {
                    selection: test::Selection::ALL,
                },
            ),
            (
                "test --only wasm,journeys",
                Command::Test {
                    selection: test::Selection::parse("wasm,journeys").unwrap(),
                },
            ),
            (
                "size",
                Command::Size {
                    build: true,
                    dist: None,
                },
            ),
            (
                "size --no-build",
                Command::Size {
                    build: false,
                    dist: None,
                },
            ),
            (
                "size --dist /tmp/d",
                Command::Size {
                    build: true,
                    dist: Some(PathBuf::from("/tmp/d")),
                },
            ),
            ("size-compare", Command::SizeCompare { build: true }),
            (
                "size-compare --no-build",
                Command::SizeCompare { build: false },
            ),
            (
                "bench-photos",
                Command::BenchPhotos(bench::Options::default()),
            ),
            (
                "bench-first-visit --runs 5",
                Command::BenchFirstVisit { runs: 5 },
            ),
            (
                "bench-lighthouse --runs 2",
                Command::BenchLighthouse { runs: 2 },
            ),
            (
                "bench-photos --runs 5 --no-build",
                Command::BenchPhotos(bench::Options {
                    runs: 5,
                    prepare_only: false,
                    build: false,
                }),
            ),
            (
                "bench-photos --runs=1 --prepare-only",
                Command::BenchPhotos(bench::Options {
                    runs: 1,
                    prepare_only: true,
                    build: true,
                }),
            ),
            (
                "csp --api-origin https://api.example.cn/api/v1",
                Command::Csp {
                    api_origin: Some("https://api.example.cn/api/v1".into()),
                    dist: None,
                },
            ),
            (
                "csp --api-origin=http://127.0.0.1:9 --dist /tmp/d",
                Command::Csp {
                    api_origin: Some("http://127.0.0.1:9".into()),
                    dist: Some(PathBuf::from("/tmp/d")),
                },
            ),
            (
                "csp",
                Command::Csp {
                    api_origin: None,
                    dist: None,
                },
            ),
            ("openapi", Command::OpenApi { check: false }),
            ("openapi --check", Command::OpenApi { check: true }),
            (
                "conformance http://127.0.0.1:9/",
                Command::Conformance {
                    args: vec!["http://127.0.0.1:9/".into()],
                },
            ),
            (
                "conformance https://api.example --origin https://app.example",
                Command::Conformance {
                    args: ["https://api.example", "--origin", "https://app.example"]
                        .map(String::from)
                        .to_vec(),
                },
            ),
        ];
        for (line, want) in cases {
            assert_eq!(parse_line(line).unwrap(), want, "{line}");
        }
    }

    #[test]
    fn rejects_bad_arguments() {
        for line in [
            "frobnicate",
            "run --port",
            "run --port 0",
            "run --port 70000",
            "run --port abc",
            "run --verbose",
            "test --fast",
            "test --only",
            "test --only e2e",
            "build now",
            "setup --force",
            "size --dist",
            "size-compare --fast",
            "openapi --write",
            "csp --api-origin",
            "csp --api-origin api.example.cn",
            "csp --strict",
            "bench-photos --runs 0",
            "bench-photos --runs",
            "bench-photos --fast",
            "conformance",
            "conformance localhost:8080",
            "conformance --origin http://a",
        ] {
            assert!(parse_line(line).is_err(), "{line} should be rejected");
        }
    }
}
