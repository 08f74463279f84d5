//! Pages whose code is not in the first download.
//!
//! A candidate who opens 登录, 注册 or 考试报名 downloads the app's core (the router, the
//! API client, the shell, those three pages and the messages). Each function below marks a
//! split point: `baoming-wasm-split` (Trunk's post-build hook) moves the code only it
//! reaches into a chunk of its own, fetched the first time one of its pages is opened, and
//! ahead of that when the browser is idle ([`prefetch_when_idle`]). There are three: the
//! other pages ([`Page`]), the wizard, and the wizard's step ④ (the image checks, 自动处理
//! and the face finder's glue); code two of them share is in shared chunks.
//!
//! A chunk that fails to load (offline, a 5xx, a deploy that replaced it) is not cached as
//! failed: the page says so with 重试 ([`LazyPage`]) and the next attempt fetches it again.
//! On the host (tests), every function is called directly.

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;
#[cfg(feature = "split")]
use leptos::wasm_split::wasm_split;
use send_wrapper::SendWrapper;

use crate::components::feedback::Loading;
use crate::i18n::{Msg, t};

/// A chunk of the app could not be fetched or instantiated (the details are in the console).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkFailed;

impl From<SplitLoaderError> for ChunkFailed {
    fn from(_: SplitLoaderError) -> Self {
        ChunkFailed
    }
}

/// What a split page's loader gives: the page's view, or why its code is missing.
pub type PageResult = Result<AnyView, ChunkFailed>;
/// A split page's loader, as [`LazyPage`] takes it.
pub type PageLoader = fn() -> Pin<Box<dyn Future<Output = PageResult>>>;

/// A split point: the body runs inside the chunk, so everything only it reaches moves there
/// with it. `$preload` fetches the chunk without running the body.
///
/// Without the `split` feature (the wasm tests, `cargo check`), the same functions exist and
/// run the body directly: `#[wasm_split]` makes the module import `./__wasm_split.js`, which
/// only the splitter writes, so a module built with it cannot load without the splitter.
macro_rules! split_point {
    ($chunk:ident, $preload:ident, fn $load:ident($($arg:ident: $ty:ty),*) -> PageResult $body:block) => {
        #[cfg(feature = "split")]
        #[wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible, preload($preload))]
        fn $load($($arg: $ty),*) -> PageResult $body

        #[cfg(not(feature = "split"))]
        async fn $load($($arg: $ty),*) -> PageResult $body

        #[cfg(not(feature = "split"))]
        #[allow(dead_code)]
        async fn $preload() -> Result<(), SplitLoaderError> {
            Ok(())
        }
    };
}

/// The pages that are neither the core nor the wizard, in one chunk.
///
/// One split point per page made 42 chunk files, most of them shared pieces under 1 KiB,
/// and a page opened directly fetched 12–31 of them: on a slow phone connection (HTTP/1.1,
/// six connections, a round trip of half a second) those waves of round trips cost more
/// than the bytes they saved (the wizard's content came at 7.4 s instead of 5.0 s). Three
/// split points (these pages, the wizard, its step ④) make a handful of files per page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Apply,
    Applications,
    Application,
    PrintForm,
    Pay,
    ForgotPassword,
}

split_point!(
    pages,
    preload_pages,
    fn pages_chunk(page: Page) -> PageResult {
        use crate::pages as p;
        Ok(match page {
            Page::Apply => p::apply::ApplyPage().into_any(),
            Page::Applications => p::applications::ApplicationsPage().into_any(),
            Page::Application => p::application::ApplicationPage().into_any(),
            Page::PrintForm => p::print_form::PrintFormPage().into_any(),
            Page::Pay => p::pay::PayPage().into_any(),
            Page::ForgotPassword => p::forgot_password::ForgotPasswordPage().into_any(),
        })
    }
);

// The wizard's steps ①–③ and 核对报名信息.
split_point!(
    wizard,
    preload_wizard,
    fn wizard_chunk() -> PageResult {
        Ok(crate::pages::wizard::WizardPage().into_any())
    }
);

// Step ④ of the wizard: the uploads with their image checks and 自动处理 (the biggest part
// of the wizard, which steps ①–③ and 核对报名信息 do not need).
split_point!(
    documents,
    preload_documents,
    fn documents_step_chunk(args: crate::pages::wizard::DocumentsStepArgs) -> PageResult {
        Ok(crate::pages::wizard::documents_step_view(args))
    }
);

/// Step ④'s view, from its chunk.
pub(crate) fn documents_step(
    args: crate::pages::wizard::DocumentsStepArgs,
) -> Pin<Box<dyn Future<Output = PageResult>>> {
    Box::pin(documents_step_chunk(args))
}

/// The loaders of the split pages, for the routes.
pub mod pages {
    use super::*;

    fn page(page: Page) -> Pin<Box<dyn Future<Output = PageResult>>> {
        Box::pin(pages_chunk(page))
    }
    pub fn apply() -> Pin<Box<dyn Future<Output = PageResult>>> {
        page(Page::Apply)
    }
    pub fn applications() -> Pin<Box<dyn Future<Output = PageResult>>> {
        page(Page::Applications)
    }
    pub fn application() -> Pin<Box<dyn Future<Output = PageResult>>> {
        page(Page::Application)
    }
    pub fn wizard() -> Pin<Box<dyn Future<Output = PageResult>>> {
        Box::pin(wizard_chunk())
    }
    pub fn print_form() -> Pin<Box<dyn Future<Output = PageResult>>> {
        page(Page::PrintForm)
    }
    pub fn pay() -> Pin<Box<dyn Future<Output = PageResult>>> {
        page(Page::Pay)
    }
    pub fn forgot_password() -> Pin<Box<dyn Future<Output = PageResult>>> {
        page(Page::ForgotPassword)
    }
}

/// A page whose code is in a chunk: the loading message while the chunk arrives, then the
/// page; if the chunk cannot be had, a message with 重试 that fetches it again.
#[component]
pub fn LazyPage(load: PageLoader) -> impl IntoView {
    view! { <Lazy load /> }
}

/// A view whose code is in a chunk (`load` gives it, and is called again on 重试).
#[component]
pub fn Lazy(
    load: impl Fn() -> Pin<Box<dyn Future<Output = PageResult>>> + Send + Sync + 'static,
) -> impl IntoView {
    let attempt = RwSignal::new(0u32);
    view! {
        <Suspense fallback=|| view! { <Loading /> }>
            {move || {
                attempt.track();
                let page = load();
                // The loader's future is not Send (it holds the chunk's JS promise); it
                // only ever runs on the page's one thread.
                Suspend::new(SendWrapper::new(async move {
                    let _waiting = Waiting::begin();
                    match page.await {
                        Ok(page) => page,
                        Err(ChunkFailed) => {
                            view! { <ChunkError retry=move || attempt.update(|n| *n += 1) /> }
                                .into_any()
                        }
                    }
                }))
            }}
        </Suspense>
    }
}

/// 页面没有加载完成: what a candidate sees when a chunk could not be fetched.
#[component]
fn ChunkError(retry: impl Fn() + Send + 'static) -> impl IntoView {
    view! {
        <section class="bm-alert bm-alert--error" role="alert" data-problem="chunk">
            <h2 class="bm-alert__title">{t(Msg::ChunkFailedTitle)}</h2>
            <p>{t(Msg::ChunkFailedText)}</p>
            <button type="button" class="bm-button" on:click=move |_| retry()>
                {t(Msg::Retry)}
            </button>
        </section>
    }
}

/// Starts fetching the chunks the page at `path` needs ([`crate::routes::chunks_of`]) at
/// once, when the app starts: on a link straight to a page, its chunk then arrives beside
/// the session check and the page's first reads instead of after them. The page's own load
/// takes the same fetch (the loader keeps it); a failure is not kept.
pub fn preload_for(path: &str) {
    use crate::routes::Chunk;
    for &chunk in crate::routes::chunks_of(path) {
        leptos::task::spawn_local(async move {
            let _ = match chunk {
                Chunk::Pages => preload_pages().await,
                Chunk::Wizard => preload_wizard().await,
                Chunk::Documents => preload_documents().await,
            };
        });
    }
}

/// Fetches every chunk once the browser has nothing else to do, most likely first, so that
/// later navigation does not wait on the network. A chunk that fails here is fetched again
/// when its page opens. Not when the browser asks to save data (Save-Data, 省流量 modes):
/// then each page's chunk comes when the page opens.
pub fn prefetch_when_idle() {
    if saves_data() {
        return;
    }
    let run = || {
        leptos::task::spawn_local(async {
            // One at a time, and never beside a chunk the page on screen waits for: on a slow
            // link the page's own downloads come first.
            Waiting::settled().await;
            let _ = preload_pages().await;
            Waiting::settled().await;
            let _ = preload_wizard().await;
            Waiting::settled().await;
            let _ = preload_documents().await;
        })
    };
    when_idle(run);
}

thread_local! {
    /// How many chunks the pages on screen are waiting for.
    static LOADING: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// A page waiting for its chunk: counted from [`Waiting::begin`] until dropped.
struct Waiting;

impl Waiting {
    fn begin() -> Waiting {
        LOADING.with(|n| n.set(n.get() + 1));
        Waiting
    }

    /// Returns once no page waits for a chunk.
    async fn settled() {
        while LOADING.with(|n| n.get()) > 0 {
            crate::clock::sleep(250).await;
        }
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        LOADING.with(|n| n.set(n.get().saturating_sub(1)));
    }
}

/// `navigator.connection.saveData` (Chromium-based browsers; absent elsewhere).
fn saves_data() -> bool {
    let navigator = window().navigator();
    js_sys::Reflect::get(&navigator, &"connection".into())
        .ok()
        .filter(|c| c.is_object())
        .and_then(|c| js_sys::Reflect::get(&c, &"saveData".into()).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// Runs `f` when the browser is idle (`requestIdleCallback`, which Safari lacks: there, two
/// seconds after the call).
fn when_idle(f: impl FnOnce() + 'static) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let window = window();
    let callback = Closure::once_into_js(f);
    let idle = js_sys::Reflect::get(&window, &"requestIdleCallback".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    match idle {
        Some(request) => {
            let options = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&options, &"timeout".into(), &5_000.into());
            let _ = request.call2(&window, &callback, &options);
        }
        None => {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                callback.unchecked_ref(),
                2_000,
            );
        }
    }
}
