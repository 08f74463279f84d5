//! The browser half of the photo checks and the portrait fix. The rules and measures are the
//! contract's ([`baoming_contract::photo_check`], [`baoming_contract::photo_quality`]); this
//! module only feeds them. The heavy work is left to the browser's own codecs, which are
//! native, run off the main thread and cost nothing in the bundle: `createImageBitmap` decodes
//! (resized while decoding, so a 12-megapixel photo is never held whole just to be measured),
//! a canvas crops and scales, `toBlob` encodes. Rust measures only a copy of at most
//! 512 × 512 pixels.

use baoming_contract::eligibility::Material;
use baoming_contract::photo::Sniffed;
use baoming_contract::photo_check::{
    self, Facts, Finding, HEAD_BYTES, JpegEndScan, SCAN_CHUNK_BYTES, WORKING_MAX_PIXELS,
};
use baoming_contract::photo_quality::{
    self, ANALYSIS_MAX_SIDE, Analysis, PortraitSearch, PortraitStep,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, CanvasRenderingContext2d, HtmlCanvasElement, ImageBitmap, ImageBitmapOptions,
    ImageOrientation, ResizeQuality,
};

/// What the checks found, and for the portrait the decoded copy the fix works on.
pub struct Inspection {
    pub findings: Vec<Finding>,
    pub facts: Option<Facts>,
    /// The photo decoded (at most [`WORKING_MAX_PIXELS`]), kept for the portrait fix.
    pub working: Option<ImageBitmap>,
}

impl Inspection {
    fn refused(finding: Finding) -> Self {
        Inspection {
            findings: vec![finding],
            facts: None,
            working: None,
        }
    }

    /// Whether the file may be sent as it is (possibly after the candidate accepts warnings).
    pub fn uploadable(&self) -> bool {
        !self.findings.iter().any(|f| f.blocks())
    }

    /// Whether the portrait fix can be offered.
    pub fn fixable(&self, material: Material) -> bool {
        self.working.is_some() && photo_check::fix_applies(material, &self.findings)
    }
}

/// Reads `[start, end)` of a blob.
async fn read(blob: &Blob, start: f64, end: f64) -> Result<Vec<u8>, JsValue> {
    let part = blob.slice_with_f64_and_f64(start, end)?;
    let buffer = JsFuture::from(part.array_buffer()).await?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Whether the file reaches its end: a JPEG's end marker after its scan (read in chunks, the
/// head already in hand), a PNG's `IEND`.
async fn is_complete(blob: &Blob, kind: Sniffed, head: &[u8]) -> Result<bool, JsValue> {
    let size = blob.size();
    match kind {
        Sniffed::Png => {
            let tail = read(blob, (size - 12.0).max(0.0), size).await?;
            Ok(photo_check::png_is_complete(&tail))
        }
        Sniffed::Jpeg => {
            let mut scan = JpegEndScan::new();
            if scan.feed(head) {
                return Ok(true);
            }
            let mut at = head.len() as f64;
            while at < size {
                let end = (at + SCAN_CHUNK_BYTES as f64).min(size);
                if scan.feed(&read(blob, at, end).await?) {
                    return Ok(true);
                }
                at = end;
            }
            Ok(false)
        }
        _ => Ok(false),
    }
}

fn bitmap_options(size: Option<(u32, u32)>, quality: ResizeQuality) -> ImageBitmapOptions {
    let options = ImageBitmapOptions::new();
    options.set_image_orientation(ImageOrientation::FromImage);
    if let Some((w, h)) = size {
        options.set_resize_width(w);
        options.set_resize_height(h);
        options.set_resize_quality(quality);
    }
    options
}

async fn bitmap(promise: Result<js_sys::Promise, JsValue>) -> Result<ImageBitmap, JsValue> {
    JsFuture::from(promise?).await?.dyn_into::<ImageBitmap>()
}

/// Decodes a blob, resized while decoding to `size` (as shown, after EXIF orientation).
async fn decode(blob: &Blob, size: Option<(u32, u32)>) -> Result<ImageBitmap, JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let options = bitmap_options(size, ResizeQuality::Medium);
    bitmap(window.create_image_bitmap_with_blob_and_image_bitmap_options(blob, &options)).await
}

fn canvas(
    width: u32,
    height: u32,
) -> Result<(HtmlCanvasElement, CanvasRenderingContext2d), JsValue> {
    let canvas: HtmlCanvasElement = web_sys::window()
        .and_then(|w| w.document())
        .ok_or(JsValue::NULL)?
        .create_element("canvas")?
        .unchecked_into();
    let context = context_2d(&canvas, width, height)?;
    Ok((canvas, context))
}

/// Sizes `canvas` and returns its 2D context, smoothing at high quality.
fn context_2d(
    canvas: &HtmlCanvasElement,
    width: u32,
    height: u32,
) -> Result<CanvasRenderingContext2d, JsValue> {
    canvas.set_width(width);
    canvas.set_height(height);
    let context: CanvasRenderingContext2d = canvas
        .get_context("2d")?
        .ok_or(JsValue::NULL)?
        .unchecked_into();
    // Not in web-sys' stable API; a browser without it falls back to its default.
    let _ = js_sys::Reflect::set(&context, &"imageSmoothingQuality".into(), &"high".into());
    Ok(context)
}

/// Measures a decoded image on a copy of at most 512 × 512 pixels. A larger image is scaled
/// by `createImageBitmap` first (off the main thread), so drawing it costs nothing.
async fn analyze(image: &ImageBitmap) -> Result<Analysis, JsValue> {
    let (w, h) = photo_check::fit_side(image.width(), image.height(), ANALYSIS_MAX_SIDE);
    let small = if (w, h) == (image.width(), image.height()) {
        None
    } else {
        let window = web_sys::window().ok_or(JsValue::NULL)?;
        let options = bitmap_options(Some((w, h)), ResizeQuality::Medium);
        Some(
            bitmap(
                window.create_image_bitmap_with_image_bitmap_and_image_bitmap_options(
                    image, &options,
                ),
            )
            .await?,
        )
    };
    let (_, context) = canvas(w, h)?;
    context.draw_image_with_image_bitmap_and_dw_and_dh(
        small.as_ref().unwrap_or(image),
        0.0,
        0.0,
        f64::from(w),
        f64::from(h),
    )?;
    if let Some(small) = small {
        small.close();
    }
    let data = context.get_image_data(0.0, 0.0, f64::from(w), f64::from(h))?;
    Ok(photo_quality::analyze(&data.data(), w, h))
}

/// Every check of [`photo_check`], cheapest first, on a picked file.
pub async fn inspect(file: &Blob, material: Material) -> Inspection {
    let size = file.size();
    let head = match read(file, 0.0, size.min(HEAD_BYTES as f64)).await {
        Ok(head) => head,
        // The file went away (a cloud file not downloaded, a revoked permission).
        Err(_) => return Inspection::refused(Finding::Corrupt),
    };
    let (facts, mut findings) = match photo_check::check_head(material, &head, size as u64) {
        Ok(found) => found,
        Err(finding) => return Inspection::refused(finding),
    };
    if !is_complete(file, facts.kind, &head).await.unwrap_or(false) {
        return Inspection::refused(Finding::Truncated);
    }
    // The portrait keeps a large copy for the fix; other documents are decoded straight to
    // the small copy that is measured.
    let (decode_size, keep) = if material == Material::Portrait {
        (
            photo_check::fit_pixels(facts.width, facts.height, WORKING_MAX_PIXELS),
            true,
        )
    } else {
        (
            photo_check::fit_side(facts.width, facts.height, ANALYSIS_MAX_SIDE),
            false,
        )
    };
    let resize = (decode_size != (facts.width, facts.height)).then_some(decode_size);
    let Ok(image) = decode(file, resize).await else {
        return Inspection::refused(Finding::Corrupt);
    };
    let Ok(analysis) = analyze(&image).await else {
        return Inspection::refused(Finding::Corrupt);
    };
    findings.extend(photo_check::judge_pixels(material, &facts, &analysis));
    Inspection {
        findings,
        facts: Some(facts),
        working: keep.then_some(image),
    }
}

/// Draws a copy of `image` of at most `max_side` pixels into `canvas` (sizing it), scaled by
/// `createImageBitmap` off the main thread: the portrait fix shows this, not the
/// full-size photo, so a 20-megapixel photo costs the page no long decode.
pub async fn draw_preview(
    image: &ImageBitmap,
    canvas: &HtmlCanvasElement,
    max_side: u32,
) -> Result<(), JsValue> {
    let (w, h) = photo_check::fit_side(image.width(), image.height(), max_side);
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let options = bitmap_options(Some((w, h)), ResizeQuality::Medium);
    let small = bitmap(
        window.create_image_bitmap_with_image_bitmap_and_image_bitmap_options(image, &options),
    )
    .await?;
    let context = context_2d(canvas, w, h)?;
    context.draw_image_with_image_bitmap_and_dw_and_dh(
        &small,
        0.0,
        0.0,
        f64::from(w),
        f64::from(h),
    )?;
    small.close();
    Ok(())
}

/// A copy of `image` scaled to `width` × `height` by `createImageBitmap` (off the main
/// thread), and its RGBA pixels: what the face search looks at.
pub async fn small_copy(
    image: &ImageBitmap,
    width: u32,
    height: u32,
) -> Result<(ImageBitmap, Vec<u8>), JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let options = bitmap_options(Some((width, height)), ResizeQuality::Medium);
    let small = bitmap(
        window.create_image_bitmap_with_image_bitmap_and_image_bitmap_options(image, &options),
    )
    .await?;
    let (_, context) = canvas(width, height)?;
    context.draw_image_with_image_bitmap(&small, 0.0, 0.0)?;
    let data = context.get_image_data(0.0, 0.0, f64::from(width), f64::from(height))?;
    Ok((small, data.data().0))
}

/// The fixed portrait: a 25:35 JPEG (295 × 413 unless the engine's encoder needed more
/// pixels) whose size was searched into 40–80 KB.
#[derive(Clone)]
pub struct Rendered {
    pub blob: Blob,
    pub bytes: u64,
    pub quality: f64,
    pub width: u32,
    pub height: u32,
    /// Measures of the result (its border tells whether the background is white).
    pub analysis: Analysis,
}

/// Encodes the canvas as a JPEG. `toDataURL`, not `toBlob`: at 295 × 413 the synchronous
/// encode takes a few milliseconds, while Chromium's `toBlob` waits for an idle period and
/// often returns a whole second late (measured by `cargo xtask bench-photos`).
fn to_jpeg(canvas: &HtmlCanvasElement, quality: f64) -> Result<Vec<u8>, JsValue> {
    let url = canvas.to_data_url_with_type_and_encoder_options("image/jpeg", &quality.into())?;
    let (_, data) = url.split_once(";base64,").ok_or(JsValue::NULL)?;
    base64_decode(data).ok_or(JsValue::NULL)
}

/// Standard base64 (with `=` padding), as `toDataURL` writes it.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let bytes = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c)? << (18 - 6 * i);
        }
        let take = match chunk.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => return None,
        };
        out.extend_from_slice(&n.to_be_bytes()[1..1 + take]);
    }
    Some(out)
}

fn jpeg_blob(bytes: &[u8]) -> Result<Blob, JsValue> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("image/jpeg");
    Blob::new_with_u8_array_sequence_and_options(&parts, &options)
}

/// Crops `rect` (x, y, w, h in the working copy's pixels) out of the working copy, scales it
/// to 295 × 413 and encodes it as a JPEG, searching the quality (and, where the engine's
/// encoder is frugal, the pixel size: [`PortraitSearch`]) so the file lands in 40–80 KB.
/// When nothing lands there (a nearly blank photo), the closest is kept.
pub async fn render_portrait(
    working: &ImageBitmap,
    rect: (f64, f64, f64, f64),
) -> Result<Rendered, JsValue> {
    let mut search = PortraitSearch::new(rect.2, rect.3);
    let mut step = search.first();
    let mut drawn: Option<((u32, u32), HtmlCanvasElement, Analysis)> = None;
    let mut best: Option<(Vec<u8>, f64, (u32, u32), Analysis)> = None;
    while let PortraitStep::Encode { size, quality } = step {
        if drawn.as_ref().is_none_or(|(s, _, _)| *s != size) {
            let (canvas, analysis) = draw_portrait(working, rect, size).await?;
            drawn = Some((size, canvas, analysis));
        }
        let (_, canvas, analysis) = drawn.as_ref().ok_or(JsValue::NULL)?;
        let jpeg = to_jpeg(canvas, quality)?;
        let bytes = jpeg.len() as u64;
        if best
            .as_ref()
            .is_none_or(|(b, ..)| window_distance(bytes) < window_distance(b.len() as u64))
        {
            best = Some((jpeg, quality, size, *analysis));
        }
        step = search.next(bytes);
    }
    let (jpeg, quality, (width, height), analysis) = best.ok_or(JsValue::NULL)?;
    Ok(Rendered {
        bytes: jpeg.len() as u64,
        blob: jpeg_blob(&jpeg)?,
        quality,
        width,
        height,
        analysis,
    })
}

/// The crop drawn at `size` on a white canvas (JPEG has no transparency), with the measures
/// of what was drawn.
async fn draw_portrait(
    working: &ImageBitmap,
    (x, y, w, h): (f64, f64, f64, f64),
    (out_w, out_h): (u32, u32),
) -> Result<(HtmlCanvasElement, Analysis), JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let options = bitmap_options(Some((out_w, out_h)), ResizeQuality::High);
    let scaled = bitmap(
        window.create_image_bitmap_with_image_bitmap_and_a_sx_and_a_sy_and_a_sw_and_a_sh_and_a_options(
            working,
            x.round() as i32,
            y.round() as i32,
            (w.round() as i32).max(1),
            (h.round() as i32).max(1),
            &options,
        ),
    )
    .await?;
    let (canvas, context) = canvas(out_w, out_h)?;
    context.set_fill_style_str("#fff");
    context.fill_rect(0.0, 0.0, f64::from(out_w), f64::from(out_h));
    context.draw_image_with_image_bitmap_and_dw_and_dh(
        &scaled,
        0.0,
        0.0,
        f64::from(out_w),
        f64::from(out_h),
    )?;
    scaled.close();
    let data = context.get_image_data(0.0, 0.0, f64::from(out_w), f64::from(out_h))?;
    let analysis = photo_quality::analyze(&data.data(), out_w, out_h);
    Ok((canvas, analysis))
}

/// How far a size is from the 40–80 KB window (0 inside).
fn window_distance(bytes: u64) -> u64 {
    use baoming_contract::photo::{PORTRAIT_MAX_BYTES, PORTRAIT_MIN_BYTES};
    PORTRAIT_MIN_BYTES.saturating_sub(bytes) + bytes.saturating_sub(PORTRAIT_MAX_BYTES)
}

/// `performance.mark` / `measure`, so the benchmark can read how long a step took.
pub struct Measure(&'static str);

impl Measure {
    pub fn start(name: &'static str) -> Self {
        if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
            let _ = p.mark(&format!("{name}:start"));
        }
        Measure(name)
    }

    pub fn end(self) {
        if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
            let _ = p.measure_with_start_mark(self.0, &format!("{}:start", self.0));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_as_to_data_url_writes_it() {
        assert_eq!(
            super::base64_decode("/9j/4A==").unwrap(),
            vec![0xFF, 0xD8, 0xFF, 0xE0]
        );
        assert_eq!(super::base64_decode("TWFu").unwrap(), b"Man");
        assert_eq!(super::base64_decode("TWE=").unwrap(), b"Ma");
        assert_eq!(super::base64_decode("TQ==").unwrap(), b"M");
        assert_eq!(super::base64_decode("T"), None);
        assert_eq!(super::base64_decode("T!=="), None);
    }
}
