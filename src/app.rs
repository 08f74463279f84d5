//! Providers and the route tree, nothing else.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use baoming_contract::error::ErrorCode;

use crate::api::Api;
use crate::components::link::RouterBase;
use crate::components::require_login::RequireLogin;
use crate::components::shell::{AppNotice, Shell};
use crate::config::RuntimeConfig;
use crate::i18n::{I18n, Lang};
use crate::lazy::{LazyPage, PageLoader, pages};
use crate::pages::{
    login::LoginPage, not_found::NotFoundPage, plans::PlansPage, register::RegisterPage,
};
use crate::session::Session;

/// A page that needs an account, its code in a chunk of its own (see [`crate::lazy`]).
fn protected(load: PageLoader) -> impl IntoView {
    view! {
        <RequireLogin>
            <LazyPage load />
        </RequireLogin>
    }
}

/// The whole app, given the deployment's settings. Paths mirror [`crate::routes::AppRoute`].
#[component]
pub fn App(config: RuntimeConfig) -> impl IntoView {
    if let Some(timeout) = config.request_timeout {
        crate::api::set_request_timeout(timeout);
    }
    let api = Api::new(config.api_base);
    provide_context(api.clone());
    let lang = Lang::detect();
    if let Some(html) = document().document_element() {
        let _ = html.set_attribute("lang", lang.code());
    }
    provide_context(I18n(RwSignal::new(lang)));
    provide_context(RouterBase(config.base_path.clone()));
    provide_context(AppNotice(RwSignal::new(None)));
    let session = Session::new();
    provide_context(session);
    // Who is logged in: the cookie is HttpOnly, so only the backend can say. A visitor who
    // never logged in on this browser is not asked about on a public page (no 401 for every
    // first visit); a protected page asks anyway.
    let path = window().location().pathname().unwrap_or_default();
    let here = path.strip_prefix(&config.base_path).unwrap_or(&path);
    crate::lazy::preload_for(here);
    let hinted = crate::session::may_be_signed_in();
    if hinted || crate::routes::is_protected(here) {
        // A candidate who was logged in here: the page's own first reads go out beside /me.
        if hinted {
            api.prefetch(&crate::routes::first_reads(here));
        }
        leptos::task::spawn_local(async move {
            match api.me().await {
                Ok(account) => session.account.set(Some(account)),
                // The session ended; a network failure says nothing about it.
                Err(error) if error.code() == Some(ErrorCode::Unauthenticated) => {
                    crate::session::remember_signed_in(false)
                }
                Err(_) => {}
            }
            session.checked.set(true);
        });
    } else {
        session.checked.set(true);
    }
    Effect::new(move |_| {
        if session.account.with(Option::is_some) {
            crate::session::remember_signed_in(true);
        }
    });

    crate::lazy::prefetch_when_idle();

    view! {
        <Router base=config.base_path>
            <Shell>
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=PlansPage />
                    <Route path=path!("/register") view=RegisterPage />
                    <Route path=path!("/login") view=LoginPage />
                    <Route
                        path=path!("/forgot-password")
                        view=|| view! { <LazyPage load=pages::forgot_password /> }
                    />
                    <Route path=path!("/apply/:plan_id") view=|| protected(pages::apply) />
                    <Route path=path!("/applications") view=|| protected(pages::applications) />
                    <Route path=path!("/applications/:id") view=|| protected(pages::application) />
                    <Route
                        path=path!("/applications/:id/step/:step")
                        view=|| protected(pages::wizard)
                    />
                    <Route path=path!("/applications/:id/form") view=|| protected(pages::print_form) />
                    <Route path=path!("/pay/:application_id") view=|| protected(pages::pay) />
                </Routes>
            </Shell>
        </Router>
    }
}
