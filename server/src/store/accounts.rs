//! The `accounts` table.

use baoming_contract::api::Account;
use baoming_contract::time::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::limits::LoginFailures;

/// An account as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredAccount {
    pub id: String,
    pub phone: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub created_at: Timestamp,
    pub failures: LoginFailures,
}

impl std::fmt::Debug for StoredAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredAccount")
            .field("id", &self.id)
            .field("failures", &self.failures)
            .finish_non_exhaustive()
    }
}

impl StoredAccount {
    /// The account as the API shows it.
    pub fn to_api(&self) -> Account {
        Account {
            id: self.id.clone(),
            phone: self.phone.clone(),
            created_at: self.created_at,
        }
    }
}

const COLUMNS: &str =
    "id, phone, password_hash, created_at, failed_logins, locked_until, last_failed_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<StoredAccount> {
    Ok(StoredAccount {
        id: row.get(0)?,
        phone: row.get(1)?,
        password_hash: row.get(2)?,
        created_at: Timestamp(row.get(3)?),
        failures: LoginFailures {
            count: row.get(4)?,
            locked_until: row.get::<_, Option<i64>>(5)?.map(Timestamp),
            last_failed_at: row.get::<_, Option<i64>>(6)?.map(Timestamp),
        },
    })
}

/// The account of a normalised phone number.
pub fn by_phone(conn: &Connection, phone: &str) -> rusqlite::Result<Option<StoredAccount>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM accounts WHERE phone = ?1"))?
        .query_row([phone], from_row)
        .optional()
}

/// Whether `phone` has an account.
pub fn phone_registered(conn: &Connection, phone: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM accounts WHERE phone = ?1")?
        .exists([phone])
}

/// Stores a new account; `Ok(false)` when the phone already has one.
pub fn insert(conn: &Connection, account: &StoredAccount) -> rusqlite::Result<bool> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO accounts (id, phone, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (phone) DO NOTHING",
        )?
        .execute(params![
            account.id,
            account.phone,
            account.password_hash,
            account.created_at.0
        ])?;
    Ok(inserted == 1)
}

/// Records the failed-log-in state.
pub fn set_failures(conn: &Connection, id: &str, f: &LoginFailures) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE accounts SET failed_logins = ?2, locked_until = ?3, last_failed_at = ?4
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        f.count,
        f.locked_until.map(|t| t.0),
        f.last_failed_at.map(|t| t.0)
    ])?;
    Ok(())
}

/// Replaces the password hash and clears failed log-ins and any lock.
pub fn set_password(conn: &Connection, id: &str, password_hash: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE accounts SET password_hash = ?2, failed_logins = 0, locked_until = NULL,
         last_failed_at = NULL WHERE id = ?1",
    )?
    .execute(params![id, password_hash])?;
    Ok(())
}

/// The account with `id`.
pub fn by_id(conn: &Connection, id: &str) -> rusqlite::Result<Option<StoredAccount>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM accounts WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()
}
