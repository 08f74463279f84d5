//! The registry of checks, one module per API area.
//!
//! To add an area: create `checks/<area>.rs` with one function per check
//! (`fn name(ctx: &Ctx) -> Result<(), String>`) and a `pub fn checks() -> Vec<Check>` listing
//! them with [`Check::new`], then add the module to [`all`]. Assertions shared by every area
//! live in [`crate::expect`].

pub mod cors;
pub mod errors;
pub mod health;
pub mod plans;

use crate::client::Client;

/// A origin no backend may trust, used for every cross-site check.
pub const FOREIGN_ORIGIN: &str = "https://evil.example";

/// What every check gets.
pub struct Ctx {
    pub client: Client,
    /// The web app's origin the backend was configured to allow (`--origin`).
    pub origin: Option<String>,
}

impl Ctx {
    /// The allowed origin; only called by checks registered with [`Check::needs_origin`].
    pub fn origin(&self) -> Result<&str, String> {
        self.origin
            .as_deref()
            .ok_or_else(|| "this check needs --origin".to_owned())
    }
}

/// What a check returns: `Err` holds the reason it failed.
pub type CheckResult = Result<(), String>;

/// One named check.
pub struct Check {
    /// `area: what is checked`, as printed.
    pub name: String,
    pub run: fn(&Ctx) -> CheckResult,
    /// Skipped (and not counted) when no `--origin` was given.
    pub needs_origin: bool,
}

impl Check {
    pub fn new(area: &str, what: &str, run: fn(&Ctx) -> CheckResult) -> Check {
        Check {
            name: format!("{area}: {what}"),
            run,
            needs_origin: false,
        }
    }

    /// Marks the check as needing `--origin`.
    pub fn needs_origin(mut self) -> Check {
        self.needs_origin = true;
        self
    }
}

/// Every check, in the order they run.
pub fn all() -> Vec<Check> {
    let mut checks = Vec::new();
    checks.extend(health::checks());
    checks.extend(plans::checks());
    checks.extend(errors::checks());
    checks.extend(cors::checks());
    checks
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn names_are_unique_and_start_with_their_area() {
        let checks = all();
        let mut seen = HashSet::new();
        for c in &checks {
            assert!(seen.insert(c.name.clone()), "duplicate check {}", c.name);
            let (area, what) = c.name.split_once(": ").expect("area: what");
            assert!(!area.is_empty() && !what.is_empty(), "{}", c.name);
        }
        assert!(checks.len() >= 10);
    }
}
