//! Extractors whose rejections are [`ApiError`]s, so a malformed body or path answers with
//! the JSON envelope instead of axum's plain-text rejection.

use std::net::{IpAddr, SocketAddr};

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use baoming_contract::error::ErrorCode;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::ApiError;

/// A JSON request body (`Content-Type: application/json`).
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    let code = match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
        _ => ErrorCode::ValidationFailed,
    };
    // axum's text names the offending JSON path and serde's reason, never the body itself.
    ApiError::new(code, rejection.body_text())
}

/// Path parameters. A value that does not decode (bad percent-encoding, wrong type) names no
/// resource, so it answers `not_found` like an unknown id would.
#[derive(Debug, Clone)]
pub struct PathParams<T>(pub T);

impl<S, T> FromRequestParts<S> for PathParams<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(PathParams(value)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                Err(ApiError::not_found(e.body_text()))
            }
            Err(other) => Err(ApiError::internal(other.body_text())),
        }
    }
}

/// Query parameters; a malformed query answers `validation_failed`.
#[derive(Debug, Clone)]
pub struct QueryParams<T>(pub T);

impl<S, T> FromRequestParts<S> for QueryParams<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(QueryParams(value)),
            Err(rejection) => Err(ApiError::validation(rejection.body_text())),
        }
    }
}

/// The client's address as rate limits see it: the TCP peer, unless the peer is a trusted
/// proxy ([`crate::config::Config::is_trusted_proxy`]); then `X-Forwarded-For` is read from
/// the right, skipping trusted proxies, and the first address that is not one is the client.
/// Entries further left were written by the client itself and could be forged to dodge the
/// per-client limit; a header from an untrusted peer is ignored for the same reason.
/// IPv6 clients count per /64, the block one subscriber gets. Without a peer (in-process
/// tests) every request shares the key `unknown`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        let client = peer.map(|peer| {
            client_behind_proxies(peer, &parts.headers, |a| state.config.is_trusted_proxy(a))
        });
        Ok(ClientAddr(
            client.map_or_else(|| "unknown".to_owned(), client_key),
        ))
    }
}

/// The client of a request from `peer`: `peer` itself unless it is trusted, else the
/// right-most `X-Forwarded-For` entry that is not trusted. A malformed entry stops the walk
/// (what lies left of it cannot be attributed), and so does running out of entries: then the
/// last trusted address is the best answer.
fn client_behind_proxies(
    peer: IpAddr,
    headers: &HeaderMap,
    trusted: impl Fn(IpAddr) -> bool,
) -> IpAddr {
    let mut client = peer;
    if !trusted(client) {
        return client;
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .collect();
    for entry in entries.into_iter().rev() {
        let Some(addr) = parse_forwarded(entry) else {
            break;
        };
        client = addr;
        if !trusted(addr) {
            break;
        }
    }
    client
}

/// An `X-Forwarded-For` entry: an address, possibly with a port (`[::1]:80`, `1.2.3.4:80`).
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .map(|a| a.to_canonical())
}

/// The rate-limit key of an address: IPv4 as is, IPv6 by its /64 prefix.
fn client_key(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn client_keys_group_ipv6_by_64() {
        assert_eq!(client_key("203.0.113.7".parse().unwrap()), "203.0.113.7");
        assert_eq!(
            client_key("::ffff:203.0.113.7".parse().unwrap()),
            "203.0.113.7"
        );
        assert_eq!(
            client_key("2001:db8:1:2:aaaa::1".parse().unwrap()),
            "2001:db8:1:2::/64"
        );
    }

    fn client(peer: &str, forwarded: &[&str], trusted: &[&str]) -> String {
        let mut headers = HeaderMap::new();
        for value in forwarded {
            headers.append("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        }
        let trusted: Vec<crate::config::IpNet> = trusted
            .iter()
            .map(|t| crate::config::IpNet::parse(t).unwrap())
            .collect();
        client_behind_proxies(peer.parse().unwrap(), &headers, |a| {
            trusted.iter().any(|net| net.contains(a))
        })
        .to_string()
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        // An untrusted peer's header is ignored, however it looks.
        assert_eq!(client("198.51.100.9", &["1.1.1.1"], &[]), "198.51.100.9");
        assert_eq!(
            client("198.51.100.9", &["1.1.1.1"], &["10.0.0.0/8"]),
            "198.51.100.9"
        );
        // From a trusted proxy: the right-most entry that is not a trusted proxy, across
        // several headers; forged entries to its left do not matter.
        assert_eq!(
            client(
                "10.0.0.2",
                &["6.6.6.6, 1.1.1.1", "10.0.0.7"],
                &["10.0.0.0/8"]
            ),
            "1.1.1.1"
        );
        assert_eq!(
            client("::1", &["9.9.9.9, [2001:db8::1]:443"], &["::1"]),
            "2001:db8::1"
        );
        assert_eq!(
            client("::ffff:127.0.0.1", &["203.0.113.5"], &["127.0.0.1"]),
            "203.0.113.5"
        );
        // Nothing usable: the proxy itself, or the last trusted address before garbage.
        assert_eq!(client("10.0.0.2", &[], &["10.0.0.0/8"]), "10.0.0.2");
        assert_eq!(
            client("10.0.0.2", &["1.1.1.1, garbage"], &["10.0.0.0/8"]),
            "10.0.0.2"
        );
        assert_eq!(
            client("10.0.0.2", &["10.0.0.3"], &["10.0.0.0/8"]),
            "10.0.0.3"
        );
    }
}
