//! 考试报名: the certification plans, each with its name, occupation, level, registration
//! window, fee and state, and a 报名 button when it is open.

use baoming_contract::money::format_yuan;
use baoming_contract::plan::{Plan, PlanState};
use baoming_contract::time::Timestamp;
use leptos::prelude::*;

use crate::api::Api;
use crate::components::feedback::Loaded;
use crate::components::link::Link;
use crate::i18n::{Msg, lang_of, level_name, occupation_name, plan_state_name, t, use_lang};
use crate::routes::AppRoute;

#[component]
pub fn PlansPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let plans = LocalResource::new(move || {
        let api = api.clone();
        async move { api.plans().await }
    });

    view! {
        <h1 class="bm-title">{t(Msg::PlansTitle)}</h1>
        <p class="bm-lead">{t(Msg::PlansIntro)}</p>
        <Loaded resource=plans title=Msg::ErrorLoadPlans let:list>
            {if list.is_empty() {
                view! { <p class="bm-empty">{t(Msg::PlansEmpty)}</p> }.into_any()
            } else {
                view! {
                    <ul class="bm-plans">
                        {list.into_iter().map(|plan| view! { <li><PlanCard plan /></li> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </Loaded>
    }
}

/// The last day before a deadline (registration closes, or corrections do, at the start of
/// the next day: the instant is exclusive).
pub(crate) fn last_day(closes_at: Timestamp) -> String {
    Timestamp(closes_at.0 - 1).date_cst().to_string()
}

#[component]
fn PlanCard(plan: Plan) -> impl IntoView {
    let lang = use_lang();
    let heading_id = format!("plan-{}", plan.id);
    let state = plan.state;
    let occupation = plan.occupation;
    let window_text = {
        let opens = plan.opens_at.date_cst().to_string();
        let closes = last_day(plan.closes_at);
        move || {
            view! {
                <span class="bm-nowrap">{opens.clone()}</span>
                " "
                {Msg::PlanWindowTo.text(lang.get())}
                " "
                <span class="bm-nowrap">{closes.clone()}</span>
            }
        }
    };
    let apply = AppRoute::Apply {
        plan_id: plan.id.clone(),
    };
    view! {
        <article class="bm-card bm-plan" aria-labelledby=heading_id>
            <header class="bm-plan__head">
                <h2 class="bm-plan__name" id=heading_id.clone() lang=lang_of(&plan.name)>{plan.name.clone()}</h2>
                <span class=format!("bm-badge bm-badge--{}", state_class(state))>
                    {move || plan_state_name(state, lang.get())}
                </span>
            </header>
            <dl class="bm-facts">
                <div>
                    <dt>{t(Msg::PlanOccupation)}</dt>
                    <dd>{move || occupation_name(occupation, lang.get())}</dd>
                </div>
                <div>
                    <dt>{t(Msg::PlanLevel)}</dt>
                    <dd>{move || level_name(lang.get())}</dd>
                </div>
                <div>
                    <dt>{t(Msg::PlanWindow)}</dt>
                    <dd>{window_text}</dd>
                </div>
                <div>
                    <dt>{t(Msg::PlanCorrections)}</dt>
                    <dd class="bm-nowrap">{last_day(plan.corrections_close_at)}</dd>
                </div>
                <div>
                    <dt>{t(Msg::PlanFee)}</dt>
                    <dd class="bm-fee">{format_yuan(plan.fee_fen)}</dd>
                </div>
            </dl>
            {match state {
                PlanState::Open => {
                    view! {
                        <Link to=apply class="bm-button bm-button--primary bm-plan__apply">
                            {t(Msg::Apply)}
                        </Link>
                    }
                        .into_any()
                }
                PlanState::Upcoming | PlanState::Closed => {
                    let why = if state == PlanState::Upcoming { Msg::PlanNotOpenYet } else { Msg::PlanClosed };
                    view! {
                        <p class="bm-plan__closed">
                            <button type="button" class="bm-button" disabled=true>{t(Msg::Apply)}</button>
                            <span>{t(why)}</span>
                        </p>
                    }
                        .into_any()
                }
            }}
        </article>
    }
}

fn state_class(s: PlanState) -> &'static str {
    match s {
        PlanState::Upcoming => "upcoming",
        PlanState::Open => "open",
        PlanState::Closed => "closed",
    }
}
