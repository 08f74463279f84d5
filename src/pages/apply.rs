//! The four-step wizard for one plan: ① 基础信息 ② 身份选择 ③ 报名信息 ④ 证件信息上传.

use leptos::prelude::*;

use crate::i18n::Msg;
use crate::pages::coming_soon::ComingSoon;

#[component]
pub fn ApplyPage() -> impl IntoView {
    view! { <ComingSoon title=Msg::PageApplyTitle body=Msg::PageApplySoon /> }
}
