//! `cargo xtask csp`: the Content-Security-Policy header a host sends with the built app's
//! `index.html`, from `dist/` (the policy itself: `baoming_contract::csp`, which the
//! reference backend sends too).
//!
//! One build serves many backends, and `frame-ancestors` has no `<meta>` form, so the policy
//! is an HTTP header computed per deployment from two things: the inline scripts of
//! `dist/index.html` (the boot script and Trunk's module loader, allowed by their SHA-256
//! instead of `'unsafe-inline'`) and the backend's origin (`connect-src`, and `img-src` for
//! the thumbnails of uploaded documents). Everything else is fixed:
//!
//! - `script-src 'self' 'wasm-unsafe-eval' 'sha256-…'`: the JS glue and the module, compiled
//!   by the browser (`WebAssembly.instantiateStreaming` needs `'wasm-unsafe-eval'`);
//! - `style-src 'self'`: `main-<hash>.css` only; the app sets positions through CSSOM, never
//!   a `style` attribute or element;
//! - `img-src 'self' blob: data: <backend>`: the favicon, the portrait fixer's `blob:` URLs
//!   and canvas previews, and the backend's thumbnails;
//! - `connect-src 'self' <backend>`: `config.json`, the wasm (preload and fetch) and the API;
//! - `object-src 'none'`, `base-uri 'none'`, `frame-ancestors 'none'`, `form-action 'self'`.
//!
//! The check that the app really runs under it is `tests/e2e/security.spec.ts`: every
//! journey is served with this header (see `test.rs`).

use std::path::Path;

use anyhow::{Context, Result};
pub use baoming_contract::csp::{inline_script_hashes, origin_of, policy};

/// The policy for the app in `dist` talking to the backend at `api_origin` (any URL of it;
/// only its origin counts), or only to its own origin when `None`.
pub fn policy_for_dist(dist: &Path, api_origin: Option<&str>) -> Result<String> {
    let index = dist.join("index.html");
    let html = std::fs::read_to_string(&index)
        .with_context(|| format!("reading {} (build the app first)", index.display()))?;
    let hashes = inline_script_hashes(&html).with_context(|| format!("in {}", index.display()))?;
    let origin = api_origin.map(origin_of).transpose()?;
    Ok(policy(&hashes, origin.as_deref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str =
        "<!doctype html>\n<html><head>\n<script>\n  boot();\n</script></head></html>";

    #[test]
    fn reads_the_built_index_html() {
        let dir = crate::test::TempDir::new("csp").unwrap();
        std::fs::write(dir.path().join("index.html"), PAGE).unwrap();
        let policy = policy_for_dist(dir.path(), Some("http://127.0.0.1:9/api/v1")).unwrap();
        let boot = inline_script_hashes("<script>\n  boot();\n</script>").unwrap();
        assert!(policy.contains(&boot[0]));
        assert!(policy.contains("connect-src 'self' http://127.0.0.1:9;"));
        assert!(policy_for_dist(&dir.path().join("missing"), None).is_err());
    }
}
