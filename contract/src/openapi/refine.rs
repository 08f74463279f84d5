//! What utoipa's derives cannot say, written on the document's JSON: the error answers
//! every operation shares, the bounds of strings and lists (from the constants the
//! validators use, never retyped), the reasons `fields` carries, binary bodies.
//!
//! Only the document changes here; the wire format is the types'.

use serde_json::{Map, Value, json};

use crate::application::{DRAFT_MAX_HISTORY_ROWS, DRAFT_MAX_TEXT_CHARS};
use crate::auth::SMS_CODE_LEN;
use crate::error::ErrorCode;
use crate::photo::{DOCUMENT_MAX_BYTES, Sniffed};
use crate::review::{MAX_REASONS, REASON_MESSAGE_MAX_CHARS};

use super::{IDEMPOTENCY_KEY_HEADER, IDEMPOTENCY_KEY_MAX_LEN, REFUND_REASON_MAX_CHARS};

/// The operation WeChat Pay calls: it answers in WeChat's format, not the envelope.
const NOTIFY_PATH: &str = "/api/v1/payments/wechat/notify";
/// The media types uploads accept and downloads answer (read from the bytes): those
/// [`Sniffed::document_content_type`] stores.
fn document_types() -> Vec<&'static str> {
    [
        Sniffed::Jpeg,
        Sniffed::Png,
        Sniffed::Gif,
        Sniffed::WebP,
        Sniffed::Heic,
        Sniffed::Bmp,
        Sniffed::Pdf,
        Sniffed::Unknown,
    ]
    .into_iter()
    .filter_map(Sniffed::document_content_type)
    .collect()
}

pub(super) fn refine(doc: &mut Value) {
    shared_responses(doc);
    operations(doc);
    schemas(doc);
}

fn envelope() -> Value {
    json!({ "application/json": { "schema": { "$ref": "#/components/schemas/ErrorEnvelope" } } })
}

fn code(c: ErrorCode) -> String {
    serde_json::to_value(c)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .expect("an error code is a string")
}

/// `components.responses`: the error answers many operations share, by status.
fn shared_responses(doc: &mut Value) {
    let validation = code(ErrorCode::ValidationFailed);
    let unauthenticated = code(ErrorCode::Unauthenticated);
    let not_found = code(ErrorCode::NotFound);
    let unsupported = code(ErrorCode::UnsupportedMediaType);
    let too_large = code(ErrorCode::PayloadTooLarge);
    let cross_site = code(ErrorCode::CrossSiteRequest);
    let internal = code(ErrorCode::Internal);
    let unavailable = code(ErrorCode::Unavailable);
    doc["components"]["responses"] = json!({
        "Unauthenticated": {
            "description": format!("`{unauthenticated}`: no session (or reviewer token), or it expired or was revoked"),
            "content": envelope(),
        },
        "NotFound": {
            "description": format!("`{not_found}`: nothing with this id, or not the caller's (another candidate's resource answers the same)"),
            "content": envelope(),
        },
        "UnsupportedMediaType": {
            "description": format!("`{unsupported}`: the body is not `Content-Type: application/json`"),
            "content": envelope(),
        },
        "InvalidBody": {
            "description": format!("`{validation}`: the JSON does not parse or does not match the schema (the message names where), or breaks a rule named in `fields`; `{too_large}` (413) for a body over the backend's limit"),
            "content": envelope(),
        },
        "CrossSiteRequest": {
            "description": format!("`{cross_site}`: a state-changing request whose `Origin` is neither the backend's own nor an allowed origin (refused before anything else)"),
            "content": envelope(),
        },
        "Error": {
            "description": format!("Any other failure, always the envelope: `{too_large}` (413), `{internal}` (500), `{unavailable}` (503)"),
            "content": envelope(),
        },
    });
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/responses/{name}") })
}

/// Adds the shared answers an operation gives but its declaration leaves out.
fn operations(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if path == NOTIFY_PATH {
                notification(op);
                continue;
            }
            let secured = op["security"].as_array().is_some_and(|reqs| {
                !reqs.is_empty()
                    && reqs
                        .iter()
                        .all(|r| r.as_object().is_some_and(|r| !r.is_empty()))
            });
            let names_a_resource = path.contains('{');
            let json_body = op["requestBody"]["content"]
                .get("application/json")
                .is_some();
            idempotency_key(op);
            documents(op);
            let responses = op["responses"]
                .as_object_mut()
                .expect("every operation has responses");
            let mut add = |status: &str, name: &str| {
                responses.entry(status).or_insert_with(|| reference(name));
            };
            if ["post", "put", "delete", "patch"].contains(&method.as_str()) {
                add("403", "CrossSiteRequest");
            }
            if secured {
                add("401", "Unauthenticated");
            }
            if names_a_resource {
                add("404", "NotFound");
            }
            if json_body {
                add("415", "UnsupportedMediaType");
                add("422", "InvalidBody");
            }
            add("default", "Error");
        }
    }
}

/// The `Idempotency-Key` header: its bounds, and that it is required.
fn idempotency_key(op: &mut Value) {
    let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
        return;
    };
    for p in params {
        if p["name"] == IDEMPOTENCY_KEY_HEADER && p["in"] == "header" {
            // 1 to the maximum printable ASCII characters; surrounding spaces are ignored.
            p["schema"] = json!({
                "type": "string",
                "pattern": format!(r"^\s*[!-~]{{1,{IDEMPOTENCY_KEY_MAX_LEN}}}\s*$"),
            });
            p["required"] = json!(true);
        }
    }
}

fn binary() -> Value {
    json!({ "type": "string", "format": "binary" })
}

/// Documents are the bytes of any accepted type (the declarations name JPEG, the first).
fn documents(op: &mut Value) {
    let limit = format!(
        "at most {DOCUMENT_MAX_BYTES} bytes ({} MiB)",
        DOCUMENT_MAX_BYTES / (1024 * 1024)
    );
    let types = || -> Value {
        let mut content = Map::new();
        for t in document_types() {
            content.insert(t.into(), json!({ "schema": binary() }));
        }
        Value::Object(content)
    };
    if op["requestBody"]["content"].get("image/jpeg").is_some() {
        op["requestBody"]["content"] = types();
        op["requestBody"]["required"] = json!(true);
        let description = op["requestBody"]["description"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        op["requestBody"]["description"] = json!(format!("{description}; {limit}"));
    }
    if op["responses"]["200"]["content"]
        .get("image/jpeg")
        .is_some()
    {
        op["responses"]["200"]["content"] = types();
    }
}

/// WeChat Pay's callback: its body is a JSON object, its failures WeChat's own shape.
fn notification(op: &mut Value) {
    let description = op["requestBody"]["description"].clone();
    op["requestBody"] = json!({
        "description": description,
        "required": true,
        "content": { "application/json": { "schema": {
            "type": "object",
            "description": "WeChat Pay API v3 notification",
            "required": ["id", "create_time", "event_type", "resource_type", "resource"],
            "properties": {
                "id": { "type": "string" },
                "create_time": { "type": "string", "format": "date-time" },
                "event_type": { "type": "string", "examples": ["TRANSACTION.SUCCESS", "REFUND.SUCCESS"] },
                "resource_type": { "type": "string", "examples": ["encrypt-resource"] },
                "summary": { "type": "string" },
                "resource": {
                    "type": "object",
                    "required": ["algorithm", "ciphertext", "nonce"],
                    "properties": {
                        "algorithm": { "type": "string", "examples": ["AEAD_AES_256_GCM"] },
                        "ciphertext": { "type": "string", "contentEncoding": "base64" },
                        "associated_data": { "type": "string" },
                        "original_type": { "type": "string" },
                        "nonce": { "type": "string" },
                    },
                },
            },
        } } },
    });
    let failure = json!({ "application/json": { "schema": {
        "type": "object",
        "description": "WeChat's failure answer",
        "required": ["code", "message"],
        "properties": {
            "code": { "type": "string", "enum": ["FAIL"] },
            "message": { "type": "string" },
        },
    } } });
    if let Some(responses) = op["responses"].as_object_mut() {
        for (status, response) in responses.iter_mut() {
            if !status.starts_with('2') {
                response["content"] = failure.clone();
            }
        }
    }
}

fn property<'a>(doc: &'a mut Value, schema: &str, field: &str) -> &'a mut Value {
    let p = &mut doc["components"]["schemas"][schema]["properties"][field];
    assert!(p.is_object(), "{schema}.{field} is in the document");
    p
}

fn set(target: &mut Value, fields: Value) {
    let target = target.as_object_mut().expect("a schema object");
    for (k, v) in fields.as_object().expect("fields").clone() {
        target.insert(k, v);
    }
}

/// The reasons `fields` may carry: every [`crate::reason::Reason`] (sorted, each once).
pub(crate) fn field_reasons() -> Vec<&'static str> {
    let mut reasons: Vec<&'static str> = crate::reason::Reason::ALL.map(|r| r.code()).into();
    reasons.sort_unstable();
    reasons.dedup();
    reasons
}

fn schemas(doc: &mut Value) {
    // `FieldErrors` is a type alias of a BTreeMap; utoipa names the schema after the map.
    let schemas = doc["components"]["schemas"]
        .as_object_mut()
        .expect("schemas");
    schemas.remove("BTreeMap");
    schemas.insert(
        "FieldReason".into(),
        json!({
            "type": "string",
            "description": "Why a field was refused. The reasons this version answers are listed in `examples`; clients treat a reason they do not know as the field being invalid.",
            "examples": field_reasons(),
        }),
    );
    schemas.insert(
        "FieldErrors".into(),
        json!({
            "type": "object",
            "description": "Per-field reasons: the field's JSON path (`history.2.end`, `file`) to a machine-readable reason.",
            "additionalProperties": { "$ref": "#/components/schemas/FieldReason" },
            "propertyNames": { "type": "string" },
        }),
    );
    let fields = property(doc, "ErrorBody", "fields");
    fields["$ref"] = json!("#/components/schemas/FieldErrors");

    doc["components"]["schemas"]["Timestamp"]["description"] =
        json!("An instant, as an RFC 3339 date-time with its offset (whole seconds).");

    // Phones the backend answers are normalised; requests may carry the forms people paste.
    let national = crate::phone::DIGITS;
    let normalised = format!("^1[3-9][0-9]{{{}}}$", national - 2);
    let answered = json!({ "pattern": normalised, "minLength": national, "maxLength": national });
    set(property(doc, "Account", "phone"), answered.clone());
    set(
        property(doc, "AdminApplication", "candidate_phone"),
        answered,
    );
    let typed = json!({
        "minLength": 1,
        "description": format!(
            "A mainland mobile number, {national} digits `1[3-9]…`; spaces, dashes, parentheses and a `+86`/`0086` prefix are ignored"),
    });
    for schema in [
        "SmsCodeRequest",
        "RegisterRequest",
        "LoginRequest",
        "PasswordResetRequest",
    ] {
        set(property(doc, schema, "phone"), typed.clone());
    }

    let new_password = json!({
        "minLength": crate::password::MIN_CHARS,
        "maxLength": crate::password::MAX_BYTES,
        "pattern": r"^(?=[\s\S]*\p{L})(?=[\s\S]*[0-9])",
        "description": format!(
            "{} to {} characters (at most {} bytes of UTF-8) with at least one letter and one digit",
            crate::password::MIN_CHARS,
            crate::password::MAX_BYTES,
            crate::password::MAX_BYTES,
        ),
    });
    for schema in ["RegisterRequest", "PasswordResetRequest"] {
        set(property(doc, schema, "password"), new_password.clone());
    }
    set(
        property(doc, "LoginRequest", "password"),
        json!({ "minLength": 1 }),
    );
    let sms_code = json!({
        "pattern": format!(r"^\s*(?:[0-9]\s*){{{SMS_CODE_LEN}}}$"),
        "description": format!("The {SMS_CODE_LEN}-digit SMS code (whitespace ignored)"),
    });
    for schema in ["RegisterRequest", "PasswordResetRequest"] {
        set(property(doc, schema, "code"), sms_code.clone());
    }

    // Saved drafts are bounded (`application::check_draft_bounds`).
    let text = json!({ "maxLength": DRAFT_MAX_TEXT_CHARS });
    for (schema, fields) in [
        (
            "Draft",
            &[
                "name",
                "id_number",
                "phone",
                "employer",
                "employer_address",
                "employer_hr_phone",
                "current_post",
            ][..],
        ),
        (
            "Certificate",
            &["name_and_level", "number", "issued_on", "issuer"][..],
        ),
        (
            "HistoryRow",
            &["start", "end", "unit", "occupation", "witness"][..],
        ),
    ] {
        for f in fields {
            set(property(doc, schema, f), text.clone());
        }
    }
    set(
        property(doc, "Draft", "history"),
        json!({ "maxItems": DRAFT_MAX_HISTORY_ROWS }),
    );
    set(
        property(doc, "Draft", "current_post_years"),
        json!({ "minimum": u8::MIN, "maximum": u8::MAX }),
    );

    set(
        property(doc, "ReviewReason", "message"),
        json!({ "minLength": 1, "maxLength": REASON_MESSAGE_MAX_CHARS }),
    );
    set(
        property(doc, "DecisionRequest", "reasons"),
        json!({ "maxItems": MAX_REASONS }),
    );
    set(
        property(doc, "RefundOrderRequest", "reason"),
        json!({ "minLength": 1, "maxLength": REFUND_REASON_MAX_CHARS }),
    );
}
