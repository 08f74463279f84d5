//! Wrong passwords slow down and lock the pair of phone and client address, not the
//! account: a stranger guessing a candidate's password from their own address locks only
//! themselves out, and the candidate still logs in from theirs.

mod common;

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use baoming_contract::auth::{LOGIN_LOCK_AFTER_FAILURES, login_delay_after_failures};
use common::journey::*;
use common::{Reply, TestApp};
use serde_json::json;

const PHONE: &str = "13800138000";

async fn login_from(app: &TestApp, addr: &str, password: &str) -> Reply {
    let mut req = Call::new("POST", "/api/v1/sessions")
        .json(&json!({"phone": PHONE, "password": password}))
        .request();
    let peer: SocketAddr = format!("{addr}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(peer));
    common::send(&app.app, req).await
}

#[tokio::test]
async fn a_stranger_cannot_lock_a_candidate_out() {
    let (app, clock) = dev_app();
    register(&app, PHONE).await;
    // The stranger guesses until locked (waiting out each delay, as a patient script would).
    for failures in 0..LOGIN_LOCK_AFTER_FAILURES {
        clock.advance(login_delay_after_failures(failures) as i64);
        let reply = login_from(&app, "203.0.113.7", "wrong-guess-1").await;
        let last = failures + 1 == LOGIN_LOCK_AFTER_FAILURES;
        if last {
            reply.assert_envelope(429, "account_locked");
        } else {
            reply.assert_envelope(401, "unauthenticated");
        }
    }
    // Locked: even the right password from the stranger's address is refused...
    login_from(&app, "203.0.113.7", PASSWORD)
        .await
        .assert_envelope(429, "account_locked");
    // ...while the candidate, from their own address, logs in at once.
    let reply = login_from(&app, "198.51.100.20", PASSWORD).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
}

#[tokio::test]
async fn unknown_phones_are_slowed_down_like_known_ones() {
    let (app, _clock) = dev_app();
    // No account for PHONE: the same answers, and the same slow-down after a few tries.
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(
            login_from(&app, "203.0.113.8", "wrong-guess-1")
                .await
                .status
                .as_u16(),
        );
    }
    assert_eq!(statuses[0], 401);
    assert!(statuses.contains(&429), "{statuses:?}");
}
