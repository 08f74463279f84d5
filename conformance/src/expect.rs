//! Assertions every area's checks share: "a JSON answer with this status", "the error
//! envelope with this code". Each returns `Err(reason)` with a message a backend author can
//! act on; checks chain them with `?`.

use baoming_contract::error::{ErrorCode, ErrorEnvelope, FieldErrors};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::client::Response;

/// How much of a body a failure message quotes.
const EXCERPT_CHARS: usize = 200;

/// The first [`EXCERPT_CHARS`] characters of `body`, on one line, runs of white space and
/// control characters shown as one space.
pub fn excerpt(body: &str) -> String {
    let one_line = body
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let one_line = one_line.as_str();
    if one_line.is_empty() {
        return "(empty body)".to_owned();
    }
    match one_line.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &one_line[..cut]),
        None => one_line.to_owned(),
    }
}

/// Whether a `Content-Type` value is JSON: `application/json`, parameters (such as
/// `charset=utf-8`) allowed, case-insensitive.
pub fn is_json_content_type(value: &str) -> bool {
    let media_type = value.split(';').next().unwrap_or("").trim();
    media_type.eq_ignore_ascii_case("application/json")
}

/// The comma-separated tokens of every value of header `name`, trimmed and lower-cased.
pub fn header_tokens(resp: &Response, name: &str) -> Vec<String> {
    resp.headers_all(name)
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Whether `Cache-Control` forbids storing the answer.
pub fn forbids_storing(resp: &Response) -> bool {
    header_tokens(resp, "cache-control")
        .iter()
        .any(|t| t == "no-store")
}

/// What every API answer carries: `Content-Type: application/json` and
/// `Cache-Control: no-store` (answers describe this moment; nothing may reuse them).
pub fn api_headers(resp: &Response) -> Result<(), String> {
    match resp.header("content-type") {
        Some(ct) if is_json_content_type(ct) => {}
        Some(ct) => {
            return Err(format!(
                "{}: Content-Type is {ct:?}, expected application/json",
                resp.what
            ));
        }
        None => return Err(format!("{}: no Content-Type header", resp.what)),
    }
    if !forbids_storing(resp) {
        let got = resp.headers_all("cache-control").join(", ");
        return Err(format!(
            "{}: Cache-Control must contain no-store, got {}",
            resp.what,
            if got.is_empty() {
                "none".to_owned()
            } else {
                format!("{got:?}")
            }
        ));
    }
    Ok(())
}

/// The answer has `status`; otherwise the reason quotes the body.
pub fn status(resp: &Response, status: u16) -> Result<(), String> {
    if resp.status == status {
        Ok(())
    } else {
        Err(format!(
            "{}: status {}, expected {status}; body: {}",
            resp.what,
            resp.status,
            excerpt(&resp.body)
        ))
    }
}

/// A successful JSON answer: `status`, the API headers, and a body that is a `T` of the
/// contract.
pub fn json<T: DeserializeOwned>(resp: &Response, expected_status: u16) -> Result<T, String> {
    status(resp, expected_status)?;
    api_headers(resp)?;
    serde_json::from_str(&resp.body).map_err(|e| {
        format!(
            "{}: body is not a {} of the contract: {e}; body: {}",
            resp.what,
            short_type_name::<T>(),
            excerpt(&resp.body)
        )
    })
}

fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}

/// A `204 No Content` answer: an empty body, and `Cache-Control: no-store` like every API
/// answer (there is no body, so no `Content-Type` is asked for).
pub fn no_content(resp: &Response) -> Result<(), String> {
    status(resp, 204)?;
    ensure(resp.body.is_empty(), || {
        format!(
            "{}: a 204 has no body, got {}",
            resp.what,
            excerpt(&resp.body)
        )
    })?;
    ensure(forbids_storing(resp), || {
        format!("{}: Cache-Control must contain no-store", resp.what)
    })
}

/// The envelope's `fields` are exactly `expected` (field, reason) pairs.
pub fn fields_exactly(
    resp: &Response,
    env: &ErrorEnvelope,
    expected: &[(&str, &str)],
) -> Result<(), String> {
    let want: FieldErrors = expected
        .iter()
        .map(|(f, r)| ((*f).to_owned(), (*r).to_owned()))
        .collect();
    fields_are(resp, env, &want)
}

/// The envelope's `fields` are exactly `expected` (as the contract's validators return them);
/// the reason lists what is missing, unexpected or different.
pub fn fields_are(
    resp: &Response,
    env: &ErrorEnvelope,
    expected: &FieldErrors,
) -> Result<(), String> {
    let got = &env.error.fields;
    if got == expected {
        return Ok(());
    }
    let mut diff = Vec::new();
    for (field, reason) in expected {
        match got.get(field) {
            None => diff.push(format!("{field}={reason} missing")),
            Some(r) if r != reason => diff.push(format!("{field} is {r}, expected {reason}")),
            Some(_) => {}
        }
    }
    for (field, reason) in got {
        if !expected.contains_key(field) {
            diff.push(format!("{field}={reason} unexpected"));
        }
    }
    Err(format!(
        "{}: error.fields is {got:?}, expected {expected:?} ({})",
        resp.what,
        diff.join(", ")
    ))
}

/// The envelope's `fields.<field>` is `reason` (other fields may be present too).
pub fn field(
    resp: &Response,
    env: &ErrorEnvelope,
    field: &str,
    reason: &str,
) -> Result<(), String> {
    match env.error.fields.get(field) {
        Some(got) if got == reason => Ok(()),
        Some(got) => Err(format!(
            "{}: error.fields.{field} is {got:?}, expected {reason:?}",
            resp.what
        )),
        None => Err(format!(
            "{}: error.fields has no {field:?} (expected {reason:?}); fields: {:?}",
            resp.what, env.error.fields
        )),
    }
}

/// Checks `body` is the contract's error envelope, strictly: a JSON object whose only key is
/// `error`, holding `code` (a code the contract knows), `message` (a string), and, when
/// present, `fields` (an object of strings) and `retry_after_s` (a non-negative integer);
/// nothing else, and no `null` for an omitted part.
pub fn envelope_shape(body: &str) -> Result<ErrorEnvelope, String> {
    let value: Value =
        serde_json::from_str(body).map_err(|e| format!("error body is not JSON: {e}"))?;
    let top = value.as_object().ok_or("error body is not a JSON object")?;
    if let Some(extra) = top.keys().find(|k| *k != "error") {
        return Err(format!(
            "error envelope has key {extra:?}; only \"error\" is allowed"
        ));
    }
    let error = top
        .get("error")
        .ok_or("error envelope has no \"error\" key")?
        .as_object()
        .ok_or("\"error\" is not an object")?;
    for key in error.keys() {
        if !matches!(
            key.as_str(),
            "code" | "message" | "fields" | "retry_after_s"
        ) {
            return Err(format!(
                "error.{key} is not part of the contract (code, message, fields, retry_after_s)"
            ));
        }
    }
    let code = error
        .get("code")
        .ok_or("error.code is missing")?
        .as_str()
        .ok_or("error.code is not a string")?;
    let parsed: ErrorCode = serde_json::from_value(Value::String(code.to_owned()))
        .map_err(|e| format!("error.code {code:?} cannot be read: {e}"))?;
    if parsed == ErrorCode::Unknown {
        return Err(format!("error.code {code:?} is not a code of the contract"));
    }
    match error.get("message") {
        Some(Value::String(_)) => {}
        Some(_) => return Err("error.message is not a string".to_owned()),
        None => return Err("error.message is missing".to_owned()),
    }
    if let Some(fields) = error.get("fields") {
        let fields = fields
            .as_object()
            .ok_or("error.fields is present but not an object")?;
        if let Some((name, _)) = fields.iter().find(|(_, reason)| !reason.is_string()) {
            return Err(format!("error.fields.{name} is not a string"));
        }
    }
    if let Some(retry) = error.get("retry_after_s")
        && retry.as_u64().is_none()
    {
        return Err(format!(
            "error.retry_after_s is {retry}, expected a non-negative integer (omit it when there is none)"
        ));
    }
    serde_json::from_value(value).map_err(|e| format!("error envelope cannot be read: {e}"))
}

/// The error envelope with `code` and HTTP `status`, with the API headers; when it carries
/// `retry_after_s` the `Retry-After` header must say the same.
pub fn envelope(
    resp: &Response,
    expected_status: u16,
    code: ErrorCode,
) -> Result<ErrorEnvelope, String> {
    status(resp, expected_status)?;
    api_headers(resp)?;
    let env = envelope_shape(&resp.body)
        .map_err(|e| format!("{}: {e}; body: {}", resp.what, excerpt(&resp.body)))?;
    if env.error.code != code {
        return Err(format!(
            "{}: error.code is {}, expected {}",
            resp.what,
            code_name(env.error.code),
            code_name(code)
        ));
    }
    if let Some(seconds) = env.error.retry_after_s {
        match resp.header("retry-after") {
            Some(h) if h.trim() == seconds.to_string() => {}
            Some(h) => {
                return Err(format!(
                    "{}: Retry-After is {h:?} but error.retry_after_s is {seconds}",
                    resp.what
                ));
            }
            None => {
                return Err(format!(
                    "{}: error.retry_after_s is {seconds} but there is no Retry-After header",
                    resp.what
                ));
            }
        }
    }
    Ok(env)
}

/// The contract's envelope with `code` at the status the contract assigns to it.
pub fn envelope_for(resp: &Response, code: ErrorCode) -> Result<ErrorEnvelope, String> {
    envelope(resp, code.http_status(), code)
}

/// A code's wire name (`not_found`).
pub fn code_name(code: ErrorCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{code:?}"))
}

/// `Err(reason)` unless `cond`.
pub fn ensure(cond: bool, reason: impl FnOnce() -> String) -> Result<(), String> {
    if cond { Ok(()) } else { Err(reason()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            what: "GET http://h/api/v1/x".into(),
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_ascii_lowercase(), (*v).to_owned()))
                .collect(),
            body: body.into(),
            bytes: body.as_bytes().to_vec(),
        }
    }

    const JSON_NO_STORE: &[(&str, &str)] = &[
        ("Content-Type", "application/json"),
        ("Cache-Control", "no-store"),
    ];

    #[test]
    fn the_contracts_own_envelopes_pass() {
        let e =
            envelope_shape(r#"{"error":{"code":"not_found","message":"no such plan"}}"#).unwrap();
        assert_eq!(e.error.code, ErrorCode::NotFound);
        let e = envelope_shape(
            r#"{"error":{"code":"rate_limited","message":"x","fields":{"phone":"rate_limited"},"retry_after_s":42}}"#,
        )
        .unwrap();
        assert_eq!(e.error.retry_after_s, Some(42));
        assert_eq!(e.error.fields["phone"], "rate_limited");
        let e =
            envelope_shape(r#"{"error":{"code":"validation_failed","message":"","fields":{}}}"#)
                .unwrap();
        assert!(e.error.fields.is_empty());
    }

    #[test]
    fn envelopes_off_the_contract_are_refused_with_a_reason() {
        let cases = [
            ("not json", "not JSON"),
            ("[]", "not a JSON object"),
            (r#"{"message":"x"}"#, "only \"error\""),
            (r#"{}"#, "no \"error\""),
            (r#"{"error":"not_found"}"#, "not an object"),
            (
                r#"{"error":{"code":"not_found","message":"x"},"status":404}"#,
                "only \"error\"",
            ),
            (r#"{"error":{"message":"x"}}"#, "code is missing"),
            (
                r#"{"error":{"code":404,"message":"x"}}"#,
                "code is not a string",
            ),
            (
                r#"{"error":{"code":"brand_new","message":"x"}}"#,
                "not a code of the contract",
            ),
            (
                r#"{"error":{"code":"unknown","message":"x"}}"#,
                "not a code of the contract",
            ),
            (
                r#"{"error":{"code":"NotFound","message":"x"}}"#,
                "not a code",
            ),
            (r#"{"error":{"code":"not_found"}}"#, "message is missing"),
            (
                r#"{"error":{"code":"not_found","message":null}}"#,
                "not a string",
            ),
            (
                r#"{"error":{"code":"not_found","message":"x","fields":[]}}"#,
                "fields is present but not an object",
            ),
            (
                r#"{"error":{"code":"not_found","message":"x","fields":{"a":1}}}"#,
                "fields.a is not a string",
            ),
            (
                r#"{"error":{"code":"rate_limited","message":"x","retry_after_s":null}}"#,
                "non-negative integer",
            ),
            (
                r#"{"error":{"code":"rate_limited","message":"x","retry_after_s":"42"}}"#,
                "non-negative integer",
            ),
            (
                r#"{"error":{"code":"rate_limited","message":"x","retry_after_s":-1}}"#,
                "non-negative integer",
            ),
            (
                r#"{"error":{"code":"rate_limited","message":"x","retry_after_s":1.5}}"#,
                "non-negative integer",
            ),
            (
                r#"{"error":{"code":"rate_limited","message":"x","retryAfter":3}}"#,
                "error.retryAfter is not part",
            ),
        ];
        for (body, reason) in cases {
            let err = envelope_shape(body).expect_err(body);
            assert!(err.contains(reason), "{body}: {err}");
        }
    }

    #[test]
    fn an_envelope_answer_needs_status_code_and_headers() {
        let body = r#"{"error":{"code":"not_found","message":"no such plan"}}"#;
        let r = resp(404, JSON_NO_STORE, body);
        assert!(envelope(&r, 404, ErrorCode::NotFound).is_ok());
        assert!(envelope_for(&r, ErrorCode::NotFound).is_ok());
        let err = envelope(&r, 404, ErrorCode::Conflict).unwrap_err();
        assert!(
            err.contains("error.code is not_found, expected conflict"),
            "{err}"
        );
        let err = envelope(&r, 409, ErrorCode::NotFound).unwrap_err();
        assert!(err.contains("status 404, expected 409"), "{err}");

        let html = resp(
            404,
            &[("Content-Type", "text/html"), ("Cache-Control", "no-store")],
            body,
        );
        let err = envelope(&html, 404, ErrorCode::NotFound).unwrap_err();
        assert!(err.contains("Content-Type is \"text/html\""), "{err}");

        let cached = resp(404, &[("Content-Type", "application/json")], body);
        let err = envelope(&cached, 404, ErrorCode::NotFound).unwrap_err();
        assert!(err.contains("no-store"), "{err}");
    }

    #[test]
    fn no_content_is_204_empty_and_not_stored() {
        let no_store = &[("Cache-Control", "no-store")];
        assert!(no_content(&resp(204, no_store, "")).is_ok());
        assert!(
            no_content(&resp(200, no_store, ""))
                .unwrap_err()
                .contains("expected 204")
        );
        assert!(
            no_content(&resp(204, no_store, "{}"))
                .unwrap_err()
                .contains("has no body")
        );
        assert!(
            no_content(&resp(204, &[], ""))
                .unwrap_err()
                .contains("no-store")
        );
    }

    #[test]
    fn field_reasons_are_compared() {
        let body = r#"{"error":{"code":"validation_failed","message":"x","fields":{"phone":"required","code":"code_format"}}}"#;
        let r = resp(422, JSON_NO_STORE, body);
        let env = envelope_for(&r, ErrorCode::ValidationFailed).unwrap();
        assert!(field(&r, &env, "phone", "required").is_ok());
        assert!(
            field(&r, &env, "phone", "phone_not_mobile")
                .unwrap_err()
                .contains("fields.phone is \"required\"")
        );
        assert!(
            field(&r, &env, "password", "required")
                .unwrap_err()
                .contains("no \"password\"")
        );
        assert!(
            fields_exactly(&r, &env, &[("code", "code_format"), ("phone", "required")]).is_ok()
        );
        let err = fields_exactly(&r, &env, &[("phone", "required")]).unwrap_err();
        assert!(err.contains("code=code_format unexpected"), "{err}");
        let err = fields_exactly(
            &r,
            &env,
            &[("phone", "phone_not_mobile"), ("name", "required")],
        )
        .unwrap_err();
        assert!(err.contains("name=required missing"), "{err}");
        assert!(
            err.contains("phone is required, expected phone_not_mobile"),
            "{err}"
        );
    }

    #[test]
    fn retry_after_must_match_its_header() {
        let body = r#"{"error":{"code":"rate_limited","message":"x","retry_after_s":42}}"#;
        let mut headers = JSON_NO_STORE.to_vec();
        let missing = resp(429, &headers, body);
        assert!(
            envelope_for(&missing, ErrorCode::RateLimited)
                .unwrap_err()
                .contains("no Retry-After")
        );
        headers.push(("Retry-After", "41"));
        let wrong = resp(429, &headers, body);
        assert!(
            envelope_for(&wrong, ErrorCode::RateLimited)
                .unwrap_err()
                .contains("Retry-After is \"41\"")
        );
        headers.pop();
        headers.push(("Retry-After", "42"));
        assert!(envelope_for(&resp(429, &headers, body), ErrorCode::RateLimited).is_ok());
    }

    #[test]
    fn content_types_and_cache_control_are_parsed_loosely_but_correctly() {
        assert!(is_json_content_type("application/json"));
        assert!(is_json_content_type("Application/JSON; charset=utf-8"));
        assert!(!is_json_content_type("application/problem+json"));
        assert!(!is_json_content_type("text/json"));
        assert!(!is_json_content_type(""));
        let r = resp(
            200,
            &[
                ("Cache-Control", "private, No-Store"),
                ("Vary", "Origin, Accept"),
            ],
            "",
        );
        assert!(forbids_storing(&r));
        assert_eq!(header_tokens(&r, "vary"), ["origin", "accept"]);
        assert!(!forbids_storing(&resp(
            200,
            &[("Cache-Control", "no-cache")],
            ""
        )));
    }

    #[test]
    fn json_answers_are_read_as_contract_types() {
        let r = resp(
            200,
            JSON_NO_STORE,
            r#"{"status":"ok","version":"1","dev_mode":false}"#,
        );
        let h: baoming_contract::api::Health = json(&r, 200).unwrap();
        assert_eq!(h.status, "ok");
        let bad = resp(200, JSON_NO_STORE, r#"{"status":"ok"}"#);
        let err = json::<baoming_contract::api::Health>(&bad, 200).unwrap_err();
        assert!(err.contains("not a Health of the contract"), "{err}");
    }

    #[test]
    fn excerpts_are_short_and_on_one_line() {
        assert_eq!(excerpt(""), "(empty body)");
        assert_eq!(excerpt("a\nb"), "a b");
        assert_eq!(excerpt("  <p>\n\n    x\t</p> "), "<p> x </p>");
        let long = "界".repeat(500);
        let e = excerpt(&long);
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(e.ends_with('…'));
    }

    #[test]
    fn code_names_are_the_wire_names() {
        assert_eq!(code_name(ErrorCode::CrossSiteRequest), "cross_site_request");
        assert_eq!(code_name(ErrorCode::NotFound), "not_found");
    }
}
