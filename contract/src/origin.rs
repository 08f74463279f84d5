//! What an origin is: the one copy of the rule for every place that takes one from a person
//! or a URL — the backend's `--allowed-origin` and `--public-origin` and its same-origin
//! check, the conformance suite's `--origin`, and the Content-Security-Policy's
//! `connect-src` (xtask and the backend).
//!
//! The parsing is the WHATWG URL parser's (the `url` crate), the one browsers use to write
//! the `Origin` header: the scheme and host lower-cased, an internationalised host in
//! punycode, the scheme's default port dropped. So `https://Exam.Example.cn:443/` and
//! `https://exam.example.cn` are the same origin, as they are to a browser. Only `http` and
//! `https`; never credentials.

use url::Url;

/// Why a text is not an origin (or an http(s) URL), in words for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginError(pub String);

impl std::fmt::Display for OriginError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OriginError {}

/// An origin as typed (`https://Exam.example.cn:443/`, a trailing slash allowed) in the form
/// a browser sends it (`https://exam.example.cn`). A path, query, fragment, credentials or a
/// wildcard are refused: each means the person meant something else than an origin.
pub fn parse(text: &str) -> Result<String, OriginError> {
    let typed = text.trim();
    let bad = || {
        OriginError(format!(
            "origin `{typed}` must look like http(s)://host[:port]"
        ))
    };
    let url = http_url(typed).map_err(|_| bad())?;
    let plain = url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && !url.host_str().unwrap_or_default().contains('*')
        // The parser drops an empty query or fragment (`?`, `#`): refuse them as typed.
        && !typed.trim_end_matches('/').contains(['?', '#']);
    if !plain {
        return Err(bad());
    }
    Ok(url.origin().ascii_serialization())
}

/// The origin of an http(s) URL: `https://API.example.cn:8443/api/v1` →
/// `https://api.example.cn:8443`.
pub fn of_url(text: &str) -> Result<String, OriginError> {
    Ok(http_url(text.trim())?.origin().ascii_serialization())
}

/// An absolute http(s) URL with a host and without credentials.
pub fn http_url(text: &str) -> Result<Url, OriginError> {
    let url = Url::parse(text).map_err(|e| match e {
        url::ParseError::EmptyHost => OriginError(format!("{text} has no host")),
        _ => OriginError(format!(
            "{text:?} is not an http(s) URL (e.g. https://api.exam.example.cn)"
        )),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(OriginError(format!(
            "{text:?} is not an http(s) URL: only http:// and https:// are supported"
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(OriginError(format!("{text} has no host")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(OriginError(format!(
            "{text}: no user name or password in the URL"
        )));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_written_as_browsers_send_them() {
        for (typed, sent) in [
            ("https://exam.example.cn", "https://exam.example.cn"),
            ("https://Exam.Example.CN/", "https://exam.example.cn"),
            ("  https://exam.example.cn:443  ", "https://exam.example.cn"),
            ("http://127.0.0.1:80", "http://127.0.0.1"),
            ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
            ("HTTPS://[::1]:8443", "https://[::1]:8443"),
            ("https://报名.例子.cn", "https://xn--eqr925a.xn--fsqu00a.cn"),
        ] {
            assert_eq!(parse(typed).as_deref(), Ok(sent), "{typed}");
        }
    }

    #[test]
    fn what_is_not_an_origin_is_refused() {
        for bad in [
            "",
            "exam.example.cn",
            "ftp://exam.example.cn",
            "https://",
            "https://exam.example.cn/baoming",
            "https://exam.example.cn?",
            "https://exam.example.cn/#top",
            "https://user@exam.example.cn",
            "https://user:pw@exam.example.cn",
            "https://*.example.cn",
            "https://exam example.cn",
            "null",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_url_gives_its_origin() {
        assert_eq!(
            of_url("https://API.Exam.example.cn:8443/api/v1?x=1").as_deref(),
            Ok("https://api.exam.example.cn:8443")
        );
        assert_eq!(of_url("https://a.cn:443/").as_deref(), Ok("https://a.cn"));
        for bad in ["api.example.cn", "ftp://a.cn", "https://", "https://u@a.cn"] {
            assert!(of_url(bad).is_err(), "{bad}");
        }
    }
}
