//! The `orders` table: WeChat Pay Native orders.

use baoming_contract::api::{Order, OrderStatus};
use baoming_contract::time::Timestamp;
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{enum_from_sql, enum_to_sql};

/// An order as stored, with the account it belongs to (through its application).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOrder {
    pub order: Order,
    pub account_id: String,
    pub created_at: Timestamp,
}

const COLUMNS: &str = "o.order_no, o.application_id, o.amount_fen, o.status, o.code_url, \
                       o.code_expires_at, o.paid_at, o.created_at, a.account_id";

fn from_row(row: &Row<'_>) -> rusqlite::Result<StoredOrder> {
    let amount: i64 = row.get(2)?;
    let status: OrderStatus = enum_from_sql(3, row.get(3)?)?;
    Ok(StoredOrder {
        order: Order {
            order_no: row.get(0)?,
            application_id: row.get(1)?,
            amount_fen: u64::try_from(amount).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(2, Type::Integer, e.into())
            })?,
            status,
            // Only an unpaid order shows a code to scan.
            code_url: if status == OrderStatus::Unpaid {
                row.get(4)?
            } else {
                None
            },
            code_expires_at: if status == OrderStatus::Unpaid {
                row.get::<_, Option<i64>>(5)?.map(Timestamp)
            } else {
                None
            },
            paid_at: row.get::<_, Option<i64>>(6)?.map(Timestamp),
        },
        created_at: Timestamp(row.get(7)?),
        account_id: row.get(8)?,
    })
}

/// The order `order_no`, whoever it belongs to.
pub fn get(conn: &Connection, order_no: &str) -> rusqlite::Result<Option<StoredOrder>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM orders o JOIN applications a ON a.id = o.application_id
         WHERE o.order_no = ?1"
    ))?
    .query_row([order_no], from_row)
    .optional()
}

/// The application's open (unpaid) order; there is at most one.
pub fn open_for_application(
    conn: &Connection,
    application_id: &str,
) -> rusqlite::Result<Option<StoredOrder>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM orders o JOIN applications a ON a.id = o.application_id
         WHERE o.application_id = ?1 AND o.status = 'unpaid'"
    ))?
    .query_row([application_id], from_row)
    .optional()
}

/// Stores a new unpaid order.
pub fn insert(conn: &Connection, order: &Order, created_at: Timestamp) -> rusqlite::Result<()> {
    let amount = i64::try_from(order.amount_fen)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    conn.prepare_cached(
        "INSERT INTO orders (order_no, application_id, amount_fen, status, code_url,
                             code_expires_at, paid_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        order.order_no,
        order.application_id,
        amount,
        enum_to_sql(&order.status)?,
        order.code_url,
        order.code_expires_at.map(|t| t.0),
        order.paid_at.map(|t| t.0),
        created_at.0,
    ])?;
    Ok(())
}

/// Replaces an unpaid order's code.
pub fn set_code(
    conn: &Connection,
    order_no: &str,
    code_url: &str,
    expires_at: Timestamp,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE orders SET code_url = ?2, code_expires_at = ?3
         WHERE order_no = ?1 AND status = 'unpaid'",
    )?
    .execute(params![order_no, code_url, expires_at.0])?;
    Ok(())
}

/// Marks an unpaid order paid; `false` when it was not unpaid (already recorded).
pub fn mark_paid(conn: &Connection, order_no: &str, paid_at: Timestamp) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE orders SET status = 'paid', paid_at = ?2
             WHERE order_no = ?1 AND status = 'unpaid'",
        )?
        .execute(params![order_no, paid_at.0])?;
    Ok(changed == 1)
}
