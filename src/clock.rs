//! The browser's clock, in the contract's types.

use baoming_contract::time::{Date, Timestamp};

/// Now, in whole seconds.
pub fn now() -> Timestamp {
    Timestamp((js_sys::Date::now() / 1000.0) as i64)
}

/// Today in China Standard Time (the day the rules judge dates against).
pub fn today_cst() -> Date {
    now().date_cst()
}

/// Waits `ms` milliseconds (for retries with a pause between them).
pub async fn sleep(ms: i32) {
    let wait = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(wait).await;
}
