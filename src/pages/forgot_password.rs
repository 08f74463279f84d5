//! 忘记密码.

use leptos::prelude::*;

use crate::i18n::Msg;
use crate::pages::coming_soon::ComingSoon;

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    view! { <ComingSoon title=Msg::PageForgotTitle body=Msg::PageForgotSoon /> }
}
