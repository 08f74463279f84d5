//! The `documents` table: which file is in which slot. The bytes are in
//! [`crate::files::FileStore`].

use baoming_contract::api::DocumentInfo;
use baoming_contract::eligibility::Material;
use baoming_contract::photo_warning::PhotoWarning;
use baoming_contract::time::Timestamp;
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{enum_from_sql, enum_to_sql};

const COLUMNS: &str = "material, content_type, size_bytes, sha256, uploaded_at, findings";

fn from_row(row: &Row<'_>) -> rusqlite::Result<DocumentInfo> {
    let size: i64 = row.get(2)?;
    let findings: String = row.get(5)?;
    Ok(DocumentInfo {
        material: enum_from_sql(0, row.get(0)?)?,
        content_type: row.get(1)?,
        size_bytes: u64::try_from(size)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(2, Type::Integer, e.into()))?,
        sha256: row.get(3)?,
        uploaded_at: Timestamp(row.get(4)?),
        findings: stored_findings(&findings),
    })
}

/// The warnings stored as `PhotoWarning::list` wrote them. A code this build does not know
/// (written by a newer one) is left out rather than failing the whole application.
fn stored_findings(list: &str) -> Vec<PhotoWarning> {
    list.split(',')
        .filter_map(PhotoWarning::from_code)
        .collect()
}

/// The application's documents, in the contract's slot order.
pub fn list(conn: &Connection, application_id: &str) -> rusqlite::Result<Vec<DocumentInfo>> {
    let mut docs: Vec<DocumentInfo> = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM documents WHERE application_id = ?1"
        ))?
        .query_map([application_id], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    docs.sort_by_key(|d| d.material);
    Ok(docs)
}

/// The slots that hold a file.
pub fn materials(conn: &Connection, application_id: &str) -> rusqlite::Result<Vec<Material>> {
    Ok(list(conn, application_id)?
        .into_iter()
        .map(|d| d.material)
        .collect())
}

/// The document in one slot.
pub fn get(
    conn: &Connection,
    application_id: &str,
    material: Material,
) -> rusqlite::Result<Option<DocumentInfo>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM documents WHERE application_id = ?1 AND material = ?2"
    ))?
    .query_row(params![application_id, enum_to_sql(&material)?], from_row)
    .optional()
}

/// Puts `doc` in its slot, replacing what was there; returns the replaced document.
pub fn upsert(
    conn: &Connection,
    application_id: &str,
    doc: &DocumentInfo,
) -> rusqlite::Result<Option<DocumentInfo>> {
    let previous = get(conn, application_id, doc.material)?;
    let size = i64::try_from(doc.size_bytes)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    conn.prepare_cached(
        "INSERT INTO documents
             (application_id, material, sha256, content_type, size_bytes, uploaded_at, findings)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (application_id, material) DO UPDATE SET
             sha256 = excluded.sha256, content_type = excluded.content_type,
             size_bytes = excluded.size_bytes, uploaded_at = excluded.uploaded_at,
             findings = excluded.findings",
    )?
    .execute(params![
        application_id,
        enum_to_sql(&doc.material)?,
        doc.sha256,
        doc.content_type,
        size,
        doc.uploaded_at.0,
        PhotoWarning::list(&doc.findings),
    ])?;
    Ok(previous)
}

/// Empties a slot; returns the removed document.
pub fn delete(
    conn: &Connection,
    application_id: &str,
    material: Material,
) -> rusqlite::Result<Option<DocumentInfo>> {
    let previous = get(conn, application_id, material)?;
    conn.prepare_cached("DELETE FROM documents WHERE application_id = ?1 AND material = ?2")?
        .execute(params![application_id, enum_to_sql(&material)?])?;
    Ok(previous)
}

/// How many slots (of any application) hold the content with this hash.
pub fn references(conn: &Connection, sha256: &str) -> rusqlite::Result<u64> {
    conn.prepare_cached("SELECT COUNT(*) FROM documents WHERE sha256 = ?1")?
        .query_row([sha256], |r| r.get(0))
}
