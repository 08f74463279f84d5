//! Tencent Cloud SMS (腾讯云短信): API 3.0 `SendSms`, version 2021-01-11, on
//! `sms.tencentcloudapi.com`, signed with TC3-HMAC-SHA256 ("签名方法 v3").
//!
//! One request per message: `POST /` with the JSON body
//! `{"PhoneNumberSet":["+8613800138000"],"SmsSdkAppId":…,"SignName":…,"TemplateId":…,
//! "TemplateParamSet":[…]}`. A refused request answers `Response.Error.Code`; an accepted
//! one answers a status per number in `Response.SendStatusSet` (`Code` `Ok` when sent).

use serde::Deserialize;

use super::{
    CallPolicy, Cause, Class, HttpAnswer, Provider, SmsError, SmsKind, SmsMessage,
    SmsProviderConfig, SmsSender, authority, call_with_retries, scrub, sha256_hex, utc_date,
};
use crate::clock::Clock;
use crate::secrets::hex;
use baoming_contract::phone::mask;

/// The production API base.
pub const DEFAULT_ENDPOINT: &str = "https://sms.tencentcloudapi.com";
/// `X-TC-Region` when none is configured (the API takes ap-beijing, ap-guangzhou and
/// ap-nanjing).
pub const DEFAULT_REGION: &str = "ap-guangzhou";

const SERVICE: &str = "sms";
const ACTION: &str = "SendSms";
const VERSION: &str = "2021-01-11";
const CONTENT_TYPE: &str = "application/json; charset=utf-8";
const ALGORITHM: &str = "TC3-HMAC-SHA256";

/// The body template (正文模板) to apply for in the console for each kind, its parameters
/// `{1}`, `{2}` in the order of [`SmsMessage::template_params`]. The sign name is added by
/// Tencent.
pub fn template_text(kind: SmsKind) -> &'static str {
    match kind {
        SmsKind::VerificationCode => "您的验证码是{1}，{2}分钟内有效。",
        SmsKind::ReviewApproved => "您的报名审核已通过，请登录缴费。",
        SmsKind::ReviewRejected => "您的报名审核未通过，请登录查看原因并修改后重新提交。",
        SmsKind::TicketReady => "您的准考证已可打印，请登录查看考试安排。",
        SmsKind::AlreadyRegistered => super::ALREADY_REGISTERED_TEXT,
        SmsKind::NotRegistered => super::NOT_REGISTERED_TEXT,
    }
}

/// Sends through Tencent Cloud SMS.
pub struct TencentSms {
    settings: SmsProviderConfig,
    secret_key: String,
    clock: Clock,
    policy: CallPolicy,
    agent: ureq::Agent,
}

impl TencentSms {
    /// A sender with `settings`, the revealed `secret_key` and `policy`'s time-outs.
    pub fn new(
        settings: SmsProviderConfig,
        secret_key: String,
        clock: Clock,
        policy: CallPolicy,
    ) -> TencentSms {
        TencentSms {
            agent: policy.agent(),
            settings,
            secret_key,
            clock,
            policy,
        }
    }

    fn payload(&self, message: &SmsMessage) -> String {
        let mut body = serde_json::json!({
            "PhoneNumberSet": [format!("+86{}", message.phone)],
            "SmsSdkAppId": self.settings.app_id,
            "SignName": self.settings.sign_name,
            "TemplateId": self.settings.templates.id(message.kind),
        });
        let params: Vec<String> = message
            .template_params()
            .into_iter()
            .map(|(_, value)| value)
            .collect();
        if !params.is_empty() {
            body["TemplateParamSet"] = params.into();
        }
        body.to_string()
    }

    fn judge(&self, answer: HttpAnswer, message: &SmsMessage) -> Result<(), SmsError> {
        let parsed = serde_json::from_slice::<Envelope>(&answer.body)
            .ok()
            .map(|e| e.response);
        let Some(response) = parsed else {
            // Tencent answers 200 with JSON even for refusals: anything else came from
            // something in between, and whether the SMS left is unknown.
            return Err(SmsError::Unavailable {
                cause: Cause::Provider,
                maybe_sent: answer.status >= 500 || answer.status == 200,
                detail: format!("tencent: HTTP {} without an API answer", answer.status),
            });
        };
        let refusal = |code: &str, message: &str| {
            classify(code).into_error(
                self.clock.now(),
                format!(
                    "tencent {code}, request {}: {}",
                    response.request_id,
                    scrub(message)
                ),
            )
        };
        if let Some(error) = &response.error {
            return Err(refusal(&error.code, &error.message));
        }
        match response.send_status_set.first() {
            Some(status) if status.code == "Ok" => {
                tracing::info!(
                    provider = "tencent",
                    kind = message.kind.name(),
                    phone = %mask(&message.phone),
                    request = %response.request_id,
                    "SMS sent"
                );
                Ok(())
            }
            Some(status) => Err(refusal(&status.code, &status.message)),
            None => Err(SmsError::Unavailable {
                cause: Cause::Provider,
                maybe_sent: true,
                detail: format!("tencent: no send status, request {}", response.request_id),
            }),
        }
    }
}

impl SmsSender for TencentSms {
    fn send(&self, message: &SmsMessage) -> Result<(), SmsError> {
        let payload = self.payload(message);
        let host = authority(&self.settings.endpoint);
        let url = format!("{}/", self.settings.endpoint.trim_end_matches('/'));
        let answer = call_with_retries(&self.policy, Provider::Tencent, || {
            // Signed afresh for each try: the timestamp must be within five minutes.
            let timestamp = self.clock.now().0;
            let auth = authorization(
                &self.settings.secret_id,
                &self.secret_key,
                host,
                timestamp,
                &payload,
            );
            self.agent
                .post(&url)
                .header("Authorization", &auth)
                .header("Content-Type", CONTENT_TYPE)
                .header("Host", host)
                .header("X-TC-Action", ACTION)
                .header("X-TC-Timestamp", &timestamp.to_string())
                .header("X-TC-Version", VERSION)
                .header("X-TC-Region", &self.settings.region)
                .send(payload.as_bytes())
        })?;
        self.judge(answer, message)
    }
}

/// What a Tencent error code (in `Response.Error` or a number's `SendStatus`) means. Codes
/// from the SMS API's error list (tencentcloud-sdk `sms/v20210111/errors.go`) and the
/// common ones of API 3.0.
fn classify(code: &str) -> Class {
    use Cause::*;
    match code {
        "LimitExceeded.PhoneNumberThirtySecondLimit" => Class::NumberLimit(Some(30)),
        "LimitExceeded.DeliveryFrequencyLimit" => Class::NumberLimit(Some(60)),
        "LimitExceeded.PhoneNumberOneHourLimit" => Class::NumberLimit(Some(3600)),
        "LimitExceeded.PhoneNumberDailyLimit"
        | "LimitExceeded.PhoneNumberSameContentDailyLimit" => Class::NumberLimit(None),
        "LimitExceeded.AppDailyLimit" | "LimitExceeded.DailyLimit" => Class::AccountDailyLimit,
        "InvalidParameterValue.IncorrectPhoneNumber" | "FailedOperation.PhoneNumberInBlacklist" => {
            Class::InvalidNumber
        }
        "FailedOperation.InsufficientBalanceInSmsPackage"
        | "UnauthorizedOperation.SerivceSuspendDueToArrears" => Class::Unavailable(Balance, false),
        "FailedOperation.TemplateIncorrectOrUnapproved"
        | "FailedOperation.SignatureIncorrectOrUnapproved"
        | "FailedOperation.MissingTemplateList"
        | "FailedOperation.MissingSignatureList"
        | "FailedOperation.ContainSensitiveWord"
        | "InvalidParameter.DirtyWordFound"
        | "InvalidParameterValue.TemplateParameterFormatError"
        | "InvalidParameterValue.TemplateParameterLengthLimit"
        | "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter"
        | "InvalidParameterValue.ContentLengthLimit" => Class::Unavailable(TemplateOrSign, false),
        // The server's clock is more than five minutes off.
        "AuthFailure.SignatureExpire" | "InternalError.RequestTimeException" => {
            Class::Unavailable(Configuration, false)
        }
        c if c.starts_with("AuthFailure") || c.starts_with("UnauthorizedOperation") => {
            Class::Unavailable(Credentials, false)
        }
        c if c.starts_with("RequestLimitExceeded") => Class::Throttled,
        // Time-outs inside Tencent: the SMS may or may not have left.
        "InternalError"
        | "InternalError.Timeout"
        | "InternalError.SendAndRecvFail"
        | "InternalError.OtherError"
        | "InternalError.UnknownError" => Class::Unavailable(Provider, true),
        c if c.starts_with("InvalidParameter")
            || c.starts_with("MissingParameter")
            || c.starts_with("UnsupportedOperation")
            || c.starts_with("InvalidAction")
            || c.starts_with("NoSuchVersion")
            || c.starts_with("InvalidRequest")
            || c.starts_with("InternalError.Sig")
            || matches!(
                c,
                "FailedOperation.FailResolvePacket"
                    | "FailedOperation.JsonParseFail"
                    | "InternalError.JsonParseFail"
                    | "LimitExceeded.PhoneNumberCountLimit"
            ) =>
        {
            Class::Unavailable(Configuration, false)
        }
        _ => Class::Unavailable(Provider, false),
    }
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "Response")]
    response: ApiResponse,
}

#[derive(Deserialize)]
struct ApiResponse {
    #[serde(rename = "Error", default)]
    error: Option<ApiError>,
    #[serde(rename = "SendStatusSet", default)]
    send_status_set: Vec<SendStatus>,
    #[serde(rename = "RequestId", default)]
    request_id: String,
}

#[derive(Deserialize)]
struct ApiError {
    #[serde(rename = "Code")]
    code: String,
    #[serde(rename = "Message", default)]
    message: String,
}

#[derive(Deserialize)]
struct SendStatus {
    #[serde(rename = "Code")]
    code: String,
    #[serde(rename = "Message", default)]
    message: String,
}

fn hmac_sha256(key: &[u8], data: &str) -> Vec<u8> {
    use hmac::{Hmac, Mac};
    let mut mac =
        <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts a key of any length");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// The canonical request of a `POST /` with `headers` (lower-case names, in ASCII order)
/// and `payload`, and its signed-header list.
fn canonical_request(headers: &[(&str, &str)], payload: &str) -> (String, String) {
    let canonical_headers: String = headers
        .iter()
        .map(|(name, value)| format!("{name}:{}\n", value.trim().to_ascii_lowercase()))
        .collect();
    let signed: Vec<&str> = headers.iter().map(|(name, _)| *name).collect();
    let signed = signed.join(";");
    (
        format!(
            "POST\n/\n\n{canonical_headers}\n{signed}\n{}",
            sha256_hex(payload.as_bytes())
        ),
        signed,
    )
}

/// The hex signature of `canonical_request` for `service` at `timestamp`.
fn signature(secret_key: &str, service: &str, timestamp: i64, canonical_request: &str) -> String {
    let date = utc_date(timestamp).to_string();
    let scope = format!("{date}/{service}/tc3_request");
    let string_to_sign = format!(
        "{ALGORITHM}\n{timestamp}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    );
    let secret_date = hmac_sha256(format!("TC3{secret_key}").as_bytes(), &date);
    let secret_service = hmac_sha256(&secret_date, service);
    let secret_signing = hmac_sha256(&secret_service, "tc3_request");
    hex(&hmac_sha256(&secret_signing, &string_to_sign))
}

/// The `Authorization` header of a `SendSms` call to `host` at `timestamp`, signing
/// `content-type`, `host` and `x-tc-action` as Tencent's SDKs do.
pub fn authorization(
    secret_id: &str,
    secret_key: &str,
    host: &str,
    timestamp: i64,
    payload: &str,
) -> String {
    let action = ACTION.to_ascii_lowercase();
    let (canonical, signed) = canonical_request(
        &[
            ("content-type", CONTENT_TYPE),
            ("host", host),
            ("x-tc-action", &action),
        ],
        payload,
    );
    let date = utc_date(timestamp);
    format!(
        "{ALGORITHM} Credential={secret_id}/{date}/{SERVICE}/tc3_request, \
         SignedHeaders={signed}, Signature={}",
        signature(secret_key, SERVICE, timestamp, &canonical)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of Tencent's "签名方法 v3" page (CVM `DescribeInstances`).
    #[test]
    fn the_signature_matches_the_documented_example() {
        let payload = r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
        assert_eq!(
            sha256_hex(payload.as_bytes()),
            "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
        let (canonical, signed) = canonical_request(
            &[
                ("content-type", "application/json; charset=utf-8"),
                ("host", "cvm.tencentcloudapi.com"),
            ],
            payload,
        );
        assert_eq!(signed, "content-type;host");
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
        );
        assert_eq!(
            signature(
                "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
                "cvm",
                1_551_113_065,
                &canonical
            ),
            "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
    }

    #[test]
    fn authorization_names_the_scope_and_the_signed_headers() {
        let auth = authorization(
            "AKIDtest",
            "key",
            "sms.tencentcloudapi.com",
            1_551_113_065,
            "{}",
        );
        assert!(
            auth.starts_with(
                "TC3-HMAC-SHA256 Credential=AKIDtest/2019-02-25/sms/tc3_request, \
                 SignedHeaders=content-type;host;x-tc-action, Signature="
            ),
            "{auth}"
        );
    }

    #[test]
    fn error_codes_map_to_classes() {
        use Cause::*;
        let table = [
            (
                "LimitExceeded.PhoneNumberThirtySecondLimit",
                Class::NumberLimit(Some(30)),
            ),
            (
                "LimitExceeded.PhoneNumberOneHourLimit",
                Class::NumberLimit(Some(3600)),
            ),
            (
                "LimitExceeded.PhoneNumberDailyLimit",
                Class::NumberLimit(None),
            ),
            (
                "LimitExceeded.DeliveryFrequencyLimit",
                Class::NumberLimit(Some(60)),
            ),
            ("LimitExceeded.AppDailyLimit", Class::AccountDailyLimit),
            ("RequestLimitExceeded", Class::Throttled),
            (
                "InvalidParameterValue.IncorrectPhoneNumber",
                Class::InvalidNumber,
            ),
            (
                "FailedOperation.PhoneNumberInBlacklist",
                Class::InvalidNumber,
            ),
            (
                "FailedOperation.InsufficientBalanceInSmsPackage",
                Class::Unavailable(Balance, false),
            ),
            (
                "UnauthorizedOperation.SerivceSuspendDueToArrears",
                Class::Unavailable(Balance, false),
            ),
            (
                "FailedOperation.TemplateIncorrectOrUnapproved",
                Class::Unavailable(TemplateOrSign, false),
            ),
            (
                "FailedOperation.SignatureIncorrectOrUnapproved",
                Class::Unavailable(TemplateOrSign, false),
            ),
            (
                "AuthFailure.SignatureFailure",
                Class::Unavailable(Credentials, false),
            ),
            (
                "AuthFailure.SecretIdNotFound",
                Class::Unavailable(Credentials, false),
            ),
            (
                "AuthFailure.SignatureExpire",
                Class::Unavailable(Configuration, false),
            ),
            (
                "InvalidParameterValue.SdkAppIdNotExist",
                Class::Unavailable(Configuration, false),
            ),
            ("MissingParameter", Class::Unavailable(Configuration, false)),
            ("InternalError.Timeout", Class::Unavailable(Provider, true)),
            (
                "InternalError.SigVerificationFail",
                Class::Unavailable(Configuration, false),
            ),
            ("SomethingNew", Class::Unavailable(Provider, false)),
        ];
        for (code, class) in table {
            assert_eq!(classify(code), class, "{code}");
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
            for (i, (_, value)) in message.template_params().into_iter().enumerate() {
                text = text.replace(&format!("{{{}}}", i + 1), &value);
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
