//! Any path the app does not know.

use leptos::prelude::*;

use crate::i18n::Msg;
use crate::pages::coming_soon::ComingSoon;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! { <ComingSoon title=Msg::NotFoundTitle body=Msg::NotFoundBody /> }
}
