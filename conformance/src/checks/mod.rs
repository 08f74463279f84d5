//! The registry of checks, one module per API area.
//!
//! To add an area: create `checks/<area>.rs` with one function per check
//! (`fn name(ctx: &Ctx) -> Result<(), String>`) and a `pub fn checks() -> Vec<Check>` listing
//! them with [`Check::new`], then add the module to [`all`]. Assertions shared by every area
//! live in [`crate::expect`].

pub mod accounts;
pub mod applications;
pub mod cors;
pub mod documents;
pub mod errors;
pub mod health;
pub mod payments;
pub mod plans;
pub mod review;

use std::cell::OnceCell;

use baoming_contract::api::Health;

use crate::client::Client;
use crate::expect;

/// A origin no backend may trust, used for every cross-site check.
pub const FOREIGN_ORIGIN: &str = "https://evil.example";

/// What every check gets. Checks run one after another on one thread; what they share
/// (the development-mode answer, the accounts area's account and SMS count, the applications
/// and documents areas' candidates and applications) lives here.
pub struct Ctx {
    pub client: Client,
    /// The web app's origin the backend was configured to allow (`--origin`).
    pub origin: Option<String>,
    /// `--reviewer-token`: the admin API's bearer token, when given.
    pub reviewer_token: Option<String>,
    /// `--wechat-double`: the WeChat Pay test double the backend pays through.
    pub wechat_double: Option<String>,
    /// `GET /health`'s `dev_mode`, asked once.
    dev_mode: OnceCell<Result<bool, String>>,
    /// What the accounts checks share.
    pub accounts: accounts::Shared,
    /// What the applications checks share (and the documents checks: the two candidates).
    pub applications: applications::Shared,
    /// What the documents checks share.
    pub documents: documents::Shared,
    /// What the payments checks share (the order).
    pub payments: payments::Shared,
}

impl Ctx {
    pub fn new(client: Client, origin: Option<String>) -> Ctx {
        Ctx {
            client,
            origin,
            reviewer_token: None,
            wechat_double: None,
            dev_mode: OnceCell::new(),
            accounts: accounts::Shared::new(),
            applications: applications::Shared::new(),
            documents: documents::Shared::new(),
            payments: payments::Shared::new(),
        }
    }

    /// Whether the backend runs in development mode (its `/dev/...` endpoints exist), by
    /// `GET /health`; asked once per run.
    pub fn dev_mode(&self) -> Result<bool, String> {
        self.dev_mode
            .get_or_init(|| {
                let resp = self.client.get("/health")?;
                Ok(expect::json::<Health>(&resp, 200)?.dev_mode)
            })
            .clone()
    }

    /// The reviewer's bearer token: `--reviewer-token` when given, else the development
    /// token when the backend is in development mode, else none.
    pub fn reviewer_token(&self) -> Result<Option<String>, String> {
        if let Some(token) = &self.reviewer_token {
            return Ok(Some(token.clone()));
        }
        Ok(self
            .dev_mode()?
            .then(|| review::DEV_REVIEWER_TOKEN.to_owned()))
    }

    /// Settles the development-mode answer without asking the backend (tests).
    #[cfg(test)]
    pub fn assume_dev_mode(&self, dev_mode: bool) {
        let _ = self.dev_mode.set(Ok(dev_mode));
    }

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
    /// Skipped (and not counted) when the backend is not in development mode: the check
    /// reads SMS codes from the development outbox (or uses another `/dev/...` endpoint).
    pub needs_dev: bool,
    /// Skipped (and not counted) without a reviewer token ([`Ctx::reviewer_token`]).
    pub needs_reviewer: bool,
}

impl Check {
    pub fn new(area: &str, what: &str, run: fn(&Ctx) -> CheckResult) -> Check {
        Check {
            name: format!("{area}: {what}"),
            run,
            needs_origin: false,
            needs_dev: false,
            needs_reviewer: false,
        }
    }

    /// Marks the check as needing `--origin`.
    pub fn needs_origin(mut self) -> Check {
        self.needs_origin = true;
        self
    }

    /// Marks the check as needing a reviewer's token (the admin API).
    pub fn needs_reviewer(mut self) -> Check {
        self.needs_reviewer = true;
        self
    }

    /// Marks the check as needing a backend in development mode.
    pub fn needs_dev(mut self) -> Check {
        self.needs_dev = true;
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
    checks.extend(accounts::checks());
    checks.extend(applications::checks());
    checks.extend(documents::checks());
    checks.extend(review::checks());
    checks.extend(payments::checks());
    checks.extend(accounts::late_checks());
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
