//! The built web app (Trunk's `dist/`), served at `/` with an SPA fallback.
//!
//! - Existing files are served as they are, with `.br`/`.gz` siblings when the browser
//!   accepts them.
//! - Paths without an extension that match no file (`/plans/x`) are client-side routes:
//!   they get `index.html` with 200 so a reload or a shared link works.
//! - Missing paths with an extension (`/missing.js`) are real misses: 404, so a broken asset
//!   link fails loudly instead of receiving HTML.
//! - Hashed assets are cached for a year; everything else revalidates (`no-cache`), above
//!   all `index.html` and `config.json`, which change in place on every deploy.
//! - HTML carries the Content-Security-Policy `cargo xtask csp` writes for other hosts,
//!   with the API on this same origin: index.html's inline scripts allowed by their hashes
//!   (read from the file on each answer, so a rebuild needs no restart).

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

/// The Content-Security-Policy sent with `index_html`: `baoming_contract::csp`, the policy
/// `cargo xtask csp` writes for other hosts, with the API on this origin. Markup the policy
/// would block is logged as an error: the page is then served under a policy without its
/// scripts, which fails loudly in the browser rather than running unprotected.
pub fn content_security_policy(index_html: &str) -> String {
    use baoming_contract::csp::{inline_script_hashes, policy};
    let hashes = inline_script_hashes(index_html).unwrap_or_else(|error| {
        tracing::error!(%error, "index.html: no Content-Security-Policy can allow it");
        Vec::new()
    });
    policy(&hashes, None)
}

/// `Cache-Control` for files whose name changes with their content.
pub const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` for everything else: keep a copy, but ask before using it.
pub const CACHE_REVALIDATE: &str = "no-cache";

/// A router serving `web_root`; mount it as the application's fallback.
pub fn router(web_root: &Path) -> Router {
    let index = ServeFile::new(web_root.join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    let spa_fallback = tower::service_fn(move |req: Request| spa_fallback(index.clone(), req));
    let files = ServeDir::new(web_root)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(spa_fallback);
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn_with_state(
            Arc::new(web_root.join("index.html")),
            cache_headers,
        ))
}

async fn spa_fallback(index: ServeFile, req: Request) -> Result<Response, Infallible> {
    if has_extension(req.uri().path()) {
        return Ok(StatusCode::NOT_FOUND.into_response());
    }
    let response = index.oneshot(req).await?;
    Ok(response.map(Body::new))
}

/// Whether the last path segment has a file extension (`/app-1a2b.js`, not `/plans/x`).
fn has_extension(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    // A leading dot (`.well-known`) names a hidden file, not an extension.
    last.char_indices().any(|(i, c)| c == '.' && i > 0)
}

/// Whether `path` names a file whose content hash is in its name, as Trunk writes them:
/// `app-<hash>.js`, `app-<hash>_bg.wasm`, `style-<hash>.css`. Trunk formats a 64-bit hash
/// with `{:x}`, which drops leading zeros, so shorter hashes occur; 12 digits or more keeps
/// names like `report-2026.js` out.
pub fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    if !matches!(ext, "js" | "mjs" | "wasm" | "css") {
        return false;
    }
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    let Some((base, hash)) = stem.rsplit_once('-') else {
        return false;
    };
    !base.is_empty()
        && (12..=16).contains(&hash.len())
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

async fn cache_headers(State(index): State<Arc<PathBuf>>, req: Request, next: Next) -> Response {
    let hashed = is_hashed_asset(req.uri().path());
    let mut response = next.run(req).await;
    let status = response.status();
    if !(status.is_success() || status == StatusCode::NOT_MODIFIED) {
        return response;
    }
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if hashed {
            CACHE_IMMUTABLE
        } else {
            CACHE_REVALIDATE
        }),
    );
    if is_html {
        // The only HTML of a Trunk build is index.html (also the SPA fallback's answer).
        let html = tokio::fs::read_to_string(index.as_path())
            .await
            .unwrap_or_default();
        if let Ok(policy) = HeaderValue::from_str(&content_security_policy(&html)) {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, policy);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_assets_are_recognised() {
        for yes in [
            "/baoming-9f86d081884c7d65.js",
            "/baoming-9f86d081884c7d65_bg.wasm",
            "/style-0123456789abcdef.css",
            "/assets/app-86d081884c7d.js",
        ] {
            assert!(is_hashed_asset(yes), "{yes}");
        }
        for no in [
            "/index.html",
            "/config.json",
            "/app.js",
            "/report-2026.js",
            "/-9f86d081884c7d65.js",
            "/app-9f86d081884c7d65.png",
            "/app-zzzzzzzzzzzzzzzz.js",
            "/app-9f86d081884c7d650.js",
        ] {
            assert!(!is_hashed_asset(no), "{no}");
        }
    }

    #[test]
    fn the_policy_lists_the_inline_scripts_by_hash() {
        let html = "<html><head><script>\r\n  boot();\r\n</script>\
            <!-- <script>commented()</script> -->\
            <script type=\"module\">import init from './app.js';</SCRIPT>\
            <script src=\"./x.js\"></script><scripts></scripts></head></html>";
        let both = content_security_policy(html);
        let hash = |script: &str| {
            let page = format!("<script>{script}</script>");
            baoming_contract::csp::inline_script_hashes(&page)
                .unwrap()
                .remove(0)
        };
        for script in ["\n  boot();\n", "import init from './app.js';"] {
            assert!(both.contains(&hash(script)), "{script:?}: {both}");
        }
        assert!(!both.contains(&hash("commented()")), "{both}");
        // "alert(1)" as every CSP document spells its hash.
        let policy = content_security_policy("<script>alert(1)</script>");
        assert!(
            policy.contains(
                "script-src 'self' 'wasm-unsafe-eval' \
                 'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI=';"
            ),
            "{policy}"
        );
        for directive in [
            "default-src 'none'",
            "connect-src 'self';",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(policy.contains(directive), "{directive}: {policy}");
        }
        assert!(!policy.contains("unsafe-inline"));
    }

    #[test]
    fn extensions_tell_files_from_routes() {
        assert!(has_extension("/missing.js"));
        assert!(has_extension("/a/b/c.json"));
        assert!(!has_extension("/plans/x"));
        assert!(!has_extension("/"));
        assert!(!has_extension("/.well-known"));
    }
}
