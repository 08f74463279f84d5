//! 证件信息上传: `PUT`, `GET` and `DELETE /applications/{id}/documents/{material}`.
//!
//! The body of a `PUT` is the file itself (any `Content-Type`: the type is read from the
//! bytes). The bytes go to [`FileStore`] under their SHA-256; the `documents` row names
//! them. Only the application's owner can read, replace or delete a file; for anyone else the
//! slot answers 404 like a missing application.
//!
//! The file is judged by the contract's rules, the browser's own ([`check_document_file`]):
//! its type and the pixel size it declares (read without decoding), its structure and
//! completeness, and the portrait's window, proportions and pixel size.
//!
//! The warnings the browser's checks found on the file (`?findings=too_dark,blurry`, the
//! contract's [`PhotoWarning`] codes) are stored with it and answered in
//! `DocumentInfo::findings`; a replacing upload replaces them too.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use axum::{Json, Router};
use baoming_contract::api::DocumentInfo;
use baoming_contract::eligibility::Material;
use baoming_contract::error::ErrorCode;
use baoming_contract::photo::{DOCUMENT_MAX_BYTES, DocumentError, check_document_file};
use baoming_contract::photo_warning::{FINDINGS_PARAM, PhotoWarning};
use serde::Deserialize;

use super::applications::{ensure_editable, load_owned, write_tx};
use crate::AppState;
use crate::auth::CurrentAccount;
use crate::error::{ApiError, ApiResult};
use crate::extract::{PathParams, QueryParams};
use crate::files::FileStore;
use crate::secrets;
use crate::store::{applications, documents};

pub(crate) fn router() -> Router<AppState> {
    // Only this route takes bodies as large as a document; the rest keep axum's default.
    let body_limit = usize::try_from(DOCUMENT_MAX_BYTES).unwrap_or(usize::MAX);
    Router::new().route(
        "/applications/{application_id}/documents/{material}",
        put(upload_document)
            .get(get_document)
            .delete(delete_document)
            .layer(DefaultBodyLimit::max(body_limit)),
    )
}

/// The slot named in the path; an unknown one names no resource.
pub(crate) fn slot(slug: &str) -> ApiResult<Material> {
    Material::from_slug(slug).ok_or_else(|| ApiError::not_found("no such upload slot"))
}

fn too_large() -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("a document may be at most {DOCUMENT_MAX_BYTES} bytes"),
    )
}

/// The answer to a file the contract's arrival check refuses: 413 and 415 as their own
/// codes, every other rule `validation_failed` with its reason in `fields.file`.
fn refused(error: DocumentError) -> ApiError {
    let message = match error {
        DocumentError::TooLarge => return too_large(),
        DocumentError::UnsupportedType(found) => {
            return ApiError::new(
                ErrorCode::UnsupportedMediaType,
                format!("only JPEG and PNG are accepted; the bytes look like {found:?}"),
            );
        }
        DocumentError::Portrait(_) => "the portrait must be a JPEG of 40–80 KB",
        DocumentError::Corrupt => "the file starts like a JPEG or PNG but is not one",
        DocumentError::Truncated => "the file ends before its image does",
        DocumentError::BlankScan => "the image holds no picture",
        DocumentError::TooManyPixels => "the image declares more than 50 megapixels",
        DocumentError::PortraitProportion => "the portrait must be 25:35 (295 × 413 px)",
        DocumentError::PortraitLowResolution => "the portrait must be at least 295 × 413 pixels",
    };
    let validation = ApiError::validation(message);
    match error.reason() {
        Some(reason) => validation.with_field("file", reason),
        None => validation,
    }
}

/// The query of a `PUT`.
#[derive(Debug, Deserialize)]
struct UploadQuery {
    /// [`FINDINGS_PARAM`]: the warnings' codes, separated by commas.
    #[serde(default)]
    findings: Option<String>,
}

/// The warnings sent with an upload; a list the contract refuses answers 422 with its reason
/// in `fields.findings`.
fn sent_findings(list: Option<&str>) -> ApiResult<Vec<PhotoWarning>> {
    PhotoWarning::parse_list(list.unwrap_or_default()).map_err(|e| {
        ApiError::validation("findings must be warning codes of the photo checks, each once")
            .with_field(FINDINGS_PARAM, e.code())
    })
}

/// `PUT`: stores the file in the slot, replacing any earlier one.
async fn upload_document(
    State(state): State<AppState>,
    current: CurrentAccount,
    PathParams((id, slug)): PathParams<(String, String)>,
    QueryParams(query): QueryParams<UploadQuery>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<DocumentInfo>> {
    let material = slot(&slug)?;
    let account_id = current.account.id;
    // Ownership and status first, so nobody learns anything from the file checks about an
    // application that is not theirs; they are checked again when the row is written.
    let (owner, app_id) = (account_id.clone(), id.clone());
    state
        .db
        .call(move |conn| ensure_editable(&load_owned(conn, &owner, &app_id)?))
        .await?;
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            ApiError::validation(rejection.body_text())
        }
    })?;
    let findings = sent_findings(query.findings.as_deref())?;
    // The whole file, before anything is written: a refused file never replaces the slot's.
    let sniffed = check_document_file(material, &bytes).map_err(refused)?;
    let content_type = sniffed
        .document_content_type()
        .ok_or_else(|| ApiError::internal("an accepted type without a media type"))?;
    let sha256 = secrets::sha256_hex(&bytes);
    let size_bytes = bytes.len() as u64;
    let files = FileStore::in_data_dir(&state.config.data_dir);
    let writer = files.clone();
    let temp = tokio::task::spawn_blocking(move || writer.write_temp(&bytes))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let now = state.clock.now();
    let info = state
        .db
        .call(move |conn| {
            let tx = write_tx(conn)?;
            let app = load_owned(&tx, &account_id, &id)?;
            ensure_editable(&app)?;
            let info = DocumentInfo {
                material,
                content_type: content_type.to_owned(),
                size_bytes,
                sha256,
                uploaded_at: now,
                findings,
            };
            let replaced = documents::upsert(&tx, &app.id, &info)?;
            applications::touch(&tx, &app.id, now)?;
            // In place before the row is committed: a committed row always has its file.
            files
                .commit(temp, &info.sha256)
                .map_err(ApiError::internal)?;
            tx.commit()?;
            if let Some(old) = replaced {
                remove_if_unreferenced(conn, &files, &old.sha256);
            }
            Ok(info)
        })
        .await?;
    Ok(Json(info))
}

/// Deletes the file of `sha256` when no slot refers to it any more. A failure leaves an
/// orphan file, never a row without its file, so it is logged and not answered.
fn remove_if_unreferenced(conn: &rusqlite::Connection, files: &FileStore, sha256: &str) {
    match documents::references(conn, sha256) {
        Ok(0) => {
            if let Err(e) = files.remove(sha256) {
                tracing::warn!(error = %e, "cannot remove an unreferenced upload");
            }
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "cannot count an upload's references"),
    }
}

/// `GET`: the file, to its owner only.
async fn get_document(
    State(state): State<AppState>,
    current: CurrentAccount,
    PathParams((id, slug)): PathParams<(String, String)>,
) -> ApiResult<Response> {
    let material = slot(&slug)?;
    let account_id = current.account.id;
    let info = state
        .db
        .call(move |conn| {
            let app = load_owned(conn, &account_id, &id)?;
            documents::get(conn, &app.id, material)?
                .ok_or_else(|| ApiError::not_found("nothing is uploaded in this slot"))
        })
        .await?;
    document_response(&state, &info).await
}

/// The stored file of `info` as an answer that no cache keeps.
pub(crate) async fn document_response(
    state: &AppState,
    info: &DocumentInfo,
) -> ApiResult<Response> {
    let path = FileStore::in_data_dir(&state.config.data_dir)
        .path(&info.sha256)
        .map_err(ApiError::internal)?;
    let bytes = match tokio::fs::read(&path).await {
        Ok(bytes) => bytes,
        // Deleted or replaced since the row was read.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ApiError::not_found("nothing is uploaded in this slot"));
        }
        Err(e) => return Err(ApiError::internal(e)),
    };
    let content_type = HeaderValue::from_str(&info.content_type).map_err(ApiError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            // Identity documents: never kept by a browser or proxy cache.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("inline"),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `DELETE`: empties the slot (an empty slot answers 204 as well, so a retry is harmless).
async fn delete_document(
    State(state): State<AppState>,
    current: CurrentAccount,
    PathParams((id, slug)): PathParams<(String, String)>,
) -> ApiResult<StatusCode> {
    let material = slot(&slug)?;
    let account_id = current.account.id;
    let now = state.clock.now();
    let files = FileStore::in_data_dir(&state.config.data_dir);
    state
        .db
        .call(move |conn| {
            let tx = write_tx(conn)?;
            let app = load_owned(&tx, &account_id, &id)?;
            ensure_editable(&app)?;
            let removed = documents::delete(&tx, &app.id, material)?;
            if removed.is_some() {
                applications::touch(&tx, &app.id, now)?;
            }
            tx.commit()?;
            if let Some(old) = removed {
                remove_if_unreferenced(conn, &files, &old.sha256);
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
