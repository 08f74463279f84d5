//! 报名信息: the candidate's applications with their status, and the way back into each.

use baoming_contract::api::Application;
use baoming_contract::application::{self, Context};
use baoming_contract::plan::Plan;
use baoming_contract::status::ApplicationStatus;
use leptos::prelude::*;

use crate::api::Api;
use crate::clock::today_cst;
use crate::components::feedback::{Loaded, status_badge_class};
use crate::components::link::Link;
use crate::i18n::{Msg, lang_of, status_label, t, use_lang};
use crate::routes::AppRoute;

#[component]
pub fn ApplicationsPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let loaded = LocalResource::new(move || {
        let api = api.clone();
        // Both at once: neither needs the other.
        async move { futures::try_join!(api.applications(), api.plans()) }
    });
    view! {
        <h1 class="bm-title">{t(Msg::PageApplicationsTitle)}</h1>
        <Loaded resource=loaded title=Msg::PageApplicationsTitle let:((apps, plans))>
            {if apps.is_empty() {
                view! { <p class="bm-empty">{t(Msg::ApplicationsEmpty)}</p> }.into_any()
            } else {
                view! {
                    <ul class="bm-plans">
                        {apps.into_iter().map(|app| {
                            let plan = plans.iter().find(|p| p.id == app.plan_id).cloned();
                            view! { <li><ApplicationCard app plan /></li> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </Loaded>
    }
}

#[component]
fn ApplicationCard(app: Application, plan: Option<Plan>) -> impl IntoView {
    let name = plan
        .as_ref()
        .map(|p| p.name.clone())
        .unwrap_or_else(|| app.plan_id.clone());
    let name_lang = lang_of(&name);
    let step = plan.map(|p| {
        let ctx = Context {
            occupation: p.occupation,
            today: today_cst(),
        };
        let uploaded: Vec<_> = app.documents.iter().map(|d| d.material).collect();
        application::first_incomplete_step(&app.draft, &ctx, &uploaded).number()
    });
    let status = app.status;
    let lang = use_lang();
    let heading_id = format!("app-{}", app.id);
    let updated = app
        .updated_at
        .to_rfc3339()
        .replace('T', " ")
        .chars()
        .take(16)
        .collect::<String>();
    let labelled_by = heading_id.clone();
    view! {
        <article class="bm-card bm-plan" aria-labelledby=labelled_by>
            <header class="bm-plan__head">
                <h2 class="bm-plan__name" id=heading_id lang=name_lang>{name}</h2>
                <span class=status_badge_class(status)>
                    {move || status_label(status, lang.get())}
                </span>
            </header>
            <dl class="bm-facts">
                <div><dt>{t(Msg::StatusLabel)}</dt><dd>{move || status_label(status, lang.get())}</dd></div>
                <div><dt>{t(Msg::UpdatedAt)}</dt><dd>{updated}</dd></div>
            </dl>
            <p class="bm-form__alt">
                {(status.candidate_may_edit()).then(|| view! {
                    <Link to=AppRoute::Wizard { id: app.id.clone(), step: step.unwrap_or(1) } class="bm-button bm-button--primary">{t(Msg::ContinueApplication)}</Link>
                })}
                {(status != ApplicationStatus::Draft).then(|| view! {
                    <Link to=AppRoute::Application { id: app.id.clone() } class="bm-button">{t(Msg::ViewApplication)}</Link>
                })}
                {(status == ApplicationStatus::AwaitingPayment).then(|| view! {
                    <Link to=AppRoute::Pay { application_id: app.id.clone() } class="bm-button bm-button--primary">{t(Msg::GoPay)}</Link>
                })}
                <Link to=AppRoute::PrintForm { id: app.id.clone() } class="bm-button">{t(Msg::PrintForm)}</Link>
            </p>
        </article>
    }
}
