//! 报名详情: one application's 办理进度 as a stepper (the stages from [`crate::progress`]: done
//! ones with their dates, the current one with what to do now — 审核中 with the expected date,
//! 审核不通过 with 查看原因 and 重新提交, 待缴费 with the way to pay, 缴费成功, 准考证 — and what
//! is still to come greyed), the full status history below, refreshing itself while something
//! is pending.

use std::time::Duration;

use baoming_contract::api::{Application, ReviewTarget};
use baoming_contract::application::Step;
use baoming_contract::draft_field::Field;
use baoming_contract::status::ApplicationStatus;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::Api;
use crate::components::feedback::Loaded;
use crate::components::link::Link;
use crate::components::text::Written;
use crate::i18n::{
    Lang, Msg, date_time, field_label, label_colon, list_separator, material_label, status_label,
    t, top_field_label, use_lang,
};
use crate::progress::{self, Stage, StepState};
use crate::routes::AppRoute;

/// How often a pending application is refreshed.
const REFRESH: Duration = Duration::from_secs(15);

#[component]
pub fn ApplicationPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let loaded = LocalResource::new(move || {
        let (api, id) = (api.clone(), id.get());
        async move { api.application(&id).await }
    });
    // Polling is I/O: refresh while a decision or payment is pending and the tab is visible.
    if let Ok(handle) = set_interval_with_handle(
        move || {
            let pending =
                loaded.with_untracked(|a| matches!(a, Some(Ok(app)) if app.status.is_pending()));
            if pending && !document().hidden() {
                loaded.refetch();
            }
        },
        REFRESH,
    ) {
        on_cleanup(move || handle.clear());
    }
    view! {
        <h1 class="bm-title">{t(Msg::PageApplicationTitle)}</h1>
        <Loaded resource=loaded title=Msg::PageApplicationTitle let:app>
            <Status app />
        </Loaded>
    }
}

/// The wizard step where a reviewer's reason can be fixed.
fn step_for(target: &ReviewTarget) -> Step {
    match target {
        ReviewTarget::Document(_) | ReviewTarget::General => Step::Documents,
        ReviewTarget::Field(f) => baoming_contract::application::step_of_field(f),
    }
}

fn target_label(target: &ReviewTarget, lang: Lang) -> String {
    match target {
        ReviewTarget::Document(m) => material_label(*m, lang).to_string(),
        ReviewTarget::Field(f) => field_label(f)
            .map(|m| m.text(lang).to_string())
            .unwrap_or_else(|| f.clone()),
        ReviewTarget::General => String::new(),
    }
}

#[component]
fn Status(app: Application) -> impl IntoView {
    let lang = use_lang();
    let status = app.status;
    let id = app.id.clone();
    let changed: Vec<Field> = match (&app.submitted_draft, status) {
        (Some(before), ApplicationStatus::UnderReview | ApplicationStatus::Rejected) => {
            baoming_contract::application::changed_fields(before, &app.draft)
        }
        _ => Vec::new(),
    };
    let events = app.events.clone();
    let reasons = app.review_reasons.clone();
    let steps = crate::progress::steps(status, &app.events);
    // What the candidate should do now: shown in the current step.
    let now = match status {
        ApplicationStatus::Draft => view! {
            <p class="bm-stepper__todo">{t(Msg::ProgressDraftNow)}</p>
            <p><Link to=AppRoute::Wizard { id: id.clone(), step: 1 } class="bm-button bm-button--primary">{t(Msg::ContinueApplication)}</Link></p>
        }.into_any(),
        ApplicationStatus::UnderReview => view! {
            <p class="bm-stepper__todo">{t(Msg::UnderReviewNotice)}</p>
            {app.expected_decision_by.map(|d| view! { <p>{t(Msg::ExpectedDecision)} {move || label_colon(lang.get())} <time datetime=d.to_rfc3339()>{date_time(d)}</time></p> })}
            <p><Link to=AppRoute::Wizard { id: id.clone(), step: 1 } class="bm-button">{t(Msg::ContinueApplication)}</Link></p>
        }.into_any(),
        ApplicationStatus::Rejected => view! {
            <p class="bm-stepper__todo">{t(Msg::RejectedNotice)}</p>
            <p><a href="#bm-reasons">{t(Msg::ProgressSeeReasons)}</a></p>
        }.into_any(),
        ApplicationStatus::AwaitingPayment => view! {
            <p class="bm-stepper__todo">{t(Msg::ProgressPayNow)}</p>
            <p><Link to=AppRoute::Pay { application_id: id.clone() } class="bm-button bm-button--primary">{t(Msg::GoPay)}</Link></p>
        }.into_any(),
        ApplicationStatus::Paid => view! { <p class="bm-notice bm-notice--info">{t(Msg::PaidNotice)}</p> }.into_any(),
        ApplicationStatus::TicketReady => view! { <p class="bm-notice bm-notice--info">{t(Msg::TicketReadyNotice)}</p> }.into_any(),
        ApplicationStatus::Refunded => view! { <p class="bm-notice bm-notice--info">{t(Msg::RefundedNotice)}</p> }.into_any(),
    };
    let mut now = Some(now);
    view! {
        <section class="bm-card bm-status">
            <h2 class="bm-group__title bm-stepper__title" id="bm-progress-title">{t(Msg::Timeline)}</h2>
            <ol class="bm-stepper" aria-labelledby="bm-progress-title">
                {steps.into_iter().enumerate().map(|(i, step)| {
                    let body = if step.is_current() { now.take() } else { None };
                    view! { <StepItem number=i + 1 step status body /> }
                }).collect_view()}
            </ol>
            {(status == ApplicationStatus::Rejected).then(|| view! {
                <details class="bm-reasons" id="bm-reasons" open=true>
                    <summary>{t(Msg::ViewReasons)}</summary>
                    <ul>
                        {reasons.into_iter().map(|r| {
                            let step = step_for(&r.target).number();
                            let focus = match &r.target {
                                ReviewTarget::Document(m) => Some(format!("upload-{}", m.slug())),
                                ReviewTarget::Field(f) => Some(f.clone()),
                                ReviewTarget::General => None,
                            };
                            let to = match focus {
                                Some(focus) => AppRoute::WizardFocus { id: id.clone(), step, focus },
                                None => AppRoute::Wizard { id: id.clone(), step },
                            };
                            let label = target_label(&r.target, lang.get_untracked());
                            view! {
                                <li>
                                    {(!label.is_empty()).then(|| view! { <strong>{label}</strong> {move || label_colon(lang.get())} })}
                                    <Written text=r.message />
                                    " "
                                    <Link to=to>{t(Msg::FixThis)}</Link>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </details>
                // 重新提交 is on 核对报名信息, where the candidate sees every answer and what
                // changed since the rejected submission before sending it again.
                <p><Link to=AppRoute::WizardCheck { id: id.clone() } class="bm-button bm-button--primary">{t(Msg::CheckAndResubmit)}</Link></p>
            })}
        </section>
        {(!changed.is_empty()).then(|| view! {
            <section class="bm-card bm-changed" aria-live="polite">
                <h2 class="bm-group__title">{t(Msg::ChangedSince)}</h2>
                <p>{move || changed.iter().map(|&f| top_field_label(f).text(lang.get())).collect::<Vec<_>>().join(list_separator(lang.get()))}</p>
            </section>
        })}
        // Every status change with its time, for whoever needs the detail.
        <details class="bm-card bm-history">
            <summary>{t(Msg::ProgressHistory)}</summary>
            <ol class="bm-timeline">
                {events.into_iter().map(|e| view! {
                    <li><span class="bm-timeline__status">{move || status_label(e.status, lang.get())}</span> <time datetime=e.at.to_rfc3339()>{date_time(e.at)}</time></li>
                }).collect_view()}
            </ol>
        </details>
    }
}

fn stage_title(stage: Stage) -> Msg {
    match stage {
        Stage::Fill => Msg::ProgressFill,
        Stage::Submit => Msg::ProgressSubmit,
        Stage::Review => Msg::ProgressReview,
        Stage::Pay => Msg::ProgressPay,
        Stage::Paid => Msg::ProgressPaid,
        Stage::Ticket => Msg::ProgressTicket,
        Stage::Refunded => Msg::ProgressRefunded,
    }
}

/// One stage of 办理进度. Its state is in words too (已完成 and the date, 当前 and the
/// status, 未开始), not only in the marker's colour.
#[component]
fn StepItem(
    number: usize,
    step: progress::Step,
    status: ApplicationStatus,
    body: Option<AnyView>,
) -> impl IntoView {
    let lang = use_lang();
    let (modifier, marker) = match (step.state, step.stage) {
        (StepState::Done, _) => ("done", "✓".to_string()),
        (StepState::Attention, _) => ("attention", "!".to_string()),
        (StepState::Current, Stage::Refunded) => ("ended", "✕".to_string()),
        (StepState::Current, _) => ("current", number.to_string()),
        (StepState::Upcoming, _) => ("upcoming", number.to_string()),
    };
    let title = stage_title(step.stage);
    let state = match step.state {
        StepState::Done => view! {
            <span class="bm-stepper__state">
                {t(Msg::ProgressDone)}
                {step.at.map(|at| view! { " " <time datetime=at.to_rfc3339()>{date_time(at)}</time> })}
            </span>
        }.into_any(),
        StepState::Upcoming => view! { <span class="bm-stepper__state">{t(Msg::ProgressUpcoming)}</span> }.into_any(),
        // The status, unless the stage's name already says it (缴费成功, 已退款).
        StepState::Current | StepState::Attention => view! {
            <span class="bm-stepper__state">
                <span class="bm-stepper__here">{t(Msg::ProgressNowLabel)}</span>
                {(!matches!(step.stage, Stage::Paid | Stage::Refunded)).then(|| view! {
                    <span class="bm-status__now">
                        <span class=crate::components::feedback::status_badge_class(status)>{move || status_label(status, lang.get())}</span>
                    </span>
                })}
            </span>
        }.into_any(),
    };
    view! {
        <li class=format!("bm-stepper__item bm-stepper__item--{modifier}") aria-current=step.is_current().then_some("step")>
            <span class="bm-stepper__marker" aria-hidden="true">{marker}</span>
            <div class="bm-stepper__body">
                <span class="bm-stepper__name">{t(title)}</span>
                " "
                {state}
                {body}
            </div>
        </li>
    }
}
