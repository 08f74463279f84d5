//! 登录 with 手机号 and 密码; after logging in the candidate lands on the page that sent
//! them here (`?next=`), or on 考试报名.

use baoming_contract::api::{Account, LoginRequest};
use baoming_contract::error::ErrorCode;
use baoming_contract::phone;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::Api;
use crate::components::form::{TextField, focus_first_invalid};
use crate::components::link::{Link, RouterBase};
use crate::components::send_code::{Notice, NoticeLine, retry_after};
use crate::components::shell::AppNotice;
use crate::forms::{field_errors, phone_error};
use crate::i18n::{Msg, t};
use crate::routes::{AppRoute, safe_next};
use crate::session::use_session;

/// What to do once an account is logged in: remember it and go to `?next=` or 考试报名.
pub fn use_after_login() -> impl Fn(Account) + Clone + 'static {
    let session = use_session();
    let navigate = use_navigate();
    let query = use_query_map();
    let base = use_context::<RouterBase>().unwrap_or(RouterBase(String::new()));
    let AppNotice(app_notice) = expect_context::<AppNotice>();
    move |account: Account| {
        session.account.set(Some(account));
        session.checked.set(true);
        app_notice.set(None);
        let next = query
            .with_untracked(|q| q.get("next"))
            .and_then(|n| safe_next(&n));
        let target = match next {
            Some(next) => format!("{}{}", base.0, next),
            None => base.href(&AppRoute::Plans),
        };
        navigate(
            &target,
            leptos_router::NavigateOptions {
                resolve: false,
                ..Default::default()
            },
        );
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let after_login = use_after_login();
    let phone_v = RwSignal::new(String::new());
    let password_v = RwSignal::new(String::new());
    let phone_err = RwSignal::new(None::<Msg>);
    let password_err = RwSignal::new(None::<Msg>);
    let notice = RwSignal::new(None::<Notice>);

    let check_phone = move || {
        phone_err.set(
            phone::normalize(&phone_v.get_untracked())
                .err()
                .map(phone_error),
        )
    };
    let check_password = move || {
        password_err.set(
            password_v
                .with_untracked(|p| p.is_empty())
                .then_some(Msg::ErrPasswordRequired),
        )
    };

    let login = Action::new_local(move |req: &LoginRequest| {
        let (api, req, after_login) = (api.clone(), req.clone(), after_login.clone());
        async move {
            match api.login(&req).await {
                Ok(account) => after_login(account),
                Err(error) => match (error.code(), retry_after(&error)) {
                    (Some(ErrorCode::AccountLocked), Some(s)) => {
                        notice.set(Some(Notice::Locked(s)))
                    }
                    (Some(ErrorCode::RateLimited), Some(s)) => {
                        notice.set(Some(Notice::WaitSeconds(s)))
                    }
                    _ => {
                        let fields = field_errors(&error);
                        for (field, msg) in &fields {
                            match field.as_str() {
                                "phone" => phone_err.set(Some(*msg)),
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
                },
            }
        }
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        check_phone();
        check_password();
        if phone_err.get_untracked().is_some() || password_err.get_untracked().is_some() {
            focus_first_invalid();
            return;
        }
        notice.set(None);
        login.dispatch(LoginRequest {
            phone: phone::normalize(&phone_v.get_untracked()).unwrap_or_default(),
            password: password_v.get_untracked(),
        });
    };

    view! {
        <h1 class="bm-title">{t(Msg::PageLoginTitle)}</h1>
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
                id="password"
                label=Msg::FieldPassword
                value=password_v
                error=password_err
                input_type="password"
                autocomplete="current-password"
            />
            <NoticeLine notice />
            <button type="submit" class="bm-button bm-button--primary bm-button--block" disabled=move || login.pending().get()>
                {move || if login.pending().get() { t(Msg::LoggingInButton)() } else { t(Msg::LoginButton)() }}
            </button>
            <p class="bm-form__alt">
                <Link to=AppRoute::ForgotPassword>{t(Msg::ForgotPasswordLink)}</Link>
                <Link to=AppRoute::Register>{t(Msg::NoAccountRegister)}</Link>
            </p>
        </form>
    }
}
