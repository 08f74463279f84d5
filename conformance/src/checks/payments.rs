//! 待缴费: `POST /applications/{id}/orders`, `GET /orders/{order_no}`,
//! `POST /orders/{order_no}/query`, the candidate paying (the development sandbox's
//! `POST /dev/orders/{order_no}/mark-paid`, or with `--wechat-double` the WeChat Pay test
//! double's phone scanning the order's `code_url`), then the reviewer's
//! `POST /admin/applications/{id}/admission-ticket` and `POST /admin/applications/{id}/refund`.
//!
//! The checks follow the application the review area approved (the shared account's, now
//! `awaiting_payment`): an order is refused without an `Idempotency-Key`, created with one
//! (the plan's fee, a WeChat Pay Native code valid for at most 2 hours), answered again as
//! the same order for a new key, hidden from another candidate (the applications area's
//! [`applications::other`], so no account is registered here), paid through the sandbox and
//! learned by the query, after which the application is `paid`, no further order can be
//! made, and the reviewer marks the admission ticket ready.

use std::cell::OnceCell;

use baoming_contract::api::{Application, IDEMPOTENCY_KEY_HEADER, Order, OrderStatus};
use baoming_contract::error::ErrorCode;
use baoming_contract::plan::Plan;
use baoming_contract::review::{ORDER_CODE_TTL_S, is_order_no};
use baoming_contract::status::ApplicationStatus;

use super::applications::{self, current, owner};
use super::review::{admin, admin_path};
use super::{Check, CheckResult, Ctx, accounts};
use crate::client::{Request, Response, encode_segment};
use crate::cookie::Jar;
use crate::expect;

/// What every WeChat Pay Native `code_url` starts with. The rest is WeChat's business
/// (`weixin://wxpay/bizpayurl?pr=…`, `weixin://wxpay/bizpayurl/up?pr=…&groupid=00`): a
/// backend must pass on exactly what WeChat answered.
pub const CODE_URL_PREFIX: &str = "weixin://";
/// How far the backend's clock may be from ours when judging an order's times.
const CLOCK_SKEW_S: i64 = 60;

pub fn checks() -> Vec<Check> {
    let area = "payments";
    vec![
        Check::new(
            area,
            "POST /applications/{id}/orders without an Idempotency-Key answers 422 validation_failed, fields.idempotency_key required",
            without_key,
        )
        .needs_dev(),
        Check::new(
            area,
            "POST /applications/{id}/orders with a key answers 200 Order: unpaid, the plan's fee_fen, a weixin:// code_url valid for at most 2 hours",
            create,
        )
        .needs_dev()
        .needs_reviewer(),
        Check::new(
            area,
            "POST /applications/{id}/orders again (the same key, then a new one) answers the same order_no",
            create_again,
        )
        .needs_dev()
        .needs_reviewer(),
        Check::new(
            area,
            "another account gets 404 not_found from GET /orders/{no}, its query and the application's orders",
            other_account,
        )
        .needs_dev()
        .needs_reviewer(),
        Check::new(
            area,
            "GET /orders/{no} answers the order, unpaid",
            get_unpaid,
        )
        .needs_dev()
        .needs_reviewer(),
        Check::new(
            area,
            "the candidate pays: POST /dev/orders/{no}/mark-paid answers 200 with the order (with --wechat-double: the double's phone pays the code_url)",
            mark_paid,
        )
        .needs_dev()
        .needs_reviewer(),
        Check::new(
            area,
            "POST /orders/{no}/query answers the order paid, with paid_at",
            query_paid,
        )
        .needs_dev()
        .needs_reviewer(),
        Check::new(
            area,
            "the application is now paid",
            application_paid,
        )
        .needs_dev()
        .needs_reviewer(),
        Check::new(
            area,
            "POST /applications/{id}/orders for a paid application answers 409 invalid_transition",
            create_when_paid,
        )
        .needs_dev()
        .needs_reviewer(),
        Check::new(
            area,
            "POST /admin/applications/{id}/admission-ticket answers 200 ticket_ready",
            ticket,
        )
        .needs_dev()
        .needs_reviewer(),
        Check::new(
            area,
            "POST /admin/applications/{id}/refund without a reason answers 422 validation_failed, fields.reason",
            refund_without_reason,
        )
        .needs_dev()
        .needs_reviewer(),
        Check::new(
            area,
            "POST /admin/applications/{id}/refund answers 200 Order (refunded, or refund_pending); then the order is refunded and the application refunded",
            refund,
        )
        .needs_dev()
        .needs_reviewer(),
        Check::new(
            area,
            "POST /admin/applications/{id}/refund again answers 409 invalid_transition",
            refund_again,
        )
        .needs_dev()
        .needs_reviewer(),
    ]
}

// ---------------------------------------------------------------- shared state

/// The order the checks follow, as creating it answered, and the key it was created with.
struct Created {
    key: String,
    order: Order,
}

/// What the payments checks share within a run.
pub struct Shared {
    created: OnceCell<Result<Created, String>>,
}

impl Shared {
    pub fn new() -> Shared {
        Shared {
            created: OnceCell::new(),
        }
    }
}

impl Default for Shared {
    fn default() -> Shared {
        Shared::new()
    }
}

// ---------------------------------------------------------------- helpers

/// `POST /applications/{id}/orders` with the jar's session and `key`.
fn order_request(ctx: &Ctx, jar: &Jar, id: &str, key: Option<&str>) -> Result<Response, String> {
    let mut req = Request::new("POST", &applications::application_path(id, "/orders")).cookies(jar);
    if let Some(key) = key {
        req = req.header(IDEMPOTENCY_KEY_HEADER, key);
    }
    ctx.client.send(req)
}

/// `/orders/{no}` (and below it).
fn order_path(order_no: &str, rest: &str) -> String {
    format!("/orders/{}{rest}", encode_segment(order_no))
}

/// The application the checks follow, as its owner sees it now.
fn followed(ctx: &Ctx) -> Result<Application, String> {
    let owner = owner(ctx)?;
    current(ctx, &owner.jar, &applications::submitted(ctx)?.id)
}

/// What is wrong with an unpaid order of `app` for `plan`'s fee, as answered around `now`.
fn unpaid_problems(order: &Order, app: &Application, plan: &Plan) -> Vec<String> {
    let now = accounts::now();
    let mut problems = Vec::new();
    if !is_order_no(&order.order_no) {
        problems.push(format!(
            "order_no {:?} is not BM, a date and 10 digits",
            order.order_no
        ));
    }
    if order.application_id != app.id {
        problems.push(format!(
            "application_id is {:?}, expected {:?}",
            order.application_id, app.id
        ));
    }
    if order.amount_fen != plan.fee_fen {
        problems.push(format!(
            "amount_fen is {}, expected the plan's fee_fen {}",
            order.amount_fen, plan.fee_fen
        ));
    }
    if order.status != OrderStatus::Unpaid {
        problems.push(format!("status is {:?}, expected unpaid", order.status));
    }
    match &order.code_url {
        Some(url) if url.starts_with(CODE_URL_PREFIX) && url.len() > CODE_URL_PREFIX.len() => {}
        other => problems.push(format!(
            "code_url is {other:?}, expected {CODE_URL_PREFIX}…"
        )),
    }
    match order.code_expires_at {
        Some(at) if at.0 > now.0 - CLOCK_SKEW_S && at.0 <= now.0 + ORDER_CODE_TTL_S + CLOCK_SKEW_S => {}
        other => problems.push(format!(
            "code_expires_at is {:?}, expected in the future and at most 2 hours (+1 minute) from now ({})",
            other.map(|t| t.to_rfc3339()),
            now.to_rfc3339()
        )),
    }
    if order.paid_at.is_some() {
        problems.push("an unpaid order has a paid_at".to_owned());
    }
    problems
}

/// The order the checks follow: created (with a fresh key) by the first check that asks,
/// once the application awaits payment.
fn created(ctx: &Ctx) -> Result<&Created, String> {
    ctx.payments
        .created
        .get_or_init(|| {
            let owner = owner(ctx)?;
            let app = followed(ctx)?;
            if app.status != ApplicationStatus::AwaitingPayment {
                return Err(format!(
                    "the application is {:?}; an order needs it awaiting_payment (the review checks approve it)",
                    app.status
                ));
            }
            let resp = ctx.client.get(&format!("/plans/{}", encode_segment(&app.plan_id)))?;
            let plan: Plan = expect::json(&resp, 200)?;
            let key = ctx.applications.fresh_key();
            let resp = order_request(ctx, &owner.jar, &app.id, Some(&key))?;
            let order: Order = expect::json(&resp, 200)?;
            let problems = unpaid_problems(&order, &app, &plan);
            if problems.is_empty() {
                Ok(Created { key, order })
            } else {
                Err(format!("{}: {}", resp.what, problems.join("; ")))
            }
        })
        .as_ref()
        .map_err(|e| format!("creating the order failed: {e}"))
}

/// The answer is an `Order` with the created order's number.
fn same_order(resp: &Response, first: &Order) -> Result<Order, String> {
    let order: Order = expect::json(resp, 200)?;
    expect::ensure(order.order_no == first.order_no, || {
        format!(
            "{}: order_no is {:?}, expected the application's open order {:?}",
            resp.what, order.order_no, first.order_no
        )
    })?;
    Ok(order)
}

/// The application is in `status`.
fn expect_status(app: &Application, status: ApplicationStatus) -> CheckResult {
    expect::ensure(app.status == status, || {
        format!(
            "the application is {:?}, expected {status:?} (events {:?})",
            app.status, app.events
        )
    })
}

// ---------------------------------------------------------------- checks

fn without_key(ctx: &Ctx) -> CheckResult {
    let owner = owner(ctx)?;
    let id = &applications::submitted(ctx)?.id;
    let resp = order_request(ctx, &owner.jar, id, None)?;
    let env = expect::envelope_for(&resp, ErrorCode::ValidationFailed)?;
    expect::field(&resp, &env, "idempotency_key", "required")
}

fn create(ctx: &Ctx) -> CheckResult {
    let c = created(ctx)?;
    let app = followed(ctx)?;
    expect_status(&app, ApplicationStatus::AwaitingPayment)
        .map_err(|e| format!("creating order {}: {e}", c.order.order_no))
}

fn create_again(ctx: &Ctx) -> CheckResult {
    let owner = owner(ctx)?;
    let c = created(ctx)?;
    let id = &c.order.application_id;
    for key in [c.key.clone(), ctx.applications.fresh_key()] {
        let resp = order_request(ctx, &owner.jar, id, Some(&key))?;
        let order = same_order(&resp, &c.order)?;
        expect::ensure(
            order.status == OrderStatus::Unpaid && order.amount_fen == c.order.amount_fen,
            || {
                format!(
                    "{}: expected the unpaid order of {} fen, got {order:?}",
                    resp.what, c.order.amount_fen
                )
            },
        )?;
    }
    Ok(())
}

fn other_account(ctx: &Ctx) -> CheckResult {
    let c = created(ctx)?;
    let other = applications::other(ctx)?;
    let no = &c.order.order_no;
    let attempts = [
        Request::get(&order_path(no, "")),
        Request::new("POST", &order_path(no, "/query")),
        Request::new(
            "POST",
            &applications::application_path(&c.order.application_id, "/orders"),
        )
        .header(IDEMPOTENCY_KEY_HEADER, &ctx.applications.fresh_key()),
    ];
    for req in attempts {
        let resp = ctx.client.send(req.cookies(&other.jar))?;
        expect::envelope_for(&resp, ErrorCode::NotFound)
            .map_err(|e| format!("another account: {e}"))?;
    }
    Ok(())
}

fn get_unpaid(ctx: &Ctx) -> CheckResult {
    let owner = owner(ctx)?;
    let c = created(ctx)?;
    let resp = ctx
        .client
        .send(Request::get(&order_path(&c.order.order_no, "")).cookies(&owner.jar))?;
    let order = same_order(&resp, &c.order)?;
    expect::ensure(
        order.status == OrderStatus::Unpaid
            && order.paid_at.is_none()
            && order.amount_fen == c.order.amount_fen
            && order.application_id == c.order.application_id,
        || {
            format!(
                "{}: expected the order unpaid as created, got {order:?}",
                resp.what
            )
        },
    )
}

fn mark_paid(ctx: &Ctx) -> CheckResult {
    let c = created(ctx)?;
    if let Some(double) = &ctx.wechat_double {
        let code_url = c
            .order
            .code_url
            .as_deref()
            .ok_or("the order has no code_url to scan")?;
        return crate::double::pay_code(double, code_url);
    }
    let resp = ctx.client.send(Request::new(
        "POST",
        &format!(
            "/dev/orders/{}/mark-paid",
            encode_segment(&c.order.order_no)
        ),
    ))?;
    same_order(&resp, &c.order).map(|_| ())
}

fn query_paid(ctx: &Ctx) -> CheckResult {
    let owner = owner(ctx)?;
    let c = created(ctx)?;
    let resp = ctx
        .client
        .send(Request::new("POST", &order_path(&c.order.order_no, "/query")).cookies(&owner.jar))?;
    let order = same_order(&resp, &c.order)?;
    expect::ensure(order.status == OrderStatus::Paid, || {
        format!(
            "{}: status is {:?}, expected paid (the sandbox was told it is paid)",
            resp.what, order.status
        )
    })?;
    let paid_at = order
        .paid_at
        .ok_or_else(|| format!("{}: a paid order has no paid_at", resp.what))?;
    accounts::recent_at(&resp.what, "paid_at", paid_at)?;
    expect::ensure(order.amount_fen == c.order.amount_fen, || {
        format!("{}: amount_fen changed to {}", resp.what, order.amount_fen)
    })
}

fn application_paid(ctx: &Ctx) -> CheckResult {
    let app = followed(ctx)?;
    expect_status(&app, ApplicationStatus::Paid)?;
    match app.events.last() {
        Some(e) if e.status == ApplicationStatus::Paid => {
            accounts::recent_at("GET /applications/{id}", "the paid event's at", e.at)
        }
        _ => Err(format!(
            "events {:?} do not end with a paid event",
            app.events
        )),
    }
}

fn create_when_paid(ctx: &Ctx) -> CheckResult {
    let owner = owner(ctx)?;
    let app = followed(ctx)?;
    expect_status(&app, ApplicationStatus::Paid)?;
    let resp = order_request(
        ctx,
        &owner.jar,
        &app.id,
        Some(&ctx.applications.fresh_key()),
    )?;
    expect::envelope_for(&resp, ErrorCode::InvalidTransition)?;
    let after = followed(ctx)?;
    expect::ensure(after == app, || {
        "the refused order changed the application".to_owned()
    })
}

fn ticket(ctx: &Ctx) -> CheckResult {
    let before = followed(ctx)?;
    expect_status(&before, ApplicationStatus::Paid)?;
    let resp = ctx.client.send(admin(
        ctx,
        "POST",
        &admin_path(&before.id, "/admission-ticket"),
    )?)?;
    let app: Application = expect::json(&resp, 200)?;
    expect::ensure(
        app.id == before.id && app.status == ApplicationStatus::TicketReady,
        || {
            format!(
                "{}: expected {:?} ticket_ready, got {:?} {:?}",
                resp.what, before.id, app.id, app.status
            )
        },
    )?;
    let seen = followed(ctx)?;
    expect::ensure(seen == app, || {
        format!("the candidate's GET differs from the ticket's answer: {seen:?} vs {app:?}")
    })
}

fn refund_request(ctx: &Ctx, id: &str, reason: &str) -> Result<Response, String> {
    let req = admin(ctx, "POST", &admin_path(id, "/refund"))?;
    ctx.client
        .send(req.json(&serde_json::json!({ "reason": reason })))
}

fn refund_without_reason(ctx: &Ctx) -> CheckResult {
    let app = followed(ctx)?;
    let resp = refund_request(ctx, &app.id, "  ")?;
    let env = expect::envelope_for(&resp, ErrorCode::ValidationFailed)?;
    expect::field(&resp, &env, "reason", "required")
}

fn refund(ctx: &Ctx) -> CheckResult {
    let before = followed(ctx)?;
    expect_status(&before, ApplicationStatus::TicketReady)?;
    let resp = refund_request(ctx, &before.id, "考生申请退考")?;
    let order: Order = expect::json(&resp, 200)?;
    let c = created(ctx)?;
    expect::ensure(order.order_no == c.order.order_no, || {
        format!(
            "{}: the refund answered order {}",
            resp.what, order.order_no
        )
    })?;
    expect::ensure(
        order.status == OrderStatus::Refunded
            || order.notice == Some(baoming_contract::api::PaymentNotice::RefundPending),
        || {
            format!(
                "{}: expected refunded or refund_pending, got {order:?}",
                resp.what
            )
        },
    )?;
    // The provider's refund notification may take a moment.
    let owner = owner(ctx)?;
    for _ in 0..50 {
        let resp = ctx
            .client
            .send(Request::get(&order_path(&order.order_no, "")).cookies(&owner.jar))?;
        let now: Order = expect::json(&resp, 200)?;
        if now.status == OrderStatus::Refunded {
            expect::ensure(now.refunded_at.is_some(), || {
                format!("{}: a refunded order has no refunded_at", resp.what)
            })?;
            return expect_status(&followed(ctx)?, ApplicationStatus::Refunded);
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    Err(format!(
        "order {} was not refunded within 10 s",
        order.order_no
    ))
}

fn refund_again(ctx: &Ctx) -> CheckResult {
    let app = followed(ctx)?;
    expect_status(&app, ApplicationStatus::Refunded)?;
    let resp = refund_request(ctx, &app.id, "考生申请退考")?;
    expect::envelope_for(&resp, ErrorCode::InvalidTransition).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_paths_encode_the_number() {
        assert_eq!(
            order_path("BM202611280000000001", "/query"),
            "/orders/BM202611280000000001/query"
        );
        assert_eq!(order_path("a/b", ""), "/orders/a%2Fb");
    }
}
