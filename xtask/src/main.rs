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

use anyhow::{Context, Result};
use clap::{ArgAction, CommandFactory, Parser, Subcommand};

/// Baoming project automation
#[derive(Debug, Parser)]
#[command(
    name = "xtask",
    bin_name = "cargo xtask",
    // An option given twice counts once, the last time.
    args_override_self = true,
    after_help = "\
Host builds use CARGO_TARGET_DIR, or ~/.cache/baoming/target (wasm builds:
~/.cache/baoming/target-wasm) when it is unset, so that fresh clones build incrementally.
`cargo xtask help <COMMAND>` tells more about each command."
)]
struct Cli {
    // Without one, the help (exit code 0, as `help` and `--help`).
    #[command(subcommand)]
    command: Option<Command>,
}

/// The commands. Their help texts keep their line breaks (`verbatim_doc_comment`: clap is
/// built without `wrap_help`); the first line is the summary `cargo xtask --help` lists.
#[derive(Debug, PartialEq, Eq, Subcommand)]
enum Command {
    /// Install what the builds and tests need; idempotent
    ///
    /// wasm32 std, Trunk, wasm-bindgen, node packages, Chromium.
    #[command(verbatim_doc_comment)]
    Setup {
        /// Only report what is missing
        #[arg(long)]
        check: bool,
    },
    /// setup, then build the web app (release) into dist/
    Build,
    /// Build the app and the reference backend, and serve both on one port
    ///
    /// http://127.0.0.1:PORT/ (default 8080); Ctrl-C stops everything.
    #[command(verbatim_doc_comment)]
    Run {
        /// The port on 127.0.0.1
        #[arg(
            long,
            value_name = "N",
            default_value_t = run::DEFAULT_PORT,
            value_parser = parse_port
        )]
        port: u16,
    },
    /// setup, then every level of tests in order; ends with a summary
    ///
    /// Host unit tests, the OpenAPI document's lint (Redocly, recommended ruleset),
    /// wasm tests in headless Chromium, release build, conformance
    /// against the reference backend, Playwright journeys (Chromium, then WebKit),
    /// Lighthouse (mobile: login, wizard, pay; accessibility, best practices and no
    /// 404s, never speed); the size budget right after the release build. Fails if any
    /// stage failed or ran no tests.
    #[command(verbatim_doc_comment)]
    Test {
        /// Run just these suites (and the builds they need), comma-separated:
        /// host, openapi, wasm, conformance, journeys, webkit, size, lighthouse
        #[arg(
            long,
            value_name = "SUITES",
            verbatim_doc_comment,
            value_parser = test::Selection::parse
        )]
        only: Option<test::Selection>,
    },
    /// Raw, gzip and brotli size of dist/ and of a first visit, against the budget
    ///
    /// Every file of dist/ and what a first visit downloads; dist/ is built when missing.
    #[command(verbatim_doc_comment)]
    Size {
        /// Fail when dist/ is missing instead of building it
        #[arg(long = "no-build", action = ArgAction::SetFalse)]
        build: bool,
        /// Measure DIR instead of dist/
        #[arg(long, value_name = "DIR")]
        dist: Option<PathBuf>,
    },
    /// A JavaScript comparison app's first visit beside dist/'s
    ///
    /// Builds bench/size-compare (React, React Router, qrcode; npm) and measures its first
    /// visit as dist/'s (dist/ built when missing).
    #[command(verbatim_doc_comment)]
    SizeCompare {
        /// Fail when dist/ is missing instead of building it
        #[arg(long = "no-build", action = ArgAction::SetFalse)]
        build: bool,
    },
    /// Benchmark (figures, not a test): the portrait auto-fix on real photos
    ///
    /// The app's portrait auto-fix against the JS library browser-image-compression on
    /// real photos in headless Chromium, and in WebKit side by side (photos fetched from
    /// Debian and PyPI into ~/.cache/baoming/bench-photos; dist/ built when missing);
    /// medians printed.
    #[command(verbatim_doc_comment)]
    BenchPhotos(bench::Options),
    /// Benchmark (figures, not a test): first visits on a throttled phone
    ///
    /// 登录, a wizard step and 待缴费 opened in Chromium with the network and CPU really
    /// throttled (Lighthouse's mobile slow 4G), empty cache: time to the static shell's
    /// paint and to the page's own content (builds dist/ and the backend).
    #[command(verbatim_doc_comment)]
    BenchFirstVisit {
        /// Runs per page (1-9); medians printed
        #[arg(long, value_name = "N", default_value_t = 3, value_parser = parse_page_runs)]
        runs: u32,
    },
    /// Benchmark (figures, not a test): registration day on a release backend
    ///
    /// GET /plans alone (wrk; goal 20,000 req/s), beside a burst of log-ins (200
    /// connections, 12 s; goal p99 < 100 ms, RSS < 300 MB), then N candidates (default
    /// 2,000) registering, uploading, submitting and paying within N minutes (default 10)
    /// while an attacker guesses passwords and probes registration (Goose, bench/load;
    /// goal 0 errors, p99 < 300 ms outside password hashing).
    #[command(verbatim_doc_comment)]
    BenchLoad {
        /// Options of bench/load's `day`: [--candidates N] [--minutes N] [--attackers N]
        #[arg(
            value_name = "OPTIONS",
            trailing_var_arg = true,
            allow_hyphen_values = true
        )]
        options: Vec<String>,
    },
    /// Benchmark (figures, not a test): candidates polling their orders
    ///
    /// Candidates polling their orders (wrk) while the WeChat Pay double answers after N
    /// ms (default 50), beside GET /plans' p99 (goal < 100 ms); a debug backend, as the
    /// tests run it.
    #[command(verbatim_doc_comment)]
    BenchPolling {
        /// Options of tests/perf/polling.mjs: [--candidates N] [--latency-ms N]
        /// [--seconds N] [--connections N]
        #[arg(
            value_name = "OPTIONS",
            verbatim_doc_comment,
            trailing_var_arg = true,
            allow_hyphen_values = true
        )]
        options: Vec<String>,
    },
    /// Benchmark (figures, not a test): Lighthouse's mobile preset
    ///
    /// Lighthouse's mobile preset on 登录, a wizard step and 待缴费; performance, LCP, TTI,
    /// TBT and the LCP element beside their goals. The test's Lighthouse stage gates only
    /// accessibility, best practices and 404s.
    #[command(verbatim_doc_comment)]
    BenchLighthouse {
        /// Runs per page (1-9); medians printed
        #[arg(long, value_name = "N", default_value_t = 3, value_parser = parse_page_runs)]
        runs: u32,
    },
    /// Print the Content-Security-Policy header value for dist/
    ///
    /// The hashes of its inline scripts, and the backend at --api-origin.
    #[command(verbatim_doc_comment)]
    Csp {
        /// The backend (only its origin counts); omit it for a same-origin API
        #[arg(long, value_name = "URL", value_parser = parse_api_origin)]
        api_origin: Option<String>,
        /// The built app to hash instead of dist/
        #[arg(long, value_name = "DIR")]
        dist: Option<PathBuf>,
    },
    /// Write openapi/baoming-v1.json from the reference backend
    #[command(name = "openapi")]
    OpenApi {
        /// Fail if the committed file is stale instead
        #[arg(long)]
        check: bool,
    },
    /// Run the API conformance suite against any backend
    Conformance {
        /// The backend, e.g. http://127.0.0.1:8080
        #[arg(value_name = "BASE-URL", value_parser = parse_base_url)]
        base_url: String,
        /// Options of baoming-conformance: [--origin ORIGIN] (enables the CORS
        /// checks) [--filter TEXT] [--reviewer-token TOKEN] [--wechat-double URL]
        #[arg(
            value_name = "OPTIONS",
            verbatim_doc_comment,
            trailing_var_arg = true,
            allow_hyphen_values = true
        )]
        options: Vec<String>,
    },
}

/// `--port`: 1 to 65535.
fn parse_port(value: &str) -> Result<u16> {
    value
        .parse()
        .ok()
        .filter(|&p: &u16| p != 0)
        .with_context(|| format!("{value}: not a port number (1-65535)"))
}

/// `--runs` of `bench-photos`: 1 to 100.
fn parse_runs(value: &str) -> Result<u32> {
    value
        .parse()
        .ok()
        .filter(|&n: &u32| (1..=100).contains(&n))
        .with_context(|| format!("{value}: not a number of runs (1-100)"))
}

/// `--runs` of the page benchmarks, which open each page in a fresh browser: 1 to 9.
fn parse_page_runs(value: &str) -> Result<u32> {
    let runs = parse_runs(value)?;
    anyhow::ensure!(runs <= 9, "{runs}: at most 9 runs a page");
    Ok(runs)
}

/// `csp --api-origin`: any http(s) URL of the backend, kept as given.
fn parse_api_origin(value: &str) -> Result<String, baoming_contract::csp::CspError> {
    csp::origin_of(value)?;
    Ok(value.to_owned())
}

/// `conformance`'s base URL, checked further by baoming-conformance.
fn parse_base_url(value: &str) -> Result<String, String> {
    // The contract's rule for an http(s) URL, the one conformance applies too.
    baoming_contract::origin::http_url(value)
        .map(|_| value.to_owned())
        .map_err(|e| e.0)
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
        Command::Test { only } => test::test(&layout, only.unwrap_or(test::Selection::ALL)),
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
        Command::Conformance { base_url, options } => {
            let args: Vec<String> = std::iter::once(base_url).chain(options).collect();
            openapi::conformance(&layout, &args)
        }
    }
}

fn main() -> ExitCode {
    let command = match Cli::try_parse() {
        Ok(Cli {
            command: Some(command),
        }) => command,
        Ok(Cli { command: None }) => {
            print!("{}", Cli::command().render_help());
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // `--help` and `help` on stdout with 0, a usage error on stderr with 2.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
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
    use clap::error::ErrorKind;

    fn parse_line(line: &str) -> Result<Option<Command>, clap::Error> {
        let args = std::iter::once("cargo xtask").chain(line.split_whitespace());
        Cli::try_parse_from(args).map(|cli| cli.command)
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn conformance_takes_only_an_http_url_with_a_host() {
        assert!(parse_line("conformance http://127.0.0.1:8080").is_ok());
        for bad in ["127.0.0.1:8080", "ftp://a", "http://", "https://u:p@a"] {
            let error = parse_line(&format!("conformance {bad}")).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::ValueValidation, "{bad}");
        }
    }

    #[test]
    fn parses_commands_and_options() {
        let cases = [
            ("setup", Command::Setup { check: false }),
            ("setup --check", Command::Setup { check: true }),
            ("build", Command::Build),
            ("run", Command::Run { port: 8080 }),
            ("run --port 3000", Command::Run { port: 3000 }),
            ("run --port=3001", Command::Run { port: 3001 }),
            ("test", Command::Test { only: None }),
            (
                "test --only wasm,journeys",
                Command::Test {
                    only: Some(test::Selection::parse("wasm,journeys").unwrap()),
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
                    base_url: "http://127.0.0.1:9/".into(),
                    options: vec![],
                },
            ),
            (
                "conformance https://api.example --origin https://app.example",
                Command::Conformance {
                    base_url: "https://api.example".into(),
                    options: ["--origin", "https://app.example"]
                        .map(String::from)
                        .to_vec(),
                },
            ),
            (
                "conformance http://a --filter cors --help",
                Command::Conformance {
                    base_url: "http://a".into(),
                    options: ["--filter", "cors", "--help"].map(String::from).to_vec(),
                },
            ),
            (
                "bench-load --candidates 100 --minutes=2",
                Command::BenchLoad {
                    options: ["--candidates", "100", "--minutes=2"]
                        .map(String::from)
                        .to_vec(),
                },
            ),
            ("bench-polling", Command::BenchPolling { options: vec![] }),
            (
                "bench-polling --latency-ms 500",
                Command::BenchPolling {
                    options: ["--latency-ms", "500"].map(String::from).to_vec(),
                },
            ),
            ("run --port 3000 --port 3002", Command::Run { port: 3002 }),
            (
                "bench-first-visit --runs 9",
                Command::BenchFirstVisit { runs: 9 },
            ),
            ("bench-lighthouse", Command::BenchLighthouse { runs: 3 }),
        ];
        for (line, want) in cases {
            assert_eq!(parse_line(line).unwrap(), Some(want), "{line}");
        }
    }

    #[test]
    fn help_lists_every_command_and_exits_0() {
        // No command at all prints the help too (main), with exit code 0.
        assert_eq!(parse_line("").unwrap(), None);
        for line in [
            "help",
            "--help",
            "-h",
            "help test",
            "test --help",
            "conformance --help",
        ] {
            let err = parse_line(line).expect_err(line);
            assert_eq!(err.kind(), ErrorKind::DisplayHelp, "{line}");
            assert_eq!(err.exit_code(), 0, "{line}");
        }
        let help = Cli::command().render_help().to_string();
        for command in [
            "setup",
            "build",
            "run",
            "test",
            "size",
            "size-compare",
            "bench-photos",
            "bench-first-visit",
            "bench-load",
            "bench-polling",
            "bench-lighthouse",
            "csp",
            "openapi",
            "conformance",
            "help",
        ] {
            assert!(
                help.lines()
                    .any(|l| l.trim_start().starts_with(&format!("{command} "))),
                "{command} missing from\n{help}"
            );
        }
    }

    /// Every `cargo xtask …` shown in `text`, placeholders filled in: `<url>` an URL, `N` a
    /// number, `DIR` a folder; `a | b` gives both, and `[--option N]` once with the option
    /// and once without.
    fn invocations_in(text: &str) -> Vec<String> {
        let mut found = Vec::new();
        for (at, _) in text.match_indices("cargo xtask") {
            let rest = &text[at + "cargo xtask".len()..];
            let end = rest.find(['`', '"', '#', '\n']).unwrap_or(rest.len());
            for one in rest[..end].split(" | ") {
                let fill = |line: &str| {
                    line.split_whitespace()
                        .map(|word| match word {
                            "N" => "3",
                            "DIR" => "dist",
                            w if w.starts_with('<') && w.ends_with('>') => "http://127.0.0.1:8787",
                            w => w,
                        })
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                let without: String = {
                    let mut depth = 0;
                    one.chars()
                        .filter(|c| {
                            match c {
                                '[' => depth += 1,
                                ']' => depth -= 1,
                                _ => return depth == 0,
                            }
                            false
                        })
                        .collect()
                };
                found.push(fill(&without));
                found.push(fill(&one.replace(['[', ']'], "")));
            }
        }
        found.dedup();
        found
    }

    #[test]
    fn every_documented_invocation_parses() {
        let documents = [
            ("README.md", include_str!("../../README.md")),
            (".ci/run", include_str!("../../.ci/run")),
            (
                "conformance/README.md",
                include_str!("../../conformance/README.md"),
            ),
        ];
        let mut count = 0;
        for (name, text) in documents {
            for line in invocations_in(text) {
                count += 1;
                match parse_line(&line) {
                    Ok(Some(_)) => {}
                    // `cargo xtask help`
                    Err(e) if e.kind() == ErrorKind::DisplayHelp => {}
                    other => panic!("{name}: `cargo xtask {line}`: {other:?}"),
                }
            }
        }
        assert!(count >= 30, "only {count} invocations found");
        // Those in messages and comments elsewhere in the repository.
        for line in [
            "run --port 3",
            "bench-photos --prepare-only",
            "test --only webkit",
            "test --only lighthouse",
            "test --only openapi",
            "csp --api-origin http://127.0.0.1:8080",
            "conformance http://127.0.0.1:8787",
        ] {
            assert!(matches!(parse_line(line), Ok(Some(_))), "{line}");
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
            "bench-first-visit --runs 10",
            "bench-lighthouse --runs 0",
            "size --no-build=1",
            "--port 3000 run",
        ] {
            let err = parse_line(line).expect_err(line);
            assert_eq!(err.exit_code(), 2, "{line}: {err}");
        }
    }
}
