//! `cargo xtask openapi [--check]` and `cargo xtask conformance <base-url>`.

use anyhow::{Context, Result, bail};

use crate::paths::{self, Layout};
use crate::procs::{Cmd, describe};
use crate::setup::Tools;
use crate::test::{Counts, Verdict, judge};

/// The committed OpenAPI document, relative to the workspace root.
pub const SPEC_PATH: &str = "openapi/baoming-v1.json";

/// Writes the reference backend's OpenAPI document to [`SPEC_PATH`], or with `check`
/// fails when the committed file differs from what the backend prints.
pub fn openapi(layout: &Layout, check: bool) -> Result<()> {
    let printed = Cmd::new(paths::host_cargo())
        .args(["run", "-q", "-p", "baoming-server", "--", "openapi"])
        .env("CARGO_TARGET_DIR", layout.host_target_dir())
        .current_dir(&layout.root)
        .read_stdout()
        .context("`baoming-server openapi` failed")?;
    let spec = normalize(&printed)?;

    let path = layout.root.join(SPEC_PATH);
    if check {
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed == spec {
            println!("{SPEC_PATH} is up to date");
            return Ok(());
        }
        let detail = match first_difference(&committed, &spec) {
            Some(line) => format!("first difference at line {line}"),
            None => "the file is missing".to_string(),
        };
        bail!("{SPEC_PATH} is stale ({detail}): run `cargo xtask openapi` and commit the result");
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, &spec).with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {SPEC_PATH} ({} bytes)", spec.len());
    Ok(())
}

/// The `cargo xtask test` stage: Redocly's `recommended` ruleset on the committed document
/// ([`SPEC_PATH`]; the host unit tests already failed if it is stale). The document is one
/// test: it passes with no error; warnings are listed but pass.
pub fn lint_stage(layout: &Layout, tools: &Tools) -> Result<Verdict> {
    let (status, report) = Cmd::new(tools.node_bin.join("redocly"))
        .args(["lint", SPEC_PATH, "--extends=recommended", "--format=json"])
        .path_prepend(&tools.path_front)
        .current_dir(&layout.root)
        .read_stdout_any()?;
    let lint = Lint::parse(&report)?;
    for line in &lint.problems {
        println!("  {line}");
    }
    let counts = Counts {
        passed: u64::from(lint.errors == 0),
        failed: u64::from(lint.errors > 0),
        ..Counts::default()
    };
    let mut verdict = judge(&counts, status.success(), &describe(status));
    let judged = std::mem::take(&mut verdict.detail);
    verdict.detail = format!("{} errors, {} warnings", lint.errors, lint.warnings);
    if !verdict.ok && lint.errors == 0 {
        // Redocly itself failed (a bad path, a crash): say how.
        verdict.detail.push_str(&format!(" ({judged})"));
    }
    Ok(verdict)
}

/// What `redocly lint --format=json` reported.
#[derive(Debug, PartialEq, Eq)]
pub struct Lint {
    pub errors: u64,
    pub warnings: u64,
    /// `error rule-id: message (at #/pointer)`, one per problem.
    pub problems: Vec<String>,
}

impl Lint {
    pub fn parse(report: &str) -> Result<Lint> {
        let json = report
            .find('{')
            .map(|at| &report[at..])
            .context("redocly printed no JSON report")?;
        let value: serde_json::Value =
            serde_json::from_str(json).context("redocly's JSON report does not parse")?;
        let total = |key: &str| value["totals"][key].as_u64();
        let (Some(errors), Some(warnings)) = (total("errors"), total("warnings")) else {
            bail!("redocly's report has no totals");
        };
        let problems = value["problems"]
            .as_array()
            .map(|problems| {
                problems
                    .iter()
                    .map(|p| {
                        format!(
                            "{} {}: {} (at {})",
                            p["severity"].as_str().unwrap_or("?"),
                            p["ruleId"].as_str().unwrap_or("?"),
                            p["message"].as_str().unwrap_or_default(),
                            p["location"][0]["pointer"].as_str().unwrap_or("?"),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Lint {
            errors,
            warnings,
            problems,
        })
    }
}

/// Checks that the backend printed an OpenAPI document, and ends it with one newline.
/// The text is kept as printed so that the committed file diffs line by line.
fn normalize(printed: &str) -> Result<String> {
    let trimmed = printed.trim();
    let value: serde_json::Value = serde_json::from_str(trimmed)
        .context("`baoming-server openapi` did not print a JSON document")?;
    if value.get("openapi").and_then(|v| v.as_str()).is_none() {
        bail!("`baoming-server openapi` printed JSON without an \"openapi\" version field");
    }
    Ok(format!("{trimmed}\n"))
}

/// The 1-based line where two texts first differ; `None` when `old` is empty.
fn first_difference(old: &str, new: &str) -> Option<usize> {
    if old.is_empty() {
        return None;
    }
    let mut old_lines = old.lines();
    let mut new_lines = new.lines();
    let mut line = 1;
    loop {
        match (old_lines.next(), new_lines.next()) {
            (Some(a), Some(b)) if a == b => line += 1,
            // Includes texts that differ only after their last line break.
            _ => return Some(line),
        }
    }
}

/// `cargo xtask conformance <base-url> [options]`: the contract's tests against any
/// backend; `args` go to the runner unchanged.
pub fn conformance(layout: &Layout, args: &[String]) -> Result<()> {
    Cmd::new(paths::host_cargo())
        .args(["run", "-q", "-p", "baoming-conformance", "--"])
        .args(args)
        .env("CARGO_TARGET_DIR", layout.host_target_dir())
        .current_dir(&layout.root)
        .run()
        .context("the conformance run failed; see its report above")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_redoclys_json_report() {
        // The banner Node 20 gets goes to stderr; anything before the JSON is skipped.
        let report = r##"{
  "totals": { "errors": 1, "warnings": 1, "ignored": 0 },
  "version": "2.77.0",
  "problems": [
    { "ruleId": "operation-summary", "severity": "error",
      "message": "Operation object should contain `summary` field.",
      "location": [{ "pointer": "#/paths/~1api~1v1~1me/get/summary" }] },
    { "ruleId": "operation-4xx-response", "severity": "warn",
      "message": "Operation must have at least one `4XX` response.",
      "location": [{ "pointer": "#/paths/~1api~1v1~1health/get/responses" }] }
  ]
}"##;
        let lint = Lint::parse(report).unwrap();
        assert_eq!((lint.errors, lint.warnings), (1, 1));
        assert_eq!(
            lint.problems[0],
            "error operation-summary: Operation object should contain `summary` field. \
             (at #/paths/~1api~1v1~1me/get/summary)"
        );
        assert!(Lint::parse("validating…\n").is_err());
        assert!(Lint::parse("{\"problems\": []}").is_err());
    }

    #[test]
    fn keeps_the_printed_text_and_ends_it_with_one_newline() {
        let printed = "{\n  \"openapi\": \"3.1.0\",\n  \"paths\": {}\n}\n\n";
        assert_eq!(
            normalize(printed).unwrap(),
            "{\n  \"openapi\": \"3.1.0\",\n  \"paths\": {}\n}\n"
        );
    }

    #[test]
    fn rejects_what_is_not_an_openapi_document() {
        assert!(normalize("not json").is_err());
        assert!(normalize("{\"paths\": {}}").is_err());
        assert!(normalize("").is_err());
    }

    #[test]
    fn finds_the_first_differing_line() {
        assert_eq!(first_difference("", "a\n"), None);
        assert_eq!(first_difference("a\nb\n", "a\nc\n"), Some(2));
        assert_eq!(first_difference("a\n", "a\nb\n"), Some(2));
    }
}
