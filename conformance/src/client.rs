//! A tiny HTTP client over `ureq`: one request in, status + headers + body text out.
//!
//! HTTP error statuses are answers to check, not failures of the transport, so the agent is
//! built with `http_status_as_error(false)`; only a connection problem (refused, timed out,
//! not HTTP) is an `Err`. Redirects are not followed: a conformant API answers directly.

use std::time::Duration;

use baoming_contract::API_VERSION_PREFIX;

use crate::cookie::Jar;

/// How long one request may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(15);

/// One request to the API. Paths are relative to [`API_VERSION_PREFIX`] (`/plans`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl Request {
    pub fn new(method: &str, path: &str) -> Request {
        Request {
            method: method.to_owned(),
            path: path.to_owned(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn get(path: &str) -> Request {
        Request::new("GET", path)
    }

    /// Adds a request header.
    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sends the jar's cookies (`Cookie:`), if it holds any.
    pub fn cookies(self, jar: &Jar) -> Request {
        match jar.header() {
            Some(value) => self.header("Cookie", &value),
            None => self,
        }
    }

    /// Sends `value` as the JSON body (with `Content-Type: application/json`).
    pub fn json(self, value: &serde_json::Value) -> Request {
        self.body("application/json", &value.to_string())
    }

    /// Sends `body` with `Content-Type: content_type`.
    pub fn body(self, content_type: &str, body: &str) -> Request {
        self.bytes(content_type, body.as_bytes().to_vec())
    }

    /// Sends the bytes `body` (a file, say) with `Content-Type: content_type`.
    pub fn bytes(mut self, content_type: &str, body: Vec<u8>) -> Request {
        self.body = Some(body);
        self.header("Content-Type", content_type)
    }
}

/// What the backend answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// `METHOD url`, for messages.
    pub what: String,
    pub status: u16,
    /// Header names lower-cased, in the order received (repeated headers stay separate).
    pub headers: Vec<(String, String)>,
    /// The body as text (invalid UTF-8 replaced), for JSON answers and messages.
    pub body: String,
    /// The body's bytes as received (a downloaded file).
    pub bytes: Vec<u8>,
}

impl Response {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers_all(name).into_iter().next()
    }

    /// Every value of header `name` (case-insensitive).
    pub fn headers_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Joins the backend's base URL, the API prefix and `path` (which starts with `/`).
pub fn api_url(base_url: &str, path: &str) -> String {
    let path = if path.starts_with('/') || path.is_empty() {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    format!(
        "{}{API_VERSION_PREFIX}{path}",
        base_url.trim_end_matches('/')
    )
}

/// Percent-encodes one path segment: everything but RFC 3986's unreserved characters.
pub fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The backend under test.
pub struct Client {
    agent: ureq::Agent,
    base_url: String,
}

impl Client {
    /// A client for the backend at `base_url` (`http://127.0.0.1:8787`, no `/api/v1`).
    pub fn new(base_url: &str) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(TIMEOUT))
            // A fresh connection per request: a backend may answer an error before reading
            // a request's body and then close the connection, and a pooled connection would
            // turn that into a spurious "peer disconnected" on the next check.
            .max_idle_connections(0)
            .max_idle_connections_per_host(0)
            .user_agent(concat!("baoming-conformance/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Client {
            agent,
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The full URL of an API path.
    pub fn url(&self, path: &str) -> String {
        api_url(&self.base_url, path)
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Result<Response, String> {
        self.send(Request::get(path))
    }

    /// Sends `req`; `Err` only when no HTTP answer arrived.
    pub fn send(&self, req: Request) -> Result<Response, String> {
        let url = self.url(&req.path);
        let what = format!("{} {url}", req.method);
        let mut builder = ureq::http::Request::builder()
            .method(req.method.as_str())
            .uri(&url);
        for (name, value) in &req.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let result = match req.body {
            Some(body) => builder
                .body(body)
                .map_err(|e| format!("{what}: cannot build the request: {e}"))
                .and_then(|r| self.run(&what, r)),
            None => builder
                .body(())
                .map_err(|e| format!("{what}: cannot build the request: {e}"))
                .and_then(|r| self.run(&what, r)),
        };
        let mut response = result?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let bytes = response
            .body_mut()
            .read_to_vec()
            .map_err(|e| format!("{what}: cannot read the body: {e}"))?;
        Ok(Response {
            what,
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        })
    }

    fn run(
        &self,
        what: &str,
        req: ureq::http::Request<impl ureq::AsSendBody>,
    ) -> Result<ureq::http::Response<ureq::Body>, String> {
        self.agent.run(req).map_err(|e| match e {
            ureq::Error::Io(io) => format!("{what}: no answer: {io}"),
            other => format!("{what}: no answer: {other}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_under_the_api_prefix() {
        assert_eq!(
            api_url("http://127.0.0.1:8787", "/plans"),
            "http://127.0.0.1:8787/api/v1/plans"
        );
        assert_eq!(
            api_url("http://127.0.0.1:8787/", "/plans"),
            "http://127.0.0.1:8787/api/v1/plans"
        );
        assert_eq!(
            api_url("https://bao.example/backend//", "health"),
            "https://bao.example/backend/api/v1/health"
        );
        assert_eq!(api_url("http://h", ""), "http://h/api/v1");
    }

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(encode_segment("ecommerce-l2-2026q4"), "ecommerce-l2-2026q4");
        assert_eq!(encode_segment("a b/c?"), "a%20b%2Fc%3F");
        assert_eq!(encode_segment("计划"), "%E8%AE%A1%E5%88%92");
    }

    #[test]
    fn headers_are_found_case_insensitively() {
        let r = Response {
            what: "GET x".into(),
            status: 200,
            headers: vec![
                ("vary".into(), "origin".into()),
                ("content-type".into(), "application/json".into()),
                ("vary".into(), "accept-encoding".into()),
            ],
            body: String::new(),
            bytes: Vec::new(),
        };
        assert_eq!(r.header("Content-Type"), Some("application/json"));
        assert_eq!(r.headers_all("VARY"), ["origin", "accept-encoding"]);
        assert_eq!(r.header("x-missing"), None);
    }

    #[test]
    fn requests_carry_the_jars_cookies() {
        let empty = Request::get("/me").cookies(&Jar::default());
        assert!(empty.headers.is_empty());
        let mut jar = Jar::default();
        jar.store(&crate::cookie::SetCookie::parse("baoming_session=tok; Path=/").unwrap());
        let r = Request::get("/me").cookies(&jar);
        assert_eq!(
            r.headers,
            [("Cookie".to_owned(), "baoming_session=tok".to_owned())]
        );
    }

    #[test]
    fn requests_carry_json_bodies_with_their_type() {
        let r = Request::new("POST", "/plans").json(&serde_json::json!({}));
        assert_eq!(r.body.as_deref(), Some(b"{}".as_slice()));
        assert_eq!(
            r.headers,
            [("Content-Type".to_owned(), "application/json".to_owned())]
        );
    }

    #[test]
    fn requests_carry_bytes_as_they_are() {
        let file = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x80];
        let r = Request::new("PUT", "/x").bytes("image/jpeg", file.clone());
        assert_eq!(r.body, Some(file));
        assert_eq!(
            r.headers,
            [("Content-Type".to_owned(), "image/jpeg".to_owned())]
        );
    }
}
