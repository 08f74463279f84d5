//! The `sessions` table. Only SHA-256 hashes of tokens are stored
//! ([`crate::secrets::session_token_hash`]).

use baoming_contract::time::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use super::accounts::{self, StoredAccount};

/// A live session and its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSession {
    pub token_hash: String,
    pub created_at: Timestamp,
    pub last_used_at: Timestamp,
    pub account: StoredAccount,
}

/// Stores a new session.
pub fn insert(
    conn: &Connection,
    token_hash: &str,
    account_id: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO sessions (token_hash, account_id, created_at, last_used_at, expires_at)
         VALUES (?1, ?2, ?3, ?3, ?4)",
    )?
    .execute(params![token_hash, account_id, now.0, expires_at.0])?;
    Ok(())
}

/// The session with `token_hash` if it is neither revoked nor expired at `now`, and was
/// created after `created_after` (the absolute lifetime, which no use extends).
pub fn live(
    conn: &Connection,
    token_hash: &str,
    now: Timestamp,
    created_after: Timestamp,
) -> rusqlite::Result<Option<LiveSession>> {
    let found = conn
        .prepare_cached(
            "SELECT account_id, created_at, last_used_at FROM sessions
             WHERE token_hash = ?1 AND revoked_at IS NULL AND expires_at > ?2
               AND created_at > ?3",
        )?
        .query_row(params![token_hash, now.0, created_after.0], |r| {
            Ok((
                r.get::<_, String>(0)?,
                Timestamp(r.get(1)?),
                Timestamp(r.get(2)?),
            ))
        })
        .optional()?;
    let Some((account_id, created_at, last_used_at)) = found else {
        return Ok(None);
    };
    Ok(
        accounts::by_id(conn, &account_id)?.map(|account| LiveSession {
            token_hash: token_hash.to_owned(),
            created_at,
            last_used_at,
            account,
        }),
    )
}

/// Records use at `now`, extending the session to `expires_at` (sliding expiry; the caller
/// caps it at the absolute lifetime).
pub fn touch(
    conn: &Connection,
    token_hash: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE sessions SET last_used_at = ?2, expires_at = ?3
         WHERE token_hash = ?1 AND revoked_at IS NULL",
    )?
    .execute(params![token_hash, now.0, expires_at.0])?;
    Ok(())
}

/// Revokes one session (log-out); no effect on an unknown or already revoked one.
pub fn revoke(conn: &Connection, token_hash: &str, now: Timestamp) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE sessions SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL",
    )?
    .execute(params![token_hash, now.0])?;
    Ok(())
}

/// Revokes every session of an account (password reset); returns how many were live.
pub fn revoke_all(conn: &Connection, account_id: &str, now: Timestamp) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "UPDATE sessions SET revoked_at = ?2 WHERE account_id = ?1 AND revoked_at IS NULL",
    )?
    .execute(params![account_id, now.0])
}

/// Makes every unexpired session of an account expire at `now` (development helper).
pub fn expire_all(conn: &Connection, account_id: &str, now: Timestamp) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "UPDATE sessions SET expires_at = ?2 WHERE account_id = ?1 AND expires_at > ?2",
    )?
    .execute(params![account_id, now.0])
}

/// Deletes sessions that ended (expired or revoked) before `before`.
pub fn prune(conn: &Connection, before: Timestamp) -> rusqlite::Result<usize> {
    conn.prepare_cached("DELETE FROM sessions WHERE expires_at < ?1 OR revoked_at < ?1")?
        .execute([before.0])
}
