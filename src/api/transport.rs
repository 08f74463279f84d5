//! Sending one request: the session cookie, a time-out, aborting when the page no longer
//! wants the answer, the one retry rule ([`retry_pause`]) and the 401 that ends a session.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use baoming_contract::api::IDEMPOTENCY_KEY_HEADER;
use baoming_contract::error::ErrorCode;
use gloo_net::http::{Method, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{AbortController, RequestCredentials};

use super::read_ahead::take_early;
use super::{Api, ApiError};

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

impl Api {
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
}

/// The name of the window event the API layer dispatches when the backend answers 401 to a
/// request that needed a session; the app returns to 登录 with the page to come back to.
pub const UNAUTHENTICATED_EVENT: &str = "baoming:unauthenticated";

/// Paths whose 401 is an answer for the form on the page (wrong password), not an expired
/// session.
fn is_session_endpoint(url: &str) -> bool {
    url.ends_with("/sessions") || url.ends_with("/me")
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
pub(super) fn is_safe_to_repeat(method: &Method, headers: &[(&str, &str)]) -> bool {
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

/// The pause before automatic retry number `attempt` (from 0) after `error`, or `None` when
/// there is none left: the one retry rule of every request that is safe to repeat, reads and
/// writes alike, uploads included.
pub fn retry_pause(error: &ApiError, attempt: usize) -> Option<i32> {
    (attempt < retries_for(error)).then(|| RETRY_PAUSES_MS[attempt])
}

/// The request, retried automatically when that is safe (see [`retry_pause`]).
pub(super) async fn fetch_retrying(
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
            Err(ref error) if safe => match retry_pause(error, attempt) {
                Some(pause) => {
                    crate::clock::sleep(pause).await;
                    attempt += 1;
                }
                None => return result,
            },
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
