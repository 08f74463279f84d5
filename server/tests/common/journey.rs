//! A candidate's journey through the API, shared by the review and payment tests: accounts
//! registered with codes from the development outbox, a complete condition-1 application
//! with its documents, submitted; and reviewer calls with a bearer token.

use axum::body::Body;
use axum::http::Request;
use baoming_contract::api::{Application, Draft, Outbox, PlanList};
use baoming_contract::eligibility::{Condition, Material};
use baoming_contract::plan::Plan;
use baoming_contract::time::Timestamp;
use baoming_server::clock::Clock;
use serde_json::{Value, json};

use super::{ALLOWED_ORIGIN, Reply, TestApp};

pub const PASSWORD: &str = "abcd1234";
/// The token the development mode accepts when none is configured.
pub const DEV_TOKEN: &str = "dev-reviewer-token";

pub fn at(rfc3339: &str) -> Timestamp {
    Timestamp::parse_rfc3339(rfc3339).expect("valid instant")
}

/// A Friday, 10:00 in Beijing.
pub fn t0() -> Timestamp {
    at("2026-11-27T10:00:00+08:00")
}

pub fn dev_app() -> (TestApp, Clock) {
    let clock = Clock::fixed(t0());
    let app = TestApp::build(clock.clone(), |c| c.dev_mode = true);
    (app, clock)
}

/// A request as the web app on the allowed origin (or the review tool) sends it.
pub struct Call {
    pub method: &'static str,
    pub uri: String,
    body: Body,
    content_type: Option<&'static str>,
    cookie: Option<String>,
    key: Option<String>,
    bearer: Option<String>,
}

impl Call {
    pub fn new(method: &'static str, uri: impl Into<String>) -> Call {
        Call {
            method,
            uri: uri.into(),
            body: Body::empty(),
            content_type: None,
            cookie: None,
            key: None,
            bearer: None,
        }
    }

    pub fn json(mut self, body: &Value) -> Call {
        self.body = Body::from(body.to_string());
        self.content_type = Some("application/json");
        self
    }

    pub fn bytes(mut self, bytes: Vec<u8>, content_type: &'static str) -> Call {
        self.body = Body::from(bytes);
        self.content_type = Some(content_type);
        self
    }

    pub fn cookie(mut self, cookie: &str) -> Call {
        self.cookie = Some(cookie.to_owned());
        self
    }

    pub fn key(mut self, key: &str) -> Call {
        self.key = Some(key.to_owned());
        self
    }

    /// `Authorization: <value>` verbatim.
    pub fn authorization(mut self, value: &str) -> Call {
        self.bearer = Some(value.to_owned());
        self
    }

    /// `Authorization: Bearer <DEV_TOKEN>`.
    pub fn reviewer(self) -> Call {
        self.authorization(&format!("Bearer {DEV_TOKEN}"))
    }

    pub fn request(self) -> Request<Body> {
        let mut builder = Request::builder()
            .method(self.method)
            .uri(&self.uri)
            .header("origin", ALLOWED_ORIGIN);
        if let Some(ct) = self.content_type {
            builder = builder.header("content-type", ct);
        }
        if let Some(cookie) = &self.cookie {
            builder = builder.header("cookie", cookie);
        }
        if let Some(key) = &self.key {
            builder = builder.header("Idempotency-Key", key);
        }
        if let Some(value) = &self.bearer {
            builder = builder.header("authorization", value);
        }
        builder.body(self.body).expect("request")
    }

    pub async fn send(self, app: &TestApp) -> Reply {
        app.send(self.request()).await
    }
}

pub fn session_cookie(reply: &Reply) -> String {
    let set = reply.header("set-cookie").expect("Set-Cookie");
    set.split(';').next().expect("name=value").to_owned()
}

pub async fn outbox(app: &TestApp, phone: &str) -> Outbox {
    serde_json::from_slice(
        &app.get(&format!("/api/v1/dev/sms-outbox?phone={phone}"))
            .await
            .body,
    )
    .expect("Outbox")
}

/// Registers `phone` through the API with the code from the outbox; returns the cookie.
pub async fn register(app: &TestApp, phone: &str) -> String {
    let reply = Call::new("POST", "/api/v1/sms-codes")
        .json(&json!({"phone": phone, "purpose": "register"}))
        .send(app)
        .await;
    assert_eq!(reply.status, 202, "{}", reply.text());
    let code = outbox(app, phone).await.messages[0]
        .code
        .clone()
        .expect("code");
    let reply = Call::new("POST", "/api/v1/accounts")
        .json(&json!({"phone": phone, "code": code, "password": PASSWORD}))
        .send(app)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    session_cookie(&reply)
}

/// The seeded 电子商务师 plan.
pub async fn first_plan(app: &TestApp) -> Plan {
    let list: PlanList = serde_json::from_slice(&app.get("/api/v1/plans").await.body).unwrap();
    list.plans.into_iter().next().expect("a plan")
}

pub fn application(reply: &Reply) -> Application {
    serde_json::from_slice(&reply.body)
        .unwrap_or_else(|e| panic!("not an Application ({e}): {}", reply.text()))
}

pub async fn get_app(app: &TestApp, cookie: &str, id: &str) -> Application {
    let reply = Call::new("GET", format!("/api/v1/applications/{id}"))
        .cookie(cookie)
        .send(app)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    application(&reply)
}

/// A JPEG of exactly `len` bytes with a real structure (the backend reads it) and the
/// portrait's 295 × 413 pixels, so it fits every slot; `fill` makes files differ.
pub fn jpeg(len: usize, fill: u8) -> Vec<u8> {
    baoming_contract::photo_check::sample::jpeg(295, 413, len, fill)
}

/// A draft for condition 1 on the 电子商务师 plan that passes every rule.
pub fn complete_draft(phone: &str) -> Draft {
    baoming_contract::application::example_draft(phone)
}

/// Registers `phone` and starts an application on the first plan; returns the cookie and
/// the new draft.
pub async fn created(app: &TestApp, phone: &str) -> (String, Application) {
    let cookie = register(app, phone).await;
    let plan = first_plan(app).await;
    let reply = Call::new("POST", format!("/api/v1/plans/{}/applications", plan.id))
        .cookie(&cookie)
        .send(app)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    (cookie, application(&reply))
}

/// Registers `phone`, fills in and submits a complete application; returns the cookie and
/// the submitted application (under_review).
pub async fn submitted(app: &TestApp, phone: &str) -> (String, Application) {
    let (cookie, created) = created(app, phone).await;
    let reply = Call::new("PUT", format!("/api/v1/applications/{}/draft", created.id))
        .cookie(&cookie)
        .json(&json!({"base_version": created.version, "draft": complete_draft(phone)}))
        .send(app)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    for (i, m) in Condition::Level3PlusFiveYears
        .required_materials()
        .iter()
        .enumerate()
    {
        let bytes = if *m == Material::Portrait {
            jpeg(50 * 1024, 0x55)
        } else {
            jpeg(2048, i as u8)
        };
        let reply = Call::new(
            "PUT",
            format!("/api/v1/applications/{}/documents/{}", created.id, m.slug()),
        )
        .cookie(&cookie)
        .bytes(bytes, "application/octet-stream")
        .send(app)
        .await;
        assert_eq!(reply.status, 200, "{m:?}: {}", reply.text());
    }
    let reply = Call::new(
        "POST",
        format!("/api/v1/applications/{}/submit", created.id),
    )
    .cookie(&cookie)
    .key("submit-1")
    .send(app)
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    (cookie, application(&reply))
}

/// `POST /admin/applications/{id}/decision` as the development reviewer.
pub async fn decide(app: &TestApp, id: &str, body: Value) -> Reply {
    Call::new("POST", format!("/api/v1/admin/applications/{id}/decision"))
        .reviewer()
        .json(&body)
        .send(app)
        .await
}

/// Submits and approves: the application is awaiting payment.
pub async fn approved(app: &TestApp, phone: &str) -> (String, Application) {
    let (cookie, submitted) = submitted(app, phone).await;
    let reply = decide(app, &submitted.id, json!({"decision": "approve"})).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    (cookie, application(&reply))
}
