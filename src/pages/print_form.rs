//! The printable 申报表 (职业技能等级认定申报表), filled from the wizard: every field, the
//! history rows, the pledge and the employer's opinion for the chosen condition. A4, ready
//! to print, sign, stamp and photograph — the seed's "download, print, fill in" without
//! retyping.

use baoming_contract::api::{Application, Education};
use baoming_contract::eligibility::PLEDGE_ZH;
use baoming_contract::id_card::Gender;
use baoming_contract::plan::Plan;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::Api;
use crate::components::draft_saver::pending_draft;
use crate::components::feedback::Loaded;
use crate::i18n::{Lang, Msg, sheet, t};

#[component]
pub fn PrintFormPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let loaded = LocalResource::new(move || {
        let (api, id) = (api.clone(), id.get());
        async move { api.application_and_plan(&id).await }
    });
    view! {
        <p class="bm-print-actions">
            <button type="button" class="bm-button bm-button--primary" on:click=|_| { let _ = window().print(); }>
                {t(Msg::PrintForm)}
            </button>
        </p>
        <Loaded resource=loaded title=Msg::PrintForm let:((app, plan))>
            <FormSheet app plan />
        </Loaded>
    }
}

fn education_zh(e: Education) -> &'static str {
    use Education::*;
    let m = match e {
        JuniorHighOrBelow => Msg::EduJuniorHigh,
        SeniorHigh => Msg::EduSeniorHigh,
        SecondaryVocational => Msg::EduSecondaryVocational,
        TechnicianCollege => Msg::EduTechnicianCollege,
        JuniorCollege => Msg::EduJuniorCollege,
        Bachelor => Msg::EduBachelor,
        MasterOrAbove => Msg::EduMaster,
    };
    m.text(Lang::Zh)
}

/// The form itself is always in Chinese: it is an official paper form.
#[component]
fn FormSheet(app: Application, plan: Plan) -> impl IntoView {
    // Print what the candidate typed, including edits not yet confirmed by the backend.
    let d = pending_draft(&app).unwrap_or(app.draft);
    let cert = d.certificate.clone().unwrap_or_default();
    let needs_cert = d.condition.is_some_and(|c| c.needs_existing_certificate());
    let gender = d
        .gender
        .map(|g| {
            if g == Gender::Male {
                sheet::MALE
            } else {
                sheet::FEMALE
            }
        })
        .unwrap_or("");
    let opinion = d
        .condition
        .map(|c| c.employer_opinion_zh(plan.occupation))
        .unwrap_or_default();
    let post = match d.current_post_years {
        Some(y) => sheet::post_with_years(&d.current_post, y),
        None => d.current_post.clone(),
    };
    let rows = d.history.clone();
    view! {
        <article class="bm-sheet" lang="zh-CN" tabindex="0" role="region" aria-label=sheet::TITLE>
            <h1 class="bm-sheet__title">{sheet::TITLE}</h1>
            <p class="bm-sheet__no">{sheet::NUMBER}</p>
            <table class="bm-sheet__table">
                <tbody>
                    <tr>
                        <th>{sheet::NAME}</th><td>{d.name.clone()}</td>
                        <th>{sheet::GENDER}</th><td>{gender}</td>
                        <th>{sheet::PHONE}</th><td>{d.phone.clone()}</td>
                        <td rowspan="2" class="bm-sheet__photo">{sheet::PHOTO} <br/> {sheet::PHOTO_NOTE}</td>
                    </tr>
                    <tr>
                        <th>{sheet::EDUCATION}</th><td>{d.education.map(education_zh).unwrap_or("")}</td>
                        <th>{sheet::ID_NUMBER}</th><td colspan="3">{d.id_number.clone()}</td>
                    </tr>
                    <tr>
                        <th>{sheet::EMPLOYER}</th><td colspan="3">{d.employer.clone()}</td>
                        <th>{sheet::POST}</th><td colspan="2">{post}</td>
                    </tr>
                    <tr>
                        <th>{sheet::EMPLOYER_ADDRESS}</th><td colspan="3">{d.employer_address.clone()}</td>
                        <th>{sheet::HR_PHONE}</th><td colspan="2">{d.employer_hr_phone.clone()}</td>
                    </tr>
                    <tr>
                        <th>{sheet::OCCUPATION}</th><td colspan="3">{plan.occupation.with_work_type_zh()}</td>
                        <th>{sheet::LEVEL}</th><td colspan="2">{sheet::LEVEL_2}</td>
                    </tr>
                    <tr>
                        <th>{sheet::CERT_NAME}</th><td colspan="3">{needs_cert.then(|| cert.name_and_level.clone())}</td>
                        <th>{sheet::CERT_NUMBER}</th><td colspan="2">{needs_cert.then(|| cert.number.clone())}</td>
                    </tr>
                    <tr>
                        <th>{sheet::CERT_DATE}</th><td colspan="3">{needs_cert.then(|| cert.issued_on.replace('-', "."))}</td>
                        <th>{sheet::CERT_ISSUER}</th><td colspan="2">{needs_cert.then(|| cert.issuer.clone())}</td>
                    </tr>
                    <tr>
                        <th rowspan=rows.len() + 1>{sheet::HISTORY} <br/> {sheet::TRAINING}</th>
                        <th colspan="2">{sheet::PERIOD}</th>
                        <th colspan="3">{sheet::WHERE_WHAT}</th>
                        <th>{sheet::WITNESS}</th>
                    </tr>
                    {rows.into_iter().map(|r| {
                        let end = if r.end.trim().is_empty() { sheet::UNTIL_NOW.to_string() } else { r.end.replace('-', ".") };
                        view! {
                            <tr>
                                <td colspan="2">{format!("{}-{}", r.start.replace('-', "."), end)}</td>
                                <td colspan="3">{sheet::unit_and_occupation(&r.unit, &r.occupation)}</td>
                                <td>{r.witness}</td>
                            </tr>
                        }
                    }).collect_view()}
                    <tr>
                        <th>{sheet::PLEDGE}</th>
                        <td colspan="6">
                            <p>{PLEDGE_ZH}</p>
                            <p class="bm-sheet__sign">{sheet::PLEDGE_SIGN}</p>
                        </td>
                    </tr>
                    <tr>
                        <th>{sheet::EMPLOYER_OPINION}</th>
                        <td colspan="6">
                            <p>{opinion}</p>
                            <p class="bm-sheet__sign">{sheet::EMPLOYER_SIGN}</p>
                        </td>
                    </tr>
                    <tr>
                        <th>{sheet::RESULT}</th>
                        <td colspan="6"><p class="bm-sheet__sign">{sheet::RESULT_SIGN}</p></td>
                    </tr>
                </tbody>
            </table>
            <p class="bm-sheet__note">{sheet::NOTE}</p>
        </article>
    }
}
