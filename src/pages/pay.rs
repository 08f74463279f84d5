//! 待缴费: the application's WeChat Pay order as a QR code drawn in the browser, a countdown
//! to the code's expiry (then a new code for the SAME order), polling of the order (every
//! 2 s for the first minute, then every 5 s, paused while the tab is hidden), 我已支付, and
//! 缴费成功.

use baoming_contract::api::{Order, OrderStatus, PaymentNotice};
use baoming_contract::error::ErrorCode;
use baoming_contract::money::format_yuan;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use qrcode::QrCode;
use qrcode::render::svg;

use crate::api::{Api, ApiError};
use crate::components::feedback::{ErrorPanel, Loading, retry_of};
use crate::components::link::Link;
use crate::components::text::Written;
use crate::i18n::{Msg, countdown, t};
use crate::routes::AppRoute;

/// The QR code as SVG: large enough to scan from a screen, with its quiet zone.
pub fn qr_svg(code_url: &str) -> Option<String> {
    let code = QrCode::new(code_url.as_bytes()).ok()?;
    Some(
        code.render::<svg::Color>()
            .min_dimensions(240, 240)
            .quiet_zone(true)
            .build(),
    )
}

fn now_s() -> i64 {
    crate::clock::now().0
}

#[component]
pub fn PayPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("application_id").unwrap_or_default()));
    // One key per visit: a double click or a retried request gets the same order.
    let key = StoredValue::new(format!("order-{}", js_sys::Date::now() as u64));
    let order = LocalResource::new({
        let api = api.clone();
        move || {
            let (api, id) = (api.clone(), id.get());
            async move { api.order_for(&id, &key.get_value()).await }
        }
    });
    let retry = retry_of(order);
    // The plan being paid for, named above the amount.
    let plan_name = LocalResource::new(move || {
        let (api, id) = (api.clone(), id.get());
        async move {
            let app = api.application(&id).await.ok()?;
            api.plan(&app.plan_id).await.ok().map(|p| p.name)
        }
    });
    view! {
        <h1 class="bm-title">{t(Msg::PayTitle)}</h1>
        // The plan's name and the order arrive together, so nothing moves once drawn.
        {move || match order.get().filter(|_| plan_name.with(Option::is_some)) {
            None => view! { <Loading /> }.into_any(),
            // Nothing to pay (already paid, or not approved yet): the application page says why.
            Some(Err(ApiError::Api { body, .. })) if body.error.code == ErrorCode::InvalidTransition => view! {
                <section class="bm-card" role="status">
                    <p>{t(Msg::NothingToPay)}</p>
                    <p><Link to=AppRoute::Application { id: id.get_untracked() }>{t(Msg::BackToApplication)}</Link></p>
                </section>
            }.into_any(),
            Some(Err(error)) => view! { <ErrorPanel title=Msg::PayTitle error on_retry=retry /> }.into_any(),
            Some(Ok(o)) => view! {
                <p class="bm-wizard__plan">{plan_name.get().flatten().map(|name| view! { <Written text=name /> })}</p>
                <PayOrder initial=o application_id=id.get_untracked() on_expired=retry />
            }.into_any(),
        }}
    }
}

#[component]
fn PayOrder(initial: Order, application_id: String, on_expired: Callback<()>) -> impl IntoView {
    let api = expect_context::<Api>();
    let order = RwSignal::new(initial.clone());
    let now = RwSignal::new(now_s());
    let started = now_s();
    // Paid, or paid and refunded since: nothing to scan any more.
    let paid =
        move || order.with(|o| matches!(o.status, OrderStatus::Paid | OrderStatus::Refunded));
    let refunded = move || order.with(|o| o.status == OrderStatus::Refunded);
    let left = move || order.with(|o| o.code_expires_at.map(|e| e.0 - now.get()).unwrap_or(0));
    let order_no = initial.order_no.clone();
    // Polling is I/O: ask the backend about the order until it is paid.
    // A failing poll says so (and keeps polling); one poll at a time.
    let poll_problem = RwSignal::new(None::<Msg>);
    let polling = StoredValue::new(false);
    let poll = {
        let (api, order_no) = (api.clone(), order_no.clone());
        move || {
            if polling.get_value() {
                return;
            }
            polling.set_value(true);
            let (api, order_no) = (api.clone(), order_no.clone());
            leptos::task::spawn_local(async move {
                match api.order(&order_no).await {
                    Ok(o) => {
                        poll_problem.set(None);
                        order.set(o);
                    }
                    Err(error) => poll_problem.set(Some(error.message())),
                }
                polling.set_value(false);
            });
        }
    };
    let last_poll = StoredValue::new(0i64);
    if let Ok(handle) = set_interval_with_handle(
        move || {
            let t = now_s();
            now.set(t);
            if order.with_untracked(|o| o.status != OrderStatus::Unpaid) || document().hidden() {
                return;
            }
            let every = if t - started < 60 { 2 } else { 5 };
            if t - last_poll.get_value() >= every {
                last_poll.set_value(t);
                poll();
            }
            if order.with_untracked(|o| o.code_expires_at.is_some_and(|e| e.0 <= t)) {
                on_expired.run(());
            }
        },
        std::time::Duration::from_secs(1),
    ) {
        on_cleanup(move || handle.clear());
    }
    let query = {
        let (api, order_no) = (api.clone(), order_no.clone());
        Action::new_local(move |_: &()| {
            let (api, order_no) = (api.clone(), order_no.clone());
            async move {
                let o = api.query_order(&order_no).await?;
                let is_paid = o.status == OrderStatus::Paid;
                order.set(o);
                Ok::<bool, ApiError>(is_paid)
            }
        })
    };
    // The QR code is drawn just after the card, in its own task, so the first frame is quick;
    // drawn again when a poll brings a new code (the last one failed or was closed).
    let svg = RwSignal::new(String::new());
    let drawn = StoredValue::new(initial.code_url.clone());
    let code_url = initial.code_url.clone();
    set_timeout(
        move || svg.set(code_url.as_deref().and_then(qr_svg).unwrap_or_default()),
        std::time::Duration::ZERO,
    );
    Effect::new(move || {
        let url = order.with(|o| o.code_url.clone());
        if url.is_some() && url != drawn.get_value() {
            drawn.set_value(url.clone());
            svg.set(url.as_deref().and_then(qr_svg).unwrap_or_default());
        }
    });
    let notice = move || {
        order.with(|o| match o.notice? {
            PaymentNotice::PaymentFailed => Some(Msg::PaymentFailedNotice),
            PaymentNotice::CodeReplaced => Some(Msg::CodeReplacedNotice),
            PaymentNotice::RefundPending => Some(Msg::RefundPendingNotice),
        })
    };
    view! {
        <section class="bm-card bm-pay">
            <dl class="bm-facts bm-pay__amount">
                <div><dt>{t(Msg::PayAmount)}</dt><dd class="bm-fee">{format_yuan(initial.amount_fen)}</dd></div>
                <div><dt>{t(Msg::OrderNo)}</dt><dd class="bm-order-no">{order_no.clone()}</dd></div>
            </dl>
            <Show
                when=move || !paid()
                fallback={
                    let application_id = application_id.clone();
                    move || view! {
                        <div class="bm-pay__done" role="status">
                            <h2 class="bm-title">{move || if refunded() { t(Msg::RefundedTitle)() } else { t(Msg::PaySuccess)() }}</h2>
                            <p>{move || if refunded() { t(Msg::RefundedNotice)() } else { t(Msg::PaidNotice)() }}</p>
                            {move || notice().filter(|m| *m == Msg::RefundPendingNotice).map(|m| view! {
                                <p class="bm-notice bm-notice--info">{t(m)}</p>
                            })}
                            <p><Link to=AppRoute::Application { id: application_id.clone() }>{t(Msg::BackToApplication)}</Link></p>
                        </div>
                    }
                }
            >
                {move || notice().filter(|m| *m != Msg::RefundPendingNotice).map(|m| view! {
                    <p class="bm-notice bm-notice--warn" role="status">{t(m)}</p>
                })}
                <p class="bm-pay__scan">{t(Msg::ScanWithWechat)}</p>
                <div class="bm-pay__qr" role="img" aria-label=t(Msg::PayQrLabel) inner_html=move || svg.get()></div>
                <p class="bm-pay__countdown" role="timer">{move || countdown(left())}</p>
                <p class="bm-field__hint">{t(Msg::PhoneQrHint)}</p>
                {move || poll_problem.get().map(|m| view! {
                    <p class="bm-notice bm-notice--error" role="status" data-problem="poll">
                        {t(m)} " " {t(Msg::PollRetrying)}
                    </p>
                })}
                <button type="button" class="bm-button bm-button--primary bm-button--block" disabled=move || query.pending().get()
                    on:click=move |_| { query.dispatch(()); }>
                    {move || if query.pending().get() { t(Msg::Checking)() } else { t(Msg::IPaid)() }}
                </button>
                {move || match query.value().get() {
                    Some(Ok(false)) => Some(view! { <p class="bm-notice bm-notice--error" role="alert">{t(Msg::NotPaidYet)}</p> }.into_any()),
                    Some(Err(e)) => Some(view! { <p class="bm-notice bm-notice--error" role="alert">{t(e.message())}</p> }.into_any()),
                    _ => None,
                }}
            </Show>
        </section>
    }
}
