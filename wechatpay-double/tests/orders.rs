//! Native下单, 查询订单, 关闭订单 and the payment notification.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::{Platform, Receiver, decrypt, eventually, harness, native_body, unique, verify};
use wechatpay_double::{DoubleConfig, TradeState, fixtures, format_time};

const NATIVE: &str = "/v3/pay/transactions/native";

fn query_url(no: &str) -> String {
    format!(
        "/v3/pay/transactions/out-trade-no/{no}?mchid={}",
        fixtures::MCHID
    )
}

fn close_url(no: &str) -> String {
    format!("/v3/pay/transactions/out-trade-no/{no}/close")
}

#[test]
fn the_documented_field_rules_are_enforced() {
    let h = harness(DoubleConfig::for_tests());
    let base = native_body(&unique("T"), "http://127.0.0.1:9/notify");
    let with = |pointer: &str, value: Value| {
        let mut body = base.clone();
        *body.pointer_mut(pointer).unwrap() = value;
        body
    };
    let without = |key: &str| {
        let mut body = base.clone();
        body.as_object_mut().unwrap().remove(key);
        body
    };
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "description of 128 bytes",
            with("/description", json!("报".repeat(42) + "ab")),
            "PARAM_ERROR",
        ),
        ("no description", without("description"), "PARAM_ERROR"),
        (
            "out_trade_no of 5",
            with("/out_trade_no", json!("T1234")),
            "PARAM_ERROR",
        ),
        (
            "out_trade_no of 33",
            with("/out_trade_no", json!("T".repeat(33))),
            "PARAM_ERROR",
        ),
        (
            "out_trade_no with @",
            with("/out_trade_no", json!("T2026@0001")),
            "PARAM_ERROR",
        ),
        (
            "time_expire in Z",
            {
                let mut b = base.clone();
                b["time_expire"] = json!("2030-01-01T00:00:00Z");
                b
            },
            "PARAM_ERROR",
        ),
        (
            "time_expire with millis",
            {
                let mut b = base.clone();
                b["time_expire"] = json!("2030-01-01T08:00:00.000+08:00");
                b
            },
            "PARAM_ERROR",
        ),
        ("total 0", with("/amount/total", json!(0)), "PARAM_ERROR"),
        (
            "total as a string",
            with("/amount/total", json!("50.00")),
            "PARAM_ERROR",
        ),
        (
            "currency USD",
            with("/amount/currency", json!("USD")),
            "PARAM_ERROR",
        ),
        (
            "notify_url with a query",
            with("/notify_url", json!("http://127.0.0.1:9/notify?x=1")),
            "PARAM_ERROR",
        ),
        (
            "notify_url not a URL",
            with("/notify_url", json!("notify")),
            "PARAM_ERROR",
        ),
        ("no amount", without("amount"), "PARAM_ERROR"),
        (
            "another appid",
            with("/appid", json!("wx8888888888888888")),
            "APPID_MCHID_NOT_MATCH",
        ),
        (
            "another mchid in the body",
            with("/mchid", json!("1230000109")),
            "INVALID_REQUEST",
        ),
    ];
    for (what, body, code) in cases {
        let answer = h.merchant.post(NATIVE, &body.to_string());
        assert_eq!(answer.code(), code, "{what}: {}", answer.body);
        assert_eq!(answer.status, 400, "{what}");
        assert!(answer.verifies_with(Platform::One), "{what}");
    }
    // A 127-byte description and a 6-character out_trade_no of every allowed kind pass.
    let mut ok = with("/description", json!("报".repeat(42) + "a"));
    ok["out_trade_no"] = json!("aZ9_-|*");
    assert_eq!(h.merchant.post(NATIVE, &ok.to_string()).status, 200);
    assert!(h.double.order("aZ9_-|*").is_some());
    // PARAM_ERROR carries WeChat's message style and a detail.
    let answer = h.merchant.post(NATIVE, &without("description").to_string());
    let body = answer.json();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("“/body/description”")
    );
    assert!(body["detail"].is_object());
}

#[test]
fn https_is_required_for_notify_url_unless_allowed() {
    let strict = DoubleConfig {
        allow_http_notify: false,
        ..DoubleConfig::for_tests()
    };
    let h = harness(strict);
    let answer = h.merchant.post(
        NATIVE,
        &native_body(&unique("T"), "http://127.0.0.1:9/notify").to_string(),
    );
    assert_eq!(answer.code(), "PARAM_ERROR");
    let answer = h.merchant.post(
        NATIVE,
        &native_body(&unique("T"), "https://merchant.example/notify").to_string(),
    );
    assert_eq!(answer.status, 200);
}

#[test]
fn re_orders_follow_the_documented_rules() {
    let h = harness(DoubleConfig::for_tests());
    let no = unique("T");
    let mut body = native_body(&no, "http://127.0.0.1:9/notify");
    body["time_expire"] = json!(format_time(h.double.now() + 900));
    body["scene_info"] = json!({ "payer_client_ip": "14.23.150.211" });
    let first = h.merchant.post(NATIVE, &body.to_string());
    assert_eq!(first.status, 200);
    let code_url = first.json()["code_url"].clone();

    // Identical parameters (even re-serialised in another key order) → the same code_url.
    let mut reordered = serde_json::Map::new();
    for (k, v) in body.as_object().unwrap().iter().rev() {
        reordered.insert(k.clone(), v.clone());
    }
    let again = h
        .merchant
        .post(NATIVE, &Value::Object(reordered).to_string());
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["code_url"], code_url);
    // The payer's IP may change.
    let mut other_ip = body.clone();
    other_ip["scene_info"]["payer_client_ip"] = json!("14.23.150.212");
    assert_eq!(
        h.merchant.post(NATIVE, &other_ip.to_string()).json()["code_url"],
        code_url
    );

    // Anything else changed → 400 INVALID_REQUEST "201 商户订单号重复".
    for (pointer, value) in [
        ("/description", json!("另一个描述")),
        ("/time_expire", json!(format_time(h.double.now() + 1800))),
        ("/notify_url", json!("http://127.0.0.1:9/other")),
        ("/amount/total", json!(5001)),
    ] {
        let mut changed = body.clone();
        *changed.pointer_mut(pointer).unwrap() = value;
        let answer = h.merchant.post(NATIVE, &changed.to_string());
        assert_eq!(answer.status, 400, "{pointer}");
        assert_eq!(answer.code(), "INVALID_REQUEST", "{pointer}");
        assert!(
            answer.body.contains("201 商户订单号重复"),
            "{}",
            answer.body
        );
    }
    let mut added = body.clone();
    added["attach"] = json!("exam=1");
    assert_eq!(
        h.merchant.post(NATIVE, &added.to_string()).code(),
        "INVALID_REQUEST"
    );

    // Past time_expire: a new out_trade_no is needed.
    h.double.expire(&no).unwrap();
    let expired = h.merchant.post(NATIVE, &body.to_string());
    assert_eq!(
        (expired.status, expired.code().as_str()),
        (400, "INVALID_REQUEST")
    );
    assert!(expired.body.contains("新的商户订单号"));
    // …and the order still reads NOTPAY: time_expire is not a close.
    assert_eq!(
        h.merchant.get(&query_url(&no)).json()["trade_state"],
        "NOTPAY"
    );
    assert!(
        h.double.pay(&no, false).is_err(),
        "nobody can pay it any more"
    );
}

#[test]
fn a_closed_order_answers_order_closed_and_a_paid_one_orderpaid() {
    let h = harness(DoubleConfig::for_tests());
    let closed = unique("T");
    let body = native_body(&closed, "http://127.0.0.1:9/notify").to_string();
    assert_eq!(h.merchant.post(NATIVE, &body).status, 200);
    let answer = h.merchant.post(
        &close_url(&closed),
        &json!({ "mchid": fixtures::MCHID }).to_string(),
    );
    assert_eq!(answer.status, 204);
    assert!(answer.body.is_empty());
    // An empty body is signed as "TIMESTAMP\nNONCE\n\n".
    assert!(answer.verifies_with(Platform::One));
    // Closing again is still 204.
    assert_eq!(
        h.merchant
            .post(
                &close_url(&closed),
                &json!({ "mchid": fixtures::MCHID }).to_string()
            )
            .status,
        204
    );
    let again = h.merchant.post(NATIVE, &body);
    assert_eq!((again.status, again.code().as_str()), (400, "ORDER_CLOSED"));
    assert_eq!(
        h.merchant.get(&query_url(&closed)).json()["trade_state"],
        "CLOSED"
    );
    assert!(h.double.pay(&closed, false).is_err());

    let paid = unique("T");
    let body = native_body(&paid, "http://127.0.0.1:9/notify").to_string();
    h.merchant.post(NATIVE, &body);
    h.double.pay(&paid, false).unwrap();
    let again = h.merchant.post(NATIVE, &body);
    assert_eq!((again.status, again.code().as_str()), (400, "ORDERPAID"));
    let close = h.merchant.post(
        &close_url(&paid),
        &json!({ "mchid": fixtures::MCHID }).to_string(),
    );
    assert_eq!((close.status, close.code().as_str()), (400, "ORDERPAID"));

    let unknown = h.merchant.post(
        &close_url("T-unknown-1"),
        &json!({ "mchid": fixtures::MCHID }).to_string(),
    );
    assert_eq!(
        (unknown.status, unknown.code().as_str()),
        (404, "ORDER_NOT_EXIST")
    );
    let no_mchid = h.merchant.post(&close_url(&paid), "{}");
    assert_eq!(no_mchid.code(), "PARAM_ERROR");
}

#[test]
fn time_expire_is_adjusted_as_documented() {
    let h = harness(DoubleConfig::for_tests());
    let now = h.double.now();
    let cases = [
        (now - 3600, now + 60),                  // earlier than +1 minute → +1 minute
        (now + 120 * 86_400, now + 90 * 86_400), // later than 90 days → 90 days
        (now + 3600, now + 3600),
    ];
    for (asked, expected) in cases {
        let no = unique("T");
        let mut body = native_body(&no, "http://127.0.0.1:9/notify");
        body["time_expire"] = json!(format_time(asked));
        assert_eq!(h.merchant.post(NATIVE, &body.to_string()).status, 200);
        let deadline = h.double.order(&no).unwrap().pay_deadline;
        assert!(
            (deadline - expected).abs() <= 2,
            "asked {asked}, got {deadline}, want {expected}"
        );
    }
    // Without time_expire: 7 days.
    let no = unique("T");
    h.merchant.post(
        NATIVE,
        &native_body(&no, "http://127.0.0.1:9/notify").to_string(),
    );
    assert!((h.double.order(&no).unwrap().pay_deadline - (now + 7 * 86_400)).abs() <= 2);
}

#[test]
fn queries_show_the_documented_transaction() {
    let h = harness(DoubleConfig::for_tests());
    let no = unique("T");
    let mut body = native_body(&no, "http://127.0.0.1:9/notify");
    body["attach"] = json!("application=42");
    h.merchant.post(NATIVE, &body.to_string());

    let unpaid = h.merchant.get(&query_url(&no));
    assert_eq!(unpaid.status, 200);
    assert!(unpaid.verifies_with(Platform::One));
    let tx = unpaid.json();
    assert_eq!(tx["trade_state"], "NOTPAY");
    assert_eq!(tx["appid"], fixtures::APPID);
    assert_eq!(tx["mchid"], fixtures::MCHID);
    assert_eq!(tx["amount"]["total"], 5000);
    assert!(tx.get("transaction_id").is_none());

    let missing_mchid = h
        .merchant
        .get(&format!("/v3/pay/transactions/out-trade-no/{no}"));
    assert_eq!(missing_mchid.code(), "PARAM_ERROR");
    let other_mchid = h.merchant.get(&format!(
        "/v3/pay/transactions/out-trade-no/{no}?mchid=1230000109"
    ));
    assert_eq!(other_mchid.status, 400);

    let order = h.double.pay(&no, false).unwrap();
    let tx = h.merchant.get(&query_url(&no)).json();
    assert_eq!(tx["trade_state"], "SUCCESS");
    assert_eq!(tx["trade_state_desc"], "支付成功");
    assert_eq!(tx["trade_type"], "NATIVE");
    assert_eq!(tx["attach"], "application=42");
    assert_eq!(
        tx["transaction_id"],
        order.transaction_id.clone().unwrap().as_str()
    );
    assert_eq!(tx["amount"]["payer_total"], 5000);
    assert_eq!(tx["amount"]["payer_currency"], "CNY");
    assert!(tx["payer"]["openid"].as_str().unwrap().starts_with('o'));
    assert!(wechatpay_double::parse_time(tx["success_time"].as_str().unwrap()).is_some());
    assert!(tx["bank_type"].is_string());

    let by_id = h.merchant.get(&format!(
        "/v3/pay/transactions/id/{}?mchid={}",
        order.transaction_id.unwrap(),
        fixtures::MCHID
    ));
    assert_eq!(by_id.status, 200);
    assert_eq!(by_id.json()["out_trade_no"], no.as_str());
    let unknown_id = h.merchant.get(&format!(
        "/v3/pay/transactions/id/4200000000000000000000000000?mchid={}",
        fixtures::MCHID
    ));
    assert_eq!(
        (unknown_id.status, unknown_id.code().as_str()),
        (404, "ORDER_NOT_EXIST")
    );
}

#[test]
fn the_payment_notification_is_signed_encrypted_and_retried() {
    let h = harness(DoubleConfig::for_tests());
    let receiver = Receiver::start(&h.rt, Some(Platform::One));
    // The merchant fails twice (once with a well-formed refusal, once without), then takes it.
    receiver.answer_next(500, r#"{"code":"FAIL","message":"失败"}"#);
    receiver.answer_next(503, "busy");
    let no = unique("T");
    let mut body = native_body(&no, &receiver.url);
    body["attach"] = json!("application=42");
    assert_eq!(h.merchant.post(NATIVE, &body.to_string()).status, 200);
    let order = h.double.pay(&no, true).unwrap();

    assert!(eventually(|| h
        .double
        .notifications()
        .iter()
        .any(|n| n.accepted)));
    let log = h.double.notifications();
    assert_eq!(log.len(), 3, "{log:#?}");
    assert_eq!(
        log.iter().map(|n| n.status).collect::<Vec<_>>(),
        vec![Some(500), Some(503), Some(200)]
    );
    assert!(
        log.iter().all(|n| n.id == log[0].id),
        "a retry is the same notification"
    );
    assert_eq!(log[0].failure_answer_well_formed, Some(true));
    assert_eq!(log[1].failure_answer_well_formed, Some(false));
    assert_eq!(
        log[0].answer_body.as_deref(),
        Some(r#"{"code":"FAIL","message":"失败"}"#)
    );
    assert_eq!(log[2].event_type, "TRANSACTION.SUCCESS");

    let received = receiver.received();
    assert_eq!(received.len(), 3);
    let last = &received[2];
    assert_eq!(
        last.headers["wechatpay-serial"],
        fixtures::PLATFORM_1_PUB_KEY_ID
    );
    assert!(verify(
        Platform::One,
        last.headers.get("wechatpay-timestamp").map(String::as_str),
        last.headers.get("wechatpay-nonce").map(String::as_str),
        last.headers.get("wechatpay-signature").map(String::as_str),
        last.body.as_bytes(),
    ));
    let envelope: Value = serde_json::from_str(&last.body).unwrap();
    assert_eq!(envelope["event_type"], "TRANSACTION.SUCCESS");
    assert_eq!(envelope["resource_type"], "encrypt-resource");
    assert_eq!(envelope["summary"], "支付成功");
    assert_eq!(envelope["resource"]["original_type"], "transaction");
    assert_eq!(envelope["resource"]["associated_data"], "transaction");
    assert_eq!(envelope["resource"]["nonce"].as_str().unwrap().len(), 12);
    let tx: Value = serde_json::from_str(&decrypt(&envelope["resource"]).unwrap()).unwrap();
    assert_eq!(tx["out_trade_no"], no.as_str());
    assert_eq!(tx["transaction_id"], order.transaction_id.unwrap().as_str());
    assert_eq!(tx["trade_state"], "SUCCESS");
    assert_eq!(tx["trade_type"], "NATIVE");
    assert_eq!(tx["amount"]["total"], 5000);
    assert_eq!(tx["attach"], "application=42");
    assert_eq!(tx["mchid"], fixtures::MCHID);

    // The resource does not decrypt under another associated_data.
    let mut wrong = envelope["resource"].clone();
    wrong["associated_data"] = json!("refund");
    assert!(decrypt(&wrong).is_err());
}

#[test]
fn only_200_or_204_counts_as_received() {
    let h = harness(DoubleConfig {
        notify_retry_ms: 5,
        ..DoubleConfig::for_tests()
    });
    let receiver = Receiver::start(&h.rt, None);
    receiver.answer_next(202, "");
    receiver.answer_next(204, "");
    let no = unique("T");
    h.merchant
        .post(NATIVE, &native_body(&no, &receiver.url).to_string());
    h.double.pay(&no, true).unwrap();
    assert!(eventually(|| h
        .double
        .notifications()
        .iter()
        .any(|n| n.accepted)));
    let log = h.double.notifications();
    assert_eq!(
        log.iter()
            .map(|n| (n.status, n.accepted))
            .collect::<Vec<_>>(),
        vec![(Some(202), false), (Some(204), true)]
    );
}

#[test]
fn retries_stop_after_the_documented_count() {
    let config = DoubleConfig {
        notify_retry_ms: 5,
        ..DoubleConfig::for_tests()
    };
    let h = harness(config);
    let receiver = Receiver::start(&h.rt, None);
    for _ in 0..20 {
        receiver.answer_next(500, r#"{"code":"FAIL","message":"失败"}"#);
    }
    let no = unique("T");
    h.merchant
        .post(NATIVE, &native_body(&no, &receiver.url).to_string());
    h.double.pay(&no, true).unwrap();
    // 15 retries after the first delivery.
    assert!(eventually(|| h.double.notifications().len() == 16));
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(h.double.notifications().len(), 16);
    assert!(h.double.notifications().iter().all(|n| !n.accepted));
}

#[test]
fn a_lost_notification_and_an_unreachable_merchant() {
    let h = harness(DoubleConfig {
        notify_max_attempts: 2,
        notify_retry_ms: 5,
        ..DoubleConfig::for_tests()
    });
    let receiver = Receiver::start(&h.rt, None);
    let quiet = unique("T");
    h.merchant
        .post(NATIVE, &native_body(&quiet, &receiver.url).to_string());
    h.double.pay(&quiet, false).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert!(receiver.received().is_empty());
    assert!(h.double.notifications().is_empty());
    // The order is paid all the same: the merchant must find out by querying.
    assert_eq!(
        h.merchant.get(&query_url(&quiet)).json()["trade_state"],
        "SUCCESS"
    );

    let unreachable = unique("T");
    h.merchant.post(
        NATIVE,
        &native_body(&unreachable, "http://127.0.0.1:9/notify").to_string(),
    );
    h.double.pay(&unreachable, true).unwrap();
    assert!(eventually(|| h.double.notifications().len() == 2));
    let log = h.double.notifications();
    assert!(log.iter().all(|n| n.status.is_none() && n.error.is_some()));
}

#[test]
fn a_signature_probe_must_be_refused() {
    let h = harness(DoubleConfig::for_tests());
    let verifying = Receiver::start(&h.rt, Some(Platform::One));
    let no = unique("T");
    h.merchant
        .post(NATIVE, &native_body(&no, &verifying.url).to_string());
    h.double.pay(&no, false).unwrap();
    h.double.send_probe(&no).unwrap();
    assert!(eventually(|| !h.double.notifications().is_empty()));
    std::thread::sleep(Duration::from_millis(300));
    let log = h.double.notifications();
    assert_eq!(log.len(), 1, "a probe is not retried");
    assert!(log[0].probe);
    assert_eq!(log[0].status, Some(401));
    assert!(!log[0].accepted);

    // A merchant that does not verify accepts the probe, and the log shows it.
    let careless = Receiver::start(&h.rt, None);
    let no = unique("T");
    h.merchant
        .post(NATIVE, &native_body(&no, &careless.url).to_string());
    h.double.pay(&no, false).unwrap();
    h.double.send_probe(&no).unwrap();
    assert!(eventually(|| h
        .double
        .notifications()
        .iter()
        .any(|n| n.out_trade_no == no)));
    assert!(
        h.double
            .notifications()
            .iter()
            .any(|n| n.out_trade_no == no && n.probe && n.accepted)
    );
}

#[test]
fn control_endpoints_drive_orders_over_http() {
    let h = harness(DoubleConfig::for_tests());
    let no = unique("T");
    h.merchant.post(
        NATIVE,
        &native_body(&no, "http://127.0.0.1:9/notify").to_string(),
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let post = |path: &str, body: Value| {
        let mut r = agent
            .post(&format!("{}{path}", h.double.base_url()))
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .unwrap();
        (
            r.status().as_u16(),
            r.body_mut().read_to_string().unwrap_or_default(),
        )
    };
    let get = |path: &str| {
        let mut r = agent
            .get(&format!("{}{path}", h.double.base_url()))
            .call()
            .unwrap();
        (
            r.status().as_u16(),
            r.body_mut().read_to_string().unwrap_or_default(),
        )
    };
    assert_eq!(
        post(
            "/_double/pay",
            json!({ "out_trade_no": no, "notify": false })
        )
        .0,
        200
    );
    assert_eq!(post("/_double/pay", json!({ "out_trade_no": no })).0, 409);
    assert_eq!(
        post("/_double/pay", json!({ "out_trade_no": "nope-000" })).0,
        404
    );
    let (status, order) = get(&format!("/_double/orders/{no}"));
    assert_eq!(status, 200);
    let order: wechatpay_double::Order = serde_json::from_str(&order).unwrap();
    assert_eq!(order.trade_state, TradeState::Success);
    let (status, requests) = get("/_double/requests");
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&requests)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let (_, config) = get("/_double/config");
    let config: Value = serde_json::from_str(&config).unwrap();
    assert_eq!(config["mchid"], fixtures::MCHID);
    assert_eq!(config["base_url"], h.double.base_url().as_str());

    let other = unique("T");
    h.merchant.post(
        NATIVE,
        &native_body(&other, "http://127.0.0.1:9/notify").to_string(),
    );
    assert_eq!(
        post("/_double/fail", json!({ "out_trade_no": other })).0,
        200
    );
    assert_eq!(
        h.merchant.get(&query_url(&other)).json()["trade_state"],
        "PAYERROR"
    );
    let (_, clock) = post("/_double/clock", json!({ "advance_s": 10 }));
    let clock: Value = serde_json::from_str(&clock).unwrap();
    assert!((clock["now"].as_i64().unwrap() - support::now() - 10).abs() <= 2);
}

#[test]
fn latency_and_injected_faults() {
    let h = harness(DoubleConfig::for_tests());
    h.double.set_latency(300);
    let started = std::time::Instant::now();
    assert_eq!(
        h.merchant
            .post(
                NATIVE,
                &native_body(&unique("T"), "http://127.0.0.1:9/notify").to_string()
            )
            .status,
        200
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    h.double.set_latency(0);

    h.double.inject(wechatpay_double::Injection {
        method: Some("POST".into()),
        path_prefix: NATIVE.into(),
        status: 429,
        code: "FREQUENCY_LIMITED".into(),
        message: "频率超限".into(),
        times: 1,
    });
    let limited = h.merchant.post(
        NATIVE,
        &native_body(&unique("T"), "http://127.0.0.1:9/notify").to_string(),
    );
    assert_eq!(
        (limited.status, limited.code().as_str()),
        (429, "FREQUENCY_LIMITED")
    );
    assert!(limited.verifies_with(Platform::One));
    assert_eq!(
        h.merchant
            .post(
                NATIVE,
                &native_body(&unique("T"), "http://127.0.0.1:9/notify").to_string()
            )
            .status,
        200
    );
}
