//! 报名: `POST /plans/{plan_id}/applications`, `GET /applications`, `GET /applications/{id}`,
//! `PUT /applications/{id}/draft`, `POST /applications/{id}/submit` (and
//! `POST /applications/{id}/resubmit`, which another candidate must not reach either).
//!
//! The checks follow one application through its life, in the order they run: the shared
//! account (the "owner", [`accounts::shared_account_session`]) applies to the open 电子商务师
//! plan and gets a draft; the draft is saved, refused when stale, over its bounds or
//! incomplete, and hidden from another candidate; then it is completed (a draft that passes
//! the contract's `validate_for_submit` today, every material its condition requires
//! uploaded), submitted with an `Idempotency-Key`, submitted again with the same key and with
//! a new one, and edited while under review. Each check reads the application's current
//! state (`GET`) rather than trusting an earlier check, so a failure stays in its own line.
//!
//! Accounts cost SMS codes: the owner is the accounts area's shared account, and the "other"
//! candidate of the cross-account checks is registered once per run and shared with the
//! documents area ([`other`]), so the two areas add one code to a run.

use std::cell::{Cell, OnceCell};
use std::time::{SystemTime, UNIX_EPOCH};

use baoming_contract::api::{
    Application, ApplicationList, Certificate, DocumentInfo, Draft, IDEMPOTENCY_KEY_HEADER,
    IdempotencyKeyError, PlanList,
};
use baoming_contract::application::{
    Context, DRAFT_MAX_TEXT_CHARS, check_draft_bounds, reason, validate_for_submit,
};
use baoming_contract::eligibility::Material;
use baoming_contract::error::ErrorCode;
use baoming_contract::plan::{Plan, PlanState};
use baoming_contract::status::{ApplicationStatus, expected_decision_by};
use baoming_contract::time::Date;
use serde_json::{Value, json};

use super::accounts::{self, mix};
use super::documents;
use super::plans::is_url_safe_id;
use super::{Check, CheckResult, Ctx};
use crate::client::{Request, Response, encode_segment};
use crate::cookie::Jar;
use crate::expect;

/// A plan id no backend has.
const UNKNOWN_PLAN_ID: &str = "conformance-no-such-plan";
/// An application id no backend has.
pub const UNKNOWN_APPLICATION_ID: &str = "conformance-no-such-application";

/// The suite's candidate: the contract's sample (condition, occupation, ID number, draft).
pub use baoming_contract::application::sample::{CONDITION, OCCUPATION, complete_draft};

pub fn checks() -> Vec<Check> {
    let area = "applications";
    vec![
        Check::new(
            area,
            "POST /plans/{id}/applications answers 201 with a new draft Application (status draft, version ≥ 1, draft.phone the account's phone, a draft event)",
            create,
        )
        .needs_dev(),
        Check::new(
            area,
            "POST /plans/{id}/applications again answers 200 with the same application",
            create_again,
        )
        .needs_dev(),
        Check::new(
            area,
            "POST /plans/{id}/applications for an unknown plan answers 404 not_found",
            create_unknown_plan,
        )
        .needs_dev(),
        Check::new(
            area,
            "without a session every applications endpoint answers 401 unauthenticated",
            without_session,
        ),
        Check::new(
            area,
            "GET /applications answers an ApplicationList holding the application",
            list,
        )
        .needs_dev(),
        Check::new(
            area,
            "GET /applications/{id} answers the application; an unknown id answers 404 not_found",
            get_one,
        )
        .needs_dev(),
        Check::new(
            area,
            "PUT /applications/{id}/draft answers 200 with version + 1 and the draft exactly as sent",
            save_draft,
        )
        .needs_dev(),
        Check::new(
            area,
            "a stale base_version answers 409 conflict, fields.base_version stale, and saves nothing",
            stale_base_version,
        )
        .needs_dev(),
        Check::new(
            area,
            "a draft text over its bound answers 422 validation_failed naming the field, and saves nothing",
            over_long_field,
        )
        .needs_dev(),
        Check::new(
            area,
            "submitting without an Idempotency-Key answers 422 validation_failed, fields.idempotency_key required",
            submit_without_key,
        )
        .needs_dev(),
        Check::new(
            area,
            "submitting an incomplete application answers 422 validation_failed with the contract's field reasons (name required, documents.portrait missing, …)",
            submit_incomplete,
        )
        .needs_dev(),
        Check::new(
            area,
            "another account gets 404 not_found from GET, PUT draft, submit and resubmit of the application, which stays unchanged",
            other_account,
        )
        .needs_dev(),
        Check::new(
            area,
            "a complete application with every required document submits: 200 under_review with expected_decision_by 2 working days on",
            submit_complete,
        )
        .needs_dev(),
        Check::new(
            area,
            "submitting again with the same Idempotency-Key answers the first answer and submits nothing twice",
            submit_same_key,
        )
        .needs_dev(),
        Check::new(
            area,
            "submitting again with a new Idempotency-Key answers 409 invalid_transition",
            submit_new_key,
        )
        .needs_dev(),
        Check::new(
            area,
            "PUT draft while under_review answers 200 (candidates may edit during review); the first key still answers the first answer",
            edit_under_review,
        )
        .needs_dev(),
    ]
}

// ---------------------------------------------------------------- shared state

/// A candidate with a session.
pub struct Candidate {
    /// Normalised, 11 digits.
    pub phone: String,
    pub jar: Jar,
}

/// The application the checks follow, as creating it answered.
struct Created {
    plan: Plan,
    application: Application,
}

/// The successful submission.
struct Submission {
    key: String,
    /// The answer's body, as JSON.
    answer: Value,
    application: Application,
}

/// What the applications and documents checks share within a run.
pub struct Shared {
    owner: OnceCell<Result<Candidate, String>>,
    other: OnceCell<Result<Candidate, String>>,
    created: OnceCell<Result<Created, String>>,
    submission: OnceCell<Result<Submission, String>>,
    key_seed: u64,
    keys: Cell<u64>,
}

impl Shared {
    pub fn new() -> Shared {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        Shared {
            owner: OnceCell::new(),
            other: OnceCell::new(),
            created: OnceCell::new(),
            submission: OnceCell::new(),
            // Truncating the nanoseconds keeps their fast-changing low bits.
            key_seed: mix(nanos as u64 ^ (u64::from(std::process::id()) << 32)),
            keys: Cell::new(0),
        }
    }

    /// An `Idempotency-Key` no earlier request of this run (or, very likely, of any run) used.
    pub fn fresh_key(&self) -> String {
        let n = self.keys.get();
        self.keys.set(n + 1);
        idempotency_key(self.key_seed, n)
    }
}

impl Default for Shared {
    fn default() -> Shared {
        Shared::new()
    }
}

/// The `n`-th idempotency key of a run seeded with `seed`; the contract accepts it.
pub fn idempotency_key(seed: u64, n: u64) -> String {
    format!("conformance-{seed:016x}-{n}")
}

/// The owner of the applications: the accounts area's shared account, freshly logged in.
pub fn owner(ctx: &Ctx) -> Result<&Candidate, String> {
    ctx.applications
        .owner
        .get_or_init(|| {
            accounts::shared_account_session(ctx).map(|(phone, jar)| Candidate { phone, jar })
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Another candidate, registered once per run for the cross-account checks of both areas.
pub fn other(ctx: &Ctx) -> Result<&Candidate, String> {
    ctx.applications
        .other
        .get_or_init(|| {
            accounts::register_another_account(ctx)
                .map(|(phone, jar)| Candidate { phone, jar })
                .map_err(|e| format!("registering another account failed: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The plans that are open now, by the backend's own `state`.
pub fn open_plans(ctx: &Ctx) -> Result<Vec<Plan>, String> {
    let resp = ctx.client.get("/plans")?;
    Ok(expect::json::<PlanList>(&resp, 200)?
        .plans
        .into_iter()
        .filter(|p| p.state == PlanState::Open)
        .collect())
}

/// The open plan the applications checks apply to: the first of [`OCCUPATION`].
pub fn applications_plan(ctx: &Ctx) -> Result<Plan, String> {
    open_plans(ctx)?
        .into_iter()
        .find(|p| p.occupation == OCCUPATION)
        .ok_or_else(|| {
            format!("no open {OCCUPATION:?} plan to apply to (GET /plans); the seed's plans are open for months")
        })
}

/// The application the checks follow, created by the first check that asks.
fn created(ctx: &Ctx) -> Result<&Created, String> {
    ctx.applications
        .created
        .get_or_init(|| {
            let owner = owner(ctx)?;
            let plan = applications_plan(ctx)?;
            let resp = create_request(ctx, &owner.jar, &plan.id)?;
            let application: Application = expect::json(&resp, 201)?;
            Ok(Created { plan, application })
        })
        .as_ref()
        .map_err(|e| format!("creating the application the checks follow failed: {e}"))
}

// ---------------------------------------------------------------- helpers

/// `/applications/{id}` (and below it, `rest` such as `/draft`).
pub fn application_path(id: &str, rest: &str) -> String {
    format!("/applications/{}{rest}", encode_segment(id))
}

/// `POST /plans/{plan_id}/applications` with the jar's session.
pub fn create_request(ctx: &Ctx, jar: &Jar, plan_id: &str) -> Result<Response, String> {
    ctx.client.send(
        Request::new(
            "POST",
            &format!("/plans/{}/applications", encode_segment(plan_id)),
        )
        .cookies(jar),
    )
}

/// `GET /applications/{id}` as a 200 `Application`.
pub fn current(ctx: &Ctx, jar: &Jar, id: &str) -> Result<Application, String> {
    let resp = ctx
        .client
        .send(Request::get(&application_path(id, "")).cookies(jar))?;
    expect::json(&resp, 200)
}

/// `PUT /applications/{id}/draft`.
fn save(
    ctx: &Ctx,
    jar: &Jar,
    id: &str,
    base_version: u64,
    draft: &Draft,
) -> Result<Response, String> {
    ctx.client.send(
        Request::new("PUT", &application_path(id, "/draft"))
            .cookies(jar)
            .json(&json!({ "base_version": base_version, "draft": draft })),
    )
}

/// `POST /applications/{id}/submit`, with `key` as the `Idempotency-Key` when given.
fn submit(ctx: &Ctx, jar: &Jar, id: &str, key: Option<&str>) -> Result<Response, String> {
    let mut req = Request::new("POST", &application_path(id, "/submit")).cookies(jar);
    if let Some(key) = key {
        req = req.header(IDEMPOTENCY_KEY_HEADER, key);
    }
    ctx.client.send(req)
}

/// Today in China Standard Time, by this machine's clock.
pub fn today() -> Date {
    accounts::now().date_cst()
}

/// What the contract's rules need besides the draft, for `plan` today.
fn rules(plan: &Plan, today: Date) -> Context {
    Context {
        occupation: plan.occupation,
        today,
    }
}

/// The materials an application holds.
pub fn materials(app: &Application) -> Vec<Material> {
    app.documents.iter().map(|d| d.material).collect()
}

/// How many times the application entered `status`.
fn entered(app: &Application, status: ApplicationStatus) -> usize {
    app.events.iter().filter(|e| e.status == status).count()
}

/// The application is still `before`: a refused request changed nothing.
fn unchanged(ctx: &Ctx, jar: &Jar, before: &Application, after_what: &str) -> CheckResult {
    let after = current(ctx, jar, &before.id)?;
    expect::ensure(after == *before, || {
        format!(
            "after {after_what}, the application changed: version {} → {}, status {:?} → {:?}, draft {} → {}",
            before.version,
            after.version,
            before.status,
            after.status,
            draft_json(&before.draft),
            draft_json(&after.draft)
        )
    })
}

fn draft_json(draft: &Draft) -> String {
    serde_json::to_string(draft).unwrap_or_else(|e| format!("(unserialisable: {e})"))
}

/// The answer's draft is `sent`, field for field.
fn same_draft(resp: &Response, got: &Draft, sent: &Draft) -> CheckResult {
    expect::ensure(got == sent, || {
        format!(
            "{}: the draft does not round-trip: sent {}, answered {}",
            resp.what,
            draft_json(sent),
            draft_json(got)
        )
    })
}

/// What the draft checks save: [`complete_draft`] without 姓名 and 文化程度, with a
/// half-filled certificate (condition 3 ignores it) so nested and omitted fields both
/// round-trip. Submitting it is refused.
pub fn partial_draft(phone: &str, today: Date) -> Draft {
    Draft {
        name: String::new(),
        education: None,
        certificate: Some(Certificate {
            name_and_level: "电子商务师 三级".into(),
            issued_on: "2019-06-30".into(),
            ..Certificate::default()
        }),
        ..complete_draft(phone, today)
    }
}

// ---------------------------------------------------------------- create, list, get

fn create(ctx: &Ctx) -> CheckResult {
    let owner = owner(ctx)?;
    let c = created(ctx)?;
    let app = &c.application;
    let what = "the 201 Application";
    let mut problems = Vec::new();
    if !is_url_safe_id(&app.id) {
        problems.push(format!("id {:?} is not a URL-safe id", app.id));
    }
    if app.plan_id != c.plan.id {
        problems.push(format!(
            "plan_id is {:?}, expected {:?}",
            app.plan_id, c.plan.id
        ));
    }
    if app.status != ApplicationStatus::Draft {
        problems.push(format!("status is {:?}, expected draft", app.status));
    }
    if app.version < 1 {
        problems.push("version is 0, expected ≥ 1".to_owned());
    }
    if app.draft.phone != owner.phone {
        problems.push(format!(
            "draft.phone is {:?}, expected the account's phone {:?}",
            app.draft.phone, owner.phone
        ));
    }
    if entered(app, ApplicationStatus::Draft) != 1 || app.events.len() != 1 {
        problems.push(format!(
            "events are {:?}, expected one draft event",
            app.events
        ));
    }
    if !app.documents.is_empty() {
        problems.push(format!("documents are {:?}, expected none", app.documents));
    }
    if app.expected_decision_by.is_some() {
        problems.push("a draft has no expected_decision_by".to_owned());
    }
    if !app.review_reasons.is_empty() {
        problems.push("a draft has no review_reasons".to_owned());
    }
    expect::ensure(problems.is_empty(), || {
        format!("{what}: {}", problems.join("; "))
    })?;
    for event in &app.events {
        accounts::recent_at(what, "events[].at", event.at)?;
    }
    accounts::recent_at(what, "updated_at", app.updated_at)
}

fn create_again(ctx: &Ctx) -> CheckResult {
    let owner = owner(ctx)?;
    let c = created(ctx)?;
    let resp = create_request(ctx, &owner.jar, &c.plan.id)?;
    let again: Application = expect::json(&resp, 200)?;
    expect::ensure(again.id == c.application.id, || {
        format!(
            "{}: answered application {:?}, expected the existing {:?} (one application per plan)",
            resp.what, again.id, c.application.id
        )
    })?;
    let now = current(ctx, &owner.jar, &again.id)?;
    expect::ensure(again == now, || {
        format!(
            "{}: the answer differs from GET /applications/{{id}}: {again:?} vs {now:?}",
            resp.what
        )
    })
}

fn create_unknown_plan(ctx: &Ctx) -> CheckResult {
    let owner = owner(ctx)?;
    let resp = create_request(ctx, &owner.jar, UNKNOWN_PLAN_ID)?;
    expect::envelope_for(&resp, ErrorCode::NotFound).map(|_| ())
}

fn without_session(ctx: &Ctx) -> CheckResult {
    // A real plan, so that only the missing session is wrong.
    let resp = ctx.client.get("/plans")?;
    let plan_id = expect::json::<PlanList>(&resp, 200)?
        .plans
        .into_iter()
        .next()
        .map(|p| p.id)
        .ok_or_else(|| format!("{}: lists no plan to apply to", resp.what))?;
    let id = UNKNOWN_APPLICATION_ID;
    let key = ctx.applications.fresh_key();
    let requests = [
        Request::new(
            "POST",
            &format!("/plans/{}/applications", encode_segment(&plan_id)),
        ),
        Request::get("/applications"),
        Request::get(&application_path(id, "")),
        Request::new("PUT", &application_path(id, "/draft"))
            .json(&json!({ "base_version": 1, "draft": {} })),
        Request::new("POST", &application_path(id, "/submit")).header(IDEMPOTENCY_KEY_HEADER, &key),
        Request::new("POST", &application_path(id, "/resubmit"))
            .header(IDEMPOTENCY_KEY_HEADER, &key),
    ];
    for req in requests {
        let resp = ctx.client.send(req)?;
        expect::envelope_for(&resp, ErrorCode::Unauthenticated)?;
    }
    Ok(())
}

fn list(ctx: &Ctx) -> CheckResult {
    let owner = owner(ctx)?;
    let c = created(ctx)?;
    let resp = ctx
        .client
        .send(Request::get("/applications").cookies(&owner.jar))?;
    let listed: ApplicationList = expect::json(&resp, 200)?;
    let entry = listed
        .applications
        .iter()
        .find(|a| a.id == c.application.id)
        .ok_or_else(|| {
            format!(
                "{}: the account's application {:?} is not listed ({} listed)",
                resp.what,
                c.application.id,
                listed.applications.len()
            )
        })?;
    let one = current(ctx, &owner.jar, &c.application.id)?;
    expect::ensure(*entry == one, || {
        format!(
            "{}: the list's entry differs from GET /applications/{{id}}: {entry:?} vs {one:?}",
            resp.what
        )
    })
}

fn get_one(ctx: &Ctx) -> CheckResult {
    let owner = owner(ctx)?;
    let c = created(ctx)?;
    let got = current(ctx, &owner.jar, &c.application.id)?;
    expect::ensure(got == c.application, || {
        format!(
            "GET /applications/{}: answered {got:?}, expected the application as created {:?}",
            c.application.id, c.application
        )
    })?;
    let resp = ctx
        .client
        .send(Request::get(&application_path(UNKNOWN_APPLICATION_ID, "")).cookies(&owner.jar))?;
    expect::envelope_for(&resp, ErrorCode::NotFound).map(|_| ())
}

// ---------------------------------------------------------------- drafts

fn save_draft(ctx: &Ctx) -> CheckResult {
    let owner = owner(ctx)?;
    let id = &created(ctx)?.application.id;
    let before = current(ctx, &owner.jar, id)?;
    let draft = partial_draft(&owner.phone, today());
    let resp = save(ctx, &owner.jar, id, before.version, &draft)?;
    let saved: Application = expect::json(&resp, 200)?;
    expect::ensure(saved.version == before.version + 1, || {
        format!(
            "{}: version is {}, expected {} (the base version {} + 1)",
            resp.what,
            saved.version,
            before.version + 1,
            before.version
        )
    })?;
    same_draft(&resp, &saved.draft, &draft)?;
    expect::ensure(saved.status == before.status, || {
        format!(
            "{}: saving changed the status from {:?} to {:?}",
            resp.what, before.status, saved.status
        )
    })?;
    let after = current(ctx, &owner.jar, id)?;
    expect::ensure(after == saved, || {
        format!("GET after the save differs from the save's answer: {after:?} vs {saved:?}")
    })
}

fn stale_base_version(ctx: &Ctx) -> CheckResult {
    let owner = owner(ctx)?;
    let id = &created(ctx)?.application.id;
    let before = current(ctx, &owner.jar, id)?;
    let mut draft = before.draft.clone();
    draft.current_post = "一次过时的修改".into();
    let stale = before.version.saturating_sub(1);
    let resp = save(ctx, &owner.jar, id, stale, &draft)?;
    let env = expect::envelope_for(&resp, ErrorCode::Conflict)?;
    expect::fields_exactly(&resp, &env, &[("base_version", reason::STALE)])?;
    unchanged(ctx, &owner.jar, &before, "the stale save")
}

fn over_long_field(ctx: &Ctx) -> CheckResult {
    let owner = owner(ctx)?;
    let id = &created(ctx)?.application.id;
    let before = current(ctx, &owner.jar, id)?;
    let mut draft = before.draft.clone();
    draft.employer = "公".repeat(DRAFT_MAX_TEXT_CHARS + 1);
    let expected = check_draft_bounds(&draft);
    let resp = save(ctx, &owner.jar, id, before.version, &draft)?;
    let env = expect::envelope_for(&resp, ErrorCode::ValidationFailed)?;
    expect::field(&resp, &env, "employer", reason::TOO_LONG)?;
    expect::fields_are(&resp, &env, &expected)?;
    unchanged(ctx, &owner.jar, &before, "the refused save")
}

// ---------------------------------------------------------------- submit

fn submit_without_key(ctx: &Ctx) -> CheckResult {
    let owner = owner(ctx)?;
    let id = &created(ctx)?.application.id;
    let before = current(ctx, &owner.jar, id)?;
    let resp = submit(ctx, &owner.jar, id, None)?;
    let env = expect::envelope_for(&resp, ErrorCode::ValidationFailed)?;
    expect::field(
        &resp,
        &env,
        "idempotency_key",
        IdempotencyKeyError::Missing.code(),
    )?;
    unchanged(ctx, &owner.jar, &before, "the submission without a key")
}

fn submit_incomplete(ctx: &Ctx) -> CheckResult {
    let owner = owner(ctx)?;
    let c = created(ctx)?;
    let id = &c.application.id;
    let today = today();
    let mut before = current(ctx, &owner.jar, id)?;
    // Normally the draft check saved this already; otherwise save it here.
    let partial = partial_draft(&owner.phone, today);
    if before.draft != partial {
        let resp = save(ctx, &owner.jar, id, before.version, &partial)?;
        before = expect::json(&resp, 200)?;
    }
    let expected = validate_for_submit(&before.draft, &rules(&c.plan, today), &materials(&before));
    for (field, why) in [
        ("name", reason::REQUIRED),
        ("documents.portrait", reason::MISSING),
    ] {
        if expected.get(field).map(String::as_str) != Some(why) {
            return Err(format!(
                "the suite's incomplete application does not lack {field} by the contract \
                 ({expected:?}); documents: {:?}",
                materials(&before)
            ));
        }
    }
    let resp = submit(ctx, &owner.jar, id, Some(&ctx.applications.fresh_key()))?;
    let env = expect::envelope_for(&resp, ErrorCode::ValidationFailed)?;
    expect::field(&resp, &env, "name", reason::REQUIRED)?;
    expect::field(&resp, &env, "documents.portrait", reason::MISSING)?;
    expect::fields_are(&resp, &env, &expected)?;
    unchanged(ctx, &owner.jar, &before, "the refused submission")
}

fn other_account(ctx: &Ctx) -> CheckResult {
    let owner = owner(ctx)?;
    let id = &created(ctx)?.application.id;
    let other = other(ctx)?;
    let before = current(ctx, &owner.jar, id)?;
    let draft = complete_draft(&other.phone, today());
    let key = ctx.applications.fresh_key();
    let attempts = [
        Request::get(&application_path(id, "")),
        Request::new("PUT", &application_path(id, "/draft"))
            .json(&json!({ "base_version": before.version, "draft": draft })),
        Request::new("POST", &application_path(id, "/submit")).header(IDEMPOTENCY_KEY_HEADER, &key),
        Request::new("POST", &application_path(id, "/resubmit"))
            .header(IDEMPOTENCY_KEY_HEADER, &key),
    ];
    for req in attempts {
        let resp = ctx.client.send(req.cookies(&other.jar))?;
        expect::envelope_for(&resp, ErrorCode::NotFound)
            .map_err(|e| format!("another account: {e}"))?;
    }
    let resp = ctx
        .client
        .send(Request::get("/applications").cookies(&other.jar))?;
    let theirs: ApplicationList = expect::json(&resp, 200)?;
    expect::ensure(theirs.applications.iter().all(|a| a.id != *id), || {
        format!(
            "{}: another account's list holds the owner's application {id:?}",
            resp.what
        )
    })?;
    unchanged(ctx, &owner.jar, &before, "another account's attempts")
}

/// Completes the application (the complete draft, every material [`CONDITION`] requires)
/// and submits it with a fresh key.
fn submission(ctx: &Ctx) -> Result<&Submission, String> {
    ctx.applications
        .submission
        .get_or_init(|| {
            let owner = owner(ctx)?;
            let c = created(ctx)?;
            let id = &c.application.id;
            let today = today();
            let before = current(ctx, &owner.jar, id)?;
            if before.status != ApplicationStatus::Draft {
                return Err(format!(
                    "the application is {:?}; submitting needs a draft",
                    before.status
                ));
            }
            let draft = complete_draft(&owner.phone, today);
            let resp = save(ctx, &owner.jar, id, before.version, &draft)?;
            let saved: Application = expect::json(&resp, 200)?;
            same_draft(&resp, &saved.draft, &draft)?;
            for (i, material) in CONDITION.required_materials().iter().enumerate() {
                let bytes = documents::acceptable_file(*material, i);
                let resp = documents::upload(ctx, &owner.jar, id, *material, &bytes)?;
                let _: DocumentInfo = expect::json(&resp, 200)?;
            }
            let ready = current(ctx, &owner.jar, id)?;
            let problems =
                validate_for_submit(&ready.draft, &rules(&c.plan, today), &materials(&ready));
            if !problems.is_empty() {
                return Err(format!(
                    "the suite's complete application breaks the contract's rules today: {problems:?}"
                ));
            }

            let key = ctx.applications.fresh_key();
            let resp = submit(ctx, &owner.jar, id, Some(&key))?;
            let app: Application = expect::json(&resp, 200)?;
            let answer: Value = serde_json::from_str(&resp.body)
                .map_err(|e| format!("{}: body is not JSON: {e}", resp.what))?;
            let mut problems = Vec::new();
            if app.id != ready.id {
                problems.push(format!("id is {:?}, expected {:?}", app.id, ready.id));
            }
            if app.status != ApplicationStatus::UnderReview {
                problems.push(format!("status is {:?}, expected under_review", app.status));
            }
            if app.version <= ready.version {
                problems.push(format!(
                    "version is {}, expected more than {} (a submission is a change)",
                    app.version, ready.version
                ));
            }
            if app.draft != ready.draft {
                problems.push("the draft changed".to_owned());
            }
            if materials(&app) != materials(&ready) {
                problems.push(format!(
                    "documents are {:?}, expected {:?}",
                    materials(&app),
                    materials(&ready)
                ));
            }
            if entered(&app, ApplicationStatus::Draft) != 1 {
                problems.push(format!("events {:?} lack the draft event", app.events));
            }
            match app.events.last() {
                Some(e) if e.status == ApplicationStatus::UnderReview => {
                    accounts::recent_at(&resp.what, "the under_review event's at", e.at)?;
                    let due = expected_decision_by(e.at);
                    if app.expected_decision_by != Some(due) {
                        problems.push(format!(
                            "expected_decision_by is {:?}, expected {} (2 working days after {})",
                            app.expected_decision_by.map(|t| t.to_rfc3339()),
                            due.to_rfc3339(),
                            e.at.to_rfc3339()
                        ));
                    }
                }
                _ => problems.push(format!(
                    "events {:?} do not end with an under_review event",
                    app.events
                )),
            }
            if problems.is_empty() {
                Ok(Submission {
                    key,
                    answer,
                    application: app,
                })
            } else {
                Err(format!("{}: {}", resp.what, problems.join("; ")))
            }
        })
        .as_ref()
        .map_err(|e| format!("submitting the complete application failed: {e}"))
}

/// The owner's submitted application, as its submission answered (submitted by the first
/// check that asks); the review and payments areas follow it on from `under_review`.
pub fn submitted(ctx: &Ctx) -> Result<&Application, String> {
    submission(ctx).map(|s| &s.application)
}

fn submit_complete(ctx: &Ctx) -> CheckResult {
    let owner = owner(ctx)?;
    let s = submission(ctx)?;
    let now = current(ctx, &owner.jar, &s.application.id)?;
    expect::ensure(now == s.application, || {
        format!(
            "GET after the submission differs from its answer: {now:?} vs {:?}",
            s.application
        )
    })
}

/// A repeat with the submission's key answers the first answer.
fn replays_first_answer(ctx: &Ctx, jar: &Jar, s: &Submission) -> CheckResult {
    let resp = submit(ctx, jar, &s.application.id, Some(&s.key))?;
    expect::status(&resp, 200)?;
    expect::api_headers(&resp)?;
    let answer: Value = serde_json::from_str(&resp.body)
        .map_err(|e| format!("{}: body is not JSON: {e}", resp.what))?;
    expect::ensure(answer == s.answer, || {
        format!(
            "{}: the same Idempotency-Key must answer the first answer again; got {}, first {}",
            resp.what,
            expect::excerpt(&resp.body),
            expect::excerpt(&s.answer.to_string())
        )
    })
}

fn submit_same_key(ctx: &Ctx) -> CheckResult {
    let owner = owner(ctx)?;
    let s = submission(ctx)?;
    replays_first_answer(ctx, &owner.jar, s)?;
    let now = current(ctx, &owner.jar, &s.application.id)?;
    expect::ensure(entered(&now, ApplicationStatus::UnderReview) == 1, || {
        format!(
            "after the repeat the application entered under_review {} times: {:?}",
            entered(&now, ApplicationStatus::UnderReview),
            now.events
        )
    })
}

fn submit_new_key(ctx: &Ctx) -> CheckResult {
    let owner = owner(ctx)?;
    let s = submission(ctx)?;
    let before = current(ctx, &owner.jar, &s.application.id)?;
    let resp = submit(
        ctx,
        &owner.jar,
        &s.application.id,
        Some(&ctx.applications.fresh_key()),
    )?;
    expect::envelope_for(&resp, ErrorCode::InvalidTransition)?;
    unchanged(ctx, &owner.jar, &before, "the second submission")
}

fn edit_under_review(ctx: &Ctx) -> CheckResult {
    let owner = owner(ctx)?;
    let s = submission(ctx)?;
    let id = &s.application.id;
    let before = current(ctx, &owner.jar, id)?;
    expect::ensure(before.status == ApplicationStatus::UnderReview, || {
        format!(
            "the application is {:?}, expected under_review",
            before.status
        )
    })?;
    let mut draft = before.draft.clone();
    draft.current_post = "直播运营".into();
    let resp = save(ctx, &owner.jar, id, before.version, &draft)?;
    let saved: Application = expect::json(&resp, 200)?;
    same_draft(&resp, &saved.draft, &draft)?;
    let mut problems = Vec::new();
    if saved.status != ApplicationStatus::UnderReview {
        problems.push(format!(
            "status is {:?}, expected under_review",
            saved.status
        ));
    }
    if saved.version != before.version + 1 {
        problems.push(format!(
            "version is {}, expected {}",
            saved.version,
            before.version + 1
        ));
    }
    if saved.expected_decision_by != s.application.expected_decision_by {
        problems.push(format!(
            "expected_decision_by moved from {:?} to {:?}",
            s.application.expected_decision_by, saved.expected_decision_by
        ));
    }
    expect::ensure(problems.is_empty(), || {
        format!("{}: {}", resp.what, problems.join("; "))
    })?;
    // Still the first answer, not the application as it is now.
    replays_first_answer(ctx, &owner.jar, s)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use baoming_contract::api::check_idempotency_key;
    use baoming_contract::application::{check_draft_bounds, work_summary};
    use baoming_contract::id_card::Gender;

    use super::*;

    fn ctx_on(today: Date) -> Context {
        Context {
            occupation: OCCUPATION,
            today,
        }
    }

    fn dates() -> Vec<Date> {
        [
            (2026, 11, 28),
            (2026, 1, 1),
            (2028, 2, 29),
            (2027, 12, 31),
            (2030, 7, 15),
        ]
        .into_iter()
        .map(|(y, m, d)| Date::new(y, m, d).unwrap())
        .collect()
    }

    #[test]
    fn the_complete_draft_passes_validate_for_submit_with_every_required_upload() {
        for today in dates() {
            let draft = complete_draft("13912345678", today);
            let ctx = ctx_on(today);
            assert_eq!(
                validate_for_submit(&draft, &ctx, CONDITION.required_materials()),
                Default::default(),
                "{today}"
            );
            assert!(work_summary(&draft, &ctx).unwrap().satisfied(), "{today}");
            assert!(check_draft_bounds(&draft).is_empty());
            // Without its uploads, each required material is reported missing.
            let missing = validate_for_submit(&draft, &ctx, &[]);
            assert_eq!(missing.len(), CONDITION.required_materials().len());
            assert_eq!(
                missing.get("documents.portrait").map(String::as_str),
                Some(reason::MISSING)
            );
        }
        // The fixed example: two years back, to now.
        let today = Date::new(2026, 11, 28).unwrap();
        let draft = complete_draft("13912345678", today);
        assert_eq!(draft.history[0].start, "2024-11");
        assert_eq!(draft.history[0].end, "");
        assert_eq!(draft.history[0].occupation, "电子商务师");
        assert_eq!(draft.gender, Some(Gender::Female));
        assert_eq!(draft.certificate, None);
        assert_eq!(draft.phone, "13912345678");
    }

    #[test]
    fn the_partial_draft_is_refused_for_its_name_and_documents() {
        for today in dates() {
            let draft = partial_draft("13912345678", today);
            let errors = validate_for_submit(&draft, &ctx_on(today), &[]);
            assert_eq!(errors.get("name").map(String::as_str), Some("required"));
            assert_eq!(
                errors.get("education").map(String::as_str),
                Some("required")
            );
            assert_eq!(
                errors.get("documents.portrait").map(String::as_str),
                Some("missing")
            );
            assert!(check_draft_bounds(&draft).is_empty());
            // It round-trips through JSON as the API carries it.
            let wire = serde_json::to_string(&draft).unwrap();
            assert_eq!(serde_json::from_str::<Draft>(&wire).unwrap(), draft);
        }
    }

    #[test]
    fn an_over_long_employer_is_outside_the_draft_bounds() {
        let mut draft = partial_draft("13912345678", dates()[0]);
        draft.employer = "公".repeat(DRAFT_MAX_TEXT_CHARS + 1);
        let errors = check_draft_bounds(&draft);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors["employer"], reason::TOO_LONG);
    }

    #[test]
    fn idempotency_keys_are_valid_and_distinct() {
        let shared = Shared::new();
        let keys: HashSet<String> = (0..100).map(|_| shared.fresh_key()).collect();
        assert_eq!(keys.len(), 100);
        for key in &keys {
            assert_eq!(check_idempotency_key(Some(key)), Ok(key.as_str()));
        }
        assert_eq!(idempotency_key(0xab, 3), "conformance-00000000000000ab-3");
    }

    #[test]
    fn paths_encode_the_id() {
        assert_eq!(application_path("abc_1", ""), "/applications/abc_1");
        assert_eq!(
            application_path("a/b", "/draft"),
            "/applications/a%2Fb/draft"
        );
    }

    #[test]
    fn only_the_session_less_check_runs_without_development_mode() {
        let always: Vec<String> = checks()
            .into_iter()
            .filter(|c| !c.needs_dev)
            .map(|c| c.name)
            .collect();
        assert_eq!(
            always,
            [
                "applications: without a session every applications endpoint answers 401 unauthenticated"
            ]
        );
    }
}
