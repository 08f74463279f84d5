//! The web root: SPA fallback, real 404s for missing files, cache and security headers.

mod common;

use axum::body::Body;
use axum::http::Request;
use baoming_server::clock::Clock;
use baoming_server::static_files::{CACHE_IMMUTABLE, content_security_policy};
use common::{TempDir, TestApp};

const INDEX: &str = "<!doctype html><title>报名</title><script>boot()</script>";
const WASM: &str = "/baoming-9f86d081884c7d65_bg.wasm";
const JS: &str = "/baoming-9f86d081884c7d65.js";

/// A Trunk-like `dist/` and an app serving it.
fn web_app() -> (TestApp, TempDir) {
    let web = TempDir::new("dist");
    let root = web.path();
    std::fs::write(root.join("index.html"), INDEX).unwrap();
    std::fs::write(root.join("config.json"), r#"{"api_base":"/api/v1"}"#).unwrap();
    std::fs::write(root.join(&JS[1..]), "export default 1;").unwrap();
    std::fs::write(root.join(&WASM[1..]), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(root.join("app-0123456789abcdef.css"), "body{}").unwrap();
    std::fs::write(root.join(format!("{}.br", &JS[1..])), b"brotli bytes").unwrap();
    std::fs::write(root.join("robots.txt"), "User-agent: *\n").unwrap();
    let dir = root.to_path_buf();
    let app = TestApp::build(Clock::system(), move |c| c.web_root = Some(dir));
    (app, web)
}

fn assert_html_headers(reply: &common::Reply) {
    assert_eq!(reply.header("content-type"), Some("text/html"));
    assert_eq!(reply.header("cache-control"), Some("no-cache"));
    let policy = reply.header("content-security-policy").unwrap_or_default();
    assert_eq!(policy, content_security_policy(INDEX));
    // The inline script by its hash, never 'unsafe-inline'.
    assert!(
        policy.contains("'sha256-") && !policy.contains("unsafe-inline"),
        "{policy}"
    );
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(reply.header("referrer-policy"), Some("no-referrer"));
}

#[tokio::test]
async fn client_routes_get_index_html() {
    let (app, _web) = web_app();
    for path in [
        "/",
        "/index.html",
        "/plans/x",
        "/applications/abc/wizard",
        "/plans/",
    ] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.text(), INDEX, "{path}");
        assert_html_headers(&reply);
    }
}

#[tokio::test]
async fn missing_files_with_an_extension_are_404() {
    let (app, _web) = web_app();
    for path in [
        "/missing.js",
        "/plans/x.css",
        "/baoming-0000000000000000_bg.wasm",
    ] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, 404, "{path}");
        assert!(!reply.text().contains("<!doctype"), "{path}");
    }
}

#[tokio::test]
async fn hashed_assets_are_immutable_and_the_rest_revalidates() {
    let (app, _web) = web_app();
    for path in [JS, WASM, "/app-0123456789abcdef.css"] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(
            reply.header("cache-control"),
            Some(CACHE_IMMUTABLE),
            "{path}"
        );
        assert_eq!(reply.header("content-security-policy"), None, "{path}");
    }
    assert_eq!(
        app.get(WASM).await.header("content-type"),
        Some("application/wasm")
    );

    let config = app.get("/config.json").await;
    assert_eq!(config.status, 200);
    assert_eq!(config.header("cache-control"), Some("no-cache"));
    assert_eq!(config.header("content-type"), Some("application/json"));

    let robots = app.get("/robots.txt").await;
    assert_eq!(robots.header("cache-control"), Some("no-cache"));
    assert_eq!(robots.header("x-content-type-options"), Some("nosniff"));
}

#[tokio::test]
async fn precompressed_siblings_are_served_when_accepted() {
    let (app, _web) = web_app();
    let br = app
        .send(
            Request::get(JS)
                .header("accept-encoding", "gzip, br")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(br.status, 200);
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert_eq!(br.text(), "brotli bytes");
    assert_eq!(br.header("cache-control"), Some(CACHE_IMMUTABLE));

    let plain = app.get(JS).await;
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.text(), "export default 1;");
}

#[tokio::test]
async fn without_a_web_root_only_the_api_is_served() {
    let app = TestApp::new();
    let reply = app.get("/").await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(app.get("/api/v1/health").await.status, 200);
}
