//! Just enough cookie handling for the session: reading `Set-Cookie` answers, a per-check
//! jar that sends them back as `Cookie:`, and the attributes the contract asks of the
//! session cookie.
//!
//! Not a browser's cookie store: no domains, paths or expiry dates are tracked. A check talks
//! to one backend, so every cookie it was given is sent back, and a `Set-Cookie` that deletes
//! a cookie (empty value or `Max-Age` ≤ 0) removes it.

use baoming_contract::api::{SESSION_COOKIE, SESSION_COOKIE_SECURE};

use crate::client::Response;

/// One `Set-Cookie` header value, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetCookie {
    pub name: String,
    pub value: String,
    /// Attributes in order, names lower-cased; a flag (`HttpOnly`) has an empty value.
    pub attributes: Vec<(String, String)>,
}

impl SetCookie {
    /// Parses `name=value; Attr; Attr=value`; `None` when there is no `name=` pair.
    pub fn parse(header: &str) -> Option<SetCookie> {
        let mut parts = header.split(';');
        let (name, value) = parts.next()?.split_once('=')?;
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        let value = value.trim();
        // A quoted value stands for what is inside the quotes (RFC 6265 §4.1.1).
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        let attributes = parts
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(|a| match a.split_once('=') {
                Some((n, v)) => (n.trim().to_ascii_lowercase(), v.trim().to_owned()),
                None => (a.to_ascii_lowercase(), String::new()),
            })
            .collect();
        Some(SetCookie {
            name: name.to_owned(),
            value: value.to_owned(),
            attributes,
        })
    }

    /// The value of attribute `name` (case-insensitive); `Some("")` for a flag.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether attribute `name` is present.
    pub fn has(&self, name: &str) -> bool {
        self.attribute(name).is_some()
    }

    /// `Max-Age` in seconds, when present and a number.
    pub fn max_age(&self) -> Option<i64> {
        self.attribute("max-age")?.parse().ok()
    }

    /// Whether this `Set-Cookie` deletes the cookie rather than setting it.
    pub fn deletes(&self) -> bool {
        self.value.is_empty() || self.max_age().is_some_and(|s| s <= 0)
    }

    /// Whether this is the session cookie, under either of the contract's names.
    pub fn is_session(&self) -> bool {
        self.name == SESSION_COOKIE || self.name == SESSION_COOKIE_SECURE
    }
}

/// Every `Set-Cookie` of an answer that parses.
pub fn set_cookies(resp: &Response) -> Vec<SetCookie> {
    resp.headers_all("set-cookie")
        .into_iter()
        .filter_map(SetCookie::parse)
        .collect()
}

/// The `Set-Cookie`s of an answer that set or delete the session cookie.
pub fn session_cookies(resp: &Response) -> Vec<SetCookie> {
    set_cookies(resp)
        .into_iter()
        .filter(SetCookie::is_session)
        .collect()
}

/// What is wrong with a session cookie that an answer sets, by the contract: `HttpOnly`,
/// `SameSite=Lax` (or the stricter `Strict`), `Path=/`, and with the `__Host-` name `Secure`
/// and no `Domain` (browsers drop it otherwise). Over HTTPS the `__Host-` name is required.
/// Empty when nothing is.
pub fn session_cookie_problems(cookie: &SetCookie, over_https: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let name = &cookie.name;
    if cookie.value.is_empty() {
        problems.push(format!("{name} has an empty value"));
    }
    if !cookie.has("httponly") {
        problems.push(format!("{name} lacks HttpOnly"));
    }
    match cookie.attribute("samesite") {
        Some(v) if v.eq_ignore_ascii_case("lax") || v.eq_ignore_ascii_case("strict") => {}
        Some(v) => problems.push(format!("{name} has SameSite={v}, expected Lax")),
        None => problems.push(format!("{name} lacks SameSite (expected SameSite=Lax)")),
    }
    match cookie.attribute("path") {
        Some("/") => {}
        Some(p) => problems.push(format!("{name} has Path={p}, expected Path=/")),
        None => problems.push(format!("{name} lacks Path=/")),
    }
    if name == SESSION_COOKIE_SECURE {
        if !cookie.has("secure") {
            problems.push(format!(
                "{name} lacks Secure, which the __Host- prefix requires"
            ));
        }
        if let Some(domain) = cookie.attribute("domain") {
            problems.push(format!(
                "{name} has Domain={domain}, which the __Host- prefix forbids"
            ));
        }
    } else if over_https {
        problems.push(format!(
            "over HTTPS the session cookie is {SESSION_COOKIE_SECURE} (with Secure), not {name}"
        ));
    }
    if cookie.max_age().is_some_and(|s| s <= 0) {
        problems.push(format!("{name} has Max-Age ≤ 0, which deletes it"));
    }
    problems
}

/// The cookies one check has been given, sent back with its requests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Jar {
    cookies: Vec<(String, String)>,
}

impl Jar {
    /// Stores (or, for a deleting one, removes) `cookie`.
    pub fn store(&mut self, cookie: &SetCookie) {
        self.cookies.retain(|(n, _)| *n != cookie.name);
        if !cookie.deletes() {
            self.cookies
                .push((cookie.name.clone(), cookie.value.clone()));
        }
    }

    /// Stores every `Set-Cookie` of `resp`.
    pub fn absorb(&mut self, resp: &Response) {
        for cookie in set_cookies(resp) {
            self.store(&cookie);
        }
    }

    /// The value of cookie `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The session cookie's value, under whichever name the backend uses.
    pub fn session(&self) -> Option<&str> {
        self.get(SESSION_COOKIE)
            .or_else(|| self.get(SESSION_COOKIE_SECURE))
    }

    pub fn is_empty(&self) -> bool {
        self.cookies.is_empty()
    }

    /// The `Cookie:` header value (`a=1; b=2`), or `None` when the jar is empty.
    pub fn header(&self) -> Option<String> {
        (!self.is_empty()).then(|| {
            self.cookies
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_set_cookies(values: &[&str]) -> Response {
        Response {
            what: "POST x".into(),
            status: 200,
            headers: values
                .iter()
                .map(|v| ("set-cookie".to_owned(), (*v).to_owned()))
                .collect(),
            body: String::new(),
            bytes: Vec::new(),
        }
    }

    #[test]
    fn set_cookie_values_are_parsed_with_their_attributes() {
        let c = SetCookie::parse(
            "baoming_session=abc-_123; HttpOnly; SameSite=Lax; Path=/; Max-Age=604800",
        )
        .unwrap();
        assert_eq!(c.name, "baoming_session");
        assert_eq!(c.value, "abc-_123");
        assert!(c.has("HTTPONLY") && !c.has("secure"));
        assert_eq!(c.attribute("samesite"), Some("Lax"));
        assert_eq!(c.attribute("Path"), Some("/"));
        assert_eq!(c.max_age(), Some(604_800));
        assert!(c.is_session() && !c.deletes());

        let quoted = SetCookie::parse(r#"a="x y"; secure"#).unwrap();
        assert_eq!(quoted.value, "x y");
        assert_eq!(quoted.attribute("secure"), Some(""));
        let padded = SetCookie::parse(" b = 1 ;; path = / ").unwrap();
        assert_eq!((padded.name.as_str(), padded.value.as_str()), ("b", "1"));
        assert_eq!(padded.attribute("path"), Some("/"));
        // A value may itself hold `=`.
        assert_eq!(SetCookie::parse("t=a=b").unwrap().value, "a=b");

        assert_eq!(SetCookie::parse("no-pair; HttpOnly"), None);
        assert_eq!(SetCookie::parse("=value"), None);
        assert_eq!(SetCookie::parse(""), None);
        assert!(
            !SetCookie::parse("x_baoming_session=1")
                .unwrap()
                .is_session()
        );
        assert!(
            SetCookie::parse("__Host-baoming_session=1")
                .unwrap()
                .is_session()
        );
    }

    #[test]
    fn deleting_cookies_are_recognised() {
        assert!(SetCookie::parse("a=; Path=/").unwrap().deletes());
        assert!(SetCookie::parse("a=1; Max-Age=0").unwrap().deletes());
        assert!(SetCookie::parse("a=1; Max-Age=-5").unwrap().deletes());
        assert!(!SetCookie::parse("a=1; Max-Age=5").unwrap().deletes());
        assert!(!SetCookie::parse("a=1; Max-Age=soon").unwrap().deletes());
    }

    #[test]
    fn the_jar_sends_back_what_it_was_given_and_forgets_deleted_cookies() {
        let mut jar = Jar::default();
        assert_eq!(jar.header(), None);
        jar.absorb(&with_set_cookies(&[
            "baoming_session=tok1; HttpOnly; Path=/",
            "lang=zh; Path=/",
            "not a cookie",
        ]));
        assert_eq!(
            jar.header().as_deref(),
            Some("baoming_session=tok1; lang=zh")
        );
        assert_eq!(jar.session(), Some("tok1"));
        // A new value replaces the old one.
        jar.absorb(&with_set_cookies(&["baoming_session=tok2; Path=/"]));
        assert_eq!(jar.get("baoming_session"), Some("tok2"));
        assert_eq!(
            jar.header().as_deref(),
            Some("lang=zh; baoming_session=tok2")
        );
        // A deletion removes it.
        jar.absorb(&with_set_cookies(&["baoming_session=; Max-Age=0; Path=/"]));
        assert_eq!(jar.session(), None);
        assert_eq!(jar.header().as_deref(), Some("lang=zh"));
        jar.absorb(&with_set_cookies(&[
            "__Host-baoming_session=s; Secure; Path=/",
        ]));
        assert_eq!(jar.session(), Some("s"));
    }

    #[test]
    fn only_session_cookies_are_picked() {
        let resp = with_set_cookies(&[
            "lang=zh",
            "baoming_session=t; HttpOnly",
            "__Host-baoming_session=u; Secure",
        ]);
        let names: Vec<String> = session_cookies(&resp).into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["baoming_session", "__Host-baoming_session"]);
        assert!(session_cookies(&with_set_cookies(&[])).is_empty());
    }

    fn problems(header: &str, over_https: bool) -> Vec<String> {
        session_cookie_problems(&SetCookie::parse(header).unwrap(), over_https)
    }

    #[test]
    fn the_contracts_session_cookies_pass() {
        let plain = "baoming_session=tok; HttpOnly; SameSite=Lax; Path=/; Max-Age=604800";
        assert!(problems(plain, false).is_empty());
        let secure =
            "__Host-baoming_session=tok; HttpOnly; SameSite=Lax; Path=/; Max-Age=604800; Secure";
        assert!(problems(secure, false).is_empty());
        assert!(problems(secure, true).is_empty());
        // Strict is stricter than the contract asks, and harmless for a same-site app.
        assert!(
            problems(
                "baoming_session=t; httponly; samesite=strict; path=/",
                false
            )
            .is_empty()
        );
    }

    #[test]
    fn session_cookies_off_the_contract_say_why() {
        let has = |header: &str, over_https: bool, reason: &str| {
            let p = problems(header, over_https);
            assert!(
                p.iter().any(|m| m.contains(reason)),
                "{header}: {p:?} lacks {reason:?}"
            );
        };
        has(
            "baoming_session=t; SameSite=Lax; Path=/",
            false,
            "lacks HttpOnly",
        );
        has(
            "baoming_session=t; HttpOnly; Path=/",
            false,
            "lacks SameSite",
        );
        has(
            "baoming_session=t; HttpOnly; SameSite=None; Secure; Path=/",
            false,
            "SameSite=None",
        );
        has(
            "baoming_session=t; HttpOnly; SameSite=Lax",
            false,
            "lacks Path=/",
        );
        has(
            "baoming_session=t; HttpOnly; SameSite=Lax; Path=/api",
            false,
            "Path=/api",
        );
        has(
            "__Host-baoming_session=t; HttpOnly; SameSite=Lax; Path=/",
            false,
            "lacks Secure",
        );
        has(
            "__Host-baoming_session=t; HttpOnly; SameSite=Lax; Path=/; Secure; Domain=a.example",
            true,
            "Domain=a.example",
        );
        has(
            "baoming_session=t; HttpOnly; SameSite=Lax; Path=/",
            true,
            "over HTTPS",
        );
        has(
            "baoming_session=; HttpOnly; SameSite=Lax; Path=/",
            false,
            "empty value",
        );
        has(
            "baoming_session=t; HttpOnly; SameSite=Lax; Path=/; Max-Age=0",
            false,
            "Max-Age",
        );
    }
}
