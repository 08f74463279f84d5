//! 自动处理's head search: where the candidate's head is in the working copy of their photo,
//! so the one-inch frame can be put around it ([`CropFrame::around_head`]).
//!
//! The browser's own face detector (the Shape Detection API's `FaceDetector`, in some
//! Chromium builds) is asked first, and used when it reports eyes and a mouth. Otherwise the
//! cascade of `baoming-face` searches a 480-pixel grey copy inside its own small wasm module
//! (`face-v1.wasm` beside `index.html`, built from `face/wasm` with the model inside), one
//! scale at a time with a turn for the browser in between (no long task). The module is
//! fetched the first time 自动处理 opens and kept for the page's life; a failed fetch is not
//! kept, so the next opening tries again. The first visit downloads none of it.
//!
//! [`CropFrame::around_head`]: baoming_contract::photo_quality::CropFrame::around_head

use std::cell::RefCell;
use std::rc::Rc;

use baoming_contract::photo_quality::HeadBox;
use baoming_face::{Head, head_from_landmarks};
use js_sys::{Array, Function, Promise, Reflect, WebAssembly};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::ImageBitmap;

use crate::imaging::{self, Measure};

/// The face module's file name beside `index.html`.
pub const MODULE_FILE: &str = "face-v1.wasm";

/// Which detector found the head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finder {
    Browser,
    Cascade,
}

impl Finder {
    pub fn code(self) -> &'static str {
        match self {
            Finder::Browser => "browser",
            Finder::Cascade => "cascade",
        }
    }
}

/// The face module's exports (see face/wasm/src/lib.rs for the protocol).
struct FaceModule {
    memory: WebAssembly::Memory,
    alloc: Function,
    begin: Function,
    step: Function,
    finish: Function,
    head: Function,
}

thread_local! {
    static MODULE: RefCell<Option<Rc<FaceModule>>> = const { RefCell::new(None) };
}

fn export<T: JsCast>(exports: &JsValue, name: &str) -> Option<T> {
    Reflect::get(exports, &name.into()).ok()?.dyn_into().ok()
}

/// The face module, fetched and instantiated once from `{base_path}/face-v1.wasm`.
/// `WebAssembly.instantiate` on the bytes, not `instantiateStreaming`, so a host that serves
/// `.wasm` with another type still works.
async fn module(base_path: &str) -> Option<Rc<FaceModule>> {
    if let Some(m) = MODULE.with(|m| m.borrow().clone()) {
        return Some(m);
    }
    let response = gloo_net::http::Request::get(&format!("{base_path}/{MODULE_FILE}"))
        .send()
        .await
        .ok()?;
    if !response.ok() {
        return None;
    }
    let bytes = response.binary().await.ok()?;
    let made = WebAssembly::instantiate_buffer(&bytes, &js_sys::Object::new());
    let result = JsFuture::from(made).await.ok()?;
    let instance = Reflect::get(&result, &"instance".into()).ok()?;
    let exports = Reflect::get(&instance, &"exports".into()).ok()?;
    let loaded = Rc::new(FaceModule {
        memory: export(&exports, "memory")?,
        alloc: export(&exports, "bm_alloc")?,
        begin: export(&exports, "bm_begin")?,
        step: export(&exports, "bm_step")?,
        finish: export(&exports, "bm_finish")?,
        head: export(&exports, "bm_head")?,
    });
    MODULE.with(|m| *m.borrow_mut() = Some(loaded.clone()));
    Some(loaded)
}

/// Calls an export with numbers and reads a number back.
fn call(f: &Function, args: &[f64]) -> Option<f64> {
    let args: Array = args.iter().map(|&a| JsValue::from_f64(a)).collect();
    f.apply(&JsValue::NULL, &args).ok()?.as_f64()
}

/// The module's head in the grey copy's pixels, or `None`.
async fn cascade_head(m: &FaceModule, rgba: &[u8], width: u32, height: u32) -> Option<Head> {
    let ptr = call(&m.alloc, &[rgba.len() as f64])?;
    // The memory may have grown during the allocation: take its buffer afterwards.
    js_sys::Uint8Array::new_with_byte_offset_and_length(
        &m.memory.buffer(),
        ptr as u32,
        rgba.len() as u32,
    )
    .copy_from(rgba);
    if call(&m.begin, &[f64::from(width), f64::from(height)])? != 1.0 {
        return None;
    }
    while call(&m.step, &[])? == 1.0 {
        // Let the browser draw and answer touches between scales.
        crate::clock::sleep(0).await;
    }
    if call(&m.finish, &[])? != 1.0 {
        return None;
    }
    let at = call(&m.head, &[])?;
    let head =
        js_sys::Float32Array::new_with_byte_offset_and_length(&m.memory.buffer(), at as u32, 3)
            .to_vec();
    Some(Head {
        crown: head[0],
        chin: head[1],
        centre_x: head[2],
    })
}

/// Reads a number property.
fn number(value: &JsValue, key: &str) -> Option<f32> {
    Reflect::get(value, &key.into())
        .ok()?
        .as_f64()
        .map(|v| v as f32)
}

/// The largest face the browser's `FaceDetector` reports with eyes and a mouth, as a head in
/// `source`'s pixels. `None` where there is no such detector, it fails (Chromium on Linux has
/// the interface but no implementation), or it finds nothing usable.
async fn browser_head(source: &ImageBitmap) -> Option<Head> {
    let window = web_sys::window()?;
    let constructor: Function = export(&window, "FaceDetector")?;
    let options = js_sys::Object::new();
    Reflect::set(&options, &"maxDetectedFaces".into(), &3.into()).ok()?;
    let detector = Reflect::construct(&constructor, &Array::of1(&options)).ok()?;
    let detect: Function = export(&detector, "detect")?;
    let promise = detect
        .call1(&detector, source)
        .ok()?
        .dyn_into::<Promise>()
        .ok()?;
    let faces = JsFuture::from(promise)
        .await
        .ok()?
        .dyn_into::<Array>()
        .ok()?;
    let mut best: Option<(f32, Head)> = None;
    for face in faces.iter() {
        let Ok(bounds) = Reflect::get(&face, &"boundingBox".into()) else {
            continue;
        };
        let area =
            number(&bounds, "width").unwrap_or(0.0) * number(&bounds, "height").unwrap_or(0.0);
        let (mut eyes, mut mouth) = (Vec::new(), Vec::new());
        let landmarks: Option<Array> = export(&face, "landmarks");
        for landmark in landmarks.iter().flat_map(|l| l.iter()) {
            let kind = Reflect::get(&landmark, &"type".into())
                .ok()
                .and_then(|t| t.as_string());
            let points: Option<Array> = export(&landmark, "locations");
            for point in points.iter().flat_map(|p| p.iter()) {
                if let (Some(x), Some(y)) = (number(&point, "x"), number(&point, "y")) {
                    match kind.as_deref() {
                        Some("eye") => eyes.push((x, y)),
                        Some("mouth") => mouth.push((x, y)),
                        _ => {}
                    }
                }
            }
        }
        if eyes.len() < 2 || mouth.is_empty() {
            continue;
        }
        let mean = |v: &[(f32, f32)]| {
            let n = v.len() as f32;
            (
                v.iter().map(|p| p.0).sum::<f32>() / n,
                v.iter().map(|p| p.1).sum::<f32>() / n,
            )
        };
        let ((eye_x, eye_y), (_, mouth_y)) = (mean(&eyes), mean(&mouth));
        if let Some(head) = head_from_landmarks(eye_y, mouth_y, eye_x)
            && best.as_ref().is_none_or(|(a, _)| area > *a)
        {
            best = Some((area, head));
        }
    }
    best.map(|(_, head)| head)
}

/// Where the head is in `working` (its pixels), and who found it. `Err` when the search
/// could not run (the module did not download, the copy could not be made): the candidate
/// frames by hand.
pub async fn find_head(
    working: &ImageBitmap,
    base_path: &str,
) -> Result<Option<(HeadBox, Finder)>, ()> {
    let measure = Measure::start("baoming:face-search");
    let (w, h) = baoming_face::search_size(working.width(), working.height());
    let (small, rgba) = imaging::small_copy(working, w, h).await.map_err(|_| ())?;
    let browser = browser_head(&small).await;
    small.close();
    let found = match browser {
        Some(head) => Some((head, Finder::Browser)),
        None => {
            let m = module(base_path).await.ok_or(())?;
            cascade_head(&m, &rgba, w, h)
                .await
                .map(|head| (head, Finder::Cascade))
        }
    };
    measure.end();
    let k = f64::from(working.width()) / f64::from(w.max(1));
    Ok(found.map(|(head, finder)| {
        (
            HeadBox {
                crown: f64::from(head.crown) * k,
                chin: f64::from(head.chin) * k,
                centre_x: f64::from(head.centre_x) * k,
            },
            finder,
        )
    }))
}
