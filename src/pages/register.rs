//! 考生注册: 手机号, 验证码 (获取验证码), 密码, 确认密码, and 已有帐号,立即登录.

use baoming_contract::api::{RegisterRequest, SmsPurpose};
use baoming_contract::{auth, password, phone};
use leptos::prelude::*;

use crate::api::Api;
use crate::components::form::{TextField, focus_first_invalid};
use crate::components::link::Link;
use crate::components::send_code::{NoticeLine, SendCodeButton};
use crate::forms::{code_error, confirm_error, field_errors, password_error, phone_error};
use crate::i18n::{Msg, t};
use crate::pages::login::{PasswordStrength, use_after_login};
use crate::routes::AppRoute;

#[component]
pub fn RegisterPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let after_login = use_after_login();

    let phone_v = RwSignal::new(String::new());
    let code_v = RwSignal::new(String::new());
    let password_v = RwSignal::new(String::new());
    let confirm_v = RwSignal::new(String::new());
    let phone_err = RwSignal::new(None::<Msg>);
    let code_err = RwSignal::new(None::<Msg>);
    let password_err = RwSignal::new(None::<Msg>);
    let confirm_err = RwSignal::new(None::<Msg>);
    let notice = RwSignal::new(None);

    let check_phone = move || {
        phone_err.set(
            phone::normalize(&phone_v.get_untracked())
                .err()
                .map(phone_error),
        )
    };
    let check_code = move || {
        code_err.set(
            auth::normalize_code(&code_v.get_untracked())
                .err()
                .map(code_error),
        )
    };
    let check_password = move || {
        password_err.set(
            password::validate(&password_v.get_untracked())
                .err()
                .map(password_error),
        )
    };
    let check_confirm = move || {
        confirm_err.set(
            password::validate_confirmation(
                &password_v.get_untracked(),
                &confirm_v.get_untracked(),
            )
            .err()
            .map(confirm_error),
        )
    };

    let register = Action::new_local(move |req: &RegisterRequest| {
        let (api, req, after_login) = (api.clone(), req.clone(), after_login.clone());
        async move {
            match api.register(&req).await {
                Ok(account) => after_login(account),
                Err(error) => {
                    let fields = field_errors(&error);
                    for (field, msg) in &fields {
                        match field.as_str() {
                            "phone" => phone_err.set(Some(*msg)),
                            "code" => code_err.set(Some(*msg)),
                            "password" => password_err.set(Some(*msg)),
                            _ => {}
                        }
                    }
                    if fields.is_empty() {
                        notice.set(Some(crate::components::send_code::Notice::Error(
                            error.message(),
                        )));
                    } else {
                        focus_first_invalid();
                    }
                }
            }
        }
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        check_phone();
        check_code();
        check_password();
        check_confirm();
        let ok = [phone_err, code_err, password_err, confirm_err]
            .iter()
            .all(|e| e.get_untracked().is_none());
        if !ok {
            notice.set(Some(crate::components::send_code::Notice::Error(
                Msg::ErrFormHasErrors,
            )));
            focus_first_invalid();
            return;
        }
        notice.set(None);
        register.dispatch(RegisterRequest {
            phone: phone::normalize(&phone_v.get_untracked()).unwrap_or_default(),
            code: auth::normalize_code(&code_v.get_untracked()).unwrap_or_default(),
            password: password_v.get_untracked(),
        });
    };

    view! {
        <h1 class="bm-title">{t(Msg::PageRegisterTitle)}</h1>
        <form class="bm-card bm-form" novalidate=true on:submit=on_submit>
            <TextField
                id="phone"
                label=Msg::FieldPhone
                value=phone_v
                error=phone_err
                input_type="tel"
                autocomplete="tel-national"
                inputmode="tel"
                on_blur=Callback::new(move |()| check_phone())
            />
            <Show when=move || phone_err.get() == Some(Msg::ErrPhoneRegistered)>
                <p class="bm-field__aside">
                    <Link to=AppRoute::Login>{t(Msg::LoginButton)}</Link>
                </p>
            </Show>
            <TextField
                id="code"
                label=Msg::FieldCode
                value=code_v
                error=code_err
                autocomplete="one-time-code"
                inputmode="numeric"
                maxlength=8
                on_blur=Callback::new(move |()| check_code())
            >
                <SendCodeButton phone=phone_v purpose=SmsPurpose::Register phone_error_out=phone_err notice />
            </TextField>
            <TextField
                id="password"
                label=Msg::FieldPassword
                value=password_v
                error=password_err
                input_type="password"
                autocomplete="new-password"
                hint=Msg::PasswordHint
                on_blur=Callback::new(move |()| check_password())
            />
            <PasswordStrength password=password_v />
            <TextField
                id="confirm-password"
                label=Msg::FieldConfirmPassword
                value=confirm_v
                error=confirm_err
                input_type="password"
                autocomplete="new-password"
                on_blur=Callback::new(move |()| check_confirm())
            />
            <NoticeLine notice />
            <button type="submit" class="bm-button bm-button--primary bm-button--block" disabled=move || register.pending().get()>
                {move || if register.pending().get() { t(Msg::RegisteringButton)() } else { t(Msg::RegisterButton)() }}
            </button>
            <p class="bm-form__alt">
                <Link to=AppRoute::Login>{t(Msg::HaveAccountLogin)}</Link>
            </p>
        </form>
    }
}
