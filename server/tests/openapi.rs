//! The committed OpenAPI document must be the one the contract builds today.

use std::path::Path;

#[test]
fn committed_openapi_document_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/baoming-v1.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let current = baoming_contract::openapi::to_pretty_json();
    assert!(
        committed == current,
        "openapi/baoming-v1.json is stale: run `cargo xtask openapi`"
    );
}
