//! 审核, the reviewer's API: `GET /admin/applications[?status=]`,
//! `GET /admin/applications/{id}`, `POST /admin/applications/{id}/decision` (and the
//! candidate's `POST /applications/{id}/resubmit` on the way).
//!
//! Every admin request carries `Authorization: Bearer <token>`: `--reviewer-token`, or
//! [`DEV_REVIEWER_TOKEN`] against a backend in development mode; without either the checks
//! that need one are skipped. The checks follow the applications area's submitted
//! application ([`applications::submitted`], the shared account's) in the order they run:
//! listed and shown to the reviewer, a rejection without reasons refused, rejected with a
//! reason on its portrait (which the candidate then sees), an approval of the rejected
//! application refused, resubmitted by the candidate and approved, so that it is
//! `awaiting_payment` for the payments area. Each check reads the current state first.
//! No account is registered here.

use baoming_contract::api::{
    AdminApplication, AdminApplicationList, Application, DecisionKind, DecisionRequest,
    IDEMPOTENCY_KEY_HEADER, ReviewReason, ReviewTarget,
};
use baoming_contract::eligibility::Material;
use baoming_contract::error::ErrorCode;
use baoming_contract::review::check_decision;
use baoming_contract::status::{ApplicationStatus, expected_decision_by};
use serde_json::{Value, json};

use super::applications::{self, UNKNOWN_APPLICATION_ID, current, owner};
use super::{Check, CheckResult, Ctx};
use crate::client::{Request, Response, encode_segment};
use crate::expect;

/// The token a backend in development mode accepts (the reference backend's `--dev`).
pub const DEV_REVIEWER_TOKEN: &str = "dev-reviewer-token";
/// A token no backend issues.
const WRONG_TOKEN: &str = "conformance-not-a-reviewer-token";
/// The reason of the suite's rejection: the portrait.
const REASON_MESSAGE: &str = "证件照背景不是白色（一致性检查）";

pub fn checks() -> Vec<Check> {
    let area = "review";
    vec![
        Check::new(
            area,
            "GET /admin/applications without a token answers 401 unauthenticated",
            without_token,
        ),
        Check::new(
            area,
            "GET /admin/applications with a wrong bearer token answers 401 unauthenticated",
            wrong_token,
        ),
        Check::new(
            area,
            "GET /admin/applications?status=under_review lists the submitted application with its candidate_phone, and only under_review ones",
            list_under_review,
        )
        .needs_dev()
        .needs_reviewer(),
        Check::new(
            area,
            "GET /admin/applications/{id} answers the AdminApplication (the candidate's view and phone); an unknown id answers 404 not_found",
            get_one,
        )
        .needs_dev()
        .needs_reviewer(),
        Check::new(
            area,
            "a rejection without reasons answers 422 validation_failed, fields.reasons required, and decides nothing",
            reject_without_reasons,
        )
        .needs_dev()
        .needs_reviewer(),
        Check::new(
            area,
            "a rejection with a document reason answers 200 rejected; the candidate's GET shows the reason",
            reject_with_reason,
        )
        .needs_dev()
        .needs_reviewer(),
        Check::new(
            area,
            "approving a rejected application answers 409 invalid_transition",
            approve_rejected,
        )
        .needs_dev()
        .needs_reviewer(),
        Check::new(
            area,
            "the candidate resubmits (Idempotency-Key): 200 under_review, the reasons gone",
            resubmit,
        )
        .needs_dev()
        .needs_reviewer(),
        Check::new(
            area,
            "approving the resubmitted application answers 200 awaiting_payment",
            approve,
        )
        .needs_dev()
        .needs_reviewer(),
    ]
}

// ---------------------------------------------------------------- helpers

/// The reviewer's token; the checks that call this are registered with
/// [`Check::needs_reviewer`].
fn token(ctx: &Ctx) -> Result<String, String> {
    ctx.reviewer_token()?
        .ok_or_else(|| "this check needs a reviewer token".to_owned())
}

/// `path` under `/admin/applications` as the reviewer.
pub fn admin(ctx: &Ctx, method: &str, path: &str) -> Result<Request, String> {
    Ok(Request::new(method, &format!("/admin/applications{path}"))
        .header("Authorization", &format!("Bearer {}", token(ctx)?)))
}

/// `/{id}` and below it.
pub fn admin_path(id: &str, rest: &str) -> String {
    format!("/{}{rest}", encode_segment(id))
}

/// `POST /admin/applications/{id}/decision` with `body`.
fn decide(ctx: &Ctx, id: &str, body: &Value) -> Result<Response, String> {
    ctx.client
        .send(admin(ctx, "POST", &admin_path(id, "/decision"))?.json(body))
}

/// The owner's submitted application as the candidate sees it now, and its owner's phone.
fn followed(ctx: &Ctx) -> Result<(Application, &str), String> {
    let owner = owner(ctx)?;
    let id = &applications::submitted(ctx)?.id;
    Ok((current(ctx, &owner.jar, id)?, &owner.phone))
}

/// The application is in `status` before a check acts on it.
fn expect_status(app: &Application, status: ApplicationStatus) -> CheckResult {
    expect::ensure(app.status == status, || {
        format!(
            "the application is {:?}, this check needs it {status:?} (an earlier check failed?)",
            app.status
        )
    })
}

/// The candidate's application did not change.
fn unchanged(ctx: &Ctx, before: &Application, after_what: &str) -> CheckResult {
    let (after, _) = followed(ctx)?;
    expect::ensure(after == *before, || {
        format!(
            "after {after_what}, the application changed: version {} → {}, status {:?} → {:?}",
            before.version, after.version, before.status, after.status
        )
    })
}

/// The suite's rejection reason.
fn portrait_reason() -> ReviewReason {
    ReviewReason {
        target: ReviewTarget::Document(Material::Portrait),
        message: REASON_MESSAGE.to_owned(),
    }
}

/// A decision's 200 answer: an `Application` in `status`, one version on, whose last event
/// is `status` at about now, equal to what the candidate then reads.
fn decided(
    ctx: &Ctx,
    resp: &Response,
    before: &Application,
    status: ApplicationStatus,
) -> Result<Application, String> {
    let app: Application = expect::json(resp, 200)?;
    let mut problems = Vec::new();
    if app.id != before.id {
        problems.push(format!("id is {:?}, expected {:?}", app.id, before.id));
    }
    if app.status != status {
        problems.push(format!("status is {:?}, expected {status:?}", app.status));
    }
    if app.version <= before.version {
        problems.push(format!(
            "version is {}, expected more than {}",
            app.version, before.version
        ));
    }
    match app.events.last() {
        Some(e) if e.status == status => {
            super::accounts::recent_at(&resp.what, "the last event's at", e.at)?
        }
        _ => problems.push(format!(
            "events {:?} do not end with a {status:?} event",
            app.events
        )),
    }
    if app.draft != before.draft || app.documents != before.documents {
        problems.push("the draft or the documents changed".to_owned());
    }
    expect::ensure(problems.is_empty(), || {
        format!("{}: {}", resp.what, problems.join("; "))
    })?;
    let (seen, _) = followed(ctx)?;
    expect::ensure(seen == app, || {
        format!("the candidate's GET differs from the decision's answer: {seen:?} vs {app:?}")
    })?;
    Ok(app)
}

// ---------------------------------------------------------------- checks

fn without_token(ctx: &Ctx) -> CheckResult {
    for path in [
        "/admin/applications",
        "/admin/applications?status=under_review",
    ] {
        let resp = ctx.client.get(path)?;
        expect::envelope_for(&resp, ErrorCode::Unauthenticated)?;
    }
    let resp = ctx.client.send(
        Request::new(
            "POST",
            &format!("/admin/applications/{UNKNOWN_APPLICATION_ID}/decision"),
        )
        .json(&json!({ "decision": "approve" })),
    )?;
    expect::envelope_for(&resp, ErrorCode::Unauthenticated)?;
    Ok(())
}

fn wrong_token(ctx: &Ctx) -> CheckResult {
    for value in [
        format!("Bearer {WRONG_TOKEN}"),
        // A real token under another scheme is no bearer token either.
        format!("Basic {DEV_REVIEWER_TOKEN}"),
    ] {
        let resp = ctx
            .client
            .send(Request::get("/admin/applications").header("Authorization", &value))?;
        expect::envelope_for(&resp, ErrorCode::Unauthenticated)
            .map_err(|e| format!("Authorization: {value}: {e}"))?;
    }
    Ok(())
}

fn list_under_review(ctx: &Ctx) -> CheckResult {
    let (app, phone) = followed(ctx)?;
    expect_status(&app, ApplicationStatus::UnderReview)?;
    let resp = ctx
        .client
        .send(admin(ctx, "GET", "?status=under_review")?)?;
    let list: AdminApplicationList = expect::json(&resp, 200)?;
    if let Some(other) = list
        .applications
        .iter()
        .find(|a| a.application.status != ApplicationStatus::UnderReview)
    {
        return Err(format!(
            "{}: lists {:?}, which is {:?}",
            resp.what, other.application.id, other.application.status
        ));
    }
    let entry = list
        .applications
        .iter()
        .find(|a| a.application.id == app.id)
        .ok_or_else(|| {
            format!(
                "{}: the submitted application {:?} is not listed ({} entries)",
                resp.what,
                app.id,
                list.applications.len()
            )
        })?;
    expect::ensure(entry.candidate_phone == phone, || {
        format!(
            "{}: candidate_phone is {:?}, expected the owner's {phone:?}",
            resp.what, entry.candidate_phone
        )
    })?;
    expect::ensure(entry.application == app, || {
        format!(
            "{}: the entry differs from the candidate's GET: {:?} vs {app:?}",
            resp.what, entry.application
        )
    })
}

fn get_one(ctx: &Ctx) -> CheckResult {
    let (app, phone) = followed(ctx)?;
    let resp = ctx
        .client
        .send(admin(ctx, "GET", &admin_path(&app.id, ""))?)?;
    let shown: AdminApplication = expect::json(&resp, 200)?;
    expect::ensure(shown.candidate_phone == phone, || {
        format!(
            "{}: candidate_phone is {:?}, expected {phone:?}",
            resp.what, shown.candidate_phone
        )
    })?;
    expect::ensure(shown.application == app, || {
        format!(
            "{}: differs from the candidate's GET: {:?} vs {app:?}",
            resp.what, shown.application
        )
    })?;
    let resp = ctx
        .client
        .send(admin(ctx, "GET", &admin_path(UNKNOWN_APPLICATION_ID, ""))?)?;
    expect::envelope_for(&resp, ErrorCode::NotFound)?;
    Ok(())
}

fn reject_without_reasons(ctx: &Ctx) -> CheckResult {
    let (before, _) = followed(ctx)?;
    expect_status(&before, ApplicationStatus::UnderReview)?;
    let expected = check_decision(&DecisionRequest {
        decision: DecisionKind::Reject,
        reasons: vec![],
    });
    for body in [
        json!({ "decision": "reject" }),
        json!({ "decision": "reject", "reasons": [] }),
    ] {
        let resp = decide(ctx, &before.id, &body)?;
        let env = expect::envelope_for(&resp, ErrorCode::ValidationFailed)?;
        expect::field(&resp, &env, "reasons", "required")?;
        expect::fields_are(&resp, &env, &expected)?;
    }
    unchanged(ctx, &before, "the refused rejection")
}

fn reject_with_reason(ctx: &Ctx) -> CheckResult {
    let (before, _) = followed(ctx)?;
    expect_status(&before, ApplicationStatus::UnderReview)?;
    let request = DecisionRequest {
        decision: DecisionKind::Reject,
        reasons: vec![portrait_reason()],
    };
    if !check_decision(&request).is_empty() {
        return Err("the suite's rejection breaks the contract's check_decision".to_owned());
    }
    let body = serde_json::to_value(&request).map_err(|e| e.to_string())?;
    let resp = decide(ctx, &before.id, &body)?;
    let app = decided(ctx, &resp, &before, ApplicationStatus::Rejected)?;
    expect::ensure(app.review_reasons == [portrait_reason()], || {
        format!(
            "{}: review_reasons are {:?}, expected exactly the one given ({:?})",
            resp.what,
            app.review_reasons,
            portrait_reason()
        )
    })?;
    expect::ensure(app.expected_decision_by.is_none(), || {
        format!(
            "{}: a rejected application has no expected_decision_by",
            resp.what
        )
    })
}

fn approve_rejected(ctx: &Ctx) -> CheckResult {
    let (before, _) = followed(ctx)?;
    expect_status(&before, ApplicationStatus::Rejected)?;
    let resp = decide(ctx, &before.id, &json!({ "decision": "approve" }))?;
    expect::envelope_for(&resp, ErrorCode::InvalidTransition)?;
    unchanged(ctx, &before, "the refused approval")
}

fn resubmit(ctx: &Ctx) -> CheckResult {
    let owner = owner(ctx)?;
    let (before, _) = followed(ctx)?;
    expect_status(&before, ApplicationStatus::Rejected)?;
    let resp = ctx.client.send(
        Request::new(
            "POST",
            &applications::application_path(&before.id, "/resubmit"),
        )
        .cookies(&owner.jar)
        .header(IDEMPOTENCY_KEY_HEADER, &ctx.applications.fresh_key()),
    )?;
    let app = decided(ctx, &resp, &before, ApplicationStatus::UnderReview)?;
    expect::ensure(app.review_reasons.is_empty(), || {
        format!(
            "{}: review_reasons are {:?}, expected none (they are the latest rejection's, shown only while rejected)",
            resp.what, app.review_reasons
        )
    })?;
    let at = app.events.last().map(|e| e.at);
    expect::ensure(
        app.expected_decision_by == at.map(expected_decision_by),
        || {
            format!(
                "{}: expected_decision_by is {:?}, expected 2 working days after the resubmission",
                resp.what,
                app.expected_decision_by.map(|t| t.to_rfc3339())
            )
        },
    )
}

fn approve(ctx: &Ctx) -> CheckResult {
    let (before, _) = followed(ctx)?;
    expect_status(&before, ApplicationStatus::UnderReview)?;
    let resp = decide(ctx, &before.id, &json!({ "decision": "approve" }))?;
    let app = decided(ctx, &resp, &before, ApplicationStatus::AwaitingPayment)?;
    expect::ensure(app.review_reasons.is_empty(), || {
        format!(
            "{}: an approved application has no review_reasons",
            resp.what
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_suites_decisions_are_judged_by_the_contract() {
        let reject = DecisionRequest {
            decision: DecisionKind::Reject,
            reasons: vec![portrait_reason()],
        };
        assert!(check_decision(&reject).is_empty());
        let wire = serde_json::to_value(&reject).unwrap();
        assert_eq!(wire["reasons"][0]["target"]["kind"], "document");
        assert_eq!(wire["reasons"][0]["target"]["name"], "portrait");
        let bare = DecisionRequest {
            decision: DecisionKind::Reject,
            reasons: vec![],
        };
        assert_eq!(check_decision(&bare)["reasons"], "required");
    }

    #[test]
    fn only_the_token_checks_run_without_a_reviewer() {
        let always: Vec<String> = checks()
            .into_iter()
            .filter(|c| !c.needs_reviewer)
            .map(|c| c.name)
            .collect();
        assert_eq!(always.len(), 2);
        assert!(always.iter().all(|n| n.contains("401")));
        assert_eq!(admin_path("a/b", "/decision"), "/a%2Fb/decision");
    }
}
