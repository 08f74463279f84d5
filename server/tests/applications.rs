//! Applications and documents in-process: creating one per plan, drafts with versions,
//! submitting with an idempotency key (also concurrently), uploads checked by content,
//! content-addressed files, and 404 for every endpoint on another candidate's application.
//! A fixed clock on a Friday makes the review deadline skip a weekend; accounts are
//! registered through the API with codes from the development outbox.

mod common;

use baoming_contract::api::{Application, ApplicationList, DocumentInfo, Draft, PlanList};
use baoming_contract::application::{DRAFT_MAX_BYTES, DRAFT_MAX_HISTORY_ROWS};
use baoming_contract::eligibility::{Condition, Material};
use baoming_contract::photo::DOCUMENT_MAX_BYTES;
use baoming_contract::plan::{Level, Plan};
use baoming_contract::status::ApplicationStatus;
use baoming_contract::time::Timestamp;
use baoming_server::store::plans::{self, StoredPlan};
use common::journey::{
    Call, PASSWORD, application, at, complete_draft, dev_app, jpeg, register, session_cookie, t0,
};
use common::{Reply, TestApp, send};
use serde_json::{Value, json};

const PHONE_A: &str = "13800138000";
const PHONE_B: &str = "13900139000";

async fn login(app: &TestApp, phone: &str) -> String {
    let reply = Call::new("POST", "/api/v1/sessions")
        .json(&json!({"phone": phone, "password": PASSWORD}))
        .send(app)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    session_cookie(&reply)
}

/// The seeded plans: (电子商务师, 互联网营销师).
async fn plans(app: &TestApp) -> (Plan, Plan) {
    let list: PlanList = serde_json::from_slice(&app.get("/api/v1/plans").await.body).unwrap();
    let mut plans = list.plans.into_iter();
    (plans.next().unwrap(), plans.next().unwrap())
}

async fn create(app: &TestApp, cookie: &str, plan_id: &str) -> Reply {
    Call::new("POST", format!("/api/v1/plans/{plan_id}/applications"))
        .cookie(cookie)
        .send(app)
        .await
}

/// A new application on the 电子商务师 plan.
async fn new_application(app: &TestApp, cookie: &str) -> Application {
    let (plan, _) = plans(app).await;
    let reply = create(app, cookie, &plan.id).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    application(&reply)
}

async fn get_app(app: &TestApp, cookie: &str, id: &str) -> Reply {
    Call::new("GET", format!("/api/v1/applications/{id}"))
        .cookie(cookie)
        .send(app)
        .await
}

async fn save(app: &TestApp, cookie: &str, id: &str, base_version: u64, draft: &Draft) -> Reply {
    Call::new("PUT", format!("/api/v1/applications/{id}/draft"))
        .cookie(cookie)
        .json(&json!({"base_version": base_version, "draft": draft}))
        .send(app)
        .await
}

async fn submit(app: &TestApp, cookie: &str, id: &str, key: &str) -> Reply {
    Call::new("POST", format!("/api/v1/applications/{id}/submit"))
        .cookie(cookie)
        .key(key)
        .send(app)
        .await
}

fn doc_uri(id: &str, slot: &str) -> String {
    format!("/api/v1/applications/{id}/documents/{slot}")
}

async fn upload(app: &TestApp, cookie: &str, id: &str, slot: &str, bytes: Vec<u8>) -> Reply {
    Call::new("PUT", doc_uri(id, slot))
        .cookie(cookie)
        .bytes(bytes, "application/octet-stream")
        .send(app)
        .await
}

/// A PNG of exactly `len` bytes with a real structure (signature, IHDR, IDAT, IEND).
fn png(len: usize) -> Vec<u8> {
    baoming_contract::photo_check::sample::png(295, 413, len, 7)
}

/// A 50 KB portrait inside the 40–80 KB window.
fn portrait() -> Vec<u8> {
    jpeg(50 * 1024, 0x55)
}

/// Saves [`complete_draft`] and uploads every material condition 1 requires; returns the
/// application as it then is.
async fn ready_to_submit(app: &TestApp, cookie: &str, phone: &str) -> Application {
    let created = new_application(app, cookie).await;
    let reply = save(
        app,
        cookie,
        &created.id,
        created.version,
        &complete_draft(phone),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    for (i, m) in Condition::Level3PlusFiveYears
        .required_materials()
        .iter()
        .enumerate()
    {
        let bytes = if *m == Material::Portrait {
            portrait()
        } else {
            jpeg(2048, i as u8)
        };
        let reply = upload(app, cookie, &created.id, m.slug(), bytes).await;
        assert_eq!(reply.status, 200, "{m:?}: {}", reply.text());
    }
    application(&get_app(app, cookie, &created.id).await)
}

fn count(app: &TestApp, sql: &str) -> i64 {
    app.state
        .db
        .blocking(|c| c.query_row(sql, [], |r| r.get(0)).expect("query"))
}

fn set_status(app: &TestApp, id: &str, status: &str) {
    app.state.db.blocking(|c| {
        c.execute(
            "UPDATE applications SET status = ?2 WHERE id = ?1",
            [id, status],
        )
        .expect("update")
    });
}

fn field(reply: &Reply, name: &str) -> Value {
    reply.json()["error"]["fields"][name].clone()
}

/// The names in `files/` under the data directory.
fn stored_files(app: &TestApp) -> Vec<String> {
    let dir = app.state.config.data_dir.join("files");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .map(|e| e.expect("entry").file_name().into_string().expect("UTF-8"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

// ---------------------------------------------------------------- create, list, get

#[tokio::test]
async fn create_is_201_then_200_with_the_same_application() {
    let (app, clock) = dev_app();
    let cookie = register(&app, PHONE_A).await;
    let (plan, other_plan) = plans(&app).await;

    let reply = create(&app, &cookie, &plan.id).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let created = application(&reply);
    assert_eq!(created.plan_id, plan.id);
    assert_eq!(created.status, ApplicationStatus::Draft);
    assert_eq!(created.version, 1);
    assert_eq!(
        created.draft,
        Draft {
            phone: PHONE_A.into(),
            ..Draft::default()
        },
        "the phone is prefilled from the account"
    );
    assert!(created.documents.is_empty());
    assert_eq!(created.events.len(), 1);
    assert_eq!(created.events[0].status, ApplicationStatus::Draft);
    assert_eq!(created.events[0].at, t0());
    assert_eq!(created.updated_at, t0());
    assert_eq!(created.expected_decision_by, None);
    assert!(created.review_reasons.is_empty());
    assert!(
        created.id.len() >= 22
            && created
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "random and URL-safe: {}",
        created.id
    );

    // 报名 again: the same application, not a second one.
    clock.advance(60);
    let again = create(&app, &cookie, &plan.id).await;
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(application(&again), created);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM applications"), 1);

    // Another plan is another application; the list is newest first.
    clock.advance(60);
    let second = create(&app, &cookie, &other_plan.id).await;
    assert_eq!(second.status, 201, "{}", second.text());
    let second = application(&second);
    assert_ne!(second.id, created.id);
    let reply = Call::new("GET", "/api/v1/applications")
        .cookie(&cookie)
        .send(&app)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let list: ApplicationList = serde_json::from_slice(&reply.body).unwrap();
    let ids: Vec<&str> = list.applications.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, [second.id.as_str(), created.id.as_str()]);

    let reply = get_app(&app, &cookie, &created.id).await;
    assert_eq!(reply.status, 200);
    assert_eq!(application(&reply), created);
    assert_eq!(reply.header("cache-control"), Some("no-store"));

    create(&app, &cookie, "no-such-plan")
        .await
        .assert_envelope(404, "not_found");
    get_app(&app, &cookie, "no-such-application")
        .await
        .assert_envelope(404, "not_found");
    // Without a session nothing is answered.
    Call::new("POST", format!("/api/v1/plans/{}/applications", plan.id))
        .send(&app)
        .await
        .assert_envelope(401, "unauthenticated");
    Call::new("GET", "/api/v1/applications")
        .send(&app)
        .await
        .assert_envelope(401, "unauthenticated");
}

#[tokio::test]
async fn a_plan_outside_its_window_refuses_new_applications_but_shows_existing_ones() {
    let (app, clock) = dev_app();
    let cookie = register(&app, PHONE_A).await;
    let (plan, other_plan) = plans(&app).await;
    let created = new_application(&app, &cookie).await;

    // An upcoming plan cannot be applied to yet.
    app.state.db.blocking(|c| {
        plans::insert(
            c,
            &StoredPlan {
                id: "upcoming".into(),
                name: "2027年第1期电子商务师(网商)二级职业技能等级认定".into(),
                occupation: plan.occupation,
                level: Level::Level2,
                opens_at: at("2027-01-01T00:00:00+08:00"),
                closes_at: at("2027-03-01T00:00:00+08:00"),
                corrections_close_at: at("2027-03-08T00:00:00+08:00"),
                fee_fen: 30_000,
            },
            t0(),
        )
        .expect("insert plan")
    });
    create(&app, &cookie, "upcoming")
        .await
        .assert_envelope(409, "plan_not_open");

    // Past the window (the session has idled out by then: log in again).
    clock.set(Timestamp(plan.closes_at.0 + 86_400));
    let cookie = login(&app, PHONE_A).await;
    create(&app, &cookie, &other_plan.id)
        .await
        .assert_envelope(409, "plan_not_open");
    let reply = create(&app, &cookie, &plan.id).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(application(&reply).id, created.id);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM applications"), 1);
}

// ---------------------------------------------------------------- another candidate

#[tokio::test]
async fn another_candidate_gets_404_from_every_endpoint() {
    let (app, _clock) = dev_app();
    let owner = register(&app, PHONE_A).await;
    let stranger = register(&app, PHONE_B).await;
    let created = new_application(&app, &owner).await;
    let id = created.id.as_str();
    let reply = upload(&app, &owner, id, "id_card_front", jpeg(1000, 1)).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let before = application(&get_app(&app, &owner, id).await);

    let draft = complete_draft(PHONE_B);
    let attempts = [
        Call::new("GET", format!("/api/v1/applications/{id}")),
        Call::new("PUT", format!("/api/v1/applications/{id}/draft"))
            .json(&json!({"base_version": before.version, "draft": draft})),
        Call::new("POST", format!("/api/v1/applications/{id}/submit")).key("k-stranger"),
        Call::new("POST", format!("/api/v1/applications/{id}/resubmit")).key("k-stranger"),
        Call::new("PUT", doc_uri(id, "id_card_front")).bytes(jpeg(1000, 2), "image/jpeg"),
        Call::new("PUT", doc_uri(id, "portrait")).bytes(portrait(), "image/jpeg"),
        Call::new("GET", doc_uri(id, "id_card_front")),
        Call::new("GET", doc_uri(id, "id_card_back")),
        Call::new("DELETE", doc_uri(id, "id_card_front")),
    ];
    for call in attempts {
        let what = format!("{} {}", call.method, call.uri);
        let reply = call.cookie(&stranger).send(&app).await;
        assert_eq!(reply.status, 404, "{what}: {}", reply.text());
        reply.assert_envelope(404, "not_found");
    }
    // The stranger's list is empty; the owner's application is untouched.
    let reply = Call::new("GET", "/api/v1/applications")
        .cookie(&stranger)
        .send(&app)
        .await;
    let list: ApplicationList = serde_json::from_slice(&reply.body).unwrap();
    assert!(list.applications.is_empty());
    assert_eq!(application(&get_app(&app, &owner, id).await), before);
    let file = Call::new("GET", doc_uri(id, "id_card_front"))
        .cookie(&owner)
        .send(&app)
        .await;
    assert_eq!(file.status, 200);
    assert_eq!(file.body.as_ref(), jpeg(1000, 1).as_slice());
}

// ---------------------------------------------------------------- drafts

#[tokio::test]
async fn drafts_save_with_versions_and_refuse_stale_or_oversized_ones() {
    let (app, clock) = dev_app();
    let cookie = register(&app, PHONE_A).await;
    let created = new_application(&app, &cookie).await;
    let id = created.id.as_str();

    // Incomplete is fine while drafting.
    clock.advance(30);
    let partial = Draft {
        name: "张三".into(),
        ..Draft::default()
    };
    let reply = save(&app, &cookie, id, 1, &partial).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let saved = application(&reply);
    assert_eq!(saved.version, 2);
    assert_eq!(saved.draft, partial);
    assert_eq!(saved.updated_at, Timestamp(t0().0 + 30));
    assert_eq!(saved.status, ApplicationStatus::Draft);
    assert_eq!(saved.events.len(), 1, "saving is not a status change");
    assert_eq!(application(&get_app(&app, &cookie, id).await), saved);

    // An edit that started from version 1 is stale now.
    let reply = save(&app, &cookie, id, 1, &complete_draft(PHONE_A)).await;
    reply.assert_envelope(409, "conflict");
    assert_eq!(field(&reply, "base_version"), "stale");
    assert!(
        reply.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("stale")
    );
    let reply = save(&app, &cookie, id, 2, &complete_draft(PHONE_A)).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(application(&reply).version, 3);

    // Bounds: rows, text length, body size.
    let mut long = complete_draft(PHONE_A);
    long.history = vec![long.history[0].clone(); DRAFT_MAX_HISTORY_ROWS + 1];
    long.employer = "公".repeat(201);
    long.history[2].witness = "x".repeat(201);
    let reply = save(&app, &cookie, id, 3, &long).await;
    reply.assert_envelope(422, "validation_failed");
    assert_eq!(field(&reply, "history"), "too_many");
    assert_eq!(field(&reply, "employer"), "too_long");
    assert_eq!(field(&reply, "history.2.witness"), "too_long");

    let huge = json!({"base_version": 3, "draft": {"name": "x".repeat(DRAFT_MAX_BYTES)}});
    let reply = Call::new("PUT", format!("/api/v1/applications/{id}/draft"))
        .cookie(&cookie)
        .json(&huge)
        .send(&app)
        .await;
    reply.assert_envelope(422, "validation_failed");
    assert_eq!(field(&reply, "draft"), "too_large");

    let reply = Call::new("PUT", format!("/api/v1/applications/{id}/draft"))
        .cookie(&cookie)
        .json(&json!({"draft": {}}))
        .send(&app)
        .await;
    reply.assert_envelope(422, "validation_failed");
    assert_eq!(application(&get_app(&app, &cookie, id).await).version, 3);
}

// ---------------------------------------------------------------- submit

#[tokio::test]
async fn submit_validates_then_moves_to_under_review_exactly_once() {
    let (app, clock) = dev_app();
    let cookie = register(&app, PHONE_A).await;
    let created = new_application(&app, &cookie).await;
    let id = created.id.as_str();

    let reply = Call::new("POST", format!("/api/v1/applications/{id}/submit"))
        .cookie(&cookie)
        .send(&app)
        .await;
    reply.assert_envelope(422, "validation_failed");
    assert_eq!(field(&reply, "idempotency_key"), "required");

    // The empty draft: the wizard's rules name every missing field.
    let reply = submit(&app, &cookie, id, "key-1").await;
    reply.assert_envelope(422, "validation_failed");
    for name in [
        "name",
        "gender",
        "id_number",
        "education",
        "identity",
        "condition",
    ] {
        assert_eq!(field(&reply, name), "required", "{name}: {}", reply.text());
    }
    assert!(
        field(&reply, "phone").is_null(),
        "prefilled: {}",
        reply.text()
    );

    // A complete draft still lacks its documents.
    let reply = save(&app, &cookie, id, 1, &complete_draft(PHONE_A)).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let reply = submit(&app, &cookie, id, "key-1").await;
    reply.assert_envelope(422, "validation_failed");
    let fields = reply.json()["error"]["fields"].clone();
    let expected: serde_json::Map<String, Value> = Condition::Level3PlusFiveYears
        .required_materials()
        .iter()
        .map(|m| (format!("documents.{}", m.slug()), json!("missing")))
        .collect();
    assert_eq!(fields, Value::Object(expected));
    assert_eq!(
        application(&get_app(&app, &cookie, id).await).status,
        ApplicationStatus::Draft
    );

    for (i, m) in Condition::Level3PlusFiveYears
        .required_materials()
        .iter()
        .enumerate()
    {
        let bytes = if *m == Material::Portrait {
            portrait()
        } else {
            jpeg(2048, i as u8)
        };
        let reply = upload(&app, &cookie, id, m.slug(), bytes).await;
        assert_eq!(reply.status, 200, "{m:?}: {}", reply.text());
    }
    let before = application(&get_app(&app, &cookie, id).await);

    // Failures are not remembered, so the same key goes through once the draft is fixed.
    clock.advance(120);
    let submitted_at = clock.now();
    let reply = submit(&app, &cookie, id, "key-1").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.header("idempotent-replayed"), None);
    let first_answer = reply.body.clone();
    let submitted = application(&reply);
    assert_eq!(submitted.status, ApplicationStatus::UnderReview);
    assert_eq!(submitted.version, before.version + 1);
    assert_eq!(submitted.updated_at, submitted_at);
    assert_eq!(
        submitted
            .events
            .iter()
            .map(|e| (e.status, e.at))
            .collect::<Vec<_>>(),
        [
            (ApplicationStatus::Draft, t0()),
            (ApplicationStatus::UnderReview, submitted_at)
        ]
    );
    // Friday 10:02 + 2 working days skips the weekend: Tuesday 10:02.
    assert_eq!(
        submitted.expected_decision_by,
        Some(at("2026-12-01T10:02:00+08:00"))
    );
    assert_eq!(application(&get_app(&app, &cookie, id).await), submitted);

    // A repeat (a double click, a retry) answers the first answer and changes nothing.
    clock.advance(5);
    let repeat = submit(&app, &cookie, id, "key-1").await;
    assert_eq!(repeat.status, 200);
    assert_eq!(repeat.body, first_answer, "byte for byte the first answer");
    assert_eq!(repeat.header("idempotent-replayed"), Some("true"));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM application_events WHERE status = 'under_review'"
        ),
        1
    );

    // A new key is a new request, and under_review cannot be submitted again.
    submit(&app, &cookie, id, "key-2")
        .await
        .assert_envelope(409, "invalid_transition");
    Call::new("POST", format!("/api/v1/applications/{id}/resubmit"))
        .cookie(&cookie)
        .key("key-3")
        .send(&app)
        .await
        .assert_envelope(409, "invalid_transition");

    // The seed lets candidates edit while 审核中.
    let mut edited = complete_draft(PHONE_A);
    edited.current_post = "直播运营".into();
    let reply = save(&app, &cookie, id, submitted.version, &edited).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let after_edit = application(&reply);
    assert_eq!(after_edit.status, ApplicationStatus::UnderReview);
    assert_eq!(after_edit.draft.current_post, "直播运营");
    assert_eq!(
        after_edit.expected_decision_by,
        submitted.expected_decision_by
    );
    let reply = upload(&app, &cookie, id, "id_card_back", png(4096)).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    // The replay still answers what the submission answered.
    let repeat = submit(&app, &cookie, id, "key-1").await;
    assert_eq!(repeat.body, first_answer);
    assert_ne!(
        application(&get_app(&app, &cookie, id).await).version,
        submitted.version
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_submits_with_one_key_make_one_submission() {
    let (app, _clock) = dev_app();
    let cookie = register(&app, PHONE_A).await;
    let ready = ready_to_submit(&app, &cookie, PHONE_A).await;

    let fire = |key: &'static str| {
        let router = app.app.clone();
        let request = Call::new("POST", format!("/api/v1/applications/{}/submit", ready.id))
            .cookie(&cookie)
            .key(key)
            .request();
        tokio::spawn(async move { send(&router, request).await })
    };
    let (a, b) = (fire("same-key"), fire("same-key"));
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(b.status, 200, "{}", b.text());
    assert_eq!(a.body, b.body, "both get the one answer");
    assert_eq!(application(&a).status, ApplicationStatus::UnderReview);
    let replays = [&a, &b]
        .iter()
        .filter(|r| r.header("idempotent-replayed").is_some())
        .count();
    assert_eq!(replays, 1);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM application_events WHERE status = 'under_review'"
        ),
        1
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM idempotency"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_submits_with_different_keys_let_one_through() {
    let (app, _clock) = dev_app();
    let cookie = register(&app, PHONE_A).await;
    let ready = ready_to_submit(&app, &cookie, PHONE_A).await;
    let fire = |key: &'static str| {
        let router = app.app.clone();
        let request = Call::new("POST", format!("/api/v1/applications/{}/submit", ready.id))
            .cookie(&cookie)
            .key(key)
            .request();
        tokio::spawn(async move { send(&router, request).await })
    };
    let (a, b) = (fire("key-a"), fire("key-b"));
    let mut statuses = [
        a.await.unwrap().status.as_u16(),
        b.await.unwrap().status.as_u16(),
    ];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM application_events WHERE status = 'under_review'"
        ),
        1
    );
}

#[tokio::test]
async fn registration_closes_and_corrections_have_their_own_deadline() {
    let (app, clock) = dev_app();
    let (plan, _) = plans(&app).await;
    assert!(plan.closes_at < plan.corrections_close_at);
    // A: a complete draft, not yet sent when registration closes.
    let a = register(&app, PHONE_A).await;
    let late = ready_to_submit(&app, &a, PHONE_A).await;
    // B: sent in time, then rejected.
    let b = register(&app, PHONE_B).await;
    let rejected = ready_to_submit(&app, &b, PHONE_B).await;
    let reply = submit(&app, &b, &rejected.id, "in-time").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    set_status(&app, &rejected.id, "rejected");
    let resubmit = |cookie: &str, key: &str| {
        Call::new(
            "POST",
            format!("/api/v1/applications/{}/resubmit", rejected.id),
        )
        .cookie(cookie)
        .key(key)
    };

    // Registration has closed (log in again: the sessions idled out meanwhile).
    clock.set(plan.closes_at);
    let a = login(&app, PHONE_A).await;
    let reply = submit(&app, &a, &late.id, "too-late").await;
    reply.assert_envelope(409, "plan_not_open");
    assert!(
        reply.text().contains(&plan.closes_at.to_rfc3339()),
        "{}",
        reply.text()
    );
    assert_eq!(
        application(&get_app(&app, &a, &late.id).await).status,
        ApplicationStatus::Draft
    );
    // A rejected application may still be corrected and sent again until the deadline …
    let b = login(&app, PHONE_B).await;
    let reply = resubmit(&b, "corrected").send(&app).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    // … and not from then on.
    set_status(&app, &rejected.id, "rejected");
    clock.set(plan.corrections_close_at);
    let b = login(&app, PHONE_B).await;
    let reply = resubmit(&b, "too-late").send(&app).await;
    reply.assert_envelope(409, "plan_not_open");
    assert!(
        reply
            .text()
            .contains(&plan.corrections_close_at.to_rfc3339()),
        "{}",
        reply.text()
    );
}

#[tokio::test]
async fn a_rejected_application_is_resubmitted_and_approved_ones_are_frozen() {
    let (app, clock) = dev_app();
    let cookie = register(&app, PHONE_A).await;
    let ready = ready_to_submit(&app, &cookie, PHONE_A).await;
    let id = ready.id.as_str();
    let reply = submit(&app, &cookie, id, "first").await;
    assert_eq!(reply.status, 200, "{}", reply.text());

    // No reviewer API yet: reject in the database.
    set_status(&app, id, "rejected");
    let resubmit = |key: &'static str| {
        Call::new("POST", format!("/api/v1/applications/{id}/resubmit"))
            .cookie(&cookie)
            .key(key)
    };
    // Rejected may be edited; a draft that now breaks a rule cannot be resubmitted.
    let current = application(&get_app(&app, &cookie, id).await);
    assert_eq!(
        current.expected_decision_by, None,
        "only while under review"
    );
    let mut broken = complete_draft(PHONE_A);
    broken.id_number = "110105194912310021".into();
    let reply = save(&app, &cookie, id, current.version, &broken).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let reply = resubmit("again").send(&app).await;
    reply.assert_envelope(422, "validation_failed");
    assert_eq!(field(&reply, "id_number"), "id_invalid_check_digit");
    let version = application(&get_app(&app, &cookie, id).await).version;
    let reply = save(&app, &cookie, id, version, &complete_draft(PHONE_A)).await;
    assert_eq!(reply.status, 200, "{}", reply.text());

    // Monday: due on Wednesday. The key that failed before may be used again.
    clock.set(at("2026-11-30T09:00:00+08:00"));
    let reply = resubmit("again").send(&app).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let back = application(&reply);
    assert_eq!(back.status, ApplicationStatus::UnderReview);
    assert_eq!(
        back.expected_decision_by,
        Some(at("2026-12-02T09:00:00+08:00"))
    );
    let statuses: Vec<_> = back.events.iter().map(|e| e.status).collect();
    assert_eq!(
        statuses,
        [
            ApplicationStatus::Draft,
            ApplicationStatus::UnderReview,
            ApplicationStatus::UnderReview
        ]
    );

    // After approval the materials are final.
    set_status(&app, id, "awaiting_payment");
    let version = application(&get_app(&app, &cookie, id).await).version;
    save(&app, &cookie, id, version, &complete_draft(PHONE_A))
        .await
        .assert_envelope(409, "invalid_transition");
    upload(&app, &cookie, id, "id_card_front", jpeg(500, 9))
        .await
        .assert_envelope(409, "invalid_transition");
    Call::new("DELETE", doc_uri(id, "id_card_front"))
        .cookie(&cookie)
        .send(&app)
        .await
        .assert_envelope(409, "invalid_transition");
    submit(&app, &cookie, id, "late")
        .await
        .assert_envelope(409, "invalid_transition");
    let file = Call::new("GET", doc_uri(id, "id_card_front"))
        .cookie(&cookie)
        .send(&app)
        .await;
    assert_eq!(file.status, 200, "still readable");
}

// ---------------------------------------------------------------- documents

#[tokio::test]
async fn uploads_are_checked_by_their_bytes() {
    let (app, clock) = dev_app();
    let cookie = register(&app, PHONE_A).await;
    let created = new_application(&app, &cookie).await;
    let id = created.id.as_str();

    // PNG is accepted for documents, whatever the request claims.
    clock.advance(10);
    let bytes = png(3000);
    let reply = Call::new("PUT", doc_uri(id, "id_card_front"))
        .cookie(&cookie)
        .bytes(bytes.clone(), "image/gif")
        .send(&app)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let info: DocumentInfo = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(info.material, Material::IdCardFront);
    assert_eq!(info.content_type, "image/png");
    assert_eq!(info.size_bytes, 3000);
    assert_eq!(info.sha256.len(), 64);
    assert_eq!(info.uploaded_at, Timestamp(t0().0 + 10));
    let now = application(&get_app(&app, &cookie, id).await);
    assert_eq!(now.version, 2, "an upload is a change");
    assert_eq!(now.documents, std::slice::from_ref(&info));

    let file = Call::new("GET", doc_uri(id, "id_card_front"))
        .cookie(&cookie)
        .send(&app)
        .await;
    assert_eq!(file.status, 200);
    assert_eq!(file.body.as_ref(), bytes.as_slice());
    assert_eq!(file.header("content-type"), Some("image/png"));
    assert_eq!(file.header("cache-control"), Some("private, no-store"));
    assert_eq!(file.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(file.header("content-disposition"), Some("inline"));

    // Anything else is refused by its bytes, not its name or header.
    let gif = b"GIF89a\x01\x00\x01\x00".to_vec();
    let reply = Call::new("PUT", doc_uri(id, "id_card_back"))
        .cookie(&cookie)
        .bytes(gif, "image/jpeg")
        .send(&app)
        .await;
    reply.assert_envelope(415, "unsupported_media_type");
    upload(&app, &cookie, id, "id_card_back", Vec::new())
        .await
        .assert_envelope(415, "unsupported_media_type");
    let too_big = jpeg(DOCUMENT_MAX_BYTES as usize + 1, 3);
    upload(&app, &cookie, id, "application_form", too_big)
        .await
        .assert_envelope(413, "payload_too_large");
    let at_limit = upload(
        &app,
        &cookie,
        id,
        "application_form",
        jpeg(DOCUMENT_MAX_BYTES as usize, 3),
    )
    .await;
    assert_eq!(at_limit.status, 200, "the limit itself is allowed");

    // The portrait: JPEG, 40–80 KB.
    for (bytes, reason) in [
        (jpeg(30 * 1024, 4), "portrait_too_small"),
        (jpeg(90 * 1024, 4), "portrait_too_large"),
        (png(50 * 1024), "portrait_not_jpeg"),
    ] {
        let reply = upload(&app, &cookie, id, "portrait", bytes).await;
        reply.assert_envelope(422, "validation_failed");
        assert_eq!(field(&reply, "file"), reason);
    }
    let reply = upload(&app, &cookie, id, "portrait", portrait()).await;
    assert_eq!(reply.status, 200, "{}", reply.text());

    upload(&app, &cookie, id, "selfie", jpeg(100, 1))
        .await
        .assert_envelope(404, "not_found");
    Call::new("GET", doc_uri(id, "id_card_back"))
        .cookie(&cookie)
        .send(&app)
        .await
        .assert_envelope(404, "not_found");

    // Refusals stored nothing.
    let docs: Vec<Material> = application(&get_app(&app, &cookie, id).await)
        .documents
        .iter()
        .map(|d| d.material)
        .collect();
    assert_eq!(
        docs,
        [
            Material::Portrait,
            Material::IdCardFront,
            Material::ApplicationForm
        ]
    );
    assert_eq!(stored_files(&app).len(), 3, "{:?}", stored_files(&app));
}

#[tokio::test]
async fn files_are_stored_once_and_removed_with_their_last_slot() {
    let (app, _clock) = dev_app();
    let cookie = register(&app, PHONE_A).await;
    let created = new_application(&app, &cookie).await;
    let id = created.id.as_str();
    let files_dir = app.state.config.data_dir.join("files");

    // The same photo in two slots is one file named by its hash.
    let shared = jpeg(5000, 0x21);
    let front = upload(&app, &cookie, id, "id_card_front", shared.clone()).await;
    let back = upload(&app, &cookie, id, "id_card_back", shared.clone()).await;
    let front: DocumentInfo = serde_json::from_slice(&front.body).unwrap();
    let back: DocumentInfo = serde_json::from_slice(&back.body).unwrap();
    assert_eq!(front.sha256, back.sha256);
    assert_eq!(stored_files(&app), std::slice::from_ref(&front.sha256));
    assert_eq!(
        std::fs::read(files_dir.join(&front.sha256)).unwrap(),
        shared,
        "stored outside the database, byte for byte"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM sqlite_master WHERE sql LIKE '%BLOB%'"
        ),
        0
    );

    // Deleting one slot keeps the file the other slot still uses.
    let reply = Call::new("DELETE", doc_uri(id, "id_card_front"))
        .cookie(&cookie)
        .send(&app)
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    assert!(reply.body.is_empty());
    assert_eq!(stored_files(&app), std::slice::from_ref(&front.sha256));
    Call::new("GET", doc_uri(id, "id_card_front"))
        .cookie(&cookie)
        .send(&app)
        .await
        .assert_envelope(404, "not_found");
    let still = Call::new("GET", doc_uri(id, "id_card_back"))
        .cookie(&cookie)
        .send(&app)
        .await;
    assert_eq!(still.status, 200);
    assert_eq!(still.body.as_ref(), shared.as_slice());

    // Replacing keeps one row per slot and drops the file nothing uses any more.
    let replacement = jpeg(6000, 0x22);
    let reply = upload(&app, &cookie, id, "id_card_back", replacement.clone()).await;
    let replaced: DocumentInfo = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(stored_files(&app), std::slice::from_ref(&replaced.sha256));
    let docs = application(&get_app(&app, &cookie, id).await).documents;
    assert_eq!(docs, std::slice::from_ref(&replaced));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM documents"), 1);

    // The last reference gone, the file goes; deleting an empty slot is harmless.
    for _ in 0..2 {
        let reply = Call::new("DELETE", doc_uri(id, "id_card_back"))
            .cookie(&cookie)
            .send(&app)
            .await;
        assert_eq!(reply.status, 204, "{}", reply.text());
    }
    assert!(stored_files(&app).is_empty(), "{:?}", stored_files(&app));
    assert!(
        application(&get_app(&app, &cookie, id).await)
            .documents
            .is_empty()
    );

    // Two candidates uploading the same bytes share the file, not the slot.
    let other = register(&app, PHONE_B).await;
    let theirs = new_application(&app, &other).await;
    upload(&app, &cookie, id, "id_card_front", shared.clone()).await;
    upload(&app, &other, &theirs.id, "id_card_front", shared.clone()).await;
    assert_eq!(stored_files(&app).len(), 1);
    let reply = Call::new("DELETE", doc_uri(&theirs.id, "id_card_front"))
        .cookie(&other)
        .send(&app)
        .await;
    assert_eq!(reply.status, 204);
    assert_eq!(
        stored_files(&app).len(),
        1,
        "the first candidate still uses it"
    );
    let mine = Call::new("GET", doc_uri(id, "id_card_front"))
        .cookie(&cookie)
        .send(&app)
        .await;
    assert_eq!(mine.body.as_ref(), shared.as_slice());
}
