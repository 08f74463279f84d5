//! 申请退款, 查询单笔退款, 退款结果通知, 下载平台证书 and key rotation.

mod support;

use serde_json::{Value, json};
use support::{
    Opts, Platform, Receiver, decrypt, eventually, harness, native_body, unique, verify,
};
use wechatpay_double::{DoubleConfig, KeyMode, RefundStatus, RotateMode, TradeState, fixtures};

const NATIVE: &str = "/v3/pay/transactions/native";
const REFUNDS: &str = "/v3/refund/domestic/refunds";

fn refund_body(out_trade_no: &str, out_refund_no: &str, refund: i64, notify_url: &str) -> Value {
    json!({
        "out_trade_no": out_trade_no,
        "out_refund_no": out_refund_no,
        "reason": "考生撤回报名",
        "notify_url": notify_url,
        "amount": { "refund": refund, "total": 5000, "currency": "CNY" },
    })
}

fn paid_order(h: &support::Harness, notify_url: &str) -> String {
    let no = unique("T");
    assert_eq!(
        h.merchant
            .post(NATIVE, &native_body(&no, notify_url).to_string())
            .status,
        200
    );
    h.double.pay(&no, false).unwrap();
    no
}

#[test]
fn a_refund_is_accepted_processed_notified_and_queried() {
    let h = harness(DoubleConfig::for_tests());
    let receiver = Receiver::start(&h.rt, Some(Platform::One));
    let no = paid_order(&h, &receiver.url);
    let refund_no = unique("R");
    let answer = h.merchant.post(
        REFUNDS,
        &refund_body(&no, &refund_no, 2000, &receiver.url).to_string(),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.verifies_with(Platform::One));
    let refund = answer.json();
    assert_eq!(refund["status"], "PROCESSING");
    assert_eq!(refund["channel"], "ORIGINAL");
    assert_eq!(refund["out_refund_no"], refund_no.as_str());
    assert_eq!(refund["out_trade_no"], no.as_str());
    assert_eq!(refund["amount"]["refund"], 2000);
    assert_eq!(refund["amount"]["total"], 5000);
    assert_eq!(refund["amount"]["currency"], "CNY");
    assert!(refund["refund_id"].is_string() && refund["transaction_id"].is_string());
    assert!(wechatpay_double::parse_time(refund["create_time"].as_str().unwrap()).is_some());
    assert_eq!(h.double.order(&no).unwrap().trade_state, TradeState::Refund);

    // With refund_delay_ms 0 it settles right away and REFUND.SUCCESS arrives.
    assert!(eventually(|| receiver.received().len() == 1));
    let note = &receiver.received()[0];
    assert!(verify(
        Platform::One,
        note.headers.get("wechatpay-timestamp").map(String::as_str),
        note.headers.get("wechatpay-nonce").map(String::as_str),
        note.headers.get("wechatpay-signature").map(String::as_str),
        note.body.as_bytes(),
    ));
    let envelope: Value = serde_json::from_str(&note.body).unwrap();
    assert_eq!(envelope["event_type"], "REFUND.SUCCESS");
    assert_eq!(envelope["resource"]["original_type"], "refund");
    let resource: Value = serde_json::from_str(&decrypt(&envelope["resource"]).unwrap()).unwrap();
    assert_eq!(resource["refund_status"], "SUCCESS");
    assert_eq!(resource["out_refund_no"], refund_no.as_str());
    assert_eq!(resource["refund_id"], refund["refund_id"]);
    assert_eq!(resource["amount"]["refund"], 2000);
    assert_eq!(resource["mchid"], fixtures::MCHID);
    assert!(resource["success_time"].is_string());

    let queried = h.merchant.get(&format!("{REFUNDS}/{refund_no}"));
    assert_eq!(queried.status, 200);
    assert_eq!(queried.json()["status"], "SUCCESS");
    assert!(queried.json()["success_time"].is_string());
    let tx = h.merchant.get(&format!(
        "/v3/pay/transactions/out-trade-no/{no}?mchid={}",
        fixtures::MCHID
    ));
    assert_eq!(tx.json()["trade_state"], "REFUND");
}

#[test]
fn refund_rules() {
    let h = harness(DoubleConfig {
        refund_delay_ms: None,
        ..DoubleConfig::for_tests()
    });
    let no = paid_order(&h, "http://127.0.0.1:9/notify");
    let first = unique("R");
    let body = refund_body(&no, &first, 3000, "http://127.0.0.1:9/notify");
    let created = h.merchant.post(REFUNDS, &body.to_string());
    assert_eq!(created.status, 200);

    // The same out_refund_no with the same parameters is the same refund, not a second one.
    let again = h.merchant.post(REFUNDS, &body.to_string());
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["refund_id"], created.json()["refund_id"]);
    assert_eq!(h.double.refunds().len(), 1);
    // …with other parameters it is refused.
    let mut changed = body.clone();
    changed["amount"]["refund"] = json!(2999);
    let answer = h.merchant.post(REFUNDS, &changed.to_string());
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (400, "INVALID_REQUEST")
    );
    assert!(answer.body.contains("与之前请求不一致"));

    // More than what is left.
    let over = h.merchant.post(
        REFUNDS,
        &refund_body(&no, &unique("R"), 2001, "http://127.0.0.1:9/notify").to_string(),
    );
    assert_eq!(over.code(), "INVALID_REQUEST");
    assert!(over.body.contains("申请退款金额超过订单可退金额"));
    // amount.total must be the order's.
    let mut wrong_total = refund_body(&no, &unique("R"), 100, "http://127.0.0.1:9/notify");
    wrong_total["amount"]["total"] = json!(4999);
    assert_eq!(
        h.merchant.post(REFUNDS, &wrong_total.to_string()).code(),
        "INVALID_REQUEST"
    );
    // Exactly what is left is fine, by transaction_id too.
    let transaction_id = h.double.order(&no).unwrap().transaction_id.unwrap();
    let mut rest = refund_body(&no, &unique("R"), 2000, "http://127.0.0.1:9/notify");
    rest.as_object_mut().unwrap().remove("out_trade_no");
    rest["transaction_id"] = json!(transaction_id);
    assert_eq!(h.merchant.post(REFUNDS, &rest.to_string()).status, 200);
    // A closed refund gives its amount back.
    h.double
        .settle_refund(&first, RefundStatus::Closed)
        .unwrap();
    assert_eq!(
        h.merchant
            .post(
                REFUNDS,
                &refund_body(&no, &unique("R"), 3000, "http://127.0.0.1:9/notify").to_string()
            )
            .status,
        200
    );

    // Unpaid and unknown orders: 404 RESOURCE_NOT_EXISTS.
    let unpaid = unique("T");
    h.merchant.post(
        NATIVE,
        &native_body(&unpaid, "http://127.0.0.1:9/notify").to_string(),
    );
    for target in [unpaid.as_str(), "T-never-ordered"] {
        let answer = h.merchant.post(
            REFUNDS,
            &refund_body(target, &unique("R"), 100, "http://127.0.0.1:9/notify").to_string(),
        );
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (404, "RESOURCE_NOT_EXISTS"),
            "{target}"
        );
    }
    // Field rules.
    let mut neither = refund_body(&no, &unique("R"), 100, "http://127.0.0.1:9/notify");
    neither.as_object_mut().unwrap().remove("out_trade_no");
    assert_eq!(
        h.merchant.post(REFUNDS, &neither.to_string()).code(),
        "PARAM_ERROR"
    );
    let mut no_currency = refund_body(&no, &unique("R"), 100, "http://127.0.0.1:9/notify");
    no_currency["amount"]
        .as_object_mut()
        .unwrap()
        .remove("currency");
    assert_eq!(
        h.merchant.post(REFUNDS, &no_currency.to_string()).code(),
        "PARAM_ERROR"
    );
    let bad_no = refund_body(&no, "R 1", 100, "http://127.0.0.1:9/notify");
    assert_eq!(
        h.merchant.post(REFUNDS, &bad_no.to_string()).code(),
        "PARAM_ERROR"
    );

    // Manual settlement: it stays PROCESSING until told.
    let pending = h
        .double
        .refunds()
        .into_iter()
        .find(|r| r.status == RefundStatus::Processing)
        .unwrap();
    assert_eq!(
        h.merchant
            .get(&format!("{REFUNDS}/{}", pending.out_refund_no))
            .json()["status"],
        "PROCESSING"
    );
    h.double
        .settle_refund(&pending.out_refund_no, RefundStatus::Abnormal)
        .unwrap();
    assert_eq!(
        h.merchant
            .get(&format!("{REFUNDS}/{}", pending.out_refund_no))
            .json()["status"],
        "ABNORMAL"
    );
    assert!(
        h.double
            .settle_refund(&pending.out_refund_no, RefundStatus::Success)
            .is_err()
    );
    let unknown = h.merchant.get(&format!("{REFUNDS}/R-unknown"));
    assert_eq!(
        (unknown.status, unknown.code().as_str()),
        (404, "RESOURCE_NOT_EXISTS")
    );
}

#[test]
fn certificates_decrypt_to_the_fixture_pems_and_public_key_mode_has_none() {
    let h = harness(DoubleConfig {
        mode: KeyMode::Certificate,
        ..DoubleConfig::for_tests()
    });
    // No Wechatpay-Serial needed for the first download.
    let opts = Opts {
        wechatpay_serial: None,
        ..Opts::default()
    };
    let answer = h.merchant.get_with("/v3/certificates", &opts);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.header("wechatpay-serial"),
        Some(fixtures::PLATFORM_1_SERIAL)
    );
    assert!(answer.verifies_with(Platform::One));
    let data = answer.json()["data"].as_array().unwrap().clone();
    assert_eq!(data.len(), 1);
    assert_eq!(data[0]["serial_no"], fixtures::PLATFORM_1_SERIAL);
    assert_eq!(
        data[0]["encrypt_certificate"]["associated_data"],
        "certificate"
    );
    assert_eq!(
        decrypt(&data[0]["encrypt_certificate"]).unwrap(),
        fixtures::PLATFORM_1_CERT_PEM
    );
    assert!(wechatpay_double::parse_time(data[0]["effective_time"].as_str().unwrap()).is_some());

    let public = harness(DoubleConfig::for_tests());
    let answer = public.merchant.get("/v3/certificates");
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (404, "RESOURCE_NOT_EXISTS")
    );
    assert!(answer.body.contains("微信支付公钥"));
}

#[test]
fn certificate_rotation_publishes_then_switches_then_retires() {
    let h = harness(DoubleConfig {
        mode: KeyMode::Certificate,
        ..DoubleConfig::for_tests()
    });
    let receiver = Receiver::start(&h.rt, None);
    let holds = |serial: &str| Opts {
        wechatpay_serial: Some(serial.to_string()),
        ..Opts::default()
    };
    let order = |opts: &Opts| {
        h.merchant.post_with(
            NATIVE,
            &native_body(&unique("T"), &receiver.url).to_string(),
            opts,
        )
    };
    let serials = |answer: &support::Answer| {
        let mut list: Vec<String> = answer.json()["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["serial_no"].as_str().unwrap().to_string())
            .collect();
        list.sort();
        list
    };
    assert_eq!(order(&holds(fixtures::PLATFORM_1_SERIAL)).status, 200);
    // The merchant cannot name a certificate that is not published yet.
    assert_eq!(order(&holds(fixtures::PLATFORM_2_SERIAL)).status, 400);

    h.double.rotate(RotateMode::PublishBoth).unwrap();
    let both = h
        .merchant
        .get_with("/v3/certificates", &holds(fixtures::PLATFORM_1_SERIAL));
    assert_eq!(
        serials(&both),
        vec![fixtures::PLATFORM_1_SERIAL, fixtures::PLATFORM_2_SERIAL]
    );
    for cert in both.json()["data"].as_array().unwrap() {
        let pem = decrypt(&cert["encrypt_certificate"]).unwrap();
        let expected = if cert["serial_no"] == fixtures::PLATFORM_1_SERIAL {
            fixtures::PLATFORM_1_CERT_PEM
        } else {
            fixtures::PLATFORM_2_CERT_PEM
        };
        assert_eq!(pem, expected);
    }
    // Still signed by certificate 1; either serial may be declared.
    let answer = order(&holds(fixtures::PLATFORM_2_SERIAL));
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("wechatpay-serial"),
        Some(fixtures::PLATFORM_1_SERIAL)
    );
    assert!(answer.verifies_with(Platform::One));

    h.double.rotate(RotateMode::Switch).unwrap();
    let answer = order(&holds(fixtures::PLATFORM_1_SERIAL));
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("wechatpay-serial"),
        Some(fixtures::PLATFORM_2_SERIAL)
    );
    assert!(answer.verifies_with(Platform::Two));
    assert!(!answer.verifies_with(Platform::One));
    assert_eq!(h.double.platform_serial(), fixtures::PLATFORM_2_SERIAL);
    // Notifications are signed with the new key too.
    let no = unique("T");
    h.merchant.post_with(
        NATIVE,
        &native_body(&no, &receiver.url).to_string(),
        &holds(fixtures::PLATFORM_2_SERIAL),
    );
    h.double.pay(&no, true).unwrap();
    assert!(eventually(|| !receiver.received().is_empty()));
    let note = &receiver.received()[0];
    assert_eq!(
        note.headers["wechatpay-serial"],
        fixtures::PLATFORM_2_SERIAL
    );
    assert!(verify(
        Platform::Two,
        note.headers.get("wechatpay-timestamp").map(String::as_str),
        note.headers.get("wechatpay-nonce").map(String::as_str),
        note.headers.get("wechatpay-signature").map(String::as_str),
        note.body.as_bytes(),
    ));

    h.double.rotate(RotateMode::RetireOld).unwrap();
    let only_new = h
        .merchant
        .get_with("/v3/certificates", &holds(fixtures::PLATFORM_2_SERIAL));
    assert_eq!(serials(&only_new), vec![fixtures::PLATFORM_2_SERIAL]);
    // A merchant still holding only certificate 1 is told so.
    let stale = order(&holds(fixtures::PLATFORM_1_SERIAL));
    assert_eq!((stale.status, stale.code().as_str()), (400, "PARAM_ERROR"));
    assert_eq!(
        h.double.published_serials(),
        vec![fixtures::PLATFORM_2_SERIAL.to_string()]
    );
}

#[test]
fn public_key_rotation_and_rotation_order() {
    let h = harness(DoubleConfig::for_tests());
    assert!(
        h.double.rotate(RotateMode::Switch).is_err(),
        "nothing to switch to yet"
    );
    h.double.rotate(RotateMode::PublishBoth).unwrap();
    assert!(
        h.double.rotate(RotateMode::RetireOld).is_err(),
        "the old key still signs"
    );
    h.double.rotate(RotateMode::Switch).unwrap();
    let opts = Opts {
        wechatpay_serial: Some(fixtures::PLATFORM_2_PUB_KEY_ID.to_string()),
        ..Opts::default()
    };
    let answer = h.merchant.post_with(
        NATIVE,
        &native_body(&unique("T"), "http://127.0.0.1:9/n").to_string(),
        &opts,
    );
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("wechatpay-serial"),
        Some(fixtures::PLATFORM_2_PUB_KEY_ID)
    );
    assert!(answer.verifies_with(Platform::Two));
    h.double.rotate(RotateMode::RetireOld).unwrap();
    let stale = h.merchant.post(
        NATIVE,
        &native_body(&unique("T"), "http://127.0.0.1:9/n").to_string(),
    );
    assert_eq!(stale.code(), "PARAM_ERROR");
}
