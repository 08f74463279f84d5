//! `baoming-conformance <base-url> [--origin <allowed-origin>] [--reviewer-token <token>]
//! [--wechat-double <url>] [--filter <substring>]`
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

const USAGE: &str = "\
usage: baoming-conformance <base-url> [--origin <allowed-origin>] [--reviewer-token <token>]
                           [--wechat-double <url>] [--filter <substring>]

  <base-url>        the backend's base URL, e.g. http://127.0.0.1:8787 (the suite adds /api/v1)
  --origin ORIGIN   the web app's origin the backend allows for CORS, e.g. https://app.example;
                    without it the checks that need it are skipped
  --reviewer-token TOKEN
                    a reviewer's bearer token for the admin API; without it a backend in
                    development mode is asked with `dev-reviewer-token`, any other skips the
                    review and payments checks that need a reviewer
  --wechat-double URL
                    the backend takes payments through the WeChat Pay test double at URL
                    (wechatpay-double): the candidate pays by the double scanning the order's
                    code_url instead of the development sandbox's mark-paid
  --filter TEXT     run only the checks whose name contains TEXT
  -h, --help        print this help";

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    pub base_url: String,
    pub origin: Option<String>,
    pub filter: Option<String>,
    /// `--reviewer-token`: the admin API's bearer token.
    pub reviewer_token: Option<String>,
    /// `--wechat-double`: the WeChat Pay test double the backend pays through.
    pub wechat_double: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Run(Args),
    Help,
}

/// Parses the arguments after the program name.
pub fn parse_args<I: IntoIterator<Item = String>>(args: I) -> Result<Command, String> {
    let mut base_url = None;
    let mut origin = None;
    let mut filter = None;
    let mut reviewer_token = None;
    let mut wechat_double = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--origin" | "--filter" | "--reviewer-token" | "--wechat-double" => {
                let value = match inline {
                    Some(v) => v,
                    None => args.next().ok_or_else(|| format!("{flag} needs a value"))?,
                };
                let slot = match flag.as_str() {
                    "--origin" => &mut origin,
                    "--filter" => &mut filter,
                    "--wechat-double" => &mut wechat_double,
                    _ => &mut reviewer_token,
                };
                if slot.replace(value).is_some() {
                    return Err(format!("{flag} given twice"));
                }
            }
            _ if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            _ => {
                if base_url.replace(arg).is_some() {
                    return Err("more than one base URL given".to_owned());
                }
            }
        }
    }
    let base_url = check_base_url(&base_url.ok_or("the backend's base URL is missing")?)?;
    let origin = origin.map(|o| check_origin(&o)).transpose()?;
    if let Some(token) = &reviewer_token
        && (token.is_empty() || token.contains(|c: char| c.is_whitespace() || c.is_control()))
    {
        return Err("--reviewer-token must be non-empty, without spaces".to_owned());
    }
    let wechat_double = wechat_double.map(|u| check_base_url(&u)).transpose()?;
    Ok(Command::Run(Args {
        base_url,
        origin,
        filter,
        reviewer_token,
        wechat_double,
    }))
}

fn http_scheme(url: &str) -> Option<&str> {
    ["http://", "https://"]
        .into_iter()
        .find_map(|scheme| url.strip_prefix(scheme))
}

/// The base URL without a trailing slash; refuses one that already names the API prefix.
fn check_base_url(url: &str) -> Result<String, String> {
    let rest = http_scheme(url).ok_or_else(|| format!("{url} is not an http(s) URL"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!("{url} has no host"));
    }
    if url.contains(['?', '#']) {
        return Err(format!("{url}: a base URL has no query or fragment"));
    }
    let trimmed = url.trim_end_matches('/');
    if trimmed.ends_with(API_VERSION_PREFIX) {
        return Err(format!(
            "{url}: give the backend's base URL without {API_VERSION_PREFIX}; the suite adds it"
        ));
    }
    Ok(trimmed.to_owned())
}

/// An origin as browsers send it: `scheme://host[:port]`, no path.
fn check_origin(origin: &str) -> Result<String, String> {
    let trimmed = origin.trim_end_matches('/');
    let rest = http_scheme(trimmed)
        .ok_or_else(|| format!("--origin {origin} is not an http(s) origin"))?;
    if rest.is_empty() || rest.contains(['/', '?', '#']) {
        return Err(format!(
            "--origin {origin}: an origin is scheme://host[:port], without a path"
        ));
    }
    if trimmed.eq_ignore_ascii_case(FOREIGN_ORIGIN) {
        return Err(format!(
            "--origin {FOREIGN_ORIGIN} is the origin the suite uses as the foreign one"
        ));
    }
    Ok(trimmed.to_owned())
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
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Run(args)) => args,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("baoming-conformance: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
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

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|s| (*s).to_owned()))
    }

    fn run(base: &str, origin: Option<&str>, filter: Option<&str>) -> Command {
        Command::Run(Args {
            base_url: base.to_owned(),
            origin: origin.map(str::to_owned),
            filter: filter.map(str::to_owned),
            reviewer_token: None,
            wechat_double: None,
        })
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
        assert_eq!(parse(&["-h"]), Ok(Command::Help));
        assert_eq!(parse(&["http://x", "--help"]), Ok(Command::Help));
    }

    #[test]
    fn a_reviewer_token() {
        let mut expected = run("http://127.0.0.1:8799", None, None);
        if let Command::Run(args) = &mut expected {
            args.reviewer_token = Some("s3cret".into());
        }
        assert_eq!(
            parse(&["http://127.0.0.1:8799", "--reviewer-token", "s3cret"]),
            Ok(expected.clone())
        );
        assert_eq!(
            parse(&["--reviewer-token=s3cret", "http://127.0.0.1:8799"]),
            Ok(expected)
        );
        let err = |args: &[&str]| parse(args).unwrap_err();
        assert!(err(&["http://a", "--reviewer-token"]).contains("needs a value"));
        assert!(err(&["http://a", "--reviewer-token", "a b"]).contains("without spaces"));
        assert!(err(&["http://a", "--reviewer-token=x", "--reviewer-token=y"]).contains("twice"));
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
        assert!(err(&[]).contains("base URL is missing"));
        assert!(err(&["127.0.0.1:8787"]).contains("not an http(s) URL"));
        assert!(err(&["http://"]).contains("no host"));
        assert!(err(&["http://a", "http://b"]).contains("more than one"));
        assert!(err(&["http://a", "--origin"]).contains("needs a value"));
        assert!(err(&["http://a", "--verbose"]).contains("unknown option --verbose"));
        assert!(err(&["http://a", "--filter", "x", "--filter", "y"]).contains("given twice"));
        assert!(err(&["http://a/api/v1"]).contains("without /api/v1"));
        assert!(err(&["http://a/api/v1/"]).contains("without /api/v1"));
        assert!(err(&["http://a?x=1"]).contains("no query"));
        assert!(err(&["http://a", "--origin", "app.example"]).contains("not an http(s) origin"));
        assert!(err(&["http://a", "--origin", "https://app.example/x"]).contains("without a path"));
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
