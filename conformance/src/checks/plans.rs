//! `GET /plans` and `GET /plans/{id}`: the certification plans and their windows.

use std::collections::HashSet;
use std::time::{SystemTime, UNIX_EPOCH};

use baoming_contract::api::PlanList;
use baoming_contract::error::ErrorCode;
use baoming_contract::occupation::Occupation;
use baoming_contract::plan::{Level, Plan, PlanState};
use baoming_contract::time::Timestamp;

use super::{Check, CheckResult, Ctx};
use crate::client::encode_segment;
use crate::expect;

/// How far the backend's clock may be from ours when judging a plan's state.
const CLOCK_SKEW_S: i64 = 120;

/// A plan id no backend has.
const UNKNOWN_PLAN_ID: &str = "conformance-no-such-plan";

pub fn checks() -> Vec<Check> {
    let area = "plans";
    vec![
        Check::new(area, "GET /plans answers 200 with a PlanList", list_answers),
        Check::new(area, "list has the seeded two level-2 plans", seeded_two),
        Check::new(area, "ids are unique and URL-safe", ids_unique_and_url_safe),
        Check::new(
            area,
            "every plan has a name and a positive fee",
            names_and_fees,
        ),
        Check::new(
            area,
            "every window opens before it closes, and corrections end no earlier",
            windows_ordered,
        ),
        Check::new(
            area,
            "each state matches its window at the current time",
            states_match_now,
        ),
        Check::new(
            area,
            "GET /plans/{id} equals the list entry for each plan",
            detail_equals_list,
        ),
        Check::new(
            area,
            "an unknown plan id answers 404 not_found",
            unknown_plan_is_404,
        ),
    ]
}

/// Now, by this machine's clock.
fn now() -> Timestamp {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// The plan list, checked to be a contract `PlanList` with the API headers.
fn list(ctx: &Ctx) -> Result<Vec<Plan>, String> {
    let resp = ctx.client.get("/plans")?;
    Ok(expect::json::<PlanList>(&resp, 200)?.plans)
}

/// Fails with every violation found, or passes when there is none.
fn all_ok(violations: Vec<String>) -> CheckResult {
    if violations.is_empty() {
        Ok(())
    } else {
        Err(violations.join("; "))
    }
}

/// Whether an id can go into a URL path as it is: non-empty, RFC 3986 unreserved characters.
pub fn is_url_safe_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
        && id != "."
        && id != ".."
}

/// Whether a backend that answered somewhere in `[earliest, latest]` may have reported
/// `state`. States only move forward in time (upcoming → open → closed), so the possible
/// ones are those between the states at both ends.
pub fn state_plausible(
    state: PlanState,
    opens_at: Timestamp,
    closes_at: Timestamp,
    earliest: Timestamp,
    latest: Timestamp,
) -> bool {
    let rank = |s: PlanState| match s {
        PlanState::Upcoming => 0,
        PlanState::Open => 1,
        PlanState::Closed => 2,
    };
    let lo = rank(PlanState::at(earliest, opens_at, closes_at));
    let hi = rank(PlanState::at(latest, opens_at, closes_at));
    (lo..=hi).contains(&rank(state))
}

fn list_answers(ctx: &Ctx) -> CheckResult {
    list(ctx).map(|_| ())
}

fn seeded_two(ctx: &Ctx) -> CheckResult {
    let plans = list(ctx)?;
    let mut violations = Vec::new();
    if plans.len() != 2 {
        violations.push(format!("{} plans listed, expected 2", plans.len()));
    }
    for plan in &plans {
        if plan.level != Level::Level2 {
            violations.push(format!("plan {:?} is not level_2", plan.id));
        }
    }
    for occupation in Occupation::ALL {
        let count = plans.iter().filter(|p| p.occupation == occupation).count();
        if count != 1 {
            violations.push(format!(
                "{count} plans for {occupation:?} ({}), expected 1",
                occupation.name_zh()
            ));
        }
    }
    all_ok(violations)
}

fn ids_unique_and_url_safe(ctx: &Ctx) -> CheckResult {
    let plans = list(ctx)?;
    let mut violations = Vec::new();
    let mut seen = HashSet::new();
    for plan in &plans {
        if !seen.insert(plan.id.as_str()) {
            violations.push(format!("id {:?} is listed twice", plan.id));
        }
        if !is_url_safe_id(&plan.id) {
            violations.push(format!(
                "id {:?} is not URL-safe (only A-Z a-z 0-9 - . _ ~)",
                plan.id
            ));
        }
    }
    all_ok(violations)
}

fn names_and_fees(ctx: &Ctx) -> CheckResult {
    let plans = list(ctx)?;
    let mut violations = Vec::new();
    for plan in &plans {
        if plan.name.trim().is_empty() {
            violations.push(format!("plan {:?} has an empty name", plan.id));
        }
        if plan.fee_fen == 0 {
            violations.push(format!("plan {:?} has fee_fen 0", plan.id));
        }
    }
    all_ok(violations)
}

fn windows_ordered(ctx: &Ctx) -> CheckResult {
    let plans = list(ctx)?;
    let mut violations: Vec<String> = plans
        .iter()
        .filter(|p| p.opens_at >= p.closes_at)
        .map(|p| {
            format!(
                "plan {:?} opens at {} but closes at {}",
                p.id,
                p.opens_at.to_rfc3339(),
                p.closes_at.to_rfc3339()
            )
        })
        .collect();
    // Corrections (重新提交 of a rejected application) end with registration or after it.
    violations.extend(
        plans
            .iter()
            .filter(|p| p.corrections_close_at < p.closes_at)
            .map(|p| {
                format!(
                    "plan {:?} closes at {} but its corrections end earlier, at {}",
                    p.id,
                    p.closes_at.to_rfc3339(),
                    p.corrections_close_at.to_rfc3339()
                )
            }),
    );
    all_ok(violations)
}

fn states_match_now(ctx: &Ctx) -> CheckResult {
    let before = now();
    let plans = list(ctx)?;
    let after = now();
    let (earliest, latest) = (
        Timestamp(before.0 - CLOCK_SKEW_S),
        Timestamp(after.0 + CLOCK_SKEW_S),
    );
    let violations = plans
        .iter()
        .filter(|p| !state_plausible(p.state, p.opens_at, p.closes_at, earliest, latest))
        .map(|p| {
            format!(
                "plan {:?} is {:?} but its window [{}, {}) makes it {:?} now ({})",
                p.id,
                p.state,
                p.opens_at.to_rfc3339(),
                p.closes_at.to_rfc3339(),
                PlanState::at(after, p.opens_at, p.closes_at),
                after.to_rfc3339()
            )
        })
        .collect();
    all_ok(violations)
}

fn detail_equals_list(ctx: &Ctx) -> CheckResult {
    let plans = list(ctx)?;
    expect::ensure(!plans.is_empty(), || "the list is empty".to_owned())?;
    let mut violations = Vec::new();
    for plan in &plans {
        let resp = ctx
            .client
            .get(&format!("/plans/{}", encode_segment(&plan.id)))?;
        match expect::json::<Plan>(&resp, 200) {
            Ok(detail) if detail == *plan => {}
            Ok(detail) => violations.push(format!(
                "plan {:?}: detail {detail:?} differs from list entry {plan:?}",
                plan.id
            )),
            Err(e) => violations.push(e),
        }
    }
    all_ok(violations)
}

fn unknown_plan_is_404(ctx: &Ctx) -> CheckResult {
    let resp = ctx.client.get(&format!("/plans/{UNKNOWN_PLAN_ID}"))?;
    expect::envelope_for(&resp, ErrorCode::NotFound).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_safe_ids() {
        assert!(is_url_safe_id("ecommerce-l2-2026q4"));
        assert!(is_url_safe_id("A.b_c~1"));
        for bad in ["", "a b", "a/b", "计划", "a?b", "a%20", ".", ".."] {
            assert!(!is_url_safe_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn states_are_judged_with_the_uncertainty_of_the_answer_time() {
        let (o, c) = (Timestamp(1000), Timestamp(2000));
        let t = |s| Timestamp(s);
        assert!(state_plausible(PlanState::Open, o, c, t(1500), t(1600)));
        assert!(!state_plausible(PlanState::Closed, o, c, t(1500), t(1600)));
        assert!(!state_plausible(
            PlanState::Upcoming,
            o,
            c,
            t(1500),
            t(1600)
        ));
        // Straddling the opening: either answer is right.
        assert!(state_plausible(PlanState::Upcoming, o, c, t(990), t(1010)));
        assert!(state_plausible(PlanState::Open, o, c, t(990), t(1010)));
        assert!(!state_plausible(PlanState::Closed, o, c, t(990), t(1010)));
        // Straddling the close (exclusive).
        assert!(state_plausible(PlanState::Closed, o, c, t(1999), t(2000)));
        assert!(state_plausible(PlanState::Upcoming, o, c, t(0), t(999)));
        assert!(!state_plausible(PlanState::Open, o, c, t(0), t(999)));
    }
}
