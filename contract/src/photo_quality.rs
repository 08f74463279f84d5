//! What a reviewer checks by eye on a photo, measured: resolution, exposure, sharpness,
//! proportions and (for the portrait) a white background. The browser measures a small
//! decoded copy with [`analyze`] and judges it with [`judge`]; the thresholds live here.

use crate::eligibility::Material;
use crate::photo::{
    ID_CARD_ASPECT, ID_CARD_ASPECT_TOLERANCE, PORTRAIT_HEIGHT_PX, PORTRAIT_WIDTH_PX,
};

/// Photos are analysed at most this wide/high (enough to judge, cheap to measure).
pub const ANALYSIS_MAX_SIDE: u32 = 512;
/// Mean luminance (0–255) below which a photo is too dark to read.
pub const MIN_MEAN_LUMA: f64 = 60.0;
/// Mean luminance above which a photo *may* be washed out. Brightness alone does not decide
/// it: a clean scan of a white page (what scanner apps make) is mostly clipped white too, so
/// above this the photo is judged on what its content looks like ([`judge_exposure`]).
pub const MAX_MEAN_LUMA: f64 = 235.0;

/// # Over-exposure: a clean document against a blown-out photo
///
/// Mean brightness cannot tell them apart: both are mostly white (the paper of a flat scan
/// is clipped at 255 on purpose). What differs is the *content*. On a clean scan the marks
/// (text, table rules, a seal, a photo's hair and eyes) are dark against the paper right
/// next to them: strong local contrast, whatever the paper colour. Over-exposure lifts
/// the marks towards white with the paper (and flare lifts the darks further), so what is
/// left is faint grey detail with little contrast, and a face loses everything but the edge
/// of the hair and the eyes to clipped skin.
///
/// So the analysis copy is cut into [`CELL`] × [`CELL`] cells, each classified by its
/// darkest and brightest luma:
///
/// - **flat** (brightest − darkest < [`FLAT_RANGE`]): paper, clipped highlights, a plain
///   wall: says nothing either way, whatever its level (a tinted or vignetted page too);
/// - **legible** (range ≥ [`LEGIBLE_RANGE`] and darkest ≤ [`LEGIBLE_DARKEST`]): a dark
///   mark with strong contrast, readable;
/// - **faint**: anything else with detail: pale strokes, washed-out midtones.
///
/// A photo brighter than [`MAX_MEAN_LUMA`] is too bright when its content is not legible:
/// fewer than [`MIN_LEGIBLE_CELLS`] of all cells legible (a blown-out face or scene keeps
/// only a hair line and the eyes), or legible cells fewer than [`MIN_LEGIBLE_SHARE`] of the
/// cells with any detail (a blown-out document keeps its text only as faint grey).
///
/// Mean brightness misses a blown-out photo whose unclipped rest keeps the mean under
/// [`MAX_MEAN_LUMA`] (a page on a dark desk, dark hair, shadows: real blown-out photos
/// measured 159–227), so a photo of any mean is also judged on its clipped highlights
/// ([`CLIP_LUMA`], [`Analysis::highlights_are_blown`]).
///
/// The numbers were set on generated clean scans and blown-out photos at the analysis size
/// (`contract/tests/scan_exposure.rs`, which gates them) and checked on real scans and
/// photos from Debian packages (the same file, `--ignored`). At 512 px an A4 page's body
/// text is 5–8 px high with strokes under a pixel, so it arrives grey (≈ 100–170) rather
/// than black: [`LEGIBLE_DARKEST`] and [`LEGIBLE_RANGE`] sit just above that; over-exposed
/// text lands at ≈ 190–245 with a range under 60.
pub const CELL: usize = 8;
/// A cell whose luma range is below this is flat (paper, clipped, plain; JPEG noise is ±4).
pub const FLAT_RANGE: f64 = 12.0;
/// A legible cell's luma range reaches at least this …
pub const LEGIBLE_RANGE: f64 = 80.0;
/// … and its darkest pixel is at most this.
pub const LEGIBLE_DARKEST: f64 = 170.0;
/// Share of all cells that must be legible on a bright photo. The sparsest generated clean
/// page (a short letter) has 11 %, real bright scans 44–68 %; a blown-out face keeps 0–4 %
/// (the hair line and the eyes).
pub const MIN_LEGIBLE_CELLS: f64 = 0.05;
/// Share of the cells with detail that must be legible on a bright photo. Generated clean
/// pages have ≥ 42 % (thin grey strokes make faint cells too), real bright scans ≥ 89 %;
/// blown-out pages 0–35 %.
pub const MIN_LEGIBLE_SHARE: f64 = 0.35;

/// # Over-exposure of any mean: clipped highlights that swallowed detail
///
/// A pixel at or above this luma is clipped: whatever was there is gone (JPEG keeps a clipped
/// page at 252–255). Clipping alone is no fault: a scanner app, or a phone exposing for a
/// white page, clips the paper on purpose. It is one when it ate the content
/// ([`Analysis::highlights_are_blown`]):
///
/// - at least [`MIN_CLIPPED`] of the pixels are clipped, and
/// - the *clipped edge* is soft: of the cells with detail that hold a clipped pixel (where
///   the clipped area meets the rest), fewer than [`MIN_CLIPPED_EDGE_LEGIBLE`] hold a mark,
///   a step of [`EDGE_STEP`] between two neighbouring pixels. On a clean page the paper
///   meets ink (even a thin grey stroke at 512 px) or a dark desk within a pixel; where
///   exposure clipped a page, a face or a sky, what is left rolls off into pale grey with
///   small steps, and washed-out text on clipped paper differs from it by less than the step.
///
/// The mean does not enter: a page on a dark desk stays at a mean of 160–230 however blown
/// out it is. A step, unlike the darkest luma, does not depend on the paper's level, so a
/// tinted or vignetted page is judged like a white one.
pub const CLIP_LUMA: f64 = 250.0;
/// Share of clipped pixels from which a photo may be blown out. Real photos as they are clip
/// ≤ 2 % (a highlight); real photos blown out by gain 3–13 clip up to 67 %, pages on a desk
/// 22–71 %; a soft edge on less than this is a lamp or a reflection, not the content.
pub const MIN_CLIPPED: f64 = 0.05;
/// A cell at the clipped edge holds a mark when two pixels side by side in it differ by at
/// least this much luma: a stroke or a hard outline, not a roll-off.
pub const EDGE_STEP: f64 = 40.0;
/// Share of the clipped-edge cells that must hold a mark. Clean images that clip ≥ 5 % have
/// ≥ 92 % (generated scans ≥ 93 %, generated pages on a desk ≥ 92 %, real scans ≥ 95 %);
/// blown-out pages on a desk 11–74 %, real blown-out photos it detects 7–84 %. Real blown-out
/// photos that keep hard edges (a building against a clipped sky, a chess board, fur) stay
/// above and are not flagged: they are still legible.
pub const MIN_CLIPPED_EDGE_LEGIBLE: f64 = 0.85;
/// Variance of the Laplacian (on the analysis copy) below which text and faces are blurred.
pub const MIN_SHARPNESS: f64 = 25.0;
/// The share of border pixels that must be white on the portrait.
pub const MIN_WHITE_BORDER: f64 = 0.80;
/// The portrait's width:height may differ from 25:35 by this much before it is refused.
pub const PORTRAIT_ASPECT_TOLERANCE: f64 = 0.03;

/// Measurements of one photo.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Analysis {
    pub mean_luma: f64,
    pub sharpness: f64,
    /// Share (0–1) of near-white pixels in the background bands: the top 6 % and the left
    /// and right 6 % of the upper two thirds (the shoulders reach the bottom edge).
    pub white_border: f64,
    /// Share (0–1) of the [`CELL`]-pixel cells that hold a legible mark (see [`CELL`]).
    pub legible_cells: f64,
    /// Share (0–1) of the cells with faint detail only (neither flat nor legible).
    pub faint_cells: f64,
    /// Share (0–1) of the pixels at or above [`CLIP_LUMA`].
    pub clipped: f64,
    /// Share (0–1) of the cells at the clipped edge (with detail and a clipped pixel) that
    /// hold a mark ([`EDGE_STEP`]); 0 when there are none.
    pub clipped_edge_legible: f64,
}

impl Analysis {
    /// Nothing measured (an empty image).
    pub const EMPTY: Analysis = Analysis {
        mean_luma: 0.0,
        sharpness: 0.0,
        white_border: 0.0,
        legible_cells: 0.0,
        faint_cells: 0.0,
        clipped: 0.0,
        clipped_edge_legible: 0.0,
    };

    /// Whether the content is legible in the sense of [`CELL`]: enough legible cells, and
    /// more of them than faint ones (`MIN_LEGIBLE_SHARE` of the cells with detail).
    pub fn content_is_legible(&self) -> bool {
        let detailed = self.legible_cells + self.faint_cells;
        self.legible_cells >= MIN_LEGIBLE_CELLS
            && self.legible_cells >= MIN_LEGIBLE_SHARE * detailed
    }

    /// Whether clipped highlights swallowed the content, whatever the mean (see
    /// [`CLIP_LUMA`]): enough clipped, and a soft clipped edge.
    pub fn highlights_are_blown(&self) -> bool {
        self.clipped >= MIN_CLIPPED && self.clipped_edge_legible < MIN_CLIPPED_EDGE_LEGIBLE
    }
}

/// A problem a reviewer would reject the photo for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoProblem {
    /// The image declares more pixels than a phone can safely decode.
    TooManyPixels,
    /// The short side is too small to read a document.
    LowResolution,
    TooDark,
    TooBright,
    Blurry,
    /// ID card photos are taken landscape.
    IdCardNotLandscape,
    /// Not close to the card's 85.6 × 54 mm.
    IdCardProportion,
    /// Not 25:35 (one inch).
    PortraitProportion,
    /// The portrait's background is not white.
    PortraitBackground,
    /// Smaller than 295 × 413: it cannot be made a one-inch photo without enlarging.
    PortraitTooSmall,
}

fn luma(r: u8, g: u8, b: u8) -> f64 {
    0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b)
}

/// Measures an RGBA image (`rgba.len() == width * height * 4`).
pub fn analyze(rgba: &[u8], width: u32, height: u32) -> Analysis {
    let (w, h) = (width as usize, height as usize);
    if w == 0 || h == 0 || rgba.len() < w * h * 4 {
        return Analysis::EMPTY;
    }
    let gray: Vec<f64> = rgba
        .chunks_exact(4)
        .take(w * h)
        .map(|p| luma(p[0], p[1], p[2]))
        .collect();
    let mean_luma = gray.iter().sum::<f64>() / gray.len() as f64;
    let mut lap = Vec::with_capacity(w * h);
    for y in 1..h.saturating_sub(1) {
        for x in 1..w.saturating_sub(1) {
            let c = gray[y * w + x];
            let v = gray[(y - 1) * w + x]
                + gray[(y + 1) * w + x]
                + gray[y * w + x - 1]
                + gray[y * w + x + 1]
                - 4.0 * c;
            lap.push(v);
        }
    }
    let sharpness = if lap.is_empty() {
        0.0
    } else {
        let m = lap.iter().sum::<f64>() / lap.len() as f64;
        lap.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / lap.len() as f64
    };
    let band_x = (w * 6 / 100).max(1);
    let band_y = (h * 6 / 100).max(1);
    let (mut border, mut white) = (0usize, 0usize);
    // The shoulders fill the bottom of every portrait: the background is judged on the top
    // band and on the side bands of the upper two thirds.
    let sides_until = h * 2 / 3;
    for y in 0..h {
        for x in 0..w {
            if y < band_y || (y < sides_until && (x < band_x || x >= w - band_x)) {
                border += 1;
                let p = &rgba[(y * w + x) * 4..(y * w + x) * 4 + 3];
                let (lo, hi) = (
                    p.iter().min().copied().unwrap_or(0),
                    p.iter().max().copied().unwrap_or(0),
                );
                if lo >= 200 && hi - lo <= 30 {
                    white += 1;
                }
            }
        }
    }
    let c = cells(&gray, w, h);
    Analysis {
        mean_luma,
        sharpness,
        white_border: white as f64 / border.max(1) as f64,
        legible_cells: c.legible,
        faint_cells: c.faint,
        clipped: gray.iter().filter(|&&v| v >= CLIP_LUMA).count() as f64 / gray.len() as f64,
        clipped_edge_legible: c.edge_legible,
    }
}

/// Cell shares (see [`CELL`] and [`CLIP_LUMA`]).
struct Cells {
    legible: f64,
    faint: f64,
    edge_legible: f64,
}

/// The largest luma step between two pixels side by side (across or down) in the cell at
/// (`x0`, `y0`).
fn steepest(gray: &[f64], w: usize, h: usize, x0: usize, y0: usize) -> f64 {
    let (x1, y1) = ((x0 + CELL).min(w), (y0 + CELL).min(h));
    let mut step = 0.0f64;
    for y in y0..y1 {
        for x in x0..x1 {
            let v = gray[y * w + x];
            if x + 1 < x1 {
                step = step.max((v - gray[y * w + x + 1]).abs());
            }
            if y + 1 < y1 {
                step = step.max((v - gray[(y + 1) * w + x]).abs());
            }
        }
    }
    step
}

/// Classifies the cells; a partial last row or column of cells counts as a cell of its own.
fn cells(gray: &[f64], w: usize, h: usize) -> Cells {
    let (mut legible, mut faint, mut all) = (0usize, 0usize, 0usize);
    let (mut edge, mut edge_marked) = (0usize, 0usize);
    for y0 in (0..h).step_by(CELL) {
        for x0 in (0..w).step_by(CELL) {
            let (mut lo, mut hi) = (f64::MAX, f64::MIN);
            for y in y0..(y0 + CELL).min(h) {
                for &v in &gray[y * w + x0..y * w + (x0 + CELL).min(w)] {
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
            all += 1;
            if hi - lo < FLAT_RANGE {
                continue;
            }
            if hi - lo >= LEGIBLE_RANGE && lo <= LEGIBLE_DARKEST {
                legible += 1;
            } else {
                faint += 1;
            }
            if hi >= CLIP_LUMA {
                edge += 1;
                edge_marked += usize::from(steepest(gray, w, h, x0, y0) >= EDGE_STEP);
            }
        }
    }
    let all = all.max(1) as f64;
    Cells {
        legible: legible as f64 / all,
        faint: faint as f64 / all,
        edge_legible: edge_marked as f64 / edge.max(1) as f64,
    }
}

/// Whether a photo (not the portrait, whose white background is meant to be bright) is too
/// bright: brighter than [`MAX_MEAN_LUMA`] on average *and* its content is not legible
/// ([`Analysis::content_is_legible`]), or, whatever its mean, its clipped highlights
/// swallowed the content ([`Analysis::highlights_are_blown`]). A clean scan of a white page
/// passes; a photo whose highlights are clipped across the subject and whose marks went
/// faint does not, on a dark desk too.
pub fn judge_exposure(a: &Analysis) -> bool {
    (a.mean_luma > MAX_MEAN_LUMA && !a.content_is_legible()) || a.highlights_are_blown()
}

/// The problems of a photo for `material`, given its full size and the analysis of a copy.
pub fn judge(material: Material, width: u32, height: u32, a: &Analysis) -> Vec<PhotoProblem> {
    let mut problems = Vec::new();
    if u64::from(width) * u64::from(height) > crate::photo::MAX_DECODE_PIXELS {
        return vec![PhotoProblem::TooManyPixels];
    }
    let (short, ratio) = (
        width.min(height),
        f64::from(width) / f64::from(height.max(1)),
    );
    match material {
        Material::Portrait => {
            let target = f64::from(PORTRAIT_WIDTH_PX) / f64::from(PORTRAIT_HEIGHT_PX);
            if (ratio - target).abs() / target > PORTRAIT_ASPECT_TOLERANCE {
                problems.push(PhotoProblem::PortraitProportion);
            }
            if a.white_border < MIN_WHITE_BORDER {
                problems.push(PhotoProblem::PortraitBackground);
            }
        }
        Material::IdCardFront | Material::IdCardBack => {
            if width < height {
                problems.push(PhotoProblem::IdCardNotLandscape);
            } else if (ratio - ID_CARD_ASPECT).abs() / ID_CARD_ASPECT > ID_CARD_ASPECT_TOLERANCE {
                problems.push(PhotoProblem::IdCardProportion);
            }
            if short < crate::photo::DOCUMENT_MIN_SHORT_SIDE_PX / 2 {
                problems.push(PhotoProblem::LowResolution);
            }
        }
        _ => {
            if short < crate::photo::DOCUMENT_MIN_SHORT_SIDE_PX {
                problems.push(PhotoProblem::LowResolution);
            }
        }
    }
    if a.mean_luma < MIN_MEAN_LUMA {
        problems.push(PhotoProblem::TooDark);
    } else if material != Material::Portrait && judge_exposure(a) {
        problems.push(PhotoProblem::TooBright);
    }
    if a.sharpness < MIN_SHARPNESS {
        problems.push(PhotoProblem::Blurry);
    }
    problems
}

/// The largest 25:35 rectangle centred in a `width` × `height` photo: (x, y, w, h).
pub fn portrait_crop(width: u32, height: u32) -> (u32, u32, u32, u32) {
    let (pw, ph) = (u64::from(PORTRAIT_WIDTH_PX), u64::from(PORTRAIT_HEIGHT_PX));
    let (w, h) = (u64::from(width), u64::from(height));
    let (cw, ch) = if w * ph > h * pw {
        (h * pw / ph, h)
    } else {
        (w, w * ph / pw)
    };
    (
        ((w - cw) / 2) as u32,
        ((h - ch) / 2) as u32,
        cw as u32,
        ch as u32,
    )
}

/// Whether a crop can become 295 × 413 without enlarging.
pub fn portrait_crop_is_large_enough(crop_w: u32, crop_h: u32) -> bool {
    crop_w >= PORTRAIT_WIDTH_PX && crop_h >= PORTRAIT_HEIGHT_PX
}

/// The portrait fix's 25:35 frame over a photo of `width` × `height` pixels: where it is
/// (its centre) and how far it is zoomed in (1 = the largest 25:35 rectangle that fits).
/// Zoom stops where the frame would hold fewer than 295 × 413 pixels: the result is never
/// enlarged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CropFrame {
    pub width: u32,
    pub height: u32,
    zoom: f64,
    cx: f64,
    cy: f64,
}

impl CropFrame {
    /// Centred, zoom 1.
    pub fn new(width: u32, height: u32) -> Self {
        CropFrame {
            width,
            height,
            zoom: 1.0,
            cx: f64::from(width) / 2.0,
            cy: f64::from(height) / 2.0,
        }
    }

    fn base(&self) -> (f64, f64) {
        let (_, _, w, h) = portrait_crop(self.width, self.height);
        (f64::from(w), f64::from(h))
    }

    pub fn zoom(&self) -> f64 {
        self.zoom
    }

    /// The largest zoom that keeps at least 295 × 413 pixels in the frame (1 when even the
    /// whole photo has fewer).
    pub fn max_zoom(&self) -> f64 {
        (self.base().0 / f64::from(PORTRAIT_WIDTH_PX)).max(1.0)
    }

    pub fn set_zoom(&mut self, zoom: f64) {
        self.zoom = if zoom.is_finite() {
            zoom.clamp(1.0, self.max_zoom())
        } else {
            1.0
        };
        self.clamp_centre();
    }

    /// Moves the frame by a fraction of its own width and height (dragging the photo right
    /// by a tenth of the frame is `pan(-0.1, 0.0)`).
    pub fn pan(&mut self, dx: f64, dy: f64) {
        let (_, _, w, h) = self.rect();
        if dx.is_finite() && dy.is_finite() {
            self.cx += dx * w;
            self.cy += dy * h;
        }
        self.clamp_centre();
    }

    fn clamp_centre(&mut self) {
        let (bw, bh) = self.base();
        let (w, h) = (bw / self.zoom, bh / self.zoom);
        self.cx = self.cx.clamp(w / 2.0, f64::from(self.width) - w / 2.0);
        self.cy = self.cy.clamp(h / 2.0, f64::from(self.height) - h / 2.0);
    }

    /// The framed rectangle (x, y, width, height), inside the photo.
    pub fn rect(&self) -> (f64, f64, f64, f64) {
        let (bw, bh) = self.base();
        let (w, h) = (bw / self.zoom, bh / self.zoom);
        (self.cx - w / 2.0, self.cy - h / 2.0, w, h)
    }
}

/// Where the head goes in the one-inch frame, as fractions of the frame. The proportions come
/// from GA 461-2004 (居民身份证制证用数字相片技术要求, the one national rule for where a head
/// sits in a Chinese ID photo: face width 207 ± 14 of 358 pixels, that is 15 mm at 350 dpi;
/// crown 7–21 pixels, 0.5–1.5 mm, below the top edge; eyes at least 207 pixels above the
/// bottom), carried to the 25 × 35 mm one-inch frame at the same physical size, with the
/// common one-inch rule that the head fills about two thirds of the height (头部占照片尺寸的
/// 2/3): the crown 1.4 mm below the top, the chin 23 mm below it, shoulders in the rest.
pub mod head {
    /// From the frame's top to the crown (top of the hair).
    pub const TOP: f64 = 0.04;
    /// From the crown to the chin.
    pub const HEIGHT: f64 = 0.62;
    /// The face's width (cheek to cheek) in the frame's width: 15 of 25 mm.
    pub const WIDTH: f64 = 0.60;
    /// How far the framed crown, chin or centre may be from where they belong, in the frame's
    /// height (crown and chin) or width (centre), for the head to count as in the guide.
    pub const TOLERANCE: f64 = 0.05;
}

/// A head in a photo, in its pixels: the crown (top of the hair), the chin, and the
/// horizontal centre of the face.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeadBox {
    pub crown: f64,
    pub chin: f64,
    pub centre_x: f64,
}

/// Where a head sits in a frame, in fractions of the frame (0 top/left, 1 bottom/right).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeadPlacement {
    pub crown: f64,
    pub chin: f64,
    pub centre_x: f64,
}

impl HeadPlacement {
    /// Whether the head fills the guide: crown, chin and centre each within
    /// [`head::TOLERANCE`] of where [`head`] puts them.
    pub fn in_guide(&self) -> bool {
        (self.crown - head::TOP).abs() <= head::TOLERANCE
            && (self.chin - (head::TOP + head::HEIGHT)).abs() <= head::TOLERANCE
            && (self.centre_x - 0.5).abs() <= head::TOLERANCE
    }
}

impl CropFrame {
    /// The frame that puts `head` where [`head`] says: as close as the photo allows (the
    /// frame stays inside the photo and never zooms past its pixels, so a head near an edge or
    /// a small photo may land off the guide; the candidate can still adjust).
    pub fn around_head(width: u32, height: u32, head: HeadBox) -> CropFrame {
        let mut frame = CropFrame::new(width, height);
        let head_height = head.chin - head.crown;
        if !(head_height.is_finite() && head_height > 0.0 && head.centre_x.is_finite()) {
            return frame;
        }
        let (_, base_h) = frame.base();
        frame.set_zoom(base_h * head::HEIGHT / head_height);
        let (_, _, _, h) = frame.rect();
        frame.cx = head.centre_x;
        frame.cy = head.crown - head::TOP * h + h / 2.0;
        frame.clamp_centre();
        frame
    }

    /// Where `head` sits in this frame.
    pub fn placement(&self, head: HeadBox) -> HeadPlacement {
        let (x, y, w, h) = self.rect();
        HeadPlacement {
            crown: (head.crown - y) / h,
            chin: (head.chin - y) / h,
            centre_x: (head.centre_x - x) / w,
        }
    }
}

/// How 自动处理 finds a JPEG inside 40–80 KB: the quality, and if need be the pixel size,
/// searched from what each encode weighs. Feed it each encoded size; it says what to encode
/// next, or that it is done.
///
/// At each size of [`PORTRAIT_SIZES`](crate::photo::PORTRAIT_SIZES) (smallest first) it
/// starts at quality 0.92; too heavy, it bisects down; too light, it tries the best quality
/// (1.0) at once, and bisects between when that is heavy enough. When even the best quality
/// stays under 40 KB, the next size is tried, as long as the crop has the pixels for it.
/// Chromium and Firefox land at the first size; WebKit may need a larger one.
#[derive(Debug, Clone, PartialEq)]
pub struct PortraitSearch {
    /// The sizes this crop may use (a prefix of `PORTRAIT_SIZES`, never empty).
    sizes: usize,
    rung: usize,
    lo: f64,
    hi: f64,
    quality: f64,
    /// Whether the best quality was tried at this size.
    tried_best: bool,
    steps: u32,
}

/// What to do after an encode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PortraitStep {
    /// Encode at this size and quality.
    Encode { size: (u32, u32), quality: f64 },
    /// The last encode fits: keep it.
    Done,
    /// Nothing fits (a photo too plain for every size it has pixels for, or too detailed);
    /// keep the encode closest to the window.
    GiveUp,
}

impl PortraitSearch {
    pub const START_QUALITY: f64 = 0.92;
    pub const BEST_QUALITY: f64 = 1.0;
    /// Encodes at most, over all sizes.
    pub const MAX_STEPS: u32 = 24;

    /// A search for a crop `crop_width` × `crop_height` source pixels wide and high.
    pub fn new(crop_width: f64, crop_height: f64) -> Self {
        use crate::photo::PORTRAIT_SIZES;
        let sizes = PORTRAIT_SIZES
            .iter()
            .take_while(|&&(w, h)| crop_width >= f64::from(w) && crop_height >= f64::from(h))
            .count()
            .max(1);
        PortraitSearch {
            sizes,
            rung: 0,
            lo: 0.0,
            hi: Self::BEST_QUALITY,
            quality: Self::START_QUALITY,
            tried_best: false,
            steps: 0,
        }
    }

    /// The first encode.
    pub fn first(&self) -> PortraitStep {
        self.encode()
    }

    fn encode(&self) -> PortraitStep {
        PortraitStep::Encode {
            size: crate::photo::PORTRAIT_SIZES[self.rung],
            quality: self.quality,
        }
    }

    /// After an encode of `encoded_bytes` at the last step's size and quality.
    pub fn next(&mut self, encoded_bytes: u64) -> PortraitStep {
        use crate::photo::{PORTRAIT_MAX_BYTES, PORTRAIT_MIN_BYTES};
        if (PORTRAIT_MIN_BYTES..=PORTRAIT_MAX_BYTES).contains(&encoded_bytes) {
            return PortraitStep::Done;
        }
        self.steps += 1;
        if self.steps >= Self::MAX_STEPS {
            return PortraitStep::GiveUp;
        }
        if encoded_bytes < PORTRAIT_MIN_BYTES {
            if self.quality >= Self::BEST_QUALITY {
                // Even the best quality is too light at this size: more pixels, if the crop
                // has them.
                if self.rung + 1 >= self.sizes {
                    return PortraitStep::GiveUp;
                }
                self.rung += 1;
                self.lo = 0.0;
                self.hi = Self::BEST_QUALITY;
                self.quality = Self::START_QUALITY;
                self.tried_best = false;
                return self.encode();
            }
            self.lo = self.quality;
            self.quality = if self.tried_best {
                (self.lo + self.hi) / 2.0
            } else {
                self.tried_best = true;
                Self::BEST_QUALITY
            };
        } else {
            self.hi = self.quality;
            if self.quality >= Self::BEST_QUALITY {
                self.tried_best = true;
            }
            self.quality = (self.lo + self.hi) / 2.0;
        }
        if self.hi - self.lo < 0.002 {
            return PortraitStep::GiveUp;
        }
        self.encode()
    }
}

/// Reads the pixel size a JPEG or PNG declares, from its first bytes (a JPEG's frame header
/// can be some kilobytes in, after EXIF), without decoding.
pub fn declared_size(head: &[u8]) -> Option<(u32, u32)> {
    if head.len() >= 24 && head.starts_with(b"\x89PNG\r\n\x1a\n") {
        let w = u32::from_be_bytes(head[16..20].try_into().ok()?);
        let h = u32::from_be_bytes(head[20..24].try_into().ok()?);
        return Some((w, h));
    }
    if !head.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut i = 2;
    while i + 9 < head.len() {
        if head[i] != 0xFF {
            i += 1;
            continue;
        }
        let marker = head[i + 1];
        // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let h = u32::from(u16::from_be_bytes([head[i + 5], head[i + 6]]));
            let w = u32::from(u16::from_be_bytes([head[i + 7], head[i + 8]]));
            return Some((w, h));
        }
        if marker == 0xD8 || marker == 0x01 || (0xD0..=0xD7).contains(&marker) || marker == 0xFF {
            i += if marker == 0xFF { 1 } else { 2 };
            continue;
        }
        let len = usize::from(u16::from_be_bytes([head[i + 2], head[i + 3]]));
        i += 2 + len;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(w: u32, h: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
        let mut v = Vec::with_capacity((w * h * 4) as usize);
        for y in 0..h {
            for x in 0..w {
                let [r, g, b] = f(x, y);
                v.extend_from_slice(&[r, g, b, 255]);
            }
        }
        v
    }

    #[test]
    fn a_sharp_white_background_portrait_passes() {
        // White border, a dark "face" with detail in the middle.
        let img = image(100, 140, |x, y| {
            if (20..80).contains(&x) && (20..120).contains(&y) {
                if (x + y) % 2 == 0 {
                    [40, 30, 30]
                } else {
                    [200, 160, 150]
                }
            } else {
                [250, 250, 250]
            }
        });
        let a = analyze(&img, 100, 140);
        assert!(a.white_border > 0.95, "{a:?}");
        assert!(a.sharpness > MIN_SHARPNESS, "{a:?}");
        assert_eq!(judge(Material::Portrait, 295, 413, &a), vec![]);
    }

    #[test]
    fn blue_backgrounds_flat_images_and_dark_photos_are_refused() {
        let blue = image(100, 140, |x, y| {
            if (x + y) % 2 == 0 {
                [30, 80, 200]
            } else {
                [90, 90, 90]
            }
        });
        let a = analyze(&blue, 100, 140);
        assert!(
            judge(Material::Portrait, 295, 413, &a).contains(&PhotoProblem::PortraitBackground)
        );
        let flat = image(200, 120, |_, _| [128, 128, 128]);
        assert!(
            judge(Material::IdCardFront, 1600, 1010, &analyze(&flat, 200, 120))
                .contains(&PhotoProblem::Blurry)
        );
        let dark = image(200, 120, |x, _| {
            if x % 2 == 0 {
                [10, 10, 10]
            } else {
                [40, 40, 40]
            }
        });
        assert!(
            judge(
                Material::ApplicationForm,
                2000,
                3000,
                &analyze(&dark, 200, 120)
            )
            .contains(&PhotoProblem::TooDark)
        );
    }

    #[test]
    fn proportions_and_resolution() {
        let ok = Analysis {
            mean_luma: 150.0,
            sharpness: 100.0,
            white_border: 1.0,
            ..Analysis::EMPTY
        };
        assert_eq!(judge(Material::IdCardFront, 1712, 1080, &ok), vec![]);
        assert_eq!(
            judge(Material::IdCardFront, 1080, 1712, &ok),
            vec![PhotoProblem::IdCardNotLandscape]
        );
        assert_eq!(
            judge(Material::IdCardBack, 1600, 1600, &ok),
            vec![PhotoProblem::IdCardProportion]
        );
        assert_eq!(
            judge(Material::ApplicationForm, 600, 800, &ok),
            vec![PhotoProblem::LowResolution]
        );
        assert_eq!(
            judge(Material::Portrait, 400, 400, &ok),
            vec![PhotoProblem::PortraitProportion]
        );
        assert_eq!(
            judge(Material::Portrait, 20_000, 20_000, &ok),
            vec![PhotoProblem::TooManyPixels]
        );
    }

    #[test]
    fn crops_are_centred_and_one_inch() {
        // A 3:4 phone photo is wider than 25:35: its sides are cut.
        assert_eq!(portrait_crop(3000, 4000), (71, 0, 2857, 4000));
        // A tall one loses top and bottom.
        assert_eq!(portrait_crop(3000, 5000), (0, 400, 3000, 4200));
        let (x, y, w, h) = portrait_crop(4000, 3000);
        assert_eq!((y, h), (0, 3000));
        assert_eq!(w, 3000 * 295 / 413);
        assert_eq!(x, (4000 - w) / 2);
        assert!(portrait_crop_is_large_enough(295, 413));
        assert!(!portrait_crop_is_large_enough(294, 412));
    }

    #[test]
    fn the_crop_frame_zooms_pans_and_never_enlarges() {
        let mut f = CropFrame::new(3000, 4000);
        let (x, y, w, h) = f.rect();
        assert_eq!((x, y, w, h), (71.5, 0.0, 2857.0, 4000.0));
        // Dragging cannot leave the photo.
        f.pan(0.0, -5.0);
        assert_eq!(f.rect().1, 0.0);
        f.set_zoom(100.0);
        assert!((f.zoom() - 2857.0 / 295.0).abs() < 1e-9);
        let (_, _, w, h) = f.rect();
        assert!(w >= 295.0 - 1e-6 && h >= 413.0 - 1e-6, "{w}x{h}");
        f.pan(10.0, 10.0);
        let (x, y, w, h) = f.rect();
        assert!((x + w - 3000.0).abs() < 1e-6 && (y + h - 4000.0).abs() < 1e-6);
        // A photo smaller than one inch cannot zoom at all.
        let mut small = CropFrame::new(200, 280);
        small.set_zoom(3.0);
        assert_eq!(small.zoom(), 1.0);
        small.set_zoom(f64::NAN);
        assert_eq!(small.zoom(), 1.0);
    }

    #[test]
    fn the_frame_around_a_head_puts_it_in_the_guide() {
        // A 12-megapixel selfie with the head off to the right and small.
        let head = HeadBox {
            crown: 900.0,
            chin: 1900.0,
            centre_x: 1900.0,
        };
        let f = CropFrame::around_head(3000, 4000, head);
        let p = f.placement(head);
        assert!((p.crown - head::TOP).abs() < 1e-9, "{p:?}");
        assert!((p.chin - head::TOP - head::HEIGHT).abs() < 1e-9, "{p:?}");
        assert!((p.centre_x - 0.5).abs() < 1e-9, "{p:?}");
        assert!(p.in_guide());
        // Near the top edge, the frame stops at the edge: the crown lands high, off the guide.
        let high = HeadBox {
            crown: -50.0,
            chin: 900.0,
            centre_x: 1500.0,
        };
        let f = CropFrame::around_head(3000, 4000, high);
        assert_eq!(f.rect().1, 0.0);
        assert!(!f.placement(high).in_guide());
        // A head too small for a photo this size: zoom stops at 295 × 413 pixels.
        let tiny = HeadBox {
            crown: 2000.0,
            chin: 2100.0,
            centre_x: 1500.0,
        };
        let f = CropFrame::around_head(3000, 4000, tiny);
        assert_eq!(f.zoom(), f.max_zoom());
        // Nonsense leaves the frame as it was.
        let none = HeadBox {
            crown: 10.0,
            chin: 5.0,
            centre_x: f64::NAN,
        };
        assert_eq!(
            CropFrame::around_head(300, 400, none),
            CropFrame::new(300, 400)
        );
    }

    #[test]
    fn shoulders_at_the_bottom_do_not_make_the_background_coloured() {
        // White background, a head, and a dark jacket that fills the bottom third edge to edge.
        let img = image(100, 140, |x, y| {
            if y >= 100 {
                [30, 40, 80]
            } else if (30..70).contains(&x) && (20..100).contains(&y) {
                if (x + y) % 2 == 0 {
                    [60, 40, 30]
                } else {
                    [220, 180, 160]
                }
            } else {
                [248, 248, 248]
            }
        });
        let a = analyze(&img, 100, 140);
        assert!(a.white_border > 0.95, "{a:?}");
    }

    /// Runs a search against a fake encoder; returns every encode and the verdict.
    fn search(
        crop: (f64, f64),
        encoder: impl Fn((u32, u32), f64) -> u64,
    ) -> (Vec<((u32, u32), f64, u64)>, PortraitStep) {
        let mut s = PortraitSearch::new(crop.0, crop.1);
        let mut step = s.first();
        let mut encodes = Vec::new();
        loop {
            let PortraitStep::Encode { size, quality } = step else {
                return (encodes, step);
            };
            let bytes = encoder(size, quality);
            encodes.push((size, quality, bytes));
            step = s.next(bytes);
            assert!(encodes.len() <= PortraitSearch::MAX_STEPS as usize);
        }
    }

    /// A fake JPEG encoder: bytes per pixel grow with quality, steeply near the top, as
    /// libjpeg's do; `detail` scales the whole curve (a plain wall is low).
    fn fake_encoder(detail: f64) -> impl Fn((u32, u32), f64) -> u64 {
        move |(w, h), q| {
            let per_pixel = 0.05 + 0.25 * q + 0.6 * q.powi(8);
            (f64::from(w) * f64::from(h) * per_pixel * detail) as u64
        }
    }

    const WINDOW: std::ops::RangeInclusive<u64> = 40 * 1024..=80 * 1024;

    #[test]
    fn a_detailed_portrait_lands_at_one_inch_in_a_few_encodes() {
        let (encodes, verdict) = search((1500.0, 2100.0), fake_encoder(1.0));
        assert_eq!(verdict, PortraitStep::Done);
        let (size, _, bytes) = *encodes.last().unwrap();
        assert_eq!(size, (295, 413));
        assert!(WINDOW.contains(&bytes), "{encodes:?}");
        assert!(encodes.len() <= 8, "{encodes:?}");
    }

    #[test]
    fn a_very_detailed_portrait_is_bisected_down() {
        let (encodes, verdict) = search((1500.0, 2100.0), fake_encoder(3.0));
        assert_eq!(verdict, PortraitStep::Done, "{encodes:?}");
        let (size, quality, bytes) = *encodes.last().unwrap();
        assert_eq!(size, (295, 413));
        assert!(quality < PortraitSearch::START_QUALITY);
        assert!(WINDOW.contains(&bytes));
    }

    #[test]
    fn a_smooth_portrait_on_a_frugal_encoder_gets_more_pixels_not_padding() {
        // WebKit-like: 295 × 413 at the best quality weighs about 25 KB.
        let (encodes, verdict) = search((1500.0, 2100.0), fake_encoder(0.23));
        assert_eq!(verdict, PortraitStep::Done, "{encodes:?}");
        let (size, _, bytes) = *encodes.last().unwrap();
        assert!(size.0 > 295, "{encodes:?}");
        assert!(WINDOW.contains(&bytes));
        // The best quality was tried at each smaller size before going up, and every
        // larger size is still 25:35.
        for &(w, h) in &crate::photo::PORTRAIT_SIZES[..] {
            let ratio = f64::from(w) / f64::from(h);
            assert!(
                (ratio - 25.0 / 35.0).abs() / (25.0 / 35.0) < PORTRAIT_ASPECT_TOLERANCE / 3.0,
                "{w}×{h}"
            );
            if w < size.0 {
                assert!(
                    encodes.iter().any(|&(s, q, _)| s == (w, h) && q == 1.0),
                    "{w}×{h}: {encodes:?}"
                );
            }
        }
    }

    #[test]
    fn a_crop_is_never_enlarged_to_reach_the_floor() {
        // The crop has pixels for 354 × 496 but not for 413 × 579: the search stops there
        // and keeps the closest encode.
        let (encodes, verdict) = search((400.0, 560.0), fake_encoder(0.1));
        assert_eq!(verdict, PortraitStep::GiveUp);
        assert!(encodes.iter().all(|&(s, _, _)| s.0 <= 354), "{encodes:?}");
        // A crop smaller than one inch still gets one inch (the fixer refuses those before).
        let (encodes, _) = search((200.0, 280.0), fake_encoder(1.0));
        assert!(encodes.iter().all(|&(s, _, _)| s == (295, 413)));
    }
    #[test]
    fn declared_sizes_are_read_without_decoding() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&1200u32.to_be_bytes());
        png.extend_from_slice(&800u32.to_be_bytes());
        assert_eq!(declared_size(&png), Some((1200, 800)));
        // SOI, an APP0 segment of 16 bytes, then SOF0 with height 413 and width 295.
        let mut jpg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        jpg.extend_from_slice(&[0; 14]);
        jpg.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0x9D, 0x01, 0x27, 0x03]);
        assert_eq!(declared_size(&jpg), Some((295, 413)));
        assert_eq!(declared_size(b"GIF89a"), None);
    }
}
