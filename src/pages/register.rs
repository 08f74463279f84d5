//! 考生注册.

use leptos::prelude::*;

use crate::i18n::Msg;
use crate::pages::coming_soon::ComingSoon;

#[component]
pub fn RegisterPage() -> impl IntoView {
    view! { <ComingSoon title=Msg::PageRegisterTitle body=Msg::PageRegisterSoon /> }
}
