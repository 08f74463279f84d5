//! The page frame: header with the site name, navigation, language switch and the account;
//! the app-wide notice; and the return to 登录 when a session ends. `index.html` draws the
//! same frame statically before the wasm arrives.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::location::Location;
use wasm_bindgen::JsCast;

use crate::api::{Api, ApiError, UNAUTHENTICATED_EVENT};
use crate::components::link::{Link, RouterBase};
use crate::i18n::{I18n, Lang, Msg, t, use_lang};
use crate::routes::{AppRoute, NavSection, nav_section, safe_next};
use crate::session::{clear_browser_storage, use_session};

/// A message for the whole app, shown by the shell above the page (for example 登录已过期).
#[derive(Clone, Copy)]
pub struct AppNotice(pub RwSignal<Option<Msg>>);

#[component]
pub fn Shell(children: Children) -> impl IntoView {
    let AppNotice(notice) = expect_context::<AppNotice>();
    let lang = use_lang();
    return_to_login_when_session_ends();
    // The document's title (what WeChat's in-app browser shows in its top bar) follows the
    // language.
    Effect::new(move |_| document().set_title(Msg::AppTitle.text(lang.get())));
    view! {
        <div class="bm-app">
            // A button, not `href="#main"`: with <base href> set, a fragment link would leave
            // the current page.
            <button type="button" class="bm-skip" on:click=skip_to_main>
                {t(Msg::SkipToContent)}
            </button>
            <Header />
            <main id="main" class="bm-main" tabindex="-1">
                {move || {
                    notice.get().map(|m| view! { <p class="bm-notice bm-notice--error" role="alert">{m.text(lang.get())}</p> })
                }}
                {children()}
            </main>
        </div>
    }
}

/// Any 401 from any page (the API layer dispatches an event) returns to 登录, remembering
/// the page to come back to. Drafts stay in the browser, so nothing typed is lost.
fn return_to_login_when_session_ends() {
    let session = use_session();
    let navigate = use_navigate();
    let location = use_location();
    let base = use_context::<RouterBase>().unwrap_or(RouterBase(String::new()));
    let AppNotice(notice) = expect_context::<AppNotice>();
    let handle = window_event_listener_untyped(UNAUTHENTICATED_EVENT, move |_| {
        session.account.set(None);
        crate::session::remember_signed_in(false);
        notice.set(Some(Msg::SessionExpired));
        go_to_login(&navigate, &base, &location);
    });
    on_cleanup(move || handle.remove());
}

/// Navigates to 登录 with the current page as `next` (unless already there).
pub fn go_to_login(
    navigate: &impl Fn(&str, NavigateOptions),
    base: &RouterBase,
    location: &Location,
) {
    let here = base.current_path(location);
    if here.starts_with("/login") {
        return;
    }
    let target = match safe_next(&here) {
        Some(next) => AppRoute::LoginThen { next },
        None => AppRoute::Login,
    };
    navigate(
        &base.href(&target),
        NavigateOptions {
            resolve: false,
            ..Default::default()
        },
    );
}

fn skip_to_main(_: leptos::ev::MouseEvent) {
    if let Some(main) = document().get_element_by_id("main") {
        let _ = main.unchecked_into::<web_sys::HtmlElement>().focus();
    }
}

#[component]
fn Header() -> impl IntoView {
    let I18n(lang) = expect_context::<I18n>();
    let session = use_session();
    let toggle = move |_| {
        let next = match lang.get_untracked() {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        };
        next.persist();
        lang.set(next);
    };
    let logged_in = move || session.account.with(|a| a.is_some());
    view! {
        <header class="bm-header">
            <div class="bm-header__inner">
                <Link to=AppRoute::Plans class="bm-brand">
                    <span class="bm-brand__title">{t(Msg::AppTitle)}</span>
                    <span class="bm-brand__sub">{t(Msg::AppSubtitle)}</span>
                </Link>
                <button
                    type="button"
                    class="bm-lang"
                    lang=move || match lang.get() { Lang::Zh => "en", Lang::En => "zh-CN" }
                    on:click=toggle
                >
                    {t(Msg::SwitchLanguage)}
                </button>
            </div>
            <nav class="bm-nav" aria-label=t(Msg::AppTitle)>
                <div class="bm-nav__inner">
                    <NavLink to=AppRoute::Plans section=NavSection::Plans>{t(Msg::NavPlans)}</NavLink>
                    <NavLink to=AppRoute::Applications section=NavSection::Applications>
                        {t(Msg::NavApplications)}
                    </NavLink>
                    <Show
                        when=logged_in
                        fallback=|| {
                            view! {
                                <Link to=AppRoute::Login>{t(Msg::NavLogin)}</Link>
                                <Link to=AppRoute::Register>{t(Msg::NavRegister)}</Link>
                            }
                        }
                    >
                        <LogoutButton />
                    </Show>
                </div>
            </nav>
        </header>
    }
}

/// A navigation entry, current (`aria-current="page"`) on every page of its section: the
/// wizard is 考试报名's, as its heading says, not 报名信息's. A plain `<a>`: the router
/// handles clicks on any link inside it.
#[component]
fn NavLink(to: AppRoute, section: NavSection, children: Children) -> impl IntoView {
    let base = use_context::<RouterBase>().unwrap_or(RouterBase(String::new()));
    let location = use_location();
    let prefix = base.0.clone();
    let current = move || {
        let path = location.pathname.get();
        let here = path.strip_prefix(prefix.as_str()).unwrap_or(&path);
        (nav_section(here) == Some(section)).then_some("page")
    };
    view! { <a href=base.href(&to) aria-current=current>{children()}</a> }
}

/// 退出登录: ends the session on the backend, then forgets everything stored in the browser.
#[component]
fn LogoutButton() -> impl IntoView {
    let api = expect_context::<Api>();
    let session = use_session();
    let navigate = use_navigate();
    let base = use_context::<RouterBase>().unwrap_or(RouterBase(String::new()));
    let AppNotice(notice) = expect_context::<AppNotice>();
    let logout = Action::new_local(move |_: &()| {
        let (api, navigate, base) = (api.clone(), navigate.clone(), base.clone());
        async move {
            match api.logout().await {
                // 401: the session had already ended, which is what was asked for.
                Ok(()) | Err(ApiError::Api { status: 401, .. }) => {
                    clear_browser_storage();
                    session.account.set(None);
                    notice.set(None);
                    navigate(
                        &base.href(&AppRoute::Login),
                        NavigateOptions {
                            resolve: false,
                            ..Default::default()
                        },
                    );
                }
                Err(error) => notice.set(Some(error.message())),
            }
        }
    });
    let phone = move || {
        session
            .account
            .with(|a| a.as_ref().map(|a| baoming_contract::phone::mask(&a.phone)))
            .unwrap_or_default()
    };
    view! {
        <span class="bm-nav__account">{phone}</span>
        <button
            type="button"
            class="bm-nav__logout"
            disabled=move || logout.pending().get()
            on:click=move |_| {
                logout.dispatch(());
            }
        >
            {t(Msg::NavLogout)}
        </button>
    }
}
