//! Component tests in headless Chromium (`cargo xtask test` runs them with
//! wasm-bindgen-test-runner). Host-testable rules are tested on the host instead.
#![cfg(target_arch = "wasm32")]

use baoming::api::ApiError;
use baoming::components::feedback::ErrorPanel;
use baoming::i18n::Msg;
use baoming::pages::config_error::ConfigErrorPage;
use baoming::routes::ROUTE_ROOTS;
use leptos::{mount::mount_to, prelude::*, task::tick};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn container() -> web_sys::HtmlElement {
    let el = document().create_element("section").unwrap();
    document().body().unwrap().append_child(&el).unwrap();
    el.unchecked_into()
}

#[wasm_bindgen_test]
fn index_html_boot_script_knows_every_route_root() {
    let html = include_str!("../index.html");
    let start = html
        .find("var roots = [")
        .expect("boot script lists route roots")
        + "var roots = [".len();
    let end = start + html[start..].find(']').unwrap();
    let listed: Vec<&str> = html[start..end]
        .split(',')
        .map(|s| s.trim().trim_matches('"'))
        .collect();
    assert_eq!(listed, ROUTE_ROOTS, "index.html and src/routes.rs disagree");
}

#[wasm_bindgen_test]
async fn error_panel_offers_retry_for_retryable_errors_and_calls_back() {
    let root = container();
    let clicks = RwSignal::new(0);
    let _handle = mount_to(root.clone(), move || {
        view! {
            <ErrorPanel
                title=Msg::ErrorLoadPlans
                error=ApiError::Network
                on_retry=Callback::new(move |()| clicks.update(|n| *n += 1))
            />
        }
    });
    tick().await;
    let alert = root
        .query_selector("[role=alert]")
        .unwrap()
        .expect("an alert");
    let text = alert.text_content().unwrap_or_default();
    assert!(text.contains("认定计划加载失败"), "{text}");
    assert!(text.contains("网络连接失败"), "{text}");
    let button = root
        .query_selector("button")
        .unwrap()
        .expect("a retry button");
    assert_eq!(button.text_content().unwrap_or_default(), "重试");
    button.unchecked_into::<web_sys::HtmlElement>().click();
    tick().await;
    assert_eq!(clicks.get_untracked(), 1);
}

#[wasm_bindgen_test]
async fn error_panel_has_no_retry_when_retrying_cannot_help() {
    let root = container();
    let _handle = mount_to(root.clone(), move || {
        view! {
            <ErrorPanel
                title=Msg::ErrorLoadPlans
                error=ApiError::Decode("bad".into())
                on_retry=Callback::new(|()| {})
            />
        }
    });
    tick().await;
    assert!(root.query_selector("[role=alert]").unwrap().is_some());
    assert!(root.query_selector("button").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn config_error_page_is_readable_in_both_languages_with_details() {
    let root = container();
    let _handle = mount_to(root.clone(), move || {
        view! { <ConfigErrorPage error=baoming::config::ConfigError::Status(404) /> }
    });
    tick().await;
    let text = root.text_content().unwrap_or_default();
    assert!(text.contains("站点配置有误"), "{text}");
    assert!(text.contains("could not read its configuration"), "{text}");
    assert!(text.contains("HTTP 404"), "{text}");
}
