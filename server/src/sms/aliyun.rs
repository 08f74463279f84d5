//! Alibaba Cloud SMS (阿里云短信服务): `SendSms` of `dysmsapi`, version 2017-05-25, on
//! `dysmsapi.aliyuncs.com`, an RPC-style API.
//!
//! Signed with the documented RPC signature ("签名机制", `SignatureMethod=HMAC-SHA1`,
//! `SignatureVersion=1.0`): Base64(HMAC-SHA1(AccessKeySecret + "&", "POST&%2F&" +
//! percent-encoded sorted canonical query)). Chosen over the newer V3 (`ACS3-HMAC-SHA256`)
//! because Alibaba documents it with a worked example the tests pin, and `dysmsapi` accepts
//! it as it always has. All parameters travel in the form-encoded body of `POST /`.

use serde::Deserialize;

use super::{
    CallPolicy, Cause, Class, HttpAnswer, Provider, SmsError, SmsKind, SmsMessage,
    SmsProviderConfig, SmsSender, call_with_retries, scrub, utc_iso8601,
};
use crate::clock::Clock;
use crate::secrets;
use baoming_contract::phone::mask;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// The production API base.
pub const DEFAULT_ENDPOINT: &str = "https://dysmsapi.aliyuncs.com";
/// `RegionId` when none is configured.
pub const DEFAULT_REGION: &str = "cn-hangzhou";

const VERSION: &str = "2017-05-25";

/// RFC 3986: everything but `A-Z a-z 0-9 - _ . ~` is encoded, space as `%20`, `*` as
/// `%2A`, as the signature rules require.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The template content (模板内容) to apply for in the console for each kind, its variables
/// named as in [`SmsMessage::template_params`]. The sign name is added by Alibaba.
pub fn template_text(kind: SmsKind) -> &'static str {
    match kind {
        SmsKind::VerificationCode => "您的验证码是${code}，${minutes}分钟内有效。",
        SmsKind::ReviewApproved => "您的报名审核已通过，请登录缴费。",
        SmsKind::ReviewRejected => "您的报名审核未通过，请登录查看原因并修改后重新提交。",
        SmsKind::TicketReady => "您的准考证已可打印，请登录查看考试安排。",
        SmsKind::AlreadyRegistered => super::ALREADY_REGISTERED_TEXT,
        SmsKind::NotRegistered => super::NOT_REGISTERED_TEXT,
    }
}

/// Sends through Alibaba Cloud SMS.
pub struct AliyunSms {
    settings: SmsProviderConfig,
    secret_key: String,
    clock: Clock,
    policy: CallPolicy,
    agent: ureq::Agent,
}

impl AliyunSms {
    /// A sender with `settings`, the revealed `secret_key` (AccessKey secret) and `policy`'s
    /// time-outs.
    pub fn new(
        settings: SmsProviderConfig,
        secret_key: String,
        clock: Clock,
        policy: CallPolicy,
    ) -> AliyunSms {
        AliyunSms {
            agent: policy.agent(),
            settings,
            secret_key,
            clock,
            policy,
        }
    }

    /// Every parameter but `Signature`.
    fn params(&self, message: &SmsMessage, timestamp: i64, nonce: &str) -> Vec<(String, String)> {
        let mut params: Vec<(&str, String)> = vec![
            ("AccessKeyId", self.settings.secret_id.clone()),
            ("Action", "SendSms".into()),
            ("Format", "JSON".into()),
            ("PhoneNumbers", message.phone.clone()),
            ("RegionId", self.settings.region.clone()),
            ("SignName", self.settings.sign_name.clone()),
            ("SignatureMethod", "HMAC-SHA1".into()),
            ("SignatureNonce", nonce.to_owned()),
            ("SignatureVersion", "1.0".into()),
            (
                "TemplateCode",
                self.settings.templates.id(message.kind).to_owned(),
            ),
            ("Timestamp", utc_iso8601(timestamp)),
            ("Version", VERSION.into()),
        ];
        let template_params = message.template_params();
        if !template_params.is_empty() {
            let object: serde_json::Map<String, serde_json::Value> = template_params
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value.into()))
                .collect();
            params.push((
                "TemplateParam",
                serde_json::Value::Object(object).to_string(),
            ));
        }
        params
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect()
    }

    fn judge(&self, answer: HttpAnswer, message: &SmsMessage) -> Result<(), SmsError> {
        let Ok(response) = serde_json::from_slice::<ApiAnswer>(&answer.body) else {
            return Err(SmsError::Unavailable {
                cause: Cause::Provider,
                maybe_sent: answer.status >= 500 || answer.status == 200,
                detail: format!("aliyun: HTTP {} without an API answer", answer.status),
            });
        };
        if response.code == "OK" {
            tracing::info!(
                provider = "aliyun",
                kind = message.kind.name(),
                phone = %mask(&message.phone),
                request = %response.request_id,
                "SMS sent"
            );
            return Ok(());
        }
        let detail = format!(
            "aliyun {} (HTTP {}), request {}: {}",
            response.code,
            answer.status,
            response.request_id,
            scrub(&response.message)
        );
        Err(classify(&response.code, &response.message).into_error(self.clock.now(), detail))
    }
}

impl SmsSender for AliyunSms {
    fn send(&self, message: &SmsMessage) -> Result<(), SmsError> {
        let url = format!("{}/", self.settings.endpoint.trim_end_matches('/'));
        let answer = call_with_retries(&self.policy, Provider::Aliyun, || {
            // A new nonce and timestamp for each try: a nonce is accepted only once.
            let params = self.params(message, self.clock.now().0, &secrets::new_id());
            let signature = sign("POST", &params, &self.secret_key);
            let body = format!(
                "{}&Signature={}",
                canonical_query(&params),
                percent_encode(&signature)
            );
            self.agent
                .post(&url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .send(body.as_bytes())
        })?;
        self.judge(answer, message)
    }
}

/// What an Alibaba `Code` means; `message` tells the window of `isv.BUSINESS_LIMIT_CONTROL`
/// (`触发分钟级流控Permits:1`, `触发小时级流控Permits:5`, `触发天级流控Permits:10`). Codes from
/// the SMS API's error-code page and the RPC gateway's common errors.
fn classify(code: &str, message: &str) -> Class {
    use Cause::*;
    match code {
        "isv.BUSINESS_LIMIT_CONTROL" => {
            if message.contains("分钟") {
                Class::NumberLimit(Some(60))
            } else if message.contains("小时") {
                Class::NumberLimit(Some(3600))
            } else if message.contains('天') || message.contains('日') {
                Class::NumberLimit(None)
            } else {
                Class::NumberLimit(Some(60))
            }
        }
        // The daily total set in the console's 安全设置: every candidate waits for midnight.
        "isv.DAY_LIMIT_CONTROL" => Class::AccountDailyLimit,
        "isv.MONTH_LIMIT_CONTROL" => Class::Unavailable(AccountLimit, false),
        "isv.MOBILE_NUMBER_ILLEGAL" => Class::InvalidNumber,
        "isv.AMOUNT_NOT_ENOUGH" | "isv.OUT_OF_SERVICE" => Class::Unavailable(Balance, false),
        "isv.SMS_TEMPLATE_ILLEGAL"
        | "isv.SMS_SIGNATURE_ILLEGAL"
        | "isv.SMS_SIGN_ILLEGAL"
        | "isv.SIGN_STATE_ILLEGAL"
        | "isv.SMS_SIGNATURE_SCENE_ILLEGAL"
        | "isv.TEMPLATE_MISSING_PARAMETERS"
        | "isv.TEMPLATE_PARAMS_ILLEGAL"
        | "isv.PARAM_LENGTH_LIMIT"
        | "isv.PARAM_NOT_SUPPORT_URL"
        | "isv.SMS_CONTENT_ILLEGAL"
        | "isv.BLACK_KEY_CONTROL_LIMIT"
        | "isv.DOMESTIC_NUMBER_NOT_SUPPORTED" => Class::Unavailable(TemplateOrSign, false),
        "SignatureDoesNotMatch"
        | "IncompleteSignature"
        | "isp.RAM_PERMISSION_DENY"
        | "isv.ACCOUNT_NOT_EXISTS"
        | "isv.ACCOUNT_ABNORMAL"
        | "isv.PRODUCT_UN_SUBSCRIPT"
        | "isv.PRODUCT_UNSUBSCRIBE" => Class::Unavailable(Credentials, false),
        c if c.starts_with("InvalidAccessKeyId") || c.starts_with("Forbidden") => {
            Class::Unavailable(Credentials, false)
        }
        // The server's clock is off by more than the gateway allows.
        "InvalidTimeStamp.Expired" | "InvalidTimeStamp.Format" => {
            Class::Unavailable(Configuration, false)
        }
        c if c.starts_with("Throttling") => Class::Throttled,
        "isp.SYSTEM_ERROR" | "InternalError" | "ServiceUnavailable" | "UnknownError" => {
            Class::Unavailable(Provider, true)
        }
        c if c.starts_with("Missing")
            || c.starts_with("Invalid")
            || c == "SignatureNonceUsed"
            || c == "isv.INVALID_PARAMETERS"
            || c == "isv.INVALID_JSON_PARAM"
            || c == "isv.MOBILE_COUNT_OVER_LIMIT"
            || c == "isv.DENY_IP_RANGE" =>
        {
            Class::Unavailable(Configuration, false)
        }
        _ => Class::Unavailable(Provider, false),
    }
}

#[derive(Deserialize)]
struct ApiAnswer {
    #[serde(rename = "Code")]
    code: String,
    #[serde(rename = "Message", default)]
    message: String,
    #[serde(rename = "RequestId", default)]
    request_id: String,
}

/// RFC 3986 percent-encoding, as the signature rules spell it.
pub fn percent_encode(value: &str) -> String {
    utf8_percent_encode(value, RFC3986).to_string()
}

/// `k=v&…`, each percent-encoded, sorted by name.
fn canonical_query(params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted
        .iter()
        .map(|(name, value)| format!("{}={}", percent_encode(name), percent_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The `Signature` of a request with `params` (all but `Signature`) sent with `method`.
pub fn sign(method: &str, params: &[(String, String)], access_key_secret: &str) -> String {
    use hmac::{Hmac, Mac};
    let string_to_sign = format!(
        "{method}&{}&{}",
        percent_encode("/"),
        percent_encode(&canonical_query(params))
    );
    let mut mac =
        <Hmac<sha1::Sha1> as Mac>::new_from_slice(format!("{access_key_secret}&").as_bytes())
            .expect("HMAC accepts a key of any length");
    mac.update(string_to_sign.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// The worked example of Alibaba's "签名机制" page (ECS `DescribeRegions`, `testsecret`).
    #[test]
    fn the_signature_matches_the_documented_example() {
        let params = pairs(&[
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Format", "XML"),
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("Version", "2014-05-26"),
            ("SignatureVersion", "1.0"),
        ]);
        assert_eq!(
            sign("GET", &params, "testsecret"),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
        );
    }

    #[test]
    fn percent_encoding_follows_rfc_3986() {
        let table = [
            ("a b", "a%20b"),
            ("a*b", "a%2Ab"),
            ("a~b-c_d.e", "a~b-c_d.e"),
            ("2016-02-23T12:46:24Z", "2016-02-23T12%3A46%3A24Z"),
            ("/", "%2F"),
            ("{\"code\":\"1\"}", "%7B%22code%22%3A%221%22%7D"),
            ("职", "%E8%81%8C"),
        ];
        for (raw, encoded) in table {
            assert_eq!(percent_encode(raw), encoded, "{raw}");
        }
    }

    #[test]
    fn error_codes_map_to_classes() {
        use Cause::*;
        let table = [
            (
                "isv.BUSINESS_LIMIT_CONTROL",
                "触发分钟级流控Permits:1",
                Class::NumberLimit(Some(60)),
            ),
            (
                "isv.BUSINESS_LIMIT_CONTROL",
                "触发小时级流控Permits:5",
                Class::NumberLimit(Some(3600)),
            ),
            (
                "isv.BUSINESS_LIMIT_CONTROL",
                "触发天级流控Permits:10",
                Class::NumberLimit(None),
            ),
            (
                "isv.DAY_LIMIT_CONTROL",
                "触发日发送限额",
                Class::AccountDailyLimit,
            ),
            (
                "isv.MOBILE_NUMBER_ILLEGAL",
                "非法手机号",
                Class::InvalidNumber,
            ),
            (
                "isv.AMOUNT_NOT_ENOUGH",
                "账户余额不足",
                Class::Unavailable(Balance, false),
            ),
            (
                "isv.OUT_OF_SERVICE",
                "业务停机",
                Class::Unavailable(Balance, false),
            ),
            (
                "isv.SMS_TEMPLATE_ILLEGAL",
                "",
                Class::Unavailable(TemplateOrSign, false),
            ),
            (
                "isv.SMS_SIGNATURE_ILLEGAL",
                "",
                Class::Unavailable(TemplateOrSign, false),
            ),
            (
                "isv.TEMPLATE_MISSING_PARAMETERS",
                "",
                Class::Unavailable(TemplateOrSign, false),
            ),
            (
                "SignatureDoesNotMatch",
                "",
                Class::Unavailable(Credentials, false),
            ),
            (
                "InvalidAccessKeyId.NotFound",
                "",
                Class::Unavailable(Credentials, false),
            ),
            (
                "isp.RAM_PERMISSION_DENY",
                "",
                Class::Unavailable(Credentials, false),
            ),
            (
                "InvalidTimeStamp.Expired",
                "",
                Class::Unavailable(Configuration, false),
            ),
            (
                "SignatureNonceUsed",
                "",
                Class::Unavailable(Configuration, false),
            ),
            (
                "MissingPhoneNumbers",
                "",
                Class::Unavailable(Configuration, false),
            ),
            ("Throttling.User", "", Class::Throttled),
            ("isp.SYSTEM_ERROR", "", Class::Unavailable(Provider, true)),
            ("SomethingNew", "", Class::Unavailable(Provider, false)),
        ];
        for (code, message, class) in table {
            assert_eq!(classify(code, message), class, "{code} {message}");
        }
    }

    #[test]
    fn the_templates_say_what_the_messages_say() {
        for kind in SmsKind::ALL {
            let message = SmsMessage {
                phone: "13800138000".into(),
                kind,
                text: String::new(),
                code: Some("123456".into()),
            };
            let mut text = template_text(kind).to_owned();
            for (name, value) in message.template_params() {
                text = text.replace(&format!("${{{name}}}"), &value);
            }
            let expected = match kind {
                SmsKind::VerificationCode => SmsMessage::verification_code("1", "123456").text,
                SmsKind::ReviewApproved => SmsMessage::review_approved("1").text,
                SmsKind::ReviewRejected => SmsMessage::review_rejected("1").text,
                SmsKind::TicketReady => SmsMessage::ticket_ready("1").text,
                SmsKind::AlreadyRegistered => SmsMessage::already_registered("1").text,
                SmsKind::NotRegistered => SmsMessage::not_registered("1").text,
            };
            assert_eq!(
                format!("【{}】{text}", super::super::DEV_SIGN_NAME),
                expected
            );
        }
    }
}
