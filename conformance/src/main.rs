//! `baoming-conformance <base-url> [--origin <allowed-origin>] [--reviewer-token <token>]
//! [--wechat-double <url>] [--filter <substring>]` (`--help` for the whole command line,
//! parsed by clap).
//!
//! Runs the Baoming API contract's checks against any backend and prints one line per check,
//! then `conformance: N passed, M failed`. Exits 0 only when nothing failed, 1 when a check
//! failed, 2 on a usage error.

mod checks;
mod client;
mod cookie;
mod double;
mod expect;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;

use baoming_contract::API_VERSION_PREFIX;

use crate::checks::{Check, Ctx, FOREIGN_ORIGIN};
use crate::client::Client;

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq, clap::Parser)]
#[command(
    name = "baoming-conformance",
    version,
    about = "Runs the Baoming API contract's checks against any backend.",
    after_help = "Exits 0 when no check failed, 1 when one did, 2 on a usage error."
)]
pub struct Args {
    /// The backend's base URL, e.g. http://127.0.0.1:8787 (the suite adds /api/v1).
    #[arg(value_name = "BASE-URL", value_parser = check_base_url)]
    pub base_url: String,
    /// The web app's origin the backend allows for CORS, e.g. https://app.example; without
    /// it the checks that need it are skipped.
    #[arg(long, value_name = "ORIGIN", value_parser = check_origin)]
    pub origin: Option<String>,
    /// Run only the checks whose name contains TEXT.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// A reviewer's bearer token for the admin API; without it a backend in development
    /// mode is asked with `dev-reviewer-token`, any other skips the review and payments
    /// checks that need a reviewer.
    #[arg(long, value_name = "TOKEN", env = "BAOMING_REVIEWER_TOKEN", hide_env_values = true, value_parser = check_token)]
    pub reviewer_token: Option<String>,
    /// The backend takes payments through the WeChat Pay test double at URL
    /// (wechatpay-double): the candidate pays by the double scanning the order's code_url
    /// instead of the development sandbox's mark-paid.
    #[arg(long, value_name = "URL", value_parser = check_base_url)]
    pub wechat_double: Option<String>,
}

/// An http(s) URL, parsed as browsers and HTTP clients do (WHATWG URL), with a host and
/// without credentials: the contract's rule ([`baoming_contract::origin`]).
fn http_url(url: &str) -> Result<url::Url, String> {
    baoming_contract::origin::http_url(url).map_err(|e| e.0)
}

/// The base URL without a trailing slash; refuses one that already names the API prefix.
fn check_base_url(url: &str) -> Result<String, String> {
    let parsed = http_url(url)?;
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!("{url}: a base URL has no query or fragment"));
    }
    let trimmed = parsed.as_str().trim_end_matches('/');
    if trimmed.ends_with(API_VERSION_PREFIX) {
        return Err(format!(
            "{url}: give the backend's base URL without {API_VERSION_PREFIX}; the suite adds it"
        ));
    }
    Ok(trimmed.to_owned())
}

/// An origin as browsers send it: `scheme://host[:port]`, no path, the default port left out.
fn check_origin(origin: &str) -> Result<String, String> {
    let origin = baoming_contract::origin::parse(origin).map_err(|e| e.0)?;
    if origin == FOREIGN_ORIGIN {
        return Err(format!(
            "{FOREIGN_ORIGIN} is the origin the suite uses as the foreign one"
        ));
    }
    Ok(origin)
}

fn check_token(token: &str) -> Result<String, String> {
    if token.is_empty() || token.contains(|c: char| c.is_whitespace() || c.is_control()) {
        return Err("a reviewer token is non-empty, without spaces".to_owned());
    }
    Ok(token.to_owned())
}

/// How one check ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed(String),
    Skipped(&'static str),
}

/// The line printed for a check (reasons that span lines are indented under it).
pub fn report_line(name: &str, outcome: &Outcome) -> String {
    match outcome {
        Outcome::Passed => format!("ok   {name}"),
        Outcome::Failed(reason) => {
            format!("FAIL {name}: {}", reason.trim().replace('\n', "\n       "))
        }
        Outcome::Skipped(why) => format!("skip {name} ({why})"),
    }
}

/// The closing line.
pub fn summary_line(passed: usize, failed: usize) -> String {
    format!("conformance: {passed} passed, {failed} failed")
}

fn run_one(check: &Check, ctx: &Ctx) -> Outcome {
    if check.needs_origin && ctx.origin.is_none() {
        return Outcome::Skipped("needs --origin");
    }
    if check.needs_dev {
        match ctx.dev_mode() {
            Ok(true) => {}
            Ok(false) => return Outcome::Skipped("needs a backend in development mode"),
            Err(e) => {
                return Outcome::Failed(format!(
                    "cannot tell whether the backend is in development mode: {e}"
                ));
            }
        }
    }
    if check.needs_reviewer {
        match ctx.reviewer_token() {
            Ok(Some(_)) => {}
            Ok(None) => {
                return Outcome::Skipped(
                    "needs --reviewer-token, or a backend in development mode",
                );
            }
            Err(e) => {
                return Outcome::Failed(format!(
                    "cannot tell whether the backend is in development mode: {e}"
                ));
            }
        }
    }
    match catch_unwind(AssertUnwindSafe(|| (check.run)(ctx))) {
        Ok(Ok(())) => Outcome::Passed,
        Ok(Err(reason)) => Outcome::Failed(reason),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            Outcome::Failed(format!("the check itself panicked: {what}"))
        }
    }
}

fn main() -> ExitCode {
    // Help and version exit 0, a usage error 2, as the module's doc says.
    let args = <Args as clap::Parser>::parse();
    #[cfg(not(feature = "tls"))]
    if args.base_url.starts_with("https://") {
        eprintln!(
            "baoming-conformance: this build has no TLS; build it with `--features tls`, \
             or test the backend's plain http:// listener"
        );
        return ExitCode::from(2);
    }

    let checks: Vec<Check> = checks::all()
        .into_iter()
        .filter(|c| args.filter.as_deref().is_none_or(|f| c.name.contains(f)))
        .collect();
    if checks.is_empty() {
        eprintln!(
            "baoming-conformance: no check name contains {:?}",
            args.filter.unwrap_or_default()
        );
        return ExitCode::from(2);
    }

    let mut ctx = Ctx::new(Client::new(&args.base_url), args.origin);
    ctx.reviewer_token = args.reviewer_token;
    ctx.wechat_double = args.wechat_double;
    // Panics become failures with their message; keep the default hook from printing them.
    std::panic::set_hook(Box::new(|_| {}));
    let plural = if checks.len() == 1 { "" } else { "s" };
    println!(
        "baoming-conformance: {} ({} check{plural})",
        ctx.client.url(""),
        checks.len()
    );
    let (mut passed, mut failed) = (0, 0);
    for check in &checks {
        let outcome = run_one(check, &ctx);
        match outcome {
            Outcome::Passed => passed += 1,
            Outcome::Failed(_) => failed += 1,
            Outcome::Skipped(_) => {}
        }
        println!("{}", report_line(&check.name, &outcome));
    }
    println!("{}", summary_line(passed, failed));
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, String> {
        <Args as clap::Parser>::try_parse_from(
            std::iter::once("baoming-conformance").chain(args.iter().copied()),
        )
        .map_err(|e| e.to_string())
    }

    fn run(base: &str, origin: Option<&str>, filter: Option<&str>) -> Args {
        Args {
            base_url: base.to_owned(),
            origin: origin.map(str::to_owned),
            filter: filter.map(str::to_owned),
            reviewer_token: None,
            wechat_double: None,
        }
    }

    #[test]
    fn the_command_line_is_well_formed() {
        <Args as clap::CommandFactory>::command().debug_assert();
    }

    #[test]
    fn base_url_alone() {
        assert_eq!(
            parse(&["http://127.0.0.1:8787"]),
            Ok(run("http://127.0.0.1:8787", None, None))
        );
        assert_eq!(
            parse(&["http://127.0.0.1:8787/"]),
            Ok(run("http://127.0.0.1:8787", None, None))
        );
        assert_eq!(
            parse(&["https://bao.example/backend/"]),
            Ok(run("https://bao.example/backend", None, None))
        );
        assert_eq!(
            parse(&["HTTPS://Bao.Example:443"]),
            Ok(run("https://bao.example", None, None))
        );
    }

    #[test]
    fn options_in_any_order_and_with_equals() {
        let expected = run(
            "http://127.0.0.1:8799",
            Some("http://127.0.0.1:9999"),
            Some("cors"),
        );
        assert_eq!(
            parse(&[
                "--origin",
                "http://127.0.0.1:9999",
                "http://127.0.0.1:8799",
                "--filter",
                "cors"
            ]),
            Ok(expected.clone())
        );
        assert_eq!(
            parse(&[
                "http://127.0.0.1:8799",
                "--filter=cors",
                "--origin=http://127.0.0.1:9999/"
            ]),
            Ok(expected)
        );
        // An origin as the browser sends it: no default port, lower case.
        assert_eq!(
            parse(&["http://a", "--origin", "HTTPS://App.Example:443"]).map(|a| a.origin),
            Ok(Some("https://app.example".to_owned()))
        );
        for help in [&["-h"][..], &["http://x", "--help"]] {
            let err = <Args as clap::Parser>::try_parse_from(
                std::iter::once("baoming-conformance").chain(help.iter().copied()),
            )
            .unwrap_err();
            assert_eq!(err.kind(), clap::error::ErrorKind::DisplayHelp);
        }
    }

    #[test]
    fn a_reviewer_token() {
        let mut expected = run("http://127.0.0.1:8799", None, None);
        expected.reviewer_token = Some("s3cret".into());
        assert_eq!(
            parse(&["http://127.0.0.1:8799", "--reviewer-token", "s3cret"]),
            Ok(expected.clone())
        );
        assert_eq!(
            parse(&["--reviewer-token=s3cret", "http://127.0.0.1:8799"]),
            Ok(expected)
        );
        let err = |args: &[&str]| parse(args).unwrap_err();
        assert!(err(&["http://a", "--reviewer-token"]).contains("a value is required"));
        assert!(err(&["http://a", "--reviewer-token", "a b"]).contains("without spaces"));
        assert!(
            err(&["http://a", "--reviewer-token=x", "--reviewer-token=y"])
                .contains("cannot be used multiple times")
        );
    }

    #[test]
    fn checks_needing_a_reviewer_use_the_development_token_or_are_skipped() {
        let check = Check::new("review", "x", |_| Ok(())).needs_reviewer();
        let production = Ctx::new(Client::new("http://127.0.0.1:9"), None);
        production.assume_dev_mode(false);
        assert_eq!(
            run_one(&check, &production),
            Outcome::Skipped("needs --reviewer-token, or a backend in development mode")
        );
        let mut given = Ctx::new(Client::new("http://127.0.0.1:9"), None);
        given.assume_dev_mode(false);
        given.reviewer_token = Some("t".into());
        assert_eq!(run_one(&check, &given), Outcome::Passed);
        assert_eq!(given.reviewer_token(), Ok(Some("t".to_owned())));
        let dev = Ctx::new(Client::new("http://127.0.0.1:9"), None);
        dev.assume_dev_mode(true);
        assert_eq!(
            dev.reviewer_token(),
            Ok(Some("dev-reviewer-token".to_owned()))
        );
    }

    #[test]
    fn bad_command_lines_say_why() {
        let err = |args: &[&str]| parse(args).unwrap_err();
        assert!(err(&[]).contains("<BASE-URL>"));
        assert!(err(&["127.0.0.1:8787"]).contains("not an http(s) URL"));
        assert!(err(&["ftp://a"]).contains("not an http(s) URL"));
        assert!(err(&["http://"]).contains("no host"));
        assert!(err(&["http://u:p@a"]).contains("no user name"));
        assert!(err(&["http://a", "http://b"]).contains("unexpected argument"));
        assert!(err(&["http://a", "--origin"]).contains("a value is required"));
        assert!(err(&["http://a", "--verbose"]).contains("--verbose"));
        assert!(
            err(&["http://a", "--filter", "x", "--filter", "y"])
                .contains("cannot be used multiple times")
        );
        assert!(err(&["http://a/api/v1"]).contains("without /api/v1"));
        assert!(err(&["http://a/api/v1/"]).contains("without /api/v1"));
        assert!(err(&["http://a?x=1"]).contains("no query"));
        for origin in [
            "app.example",
            "https://app.example/x",
            "https://u@app.example",
        ] {
            assert!(
                err(&["http://a", "--origin", origin])
                    .contains("must look like http(s)://host[:port]"),
                "{origin}"
            );
        }
        assert!(err(&["http://a", "--origin", "https://evil.example"]).contains("foreign"));
    }

    #[test]
    fn report_lines() {
        assert_eq!(report_line("plans: x", &Outcome::Passed), "ok   plans: x");
        assert_eq!(
            report_line("plans: x", &Outcome::Failed("status 500\nbody".into())),
            "FAIL plans: x: status 500\n       body"
        );
        assert_eq!(
            report_line("cors: y", &Outcome::Skipped("needs --origin")),
            "skip cors: y (needs --origin)"
        );
        assert_eq!(summary_line(12, 0), "conformance: 12 passed, 0 failed");
    }

    #[test]
    fn checks_needing_an_origin_are_skipped_without_one() {
        let ctx = Ctx::new(Client::new("http://127.0.0.1:9"), None);
        let check = Check::new("cors", "x", |_| Ok(())).needs_origin();
        assert_eq!(run_one(&check, &ctx), Outcome::Skipped("needs --origin"));
        // (The panic's message is printed by the default hook; the test still passes.)
        let panics = Check::new("x", "y", |_| panic!("boom"));
        assert_eq!(
            run_one(&panics, &ctx),
            Outcome::Failed("the check itself panicked: boom".into())
        );
    }

    #[test]
    fn checks_needing_development_mode_are_skipped_without_it() {
        let check = Check::new("accounts", "x", |_| Ok(())).needs_dev();
        let production = Ctx::new(Client::new("http://127.0.0.1:9"), None);
        production.assume_dev_mode(false);
        assert_eq!(
            run_one(&check, &production),
            Outcome::Skipped("needs a backend in development mode")
        );
        let dev = Ctx::new(Client::new("http://127.0.0.1:9"), None);
        dev.assume_dev_mode(true);
        assert_eq!(run_one(&check, &dev), Outcome::Passed);
    }
}
