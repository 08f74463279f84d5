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
    wasm_bindgen_futures::spawn_local(async {
        let root = document()
            .get_element_by_id("app")
            .expect("index.html has #app")
            .unchecked_into::<web_sys::HtmlElement>();
        let loaded = config::load().await;
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
