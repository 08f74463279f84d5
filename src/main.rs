//! Boots the app: panic hook, runtime config, mount. Nothing else lives here.

use baoming::{app::App, config, pages::config_error::ConfigErrorPage};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

fn main() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        // While the static shell is still up, swap its loading message for "页面加载失败".
        if let Some(html) = document().document_element() {
            let _ = html.class_list().add_1("bm-boot-failed");
        }
    }));
    // index.html's boot script shows the deployment's root as the page's URL while the page
    // loads (the CSP's base-uri 'none' rules out a <base> element): take the root, and put
    // the deep link back, before anything reads the URL.
    let page_root = boot_root();
    wasm_bindgen_futures::spawn_local(async move {
        let root = document()
            .get_element_by_id("app")
            .expect("index.html has #app")
            .unchecked_into::<web_sys::HtmlElement>();
        let loaded = config::load(&page_root).await;
        // The static shell (header and loading message) stays visible until the app is
        // ready to draw the same frame, so the page never flashes blank.
        root.set_inner_html("");
        match loaded {
            Ok(config) => leptos::mount::mount_to(root, move || view! { <App config /> }).forget(),
            Err(error) => {
                leptos::mount::mount_to(root, move || view! { <ConfigErrorPage error /> }).forget()
            }
        }
    });
}

/// Calls index.html's `__baomingRestoreUrl()`, which puts the deep link back into the
/// address bar and returns the deployment's root URL (`https://cdn.example.cn/baoming/`).
/// Without the boot script, the document's base URL.
fn boot_root() -> String {
    let window = window();
    js_sys::Reflect::get(
        &window,
        &wasm_bindgen::JsValue::from_str("__baomingRestoreUrl"),
    )
    .ok()
    .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    .and_then(|f| f.call0(&window).ok())
    .and_then(|root| root.as_string())
    .or_else(|| document().base_uri().ok().flatten())
    .unwrap_or_default()
}
