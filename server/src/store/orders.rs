//! The `orders` table (WeChat Pay Native orders, one number per application), the
//! `payment_attempts` behind each (WeChat's `out_trade_no`), `refunds` and the
//! `payment_log` staff read.

use baoming_contract::api::{Order, OrderStatus, PaymentNotice};
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
                       o.code_expires_at, o.paid_at, o.created_at, a.account_id, \
                       o.refunded_at, o.notice";

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
            refunded_at: row.get::<_, Option<i64>>(9)?.map(Timestamp),
            notice: row
                .get::<_, Option<String>>(10)?
                .map(|n| enum_from_sql(10, n))
                .transpose()?,
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

/// Shows `code_url` (the open attempt's) on an unpaid order.
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

/// Sets (or clears) what the candidate should know about the last attempt.
pub fn set_notice(
    conn: &Connection,
    order_no: &str,
    notice: Option<PaymentNotice>,
) -> rusqlite::Result<()> {
    let notice = notice.as_ref().map(enum_to_sql).transpose()?;
    conn.prepare_cached("UPDATE orders SET notice = ?2 WHERE order_no = ?1")?
        .execute(params![order_no, notice])?;
    Ok(())
}

/// Marks a paid order refunded; `false` when it was not paid.
pub fn mark_refunded(
    conn: &Connection,
    order_no: &str,
    refunded_at: Timestamp,
) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE orders SET status = 'refunded', refunded_at = ?2, notice = NULL
             WHERE order_no = ?1 AND status = 'paid'",
        )?
        .execute(params![order_no, refunded_at.0])?;
    Ok(changed == 1)
}

// ---------------------------------------------------------------- attempts

/// The state of an attempt (see the migration `0007_payment_attempts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptState {
    /// Sent (or about to be), no answer recorded: repeat it unchanged.
    Pending,
    /// Has a code.
    Open,
    Closed,
    Paid,
    Refunded,
}

impl AttemptState {
    fn from_sql(s: &str) -> rusqlite::Result<AttemptState> {
        Ok(match s {
            "pending" => AttemptState::Pending,
            "open" => AttemptState::Open,
            "closed" => AttemptState::Closed,
            "paid" => AttemptState::Paid,
            "refunded" => AttemptState::Refunded,
            other => {
                return Err(rusqlite::Error::FromSqlConversionFailure(
                    5,
                    Type::Text,
                    format!("unknown attempt state {other}").into(),
                ));
            }
        })
    }
}

/// One `out_trade_no` sent to the provider, with exactly the parameters it was sent with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub out_trade_no: String,
    pub order_no: String,
    pub amount_fen: u64,
    pub description: String,
    pub time_expire: Timestamp,
    pub state: AttemptState,
    pub code_url: Option<String>,
    pub transaction_id: Option<String>,
    pub paid_at: Option<Timestamp>,
    pub created_at: Timestamp,
    /// When the provider was last asked about it, and what it said (`trade_state`).
    pub checked_at: Option<Timestamp>,
    pub trade_state: Option<String>,
}

const ATTEMPT_COLUMNS: &str = "out_trade_no, order_no, amount_fen, description, time_expire, \
                               state, code_url, transaction_id, paid_at, created_at, checked_at, \
                               trade_state";

fn attempt_from_row(row: &Row<'_>) -> rusqlite::Result<Attempt> {
    let amount: i64 = row.get(2)?;
    Ok(Attempt {
        out_trade_no: row.get(0)?,
        order_no: row.get(1)?,
        amount_fen: u64::try_from(amount)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(2, Type::Integer, e.into()))?,
        description: row.get(3)?,
        time_expire: Timestamp(row.get(4)?),
        state: AttemptState::from_sql(&row.get::<_, String>(5)?)?,
        code_url: row.get(6)?,
        transaction_id: row.get(7)?,
        paid_at: row.get::<_, Option<i64>>(8)?.map(Timestamp),
        created_at: Timestamp(row.get(9)?),
        checked_at: row.get::<_, Option<i64>>(10)?.map(Timestamp),
        trade_state: row.get(11)?,
    })
}

fn amount_sql(amount_fen: u64) -> rusqlite::Result<i64> {
    i64::try_from(amount_fen).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

/// Every attempt of `order_no`, oldest first.
pub fn attempts(conn: &Connection, order_no: &str) -> rusqlite::Result<Vec<Attempt>> {
    conn.prepare_cached(&format!(
        "SELECT {ATTEMPT_COLUMNS} FROM payment_attempts WHERE order_no = ?1
         ORDER BY created_at, rowid"
    ))?
    .query_map([order_no], attempt_from_row)?
    .collect()
}

/// The attempt `out_trade_no`.
pub fn attempt(conn: &Connection, out_trade_no: &str) -> rusqlite::Result<Option<Attempt>> {
    conn.prepare_cached(&format!(
        "SELECT {ATTEMPT_COLUMNS} FROM payment_attempts WHERE out_trade_no = ?1"
    ))?
    .query_row([out_trade_no], attempt_from_row)
    .optional()
}

/// Pending and open attempts the reconciler should look at: expired ones, and ones not
/// checked since `checked_before` that were made before `made_before` (their notification
/// is overdue), at most `limit`, the longest-unchecked first.
pub fn attempts_to_reconcile(
    conn: &Connection,
    now: Timestamp,
    made_before: Timestamp,
    checked_before: Timestamp,
    limit: u32,
) -> rusqlite::Result<Vec<Attempt>> {
    conn.prepare_cached(&format!(
        "SELECT {ATTEMPT_COLUMNS} FROM payment_attempts
         WHERE state IN ('pending', 'open')
           AND (time_expire <= ?1 OR created_at <= ?2)
           AND (checked_at IS NULL OR checked_at <= ?3)
         ORDER BY COALESCE(checked_at, 0), created_at
         LIMIT ?4"
    ))?
    .query_map(
        params![now.0, made_before.0, checked_before.0, limit],
        attempt_from_row,
    )?
    .collect()
}

/// Records a new attempt as pending (before it is sent).
pub fn insert_attempt(conn: &Connection, a: &Attempt) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO payment_attempts (out_trade_no, order_no, amount_fen, description,
                                       time_expire, state, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6)",
    )?
    .execute(params![
        a.out_trade_no,
        a.order_no,
        amount_sql(a.amount_fen)?,
        a.description,
        a.time_expire.0,
        a.created_at.0,
    ])?;
    Ok(())
}

/// A pending attempt got its code; the order shows it.
pub fn open_attempt(conn: &Connection, a: &Attempt, code_url: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE payment_attempts SET state = 'open', code_url = ?2
         WHERE out_trade_no = ?1 AND state IN ('pending', 'open')",
    )?
    .execute(params![a.out_trade_no, code_url])?;
    set_code(conn, &a.order_no, code_url, a.time_expire)
}

/// An unpaid attempt is closed (at the provider, or expired there).
pub fn close_attempt(conn: &Connection, out_trade_no: &str) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE payment_attempts SET state = 'closed'
             WHERE out_trade_no = ?1 AND state IN ('pending', 'open')",
        )?
        .execute([out_trade_no])?;
    Ok(changed == 1)
}

/// An attempt was paid; `false` when it was already recorded as paid (or refunded).
pub fn pay_attempt(
    conn: &Connection,
    out_trade_no: &str,
    transaction_id: &str,
    paid_at: Timestamp,
) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE payment_attempts SET state = 'paid', transaction_id = ?2, paid_at = ?3
             WHERE out_trade_no = ?1 AND state IN ('pending', 'open', 'closed')",
        )?
        .execute(params![out_trade_no, transaction_id, paid_at.0])?;
    Ok(changed == 1)
}

/// A paid attempt's money went back.
pub fn refund_attempt(conn: &Connection, out_trade_no: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE payment_attempts SET state = 'refunded' WHERE out_trade_no = ?1 AND state = 'paid'",
    )?
    .execute([out_trade_no])?;
    Ok(())
}

/// Remembers when an attempt was last asked about, and what the provider said.
pub fn checked(
    conn: &Connection,
    out_trade_no: &str,
    trade_state: &str,
    at: Timestamp,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE payment_attempts SET checked_at = ?2, trade_state = ?3 WHERE out_trade_no = ?1",
    )?
    .execute(params![out_trade_no, at.0, trade_state])?;
    Ok(())
}

// ---------------------------------------------------------------- refunds

/// A refund's state as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundRowState {
    /// Not yet accepted by the provider: repeat it (same `out_refund_no`).
    Requested,
    Processing,
    Success,
    Closed,
    Abnormal,
}

impl RefundRowState {
    pub fn as_sql(self) -> &'static str {
        match self {
            RefundRowState::Requested => "requested",
            RefundRowState::Processing => "processing",
            RefundRowState::Success => "success",
            RefundRowState::Closed => "closed",
            RefundRowState::Abnormal => "abnormal",
        }
    }

    fn from_sql(s: &str) -> rusqlite::Result<RefundRowState> {
        Ok(match s {
            "requested" => RefundRowState::Requested,
            "processing" => RefundRowState::Processing,
            "success" => RefundRowState::Success,
            "closed" => RefundRowState::Closed,
            "abnormal" => RefundRowState::Abnormal,
            other => {
                return Err(rusqlite::Error::FromSqlConversionFailure(
                    7,
                    Type::Text,
                    format!("unknown refund state {other}").into(),
                ));
            }
        })
    }
}

/// A refund as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRefund {
    pub out_refund_no: String,
    pub order_no: String,
    pub out_trade_no: String,
    pub amount_fen: u64,
    pub reason: String,
    pub requested_by: String,
    /// Returns a second payment of an order already paid.
    pub duplicate: bool,
    pub state: RefundRowState,
    pub created_at: Timestamp,
    pub completed_at: Option<Timestamp>,
}

const REFUND_COLUMNS: &str = "out_refund_no, order_no, out_trade_no, amount_fen, reason, \
                              requested_by, duplicate, state, created_at, completed_at";

fn refund_from_row(row: &Row<'_>) -> rusqlite::Result<StoredRefund> {
    let amount: i64 = row.get(3)?;
    Ok(StoredRefund {
        out_refund_no: row.get(0)?,
        order_no: row.get(1)?,
        out_trade_no: row.get(2)?,
        amount_fen: u64::try_from(amount)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(3, Type::Integer, e.into()))?,
        reason: row.get(4)?,
        requested_by: row.get(5)?,
        duplicate: row.get::<_, i64>(6)? != 0,
        state: RefundRowState::from_sql(&row.get::<_, String>(7)?)?,
        created_at: Timestamp(row.get(8)?),
        completed_at: row.get::<_, Option<i64>>(9)?.map(Timestamp),
    })
}

/// Records a refund to ask for (state `requested`); nothing when `out_refund_no` exists.
pub fn insert_refund(conn: &Connection, r: &StoredRefund) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO refunds (out_refund_no, order_no, out_trade_no, amount_fen,
                                            reason, requested_by, duplicate, state, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'requested', ?8)",
        )?
        .execute(params![
            r.out_refund_no,
            r.order_no,
            r.out_trade_no,
            amount_sql(r.amount_fen)?,
            r.reason,
            r.requested_by,
            i64::from(r.duplicate),
            r.created_at.0,
        ])?;
    Ok(changed == 1)
}

/// The refund `out_refund_no`.
pub fn refund(conn: &Connection, out_refund_no: &str) -> rusqlite::Result<Option<StoredRefund>> {
    conn.prepare_cached(&format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE out_refund_no = ?1"
    ))?
    .query_row([out_refund_no], refund_from_row)
    .optional()
}

/// Every refund of `order_no`, oldest first.
pub fn refunds(conn: &Connection, order_no: &str) -> rusqlite::Result<Vec<StoredRefund>> {
    conn.prepare_cached(&format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE order_no = ?1 ORDER BY created_at, rowid"
    ))?
    .query_map([order_no], refund_from_row)?
    .collect()
}

/// Refunds still to ask for or to hear about.
pub fn unsettled_refunds(conn: &Connection, limit: u32) -> rusqlite::Result<Vec<StoredRefund>> {
    conn.prepare_cached(&format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE state IN ('requested', 'processing')
         ORDER BY created_at LIMIT ?1"
    ))?
    .query_map([limit], refund_from_row)?
    .collect()
}

/// Moves a refund on; `false` when it already was in a final state.
pub fn set_refund_state(
    conn: &Connection,
    out_refund_no: &str,
    state: RefundRowState,
    completed_at: Option<Timestamp>,
) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE refunds SET state = ?2, completed_at = COALESCE(?3, completed_at)
             WHERE out_refund_no = ?1 AND state IN ('requested', 'processing')",
        )?
        .execute(params![
            out_refund_no,
            state.as_sql(),
            completed_at.map(|t| t.0)
        ])?;
    Ok(changed == 1)
}

// ---------------------------------------------------------------- log

/// One line of the payments log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub order_no: String,
    pub out_trade_no: Option<String>,
    pub event: String,
    pub detail: String,
    pub at: Timestamp,
}

/// Adds a line to the payments log staff read.
pub fn log(
    conn: &Connection,
    order_no: &str,
    out_trade_no: Option<&str>,
    event: &str,
    detail: &str,
    at: Timestamp,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO payment_log (order_no, out_trade_no, event, detail, at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![order_no, out_trade_no, event, detail, at.0])?;
    Ok(())
}

/// The log of `order_no`, oldest first.
pub fn log_of(conn: &Connection, order_no: &str) -> rusqlite::Result<Vec<LogEntry>> {
    conn.prepare_cached(
        "SELECT order_no, out_trade_no, event, detail, at FROM payment_log
         WHERE order_no = ?1 ORDER BY id",
    )?
    .query_map([order_no], |r| {
        Ok(LogEntry {
            order_no: r.get(0)?,
            out_trade_no: r.get(1)?,
            event: r.get(2)?,
            detail: r.get(3)?,
            at: Timestamp(r.get(4)?),
        })
    })?
    .collect()
}
