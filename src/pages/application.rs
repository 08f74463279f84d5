//! One application's status timeline: 审核中, 审核不通过 (查看原因), 待缴费, 缴费成功.

use leptos::prelude::*;

use crate::i18n::Msg;
use crate::pages::coming_soon::ComingSoon;

#[component]
pub fn ApplicationPage() -> impl IntoView {
    view! { <ComingSoon title=Msg::PageApplicationTitle body=Msg::PageApplicationSoon /> }
}
