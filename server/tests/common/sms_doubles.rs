//! Strict doubles of the two SMS providers, small axum servers on 127.0.0.1 written from
//! each provider's documentation:
//!
//! - Tencent Cloud SMS, API 3.0 `SendSms` 2021-01-11 ("签名方法 v3" TC3-HMAC-SHA256; the
//!   `SendSms` page; the error codes of `sms/v20210111`);
//! - Alibaba Cloud SMS, `dysmsapi` `SendSms` 2017-05-25 (the RPC "签名机制", HMAC-SHA1; the
//!   SMS API error codes; the RPC gateway's common errors).
//!
//! Each recomputes the request's signature by itself (nothing here calls
//! `baoming_server::sms`), refuses a wrong signature, an old timestamp, a reused nonce or a
//! missing field with the provider's documented error answer, and otherwise answers the
//! documented success shape, or an error it is told to answer ([`Fault`]). What it
//! "delivers" is recorded as the candidate's phone would show it.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use baoming_server::sms::{Provider, Secret, SmsProviderConfig, Templates};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The sign name (签名) the doubles have approved.
pub const SIGN_NAME: &str = "职业技能等级认定";

/// The template texts the doubles have approved, as the README tells staff to apply for
/// them: Tencent numbers its parameters, Alibaba names them.
const TENCENT_TEMPLATES: [(&str, &str); 6] = [
    ("2300001", "您的验证码是{1}，{2}分钟内有效。"),
    ("2300002", "您的报名审核已通过，请登录缴费。"),
    (
        "2300003",
        "您的报名审核未通过，请登录查看原因并修改后重新提交。",
    ),
    ("2300004", "您的准考证已可打印，请登录查看考试安排。"),
    (
        "2300005",
        "本手机号已注册报名账号，无需重复注册，请直接登录；忘记密码可在登录页找回。",
    ),
    (
        "2300006",
        "本手机号尚未注册报名账号，无法找回密码；如需报名，请先注册。",
    ),
];
const ALIYUN_TEMPLATES: [(&str, &str); 6] = [
    (
        "SMS_480000001",
        "您的验证码是${code}，${minutes}分钟内有效。",
    ),
    ("SMS_480000002", "您的报名审核已通过，请登录缴费。"),
    (
        "SMS_480000003",
        "您的报名审核未通过，请登录查看原因并修改后重新提交。",
    ),
    ("SMS_480000004", "您的准考证已可打印，请登录查看考试安排。"),
    (
        "SMS_480000005",
        "本手机号已注册报名账号，无需重复注册，请直接登录；忘记密码可在登录页找回。",
    ),
    (
        "SMS_480000006",
        "本手机号尚未注册报名账号，无法找回密码；如需报名，请先注册。",
    ),
];

const TENCENT_SECRET_ID: &str = "AKIDdoubleSecretId0123456789";
const TENCENT_SECRET_KEY: &str = "doubleSecretKeyDoNotUse0123456";
const TENCENT_APP_ID: &str = "1400987654";
const ALIYUN_ACCESS_KEY_ID: &str = "LTAIdoubleAccessKeyId";
const ALIYUN_ACCESS_KEY_SECRET: &str = "doubleAccessKeySecret0123456789";

/// Something the double is told to answer to the next request (after checking it).
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// Tencent: this `Code` in the number's `SendStatus`; Alibaba: this `Code` with HTTP 200.
    Refuse(&'static str, &'static str),
    /// Tencent: this `Response.Error`; Alibaba: this `Code` with HTTP 400 (the gateway's).
    RefuseRequest(&'static str, &'static str),
    /// Something in between answers this status with an HTML page.
    Http(u16),
    /// The (successful) answer comes this late.
    Stall(Duration),
}

/// One SMS the double delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// 11 digits.
    pub phone: String,
    pub template: String,
    /// The parameter values, in template order.
    pub params: Vec<String>,
    /// What the phone shows: `【签名】` and the filled-in template.
    pub text: String,
}

struct Shared {
    provider: Provider,
    faults: Mutex<VecDeque<Fault>>,
    delivered: Mutex<Vec<Delivered>>,
    /// Error codes the double answered (its own refusals and the faults).
    refused: Mutex<Vec<String>>,
    requests: AtomicUsize,
    nonces: Mutex<HashSet<String>>,
    /// Every template parameter of every request, refused ones included (the codes).
    seen: Mutex<Vec<String>>,
}

/// A running double; stops when dropped.
pub struct SmsDouble {
    pub base_url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SmsDouble {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmsDouble {
    /// A double of `provider` on a free port.
    pub async fn start(provider: Provider) -> SmsDouble {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the double");
        SmsDouble::start_on(provider, listener)
    }

    /// A double of `provider` serving `listener`.
    pub fn start_on(provider: Provider, listener: tokio::net::TcpListener) -> SmsDouble {
        let base_url = format!("http://{}", listener.local_addr().expect("local address"));
        let shared = Arc::new(Shared {
            provider,
            faults: Mutex::default(),
            delivered: Mutex::default(),
            refused: Mutex::default(),
            requests: AtomicUsize::new(0),
            nonces: Mutex::default(),
            seen: Mutex::default(),
        });
        let router = match provider {
            Provider::Tencent => Router::new().route("/", post(tencent)),
            Provider::Aliyun => Router::new().route("/", post(aliyun)),
        }
        .with_state(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        SmsDouble {
            base_url,
            shared,
            task,
        }
    }

    /// The settings that make the backend send here, with the right credentials.
    pub fn config(&self) -> SmsProviderConfig {
        SmsDouble::config_for(self.shared.provider, &self.base_url)
    }

    /// The settings of a double of `provider` at `base_url` (which may not run yet).
    pub fn config_for(provider: Provider, base_url: &str) -> SmsProviderConfig {
        let (app_id, secret_id, secret_key, templates, region) = match provider {
            Provider::Tencent => (
                TENCENT_APP_ID,
                TENCENT_SECRET_ID,
                TENCENT_SECRET_KEY,
                TENCENT_TEMPLATES,
                "ap-guangzhou",
            ),
            Provider::Aliyun => (
                "",
                ALIYUN_ACCESS_KEY_ID,
                ALIYUN_ACCESS_KEY_SECRET,
                ALIYUN_TEMPLATES,
                "cn-hangzhou",
            ),
        };
        SmsProviderConfig {
            provider,
            endpoint: base_url.to_owned(),
            region: region.into(),
            app_id: app_id.into(),
            sign_name: SIGN_NAME.into(),
            templates: Templates {
                code: templates[0].0.into(),
                approved: templates[1].0.into(),
                rejected: templates[2].0.into(),
                ticket: templates[3].0.into(),
                registered: templates[4].0.into(),
                unregistered: templates[5].0.into(),
            },
            secret_id: secret_id.into(),
            secret_key: Secret::Value(secret_key.into()),
        }
    }

    /// The approved template id of each kind, in `SmsKind::ALL` order.
    pub fn template_ids(&self) -> [&'static str; 6] {
        let templates = match self.shared.provider {
            Provider::Tencent => TENCENT_TEMPLATES,
            Provider::Aliyun => ALIYUN_TEMPLATES,
        };
        templates.map(|(id, _)| id)
    }

    /// Answers `fault` to the next request that passes the checks.
    pub fn fail_next(&self, fault: Fault) {
        self.shared.faults.lock().unwrap().push_back(fault);
    }

    /// What was delivered, oldest first.
    pub fn delivered(&self) -> Vec<Delivered> {
        self.shared.delivered.lock().unwrap().clone()
    }

    /// The code of the newest SMS delivered to `phone`.
    pub fn code_for(&self, phone: &str) -> String {
        self.delivered()
            .iter()
            .rev()
            .find(|d| d.phone == phone && d.template == self.template_ids()[0])
            .map(|d| d.params[0].clone())
            .unwrap_or_else(|| panic!("no code was delivered to {phone}"))
    }

    /// The error codes answered so far.
    pub fn refused(&self) -> Vec<String> {
        self.shared.refused.lock().unwrap().clone()
    }

    /// Every template parameter the double was sent, also in requests it refused.
    pub fn seen_params(&self) -> Vec<String> {
        self.shared.seen.lock().unwrap().clone()
    }

    /// Requests that reached the double.
    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn request_id() -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(1);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("0f0e0d0c-0b0a-4909-8807-{n:012x}")
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn utc_date(timestamp: i64) -> String {
    let (y, m, d) = civil_from_days(timestamp.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DDThh:mm:ssZ` to seconds since the epoch.
fn parse_iso8601_utc(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[19] != b'Z' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| s.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    Some(
        days_from_civil(year, month as u32, day as u32) * 86_400
            + hour * 3600
            + minute * 60
            + second,
    )
}

/// Whether `national` is a mainland mobile number, `1[3-9]` and nine more digits.
fn mainland_mobile(national: &str) -> bool {
    let b = national.as_bytes();
    b.len() == 11
        && b.iter().all(u8::is_ascii_digit)
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
}

// ---------------------------------------------------------------- Tencent Cloud

/// TC3 step 1: the canonical request of a request with `headers` (those named by `signed`,
/// names and values lower-cased and trimmed, in the order given) and `payload`.
pub fn tc3_canonical_request(
    method: &str,
    headers: &[(&str, &str)],
    payload: &[u8],
) -> (String, String) {
    let canonical_headers: String = headers
        .iter()
        .map(|(k, v)| format!("{}:{}\n", k.trim().to_lowercase(), v.trim().to_lowercase()))
        .collect();
    let signed = headers
        .iter()
        .map(|(k, _)| k.trim().to_lowercase())
        .collect::<Vec<_>>()
        .join(";");
    let hashed_payload = hex(&Sha256::digest(payload));
    (
        format!("{method}\n/\n\n{canonical_headers}\n{signed}\n{hashed_payload}"),
        signed,
    )
}

fn hmac256(key: &[u8], msg: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(msg.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// TC3 steps 2 and 3: the signature of `canonical_request`.
pub fn tc3_signature(
    secret_key: &str,
    date: &str,
    service: &str,
    timestamp: i64,
    canonical_request: &str,
) -> String {
    let string_to_sign = format!(
        "TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n{}",
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let secret_date = hmac256(format!("TC3{secret_key}").as_bytes(), date);
    let secret_service = hmac256(&secret_date, service);
    let secret_signing = hmac256(&secret_service, "tc3_request");
    hex(&hmac256(&secret_signing, &string_to_sign))
}

fn tencent_error(code: &str, message: &str) -> Response {
    Json(json!({"Response": {
        "Error": {"Code": code, "Message": message},
        "RequestId": request_id(),
    }}))
    .into_response()
}

fn tencent_status(phone: &str, code: &str, message: &str) -> Response {
    Json(json!({"Response": {
        "SendStatusSet": [{
            "SerialNo": format!("2028:{}", request_id()),
            "PhoneNumber": phone,
            "Fee": if code == "Ok" { 1 } else { 0 },
            "SessionContext": "",
            "Code": code,
            "Message": message,
            "IsoCode": "CN",
        }],
        "RequestId": request_id(),
    }}))
    .into_response()
}

/// A refusal of the request as a whole: `(code, message)`.
type Refusal = (&'static str, String);

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The checks of the API 3.0 gateway: action, version, region, timestamp, signature.
fn tencent_gateway(headers: &HeaderMap, body: &[u8]) -> Result<(), Refusal> {
    let missing = |name: &str| {
        (
            "MissingParameter",
            format!("The parameter `{name}` is missing."),
        )
    };
    let action = header(headers, "x-tc-action").ok_or_else(|| missing("Action"))?;
    if action != "SendSms" {
        return Err((
            "InvalidAction",
            format!("The action `{action}` does not exist."),
        ));
    }
    let version = header(headers, "x-tc-version").ok_or_else(|| missing("Version"))?;
    if version != "2021-01-11" {
        return Err((
            "NoSuchVersion",
            format!("The version `{version}` does not exist."),
        ));
    }
    let region = header(headers, "x-tc-region").ok_or_else(|| missing("Region"))?;
    if !matches!(region, "ap-beijing" | "ap-guangzhou" | "ap-nanjing") {
        return Err((
            "UnsupportedRegion",
            format!("The region `{region}` is not supported."),
        ));
    }
    let timestamp: i64 = header(headers, "x-tc-timestamp")
        .ok_or_else(|| missing("Timestamp"))?
        .parse()
        .map_err(|_| {
            (
                "InvalidParameter",
                "Timestamp must be an integer.".to_owned(),
            )
        })?;
    if (unix_now() - timestamp).abs() > 300 {
        return Err((
            "AuthFailure.SignatureExpire",
            "Signature expired. Timestamp and server time cannot differ by more than five minutes."
                .to_owned(),
        ));
    }
    let invalid = || {
        (
            "AuthFailure.InvalidAuthorization",
            "Authorization in the request header is invalid.".to_owned(),
        )
    };
    let authorization = header(headers, "authorization").ok_or_else(invalid)?;
    let rest = authorization
        .strip_prefix("TC3-HMAC-SHA256 ")
        .ok_or_else(invalid)?;
    let mut fields = BTreeMap::new();
    for part in rest.split(", ") {
        let (name, value) = part.split_once('=').ok_or_else(invalid)?;
        fields.insert(name, value);
    }
    let (Some(credential), Some(signed), Some(signature)) = (
        fields.get("Credential"),
        fields.get("SignedHeaders"),
        fields.get("Signature"),
    ) else {
        return Err(invalid());
    };
    let scope: Vec<&str> = credential.split('/').collect();
    let [secret_id, date, service, terminator] = scope[..] else {
        return Err(invalid());
    };
    if secret_id != TENCENT_SECRET_ID {
        return Err((
            "AuthFailure.SecretIdNotFound",
            "The SecretId is not found, please ensure that your SecretId is correct.".to_owned(),
        ));
    }
    let failure = || {
        (
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. Please check your signature is correct."
                .to_owned(),
        )
    };
    // The date of the scope is the UTC date of the timestamp; the service is the domain's.
    if date != utc_date(timestamp) || service != "sms" || terminator != "tc3_request" {
        return Err(failure());
    }
    let names: Vec<&str> = signed.split(';').collect();
    if !names.contains(&"content-type") || !names.contains(&"host") {
        return Err(failure());
    }
    let mut signed_headers = Vec::new();
    for name in &names {
        signed_headers.push((*name, header(headers, name).ok_or_else(failure)?));
    }
    let (canonical, signed_again) = tc3_canonical_request("POST", &signed_headers, body);
    if signed_again != *signed
        || tc3_signature(TENCENT_SECRET_KEY, date, "sms", timestamp, &canonical) != *signature
    {
        return Err(failure());
    }
    Ok(())
}

async fn tencent(State(d): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    d.requests.fetch_add(1, Ordering::SeqCst);
    let refuse = |code: &str| d.refused.lock().unwrap().push(code.to_owned());
    if let Ok(request) = serde_json::from_slice::<Value>(&body)
        && let Some(list) = request.get("TemplateParamSet").and_then(Value::as_array)
    {
        let values = list.iter().filter_map(Value::as_str).map(str::to_owned);
        d.seen.lock().unwrap().extend(values);
    }
    if let Err((code, message)) = tencent_gateway(&headers, &body) {
        refuse(code);
        return tencent_error(code, &message);
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        refuse("FailedOperation.JsonParseFail");
        return tencent_error(
            "FailedOperation.JsonParseFail",
            "Failed to parse the request body.",
        );
    };
    let text = |name: &str| request.get(name).and_then(Value::as_str);
    let phones: Vec<&str> = request
        .get("PhoneNumberSet")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if phones.is_empty() {
        refuse("MissingParameter.EmptyPhoneNumberSet");
        return tencent_error(
            "MissingParameter.EmptyPhoneNumberSet",
            "The phone number set is empty.",
        );
    }
    for name in ["SmsSdkAppId", "TemplateId"] {
        if text(name).is_none() {
            refuse("MissingParameter");
            return tencent_error(
                "MissingParameter",
                &format!("The parameter `{name}` is missing."),
            );
        }
    }
    if text("SmsSdkAppId") != Some(TENCENT_APP_ID) {
        refuse("InvalidParameterValue.SdkAppIdNotExist");
        return tencent_error(
            "InvalidParameterValue.SdkAppIdNotExist",
            "The SdkAppId does not exist.",
        );
    }
    if text("SignName") != Some(SIGN_NAME) {
        refuse("FailedOperation.SignatureIncorrectOrUnapproved");
        return tencent_error(
            "FailedOperation.SignatureIncorrectOrUnapproved",
            "The signature is not approved or its format is wrong.",
        );
    }
    let params: Vec<String> = request
        .get("TemplateParamSet")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let template_id = text("TemplateId").unwrap_or_default();
    let template = TENCENT_TEMPLATES.iter().find(|(id, _)| *id == template_id);
    let expected_params = template.map(|(_, t)| t.matches('{').count());
    let Some((_, template)) = template.filter(|_| expected_params == Some(params.len())) else {
        refuse("FailedOperation.TemplateIncorrectOrUnapproved");
        return tencent_error(
            "FailedOperation.TemplateIncorrectOrUnapproved",
            "The template is not approved or the content does not match.",
        );
    };
    // Verification-code templates take only 0-6 digits per parameter.
    if template_id == TENCENT_TEMPLATES[0].0
        && params
            .iter()
            .any(|p| p.len() > 6 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        refuse("InvalidParameterValue.TemplateParameterFormatError");
        return tencent_error(
            "InvalidParameterValue.TemplateParameterFormatError",
            "Verification code template parameters must be 0 to 6 digits.",
        );
    }
    let phone = phones[0];
    let fault = d.faults.lock().unwrap().pop_front();
    match fault {
        Some(Fault::Refuse(code, message)) => {
            refuse(code);
            return tencent_status(phone, code, message);
        }
        Some(Fault::RefuseRequest(code, message)) => {
            refuse(code);
            return tencent_error(code, message);
        }
        Some(Fault::Http(status)) => return gateway_page(status),
        Some(Fault::Stall(delay)) => tokio::time::sleep(delay).await,
        None => {}
    }
    let national = phone
        .strip_prefix("+86")
        .or_else(|| phone.strip_prefix("0086"))
        .unwrap_or(phone);
    if !mainland_mobile(national) {
        refuse("InvalidParameterValue.IncorrectPhoneNumber");
        return tencent_status(
            phone,
            "InvalidParameterValue.IncorrectPhoneNumber",
            "The phone number format is incorrect.",
        );
    }
    let mut body = (*template).to_owned();
    for (i, value) in params.iter().enumerate() {
        body = body.replace(&format!("{{{}}}", i + 1), value);
    }
    d.delivered.lock().unwrap().push(Delivered {
        phone: national.to_owned(),
        template: template_id.to_owned(),
        params,
        text: format!("【{SIGN_NAME}】{body}"),
    });
    tencent_status(phone, "Ok", "send success")
}

fn gateway_page(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    (
        status,
        [("content-type", "text/html")],
        format!("<html><body><h1>{status}</h1></body></html>"),
    )
        .into_response()
}

// ---------------------------------------------------------------- Alibaba Cloud

/// RFC 3986 percent-encoding as the RPC signature spells it: only `A-Z a-z 0-9 - _ . ~`
/// stay, every other byte of the UTF-8 is `%XX` in upper case.
pub fn rpc_percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Decodes one `application/x-www-form-urlencoded` component.
fn form_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The RPC signature: Base64(HMAC-SHA1(secret + "&", METHOD&%2F&encode(sorted query))).
pub fn rpc_signature(method: &str, params: &BTreeMap<String, String>, secret: &str) -> String {
    let query = params
        .iter()
        .filter(|(k, _)| k.as_str() != "Signature")
        .map(|(k, v)| format!("{}={}", rpc_percent_encode(k), rpc_percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let string_to_sign = format!("{method}&%2F&{}", rpc_percent_encode(&query));
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(format!("{secret}&").as_bytes()).unwrap();
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn rpc_string_to_sign(method: &str, params: &BTreeMap<String, String>) -> String {
    let query = params
        .iter()
        .filter(|(k, _)| k.as_str() != "Signature")
        .map(|(k, v)| format!("{}={}", rpc_percent_encode(k), rpc_percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    format!("{method}&%2F&{}", rpc_percent_encode(&query))
}

fn aliyun_answer(status: u16, code: &str, message: &str) -> Response {
    let mut body = json!({"RequestId": request_id(), "Code": code, "Message": message});
    if status != 200 {
        body["HostId"] = "dysmsapi.aliyuncs.com".into();
        body["Recommend"] = "https://api.aliyun.com/troubleshoot".into();
    }
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        Json(body),
    )
        .into_response()
}

/// The checks of the RPC gateway: required common parameters, key, time, nonce, signature.
fn aliyun_gateway(
    d: &Shared,
    params: &BTreeMap<String, String>,
) -> Result<(), (u16, String, String)> {
    for name in [
        "AccessKeyId",
        "Action",
        "SignatureMethod",
        "SignatureNonce",
        "SignatureVersion",
        "Timestamp",
        "Version",
        "Signature",
    ] {
        if !params.contains_key(name) {
            return Err((
                400,
                format!("Missing{name}"),
                format!("{name} is mandatory for this action."),
            ));
        }
    }
    let get = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
    if get("AccessKeyId") != ALIYUN_ACCESS_KEY_ID {
        return Err((
            404,
            "InvalidAccessKeyId.NotFound".to_owned(),
            "Specified access key is not found.".to_owned(),
        ));
    }
    if get("SignatureMethod") != "HMAC-SHA1" || get("SignatureVersion") != "1.0" {
        return Err((
            400,
            "InvalidSignatureMethod".to_owned(),
            "Specified signature method is not supported.".to_owned(),
        ));
    }
    let Some(timestamp) = parse_iso8601_utc(get("Timestamp")) else {
        return Err((
            400,
            "InvalidTimeStamp.Format".to_owned(),
            "Specified time stamp or date value is not well formatted.".to_owned(),
        ));
    };
    if (unix_now() - timestamp).abs() > 15 * 60 {
        return Err((
            400,
            "InvalidTimeStamp.Expired".to_owned(),
            "Specified time stamp or date value is expired.".to_owned(),
        ));
    }
    if rpc_signature("POST", params, ALIYUN_ACCESS_KEY_SECRET) != get("Signature") {
        // The real gateway echoes the string it signed, request parameters included.
        return Err((
            400,
            "SignatureDoesNotMatch".to_owned(),
            format!(
                "Specified signature is not matched with our calculation. server string to sign is:{}",
                rpc_string_to_sign("POST", params)
            ),
        ));
    }
    if !d
        .nonces
        .lock()
        .unwrap()
        .insert(get("SignatureNonce").to_owned())
    {
        return Err((
            400,
            "SignatureNonceUsed".to_owned(),
            "Specified signature nonce was used already.".to_owned(),
        ));
    }
    if get("Action") != "SendSms" {
        return Err((
            404,
            "InvalidAction.NotFound".to_owned(),
            "Specified api is not found, please check your url and method.".to_owned(),
        ));
    }
    if get("Version") != "2017-05-25" {
        return Err((
            400,
            "InvalidVersion".to_owned(),
            "Specified parameter Version is not valid.".to_owned(),
        ));
    }
    Ok(())
}

async fn aliyun(State(d): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    d.requests.fetch_add(1, Ordering::SeqCst);
    let refuse = |code: &str| d.refused.lock().unwrap().push(code.to_owned());
    let form = header(&headers, "content-type")
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    let text = if form {
        String::from_utf8_lossy(&body).into_owned()
    } else {
        String::new()
    };
    let mut params = BTreeMap::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match (form_decode(name), form_decode(value)) {
            (Some(name), Some(value)) => {
                params.insert(name, value);
            }
            _ => {
                refuse("InvalidParameter");
                return aliyun_answer(400, "InvalidParameter", "The request body is malformed.");
            }
        }
    }
    if let Some(Ok(Value::Object(values))) = params
        .get("TemplateParam")
        .map(|json| serde_json::from_str::<Value>(json))
    {
        let values = values.values().filter_map(Value::as_str).map(str::to_owned);
        d.seen.lock().unwrap().extend(values);
    }
    if let Err((status, code, message)) = aliyun_gateway(&d, &params) {
        refuse(&code);
        return aliyun_answer(status, &code, &message);
    }
    for name in ["PhoneNumbers", "SignName", "TemplateCode"] {
        if !params.contains_key(name) {
            let code = format!("Missing{name}");
            refuse(&code);
            return aliyun_answer(400, &code, &format!("{name} is mandatory for this action."));
        }
    }
    let fault = d.faults.lock().unwrap().pop_front();
    match fault {
        Some(Fault::Refuse(code, message)) => {
            refuse(code);
            return aliyun_answer(200, code, message);
        }
        Some(Fault::RefuseRequest(code, message)) => {
            refuse(code);
            return aliyun_answer(400, code, message);
        }
        Some(Fault::Http(status)) => return gateway_page(status),
        Some(Fault::Stall(delay)) => tokio::time::sleep(delay).await,
        None => {}
    }
    let phone = params["PhoneNumbers"].clone();
    if !mainland_mobile(&phone) {
        refuse("isv.MOBILE_NUMBER_ILLEGAL");
        return aliyun_answer(200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号");
    }
    if params["SignName"] != SIGN_NAME {
        refuse("isv.SMS_SIGNATURE_ILLEGAL");
        return aliyun_answer(200, "isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名");
    }
    let template_code = params["TemplateCode"].clone();
    let Some((_, template)) = ALIYUN_TEMPLATES.iter().find(|(id, _)| *id == template_code) else {
        refuse("isv.SMS_TEMPLATE_ILLEGAL");
        return aliyun_answer(200, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板");
    };
    let variables: Vec<&str> = template
        .split("${")
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect();
    let values: serde_json::Map<String, Value> = match params.get("TemplateParam") {
        None => serde_json::Map::new(),
        Some(json) => match serde_json::from_str::<Value>(json) {
            Ok(Value::Object(map)) if map.values().all(Value::is_string) => map,
            _ => {
                refuse("isv.INVALID_JSON_PARAM");
                return aliyun_answer(
                    200,
                    "isv.INVALID_JSON_PARAM",
                    "JSON参数不合法，只接受字符串值",
                );
            }
        },
    };
    let mut body = (*template).to_owned();
    let mut filled = Vec::new();
    for name in variables {
        let Some(value) = values.get(name).and_then(Value::as_str) else {
            refuse("isv.TEMPLATE_MISSING_PARAMETERS");
            return aliyun_answer(
                200,
                "isv.TEMPLATE_MISSING_PARAMETERS",
                "模板变量缺少对应参数值",
            );
        };
        body = body.replace(&format!("${{{name}}}"), value);
        filled.push(value.to_owned());
    }
    d.delivered.lock().unwrap().push(Delivered {
        phone,
        template: template_code,
        params: filled,
        text: format!("【{SIGN_NAME}】{body}"),
    });
    (
        StatusCode::OK,
        Json(json!({
            "Message": "OK",
            "RequestId": request_id(),
            "Code": "OK",
            "BizId": format!("{}^0", unix_now()),
        })),
    )
        .into_response()
}

// ---------------------------------------------------------------- signing in tests

/// A TC3-signed `SendSms` request to the Tencent double, for requests the backend would
/// never send (a field left out): `(headers, body)`.
pub fn tencent_signed(host: &str, body: &str, timestamp: i64) -> Vec<(String, String)> {
    let content_type = "application/json; charset=utf-8";
    let (canonical, signed) = tc3_canonical_request(
        "POST",
        &[("content-type", content_type), ("host", host)],
        body.as_bytes(),
    );
    let date = utc_date(timestamp);
    let signature = tc3_signature(TENCENT_SECRET_KEY, &date, "sms", timestamp, &canonical);
    vec![
        (
            "Authorization".into(),
            format!(
                "TC3-HMAC-SHA256 Credential={TENCENT_SECRET_ID}/{date}/sms/tc3_request, \
                 SignedHeaders={signed}, Signature={signature}"
            ),
        ),
        ("Content-Type".into(), content_type.into()),
        ("Host".into(), host.into()),
        ("X-TC-Action".into(), "SendSms".into()),
        ("X-TC-Timestamp".into(), timestamp.to_string()),
        ("X-TC-Version".into(), "2021-01-11".into()),
        ("X-TC-Region".into(), "ap-guangzhou".into()),
    ]
}

/// An RPC-signed form body for the Alibaba double with `params` (common ones added).
pub fn aliyun_signed(params: &[(&str, &str)], nonce: &str) -> String {
    let now = unix_now();
    let (y, m, d) = civil_from_days(now.div_euclid(86_400));
    let of_day = now.rem_euclid(86_400);
    let timestamp = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    );
    let mut all: BTreeMap<String, String> = [
        ("AccessKeyId", ALIYUN_ACCESS_KEY_ID),
        ("Action", "SendSms"),
        ("Format", "JSON"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", nonce),
        ("SignatureVersion", "1.0"),
        ("Timestamp", &timestamp),
        ("Version", "2017-05-25"),
    ]
    .iter()
    .chain(params)
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let signature = rpc_signature("POST", &all, ALIYUN_ACCESS_KEY_SECRET);
    all.insert("Signature".into(), signature);
    all.iter()
        .map(|(k, v)| format!("{}={}", rpc_percent_encode(k), rpc_percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The UTC date of `timestamp` (the doubles' own calendar).
pub fn date_of(timestamp: i64) -> String {
    utc_date(timestamp)
}

/// Now, as the doubles see it.
pub fn now() -> i64 {
    unix_now()
}
