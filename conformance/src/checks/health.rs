//! `GET /health`.

use baoming_contract::api::Health;

use super::{Check, CheckResult, Ctx};
use crate::expect;

pub fn checks() -> Vec<Check> {
    vec![Check::new(
        "health",
        "GET /health answers 200 with status ok, a version and dev_mode",
        answers_ok,
    )]
}

fn answers_ok(ctx: &Ctx) -> CheckResult {
    let resp = ctx.client.get("/health")?;
    let health: Health = expect::json(&resp, 200)?;
    expect::ensure(health.status == "ok", || {
        format!("status is {:?}, expected \"ok\"", health.status)
    })?;
    expect::ensure(!health.version.trim().is_empty(), || {
        "version is empty".to_owned()
    })
}
