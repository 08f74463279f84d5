//! Pages that need an account: a candidate who is not logged in (or whose session ended)
//! goes to 登录 and comes back here afterwards.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use crate::components::feedback::Loading;
use crate::components::link::RouterBase;
use crate::components::shell::{AppNotice, go_to_login};
use crate::i18n::Msg;
use crate::session::use_session;

#[component]
pub fn RequireLogin(children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let location = use_location();
    let base = use_context::<RouterBase>().unwrap_or(RouterBase(String::new()));
    let AppNotice(notice) = expect_context::<AppNotice>();
    let logged_in = move || session.account.with(|a| a.is_some());
    // Navigation is I/O: it runs once the backend has said who is logged in.
    Effect::new(move |_| {
        if session.checked.get() && !logged_in() {
            if notice.get_untracked().is_none() {
                notice.set(Some(Msg::LoginToContinue));
            }
            go_to_login(&navigate, &base, &location);
        }
    });
    view! {
        <Show when=logged_in fallback=|| view! { <Loading /> }>
            {children()}
        </Show>
    }
}
