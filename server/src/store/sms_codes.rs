//! The `sms_codes` table: codes sent (as keyed hashes), their attempts, and the history the
//! rate limits count.

use baoming_contract::api::SmsPurpose;
use baoming_contract::time::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use super::enum_to_sql;

/// A code to store. `code_hash` is [`crate::secrets::SmsCodeKey::hash`] of the code, with
/// `salt` a fresh random value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCode<'a> {
    pub phone: &'a str,
    pub purpose: SmsPurpose,
    pub code_hash: &'a str,
    pub salt: &'a str,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub client_addr: &'a str,
}

/// The newest code of a phone and purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCode {
    pub id: i64,
    pub code_hash: String,
    pub salt: String,
    pub expires_at: Timestamp,
    pub attempts: u32,
    pub consumed: bool,
}

fn times(
    conn: &Connection,
    sql: &str,
    key: &str,
    since: Timestamp,
) -> rusqlite::Result<Vec<Timestamp>> {
    conn.prepare_cached(sql)?
        .query_map(params![key, since.0], |r| Ok(Timestamp(r.get(0)?)))?
        .collect()
}

/// When codes were sent to `phone` (any purpose) at or after `since`.
pub fn sent_to_phone_since(
    conn: &Connection,
    phone: &str,
    since: Timestamp,
) -> rusqlite::Result<Vec<Timestamp>> {
    times(
        conn,
        "SELECT created_at FROM sms_codes WHERE phone = ?1 AND created_at >= ?2",
        phone,
        since,
    )
}

/// When codes were requested from `client_addr` at or after `since`.
pub fn sent_from_client_since(
    conn: &Connection,
    client_addr: &str,
    since: Timestamp,
) -> rusqlite::Result<Vec<Timestamp>> {
    times(
        conn,
        "SELECT created_at FROM sms_codes WHERE client_addr = ?1 AND created_at >= ?2",
        client_addr,
        since,
    )
}

/// Stores a code; returns its row id.
pub fn insert(conn: &Connection, code: &NewCode<'_>) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO sms_codes (phone, purpose, code_hash, salt, created_at, expires_at, client_addr)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        code.phone,
        enum_to_sql(&code.purpose)?,
        code.code_hash,
        code.salt,
        code.created_at.0,
        code.expires_at.0,
        code.client_addr,
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Forgets a code that could not be sent, so it neither counts against the limits nor
/// supersedes the previous one.
pub fn delete(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM sms_codes WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Deletes codes sent before `before`; the limits never look back more than a day.
pub fn prune(conn: &Connection, before: Timestamp) -> rusqlite::Result<usize> {
    conn.prepare_cached("DELETE FROM sms_codes WHERE created_at < ?1")?
        .execute([before.0])
}

/// The newest code sent to `phone` for `purpose`: the only one that can be used.
pub fn newest(
    conn: &Connection,
    phone: &str,
    purpose: SmsPurpose,
) -> rusqlite::Result<Option<StoredCode>> {
    conn.prepare_cached(
        "SELECT id, code_hash, salt, expires_at, attempts, consumed_at IS NOT NULL
         FROM sms_codes WHERE phone = ?1 AND purpose = ?2 ORDER BY id DESC LIMIT 1",
    )?
    .query_row(params![phone, enum_to_sql(&purpose)?], |r| {
        Ok(StoredCode {
            id: r.get(0)?,
            code_hash: r.get(1)?,
            salt: r.get(2)?,
            expires_at: Timestamp(r.get(3)?),
            attempts: r.get(4)?,
            consumed: r.get(5)?,
        })
    })
    .optional()
}

/// Counts a wrong guess.
pub fn add_attempt(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE sms_codes SET attempts = attempts + 1 WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Marks a code used; it cannot be used again.
/// Uses the code up; `false` when it already was (another request used it first).
pub fn consume(conn: &Connection, id: i64, now: Timestamp) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE sms_codes SET consumed_at = ?2 WHERE id = ?1 AND consumed_at IS NULL",
        )?
        .execute(params![id, now.0])?;
    Ok(changed == 1)
}
