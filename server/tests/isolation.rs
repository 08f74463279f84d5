//! Candidates are isolated from each other: candidate B, with a valid session of their own,
//! can neither read nor change candidate A's application, documents or orders through any
//! endpoint, and cannot even learn that they exist.
//!
//! [`RESOURCE_ENDPOINTS`] is every candidate endpoint whose path names an application, a
//! document or an order; [`OTHER_ROUTES`] is every other route with the reason it cannot
//! name another candidate's resource. `every_route_is_classified` fails when the router (its
//! source) or the OpenAPI document has a route that neither table lists.
//!
//! A is walked through the whole journey (draft with documents, under review, rejected,
//! approved, an unpaid order, paid, ticket ready). At every step B sends each endpoint the
//! request A could successfully send at that step (a valid draft at A's version, a valid
//! file, A's own idempotency keys), so only the ownership check can stop it. Each attempt
//! must answer exactly what the same request about a non-existent id answers (404
//! `not_found`, the contract's "also for another candidate's application"), must not
//! mention A's id, and must leave everything as it was: A's application as A sees it, the
//! bytes and SHA-256 of A's files, A's order, every row of the application, document,
//! review, order and idempotency tables, and the stored files. Without a session, or with
//! a revoked one, every endpoint answers 401.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use baoming_contract::api::{Application, ApplicationList};
use baoming_contract::eligibility::{Condition, Material};
use baoming_contract::status::ApplicationStatus;
use baoming_server::secrets::sha256_hex;
use common::journey::*;
use common::{Reply, TestApp};
use serde_json::{Value, json};

const PHONE_A: &str = "13800138000";
const PHONE_B: &str = "13900139000";
/// An account whose session is revoked (logged out) before the probes.
const PHONE_C: &str = "13700137000";

// ---------------------------------------------------------------- the tables

/// What an endpoint's path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Names {
    /// `{application_id}`
    Application,
    /// `{application_id}` and `{material}`
    Document,
    /// `{order_no}`
    Order,
}

/// What B sends along: what the owner would send for the request to succeed.
#[derive(Debug, Clone, Copy)]
enum Sends {
    Nothing,
    /// `{"base_version": <A's current version>, "draft": <a complete draft>}`
    Draft,
    /// A valid JPEG for the slot (a 50 KB one for the portrait).
    File,
    /// The `Idempotency-Key` A used on this endpoint.
    Key(&'static str),
}

struct Endpoint {
    method: &'static str,
    path: &'static str,
    names: Names,
    sends: Sends,
}

const fn endpoint(
    method: &'static str,
    path: &'static str,
    names: Names,
    sends: Sends,
) -> Endpoint {
    Endpoint {
        method,
        path,
        names,
        sends,
    }
}

const A_SUBMIT_KEY: &str = "a-submit-1";
const A_RESUBMIT_KEY: &str = "a-resubmit-1";
const A_ORDER_KEY: &str = "a-order-1";

/// Every candidate endpoint that names an application, a document or an order. Each must
/// answer another candidate exactly as it answers for an id that does not exist.
#[rustfmt::skip]
const RESOURCE_ENDPOINTS: &[Endpoint] = &[
    endpoint("GET",    "/api/v1/applications/{application_id}",                      Names::Application, Sends::Nothing),
    endpoint("PUT",    "/api/v1/applications/{application_id}/draft",                Names::Application, Sends::Draft),
    endpoint("POST",   "/api/v1/applications/{application_id}/submit",               Names::Application, Sends::Key(A_SUBMIT_KEY)),
    endpoint("POST",   "/api/v1/applications/{application_id}/resubmit",             Names::Application, Sends::Key(A_RESUBMIT_KEY)),
    endpoint("PUT",    "/api/v1/applications/{application_id}/documents/{material}", Names::Document,    Sends::File),
    endpoint("GET",    "/api/v1/applications/{application_id}/documents/{material}", Names::Document,    Sends::Nothing),
    endpoint("DELETE", "/api/v1/applications/{application_id}/documents/{material}", Names::Document,    Sends::Nothing),
    endpoint("POST",   "/api/v1/applications/{application_id}/orders",               Names::Application, Sends::Key(A_ORDER_KEY)),
    endpoint("GET",    "/api/v1/orders/{order_no}",                                  Names::Order,       Sends::Nothing),
    endpoint("POST",   "/api/v1/orders/{order_no}/query",                            Names::Order,       Sends::Nothing),
];

const REVIEWER: &str =
    "reviewer bearer token only; a candidate's session answers 401 (checked here)";
const DEV: &str = "development mode only, not candidate-facing (the API's 404 otherwise)";

/// Every other route of the API, and why it cannot reach another candidate's resource.
#[rustfmt::skip]
const OTHER_ROUTES: &[(&str, &str, &str)] = &[
    ("GET",    "/api/v1/health",                         "public"),
    ("POST",   "/api/v1/sms-codes",                      "no session; sends a code to a phone"),
    ("POST",   "/api/v1/accounts",                       "no session; registers the caller"),
    ("POST",   "/api/v1/sessions",                       "no session; logs the caller in"),
    ("DELETE", "/api/v1/sessions/current",               "the caller's own session"),
    ("GET",    "/api/v1/me",                             "the caller's own account (checked here)"),
    ("POST",   "/api/v1/password-resets",                "no session; needs the phone's SMS code"),
    ("GET",    "/api/v1/plans",                          "public"),
    ("GET",    "/api/v1/plans/{plan_id}",                "public"),
    ("GET",    "/api/v1/applications",                   "the caller's own applications (checked here)"),
    ("POST",   "/api/v1/plans/{plan_id}/applications",   "the caller's own application for the plan (checked here)"),
    ("POST",   "/api/v1/payments/wechat/notify",         "WeChat Pay's signed notification; no session"),
    ("GET",    "/api/v1/admin/applications",                                   REVIEWER),
    ("GET",    "/api/v1/admin/applications/{application_id}",                  REVIEWER),
    ("POST",   "/api/v1/admin/applications/{application_id}/decision",         REVIEWER),
    ("POST",   "/api/v1/admin/applications/{application_id}/admission-ticket", REVIEWER),
    ("POST",   "/api/v1/admin/applications/{application_id}/refund", REVIEWER),
    ("GET",    "/api/v1/admin/applications/{application_id}/documents/{material}", REVIEWER),
    ("GET",    "/api/v1/dev/sms-outbox",                 DEV),
    ("POST",   "/api/v1/dev/sessions/expire",            DEV),
    ("POST",   "/api/v1/dev/orders/{order_no}/mark-paid", DEV),
    ("POST",   "/api/v1/dev/orders/{order_no}/expire-code", DEV),
];

/// Path parameters that name a candidate's resource.
const RESOURCE_PARAMS: [&str; 3] = ["{application_id}", "{material}", "{order_no}"];

fn names_a_resource(path: &str) -> bool {
    RESOURCE_PARAMS.iter().any(|p| path.contains(p))
}

// ---------------------------------------------------------------- coverage

/// `(METHOD, /api/v1/path)` of every `.route(...)` in `server/src/routes/*.rs`.
fn router_routes() -> BTreeSet<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes");
    let mut routes = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("src/routes") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("source");
        // Routes added any other way would escape this scan.
        assert!(
            !source.contains(".route_service("),
            "{}: teach this scan about route_service",
            path.display()
        );
        for (method, route) in routes_in(&source) {
            let new = routes.insert((method.clone(), format!("/api/v1{route}")));
            assert!(new, "{method} {route} is registered twice");
        }
    }
    routes
}

/// The routes one module registers: each `.route("path", get(h).put(h)...)`.
fn routes_in(source: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find(".route(") {
        let after = &rest[at + ".route(".len()..];
        // The argument list, up to the matching parenthesis.
        let mut depth = 1;
        let end = after
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map(|(i, _)| i)
            .expect("a closed .route(");
        let args = &after[..end];
        let open = args.find('"').expect("a path literal");
        let close = open + 1 + args[open + 1..].find('"').expect("a closed literal");
        let route = &args[open + 1..close];
        let handlers = &args[close + 1..];
        let mut methods = 0;
        for method in ["get", "post", "put", "delete", "patch"] {
            let call = format!("{method}(");
            for (i, _) in handlers.match_indices(&call) {
                let starts_token = handlers[..i]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':'));
                if starts_token {
                    found.push((method.to_uppercase(), route.to_owned()));
                    methods += 1;
                }
            }
        }
        assert!(methods > 0, "no method found for {route}");
        rest = &after[end..];
    }
    found
}

/// `(METHOD, path)` of every operation in the OpenAPI document, with its security schemes.
fn openapi_operations() -> Vec<((String, String), Vec<String>)> {
    let doc: Value = serde_json::from_str(&baoming_contract::openapi::to_pretty_json())
        .expect("the OpenAPI document is JSON");
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if !["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                continue;
            }
            let schemes = op["security"]
                .as_array()
                .map(|reqs| {
                    reqs.iter()
                        .flat_map(|r| r.as_object().expect("requirement").keys().cloned())
                        .collect()
                })
                .unwrap_or_default();
            operations.push(((method.to_uppercase(), path.clone()), schemes));
        }
    }
    operations
}

#[test]
fn every_route_is_classified() {
    let router = router_routes();
    let operations = openapi_operations();
    let documented: BTreeSet<_> = operations.iter().map(|(k, _)| k.clone()).collect();
    let undocumented: Vec<_> = router.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&router).collect();
    assert!(
        undocumented.is_empty() && unrouted.is_empty(),
        "the router and the OpenAPI document must list the same routes; only in the \
         router: {undocumented:?}; only in the document: {unrouted:?}"
    );

    let key = |m: &str, p: &str| (m.to_owned(), p.to_owned());
    let tested: BTreeSet<_> = RESOURCE_ENDPOINTS
        .iter()
        .map(|e| key(e.method, e.path))
        .collect();
    let other: BTreeSet<_> = OTHER_ROUTES.iter().map(|(m, p, _)| key(m, p)).collect();
    assert_eq!(tested.len(), RESOURCE_ENDPOINTS.len(), "a row is repeated");
    assert_eq!(other.len(), OTHER_ROUTES.len(), "a route is repeated");
    assert!(tested.is_disjoint(&other), "a route is in both tables");
    let classified: BTreeSet<_> = tested.union(&other).cloned().collect();
    let unclassified: Vec<_> = router.difference(&classified).collect();
    assert!(
        unclassified.is_empty(),
        "routes in neither RESOURCE_ENDPOINTS nor OTHER_ROUTES: {unclassified:?}"
    );
    let stale: Vec<_> = classified.difference(&router).collect();
    assert!(stale.is_empty(), "table rows the router lacks: {stale:?}");

    // A candidate route naming an application, a document or an order must be tested;
    // only the reviewer's and the development routes may name one without being tested.
    for (method, path, why) in OTHER_ROUTES {
        assert!(
            !names_a_resource(path) || *why == REVIEWER || *why == DEV,
            "{method} {path} names a candidate's resource: move it to RESOURCE_ENDPOINTS"
        );
    }
    for ((method, path), schemes) in &operations {
        let row = RESOURCE_ENDPOINTS
            .iter()
            .find(|e| e.method == method && e.path == path);
        if schemes.iter().any(|s| s == "session") && names_a_resource(path) {
            assert!(
                row.is_some(),
                "{method} {path} is not in RESOURCE_ENDPOINTS"
            );
        }
        if row.is_some() {
            assert_eq!(schemes, &["session"], "{method} {path} must need a session");
        }
    }
    for e in RESOURCE_ENDPOINTS {
        let params = match e.names {
            Names::Application => "{application_id}",
            Names::Document => "{material}",
            Names::Order => "{order_no}",
        };
        assert!(
            e.path.contains(params),
            "{} {}: {:?}",
            e.method,
            e.path,
            e.names
        );
    }
}

// ---------------------------------------------------------------- the world

struct World {
    app: TestApp,
    plan_id: String,
    a: String,
    b: String,
    /// C's cookie after C logged out.
    revoked: String,
    a_id: String,
    b_id: String,
    a_order: Option<String>,
}

/// Another id of the same shape, which names nothing.
fn missing_like(id: &str) -> String {
    let mut s = id[..id.len() - 1].to_owned();
    s.push(if id.ends_with('0') { '1' } else { '0' });
    s
}

fn fill(path: &str, application_id: &str, material: Material, order_no: &str) -> String {
    path.replace("{application_id}", application_id)
        .replace("{material}", material.slug())
        .replace("{order_no}", order_no)
}

fn file_for(material: Material, fill: u8) -> Vec<u8> {
    if material == Material::Portrait {
        jpeg(50 * 1024, fill)
    } else {
        jpeg(2048, fill)
    }
}

/// The slots a row is tried on: every one (uploaded by A or not) for documents.
fn materials(e: &Endpoint) -> Vec<Material> {
    match e.names {
        Names::Document => Material::ALL.to_vec(),
        _ => vec![Material::Portrait],
    }
}

/// The request `e` makes on `uri`, with what the owner would send.
fn request(e: &Endpoint, uri: String, material: Material, version: &Value) -> Call {
    let call = Call::new(e.method, uri);
    match e.sends {
        Sends::Nothing => call,
        Sends::Draft => {
            call.json(&json!({"base_version": version, "draft": complete_draft(PHONE_B)}))
        }
        Sends::File => call.bytes(file_for(material, 0xEE), "image/jpeg"),
        Sends::Key(key) => call.key(key),
    }
}

/// Everything of A's that B must not change, one line per item: A's application and list
/// as A sees them, the SHA-256 of each file A downloads (checked against the recorded one),
/// every row of [`TABLES`] (A's order among them) and the stored files.
#[derive(Debug, PartialEq)]
struct Snapshot {
    /// A's application as A reads it.
    application: Value,
    lines: BTreeSet<String>,
}

impl Snapshot {
    /// What `later` lacks (`-`) or adds (`+`), each line cut short.
    fn diff(&self, later: &Snapshot) -> Vec<String> {
        let cut = |s: &String| s.chars().take(240).collect::<String>();
        let gone = self
            .lines
            .difference(&later.lines)
            .map(|l| format!("- {}", cut(l)));
        let new = later
            .lines
            .difference(&self.lines)
            .map(|l| format!("+ {}", cut(l)));
        gone.chain(new).collect()
    }
}

/// Tables holding candidates' applications, documents, reviews, orders and remembered
/// answers (sessions are left out: every request may touch its own).
const TABLES: [&str; 6] = [
    "applications",
    "application_events",
    "documents",
    "rejections",
    "orders",
    "idempotency",
];

/// The snapshot. A's order is read from the database, not through `GET /orders/...`: that
/// read asks the provider and records a payment it learns of, which is a change of its own.
async fn snapshot(w: &World) -> Snapshot {
    let mut lines = BTreeSet::new();
    let reply = Call::new("GET", format!("/api/v1/applications/{}", w.a_id))
        .cookie(&w.a)
        .send(&w.app)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let application = reply.json();
    lines.insert(format!("A reads the application: {application}"));
    let typed: Application = common::journey::application(&reply);
    for info in &typed.documents {
        let slug = info.material.slug();
        let file = Call::new(
            "GET",
            format!("/api/v1/applications/{}/documents/{slug}", w.a_id),
        )
        .cookie(&w.a)
        .send(&w.app)
        .await;
        assert_eq!(file.status, 200, "{}", file.text());
        let sha = sha256_hex(&file.body);
        assert_eq!(sha, info.sha256, "{slug}");
        lines.insert(format!("A downloads {slug}: sha256 {sha}"));
    }
    let list = Call::new("GET", "/api/v1/applications")
        .cookie(&w.a)
        .send(&w.app)
        .await;
    assert_eq!(list.status, 200, "{}", list.text());
    lines.insert(format!("A lists: {}", list.text()));
    w.app.state.db.blocking(|c| {
        for table in TABLES {
            let mut stmt = c.prepare(&format!("SELECT * FROM {table}")).unwrap();
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |r| {
                    (0..n)
                        .map(|i| r.get::<_, rusqlite::types::Value>(i))
                        .collect::<Result<Vec<_>, _>>()
                })
                .unwrap();
            for row in rows {
                lines.insert(format!("{table} row: {:?}", row.unwrap()));
            }
        }
    });
    if let Ok(dir) = std::fs::read_dir(w.app.state.config.data_dir.join("files")) {
        for entry in dir {
            let name = entry.unwrap().file_name();
            lines.insert(format!("stored file: {}", name.to_string_lossy()));
        }
    }
    Snapshot { application, lines }
}

/// Fails with the lines that changed.
fn assert_unchanged(before: &Snapshot, after: &Snapshot, what: &str) {
    let diff = before.diff(after);
    assert!(diff.is_empty(), "{what} changed data:\n{}", diff.join("\n"));
}

fn message(reply: &Reply) -> String {
    reply.json()["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// B tries every endpoint on A's resources (and on ids that do not exist, for
/// comparison); nothing may differ and nothing of A's may change.
async fn probe(w: &World, stage: &str, expected: ApplicationStatus) {
    let mut before = snapshot(w).await;
    assert_eq!(
        before.application["status"],
        serde_json::to_value(expected).unwrap(),
        "[{stage}] A's application is not where the journey put it"
    );
    let missing_id = missing_like(&w.a_id);
    let missing_order = w.a_order.as_deref().map(missing_like);
    let mut tried = 0;
    for e in RESOURCE_ENDPOINTS {
        if e.names == Names::Order && w.a_order.is_none() {
            continue; // A has no order yet.
        }
        let a_order = w.a_order.as_deref().unwrap_or_default();
        let no_order = missing_order.as_deref().unwrap_or_default();
        for material in materials(e) {
            let theirs = fill(e.path, &w.a_id, material, a_order);
            let nothing = fill(e.path, &missing_id, material, no_order);
            let version = &before.application["version"];
            let what = format!("[{stage}] B: {} {theirs}", e.method);

            // No session, or a revoked one.
            for cookie in [None, Some(w.revoked.as_str())] {
                let call = request(e, theirs.clone(), material, version);
                let call = match cookie {
                    Some(c) => call.cookie(c),
                    None => call,
                };
                let reply = call.send(&w.app).await;
                assert_eq!(
                    reply.status,
                    401,
                    "{what} without a session: {}",
                    reply.text()
                );
                reply.assert_envelope(401, "unauthenticated");
            }

            let reply = request(e, theirs.clone(), material, version)
                .cookie(&w.b)
                .send(&w.app)
                .await;
            assert_eq!(reply.status, 404, "{what}: {}", reply.text());
            reply.assert_envelope(404, "not_found");
            assert_ne!(message(&reply), "no such API endpoint", "{what}");
            assert!(!reply.text().contains(&w.a_id), "{what}: {}", reply.text());
            if let Some(no) = &w.a_order {
                assert!(
                    !reply.text().contains(no.as_str()),
                    "{what}: {}",
                    reply.text()
                );
            }
            // Exactly the answer for something that does not exist.
            let control = request(e, nothing, material, version)
                .cookie(&w.b)
                .send(&w.app)
                .await;
            assert_eq!(
                (reply.status, reply.header("content-type"), &reply.body),
                (
                    control.status,
                    control.header("content-type"),
                    &control.body
                ),
                "{what}: differs from the answer for a missing id"
            );

            let after = snapshot(w).await;
            assert_unchanged(&before, &after, &what);
            before = after;
            tried += 1;
        }
    }
    assert!(tried > 0);

    // The reviewer's routes do not take a candidate's session.
    for (method, path, why) in OTHER_ROUTES {
        if *why != REVIEWER {
            continue;
        }
        let uri = fill(path, &w.a_id, Material::Portrait, "");
        Call::new(method, uri)
            .cookie(&w.b)
            .json(&json!({"decision": "approve"}))
            .send(&w.app)
            .await
            .assert_envelope(401, "unauthenticated");
    }

    // B's own views show B's things only, and B's session works.
    let reply = Call::new("GET", "/api/v1/applications")
        .cookie(&w.b)
        .send(&w.app)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(
        !reply.text().contains(&w.a_id),
        "[{stage}] {}",
        reply.text()
    );
    let list: ApplicationList = serde_json::from_slice(&reply.body).unwrap();
    let ids: Vec<_> = list.applications.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, [w.b_id.as_str()], "[{stage}] B's list");
    assert_eq!(list.applications[0].draft.phone, PHONE_B);

    let reply = Call::new("POST", format!("/api/v1/plans/{}/applications", w.plan_id))
        .cookie(&w.b)
        .send(&w.app)
        .await;
    assert_eq!(reply.status, 200, "[{stage}] {}", reply.text());
    assert_eq!(
        application(&reply).id,
        w.b_id,
        "[{stage}] B's application for the plan"
    );

    let reply = Call::new("GET", "/api/v1/me")
        .cookie(&w.b)
        .send(&w.app)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["phone"], PHONE_B);
    assert_eq!(
        get_app(&w.app, &w.b, &w.b_id).await.status,
        ApplicationStatus::Draft
    );

    assert_unchanged(
        &before,
        &snapshot(w).await,
        &format!("[{stage}] B's own calls"),
    );
}

async fn a_call(w: &World, call: Call) -> Reply {
    let what = format!("A: {} {}", call.method, call.uri);
    let reply = call.cookie(&w.a).send(&w.app).await;
    assert_eq!(reply.status, 200, "{what}: {}", reply.text());
    reply
}

#[tokio::test]
async fn another_candidate_can_neither_read_nor_change_anything_of_a() {
    let (app, _clock) = dev_app();
    let plan_id = first_plan(&app).await.id;
    let a = register(&app, PHONE_A).await;
    let b = register(&app, PHONE_B).await;
    let revoked = register(&app, PHONE_C).await;
    let reply = Call::new("DELETE", "/api/v1/sessions/current")
        .cookie(&revoked)
        .send(&app)
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text());

    let create = |cookie: &str| {
        Call::new("POST", format!("/api/v1/plans/{plan_id}/applications")).cookie(cookie)
    };
    let reply = create(&b).send(&app).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let b_id = application(&reply).id;
    let reply = create(&a).send(&app).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let created = application(&reply);
    let mut w = World {
        app,
        plan_id: plan_id.clone(),
        a,
        b,
        revoked,
        a_id: created.id.clone(),
        b_id,
        a_order: None,
    };
    let id = w.a_id.clone();

    // A draft, complete, with every required document (the other slots stay empty).
    a_call(
        &w,
        Call::new("PUT", format!("/api/v1/applications/{id}/draft"))
            .json(&json!({"base_version": created.version, "draft": complete_draft(PHONE_A)})),
    )
    .await;
    for (i, m) in Condition::Level3PlusFiveYears
        .required_materials()
        .iter()
        .enumerate()
    {
        a_call(
            &w,
            Call::new(
                "PUT",
                format!("/api/v1/applications/{id}/documents/{}", m.slug()),
            )
            .bytes(file_for(*m, i as u8 + 1), "image/jpeg"),
        )
        .await;
    }
    probe(&w, "draft", ApplicationStatus::Draft).await;

    a_call(
        &w,
        Call::new("POST", format!("/api/v1/applications/{id}/submit")).key(A_SUBMIT_KEY),
    )
    .await;
    probe(&w, "under review", ApplicationStatus::UnderReview).await;

    let reply = decide(
        &w.app,
        &id,
        json!({"decision": "reject", "reasons": [
            {"target": {"kind": "document", "name": "portrait"}, "message": "背景不是白色"}]}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    probe(&w, "rejected", ApplicationStatus::Rejected).await;

    a_call(
        &w,
        Call::new("POST", format!("/api/v1/applications/{id}/resubmit")).key(A_RESUBMIT_KEY),
    )
    .await;
    let reply = decide(&w.app, &id, json!({"decision": "approve"})).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    probe(&w, "awaiting payment", ApplicationStatus::AwaitingPayment).await;

    let reply = a_call(
        &w,
        Call::new("POST", format!("/api/v1/applications/{id}/orders")).key(A_ORDER_KEY),
    )
    .await;
    w.a_order = Some(reply.json()["order_no"].as_str().unwrap().to_owned());
    probe(&w, "unpaid order", ApplicationStatus::AwaitingPayment).await;

    let no = w.a_order.clone().unwrap();
    let reply = Call::new("POST", format!("/api/v1/dev/orders/{no}/mark-paid"))
        .send(&w.app)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    // The sandbox has the payment, the backend does not know yet: B's reads and queries
    // of the order must not be what records it.
    probe(
        &w,
        "paid at the provider",
        ApplicationStatus::AwaitingPayment,
    )
    .await;

    let reply = a_call(&w, Call::new("POST", format!("/api/v1/orders/{no}/query"))).await;
    assert_eq!(reply.json()["status"], "paid");
    probe(&w, "paid", ApplicationStatus::Paid).await;

    let reply = Call::new(
        "POST",
        format!("/api/v1/admin/applications/{id}/admission-ticket"),
    )
    .reviewer()
    .send(&w.app)
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    probe(&w, "ticket ready", ApplicationStatus::TicketReady).await;
}
