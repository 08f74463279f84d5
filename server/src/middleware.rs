//! Layers around the whole application: request log, security headers, CORS, the `Host`
//! check, the cross-site guard and the panic net.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use baoming_contract::api::IDEMPOTENCY_KEY_HEADER;
use baoming_contract::error::ErrorCode;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::Config;
use crate::error::ApiError;

/// Logs one line per request: method, path, status and latency. Only the path is logged,
/// never the query, body or cookies, which may carry phone numbers, codes or sessions.
pub async fn log_requests(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(req).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(
        target: "baoming_server::request",
        %method,
        %path,
        status = response.status().as_u16(),
        latency_ms = format_args!("{latency_ms:.1}"),
        "request"
    );
    response
}

/// The header carrying the idempotency key, as a header name.
pub fn idempotency_key_header() -> HeaderName {
    // `from_bytes` lower-cases; the contract's spelling is a valid token.
    HeaderName::from_bytes(IDEMPOTENCY_KEY_HEADER.as_bytes())
        .expect("the contract's idempotency header is a valid header name")
}

/// CORS for the configured origins only (exact match), with credentials, because the
/// session travels in a cookie. With no origins configured no cross-origin call is allowed.
pub fn cors_layer(allowed_origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = allowed_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_credentials(true)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([header::CONTENT_TYPE, idempotency_key_header()])
        .expose_headers([header::RETRY_AFTER])
        .max_age(Duration::from_secs(600))
}

/// The origins, besides the server's own, whose unsafe requests are accepted.
#[derive(Debug, Clone)]
pub struct AllowedOrigins(pub Arc<[String]>);

/// Refuses state-changing requests that a browser sent from a foreign page.
///
/// CORS alone does not stop a cross-site form POST (it is sent, only its answer is hidden),
/// and `SameSite` cookies do not cover every browser in use, so unsafe methods with an
/// `Origin` that is neither ours nor allowed are answered 403 `cross_site_request` before
/// any handler runs. Requests without `Origin` (curl, server-to-server) pass: browsers
/// always send it on cross-origin unsafe requests.
pub async fn cross_site_guard(
    State(allowed): State<AllowedOrigins>,
    req: Request,
    next: Next,
) -> Response {
    if is_unsafe(req.method())
        && let Some(origin) = req.headers().get(header::ORIGIN)
        && !origin_permitted(origin, req.headers(), req.uri(), &allowed.0)
    {
        return ApiError::new(ErrorCode::CrossSiteRequest, "cross-site request refused")
            .into_response();
    }
    next.run(req).await
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

fn origin_permitted(
    origin: &HeaderValue,
    headers: &HeaderMap,
    uri: &Uri,
    allowed: &[String],
) -> bool {
    // Non-ASCII values are never a real origin; `null` (sandboxed frames, some redirects)
    // fails below, having no `scheme://`.
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let origin = origin.to_ascii_lowercase();
    if allowed.contains(&origin) {
        return true;
    }
    // HTTP/1 carries the authority in Host, HTTP/2 in the URI.
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| uri.authority().map(|a| a.as_str().to_owned()));
    let Some(host) = host else {
        return false;
    };
    // Same origin as the request: the page's origin with this request's authority, compared
    // as browsers compare origins (`https://x:443` is `https://x`). Only a serialised origin
    // (no path, no user) and a bare authority compare at all.
    let Ok(page) = url::Url::parse(&origin) else {
        return false;
    };
    if page.origin().ascii_serialization() != origin.trim_end_matches('/')
        || host.contains(['/', '@', '?', '#', '\\'])
    {
        return false;
    }
    url::Url::parse(&format!("{}://{host}", page.scheme()))
        .is_ok_and(|here| here.origin() == page.origin())
}

/// The `Host` values the backend answers, against DNS rebinding: a page on `evil.test`
/// whose name the attacker re-points at this backend's address talks to it as "same
/// origin", but its requests still say `Host: evil.test`.
///
/// Accepted: the host (and port) of a `--public-origin` or an `--allowed-origin`, a missing
/// port standing for the origin's default one; loopback hosts (`127.0.0.1:*`, `localhost:*`,
/// `[::1]:*`) in development mode, and also outside it while no public origin is configured,
/// so a fresh install and a proxy on the same machine that passes its upstream address as
/// `Host` (nginx's default) keep working (loopback names are never a rebinding vector: the
/// attacker's page would be on the attacker's name). A request with no `Host` at all (nor an
/// authority in its URI) passes: every browser sends one, so it cannot come from a
/// rebinding page; only non-browser clients (and in-process tests) omit it.
#[derive(Debug, Clone)]
pub struct HostPolicy {
    /// `(host, port)` pairs, lower-case, ports made explicit.
    hosts: Arc<[(String, u16)]>,
    loopback: bool,
}

impl HostPolicy {
    pub fn from_config(config: &Config) -> HostPolicy {
        let hosts: Vec<(String, u16)> = config
            .public_origins
            .iter()
            .chain(&config.allowed_origins)
            .filter_map(|origin| origin_host_port(origin))
            .collect();
        HostPolicy {
            hosts: hosts.into(),
            loopback: config.dev_mode || config.public_origins.is_empty(),
        }
    }

    /// Whether a request naming `host` (a `Host` header value) may be answered.
    pub fn permits(&self, host: &str) -> bool {
        let Some((name, port)) = split_host(&host.to_ascii_lowercase()) else {
            return false;
        };
        if self.loopback && is_loopback_name(&name) {
            return true;
        }
        self.hosts.iter().any(|(allowed, allowed_port)| {
            *allowed == name
                && port.map_or_else(
                    || *allowed_port == 80 || *allowed_port == 443,
                    |p| p == *allowed_port,
                )
        })
    }
}

/// `https://a.example:8443` → `("a.example", 8443)`; the scheme's port when none is given.
fn origin_host_port(origin: &str) -> Option<(String, u16)> {
    let url = url::Url::parse(origin).ok()?;
    let name = url.host_str()?;
    let name = name.strip_suffix('.').unwrap_or(name).to_string();
    Some((name, url.port_or_known_default()?))
}

/// `host[:port]` or `[v6][:port]` → the name (brackets kept) and the port if any.
///
/// By hand, not with a crate: a `Host` value is not a URL (the `url` crate would drop a
/// default port, so `x:80` and `x` would compare equal for an https origin), and the `http`
/// crate's `Authority` takes any text after the colon as a port (`x:http` would pass as `x`).
fn split_host(authority: &str) -> Option<(String, Option<u16>)> {
    let (name, port) = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (name, rest) = authority.split_at(end + 1);
        match rest {
            "" => (name, None),
            _ => (name, Some(rest.strip_prefix(':')?)),
        }
    } else {
        match authority.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (authority, None),
        }
    };
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() {
        return None;
    }
    let port = match port {
        Some(p) => Some(p.parse::<u16>().ok()?),
        None => None,
    };
    Some((name.to_owned(), port))
}

fn is_loopback_name(name: &str) -> bool {
    if name == "localhost" {
        return true;
    }
    let bare = name.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.to_canonical().is_loopback())
}

/// Refuses requests whose `Host` the [`HostPolicy`] does not accept with 421 Misdirected
/// Request and the `cross_site_request` envelope: the request comes from a foreign site's
/// page, and 421 says this server does not answer for that name (so no client retries it).
pub async fn host_guard(State(policy): State<HostPolicy>, req: Request, next: Next) -> Response {
    // HTTP/1 carries the authority in Host, HTTP/2 in the URI.
    let host = match req.headers().get(header::HOST) {
        Some(value) => Some(value.to_str().unwrap_or("")),
        None => req.uri().authority().map(|a| a.as_str()),
    };
    if let Some(host) = host
        && !policy.permits(host)
    {
        let mut response = ApiError::new(
            ErrorCode::CrossSiteRequest,
            "this backend does not answer for that Host (see --public-origin)",
        )
        .into_response();
        *response.status_mut() = StatusCode::MISDIRECTED_REQUEST;
        return response;
    }
    next.run(req).await
}

/// Turns a handler panic into the `internal` envelope instead of a dropped connection.
pub fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal("a request handler panicked").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn permitted(origin: &str, host: &str, allowed: &[&str]) -> bool {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        let allowed: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
        origin_permitted(
            &HeaderValue::from_str(origin).unwrap(),
            &headers,
            &Uri::from_static("/api/v1/x"),
            &allowed,
        )
    }

    #[test]
    fn own_and_allowed_origins_pass_others_do_not() {
        assert!(permitted("http://127.0.0.1:8787", "127.0.0.1:8787", &[]));
        assert!(permitted("https://Bao.example", "bao.example:443", &[]));
        assert!(permitted(
            "http://localhost:8080",
            "127.0.0.1:8787",
            &["http://localhost:8080"]
        ));
        assert!(!permitted(
            "http://evil.test",
            "127.0.0.1:8787",
            &["http://localhost:8080"]
        ));
        assert!(!permitted("http://127.0.0.1:9999", "127.0.0.1:8787", &[]));
        assert!(!permitted("null", "127.0.0.1:8787", &[]));
        // The scheme's default port, written or not, on either side.
        assert!(permitted("http://bao.example", "bao.example:80", &[]));
        assert!(!permitted("http://bao.example", "bao.example:443", &[]));
        assert!(permitted("http://[::1]:8787", "[::1]:8787", &[]));
        // Never a browser's Origin or Host: a path, a user, a second authority.
        assert!(!permitted("https://bao.example/app", "bao.example", &[]));
        assert!(!permitted(
            "https://bao.example",
            "evil.test@bao.example",
            &[]
        ));
        assert!(!permitted("https://bao.example", "bao.example/x", &[]));
    }

    fn policy(dev: bool, public: &[&str], allowed: &[&str]) -> HostPolicy {
        HostPolicy::from_config(&Config {
            dev_mode: dev,
            public_origins: public.iter().map(|s| s.to_string()).collect(),
            allowed_origins: allowed.iter().map(|s| s.to_string()).collect(),
            ..Config::default()
        })
    }

    #[test]
    fn hosts_of_configured_origins_pass_and_loopback_only_when_safe() {
        let p = policy(
            false,
            &["https://api.example.cn", "http://10.1.2.3:8787"],
            &["https://exam.example.cn"],
        );
        for ok in [
            "api.example.cn",
            "API.Example.cn:443",
            "api.example.cn.",
            "exam.example.cn",
            "10.1.2.3:8787",
        ] {
            assert!(p.permits(ok), "{ok}");
        }
        for refused in [
            "evil.test",
            "api.example.cn:8443",
            "api.example.cn.evil.test",
            "10.1.2.3",
            "127.0.0.1:8787",
            "localhost:8787",
            "",
            ":443",
            "[::1",
            "api.example.cn:http",
            "api.example.cn:99999",
            "user@api.example.cn",
            "api.example.cn/x",
        ] {
            assert!(!p.permits(refused), "{refused}");
        }
        // Development mode, or nothing public configured: loopback on any port.
        for p in [
            policy(true, &["https://api.example.cn"], &[]),
            policy(false, &[], &[]),
        ] {
            for ok in [
                "127.0.0.1:8787",
                "localhost:1",
                "[::1]:80",
                "127.0.0.2",
                "LOCALHOST",
            ] {
                assert!(p.permits(ok), "{ok}");
            }
            assert!(!p.permits("evil.test:8787"));
            assert!(!p.permits("localhost.evil.test"));
        }
    }

    #[test]
    fn only_state_changing_methods_are_guarded() {
        assert!(is_unsafe(&Method::POST));
        assert!(is_unsafe(&Method::PUT));
        assert!(is_unsafe(&Method::DELETE));
        assert!(is_unsafe(&Method::PATCH));
        assert!(!is_unsafe(&Method::GET));
        assert!(!is_unsafe(&Method::OPTIONS));
    }

    #[test]
    fn a_panic_becomes_the_internal_envelope() {
        let response = panic_response(Box::new("boom"));
        assert_eq!(response.status(), 500);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    }

    /// A `tracing` writer into a shared buffer.
    #[derive(Clone)]
    struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_request_log_holds_method_path_status_and_latency_only() {
        let captured = Captured(Arc::default());
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let app = axum::Router::new()
            .route("/api/v1/me", axum::routing::get(|| async { "ok" }))
            .layer(axum::middleware::from_fn(log_requests));
        // Secrets in every place a request can carry them.
        let request = Request::builder()
            .uri("/api/v1/me?token=SECRET-QUERY&phone=13800138000")
            .header(header::COOKIE, "baoming_session=SECRET-COOKIE")
            .header(header::AUTHORIZATION, "Bearer SECRET-BEARER")
            .body(axum::body::Body::from("{\"password\":\"SECRET-BODY\"}"))
            .unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let response = tracing::subscriber::with_default(subscriber, || {
            runtime.block_on(tower::ServiceExt::oneshot(app, request))
        })
        .unwrap();
        assert_eq!(response.status(), 200);

        let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = log.lines().collect();
        assert_eq!(lines.len(), 1, "{log}");
        let line = lines[0];
        let fields = line
            .split_once("baoming_server::request: request ")
            .map(|(_, rest)| rest)
            .unwrap_or_else(|| panic!("not a request line: {line}"));
        let names: Vec<&str> = fields
            .split(' ')
            .map(|field| field.split_once('=').map_or(field, |(name, _)| name))
            .collect();
        assert_eq!(names, ["method", "path", "status", "latency_ms"], "{line}");
        assert!(
            fields.starts_with("method=GET path=/api/v1/me status=200 latency_ms="),
            "{line}"
        );
        for secret in ["SECRET", "13800138000", "?", "baoming_session", "Bearer"] {
            assert!(!line.contains(secret), "{secret} in {line}");
        }
    }

    #[test]
    fn idempotency_header_matches_the_contract() {
        assert!(
            idempotency_key_header()
                .as_str()
                .eq_ignore_ascii_case(IDEMPOTENCY_KEY_HEADER)
        );
    }
}
