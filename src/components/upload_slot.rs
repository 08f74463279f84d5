//! One upload slot of step ④ 证件信息上传: checks the file in the browser with the contract's
//! rules (type from its bytes, size, the portrait's 40–80 KB JPG window) before sending it,
//! then uploads it with a progress bar and cancel, and shows it once stored.

use baoming_contract::api::DocumentInfo;
use baoming_contract::eligibility::Material;
use baoming_contract::photo::{self, DocumentError, PortraitError, SNIFF_BYTES, Sniffed};
use leptos::prelude::*;

use crate::api::{Api, ApiError, UploadCancel};
use crate::i18n::{Lang, Msg, portrait_size_text, t, uploading_text, use_lang};

/// Where a slot stands.
#[derive(Debug, Clone, PartialEq)]
pub enum SlotState {
    Empty,
    Checking,
    /// Refused before upload, or by the backend: what to tell the candidate.
    Problem(Problem),
    Uploading(f64),
    Uploaded(DocumentInfo),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    Msg(Msg),
    PortraitSize(u64),
    /// The upload failed in transit; the file is kept for 重试上传.
    Upload(Msg),
}

/// What the candidate is told about a file the contract refuses.
pub fn problem_for(error: DocumentError, size: u64) -> Problem {
    match error {
        DocumentError::TooLarge => Problem::Msg(Msg::ErrFileTooLarge),
        DocumentError::UnsupportedType(Sniffed::Heic) => Problem::Msg(Msg::ErrTypeHeic),
        DocumentError::UnsupportedType(Sniffed::Pdf) => Problem::Msg(Msg::ErrTypePdf),
        DocumentError::UnsupportedType(_) => Problem::Msg(Msg::ErrTypeOther),
        DocumentError::Portrait(PortraitError::NotJpeg) => Problem::Msg(Msg::ErrPortraitNotJpeg),
        DocumentError::Portrait(_) => Problem::PortraitSize(size),
    }
}

fn problem_text(p: &Problem, lang: Lang) -> String {
    match p {
        Problem::Msg(m) | Problem::Upload(m) => m.text(lang).to_string(),
        Problem::PortraitSize(size) => portrait_size_text(lang, *size),
    }
}

async fn head_of(file: &web_sys::File) -> Vec<u8> {
    let Ok(blob) = file.slice_with_i32_and_i32(0, SNIFF_BYTES as i32) else {
        return Vec::new();
    };
    match wasm_bindgen_futures::JsFuture::from(blob.array_buffer()).await {
        Ok(buffer) => js_sys::Uint8Array::new(&buffer).to_vec(),
        Err(_) => Vec::new(),
    }
}

#[component]
pub fn UploadSlot(
    /// The application.
    app_id: String,
    /// The slot.
    material: Material,
    /// What is stored in the slot now.
    stored: Option<DocumentInfo>,
    /// Told after a successful upload (`Some`) or delete (`None`).
    on_change: Callback<(Material, Option<DocumentInfo>)>,
) -> impl IntoView {
    let api = expect_context::<Api>();
    let lang = use_lang();
    let state = RwSignal::new(stored.map(SlotState::Uploaded).unwrap_or(SlotState::Empty));
    // The last file picked, for 重试上传 after a failed upload.
    let picked = StoredValue::new_local(None::<web_sys::File>);
    let canceller = StoredValue::new_local(UploadCancel::default());
    let input_id = format!("upload-{}", material.slug());
    let label_id = format!("upload-{}-label", material.slug());

    let upload = {
        let (api, app_id) = (api.clone(), app_id.clone());
        Action::new_local(move |file: &web_sys::File| {
            let (api, app_id, file) = (api.clone(), app_id.clone(), file.clone());
            async move {
                state.set(SlotState::Checking);
                let head = head_of(&file).await;
                let size = file.size() as u64;
                if let Err(e) = photo::check_document(material, &head, size) {
                    state.set(SlotState::Problem(problem_for(e, size)));
                    return;
                }
                state.set(SlotState::Uploading(0.0));
                let cancel = canceller.get_value();
                let result = api
                    .upload_document(
                        &app_id,
                        material,
                        &file,
                        move |f| state.set(SlotState::Uploading(f)),
                        &cancel,
                    )
                    .await;
                match result {
                    Ok(info) => {
                        state.set(SlotState::Uploaded(info.clone()));
                        on_change.run((material, Some(info)));
                    }
                    Err(ApiError::Api { body, .. })
                        if !body.error.fields.is_empty()
                            || body.error.code != baoming_contract::error::ErrorCode::Internal =>
                    {
                        let problem = match body.error.fields.get("file").map(String::as_str) {
                            Some("portrait_not_jpeg") => Problem::Msg(Msg::ErrPortraitNotJpeg),
                            Some("portrait_too_small" | "portrait_too_large") => {
                                Problem::PortraitSize(size)
                            }
                            _ => match body.error.code {
                                baoming_contract::error::ErrorCode::PayloadTooLarge => {
                                    Problem::Msg(Msg::ErrFileTooLarge)
                                }
                                baoming_contract::error::ErrorCode::UnsupportedMediaType => {
                                    Problem::Msg(Msg::ErrTypeOther)
                                }
                                _ => Problem::Upload(Msg::ErrorUnexpected),
                            },
                        };
                        state.set(SlotState::Problem(problem));
                    }
                    Err(ApiError::Cancelled) => state.set(SlotState::Empty),
                    Err(error) => state.set(SlotState::Problem(Problem::Upload(error.message()))),
                }
            }
        })
    };
    let remove = {
        let (api, app_id) = (api.clone(), app_id.clone());
        Action::new_local(move |_: &()| {
            let (api, app_id) = (api.clone(), app_id.clone());
            async move {
                match api.delete_document(&app_id, material).await {
                    Ok(()) => {
                        state.set(SlotState::Empty);
                        on_change.run((material, None));
                    }
                    Err(error) => state.set(SlotState::Problem(Problem::Upload(error.message()))),
                }
            }
        })
    };
    let on_pick = move |ev: leptos::ev::Event| {
        let input = event_target::<web_sys::HtmlInputElement>(&ev);
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            picked.set_value(Some(file.clone()));
            upload.dispatch(file);
        }
        // Picking the same file again must fire `change` again.
        input.set_value("");
    };
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
    view! {
        <section class="bm-slot" aria-labelledby=labelled_by data-state=move || match state.get() {
            SlotState::Empty => "empty",
            SlotState::Checking => "checking",
            SlotState::Problem(_) => "problem",
            SlotState::Uploading(_) => "uploading",
            SlotState::Uploaded(_) => "uploaded",
        }>
            <h3 class="bm-slot__title" id=label_id>
                <span class="bm-req" aria-hidden="true">"*"</span>{material.label_zh()}
            </h3>
            {is_portrait.then(|| view! { <p class="bm-field__hint">{t(Msg::PortraitRule)}</p> })}
            {move || match state.get() {
                SlotState::Empty => view! { <p class="bm-slot__status">{t(Msg::UploadEmpty)}</p> }.into_any(),
                SlotState::Checking => view! { <p class="bm-slot__status" role="status">{t(Msg::UploadChecking)}</p> }.into_any(),
                SlotState::Problem(p) => {
                    let retry = matches!(p, Problem::Upload(_)) && picked.with_value(|f| f.is_some());
                    view! {
                        <p class="bm-notice bm-notice--error" role="alert">{problem_text(&p, lang.get())}</p>
                        <Show when=move || retry>
                            <button type="button" class="bm-button bm-button--small" on:click=move |_| {
                                if let Some(f) = picked.get_value() { upload.dispatch(f); }
                            }>{t(Msg::UploadRetry)}</button>
                        </Show>
                    }.into_any()
                }
                SlotState::Uploading(f) => view! {
                    <div class="bm-slot__progress" role="status">
                        <progress max="1" value=f aria-label=uploading_text(lang.get(), f)></progress>
                        <span>{uploading_text(lang.get(), f)}</span>
                    </div>
                }.into_any(),
                SlotState::Uploaded(info) => view! {
                    <p class="bm-slot__status bm-slot__status--ok" role="status">
                        <img class="bm-slot__thumb" src=thumb(&info) alt=material.label_zh() width="96" height="72" loading="lazy" />
                        <span>{t(Msg::UploadDone)} {format!(" · {} KB", info.size_bytes.div_ceil(1024))}</span>
                    </p>
                }.into_any(),
            }}
            <div class="bm-slot__actions">
                <Show when=move || matches!(state.get(), SlotState::Uploading(_))>
                    <button type="button" class="bm-button bm-button--small" on:click=move |_| canceller.with_value(UploadCancel::cancel)>
                        {t(Msg::UploadCancel)}
                    </button>
                </Show>
                <label class="bm-button bm-button--small bm-slot__pick" for=input_id.clone()>
                    {move || if matches!(state.get(), SlotState::Uploaded(_)) { t(Msg::UploadReplace)() } else { t(Msg::UploadChoose)() }}
                </label>
                <input id=input_id class="bm-slot__input" type="file" accept="image/jpeg,image/png" on:change=on_pick
                    aria-label=move || format!("{} {}", material.label_zh(), t(Msg::UploadChoose)()) />
                <Show when=move || matches!(state.get(), SlotState::Uploaded(_))>
                    <button type="button" class="bm-button bm-button--small" disabled=move || remove.pending().get()
                        on:click=move |_| { remove.dispatch(()); }>{t(Msg::UploadDelete)}</button>
                </Show>
            </div>
        </section>
    }
}
