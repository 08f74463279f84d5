//! 自动处理: the portrait fix. A 25:35 frame over the photo that the candidate drags and
//! zooms (mouse, touch, wheel or keyboard); the framed part is scaled to 295 × 413 by the
//! browser and encoded as a JPEG whose quality is searched until the file is 40–80 KB. The
//! frame never zooms past the photo's own pixels (the contract's `CropFrame`), so nothing is
//! enlarged; a coloured background is pointed out, never painted over. When it opens, the
//! head is searched for ([`crate::face`]) and the frame put around it the way a one-inch ID
//! photo is framed ([`CropFrame::around_head`]), unless the candidate has already moved it.

use baoming_contract::photo::{
    PORTRAIT_HEIGHT_PX, PORTRAIT_MAX_BYTES, PORTRAIT_MIN_BYTES, PORTRAIT_WIDTH_PX,
};
use baoming_contract::photo_check::Facts;
use baoming_contract::photo_quality::{CropFrame, MIN_WHITE_BORDER, head};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, File, ImageBitmap};

use crate::components::link::RouterBase;
use crate::face::{self, Finder};
use crate::i18n::{Msg, photo_size_text, t, use_lang};
use crate::imaging::{self, Measure, Rendered};

/// The longest side of the photo shown in the frame.
const PREVIEW_MAX_SIDE: u32 = 1024;

/// What the result of 生成一寸照 looks like.
#[derive(Debug, Clone, PartialEq)]
struct Outcome {
    bytes: u64,
    /// Pixel size: 295 × 413, or larger where the engine's encoder needed it.
    width: u32,
    height: u32,
    preview: String,
    in_window: bool,
    white_background: bool,
}

/// An object URL that is revoked when its owner goes away.
struct ObjectUrl(String);

impl ObjectUrl {
    fn new(blob: &Blob) -> Option<Self> {
        web_sys::Url::create_object_url_with_blob(blob)
            .ok()
            .map(ObjectUrl)
    }
}

impl Drop for ObjectUrl {
    fn drop(&mut self) {
        let _ = web_sys::Url::revoke_object_url(&self.0);
    }
}

/// `0.1234` as `"12.34%"`, without pulling float formatting into the bundle.
fn percent(fraction: f64) -> String {
    let hundredths = (fraction * 10_000.0).round() as i64;
    let sign = if hundredths < 0 { "-" } else { "" };
    let n = hundredths.unsigned_abs();
    format!("{sign}{}.{:02}%", n / 100, n % 100)
}

/// How the head search is going.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeadSearch {
    Searching,
    Found(Finder),
    /// Nothing found, or the search could not run: the candidate frames by hand.
    NotFound,
}

impl HeadSearch {
    /// `data-face` on the fixer, for tests and the benchmark.
    fn code(self) -> &'static str {
        match self {
            HeadSearch::Searching => "searching",
            HeadSearch::Found(finder) => finder.code(),
            HeadSearch::NotFound => "none",
        }
    }
}

/// A change of the crop frame a key asks for.
type CropAction = Box<dyn Fn(&mut CropFrame)>;
#[component]
pub fn PortraitFixer(
    /// The photo, decoded (what the frame's coordinates refer to).
    working: ImageBitmap,
    /// The file as picked (shown in the frame; its size is the "before").
    source: File,
    /// Its size as shown, after EXIF orientation.
    facts: Facts,
    /// Called with the fixed JPEG when the candidate chooses 使用这张照片.
    on_use: Callback<Blob>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let frame = RwSignal::new(CropFrame::new(working.width(), working.height()));
    let max_zoom = frame.get_untracked().max_zoom();
    let (work_w, work_h) = (working.width(), working.height());
    let (preview_w, preview_h) =
        baoming_contract::photo_check::fit_side(work_w, working.height(), PREVIEW_MAX_SIDE);
    let source_bytes = source.size() as u64;
    // The photo in the frame: a copy of at most 1024 px drawn once the canvas exists.
    let preview = NodeRef::<leptos::html::Canvas>::new();
    let working = StoredValue::new_local(working);
    let result_blob = StoredValue::new_local(None::<(Rendered, ObjectUrl)>);
    let outcome = RwSignal::new(None::<Outcome>);
    let failed = RwSignal::new(false);
    // Active pointers (id, x, y) for drag and pinch.
    let pointers = StoredValue::new(Vec::<(i32, f64, f64)>::new());

    let search = RwSignal::new(HeadSearch::Searching);
    // Set once the candidate moves or zooms the frame, or renders it: a late search result
    // then leaves it.
    let touched = StoredValue::new(false);

    on_cleanup(move || result_blob.set_value(None));
    Effect::new(move |_| {
        if let Some(canvas) = preview.get() {
            let bitmap = working.get_value();
            leptos::task::spawn_local(async move {
                let _ = imaging::draw_preview(&bitmap, &canvas, PREVIEW_MAX_SIDE).await;
            });
        }
    });

    // Any change to the frame makes an earlier result stale.
    let set_frame = move |new: CropFrame| {
        frame.set(new);
        if outcome.get_untracked().is_some() {
            outcome.set(None);
            result_blob.set_value(None);
        }
    };
    let adjust = move |f: &dyn Fn(&mut CropFrame)| {
        touched.set_value(true);
        let mut changed = frame.get_untracked();
        f(&mut changed);
        set_frame(changed);
    };

    let base_path = use_context::<RouterBase>().map(|b| b.0).unwrap_or_default();
    leptos::task::spawn_local({
        let bitmap = working.get_value();
        async move {
            let found = face::find_head(&bitmap, &base_path).await;
            // The fixer may have closed meanwhile.
            if search.try_get_untracked().is_none() {
                return;
            }
            match found {
                Ok(Some((head_box, finder))) => {
                    if !touched.get_value() {
                        set_frame(CropFrame::around_head(
                            bitmap.width(),
                            bitmap.height(),
                            head_box,
                        ));
                    }
                    search.set(HeadSearch::Found(finder));
                }
                _ => search.set(HeadSearch::NotFound),
            }
        }
    });
    let render = Action::new_local(move |_: &()| {
        // 生成一寸照 accepts the frame as shown: a head search ending after this click must
        // not move it (and throw away the result the candidate is looking at).
        touched.set_value(true);
        let rect = frame.get_untracked().rect();
        let bitmap = working.get_value();
        async move {
            failed.set(false);
            let measure = Measure::start("baoming:portrait-render");
            let rendered = imaging::render_portrait(&bitmap, rect).await;
            measure.end();
            match rendered {
                Ok(r) => {
                    let url = ObjectUrl::new(&r.blob);
                    let done = Outcome {
                        bytes: r.bytes,
                        width: r.width,
                        height: r.height,
                        preview: url.as_ref().map(|u| u.0.clone()).unwrap_or_default(),
                        in_window: (PORTRAIT_MIN_BYTES..=PORTRAIT_MAX_BYTES).contains(&r.bytes),
                        white_background: r.analysis.white_border >= MIN_WHITE_BORDER,
                    };
                    result_blob.set_value(url.map(|u| (r, u)));
                    outcome.set(Some(done));
                }
                Err(_) => failed.set(true),
            }
        }
    });

    let frame_size = |ev: &web_sys::Event| -> Option<(f64, f64)> {
        let el = ev
            .current_target()?
            .dyn_into::<web_sys::HtmlElement>()
            .ok()?;
        Some((
            f64::from(el.client_width().max(1)),
            f64::from(el.client_height().max(1)),
        ))
    };
    let on_down = move |ev: web_sys::PointerEvent| {
        if let Some(el) = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        {
            let _ = el.set_pointer_capture(ev.pointer_id());
        }
        let (id, x, y) = (
            ev.pointer_id(),
            f64::from(ev.client_x()),
            f64::from(ev.client_y()),
        );
        pointers.update_value(|p| {
            p.retain(|q| q.0 != id);
            p.push((id, x, y));
        });
        ev.prevent_default();
    };
    let on_move = move |ev: web_sys::PointerEvent| {
        let (id, x, y) = (
            ev.pointer_id(),
            f64::from(ev.client_x()),
            f64::from(ev.client_y()),
        );
        let Some((fw, fh)) = frame_size(&ev) else {
            return;
        };
        let before = pointers.get_value();
        let Some(i) = before.iter().position(|p| p.0 == id) else {
            return;
        };
        let mut after = before.clone();
        after[i] = (id, x, y);
        pointers.set_value(after.clone());
        match before.len() {
            1 => {
                let (dx, dy) = (x - before[i].1, y - before[i].2);
                // The photo follows the finger: the frame moves the other way.
                adjust(&|f| f.pan(-dx / fw, -dy / fh));
            }
            2 => {
                let dist = |p: &[(i32, f64, f64)]| (p[0].1 - p[1].1).hypot(p[0].2 - p[1].2);
                let (d0, d1) = (dist(&before), dist(&after));
                if d0 > 1.0 {
                    adjust(&|f| f.set_zoom(f.zoom() * d1 / d0));
                }
            }
            _ => {}
        }
    };
    let on_up = move |ev: web_sys::PointerEvent| {
        let id = ev.pointer_id();
        pointers.update_value(|p| p.retain(|q| q.0 != id));
    };
    let on_wheel = move |ev: web_sys::WheelEvent| {
        ev.prevent_default();
        let factor = (-ev.delta_y() * 0.0015).exp();
        adjust(&|f| f.set_zoom(f.zoom() * factor));
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let step = 0.05;
        let action: Option<CropAction> = match ev.key().as_str() {
            "ArrowLeft" => Some(Box::new(move |f| f.pan(-step, 0.0))),
            "ArrowRight" => Some(Box::new(move |f| f.pan(step, 0.0))),
            "ArrowUp" => Some(Box::new(move |f| f.pan(0.0, -step))),
            "ArrowDown" => Some(Box::new(move |f| f.pan(0.0, step))),
            "+" | "=" => Some(Box::new(|f| f.set_zoom(f.zoom() * 1.1))),
            "-" | "_" => Some(Box::new(|f| f.set_zoom(f.zoom() / 1.1))),
            _ => None,
        };
        if let Some(action) = action {
            ev.prevent_default();
            adjust(&*action);
        }
    };
    // The photo placed so that the frame shows exactly `rect`, in percentages of the frame
    // (set through CSSOM, which a strict style-src allows, not a style attribute).
    let place = move |side: u8| {
        let (x, y, w, h) = frame.get().rect();
        percent(match side {
            0 => -x / w,
            1 => -y / h,
            _ => f64::from(work_w) / w,
        })
    };
    let (src_w, src_h) = (facts.width, facts.height);
    // The guide's top, height and tolerance in thousandths, for the benchmark to judge by.
    let guide = [head::TOP, head::HEIGHT, head::TOLERANCE]
        .map(|v| ((v * 1000.0).round() as i64).to_string())
        .join(",");

    view! {
        <div class="bm-fixer" data-face=move || search.get().code() data-guide=guide>
            <h4 class="bm-fixer__title">{t(Msg::FixTitle)}</h4>
            <p class="bm-field__hint">{t(Msg::FixHint)}</p>
            <p class="bm-field__hint bm-fixer__search" role="status">{move || match search.get() {
                HeadSearch::Searching => t(Msg::FixFaceSearching)(),
                HeadSearch::Found(_) => t(Msg::FixFaceFound)(),
                HeadSearch::NotFound => t(Msg::FixFaceNotFound)(),
            }}</p>
            <div class="bm-fixer__stage">
                <div class="bm-fixer__frame" tabindex="0" role="group" aria-label=t(Msg::FixFrameLabel)
                    data-working=format!("{work_w},{work_h}")
                    data-rect=move || {
                        let (x, y, w, h) = frame.get().rect();
                        format!("{},{},{},{}", x.round(), y.round(), w.round(), h.round())
                    }
                    on:pointerdown=on_down on:pointermove=on_move on:pointerup=on_up on:pointercancel=on_up
                    on:wheel=on_wheel on:keydown=on_key>
                    <canvas class="bm-fixer__photo" node_ref=preview width=preview_w height=preview_h aria-hidden="true" style:left=move || place(0) style:top=move || place(1) style:width=move || place(2)></canvas>
                    // Where the head belongs, from the contract's one-inch proportions.
                    <span class="bm-fixer__guide" aria-hidden="true"
                        style:top=percent(head::TOP) style:height=percent(head::HEIGHT)
                        style:left=percent((1.0 - head::WIDTH) / 2.0) style:width=percent(head::WIDTH)></span>
                </div>
                <label class="bm-fixer__zoom-label">
                    <span>{t(Msg::FixZoom)}</span>
                    <input class="bm-fixer__zoom" type="range" min="1" prop:max=max_zoom step="0.01"
                        disabled=max_zoom <= 1.0
                        prop:value=move || frame.get().zoom()
                        on:input=move |ev| {
                            let z = event_target::<web_sys::HtmlInputElement>(&ev).value_as_number();
                            adjust(&|f| f.set_zoom(z));
                        } />
                </label>
            </div>
            <div class="bm-slot__actions">
                <button type="button" class="bm-button bm-button--primary bm-button--small" data-action="render"
                    disabled=move || render.pending().get()
                    on:click=move |_| { render.dispatch(()); }>
                    {move || if render.pending().get() { t(Msg::FixRendering)() } else { t(Msg::FixRender)() }}
                </button>
                <button type="button" class="bm-button bm-button--small" data-action="fix-cancel"
                    on:click=move |_| on_cancel.run(())>{t(Msg::FixCancel)}</button>
            </div>
            {move || failed.get().then(|| view! {
                <p class="bm-notice bm-notice--error" role="alert">{t(Msg::FixFailed)}</p>
            })}
            {move || outcome.get().map(|o| {
                let (bytes, width, height) = (o.bytes, o.width, o.height);
                view! {
                    <div class="bm-fixer__result" role="status" data-bytes=bytes.to_string()
                        data-width=width.to_string() data-height=height.to_string()>
                        // Shown at one-inch size whatever its pixels.
                        <img class="bm-fixer__preview" src=o.preview.clone() alt=t(Msg::FixAfter)
                            width=PORTRAIT_WIDTH_PX.to_string() height=PORTRAIT_HEIGHT_PX.to_string() />
                        <dl class="bm-fixer__sizes">
                            <dt>{t(Msg::FixBefore)}</dt>
                            <dd>{move || photo_size_text(lang.get(), src_w, src_h, source_bytes)}</dd>
                            <dt>{t(Msg::FixAfter)}</dt>
                            <dd>{move || photo_size_text(lang.get(), width, height, bytes)}</dd>
                        </dl>
                        {(!o.white_background).then(|| view! {
                            <p class="bm-notice bm-notice--error" data-problem="portrait_background">{t(Msg::WarnPortraitBackground)}</p>
                        })}
                        {if o.in_window {
                            view! {
                                <button type="button" class="bm-button bm-button--primary bm-button--small" data-action="use"
                                    on:click=move |_| {
                                        if let Some(blob) = result_blob.with_value(|r| r.as_ref().map(|(r, _)| r.blob.clone())) {
                                            on_use.run(blob);
                                        }
                                    }>{t(Msg::FixUse)}</button>
                            }.into_any()
                        } else {
                            view! { <p class="bm-notice bm-notice--error" role="alert">{t(Msg::FixOutOfWindow)}</p> }.into_any()
                        }}
                    </div>
                }
            })}
        </div>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn percentages_without_float_formatting() {
        assert_eq!(super::percent(0.1234), "12.34%");
        assert_eq!(super::percent(-0.025), "-2.50%");
        assert_eq!(super::percent(3.0), "300.00%");
    }
}
