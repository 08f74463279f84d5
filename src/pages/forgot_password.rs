//! 忘记密码: a new password with an SMS code; every old session ends.

use baoming_contract::api::{PasswordResetRequest, SmsPurpose};
use leptos::prelude::*;

use crate::api::Api;
use crate::components::account_form::{AccountFields, AccountFieldsView};
use crate::components::link::Link;
use crate::components::send_code::NoticeLine;
use crate::i18n::{Msg, t};
use crate::routes::AppRoute;

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let fields = AccountFields::new();
    let done = RwSignal::new(false);

    let reset = Action::new_local(move |req: &PasswordResetRequest| {
        let (api, req) = (api.clone(), req.clone());
        async move {
            match api.reset_password(&req).await {
                Ok(()) => {
                    crate::session::clear_browser_storage();
                    done.set(true);
                }
                Err(error) => fields.show_error(&error),
            }
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if fields.check_all() {
            let (phone, code) = fields.phone_and_code();
            reset.dispatch(PasswordResetRequest {
                phone,
                code,
                password: fields.password.get_untracked(),
            });
        }
    };

    view! {
        <h1 class="bm-title">{t(Msg::PageForgotTitle)}</h1>
        <Show
            when=move || !done.get()
            fallback=|| {
                view! {
                    <section class="bm-card" role="status">
                        <p>{t(Msg::ResetDone)}</p>
                        <p><Link to=AppRoute::Login class="bm-button bm-button--primary">{t(Msg::LoginButton)}</Link></p>
                    </section>
                }
            }
        >
            <form class="bm-card bm-form" novalidate=true on:submit=on_submit>
                <AccountFieldsView fields purpose=SmsPurpose::ResetPassword password_label=Msg::FieldNewPassword />
                <NoticeLine notice=fields.notice />
                <button type="submit" class="bm-button bm-button--primary bm-button--block" disabled=move || reset.pending().get()>
                    {move || if reset.pending().get() { t(Msg::ResettingButton)() } else { t(Msg::ResetButton)() }}
                </button>
                <p class="bm-form__alt">
                    <Link to=AppRoute::Login>{t(Msg::LoginButton)}</Link>
                </p>
            </form>
        </Show>
    }
}
