//! A page's first reads, started beside `/me` when the app starts on a link to that page
//! ([`Api::prefetch`]), their answers kept for the page's own first [`Api::get`].

use std::cell::RefCell;
use std::rc::Rc;

use gloo_net::http::Method;

use super::endpoints::{APPLICATIONS_PATH, application_path};
use super::transport::fetch_retrying;
use super::{Api, ApiError};
use crate::routes::FirstRead;

impl Api {
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
pub(super) struct EarlyAnswer(Rc<RefCell<EarlySlot>>);

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
pub(super) fn take_early(url: &str) -> Option<EarlyAnswer> {
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
