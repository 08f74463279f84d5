//! The `applications` and `application_events` tables.

use baoming_contract::api::{Draft, StatusEvent};
use baoming_contract::status::ApplicationStatus;
use baoming_contract::time::Timestamp;
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{enum_from_sql, enum_to_sql};

/// An application as stored; its documents and events live in their own tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredApplication {
    pub id: String,
    pub account_id: String,
    pub plan_id: String,
    pub status: ApplicationStatus,
    pub version: u64,
    pub draft: Draft,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The latest submission (or resubmission).
    pub submitted_at: Option<Timestamp>,
    /// The draft as it was at that submission.
    pub submitted_draft: Option<Draft>,
}

const COLUMNS: &str = "id, account_id, plan_id, status, version, draft_json, created_at, \
                       updated_at, submitted_at, submitted_draft_json";
/// The index of the first column a query selects after [`COLUMNS`].
const AFTER_COLUMNS: usize = 10;

fn to_sql_i64(value: u64) -> rusqlite::Result<i64> {
    i64::try_from(value).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn draft_to_sql(draft: &Draft) -> rusqlite::Result<String> {
    serde_json::to_string(draft).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<StoredApplication> {
    let version: i64 = row.get(4)?;
    let draft: String = row.get(5)?;
    Ok(StoredApplication {
        id: row.get(0)?,
        account_id: row.get(1)?,
        plan_id: row.get(2)?,
        status: enum_from_sql(3, row.get(3)?)?,
        version: u64::try_from(version)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(4, Type::Integer, e.into()))?,
        draft: serde_json::from_str(&draft)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(5, Type::Text, e.into()))?,
        created_at: Timestamp(row.get(6)?),
        updated_at: Timestamp(row.get(7)?),
        submitted_at: row.get::<_, Option<i64>>(8)?.map(Timestamp),
        submitted_draft: row
            .get::<_, Option<String>>(9)?
            .map(|json| serde_json::from_str(&json))
            .transpose()
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(9, Type::Text, e.into()))?,
    })
}

/// The application `id` if it belongs to `account_id`; another candidate's is `None`, the
/// same as one that does not exist.
pub fn owned(
    conn: &Connection,
    account_id: &str,
    id: &str,
) -> rusqlite::Result<Option<StoredApplication>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM applications WHERE id = ?1 AND account_id = ?2"
    ))?
    .query_row([id, account_id], from_row)
    .optional()
}

/// The candidate's application for a plan (there is at most one).
pub fn for_plan(
    conn: &Connection,
    account_id: &str,
    plan_id: &str,
) -> rusqlite::Result<Option<StoredApplication>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM applications WHERE account_id = ?1 AND plan_id = ?2"
    ))?
    .query_row([account_id, plan_id], from_row)
    .optional()
}

/// The candidate's applications, newest first.
pub fn list_for_account(
    conn: &Connection,
    account_id: &str,
) -> rusqlite::Result<Vec<StoredApplication>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM applications WHERE account_id = ?1
         ORDER BY created_at DESC, rowid DESC"
    ))?
    .query_map([account_id], from_row)?
    .collect()
}

/// Stores a new application; `Ok(false)` when the candidate already has one for the plan.
pub fn insert(conn: &Connection, app: &StoredApplication) -> rusqlite::Result<bool> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO applications
                 (id, account_id, plan_id, status, version, draft_json, created_at, updated_at,
                  submitted_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (account_id, plan_id) DO NOTHING",
        )?
        .execute(params![
            app.id,
            app.account_id,
            app.plan_id,
            enum_to_sql(&app.status)?,
            to_sql_i64(app.version)?,
            draft_to_sql(&app.draft)?,
            app.created_at.0,
            app.updated_at.0,
            app.submitted_at.map(|t| t.0),
        ])?;
    Ok(inserted == 1)
}

/// Replaces the draft, bumping the version.
pub fn save_draft(
    conn: &Connection,
    id: &str,
    draft: &Draft,
    now: Timestamp,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE applications SET draft_json = ?2, version = version + 1, updated_at = ?3
         WHERE id = ?1",
    )?
    .execute(params![id, draft_to_sql(draft)?, now.0])?;
    Ok(())
}

/// Records a change outside the draft (a document): bumps the version.
pub fn touch(conn: &Connection, id: &str, now: Timestamp) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE applications SET version = version + 1, updated_at = ?2 WHERE id = ?1",
    )?
    .execute(params![id, now.0])?;
    Ok(())
}

/// Moves to `status` after a submission at `now`, bumping the version, and records the event.
pub fn submitted(
    conn: &Connection,
    id: &str,
    status: ApplicationStatus,
    now: Timestamp,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE applications SET status = ?2, submitted_at = ?3, updated_at = ?3,
         submitted_draft_json = draft_json, version = version + 1 WHERE id = ?1",
    )?
    .execute(params![id, enum_to_sql(&status)?, now.0])?;
    insert_event(conn, id, status, now)
}

/// Appends to the status timeline.
pub fn insert_event(
    conn: &Connection,
    application_id: &str,
    status: ApplicationStatus,
    at: Timestamp,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO application_events (application_id, status, at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![application_id, enum_to_sql(&status)?, at.0])?;
    Ok(())
}

/// The status timeline, oldest first.
pub fn events(conn: &Connection, application_id: &str) -> rusqlite::Result<Vec<StatusEvent>> {
    conn.prepare_cached(
        "SELECT status, at FROM application_events WHERE application_id = ?1 ORDER BY id",
    )?
    .query_map([application_id], |row| {
        Ok(StatusEvent {
            status: enum_from_sql(0, row.get(0)?)?,
            at: Timestamp(row.get(1)?),
        })
    })?
    .collect()
}

/// Any application by id, with its candidate's phone (the reviewer's view).
pub fn by_id_with_phone(
    conn: &Connection,
    id: &str,
) -> rusqlite::Result<Option<(StoredApplication, String)>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS}, (SELECT phone FROM accounts WHERE accounts.id = account_id)
         FROM applications WHERE id = ?1"
    ))?
    .query_row([id], |row| Ok((from_row(row)?, row.get(AFTER_COLUMNS)?)))
    .optional()
}

/// Every submitted application (optionally only those in `status`) with its candidate's
/// phone, oldest submission first; drafts only when asked for by status.
pub fn list_for_review(
    conn: &Connection,
    status: Option<ApplicationStatus>,
) -> rusqlite::Result<Vec<(StoredApplication, String)>> {
    let status = status.map(|s| enum_to_sql(&s)).transpose()?;
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS}, (SELECT phone FROM accounts WHERE accounts.id = account_id)
         FROM applications
         WHERE (?1 IS NULL AND status <> 'draft') OR status = ?1
         ORDER BY submitted_at IS NULL, submitted_at, rowid"
    ))?
    .query_map(params![status], |row| {
        Ok((from_row(row)?, row.get(AFTER_COLUMNS)?))
    })?
    .collect()
}

/// Moves to `status` (a reviewer's decision, a payment, the ticket), bumping the version,
/// and records the event.
pub fn set_status(
    conn: &Connection,
    id: &str,
    status: ApplicationStatus,
    now: Timestamp,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE applications SET status = ?2, updated_at = ?3, version = version + 1
         WHERE id = ?1",
    )?
    .execute(params![id, enum_to_sql(&status)?, now.0])?;
    insert_event(conn, id, status, now)
}
