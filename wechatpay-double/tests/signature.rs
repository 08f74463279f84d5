//! 签名生成 / 签名验证 as the double enforces them.

mod support;

use support::{Opts, Platform, harness, native_body, now, unique};
use wechatpay_double::{DoubleConfig, fixtures};

const NATIVE: &str = "/v3/pay/transactions/native";

fn order_body(no: &str) -> String {
    native_body(no, "http://127.0.0.1:9/notify").to_string()
}

#[test]
fn a_correct_request_is_accepted_and_the_answer_verifies_with_the_platform_key() {
    let h = harness(DoubleConfig::for_tests());
    let answer = h.merchant.post(NATIVE, &order_body(&unique("T")));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let code_url = answer.json()["code_url"].as_str().unwrap().to_string();
    assert!(
        code_url.starts_with("weixin://wxpay/bizpayurl?pr="),
        "{code_url}"
    );
    assert_eq!(
        answer.header("wechatpay-serial"),
        Some(fixtures::PLATFORM_1_PUB_KEY_ID)
    );
    assert!(answer.header("request-id").is_some());
    assert!(answer.verifies_with(Platform::One));
    assert!(!answer.verifies_with(Platform::Two));
    // The timestamp is the double's clock, in seconds.
    let ts: i64 = answer
        .header("wechatpay-timestamp")
        .unwrap()
        .parse()
        .unwrap();
    assert!((ts - now()).abs() < 5);
}

#[test]
fn authorization_fields_in_any_order_are_accepted() {
    let h = harness(DoubleConfig::for_tests());
    let opts = Opts {
        reverse_fields: true,
        ..Opts::default()
    };
    let answer = h
        .merchant
        .post_with(NATIVE, &order_body(&unique("T")), &opts);
    assert_eq!(answer.status, 200, "{}", answer.body);
}

fn assert_sign_error(answer: &support::Answer, message_part: &str) {
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert_eq!(answer.code(), "SIGN_ERROR");
    let message = answer.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(message.contains(message_part), "{message}");
    // 应答签名 is only for requests whose signature verified.
    assert!(answer.header("wechatpay-signature").is_none());
}

#[test]
fn a_wrong_signature_is_refused() {
    let h = harness(DoubleConfig::for_tests());
    let opts = Opts {
        corrupt_signature: true,
        ..Opts::default()
    };
    let answer = h
        .merchant
        .post_with(NATIVE, &order_body(&unique("T")), &opts);
    assert_sign_error(&answer, "验签失败");
    assert!(
        h.double.orders().is_empty(),
        "a refused request creates nothing"
    );
}

#[test]
fn a_body_changed_after_signing_is_refused() {
    let h = harness(DoubleConfig::for_tests());
    let no = unique("T");
    let signed = order_body(&no);
    // Same JSON, different bytes: the signature covers the raw body as sent.
    let reformatted =
        serde_json::to_string_pretty(&native_body(&no, "http://127.0.0.1:9/notify")).unwrap();
    let opts = Opts {
        send_body_instead: Some(reformatted),
        ..Opts::default()
    };
    assert_sign_error(&h.merchant.post_with(NATIVE, &signed, &opts), "验签失败");
    let tampered = signed.replace("5000", "1");
    let opts = Opts {
        send_body_instead: Some(tampered),
        ..Opts::default()
    };
    assert_sign_error(&h.merchant.post_with(NATIVE, &signed, &opts), "验签失败");
}

#[test]
fn the_query_string_is_part_of_the_signed_url() {
    let h = harness(DoubleConfig::for_tests());
    let url = format!(
        "/v3/pay/transactions/out-trade-no/{}?mchid={}",
        unique("T"),
        fixtures::MCHID
    );
    // Signed over the path without the query, sent with it.
    let path_only = url.split('?').next().unwrap();
    let opts = Opts {
        authorization: Some(
            h.merchant
                .authorization("GET", path_only, "", &Opts::default()),
        ),
        ..Opts::default()
    };
    assert_sign_error(&h.merchant.get_with(&url, &opts), "验签失败");
    // Signed correctly: the order is unknown, which is a signed 404.
    let answer = h.merchant.get(&url);
    assert_eq!(answer.status, 404);
    assert_eq!(answer.code(), "ORDER_NOT_EXIST");
    assert!(answer.verifies_with(Platform::One));
}

#[test]
fn timestamps_more_than_five_minutes_off_are_refused() {
    let h = harness(DoubleConfig::for_tests());
    for offset in [-301, 301] {
        let opts = Opts {
            timestamp: Some(now() + offset),
            ..Opts::default()
        };
        let answer = h
            .merchant
            .post_with(NATIVE, &order_body(&unique("T")), &opts);
        assert_sign_error(&answer, "不得超过5分钟");
    }
    // Inside the window is fine.
    let opts = Opts {
        timestamp: Some(now() - 240),
        ..Opts::default()
    };
    assert_eq!(
        h.merchant
            .post_with(NATIVE, &order_body(&unique("T")), &opts)
            .status,
        200
    );
    // Milliseconds are not seconds.
    let opts = Opts {
        timestamp: Some(now() * 1000),
        ..Opts::default()
    };
    assert_eq!(
        h.merchant
            .post_with(NATIVE, &order_body(&unique("T")), &opts)
            .status,
        401
    );
}

#[test]
fn the_doubles_clock_decides_what_is_old() {
    let h = harness(DoubleConfig::for_tests());
    h.double.advance_clock(400);
    let answer = h.merchant.post(NATIVE, &order_body(&unique("T")));
    assert_sign_error(&answer, "不得超过5分钟");
    let opts = Opts {
        timestamp: Some(now() + 400),
        ..Opts::default()
    };
    assert_eq!(
        h.merchant
            .post_with(NATIVE, &order_body(&unique("T")), &opts)
            .status,
        200
    );
}

#[test]
fn a_reused_nonce_is_refused() {
    let h = harness(DoubleConfig::for_tests());
    let opts = Opts {
        nonce: Some("593BEC0C930BF1AFEB40B4A08C8FB242".to_string()),
        ..Opts::default()
    };
    assert_eq!(
        h.merchant
            .post_with(NATIVE, &order_body(&unique("T")), &opts)
            .status,
        200
    );
    let replay = h
        .merchant
        .post_with(NATIVE, &order_body(&unique("T")), &opts);
    assert_sign_error(&replay, "nonce_str");
}

#[test]
fn a_serial_no_that_is_not_the_merchant_certificate_is_refused() {
    let h = harness(DoubleConfig::for_tests());
    let opts = Opts {
        serial_no: fixtures::PLATFORM_1_SERIAL.to_string(),
        ..Opts::default()
    };
    assert_sign_error(
        &h.merchant
            .post_with(NATIVE, &order_body(&unique("T")), &opts),
        "证书序列号",
    );
    // Hex case does not matter.
    let opts = Opts {
        serial_no: fixtures::MERCHANT_CERT_SERIAL.to_ascii_lowercase(),
        ..Opts::default()
    };
    assert_eq!(
        h.merchant
            .post_with(NATIVE, &order_body(&unique("T")), &opts)
            .status,
        200
    );
}

#[test]
fn an_unknown_mchid_or_a_malformed_or_missing_header_is_refused() {
    let h = harness(DoubleConfig::for_tests());
    let opts = Opts {
        mchid: "1230000109".to_string(),
        ..Opts::default()
    };
    assert_sign_error(
        &h.merchant
            .post_with(NATIVE, &order_body(&unique("T")), &opts),
        "mchid",
    );
    for header in [
        "",
        "Bearer token",
        r#"WECHATPAY2-SHA256-RSA2048 mchid="1900000109""#,
    ] {
        let opts = Opts {
            authorization: Some(header.to_string()),
            ..Opts::default()
        };
        assert_sign_error(
            &h.merchant
                .post_with(NATIVE, &order_body(&unique("T")), &opts),
            "格式错误",
        );
    }
}

#[test]
fn wechatpay_serial_must_name_a_published_platform_key() {
    let h = harness(DoubleConfig::for_tests());
    for serial in [
        None,
        Some("PUB_KEY_ID_0000000000000000000000000000000000"),
        Some(fixtures::PLATFORM_1_SERIAL),
        Some(fixtures::PLATFORM_2_PUB_KEY_ID),
    ] {
        let opts = Opts {
            wechatpay_serial: serial.map(str::to_string),
            ..Opts::default()
        };
        let answer = h
            .merchant
            .post_with(NATIVE, &order_body(&unique("T")), &opts);
        assert_eq!(answer.status, 400, "{serial:?}: {}", answer.body);
        assert_eq!(answer.code(), "PARAM_ERROR");
        assert!(answer.body.contains("Wechatpay-Serial"));
        assert!(
            answer.verifies_with(Platform::One),
            "a signed request gets a signed refusal"
        );
    }
}

#[test]
fn the_accept_header_must_be_application_json() {
    let h = harness(DoubleConfig::for_tests());
    // ureq's own default is "*/*", which the documentation does not allow.
    for accept in [None, Some("text/html")] {
        let opts = Opts {
            accept: accept.map(str::to_string),
            ..Opts::default()
        };
        let answer = h
            .merchant
            .post_with(NATIVE, &order_body(&unique("T")), &opts);
        assert_eq!(answer.status, 400, "{accept:?}");
        assert_eq!(answer.code(), "INVALID_REQUEST");
    }
}

#[test]
fn every_request_is_logged_with_its_answer() {
    let h = harness(DoubleConfig::for_tests());
    let no = unique("T");
    h.merchant.post(NATIVE, &order_body(&no));
    let opts = Opts {
        corrupt_signature: true,
        ..Opts::default()
    };
    h.merchant
        .post_with(NATIVE, &order_body(&unique("T")), &opts);
    let log = h.double.requests();
    assert_eq!(log.len(), 2);
    assert_eq!((log[0].status, log[0].code.as_deref()), (200, None));
    assert_eq!(log[0].body.as_ref().unwrap()["out_trade_no"], no.as_str());
    assert_eq!(
        log[0].wechatpay_serial.as_deref(),
        Some(fixtures::PLATFORM_1_PUB_KEY_ID)
    );
    assert!(log[0].signed);
    assert_eq!(
        (log[1].status, log[1].code.as_deref()),
        (401, Some("SIGN_ERROR"))
    );
    assert!(!log[1].signed);
}
