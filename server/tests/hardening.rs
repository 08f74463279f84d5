//! Registration-day hardening: secure session cookies by default, the absolute session
//! lifetime, the `Host` check against DNS rebinding, `X-Forwarded-For` from trusted proxies
//! only, and idempotency keys bound to their request.

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use baoming_contract::auth::{SESSION_ABSOLUTE_S, SESSION_IDLE_S, SMS_PER_CLIENT_PER_HOUR};
use baoming_server::clock::Clock;
use baoming_server::config::{Config, IpNet};
use common::journey::{Call, dev_app, register, session_cookie, submitted, t0};
use common::{ALLOWED_ORIGIN, Reply, TestApp};
use serde_json::json;

// ---------------------------------------------------------------- cookies

/// A production-mode application with one account and a session for it (production mode
/// sends SMS for real, so the session is made directly); returns the token.
fn production_with_session(adjust: impl FnOnce(&mut Config)) -> (TestApp, String) {
    let app = TestApp::build(Clock::fixed(t0()), adjust);
    let token = app.state.db.blocking(|conn| {
        conn.execute(
            "INSERT INTO accounts (id, phone, password_hash, created_at)
             VALUES ('acc-prod', '13800138000', 'x', 0)",
            [],
        )
        .unwrap();
        baoming_server::auth::create_session(conn, "acc-prod", t0()).unwrap()
    });
    (app, token)
}

async fn me(app: &TestApp, cookie: &str) -> Reply {
    Call::new("GET", "/api/v1/me")
        .cookie(cookie)
        .send(app)
        .await
}

async fn log_out(app: &TestApp) -> Reply {
    Call::new("DELETE", "/api/v1/sessions/current")
        .send(app)
        .await
}

#[tokio::test]
async fn production_cookies_are_secure_host_cookies_by_default() {
    let (app, token) = production_with_session(|_| {});
    assert!(app.state.config.cookies_secure());
    let cleared = log_out(&app).await;
    let set = cleared.header("set-cookie").expect("Set-Cookie");
    assert!(set.starts_with("__Host-baoming_session=;"), "{set}");
    for part in ["; Secure", "; HttpOnly", "; SameSite=Lax", "; Path=/"] {
        assert!(set.contains(part), "{set} lacks {part}");
    }
    assert!(!set.contains("Domain"), "{set}");
    assert_eq!(
        me(&app, &format!("__Host-baoming_session={token}"))
            .await
            .status,
        200
    );
    me(&app, &format!("baoming_session={token}"))
        .await
        .assert_envelope(401, "unauthenticated");
}

#[tokio::test]
async fn insecure_cookies_and_development_mode_keep_the_plain_cookie() {
    let (app, token) = production_with_session(|c| c.insecure_cookies = true);
    let set = log_out(&app).await;
    let set = set.header("set-cookie").expect("Set-Cookie");
    assert!(set.starts_with("baoming_session=;"), "{set}");
    assert!(!set.contains("Secure"), "{set}");
    assert_eq!(
        me(&app, &format!("baoming_session={token}")).await.status,
        200
    );

    let (app, _clock) = dev_app();
    let cookie = register(&app, "13900139000").await;
    assert!(cookie.starts_with("baoming_session="), "{cookie}");
    let set = log_out(&app).await;
    assert!(!set.header("set-cookie").unwrap().contains("Secure"));
}

#[test]
fn cookie_flags_parse_with_the_old_flag_still_accepted() {
    use baoming_server::cli::{Command, parse};
    let config = |args: &[&str]| match parse(args.iter().copied(), |_| None) {
        Ok(Command::Serve(c)) => c,
        other => panic!("{other:?}"),
    };
    assert!(config(&[]).cookies_secure());
    assert!(config(&["--secure-cookies"]).cookies_secure());
    assert!(!config(&["--insecure-cookies"]).cookies_secure());
    assert!(!config(&["--dev"]).cookies_secure());
    assert!(config(&["--dev", "--secure-cookies"]).cookies_secure());
    assert!(parse(["--secure-cookies", "--insecure-cookies"], |_| None).is_err());
}

// ---------------------------------------------------------------- lifetime

#[tokio::test]
async fn a_session_used_daily_still_ends_at_its_absolute_lifetime() {
    let (app, clock) = dev_app();
    let cookie = register(&app, "13900139001").await;
    let days = SESSION_ABSOLUTE_S / 86_400;
    const { assert!(SESSION_ABSOLUTE_S > SESSION_IDLE_S) };
    for day in 1..days {
        clock.advance(86_400);
        let reply = me(&app, &cookie).await;
        assert_eq!(reply.status, 200, "day {day}: {}", reply.text());
        // The refreshed cookie never outlives the absolute end.
        if let Some(set) = reply.header("set-cookie") {
            let left = (days - day) * 86_400;
            assert!(
                set.contains(&format!("Max-Age={}", left.min(SESSION_IDLE_S))),
                "day {day}: {set}"
            );
        }
    }
    clock.advance(86_400);
    me(&app, &cookie)
        .await
        .assert_envelope(401, "unauthenticated");
    // Logging in again starts a new month.
    let again = Call::new("POST", "/api/v1/sessions")
        .json(&json!({"phone": "13900139001", "password": common::journey::PASSWORD}))
        .send(&app)
        .await;
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(me(&app, &session_cookie(&again)).await.status, 200);
}

// ---------------------------------------------------------------- Host

async fn health_with_host(app: &TestApp, host: Option<&str>) -> Reply {
    let mut builder = Request::get("/api/v1/health");
    if let Some(host) = host {
        builder = builder.header("host", host);
    }
    app.send(builder.body(Body::empty()).unwrap()).await
}

fn assert_misdirected(reply: &Reply) {
    assert_eq!(reply.status, 421, "{}", reply.text());
    assert_eq!(reply.json()["error"]["code"], "cross_site_request");
}

#[tokio::test]
async fn a_rebinding_host_is_refused_in_development_mode() {
    let (app, _clock) = dev_app();
    for host in ["evil.test", "evil.test:8787", "127.0.0.1.evil.test:8787"] {
        assert_misdirected(&health_with_host(&app, Some(host)).await);
    }
    // The journeys and conformance reach it on loopback; the allowed origin's host too;
    // in-process and other non-browser requests carry no Host.
    for host in [
        Some("127.0.0.1:8787"),
        Some("localhost:40123"),
        Some("[::1]:8787"),
        Some("localhost:8080"),
        None,
    ] {
        assert_eq!(health_with_host(&app, host).await.status, 200, "{host:?}");
    }
    // A refused unsafe request changes nothing, whatever its Origin says.
    let req = Request::post("/api/v1/sms-codes")
        .header("host", "evil.test:8787")
        .header("origin", ALLOWED_ORIGIN)
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"phone": "13900139002", "purpose": "register"}).to_string(),
        ))
        .unwrap();
    assert_misdirected(&app.send(req).await);
}

#[tokio::test]
async fn production_answers_only_its_public_and_allowed_origins() {
    let app = TestApp::build(Clock::fixed(t0()), |c| {
        c.public_origins = vec!["https://api.exam.example.cn".into()];
    });
    for host in [
        "api.exam.example.cn",
        "api.exam.example.cn:443",
        "localhost:8080",
    ] {
        assert_eq!(
            health_with_host(&app, Some(host)).await.status,
            200,
            "{host}"
        );
    }
    for host in ["evil.test", "127.0.0.1:8787", "api.exam.example.cn:8443"] {
        assert_misdirected(&health_with_host(&app, Some(host)).await);
    }
}

// ---------------------------------------------------------------- X-Forwarded-For

/// Sends one more SMS code request than the per-client limit allows, each from `peer` with
/// a different `X-Forwarded-For` client; returns the last answer.
async fn spray_through(app: &TestApp, peer: &str) -> Reply {
    let peer: SocketAddr = peer.parse().unwrap();
    let mut last = None;
    for i in 0..=SMS_PER_CLIENT_PER_HOUR {
        let mut req = Request::post("/api/v1/sms-codes")
            .header("origin", ALLOWED_ORIGIN)
            .header("content-type", "application/json")
            .header("x-forwarded-for", format!("6.6.6.6, 203.0.113.{i}"))
            .body(Body::from(
                json!({"phone": format!("1390001{i:04}"), "purpose": "register"}).to_string(),
            ))
            .unwrap();
        req.extensions_mut().insert(ConnectInfo(peer));
        last = Some(app.send(req).await);
    }
    last.unwrap()
}

fn dev_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    TestApp::build(Clock::fixed(t0()), |c| {
        c.dev_mode = true;
        adjust(c);
    })
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    // `--trust-forwarded-for` now trusts loopback proxies only: a header from an address
    // on the internet is the client's own claim.
    let app = dev_app_with(|c| {
        c.trust_forwarded_for = true;
        c.trusted_proxies = vec![IpNet::parse("10.0.0.0/8").unwrap()];
    });
    spray_through(&app, "198.51.100.7:40000")
        .await
        .assert_envelope(429, "rate_limited");
}

#[tokio::test]
async fn forwarded_for_from_a_trusted_proxy_names_the_client() {
    let app = dev_app_with(|c| c.trusted_proxies = vec![IpNet::parse("10.0.0.0/8").unwrap()]);
    let reply = spray_through(&app, "10.1.2.3:40000").await;
    assert_eq!(reply.status, 202, "{}", reply.text());
}

// ---------------------------------------------------------------- idempotency

#[tokio::test]
async fn an_idempotency_key_answers_only_its_own_request() {
    let (app, _clock) = dev_app();
    // Submitted with the key `submit-1` and no body.
    let (cookie, first) = submitted(&app, "13900139003").await;
    let submit = format!("/api/v1/applications/{}/submit", first.id);

    // The same request again: the first answer, marked as a replay.
    let again = Call::new("POST", submit.clone())
        .cookie(&cookie)
        .key("submit-1")
        .send(&app)
        .await;
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(common::journey::application(&again), first);

    // The same key with another body, or for another endpoint: refused.
    let other_body = Call::new("POST", submit)
        .cookie(&cookie)
        .key("submit-1")
        .json(&json!({"note": "other"}))
        .send(&app)
        .await;
    other_body.assert_envelope(422, "validation_failed");
    assert_eq!(
        other_body.json()["error"]["fields"]["idempotency_key"],
        "idempotency_key_reused"
    );
    let other_endpoint = Call::new("POST", format!("/api/v1/applications/{}/orders", first.id))
        .cookie(&cookie)
        .key("submit-1")
        .send(&app)
        .await;
    other_endpoint.assert_envelope(422, "validation_failed");
    assert_eq!(
        other_endpoint.json()["error"]["fields"]["idempotency_key"],
        "idempotency_key_reused"
    );
}
