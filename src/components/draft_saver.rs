//! Drafts that never lose a keystroke. Every change is saved to the backend, debounced; until
//! the backend confirms it, the edit also sits in local storage (`baoming.draft.<id>`), so a
//! reload, a lost connection or an expired session loses nothing. Once saved, and at logout,
//! the local copy is dropped: a shared computer keeps no ID numbers behind.

use std::time::Duration;

use baoming_contract::api::{Application, Draft, SaveDraftRequest};
use baoming_contract::error::ErrorCode;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::{Api, ApiError};
use crate::i18n::{Msg, t};

/// Quiet time after the last keystroke before saving.
const DEBOUNCE: Duration = Duration::from_millis(700);
/// Someone typing without pause still gets saved this often.
const MAX_UNSAVED_MS: f64 = 3_000.0;
/// Longest wait between retries of a failed save.
const MAX_BACKOFF_MS: u64 = 30_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveState {
    /// 已保存
    Saved,
    /// 保存中
    Saving,
    /// 未能保存，将自动重试
    Failed,
}

#[derive(Serialize, Deserialize)]
struct Pending {
    base_version: u64,
    draft: Draft,
    /// When it was written (seconds since the epoch).
    #[serde(default)]
    written_at: i64,
}

/// The local copy of `app`'s draft, when it is newer than what the backend holds: made on
/// top of its current version, or written after the backend's last change (a save whose
/// answer never came moved the version, and the candidate typed on). A copy older than the
/// backend's last change (edited since on another device) is not used.
fn pending_for(app: &Application) -> Option<Pending> {
    storage()
        .and_then(|s| s.get_item(&key(&app.id)).ok().flatten())
        .and_then(|text| serde_json::from_str::<Pending>(&text).ok())
        .filter(|p| p.base_version == app.version || p.written_at >= app.updated_at.0)
}

fn key(id: &str) -> String {
    format!("baoming.draft.{id}")
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

/// Edits of `app` typed in this browser that the backend has not confirmed yet (made on top
/// of its current version), so every view of the draft shows what the candidate typed.
pub fn pending_draft(app: &Application) -> Option<Draft> {
    pending_for(app).map(|p| p.draft)
}

/// Saves one application's draft.
#[derive(Clone, Copy)]
pub struct DraftSaver {
    api: StoredValue<Api>,
    id: StoredValue<String>,
    /// The backend's version the next save is based on.
    version: StoredValue<u64>,
    /// Bumped by every change; a save only clears the local copy if nothing changed since.
    generation: StoredValue<u64>,
    /// When the oldest unsaved change was made (ms since the epoch), if any.
    dirty_since: StoredValue<Option<f64>>,
    failures: StoredValue<u32>,
    initial: StoredValue<Draft>,
    restored: bool,
    pub state: RwSignal<SaveState>,
}

/// What the next save compares against: whether the local copy came from a previous visit.
impl DraftSaver {
    /// Starts from the backend's draft, or from unsaved local edits made on top of the
    /// same version (a reload or a lost connection before they were saved).
    pub fn new(api: Api, app: &Application) -> DraftSaver {
        let pending = pending_for(app);
        let restored = pending.is_some();
        let initial = pending
            .map(|p| p.draft)
            .unwrap_or_else(|| app.draft.clone());
        DraftSaver {
            api: StoredValue::new(api),
            id: StoredValue::new(app.id.clone()),
            version: StoredValue::new(app.version),
            generation: StoredValue::new(0),
            dirty_since: StoredValue::new(None),
            failures: StoredValue::new(0),
            initial: StoredValue::new(initial),
            restored,
            state: RwSignal::new(if restored {
                SaveState::Saving
            } else {
                SaveState::Saved
            }),
        }
    }

    /// The backend version the next save is based on.
    pub fn version(&self) -> u64 {
        self.version.get_value()
    }

    /// The backend moved the application to `version` without touching the draft (an upload
    /// or a delete); the next save builds on it.
    pub fn rebase(&self, version: u64) {
        self.version.set_value(version);
        // Unsaved edits kept in the browser now build on that version too, so a reload
        // before they are saved still finds them current.
        let id = self.id.get_value();
        if let Some(s) = storage()
            && let Some(mut pending) = s
                .get_item(&key(&id))
                .ok()
                .flatten()
                .and_then(|text| serde_json::from_str::<Pending>(&text).ok())
        {
            pending.base_version = version;
            if let Ok(text) = serde_json::to_string(&pending) {
                let _ = s.set_item(&key(&id), &text);
            }
        }
    }

    /// Records a save made outside the saver (報名 saves before submitting).
    pub fn confirmed(&self, version: u64) {
        self.version.set_value(version);
        self.dirty_since.set_value(None);
        if let Some(s) = storage() {
            let _ = s.remove_item(&key(&self.id.get_value()));
        }
        self.state.set(SaveState::Saved);
    }

    pub fn initial_draft(&self) -> Draft {
        self.initial.get_value()
    }

    /// Saves `draft` whenever it changes (and at once if local edits were restored).
    pub fn watch(self, draft: Memo<Draft>) {
        // Persisting and saving are I/O, which is what effects are for.
        Effect::new(move |previous: Option<()>| {
            let current = draft.get();
            if previous.is_none() && !self.restored {
                return;
            }
            self.generation.update_value(|g| *g += 1);
            self.keep_locally(&current);
            let now = js_sys::Date::now();
            let since = *self.dirty_since.get_value().get_or_insert(now);
            self.dirty_since.set_value(Some(since));
            let wait = if now - since >= MAX_UNSAVED_MS {
                Duration::ZERO
            } else {
                DEBOUNCE
            };
            self.schedule(draft, wait);
        });
        // Leaving the wizard (another page of the app) saves what is still unsaved.
        on_cleanup(move || {
            if self.dirty_since.try_get_value().flatten().is_some()
                && let (Some(api), Some(id), Some(version), Some(d)) = (
                    self.api.try_get_value(),
                    self.id.try_get_value(),
                    self.version.try_get_value(),
                    draft.try_get_untracked(),
                )
            {
                leptos::task::spawn_local(async move {
                    let request = SaveDraftRequest {
                        base_version: version,
                        draft: d,
                    };
                    if api.save_draft(&id, &request).await.is_ok()
                        && let Some(s) = storage()
                    {
                        let _ = s.remove_item(&key(&id));
                    }
                });
            }
        });
    }

    fn keep_locally(&self, draft: &Draft) {
        let pending = Pending {
            base_version: self.version.get_value(),
            draft: draft.clone(),
            written_at: crate::clock::now().0,
        };
        if let (Some(s), Ok(text)) = (storage(), serde_json::to_string(&pending)) {
            let _ = s.set_item(&key(&self.id.get_value()), &text);
        }
    }

    fn schedule(self, draft: Memo<Draft>, after: Duration) {
        let generation = self.generation.get_value();
        set_timeout(
            move || {
                // A newer change scheduled its own save.
                if self.generation.get_value() == generation {
                    self.save(draft);
                }
            },
            after,
        );
    }

    fn save(self, draft: Memo<Draft>) {
        let generation = self.generation.get_value();
        let request = SaveDraftRequest {
            base_version: self.version.get_value(),
            draft: draft.get_untracked(),
        };
        let (api, id) = (self.api.get_value(), self.id.get_value());
        self.state.set(SaveState::Saving);
        leptos::task::spawn_local(async move {
            match api.save_draft(&id, &request).await {
                Ok(app) => {
                    self.version.set_value(app.version);
                    self.failures.set_value(0);
                    if self.generation.get_value() == generation {
                        if let Some(s) = storage() {
                            let _ = s.remove_item(&key(&id));
                        }
                        self.dirty_since.set_value(None);
                        self.state.set(SaveState::Saved);
                    } else {
                        // Edited while saving: the newer edit is still local; save it on top.
                        self.keep_locally(&draft.get_untracked());
                    }
                }
                // Saved elsewhere meanwhile (another tab): this candidate's latest typing wins.
                // An upload moved the version meanwhile: save again on top of it at once.
                Err(ApiError::Api { body, .. }) if body.error.code == ErrorCode::Conflict => {
                    match api.application(&id).await {
                        Ok(app) => {
                            self.version.set_value(app.version);
                            self.keep_locally(&draft.get_untracked());
                            self.schedule(draft, Duration::from_millis(100));
                        }
                        Err(_) => self.retry(draft),
                    }
                }
                // The session ended: the app returns to 登录; the edit stays local.
                Err(ApiError::Api { status: 401, .. }) => self.state.set(SaveState::Failed),
                Err(_) => self.retry(draft),
            }
        });
    }

    fn retry(self, draft: Memo<Draft>) {
        self.state.set(SaveState::Failed);
        self.failures.update_value(|f| *f += 1);
        let wait = (1000u64 << self.failures.get_value().min(5)).min(MAX_BACKOFF_MS);
        self.schedule(draft, Duration::from_millis(wait));
    }
}

/// 已保存 / 保存中 / 未能保存，将自动重试
#[component]
pub fn SaveIndicator(state: RwSignal<SaveState>) -> impl IntoView {
    view! {
        <p class="bm-save" role="status" data-state=move || format!("{:?}", state.get()).to_lowercase()>
            {move || match state.get() {
                SaveState::Saved => t(Msg::Saved)(),
                SaveState::Saving => t(Msg::Saving)(),
                SaveState::Failed => t(Msg::SaveFailed)(),
            }}
        </p>
    }
}
