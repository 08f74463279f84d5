//! Files into a slot, with XMLHttpRequest: the one browser API that reports upload progress.

use std::cell::Cell;
use std::time::Duration;

use baoming_contract::api::DocumentInfo;
use baoming_contract::eligibility::Material;
use baoming_contract::photo_warning::{FINDINGS_PARAM, PhotoWarning};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use super::transport::UNAUTHENTICATED_EVENT;
use super::{Api, ApiError};

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
pub(super) fn upload_url(document_url: &str, findings: &[PhotoWarning]) -> String {
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
