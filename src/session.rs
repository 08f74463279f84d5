//! Who is logged in. The session itself is an HttpOnly cookie the backend sets; the app
//! only keeps the account it was told about, and never stores anything secret.

use baoming_contract::api::Account;
use leptos::prelude::*;

/// Keys this app writes to browser storage all start with this; the language choice is the
/// only one kept at logout.
pub const STORAGE_PREFIX: &str = "baoming.";
const KEPT_AT_LOGOUT: [&str; 1] = ["baoming.lang"];

/// The session as the app knows it, provided as context.
#[derive(Clone, Copy)]
pub struct Session {
    /// The logged-in account, when there is one.
    pub account: RwSignal<Option<Account>>,
    /// Whether the backend has been asked yet (before that, pages neither redirect nor
    /// show "log in").
    pub checked: RwSignal<bool>,
}

impl Session {
    pub fn new() -> Session {
        Session {
            account: RwSignal::new(None),
            checked: RwSignal::new(false),
        }
    }
}

impl Default for Session {
    fn default() -> Self {
        Session::new()
    }
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// Removes everything this app stored in the browser except the language choice (the login
/// hint too, with what was read ahead for that login).
pub fn clear_browser_storage() {
    remember_signed_in(false);
    for storage in [window().local_storage(), window().session_storage()]
        .into_iter()
        .filter_map(|s| s.ok().flatten())
    {
        let len = storage.length().unwrap_or(0);
        let keys: Vec<String> = (0..len)
            .filter_map(|i| storage.key(i).ok().flatten())
            .collect();
        for key in keys {
            if key.starts_with(STORAGE_PREFIX) && !KEPT_AT_LOGOUT.contains(&key.as_str()) {
                let _ = storage.remove_item(&key);
            }
        }
    }
}

/// A hint (not a secret, nothing personal) that this browser logged in: the session cookie
/// is HttpOnly, so the app cannot see it, and asking the backend on every first visit would
/// answer 401 to every visitor.
const SIGNED_IN_HINT: &str = "baoming.signed_in";

/// Whether a session cookie may exist (this browser logged in and did not log out since).
pub fn may_be_signed_in() -> bool {
    window()
        .local_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item(SIGNED_IN_HINT).ok().flatten())
        .is_some()
}

/// Keeps the hint in step with the session the app knows about. Without a session, answers
/// read ahead for it are dropped too.
pub fn remember_signed_in(signed_in: bool) {
    if !signed_in {
        crate::api::forget_prefetched();
    }
    if let Ok(Some(storage)) = window().local_storage() {
        let _ = if signed_in {
            storage.set_item(SIGNED_IN_HINT, "1")
        } else {
            storage.remove_item(SIGNED_IN_HINT)
        };
    }
}

/// An idempotency key for one attempt at `action` on `id` (报名, 重新提交), kept in session
/// storage across retries and reloads of that attempt until [`forget_attempt_key`].
pub fn attempt_key(action: &str, id: &str) -> String {
    let storage = window().session_storage().ok().flatten();
    let name = format!("{STORAGE_PREFIX}{action}.{id}");
    if let Some(existing) = storage
        .as_ref()
        .and_then(|s| s.get_item(&name).ok().flatten())
    {
        return existing;
    }
    let key = window()
        .crypto()
        .map(|c| c.random_uuid())
        .unwrap_or_else(|_| format!("{}-{}", js_sys::Date::now(), js_sys::Math::random()));
    if let Some(s) = storage {
        let _ = s.set_item(&name, &key);
    }
    key
}

/// Ends an attempt: the next one gets a new key.
pub fn forget_attempt_key(action: &str, id: &str) {
    if let Some(s) = window().session_storage().ok().flatten() {
        let _ = s.remove_item(&format!("{STORAGE_PREFIX}{action}.{id}"));
    }
}
