//! The `idempotency` table: the first successful answer of an idempotent request, per
//! account, key and endpoint.

use baoming_contract::time::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

/// A remembered answer: the HTTP status and the JSON body, exactly as first sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub status: u16,
    pub body: String,
}

/// The answer remembered for this key, if any.
pub fn get(
    conn: &Connection,
    account_id: &str,
    key: &str,
    endpoint: &str,
) -> rusqlite::Result<Option<StoredAnswer>> {
    conn.prepare_cached(
        "SELECT status, body FROM idempotency
         WHERE account_id = ?1 AND key = ?2 AND endpoint = ?3",
    )?
    .query_row([account_id, key, endpoint], |r| {
        Ok(StoredAnswer {
            status: r.get(0)?,
            body: r.get(1)?,
        })
    })
    .optional()
}

/// Remembers an answer. Call in the same transaction as the change it answers, after
/// [`get`] found nothing, so a concurrent repeat either sees it or waits for it.
pub fn insert(
    conn: &Connection,
    account_id: &str,
    key: &str,
    endpoint: &str,
    answer: &StoredAnswer,
    now: Timestamp,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO idempotency (account_id, key, endpoint, status, body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        account_id,
        key,
        endpoint,
        answer.status,
        answer.body,
        now.0
    ])?;
    Ok(())
}

/// Forgets answers remembered before `before`.
pub fn prune(conn: &Connection, before: Timestamp) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM idempotency WHERE created_at < ?1")?
        .execute([before.0])?;
    Ok(())
}
