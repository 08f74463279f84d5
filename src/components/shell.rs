//! The page frame: header with the site name, navigation and language switch.
//! `index.html` draws the same frame statically before the wasm arrives.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::components::link::Link;
use crate::i18n::{I18n, Lang, Msg, t};
use crate::routes::AppRoute;

#[component]
pub fn Shell(children: Children) -> impl IntoView {
    view! {
        <div class="bm-app">
            // A button, not `href="#main"`: with <base href> set, a fragment link would leave
            // the current page.
            <button type="button" class="bm-skip" on:click=skip_to_main>
                {t(Msg::SkipToContent)}
            </button>
            <Header />
            <main id="main" class="bm-main" tabindex="-1">
                {children()}
            </main>
        </div>
    }
}

fn skip_to_main(_: leptos::ev::MouseEvent) {
    if let Some(main) = document().get_element_by_id("main") {
        let _ = main.unchecked_into::<web_sys::HtmlElement>().focus();
    }
}

#[component]
fn Header() -> impl IntoView {
    let I18n(lang) = expect_context::<I18n>();
    let toggle = move |_| {
        let next = match lang.get_untracked() {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        };
        next.persist();
        lang.set(next);
    };
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
                    <Link to=AppRoute::Plans exact=true>{t(Msg::NavPlans)}</Link>
                    <Link to=AppRoute::Applications>{t(Msg::NavApplications)}</Link>
                    <Link to=AppRoute::Login>{t(Msg::NavLogin)}</Link>
                    <Link to=AppRoute::Register>{t(Msg::NavRegister)}</Link>
                </div>
            </nav>
        </header>
    }
}
