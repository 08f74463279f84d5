//! One upload slot of step ④ 证件信息上传. A picked file goes through every check of the
//! contract's `photo_check` in the browser (type from its bytes, size, completeness, decoding,
//! resolution, exposure, sharpness, proportions, the portrait's window and background) before
//! anything is sent. Problems that make the file unusable block it; the ones a reviewer might
//! still accept are warnings the candidate can override (仍然上传); the portrait's size,
//! format and proportion can be fixed in the page (自动处理). Uploads show progress, can be
//! cancelled, and retry on their own when the network drops. The warnings a file is uploaded
//! with go with it and are stored with it, so the slot (after a reload too) and 核对报名信息
//! show them again ([`UploadedWarnings`]).

use baoming_contract::api::DocumentInfo;
use baoming_contract::eligibility::Material;
use baoming_contract::error::ErrorCode;
use baoming_contract::photo::Sniffed;
use baoming_contract::photo_check::{Facts, Finding};
use baoming_contract::photo_quality::PhotoProblem;
use baoming_contract::photo_warning::PhotoWarning;
use baoming_contract::reason::Reason;
use leptos::prelude::*;
use web_sys::{Blob, ImageBitmap};

use crate::api::{Api, ApiError, UploadCancel, retry_pause};
use crate::components::portrait_fixer::PortraitFixer;
use crate::components::text::{MaterialName, Written};
use crate::i18n::{
    Msg, finding_text, material_label, t, upload_retrying_text, uploading_text, use_lang,
};
use crate::imaging::{self, Measure};

/// Where a slot stands.
#[derive(Debug, Clone, PartialEq)]
pub enum SlotState {
    Empty,
    Checking,
    /// The checks (or the backend) found problems with the picked file.
    Findings {
        findings: Vec<Finding>,
        /// Only warnings: 仍然上传 may send it.
        can_upload: bool,
        /// The portrait fix applies.
        can_fix: bool,
    },
    /// The upload failed in transit; the file is kept for 重试上传.
    Failed(Msg),
    /// The portrait fix is open.
    Fixing,
    /// `attempt` counts automatic retries (0 on the first try).
    Uploading {
        fraction: f64,
        attempt: u32,
    },
    Uploaded(DocumentInfo),
}

impl SlotState {
    fn name(&self) -> &'static str {
        match self {
            SlotState::Empty => "empty",
            SlotState::Checking => "checking",
            SlotState::Findings { .. } | SlotState::Failed(_) => "problem",
            SlotState::Fixing => "fixing",
            SlotState::Uploading { .. } => "uploading",
            SlotState::Uploaded(_) => "uploaded",
        }
    }
}

/// What the backend's refusal of an upload means, as a finding. `file_reason` is
/// `fields.file` as it came on the wire; a reason this version does not know is left to the
/// error code.
pub fn refusal_finding(code: ErrorCode, file_reason: Option<&str>, size: u64) -> Option<Finding> {
    if let Some(finding) = file_reason
        .and_then(Reason::from_code)
        .and_then(|r| file_reason_finding(r, size))
    {
        return Some(finding);
    }
    match code {
        ErrorCode::PayloadTooLarge => Some(Finding::TooLarge),
        ErrorCode::UnsupportedMediaType => Some(Finding::Type(Sniffed::Unknown)),
        _ => None,
    }
}

/// The finding a refused upload's `fields.file` reason stands for (the slot words it as the
/// browser's own check); `None` for the reasons an upload's `file` never gets.
fn file_reason_finding(reason: Reason, size: u64) -> Option<Finding> {
    Some(match reason {
        Reason::PortraitNotJpeg => Finding::PortraitNotJpeg,
        Reason::PortraitTooSmall | Reason::PortraitTooLarge => {
            Finding::PortraitSize { bytes: size }
        }
        // The backend runs the same structure checks as the browser: the same messages.
        Reason::Corrupt | Reason::BlankScan => Finding::Corrupt,
        Reason::Truncated => Finding::Truncated,
        Reason::TooManyPixels => Finding::TooManyPixels,
        Reason::PortraitProportion => Finding::Photo(PhotoProblem::PortraitProportion),
        Reason::PortraitLowResolution => Finding::Photo(PhotoProblem::PortraitTooSmall),
        Reason::Required
        | Reason::TooLong
        | Reason::Invalid
        | Reason::GenderMismatchId
        | Reason::MonthFormat
        | Reason::DateFormat
        | Reason::EndBeforeStart
        | Reason::InFuture
        | Reason::Overlaps
        | Reason::OccupationNotRelated
        | Reason::NotEnoughYears
        | Reason::CertificateTooRecent
        | Reason::Missing
        | Reason::TooMany
        | Reason::TooLarge
        | Reason::Stale
        | Reason::IdempotencyKeyReused
        | Reason::CodeFormat
        | Reason::CodeWrong
        | Reason::CodeExpired
        | Reason::CodeAttemptsExceeded
        | Reason::PhoneRegistered
        | Reason::PhoneNotRegistered
        | Reason::PhoneUnreachable
        | Reason::CredentialsWrong
        | Reason::PhoneWrongLength
        | Reason::PhoneNotMobile
        | Reason::PhoneInvalidCharacters
        | Reason::PasswordTooShort
        | Reason::PasswordTooLong
        | Reason::PasswordNeedsLetterAndDigit
        | Reason::PasswordMismatch
        | Reason::IdWrongLength
        | Reason::IdInvalidCharacters
        | Reason::IdInvalidBirthDate
        | Reason::IdInvalidCheckDigit
        | Reason::UnknownFinding
        | Reason::UnknownField
        | Reason::NotAllowed => return None,
    })
}

/// The list of what the checks found, each in its own words (`data-problem` is its code).
fn problem_list(findings: Vec<Finding>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <ul class="bm-slot__problems">
            {findings.into_iter().map(|f| view! {
                <li data-problem=f.code()>{move || finding_text(lang.get(), f)}</li>
            }).collect_view()}
        </ul>
    }
}

/// The warnings a stored file was uploaded with, in the words the slot showed before the
/// upload (nothing when there are none).
#[component]
pub fn UploadedWarnings(
    warnings: Vec<PhotoWarning>,
    /// More classes for the box.
    #[prop(optional)]
    class: &'static str,
) -> impl IntoView {
    (!warnings.is_empty()).then(|| {
        let codes = PhotoWarning::list(&warnings);
        view! {
            <div class=format!("bm-notice bm-notice--warn {class}") data-findings=codes>
                <p class="bm-slot__intro">{t(Msg::WarningsIntro)}</p>
                {problem_list(warnings.into_iter().map(PhotoWarning::finding).collect())}
            </div>
        }
    })
}

#[component]
pub fn UploadSlot(
    /// The application.
    app_id: String,
    /// The slot.
    material: Material,
    /// What is stored in the slot now.
    stored: Option<DocumentInfo>,
    /// The reviewer's reason when this file was rejected and has not been replaced since.
    review_reason: Option<String>,
    /// Told after a successful upload (`Some`) or delete (`None`).
    on_change: Callback<(Material, Option<DocumentInfo>)>,
) -> impl IntoView {
    let api = expect_context::<Api>();
    let lang = use_lang();
    let state = RwSignal::new(stored.map(SlotState::Uploaded).unwrap_or(SlotState::Empty));
    let review_reason = RwSignal::new(review_reason);
    // The file picked last (for 仍然上传, 重试上传 and the fix), what its head said, the
    // decoded copy the fix works on, and the findings to go back to from the fix.
    let picked = StoredValue::new_local(None::<web_sys::File>);
    // The warnings the checks found on it: they go with it when it is sent.
    let picked_warnings = StoredValue::new(Vec::<PhotoWarning>::new());
    let facts = StoredValue::new(None::<Facts>);
    let working = StoredValue::new_local(None::<ImageBitmap>);
    let last_findings = StoredValue::new(None::<SlotState>);
    let canceller = StoredValue::new_local(UploadCancel::default());
    let cancelled = StoredValue::new(false);
    let input_id = format!("upload-{}", material.slug());
    let label_id = format!("upload-{}-label", material.slug());

    let release_working = move || {
        if let Some(old) = working.try_update_value(|w| w.take()).flatten() {
            old.close();
        }
    };
    on_cleanup(release_working);

    let send = {
        let (api, app_id) = (api.clone(), app_id.clone());
        Action::new_local(move |(blob, warnings): &(Blob, Vec<PhotoWarning>)| {
            let (api, app_id) = (api.clone(), app_id.clone());
            let (blob, warnings) = (blob.clone(), warnings.clone());
            async move {
                cancelled.set_value(false);
                let size = blob.size() as u64;
                let mut attempt = 0;
                loop {
                    state.set(SlotState::Uploading {
                        fraction: 0.0,
                        attempt,
                    });
                    let cancel = canceller.get_value();
                    let result = api
                        .upload_document(
                            &app_id,
                            material,
                            &blob,
                            &warnings,
                            move |fraction| state.set(SlotState::Uploading { fraction, attempt }),
                            &cancel,
                        )
                        .await;
                    match result {
                        Ok(info) => {
                            review_reason.set(None);
                            release_working();
                            state.set(SlotState::Uploaded(info.clone()));
                            on_change.run((material, Some(info)));
                        }
                        Err(ApiError::Cancelled) => state.set(SlotState::Empty),
                        // The same rule as every other request (a time-out once, a dropped
                        // connection or a server error twice, a 429 never).
                        Err(error) if retry_pause(&error, attempt as usize).is_some() => {
                            let pause = retry_pause(&error, attempt as usize).unwrap_or_default();
                            attempt += 1;
                            // 正在自动重试 from the failure on, through the pause.
                            state.set(SlotState::Uploading {
                                fraction: 0.0,
                                attempt,
                            });
                            crate::clock::sleep(pause).await;
                            if cancelled.get_value() {
                                state.set(SlotState::Empty);
                                return;
                            }
                            continue;
                        }
                        Err(ApiError::Api { body, .. }) if !body.error.code.is_retryable() => {
                            let reason = body.error.fields.get("file").map(String::as_str);
                            state.set(match refusal_finding(body.error.code, reason, size) {
                                Some(finding) => SlotState::Findings {
                                    findings: vec![finding],
                                    can_upload: false,
                                    can_fix: finding.fixable()
                                        && working.with_value(|w| w.is_some()),
                                },
                                None => SlotState::Failed(Msg::ErrorUnexpected),
                            });
                        }
                        Err(error) => state.set(SlotState::Failed(error.message())),
                    }
                    return;
                }
            }
        })
    };

    let check = Action::new_local(move |file: &web_sys::File| {
        let file = file.clone();
        async move {
            state.set(SlotState::Checking);
            release_working();
            let measure = Measure::start("baoming:photo-inspect");
            let inspection = imaging::inspect(&file, material).await;
            measure.end();
            facts.set_value(inspection.facts);
            let can_fix = inspection.fixable(material);
            let can_upload = inspection.uploadable();
            working.set_value(inspection.working.clone());
            picked_warnings.set_value(PhotoWarning::of(&inspection.findings));
            if inspection.findings.is_empty() {
                send.dispatch((file.into(), Vec::new()));
                return;
            }
            if !can_fix {
                release_working();
            }
            let found = SlotState::Findings {
                findings: inspection.findings,
                can_upload,
                can_fix,
            };
            last_findings.set_value(Some(found.clone()));
            state.set(found);
        }
    });

    let remove = {
        let (api, app_id) = (api.clone(), app_id.clone());
        Action::new_local(move |_: &()| {
            let (api, app_id) = (api.clone(), app_id.clone());
            async move {
                match api.delete_document(&app_id, material).await {
                    Ok(()) => {
                        review_reason.set(None);
                        state.set(SlotState::Empty);
                        on_change.run((material, None));
                    }
                    Err(error) => state.set(SlotState::Failed(error.message())),
                }
            }
        })
    };
    let on_pick = move |ev: leptos::ev::Event| {
        let input = event_target::<web_sys::HtmlInputElement>(&ev);
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            picked.set_value(Some(file.clone()));
            check.dispatch(file);
        }
        // Picking the same file again must fire `change` again.
        input.set_value("");
    };
    let send_picked = move || {
        if let Some(file) = picked.get_value() {
            send.dispatch((file.into(), picked_warnings.get_value()));
        }
    };
    // The fixed portrait goes with the warnings of its own checks (normally none).
    let send_fixed = Action::new_local(move |blob: &Blob| {
        let blob = blob.clone();
        async move {
            state.set(SlotState::Checking);
            let inspection = imaging::inspect(&blob, material).await;
            if let Some(copy) = inspection.working {
                copy.close();
            }
            send.dispatch((blob, PhotoWarning::of(&inspection.findings)));
        }
    });
    let thumb = {
        let api = api.clone();
        let app_id = app_id.clone();
        move |info: &DocumentInfo| {
            format!(
                "{}?v={}",
                api.document_url(&app_id, material),
                &info.sha256[..12.min(info.sha256.len())]
            )
        }
    };
    let is_portrait = material == Material::Portrait;
    let labelled_by = label_id.clone();
    let pick_for = input_id.clone();
    let fixer = move || {
        let bitmap = working.get_value()?;
        let source = picked.get_value()?;
        let facts = facts.get_value()?;
        Some(view! {
            <PortraitFixer
                working=bitmap
                source=source
                facts=facts
                on_use=Callback::new(move |blob: Blob| { send_fixed.dispatch(blob); })
                on_cancel=Callback::new(move |()| state.set(last_findings.get_value().unwrap_or(SlotState::Empty)))
            />
        })
    };
    view! {
        <section class="bm-slot" aria-labelledby=labelled_by data-material=material.slug()
            data-state=move || state.with(SlotState::name)>
            <h3 class="bm-slot__title" id=label_id>
                <span class="bm-req" aria-hidden="true">"*"</span><MaterialName material />
            </h3>
            {is_portrait.then(|| view! { <p class="bm-field__hint">{t(Msg::PortraitRule)}</p> })}
            {move || review_reason.get().map(|r| view! {
                <p class="bm-notice bm-notice--error bm-slot__review">{t(Msg::SlotRejected)}<Written text=r /></p>
            })}
            {move || match state.get() {
                SlotState::Empty => view! { <p class="bm-slot__status">{t(Msg::UploadEmpty)}</p> }.into_any(),
                SlotState::Checking => view! { <p class="bm-slot__status" role="status">{t(Msg::UploadChecking)}</p> }.into_any(),
                SlotState::Findings { findings, can_upload, can_fix } => {
                    let warnings_only = can_upload;
                    view! {
                        <div class=if warnings_only { "bm-notice bm-notice--warn" } else { "bm-notice bm-notice--error" } role="alert">
                            {warnings_only.then(|| view! { <p class="bm-slot__intro">{t(Msg::WarningsIntro)}</p> })}
                            {problem_list(findings)}
                        </div>
                        <div class="bm-slot__actions">
                            {can_fix.then(|| view! {
                                <button type="button" class="bm-button bm-button--primary bm-button--small" data-action="fix"
                                    on:click=move |_| state.set(SlotState::Fixing)>{t(Msg::FixPortrait)}</button>
                            })}
                            {can_upload.then(|| view! {
                                <button type="button" class="bm-button bm-button--small" data-action="upload-anyway"
                                    on:click=move |_| send_picked()>{t(Msg::UploadAnyway)}</button>
                            })}
                        </div>
                    }.into_any()
                }
                SlotState::Failed(m) => {
                    let retry = picked.with_value(|f| f.is_some());
                    view! {
                        <p class="bm-notice bm-notice--error" role="alert" data-problem="upload_failed">{t(m)}</p>
                        <Show when=move || retry>
                            <button type="button" class="bm-button bm-button--small" data-action="retry"
                                on:click=move |_| send_picked()>{t(Msg::UploadRetry)}</button>
                        </Show>
                    }.into_any()
                }
                SlotState::Fixing => fixer().into_any(),
                SlotState::Uploading { fraction, attempt } => view! {
                    <div class="bm-slot__progress" role="status">
                        <progress max="1" value=fraction aria-label=move || uploading_text(lang.get(), fraction)></progress>
                        <span>{move || if attempt > 0 {
                            upload_retrying_text(lang.get(), attempt)
                        } else {
                            uploading_text(lang.get(), fraction)
                        }}</span>
                    </div>
                }.into_any(),
                SlotState::Uploaded(info) => view! {
                    <p class="bm-slot__status bm-slot__status--ok" role="status">
                        <img class="bm-slot__thumb" src=thumb(&info) alt=material_label(material, lang.get_untracked()) width="96" height="72" loading="lazy" />
                        <span>{t(Msg::UploadDone)} {format!(" · {} KB", info.size_bytes.div_ceil(1024))}</span>
                    </p>
                    <UploadedWarnings warnings=info.findings.clone() />
                }.into_any(),
            }}
            <div class="bm-slot__actions">
                <Show when=move || matches!(state.get(), SlotState::Uploading { .. })>
                    <button type="button" class="bm-button bm-button--small" data-action="cancel" on:click=move |_| {
                        cancelled.set_value(true);
                        canceller.with_value(UploadCancel::cancel);
                    }>
                        {t(Msg::UploadCancel)}
                    </button>
                </Show>
                <input id=input_id class="bm-slot__input" type="file" accept="image/jpeg,image/png" on:change=on_pick
                    aria-label=move || format!("{} {}", material_label(material, lang.get()), t(Msg::UploadChoose)()) />
                <Show when=move || !matches!(state.get(), SlotState::Fixing)>
                    <label class="bm-button bm-button--small bm-slot__pick" for=pick_for.clone()>
                        {move || if matches!(state.get(), SlotState::Uploaded(_)) { t(Msg::UploadReplace)() } else { t(Msg::UploadChoose)() }}
                    </label>
                </Show>
                <Show when=move || matches!(state.get(), SlotState::Uploaded(_))>
                    <button type="button" class="bm-button bm-button--small" data-action="delete" disabled=move || remove.pending().get()
                        on:click=move |_| { remove.dispatch(()); }>{t(Msg::UploadDelete)}</button>
                </Show>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_refusals_become_findings() {
        assert_eq!(
            refusal_finding(
                ErrorCode::ValidationFailed,
                Some("portrait_too_large"),
                90_000
            ),
            Some(Finding::PortraitSize { bytes: 90_000 })
        );
        assert_eq!(
            refusal_finding(ErrorCode::ValidationFailed, Some("portrait_not_jpeg"), 1),
            Some(Finding::PortraitNotJpeg)
        );
        assert_eq!(
            refusal_finding(ErrorCode::PayloadTooLarge, None, 1),
            Some(Finding::TooLarge)
        );
        assert_eq!(refusal_finding(ErrorCode::Internal, None, 1), None);
        // The backend's structure checks speak the browser's findings.
        for (why, finding) in [
            ("corrupt", Finding::Corrupt),
            ("blank_scan", Finding::Corrupt),
            ("truncated", Finding::Truncated),
            ("too_many_pixels", Finding::TooManyPixels),
            (
                "portrait_proportion",
                Finding::Photo(PhotoProblem::PortraitProportion),
            ),
            (
                "portrait_low_resolution",
                Finding::Photo(PhotoProblem::PortraitTooSmall),
            ),
        ] {
            assert_eq!(
                refusal_finding(ErrorCode::ValidationFailed, Some(why), 1),
                Some(finding),
                "{why}"
            );
        }
    }

    /// Every reason the backend may put in an upload's `fields.file`
    /// (`photo::DocumentError::reason`) is worded as a finding, none left to the generic
    /// message; the other reasons, and one this version does not know, are not.
    #[test]
    fn every_file_reason_is_a_finding() {
        use baoming_contract::photo::{DocumentError as E, PortraitError};
        let file_reasons: Vec<&str> = [
            E::Portrait(PortraitError::NotJpeg),
            E::Portrait(PortraitError::TooSmall),
            E::Portrait(PortraitError::TooLarge),
            E::Corrupt,
            E::Truncated,
            E::BlankScan,
            E::TooManyPixels,
            E::PortraitProportion,
            E::PortraitLowResolution,
        ]
        .into_iter()
        .filter_map(E::reason)
        .collect();
        assert_eq!(file_reasons.len(), 9);
        for r in Reason::ALL {
            assert_eq!(
                refusal_finding(ErrorCode::ValidationFailed, Some(r.code()), 1).is_some(),
                file_reasons.contains(&r.code()),
                "{r:?}"
            );
        }
        assert_eq!(
            refusal_finding(ErrorCode::ValidationFailed, Some("something_new"), 1),
            None
        );
    }
}
