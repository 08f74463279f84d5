//! The `rejections` table: every rejection's reasons.

use baoming_contract::api::ReviewReason;
use baoming_contract::time::Timestamp;
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, params};

/// Records a rejection of `application_id` at `at`.
pub fn insert_rejection(
    conn: &Connection,
    application_id: &str,
    reasons: &[ReviewReason],
    at: Timestamp,
) -> rusqlite::Result<()> {
    let json = serde_json::to_string(reasons)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    conn.prepare_cached(
        "INSERT INTO rejections (application_id, reasons_json, decided_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![application_id, json, at.0])?;
    Ok(())
}

/// The reasons of the newest rejection, if any.
pub fn latest_reasons(
    conn: &Connection,
    application_id: &str,
) -> rusqlite::Result<Option<Vec<ReviewReason>>> {
    let json: Option<String> = conn
        .prepare_cached(
            "SELECT reasons_json FROM rejections WHERE application_id = ?1
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row([application_id], |r| r.get(0))
        .optional()?;
    json.map(|j| {
        serde_json::from_str(&j)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, Type::Text, e.into()))
    })
    .transpose()
}
