//! The published OpenAPI 3.1 document, built from this crate's types.
//!
//! `openapi/baoming-v1.json` at the repository root is this document, pretty-printed; a test
//! in the reference backend fails when the committed file is stale
//! (`cargo xtask openapi` rewrites it). The document covers the whole journey; an endpoint
//! being listed here is the contract, whichever backend implements it.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api::*;
use crate::eligibility::{Condition, Material};
use crate::error::{ErrorBody, ErrorCode, ErrorEnvelope};
use crate::id_card::Gender;
use crate::occupation::Occupation;
use crate::photo_warning::PhotoWarning;
use crate::plan::{Level, Plan, PlanState};
use crate::status::ApplicationStatus;
use crate::time::Timestamp;

const DESCRIPTION: &str = "\
The JSON API of Baoming, online registration for the level-2 vocational skill certificate \
(职业技能等级认定 二级). Any backend that implements this document (and passes the \
conformance suite, `baoming-conformance <base-url>`) works with the Baoming web app.

**Versioning.** Every path is under `/api/v1`; breaking changes get a new prefix. Clients \
ignore unknown fields and unknown error codes.

**Errors.** Every non-2xx answer is the `ErrorEnvelope`: a machine-readable `code`, a \
developer-facing `message`, per-field reasons in `fields`, and `retry_after_s` (also the \
`Retry-After` header) for rate limits.

**Sessions.** Logging in or registering sets an HttpOnly session cookie (`baoming_session`, \
or `__Host-baoming_session` with `Secure` over HTTPS; `SameSite=Lax`). The backend must be \
same-site with the web app. Nothing secret is ever in a URL. A session ends 7 days \
after its last use and at the latest 30 days after the log-in that started it.

**CORS.** A backend on another origin than the app answers CORS for exactly the app's \
origin(s), with `Access-Control-Allow-Credentials: true`, methods GET, POST, PUT, DELETE, \
headers `Content-Type` and `Idempotency-Key`, exposing `Retry-After`. State-changing \
requests whose `Origin` is neither the backend's own nor an allowed origin are refused \
with 403 `cross_site_request`.

**Idempotency.** Submitting an application and creating a payment order take an \
`Idempotency-Key` header; repeating a request with the same key returns the first result \
and creates nothing twice. A key is bound to the request it first answered (method, path \
and body): the same key with another body or endpoint is refused with 422 \
`validation_failed`, `fields.idempotency_key` = `idempotency_key_reused`. Keys are \
remembered for 24 hours (`IDEMPOTENCY_KEY_RETENTION_S`); after that the key is new again.

**Development mode.** Endpoints tagged `development` exist only when the backend runs in \
development mode; otherwise they answer 404.";

#[derive(OpenApi)]
#[openapi(
    info(title = "Baoming API", version = "1.0.0", description = DESCRIPTION,
         license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0")),
    servers((url = "/", description = "The backend's origin (the web app's own, or another same-site origin); every path already starts with `/api/v1`")),
    paths(
        health,
        send_sms_code, register, login, logout, me, reset_password,
        list_plans, get_plan,
        list_applications, create_application, get_application, save_draft, submit_application,
        resubmit_application,
        upload_document, get_document, delete_document,
        create_order, get_order, query_order, payment_notification,
        admin_list_applications, admin_get_application, admin_get_document, admin_decide, admin_issue_ticket,
        admin_refund,
        dev_sms_outbox, dev_expire_sessions, dev_mark_order_paid, dev_expire_order_code,
    ),
    components(schemas(
        ErrorEnvelope, ErrorBody, ErrorCode, Health, SmsPurpose, SmsCodeRequest, SmsCodeSent,
        RegisterRequest, LoginRequest, PasswordResetRequest, Account, PlanList, Plan, PlanState,
        Level, Occupation, Timestamp, Identity, Education, Certificate, HistoryRow, Draft,
        SaveDraftRequest, DocumentInfo, PhotoWarning, ReviewTarget, ReviewReason, StatusEvent, Application,
        ApplicationList, ApplicationStatus, Condition, Material, Gender,
        DecisionKind, DecisionRequest, AdminApplication, AdminApplicationList, OrderStatus,
        Order, PaymentNotice, RefundOrderRequest, OutboxMessage, Outbox,
    )),
    modifiers(&SecuritySchemes),
    tags(
        (name = "system", description = "Health"),
        (name = "accounts", description = "考生注册, 登录, 忘记密码: SMS codes, accounts, sessions"),
        (name = "plans", description = "考试报名: certification plans"),
        (name = "applications", description = "报名: the wizard's draft, submission, status"),
        (name = "documents", description = "证件信息上传: one file per material slot"),
        (name = "payments", description = "待缴费: WeChat Pay Native orders"),
        (name = "admin", description = "审核: the reviewer's API (bearer token)"),
        (name = "development", description = "Development mode only"),
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "HttpOnly session cookie set by register/login (`__Host-baoming_session` over HTTPS)",
            ))),
        );
        components.add_security_scheme(
            "reviewer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A reviewer's token, issued by the backend's operator"))
                    .build(),
            ),
        );
    }
}

/// The whole document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut json =
        serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document serialises");
    refine::refine(&mut json);
    serde_json::from_value(json).expect("the refined document is still an OpenAPI document")
}

/// The document as committed: pretty JSON with a trailing newline.
pub fn to_pretty_json() -> String {
    let mut s = document()
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    s.push('\n');
    s
}

mod refine;

// The functions below only carry the path declarations; they are never called.

/// Check the backend is up
///
/// Answers 200 while the backend can serve requests; for load balancers and the conformance suite.
#[utoipa::path(get, path = "/api/v1/health", tag = "system", security(()),
    responses((status = 200, description = "The backend can serve requests", body = Health)))]
#[allow(dead_code)]
fn health() {}

/// Send an SMS code (获取验证码)
///
/// Sends a verification code for registering or resetting a password. The answer never says whether the phone has an account.
#[utoipa::path(post, path = "/api/v1/sms-codes", tag = "accounts", security(()), request_body = SmsCodeRequest,
    responses(
        (status = 202, description = "An SMS was sent; `retry_after_s` is the 获取验证码 countdown. The answer is the same whether or not the phone has an account: a `register` request for a registered phone, or a `reset_password` request for an unregistered one, sends the phone a notice saying so instead of a code (templates 已注册提示 and 未注册提示), counted against the same limits. A backend must not tell the caller whether a phone is registered", body = SmsCodeSent),
        (status = 422, description = "`validation_failed`: `fields.phone` (its format, or `phone_unreachable`: the SMS provider says the number cannot receive SMS)", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited` (1 a minute, 5 an hour per phone; per client address; or the SMS provider's own limits) or `daily_limit_reached` (10 a day); `retry_after_s`", body = ErrorEnvelope,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "`unavailable`: the SMS could not be sent; try again later", body = ErrorEnvelope),
    ))]
#[allow(dead_code)]
fn send_sms_code() {}

/// Register an account (考生注册)
///
/// Creates the candidate's account from a phone, its SMS code and a password, and logs in.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", security(()), request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered and logged in; sets the session cookie", body = Account,
            headers(("Set-Cookie" = String, description = "The session cookie"))),
        (status = 409, description = "`conflict`: `fields.phone = phone_registered`, only after a right code (the phone was registered while its code was pending); the code is checked first, so a caller without the code learns nothing about the phone", body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`: `fields.phone`, `fields.code` (code_format, code_wrong, code_expired, code_attempts_exceeded), `fields.password`", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`: too many wrong codes from this client address (registration and reset together)", body = ErrorEnvelope,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
#[allow(dead_code)]
fn register() {}

/// Log in (登录)
///
/// Checks phone and password and starts a session (sets the session cookie).
#[utoipa::path(post, path = "/api/v1/sessions", tag = "accounts", security(()), request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; sets the session cookie", body = Account,
            headers(("Set-Cookie" = String, description = "The session cookie"))),
        (status = 401, description = "`unauthenticated`: `fields.password = credentials_wrong`", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited` after repeated failures (wait `retry_after_s`), `account_locked` after many", body = ErrorEnvelope,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
#[allow(dead_code)]
fn login() {}

/// Log out
///
/// Revokes the current session and clears the cookie. Needs no session: without one (or with an expired one) it still answers 204.
#[utoipa::path(delete, path = "/api/v1/sessions/current", tag = "accounts", security((), ("session" = [])),
    responses((status = 204, description = "Logged out: the session is revoked and the cookie cleared")))]
#[allow(dead_code)]
fn logout() {}

/// The logged-in candidate
///
/// The account of the session's candidate.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("session" = [])),
    responses(
        (status = 200, description = "The logged-in candidate", body = Account),
        (status = 401, description = "`unauthenticated`", body = ErrorEnvelope),
    ))]
#[allow(dead_code)]
fn me() {}

/// Reset a forgotten password (忘记密码)
///
/// Sets a new password with an SMS code and revokes every session of the account.
#[utoipa::path(post, path = "/api/v1/password-resets", tag = "accounts", security(()), request_body = PasswordResetRequest,
    responses(
        (status = 204, description = "Password changed; every session of the account is revoked"),
        (status = 404, description = "`not_found`: `fields.phone = phone_not_registered`, only after a right code (the account is gone); the code is checked first", body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`: `fields.code`, `fields.password`", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`: too many wrong codes from this client address (registration and reset together)", body = ErrorEnvelope,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
#[allow(dead_code)]
fn reset_password() {}

/// List certification plans
///
/// Every plan with its state now (not yet open, open, closed).
#[utoipa::path(get, path = "/api/v1/plans", tag = "plans", security(()),
    responses((status = 200, description = "Every plan, open or not, with its state now", body = PlanList)))]
#[allow(dead_code)]
fn list_plans() {}

/// Get a plan
///
/// One certification plan with its state now.
#[utoipa::path(get, path = "/api/v1/plans/{plan_id}", tag = "plans", security(()),
    params(("plan_id" = String, Path, description = "The plan's id")),
    responses(
        (status = 200, description = "The plan", body = Plan),
        (status = 404, description = "`not_found`", body = ErrorEnvelope),
    ))]
#[allow(dead_code)]
fn get_plan() {}

/// List my applications
///
/// The logged-in candidate's applications, newest first.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", security(("session" = [])),
    responses(
        (status = 200, description = "The candidate's applications, newest first", body = ApplicationList),
        (status = 401, description = "`unauthenticated`", body = ErrorEnvelope),
    ))]
#[allow(dead_code)]
fn list_applications() {}

/// Start an application for a plan (报名)
///
/// Creates the candidate's draft application for an open plan, or returns the one they already have.
#[utoipa::path(post, path = "/api/v1/plans/{plan_id}/applications", tag = "applications", security(("session" = [])),
    params(("plan_id" = String, Path, description = "The plan's id")),
    responses(
        (status = 201, description = "A new draft application", body = Application),
        (status = 200, description = "The candidate's existing application for this plan (one per plan)", body = Application),
        (status = 409, description = "`plan_not_open`: not yet open or closed", body = ErrorEnvelope),
        (status = 401, description = "`unauthenticated`", body = ErrorEnvelope),
    ))]
#[allow(dead_code)]
fn create_application() {}

/// Get one of my applications
///
/// The application with its draft, documents and status timeline.
#[utoipa::path(get, path = "/api/v1/applications/{application_id}", tag = "applications", security(("session" = [])),
    params(("application_id" = String, Path, description = "The application's id")),
    responses(
        (status = 200, description = "The application with its draft, documents and timeline", body = Application),
        (status = 404, description = "`not_found` (also for another candidate's application)", body = ErrorEnvelope),
    ))]
#[allow(dead_code)]
fn get_application() {}

/// Save the wizard's draft
///
/// Replaces the draft if `base_version` is the current version; drafts may be incomplete but are bounded in size.
#[utoipa::path(put, path = "/api/v1/applications/{application_id}/draft", tag = "applications", security(("session" = [])),
    params(("application_id" = String, Path, description = "The application's id")),
    request_body = SaveDraftRequest,
    responses(
        (status = 200, description = "Saved; `version` increased", body = Application),
        (status = 409, description = "`conflict`: `base_version` is stale; or `invalid_transition`: not editable in this status", body = ErrorEnvelope),
    ))]
#[allow(dead_code)]
fn save_draft() {}

/// Submit an application
///
/// Checks the draft and documents against the plan's rules and submits it for review (idempotent with `Idempotency-Key`).
#[utoipa::path(post, path = "/api/v1/applications/{application_id}/submit", tag = "applications", security(("session" = [])),
    params(("application_id" = String, Path, description = "The application's id"),
           ("Idempotency-Key" = String, Header, description = "Client-chosen key; a repeat returns the first result")),
    responses(
        (status = 200, description = "Submitted: status `under_review`", body = Application),
        (status = 422, description = "`validation_failed`: the draft or documents break a rule; `fields` name them", body = ErrorEnvelope),
        (status = 409, description = "`invalid_transition`", body = ErrorEnvelope),
    ))]
#[allow(dead_code)]
fn submit_application() {}

/// Resubmit after a rejection
///
/// Submits a corrected application again before the plan's correction deadline (idempotent with `Idempotency-Key`).
#[utoipa::path(post, path = "/api/v1/applications/{application_id}/resubmit", tag = "applications", security(("session" = [])),
    params(("application_id" = String, Path, description = "The application's id"),
           ("Idempotency-Key" = String, Header, description = "Client-chosen key; a repeat returns the first result")),
    responses(
        (status = 200, description = "Resubmitted after a rejection: status `under_review`", body = Application),
        (status = 422, description = "`validation_failed`", body = ErrorEnvelope),
        (status = 409, description = "`invalid_transition`", body = ErrorEnvelope),
    ))]
#[allow(dead_code)]
fn resubmit_application() {}

/// Upload a document (证件信息上传)
///
/// Stores a file in one of the application's material slots, with the warnings of the browser's photo checks.
#[utoipa::path(put, path = "/api/v1/applications/{application_id}/documents/{material}", tag = "documents", security(("session" = [])),
    params(("application_id" = String, Path, description = "The application's id"),
           ("material" = Material, Path, description = "The upload slot"),
           ("findings" = Option<Vec<PhotoWarning>>, Query, style = Form, explode = false,
            description = "The warnings of the browser's photo checks the file is uploaded with (the candidate saw them and chose to upload anyway), codes separated by commas: `?findings=too_dark,blurry`. Stored with the file and answered in `DocumentInfo.findings` (each once, in the order of the enum); absent or empty for none. At most as many codes as there are kinds; a repeated code counts once")),
    request_body(content = String, content_type = "image/jpeg", description = "The file's bytes (JPEG or PNG; the portrait JPEG 40–80 KB); the type is read from the bytes"),
    responses(
        (status = 200, description = "Stored with its `findings` (replacing any earlier file in the slot, and its findings)", body = DocumentInfo),
        (status = 413, description = "`payload_too_large`", body = ErrorEnvelope),
        (status = 415, description = "`unsupported_media_type`", body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`: `fields.file` names what is wrong with the file (e.g. `portrait_too_small`: the portrait is outside 40–80 KB); `fields.findings` = `unknown_finding` (a code that is no warning's, a blocking finding's included) or `too_many`. Nothing is stored", body = ErrorEnvelope),
    ))]
#[allow(dead_code)]
fn upload_document() {}

/// Download one of my documents
///
/// The stored file of a material slot, as uploaded.
#[utoipa::path(get, path = "/api/v1/applications/{application_id}/documents/{material}", tag = "documents", security(("session" = [])),
    params(("application_id" = String, Path, description = "The application's id"),
           ("material" = Material, Path, description = "The upload slot")),
    responses(
        (status = 200, description = "The file (only its owner, and reviewers, may read it)", content_type = "image/jpeg", body = String),
        (status = 404, description = "`not_found`", body = ErrorEnvelope),
    ))]
#[allow(dead_code)]
fn get_document() {}

/// Delete a document
///
/// Empties a material slot while the application is editable.
#[utoipa::path(delete, path = "/api/v1/applications/{application_id}/documents/{material}", tag = "documents", security(("session" = [])),
    params(("application_id" = String, Path, description = "The application's id"),
           ("material" = Material, Path, description = "The upload slot")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "`invalid_transition`: not editable in this status", body = ErrorEnvelope),
    ))]
#[allow(dead_code)]
fn delete_document() {}

/// Create or refresh the payment order (待缴费)
///
/// The application's one open WeChat Pay Native order with a current QR code (idempotent with `Idempotency-Key`).
#[utoipa::path(post, path = "/api/v1/applications/{application_id}/orders", tag = "payments", security(("session" = [])),
    params(("application_id" = String, Path, description = "The application's id"),
           ("Idempotency-Key" = String, Header, description = "Client-chosen key; concurrent or repeated requests create one order")),
    responses(
        (status = 200, description = "The application's one open order, with a valid `code_url` (a refreshed code keeps the same `order_no`)", body = Order),
        (status = 409, description = "`invalid_transition`: not awaiting payment (for example already paid)", body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`: `fields.idempotency_key` = required or invalid", body = ErrorEnvelope),
        (status = 404, description = "`not_found`", body = ErrorEnvelope),
        (status = 503, description = "`unavailable`: the payment provider failed", body = ErrorEnvelope),
    ))]
#[allow(dead_code)]
fn create_order() {}

/// Get an order
///
/// The order as the backend last knew it, without asking the payment provider.
#[utoipa::path(get, path = "/api/v1/orders/{order_no}", tag = "payments", security(("session" = [])),
    params(("order_no" = String, Path, description = "The order number")),
    responses(
        (status = 200, description = "The order as the backend last knew it", body = Order),
        (status = 404, description = "`not_found`", body = ErrorEnvelope),
    ))]
#[allow(dead_code)]
fn get_order() {}

/// Ask the payment provider about an order (我已支付)
///
/// Asks WeChat Pay for the order's state now and records a payment it reports.
#[utoipa::path(post, path = "/api/v1/orders/{order_no}/query", tag = "payments", security(("session" = [])),
    params(("order_no" = String, Path, description = "The order number")),
    responses((status = 200, description = "我已支付: the backend asked WeChat Pay now", body = Order)))]
#[allow(dead_code)]
fn query_order() {}

/// WeChat Pay notification (callback)
///
/// Called by WeChat Pay, not by clients: payment and refund results. Answers follow WeChat's protocol, not the ErrorEnvelope.
#[utoipa::path(post, path = "/api/v1/payments/wechat/notify", tag = "payments", security(()),
    request_body(content = String, content_type = "application/json", description = "WeChat Pay API v3 notification, payment (`TRANSACTION.SUCCESS`) or refund (`REFUND.*`): signed by a platform key, resource AES-256-GCM encrypted with the APIv3 key. Each QR code of an order is an attempt with its own `out_trade_no`; a payment of any attempt pays the order."),
    responses(
        (status = 204, description = "Verified and recorded (idempotent: a repeat changes nothing); also for a non-SUCCESS trade state"),
        (status = 400, description = "WeChat's failure answer `{\"code\":\"FAIL\",\"message\":…}`: an attempt or refund this backend never made, or a paid amount that differs from the attempt's; nothing recorded"),
        (status = 401, description = "WeChat's failure answer `{\"code\":\"FAIL\",\"message\":…}`: missing or bad signature, unknown platform serial, a timestamp more than 5 minutes off, undecryptable resource"),
        (status = 404, description = "WeChat's failure answer: the backend does not use WeChat Pay"),
        (status = 500, description = "WeChat's failure answer: try again later (WeChat retries)"),
    ))]
#[allow(dead_code)]
fn payment_notification() {}

/// List applications for review (审核)
///
/// Every candidate's applications, optionally in one status, oldest submission first.
#[utoipa::path(get, path = "/api/v1/admin/applications", tag = "admin", security(("reviewer" = [])),
    params(("status" = Option<ApplicationStatus>, Query, description = "Only applications in this status")),
    responses(
        (status = 200, description = "Applications, oldest submission first", body = AdminApplicationList),
        (status = 401, description = "`unauthenticated`", body = ErrorEnvelope),
    ))]
#[allow(dead_code)]
fn admin_list_applications() {}

/// Get an application for review
///
/// One application with its candidate's phone and its documents.
#[utoipa::path(get, path = "/api/v1/admin/applications/{application_id}", tag = "admin", security(("reviewer" = [])),
    params(("application_id" = String, Path, description = "The application's id")),
    responses((status = 200, description = "One application with its documents", body = AdminApplication)))]
#[allow(dead_code)]
fn admin_get_application() {}

/// Download a document for review
///
/// A candidate's stored file, for the reviewer.
#[utoipa::path(get, path = "/api/v1/admin/applications/{application_id}/documents/{material}", tag = "admin", security(("reviewer" = [])),
    params(("application_id" = String, Path, description = "The application's id"),
           ("material" = Material, Path, description = "The upload slot")),
    responses(
        (status = 200, description = "The file, for review (`Cache-Control: private, no-store`)", content_type = "image/jpeg", body = String),
        (status = 401, description = "`unauthenticated`", body = ErrorEnvelope),
        (status = 404, description = "`not_found`", body = ErrorEnvelope),
    ))]
#[allow(dead_code)]
fn admin_get_document() {}

/// Approve or reject an application
///
/// The reviewer's decision; a rejection names its reasons, and an SMS tells the candidate.
#[utoipa::path(post, path = "/api/v1/admin/applications/{application_id}/decision", tag = "admin", security(("reviewer" = [])),
    params(("application_id" = String, Path, description = "The application's id")),
    request_body = DecisionRequest,
    responses(
        (status = 200, description = "Approved (→ `awaiting_payment`) or rejected with reasons (→ `rejected`); an SMS tells the candidate", body = Application),
        (status = 409, description = "`invalid_transition`", body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`: `fields.reasons` = required (a rejection without reasons), not_allowed (an approval with reasons) or too_many; `reasons.<i>.message` = required or too_long; `reasons.<i>.target` = unknown_field", body = ErrorEnvelope),
        (status = 401, description = "`unauthenticated`", body = ErrorEnvelope),
        (status = 404, description = "`not_found`", body = ErrorEnvelope),
    ))]
#[allow(dead_code)]
fn admin_decide() {}

/// Issue the admission ticket (准考证)
///
/// Marks a paid application's admission ticket ready.
#[utoipa::path(post, path = "/api/v1/admin/applications/{application_id}/admission-ticket", tag = "admin", security(("reviewer" = [])),
    params(("application_id" = String, Path, description = "The application's id")),
    responses(
        (status = 200, description = "准考证 ready (→ `ticket_ready`)", body = Application),
        (status = 409, description = "`invalid_transition`: not paid", body = ErrorEnvelope),
    ))]
#[allow(dead_code)]
fn admin_issue_ticket() {}

/// Refund an application's fee
///
/// Asks the payment provider to refund the whole fee of a paid application.
#[utoipa::path(post, path = "/api/v1/admin/applications/{application_id}/refund", tag = "admin", security(("reviewer" = [])),
    params(("application_id" = String, Path, description = "The application's id")),
    request_body = RefundOrderRequest,
    responses(
        (status = 200, description = "The refund was accepted by the payment provider. The order: `refunded` (and the application `refunded`) when it completed at once, else `paid` with notice `refund_pending` until the provider's notification says it completed", body = Order),
        (status = 409, description = "`invalid_transition`: the application is not paid (or is refunded already), or the provider refused the refund", body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`: `fields.reason` required (1 to 80 characters)", body = ErrorEnvelope),
        (status = 503, description = "`unavailable`: the provider did not answer; the refund is recorded and asked for again by the backend", body = ErrorEnvelope),
    ))]
#[allow(dead_code)]
fn admin_refund() {}

/// Read the development SMS outbox
///
/// Messages the development SMS sender 'sent', newest first (development mode only).
#[utoipa::path(get, path = "/api/v1/dev/sms-outbox", tag = "development", security(()),
    params(("phone" = Option<String>, Query, description = "Only messages to this phone")),
    responses(
        (status = 200, description = "Messages the development SMS sender 'sent', newest first", body = Outbox),
        (status = 404, description = "Not in development mode", body = ErrorEnvelope),
    ))]
#[allow(dead_code)]
fn dev_sms_outbox() {}

/// End a phone's sessions now
///
/// Every session of the phone's account ends, so tests can see a session end (development mode only).
#[utoipa::path(post, path = "/api/v1/dev/sessions/expire", tag = "development", security(()),
    params(("phone" = String, Query, description = "Every session of this phone's account ends now")),
    responses(
        (status = 204, description = "Expired (tests use it to see a session end)"),
        (status = 404, description = "Not in development mode, or no such account", body = ErrorEnvelope),
    ))]
#[allow(dead_code)]
fn dev_expire_sessions() {}

/// Pay an order in the sandbox
///
/// The sandbox payment provider reports the order paid (development mode only).
#[utoipa::path(post, path = "/api/v1/dev/orders/{order_no}/mark-paid", tag = "development", security(()),
    params(("order_no" = String, Path, description = "The order number")),
    responses(
        (status = 200, description = "The sandbox provider reports the order paid", body = Order),
        (status = 404, description = "Not in development mode, or no such order", body = ErrorEnvelope),
    ))]
#[allow(dead_code)]
fn dev_mark_order_paid() {}

/// Expire an order's QR code now
///
/// As if the order's current code had expired (development mode only).
#[utoipa::path(post, path = "/api/v1/dev/orders/{order_no}/expire-code", tag = "development", security(()),
    params(("order_no" = String, Path, description = "The order's number")),
    responses(
        (status = 204, description = "As if the order's current code had reached its expiry now: the next read retires it and issues a new code for the same order (tests' time travel)"),
        (status = 404, description = "Not in development mode, or the order has no open code", body = ErrorEnvelope),
    ))]
#[allow(dead_code)]
fn dev_expire_order_code() {}

#[cfg(test)]
mod tests {
    #[test]
    fn document_is_openapi_3_1_and_covers_the_journey() {
        let json: serde_json::Value = serde_json::from_str(&super::to_pretty_json()).unwrap();
        assert!(json["openapi"].as_str().unwrap().starts_with("3.1"));
        let paths = json["paths"].as_object().unwrap();
        for p in [
            "/api/v1/sms-codes",
            "/api/v1/accounts",
            "/api/v1/sessions",
            "/api/v1/plans",
            "/api/v1/applications/{application_id}/submit",
            "/api/v1/applications/{application_id}/documents/{material}",
            "/api/v1/applications/{application_id}/orders",
            "/api/v1/admin/applications/{application_id}/decision",
        ] {
            assert!(paths.contains_key(p), "{p} missing");
        }
        assert!(paths.keys().all(|p| p.starts_with("/api/v1/")));
        assert!(json["components"]["securitySchemes"]["session"].is_object());
        assert!(json["components"]["schemas"]["ErrorEnvelope"].is_object());
    }

    #[test]
    fn uploads_document_their_findings() {
        let json: serde_json::Value = serde_json::from_str(&super::to_pretty_json()).unwrap();
        let codes: Vec<&str> = crate::photo_warning::PhotoWarning::ALL
            .iter()
            .map(|w| w.code())
            .collect();
        let schemas = &json["components"]["schemas"];
        assert_eq!(schemas["PhotoWarning"]["enum"], serde_json::json!(codes));
        assert_eq!(
            schemas["DocumentInfo"]["properties"]["findings"]["items"]["$ref"],
            "#/components/schemas/PhotoWarning"
        );
        let put =
            &json["paths"]["/api/v1/applications/{application_id}/documents/{material}"]["put"];
        let param = put["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == crate::photo_warning::FINDINGS_PARAM)
            .expect("the findings parameter");
        assert_eq!(param["in"], "query");
        assert_eq!(param["explode"], false);
        assert_eq!(
            param["schema"]["items"]["$ref"],
            "#/components/schemas/PhotoWarning"
        );
    }

    #[test]
    fn every_operation_documents_its_errors() {
        let json: serde_json::Value = serde_json::from_str(&super::to_pretty_json()).unwrap();
        assert!(json["components"]["schemas"].get("BTreeMap").is_none());
        for (path, item) in json["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                assert!(op["summary"].is_string(), "{method} {path}: summary");
                assert!(op["security"].is_array(), "{method} {path}: security");
                let responses = op["responses"].as_object().unwrap();
                // WeChat Pay's callback answers in WeChat's format.
                if path == "/api/v1/payments/wechat/notify" {
                    continue;
                }
                assert!(responses.contains_key("default"), "{method} {path}");
                if op["requestBody"]["content"]
                    .get("application/json")
                    .is_some()
                {
                    assert!(responses.contains_key("415"), "{method} {path}");
                    assert!(responses.contains_key("422"), "{method} {path}");
                }
            }
        }
    }

    #[test]
    fn field_reasons_come_from_the_contract() {
        let json: serde_json::Value = serde_json::from_str(&super::to_pretty_json()).unwrap();
        let reasons = &json["components"]["schemas"]["FieldReason"]["examples"];
        assert_eq!(reasons, &serde_json::json!(super::refine::field_reasons()));
        for r in [
            crate::auth::reason::CREDENTIALS_WRONG,
            crate::password::PasswordError::TooShort.code(),
            crate::application::reason::IDEMPOTENCY_KEY_REUSED,
        ] {
            assert!(reasons.as_array().unwrap().contains(&r.into()), "{r}");
        }
        let password = &json["components"]["schemas"]["RegisterRequest"]["properties"]["password"];
        assert_eq!(password["minLength"], crate::password::MIN_CHARS);
        assert_eq!(password["maxLength"], crate::password::MAX_BYTES);
    }

    #[test]
    fn refinements_survive_utoipas_types() {
        // `document()` reads the refined JSON back into utoipa's types, which drop what
        // they do not model (`const`, for one): nothing refined may be lost on the way.
        use utoipa::OpenApi;
        let mut refined = serde_json::to_value(super::ApiDoc::openapi()).unwrap();
        super::refine::refine(&mut refined);
        assert_eq!(serde_json::to_value(super::document()).unwrap(), refined);
    }
}
