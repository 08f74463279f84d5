//! Shown instead of the app when `config.json` is missing or broken: a readable page for the
//! candidate (both languages, since no preference is known yet) with details for the deployer.

use leptos::prelude::*;

use crate::config::ConfigError;
use crate::i18n::{Lang, Msg};

#[component]
pub fn ConfigErrorPage(error: ConfigError) -> impl IntoView {
    let detail = match &error {
        ConfigError::Status(code) => format!("GET config.json → HTTP {code}"),
        ConfigError::Unreachable(e) => format!("GET config.json failed: {e}"),
        ConfigError::Invalid(e) => format!("config.json is not valid: {e}"),
        ConfigError::BadApiBase(e) => format!("config.json api_base: {e}"),
    };
    let both = |m: Msg| format!("{} / {}", m.text(Lang::Zh), m.text(Lang::En));
    view! {
        <header class="bm-header">
            <div class="bm-header__inner">
                <span class="bm-brand">
                    <span class="bm-brand__title">{Msg::AppTitle.text(Lang::Zh)}</span>
                </span>
            </div>
        </header>
        <main id="main" class="bm-main">
            <section class="bm-alert bm-alert--error" role="alert">
                <h1 class="bm-alert__title">{Msg::ConfigErrorTitle.text(Lang::Zh)}</h1>
                <p>{Msg::ConfigErrorBody.text(Lang::Zh)}</p>
                <p lang="en">{Msg::ConfigErrorBody.text(Lang::En)}</p>
                <details>
                    <summary>{both(Msg::ConfigErrorDetail)}</summary>
                    <pre class="bm-pre">{detail}</pre>
                </details>
            </section>
        </main>
    }
}
