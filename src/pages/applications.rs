//! 报名信息: the candidate's applications.

use leptos::prelude::*;

use crate::i18n::Msg;
use crate::pages::coming_soon::ComingSoon;

#[component]
pub fn ApplicationsPage() -> impl IntoView {
    view! { <ComingSoon title=Msg::PageApplicationsTitle body=Msg::PageApplicationsSoon /> }
}
