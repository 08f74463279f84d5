//! 报名 on a plan: opens the candidate's application for it (one per plan; clicking 报名
//! again opens the same one) and continues the wizard at the first incomplete step.

use baoming_contract::application::{self, Context};
use baoming_contract::error::ErrorCode;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api::{Api, ApiError};
use crate::clock::today_cst;
use crate::components::feedback::{ErrorPanel, Loading, retry_of};
use crate::components::link::{Link, RouterBase};
use crate::i18n::{Msg, t};
use crate::routes::AppRoute;

#[component]
pub fn ApplyPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let params = use_params_map();
    let navigate = use_navigate();
    let base = use_context::<RouterBase>().unwrap_or(RouterBase(String::new()));
    let plan_id = Memo::new(move |_| params.with(|p| p.get("plan_id").unwrap_or_default()));
    let opened = LocalResource::new(move || {
        let (api, plan_id) = (api.clone(), plan_id.get());
        async move {
            let app = api.open_application(&plan_id).await?;
            let plan = api.plan(&app.plan_id).await?;
            Ok::<_, ApiError>((app, plan))
        }
    });
    // Navigation is I/O: once the application is known, continue where the candidate left off.
    Effect::new(move |_| {
        if let Some(Ok((app, plan))) = opened.get() {
            let ctx = Context {
                occupation: plan.occupation,
                today: today_cst(),
            };
            let uploaded: Vec<_> = app.documents.iter().map(|d| d.material).collect();
            let step = application::first_incomplete_step(&app.draft, &ctx, &uploaded);
            let to = base.href(&AppRoute::Wizard {
                id: app.id.clone(),
                step: step.number(),
            });
            navigate(
                &to,
                NavigateOptions {
                    replace: true,
                    resolve: false,
                    ..Default::default()
                },
            );
        }
    });
    let retry = retry_of(opened);
    view! {
        <h1 class="bm-title">{t(Msg::PageApplyTitle)}</h1>
        {move || match opened.get() {
            Some(Err(ApiError::Api { body, .. })) if body.error.code == ErrorCode::PlanNotOpen => view! {
                <section class="bm-alert bm-alert--error" role="alert">
                    <p>{t(Msg::ErrPlanNotOpen)}</p>
                    <p><Link to=AppRoute::Plans>{t(Msg::BackToPlans)}</Link></p>
                </section>
            }.into_any(),
            Some(Err(error)) => view! { <ErrorPanel title=Msg::PageApplyTitle error on_retry=retry /> }.into_any(),
            _ => view! { <Loading /> }.into_any(),
        }}
    }
}
