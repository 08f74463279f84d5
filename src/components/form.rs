//! Form fields: a visible `<label for>`, a required mark the screen reader does not read as
//! part of the name, and the error tied to the input with `aria-describedby`/`aria-invalid`.

use leptos::prelude::*;

use crate::i18n::{Msg, t, use_lang};

/// A labelled text input bound to `value`, with its error and optional hint.
#[component]
pub fn TextField(
    /// The input's id (also the prefix of its hint and error ids).
    id: &'static str,
    /// The label, as the seed words it.
    label: Msg,
    /// The live value.
    value: RwSignal<String>,
    /// The message to show under the field, if any.
    #[prop(into)]
    error: Signal<Option<Msg>>,
    /// `type` of the input.
    #[prop(default = "text")]
    input_type: &'static str,
    /// `autocomplete` token.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// `inputmode` for phone keyboards.
    #[prop(default = "text")]
    inputmode: &'static str,
    /// A hint shown under the field.
    #[prop(optional)]
    hint: Option<Msg>,
    /// `maxlength`.
    #[prop(optional)]
    maxlength: Option<u32>,
    /// Called when the field loses focus (validate on blur).
    #[prop(optional)]
    on_blur: Option<Callback<()>>,
    /// Something beside the input, such as 获取验证码.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let lang = use_lang();
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="bm-field" class:bm-field--invalid=move || error.get().is_some()>
            <label class="bm-field__label" for=id>
                <span class="bm-req" aria-hidden="true">"*"</span>
                {t(label)}
            </label>
            <div class="bm-field__row">
                <input
                    class="bm-input"
                    id=id
                    name=id
                    type=input_type
                    autocomplete=autocomplete
                    inputmode=inputmode
                    maxlength=maxlength
                    required=true
                    aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                    aria-describedby=described_by
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                    on:blur=move |ev| {
                        if let Some(cb) = on_blur && !leaving_for_button(&ev) {
                            cb.run(());
                        }
                    }
                />
                {children.map(|c| c())}
            </div>
            {hint.map(|h| view! { <p class="bm-field__hint" id=hint_id>{t(h)}</p> })}
            <p class="bm-field__error" id=error_id aria-live="polite">
                {move || error.get().map(|m| m.text(lang.get()))}
            </p>
        </div>
    }
}

/// Whether focus is moving to a button (注册, 获取验证码). Those validate what they need
/// anyway; validating on this blur would add or remove a message that shifts the button
/// away from under the pointer between press and release, and the click would be lost.
fn leaving_for_button(ev: &web_sys::FocusEvent) -> bool {
    use wasm_bindgen::JsCast;
    ev.related_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| el.tag_name().eq_ignore_ascii_case("button"))
}

/// Moves focus to the first invalid input of the page, so a failed submit lands the
/// keyboard and the screen reader on what to fix. Waits a frame: the error signals set just
/// before reach the DOM asynchronously.
pub fn focus_first_invalid() {
    use wasm_bindgen::JsCast;
    request_animation_frame(|| {
        if let Ok(Some(el)) = document().query_selector("[aria-invalid=true]") {
            // A group (性别, the condition) is not focusable: its first control is.
            let target = if el.tag_name().eq_ignore_ascii_case("fieldset") {
                el.query_selector("input, select, textarea, button")
                    .ok()
                    .flatten()
                    .unwrap_or(el)
            } else {
                el
            };
            let _ = target.unchecked_into::<web_sys::HtmlElement>().focus();
        }
    });
}
