//! The published OpenAPI 3.1 document, built from this crate's types.
//!
//! `openapi/baoming-v1.json` at the repository root is this document, pretty-printed; a test
//! in the reference backend fails when the committed file is stale
//! (`cargo xtask openapi` rewrites it).

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Baoming API", version = "1.0.0"),
    components(schemas(crate::error::ErrorEnvelope, crate::api::Health, crate::api::PlanList))
)]
struct ApiDoc;

/// The whole document.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document as committed: pretty JSON with a trailing newline.
pub fn to_pretty_json() -> String {
    let mut s = document().to_pretty_json().expect("the OpenAPI document serialises");
    s.push('\n');
    s
}
