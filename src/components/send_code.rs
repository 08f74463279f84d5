//! 获取验证码: asks the backend for an SMS code and counts down to the next allowed request.
//! The countdown is `deadline - now`, with the deadline (from the backend's retry-after)
//! kept in session storage so it is still right after a reload.

use baoming_contract::api::{SmsCodeRequest, SmsPurpose};
use baoming_contract::error::ErrorCode;
use baoming_contract::phone;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::{Api, ApiError};
use crate::forms::{field_errors, phone_error};
use crate::i18n::{Msg, login_locked, resend_in, t, use_lang, wait_seconds};

/// A form-level message: a key, or a text with a number in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Info(Msg),
    Error(Msg),
    WaitSeconds(u64),
    /// Too many failed log-ins: locked for this many seconds.
    Locked(u64),
}

#[derive(Serialize, Deserialize)]
struct StoredDeadline {
    phone: String,
    /// Milliseconds since the epoch.
    until_ms: f64,
}

fn storage_key(purpose: SmsPurpose) -> &'static str {
    match purpose {
        SmsPurpose::Register => "baoming.sms.register",
        SmsPurpose::ResetPassword => "baoming.sms.reset",
    }
}

fn load_deadline(purpose: SmsPurpose) -> Option<StoredDeadline> {
    let storage = window().session_storage().ok().flatten()?;
    let text = storage.get_item(storage_key(purpose)).ok().flatten()?;
    serde_json::from_str(&text).ok()
}

fn store_deadline(purpose: SmsPurpose, d: &StoredDeadline) {
    if let (Some(storage), Ok(text)) = (
        window().session_storage().ok().flatten(),
        serde_json::to_string(d),
    ) {
        let _ = storage.set_item(storage_key(purpose), &text);
    }
}

/// Whole seconds left until `until_ms`, rounded up.
pub fn seconds_left(until_ms: f64, now_ms: f64) -> u64 {
    if until_ms <= now_ms {
        0
    } else {
        ((until_ms - now_ms) / 1000.0).ceil() as u64
    }
}

#[component]
pub fn SendCodeButton(
    /// The phone field's value.
    phone: RwSignal<String>,
    /// Why the code is wanted.
    purpose: SmsPurpose,
    /// The phone field's error, set when the number is refused.
    phone_error_out: RwSignal<Option<Msg>>,
    /// The form's notice line.
    notice: RwSignal<Option<Notice>>,
) -> impl IntoView {
    let api = expect_context::<Api>();
    let lang = use_lang();
    let now = RwSignal::new(js_sys::Date::now());
    let deadline = RwSignal::new(load_deadline(purpose));
    if let Ok(handle) = set_interval_with_handle(
        move || now.set(js_sys::Date::now()),
        std::time::Duration::from_millis(500),
    ) {
        on_cleanup(move || handle.clear());
    }
    let remaining = Memo::new(move |_| {
        let current = phone::normalize(&phone.get()).ok();
        deadline.with(|d| match (d, current) {
            (Some(d), Some(p)) if d.phone == p => seconds_left(d.until_ms, now.get()),
            _ => 0,
        })
    });

    let send = Action::new_local(move |number: &String| {
        let api = api.clone();
        let number = number.clone();
        async move {
            let result = api
                .send_sms_code(&SmsCodeRequest {
                    phone: number.clone(),
                    purpose,
                })
                .await;
            let wait = |secs: u64| {
                let d = StoredDeadline {
                    phone: number.clone(),
                    until_ms: js_sys::Date::now() + secs as f64 * 1000.0,
                };
                store_deadline(purpose, &d);
                deadline.set(Some(d));
            };
            match result {
                Ok(sent) => {
                    wait(sent.retry_after_s);
                    // The backend answers the same whether or not the number is
                    // registered; the SMS tells the owner, so the hint says what to expect.
                    notice.set(Some(Notice::Info(match purpose {
                        SmsPurpose::Register => Msg::CodeSentRegister,
                        SmsPurpose::ResetPassword => Msg::CodeSentReset,
                    })));
                }
                Err(error) => match (error.code(), retry_after(&error)) {
                    (Some(ErrorCode::DailyLimitReached), _) => {
                        notice.set(Some(Notice::Error(Msg::ErrDailyLimit)))
                    }
                    (Some(ErrorCode::RateLimited), Some(secs)) => {
                        wait(secs);
                        notice.set(Some(Notice::WaitSeconds(secs)));
                    }
                    _ => match field_errors(&error).into_iter().find(|(f, _)| f == "phone") {
                        Some((_, msg)) => phone_error_out.set(Some(msg)),
                        None => notice.set(Some(Notice::Error(error.message()))),
                    },
                },
            }
        }
    });

    let on_click = move |_| match phone::normalize(&phone.get_untracked()) {
        Err(e) => phone_error_out.set(Some(phone_error(e))),
        Ok(number) => {
            phone_error_out.set(None);
            notice.set(None);
            send.dispatch(number);
        }
    };

    view! {
        <button
            type="button"
            class="bm-button bm-send-code"
            disabled=move || send.pending().get() || (remaining.get() != 0)
            on:click=on_click
        >
            {move || {
                let left = remaining.get();
                if send.pending().get() {
                    t(Msg::SendingCode)().to_string()
                } else if left > 0 {
                    resend_in(lang.get(), left)
                } else {
                    t(Msg::SendCode)().to_string()
                }
            }}
        </button>
    }
}

pub fn retry_after(error: &ApiError) -> Option<u64> {
    match error {
        ApiError::Api { body, .. } => body.error.retry_after_s,
        _ => None,
    }
}

/// Shows a form's notice, announced to screen readers.
#[component]
pub fn NoticeLine(notice: RwSignal<Option<Notice>>) -> impl IntoView {
    let lang = use_lang();
    move || {
        notice.get().map(|n| {
            let (class, role, text) = match n {
                Notice::Info(m) => (
                    "bm-notice bm-notice--info",
                    "status",
                    m.text(lang.get()).to_string(),
                ),
                Notice::Error(m) => (
                    "bm-notice bm-notice--error",
                    "alert",
                    m.text(lang.get()).to_string(),
                ),
                Notice::WaitSeconds(s) => (
                    "bm-notice bm-notice--error",
                    "alert",
                    wait_seconds(lang.get(), s),
                ),
                Notice::Locked(s) => (
                    "bm-notice bm-notice--error",
                    "alert",
                    login_locked(lang.get(), s),
                ),
            };
            view! { <p class=class role=role>{text}</p> }
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn seconds_round_up() {
        assert_eq!(super::seconds_left(10_000.0, 10_000.0), 0);
        assert_eq!(super::seconds_left(10_000.0, 9_999.0), 1);
        assert_eq!(super::seconds_left(70_000.0, 10_000.0), 60);
        assert_eq!(super::seconds_left(5.0, 10_000.0), 0);
    }
}
