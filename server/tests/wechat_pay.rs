//! The WeChat Pay API v3 provider without the network: keys generated here, a local mock of
//! api.mch.weixin.qq.com that checks each request's signature and signs its answers with
//! the platform key, and signed, encrypted notifications sent to the in-process server.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use baoming_contract::api::{Order, OrderStatus};
use baoming_contract::status::ApplicationStatus;
use baoming_contract::time::Timestamp;
use baoming_server::clock::Clock;
use baoming_server::payments::{PaymentProvider, PaymentState};
use baoming_server::wechat_pay::{
    self, PlatformSignature, WechatPayConfig, WechatPayProvider, request_message,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::journey::*;
use common::{Reply, TestApp};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{Value, json};

const MCHID: &str = "1900000109";
const APPID: &str = "wxd678efh567hg6787";
const MERCHANT_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
const PLATFORM_SERIAL: &str = "PUB_KEY_ID_0119000001092025010100000000000001";
const API_V3_KEY: &str = "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5";
const CODE_URL: &str = "weixin://wxpay/bizpayurl?pr=MockQr7";

struct Keys {
    merchant: RsaPrivateKey,
    platform: RsaPrivateKey,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(20_261_127);
        Keys {
            merchant: RsaPrivateKey::new(&mut rng, 2048).expect("merchant key"),
            platform: RsaPrivateKey::new(&mut rng, 2048).expect("platform key"),
        }
    })
}

/// The mock's memory: verified requests, paid orders, and whether to tamper with answers.
#[derive(Default)]
struct Mock {
    verified: AtomicUsize,
    refused: AtomicUsize,
    tamper: AtomicBool,
    paid: Mutex<HashMap<String, (u64, String)>>,
    prepaid: Mutex<HashMap<String, Value>>,
}

fn platform_signed(status: StatusCode, body: String, mock: &Mock, now: i64) -> Response {
    let nonce = "MockNonce0123456789";
    let message = wechat_pay::response_message(&now.to_string(), nonce, body.as_bytes());
    let signature = wechat_pay::sign(&keys().platform, &message);
    let body = if mock.tamper.load(Ordering::SeqCst) {
        body.replace("MockQr7", "EvilQr7")
            .replace("NOTPAY", "SUCCESS")
    } else {
        body
    };
    (
        status,
        [
            ("content-type", "application/json".to_owned()),
            ("wechatpay-timestamp", now.to_string()),
            ("wechatpay-nonce", nonce.to_owned()),
            ("wechatpay-signature", signature),
            ("wechatpay-serial", PLATFORM_SERIAL.to_owned()),
        ],
        body,
    )
        .into_response()
}

/// Checks `Authorization` as WeChat Pay does: the merchant's signature over the request.
fn authorized(method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> bool {
    let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some(params) = auth.strip_prefix("WECHATPAY2-SHA256-RSA2048 ") else {
        return false;
    };
    let fields: HashMap<&str, &str> = params
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k, v.trim_matches('"')))
        .collect();
    let (Some(ts), Some(nonce), Some(sig)) = (
        fields.get("timestamp").and_then(|t| t.parse::<i64>().ok()),
        fields.get("nonce_str"),
        fields.get("signature"),
    ) else {
        return false;
    };
    if fields.get("mchid") != Some(&MCHID) || fields.get("serial_no") != Some(&MERCHANT_SERIAL) {
        return false;
    }
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("");
    let message = request_message(
        method.as_str(),
        path,
        ts,
        nonce,
        std::str::from_utf8(body).unwrap_or(""),
    );
    wechat_pay::verify(&keys().merchant.to_public_key(), message.as_bytes(), sig)
}

async fn start_mock(now: i64) -> (String, Arc<Mock>) {
    let mock = Arc::new(Mock::default());
    let shared = Arc::clone(&mock);
    let router = Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let mock = Arc::clone(&shared);
            async move {
                if !authorized(&method, &uri, &headers, &body) {
                    mock.refused.fetch_add(1, Ordering::SeqCst);
                    return (
                        StatusCode::UNAUTHORIZED,
                        r#"{"code":"SIGN_ERROR","message":"签名错误"}"#,
                    )
                        .into_response();
                }
                mock.verified.fetch_add(1, Ordering::SeqCst);
                let path = uri.path();
                if method == Method::POST && path == "/v3/pay/transactions/native" {
                    let req: Value = serde_json::from_slice(&body).unwrap();
                    let no = req["out_trade_no"].as_str().unwrap().to_owned();
                    mock.prepaid.lock().unwrap().insert(no, req);
                    return platform_signed(
                        StatusCode::OK,
                        json!({ "code_url": CODE_URL }).to_string(),
                        &mock,
                        now,
                    );
                }
                if let Some(no) = path.strip_prefix("/v3/pay/transactions/out-trade-no/") {
                    if let Some(no) = no.strip_suffix("/close") {
                        assert_eq!(method, Method::POST);
                        let req: Value = serde_json::from_slice(&body).unwrap();
                        assert_eq!(req, json!({ "mchid": MCHID }), "{no}");
                        return platform_signed(StatusCode::NO_CONTENT, String::new(), &mock, now);
                    }
                    assert_eq!(uri.query(), Some(format!("mchid={MCHID}").as_str()));
                    let paid = mock.paid.lock().unwrap().get(no).cloned();
                    let body = match paid {
                        Some((total, at)) => json!({
                            "appid": APPID, "mchid": MCHID, "out_trade_no": no,
                            "transaction_id": "4200000000000000000000000001",
                            "trade_state": "SUCCESS", "success_time": at,
                            "amount": { "total": total, "payer_total": total, "currency": "CNY" },
                        }),
                        None => json!({
                            "appid": APPID, "mchid": MCHID, "out_trade_no": no,
                            "trade_state": "NOTPAY", "amount": { "total": 1, "currency": "CNY" },
                        }),
                    };
                    return platform_signed(StatusCode::OK, body.to_string(), &mock, now);
                }
                (StatusCode::NOT_FOUND, "{}").into_response()
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}"), mock)
}

fn config(api_base: &str) -> WechatPayConfig {
    WechatPayConfig {
        mchid: MCHID.into(),
        appid: APPID.into(),
        merchant_serial: MERCHANT_SERIAL.into(),
        merchant_key_path: "unused".into(),
        api_v3_key: API_V3_KEY.into(),
        platform_key_path: "unused".into(),
        platform_serial: PLATFORM_SERIAL.into(),
        notify_url: "https://baoming.example/api/v1/payments/wechat/notify".into(),
        api_base: api_base.into(),
    }
}

fn provider(api_base: &str, clock: Clock) -> WechatPayProvider {
    WechatPayProvider::new(
        config(api_base),
        keys().merchant.clone(),
        keys().platform.to_public_key(),
        clock,
    )
    .unwrap()
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepay_query_and_close_are_signed_and_verified() {
    let now = t0();
    let (base, mock) = start_mock(now.0).await;
    let p = Arc::new(provider(&base, Clock::fixed(now)));

    let pp = Arc::clone(&p);
    let prepay = blocking(move || pp.prepay("BM202611270000000001", 15000, "报名费", now))
        .await
        .unwrap();
    assert_eq!(prepay.code_url, CODE_URL);
    assert_eq!(prepay.expires_at, Timestamp(now.0 + 7200));
    let sent = mock.prepaid.lock().unwrap()["BM202611270000000001"].clone();
    assert_eq!(
        sent,
        json!({
            "appid": APPID, "mchid": MCHID, "description": "报名费",
            "out_trade_no": "BM202611270000000001",
            "time_expire": "2026-11-27T12:00:00+08:00",
            "notify_url": "https://baoming.example/api/v1/payments/wechat/notify",
            "amount": { "total": 15000, "currency": "CNY" },
        })
    );

    let pp = Arc::clone(&p);
    assert_eq!(
        blocking(move || pp.query("BM202611270000000001"))
            .await
            .unwrap(),
        PaymentState::Unpaid
    );
    mock.paid.lock().unwrap().insert(
        "BM202611270000000001".into(),
        (15000, "2026-11-27T10:05:00+08:00".into()),
    );
    let pp = Arc::clone(&p);
    assert_eq!(
        blocking(move || pp.query("BM202611270000000001"))
            .await
            .unwrap(),
        PaymentState::Paid {
            paid_at: at("2026-11-27T10:05:00+08:00")
        }
    );
    let pp = Arc::clone(&p);
    blocking(move || pp.close("BM202611270000000002"))
        .await
        .unwrap();
    assert_eq!(mock.verified.load(Ordering::SeqCst), 4);
    assert_eq!(mock.refused.load(Ordering::SeqCst), 0);

    // A tampered answer (a body the platform did not sign) is rejected.
    mock.tamper.store(true, Ordering::SeqCst);
    let pp = Arc::clone(&p);
    let err = blocking(move || pp.prepay("BM202611270000000003", 15000, "x", now))
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("signature"), "{err:#}");
    let pp = Arc::clone(&p);
    assert!(
        blocking(move || pp.query("BM202611270000000003"))
            .await
            .is_err()
    );
    mock.tamper.store(false, Ordering::SeqCst);

    // A merchant key the mock does not know is refused by the mock.
    let mut rng = StdRng::seed_from_u64(7);
    let stranger = WechatPayProvider::new(
        config(&base),
        RsaPrivateKey::new(&mut rng, 2048).unwrap(),
        keys().platform.to_public_key(),
        Clock::fixed(now),
    )
    .unwrap();
    let err = blocking(move || stranger.prepay("BM202611270000000004", 1, "x", now))
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("401"), "{err:#}");
    assert_eq!(mock.refused.load(Ordering::SeqCst), 1);

    // Answers signed by another platform key are rejected.
    let wrong_platform: RsaPublicKey = keys().merchant.to_public_key();
    let confused = WechatPayProvider::new(
        config(&base),
        keys().merchant.clone(),
        wrong_platform,
        Clock::fixed(now),
    )
    .unwrap();
    assert!(
        blocking(move || confused.prepay("BM202611270000000005", 1, "x", now))
            .await
            .is_err()
    );
}

/// A signed notification of `transaction`, timestamped `ts`.
fn notification(transaction: &Value, ts: i64) -> (Vec<(String, String)>, Vec<u8>) {
    let nonce = "hgGlDa9fKNrZ";
    let cipher = Aes256Gcm::new_from_slice(API_V3_KEY.as_bytes()).unwrap();
    let ciphertext = cipher
        .encrypt(
            Nonce::from_slice(nonce.as_bytes()),
            Payload {
                msg: transaction.to_string().as_bytes(),
                aad: b"transaction",
            },
        )
        .unwrap();
    let body = json!({
        "id": "EV-2018022511223320873",
        "create_time": "2026-11-27T10:05:00+08:00",
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
        "resource": {
            "original_type": "transaction",
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": BASE64.encode(ciphertext),
            "associated_data": "transaction",
            "nonce": nonce,
        },
    })
    .to_string()
    .into_bytes();
    let sig_nonce = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS";
    let message = wechat_pay::response_message(&ts.to_string(), sig_nonce, &body);
    let signature = wechat_pay::sign(&keys().platform, &message);
    let headers = vec![
        ("wechatpay-timestamp".to_owned(), ts.to_string()),
        ("wechatpay-nonce".to_owned(), sig_nonce.to_owned()),
        ("wechatpay-signature".to_owned(), signature),
        ("wechatpay-serial".to_owned(), PLATFORM_SERIAL.to_owned()),
    ];
    (headers, body)
}

fn paid_transaction(order_no: &str, total: u64) -> Value {
    json!({
        "appid": APPID, "mchid": MCHID, "out_trade_no": order_no,
        "transaction_id": "4200000000000000000000000002",
        "trade_type": "NATIVE", "trade_state": "SUCCESS", "trade_state_desc": "支付成功",
        "bank_type": "OTHERS", "success_time": "2026-11-27T10:05:00+08:00",
        "payer": { "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" },
        "amount": { "total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY" },
    })
}

async fn notify(app: &TestApp, headers: &[(String, String)], body: Vec<u8>) -> Reply {
    // As WeChat Pay sends it: no Origin, no cookie.
    let mut req =
        Request::post("/api/v1/payments/wechat/notify").header("content-type", "application/json");
    for (k, v) in headers {
        req = req.header(k, v);
    }
    app.send(req.body(Body::from(body)).unwrap()).await
}

fn wechat_app(base: &str) -> TestApp {
    let (mut app, clock) = dev_app();
    app.state = app
        .state
        .clone()
        .with_payment_provider(Arc::new(provider(base, clock)));
    app.app = baoming_server::app(app.state.clone());
    app
}

async fn open_order(app: &TestApp, phone: &str) -> (String, String, Order) {
    let (cookie, approved) = approved(app, phone).await;
    let reply = Call::new(
        "POST",
        format!("/api/v1/applications/{}/orders", approved.id),
    )
    .cookie(&cookie)
    .key(&format!("key-{phone}"))
    .send(app)
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let order: Order = serde_json::from_slice(&reply.body).unwrap();
    (cookie, approved.id, order)
}

fn stored_order(app: &TestApp, order_no: &str) -> (String, Option<i64>) {
    let no = order_no.to_owned();
    app.state
        .db
        .blocking(move |c| {
            c.query_row(
                "SELECT status, paid_at FROM orders WHERE order_no = ?1",
                [no],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_record_a_payment_once() {
    let (base, mock) = start_mock(t0().0).await;
    let app = wechat_app(&base);
    let (cookie, id, order) = open_order(&app, "13800138000").await;
    assert_eq!(order.code_url.as_deref(), Some(CODE_URL));
    assert_eq!(order.status, OrderStatus::Unpaid);
    assert!(mock.verified.load(Ordering::SeqCst) >= 1);
    let now = app.state.clock.now().0;

    // A bad signature: 401, nothing changes.
    let (mut headers, body) =
        notification(&paid_transaction(&order.order_no, order.amount_fen), now);
    let good_signature = headers[2].1.clone();
    headers[2].1 = wechat_pay::sign(&keys().merchant, b"something else");
    notify(&app, &headers, body.clone())
        .await
        .assert_envelope(401, "unauthenticated");
    // A body other than the one signed.
    headers[2].1 = good_signature;
    let mut altered = body.clone();
    altered.extend_from_slice(b" ");
    notify(&app, &headers, altered)
        .await
        .assert_envelope(401, "unauthenticated");
    // Headers missing, an unknown serial.
    notify(&app, &[], body.clone())
        .await
        .assert_envelope(401, "unauthenticated");
    let mut other_serial = headers.clone();
    other_serial[3].1 = "PUB_KEY_ID_OTHER".into();
    notify(&app, &other_serial, body.clone())
        .await
        .assert_envelope(401, "unauthenticated");
    // Signed more than 5 minutes ago.
    let (old_headers, old_body) = notification(
        &paid_transaction(&order.order_no, order.amount_fen),
        now - 301,
    );
    notify(&app, &old_headers, old_body)
        .await
        .assert_envelope(401, "unauthenticated");
    // The wrong amount is refused.
    let (wrong_headers, wrong_body) = notification(
        &paid_transaction(&order.order_no, order.amount_fen - 1),
        now,
    );
    let reply = notify(&app, &wrong_headers, wrong_body).await;
    reply.assert_envelope(422, "validation_failed");
    assert_eq!(stored_order(&app, &order.order_no), ("unpaid".into(), None));
    assert_eq!(
        get_app(&app, &cookie, &id).await.status,
        ApplicationStatus::AwaitingPayment
    );

    // The real one: 204, paid once.
    let reply = notify(&app, &headers, body.clone()).await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    let paid_at = at("2026-11-27T10:05:00+08:00").0;
    assert_eq!(
        stored_order(&app, &order.order_no),
        ("paid".into(), Some(paid_at))
    );
    let after = get_app(&app, &cookie, &id).await;
    assert_eq!(after.status, ApplicationStatus::Paid);
    let history = after.events.len();

    // A replay (also one with a later success time) changes nothing.
    app.state.clock.advance(60);
    let reply = notify(&app, &headers, body).await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    let mut later = paid_transaction(&order.order_no, order.amount_fen);
    later["success_time"] = json!("2026-11-27T10:06:00+08:00");
    let (h, b) = notification(&later, app.state.clock.now().0);
    assert_eq!(notify(&app, &h, b).await.status, 204);
    assert_eq!(
        stored_order(&app, &order.order_no),
        ("paid".into(), Some(paid_at))
    );
    let again = get_app(&app, &cookie, &id).await;
    assert_eq!(again.status, ApplicationStatus::Paid);
    assert_eq!(again.events.len(), history);

    // An order that does not exist.
    let (h, b) = notification(
        &paid_transaction("BM202611279999999999", 1),
        app.state.clock.now().0,
    );
    notify(&app, &h, b).await.assert_envelope(404, "not_found");
}

#[tokio::test]
async fn the_sandbox_has_no_notification_endpoint() {
    let (app, _clock) = dev_app();
    let (headers, body) = notification(&paid_transaction("BM202611270000000001", 1), t0().0);
    notify(&app, &headers, body)
        .await
        .assert_envelope(404, "not_found");
}

#[test]
fn platform_signature_headers_are_read_case_insensitively() {
    let mut headers = HeaderMap::new();
    headers.insert("Wechatpay-Timestamp", "1".parse().unwrap());
    headers.insert("Wechatpay-Nonce", "n".parse().unwrap());
    headers.insert("Wechatpay-Signature", "s".parse().unwrap());
    headers.insert("Wechatpay-Serial", "x".parse().unwrap());
    let sig = PlatformSignature::from_headers(|n| headers.get(n).and_then(|v| v.to_str().ok()));
    assert_eq!(
        sig,
        Some(PlatformSignature {
            timestamp: "1".into(),
            nonce: "n".into(),
            signature: "s".into(),
            serial: "x".into(),
        })
    );
}
