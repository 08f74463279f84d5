//! CORS for the configured web-app origin only, and the cross-site guard that refuses
//! state-changing requests from any other page.

use baoming_contract::api::IDEMPOTENCY_KEY_HEADER;
use baoming_contract::error::ErrorCode;

use super::{Check, CheckResult, Ctx, FOREIGN_ORIGIN};
use crate::client::{Request, Response};
use crate::expect;

/// A path under the API prefix that names no endpoint.
const UNKNOWN_PATH: &str = "/conformance-no-such-endpoint";

pub fn checks() -> Vec<Check> {
    let area = "cors";
    vec![
        Check::new(
            area,
            "a preflight from the allowed origin is allowed with credentials",
            allowed_preflight,
        )
        .needs_origin(),
        Check::new(
            area,
            "a GET from the allowed origin is readable with credentials",
            allowed_get,
        )
        .needs_origin(),
        Check::new(
            area,
            "an unsafe request from the allowed origin passes the cross-site guard",
            allowed_unsafe_passes,
        )
        .needs_origin(),
        Check::new(
            area,
            "a foreign origin is not granted Access-Control-Allow-Origin",
            foreign_not_granted,
        ),
        Check::new(
            area,
            "a cross-site POST is refused with 403 cross_site_request",
            cross_site_post_refused,
        ),
    ]
}

/// The answer lets a page from `origin` read it with the session cookie.
fn grants_with_credentials(resp: &Response, origin: &str) -> CheckResult {
    match resp.header("access-control-allow-origin") {
        Some(acao) if acao == origin => {}
        Some(acao) => {
            return Err(format!(
                "{}: Access-Control-Allow-Origin is {acao:?}, expected {origin:?}",
                resp.what
            ));
        }
        None => {
            return Err(format!(
                "{}: no Access-Control-Allow-Origin for {origin:?}",
                resp.what
            ));
        }
    }
    match resp.header("access-control-allow-credentials") {
        Some("true") => Ok(()),
        other => Err(format!(
            "{}: Access-Control-Allow-Credentials is {other:?}, expected \"true\" (the session is a cookie)",
            resp.what
        )),
    }
}

/// The answer grants `origin` nothing: no `Access-Control-Allow-Origin` naming it, `*` or
/// `null`. (A fixed value naming another origin is harmless, so it passes.)
fn grants_nothing(resp: &Response, origin: &str) -> CheckResult {
    match resp.header("access-control-allow-origin") {
        Some(acao) if acao == origin || acao.trim() == "*" || acao.trim() == "null" => {
            Err(format!(
                "{}: Access-Control-Allow-Origin is {acao:?} for a foreign origin",
                resp.what
            ))
        }
        _ => Ok(()),
    }
}

fn allowed_preflight(ctx: &Ctx) -> CheckResult {
    let origin = ctx.origin()?;
    let requested_headers = format!(
        "content-type, {}",
        IDEMPOTENCY_KEY_HEADER.to_ascii_lowercase()
    );
    let resp = ctx.client.send(
        Request::new("OPTIONS", "/plans")
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "PUT")
            .header("Access-Control-Request-Headers", &requested_headers),
    )?;
    expect::ensure((200..300).contains(&resp.status), || {
        format!(
            "{}: preflight status {}, expected 2xx",
            resp.what, resp.status
        )
    })?;
    grants_with_credentials(&resp, origin)?;
    let methods = expect::header_tokens(&resp, "access-control-allow-methods");
    expect::ensure(methods.iter().any(|m| m == "put"), || {
        format!(
            "{}: Access-Control-Allow-Methods {methods:?} does not allow PUT",
            resp.what
        )
    })?;
    let allowed = expect::header_tokens(&resp, "access-control-allow-headers");
    let idempotency_key = IDEMPOTENCY_KEY_HEADER.to_ascii_lowercase();
    let missing: Vec<&str> = ["content-type", idempotency_key.as_str()]
        .into_iter()
        .filter(|h| !allowed.iter().any(|a| a == h))
        .collect();
    expect::ensure(missing.is_empty(), || {
        format!(
            "{}: Access-Control-Allow-Headers {allowed:?} lacks {missing:?}",
            resp.what
        )
    })
}

fn allowed_get(ctx: &Ctx) -> CheckResult {
    let origin = ctx.origin()?;
    let resp = ctx
        .client
        .send(Request::get("/plans").header("Origin", origin))?;
    expect::status(&resp, 200)?;
    expect::api_headers(&resp)?;
    grants_with_credentials(&resp, origin)
}

fn allowed_unsafe_passes(ctx: &Ctx) -> CheckResult {
    let origin = ctx.origin()?;
    let resp = ctx.client.send(
        Request::new("POST", UNKNOWN_PATH)
            .header("Origin", origin)
            .json(&serde_json::json!({})),
    )?;
    // Past the guard, the router answers: this path names no endpoint.
    expect::envelope_for(&resp, ErrorCode::NotFound).map_err(|e| {
        format!("the allowed origin's POST should reach the router and get 404 not_found: {e}")
    })?;
    // And the page may read that error.
    grants_with_credentials(&resp, origin)
}

fn foreign_not_granted(ctx: &Ctx) -> CheckResult {
    let preflight = ctx.client.send(
        Request::new("OPTIONS", "/plans")
            .header("Origin", FOREIGN_ORIGIN)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type"),
    )?;
    grants_nothing(&preflight, FOREIGN_ORIGIN)?;
    let get = ctx
        .client
        .send(Request::get("/plans").header("Origin", FOREIGN_ORIGIN))?;
    grants_nothing(&get, FOREIGN_ORIGIN)
}

fn cross_site_post_refused(ctx: &Ctx) -> CheckResult {
    // A page's fetch() with JSON, and a plain HTML form post, which browsers send without
    // any preflight.
    let json = Request::new("POST", "/plans")
        .header("Origin", FOREIGN_ORIGIN)
        .json(&serde_json::json!({}));
    let form = Request::new("POST", "/plans")
        .header("Origin", FOREIGN_ORIGIN)
        .body("application/x-www-form-urlencoded", "a=1");
    for req in [json, form] {
        let resp = ctx.client.send(req)?;
        expect::envelope_for(&resp, ErrorCode::CrossSiteRequest)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_acao(acao: Option<&str>, acac: Option<&str>) -> Response {
        let mut headers = Vec::new();
        if let Some(v) = acao {
            headers.push(("access-control-allow-origin".to_owned(), v.to_owned()));
        }
        if let Some(v) = acac {
            headers.push(("access-control-allow-credentials".to_owned(), v.to_owned()));
        }
        Response {
            what: "OPTIONS x".into(),
            status: 200,
            headers,
            body: String::new(),
            bytes: Vec::new(),
        }
    }

    #[test]
    fn granting_needs_the_exact_origin_and_credentials() {
        let app = "https://app.example";
        assert!(grants_with_credentials(&with_acao(Some(app), Some("true")), app).is_ok());
        assert!(grants_with_credentials(&with_acao(Some("*"), Some("true")), app).is_err());
        assert!(grants_with_credentials(&with_acao(Some(app), None), app).is_err());
        assert!(grants_with_credentials(&with_acao(None, None), app).is_err());
    }

    #[test]
    fn foreign_origins_must_get_nothing_usable() {
        let evil = FOREIGN_ORIGIN;
        assert!(grants_nothing(&with_acao(None, None), evil).is_ok());
        assert!(grants_nothing(&with_acao(Some("https://app.example"), None), evil).is_ok());
        assert!(grants_nothing(&with_acao(Some(evil), None), evil).is_err());
        assert!(grants_nothing(&with_acao(Some("*"), None), evil).is_err());
        assert!(grants_nothing(&with_acao(Some("null"), None), evil).is_err());
    }
}
