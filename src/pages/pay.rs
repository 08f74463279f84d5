//! 待缴费: the WeChat Pay QR code of one application's order.

use leptos::prelude::*;

use crate::i18n::Msg;
use crate::pages::coming_soon::ComingSoon;

#[component]
pub fn PayPage() -> impl IntoView {
    view! { <ComingSoon title=Msg::PagePayTitle body=Msg::PagePaySoon /> }
}
