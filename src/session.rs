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

/// Removes everything this app stored in the browser except the language choice.
pub fn clear_browser_storage() {
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
