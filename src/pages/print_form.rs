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
use crate::components::feedback::{ErrorPanel, Loading, retry_of};
use crate::i18n::{Lang, Msg, t};

#[component]
pub fn PrintFormPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let loaded = LocalResource::new(move || {
        let (api, id) = (api.clone(), id.get());
        async move { api.application_and_plan(&id).await }
    });
    let retry = retry_of(loaded);
    view! {
        <p class="bm-print-actions">
            <button type="button" class="bm-button bm-button--primary" on:click=|_| { let _ = window().print(); }>
                {t(Msg::PrintForm)}
            </button>
        </p>
        {move || match loaded.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(error)) => view! { <ErrorPanel title=Msg::PrintForm error on_retry=retry /> }.into_any(),
            Some(Ok((app, plan))) => view! { <FormSheet app plan /> }.into_any(),
        }}
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
        .map(|g| if g == Gender::Male { "男" } else { "女" })
        .unwrap_or("");
    let opinion = d
        .condition
        .map(|c| c.employer_opinion_zh(plan.occupation))
        .unwrap_or_default();
    let post = match d.current_post_years {
        Some(y) => format!("{}({y}年)", d.current_post),
        None => d.current_post.clone(),
    };
    let rows = d.history.clone();
    view! {
        <article class="bm-sheet" lang="zh-CN">
            <h1 class="bm-sheet__title">"职业技能等级认定申报表"</h1>
            <p class="bm-sheet__no">"编号："</p>
            <table class="bm-sheet__table">
                <tbody>
                    <tr>
                        <th>"姓名"</th><td>{d.name.clone()}</td>
                        <th>"性别"</th><td>{gender}</td>
                        <th>"联系电话"</th><td>{d.phone.clone()}</td>
                        <td rowspan="2" class="bm-sheet__photo">"一寸照片" <br/> "(彩色白底)"</td>
                    </tr>
                    <tr>
                        <th>"文化程度"</th><td>{d.education.map(education_zh).unwrap_or("")}</td>
                        <th>"身份证号"</th><td colspan="3">{d.id_number.clone()}</td>
                    </tr>
                    <tr>
                        <th>"工作单位"</th><td colspan="3">{d.employer.clone()}</td>
                        <th>"现从事岗位(年限)"</th><td colspan="2">{post}</td>
                    </tr>
                    <tr>
                        <th>"单位地址"</th><td colspan="3">{d.employer_address.clone()}</td>
                        <th>"单位人资部门电话"</th><td colspan="2">{d.employer_hr_phone.clone()}</td>
                    </tr>
                    <tr>
                        <th>"申报职业(工种)"</th><td colspan="3">{plan.occupation.with_work_type_zh()}</td>
                        <th>"申报等级"</th><td colspan="2">"二级"</td>
                    </tr>
                    <tr>
                        <th>"现有职业资格证书名称等级"</th><td colspan="3">{needs_cert.then(|| cert.name_and_level.clone())}</td>
                        <th>"证书编号"</th><td colspan="2">{needs_cert.then(|| cert.number.clone())}</td>
                    </tr>
                    <tr>
                        <th>"取证时间"</th><td colspan="3">{needs_cert.then(|| cert.issued_on.replace('-', "."))}</td>
                        <th>"发证机构名称"</th><td colspan="2">{needs_cert.then(|| cert.issuer.clone())}</td>
                    </tr>
                    <tr>
                        <th rowspan=rows.len() + 1>"工作经历" <br/> "培训经历"</th>
                        <th colspan="2">"起止年月"</th>
                        <th colspan="3">"在何单位从事何种职业(工种)或学习"</th>
                        <th>"证明人"</th>
                    </tr>
                    {rows.into_iter().map(|r| {
                        let end = if r.end.trim().is_empty() { "至今".to_string() } else { r.end.replace('-', ".") };
                        view! {
                            <tr>
                                <td colspan="2">{format!("{}-{}", r.start.replace('-', "."), end)}</td>
                                <td colspan="3">{format!("{}，{}", r.unit, r.occupation)}</td>
                                <td>{r.witness}</td>
                            </tr>
                        }
                    }).collect_view()}
                    <tr>
                        <th>"本人承诺"</th>
                        <td colspan="6">
                            <p>{PLEDGE_ZH}</p>
                            <p class="bm-sheet__sign">"本人承诺签字：＿＿＿＿（按手印）　承诺日期：＿＿＿＿年＿＿月＿＿日"</p>
                        </td>
                    </tr>
                    <tr>
                        <th>"工作单位意见"</th>
                        <td colspan="6">
                            <p>{opinion}</p>
                            <p class="bm-sheet__sign">"(单位公章或人力资源部门印章)　＿＿＿＿年＿＿月＿＿日"</p>
                        </td>
                    </tr>
                    <tr>
                        <th>"评价机构考评结果"</th>
                        <td colspan="6"><p class="bm-sheet__sign">"年　月　日(章)"</p></td>
                    </tr>
                </tbody>
            </table>
            <p class="bm-sheet__note">"申报表一式两份。签字使用黑色签字笔、手印使用红色印泥，不可涂改；工作经历处需加盖单位公章或人力资源部门印章。"</p>
        </article>
    }
}
