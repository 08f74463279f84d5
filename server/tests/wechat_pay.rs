//! The reference backend against the strict WeChat Pay double (`wechatpay-double`, written
//! from WeChat Pay's documentation and sharing no code with the backend): the backend
//! listens on a real port for the double's notifications, both clocks stand still at the
//! same instant and move together.
//!
//! What must hold: a code refresh never re-orders an `out_trade_no` (the old attempt is
//! asked about, closed, and a new one made; the order number stays); a payment on any
//! attempt counts; a lost notification is found by the reconciler; a second payment is
//! refunded automatically; staff refunds complete through the refund notification;
//! platform certificates rotate without a restart; no request waits on WeChat behind
//! another request's database work.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use baoming_contract::api::{Order, OrderStatus, PaymentNotice};
use baoming_contract::review::ORDER_CODE_TTL_S;
use baoming_contract::status::ApplicationStatus;
use baoming_server::checkout;
use baoming_server::clock::Clock;
use baoming_server::config::Payments;
use baoming_server::wechat_pay::{PlatformSignature, PublicKeyFile, WechatPayConfig};
use common::journey::*;
use common::{Reply, TestApp};
use serde_json::json;
use wechatpay_double::{DoubleConfig, KeyMode, RotateMode, RunningDouble, TradeState, fixtures};

const PHONE: &str = "13800138000";

/// The backend, serving on a port of its own, and the double it pays through.
struct Paying {
    app: TestApp,
    clock: Clock,
    double: RunningDouble,
    origin: String,
}

impl Paying {
    async fn start(mode: KeyMode) -> Paying {
        let clock = Clock::fixed(t0());
        let double = wechatpay_double::start(DoubleConfig {
            mode,
            start_at: Some(t0().0),
            ..DoubleConfig::for_tests()
        })
        .await
        .expect("the double starts");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let wechat = WechatPayConfig {
            mchid: fixtures::MCHID.into(),
            appid: fixtures::APPID.into(),
            merchant_serial: fixtures::MERCHANT_CERT_SERIAL.into(),
            merchant_key_path: fixtures::fixture_path("merchant_key.pem"),
            api_v3_key: fixtures::API_V3_KEY.into(),
            public_keys: match mode {
                KeyMode::PublicKey => vec![PublicKeyFile {
                    id: fixtures::PLATFORM_1_PUB_KEY_ID.into(),
                    path: fixtures::fixture_path("platform_1_public.pem"),
                }],
                KeyMode::Certificate => Vec::new(),
            },
            download_certificates: mode == KeyMode::Certificate,
            notify_url: format!("{origin}/api/v1/payments/wechat/notify"),
            api_base: double.base_url(),
        };
        let app = TestApp::build(clock.clone(), |c| {
            c.dev_mode = true;
            c.payments = Payments::Wechat(Box::new(wechat));
        });
        let service = baoming_server::app(app.state.clone())
            .into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, service).await;
        });
        Paying {
            app,
            clock,
            double,
            origin,
        }
    }

    /// Both clocks forward.
    fn advance(&self, seconds: i64) {
        self.clock.advance(seconds);
        self.double.advance_clock(seconds);
    }

    fn attempts(&self, order_no: &str) -> Vec<(String, String)> {
        self.app
            .state
            .db
            .blocking(|c| baoming_server::store::orders::attempts(c, order_no))
            .unwrap()
            .into_iter()
            .map(|a| (a.out_trade_no, format!("{:?}", a.state)))
            .collect()
    }

    /// The `/v3` requests the double answered, as `METHOD path status [code]`.
    fn calls(&self) -> Vec<String> {
        self.double
            .requests()
            .into_iter()
            .map(|r| {
                let path = r.path.split('?').next().unwrap_or_default().to_owned();
                format!(
                    "{} {path} {}{}",
                    r.method,
                    r.status,
                    r.code.map(|c| format!(" {c}")).unwrap_or_default()
                )
            })
            .collect()
    }
}

/// `POST /admin/applications/{id}/refund` as the development reviewer.
async fn refund(p: &Paying, id: &str, reason: &str) -> Reply {
    Call::new("POST", format!("/api/v1/admin/applications/{id}/refund"))
        .reviewer()
        .json(&json!({ "reason": reason }))
        .send(&p.app)
        .await
}

fn order(reply: &Reply) -> Order {
    assert_eq!(reply.status, 200, "{}", reply.text());
    serde_json::from_slice(&reply.body).unwrap_or_else(|e| panic!("{e}: {}", reply.text()))
}

async fn create_order(p: &Paying, cookie: &str, id: &str, key: &str) -> Order {
    order(
        &Call::new("POST", format!("/api/v1/applications/{id}/orders"))
            .cookie(cookie)
            .key(key)
            .send(&p.app)
            .await,
    )
}

async fn get_order(p: &Paying, cookie: &str, no: &str) -> Order {
    order(
        &Call::new("GET", format!("/api/v1/orders/{no}"))
            .cookie(cookie)
            .send(&p.app)
            .await,
    )
}

/// Polls the order (as the pay page does) until `done` or 5 s.
async fn wait_order(p: &Paying, cookie: &str, no: &str, done: impl Fn(&Order) -> bool) -> Order {
    for _ in 0..400 {
        // Each poll may ask WeChat; move past the poll interval so it does.
        p.advance(checkout::POLL_QUERY_INTERVAL_S);
        let o = get_order(p, cookie, no).await;
        if done(&o) {
            return o;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("order {no} never reached the state");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_refresh_makes_a_new_attempt_and_keeps_the_order_number() {
    let p = Paying::start(KeyMode::PublicKey).await;
    let (cookie, app) = approved(&p.app, PHONE).await;
    let first = create_order(&p, &cookie, &app.id, "pay-1").await;
    // The code is WeChat's own, whatever its shape, passed on untouched.
    let code = first.code_url.clone().unwrap();
    let a1 = format!("{}-1", first.order_no);
    assert_eq!(code, p.double.order(&a1).unwrap().code_url);
    assert_eq!(first.code_expires_at.unwrap().0, t0().0 + ORDER_CODE_TTL_S);
    let attempts = p.attempts(&first.order_no);
    assert_eq!(
        attempts,
        [(format!("{}-1", first.order_no), "Open".to_owned())]
    );

    // The candidate comes back after the code expired: the same order, a new code.
    p.advance(ORDER_CODE_TTL_S + 60);
    let again = create_order(&p, &cookie, &app.id, "pay-2").await;
    assert_eq!(again.order_no, first.order_no);
    assert_eq!(again.status, OrderStatus::Unpaid);
    assert_ne!(again.code_url, first.code_url);
    assert_eq!(again.notice, Some(PaymentNotice::CodeReplaced));
    assert_eq!(
        again.code_expires_at.unwrap().0,
        p.clock.now().0 + ORDER_CODE_TTL_S
    );
    let a2 = format!("{}-2", first.order_no);
    assert_eq!(
        p.attempts(&first.order_no),
        [
            (a1.clone(), "Closed".to_owned()),
            (a2.clone(), "Open".to_owned())
        ]
    );
    // Never a repeated out_trade_no with other parameters: asked, closed, then a new one;
    // the double refused nothing.
    let calls = p.calls();
    assert_eq!(
        calls,
        [
            "POST /v3/pay/transactions/native 200".to_owned(),
            format!("GET /v3/pay/transactions/out-trade-no/{a1} 200"),
            format!("POST /v3/pay/transactions/out-trade-no/{a1}/close 204"),
            "POST /v3/pay/transactions/native 200".to_owned(),
        ],
        "{calls:#?}"
    );
    assert_eq!(p.double.order(&a1).unwrap().trade_state, TradeState::Closed);
    // Every request named the platform key the backend holds.
    assert!(
        p.double
            .requests()
            .iter()
            .all(|r| r.wechatpay_serial.as_deref() == Some(fixtures::PLATFORM_1_PUB_KEY_ID))
    );

    // Paying the new code: the notification pays the order and the application.
    p.double.pay(&a2, true).unwrap();
    let paid = wait_order(&p, &cookie, &first.order_no, |o| {
        o.status == OrderStatus::Paid
    })
    .await;
    assert_eq!(paid.notice, None);
    assert_eq!(
        get_app(&p.app, &cookie, &app.id).await.status,
        ApplicationStatus::Paid
    );
    let delivered = p
        .double
        .wait_for_notification(Duration::from_secs(5), |n| n.out_trade_no == a2)
        .await
        .expect("a notification");
    assert!(matches!(delivered.status, Some(200 | 204)), "{delivered:?}");
    // A repeat of the notification changes nothing.
    p.double.resend_notification(&a2).unwrap();
    let orders: i64 = p
        .app
        .state
        .db
        .blocking(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM payment_log WHERE event = 'paid'",
                [],
                |r| r.get(0),
            )
        })
        .unwrap();
    assert_eq!(orders, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_on_the_old_code_counts_when_the_new_one_is_asked_for() {
    let p = Paying::start(KeyMode::PublicKey).await;
    let (cookie, app) = approved(&p.app, PHONE).await;
    let first = create_order(&p, &cookie, &app.id, "pay-1").await;
    let a1 = format!("{}-1", first.order_no);
    // Paid a minute before the code's end, the notification lost.
    p.advance(ORDER_CODE_TTL_S - 60);
    p.double.pay(&a1, false).unwrap();
    let again = create_order(&p, &cookie, &app.id, "pay-2").await;
    assert_eq!(again.status, OrderStatus::Paid, "{again:?}");
    assert_eq!(
        p.attempts(&first.order_no),
        [(a1.clone(), "Paid".to_owned())]
    );
    // Asked, never closed.
    assert!(
        !p.calls().iter().any(|c| c.contains("/close")),
        "{:#?}",
        p.calls()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_notification_is_found_by_the_reconciler() {
    let p = Paying::start(KeyMode::PublicKey).await;
    let (cookie, app) = approved(&p.app, PHONE).await;
    let first = create_order(&p, &cookie, &app.id, "pay-1").await;
    let a1 = format!("{}-1", first.order_no);
    p.double.pay(&a1, false).unwrap();
    // Not yet overdue: the reconciler leaves it alone.
    let done = checkout::reconcile_once(&p.app.state).await.unwrap();
    assert_eq!(done.checked, 0);
    // The candidate closed the page; minutes later the reconciler asks.
    p.advance(checkout::RECONCILE_AFTER_S + 1);
    let done = checkout::reconcile_once(&p.app.state).await.unwrap();
    assert_eq!((done.checked, done.paid), (1, 1), "{done:?}");
    let app_now = get_app(&p.app, &cookie, &app.id).await;
    assert_eq!(app_now.status, ApplicationStatus::Paid);
    // An abandoned code is closed once it expired.
    let (cookie_b, app_b) = approved(&p.app, "13900139000").await;
    let other = create_order(&p, &cookie_b, &app_b.id, "pay-b").await;
    p.advance(ORDER_CODE_TTL_S + 1);
    let done = checkout::reconcile_once(&p.app.state).await.unwrap();
    assert_eq!(done.closed, 1, "{done:?}");
    let b1 = format!("{}-1", other.order_no);
    assert_eq!(p.double.order(&b1).unwrap().trade_state, TradeState::Closed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_payment_gets_a_new_code_in_the_candidates_words() {
    let p = Paying::start(KeyMode::PublicKey).await;
    let (cookie, app) = approved(&p.app, PHONE).await;
    let first = create_order(&p, &cookie, &app.id, "pay-1").await;
    let a1 = format!("{}-1", first.order_no);
    p.double.fail(&a1).unwrap();
    let o = Call::new("POST", format!("/api/v1/orders/{}/query", first.order_no))
        .cookie(&cookie)
        .send(&p.app)
        .await;
    let o = order(&o);
    assert_eq!(o.status, OrderStatus::Unpaid);
    assert_eq!(o.notice, Some(PaymentNotice::PaymentFailed));
    assert_ne!(o.code_url, first.code_url);
    assert_eq!(o.order_no, first.order_no);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_payment_is_refunded_automatically_and_logged() {
    let p = Paying::start(KeyMode::PublicKey).await;
    let (cookie, app) = approved(&p.app, PHONE).await;
    let first = create_order(&p, &cookie, &app.id, "pay-1").await;
    let a1 = format!("{}-1", first.order_no);
    // WeChat reporting two paid attempts of one order "cannot happen": make it happen with
    // a second attempt the double knows about.
    let a9 = format!("{}-9", first.order_no);
    let req = baoming_server::payments::PrepayRequest {
        out_trade_no: a9.clone(),
        amount_fen: first.amount_fen,
        description: "x".into(),
        time_expire: baoming_contract::time::Timestamp(t0().0 + 3600),
    };
    let provider = Arc::clone(&p.app.state.payments);
    tokio::task::spawn_blocking(move || provider.prepay(&req))
        .await
        .unwrap()
        .unwrap();
    p.app.state.db.blocking(|c| {
        c.execute(
            "INSERT INTO payment_attempts (out_trade_no, order_no, amount_fen, description,
                                           time_expire, state, created_at)
             VALUES (?1, ?2, ?3, 'x', ?4, 'open', ?5)",
            rusqlite::params![
                a9,
                first.order_no,
                first.amount_fen as i64,
                t0().0 + 3600,
                t0().0
            ],
        )
        .unwrap()
    });
    p.double.pay(&a1, true).unwrap();
    wait_order(&p, &cookie, &first.order_no, |o| {
        o.status == OrderStatus::Paid
    })
    .await;
    p.double.pay(&a9, true).unwrap();
    // The second payment goes back, the first stays.
    for _ in 0..400 {
        if p.double.refunds().iter().any(|r| r.out_trade_no == a9) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let refunds = p.double.refunds();
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!(refunds[0].out_trade_no, a9);
    assert_eq!(refunds[0].refund, first.amount_fen as i64);
    let o = get_order(&p, &cookie, &first.order_no).await;
    assert_eq!(o.status, OrderStatus::Paid);
    assert_eq!(
        get_app(&p.app, &cookie, &app.id).await.status,
        ApplicationStatus::Paid
    );
    let logged: Vec<String> = p.app.state.db.blocking(|c| {
        baoming_server::store::orders::log_of(c, &first.order_no)
            .unwrap()
            .into_iter()
            .map(|e| e.event)
            .collect()
    });
    assert!(
        logged.contains(&"duplicate_payment".to_owned()),
        "{logged:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_refund_a_paid_application_and_the_candidate_sees_it() {
    let p = Paying::start(KeyMode::PublicKey).await;
    let (cookie, app) = approved(&p.app, PHONE).await;
    let first = create_order(&p, &cookie, &app.id, "pay-1").await;
    // Not paid yet: no refund.
    let early = refund(&p, &app.id, "考生申请退考").await;
    early.assert_envelope(409, "invalid_transition");
    p.double
        .pay(&format!("{}-1", first.order_no), true)
        .unwrap();
    wait_order(&p, &cookie, &first.order_no, |o| {
        o.status == OrderStatus::Paid
    })
    .await;
    // A reason is required.
    let bare = refund(&p, &app.id, "  ").await;
    bare.assert_envelope(422, "validation_failed");
    // A candidate's session cannot refund.
    let candidate = Call::new(
        "POST",
        format!("/api/v1/admin/applications/{}/refund", app.id),
    )
    .cookie(&cookie)
    .json(&json!({"reason": "考生申请退考"}))
    .send(&p.app)
    .await;
    assert_eq!(candidate.status, 401, "{}", candidate.text());
    let refunded = refund(&p, &app.id, "考生申请退考").await;
    let refunded = order(&refunded);
    assert!(
        refunded.status == OrderStatus::Refunded
            || refunded.notice == Some(PaymentNotice::RefundPending),
        "{refunded:?}"
    );
    // The refund notification settles it.
    let o = wait_order(&p, &cookie, &first.order_no, |o| {
        o.status == OrderStatus::Refunded
    })
    .await;
    assert!(o.refunded_at.is_some());
    assert_eq!(o.notice, None);
    assert_eq!(
        get_app(&p.app, &cookie, &app.id).await.status,
        ApplicationStatus::Refunded
    );
    let at_wechat = &p.double.refunds()[0];
    assert_eq!(at_wechat.reason.as_deref(), Some("考生申请退考"));
    assert_eq!(
        (at_wechat.refund, at_wechat.total),
        (first.amount_fen as i64, first.amount_fen as i64)
    );
    // Asking again refunds nothing more.
    let again = refund(&p, &app.id, "考生申请退考").await;
    again.assert_envelope(409, "invalid_transition");
    assert_eq!(p.double.refunds().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn platform_certificates_are_downloaded_and_rotate_without_a_restart() {
    let p = Paying::start(KeyMode::Certificate).await;
    let wechat = p.app.state.wechat.clone().unwrap();
    let w = wechat.clone();
    tokio::task::spawn_blocking(move || w.refresh_certificates())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        wechat.platform_keys().preferred().as_deref(),
        Some(fixtures::PLATFORM_1_SERIAL)
    );
    let (cookie, app) = approved(&p.app, PHONE).await;
    let first = create_order(&p, &cookie, &app.id, "pay-1").await;
    // WeChat publishes the new certificate, then signs with it.
    p.double.rotate(RotateMode::PublishBoth).unwrap();
    p.double.rotate(RotateMode::Switch).unwrap();
    p.double
        .pay(&format!("{}-1", first.order_no), true)
        .unwrap();
    let o = wait_order(&p, &cookie, &first.order_no, |o| {
        o.status == OrderStatus::Paid
    })
    .await;
    assert!(o.paid_at.is_some());
    let serials = wechat.platform_keys().serials();
    assert!(
        serials.contains(&fixtures::PLATFORM_2_SERIAL.to_owned()),
        "{serials:?}"
    );
    let _ = p.origin;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_that_do_not_verify_are_refused_in_wechats_words() {
    let p = Paying::start(KeyMode::PublicKey).await;
    let (cookie, app) = approved(&p.app, PHONE).await;
    let first = create_order(&p, &cookie, &app.id, "pay-1").await;
    let a1 = format!("{}-1", first.order_no);
    p.double.pay(&a1, false).unwrap();
    // WeChat's signature probe: a deliberately wrong signature must be refused.
    p.double.send_probe(&a1).unwrap();
    let probe = p
        .double
        .wait_for_notification(Duration::from_secs(5), |n| n.probe && n.status.is_some())
        .await
        .expect("the probe was answered");
    assert_eq!(probe.status, Some(401), "{probe:?}");
    let body: serde_json::Value =
        serde_json::from_str(probe.answer_body.as_deref().unwrap()).unwrap();
    assert_eq!(body["code"], "FAIL");
    assert!(body["message"].is_string());
    // Nothing was recorded from it.
    assert_eq!(
        p.attempts(&first.order_no),
        [(a1.clone(), "Open".to_owned())]
    );

    // An answer signed more than 5 minutes ago is a replay.
    let wechat = p.app.state.wechat.clone().unwrap();
    let signer =
        wechatpay_double::crypto::RsaSigner::from_pkcs8_pem(fixtures::PLATFORM_1_KEY_PEM).unwrap();
    let body = br#"{"code_url":"weixin://wxpay/bizpayurl/up?pr=x&groupid=00"}"#;
    let sign_at = |t: i64| {
        let ts = t.to_string();
        PlatformSignature {
            signature: signer
                .sign_base64(&wechatpay_double::crypto::answer_message(&ts, "n0", body)),
            timestamp: ts,
            nonce: "n0".into(),
            serial: fixtures::PLATFORM_1_PUB_KEY_ID.into(),
        }
    };
    let now = p.clock.now().0;
    assert!(wechat.verify_platform(&sign_at(now - 10), body).is_ok());
    assert!(wechat.verify_platform(&sign_at(now - 301), body).is_err());
    assert!(wechat.verify_platform(&sign_at(now + 301), body).is_err());
    let mut unknown = sign_at(now);
    unknown.serial = "PUB_KEY_ID_UNKNOWN".into();
    assert!(wechat.verify_platform(&unknown, body).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nobody_waits_on_wechat_behind_someone_elses_request() {
    let p = Paying::start(KeyMode::PublicKey).await;
    let (cookie, app) = approved(&p.app, PHONE).await;
    let first = create_order(&p, &cookie, &app.id, "pay-1").await;
    // WeChat answers slowly; 我已支付 waits on it. (The latency is long beside what the
    // rest takes, so the order of events does not depend on this machine's speed.)
    p.double.set_latency(6_000);
    let slow = {
        let (router, cookie, no) = (p.app.app.clone(), cookie.clone(), first.order_no.clone());
        tokio::spawn(async move {
            let call = Call::new("POST", format!("/api/v1/orders/{no}/query")).cookie(&cookie);
            common::send(&router, call.request()).await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Meanwhile the plans answer, and another candidate registers (writes, on the one
    // writer connection): no connection or lock is held across the call to WeChat.
    let plans = p.app.get("/api/v1/plans").await;
    assert_eq!(plans.status, 200);
    tokio::time::timeout(Duration::from_secs(4), register(&p.app, "13900139000"))
        .await
        .expect("a write while WeChat is slow");
    assert!(
        !slow.is_finished(),
        "the slow query should still be waiting on WeChat"
    );
    let done = slow.await.unwrap();
    assert_eq!(done.status, 200, "{}", done.text());
}
