//! Answers for requests no endpoint serves: always the JSON error envelope, never HTML.

use baoming_contract::error::ErrorCode;

use super::{Check, CheckResult, Ctx};
use crate::client::Request;
use crate::expect;

/// Paths under the API prefix that name no endpoint.
const UNKNOWN_PATHS: &[&str] = &["/conformance-no-such-endpoint", "/plans/a/b/c"];

pub fn checks() -> Vec<Check> {
    let area = "errors";
    vec![
        Check::new(
            area,
            "an unknown API path answers the 404 not_found envelope",
            unknown_path,
        ),
        Check::new(
            area,
            "a wrong method on /plans answers 405 with the validation_failed envelope",
            wrong_method,
        ),
    ]
}

fn unknown_path(ctx: &Ctx) -> CheckResult {
    for path in UNKNOWN_PATHS {
        let resp = ctx.client.get(path)?;
        expect::envelope_for(&resp, ErrorCode::NotFound)?;
    }
    Ok(())
}

fn wrong_method(ctx: &Ctx) -> CheckResult {
    // No `Origin`: this is a tool's request, not a browser's, so the cross-site guard must
    // let it through to the router.
    let resp = ctx.client.send(Request::new("DELETE", "/plans"))?;
    // The contract has no code for "method not allowed"; the request is wrong, so it is
    // `validation_failed`, with HTTP's own 405 status.
    expect::envelope(&resp, 405, ErrorCode::ValidationFailed)?;
    // HTTP requires a 405 to say which methods the path does support.
    let allow = expect::header_tokens(&resp, "allow");
    expect::ensure(allow.iter().any(|m| m == "get"), || {
        format!(
            "{}: the 405 needs an Allow header listing GET, got {allow:?}",
            resp.what
        )
    })
}
