//! 考生注册: 手机号, 验证码 (获取验证码), 密码, 确认密码, and 已有帐号,立即登录.

use baoming_contract::api::{RegisterRequest, SmsPurpose};
use leptos::prelude::*;

use crate::api::Api;
use crate::components::account_form::{AccountFields, AccountFieldsView};
use crate::components::link::Link;
use crate::components::send_code::NoticeLine;
use crate::i18n::{Msg, t};
use crate::pages::login::use_after_login;
use crate::routes::AppRoute;

#[component]
pub fn RegisterPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let after_login = use_after_login();
    let fields = AccountFields::new();

    let register = Action::new_local(move |req: &RegisterRequest| {
        let (api, req, after_login) = (api.clone(), req.clone(), after_login.clone());
        async move {
            match api.register(&req).await {
                Ok(account) => after_login(account),
                Err(error) => fields.show_error(&error),
            }
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if fields.check_all() {
            let (phone, code) = fields.phone_and_code();
            register.dispatch(RegisterRequest {
                phone,
                code,
                password: fields.password.get_untracked(),
            });
        }
    };
    // A registered number gets the way to 登录 right under the field.
    let offer_login: ChildrenFn = std::sync::Arc::new(move || {
        view! {
            <Show when=move || fields.phone_err.get() == Some(Msg::ErrPhoneRegistered)>
                <p class="bm-field__aside"><Link to=AppRoute::Login>{t(Msg::LoginButton)}</Link></p>
            </Show>
        }
        .into_any()
    });

    view! {
        <h1 class="bm-title">{t(Msg::PageRegisterTitle)}</h1>
        <form class="bm-card bm-form" novalidate=true on:submit=on_submit>
            <AccountFieldsView fields purpose=SmsPurpose::Register password_label=Msg::FieldPassword after_phone=offer_login />
            <NoticeLine notice=fields.notice />
            <button type="submit" class="bm-button bm-button--primary bm-button--block" disabled=move || register.pending().get()>
                {move || if register.pending().get() { t(Msg::RegisteringButton)() } else { t(Msg::RegisterButton)() }}
            </button>
            <p class="bm-form__alt">
                <Link to=AppRoute::Login>{t(Msg::HaveAccountLogin)}</Link>
            </p>
        </form>
    }
}
