//! The Content-Security-Policy a host sends with the built app's `index.html`: one copy,
//! used by the reference backend (`static_files`) and by `cargo xtask csp` (every other host,
//! and the journeys). Behind the `csp` feature: the web app never builds it.
//!
//! One build serves many backends, and `frame-ancestors` has no `<meta>` form, so the policy
//! is an HTTP header computed per deployment from two things: the inline scripts of
//! `index.html` (the boot script and Trunk's module loader, allowed by their SHA-256 instead
//! of `'unsafe-inline'`) and the backend's origin (`connect-src`, and `img-src` for the
//! thumbnails of uploaded documents). Everything else is fixed:
//!
//! - `script-src 'self' 'wasm-unsafe-eval' 'sha256-…'`: the JS glue and the module, compiled
//!   by the browser (`WebAssembly.instantiateStreaming` needs `'wasm-unsafe-eval'`);
//! - `style-src 'self'`: `main-<hash>.css` only; the app sets positions through CSSOM, never
//!   a `style` attribute or element;
//! - `img-src 'self' blob: data: <backend>`: the favicon, the portrait fixer's `blob:` URLs
//!   and canvas previews, and the backend's thumbnails;
//! - `connect-src 'self' <backend>`: `config.json`, the wasm (preload and fetch) and the API;
//! - `object-src 'none'`, `base-uri 'none'`, `frame-ancestors 'none'`, `form-action 'self'`.

use base64::Engine;
use sha2::{Digest, Sha256};

/// Why no policy can be made: a bad backend URL, or markup the policy would block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CspError(pub String);

impl std::fmt::Display for CspError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CspError {}

/// The header value, directives in a fixed order, separated by `; `.
pub fn policy(script_hashes: &[String], api_origin: Option<&str>) -> String {
    let backend = |mut sources: Vec<String>| {
        if let Some(origin) = api_origin {
            sources.push(origin.to_string());
        }
        sources.join(" ")
    };
    let mut script = vec!["'self'".to_string(), "'wasm-unsafe-eval'".to_string()];
    script.extend(script_hashes.iter().map(|h| format!("'{h}'")));
    let directives = [
        ("default-src", "'none'".to_string()),
        ("script-src", script.join(" ")),
        ("style-src", "'self'".to_string()),
        (
            "img-src",
            backend(vec!["'self'".into(), "blob:".into(), "data:".into()]),
        ),
        ("connect-src", backend(vec!["'self'".into()])),
        ("font-src", "'self'".to_string()),
        ("manifest-src", "'self'".to_string()),
        ("object-src", "'none'".to_string()),
        ("base-uri", "'none'".to_string()),
        ("form-action", "'self'".to_string()),
        ("frame-ancestors", "'none'".to_string()),
    ];
    directives
        .iter()
        .map(|(name, value)| format!("{name} {value}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// `https://API.example.cn:8443/api/v1` → `https://api.example.cn:8443`. Only http(s), and
/// only characters that cannot break out of a CSP source expression.
pub fn origin_of(url: &str) -> Result<String, CspError> {
    let origin = crate::origin::of_url(url).map_err(|e| CspError(e.0))?;
    // The WHATWG parser lets a few code points through in a host (`;`, `'`, `,`) that would
    // end a CSP source expression.
    let (_, authority) = origin.split_once("://").unwrap_or_default();
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
    if !authority.chars().all(ok) {
        return Err(CspError(format!(
            "{url:?}: the host may only hold letters, digits, '.', '-' and a port"
        )));
    }
    Ok(origin)
}

/// `sha256-<base64>` of every inline `<script>` of the page, in document order. Fails on
/// markup that a policy without `'unsafe-inline'` would block: inline event handlers,
/// `style` attributes or elements, `javascript:` URLs and `<base>` (`base-uri 'none'`).
pub fn inline_script_hashes(html: &str) -> Result<Vec<String>, CspError> {
    // The HTML parser turns CRLF and lone CR into LF before a script's text exists; the
    // browser hashes that text as UTF-8.
    let html = html.replace("\r\n", "\n").replace('\r', "\n");
    let mut hashes = Vec::new();
    let mut problems = Vec::new();
    for element in elements(&html)? {
        let name = element.name.as_str();
        for (attr, value) in &element.attrs {
            if attr.starts_with("on") {
                problems.push(format!("<{name} {attr}=…>: inline event handler"));
            } else if attr == "style" {
                problems.push(format!("<{name} style=…>: style attribute"));
            } else if matches!(attr.as_str(), "href" | "src" | "action" | "formaction")
                && value
                    .trim_start()
                    .to_ascii_lowercase()
                    .starts_with("javascript:")
            {
                problems.push(format!("<{name} {attr}=\"javascript:…\">"));
            }
        }
        match name {
            "script" if !element.attrs.iter().any(|(a, _)| a == "src") => {
                let text = element.text.as_deref().unwrap_or_default();
                let digest = Sha256::digest(text.as_bytes());
                hashes.push(format!(
                    "sha256-{}",
                    base64::engine::general_purpose::STANDARD.encode(digest)
                ));
            }
            "style" => problems.push("<style> element".to_string()),
            "base" => problems.push("<base> element (base-uri 'none' ignores it)".to_string()),
            _ => {}
        }
    }
    if !problems.is_empty() {
        return Err(CspError(format!(
            "markup that the Content-Security-Policy blocks: {}",
            problems.join(", ")
        )));
    }
    if hashes.is_empty() {
        return Err(CspError(
            "no inline <script>: is this Trunk's index.html?".to_string(),
        ));
    }
    Ok(hashes)
}

/// A start tag, with the raw text up to its end tag for `<script>` and `<style>`.
#[derive(Debug)]
struct Element {
    name: String,
    /// Lower-cased names, values as written (unescaped entities are irrelevant here).
    attrs: Vec<(String, String)>,
    text: Option<String>,
}

/// The start tags of a document, skipping comments, doctype and end tags: enough HTML for
/// Trunk's output and hand-written shells, not a general parser.
fn elements(html: &str) -> Result<Vec<Element>, CspError> {
    let bytes = html.as_bytes();
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(found) = html[pos..].find('<') {
        let at = pos + found;
        let rest = &html[at..];
        if rest.starts_with("<!--") {
            let end = rest
                .find("-->")
                .ok_or_else(|| CspError("an unterminated <!-- comment".to_string()))?;
            pos = at + end + 3;
            continue;
        }
        let next = bytes.get(at + 1).copied().unwrap_or(b' ');
        if next == b'!' || next == b'/' || next == b'?' {
            pos = at
                + rest
                    .find('>')
                    .ok_or_else(|| CspError("an unterminated tag".to_string()))?
                + 1;
            continue;
        }
        if !next.is_ascii_alphabetic() {
            pos = at + 1;
            continue;
        }
        let (element, tag_end) = start_tag(html, at + 1)?;
        pos = tag_end;
        let mut element = element;
        if matches!(element.name.as_str(), "script" | "style") {
            let close = format!("</{}", element.name);
            let end = lower[pos..]
                .find(&close)
                .ok_or_else(|| CspError(format!("<{}> without {close}>", element.name)))?;
            element.text = Some(html[pos..pos + end].to_string());
            pos += end;
            pos += html[pos..]
                .find('>')
                .ok_or_else(|| CspError("an unterminated end tag".to_string()))?
                + 1;
        }
        out.push(element);
    }
    Ok(out)
}

/// Parses the tag starting at `from` (just after `<`); returns it and the index after `>`.
fn start_tag(html: &str, from: usize) -> Result<(Element, usize), CspError> {
    let bytes = html.as_bytes();
    let is_space = |b: u8| b.is_ascii_whitespace();
    let mut i = from;
    while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'>' && bytes[i] != b'/' {
        i += 1;
    }
    let name = html[from..i].to_ascii_lowercase();
    let mut attrs = Vec::new();
    loop {
        while i < bytes.len() && (is_space(bytes[i]) || bytes[i] == b'/') {
            i += 1;
        }
        match bytes.get(i) {
            None => return Err(CspError(format!("<{name}: unterminated tag"))),
            Some(b'>') => {
                return Ok((
                    Element {
                        name,
                        attrs,
                        text: None,
                    },
                    i + 1,
                ));
            }
            Some(_) => {}
        }
        let start = i;
        while i < bytes.len() && !is_space(bytes[i]) && !matches!(bytes[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let attr = html[start..i].to_ascii_lowercase();
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
        }
        let mut value = String::new();
        if bytes.get(i) == Some(&b'=') {
            i += 1;
            while i < bytes.len() && is_space(bytes[i]) {
                i += 1;
            }
            match bytes.get(i) {
                Some(&q) if q == b'"' || q == b'\'' => {
                    let end = html[i + 1..]
                        .find(q as char)
                        .ok_or_else(|| CspError(format!("<{name} {attr}=: unterminated quote")))?;
                    value = html[i + 1..i + 1 + end].to_string();
                    i += end + 2;
                }
                _ => {
                    let start = i;
                    while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'>' {
                        i += 1;
                    }
                    value = html[start..i].to_string();
                }
            }
        }
        attrs.push((attr, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "<!doctype html>\n<html><head>\n<script>\n  boot();\n</script>\
        <!-- <script>commented()</script> -->\
        <link rel=\"stylesheet\" href=\"./main-0123456789abcdef.css\" integrity=\"sha384-x\"/>\
        <script type=\"module\">\nimport init from './app.js';\n</SCRIPT >\
        <link rel=\"modulepreload\" href=\"./app.js\"><script src=\"./other.js\"></script>\
        </head><body><p class='a'>x < y</p><noscript><p>JS</p></noscript></body></html>";

    fn sha256_b64(text: &str) -> String {
        format!(
            "sha256-{}",
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
        )
    }

    #[test]
    fn hashes_each_inline_script_exactly_as_written() {
        let hashes = inline_script_hashes(PAGE).unwrap();
        assert_eq!(
            hashes,
            [
                sha256_b64("\n  boot();\n"),
                sha256_b64("\nimport init from './app.js';\n"),
            ]
        );
        // A known vector: the SHA-256 of "alert(1)" as CSP spells it.
        assert_eq!(
            sha256_b64("alert(1)"),
            "sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI="
        );
        // CRLF is LF by the time the browser hashes.
        assert_eq!(
            inline_script_hashes("<script>\r\na()\r\n</script>").unwrap(),
            [sha256_b64("\na()\n")]
        );
    }

    #[test]
    fn refuses_markup_the_policy_would_block() {
        for page in [
            "<script>a()</script><button onclick=\"x()\">",
            "<script>a()</script><p style=\"color:red\">",
            "<script>a()</script><style>p{}</style>",
            "<script>a()</script><a href=\"javascript:x()\">",
            "<script>a()</script><base href=\"/\">",
        ] {
            assert!(inline_script_hashes(page).is_err(), "{page}");
        }
        assert!(inline_script_hashes("<p>no scripts</p>").is_err());
    }

    #[test]
    fn backend_origins_are_normalised_and_checked() {
        assert_eq!(
            origin_of("https://API.Exam.example.cn/api/v1").unwrap(),
            "https://api.exam.example.cn"
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8793").unwrap(),
            "http://127.0.0.1:8793"
        );
        assert_eq!(origin_of("https://a.cn:443/").unwrap(), "https://a.cn");
        for bad in [
            "api.example.cn",
            "ftp://a.cn",
            "https://",
            "https://user@a.cn",
            "https://a.cn;script-src *",
            "https://a.cn 'unsafe-inline'",
        ] {
            assert!(origin_of(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_policy_has_every_directive_the_app_needs_and_nothing_inline() {
        let policy = policy(
            &["sha256-AAA=".into(), "sha256-BBB=".into()],
            Some("https://api.exam.example.cn"),
        );
        assert_eq!(
            policy,
            "default-src 'none'; \
             script-src 'self' 'wasm-unsafe-eval' 'sha256-AAA=' 'sha256-BBB='; \
             style-src 'self'; \
             img-src 'self' blob: data: https://api.exam.example.cn; \
             connect-src 'self' https://api.exam.example.cn; \
             font-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'"
        );
        assert!(!policy.contains("unsafe-inline"));
        let same_origin = super::policy(&["sha256-AAA=".into()], None);
        assert!(same_origin.contains("connect-src 'self';"));
        assert!(same_origin.contains("img-src 'self' blob: data:;"));
    }
}
