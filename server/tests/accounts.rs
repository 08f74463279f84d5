//! Accounts in-process: SMS codes and their limits, registration, sessions, log-in
//! slow-down and lock, password reset and the development endpoints. A fixed clock moves
//! time; the codes come from the development outbox, as the browser journeys read them.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use baoming_contract::api::{Account, Outbox, SmsCodeSent};
use baoming_contract::auth::{
    LOGIN_LOCK_AFTER_FAILURES, LOGIN_LOCK_S, SESSION_IDLE_S, SMS_CODE_MAX_ATTEMPTS, SMS_CODE_TTL_S,
    SMS_PER_CLIENT_PER_HOUR, SMS_PER_PHONE_PER_DAY, SMS_PER_PHONE_PER_HOUR, SMS_RESEND_INTERVAL_S,
    login_delay_after_failures,
};
use baoming_contract::time::Timestamp;
use baoming_server::clock::Clock;
use baoming_server::config::Config;
use baoming_server::limits::CLIENT_CODE_FAILURES;
use baoming_server::sms::{Cause, SmsError, SmsMessage, SmsSender};
use baoming_server::{AppState, app};
use common::{ALLOWED_ORIGIN, Reply, TestApp, send};
use serde_json::{Value, json};

const PHONE: &str = "13800138000";
const PASSWORD: &str = "abcd1234";

fn at(rfc3339: &str) -> Timestamp {
    Timestamp::parse_rfc3339(rfc3339).expect("valid instant")
}

/// 10:00 in Beijing, far from midnight.
fn t0() -> Timestamp {
    at("2026-11-28T10:00:00+08:00")
}

/// A development-mode app on a fixed clock at [`t0`].
fn dev_app() -> (TestApp, Clock) {
    dev_app_with(|_| {})
}

fn dev_app_with(adjust: impl FnOnce(&mut Config)) -> (TestApp, Clock) {
    let clock = Clock::fixed(t0());
    let app = TestApp::build(clock.clone(), |c| {
        c.dev_mode = true;
        adjust(c);
    });
    (app, clock)
}

/// A request as a browser on the allowed origin sends it, from `client`.
struct Call {
    method: &'static str,
    uri: String,
    body: Option<Value>,
    cookie: Option<String>,
    client: Option<SocketAddr>,
    headers: Vec<(&'static str, String)>,
}

impl Call {
    fn new(method: &'static str, uri: impl Into<String>) -> Call {
        Call {
            method,
            uri: uri.into(),
            body: None,
            cookie: None,
            client: None,
            headers: Vec::new(),
        }
    }

    fn post(uri: &str, body: Value) -> Call {
        Call {
            body: Some(body),
            ..Call::new("POST", uri)
        }
    }

    fn cookie(mut self, cookie: &str) -> Call {
        self.cookie = Some(cookie.to_owned());
        self
    }

    fn from(mut self, client: &str) -> Call {
        self.client = Some(client.parse().expect("socket address"));
        self
    }

    fn header(mut self, name: &'static str, value: &str) -> Call {
        self.headers.push((name, value.to_owned()));
        self
    }

    async fn send(self, app: &TestApp) -> Reply {
        let mut builder = Request::builder()
            .method(self.method)
            .uri(&self.uri)
            .header("origin", ALLOWED_ORIGIN);
        if let Some(cookie) = &self.cookie {
            builder = builder.header("cookie", cookie);
        }
        for (name, value) in &self.headers {
            builder = builder.header(*name, value);
        }
        let body = match &self.body {
            Some(json) => {
                builder = builder.header("content-type", "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        let mut req = builder.body(body).expect("request");
        if let Some(addr) = self.client {
            req.extensions_mut().insert(ConnectInfo(addr));
        }
        app.send(req).await
    }
}

async fn request_code(app: &TestApp, phone: &str, purpose: &str) -> Reply {
    Call::post(
        "/api/v1/sms-codes",
        json!({"phone": phone, "purpose": purpose}),
    )
    .send(app)
    .await
}

async fn outbox(app: &TestApp, phone: &str) -> Outbox {
    let reply = app
        .get(&format!("/api/v1/dev/sms-outbox?phone={phone}"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    serde_json::from_slice(&reply.body).expect("Outbox")
}

/// Requests a code and reads it from the outbox.
async fn code_for(app: &TestApp, phone: &str, purpose: &str) -> String {
    let reply = request_code(app, phone, purpose).await;
    assert_eq!(reply.status, 202, "{}", reply.text());
    outbox(app, phone).await.messages[0]
        .code
        .clone()
        .expect("the message carries its code")
}

/// `name=value` of the session cookie a reply sets.
fn session_cookie(reply: &Reply) -> String {
    let set = reply.header("set-cookie").expect("Set-Cookie");
    set.split(';').next().expect("name=value").to_owned()
}

async fn register_with(app: &TestApp, phone: &str, code: &str, password: &str) -> Reply {
    Call::post(
        "/api/v1/accounts",
        json!({"phone": phone, "code": code, "password": password}),
    )
    .send(app)
    .await
}

/// Registers `phone` with [`PASSWORD`]; returns the session cookie.
async fn register(app: &TestApp, phone: &str) -> String {
    let code = code_for(app, phone, "register").await;
    let reply = register_with(app, phone, &code, PASSWORD).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    session_cookie(&reply)
}

async fn login(app: &TestApp, phone: &str, password: &str) -> Reply {
    Call::post(
        "/api/v1/sessions",
        json!({"phone": phone, "password": password}),
    )
    .send(app)
    .await
}

async fn me(app: &TestApp, cookie: &str) -> Reply {
    Call::new("GET", "/api/v1/me")
        .cookie(cookie)
        .send(app)
        .await
}

fn field(reply: &Reply, name: &str) -> Value {
    reply.json()["error"]["fields"][name].clone()
}

fn retry_after(reply: &Reply) -> u64 {
    let body = reply.json()["error"]["retry_after_s"]
        .as_u64()
        .expect("retry_after_s");
    assert_eq!(
        reply.header("retry-after"),
        Some(body.to_string().as_str()),
        "the header matches the body"
    );
    body
}

fn query_count(app: &TestApp, sql: &str) -> i64 {
    app.state
        .db
        .blocking(|c| c.query_row(sql, [], |r| r.get(0)).expect("query"))
}

// ---------------------------------------------------------------- the happy path

#[tokio::test]
async fn register_with_a_code_from_the_outbox_then_me_then_log_out() {
    let (app, _clock) = dev_app();
    let reply = request_code(&app, "+86 138 0013 8000", "register").await;
    assert_eq!(reply.status, 202, "{}", reply.text());
    let sent: SmsCodeSent = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(
        sent,
        SmsCodeSent {
            retry_after_s: SMS_RESEND_INTERVAL_S,
            expires_in_s: SMS_CODE_TTL_S
        }
    );

    let messages = outbox(&app, PHONE).await.messages;
    assert_eq!(messages.len(), 1);
    let code = messages[0].code.clone().unwrap();
    assert_eq!(messages[0].phone, PHONE);
    assert_eq!(messages[0].sent_at, t0());
    assert_eq!(
        messages[0].text,
        format!("【职业技能等级认定】您的验证码是{code}，5分钟内有效。")
    );
    // Stored hashed and salted, never as typed.
    let plain = query_count(
        &app,
        &format!("SELECT COUNT(*) FROM sms_codes WHERE code_hash = '{code}' OR salt = '{code}'"),
    );
    assert_eq!(plain, 0);

    let reply = register_with(&app, "138 0013 8000", &format!(" {code} "), PASSWORD).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let account: Account = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(account.phone, PHONE);
    assert_eq!(account.created_at, t0());
    let set = reply.header("set-cookie").unwrap();
    assert!(set.starts_with("baoming_session="), "{set}");
    for part in [
        "; HttpOnly",
        "; SameSite=Lax",
        "; Path=/",
        "; Max-Age=604800",
    ] {
        assert!(set.contains(part), "{set} lacks {part}");
    }
    assert!(!set.contains("Secure"), "{set}");
    let cookie = session_cookie(&reply);
    let token = cookie.strip_prefix("baoming_session=").unwrap();
    assert_eq!(token.len(), 43);

    // Only hashes are stored.
    let hash: String = app.state.db.blocking(|c| {
        c.query_row("SELECT password_hash FROM accounts", [], |r| r.get(0))
            .unwrap()
    });
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert_eq!(
        query_count(
            &app,
            &format!("SELECT COUNT(*) FROM sessions WHERE token_hash = '{token}'")
        ),
        0
    );
    assert_eq!(query_count(&app, "SELECT COUNT(*) FROM sessions"), 1);

    let reply = me(&app, &cookie).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        serde_json::from_slice::<Account>(&reply.body).unwrap(),
        account
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));

    app.get("/api/v1/me")
        .await
        .assert_envelope(401, "unauthenticated");
    me(
        &app,
        "baoming_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    )
    .await
    .assert_envelope(401, "unauthenticated");

    let reply = Call::new("DELETE", "/api/v1/sessions/current")
        .cookie(&cookie)
        .send(&app)
        .await;
    assert_eq!(reply.status, 204);
    let cleared = reply.header("set-cookie").unwrap();
    assert!(
        cleared.starts_with("baoming_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    me(&app, &cookie)
        .await
        .assert_envelope(401, "unauthenticated");

    // Logging out again, or without any session, is still fine.
    for call in [
        Call::new("DELETE", "/api/v1/sessions/current").cookie(&cookie),
        Call::new("DELETE", "/api/v1/sessions/current"),
    ] {
        assert_eq!(call.send(&app).await.status, 204);
    }
}

#[tokio::test]
async fn log_in_with_the_right_password_only_and_the_same_answer_for_unknown_phones() {
    let (app, _clock) = dev_app();
    register(&app, PHONE).await;

    let wrong = login(&app, PHONE, "abcd12345").await;
    wrong.assert_envelope(401, "unauthenticated");
    assert_eq!(field(&wrong, "password"), "credentials_wrong");
    assert!(wrong.header("set-cookie").is_none());

    for phone in ["13900139000", "not a phone", ""] {
        let unknown = login(&app, phone, PASSWORD).await;
        unknown.assert_envelope(401, "unauthenticated");
        assert_eq!(unknown.json(), wrong.json(), "{phone:?}");
    }

    let reply = login(&app, "+86 138-0013-8000", PASSWORD).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let account: Account = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(account.phone, PHONE);
    let cookie = session_cookie(&reply);
    assert_eq!(me(&app, &cookie).await.status, 200);
}

// ---------------------------------------------------------------- log-in slow-down and lock

#[tokio::test]
async fn repeated_failures_slow_down_then_lock_then_the_lock_ends() {
    let (app, clock) = dev_app();
    register(&app, PHONE).await;

    let mut failures = 0;
    while failures + 1 < LOGIN_LOCK_AFTER_FAILURES {
        let delay = login_delay_after_failures(failures);
        if delay > 0 {
            // Too early: refused without looking at the password, even a right one.
            let early = login(&app, PHONE, PASSWORD).await;
            early.assert_envelope(429, "rate_limited");
            assert_eq!(retry_after(&early), delay, "after {failures} failures");
            clock.advance(delay as i64 - 1);
            let still = login(&app, PHONE, "wrong1234").await;
            still.assert_envelope(429, "rate_limited");
            assert_eq!(retry_after(&still), 1);
            clock.advance(1);
        }
        let reply = login(&app, PHONE, "wrong1234").await;
        reply.assert_envelope(401, "unauthenticated");
        failures += 1;
    }
    clock.advance(login_delay_after_failures(failures) as i64);
    let locking = login(&app, PHONE, "wrong1234").await;
    locking.assert_envelope(429, "account_locked");
    assert_eq!(retry_after(&locking), LOGIN_LOCK_S);

    clock.advance(60);
    let locked = login(&app, PHONE, PASSWORD).await;
    locked.assert_envelope(429, "account_locked");
    assert_eq!(retry_after(&locked), LOGIN_LOCK_S - 60);

    clock.advance(LOGIN_LOCK_S as i64 - 60);
    let reply = login(&app, PHONE, PASSWORD).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    // Success starts the count over: the next mistakes are free again.
    for _ in 0..2 {
        login(&app, PHONE, "wrong1234")
            .await
            .assert_envelope(401, "unauthenticated");
    }
}

// ---------------------------------------------------------------- SMS limits

#[tokio::test]
async fn a_second_code_within_a_minute_waits_exactly() {
    let (app, clock) = dev_app();
    assert_eq!(request_code(&app, PHONE, "register").await.status, 202);
    clock.advance(23);
    let reply = request_code(&app, PHONE, "register").await;
    reply.assert_envelope(429, "rate_limited");
    assert_eq!(retry_after(&reply), SMS_RESEND_INTERVAL_S - 23);
    clock.advance(SMS_RESEND_INTERVAL_S as i64 - 23);
    assert_eq!(request_code(&app, PHONE, "register").await.status, 202);
    assert_eq!(outbox(&app, PHONE).await.messages.len(), 2);
}

#[tokio::test]
async fn five_codes_an_hour() {
    let (app, clock) = dev_app();
    let step = SMS_RESEND_INTERVAL_S as i64;
    for i in 0..SMS_PER_PHONE_PER_HOUR {
        let reply = request_code(&app, PHONE, "register").await;
        assert_eq!(reply.status, 202, "code {i}: {}", reply.text());
        let sent: SmsCodeSent = serde_json::from_slice(&reply.body).unwrap();
        let expected = if i + 1 < SMS_PER_PHONE_PER_HOUR {
            SMS_RESEND_INTERVAL_S
        } else {
            // The countdown after the last code of the hour runs to the end of the hour.
            3600 - (i64::from(i) * step) as u64
        };
        assert_eq!(sent.retry_after_s, expected, "code {i}");
        clock.advance(step);
    }
    let elapsed = i64::from(SMS_PER_PHONE_PER_HOUR) * step;
    let reply = request_code(&app, PHONE, "register").await;
    reply.assert_envelope(429, "rate_limited");
    assert_eq!(retry_after(&reply), (3600 - elapsed) as u64);
    clock.advance(3600 - elapsed - 1);
    request_code(&app, PHONE, "register")
        .await
        .assert_envelope(429, "rate_limited");
    clock.advance(1);
    assert_eq!(request_code(&app, PHONE, "register").await.status, 202);
}

#[tokio::test]
async fn ten_codes_a_day_then_wait_for_midnight_in_china() {
    let clock = Clock::fixed(at("2026-11-28T08:00:00+08:00"));
    let app = TestApp::build(clock.clone(), |c| c.dev_mode = true);
    // Four an hour stays under the hourly limit.
    for i in 0..SMS_PER_PHONE_PER_DAY {
        let reply = request_code(&app, PHONE, "register").await;
        assert_eq!(reply.status, 202, "code {i}: {}", reply.text());
        clock.advance(15 * 60);
    }
    clock.set(at("2026-11-28T21:30:00+08:00"));
    let reply = request_code(&app, PHONE, "register").await;
    reply.assert_envelope(429, "daily_limit_reached");
    assert_eq!(retry_after(&reply), 2 * 3600 + 30 * 60);
    // Still today at 23:59:59 Beijing time (15:59:59 UTC) …
    clock.set(at("2026-11-28T15:59:59Z"));
    let reply = request_code(&app, PHONE, "register").await;
    reply.assert_envelope(429, "daily_limit_reached");
    assert_eq!(retry_after(&reply), 1);
    // … and a new day at midnight.
    clock.set(at("2026-11-29T00:00:00+08:00"));
    assert_eq!(request_code(&app, PHONE, "register").await.status, 202);
}

#[tokio::test]
async fn one_client_address_cannot_spray_codes_at_many_numbers() {
    let (app, _clock) = dev_app();
    let phone = |i: u32| format!("1390000{i:04}");
    for i in 0..SMS_PER_CLIENT_PER_HOUR {
        let reply = request_code_from(&app, &phone(i), "203.0.113.9:50000").await;
        assert_eq!(reply.status, 202, "{i}: {}", reply.text());
    }
    // Another port of the same machine is the same client.
    let reply = request_code_from(&app, &phone(100), "203.0.113.9:50001").await;
    reply.assert_envelope(429, "rate_limited");
    assert_eq!(retry_after(&reply), 3600);
    // Another client is not affected.
    let reply = request_code_from(&app, &phone(100), "198.51.100.1:40000").await;
    assert_eq!(reply.status, 202, "{}", reply.text());
}

async fn request_code_from(app: &TestApp, phone: &str, client: &str) -> Reply {
    Call::post(
        "/api/v1/sms-codes",
        json!({"phone": phone, "purpose": "register"}),
    )
    .from(client)
    .send(app)
    .await
}

#[tokio::test]
async fn x_forwarded_for_counts_only_behind_a_trusted_proxy() {
    let spray = |app: TestApp, forwarded: &'static str| async move {
        for i in 0..SMS_PER_CLIENT_PER_HOUR {
            let reply = Call::post(
                "/api/v1/sms-codes",
                json!({"phone": format!("1390000{i:04}"), "purpose": "register"}),
            )
            .from("127.0.0.1:1234")
            .header("x-forwarded-for", &format!("{forwarded}, 203.0.113.{i}"))
            .send(&app)
            .await;
            assert_eq!(reply.status, 202, "{}", reply.text());
        }
        Call::post(
            "/api/v1/sms-codes",
            json!({"phone": "13700137000", "purpose": "register"}),
        )
        .from("127.0.0.1:1234")
        .header("x-forwarded-for", "203.0.113.200")
        .send(&app)
        .await
    };
    // Not trusted: every request comes from the proxy's own address.
    let (app, _clock) = dev_app();
    spray(app, "10.0.0.1")
        .await
        .assert_envelope(429, "rate_limited");
    // Trusted: each request counts for the address the proxy saw.
    let (app, _clock) = dev_app_with(|c| c.trust_forwarded_for = true);
    assert_eq!(spray(app, "10.0.0.1").await.status, 202);
}

#[tokio::test]
async fn a_code_that_cannot_be_sent_is_forgotten() {
    struct Broken;
    impl SmsSender for Broken {
        fn send(&self, _: &SmsMessage) -> Result<(), SmsError> {
            Err(SmsError::Unavailable {
                cause: Cause::Network,
                maybe_sent: false,
                detail: "provider down".into(),
            })
        }
    }
    let (test_app, _clock) = dev_app();
    let broken: AppState = test_app.state.clone().with_sms_sender(Arc::new(Broken));
    let req = Request::post("/api/v1/sms-codes")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"phone": PHONE, "purpose": "register"}).to_string(),
        ))
        .unwrap();
    send(&app(broken), req)
        .await
        .assert_envelope(503, "unavailable");
    // Nothing was counted: a working sender may send at once.
    assert_eq!(request_code(&test_app, PHONE, "register").await.status, 202);
}

// ---------------------------------------------------------------- codes

#[tokio::test]
async fn wrong_expired_and_exhausted_codes_each_have_their_reason() {
    let (app, clock) = dev_app();
    // No code was ever sent.
    let reply = register_with(&app, PHONE, "123456", PASSWORD).await;
    reply.assert_envelope(422, "validation_failed");
    assert_eq!(field(&reply, "code"), "code_wrong");

    let code = code_for(&app, PHONE, "register").await;
    let wrong = if code == "000000" { "000001" } else { "000000" };
    for attempt in 1..=SMS_CODE_MAX_ATTEMPTS {
        let reply = register_with(&app, PHONE, wrong, PASSWORD).await;
        reply.assert_envelope(422, "validation_failed");
        assert_eq!(field(&reply, "code"), "code_wrong", "attempt {attempt}");
    }
    // The right code is refused too now.
    let reply = register_with(&app, PHONE, &code, PASSWORD).await;
    assert_eq!(field(&reply, "code"), "code_attempts_exceeded");

    // A new code; it expires after five minutes.
    clock.advance(SMS_RESEND_INTERVAL_S as i64);
    let code = code_for(&app, PHONE, "register").await;
    clock.advance(SMS_CODE_TTL_S as i64);
    let reply = register_with(&app, PHONE, &code, PASSWORD).await;
    reply.assert_envelope(422, "validation_failed");
    assert_eq!(field(&reply, "code"), "code_expired");

    // A newer code supersedes the one before it.
    let older = code_for(&app, PHONE, "register").await;
    clock.advance(SMS_RESEND_INTERVAL_S as i64);
    let newer = code_for(&app, PHONE, "register").await;
    if older != newer {
        let reply = register_with(&app, PHONE, &older, PASSWORD).await;
        assert_eq!(field(&reply, "code"), "code_wrong");
    }
    clock.advance(SMS_CODE_TTL_S as i64 - SMS_RESEND_INTERVAL_S as i64 - 1);
    let reply = register_with(&app, PHONE, &newer, PASSWORD).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
}

/// Everything a stranger sees of a register or reset attempt: status, body and headers
/// that could differ (the cookie aside, which only success sets).
fn seen(reply: &Reply) -> (axum::http::StatusCode, String, Option<String>) {
    (
        reply.status,
        reply.text(),
        reply.header("retry-after").map(str::to_owned),
    )
}

#[tokio::test]
async fn whether_a_phone_is_registered_is_told_only_to_its_owner() {
    const OTHER_REGISTERED: &str = "13600136000";
    let (app, clock) = dev_app();
    register(&app, PHONE).await;
    register(&app, OTHER_REGISTERED).await;
    clock.advance(SMS_RESEND_INTERVAL_S as i64);
    let unregistered = "13900139000";

    // 考生注册: the same answer for a registered phone and a new one.
    let known = request_code(&app, PHONE, "register").await;
    let new = request_code(&app, unregistered, "register").await;
    assert_eq!(known.status, 202, "{}", known.text());
    assert_eq!(seen(&known), seen(&new));
    // The truth goes to the phone: a notice instead of a code.
    let notice = &outbox(&app, PHONE).await.messages[0];
    assert_eq!(notice.code, None);
    assert_eq!(notice.text, SmsMessage::already_registered(PHONE).text);
    assert!(outbox(&app, unregistered).await.messages[0].code.is_some());
    // Guessing a code: the same answers, attempt by attempt, until both are used up.
    for guess in 0..=SMS_CODE_MAX_ATTEMPTS {
        let code = format!("{guess:06}");
        let known = register_with(&app, PHONE, &code, PASSWORD).await;
        let new = register_with(&app, unregistered, &code, PASSWORD).await;
        assert_eq!(seen(&known), seen(&new), "guess {guess}");
        assert_eq!(known.status, 422);
    }
    // Without any code requested since, too.
    let known = register_with(&app, OTHER_REGISTERED, "123456", PASSWORD).await;
    let new = register_with(&app, "13700137000", "123456", PASSWORD).await;
    assert_eq!(seen(&known), seen(&new));
    assert_eq!(field(&known, "code"), "code_wrong");

    // 忘记密码: the same, the other way round.
    clock.advance(SMS_RESEND_INTERVAL_S as i64);
    let known = request_code(&app, PHONE, "reset_password").await;
    let unknown = request_code(&app, unregistered, "reset_password").await;
    assert_eq!(known.status, 202, "{}", known.text());
    assert_eq!(seen(&known), seen(&unknown));
    let notice = &outbox(&app, unregistered).await.messages[0];
    assert_eq!(notice.code, None);
    assert_eq!(notice.text, SmsMessage::not_registered(unregistered).text);
    assert!(outbox(&app, PHONE).await.messages[0].code.is_some());
    let reset = |phone: &'static str| {
        Call::post(
            "/api/v1/password-resets",
            json!({"phone": phone, "code": "000000", "password": "newpass123"}),
        )
        .send(&app)
    };
    let (known, unknown) = (reset(PHONE).await, reset(unregistered).await);
    assert_eq!(seen(&known), seen(&unknown));
    assert_eq!(field(&known, "code"), "code_wrong");
    // A notice counts against the phone's limits like a code.
    let again = request_code(&app, unregistered, "reset_password").await;
    again.assert_envelope(429, "rate_limited");
}

#[tokio::test]
async fn a_phone_registered_while_its_code_was_pending_is_told_to_its_owner() {
    let (app, _clock) = dev_app();
    let code = code_for(&app, PHONE, "register").await;
    // The phone gets an account while its code is pending (as when two tabs register).
    app.state.db.blocking(|conn| {
        let account = baoming_server::store::accounts::StoredAccount {
            id: "a1".into(),
            phone: PHONE.into(),
            password_hash: "x".into(),
            created_at: t0(),
        };
        assert!(baoming_server::store::accounts::insert(conn, &account).unwrap());
    });
    // A wrong code still says nothing.
    let reply = register_with(&app, PHONE, "000000", PASSWORD).await;
    assert_eq!(field(&reply, "code"), "code_wrong");
    // The right code proves the phone is theirs: the page offers to log in.
    let reply = register_with(&app, PHONE, &code, PASSWORD).await;
    reply.assert_envelope(409, "conflict");
    assert_eq!(field(&reply, "phone"), "phone_registered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_is_used_by_the_one_request_that_acts_on_it() {
    let (app, _clock) = dev_app();
    let code = code_for(&app, PHONE, "register").await;
    // Two tabs send the same code at once: both pass the check, both hash, one registers.
    let (a, b) = tokio::join!(
        register_with(&app, PHONE, &code, PASSWORD),
        register_with(&app, PHONE, &code, PASSWORD)
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 422], "{} / {}", a.text(), b.text());
    let refused = if a.status == 201 { &b } else { &a };
    assert_eq!(field(refused, "code"), "code_wrong");
    assert_eq!(
        query_count(
            &app,
            "SELECT COUNT(*) FROM sms_codes WHERE consumed_at IS NOT NULL"
        ),
        1
    );
}

#[tokio::test]
async fn one_client_address_cannot_keep_guessing_codes() {
    let (app, _clock) = dev_app();
    let guess = |phone: String, client: &'static str| {
        Call::post(
            "/api/v1/accounts",
            json!({"phone": phone, "code": "000000", "password": PASSWORD}),
        )
        .from(client)
        .send(&app)
    };
    // Wrong codes for many phones (each within its own attempts) from one address.
    for i in 0..CLIENT_CODE_FAILURES {
        let reply = guess(format!("137{i:08}"), "198.51.100.7:5000").await;
        assert_eq!(field(&reply, "code"), "code_wrong", "{i}");
    }
    let reply = guess("13999999999".into(), "198.51.100.7:5000").await;
    reply.assert_envelope(429, "rate_limited");
    assert!(retry_after(&reply) > 0);
    // Resets share the budget; another address does not.
    let reply = Call::post(
        "/api/v1/password-resets",
        json!({"phone": PHONE, "code": "000000", "password": PASSWORD}),
    )
    .from("198.51.100.7:5001")
    .send(&app)
    .await;
    reply.assert_envelope(429, "rate_limited");
    let reply = guess("13999999999".into(), "198.51.100.8:5000").await;
    assert_eq!(field(&reply, "code"), "code_wrong");
}

// ---------------------------------------------------------------- field validation

#[tokio::test]
async fn a_weak_password_is_refused_on_its_field() {
    let (app, _clock) = dev_app();
    let code = code_for(&app, PHONE, "register").await;
    let reply = register_with(&app, PHONE, &code, "abcdefgh").await;
    reply.assert_envelope(422, "validation_failed");
    assert_eq!(
        reply.json()["error"]["fields"],
        json!({"password": "password_needs_letter_and_digit"})
    );
    // The code was not used up by the refused attempt.
    let reply = register_with(&app, PHONE, &code, PASSWORD).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
}

#[tokio::test]
async fn every_field_problem_is_reported_at_once() {
    let (app, _clock) = dev_app();
    let reply = register_with(&app, "1380013800", "12a456", "abc1").await;
    reply.assert_envelope(422, "validation_failed");
    assert_eq!(
        reply.json()["error"]["fields"],
        json!({
            "phone": "phone_wrong_length",
            "code": "code_format",
            "password": "password_too_short",
        })
    );
    let reply = register_with(&app, "", "", "").await;
    assert_eq!(
        reply.json()["error"]["fields"],
        json!({"phone": "required", "code": "required", "password": "required"})
    );
    let reply = Call::post(
        "/api/v1/password-resets",
        json!({"phone": "12800138000", "code": "1", "password": "12345678"}),
    )
    .send(&app)
    .await;
    reply.assert_envelope(422, "validation_failed");
    assert_eq!(
        reply.json()["error"]["fields"],
        json!({
            "phone": "phone_not_mobile",
            "code": "code_format",
            "password": "password_needs_letter_and_digit",
        })
    );
    let reply = request_code(&app, "138-0013-800a", "register").await;
    reply.assert_envelope(422, "validation_failed");
    assert_eq!(field(&reply, "phone"), "phone_invalid_characters");
    request_code(&app, PHONE, "sign_up")
        .await
        .assert_envelope(422, "validation_failed");
}

// ---------------------------------------------------------------- password reset

#[tokio::test]
async fn a_password_reset_revokes_every_session_and_the_old_password() {
    let (app, clock) = dev_app();
    let first = register(&app, PHONE).await;
    let reply = login(&app, PHONE, PASSWORD).await;
    let second = session_cookie(&reply);
    assert_eq!(me(&app, &second).await.status, 200);

    // Lock the account first: a reset unlocks it.
    let mut failures = 0;
    while failures < LOGIN_LOCK_AFTER_FAILURES {
        clock.advance(login_delay_after_failures(failures) as i64);
        login(&app, PHONE, "wrong1234").await;
        failures += 1;
    }
    login(&app, PHONE, PASSWORD)
        .await
        .assert_envelope(429, "account_locked");

    let code = code_for(&app, PHONE, "reset_password").await;
    let reset = |code: String, password: &'static str| {
        Call::post(
            "/api/v1/password-resets",
            json!({"phone": PHONE, "code": code, "password": password}),
        )
        .send(&app)
    };
    let reply = reset(code.clone(), "newpass123").await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    assert!(reply.header("set-cookie").unwrap().contains("Max-Age=0"));

    for cookie in [&first, &second] {
        me(&app, cookie)
            .await
            .assert_envelope(401, "unauthenticated");
    }
    login(&app, PHONE, PASSWORD)
        .await
        .assert_envelope(401, "unauthenticated");
    let reply = login(&app, PHONE, "newpass123").await;
    assert_eq!(reply.status, 200, "{}", reply.text());

    // The code is used up.
    let reply = reset(code, "other12345").await;
    reply.assert_envelope(422, "validation_failed");
    assert_eq!(field(&reply, "code"), "code_wrong");
}

// ---------------------------------------------------------------- sessions

#[tokio::test]
async fn sessions_slide_and_expire_after_a_week_unused() {
    let (app, clock) = dev_app();
    let cookie = register(&app, PHONE).await;
    let idle = SESSION_IDLE_S as i64;

    // Within a minute nothing is written and no cookie is re-sent.
    clock.advance(30);
    let reply = me(&app, &cookie).await;
    assert_eq!(reply.status, 200);
    assert!(reply.header("set-cookie").is_none());

    // Used just before the week is over: extended, and the cookie's Max-Age renewed.
    clock.advance(idle - 40);
    let reply = me(&app, &cookie).await;
    assert_eq!(reply.status, 200);
    let renewed = reply.header("set-cookie").expect("renewed cookie");
    assert_eq!(session_cookie(&reply), cookie);
    assert!(renewed.contains("Max-Age=604800"), "{renewed}");

    clock.advance(idle - 1);
    assert_eq!(me(&app, &cookie).await.status, 200);
    clock.advance(idle);
    me(&app, &cookie)
        .await
        .assert_envelope(401, "unauthenticated");
}

#[tokio::test]
async fn secure_cookies_use_the_host_prefix() {
    let (app, _clock) = dev_app_with(|c| c.secure_cookies = true);
    let code = code_for(&app, PHONE, "register").await;
    let reply = register_with(&app, PHONE, &code, PASSWORD).await;
    assert_eq!(reply.status, 201);
    let set = reply.header("set-cookie").unwrap();
    assert!(set.starts_with("__Host-baoming_session="), "{set}");
    for part in ["; Secure", "; HttpOnly", "; SameSite=Lax", "; Path=/"] {
        assert!(set.contains(part), "{set} lacks {part}");
    }
    assert!(!set.contains("Domain"), "{set}");
    let cookie = session_cookie(&reply);
    assert_eq!(me(&app, &cookie).await.status, 200);
    // The same token under the plain name is not accepted.
    let plain = cookie.replace("__Host-", "");
    me(&app, &plain)
        .await
        .assert_envelope(401, "unauthenticated");
    let reply = Call::new("DELETE", "/api/v1/sessions/current")
        .cookie(&cookie)
        .send(&app)
        .await;
    let cleared = reply.header("set-cookie").unwrap();
    assert!(
        cleared.starts_with("__Host-baoming_session=;") && cleared.contains("; Secure"),
        "{cleared}"
    );
}

#[tokio::test]
async fn cross_site_log_in_is_refused() {
    let (app, _clock) = dev_app();
    register(&app, PHONE).await;
    let req = Request::post("/api/v1/sessions")
        .header("origin", "http://evil.test")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"phone": PHONE, "password": PASSWORD}).to_string(),
        ))
        .unwrap();
    let reply = app.send(req).await;
    reply.assert_envelope(403, "cross_site_request");
    assert!(reply.header("set-cookie").is_none());
}

// ---------------------------------------------------------------- development endpoints

#[tokio::test]
async fn the_dev_endpoints_exist_only_in_development_mode() {
    let app = TestApp::build(Clock::fixed(t0()), |_| {});
    app.get("/api/v1/dev/sms-outbox")
        .await
        .assert_envelope(404, "not_found");
    Call::new("POST", format!("/api/v1/dev/sessions/expire?phone={PHONE}"))
        .send(&app)
        .await
        .assert_envelope(404, "not_found");
    // Outside development mode codes go to the SMS provider (here one that cannot be
    // reached: see tests/sms_providers.rs for real ones), never to the outbox.
    request_code(&app, PHONE, "register")
        .await
        .assert_envelope(503, "unavailable");
    assert_eq!(query_count(&app, "SELECT COUNT(*) FROM sms_outbox"), 0);
}

#[tokio::test]
async fn the_outbox_lists_newest_first_and_expiring_sessions_shows_the_401() {
    let (app, clock) = dev_app();
    let other = "13900139000";
    request_code(&app, PHONE, "register").await;
    clock.advance(5);
    request_code(&app, other, "register").await;
    let reply = app.get("/api/v1/dev/sms-outbox").await;
    let all: Outbox = serde_json::from_slice(&reply.body).unwrap();
    let phones: Vec<_> = all.messages.iter().map(|m| m.phone.as_str()).collect();
    assert_eq!(phones, [other, PHONE]);
    assert_eq!(outbox(&app, other).await.messages.len(), 1);
    app.get("/api/v1/dev/sms-outbox?phone=12")
        .await
        .assert_envelope(422, "validation_failed");

    clock.advance(SMS_RESEND_INTERVAL_S as i64);
    let cookie = register(&app, PHONE).await;
    assert_eq!(me(&app, &cookie).await.status, 200);
    let reply = Call::new("POST", format!("/api/v1/dev/sessions/expire?phone={PHONE}"))
        .send(&app)
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    me(&app, &cookie)
        .await
        .assert_envelope(401, "unauthenticated");
    Call::new("POST", format!("/api/v1/dev/sessions/expire?phone={other}"))
        .send(&app)
        .await
        .assert_envelope(404, "not_found");
}
