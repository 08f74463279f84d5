//! Loading, empty and error states, shared by every page that loads data.

use baoming_contract::status::ApplicationStatus;
use leptos::prelude::*;

/// The badge of an application's status, the same on every page: waiting on someone
/// (审核中, 待缴费, 缴费成功) is amber, 审核不通过 red, the rest green.
pub fn status_badge_class(status: ApplicationStatus) -> &'static str {
    if status.is_pending() {
        "bm-badge bm-badge--upcoming"
    } else if status == ApplicationStatus::Rejected {
        // Something for the candidate to fix: the attention colour of every problem.
        "bm-badge bm-badge--attention"
    } else {
        "bm-badge bm-badge--open"
    }
}

use crate::api::ApiError;
use crate::i18n::{Msg, t};

/// The 重试 of a page's data: back to the loading state (so the candidate sees the retry
/// happen), then fetch again.
pub fn retry_of<T: 'static>(resource: LocalResource<T>) -> Callback<()> {
    Callback::new(move |()| {
        resource.set(None);
        resource.refetch();
    })
}

/// What a page shows of a read it needs: [`Loading`] while it runs, [`ErrorPanel`] with 重试
/// when it failed (`title` says what did not load), and `children`'s view of the value once
/// it arrived.
#[component]
pub fn Loaded<T, V>(
    resource: LocalResource<Result<T, ApiError>>,
    /// What failed, as the error's heading.
    title: Msg,
    /// The page's view of the value.
    children: impl Fn(T) -> V + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let retry = retry_of(resource);
    move || match resource.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(error)) => view! { <ErrorPanel title error on_retry=retry /> }.into_any(),
        Some(Ok(value)) => children(value).into_any(),
    }
}

/// A polite, announced loading message.
#[component]
pub fn Loading() -> impl IntoView {
    view! {
        <p class="bm-loading" role="status" aria-live="polite">
            <span class="bm-spinner" aria-hidden="true"></span>
            {t(Msg::Loading)}
        </p>
    }
}

/// An error with what happened and, when trying again can help, a 重试 button.
#[component]
pub fn ErrorPanel(
    /// What failed, as a heading (for example 认定计划加载失败).
    title: Msg,
    /// The error to explain.
    error: ApiError,
    /// Called by the 重试 button.
    on_retry: Callback<()>,
) -> impl IntoView {
    let retryable = error.is_retryable();
    let message = error.message();
    view! {
        <section class="bm-alert bm-alert--error" role="alert">
            <h2 class="bm-alert__title">{t(title)}</h2>
            <p>{t(message)}</p>
            <Show when=move || retryable>
                <button type="button" class="bm-button" on:click=move |_| on_retry.run(())>
                    {t(Msg::Retry)}
                </button>
            </Show>
        </section>
    }
}
