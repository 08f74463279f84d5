//! Request and response bodies of every endpoint under [`crate::API_VERSION_PREFIX`].
//!
//! Lists are wrapped in objects (`{"plans": [...]}`) so fields can be added without breaking
//! clients. Optional fields are omitted rather than `null`. The OpenAPI document
//! (`openapi/baoming-v1.json`) is generated from these types.

use serde::{Deserialize, Serialize};

use crate::eligibility::{Condition, Material};
use crate::id_card::Gender;
use crate::photo_warning::PhotoWarning;
use crate::plan::Plan;
use crate::reason::Reason;
use crate::status::ApplicationStatus;
use crate::time::Timestamp;

/// Request header carrying a client-chosen key that makes a write idempotent.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";
/// Longest idempotency key accepted (a UUID is 36).
pub const IDEMPOTENCY_KEY_MAX_LEN: usize = 128;
/// How long a backend remembers a key's first answer; a repeat within this time returns it.
pub const IDEMPOTENCY_KEY_RETENTION_S: u64 = 24 * 3600;

/// Why an idempotency key is refused (`fields.idempotency_key`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdempotencyKeyError {
    /// No header, or an empty one.
    Missing,
    /// Longer than [`IDEMPOTENCY_KEY_MAX_LEN`], or not printable ASCII.
    Invalid,
}

impl IdempotencyKeyError {
    /// The reason in the error envelope's `fields`.
    pub fn reason(self) -> Reason {
        match self {
            IdempotencyKeyError::Missing => Reason::Required,
            IdempotencyKeyError::Invalid => Reason::Invalid,
        }
    }

    /// [`Self::reason`]'s code.
    pub fn code(self) -> &'static str {
        self.reason().code()
    }
}

/// Checks an `Idempotency-Key` value: 1 to [`IDEMPOTENCY_KEY_MAX_LEN`] printable ASCII
/// characters (a UUID is a good choice), surrounding spaces ignored.
pub fn check_idempotency_key(key: Option<&str>) -> Result<&str, IdempotencyKeyError> {
    let key = key.map(str::trim).unwrap_or_default();
    if key.is_empty() {
        Err(IdempotencyKeyError::Missing)
    } else if key.len() > IDEMPOTENCY_KEY_MAX_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        Err(IdempotencyKeyError::Invalid)
    } else {
        Ok(key)
    }
}
/// Name of the session cookie over plain HTTP (development); over HTTPS backends use
/// `__Host-baoming_session`.
pub const SESSION_COOKIE: &str = "baoming_session";
pub const SESSION_COOKIE_SECURE: &str = "__Host-baoming_session";

// ---------------------------------------------------------------- health

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// Always `ok` when the backend can serve requests.
    pub status: String,
    /// The backend's own version string.
    pub version: String,
    /// Whether development-only endpoints (`/dev/...`) are mounted.
    pub dev_mode: bool,
}

// ---------------------------------------------------------------- accounts

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SmsPurpose {
    Register,
    ResetPassword,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SmsCodeRequest {
    pub phone: String,
    pub purpose: SmsPurpose,
}

/// 202 answer to an SMS code request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SmsCodeSent {
    /// Seconds until another code may be requested for this phone (the 获取验证码 countdown).
    pub retry_after_s: u64,
    /// Seconds the code stays valid.
    pub expires_in_s: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterRequest {
    pub phone: String,
    /// The 6-digit SMS code.
    pub code: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub phone: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetRequest {
    pub phone: String,
    pub code: String,
    pub password: String,
}

/// The logged-in candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub id: String,
    pub phone: String,
    pub created_at: Timestamp,
}

// ---------------------------------------------------------------- plans

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanList {
    pub plans: Vec<Plan>,
}

// ---------------------------------------------------------------- applications

/// ② 身份选择. The seed: every candidate picks 职工身份.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    /// 职工身份
    Employee,
}

/// 文化程度
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Education {
    JuniorHighOrBelow,
    SeniorHigh,
    SecondaryVocational,
    TechnicianCollege,
    JuniorCollege,
    Bachelor,
    MasterOrAbove,
}

/// An existing certificate (现有职业资格证书).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Certificate {
    /// 名称 and 等级, e.g. `电子商务师 三级`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_and_level: String,
    /// 证书编号
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub number: String,
    /// 取证时间, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub issued_on: String,
    /// 发证机构名称
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub issuer: String,
}

/// One row of 工作经历/培训经历.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryRow {
    /// 起 `YYYY-MM`.
    #[serde(default)]
    pub start: String,
    /// 止 `YYYY-MM` (empty: up to now).
    #[serde(default)]
    pub end: String,
    /// 单位 (full name) or school.
    #[serde(default)]
    pub unit: String,
    /// 职业(工种): the plan's occupation or a related one.
    #[serde(default)]
    pub occupation: String,
    /// 证明人
    #[serde(default)]
    pub witness: String,
}

/// The wizard's content. Every field is optional while drafting; [`crate::status`] and the
/// submit endpoint decide what must be present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Draft {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// 姓名
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    /// 身份证号
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub education: Option<Education>,
    /// 联系电话
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phone: String,
    /// 工作单位
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub employer: String,
    /// 单位地址
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub employer_address: String,
    /// 单位人资部门电话
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub employer_hr_phone: String,
    /// 现从事岗位
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub current_post: String,
    /// 现从事岗位年限
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_post_years: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<Certificate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryRow>,
}

/// `PUT /applications/{id}/draft`. `base_version` is the version the edit started from;
/// a stale one answers 409 with the current application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaveDraftRequest {
    pub base_version: u64,
    pub draft: Draft,
}

/// A stored document in an upload slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentInfo {
    pub material: Material,
    /// `image/jpeg` or `image/png`, read from the bytes.
    pub content_type: String,
    pub size_bytes: u64,
    /// Hex SHA-256 of the content; also its storage name.
    pub sha256: String,
    pub uploaded_at: Timestamp,
    /// The warnings of the browser's photo checks the file was uploaded with (the candidate
    /// saw them and chose 仍然上传), as sent with the upload (`?findings=`): each once, in
    /// the order of `PhotoWarning`'s codes; empty when there were none. Clients leave out
    /// codes they do not know.
    #[serde(default, deserialize_with = "crate::photo_warning::deserialize_known")]
    pub findings: Vec<PhotoWarning>,
}

/// What a reviewer's reason points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum ReviewTarget {
    /// A draft field, by its JSON name (`id_number`, `history.1.unit`).
    Field(String),
    /// An upload slot.
    Document(Material),
    /// The application as a whole.
    General,
}

/// One reason a reviewer gave when rejecting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewReason {
    pub target: ReviewTarget,
    pub message: String,
}

/// One entry of the status timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusEvent {
    pub status: ApplicationStatus,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Application {
    pub id: String,
    pub plan_id: String,
    pub status: ApplicationStatus,
    /// Increases with every saved change.
    pub version: u64,
    pub draft: Draft,
    pub documents: Vec<DocumentInfo>,
    /// Status changes, oldest first.
    pub events: Vec<StatusEvent>,
    /// The latest rejection's reasons (empty unless `rejected`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub review_reasons: Vec<ReviewReason>,
    /// While `under_review`: 2 working days after submission, weekends skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_decision_by: Option<Timestamp>,
    pub updated_at: Timestamp,
    /// The draft as it was last submitted (or resubmitted), so the candidate and the
    /// reviewer can see what changed since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_draft: Option<Draft>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationList {
    pub applications: Vec<Application>,
}

// ---------------------------------------------------------------- review (admin)

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Approve,
    Reject,
}

/// `POST /admin/applications/{id}/decision`. A rejection needs at least one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionRequest {
    pub decision: DecisionKind,
    #[serde(default)]
    pub reasons: Vec<ReviewReason>,
}

/// What a reviewer sees in lists: the application and whose it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminApplication {
    pub candidate_phone: String,
    pub application: Application,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminApplicationList {
    pub applications: Vec<AdminApplication>,
}

/// `POST /admin/applications/{id}/refund`: return the whole fee of a paid application
/// (the answer is its order: `paid` with notice `refund_pending` until the provider
/// confirms, then `refunded`, and the application `refunded`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundOrderRequest {
    /// Why, shown to the candidate on WeChat's refund record: 1 to
    /// [`REFUND_REASON_MAX_CHARS`] characters.
    pub reason: String,
}

/// WeChat Pay takes a refund reason of at most 80 characters.
pub const REFUND_REASON_MAX_CHARS: usize = 80;

/// Whether `reason` can go with a refund.
pub fn refund_reason_ok(reason: &str) -> bool {
    let n = reason.trim().chars().count();
    (1..=REFUND_REASON_MAX_CHARS).contains(&n)
}

// ---------------------------------------------------------------- payment

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// 待支付
    Unpaid,
    /// 支付成功
    Paid,
    /// Closed without payment (the application can no longer be paid).
    Closed,
    /// 已退款: paid, then the whole fee was returned (`refunded_at`).
    Refunded,
}

/// What the candidate should know about the order's last payment attempt, in their words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentNotice {
    /// The last payment did not go through (WeChat's PAYERROR: a bank card refused, a
    /// limit): nothing was charged; scan the new code to pay again.
    PaymentFailed,
    /// The last code was closed before it was paid (expired, or closed at WeChat): scan
    /// the new code.
    CodeReplaced,
    /// A refund was asked for and is on its way (usually within minutes; up to a few
    /// working days to a bank card).
    RefundPending,
}

/// A WeChat Pay Native order. One open order per application; its `order_no` never changes,
/// a refreshed QR code belongs to the same order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Order {
    pub order_no: String,
    pub application_id: String,
    /// Always the plan's fee, set by the backend.
    pub amount_fen: u64,
    pub status: OrderStatus,
    /// What to draw as a QR code while unpaid: exactly what the payment provider answered
    /// (WeChat's own example is `weixin://wxpay/bizpayurl/up?pr=NwY5Mz9&groupid=00`; older
    /// codes look like `weixin://wxpay/bizpayurl?pr=…`). Never parsed, only encoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_expires_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<Timestamp>,
    /// When the fee was returned (status `refunded`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refunded_at: Option<Timestamp>,
    /// Something about the last attempt the candidate should read (see [`PaymentNotice`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<PaymentNotice>,
}

// ---------------------------------------------------------------- development

/// An SMS the development outbox "sent" (`GET /dev/sms-outbox`, development mode only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxMessage {
    pub phone: String,
    pub text: String,
    /// The verification code, when the message carries one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub sent_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Outbox {
    pub messages: Vec<OutboxMessage>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_draft_is_an_empty_object() {
        assert_eq!(serde_json::to_string(&Draft::default()).unwrap(), "{}");
        let d: Draft = serde_json::from_str("{}").unwrap();
        assert_eq!(d, Draft::default());
    }

    #[test]
    fn idempotency_keys() {
        assert_eq!(
            check_idempotency_key(Some(" 6f1c2a1e-3b7d-4f0a-9a58-0c1d2e3f4a5b ")),
            Ok("6f1c2a1e-3b7d-4f0a-9a58-0c1d2e3f4a5b")
        );
        assert_eq!(
            check_idempotency_key(None),
            Err(IdempotencyKeyError::Missing)
        );
        assert_eq!(
            check_idempotency_key(Some("  ")),
            Err(IdempotencyKeyError::Missing)
        );
        assert_eq!(
            check_idempotency_key(Some("a b")),
            Err(IdempotencyKeyError::Invalid)
        );
        let long = "k".repeat(IDEMPOTENCY_KEY_MAX_LEN + 1);
        assert_eq!(
            check_idempotency_key(Some(&long)),
            Err(IdempotencyKeyError::Invalid)
        );
        assert_eq!(IdempotencyKeyError::Missing.code(), "required");
    }

    #[test]
    fn review_targets_are_tagged() {
        let r = ReviewReason {
            target: ReviewTarget::Document(Material::Portrait),
            message: "背景不是白色".into(),
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["target"]["kind"], "document");
        assert_eq!(v["target"]["name"], "portrait");
        let g = serde_json::to_value(ReviewTarget::General).unwrap();
        assert_eq!(g["kind"], "general");
    }
}
