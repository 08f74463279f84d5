//! The deployment's runtime settings, read from `config.json` beside `index.html` before the
//! app mounts: one build, many backends.
//!
//! ```json
//! { "api_base": "/api/v1", "request_timeout_ms": 20000 }
//! ```
//! `request_timeout_ms` is optional (default 20 s, 1–120 s).
//! `api_base` is the URL of the backend's `/api/v1`, absolute (`https://exam.example.cn/api/v1`)
//! or relative to the page's base (`/api/v1`, `api/v1`).

use serde::Deserialize;

/// Settings the app runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeConfig {
    /// Absolute URL of the API root, without a trailing slash.
    pub api_base: String,
    /// The router's base path: `""` at the site root, `/baoming` under a sub-path.
    pub base_path: String,
    /// `request_timeout_ms`, when the deployment sets one (1–120 s).
    pub request_timeout: Option<std::time::Duration>,
}

/// Why the config could not be used. Shown to the deployer on a readable error page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// `config.json` answered with this HTTP status (404: it was not deployed).
    Status(u16),
    /// The request failed (offline, DNS, CORS).
    Unreachable(String),
    /// Not valid JSON, or fields of the wrong type.
    Invalid(String),
    /// `api_base` is missing, empty or not a URL.
    BadApiBase(String),
}

#[derive(Deserialize)]
struct RawConfig {
    api_base: Option<String>,
    request_timeout_ms: Option<u64>,
}

/// Parses the file's text and resolves `api_base` against `page_base` (the document's base
/// URL, absolute, ending in `/`).
pub fn parse(text: &str, page_base: &str) -> Result<RuntimeConfig, ConfigError> {
    let raw: RawConfig =
        serde_json::from_str(text).map_err(|e| ConfigError::Invalid(e.to_string()))?;
    let api_base = raw.api_base.unwrap_or_default();
    let api_base = api_base.trim();
    if api_base.is_empty() {
        return Err(ConfigError::BadApiBase(
            "api_base is missing or empty".into(),
        ));
    }
    let (origin, base_path) = split_origin(page_base)
        .ok_or_else(|| ConfigError::BadApiBase(format!("page base {page_base} is not absolute")))?;
    let resolved = if api_base.starts_with("http://") || api_base.starts_with("https://") {
        if split_origin(api_base).is_none() {
            return Err(ConfigError::BadApiBase(format!("{api_base} is not a URL")));
        }
        api_base.to_string()
    } else if api_base.starts_with("//") || api_base.contains("://") {
        return Err(ConfigError::BadApiBase(format!(
            "{api_base}: use http:// or https://"
        )));
    } else if api_base.starts_with('/') {
        format!("{origin}{api_base}")
    } else {
        format!("{origin}{base_path}{api_base}")
    };
    Ok(RuntimeConfig {
        api_base: resolved.trim_end_matches('/').to_string(),
        base_path: base_path.trim_end_matches('/').to_string(),
        request_timeout: raw
            .request_timeout_ms
            .map(|ms| std::time::Duration::from_millis(ms.clamp(1_000, 120_000))),
    })
}

/// `https://a.cn:8443/x/y/` → (`https://a.cn:8443`, `/x/y/`).
fn split_origin(url: &str) -> Option<(&str, &str)> {
    let scheme_end = url.find("://")? + 3;
    let host_len = url[scheme_end..]
        .find('/')
        .unwrap_or(url.len() - scheme_end);
    if host_len == 0 {
        return None;
    }
    let (origin, path) = url.split_at(scheme_end + host_len);
    Some((origin, if path.is_empty() { "/" } else { path }))
}

/// Fetches `config.json` from `page_base`, the deployment's root (index.html's boot script
/// tells it: see `main.rs`), and parses it.
pub async fn load(page_base: &str) -> Result<RuntimeConfig, ConfigError> {
    // Drop query and fragment: the base is a directory.
    let page_base = page_base.split(['?', '#']).next().unwrap_or_default();
    let page_base = match page_base.rfind('/') {
        Some(i) => &page_base[..=i],
        None => page_base,
    };
    let response = match take_boot_fetch().await {
        Some(answer) => answer,
        None => {
            gloo_net::http::Request::get(&format!("{page_base}config.json"))
                .cache(web_sys::RequestCache::NoCache)
                .send()
                .await
        }
    }
    .map_err(|e| ConfigError::Unreachable(e.to_string()))?;
    if !response.ok() {
        return Err(ConfigError::Status(response.status()));
    }
    let text = response
        .text()
        .await
        .map_err(|e| ConfigError::Unreachable(e.to_string()))?;
    parse(&text, page_base)
}

/// The answer to the `config.json` request index.html's boot script started while the wasm
/// was on its way (`window.__baomingConfig`, taken once), if it started one.
async fn take_boot_fetch() -> Option<Result<gloo_net::http::Response, gloo_net::Error>> {
    use wasm_bindgen::JsCast;
    let window = web_sys::window()?;
    let key = wasm_bindgen::JsValue::from_str("__baomingConfig");
    let pending = js_sys::Reflect::get(&window, &key).ok()?;
    let pending = pending.dyn_into::<js_sys::Promise>().ok()?;
    let _ = js_sys::Reflect::delete_property(&window, &key);
    Some(
        wasm_bindgen_futures::JsFuture::from(pending)
            .await
            .and_then(|raw| raw.dyn_into::<web_sys::Response>())
            .map(gloo_net::http::Response::from)
            .map_err(|error| {
                // A failed fetch rejects with a TypeError ("Failed to fetch").
                let text = match error.dyn_ref::<js_sys::Error>() {
                    Some(error) => String::from(error.message()),
                    None => format!("{error:?}"),
                };
                gloo_net::Error::GlooError(text)
            }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = "https://exam.example.cn/";
    const SUB: &str = "https://cdn.example.cn/baoming/";

    #[test]
    fn resolves_api_base_forms() {
        let table = [
            (
                r#"{"api_base":"/api/v1"}"#,
                ROOT,
                "https://exam.example.cn/api/v1",
                "",
            ),
            (
                r#"{"api_base":"/api/v1/"}"#,
                SUB,
                "https://cdn.example.cn/api/v1",
                "/baoming",
            ),
            (
                r#"{"api_base":"api/v1"}"#,
                SUB,
                "https://cdn.example.cn/baoming/api/v1",
                "/baoming",
            ),
            (
                r#"{"api_base":"https://api.example.cn/api/v1"}"#,
                SUB,
                "https://api.example.cn/api/v1",
                "/baoming",
            ),
            (
                r#"{"api_base":" http://127.0.0.1:8787/api/v1 ","extra":1}"#,
                ROOT,
                "http://127.0.0.1:8787/api/v1",
                "",
            ),
        ];
        for (text, base, api, path) in table {
            let c = parse(text, base).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            assert_eq!(c.api_base, api, "{text}");
            assert_eq!(c.base_path, path, "{text}");
        }
    }

    #[test]
    fn request_timeout_is_optional_and_bounded() {
        use std::time::Duration;
        let t = |text| parse(text, ROOT).unwrap().request_timeout;
        assert_eq!(t(r#"{"api_base":"/api/v1"}"#), None);
        assert_eq!(
            t(r#"{"api_base":"/api/v1","request_timeout_ms":3000}"#),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            t(r#"{"api_base":"/api/v1","request_timeout_ms":5}"#),
            Some(Duration::from_secs(1))
        );
    }

    #[test]
    fn broken_configs_say_what_is_wrong() {
        assert!(matches!(parse("", ROOT), Err(ConfigError::Invalid(_))));
        assert!(matches!(
            parse("<html>", ROOT),
            Err(ConfigError::Invalid(_))
        ));
        assert!(matches!(
            parse(r#"{"api_base": 5}"#, ROOT),
            Err(ConfigError::Invalid(_))
        ));
        assert!(matches!(parse("{}", ROOT), Err(ConfigError::BadApiBase(_))));
        assert!(matches!(
            parse(r#"{"api_base":"  "}"#, ROOT),
            Err(ConfigError::BadApiBase(_))
        ));
        assert!(matches!(
            parse(r#"{"api_base":"ftp://x/api"}"#, ROOT),
            Err(ConfigError::BadApiBase(_))
        ));
        assert!(matches!(
            parse(r#"{"api_base":"//x/api"}"#, ROOT),
            Err(ConfigError::BadApiBase(_))
        ));
        assert!(matches!(
            parse(r#"{"api_base":"https:///api"}"#, ROOT),
            Err(ConfigError::BadApiBase(_))
        ));
    }
}
