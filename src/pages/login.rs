//! 登录.

use leptos::prelude::*;

use crate::i18n::Msg;
use crate::pages::coming_soon::ComingSoon;

#[component]
pub fn LoginPage() -> impl IntoView {
    view! { <ComingSoon title=Msg::PageLoginTitle body=Msg::PageLoginSoon /> }
}
