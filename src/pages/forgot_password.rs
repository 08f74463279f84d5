//! 忘记密码: a new password with an SMS code; every old session ends.

use baoming_contract::api::{PasswordResetRequest, SmsPurpose};
use baoming_contract::{auth, password, phone};
use leptos::prelude::*;

use crate::api::Api;
use crate::components::form::{TextField, focus_first_invalid};
use crate::components::link::Link;
use crate::components::send_code::{Notice, NoticeLine, SendCodeButton};
use crate::forms::{code_error, confirm_error, field_errors, password_error, phone_error};
use crate::i18n::{Msg, t};
use crate::pages::login::PasswordStrength;
use crate::routes::AppRoute;

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let phone_v = RwSignal::new(String::new());
    let code_v = RwSignal::new(String::new());
    let password_v = RwSignal::new(String::new());
    let confirm_v = RwSignal::new(String::new());
    let phone_err = RwSignal::new(None::<Msg>);
    let code_err = RwSignal::new(None::<Msg>);
    let password_err = RwSignal::new(None::<Msg>);
    let confirm_err = RwSignal::new(None::<Msg>);
    let notice = RwSignal::new(None::<Notice>);
    let done = RwSignal::new(false);

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

    let reset = Action::new_local(move |req: &PasswordResetRequest| {
        let (api, req) = (api.clone(), req.clone());
        async move {
            match api.reset_password(&req).await {
                Ok(()) => {
                    crate::session::clear_browser_storage();
                    done.set(true);
                }
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
                        notice.set(Some(Notice::Error(error.message())));
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
        if [phone_err, code_err, password_err, confirm_err]
            .iter()
            .any(|e| e.get_untracked().is_some())
        {
            notice.set(Some(Notice::Error(Msg::ErrFormHasErrors)));
            focus_first_invalid();
            return;
        }
        notice.set(None);
        reset.dispatch(PasswordResetRequest {
            phone: phone::normalize(&phone_v.get_untracked()).unwrap_or_default(),
            code: auth::normalize_code(&code_v.get_untracked()).unwrap_or_default(),
            password: password_v.get_untracked(),
        });
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
                <TextField
                    id="phone"
                    label=Msg::FieldPhone
                    value=phone_v
                    error=phone_err
                    input_type="tel"
                    autocomplete="username"
                    inputmode="tel"
                    on_blur=Callback::new(move |()| check_phone())
                />
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
                    <SendCodeButton phone=phone_v purpose=SmsPurpose::ResetPassword phone_error_out=phone_err notice />
                </TextField>
                <TextField
                    id="password"
                    label=Msg::FieldNewPassword
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
