//! The JSON API in-process: health, plans, error envelopes, CORS and the cross-site guard.

mod common;

use std::collections::BTreeSet;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::post;
use baoming_contract::api::{Health, PlanList};
use baoming_contract::occupation::Occupation;
use baoming_contract::plan::{Plan, PlanState};
use baoming_contract::time::Timestamp;
use baoming_server::clock::Clock;
use baoming_server::db::{self, Db, MIGRATIONS};
use baoming_server::extract::JsonBody;
use baoming_server::{AppState, app};
use common::{ALLOWED_ORIGIN, TestApp, send};

fn at(rfc3339: &str) -> Timestamp {
    Timestamp::parse_rfc3339(rfc3339).expect("valid instant")
}

async fn plans(app: &TestApp) -> Vec<Plan> {
    let reply = app.get("/api/v1/plans").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    serde_json::from_slice::<PlanList>(&reply.body)
        .expect("PlanList")
        .plans
}

#[tokio::test]
async fn health_reports_version_and_mode_with_api_headers() {
    let app = TestApp::build(Clock::system(), |c| c.dev_mode = true);
    let reply = app.get("/api/v1/health").await;
    assert_eq!(reply.status, 200);
    let health: Health = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(
        health,
        Health {
            status: "ok".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            dev_mode: true,
        }
    );
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(reply.header("referrer-policy"), Some("no-referrer"));

    let plain = TestApp::new();
    assert_eq!(plain.get("/api/v1/health").await.json()["dev_mode"], false);
}

#[tokio::test]
async fn a_fresh_database_lists_the_two_seeded_plans_open_today() {
    let app = TestApp::new();
    let plans = plans(&app).await;
    assert_eq!(plans.len(), 2, "{plans:?}");
    assert!(
        plans.iter().all(|p| p.state == PlanState::Open),
        "{plans:?}"
    );
    assert!(plans.iter().all(|p| p.fee_fen == 30_000));
    let occupations: BTreeSet<_> = plans
        .iter()
        .map(|p| format!("{:?}", p.occupation))
        .collect();
    let expected: BTreeSet<_> = Occupation::ALL.iter().map(|o| format!("{o:?}")).collect();
    assert_eq!(occupations, expected);
    for plan in &plans {
        assert!(
            plan.name.contains(&plan.occupation.with_work_type_zh()),
            "{}",
            plan.name
        );
        assert!(plan.name.ends_with("二级职业技能等级认定"), "{}", plan.name);
    }
    // Ordered by opening time, then id (the seed's order: 电子商务师 first).
    let keys: Vec<_> = plans.iter().map(|p| (p.opens_at, p.id.clone())).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[tokio::test]
async fn the_seeded_window_follows_the_creation_date() {
    let clock = Clock::fixed(at("2026-11-28T10:00:00+08:00"));
    let app = TestApp::build(clock.clone(), |_| {});
    let plans = plans(&app).await;
    let ids: BTreeSet<_> = plans.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        BTreeSet::from(["ecommerce-l2-2026q4", "marketer-l2-2026q4"])
    );
    let ecommerce = plans
        .iter()
        .find(|p| p.occupation == Occupation::EcommerceSpecialist)
        .unwrap();
    assert_eq!(
        ecommerce.name,
        "2026年第4期电子商务师(网商)二级职业技能等级认定"
    );
    let v = serde_json::to_value(ecommerce).unwrap();
    assert_eq!(v["opens_at"], "2026-10-01T00:00:00+08:00");
    assert_eq!(v["closes_at"], "2027-02-01T00:00:00+08:00");
}

#[tokio::test]
async fn plan_state_is_computed_when_asked() {
    let clock = Clock::fixed(at("2026-11-28T10:00:00+08:00"));
    let app = TestApp::build(clock.clone(), |_| {});
    let state_of = |plans: Vec<Plan>| plans[0].state;

    clock.set(at("2026-09-30T23:59:59+08:00"));
    assert_eq!(state_of(plans(&app).await), PlanState::Upcoming);
    clock.set(at("2026-10-01T00:00:00+08:00"));
    assert_eq!(state_of(plans(&app).await), PlanState::Open);
    clock.set(at("2027-02-01T00:00:00+08:00"));
    assert_eq!(state_of(plans(&app).await), PlanState::Closed);
    let one = app.get("/api/v1/plans/ecommerce-l2-2026q4").await.json();
    assert_eq!(one["state"], "closed");
}

#[tokio::test]
async fn reopening_the_data_dir_keeps_the_plans_without_reseeding() {
    let first = TestApp::build(Clock::fixed(at("2026-11-28T10:00:00+08:00")), |_| {});
    let before = plans(&first).await;

    // A later start, even in another quarter, must neither duplicate nor rename plans.
    let config = (*first.state.config).clone();
    let state = AppState::open(
        config.clone(),
        Clock::fixed(at("2027-05-02T10:00:00+08:00")),
    )
    .expect("reopen");
    let reply = send(
        &app(state),
        Request::get("/api/v1/plans").body(Body::empty()).unwrap(),
    )
    .await;
    let after: PlanList = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(after.plans.len(), 2);
    let ids = |plans: &[Plan]| plans.iter().map(|p| p.id.clone()).collect::<BTreeSet<_>>();
    assert_eq!(ids(&after.plans), ids(&before));
    assert!(after.plans.iter().all(|p| p.state == PlanState::Closed));

    // And a third open still finds exactly two rows in the file.
    let db = Db::open_in_dir(&config.data_dir).unwrap();
    let count = db.blocking(|c| baoming_server::store::plans::count(c).unwrap());
    assert_eq!(count, 2);
}

#[tokio::test]
async fn migrations_are_idempotent_across_opens() {
    let dir = common::TempDir::new("migrations");
    let path = dir.path().join("nested/data");
    for _ in 0..3 {
        let db = Db::open_in_dir(&path).expect("open");
        db.blocking(|conn| {
            assert_eq!(db::schema_version(conn).unwrap(), MIGRATIONS.len() as i64);
            db::migrate(conn).expect("migrate again");
            assert!(db::table_exists(conn, "plans").unwrap());
            let mode: String = conn
                .query_row("PRAGMA journal_mode", [], |r| r.get(0))
                .unwrap();
            assert_eq!(mode, "wal");
        });
    }
    assert!(path.join("baoming.sqlite3").is_file());
}

#[tokio::test]
async fn a_plan_by_id_or_a_404_envelope() {
    let app = TestApp::new();
    let listed = plans(&app).await;
    let first = &listed[0];
    let reply = app.get(&format!("/api/v1/plans/{}", first.id)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let plan: Plan = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(&plan, first);

    let missing = app.get("/api/v1/plans/no-such-plan").await;
    missing.assert_envelope(404, "not_found");
    assert_eq!(missing.json()["error"]["message"], "no such plan");

    // Undecodable ids name nothing either.
    app.get("/api/v1/plans/%FF")
        .await
        .assert_envelope(404, "not_found");
}

#[tokio::test]
async fn unknown_api_paths_answer_json_even_with_a_web_root() {
    let web = common::TempDir::new("web");
    std::fs::write(web.path().join("index.html"), "<!doctype html>").unwrap();
    let root = web.path().to_path_buf();
    let app = TestApp::build(Clock::system(), move |c| c.web_root = Some(root));
    for path in [
        "/api/v1/nope",
        "/api/v1/plans/a/b",
        "/api/v2/plans",
        "/api",
        "/api/",
        "/api/v1",
        "/api/v1/",
        "/api/v1/plans/",
    ] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, 404, "{path}");
        reply.assert_envelope(404, "not_found");
    }
}

#[tokio::test]
async fn wrong_methods_answer_405_envelopes() {
    let app = TestApp::new();
    for (method, path) in [
        ("POST", "/api/v1/plans"),
        ("DELETE", "/api/v1/plans/x"),
        ("PUT", "/api/v1/health"),
    ] {
        let reply = app
            .send(
                Request::builder()
                    .method(method)
                    .uri(path)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        reply.assert_envelope(405, "validation_failed");
        assert_eq!(reply.json()["error"]["message"], "method not allowed");
        assert!(
            reply.header("allow").is_some_and(|a| a.contains("GET")),
            "{path}"
        );
    }
}

#[tokio::test]
async fn malformed_json_bodies_answer_envelopes() {
    // No endpoint takes a body yet, so exercise the extractor every future one will use.
    let router = Router::new().route(
        "/echo",
        post(|JsonBody(h): JsonBody<Health>| async move { axum::Json(h) }),
    );
    let json_post = |body: &'static str| {
        Request::post("/echo")
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap()
    };
    send(&router, json_post("{not json"))
        .await
        .assert_envelope(422, "validation_failed");
    send(&router, json_post(r#"{"status":"ok"}"#))
        .await
        .assert_envelope(422, "validation_failed");
    let no_type = Request::post("/echo").body(Body::from("{}")).unwrap();
    send(&router, no_type)
        .await
        .assert_envelope(415, "unsupported_media_type");
    let ok = send(
        &router,
        json_post(r#"{"status":"ok","version":"1","dev_mode":false}"#),
    )
    .await;
    assert_eq!(ok.status, 200);
}

fn preflight(origin: &str) -> Request<Body> {
    Request::options("/api/v1/plans")
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,idempotency-key",
        )
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn cors_answers_only_the_configured_origin() {
    let app = TestApp::new();

    let allowed = app.send(preflight(ALLOWED_ORIGIN)).await;
    assert!(allowed.status.is_success(), "{:?}", allowed.status);
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some(ALLOWED_ORIGIN)
    );
    assert_eq!(
        allowed.header("access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(allowed.header("access-control-max-age"), Some("600"));
    let methods = allowed
        .header("access-control-allow-methods")
        .unwrap()
        .to_ascii_uppercase();
    for m in ["GET", "POST", "PUT", "DELETE", "OPTIONS"] {
        assert!(methods.contains(m), "{methods}");
    }
    let headers = allowed
        .header("access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        headers.contains("content-type") && headers.contains("idempotency-key"),
        "{headers}"
    );

    let refused = app.send(preflight("http://evil.test")).await;
    assert_eq!(refused.header("access-control-allow-origin"), None);

    let get = app
        .send(
            Request::get("/api/v1/plans")
                .header("origin", ALLOWED_ORIGIN)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(get.status, 200);
    assert_eq!(
        get.header("access-control-allow-origin"),
        Some(ALLOWED_ORIGIN)
    );
    assert_eq!(
        get.header("access-control-expose-headers"),
        Some("retry-after")
    );
}

fn post_from(origin: Option<&str>) -> Request<Body> {
    let mut req = Request::post("/api/v1/plans").header("host", "127.0.0.1:8787");
    if let Some(origin) = origin {
        req = req.header("origin", origin);
    }
    req.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn cross_site_unsafe_requests_are_refused_before_routing() {
    let app = TestApp::new();

    let refused = app.send(post_from(Some("http://evil.test"))).await;
    refused.assert_envelope(403, "cross_site_request");
    assert_eq!(refused.header("access-control-allow-origin"), None);
    app.send(post_from(Some("null")))
        .await
        .assert_envelope(403, "cross_site_request");

    // Our own origin, an allowed one and no Origin at all reach routing (405: nothing
    // accepts POST here yet).
    for origin in [Some("http://127.0.0.1:8787"), Some(ALLOWED_ORIGIN), None] {
        let reply = app.send(post_from(origin)).await;
        reply.assert_envelope(405, "validation_failed");
    }

    // Safe methods are never refused, whatever the origin.
    let get = app
        .send(
            Request::get("/api/v1/plans")
                .header("origin", "http://evil.test")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(get.status, 200);
}
