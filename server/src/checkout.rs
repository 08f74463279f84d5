//! Taking the fee: the candidate's order and the payment attempts behind it, payments and
//! refunds recorded exactly once, and the reconciler that finds what notifications missed.
//!
//! **One order, many attempts.** The candidate's order number never changes. WeChat Pay
//! takes a repeated `out_trade_no` only with identical parameters, sets `time_expire` on the
//! first request only, and wants a new `out_trade_no` once it has passed. So each QR code is
//! an *attempt* (`payment_attempts`): when a code nears expiry, the attempt is first asked
//! about (a payment found is recorded, not replaced), then closed at the provider, and only
//! then a new attempt is made. An attempt whose answer never came back is repeated
//! unchanged. A payment on any attempt pays the order; a second paid attempt (impossible
//! unless a candidate pays a closed code within WeChat's own race) is refunded automatically
//! and logged for staff.
//!
//! **Nothing waits on the network with a connection held.** Every provider call runs on the
//! blocking pool between short database transactions; a per-order async lock keeps two
//! requests of the same candidate from making two attempts at once, and never blocks
//! anyone else.
//!
//! **The reconciler** ([`spawn_reconciler`], [`reconcile_once`]) asks about attempts whose
//! code expired or whose notification is overdue, closes abandoned ones, records payments
//! whose notification was lost, repeats refunds the provider has not accepted yet, and lets
//! the provider do its upkeep (platform certificates).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use baoming_contract::api::{OrderStatus, PaymentNotice};
use baoming_contract::error::ErrorCode;
use baoming_contract::review::{ORDER_CODE_TTL_S, code_needs_refresh};
use baoming_contract::status::Transition;
use baoming_contract::time::Timestamp;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::payments::{
    PaymentProvider, PrepayRequest, ProviderError, RefundRequest, RefundState, TradeState,
};
use crate::routes::applications::{status_name, write_tx};
use crate::store::orders::{self, Attempt, AttemptState, RefundRowState, StoredRefund};
use crate::store::{applications, plans};

/// A poll (`GET /orders/{no}`) asks the provider about an attempt at most this often; the
/// notification is the main way a payment is learnt.
pub const POLL_QUERY_INTERVAL_S: i64 = 5;

/// The reconciler asks about an open attempt this long after it was made (its
/// notification is overdue by then), and again at most this often: the default of
/// `--notification-grace`.
pub const RECONCILE_AFTER_S: i64 = 5 * 60;

/// How many attempts and refunds one reconciler pass handles.
const RECONCILE_BATCH: u32 = 200;

/// A refund's `out_refund_no`: the attempt's `out_trade_no` and `R` (one full refund per
/// attempt, so repeating the request is always safe).
pub fn out_refund_no(out_trade_no: &str) -> String {
    format!("{out_trade_no}R")
}

/// Async locks by order number, created on demand and dropped when nobody holds them.
#[derive(Debug, Default)]
pub struct OrderLocks {
    locks: Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>,
}

impl OrderLocks {
    /// Waits for `order_no`'s lock. Only requests about the same order wait on each other.
    pub async fn lock(&self, order_no: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut map = self.locks.lock().unwrap_or_else(|p| p.into_inner());
            if map.len() > 1024 {
                map.retain(|_, weak| weak.strong_count() > 0);
            }
            match map.get(order_no).and_then(Weak::upgrade) {
                Some(lock) => lock,
                None => {
                    let lock = Arc::new(tokio::sync::Mutex::new(()));
                    map.insert(order_no.to_owned(), Arc::downgrade(&lock));
                    lock
                }
            }
        };
        lock.lock_owned().await
    }
}

fn order_not_found() -> ApiError {
    ApiError::not_found("no such order")
}

fn unavailable(e: &ProviderError) -> ApiError {
    tracing::error!(error = %e, "payment provider failed");
    ApiError::new(
        ErrorCode::Unavailable,
        "the payment service did not answer; try again",
    )
    .with_retry_after(3)
}

/// Runs a provider call on the blocking pool (no connection or lock of others held).
async fn call<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&dyn PaymentProvider) -> T + Send + 'static,
) -> ApiResult<T> {
    let provider = Arc::clone(&state.payments);
    tokio::task::spawn_blocking(move || f(provider.as_ref()))
        .await
        .map_err(ApiError::internal)
}

/// The attempt that carries the order's code now: the newest pending or open one.
fn current_attempt(attempts: &[Attempt]) -> Option<&Attempt> {
    attempts
        .iter()
        .rev()
        .find(|a| matches!(a.state, AttemptState::Pending | AttemptState::Open))
}

/// Makes sure the unpaid order `order_no` has a code valid for a few more minutes: keeps
/// a fresh one, repeats an attempt whose answer was lost, or retires the current attempt
/// (asking first whether it was paid) and makes a new one. Nothing for an order that is
/// not unpaid. 503 `unavailable` when the provider does not answer; the next call picks up
/// where this one stopped.
pub async fn ensure_code(state: &AppState, order_no: &str) -> ApiResult<()> {
    let _held = state.order_locks.lock(order_no).await;
    ensure_code_locked(state, order_no).await
}

async fn ensure_code_locked(state: &AppState, order_no: &str) -> ApiResult<()> {
    // Each round moves at least one attempt on; three are plenty (retire, make, send).
    for _ in 0..4 {
        let now = state.clock.now();
        let no = order_no.to_owned();
        let (status, attempts, description, amount_fen) = state
            .db
            .call(move |conn| {
                let order = orders::get(conn, &no)?.ok_or_else(order_not_found)?;
                let app = applications::by_id_with_phone(conn, &order.order.application_id)?
                    .ok_or_else(|| ApiError::internal("an order's application is missing"))?
                    .0;
                let plan = plans::get(conn, &app.plan_id)?
                    .ok_or_else(|| ApiError::internal("an application's plan is missing"))?;
                Ok((
                    order.order.status,
                    orders::attempts(conn, &no)?,
                    plan.name,
                    order.order.amount_fen,
                ))
            })
            .await?;
        if status != OrderStatus::Unpaid {
            return Ok(());
        }
        let Some(current) = current_attempt(&attempts).cloned() else {
            let attempt = Attempt {
                out_trade_no: format!("{order_no}-{}", attempts.len() + 1),
                order_no: order_no.to_owned(),
                amount_fen,
                description,
                time_expire: Timestamp(now.0 + ORDER_CODE_TTL_S),
                state: AttemptState::Pending,
                code_url: None,
                transaction_id: None,
                paid_at: None,
                created_at: now,
                checked_at: None,
                trade_state: None,
            };
            let stored = attempt.clone();
            state
                .db
                .call(move |conn| Ok(orders::insert_attempt(conn, &stored)?))
                .await?;
            send(state, attempt).await?;
            continue;
        };
        if !code_needs_refresh(current.time_expire, now) {
            match current.state {
                AttemptState::Open => return Ok(()),
                _ => {
                    // Its answer was lost: repeat it exactly (WeChat answers the same code).
                    send(state, current).await?;
                    continue;
                }
            }
        }
        if !retire(state, &current).await? {
            // The candidate is paying with it right now: keep it.
            return Ok(());
        }
    }
    Err(ApiError::internal(format!(
        "order {order_no}: no code after several attempts"
    )))
}

/// Sends a pending attempt (again, unchanged) and records its code.
async fn send(state: &AppState, attempt: Attempt) -> ApiResult<()> {
    let req = PrepayRequest {
        out_trade_no: attempt.out_trade_no.clone(),
        amount_fen: attempt.amount_fen,
        description: attempt.description.clone(),
        time_expire: attempt.time_expire,
    };
    match call(state, move |p| p.prepay(&req)).await? {
        Ok(code_url) => {
            state
                .db
                .call(move |conn| Ok(orders::open_attempt(conn, &attempt, &code_url)?))
                .await
        }
        Err(e @ ProviderError::Unavailable(_)) => Err(unavailable(&e)),
        Err(e) if e.is("ORDERPAID") => {
            check_attempt(state, &attempt, true).await?;
            Ok(())
        }
        Err(e) => {
            // Refused: this out_trade_no cannot carry a code any more (expired, closed, or
            // — a bug — different parameters). Close it there too, and make a new one.
            tracing::error!(attempt = %attempt.out_trade_no, error = %e, "a payment attempt was refused");
            // Best effort: an attempt WeChat refuses to repeat cannot be paid by anyone who
            // does not already hold its code.
            if let Ok(Closing::Paid) = close_at_provider(state, &attempt).await {
                check_attempt(state, &attempt, true).await?;
                return Ok(());
            }
            close_recorded(
                state,
                &attempt,
                PaymentNotice::CodeReplaced,
                &format!("refused: {e}"),
            )
            .await
        }
    }
}

/// What closing an attempt at the provider found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closing {
    /// Closed now, or it already was (or never reached the provider).
    Closed,
    /// ORDERPAID: it was paid in the meantime.
    Paid,
}

/// Closes an unpaid attempt at the provider. A provider failure is an error.
async fn close_at_provider(state: &AppState, attempt: &Attempt) -> ApiResult<Closing> {
    let no = attempt.out_trade_no.clone();
    match call(state, move |p| p.close(&no)).await? {
        Ok(()) => Ok(Closing::Closed),
        Err(e) if e.is("ORDER_CLOSED") || e.is("ORDER_NOT_EXIST") => Ok(Closing::Closed),
        Err(e) if e.is("ORDERPAID") => Ok(Closing::Paid),
        Err(e) => Err(unavailable(&e)),
    }
}

/// Retires an attempt whose code is (nearly) expired: asks about it first (a payment is
/// recorded), then closes it at the provider. `false` when it must be kept (the candidate
/// is paying with it right now).
async fn retire(state: &AppState, attempt: &Attempt) -> ApiResult<bool> {
    // Asked this very second (a poll just did): no need to ask again.
    let just_asked = attempt.checked_at == Some(state.clock.now());
    let checked = match attempt.trade_state.as_deref() {
        Some(n) if just_asked && n == TradeState::NotPay.name() => Checked::Unpaid { known: true },
        Some(n) if just_asked && n == TradeState::NotFound.name() => {
            Checked::Unpaid { known: false }
        }
        _ => check_attempt(state, attempt, true).await?,
    };
    match checked {
        Checked::Paid | Checked::Closed => Ok(true),
        Checked::Paying => Ok(false),
        Checked::Unpaid { known } => {
            if known && close_at_provider(state, attempt).await? == Closing::Paid {
                // Paid between our question and the close.
                check_attempt(state, attempt, true).await?;
                return Ok(true);
            }
            close_recorded(
                state,
                attempt,
                PaymentNotice::CodeReplaced,
                "closed before a new code",
            )
            .await?;
            Ok(true)
        }
    }
}

async fn close_recorded(
    state: &AppState,
    attempt: &Attempt,
    notice: PaymentNotice,
    why: &str,
) -> ApiResult<()> {
    let now = state.clock.now();
    let (order_no, out_trade_no, why) = (
        attempt.order_no.clone(),
        attempt.out_trade_no.clone(),
        why.to_owned(),
    );
    state
        .db
        .call(move |conn| {
            let tx = write_tx(conn)?;
            if orders::close_attempt(&tx, &out_trade_no)? {
                orders::log(
                    &tx,
                    &order_no,
                    Some(&out_trade_no),
                    "attempt_closed",
                    &why,
                    now,
                )?;
                let order = orders::get(&tx, &order_no)?;
                if order.is_some_and(|o| o.order.status == OrderStatus::Unpaid) {
                    orders::set_notice(&tx, &order_no, Some(notice))?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
}

/// What asking about an attempt found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Checked {
    /// Paid (now recorded).
    Paid,
    /// USERPAYING: leave it alone.
    Paying,
    /// Closed, revoked, failed or expired (now recorded as closed).
    Closed,
    /// Not paid; `known` whether the provider has it at all.
    Unpaid { known: bool },
}

/// Asks the provider about an attempt and records what it says. With `strict`, a provider
/// failure is an error; otherwise the attempt counts as unpaid for now.
async fn check_attempt(state: &AppState, attempt: &Attempt, strict: bool) -> ApiResult<Checked> {
    let no = attempt.out_trade_no.clone();
    let trade = match call(state, move |p| p.query(&no)).await? {
        Ok(t) => t,
        Err(e) if strict => return Err(unavailable(&e)),
        Err(e) => {
            tracing::warn!(attempt = %attempt.out_trade_no, error = %e, "payment query failed");
            return Ok(Checked::Unpaid { known: true });
        }
    };
    let now = state.clock.now();
    let (no, name) = (attempt.out_trade_no.clone(), trade.name());
    state
        .db
        .call(move |conn| Ok(orders::checked(conn, &no, name, now)?))
        .await?;
    Ok(match trade {
        TradeState::Success {
            paid_at,
            transaction_id,
            amount_fen,
        }
        | TradeState::Refund {
            paid_at,
            transaction_id,
            amount_fen,
        } => {
            record_payment(
                state,
                &attempt.out_trade_no,
                &transaction_id,
                amount_fen,
                paid_at,
            )
            .await?;
            Checked::Paid
        }
        TradeState::UserPaying => Checked::Paying,
        TradeState::Closed | TradeState::Revoked => {
            close_recorded(
                state,
                attempt,
                PaymentNotice::CodeReplaced,
                "closed at the provider",
            )
            .await?;
            Checked::Closed
        }
        TradeState::PayError => {
            // A failed payment ends the attempt: close it there, and say so to the candidate.
            if let Err(e) = close_at_provider(state, attempt).await {
                tracing::warn!(attempt = %attempt.out_trade_no, error = ?e, "closing a failed attempt");
            }
            close_recorded(state, attempt, PaymentNotice::PaymentFailed, "PAYERROR").await?;
            Checked::Closed
        }
        TradeState::NotPay => Checked::Unpaid { known: true },
        TradeState::NotFound => Checked::Unpaid { known: false },
    })
}

/// Records that the attempt `out_trade_no` was paid: the attempt, then (the first time the
/// order is paid) the order and the application by `confirm_payment`. A second paid attempt
/// of an order already paid is refunded automatically and logged for staff. Repeats change
/// nothing. An amount that differs from the attempt's is refused (422) and logged.
pub async fn record_payment(
    state: &AppState,
    out_trade_no: &str,
    transaction_id: &str,
    amount_fen: u64,
    paid_at: Timestamp,
) -> ApiResult<()> {
    let now = state.clock.now();
    let (no, tid) = (out_trade_no.to_owned(), transaction_id.to_owned());
    let duplicate = state
        .db
        .call(move |conn| {
            let tx = write_tx(conn)?;
            let Some(attempt) = orders::attempt(&tx, &no)? else {
                tracing::error!(attempt = %no, "a payment of an unknown attempt");
                return Err(order_not_found());
            };
            if attempt.amount_fen != amount_fen {
                tracing::error!(
                    attempt = %no,
                    paid = amount_fen,
                    expected = attempt.amount_fen,
                    "a payment with the wrong amount"
                );
                return Err(
                    ApiError::validation("the paid amount differs from the order's")
                        .with_field("amount.total", "mismatch"),
                );
            }
            if !orders::pay_attempt(&tx, &no, &tid, paid_at)? {
                return Ok(None);
            }
            let order = orders::get(&tx, &attempt.order_no)?.ok_or_else(order_not_found)?;
            let order_no = &attempt.order_no;
            let duplicate = if order.order.status == OrderStatus::Unpaid {
                orders::mark_paid(&tx, order_no, paid_at)?;
                orders::set_notice(&tx, order_no, None)?;
                orders::log(
                    &tx,
                    order_no,
                    Some(&no),
                    "paid",
                    &format!("transaction {tid}"),
                    now,
                )?;
                // Orders exist only for applications awaiting payment; the money is
                // recorded on the order regardless.
                move_application(
                    &tx,
                    &order.order.application_id,
                    Transition::ConfirmPayment,
                    now,
                )?;
                None
            } else {
                // The order was already paid (or refunded, or closed): this money is a
                // second payment and goes back.
                tracing::error!(
                    order = %order_no,
                    attempt = %no,
                    "a second payment of one order: refunding it automatically"
                );
                let refund = StoredRefund {
                    out_refund_no: out_refund_no(&no),
                    order_no: order_no.clone(),
                    out_trade_no: no.clone(),
                    amount_fen,
                    reason: "重复支付，自动退款".to_owned(),
                    requested_by: "automatic".to_owned(),
                    duplicate: true,
                    state: RefundRowState::Requested,
                    created_at: now,
                    completed_at: None,
                };
                orders::insert_refund(&tx, &refund)?;
                orders::log(
                    &tx,
                    order_no,
                    Some(&no),
                    "duplicate_payment",
                    &format!(
                        "transaction {tid}; refund {} requested",
                        refund.out_refund_no
                    ),
                    now,
                )?;
                Some(refund)
            };
            tx.commit()?;
            Ok(duplicate)
        })
        .await?;
    if let Some(refund) = duplicate {
        // The reconciler repeats it if the provider does not take it now.
        if let Err(e) = request_refund(state, &refund).await {
            tracing::warn!(refund = %refund.out_refund_no, error = ?e, "refund request postponed");
        }
    }
    Ok(())
}

/// Moves an order's application by `transition` (payment, refund). One that cannot move
/// (it was not awaiting payment, or not paid) is logged as an error: the money is on the
/// order whatever the application says.
fn move_application(
    conn: &rusqlite::Connection,
    application_id: &str,
    transition: Transition,
    now: Timestamp,
) -> ApiResult<()> {
    let app = applications::by_id_with_phone(conn, application_id)?
        .ok_or_else(|| ApiError::internal("an order's application is missing"))?
        .0;
    match app.status.apply(transition) {
        Some(next) => applications::set_status(conn, &app.id, next, now)?,
        None => tracing::error!(
            application = %app.id,
            status = %status_name(app.status),
            ?transition,
            "money moved for an application that cannot follow"
        ),
    }
    Ok(())
}

/// Asks the provider for a recorded refund (again, unchanged) and records its answer.
pub async fn request_refund(state: &AppState, refund: &StoredRefund) -> ApiResult<()> {
    let total_fen = {
        let no = refund.out_trade_no.clone();
        state
            .db
            .call(move |conn| Ok(orders::attempt(conn, &no)?.map(|a| a.amount_fen)))
            .await?
            .ok_or_else(|| ApiError::internal("a refund's attempt is missing"))?
    };
    let req = RefundRequest {
        out_trade_no: refund.out_trade_no.clone(),
        out_refund_no: refund.out_refund_no.clone(),
        amount_fen: refund.amount_fen,
        total_fen,
        reason: refund.reason.clone(),
    };
    match call(state, move |p| p.refund(&req)).await? {
        Ok(outcome) => settle_refund(state, &refund.out_refund_no, outcome).await,
        Err(e @ ProviderError::Unavailable(_)) => Err(unavailable(&e)),
        // The merchant's balance cannot cover it yet: staff top up; the reconciler repeats.
        Err(e) if e.is("NOT_ENOUGH") || e.is("FREQUENCY_LIMITED") => {
            tracing::error!(refund = %refund.out_refund_no, error = %e, "a refund must wait");
            Err(unavailable(&e))
        }
        Err(e) => {
            tracing::error!(refund = %refund.out_refund_no, error = %e, "a refund was refused");
            settle_refund(state, &refund.out_refund_no, RefundState::Abnormal).await?;
            Err(ApiError::new(
                ErrorCode::InvalidTransition,
                format!("the payment provider refused the refund: {e}"),
            ))
        }
    }
}

/// Records what became of a refund; a success refunds the order and moves the application
/// (unless it returned a second payment, which leaves both as they were).
pub async fn settle_refund(
    state: &AppState,
    out_refund_no: &str,
    outcome: RefundState,
) -> ApiResult<()> {
    let now = state.clock.now();
    let no = out_refund_no.to_owned();
    state
        .db
        .call(move |conn| {
            let tx = write_tx(conn)?;
            let refund = orders::refund(&tx, &no)?
                .ok_or_else(|| ApiError::not_found("no such refund"))?;
            let (row_state, at) = match outcome {
                RefundState::Processing => (RefundRowState::Processing, None),
                RefundState::Success { at } => (RefundRowState::Success, Some(at)),
                RefundState::Closed => (RefundRowState::Closed, None),
                RefundState::Abnormal => (RefundRowState::Abnormal, None),
            };
            if refund.state == row_state
                || !orders::set_refund_state(&tx, &no, row_state, at)?
            {
                tx.commit()?;
                return Ok(());
            }
            orders::log(&tx, &refund.order_no, Some(&refund.out_trade_no), &format!("refund_{}", row_state.as_sql()), &no, now)?;
            match outcome {
                RefundState::Success { at } => {
                    orders::refund_attempt(&tx, &refund.out_trade_no)?;
                    if !refund.duplicate && orders::mark_refunded(&tx, &refund.order_no, at)? {
                        let order = orders::get(&tx, &refund.order_no)?.ok_or_else(order_not_found)?;
                        move_application(&tx, &order.order.application_id, Transition::Refund, now)?;
                    }
                }
                RefundState::Closed | RefundState::Abnormal => {
                    tracing::error!(refund = %no, order = %refund.order_no, state = row_state.as_sql(), "a refund did not go through: staff must act");
                    if !refund.duplicate {
                        orders::set_notice(&tx, &refund.order_no, None)?;
                    }
                }
                RefundState::Processing => {}
            }
            tx.commit()?;
            Ok(())
        })
        .await
}

/// Staff refund the whole fee of a paid application (`reason` already checked). Answers
/// once the provider accepted the request; the order shows `refund_pending` until it
/// completes (often at once).
pub async fn refund_application(
    state: &AppState,
    application_id: &str,
    reason: &str,
    requested_by: &str,
) -> ApiResult<String> {
    let now = state.clock.now();
    let (id, reason, by) = (
        application_id.to_owned(),
        reason.trim().to_owned(),
        requested_by.to_owned(),
    );
    let refund = state
        .db
        .call(move |conn| {
            let tx = write_tx(conn)?;
            let paid = tx
                .prepare_cached(
                    "SELECT order_no FROM orders WHERE application_id = ?1 AND status = 'paid'",
                )?
                .query_row([&id], |r| r.get::<_, String>(0))
                .ok();
            let Some(order_no) = paid else {
                return Err(ApiError::new(
                    ErrorCode::InvalidTransition,
                    "only a paid application can be refunded",
                ));
            };
            let attempt = orders::attempts(&tx, &order_no)?
                .into_iter()
                .find(|a| a.state == AttemptState::Paid)
                .ok_or_else(|| ApiError::internal("a paid order without a paid attempt"))?;
            let refund = StoredRefund {
                out_refund_no: out_refund_no(&attempt.out_trade_no),
                order_no: order_no.clone(),
                out_trade_no: attempt.out_trade_no.clone(),
                amount_fen: attempt.amount_fen,
                reason,
                requested_by: by,
                duplicate: false,
                state: RefundRowState::Requested,
                created_at: now,
                completed_at: None,
            };
            // A repeat (same attempt) finds the refund already recorded: ask again.
            if orders::insert_refund(&tx, &refund)? {
                orders::set_notice(&tx, &order_no, Some(PaymentNotice::RefundPending))?;
                orders::log(
                    &tx,
                    &order_no,
                    Some(&attempt.out_trade_no),
                    "refund_requested",
                    &format!("{}: {}", refund.requested_by, refund.reason),
                    now,
                )?;
            }
            let stored = orders::refund(&tx, &refund.out_refund_no)?.unwrap_or(refund);
            tx.commit()?;
            Ok(stored)
        })
        .await?;
    if refund.state == RefundRowState::Requested {
        request_refund(state, &refund).await?;
    }
    Ok(refund.order_no)
}

/// Brings an unpaid order up to date for the candidate: asks the provider about its
/// current attempt (always with `strict`, which is 我已支付; otherwise at most every
/// [`POLL_QUERY_INTERVAL_S`]), records a payment, and renews a code that expired or ended.
/// Without `strict`, a provider failure leaves the order as last known.
pub async fn sync_order(state: &AppState, order_no: &str, strict: bool) -> ApiResult<()> {
    let _held = state.order_locks.lock(order_no).await;
    let no = order_no.to_owned();
    let (status, attempts) = state
        .db
        .call(move |conn| {
            let order = orders::get(conn, &no)?.ok_or_else(order_not_found)?;
            Ok((order.order.status, orders::attempts(conn, &no)?))
        })
        .await?;
    if status != OrderStatus::Unpaid {
        return Ok(());
    }
    let now = state.clock.now();
    if let Some(current) = current_attempt(&attempts) {
        let due = strict
            || current
                .checked_at
                .is_none_or(|t| now.0 - t.0 >= POLL_QUERY_INTERVAL_S);
        if due && check_attempt(state, current, strict).await? == Checked::Paid {
            return Ok(());
        }
    }
    match ensure_code_locked(state, order_no).await {
        Ok(()) => Ok(()),
        Err(e) if strict => Err(e),
        Err(e) => {
            tracing::warn!(order = %order_no, error = ?e, "renewing a code failed");
            Ok(())
        }
    }
}

/// What one reconciler pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reconciled {
    /// Attempts asked about.
    pub checked: usize,
    /// Payments found (notifications that never came).
    pub paid: usize,
    /// Attempts closed (expired or abandoned).
    pub closed: usize,
    /// Refunds asked for again or asked about.
    pub refunds: usize,
}

/// One pass of the reconciler (see the module's documentation).
pub async fn reconcile_once(state: &AppState) -> ApiResult<Reconciled> {
    let mut done = Reconciled::default();
    call(state, |p| p.maintain()).await?;
    let now = state.clock.now();
    let grace =
        i64::try_from(state.config.notification_grace.as_secs()).unwrap_or(RECONCILE_AFTER_S);
    let due = state
        .db
        .call(move |conn| {
            Ok(orders::attempts_to_reconcile(
                conn,
                now,
                Timestamp(now.0 - grace),
                Timestamp(now.0 - grace),
                RECONCILE_BATCH,
            )?)
        })
        .await?;
    for attempt in due {
        let _held = state.order_locks.lock(&attempt.order_no).await;
        // Re-read under the lock: a candidate's request may have moved it on.
        let no = attempt.out_trade_no.clone();
        let Some(attempt) = state
            .db
            .call(move |conn| Ok(orders::attempt(conn, &no)?))
            .await?
            .filter(|a| matches!(a.state, AttemptState::Pending | AttemptState::Open))
        else {
            continue;
        };
        done.checked += 1;
        let order_paid = {
            let no = attempt.order_no.clone();
            state
                .db
                .call(move |conn| Ok(orders::get(conn, &no)?.map(|o| o.order.status)))
                .await?
                != Some(OrderStatus::Unpaid)
        };
        match check_attempt(state, &attempt, false).await {
            Ok(Checked::Paid) => done.paid += 1,
            Ok(Checked::Closed) => done.closed += 1,
            Ok(Checked::Paying) => {}
            Ok(Checked::Unpaid { known }) => {
                // Expired, or left open beside an order paid another way: close it.
                if order_paid || now.0 >= attempt.time_expire.0 {
                    if known {
                        match close_at_provider(state, &attempt).await {
                            Ok(Closing::Closed) => {}
                            Ok(Closing::Paid) => {
                                if check_attempt(state, &attempt, false).await? == Checked::Paid {
                                    done.paid += 1;
                                }
                                continue;
                            }
                            Err(e) => {
                                tracing::warn!(attempt = %attempt.out_trade_no, error = ?e, "closing an expired attempt failed");
                                continue;
                            }
                        }
                    }
                    close_recorded(
                        state,
                        &attempt,
                        PaymentNotice::CodeReplaced,
                        "expired (reconciler)",
                    )
                    .await?;
                    done.closed += 1;
                }
            }
            Err(e) => {
                tracing::warn!(attempt = %attempt.out_trade_no, error = ?e, "reconciling an attempt failed")
            }
        }
    }
    let refunds = state
        .db
        .call(|conn| Ok(orders::unsettled_refunds(conn, RECONCILE_BATCH)?))
        .await?;
    for refund in refunds {
        done.refunds += 1;
        let result = match refund.state {
            RefundRowState::Requested => request_refund(state, &refund).await,
            _ => {
                let no = refund.out_refund_no.clone();
                match call(state, move |p| p.query_refund(&no)).await? {
                    Ok(outcome) => settle_refund(state, &refund.out_refund_no, outcome).await,
                    Err(e) => Err(unavailable(&e)),
                }
            }
        };
        if let Err(e) = result {
            tracing::warn!(refund = %refund.out_refund_no, error = ?e, "reconciling a refund failed");
        }
    }
    if done != Reconciled::default() {
        tracing::info!(?done, "payments reconciled");
    }
    Ok(done)
}

/// Runs [`reconcile_once`] every `every`, for the life of the process.
pub fn spawn_reconciler(state: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(e) = reconcile_once(&state).await {
                tracing::error!(error = ?e, "the payments reconciler failed");
            }
        }
    })
}
