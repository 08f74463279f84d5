//! The `accounts` table.

use baoming_contract::api::Account;
use baoming_contract::time::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};

/// An account as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredAccount {
    pub id: String,
    pub phone: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub created_at: Timestamp,
}

impl std::fmt::Debug for StoredAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredAccount")
            .field("id", &self.id)
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

// The table's `failed_logins`, `locked_until` and `last_failed_at` columns are no longer
// read or written: failed log-ins are counted per phone and client address in memory
// (`limits::LoginGuard`).
const COLUMNS: &str = "id, phone, password_hash, created_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<StoredAccount> {
    Ok(StoredAccount {
        id: row.get(0)?,
        phone: row.get(1)?,
        password_hash: row.get(2)?,
        created_at: Timestamp(row.get(3)?),
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
