//! The fields 考生注册 and 忘记密码 share: 手机号, 验证码 (with 获取验证码), a new password
//! with its strength, and 确认密码 — their signals, their checks (the contract's rules) and
//! the mapping of the backend's field reasons onto them.

use baoming_contract::api::SmsPurpose;
use baoming_contract::{auth, password, phone};
use leptos::prelude::*;

use crate::api::ApiError;
use crate::components::form::{TextField, focus_first_invalid};
use crate::components::send_code::{Notice, SendCodeButton};
use crate::forms::{code_error, confirm_error, field_errors, password_error, phone_error};
use crate::i18n::{Msg, t};

/// The values and messages of the account fields.
#[derive(Clone, Copy)]
pub struct AccountFields {
    pub phone: RwSignal<String>,
    pub code: RwSignal<String>,
    pub password: RwSignal<String>,
    pub confirm: RwSignal<String>,
    pub phone_err: RwSignal<Option<Msg>>,
    pub code_err: RwSignal<Option<Msg>>,
    pub password_err: RwSignal<Option<Msg>>,
    pub confirm_err: RwSignal<Option<Msg>>,
    pub notice: RwSignal<Option<Notice>>,
}

impl AccountFields {
    pub fn new() -> AccountFields {
        AccountFields {
            phone: RwSignal::new(String::new()),
            code: RwSignal::new(String::new()),
            password: RwSignal::new(String::new()),
            confirm: RwSignal::new(String::new()),
            phone_err: RwSignal::new(None),
            code_err: RwSignal::new(None),
            password_err: RwSignal::new(None),
            confirm_err: RwSignal::new(None),
            notice: RwSignal::new(None),
        }
    }

    pub fn check_phone(self) {
        self.phone_err.set(
            phone::normalize(&self.phone.get_untracked())
                .err()
                .map(phone_error),
        );
    }
    pub fn check_code(self) {
        self.code_err.set(
            auth::normalize_code(&self.code.get_untracked())
                .err()
                .map(code_error),
        );
    }
    pub fn check_password(self) {
        self.password_err.set(
            password::validate(&self.password.get_untracked())
                .err()
                .map(password_error),
        );
    }
    pub fn check_confirm(self) {
        let result = password::validate_confirmation(
            &self.password.get_untracked(),
            &self.confirm.get_untracked(),
        );
        self.confirm_err.set(result.err().map(confirm_error));
    }

    /// Checks every field (on submit); when something is wrong, says so and focuses it.
    pub fn check_all(self) -> bool {
        self.check_phone();
        self.check_code();
        self.check_password();
        self.check_confirm();
        let ok = [
            self.phone_err,
            self.code_err,
            self.password_err,
            self.confirm_err,
        ]
        .iter()
        .all(|e| e.get_untracked().is_none());
        if ok {
            self.notice.set(None);
        } else {
            self.notice.set(Some(Notice::Error(Msg::ErrFormHasErrors)));
            focus_first_invalid();
        }
        ok
    }

    /// The normalised phone and code (valid after [`AccountFields::check_all`]).
    pub fn phone_and_code(self) -> (String, String) {
        (
            phone::normalize(&self.phone.get_untracked()).unwrap_or_default(),
            auth::normalize_code(&self.code.get_untracked()).unwrap_or_default(),
        )
    }

    /// Shows the backend's answer: each field reason next to its field, anything else as
    /// the form's notice.
    pub fn show_error(self, error: &ApiError) {
        let fields = field_errors(error);
        for (field, msg) in &fields {
            match field.as_str() {
                "phone" => self.phone_err.set(Some(*msg)),
                "code" => self.code_err.set(Some(*msg)),
                "password" => self.password_err.set(Some(*msg)),
                _ => {}
            }
        }
        if fields.is_empty() {
            self.notice.set(Some(Notice::Error(error.message())));
        } else {
            focus_first_invalid();
        }
    }
}

impl Default for AccountFields {
    fn default() -> Self {
        AccountFields::new()
    }
}

/// 手机号, 验证码 + 获取验证码, the new password and 确认密码.
#[component]
pub fn AccountFieldsView(
    fields: AccountFields,
    /// What the SMS code is for.
    purpose: SmsPurpose,
    /// 密码 or 新密码.
    password_label: Msg,
    /// Shown under the phone field (考生注册 offers 登录 for a registered number).
    #[prop(optional)]
    after_phone: Option<ChildrenFn>,
) -> impl IntoView {
    let f = fields;
    view! {
        <TextField id="phone" label=Msg::FieldPhone value=f.phone error=f.phone_err input_type="tel"
            autocomplete="tel-national" inputmode="tel" on_blur=Callback::new(move |()| f.check_phone()) />
        {after_phone.map(|c| c())}
        <TextField id="code" label=Msg::FieldCode value=f.code error=f.code_err autocomplete="one-time-code"
            inputmode="numeric" maxlength=8 on_blur=Callback::new(move |()| f.check_code())>
            <SendCodeButton phone=f.phone purpose phone_error_out=f.phone_err notice=f.notice />
        </TextField>
        <TextField id="password" label=password_label value=f.password error=f.password_err input_type="password"
            autocomplete="new-password" hint=Msg::PasswordHint on_blur=Callback::new(move |()| f.check_password()) />
        <PasswordStrength password=f.password />
        <TextField id="confirm-password" label=Msg::FieldConfirmPassword value=f.confirm error=f.confirm_err
            input_type="password" autocomplete="new-password" on_blur=Callback::new(move |()| f.check_confirm()) />
    }
}

/// The strength hint under a new password.
#[component]
pub fn PasswordStrength(password: RwSignal<String>) -> impl IntoView {
    use baoming_contract::password::{Strength, strength};
    move || {
        password.with(|p| {
            (!p.is_empty()).then(|| {
                let (class, msg) = match strength(p) {
                    Strength::Weak => ("bm-strength bm-strength--weak", Msg::StrengthWeak),
                    Strength::Fair => ("bm-strength bm-strength--fair", Msg::StrengthFair),
                    Strength::Strong => ("bm-strength bm-strength--strong", Msg::StrengthStrong),
                };
                view! { <p class=class aria-live="polite">{t(msg)}</p> }
            })
        })
    }
}
