//! The one module that speaks HTTP. Base URL from the runtime config, cookies for the
//! session, a time-out on every request, and one error type mapped from status and body.
//! Endpoint functions are one-liners on top of [`Api::get`].

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use baoming_contract::api::{
    Account, Application, ApplicationList, DocumentInfo, IDEMPOTENCY_KEY_HEADER, LoginRequest,
    Order, PasswordResetRequest, PlanList, RegisterRequest, SaveDraftRequest, SmsCodeRequest,
    SmsCodeSent,
};
use baoming_contract::eligibility::Material;
use baoming_contract::error::{ErrorCode, ErrorEnvelope};
use baoming_contract::photo_warning::{FINDINGS_PARAM, PhotoWarning};
use baoming_contract::plan::Plan;
use gloo_net::http::{Method, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{AbortController, RequestCredentials};

use crate::i18n::Msg;
use crate::routes::FirstRead;

/// How long a request may take before the page says so. Generous: candidates are often on
/// slow mobile connections. A deployment can change it in `config.json`.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Pauses before the automatic retries of a request that is safe to repeat (a read, a `PUT`,
/// a `DELETE`, or a `POST` with an `Idempotency-Key`) after a network failure or a 5xx.
pub const RETRY_PAUSES_MS: [i32; 2] = [1_000, 3_000];

thread_local! {
    static TIMEOUT_MS: Cell<i32> = const { Cell::new(REQUEST_TIMEOUT.as_millis() as i32) };
}

/// Sets the time-out of every later request (from `config.json`'s `request_timeout_ms`).
pub fn set_request_timeout(timeout: Duration) {
    TIMEOUT_MS.with(|t| t.set(timeout.as_millis().clamp(1_000, 120_000) as i32));
}

/// Everything that can go wrong with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// No answer: offline, DNS, refused connection or CORS.
    Network,
    /// No answer within [`REQUEST_TIMEOUT`].
    Timeout,
    /// The backend answered with the contract's error envelope.
    Api { status: u16, body: ErrorEnvelope },
    /// The backend answered with a status but without the envelope (a proxy's error page).
    Http { status: u16 },
    /// The body did not match the contract.
    Decode(String),
    /// The candidate cancelled (an upload's 取消).
    Cancelled,
}

impl ApiError {
    /// The contract's error code, when the backend sent one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ApiError::Api { body, .. } => Some(body.error.code),
            _ => None,
        }
    }

    /// Whether trying again unchanged may work (shown as a 重试 button).
    pub fn is_retryable(&self) -> bool {
        match self {
            ApiError::Network | ApiError::Timeout => true,
            ApiError::Http { status } => *status >= 500 || *status == 429,
            ApiError::Api { body, .. } => body.error.code.is_retryable(),
            ApiError::Decode(_) | ApiError::Cancelled => false,
        }
    }

    /// What to tell the candidate.
    pub fn message(&self) -> Msg {
        match self {
            ApiError::Network => Msg::ErrorNetwork,
            ApiError::Timeout => Msg::ErrorTimeout,
            ApiError::Api { body, .. } if body.error.code == ErrorCode::NotFound => {
                Msg::ErrorNotFound
            }
            ApiError::Api { status, .. } | ApiError::Http { status } if *status >= 500 => {
                Msg::ErrorServer
            }
            ApiError::Http { status: 404 } => Msg::ErrorNotFound,
            _ => Msg::ErrorUnexpected,
        }
    }

    /// Maps a non-success answer to an error: the envelope when the body is one.
    pub fn from_status_and_body(status: u16, body: &str) -> ApiError {
        match serde_json::from_str::<ErrorEnvelope>(body) {
            Ok(body) => ApiError::Api { status, body },
            Err(_) => ApiError::Http { status },
        }
    }
}

/// The API client. Cheap to clone; provided as context by the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    base: String,
}

impl Api {
    /// `base` is the absolute URL of the API root (`…/api/v1`), without a trailing slash.
    pub fn new(base: impl Into<String>) -> Api {
        Api { base: base.into() }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// `GET path` and decode the JSON answer (one started by [`Api::prefetch`], if any).
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        let url = self.url(path);
        if let Some(early) = take_early(&url) {
            let answer = early.await;
            // A read started before /me answered may have gone out without a session that
            // exists now: a 401 is asked again.
            if !is_unauthenticated(&answer) {
                return decode_json(&answer?);
            }
        }
        fetch_json(Method::GET, &url, None, &[]).await
    }

    /// Starts the first reads of the page being opened now, beside `/me`, rather than once
    /// `/me` has answered: the page's first [`Api::get`] of each takes its answer. Answers
    /// nobody took within [`EARLY_ANSWER_LIFE_MS`] are dropped, as are all of them on
    /// [`forget_prefetched`] (the session turned out to be over).
    pub fn prefetch(&self, reads: &[FirstRead]) {
        for read in reads {
            let url = self.url(&match read {
                FirstRead::Applications => APPLICATIONS_PATH.to_string(),
                FirstRead::Application(id) => application_path(id),
            });
            let slot = Rc::new(RefCell::new(EarlySlot::default()));
            leptos::task::spawn_local({
                let (slot, url) = (slot.clone(), url.clone());
                async move {
                    // Quietly: a 401 here is for its reader to see (`Api::get`).
                    let answer = fetch_retrying(Method::GET, &url, None, &[]).await;
                    let waker = {
                        let mut slot = slot.borrow_mut();
                        slot.answer = Some(answer);
                        slot.waker.take()
                    };
                    if let Some(waker) = waker {
                        waker.wake();
                    }
                }
            });
            let answer = EarlyAnswer(slot);
            EARLY.with(|early| early.borrow_mut().push((url, js_sys::Date::now(), answer)));
        }
    }

    /// `method path` with a JSON body (or none), and decode the JSON answer (`()` for 204).
    pub async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ApiError> {
        self.send_with_headers(method, path, body, &[]).await
    }

    /// Like [`Api::send`], with extra request headers (an `Idempotency-Key`).
    pub async fn send_with_headers<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        headers: &[(&str, &str)],
    ) -> Result<T, ApiError> {
        let body = body
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| ApiError::Decode(e.to_string()))?;
        fetch_json(method, &self.url(path), body, headers).await
    }

    // ------------------------------------------------------------- endpoints

    pub async fn plans(&self) -> Result<Vec<Plan>, ApiError> {
        self.get::<PlanList>("/plans").await.map(|l| l.plans)
    }

    pub async fn plan(&self, id: &str) -> Result<Plan, ApiError> {
        self.get(&format!("/plans/{}", js_sys::encode_uri_component(id)))
            .await
    }

    pub async fn send_sms_code(&self, req: &SmsCodeRequest) -> Result<SmsCodeSent, ApiError> {
        self.send(Method::POST, "/sms-codes", Some(req)).await
    }

    pub async fn register(&self, req: &RegisterRequest) -> Result<Account, ApiError> {
        self.send(Method::POST, "/accounts", Some(req)).await
    }

    pub async fn login(&self, req: &LoginRequest) -> Result<Account, ApiError> {
        self.send(Method::POST, "/sessions", Some(req)).await
    }

    pub async fn logout(&self) -> Result<(), ApiError> {
        self.send::<(), ()>(Method::DELETE, "/sessions/current", None)
            .await
    }

    pub async fn me(&self) -> Result<Account, ApiError> {
        self.get("/me").await
    }

    pub async fn reset_password(&self, req: &PasswordResetRequest) -> Result<(), ApiError> {
        self.send(Method::POST, "/password-resets", Some(req)).await
    }

    /// 报名 on a plan: the candidate's application for it, created when there is none.
    pub async fn open_application(&self, plan_id: &str) -> Result<Application, ApiError> {
        let path = format!(
            "/plans/{}/applications",
            js_sys::encode_uri_component(plan_id)
        );
        self.send::<(), _>(Method::POST, &path, None).await
    }

    pub async fn applications(&self) -> Result<Vec<Application>, ApiError> {
        self.get::<ApplicationList>(APPLICATIONS_PATH)
            .await
            .map(|l| l.applications)
    }

    pub async fn application(&self, id: &str) -> Result<Application, ApiError> {
        self.get(&application_path(id)).await
    }

    /// An application and the plan it is for (the wizard, the 申报表 and 报名 need both).
    pub async fn application_and_plan(&self, id: &str) -> Result<(Application, Plan), ApiError> {
        let app = self.application(id).await?;
        let plan = self.plan(&app.plan_id).await?;
        Ok((app, plan))
    }

    pub async fn save_draft(
        &self,
        id: &str,
        req: &SaveDraftRequest,
    ) -> Result<Application, ApiError> {
        let path = format!("/applications/{}/draft", js_sys::encode_uri_component(id));
        self.send(Method::PUT, &path, Some(req)).await
    }

    /// 重新提交 after a rejection; repeating with the same `key` does it once.
    pub async fn resubmit(&self, id: &str, key: &str) -> Result<Application, ApiError> {
        let path = format!(
            "/applications/{}/resubmit",
            js_sys::encode_uri_component(id)
        );
        self.send_with_headers::<(), _>(Method::POST, &path, None, &[(IDEMPOTENCY_KEY_HEADER, key)])
            .await
    }

    /// 重新提交 as one attempt: its idempotency key is kept (across retries and reloads)
    /// until the backend answers, so a retry after a lost answer replays the resubmission;
    /// one already made (earlier on this page, or in another tab) answers the application
    /// as it now stands. 核对报名信息 uses this.
    pub async fn resubmit_once(&self, id: &str) -> Result<Application, ApiError> {
        let key = crate::session::attempt_key("resubmit", id);
        match self.resubmit(id, &key).await {
            Ok(app) => {
                crate::session::forget_attempt_key("resubmit", id);
                Ok(app)
            }
            Err(ApiError::Api { body, .. }) if body.error.code == ErrorCode::InvalidTransition => {
                crate::session::forget_attempt_key("resubmit", id);
                self.application(id).await
            }
            Err(error) => Err(error),
        }
    }

    /// The application's one open WeChat Pay order (created, or its code refreshed).
    pub async fn order_for(&self, id: &str, key: &str) -> Result<Order, ApiError> {
        let path = format!("/applications/{}/orders", js_sys::encode_uri_component(id));
        self.send_with_headers::<(), _>(Method::POST, &path, None, &[(IDEMPOTENCY_KEY_HEADER, key)])
            .await
    }

    pub async fn order(&self, order_no: &str) -> Result<Order, ApiError> {
        self.get(&format!(
            "/orders/{}",
            js_sys::encode_uri_component(order_no)
        ))
        .await
    }

    /// 我已支付: the backend asks WeChat Pay now.
    pub async fn query_order(&self, order_no: &str) -> Result<Order, ApiError> {
        let path = format!("/orders/{}/query", js_sys::encode_uri_component(order_no));
        self.send::<(), _>(Method::POST, &path, None).await
    }

    /// Submits for review; repeating with the same `key` creates nothing twice.
    pub async fn submit(&self, id: &str, key: &str) -> Result<Application, ApiError> {
        let path = format!("/applications/{}/submit", js_sys::encode_uri_component(id));
        self.send_with_headers::<(), _>(Method::POST, &path, None, &[(IDEMPOTENCY_KEY_HEADER, key)])
            .await
    }
}

impl Api {
    /// Where the browser can fetch a stored document (for thumbnails; the session cookie
    /// goes along).
    pub fn document_url(&self, id: &str, material: Material) -> String {
        self.url(&format!(
            "/applications/{}/documents/{}",
            js_sys::encode_uri_component(id),
            material.slug()
        ))
    }

    pub async fn delete_document(&self, id: &str, material: Material) -> Result<(), ApiError> {
        let path = format!(
            "/applications/{}/documents/{}",
            js_sys::encode_uri_component(id),
            material.slug()
        );
        self.send::<(), ()>(Method::DELETE, &path, None).await
    }

    /// Uploads `file` into a slot with XMLHttpRequest, the one browser API that reports
    /// upload progress; `progress` gets the fraction sent (0.0–1.0). `cancel` aborts it (the
    /// 取消 button), as does dropping the future. `findings` are the warnings the checks found
    /// on this very file (the candidate saw them); they are stored with it.
    pub async fn upload_document(
        &self,
        id: &str,
        material: Material,
        file: &web_sys::Blob,
        findings: &[PhotoWarning],
        progress: impl Fn(f64) + 'static,
        cancel: &UploadCancel,
    ) -> Result<DocumentInfo, ApiError> {
        let xhr = web_sys::XmlHttpRequest::new().map_err(|_| ApiError::Network)?;
        *cancel.0.borrow_mut() = Some(xhr.clone());
        xhr.open(
            "PUT",
            &upload_url(&self.document_url(id, material), findings),
        )
        .map_err(|_| ApiError::Network)?;
        xhr.set_with_credentials(true);
        xhr.set_timeout(UPLOAD_TIMEOUT.as_millis() as u32);
        let _ = xhr.set_request_header("Accept", "application/json");
        let on_progress =
            Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
                if e.length_computable() && e.total() > 0.0 {
                    progress(e.loaded() / e.total());
                }
            });
        if let Ok(upload) = xhr.upload() {
            upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        }
        // Settles on load, error, abort or time-out; the outcome is read from the request.
        let done = js_sys::Promise::new(&mut |resolve, _reject| {
            for event in ["load", "error", "abort", "timeout"] {
                let resolve = resolve.clone();
                let cb = Closure::once_into_js(move |e: web_sys::Event| {
                    let _ = resolve.call1(
                        &wasm_bindgen::JsValue::NULL,
                        &wasm_bindgen::JsValue::from_str(&e.type_()),
                    );
                });
                let _ = xhr.add_event_listener_with_callback(event, cb.unchecked_ref());
            }
        });
        xhr.send_with_opt_blob(Some(file))
            .map_err(|_| ApiError::Network)?;
        let guard = XhrGuard {
            xhr: xhr.clone(),
            finished: Cell::new(false),
        };
        let outcome = wasm_bindgen_futures::JsFuture::from(done)
            .await
            .ok()
            .and_then(|v| v.as_string());
        guard.finished.set(true);
        drop(on_progress);
        match outcome.as_deref() {
            Some("load") => {
                let status = xhr.status().unwrap_or(0);
                let text = xhr.response_text().ok().flatten().unwrap_or_default();
                if (200..300).contains(&status) {
                    serde_json::from_str(&text).map_err(|e| ApiError::Decode(e.to_string()))
                } else {
                    let error = ApiError::from_status_and_body(status, &text);
                    if status == 401
                        && let Ok(event) = web_sys::CustomEvent::new(UNAUTHENTICATED_EVENT)
                    {
                        let _ = leptos::prelude::window().dispatch_event(&event);
                    }
                    Err(error)
                }
            }
            Some("timeout") => Err(ApiError::Timeout),
            Some("abort") => Err(ApiError::Cancelled),
            _ => Err(ApiError::Network),
        }
    }
}

/// Where a file with these warnings is uploaded: the slot's URL, with
/// `?findings=too_dark,blurry` when there are any (the codes need no encoding).
fn upload_url(document_url: &str, findings: &[PhotoWarning]) -> String {
    if findings.is_empty() {
        document_url.to_owned()
    } else {
        format!(
            "{document_url}?{FINDINGS_PARAM}={}",
            PhotoWarning::list(findings)
        )
    }
}

/// Cancels a running upload.
#[derive(Clone, Default)]
pub struct UploadCancel(std::rc::Rc<std::cell::RefCell<Option<web_sys::XmlHttpRequest>>>);

impl UploadCancel {
    pub fn cancel(&self) {
        if let Some(xhr) = self.0.borrow_mut().take() {
            let _ = xhr.abort();
        }
    }
}

/// A photo over a slow mobile connection may take a while.
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(120);

/// Aborts an upload whose future is dropped before it finished.
struct XhrGuard {
    xhr: web_sys::XmlHttpRequest,
    finished: Cell<bool>,
}

impl Drop for XhrGuard {
    fn drop(&mut self) {
        if !self.finished.get() {
            let _ = self.xhr.abort();
        }
    }
}

/// The name of the window event the API layer dispatches when the backend answers 401 to a
/// request that needed a session; the app returns to 登录 with the page to come back to.
pub const UNAUTHENTICATED_EVENT: &str = "baoming:unauthenticated";

/// Paths whose 401 is an answer for the form on the page (wrong password), not an expired
/// session.
fn is_session_endpoint(url: &str) -> bool {
    url.ends_with("/sessions") || url.ends_with("/me")
}

const APPLICATIONS_PATH: &str = "/applications";

fn application_path(id: &str) -> String {
    format!("{APPLICATIONS_PATH}/{}", js_sys::encode_uri_component(id))
}

/// How long an answer [`Api::prefetch`] started waits to be taken: long enough for `/me` on
/// a slow connection, short enough that a page opened later never shows an old answer.
pub const EARLY_ANSWER_LIFE_MS: f64 = 30_000.0;

/// Where a read started by [`Api::prefetch`] leaves its answer for its one reader.
#[derive(Default)]
struct EarlySlot {
    answer: Option<Result<String, ApiError>>,
    waker: Option<std::task::Waker>,
}

/// The answer of a read [`Api::prefetch`] started, as a future for the reader that takes it.
struct EarlyAnswer(Rc<RefCell<EarlySlot>>);

impl std::future::Future for EarlyAnswer {
    type Output = Result<String, ApiError>;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let mut slot = self.0.borrow_mut();
        match slot.answer.take() {
            Some(answer) => std::task::Poll::Ready(answer),
            None => {
                slot.waker = Some(cx.waker().clone());
                std::task::Poll::Pending
            }
        }
    }
}

thread_local! {
    /// Answers started by [`Api::prefetch`]: URL, when it was started, the answer.
    static EARLY: RefCell<Vec<(String, f64, EarlyAnswer)>> = const { RefCell::new(Vec::new()) };
}

/// The early answer for `url`, taken once, if one was started recently.
fn take_early(url: &str) -> Option<EarlyAnswer> {
    let now = js_sys::Date::now();
    EARLY.with(|early| {
        let mut early = early.borrow_mut();
        early.retain(|(_, started, _)| now - started < EARLY_ANSWER_LIFE_MS);
        let at = early.iter().position(|(u, _, _)| u == url)?;
        Some(early.swap_remove(at).2)
    })
}

/// Drops every answer [`Api::prefetch`] started (logged out, or the session was over).
pub fn forget_prefetched() {
    EARLY.with(|early| early.borrow_mut().clear());
}

/// Sends with the session cookie and a time-out, and decodes the answer.
async fn fetch_json<T: DeserializeOwned>(
    method: Method,
    url: &str,
    body: Option<String>,
    headers: &[(&str, &str)],
) -> Result<T, ApiError> {
    decode_json(&fetch_text(method, url, body, headers).await?)
}

fn decode_json<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    // 204 No Content decodes as `()`.
    let text = if text.is_empty() { "null" } else { text };
    serde_json::from_str(text).map_err(|e| ApiError::Decode(e.to_string()))
}

/// Whether repeating a request cannot do anything twice.
fn is_safe_to_repeat(method: &Method, headers: &[(&str, &str)]) -> bool {
    [Method::GET, Method::PUT, Method::DELETE].contains(method)
        || headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case(IDEMPOTENCY_KEY_HEADER))
}

/// How many automatic retries an error earns a request that is safe to repeat: a dropped
/// connection or a server error two, a time-out one (it has already made the candidate
/// wait), anything else (including 429, which asks to wait longer) none.
pub fn retries_for(error: &ApiError) -> usize {
    match error {
        ApiError::Network => RETRY_PAUSES_MS.len(),
        ApiError::Timeout => 1,
        ApiError::Http { status } if *status >= 500 => RETRY_PAUSES_MS.len(),
        ApiError::Api { body, .. }
            if matches!(
                body.error.code,
                ErrorCode::Internal | ErrorCode::Unavailable
            ) =>
        {
            RETRY_PAUSES_MS.len()
        }
        _ => 0,
    }
}

/// The request, retried automatically when that is safe; a 401 tells the app.
async fn fetch_text(
    method: Method,
    url: &str,
    body: Option<String>,
    headers: &[(&str, &str)],
) -> Result<String, ApiError> {
    let result = fetch_retrying(method, url, body, headers).await;
    if is_unauthenticated(&result) {
        report_unauthenticated(url);
    }
    result
}

/// The request, retried automatically when that is safe (see [`retries_for`]).
async fn fetch_retrying(
    method: Method,
    url: &str,
    body: Option<String>,
    headers: &[(&str, &str)],
) -> Result<String, ApiError> {
    let safe = is_safe_to_repeat(&method, headers);
    let mut attempt = 0;
    loop {
        let result = fetch_once(method.clone(), url, body.clone(), headers).await;
        match result {
            Err(ref error) if safe && attempt < retries_for(error) => {
                crate::clock::sleep(RETRY_PAUSES_MS[attempt]).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// One request, not generic over the answer's type, so the wasm carries one copy of it
/// rather than one per endpoint. Dropping the future (a page left before its data arrived)
/// aborts the request.
async fn fetch_once(
    method: Method,
    url: &str,
    body: Option<String>,
    headers: &[(&str, &str)],
) -> Result<String, ApiError> {
    let controller = AbortController::new().map_err(|_| ApiError::Network)?;
    let timed_out = Rc::new(Cell::new(false));
    let fire = {
        let controller = controller.clone();
        let timed_out = timed_out.clone();
        Closure::once(move || {
            timed_out.set(true);
            controller.abort();
        })
    };
    let timer = leptos::prelude::window()
        .set_timeout_with_callback_and_timeout_and_arguments_0(
            fire.as_ref().unchecked_ref(),
            TIMEOUT_MS.with(Cell::get),
        )
        .ok();
    let mut guard = AbortGuard {
        controller: controller.clone(),
        timer,
        finished: false,
        _fire: fire,
    };
    let result = async {
        let builder = headers.iter().fold(
            RequestBuilder::new(url)
                .method(method)
                .credentials(RequestCredentials::Include)
                .header("Accept", "application/json")
                .abort_signal(Some(&controller.signal())),
            |b, (name, value)| b.header(name, value),
        );
        let request = match body {
            Some(json) => builder
                .header("Content-Type", "application/json")
                .body(json),
            None => builder.build(),
        }
        .map_err(|_| ApiError::Network)?;
        let response = request.send().await.map_err(|_| ApiError::Network)?;
        let status = response.status();
        let text = response.text().await.map_err(|_| ApiError::Network)?;
        if (200..300).contains(&status) {
            Ok(text)
        } else {
            Err(ApiError::from_status_and_body(status, &text))
        }
    }
    .await;
    guard.finished = true;
    match result {
        Err(ApiError::Network) if timed_out.get() => Err(ApiError::Timeout),
        other => other,
    }
}

fn is_unauthenticated(result: &Result<String, ApiError>) -> bool {
    matches!(
        result,
        Err(ApiError::Api { status: 401, .. }) | Err(ApiError::Http { status: 401 })
    )
}

/// Tells the app the session is over (it returns to 登录), unless `url` is the session's own
/// endpoint, whose 401 is an answer rather than news.
fn report_unauthenticated(url: &str) {
    if !is_session_endpoint(url)
        && let Ok(event) = web_sys::CustomEvent::new(UNAUTHENTICATED_EVENT)
    {
        let _ = leptos::prelude::window().dispatch_event(&event);
    }
}

/// Clears the time-out when the request ends, and aborts the request when dropped early.
struct AbortGuard {
    controller: AbortController,
    timer: Option<i32>,
    finished: bool,
    _fire: Closure<dyn FnMut()>,
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        if let Some(id) = self.timer {
            leptos::prelude::window().clear_timeout_with_handle(id);
        }
        if !self.finished {
            self.controller.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_status_and_body_to_one_error() {
        let envelope = r#"{"error":{"code":"not_found","message":"no such plan"}}"#;
        let e = ApiError::from_status_and_body(404, envelope);
        assert_eq!(e.code(), Some(ErrorCode::NotFound));
        assert_eq!(e.message(), Msg::ErrorNotFound);
        assert!(!e.is_retryable());

        let e = ApiError::from_status_and_body(502, "<html>Bad Gateway</html>");
        assert_eq!(e, ApiError::Http { status: 502 });
        assert_eq!(e.message(), Msg::ErrorServer);
        assert!(e.is_retryable());

        let e =
            ApiError::from_status_and_body(500, r#"{"error":{"code":"internal","message":"x"}}"#);
        assert_eq!(e.message(), Msg::ErrorServer);
        assert!(e.is_retryable());

        let e = ApiError::from_status_and_body(
            422,
            r#"{"error":{"code":"validation_failed","message":"x","fields":{"phone":"required"}}}"#,
        );
        assert_eq!(e.message(), Msg::ErrorUnexpected);
        assert!(!e.is_retryable());
    }

    #[test]
    fn uploads_carry_their_warnings_in_the_query() {
        let url = "https://api.example/api/v1/applications/a1/documents/portrait";
        assert_eq!(upload_url(url, &[]), url);
        let warnings = PhotoWarning::parse_list("blurry,too_dark").unwrap();
        assert_eq!(
            upload_url(url, &warnings),
            format!("{url}?findings=too_dark,blurry")
        );
    }

    #[test]
    fn transport_failures_are_retryable() {
        assert_eq!(ApiError::Network.message(), Msg::ErrorNetwork);
        assert_eq!(ApiError::Timeout.message(), Msg::ErrorTimeout);
        assert!(ApiError::Network.is_retryable() && ApiError::Timeout.is_retryable());
        assert!(!ApiError::Decode("x".into()).is_retryable());
    }

    #[test]
    fn only_requests_that_cannot_do_anything_twice_are_retried() {
        assert!(is_safe_to_repeat(&Method::GET, &[]));
        assert!(is_safe_to_repeat(&Method::PUT, &[]));
        assert!(is_safe_to_repeat(
            &Method::POST,
            &[("Idempotency-Key", "k")]
        ));
        // Sending an SMS code, registering or logging in twice is not harmless.
        assert!(!is_safe_to_repeat(&Method::POST, &[]));
        assert_eq!(retries_for(&ApiError::Network), 2);
        assert_eq!(retries_for(&ApiError::Timeout), 1);
        assert_eq!(retries_for(&ApiError::Http { status: 502 }), 2);
        assert_eq!(retries_for(&ApiError::Http { status: 429 }), 0);
        assert_eq!(retries_for(&ApiError::Decode("x".into())), 0);
    }
}
