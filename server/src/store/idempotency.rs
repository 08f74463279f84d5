//! The `idempotency` table: the first successful answer of an idempotent request, per
//! account and key, bound to that request (method, path and body, as Stripe does).

use baoming_contract::application::reason;
use baoming_contract::time::Timestamp;
use rusqlite::{Connection, params};

use crate::error::ApiError;
use crate::secrets::sha256_hex;

/// A remembered answer: the HTTP status and the JSON body, exactly as first sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub status: u16,
    pub body: String,
}

/// What an idempotent request is, for comparing a repeat with the first request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFingerprint {
    /// `METHOD /concrete/path`.
    pub endpoint: String,
    /// Hex SHA-256 of the endpoint, a newline and the body.
    pub hash: String,
}

impl RequestFingerprint {
    pub fn new(method: &str, path: &str, body: &[u8]) -> RequestFingerprint {
        let endpoint = format!("{method} {path}");
        let mut bytes = Vec::with_capacity(endpoint.len() + 1 + body.len());
        bytes.extend_from_slice(endpoint.as_bytes());
        bytes.push(b'\n');
        bytes.extend_from_slice(body);
        RequestFingerprint {
            hash: sha256_hex(&bytes),
            endpoint,
        }
    }
}

/// The answer remembered for this key if it was first used for this very request; `None`
/// for a new key. A key first used for another request (another endpoint or body) is
/// refused with 422 `validation_failed`, `fields.idempotency_key` =
/// [`reason::IDEMPOTENCY_KEY_REUSED`]: replaying the other request's answer would tell the
/// client something false, and running this one would defeat the key.
pub fn get(
    conn: &Connection,
    account_id: &str,
    key: &str,
    request: &RequestFingerprint,
) -> Result<Option<StoredAnswer>, ApiError> {
    let mut statement = conn.prepare_cached(
        "SELECT endpoint, request_hash, status, body FROM idempotency
         WHERE account_id = ?1 AND key = ?2",
    )?;
    let rows = statement
        .query_map([account_id, key], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                StoredAnswer {
                    status: r.get(2)?,
                    body: r.get(3)?,
                },
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if rows.is_empty() {
        return Ok(None);
    }
    // Rows from before request hashes were stored match by endpoint alone.
    let same = rows.into_iter().find(|(endpoint, hash, _)| match hash {
        Some(hash) => *hash == request.hash,
        None => *endpoint == request.endpoint,
    });
    match same {
        Some((_, _, answer)) => Ok(Some(answer)),
        None => Err(ApiError::validation(
            "this Idempotency-Key was already used for a different request; use a new key",
        )
        .with_field("idempotency_key", reason::IDEMPOTENCY_KEY_REUSED)),
    }
}

/// Remembers an answer. Call in the same transaction as the change it answers, after
/// [`get`] found nothing, so a concurrent repeat either sees it or waits for it.
pub fn insert(
    conn: &Connection,
    account_id: &str,
    key: &str,
    request: &RequestFingerprint,
    answer: &StoredAnswer,
    now: Timestamp,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO idempotency (account_id, key, endpoint, request_hash, status, body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        account_id,
        key,
        request.endpoint,
        request.hash,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_differ_by_method_path_and_body() {
        let a = RequestFingerprint::new("POST", "/api/v1/applications/a/submit", b"");
        assert_eq!(a.endpoint, "POST /api/v1/applications/a/submit");
        assert_eq!(
            a,
            RequestFingerprint::new("POST", "/api/v1/applications/a/submit", b"")
        );
        for other in [
            RequestFingerprint::new("PUT", "/api/v1/applications/a/submit", b""),
            RequestFingerprint::new("POST", "/api/v1/applications/b/submit", b""),
            RequestFingerprint::new("POST", "/api/v1/applications/a/submit", b"{}"),
        ] {
            assert_ne!(a.hash, other.hash, "{other:?}");
        }
    }
}
