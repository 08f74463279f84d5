//! Text whose language is not the page's: what people wrote (plan names, the candidate's
//! answers, reviewers' reasons) and the Chinese titles kept beside English ones. Marked with
//! `lang`, so that a screen reader on an English page reads it with a Chinese voice and a
//! browser does not offer to translate what must stay as written.

use baoming_contract::eligibility::Material;
use leptos::prelude::*;

use crate::i18n::{lang_of, material_name, use_lang};

/// Text as someone wrote it, with `lang="zh-CN"` when it is Chinese.
#[component]
pub fn Written(#[prop(into)] text: String) -> impl IntoView {
    let lang = lang_of(&text);
    view! { <span lang=lang>{text}</span> }
}

/// An upload slot's material in the page's language; in English, 申报表 keeps its Chinese
/// title beside the translation, marked as Chinese.
#[component]
pub fn MaterialName(material: Material) -> impl IntoView {
    let lang = use_lang();
    move || {
        let (name, title_zh) = material_name(material, lang.get());
        view! {
            {name}
            {title_zh.map(|zh| view! { " (" <span lang=lang_of(zh)>{zh}</span> ")" })}
        }
    }
}
