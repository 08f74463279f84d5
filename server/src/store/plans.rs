//! The `plans` table.

use baoming_contract::occupation::Occupation;
use baoming_contract::plan::{Deadlines, Level, Plan, PlanState};
use baoming_contract::time::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{enum_from_sql, enum_to_sql};

/// A plan as stored; its [`PlanState`] depends on when it is looked at, so it is not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPlan {
    pub id: String,
    pub name: String,
    pub occupation: Occupation,
    pub level: Level,
    pub opens_at: Timestamp,
    pub closes_at: Timestamp,
    pub corrections_close_at: Timestamp,
    pub fee_fen: u64,
}

impl StoredPlan {
    /// What its dates allow (the contract's rule).
    pub fn deadlines(&self) -> Deadlines {
        Deadlines {
            opens_at: self.opens_at,
            closes_at: self.closes_at,
            corrections_close_at: self.corrections_close_at,
        }
    }

    /// The plan as the API shows it at `now`.
    pub fn at(self, now: Timestamp) -> Plan {
        Plan {
            state: PlanState::at(now, self.opens_at, self.closes_at),
            id: self.id,
            name: self.name,
            occupation: self.occupation,
            level: self.level,
            opens_at: self.opens_at,
            closes_at: self.closes_at,
            corrections_close_at: self.corrections_close_at,
            fee_fen: self.fee_fen,
        }
    }
}

const COLUMNS: &str =
    "id, name, occupation, level, opens_at, closes_at, fee_fen, corrections_close_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<StoredPlan> {
    let fee: i64 = row.get(6)?;
    Ok(StoredPlan {
        id: row.get(0)?,
        name: row.get(1)?,
        occupation: enum_from_sql(2, row.get(2)?)?,
        level: enum_from_sql(3, row.get(3)?)?,
        opens_at: Timestamp(row.get(4)?),
        closes_at: Timestamp(row.get(5)?),
        corrections_close_at: Timestamp(row.get(7)?),
        fee_fen: u64::try_from(fee).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Integer, e.into())
        })?,
    })
}

/// All plans, by opening time and then id (for the seeded pair, the guide's order).
pub fn list(conn: &Connection) -> rusqlite::Result<Vec<StoredPlan>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM plans ORDER BY opens_at, id"
    ))?;
    stmt.query_map([], from_row)?.collect()
}

/// One plan by id.
pub fn get(conn: &Connection, id: &str) -> rusqlite::Result<Option<StoredPlan>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM plans WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()
}

/// How many plans exist.
pub fn count(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row("SELECT COUNT(*) FROM plans", [], |r| r.get(0))
}

/// Stores a new plan.
pub fn insert(conn: &Connection, plan: &StoredPlan, created_at: Timestamp) -> rusqlite::Result<()> {
    let fee = i64::try_from(plan.fee_fen)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    conn.prepare_cached(
        "INSERT INTO plans (id, name, occupation, level, opens_at, closes_at, fee_fen, created_at,
                            corrections_close_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        plan.id,
        plan.name,
        enum_to_sql(&plan.occupation)?,
        enum_to_sql(&plan.level)?,
        plan.opens_at.0,
        plan.closes_at.0,
        fee,
        created_at.0,
        plan.corrections_close_at.0,
    ])?;
    Ok(())
}
