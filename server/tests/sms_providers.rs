//! Production mode (no `--dev`) sends SMS through a real provider: these tests run the
//! backend against strict doubles of Tencent Cloud SMS and Alibaba Cloud SMS
//! (`common::sms_doubles`), which check every request's signature by themselves.
//!
//! Every test captures the log (one subscriber for this test binary), so the one that reads
//! it sees what all of them printed.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::process::Command;
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use baoming_contract::time::Timestamp;
use baoming_server::clock::Clock;
use baoming_server::db::{self, MIGRATIONS};
use baoming_server::sms::{
    self, CallPolicy, Provider, Secret, SmsError, SmsKind, SmsMessage, SmsSender,
};
use common::sms_doubles::{self, Delivered, Fault, SIGN_NAME, SmsDouble};
use common::{ALLOWED_ORIGIN, Reply, TempDir, TestApp};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const BIN: &str = env!("CARGO_BIN_EXE_baoming-server");
const PASSWORD: &str = "abcd1234";
const NEW_PASSWORD: &str = "efgh5678";

// ---------------------------------------------------------------- the log

static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOG.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every log line of this test binary, at debug level, goes to [`LOG`]; `log` records
/// (ureq's) included. Global, because the SMS is sent from the blocking thread pool.
fn capture_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
            .with_writer(|| Capture)
            .with_ansi(false)
            // Microseconds of a time stamp could pass for a six-digit code.
            .without_time()
            .try_init()
            .expect("the only subscriber of this test binary");
    });
}

fn log_text() -> String {
    String::from_utf8_lossy(&LOG.lock().unwrap()).into_owned()
}

// ---------------------------------------------------------------- helpers

/// A production-mode backend sending through `double`, on a clock standing at the real
/// now (the doubles check timestamps against it) that tests may move a little.
fn prod_app(double: &SmsDouble) -> (TestApp, Clock) {
    prod_app_with(double, |_| {})
}

fn prod_app_with(
    double: &SmsDouble,
    adjust: impl FnOnce(&mut baoming_server::sms::SmsProviderConfig),
) -> (TestApp, Clock) {
    capture_logs();
    let clock = Clock::fixed(Timestamp(sms_doubles::now()));
    let mut settings = double.config();
    adjust(&mut settings);
    let app = TestApp::build(clock.clone(), |c| c.sms = Some(Box::new(settings)));
    assert!(!app.state.config.dev_mode);
    (app, clock)
}

async fn post(app: &TestApp, uri: &str, body: Value) -> Reply {
    app.send(
        Request::post(uri)
            .header("origin", ALLOWED_ORIGIN)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

async fn request_code(app: &TestApp, phone: &str, purpose: &str) -> Reply {
    post(
        app,
        "/api/v1/sms-codes",
        json!({"phone": phone, "purpose": purpose}),
    )
    .await
}

fn session_cookie(reply: &Reply) -> String {
    let set = reply.header("set-cookie").expect("Set-Cookie");
    set.split(';').next().expect("name=value").to_owned()
}

fn count(app: &TestApp, sql: &str, phone: &str) -> i64 {
    app.state
        .db
        .blocking(|c| c.query_row(sql, [phone], |r| r.get(0)).expect("query"))
}

fn codes_stored(app: &TestApp, phone: &str) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM sms_codes WHERE phone = ?1",
        phone,
    )
}

fn retry_after(reply: &Reply) -> u64 {
    let body = reply.json()["error"]["retry_after_s"]
        .as_u64()
        .expect("retry_after_s");
    assert_eq!(reply.header("retry-after"), Some(body.to_string().as_str()));
    body
}

fn name(provider: Provider) -> &'static str {
    provider.name()
}

// ---------------------------------------------------------------- the doubles themselves

/// The doubles' signature checks reproduce the providers' own worked examples, so a
/// request they accept is one the real service would accept.
#[test]
fn the_doubles_check_signatures_as_the_documented_examples_do() {
    // Tencent Cloud, "签名方法 v3": CVM DescribeInstances at 1551113065.
    let payload =
        r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
    let (canonical, signed) = sms_doubles::tc3_canonical_request(
        "POST",
        &[
            ("content-type", "application/json; charset=utf-8"),
            ("host", "cvm.tencentcloudapi.com"),
        ],
        payload.as_bytes(),
    );
    assert_eq!(signed, "content-type;host");
    assert_eq!(
        canonical,
        "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\n\
         content-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    );
    assert_eq!(sms_doubles::date_of(1_551_113_065), "2019-02-25");
    assert_eq!(
        sms_doubles::tc3_signature(
            "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
            "2019-02-25",
            "cvm",
            1_551_113_065,
            &canonical
        ),
        "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    );

    // Alibaba Cloud, "签名机制": ECS DescribeRegions with testid / testsecret, GET.
    let params: BTreeMap<String, String> = [
        ("AccessKeyId", "testid"),
        ("Action", "DescribeRegions"),
        ("Format", "XML"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
        ("SignatureVersion", "1.0"),
        ("Timestamp", "2016-02-23T12:46:24Z"),
        ("Version", "2014-05-26"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(
        sms_doubles::rpc_signature("GET", &params, "testsecret"),
        "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    );
    assert_eq!(sms_doubles::rpc_percent_encode("a b*c~"), "a%20b%2Ac~");
}

/// A blocking POST to a double, for requests the backend would never send.
async fn raw_post(url: String, headers: Vec<(String, String)>, body: String) -> (u16, Value) {
    tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut request = agent.post(&url);
        for (name, value) in &headers {
            request = request.header(name, value);
        }
        let mut response = request.send(body.as_bytes()).expect("the double answers");
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().expect("a body");
        (status, serde_json::from_str(&text).expect("JSON"))
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_doubles_refuse_what_the_providers_refuse_with_their_documented_answers() {
    capture_logs();
    let tencent = SmsDouble::start(Provider::Tencent).await;
    let host = tencent.base_url.trim_start_matches("http://").to_owned();
    let url = format!("{}/", tencent.base_url);
    let error = |v: &Value| {
        assert!(v["Response"]["RequestId"].is_string(), "{v}");
        v["Response"]["Error"]["Code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    // No Authorization at all.
    let (status, v) = raw_post(
        url.clone(),
        vec![
            (
                "Content-Type".into(),
                "application/json; charset=utf-8".into(),
            ),
            ("X-TC-Action".into(), "SendSms".into()),
            ("X-TC-Version".into(), "2021-01-11".into()),
            ("X-TC-Region".into(), "ap-guangzhou".into()),
            ("X-TC-Timestamp".into(), sms_doubles::now().to_string()),
        ],
        "{}".into(),
    )
    .await;
    assert_eq!(
        (status, error(&v)),
        (200, "AuthFailure.InvalidAuthorization".into())
    );
    // Signed right, but SmsSdkAppId left out.
    let body = json!({"PhoneNumberSet": ["+8613700137000"], "TemplateId": "2300002",
        "SignName": SIGN_NAME})
    .to_string();
    let headers = sms_doubles::tencent_signed(&host, &body, sms_doubles::now());
    let (_, v) = raw_post(url.clone(), headers.clone(), body.clone()).await;
    assert_eq!(error(&v), "MissingParameter");
    // The same headers over another body: the signature no longer matches.
    let tampered = body.replace("13700137000", "13700137009");
    let (_, v) = raw_post(url.clone(), headers, tampered).await;
    assert_eq!(error(&v), "AuthFailure.SignatureFailure");
    // A timestamp six minutes old.
    let old = sms_doubles::now() - 360;
    let body = json!({"PhoneNumberSet": ["+8613700137000"], "SmsSdkAppId": "1400987654",
        "TemplateId": "2300002", "SignName": SIGN_NAME})
    .to_string();
    let (_, v) = raw_post(
        url.clone(),
        sms_doubles::tencent_signed(&host, &body, old),
        body.clone(),
    )
    .await;
    assert_eq!(error(&v), "AuthFailure.SignatureExpire");
    // And the same request, fresh, is sent: the documented success shape.
    let (_, v) = raw_post(
        url,
        sms_doubles::tencent_signed(&host, &body, sms_doubles::now()),
        body,
    )
    .await;
    let status = &v["Response"]["SendStatusSet"][0];
    assert_eq!(status["Code"], "Ok", "{v}");
    assert_eq!(status["PhoneNumber"], "+8613700137000");
    assert!(status["SerialNo"].is_string() && status["Fee"] == 1);
    assert_eq!(tencent.delivered().len(), 1);

    let aliyun = SmsDouble::start(Provider::Aliyun).await;
    let url = format!("{}/", aliyun.base_url);
    let form = vec![(
        "Content-Type".to_owned(),
        "application/x-www-form-urlencoded".to_owned(),
    )];
    let code = |v: &Value| {
        assert!(v["RequestId"].is_string(), "{v}");
        v["Code"].as_str().unwrap_or_default().to_owned()
    };
    // PhoneNumbers left out.
    let body = sms_doubles::aliyun_signed(
        &[("SignName", SIGN_NAME), ("TemplateCode", "SMS_480000002")],
        "nonce-1",
    );
    let (status, v) = raw_post(url.clone(), form.clone(), body).await;
    assert_eq!((status, code(&v)), (400, "MissingPhoneNumbers".into()));
    // Sent, then replayed with the same nonce.
    let body = sms_doubles::aliyun_signed(
        &[
            ("PhoneNumbers", "13700137000"),
            ("SignName", SIGN_NAME),
            ("TemplateCode", "SMS_480000002"),
        ],
        "nonce-2",
    );
    let (status, v) = raw_post(url.clone(), form.clone(), body.clone()).await;
    assert_eq!((status, code(&v)), (200, "OK".into()));
    assert_eq!(v["Message"], "OK");
    assert!(v["BizId"].is_string());
    let (status, v) = raw_post(url.clone(), form.clone(), body.clone()).await;
    assert_eq!((status, code(&v)), (400, "SignatureNonceUsed".into()));
    // A changed parameter breaks the signature; the answer echoes what the gateway signed.
    let tampered = body
        .replace("nonce-2", "nonce-3")
        .replace("13700137000", "13700137009");
    let (status, v) = raw_post(url.clone(), form.clone(), tampered).await;
    assert_eq!((status, code(&v)), (400, "SignatureDoesNotMatch".into()));
    assert!(v["Message"].as_str().unwrap().contains("13700137009"));
    // No Signature at all.
    let unsigned = body
        .split('&')
        .filter(|p| !p.starts_with("Signature="))
        .collect::<Vec<_>>()
        .join("&");
    let (status, v) = raw_post(url, form, unsigned).await;
    assert_eq!((status, code(&v)), (400, "MissingSignature".into()));
    assert_eq!(aliyun.delivered().len(), 1);
}

// ---------------------------------------------------------------- accounts end to end

async fn register_and_reset_password_through(provider: Provider, phone: &str) {
    let double = SmsDouble::start(provider).await;
    let (app, clock) = prod_app(&double);

    let reply = request_code(&app, phone, "register").await;
    assert_eq!(reply.status, 202, "{}", reply.text());
    let delivered = double.delivered();
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    let Delivered {
        phone: to,
        template,
        params,
        text,
    } = &delivered[0];
    assert_eq!(to, phone);
    assert_eq!(template, double.template_ids()[0]);
    let code = &params[0];
    assert_eq!(params, &[code.clone(), "5".to_owned()]);
    assert_eq!(
        text,
        &format!("【职业技能等级认定】您的验证码是{code}，5分钟内有效。")
    );

    let reply = post(
        &app,
        "/api/v1/accounts",
        json!({"phone": phone, "code": code, "password": PASSWORD}),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let cookie = session_cookie(&reply);
    let me = app
        .send(
            Request::get("/api/v1/me")
                .header("cookie", &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["phone"], phone);

    // Registering again, a minute later: the same answer, and the phone is told why no
    // code came, through its own template.
    clock.advance(61);
    let reply = request_code(&app, phone, "register").await;
    assert_eq!(reply.status, 202, "{}", reply.text());
    let delivered = double.delivered();
    assert_eq!(delivered.len(), 2);
    assert_eq!(delivered[1].template, double.template_ids()[4]);
    assert!(delivered[1].params.is_empty());
    assert!(
        delivered[1].text.contains("已注册"),
        "{}",
        delivered[1].text
    );

    // 忘记密码, a minute later.
    clock.advance(61);
    let reply = request_code(&app, phone, "reset_password").await;
    assert_eq!(reply.status, 202, "{}", reply.text());
    assert_eq!(double.delivered().len(), 3);
    let reset_code = double.code_for(phone);
    let reply = post(
        &app,
        "/api/v1/password-resets",
        json!({"phone": phone, "code": reset_code, "password": NEW_PASSWORD}),
    )
    .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    let login = |password: &'static str| {
        post(
            &app,
            "/api/v1/sessions",
            json!({"phone": phone, "password": password}),
        )
    };
    assert_eq!(login(NEW_PASSWORD).await.status, 200);
    login(PASSWORD)
        .await
        .assert_envelope(401, "unauthenticated");

    // Nothing went to the development outbox, which does not even exist here.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM sms_outbox WHERE phone = ?1",
            phone
        ),
        0
    );
    app.get("/api/v1/dev/sms-outbox")
        .await
        .assert_envelope(404, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_and_password_reset_work_through_tencent() {
    register_and_reset_password_through(Provider::Tencent, "13700137001").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_and_password_reset_work_through_aliyun() {
    register_and_reset_password_through(Provider::Aliyun, "13700137002").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_message_uses_its_own_template() {
    capture_logs();
    for provider in [Provider::Tencent, Provider::Aliyun] {
        let double = SmsDouble::start(provider).await;
        let sender = sms::provider_sender(&double.config(), &Clock::system()).unwrap();
        let phone = "13700137003";
        let messages = [
            SmsMessage::verification_code(phone, "042917"),
            SmsMessage::review_approved(phone),
            SmsMessage::review_rejected(phone),
            SmsMessage::ticket_ready(phone),
            SmsMessage::already_registered(phone),
            SmsMessage::not_registered(phone),
        ];
        for message in &messages {
            let sender = Arc::clone(&sender);
            let message = message.clone();
            tokio::task::spawn_blocking(move || sender.send(&message))
                .await
                .unwrap()
                .unwrap_or_else(|e| panic!("{}: {e}", name(provider)));
        }
        let delivered = double.delivered();
        assert_eq!(delivered.len(), 6);
        for ((kind, message), (got, template)) in SmsKind::ALL
            .iter()
            .zip(&messages)
            .zip(delivered.iter().zip(double.template_ids()))
        {
            assert_eq!(message.kind, *kind);
            assert_eq!(got.template, template, "{kind:?}");
            // What the phone shows is the text the development outbox shows.
            assert_eq!(got.text, message.text, "{} {kind:?}", name(provider));
        }
        assert_eq!(delivered[0].params, ["042917", "5"]);
        assert!(delivered[1..].iter().all(|d| d.params.is_empty()));
    }
}

// ---------------------------------------------------------------- provider errors

/// One refusal and the answer the candidate gets.
struct Case {
    fault: Fault,
    status: u16,
    code: &'static str,
    /// `Some(seconds)` for a fixed wait, `None` for until midnight.
    retry_after: Option<Option<u64>>,
    phone_unreachable: bool,
    /// The SMS may have been sent, so the code stays stored.
    kept: bool,
}

const fn case(fault: Fault, status: u16, code: &'static str) -> Case {
    Case {
        fault,
        status,
        code,
        retry_after: None,
        phone_unreachable: false,
        kept: false,
    }
}

fn rate_limited(fault: Fault, seconds: u64) -> Case {
    Case {
        retry_after: Some(Some(seconds)),
        ..case(fault, 429, "rate_limited")
    }
}

fn daily(fault: Fault) -> Case {
    Case {
        retry_after: Some(None),
        ..case(fault, 429, "daily_limit_reached")
    }
}

fn unreachable(fault: Fault) -> Case {
    Case {
        phone_unreachable: true,
        ..case(fault, 422, "validation_failed")
    }
}

fn unavailable(fault: Fault) -> Case {
    case(fault, 503, "unavailable")
}

fn maybe_sent(fault: Fault) -> Case {
    Case {
        kept: true,
        ..unavailable(fault)
    }
}

async fn errors_become_answers(provider: Provider, cases: Vec<Case>) {
    let double = SmsDouble::start(provider).await;
    let (app, clock) = prod_app(&double);
    let now = clock.now();
    let midnight = baoming_server::limits::next_midnight_cst(now);
    let tried = cases.len();
    for (i, case) in cases.into_iter().enumerate() {
        let phone = format!("1360013{:04}", i);
        double.fail_next(case.fault);
        let reply = request_code(&app, &phone, "register").await;
        let what = format!("{} {:?}", name(provider), case.fault);
        assert_eq!(
            reply.status.as_u16(),
            case.status,
            "{what}: {}",
            reply.text()
        );
        reply.assert_envelope(case.status, case.code);
        match case.retry_after {
            Some(Some(seconds)) => assert_eq!(retry_after(&reply), seconds, "{what}"),
            Some(None) => {
                assert_eq!(retry_after(&reply), (midnight.0 - now.0) as u64, "{what}")
            }
            None => assert!(reply.header("retry-after").is_none(), "{what}"),
        }
        let field = &reply.json()["error"]["fields"]["phone"];
        if case.phone_unreachable {
            assert_eq!(field, "phone_unreachable", "{what}");
        } else {
            assert!(field.is_null(), "{what}");
        }
        assert_eq!(
            codes_stored(&app, &phone),
            i64::from(case.kept),
            "{what}: a code that was not sent is forgotten, one that may have been is kept"
        );
    }
    // Each refusal was asked for once: nothing was tried again.
    assert_eq!(double.requests(), tried);
    assert!(double.delivered().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tencent_errors_become_the_contracts_answers() {
    let refuse = Fault::Refuse;
    let request = Fault::RefuseRequest;
    errors_become_answers(
        Provider::Tencent,
        vec![
            rate_limited(
                refuse("LimitExceeded.PhoneNumberThirtySecondLimit", "30秒内超限"),
                30,
            ),
            rate_limited(
                refuse("LimitExceeded.PhoneNumberOneHourLimit", "1小时内超限"),
                3600,
            ),
            daily(refuse(
                "LimitExceeded.PhoneNumberDailyLimit",
                "日下发条数超限",
            )),
            unreachable(refuse(
                "InvalidParameterValue.IncorrectPhoneNumber",
                "手机号格式错误",
            )),
            unreachable(refuse(
                "FailedOperation.PhoneNumberInBlacklist",
                "免打扰名单",
            )),
            unavailable(refuse(
                "FailedOperation.InsufficientBalanceInSmsPackage",
                "套餐包余量不足",
            )),
            unavailable(request(
                "FailedOperation.TemplateIncorrectOrUnapproved",
                "模板未审批或内容不匹配",
            )),
            unavailable(request(
                "FailedOperation.SignatureIncorrectOrUnapproved",
                "签名未审批或格式错误",
            )),
            maybe_sent(request("InternalError.Timeout", "请求下发短信超时")),
            maybe_sent(Fault::Http(502)),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aliyun_errors_become_the_contracts_answers() {
    let refuse = Fault::Refuse;
    errors_become_answers(
        Provider::Aliyun,
        vec![
            rate_limited(
                refuse("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1"),
                60,
            ),
            rate_limited(
                refuse("isv.BUSINESS_LIMIT_CONTROL", "触发小时级流控Permits:5"),
                3600,
            ),
            daily(refuse(
                "isv.BUSINESS_LIMIT_CONTROL",
                "触发天级流控Permits:10",
            )),
            daily(refuse("isv.DAY_LIMIT_CONTROL", "触发日发送限额")),
            unreachable(refuse("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")),
            unavailable(refuse("isv.AMOUNT_NOT_ENOUGH", "账户余额不足")),
            unavailable(refuse("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")),
            unavailable(refuse(
                "isv.SMS_SIGNATURE_ILLEGAL",
                "该账号下找不到对应签名",
            )),
            maybe_sent(Fault::Http(503)),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_and_a_slow_clock_are_refused_by_the_provider() {
    for (provider, signature_refused, expired, behind_s) in [
        (
            Provider::Tencent,
            "AuthFailure.SignatureFailure",
            "AuthFailure.SignatureExpire",
            6 * 60,
        ),
        (
            Provider::Aliyun,
            "SignatureDoesNotMatch",
            "InvalidTimeStamp.Expired",
            16 * 60,
        ),
    ] {
        let double = SmsDouble::start(provider).await;
        let (app, _) = prod_app_with(&double, |s| {
            s.secret_key = Secret::Value("not-the-secret".into());
        });
        request_code(&app, "13700137004", "register")
            .await
            .assert_envelope(503, "unavailable");
        assert_eq!(codes_stored(&app, "13700137004"), 0);

        let (app, clock) = prod_app(&double);
        clock.advance(-behind_s);
        request_code(&app, "13700137005", "register")
            .await
            .assert_envelope(503, "unavailable");
        assert_eq!(double.refused(), [signature_refused, expired]);
        assert!(double.delivered().is_empty());
        // Refusals are not retried.
        assert_eq!(double.requests(), 2);
    }
}

// ---------------------------------------------------------------- retries and time-outs

fn quick_policy() -> CallPolicy {
    CallPolicy {
        connect_timeout: Duration::from_secs(1),
        timeout: Duration::from_secs(1),
        attempts: 3,
        first_backoff: Duration::from_millis(400),
    }
}

fn send_with(
    settings: baoming_server::sms::SmsProviderConfig,
    message: SmsMessage,
) -> Result<(), SmsError> {
    let secret = match &settings.secret_key {
        Secret::Value(v) => v.clone(),
        Secret::File(_) => unreachable!(),
    };
    let clock = Clock::system();
    let sender: Box<dyn SmsSender> = match settings.provider {
        Provider::Tencent => Box::new(sms::tencent::TencentSms::new(
            settings,
            secret,
            clock,
            quick_policy(),
        )),
        Provider::Aliyun => Box::new(sms::aliyun::AliyunSms::new(
            settings,
            secret,
            clock,
            quick_policy(),
        )),
    };
    sender.send(&message)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_requests_that_never_left_are_tried_again() {
    capture_logs();
    for provider in [Provider::Tencent, Provider::Aliyun] {
        let message = SmsMessage::verification_code("13700137006", "314159");

        // Nobody listens at first: refused connections are tried again, and the double
        // that comes up in the meantime gets the SMS once.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let base_url = format!("http://127.0.0.1:{port}");
        let late = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(150)).await;
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
                .await
                .expect("the port is still free");
            SmsDouble::start_on(provider, listener)
        });
        let settings = SmsDouble::config_for(provider, &base_url);
        let started = Instant::now();
        let m = message.clone();
        let sent = tokio::task::spawn_blocking(move || send_with(settings, m))
            .await
            .unwrap();
        let double = late.await.unwrap();
        assert_eq!(sent, Ok(()), "{}", name(provider));
        assert!(started.elapsed() >= Duration::from_millis(400));
        assert_eq!((double.requests(), double.delivered().len()), (1, 1));

        // A gateway error after the request arrived: not tried again, maybe sent.
        double.fail_next(Fault::Http(502));
        let (s, m) = (double.config(), message.clone());
        let sent = tokio::task::spawn_blocking(move || send_with(s, m))
            .await
            .unwrap();
        assert!(sent.as_ref().is_err_and(SmsError::maybe_sent), "{sent:?}");
        assert_eq!(double.requests(), 2);

        // No answer within the time-out: not tried again, maybe sent (and it was).
        double.fail_next(Fault::Stall(Duration::from_millis(1500)));
        let (s, m) = (double.config(), message.clone());
        let sent = tokio::task::spawn_blocking(move || send_with(s, m))
            .await
            .unwrap();
        assert!(
            matches!(
                &sent,
                Err(SmsError::Unavailable {
                    cause: sms::Cause::Network,
                    maybe_sent: true,
                    ..
                })
            ),
            "{sent:?}"
        );
        assert_eq!(double.requests(), 3);

        // Nobody ever listens: three tries, then a failure that certainly sent nothing.
        drop(double);
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        let settings = SmsDouble::config_for(provider, &base_url);
        let started = Instant::now();
        let m = message.clone();
        let sent = tokio::task::spawn_blocking(move || send_with(settings, m))
            .await
            .unwrap();
        assert!(
            matches!(
                &sent,
                Err(SmsError::Unavailable {
                    cause: sms::Cause::Network,
                    maybe_sent: false,
                    ..
                })
            ),
            "{sent:?}"
        );
        // 400 ms, then 800 ms between the three tries.
        assert!(started.elapsed() >= Duration::from_millis(1200));
    }
}

// ---------------------------------------------------------------- secrets

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_shows_no_code_no_sms_text_and_no_full_phone() {
    let mut phones = Vec::new();
    let mut doubles = Vec::new();
    for (i, provider) in [Provider::Tencent, Provider::Aliyun]
        .into_iter()
        .enumerate()
    {
        let double = SmsDouble::start(provider).await;
        // Sent.
        let (app, clock) = prod_app(&double);
        let phone = format!("1350013{i}001");
        assert_eq!(request_code(&app, &phone, "register").await.status, 202);
        // Limited by the provider, and a balance problem.
        clock.advance(61);
        double.fail_next(Fault::Refuse(
            match provider {
                Provider::Tencent => "LimitExceeded.PhoneNumberOneHourLimit",
                Provider::Aliyun => "isv.BUSINESS_LIMIT_CONTROL",
            },
            "触发小时级流控Permits:5",
        ));
        request_code(&app, &phone, "register")
            .await
            .assert_envelope(429, "rate_limited");
        let other = format!("1350013{i}002");
        double.fail_next(Fault::Refuse(
            match provider {
                Provider::Tencent => "FailedOperation.InsufficientBalanceInSmsPackage",
                Provider::Aliyun => "isv.AMOUNT_NOT_ENOUGH",
            },
            "余额不足",
        ));
        request_code(&app, &other, "register")
            .await
            .assert_envelope(503, "unavailable");
        // Refused credentials: Alibaba's answer repeats the whole signed request, phone and
        // code included.
        let (wrong, _) = prod_app_with(&double, |s| {
            s.secret_key = Secret::Value("not-the-secret".into());
        });
        let third = format!("1350013{i}003");
        request_code(&wrong, &third, "register")
            .await
            .assert_envelope(503, "unavailable");
        phones.extend([phone, other, third]);
        doubles.push(double);
    }

    let log = log_text();
    // Temporary directories carry nanoseconds, in which a six-digit code could turn up.
    let searched: String = log
        .split_whitespace()
        .filter(|word| !word.contains("baoming-test-"))
        .collect::<Vec<_>>()
        .join(" ");
    let codes: Vec<String> = doubles.iter().flat_map(SmsDouble::seen_params).collect();
    let codes: Vec<&String> = codes.iter().filter(|c| c.len() == 6).collect();
    assert_eq!(codes.len(), 8, "{codes:?}");
    for code in codes {
        assert!(
            !searched.contains(code.as_str()),
            "the code {code} is in the log:\n{log}"
        );
    }
    for phone in &phones {
        assert!(
            !log.contains(phone.as_str()),
            "{phone} is in the log:\n{log}"
        );
        // The lines are there, with the phone masked.
        let masked = baoming_contract::phone::mask(phone);
        assert!(log.contains(&masked), "{masked} is not in the log:\n{log}");
    }
    for secret in [
        "验证码",
        "分钟内有效",
        "doubleSecretKey",
        "doubleAccessKeySecret",
    ] {
        assert!(!log.contains(secret), "{secret} in the log");
    }
    assert!(log.contains("SMS sent"));
    assert!(
        log.contains("SignatureDoesNotMatch"),
        "the provider's code is logged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_code_cannot_be_recovered_without_the_key() {
    let double = SmsDouble::start(Provider::Tencent).await;
    let (app, _) = prod_app(&double);
    let phone = "13700137007";
    assert_eq!(request_code(&app, phone, "register").await.status, 202);
    let code = double.code_for(phone);
    let (stored, salt, purpose): (String, String, String) = app.state.db.blocking(|c| {
        c.query_row(
            "SELECT code_hash, salt, purpose FROM sms_codes WHERE phone = ?1",
            [phone],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
    });
    assert!(!stored.contains(&code) && !salt.contains(&code));

    // The attack the old storage allowed: with the database alone, try every code.
    let target: Vec<u8> = (0..stored.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&stored[i..i + 2], 16).unwrap())
        .collect();
    let mut unkeyed = format!("{salt}000000").into_bytes();
    let mut found_unkeyed = Vec::new();
    for n in 0..1_000_000 {
        put_code(&mut unkeyed, n);
        if Sha256::digest(&unkeyed).as_slice() == target {
            found_unkeyed.push(n);
        }
    }
    assert!(found_unkeyed.is_empty());

    // The key lives in its own file, the server's alone; with it (and only with it) the
    // same search finds the code.
    let key_path = app.state.config.sms_code_key_path();
    assert_ne!(key_path, app.state.config.database_path());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let key_hex = std::fs::read_to_string(&key_path).unwrap();
    let key: Vec<u8> = (0..64)
        .step_by(2)
        .map(|i| u8::from_str_radix(&key_hex.trim()[i..i + 2], 16).unwrap())
        .collect();
    let search = |key: &[u8]| {
        let keyed = Hmac::<Sha256>::new_from_slice(key).unwrap();
        let mut message = format!("{salt}:{phone}:{purpose}:000000").into_bytes();
        let mut found = Vec::new();
        for n in 0..1_000_000 {
            put_code(&mut message, n);
            let mut mac = keyed.clone();
            mac.update(&message);
            if mac.finalize().into_bytes().as_slice() == target {
                found.push(format!("{n:06}"));
            }
        }
        found
    };
    assert_eq!(search(&key), std::slice::from_ref(&code));
    let mut other = Hmac::<Sha256>::new_from_slice(&[0u8; 32]).unwrap();
    other.update(format!("{salt}:{phone}:{purpose}:{code}").as_bytes());
    assert_ne!(hex(&other.finalize().into_bytes()), stored);
}

/// Writes `n` as the six digits that end `buffer`.
fn put_code(buffer: &mut [u8], mut n: u32) {
    let end = buffer.len();
    for digit in buffer[end - 6..].iter_mut().rev() {
        *digit = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn migration_0006_invalidates_codes_stored_the_old_way() {
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    let before = MIGRATIONS
        .iter()
        .position(|(name, _)| *name == "0006_sms_code_keyed_hash")
        .expect("0006 is registered");
    for (_, sql) in &MIGRATIONS[..before] {
        conn.execute_batch(sql).unwrap();
    }
    conn.execute_batch(&format!("PRAGMA user_version = {before}"))
        .unwrap();
    conn.execute_batch(
        "INSERT INTO sms_codes (phone, purpose, code_hash, salt, created_at, expires_at, client_addr)
         VALUES ('13800138000', 'register', 'old-sha256', 'salt', 100, 400, 'unknown'),
                ('13800138001', 'register', 'old-sha256', 'salt', 100, 400, 'unknown');
         UPDATE sms_codes SET consumed_at = 200 WHERE phone = '13800138001';
         INSERT INTO sms_outbox (phone, text, code, sent_at)
         VALUES ('13800138000', '【职业技能等级认定】您的验证码是123456，5分钟内有效。', '123456', 100);",
    )
    .unwrap();
    db::migrate(&mut conn).unwrap();
    let rows: Vec<(String, Option<i64>)> = conn
        .prepare("SELECT code_hash, consumed_at FROM sms_codes ORDER BY phone")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // Both rows stay (the limits count them), unusable and without their old hashes.
    assert_eq!(
        rows,
        [(String::new(), Some(100)), (String::new(), Some(200))]
    );
    let outbox: i64 = conn
        .query_row("SELECT COUNT(*) FROM sms_outbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!(outbox, 0);
}

// ---------------------------------------------------------------- start-up

/// The binary, with none of the caller's `BAOMING_*` settings.
fn server() -> Command {
    let mut command = Command::new(BIN);
    for (name, _) in std::env::vars() {
        if name.starts_with("BAOMING_") {
            command.env_remove(name);
        }
    }
    command
}

#[test]
fn production_without_a_provider_refuses_to_start() {
    let dir = TempDir::new("no-sms");
    let data = dir.path().join("data");
    let out = server()
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    for flag in [
        "--sms-provider",
        "BAOMING_SMS_SECRET_ID",
        "BAOMING_SMS_SECRET_KEY",
        "--sms-template-code",
        "--dev",
    ] {
        assert!(stderr.contains(flag), "{flag} not named: {stderr}");
    }
    assert!(!data.exists(), "nothing is created before refusing");

    // A provider without its settings is a usage error naming what is missing.
    let out = server()
        .args(["serve", "--sms-provider", "aliyun", "--data-dir"])
        .arg(&data)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--sms-sign-name") && stderr.contains("BAOMING_SMS_SECRET_ID"),
        "{stderr}"
    );

    // The library refuses too, whoever builds the state.
    let config = baoming_server::config::Config {
        data_dir: data.clone(),
        ..Default::default()
    };
    let err = baoming_server::AppState::open(config, Clock::system()).expect_err("refused");
    assert!(err.to_string().contains("--sms-provider"), "{err}");
}
