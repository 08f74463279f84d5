//! The four-step wizard of one application: ① 基础信息 ② 身份选择 ③ 报名信息 ④ 证件信息上传,
//! a URL per step, each step validated (with the contract's rules) before moving on, and
//! every change saved to the backend as a draft.

use baoming_contract::api::DocumentInfo;
use baoming_contract::api::{
    Application, Certificate, Draft, Education, HistoryRow, Identity, SaveDraftRequest,
};
use baoming_contract::application::{self, Context, Step};
use baoming_contract::draft_field::Field;
use baoming_contract::eligibility::{Condition, Material};
use baoming_contract::error::{ErrorCode, FieldErrors};
use baoming_contract::id_card::Gender;
use baoming_contract::plan::Plan;
use baoming_contract::status::ApplicationStatus;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api::{Api, ApiError};
use crate::clock::{now, today_cst};
use crate::components::draft_saver::{DraftSaver, SaveIndicator};
use crate::components::feedback::Loaded;
use crate::components::form::{TextField, focus_first_invalid};
use crate::components::link::{Link, RouterBase};
use crate::components::text::{MaterialName, Written};
use crate::components::upload_slot::{UploadSlot, UploadedWarnings};
use crate::i18n::{
    Msg, condition_text, condition_title, lang_of, level_name, material_label, occupation_label,
    occupation_name, t, top_field_label, use_lang, wizard_reason, work_summary_text,
};
use crate::lazy::Lazy;
use crate::routes::AppRoute;

#[component]
pub fn WizardPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    // 核对报名信息 comes after step ④ and counts as it for validation.
    let checking = Memo::new(move |_| {
        params.with(|p| p.get("step").as_deref() == Some(crate::routes::CHECK_STEP))
    });
    let step = Memo::new(move |_| {
        if checking.get() {
            return Step::Documents;
        }
        params.with(|p| {
            p.get("step")
                .and_then(|s| s.parse().ok())
                .and_then(Step::from_number)
                .unwrap_or(Step::Basic)
        })
    });
    let loaded = LocalResource::new(move || {
        let (api, id) = (api.clone(), id.get());
        async move { api.application_and_plan(&id).await }
    });
    view! {
        <h1 class="bm-title">{t(Msg::WizardTitle)}</h1>
        <Loaded resource=loaded title=Msg::WizardTitle let:((app, plan))>
            <Wizard app plan step checking />
        </Loaded>
    }
}

/// The draft as one signal per field; [`Form::draft`] derives the whole draft from them.
#[derive(Clone, Copy)]
struct Form {
    name: RwSignal<String>,
    gender: RwSignal<Option<Gender>>,
    id_number: RwSignal<String>,
    phone: RwSignal<String>,
    education: RwSignal<Option<Education>>,
    identity: RwSignal<Option<Identity>>,
    condition: RwSignal<Option<Condition>>,
    employer: RwSignal<String>,
    employer_address: RwSignal<String>,
    employer_hr_phone: RwSignal<String>,
    current_post: RwSignal<String>,
    current_post_years: RwSignal<String>,
    cert_name: RwSignal<String>,
    cert_number: RwSignal<String>,
    cert_date: RwSignal<String>,
    cert_issuer: RwSignal<String>,
    history: RwSignal<Vec<Row>>,
}

#[derive(Clone, Copy)]
struct Row {
    key: u64,
    start: RwSignal<String>,
    end: RwSignal<String>,
    unit: RwSignal<String>,
    occupation: RwSignal<String>,
    witness: RwSignal<String>,
}

impl Row {
    fn new(key: u64, r: &HistoryRow) -> Row {
        Row {
            key,
            start: RwSignal::new(r.start.clone()),
            end: RwSignal::new(r.end.clone()),
            unit: RwSignal::new(r.unit.clone()),
            occupation: RwSignal::new(r.occupation.clone()),
            witness: RwSignal::new(r.witness.clone()),
        }
    }
    fn get(&self) -> HistoryRow {
        HistoryRow {
            start: self.start.get(),
            end: self.end.get(),
            unit: self.unit.get(),
            occupation: self.occupation.get(),
            witness: self.witness.get(),
        }
    }
}

impl Form {
    fn new(d: &Draft) -> Form {
        let cert = d.certificate.clone().unwrap_or_default();
        Form {
            name: RwSignal::new(d.name.clone()),
            gender: RwSignal::new(d.gender),
            id_number: RwSignal::new(d.id_number.clone()),
            phone: RwSignal::new(d.phone.clone()),
            education: RwSignal::new(d.education),
            identity: RwSignal::new(d.identity),
            condition: RwSignal::new(d.condition),
            employer: RwSignal::new(d.employer.clone()),
            employer_address: RwSignal::new(d.employer_address.clone()),
            employer_hr_phone: RwSignal::new(d.employer_hr_phone.clone()),
            current_post: RwSignal::new(d.current_post.clone()),
            current_post_years: RwSignal::new(
                d.current_post_years
                    .map(|y| y.to_string())
                    .unwrap_or_default(),
            ),
            cert_name: RwSignal::new(cert.name_and_level),
            cert_number: RwSignal::new(cert.number),
            cert_date: RwSignal::new(cert.issued_on),
            cert_issuer: RwSignal::new(cert.issuer),
            history: RwSignal::new(
                d.history
                    .iter()
                    .enumerate()
                    .map(|(i, r)| Row::new(i as u64, r))
                    .collect(),
            ),
        }
    }

    fn draft(&self) -> Draft {
        let certificate = Certificate {
            name_and_level: self.cert_name.get(),
            number: self.cert_number.get(),
            issued_on: self.cert_date.get(),
            issuer: self.cert_issuer.get(),
        };
        Draft {
            identity: self.identity.get(),
            condition: self.condition.get(),
            name: self.name.get(),
            gender: self.gender.get(),
            id_number: self.id_number.get(),
            education: self.education.get(),
            phone: self.phone.get(),
            employer: self.employer.get(),
            employer_address: self.employer_address.get(),
            employer_hr_phone: self.employer_hr_phone.get(),
            current_post: self.current_post.get(),
            current_post_years: self.current_post_years.get().trim().parse().ok(),
            certificate: (certificate != Certificate::default()).then_some(certificate),
            history: self.history.get().iter().map(Row::get).collect(),
        }
    }
}

/// Which fields show their error: those left once (blur) and every field of a step the
/// candidate tried to leave with 下一步.
#[derive(Clone, Copy)]
struct Shown {
    touched: RwSignal<Vec<String>>,
    attempted: RwSignal<Vec<Step>>,
    errors: Memo<FieldErrors>,
    step: Memo<Step>,
}

impl Shown {
    fn error(&self, field: &str) -> Option<Msg> {
        let visible = self.attempted.with(|a| a.contains(&self.step.get()))
            || self.touched.with(|t| t.iter().any(|f| f == field));
        if !visible {
            return None;
        }
        self.errors.with(|e| e.get(field).map(|r| wizard_reason(r)))
    }
    fn signal(self, field: &'static str) -> Signal<Option<Msg>> {
        Signal::derive(move || self.error(field))
    }
    fn touch(self, field: &'static str) -> Callback<()> {
        Callback::new(move |()| {
            self.touched.update(|t| {
                if !t.iter().any(|f| f == field) {
                    t.push(field.to_string());
                }
            })
        })
    }
}

/// Before 报名 or 重新提交: saves what is on screen, so the reviewer sees exactly that.
/// `Ok(Some(app))` when saved; `Ok(None)` when the application is no longer `unsent` (an
/// earlier attempt whose answer was lost went through): the caller replays its send with
/// the kept key, which answers that attempt; `Err` with the message to show.
async fn save_for_sending(
    api: &Api,
    id: &str,
    draft: Memo<Draft>,
    base_version: u64,
    unsent: ApplicationStatus,
) -> Result<Option<Application>, Msg> {
    let save = |base_version| {
        let request = SaveDraftRequest {
            base_version,
            draft: draft.get_untracked(),
        };
        async move { api.save_draft(id, &request).await }
    };
    match save(base_version).await {
        Ok(app) => Ok(Some(app)),
        // The backend moved on (that attempt, or another tab saved): where does it stand?
        Err(ApiError::Api { body, .. })
            if matches!(
                body.error.code,
                ErrorCode::Conflict | ErrorCode::InvalidTransition
            ) =>
        {
            let current = api.application(id).await.map_err(|e| e.message())?;
            if current.status != unsent {
                return Ok(None);
            }
            // Still to send: what is on screen wins, on top of the newer version.
            save(current.version)
                .await
                .map(Some)
                .map_err(|e| e.message())
        }
        Err(error) => Err(error.message()),
    }
}

#[component]
fn Wizard(app: Application, plan: Plan, step: Memo<Step>, checking: Memo<bool>) -> impl IntoView {
    let api = expect_context::<Api>();
    let navigate = use_navigate();
    let base = use_context::<RouterBase>().unwrap_or(RouterBase(String::new()));
    let saver = DraftSaver::new(api.clone(), &app);
    let form = Form::new(&saver.initial_draft());
    let draft = Memo::new(move |_| form.draft());
    saver.watch(draft);

    let ctx = Context {
        occupation: plan.occupation,
        today: today_cst(),
    };
    let errors = Memo::new(move |_| application::validate_step(step.get(), &draft.get(), &ctx));
    let shown = Shown {
        touched: RwSignal::new(Vec::new()),
        attempted: RwSignal::new(Vec::new()),
        errors,
        step,
    };
    let step_problem = RwSignal::new(None::<Msg>);
    let app_id = app.id.clone();

    // A deep link past the first incomplete step starts there instead: steps are validated
    // before moving on.
    {
        let (navigate, base, app_id) = (navigate.clone(), base.clone(), app_id.clone());
        Effect::new(move |_| {
            let first = application::first_incomplete_step(&draft.get_untracked(), &ctx, &[]);
            let first = first.min(Step::Documents);
            if step.get() > first {
                let to = base.href(&AppRoute::Wizard {
                    id: app_id.clone(),
                    step: first.number(),
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
    }

    let go = {
        let (navigate, base, app_id) = (navigate.clone(), base.clone(), app_id.clone());
        move |to: Step| {
            step_problem.set(None);
            let href = base.href(&AppRoute::Wizard {
                id: app_id.clone(),
                step: to.number(),
            });
            navigate(
                &href,
                NavigateOptions {
                    resolve: false,
                    ..Default::default()
                },
            );
        }
    };
    let next = {
        let go = go.clone();
        move |_| {
            let current = step.get_untracked();
            if errors.with_untracked(|e| !e.is_empty()) {
                shown.attempted.update(|a| a.push(current));
                step_problem.set(Some(Msg::StepHasErrors));
                focus_first_invalid();
                return;
            }
            if let Some(n) = Step::from_number(current.number() + 1) {
                go(n);
            }
        }
    };
    let prev = {
        let go = go.clone();
        move |_| {
            if checking.get_untracked() {
                go(Step::Documents);
            } else if let Some(p) =
                Step::from_number(step.get_untracked().number().saturating_sub(1))
            {
                go(p);
            }
        }
    };
    let go_check = {
        let (navigate, base, app_id) = (navigate.clone(), base.clone(), app_id.clone());
        move |_| {
            step_problem.set(None);
            navigate(
                &base.href(&AppRoute::WizardCheck { id: app_id.clone() }),
                NavigateOptions {
                    resolve: false,
                    ..Default::default()
                },
            );
        }
    };

    let documents = RwSignal::new(app.documents.clone());
    let slot_reasons = StoredValue::new(slot_reasons(&app));
    // From a reviewer's reason (?focus=…): bring exactly that field or upload slot into view.
    let query = leptos_router::hooks::use_query_map();
    Effect::new(move |_| {
        let _ = step.get();
        if let Some(target) = query.with(|q| q.get("focus")) {
            set_timeout(
                move || {
                    if let Some(el) = document().get_element_by_id(&target) {
                        use wasm_bindgen::JsCast;
                        el.scroll_into_view();
                        let _ = el.unchecked_into::<web_sys::HtmlElement>().focus();
                    }
                },
                std::time::Duration::from_millis(50),
            );
        }
    });
    // Sent to the reviewer and not sent back: a rejected application may be resubmitted.
    let submitted = RwSignal::new(!matches!(
        app.status,
        ApplicationStatus::Draft | ApplicationStatus::Rejected
    ));
    let server_errors = RwSignal::new(FieldErrors::new());
    // "请先修改本步骤中标出的内容。" goes as soon as nothing on the step is marked any more.
    Effect::new(move |_| {
        let here = step.get();
        let clean = errors.with(|e| e.is_empty())
            && server_errors.with(|e| {
                !e.keys()
                    .any(|field| application::step_of_field(field) == here)
            });
        if clean && step_problem.get_untracked() == Some(Msg::StepHasErrors) {
            step_problem.set(None);
        }
    });
    // 报名 went through (now, or on an earlier attempt replayed with its key).
    let submitted_as = move |id: &str, version: u64| {
        saver.confirmed(version);
        forget_submit_key(id);
        submitted.set(true);
        step_problem.set(None);
    };
    let submit = {
        let (api, id, go) = (api.clone(), app_id.clone(), go.clone());
        Action::new_local(move |_: &()| {
            let (api, id, go) = (api.clone(), id.clone(), go.clone());
            async move {
                let key = submit_key(&id);
                let unsent = ApplicationStatus::Draft;
                match save_for_sending(&api, &id, draft, saver.version(), unsent).await {
                    Ok(Some(saved)) => saver.confirmed(saved.version),
                    // Replaying 报名 with its key returns that submission.
                    Ok(None) => {
                        match api.submit(&id, &key).await {
                            Ok(app) => submitted_as(&id, app.version),
                            Err(_) => step_problem.set(Some(Msg::AlreadySubmitted)),
                        }
                        return;
                    }
                    Err(message) => {
                        step_problem.set(Some(message));
                        return;
                    }
                }
                match api.submit(&id, &key).await {
                    Ok(app) => submitted_as(&id, app.version),
                    Err(ApiError::Api { status: 422, body }) => {
                        // A new attempt after fixing gets a new key.
                        forget_submit_key(&id);
                        let fields = body.error.fields;
                        let first = fields
                            .keys()
                            .map(|f| application::step_of_field(f))
                            .min()
                            .unwrap_or(Step::Documents);
                        server_errors.set(fields);
                        shown.attempted.update(|a| a.push(first));
                        step_problem.set(Some(Msg::StepHasErrors));
                        // From 核对报名信息 (which counts as ④) too, back to the step to fix.
                        if first != step.get_untracked() || checking.get_untracked() {
                            go(first);
                        }
                        step_problem.set(Some(Msg::StepHasErrors));
                    }
                    Err(error) => step_problem.set(Some(error.message())),
                }
            }
        })
    };

    let status = app.status;
    let submitted_draft = app.submitted_draft.clone();
    let check_plan = plan.clone();
    let check_id = app_id.clone();
    let resubmit = {
        let (api, id) = (api.clone(), app_id.clone());
        Action::new_local(move |_: &()| {
            let (api, id) = (api.clone(), id.clone());
            async move {
                let unsent = ApplicationStatus::Rejected;
                match save_for_sending(&api, &id, draft, saver.version(), unsent).await {
                    Ok(Some(saved)) => saver.confirmed(saved.version),
                    // Resubmitted already: 重新提交 with its kept key answers that.
                    Ok(None) => {}
                    Err(message) => {
                        step_problem.set(Some(message));
                        return;
                    }
                }
                match api.resubmit_once(&id).await {
                    Ok(_) => {
                        submitted.set(true);
                        step_problem.set(None);
                    }
                    Err(error) => step_problem.set(Some(error.message())),
                }
            }
        })
    };
    let rejected = status == ApplicationStatus::Rejected;
    // The plan's dates, and whether they already stop this application here (the contract's
    // rule on this device's clock; the backend decides with its own and says plan_not_open).
    let deadlines = plan.deadlines();
    let closes_day = crate::pages::plans::last_day(plan.closes_at);
    let corrections_day = crate::pages::plans::last_day(plan.corrections_close_at);
    let late = match status {
        ApplicationStatus::Draft if now() >= plan.closes_at => {
            Some((Msg::RegistrationClosedOn, closes_day.clone()))
        }
        ApplicationStatus::Rejected if !deadlines.takes_corrections(now()) => {
            Some((Msg::CorrectionsClosedOn, corrections_day.clone()))
        }
        _ => None,
    };
    let too_late = late.is_some();
    view! {
        <p class="bm-wizard__plan" lang=lang_of(&plan.name)>{plan.name.clone()}</p>
        <p class="bm-wizard__dates">
            {t(Msg::WizardRegistrationUntil)} " " <span class="bm-nowrap">{closes_day}</span>
            " · "
            {t(Msg::PlanCorrections)} " " <span class="bm-nowrap">{corrections_day}</span>
        </p>
        {late.map(|(message, day)| view! {
            <p class="bm-notice bm-notice--error" role="alert" data-problem="deadline">
                {t(message)} " " <span class="bm-nowrap">{day}</span>
            </p>
        })}
        <Show when=move || !checking.get() fallback=|| view! { <h2 class="bm-title bm-check__title">{t(Msg::CheckTitle)}</h2> }>
            <StepIndicator step />
        </Show>
        <SaveIndicator state=saver.state />
        <form class="bm-card bm-form bm-wizard" novalidate=true on:submit=|ev| ev.prevent_default()>
            {move || if checking.get() {
                view! {
                    <CheckAnswers id=check_id.clone() plan=check_plan.clone() draft documents
                        before=submitted_draft.clone().filter(|_| rejected) />
                }.into_any()
            } else { match step.get() {
                Step::Basic => view! { <BasicStep form shown /> }.into_any(),
                Step::Identity => view! { <IdentityStep form shown /> }.into_any(),
                Step::Details => view! { <DetailsStep form shown plan=plan.clone() draft /> }.into_any(),
                Step::Documents => {
                    let args = DocumentsStepArgs { form, id: app_id.clone(), documents, saver, slot_reasons };
                    view! { <Lazy load=move || crate::lazy::documents_step(args.clone()) /> }.into_any()
                }
            }}}
            {move || step_problem.get().map(|m| view! { <p class="bm-notice bm-notice--error" role="alert">{t(m)}</p> })}
            <div class="bm-wizard__buttons">
                <Show when=move || step.get() != Step::Basic>
                    <button type="button" class="bm-button" on:click=prev.clone()>{t(Msg::PrevStep)}</button>
                </Show>
                <Show when=move || step.get() != Step::Documents>
                    <button type="button" class="bm-button bm-button--primary" on:click=next.clone()>{t(Msg::NextStep)}</button>
                </Show>
                // ④ leads to 核对报名信息, where 报名 (or 重新提交) is.
                <Show when=move || step.get() == Step::Documents && !checking.get() && !submitted.get()>
                    <button type="button" class="bm-button bm-button--primary" on:click=go_check.clone()>{t(Msg::CheckStep)}</button>
                </Show>
                <Show when=move || checking.get() && !submitted.get() && !rejected>
                    <button type="button" class="bm-button bm-button--primary" disabled=move || too_late || submit.pending().get()
                        on:click=move |_| { submit.dispatch(()); }>
                        {move || if submit.pending().get() { t(Msg::Submitting)() } else { t(Msg::SubmitApplication)() }}
                    </button>
                </Show>
                <Show when=move || checking.get() && rejected && !submitted.get()>
                    <button type="button" class="bm-button bm-button--primary" disabled=move || too_late || resubmit.pending().get()
                        on:click=move |_| { resubmit.dispatch(()); }>
                        {move || if resubmit.pending().get() { t(Msg::Resubmitting)() } else { t(Msg::Resubmit)() }}
                    </button>
                </Show>
            </div>
            <Show when=move || submitted.get()>
                <p class="bm-notice bm-notice--info" role="status">
                    {t(Msg::Submitted)} " " <Link to=AppRoute::Applications>{t(Msg::NavApplications)}</Link>
                </p>
            </Show>
            {move || {
                let missing: Vec<_> = server_errors.with(|e| e.keys().filter_map(|k| k.strip_prefix("documents.")).filter_map(baoming_contract::eligibility::Material::from_slug).collect());
                (!missing.is_empty() && step.get() == Step::Documents).then(|| view! {
                    <div class="bm-notice bm-notice--error" role="alert">
                        <p>{t(Msg::ErrDocumentMissing)}</p>
                        <ul>{missing.into_iter().map(|m| view! { <li><MaterialName material=m /></li> }).collect_view()}</ul>
                    </div>
                })
            }}
        </form>
    }
}

/// One idempotency key per submit attempt, kept across reloads and retries of that attempt.
fn submit_key(id: &str) -> String {
    crate::session::attempt_key("submit", id)
}

fn forget_submit_key(id: &str) {
    crate::session::forget_attempt_key("submit", id)
}

#[component]
fn StepIndicator(step: Memo<Step>) -> impl IntoView {
    let label = |s: Step| match s {
        Step::Basic => Msg::StepBasic,
        Step::Identity => Msg::StepIdentity,
        Step::Details => Msg::StepDetails,
        Step::Documents => Msg::StepDocuments,
    };
    view! {
        <ol class="bm-steps">
            {Step::ALL
                .into_iter()
                .map(|s| {
                    view! {
                        <li
                            class="bm-steps__item"
                            class:bm-steps__item--done=move || s < step.get()
                            aria-current=move || (s == step.get()).then_some("step")
                        >
                            <span class="bm-steps__num" aria-hidden="true">{["①", "②", "③", "④"][s.number() as usize - 1]}</span>
                            <span class="bm-steps__label">{t(label(s))}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}

#[component]
fn BasicStep(form: Form, shown: Shown) -> impl IntoView {
    let lang = use_lang();
    let id_facts = move || application::id_facts(&form.id_number.get());
    view! {
        <TextField id="name" label=Msg::FieldName value=form.name error=shown.signal("name") autocomplete="name" on_blur=shown.touch("name") />
        <fieldset class="bm-choice" aria-invalid=move || shown.error("gender").is_some().to_string()>
            <legend class="bm-field__label"><span class="bm-req" aria-hidden="true">"*"</span>{t(Msg::FieldGender)}</legend>
            <div class="bm-choice__row">
                {[(Gender::Male, Msg::GenderMale), (Gender::Female, Msg::GenderFemale)]
                    .into_iter()
                    .map(|(g, m)| view! {
                        <label class="bm-radio">
                            <input type="radio" name="gender" prop:checked=move || form.gender.get() == Some(g)
                                on:change=move |_| { form.gender.set(Some(g)); shown.touch("gender").run(()); } />
                            {t(m)}
                        </label>
                    })
                    .collect_view()}
            </div>
            <p class="bm-field__error" aria-live="polite">{move || shown.error("gender").map(|m| m.text(lang.get()))}</p>
        </fieldset>
        <TextField id="id_number" label=Msg::FieldIdNumber value=form.id_number error=shown.signal("id_number") maxlength={baoming_contract::id_card::LEN as u32} on_blur=shown.touch("id_number") />
        {move || id_facts().map(|(birth, g)| {
            let sex = if g == Gender::Male { Msg::GenderMale } else { Msg::GenderFemale };
            view! { <p class="bm-field__hint bm-id-facts">{birth.to_string()} " · " {t(sex)}</p> }
        })}
        <TextField id="phone" label=Msg::FieldContactPhone value=form.phone error=shown.signal("phone") input_type="tel" inputmode="tel" on_blur=shown.touch("phone") />
        <div class="bm-field" class:bm-field--invalid=move || shown.error("education").is_some()>
            <label class="bm-field__label" for="education"><span class="bm-req" aria-hidden="true">"*"</span>{t(Msg::FieldEducation)}</label>
            <select id="education" class="bm-input" required=true
                aria-invalid=move || shown.error("education").is_some().to_string()
                on:change=move |ev| { form.education.set(education_from(&event_target_value(&ev))); shown.touch("education").run(()); }>
                <option value="" selected=move || form.education.get().is_none()>{t(Msg::ChooseOne)}</option>
                {EDUCATIONS.into_iter().map(|(e, m)| view! {
                    <option value=education_key(e) selected=move || form.education.get() == Some(e)>{t(m)}</option>
                }).collect_view()}
            </select>
            <p class="bm-field__error" aria-live="polite">{move || shown.error("education").map(|m| m.text(lang.get()))}</p>
        </div>
    }
}

const EDUCATIONS: [(Education, Msg); 7] = [
    (Education::JuniorHighOrBelow, Msg::EduJuniorHigh),
    (Education::SeniorHigh, Msg::EduSeniorHigh),
    (Education::SecondaryVocational, Msg::EduSecondaryVocational),
    (Education::TechnicianCollege, Msg::EduTechnicianCollege),
    (Education::JuniorCollege, Msg::EduJuniorCollege),
    (Education::Bachelor, Msg::EduBachelor),
    (Education::MasterOrAbove, Msg::EduMaster),
];

fn education_key(e: Education) -> &'static str {
    match e {
        Education::JuniorHighOrBelow => "junior_high_or_below",
        Education::SeniorHigh => "senior_high",
        Education::SecondaryVocational => "secondary_vocational",
        Education::TechnicianCollege => "technician_college",
        Education::JuniorCollege => "junior_college",
        Education::Bachelor => "bachelor",
        Education::MasterOrAbove => "master_or_above",
    }
}

fn education_from(key: &str) -> Option<Education> {
    EDUCATIONS
        .into_iter()
        .map(|(e, _)| e)
        .find(|e| education_key(*e) == key)
}

#[component]
fn IdentityStep(form: Form, shown: Shown) -> impl IntoView {
    let lang = use_lang();
    view! {
        <fieldset class="bm-choice">
            <legend class="bm-field__label"><span class="bm-req" aria-hidden="true">"*"</span>{t(Msg::StepIdentity)}</legend>
            <label class="bm-radio">
                <input type="radio" name="identity" prop:checked=move || form.identity.get() == Some(Identity::Employee)
                    on:change=move |_| form.identity.set(Some(Identity::Employee)) />
                {t(Msg::IdentityEmployee)}
            </label>
            <p class="bm-field__hint">{t(Msg::IdentityNote)}</p>
            <p class="bm-field__error" aria-live="polite">{move || shown.error("identity").map(|m| m.text(lang.get()))}</p>
        </fieldset>
    }
}

#[component]
fn DetailsStep(form: Form, shown: Shown, plan: Plan, draft: Memo<Draft>) -> impl IntoView {
    let lang = use_lang();
    let occupation = plan.occupation;
    let ctx = Context {
        occupation,
        today: today_cst(),
    };
    let summary = move || application::work_summary(&draft.get(), &ctx);
    let needs_cert = move || {
        form.condition
            .get()
            .is_some_and(Condition::needs_existing_certificate)
    };
    let student = move || form.condition.get() == Some(Condition::TechnicianClassStudent);
    let next_key = StoredValue::new(1000u64);
    let add_row = move |_| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        form.history
            .update(|rows| rows.push(Row::new(key, &HistoryRow::default())));
    };
    view! {
        <fieldset class="bm-choice" aria-invalid=move || shown.error("condition").is_some().to_string()>
            <legend class="bm-field__label"><span class="bm-req" aria-hidden="true">"*"</span>{t(Msg::FieldCondition)}</legend>
            <p class="bm-field__hint">{t(Msg::ConditionNote)}</p>
            // A short title each; the chosen one's full text stays in view, the others'
            // open on demand.
            {Condition::ALL.into_iter().map(|c| {
                let chosen = move || form.condition.get() == Some(c);
                let text_id = format!("condition-{}-text", c.number());
                view! {
                    <div class="bm-condition" class:bm-condition--chosen=chosen>
                        <label class="bm-radio">
                            <input type="radio" name="condition" prop:checked=chosen
                                aria-describedby=text_id.clone()
                                on:change=move |_| form.condition.set(Some(c)) />
                            <span class="bm-condition__title">{move || condition_title(c, lang.get())}</span>
                        </label>
                        {
                            let text_id = text_id.clone();
                            move || if chosen() {
                                view! { <p class="bm-condition__text" id=text_id.clone()>{move || condition_text(c, lang.get())}</p> }.into_any()
                            } else {
                                view! {
                                    <details class="bm-condition__more">
                                        <summary>{t(Msg::ConditionFullText)}</summary>
                                        <p class="bm-condition__text" id=text_id.clone()>{move || condition_text(c, lang.get())}</p>
                                    </details>
                                }.into_any()
                            }
                        }
                    </div>
                }
            }).collect_view()}
            <p class="bm-field__error" aria-live="polite">{move || shown.error("condition").map(|m| m.text(lang.get()))}</p>
        </fieldset>
        {move || form.condition.get().map(|c| view! { <MaterialsList condition=c /> })}
        <dl class="bm-facts">
            <div><dt>{t(Msg::FieldOccupationApplied)}</dt><dd>{move || occupation_name(occupation, lang.get())}</dd></div>
            <div><dt>{t(Msg::FieldLevelApplied)}</dt><dd>{move || level_name(lang.get())}</dd></div>
        </dl>
        <TextField id="employer" label=Msg::FieldEmployer value=form.employer error=shown.signal("employer") autocomplete="organization" on_blur=shown.touch("employer") />
        <TextField id="employer_address" label=Msg::FieldEmployerAddress value=form.employer_address error=shown.signal("employer_address") on_blur=shown.touch("employer_address") />
        <TextField id="employer_hr_phone" label=Msg::FieldEmployerHrPhone value=form.employer_hr_phone error=shown.signal("employer_hr_phone") input_type="tel" inputmode="tel" on_blur=shown.touch("employer_hr_phone") />
        <TextField id="current_post" label=Msg::FieldCurrentPost value=form.current_post error=shown.signal("current_post") on_blur=shown.touch("current_post") />
        <TextField id="current_post_years" label=Msg::FieldCurrentPostYears value=form.current_post_years error=shown.signal("current_post_years") inputmode="numeric" maxlength=2 on_blur=shown.touch("current_post_years") />
        <Show when=needs_cert>
            <fieldset class="bm-group">
                <legend class="bm-group__title">{t(Msg::CertificateSection)}</legend>
                <TextField id="certificate.name_and_level" label=Msg::FieldCertName value=form.cert_name error=shown.signal("certificate.name_and_level") on_blur=shown.touch("certificate.name_and_level") />
                <TextField id="certificate.number" label=Msg::FieldCertNumber value=form.cert_number error=shown.signal("certificate.number") on_blur=shown.touch("certificate.number") />
                <TextField id="certificate.issued_on" label=Msg::FieldCertDate value=form.cert_date error=shown.signal("certificate.issued_on") input_type="date" on_blur=shown.touch("certificate.issued_on") />
                <TextField id="certificate.issuer" label=Msg::FieldCertIssuer value=form.cert_issuer error=shown.signal("certificate.issuer") on_blur=shown.touch("certificate.issuer") />
            </fieldset>
        </Show>
        <fieldset class="bm-group">
            <legend class="bm-group__title">{t(Msg::HistorySection)}</legend>
            <p class="bm-field__hint">{move || if student() { t(Msg::HistoryStudentNote)() } else { t(Msg::HistoryNote)() }}</p>
            <p class="bm-field__hint">{t(Msg::EndEmptyMeansNow)}</p>
            <For each=move || form.history.get() key=|r| r.key let:row>
                <HistoryRowView row form shown occupation student=Signal::derive(student) />
            </For>
            <p class="bm-field__error" aria-live="polite">{move || shown.error("history").map(|m| m.text(lang.get()))}</p>
            <button type="button" class="bm-button" on:click=add_row>{t(Msg::AddHistoryRow)}</button>
            {move || summary().map(|s| view! {
                <p class="bm-summary" class:bm-summary--ok=s.satisfied() role="status">
                    {work_summary_text(lang.get(), s.qualifying_months, s.required_months)}
                </p>
            })}
        </fieldset>
    }
}

#[component]
fn HistoryRowView(
    row: Row,
    form: Form,
    shown: Shown,
    occupation: baoming_contract::occupation::Occupation,
    student: Signal<bool>,
) -> impl IntoView {
    let lang = use_lang();
    let index = move || {
        form.history
            .with(|rows| rows.iter().position(|r| r.key == row.key).unwrap_or(0))
    };
    let err = move |part: &'static str| {
        Signal::derive(move || {
            let field = format!("history.{}.{part}", index());
            let visible = shown.attempted.with(|a| a.contains(&shown.step.get()))
                || shown.touched.with(|t| t.contains(&field));
            if !visible {
                return None;
            }
            shown
                .errors
                .with(|e| e.get(&field).map(|r| wizard_reason(r)))
        })
    };
    let touch = move |part: &'static str| {
        Callback::new(move |()| {
            let field = format!("history.{}.{part}", index());
            shown.touched.update(|t| {
                if !t.contains(&field) {
                    t.push(field);
                }
            });
        })
    };
    let row_key = row.key;
    let id = move |part: &str| format!("history-{row_key}-{part}");
    let occupations: Vec<&'static str> = std::iter::once(occupation.name_zh())
        .chain(occupation.related_zh().iter().copied())
        .collect();
    let remove = move |_| {
        form.history
            .update(|rows| rows.retain(|r| r.key != row.key))
    };
    let occ_id = id("occupation");
    view! {
        <div class="bm-history-row" role="group" aria-label=move || format!("{} {}", Msg::HistoryRowN.text(lang.get()), index() + 1)>
            <div class="bm-history-row__dates">
                <HistoryInput id=id("start") label=Msg::FieldStart value=row.start error=err("start") input_type="month" on_blur=touch("start") />
                <HistoryInput id=id("end") label=Msg::FieldEnd value=row.end error=err("end") input_type="month" required=false on_blur=touch("end") />
            </div>
            <HistoryInput id=id("unit") label=Msg::FieldUnit value=row.unit error=err("unit") input_type="text" on_blur=touch("unit") />
            {move || if student.get() {
                view! { <HistoryInput id=id("occupation") label=Msg::FieldMajor value=row.occupation error=err("occupation") input_type="text" on_blur=touch("occupation") /> }.into_any()
            } else {
                let occupations = occupations.clone();
                let occ_id = occ_id.clone();
                view! {
                    <div class="bm-field" class:bm-field--invalid=move || err("occupation").get().is_some()>
                        <label class="bm-field__label" for=occ_id.clone()><span class="bm-req" aria-hidden="true">"*"</span>{t(Msg::FieldOccupation)}</label>
                        <select id=occ_id class="bm-input" required=true
                            aria-invalid=move || err("occupation").get().is_some().to_string()
                            on:change=move |ev| { row.occupation.set(event_target_value(&ev)); touch("occupation").run(()); }>
                            <option value="" selected=move || row.occupation.get().is_empty()>{t(Msg::ChooseOne)}</option>
                            {occupations.into_iter().map(|o| view! {
                                <option value=o selected=move || row.occupation.get() == o>{move || occupation_label(o, lang.get())}</option>
                            }).collect_view()}
                        </select>
                        <p class="bm-field__error" aria-live="polite">{move || err("occupation").get().map(|m| m.text(lang.get()))}</p>
                    </div>
                }.into_any()
            }}
            <HistoryInput id=id("witness") label=Msg::FieldWitness value=row.witness error=err("witness") input_type="text" on_blur=touch("witness") />
            <button type="button" class="bm-button bm-button--small" on:click=remove>{t(Msg::RemoveHistoryRow)}</button>
        </div>
    }
}

/// A text input of a history row (ids are generated per row, so not `TextField`'s `&'static`).
#[component]
fn HistoryInput(
    id: String,
    label: Msg,
    value: RwSignal<String>,
    error: Signal<Option<Msg>>,
    input_type: &'static str,
    #[prop(default = true)] required: bool,
    on_blur: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let error_id = format!("{id}-error");
    view! {
        <div class="bm-field" class:bm-field--invalid=move || error.get().is_some()>
            <label class="bm-field__label" for=id.clone()>
                <Show when=move || required><span class="bm-req" aria-hidden="true">"*"</span></Show>
                {t(label)}
            </label>
            <input class="bm-input" id=id type=input_type required=required placeholder=(input_type == "month").then_some("2019-07")
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=error_id.clone()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                on:blur=move |_| on_blur.run(()) />
            <p class="bm-field__error" id=error_id aria-live="polite">{move || error.get().map(|m| m.text(lang.get()))}</p>
        </div>
    }
}

#[component]
fn MaterialsList(condition: Condition) -> impl IntoView {
    view! {
        <section class="bm-materials" aria-live="polite">
            <h2 class="bm-group__title">{t(Msg::MaterialsRequired)}</h2>
            <ol>
                {condition.required_materials().iter().map(|m| { let m = *m; view! { <li><MaterialName material=m /></li> } }).collect_view()}
            </ol>
        </section>
    }
}

/// The reviewer's reasons that point at an upload slot, for files not replaced since the
/// rejection.
fn slot_reasons(app: &Application) -> Vec<(Material, String)> {
    use baoming_contract::api::ReviewTarget;
    use baoming_contract::status::ApplicationStatus;
    if app.status != ApplicationStatus::Rejected {
        return Vec::new();
    }
    let rejected_at = app
        .events
        .iter()
        .rev()
        .find(|e| e.status == ApplicationStatus::Rejected)
        .map(|e| e.at);
    app.review_reasons
        .iter()
        .filter_map(|r| match r.target {
            ReviewTarget::Document(m) => Some((m, r.message.clone())),
            _ => None,
        })
        .filter(|(m, _)| {
            let uploaded = app
                .documents
                .iter()
                .find(|d| d.material == *m)
                .map(|d| d.uploaded_at);
            match (uploaded, rejected_at) {
                (Some(u), Some(r)) => u <= r,
                _ => true,
            }
        })
        .collect()
}

/// What step ④ takes from the wizard. Its view, with the image checks, 自动处理 and the
/// uploads, is in a chunk of its own ([`crate::lazy::documents_step`]), fetched when the
/// candidate reaches the step (or earlier, when the browser is idle).
#[derive(Clone)]
pub(crate) struct DocumentsStepArgs {
    form: Form,
    id: String,
    documents: RwSignal<Vec<DocumentInfo>>,
    saver: DraftSaver,
    slot_reasons: StoredValue<Vec<(Material, String)>>,
}

/// Step ④'s view (called inside its chunk).
pub(crate) fn documents_step_view(args: DocumentsStepArgs) -> AnyView {
    let DocumentsStepArgs {
        form,
        id,
        documents,
        saver,
        slot_reasons,
    } = args;
    view! { <DocumentsStep form id documents saver slot_reasons /> }.into_any()
}

#[component]
fn DocumentsStep(
    form: Form,
    id: String,
    documents: RwSignal<Vec<DocumentInfo>>,
    saver: DraftSaver,
    slot_reasons: StoredValue<Vec<(Material, String)>>,
) -> impl IntoView {
    let api = expect_context::<Api>();
    let on_change = {
        let (api, id) = (api.clone(), id.clone());
        Callback::new(move |(material, info): (Material, Option<DocumentInfo>)| {
            documents.update(|docs| {
                docs.retain(|d| d.material != material);
                docs.extend(info);
            });
            // Uploads move the application's version; later draft saves build on it.
            let (api, id) = (api.clone(), id.clone());
            leptos::task::spawn_local(async move {
                if let Ok(app) = api.application(&id).await {
                    saver.rebase(app.version);
                }
            });
        })
    };
    let slots = {
        let id = id.clone();
        move || {
            form.condition.get().map(|c| {
                c.required_materials()
                    .iter()
                    .map(|m| {
                        let stored = documents
                            .with_untracked(|d| d.iter().find(|x| x.material == *m).cloned());
                        let review_reason = slot_reasons
                            .with_value(|r| r.iter().find(|(x, _)| x == m).map(|(_, s)| s.clone()));
                        view! { <UploadSlot app_id=id.clone() material=*m stored review_reason on_change /> }
                    })
                    .collect_view()
            })
        }
    };
    view! {
        <p class="bm-field__hint">{t(Msg::UploadsIntro)}</p>
        <p>
            <Link to=AppRoute::PrintForm { id: id.clone() } class="bm-button">{t(Msg::PrintForm)}</Link>
        </p>
        <div class="bm-slots">{slots}</div>
    }
}

/// 核对报名信息: every answer grouped by step, each group with 修改 back to its step, and
/// every required material with its thumbnail and what the photo checks said of it (照片检查通过,
/// or the warnings it was uploaded with), as the reviewer will see them. Before a
/// resubmission (`before`, the draft as last submitted) what changed since is marked.
#[component]
fn CheckAnswers(
    id: String,
    plan: Plan,
    draft: Memo<Draft>,
    documents: RwSignal<Vec<DocumentInfo>>,
    before: Option<Draft>,
) -> impl IntoView {
    let api = expect_context::<Api>();
    let lang = use_lang();
    let resubmission = before.is_some();
    let changed = Memo::new(move |_| {
        before
            .as_ref()
            .map(|b| application::changed_fields(b, &draft.get()))
            .unwrap_or_default()
    });
    // One answer: its label, its value (未填写 when empty), and whether it changed.
    let row = move |field: Field, value: Signal<String>| {
        view! {
            <div class="bm-check__row" class:bm-check__row--changed=move || changed.with(|c| c.contains(&field))>
                <dt>{t(top_field_label(field))}</dt>
                <dd>
                    {move || {
                        let v = value.get();
                        if v.trim().is_empty() {
                            view! { <span class="bm-check__missing">{t(Msg::CheckNotFilled)}</span> }.into_any()
                        } else {
                            view! { <Written text=v /> }.into_any()
                        }
                    }}
                    <Show when=move || changed.with(|c| c.contains(&field))>
                        <span class="bm-check__tag">{t(Msg::CheckChanged)}</span>
                    </Show>
                </dd>
            </div>
        }
    };
    let text = move |f: fn(&Draft) -> String| Signal::derive(move || draft.with(f));
    let section = {
        let id = id.clone();
        move |step: Step, title: Msg, rows: AnyView| {
            view! {
                <section class="bm-check__group" aria-labelledby=format!("check-{}", step.number())>
                    <div class="bm-check__head">
                        <h3 id=format!("check-{}", step.number())>
                            {["①", "②", "③", "④"][step.number() as usize - 1]} " " {t(title)}
                        </h3>
                        // "修改", described by the group's heading for a screen reader.
                        <Link to=AppRoute::Wizard { id: id.clone(), step: step.number() } class="bm-check__edit"
                            attr:aria-describedby=format!("check-{}", step.number())>
                            {t(Msg::CheckEdit)}
                        </Link>
                    </div>
                    <dl class="bm-check__rows">{rows}</dl>
                </section>
            }
        }
    };
    let occupation = plan.occupation;
    let gender = move |d: &Draft| match d.gender {
        Some(Gender::Male) => Msg::GenderMale.text(lang.get()).to_owned(),
        Some(Gender::Female) => Msg::GenderFemale.text(lang.get()).to_owned(),
        None => String::new(),
    };
    let education = move |d: &Draft| {
        EDUCATIONS
            .iter()
            .find(|(e, _)| Some(*e) == d.education)
            .map(|(_, m)| m.text(lang.get()).to_owned())
            .unwrap_or_default()
    };
    let basic = view! {
        {row(Field::Name, text(|d| d.name.clone()))}
        {row(Field::Gender, Signal::derive(move || draft.with(gender)))}
        {row(Field::IdNumber, text(|d| d.id_number.clone()))}
        {row(Field::Phone, text(|d| d.phone.clone()))}
        {row(Field::Education, Signal::derive(move || draft.with(education)))}
    }
    .into_any();
    let identity = view! {
        {row(Field::Identity, Signal::derive(move || draft.with(|d| match d.identity {
            Some(Identity::Employee) => Msg::IdentityEmployee.text(lang.get()).to_owned(),
            None => String::new(),
        })))}
    }
    .into_any();
    let condition = move || draft.with(|d| d.condition);
    let details = view! {
        <div class="bm-check__row" class:bm-check__row--changed=move || changed.with(|c| c.contains(&Field::Condition))>
            <dt>{t(Msg::FieldCondition)}</dt>
            <dd>
                {move || match condition() {
                    Some(c) => view! {
                        <strong>{move || condition_title(c, lang.get())}</strong>
                        <span class="bm-check__note">{move || condition_text(c, lang.get())}</span>
                    }.into_any(),
                    None => view! { <span class="bm-check__missing">{t(Msg::CheckNotFilled)}</span> }.into_any(),
                }}
            </dd>
        </div>
        <div class="bm-check__row">
            <dt>{t(Msg::FieldOccupationApplied)}</dt>
            <dd>{move || format!("{} · {}", occupation_name(occupation, lang.get()), level_name(lang.get()))}</dd>
        </div>
        {row(Field::Employer, text(|d| d.employer.clone()))}
        {row(Field::EmployerAddress, text(|d| d.employer_address.clone()))}
        {row(Field::EmployerHrPhone, text(|d| d.employer_hr_phone.clone()))}
        {row(Field::CurrentPost, text(|d| d.current_post.clone()))}
        {row(Field::CurrentPostYears, text(|d| d.current_post_years.map(|y| y.to_string()).unwrap_or_default()))}
        <Show when=move || condition().is_some_and(Condition::needs_existing_certificate)>
            {row(Field::Certificate, Signal::derive(move || draft.with(|d| {
                d.certificate.as_ref().map(|c| {
                    [c.name_and_level.as_str(), c.number.as_str(), c.issued_on.as_str(), c.issuer.as_str()]
                        .into_iter()
                        .filter(|s| !s.trim().is_empty())
                        .collect::<Vec<_>>()
                        .join(" · ")
                }).unwrap_or_default()
            })))}
        </Show>
        <div class="bm-check__row" class:bm-check__row--changed=move || changed.with(|c| c.contains(&Field::History))>
            <dt>{t(Msg::HistorySection)}</dt>
            <dd>
                {move || {
                    let rows = draft.with(|d| d.history.clone());
                    if rows.is_empty() {
                        return view! { <span class="bm-check__missing">{t(Msg::CheckNotFilled)}</span> }.into_any();
                    }
                    view! {
                        <ol class="bm-check__history">
                            {rows.into_iter().map(|r| {
                                let end = if r.end.trim().is_empty() { Msg::UntilNow.text(lang.get_untracked()).to_owned() } else { r.end.clone() };
                                // The occupation was picked from the plan's list: its label in
                                // the page's language; a student's major is as typed.
                                let listed = std::iter::once(occupation.name_zh())
                                    .chain(occupation.related_zh().iter().copied())
                                    .find(|o| *o == r.occupation);
                                let worked_as = move || match listed {
                                    Some(o) => view! { {occupation_label(o, lang.get())} }.into_any(),
                                    None => view! { <Written text=r.occupation.clone() /> }.into_any(),
                                };
                                view! {
                                    <li>
                                        <span class="bm-check__period">{format!("{} – {}", r.start, end)}</span>
                                        " " <Written text=r.unit /> " · " {worked_as} " · " <Written text=r.witness />
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                    }.into_any()
                }}
            </dd>
        </div>
    }
    .into_any();
    let thumb_id = id.clone();
    let uploads = view! {
        {move || {
            let required = condition().map(|c| c.required_materials().to_vec()).unwrap_or_default();
            let docs = documents.get();
            required.into_iter().map(|m| {
                let doc = docs.iter().find(|d| d.material == m).cloned();
                let src = doc.as_ref().map(|d| format!("{}?v={}", api.document_url(&thumb_id, m), &d.sha256[..12.min(d.sha256.len())]));
                view! {
                    <div class="bm-check__row bm-check__doc" data-material=m.slug()>
                        <dt><MaterialName material=m /></dt>
                        <dd>
                            {match (doc, src) {
                                (Some(d), Some(src)) => view! {
                                    <img class="bm-check__thumb" src=src alt=move || material_label(m, lang.get()) width="96" height="72" loading="lazy" />
                                    <span class="bm-check__ok">
                                        {t(Msg::CheckUploaded)} " · "
                                        {if d.content_type == "image/png" { "PNG" } else { "JPG" }} " · "
                                        {format!("{} KB", d.size_bytes.div_ceil(1024))}
                                    </span>
                                    {if d.findings.is_empty() {
                                        view! { <span class="bm-check__ok bm-check__verdict" data-check="passed">{t(Msg::CheckPhotoPassed)}</span> }.into_any()
                                    } else {
                                        view! { <UploadedWarnings warnings=d.findings.clone() class="bm-check__verdict" /> }.into_any()
                                    }}
                                }.into_any(),
                                _ => view! { <span class="bm-check__missing">{t(Msg::CheckNotUploaded)}</span> }.into_any(),
                            }}
                        </dd>
                    </div>
                }
            }).collect_view()
        }}
    }
    .into_any();
    view! {
        <p class="bm-check__intro">
            {if resubmission { t(Msg::CheckIntroResubmit) } else { t(Msg::CheckIntro) }}
        </p>
        {section(Step::Basic, Msg::StepBasic, basic)}
        {section(Step::Identity, Msg::StepIdentity, identity)}
        {section(Step::Details, Msg::StepDetails, details)}
        {section(Step::Documents, Msg::StepDocuments, uploads)}
    }
}
