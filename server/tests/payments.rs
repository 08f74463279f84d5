//! Payments in-process with the sandbox provider: one order per application whatever the
//! repeats, races and expiries, the amount from the plan, a payment learnt from the
//! provider exactly once, no second payment, and nobody else's orders.

mod common;

use baoming_contract::api::{Order, OrderStatus};
use baoming_contract::review::{ORDER_CODE_TTL_S, is_order_no};
use baoming_contract::status::ApplicationStatus;
use baoming_contract::time::Timestamp;
use common::journey::*;
use common::{Reply, TestApp};
use serde_json::json;

const PHONE_A: &str = "13800138000";
const PHONE_B: &str = "13900139000";

fn order(reply: &Reply) -> Order {
    assert_eq!(reply.status, 200, "{}", reply.text());
    serde_json::from_slice(&reply.body)
        .unwrap_or_else(|e| panic!("not an Order ({e}): {}", reply.text()))
}

async fn create_order(app: &TestApp, cookie: &str, id: &str, key: &str) -> Reply {
    Call::new("POST", format!("/api/v1/applications/{id}/orders"))
        .cookie(cookie)
        .key(key)
        .send(app)
        .await
}

fn order_rows(app: &TestApp) -> i64 {
    app.state
        .db
        .blocking(|c| c.query_row("SELECT COUNT(*) FROM orders", [], |r| r.get(0)))
        .unwrap()
}

/// The sandbox's codes look like WeChat's own example
/// (`weixin://wxpay/bizpayurl/up?pr=NwY5Mz9&groupid=00`).
fn assert_code_url(url: &str) {
    let code = url
        .strip_prefix("weixin://wxpay/bizpayurl/up?pr=")
        .and_then(|rest| rest.strip_suffix("&groupid=00"))
        .unwrap_or_else(|| panic!("{url}"));
    assert!(
        !code.is_empty() && code.bytes().all(|b| b.is_ascii_alphanumeric()),
        "{url}"
    );
}

#[tokio::test]
async fn the_whole_payment_path() {
    let (app, clock) = dev_app();
    let (cookie, approved) = approved(&app, PHONE_A).await;
    let id = approved.id.clone();
    let plan = first_plan(&app).await;

    // The key is required.
    let reply = Call::new("POST", format!("/api/v1/applications/{id}/orders"))
        .cookie(&cookie)
        .send(&app)
        .await;
    reply.assert_envelope(422, "validation_failed");
    assert_eq!(
        reply.json()["error"]["fields"]["idempotency_key"],
        "required"
    );

    // A new order: the plan's fee, a WeChat-shaped code valid 2 hours.
    let first = order(&create_order(&app, &cookie, &id, "pay-1").await);
    assert!(is_order_no(&first.order_no), "{}", first.order_no);
    assert!(
        first.order_no.starts_with("BM20261127"),
        "{}",
        first.order_no
    );
    assert_eq!(first.application_id, id);
    assert_eq!(first.amount_fen, plan.fee_fen);
    assert_eq!(first.status, OrderStatus::Unpaid);
    assert_code_url(first.code_url.as_deref().unwrap());
    assert_eq!(
        first.code_expires_at,
        Some(Timestamp(clock.now().0 + ORDER_CODE_TTL_S))
    );
    assert_eq!(first.paid_at, None);

    // The same key, and another key, answer the same order with the same code.
    assert_eq!(
        order(&create_order(&app, &cookie, &id, "pay-1").await),
        first
    );
    assert_eq!(
        order(&create_order(&app, &cookie, &id, "pay-2").await),
        first
    );
    assert_eq!(order_rows(&app), 1);

    // Close to expiry: a new code for the same order number.
    clock.advance(ORDER_CODE_TTL_S - 4 * 60);
    let refreshed = order(&create_order(&app, &cookie, &id, "pay-3").await);
    assert_eq!(refreshed.order_no, first.order_no);
    assert_ne!(refreshed.code_url, first.code_url);
    assert_code_url(refreshed.code_url.as_deref().unwrap());
    assert_eq!(
        refreshed.code_expires_at,
        Some(Timestamp(clock.now().0 + ORDER_CODE_TTL_S))
    );
    // Long after expiry, also through a repeated key.
    clock.advance(3 * ORDER_CODE_TTL_S);
    let again = order(&create_order(&app, &cookie, &id, "pay-1").await);
    assert_eq!(again.order_no, first.order_no);
    assert_ne!(again.code_url, refreshed.code_url);
    assert_eq!(order_rows(&app), 1);

    // Reading it asks the sandbox: not paid yet.
    let uri = format!("/api/v1/orders/{}", first.order_no);
    let read = order(
        &Call::new("GET", uri.clone())
            .cookie(&cookie)
            .send(&app)
            .await,
    );
    assert_eq!(read, again);

    // The candidate pays in the sandbox; the backend learns it on query, once.
    clock.advance(30);
    let paid_at = clock.now();
    let reply = Call::new(
        "POST",
        format!("/api/v1/dev/orders/{}/mark-paid", first.order_no),
    )
    .send(&app)
    .await;
    assert_eq!(order(&reply).status, OrderStatus::Unpaid);
    assert_eq!(
        get_app(&app, &cookie, &id).await.status,
        ApplicationStatus::AwaitingPayment
    );
    clock.advance(5);
    let query = format!("/api/v1/orders/{}/query", first.order_no);
    let paid = order(
        &Call::new("POST", query.clone())
            .cookie(&cookie)
            .send(&app)
            .await,
    );
    assert_eq!(paid.status, OrderStatus::Paid);
    assert_eq!(paid.paid_at, Some(paid_at));
    assert_eq!(paid.code_url, None);
    assert_eq!(paid.code_expires_at, None);
    let paid_app = get_app(&app, &cookie, &id).await;
    assert_eq!(paid_app.status, ApplicationStatus::Paid);
    let events_after_payment = paid_app.events.clone();
    assert_eq!(
        events_after_payment.last().map(|e| e.status),
        Some(ApplicationStatus::Paid)
    );

    // Idempotent: querying, reading and marking again change nothing.
    clock.advance(5);
    assert_eq!(
        order(&Call::new("POST", query).cookie(&cookie).send(&app).await),
        paid
    );
    assert_eq!(
        order(&Call::new("GET", uri).cookie(&cookie).send(&app).await),
        paid
    );
    Call::new(
        "POST",
        format!("/api/v1/dev/orders/{}/mark-paid", first.order_no),
    )
    .send(&app)
    .await;
    assert_eq!(
        get_app(&app, &cookie, &id).await.events,
        events_after_payment
    );

    // Paying again is refused; a repeated key answers the paid order, creating nothing.
    create_order(&app, &cookie, &id, "pay-new")
        .await
        .assert_envelope(409, "invalid_transition");
    assert_eq!(
        order(&create_order(&app, &cookie, &id, "pay-1").await),
        paid
    );
    assert_eq!(order_rows(&app), 1);

    // The ticket.
    let reply = Call::new(
        "POST",
        format!("/api/v1/admin/applications/{id}/admission-ticket"),
    )
    .reviewer()
    .send(&app)
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(application(&reply).status, ApplicationStatus::TicketReady);
    assert_eq!(
        get_app(&app, &cookie, &id).await.status,
        ApplicationStatus::TicketReady
    );
    assert_eq!(
        outbox(&app, PHONE_A).await.messages[0].text,
        "【职业技能等级认定】您的准考证已可打印，请登录查看考试安排。"
    );
    create_order(&app, &cookie, &id, "pay-after-ticket")
        .await
        .assert_envelope(409, "invalid_transition");
}

#[tokio::test]
async fn only_an_application_awaiting_payment_gets_an_order() {
    let (app, _) = dev_app();
    let (cookie, submitted) = submitted(&app, PHONE_A).await;
    create_order(&app, &cookie, &submitted.id, "k")
        .await
        .assert_envelope(409, "invalid_transition");
    create_order(&app, &cookie, "nope", "k")
        .await
        .assert_envelope(404, "not_found");
    assert_eq!(order_rows(&app), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clicks_create_one_order() {
    let (app, _) = dev_app();
    let (cookie, approved) = approved(&app, PHONE_A).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        // Half repeat one key, half each use their own, as double clicks and two tabs do.
        let key = if i % 2 == 0 {
            "same".to_owned()
        } else {
            format!("tab-{i}")
        };
        let request = Call::new(
            "POST",
            format!("/api/v1/applications/{}/orders", approved.id),
        )
        .cookie(&cookie)
        .key(&key)
        .request();
        let router = app.app.clone();
        tasks.push(tokio::spawn(
            async move { common::send(&router, request).await },
        ));
    }
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(order(&task.await.unwrap()).order_no);
    }
    numbers.dedup();
    assert_eq!(numbers.len(), 1, "{numbers:?}");
    assert_eq!(order_rows(&app), 1);
}

#[tokio::test]
async fn orders_are_their_owners_only() {
    let (app, _) = dev_app();
    let (cookie_a, approved_a) = approved(&app, PHONE_A).await;
    let cookie_b = register(&app, PHONE_B).await;
    let a_order = order(&create_order(&app, &cookie_a, &approved_a.id, "k").await);

    // B can neither create an order on A's application nor read or query A's order.
    create_order(&app, &cookie_b, &approved_a.id, "k")
        .await
        .assert_envelope(404, "not_found");
    for call in [
        Call::new("GET", format!("/api/v1/orders/{}", a_order.order_no)),
        Call::new("POST", format!("/api/v1/orders/{}/query", a_order.order_no)),
        Call::new("GET", "/api/v1/orders/BM202611270000000000".to_owned()),
    ] {
        call.cookie(&cookie_b)
            .send(&app)
            .await
            .assert_envelope(404, "not_found");
    }
    // Without a session: 401.
    Call::new("GET", format!("/api/v1/orders/{}", a_order.order_no))
        .send(&app)
        .await
        .assert_envelope(401, "unauthenticated");
    // The sandbox endpoint knows only real orders.
    Call::new("POST", "/api/v1/dev/orders/BM202611270000000000/mark-paid")
        .send(&app)
        .await
        .assert_envelope(404, "not_found");
    // A paid order is still invisible to B.
    Call::new(
        "POST",
        format!("/api/v1/dev/orders/{}/mark-paid", a_order.order_no),
    )
    .send(&app)
    .await;
    Call::new("POST", format!("/api/v1/orders/{}/query", a_order.order_no))
        .cookie(&cookie_b)
        .send(&app)
        .await
        .assert_envelope(404, "not_found");
    assert_eq!(
        get_app(&app, &cookie_a, &approved_a.id).await.status,
        ApplicationStatus::AwaitingPayment,
        "B's query must not have recorded A's payment"
    );
    // The amount comes from the plan, whatever a request might claim.
    let reply = Call::new(
        "POST",
        format!("/api/v1/applications/{}/orders", approved_a.id),
    )
    .cookie(&cookie_a)
    .key("k2")
    .json(&json!({"amount_fen": 1}))
    .send(&app)
    .await;
    let answered = order(&reply);
    assert_eq!(answered.amount_fen, first_plan(&app).await.fee_fen);
    // The sandbox had it paid: asking for the order again records the payment instead
    // of offering a code to pay twice.
    assert_eq!(answered.status, OrderStatus::Paid);
    assert_eq!(answered.order_no, a_order.order_no);
    assert_eq!(
        get_app(&app, &cookie_a, &approved_a.id).await.status,
        ApplicationStatus::Paid
    );
}

#[tokio::test]
async fn the_dev_payment_endpoint_exists_only_in_development_mode() {
    let app = TestApp::new();
    Call::new("POST", "/api/v1/dev/orders/BM202611270000000000/mark-paid")
        .send(&app)
        .await
        .assert_envelope(404, "not_found");
}
