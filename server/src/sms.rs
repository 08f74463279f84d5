//! Sending SMS: the [`SmsSender`] interface and its development implementation,
//! [`DevOutbox`].
//!
//! **Plugging in a real provider** (Aliyun SMS, Tencent Cloud SMS, …): implement
//! [`SmsSender`] for a type holding the provider's client and credentials, and install it
//! with [`crate::AppState::with_sms_sender`] where `serve` builds the state (choose it from
//! the [`crate::config::Config`]). `send` is called on the blocking thread pool, after the
//! code is stored and the rate limits counted, so a blocking HTTP client is fine; an error
//! makes the request answer 503 `unavailable` and the unsent code is forgotten.
//! Providers send templated messages: map [`SmsMessage`] to the template's parameters
//! instead of sending [`SmsMessage::text`].

use std::fmt;

use baoming_contract::auth::SMS_CODE_TTL_S;
use baoming_contract::phone::mask;

use crate::clock::Clock;
use crate::db::Db;
use crate::store;

/// One SMS to send.
#[derive(Clone, PartialEq, Eq)]
pub struct SmsMessage {
    /// The normalised 11-digit phone number.
    pub phone: String,
    /// The full text, signature included.
    pub text: String,
    /// The verification code the text carries, if any.
    pub code: Option<String>,
}

impl fmt::Debug for SmsMessage {
    // Codes are secrets; only the development outbox may show them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsMessage")
            .field("phone", &mask(&self.phone))
            .finish_non_exhaustive()
    }
}

impl SmsMessage {
    /// The verification-code SMS: `【职业技能等级认定】您的验证码是123456，5分钟内有效。`
    pub fn verification_code(phone: &str, code: &str) -> SmsMessage {
        SmsMessage {
            phone: phone.to_owned(),
            text: format!(
                "【职业技能等级认定】您的验证码是{code}，{}分钟内有效。",
                SMS_CODE_TTL_S / 60
            ),
            code: Some(code.to_owned()),
        }
    }

    fn notice(phone: &str, text: &str) -> SmsMessage {
        SmsMessage {
            phone: phone.to_owned(),
            text: text.to_owned(),
            code: None,
        }
    }

    /// A reviewer rejected the application.
    pub fn review_rejected(phone: &str) -> SmsMessage {
        SmsMessage::notice(
            phone,
            "【职业技能等级认定】您的报名审核未通过，请登录查看原因并修改后重新提交。",
        )
    }

    /// A reviewer approved the application.
    pub fn review_approved(phone: &str) -> SmsMessage {
        SmsMessage::notice(
            phone,
            "【职业技能等级认定】您的报名审核已通过，请登录缴费。",
        )
    }

    /// The admission ticket can be printed.
    pub fn ticket_ready(phone: &str) -> SmsMessage {
        SmsMessage::notice(
            phone,
            "【职业技能等级认定】您的准考证已可打印，请登录查看考试安排。",
        )
    }
}

/// Something that delivers SMS. Blocking; called from the blocking thread pool.
pub trait SmsSender: Send + Sync {
    /// Delivers `text` to `phone`; `code` is the verification code inside `text`, if any.
    fn send(&self, phone: &str, text: &str, code: Option<&str>) -> anyhow::Result<()>;
}

/// The development sender: nothing leaves the machine. Each message is stored in the
/// `sms_outbox` table (read through `GET /api/v1/dev/sms-outbox` in development mode) and
/// printed to the console, `SMS to 138****8000: 【职业技能等级认定】您的验证码是123456，…`.
pub struct DevOutbox {
    db: Db,
    clock: Clock,
}

impl DevOutbox {
    pub fn new(db: Db, clock: Clock) -> DevOutbox {
        DevOutbox { db, clock }
    }
}

impl SmsSender for DevOutbox {
    fn send(&self, phone: &str, text: &str, code: Option<&str>) -> anyhow::Result<()> {
        let sent_at = self.clock.now();
        self.db
            .blocking(|conn| store::outbox::insert(conn, phone, text, code, sent_at))?;
        tracing::info!(target: "baoming_server::sms", "SMS to {}: {text}", mask(phone));
        Ok(())
    }
}

impl fmt::Debug for dyn SmsSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SmsSender")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baoming_contract::time::Timestamp;

    #[test]
    fn the_code_text_follows_the_template_and_debug_hides_it() {
        let m = SmsMessage::verification_code("13800138000", "123456");
        assert_eq!(
            m.text,
            "【职业技能等级认定】您的验证码是123456，5分钟内有效。"
        );
        let debug = format!("{m:?}");
        assert!(
            !debug.contains("123456") && debug.contains("138****8000"),
            "{debug}"
        );
    }

    #[test]
    fn the_dev_outbox_stores_messages() {
        let db = Db::open_in_memory().unwrap();
        let outbox = DevOutbox::new(db.clone(), Clock::fixed(Timestamp(1_800_000_000)));
        outbox.send("13800138000", "hello", Some("123456")).unwrap();
        let stored = db
            .blocking(|c| store::outbox::list(c, Some("13800138000"), 10))
            .unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].code.as_deref(), Some("123456"));
        assert_eq!(stored[0].sent_at, Timestamp(1_800_000_000));
    }
}
