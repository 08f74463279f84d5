//! Finds the face in a portrait, so 自动处理 can frame the head the way a one-inch ID photo is
//! framed. Used where the browser has no face detector of its own (the Shape Detection API's
//! `FaceDetector` exists only in some Chromium builds).
//!
//! The detector is a boosted cascade of local-binary-pattern features (Liao et al. 2007's
//! multi-block LBP, as OpenCV's `CascadeClassifier` evaluates them), run with OpenCV's own
//! detection procedure (`detectMultiScale`: the image shrunk by 1.1 per scale, a fixed window
//! slid over it, hits grouped with `groupRectangles`), so that a model trained with OpenCV's
//! tools behaves here as it does there. The model is OpenCV's
//! `lbpcascade_frontalface_improved.xml` (Puttemans, Ergun and Goedemé, VISAPP 2017; BSD
//! 3-clause; from Debian's `opencv-data` 4.6.0+dfsg-12), kept beside this crate in
//! `model/` with its 7 KB binary form ([`Cascade::to_bytes`]). In the browser this crate runs
//! inside a small module of its own (`face/wasm`, served as `face-v1.wasm` with the model
//! inside) that the web app fetches only when 自动处理 opens: the first visit carries none of
//! it.
//!
//! Why not a crate: the Rust face detectors on crates.io either bring a 1.2 MB model
//! (`rustface`, SeetaFace) or no model at all (`pico-detect`); this is ~300 lines with no
//! dependencies, and the model's provenance and licence are plain.
//!
//! Everything here is integer or `f32` arithmetic on a grey image of a few hundred pixels a
//! side: a 480-pixel copy of a 12-megapixel photo is searched in tens of milliseconds.

use std::fmt;

/// The first bytes of a model file (format version 1).
pub const MAGIC: &[u8; 8] = b"BMLBP\x001\n";

/// A rectangle in the model's window: the top-left block of a 3 × 3 grid of equal blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    pub x: u8,
    pub y: u8,
    pub width: u8,
    pub height: u8,
}

/// One decision stump: the feature's LBP code picks one of two leaf values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weak {
    pub feature: u16,
    /// 256 bits: code `c` takes `leaves[0]` when bit `c` is set, else `leaves[1]`.
    pub subset: [i32; 8],
    pub leaves: [f32; 2],
}

/// A stage: the window passes when the sum of its stumps reaches the threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub threshold: f32,
    pub weak: Vec<Weak>,
}

/// A trained cascade.
#[derive(Debug, Clone, PartialEq)]
pub struct Cascade {
    pub window: (u8, u8),
    pub features: Vec<Block>,
    pub stages: Vec<Stage>,
}

/// Why a model file was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelError {
    /// Not a model file of this version.
    Magic,
    /// It ends early or carries bytes after its end.
    Length,
    /// A stump names a feature the model does not have, or a feature leaves the window.
    Inconsistent,
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ModelError::Magic => "not a face model (version 1)",
            ModelError::Length => "the face model's length is wrong",
            ModelError::Inconsistent => "the face model is inconsistent",
        })
    }
}

impl std::error::Error for ModelError {}

/// Reads the model file, little-endian throughout.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], ModelError> {
        let (head, rest) = self.0.split_first_chunk::<N>().ok_or(ModelError::Length)?;
        self.0 = rest;
        Ok(*head)
    }
    fn u8(&mut self) -> Result<u8, ModelError> {
        Ok(self.take::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16, ModelError> {
        Ok(u16::from_le_bytes(self.take()?))
    }
    fn i32(&mut self) -> Result<i32, ModelError> {
        Ok(i32::from_le_bytes(self.take()?))
    }
    fn f32(&mut self) -> Result<f32, ModelError> {
        Ok(f32::from_le_bytes(self.take()?))
    }
}

impl Cascade {
    /// The model file: [`MAGIC`]; window width, height (u8 each); feature count (u16), each
    /// feature x, y, width, height (u8 each); stage count (u16), each stage its threshold
    /// (f32) and stump count (u16), each stump its feature (u16), 8 × i32 subset and two f32
    /// leaves.
    pub fn parse(bytes: &[u8]) -> Result<Cascade, ModelError> {
        let mut r = Reader(bytes);
        if &r.take::<8>()? != MAGIC {
            return Err(ModelError::Magic);
        }
        let window = (r.u8()?, r.u8()?);
        let features = (0..r.u16()?)
            .map(|_| {
                Ok(Block {
                    x: r.u8()?,
                    y: r.u8()?,
                    width: r.u8()?,
                    height: r.u8()?,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let stages = (0..r.u16()?)
            .map(|_| {
                let threshold = r.f32()?;
                let weak = (0..r.u16()?)
                    .map(|_| {
                        let feature = r.u16()?;
                        let mut subset = [0; 8];
                        for s in &mut subset {
                            *s = r.i32()?;
                        }
                        Ok(Weak {
                            feature,
                            subset,
                            leaves: [r.f32()?, r.f32()?],
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Stage { threshold, weak })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if !r.0.is_empty() {
            return Err(ModelError::Length);
        }
        let cascade = Cascade {
            window,
            features,
            stages,
        };
        if cascade.is_consistent() {
            Ok(cascade)
        } else {
            Err(ModelError::Inconsistent)
        }
    }

    fn is_consistent(&self) -> bool {
        let (ww, wh) = (u32::from(self.window.0), u32::from(self.window.1));
        ww > 0
            && wh > 0
            && self.features.iter().all(|b| {
                b.width > 0
                    && b.height > 0
                    && u32::from(b.x) + 3 * u32::from(b.width) <= ww
                    && u32::from(b.y) + 3 * u32::from(b.height) <= wh
            })
            && self
                .stages
                .iter()
                .flat_map(|s| &s.weak)
                .all(|w| usize::from(w.feature) < self.features.len())
    }

    /// The model file [`Cascade::parse`] reads.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend([self.window.0, self.window.1]);
        out.extend((self.features.len() as u16).to_le_bytes());
        for b in &self.features {
            out.extend([b.x, b.y, b.width, b.height]);
        }
        out.extend((self.stages.len() as u16).to_le_bytes());
        for s in &self.stages {
            out.extend(s.threshold.to_le_bytes());
            out.extend((s.weak.len() as u16).to_le_bytes());
            for w in &s.weak {
                out.extend(w.feature.to_le_bytes());
                for v in w.subset {
                    out.extend(v.to_le_bytes());
                }
                out.extend(w.leaves[0].to_le_bytes());
                out.extend(w.leaves[1].to_le_bytes());
            }
        }
        out
    }
}

/// An 8-bit grey image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gray {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl Gray {
    /// From RGBA bytes (a canvas's `ImageData`), with ITU-R BT.601 luma as OpenCV's
    /// `cvtColor` computes it (fixed point).
    pub fn from_rgba(rgba: &[u8], width: u32, height: u32) -> Gray {
        let pixels = rgba
            .chunks_exact(4)
            .take(width as usize * height as usize)
            .map(|p| {
                ((u32::from(p[0]) * 4899 + u32::from(p[1]) * 9617 + u32::from(p[2]) * 1868 + 8192)
                    >> 14) as u8
            })
            .collect::<Vec<_>>();
        Gray {
            width,
            height: (pixels.len() / width.max(1) as usize) as u32,
            pixels,
        }
    }

    /// Shrunk to `width` × `height` with bilinear interpolation (OpenCV's `INTER_LINEAR`,
    /// which its detector uses between scales).
    fn resized(&self, width: u32, height: u32) -> Gray {
        // Source index and weight (of 256) of each output column and row, computed once.
        fn taps(from: u32, to: u32) -> Vec<(usize, usize, u32)> {
            let scale = from as f32 / to as f32;
            let last = from as usize - 1;
            (0..to)
                .map(|i| {
                    let f = ((i as f32 + 0.5) * scale - 0.5).max(0.0);
                    let i0 = (f as usize).min(last);
                    let w = ((f - i0 as f32) * 256.0).round() as u32;
                    (i0, (i0 + 1).min(last), w.min(256))
                })
                .collect()
        }
        let (columns, rows) = (taps(self.width, width), taps(self.height, height));
        let stride = self.width as usize;
        let mut pixels = Vec::with_capacity(width as usize * height as usize);
        for &(y0, y1, wy) in &rows {
            let (r0, r1) = (&self.pixels[y0 * stride..], &self.pixels[y1 * stride..]);
            for &(x0, x1, wx) in &columns {
                let top = u32::from(r0[x0]) * (256 - wx) + u32::from(r0[x1]) * wx;
                let bottom = u32::from(r1[x0]) * (256 - wx) + u32::from(r1[x1]) * wx;
                pixels.push(((top * (256 - wy) + bottom * wy + (1 << 15)) >> 16) as u8);
            }
        }
        Gray {
            width,
            height,
            pixels,
        }
    }

    /// The summed-area table, one row and column larger than the image.
    fn integral(&self) -> Vec<i32> {
        let (w, h) = (self.width as usize, self.height as usize);
        let mut sum = vec![0i32; (w + 1) * (h + 1)];
        for y in 0..h {
            let mut row = 0i32;
            for x in 0..w {
                row += i32::from(self.pixels[y * w + x]);
                sum[(y + 1) * (w + 1) + x + 1] = sum[y * (w + 1) + x + 1] + row;
            }
        }
        sum
    }
}

/// A face the cascade found, in the searched image's pixels: a square window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Face {
    pub x: f32,
    pub y: f32,
    pub size: f32,
    /// How many overlapping windows agreed (more is surer).
    pub neighbours: u32,
}

impl Face {
    /// The head this window implies, in the same pixels, by [`HeadRatios::MEASURED`].
    pub fn head(&self) -> Head {
        self.head_with(&HeadRatios::MEASURED)
    }

    pub fn head_with(&self, r: &HeadRatios) -> Head {
        Head {
            crown: self.y - r.crown_above * self.size,
            chin: self.y + r.chin_below * self.size,
            centre_x: self.x + r.centre_x * self.size,
        }
    }

    /// Scales to another image's pixels (the search runs on a small copy).
    pub fn scaled(&self, factor: f32) -> Face {
        Face {
            x: self.x * factor,
            y: self.y * factor,
            size: self.size * factor,
            neighbours: self.neighbours,
        }
    }
}

/// The head's crown (top of the hair), chin and horizontal centre.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Head {
    pub crown: f32,
    pub chin: f32,
    pub centre_x: f32,
}

/// Where the head is relative to the model's window, in window sizes. The window of this
/// model spans from the eyebrows to below the mouth and about cheek to cheek; hair and chin
/// lie outside it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeadRatios {
    /// From the window's top edge up to the crown.
    pub crown_above: f32,
    /// From the window's top edge down to the chin.
    pub chin_below: f32,
    /// From the window's left edge to the face's centre.
    pub centre_x: f32,
}

impl HeadRatios {
    /// The medians over the labelled portraits of `tests/bench/photos.json`
    /// (`cargo test -p baoming-face --test portraits -- --ignored --nocapture` measures them
    /// again, and how well each photo is framed when it is left out of the medians).
    pub const MEASURED: HeadRatios = HeadRatios {
        crown_above: 0.77,
        chin_below: 1.27,
        centre_x: 0.49,
    };
}

/// The head around `face`, read from `image` where it can be: the crown is where the hair
/// meets a plain background above the face (what a passport-style photo has, and what the
/// candidate is asked for), the chin and centre come from the window by `ratios`. Where the
/// background above the head is not plain (a room, a crowd) or is cut by the photo's top,
/// the crown comes from `ratios` as well.
///
/// Why: the face window is anchored to the eyes and mouth, so the chin follows it closely,
/// but the hair above the forehead differs from person to person by a third of a window.
pub fn locate_head(image: &Gray, face: &Face, ratios: &HeadRatios) -> Head {
    let head = face.head_with(ratios);
    match crown_in(image, face, ratios) {
        Some(crown) => Head { crown, ..head },
        None => head,
    }
}

/// The crown where hair meets a plain background, or `None`.
///
/// Looks at a band as wide as the middle of the face, over the rows from 1.25 window sizes
/// above the window down to 0.35 sizes above it (the crown of every labelled portrait lies
/// there: 0.45–1.1). The background is what the band holds above those rows, and must be
/// plain (nine in ten pixels within 10 grey levels of its median). The crown is the highest
/// row where at least a third of the band differs from the background by more than the
/// background's
/// own spread allows, going up from the forehead without a break of a tenth of a window.
pub fn crown_in(image: &Gray, face: &Face, ratios: &HeadRatios) -> Option<f32> {
    let (w, h) = (image.width as i64, image.height as i64);
    let s = face.size;
    let centre = face.x + ratios.centre_x * s;
    let x0 = ((centre - 0.3 * s).round() as i64).max(0);
    let x1 = ((centre + 0.3 * s).round() as i64).min(w);
    let top = (face.y - 1.25 * s).round() as i64;
    let bottom = ((face.y - 0.35 * s).round() as i64).min(h);
    let sky_top = ((face.y - 1.7 * s).round() as i64).max(0);
    // The background: at least 3 rows above the search, inside the photo.
    if x1 - x0 < 8 || top - sky_top < 3 || bottom <= top {
        return None;
    }
    let row = |y: i64| &image.pixels[(y * w + x0) as usize..(y * w + x1) as usize];
    let mut sky: Vec<u8> = (sky_top..top)
        .flat_map(|y| row(y).iter().copied())
        .collect();
    sky.sort_unstable();
    let median = i32::from(sky[sky.len() / 2]);
    let mut spread: Vec<u8> = sky
        .iter()
        .map(|&v| (i32::from(v) - median).unsigned_abs() as u8)
        .collect();
    spread.sort_unstable();
    // How far nine in ten background pixels stray from its median.
    let sigma = f32::from(spread[spread.len() * 9 / 10]).max(1.0);
    if sigma > 10.0 {
        return None;
    }
    let tolerance = (3.0 * sigma).max(14.0) as i32;
    let differs = |y: i64| {
        let r = row(y);
        let n = r
            .iter()
            .filter(|&&v| (i32::from(v) - median).abs() > tolerance)
            .count();
        n * 3 >= r.len()
    };
    // Up from the forehead: the head goes on while the band differs from the background,
    // through gaps shorter than a tenth of a window (a parting, a highlight); the crown is
    // its last row. Something above the head with background between (a lamp, a frame)
    // is not reached.
    let hold = ((0.1 * s).round() as i64).max(2);
    if !differs(bottom - 1) {
        return None;
    }
    let mut crown = bottom - 1;
    let mut gap = 0;
    for y in (top..bottom - 1).rev() {
        if differs(y) {
            crown = y;
            gap = 0;
        } else {
            gap += 1;
            if gap >= hold {
                return Some(crown as f32);
            }
        }
    }
    // The head goes on above the rows searched: not a crown this can place.
    None
}

/// The head implied by eye and mouth positions (what a browser's own face detector reports as
/// landmarks), by typical adult proportions (Farkas's anthropometric norms, rounded): the
/// crown lies about 1.85 and the chin about 1.65 eye-to-mouth distances from the eye line.
/// `None` when the mouth is not below the eyes.
pub fn head_from_landmarks(eye_y: f32, mouth_y: f32, centre_x: f32) -> Option<Head> {
    let d = mouth_y - eye_y;
    (d.is_finite() && d > 0.0 && centre_x.is_finite()).then_some(Head {
        crown: eye_y - 1.85 * d,
        chin: eye_y + 1.65 * d,
        centre_x,
    })
}

/// How far the search goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Search {
    /// Each scale shrinks the image by this much (OpenCV's `scaleFactor`).
    pub scale_factor: f32,
    /// A group needs more than this many windows (OpenCV's `minNeighbors`).
    pub min_neighbours: u32,
    /// The smallest face, as a fraction of the image's shorter side.
    pub min_face: f32,
}

impl Default for Search {
    fn default() -> Self {
        Search {
            scale_factor: 1.1,
            min_neighbours: 3,
            min_face: 0.12,
        }
    }
}

/// The side of the grey copy a portrait is searched on: faces in portraits are large, and
/// the model's window is 45 pixels.
pub const SEARCH_MAX_SIDE: u32 = 480;

/// Evaluates one window: whether it passes every stage.
fn passes(cascade: &Cascade, offsets: &[[usize; 16]], sum: &[i32], at: usize) -> bool {
    for stage in &cascade.stages {
        let mut total = 0.0f32;
        for weak in &stage.weak {
            // The 4 × 4 grid of corners of the feature's 3 × 3 blocks, read once.
            let p = offsets[usize::from(weak.feature)].map(|o| sum[at + o]);
            let s = |a: usize, b: usize, c: usize, d: usize| p[a] - p[b] - p[c] + p[d];
            let centre = s(5, 6, 9, 10);
            let bit = |v: i32, b: u8| if v >= centre { b } else { 0 };
            let code = bit(s(0, 1, 4, 5), 128)
                | bit(s(1, 2, 5, 6), 64)
                | bit(s(2, 3, 6, 7), 32)
                | bit(s(6, 7, 10, 11), 16)
                | bit(s(10, 11, 14, 15), 8)
                | bit(s(9, 10, 13, 14), 4)
                | bit(s(8, 9, 12, 13), 2)
                | bit(s(4, 5, 8, 9), 1);
            let set = weak.subset[usize::from(code >> 5)] & (1 << (code & 31)) != 0;
            total += weak.leaves[usize::from(!set)];
        }
        if total < stage.threshold {
            return false;
        }
    }
    true
}

/// Every face in `image`, best first (most agreeing windows; then larger).
pub fn detect(cascade: &Cascade, image: &Gray, search: &Search) -> Vec<Face> {
    let mut scan = Scan::new(*search);
    while scan.step(cascade, image) {}
    scan.faces()
}

/// A search one scale at a time, so a page can give the browser a turn between scales and
/// never block it for long. Every step must be given the same cascade and image.
#[derive(Debug, Clone)]
pub struct Scan {
    search: Search,
    factor: f32,
    hits: Vec<Rect>,
}

impl Scan {
    pub fn new(search: Search) -> Self {
        Scan {
            search,
            factor: 1.0,
            hits: Vec::new(),
        }
    }

    /// Searches the next scale that can hold a face; false when none is left.
    pub fn step(&mut self, cascade: &Cascade, image: &Gray) -> bool {
        let (ww, wh) = (u32::from(cascade.window.0), u32::from(cascade.window.1));
        let min_side = image.width.min(image.height) as f32;
        let min_size = (self.search.min_face * min_side).max(ww as f32);
        // Scales too fine for the smallest face are skipped without work.
        while (ww as f32 * self.factor) < min_size {
            self.factor *= self.search.scale_factor;
        }
        let factor = self.factor;
        let (sw, sh) = (
            (image.width as f32 / factor).round() as u32,
            (image.height as f32 / factor).round() as u32,
        );
        if sw < ww || sh < wh {
            return false;
        }
        self.factor *= self.search.scale_factor;
        let resized;
        let scaled = if (sw, sh) == (image.width, image.height) {
            image
        } else {
            resized = image.resized(sw, sh);
            &resized
        };
        let sum = scaled.integral();
        let stride = sw as usize + 1;
        let offsets: Vec<[usize; 16]> = cascade
            .features
            .iter()
            .map(|b| {
                std::array::from_fn(|k| {
                    let x = usize::from(b.x) + (k % 4) * usize::from(b.width);
                    let y = usize::from(b.y) + (k / 4) * usize::from(b.height);
                    y * stride + x
                })
            })
            .collect();
        // OpenCV steps by 1 pixel past factor 2; faces in portraits are large enough that 2
        // still gathers plenty of agreeing windows, at a quarter of the work.
        for y in (0..=sh - wh).step_by(2) {
            for x in (0..=sw - ww).step_by(2) {
                if passes(cascade, &offsets, &sum, y as usize * stride + x as usize) {
                    self.hits.push(Rect {
                        x: (x as f32 * factor).round(),
                        y: (y as f32 * factor).round(),
                        w: (ww as f32 * factor).round(),
                        h: (wh as f32 * factor).round(),
                    });
                }
            }
        }
        true
    }

    /// The faces found so far, best first.
    pub fn faces(self) -> Vec<Face> {
        let mut faces = group(&self.hits, self.search.min_neighbours, 0.2);
        faces.sort_by(|a, b| {
            b.neighbours
                .cmp(&a.neighbours)
                .then(b.size.total_cmp(&a.size))
        });
        faces
    }
}

/// The face to frame in a portrait: among the surest faces (at least half the agreement of
/// the surest), the largest. A candidate's own face is the largest in their portrait; a
/// face in a poster behind them, or a false hit in patterned cloth, is smaller.
pub fn portrait_face(faces: &[Face]) -> Option<Face> {
    let best = faces.iter().map(|f| f.neighbours).max()?;
    faces
        .iter()
        .filter(|f| f.neighbours * 2 >= best)
        .max_by(|a, b| a.size.total_cmp(&b.size))
        .copied()
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Rect {
    x: f32,
    y: f32,
    w: f32,
    h: f32,
}

/// OpenCV's `groupRectangles`: windows that nearly coincide form a class; a class of more
/// than `threshold` windows becomes their average; a class inside a much surer one goes.
fn group(rects: &[Rect], threshold: u32, eps: f32) -> Vec<Face> {
    let similar = |a: &Rect, b: &Rect| {
        let delta = eps * (a.w.min(b.w) + a.h.min(b.h)) * 0.5;
        (a.x - b.x).abs() <= delta
            && (a.y - b.y).abs() <= delta
            && (a.x + a.w - b.x - b.w).abs() <= delta
            && (a.y + a.h - b.y - b.h).abs() <= delta
    };
    // Union-find over the similarity relation.
    let mut parent: Vec<usize> = (0..rects.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for i in 0..rects.len() {
        for j in i + 1..rects.len() {
            if similar(&rects[i], &rects[j]) {
                let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                if a != b {
                    parent[b] = a;
                }
            }
        }
    }
    let mut classes: Vec<(usize, Rect, u32)> = Vec::new();
    for (i, r) in rects.iter().enumerate() {
        let c = root(&mut parent, i);
        match classes.iter_mut().find(|(k, _, _)| *k == c) {
            Some((_, sum, n)) => {
                sum.x += r.x;
                sum.y += r.y;
                sum.w += r.w;
                sum.h += r.h;
                *n += 1;
            }
            None => classes.push((c, *r, 1)),
        }
    }
    let averaged: Vec<(Rect, u32)> = classes
        .into_iter()
        .map(|(_, s, n)| {
            let k = n as f32;
            (
                Rect {
                    x: (s.x / k).round(),
                    y: (s.y / k).round(),
                    w: (s.w / k).round(),
                    h: (s.h / k).round(),
                },
                n,
            )
        })
        .collect();
    averaged
        .iter()
        .enumerate()
        .filter(|(_, (_, n))| *n > threshold)
        .filter(|(i, (r1, n1))| {
            !averaged.iter().enumerate().any(|(j, (r2, n2))| {
                let (dx, dy) = ((r2.w * eps).round(), (r2.h * eps).round());
                j != *i
                    && *n2 > threshold
                    && r1 != r2
                    && r1.x >= r2.x - dx
                    && r1.y >= r2.y - dy
                    && r1.x + r1.w <= r2.x + r2.w + dx
                    && r1.y + r1.h <= r2.y + r2.h + dy
                    && (*n2 > (*n1).max(3) || *n1 < 3)
            })
        })
        .map(|(_, (r, n))| Face {
            x: r.x,
            y: r.y,
            size: r.w,
            neighbours: *n,
        })
        .collect()
}

/// Where to search a photo of `width` × `height`: its size shrunk to at most
/// [`SEARCH_MAX_SIDE`] (never enlarged).
pub fn search_size(width: u32, height: u32) -> (u32, u32) {
    let longest = width.max(height).max(1);
    if longest <= SEARCH_MAX_SIDE {
        return (width, height);
    }
    let k = f64::from(SEARCH_MAX_SIDE) / f64::from(longest);
    (
        ((f64::from(width) * k).round() as u32).max(1),
        ((f64::from(height) * k).round() as u32).max(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Cascade {
        Cascade {
            window: (6, 6),
            features: vec![Block {
                x: 0,
                y: 0,
                width: 2,
                height: 2,
            }],
            stages: vec![Stage {
                threshold: 0.5,
                weak: vec![Weak {
                    feature: 0,
                    // Only code 0 (every neighbour darker than the centre) scores.
                    subset: [1, 0, 0, 0, 0, 0, 0, 0],
                    leaves: [1.0, -1.0],
                }],
            }],
        }
    }

    #[test]
    fn the_model_file_round_trips_and_refuses_damage() {
        let c = tiny();
        let bytes = c.to_bytes();
        assert_eq!(Cascade::parse(&bytes).unwrap(), c);
        assert_eq!(
            Cascade::parse(&bytes[..bytes.len() - 1]),
            Err(ModelError::Length)
        );
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(Cascade::parse(&longer), Err(ModelError::Length));
        let mut other = bytes.clone();
        other[0] = b'X';
        assert_eq!(Cascade::parse(&other), Err(ModelError::Magic));
        let mut broken = c.clone();
        broken.stages[0].weak[0].feature = 1;
        assert_eq!(
            Cascade::parse(&broken.to_bytes()),
            Err(ModelError::Inconsistent)
        );
        let mut outside = c;
        outside.features[0].x = 1;
        assert_eq!(
            Cascade::parse(&outside.to_bytes()),
            Err(ModelError::Inconsistent)
        );
    }

    #[test]
    fn a_bright_centre_block_is_found_where_it_is() {
        // A 40 × 40 dark image with one bright 2 × 2 block at (20, 10): the tiny cascade's
        // 3 × 3 grid of 2 × 2 blocks fires where that block is its centre.
        let mut img = Gray {
            width: 40,
            height: 40,
            pixels: vec![10; 1600],
        };
        for (x, y) in [(20, 10), (21, 10), (20, 11), (21, 11)] {
            img.pixels[y * 40 + x] = 200;
        }
        let sum = img.integral();
        let c = tiny();
        let stride = 41;
        let o: Vec<[usize; 16]> = vec![std::array::from_fn(|k| (k / 4) * 2 * stride + (k % 4) * 2)];
        assert!(passes(&c, &o, &sum, 8 * stride + 18));
        assert!(!passes(&c, &o, &sum, 8 * stride + 17));
        assert!(!passes(&c, &o, &sum, 0));
    }

    #[test]
    fn grouping_keeps_agreeing_windows_and_drops_strays() {
        let r = |x: f32, y: f32, s: f32| Rect { x, y, w: s, h: s };
        let mut hits: Vec<Rect> = (0..6).map(|i| r(100.0 + i as f32, 50.0, 90.0)).collect();
        hits.push(r(10.0, 10.0, 45.0)); // a lone false hit
        hits.extend((0..2).map(|i| r(300.0 + i as f32, 300.0, 50.0))); // too few to count
        let faces = group(&hits, 3, 0.2);
        assert_eq!(faces.len(), 1);
        assert_eq!(faces[0].neighbours, 6);
        assert!((faces[0].x - 102.0).abs() <= 1.0 && faces[0].size == 90.0);
    }

    #[test]
    fn the_portrait_face_is_the_largest_sure_one() {
        let f = |size: f32, neighbours: u32| Face {
            x: 0.0,
            y: 0.0,
            size,
            neighbours,
        };
        let faces = [f(60.0, 20), f(150.0, 12), f(300.0, 4)];
        assert_eq!(portrait_face(&faces).unwrap().size, 150.0);
        assert_eq!(portrait_face(&[]), None);
    }

    /// A 300 × 400 grey photo: `background(x, y)` everywhere, and a dark head (an ellipse
    /// from y 100 to 300 around x 150, 120 wide) over it; the face window the cascade would
    /// give for it.
    fn portrait(background: impl Fn(u32, u32) -> u8) -> (Gray, Face) {
        let (width, height) = (300u32, 400u32);
        let pixels = (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .map(|(x, y)| {
                let (dx, dy) = ((x as f32 - 150.0) / 60.0, (y as f32 - 200.0) / 100.0);
                if dx * dx + dy * dy <= 1.0 {
                    60
                } else {
                    background(x, y)
                }
            })
            .collect();
        let face = Face {
            x: 110.0,
            y: 170.0,
            size: 80.0,
            neighbours: 10,
        };
        (
            Gray {
                width,
                height,
                pixels,
            },
            face,
        )
    }

    #[test]
    fn the_crown_is_read_where_hair_meets_a_plain_background() {
        let r = HeadRatios::MEASURED;
        // A white wall with a little noise: the crown is the ellipse's top, not the ratio's.
        let (image, face) = portrait(|x, y| 235 + ((x * 7 + y * 13) % 9) as u8);
        let crown = crown_in(&image, &face, &r).expect("a crown on a plain wall");
        assert!((crown - 100.0).abs() <= 2.0, "{crown}");
        assert_eq!(locate_head(&image, &face, &r).crown, crown);
        assert_eq!(locate_head(&image, &face, &r).chin, face.head().chin);
        // A lamp above the head, with wall between: the crown stays the head's.
        let (image, face) = portrait(|x, y| {
            if (75..82).contains(&y) && (120..180).contains(&x) {
                20
            } else {
                235
            }
        });
        let crown = crown_in(&image, &face, &r).expect("a crown below the lamp");
        assert!((crown - 100.0).abs() <= 2.0, "{crown}");
    }

    #[test]
    fn a_busy_background_leaves_the_crown_to_the_ratios() {
        let r = HeadRatios::MEASURED;
        // Stripes (a bookshelf): not plain, so no crown is read.
        let (image, face) = portrait(|x, _| if (x / 6) % 2 == 0 { 40 } else { 220 });
        assert_eq!(crown_in(&image, &face, &r), None);
        assert_eq!(locate_head(&image, &face, &r), face.head());
        // The photo's top cuts the head: nothing above it to compare with.
        let (mut image, mut face) = portrait(|_, _| 235);
        image.pixels.drain(..(110 * image.width) as usize);
        image.height -= 110;
        face.y -= 110.0;
        assert_eq!(crown_in(&image, &face, &r), None);
    }

    #[test]
    fn a_head_from_eyes_and_mouth() {
        let h = head_from_landmarks(100.0, 140.0, 80.0).unwrap();
        assert_eq!((h.crown, h.chin, h.centre_x), (26.0, 166.0, 80.0));
        assert_eq!(head_from_landmarks(100.0, 90.0, 80.0), None);
        assert_eq!(head_from_landmarks(100.0, f32::NAN, 80.0), None);
    }

    #[test]
    fn the_search_copy_is_never_enlarged() {
        assert_eq!(search_size(3000, 4000), (360, 480));
        assert_eq!(search_size(300, 200), (300, 200));
        assert_eq!(search_size(4000, 1), (480, 1));
    }

    #[test]
    fn grey_is_bt601_luma() {
        let g = Gray::from_rgba(&[255, 255, 255, 255, 255, 0, 0, 255, 0, 0, 0, 0], 3, 1);
        assert_eq!(g.pixels, vec![255, 76, 0]);
        assert_eq!(g.height, 1);
    }
}
