//! The `sms_outbox` table: what the development SMS sender "sent". Written only in
//! development mode: it holds codes in clear text.

use baoming_contract::api::OutboxMessage;
use baoming_contract::time::Timestamp;
use rusqlite::{Connection, params};

/// Stores one sent message.
pub fn insert(
    conn: &Connection,
    phone: &str,
    text: &str,
    code: Option<&str>,
    sent_at: Timestamp,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO sms_outbox (phone, text, code, sent_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![phone, text, code, sent_at.0])?;
    Ok(())
}

/// The newest `limit` messages, newest first, to `phone` or to anyone.
pub fn list(
    conn: &Connection,
    phone: Option<&str>,
    limit: u32,
) -> rusqlite::Result<Vec<OutboxMessage>> {
    let mut stmt = conn.prepare_cached(
        "SELECT phone, text, code, sent_at FROM sms_outbox
         WHERE ?1 IS NULL OR phone = ?1
         ORDER BY id DESC LIMIT ?2",
    )?;
    stmt.query_map(params![phone, limit], |row| {
        Ok(OutboxMessage {
            phone: row.get(0)?,
            text: row.get(1)?,
            code: row.get(2)?,
            sent_at: Timestamp(row.get(3)?),
        })
    })?
    .collect()
}
