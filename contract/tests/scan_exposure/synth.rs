//! Synthetic test images at the analysis size (≤ 512 px a side), deterministic from a seed:
//! clean document scans as a scanner app delivers them, and photos blown out by exposure.
//!
//! Everything is drawn at three times the size and then averaged down, as the browser's
//! resize does, so thin strokes arrive grey and soft the way real text does.

/// A small deterministic generator (xorshift64*), so every case is the same on every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [a, b).
    pub fn range(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * ((self.next() >> 11) as f64 / (1u64 << 53) as f64)
    }
    pub fn int(&mut self, a: usize, b: usize) -> usize {
        a + (self.next() % (b - a).max(1) as u64) as usize
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.range(0.0, 1.0) < p
    }
}

const S: usize = 3;

/// An sRGB canvas (0–255 per channel, as floats) drawn at `S` times the analysis size.
pub struct Canvas {
    pub w: usize,
    pub h: usize,
    px: Vec<[f64; 3]>,
}

impl Canvas {
    fn new(w: usize, h: usize, c: [f64; 3]) -> Self {
        Canvas {
            w: w * S,
            h: h * S,
            px: vec![c; w * S * h * S],
        }
    }
    fn set(&mut self, x: isize, y: isize, c: [f64; 3], alpha: f64) {
        if x < 0 || y < 0 || x as usize >= self.w || y as usize >= self.h {
            return;
        }
        let p = &mut self.px[y as usize * self.w + x as usize];
        for i in 0..3 {
            p[i] = p[i] * (1.0 - alpha) + c[i] * alpha;
        }
    }
    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, c: [f64; 3]) {
        let (x0, y0) = ((x * S as f64) as isize, (y * S as f64) as isize);
        let (x1, y1) = (((x + w) * S as f64) as isize, ((y + h) * S as f64) as isize);
        for yy in y0..y1.max(y0 + 1) {
            for xx in x0..x1.max(x0 + 1) {
                self.set(xx, yy, c, 1.0);
            }
        }
    }
    /// A ring (or a disc when `inner` is 0) centred at (cx, cy), in analysis pixels.
    fn ring(&mut self, cx: f64, cy: f64, outer: f64, inner: f64, c: [f64; 3]) {
        let s = S as f64;
        for yy in ((cy - outer) * s) as isize..((cy + outer) * s) as isize + 1 {
            for xx in ((cx - outer) * s) as isize..((cx + outer) * s) as isize + 1 {
                let d = ((xx as f64 / s - cx).powi(2) + (yy as f64 / s - cy).powi(2)).sqrt();
                if d <= outer && d >= inner {
                    self.set(xx, yy, c, 1.0);
                }
            }
        }
    }
    fn ellipse(&mut self, cx: f64, cy: f64, rx: f64, ry: f64, c: [f64; 3]) {
        let s = S as f64;
        for yy in ((cy - ry) * s) as isize..((cy + ry) * s) as isize + 1 {
            for xx in ((cx - rx) * s) as isize..((cx + rx) * s) as isize + 1 {
                let (dx, dy) = ((xx as f64 / s - cx) / rx, (yy as f64 / s - cy) / ry);
                if dx * dx + dy * dy <= 1.0 {
                    self.set(xx, yy, c, 1.0);
                }
            }
        }
    }
    /// Applies `f(x, y, colour)` (x, y in 0–1 of the page) to every pixel.
    fn map(&mut self, f: impl Fn(f64, f64, [f64; 3]) -> [f64; 3]) {
        let (w, h) = (self.w, self.h);
        for y in 0..h {
            for x in 0..w {
                let p = &mut self.px[y * w + x];
                *p = f(x as f64 / w as f64, y as f64 / h as f64, *p);
            }
        }
    }
    /// Averages S × S blocks down to the analysis size and returns RGBA bytes.
    pub fn finish(&self, rng: &mut Rng, noise: f64) -> (Vec<u8>, u32, u32) {
        let (w, h) = (self.w / S, self.h / S);
        let mut out = Vec::with_capacity(w * h * 4);
        for y in 0..h {
            for x in 0..w {
                let mut acc = [0.0; 3];
                for dy in 0..S {
                    for dx in 0..S {
                        let p = self.px[(y * S + dy) * self.w + x * S + dx];
                        for i in 0..3 {
                            acc[i] += p[i];
                        }
                    }
                }
                let n = rng.range(-noise, noise);
                for a in acc {
                    out.push((a / (S * S) as f64 + n).round().clamp(0.0, 255.0) as u8);
                }
                out.push(255);
            }
        }
        (out, w as u32, h as u32)
    }
}

fn to_linear(v: f64) -> f64 {
    let v = (v / 255.0).clamp(0.0, 1.0);
    if v <= 0.04045 {
        v / 12.92
    } else {
        ((v + 0.055) / 1.055).powf(2.4)
    }
}

fn to_srgb(l: f64) -> f64 {
    let l = l.clamp(0.0, 1.0);
    255.0
        * if l <= 0.003_130_8 {
            l * 12.92
        } else {
            1.055 * l.powf(1.0 / 2.4) - 0.055
        }
}

/// Over-exposure as a camera makes it: `gain` times the light (in linear light, clipped at
/// white), plus veiling flare that lifts the darks towards the mean (`flare` 0–1).
pub fn expose(rgba: &mut [u8], gain: f64, flare: f64) {
    let mean: f64 = rgba
        .chunks_exact(4)
        .map(|p| to_linear(f64::from(p[1])))
        .sum::<f64>()
        / (rgba.len() / 4).max(1) as f64;
    for p in rgba.chunks_exact_mut(4) {
        for c in &mut p[..3] {
            let l = to_linear(f64::from(*c)) * gain;
            let l = l * (1.0 - flare) + flare * mean * gain;
            *c = to_srgb(l).round() as u8;
        }
    }
}

/// What a page shows.
#[derive(Clone, Copy, Debug)]
pub enum Page {
    /// 申报表: a title, a ruled table with labels, dense text.
    Form,
    /// 证书: landscape, a border, a few large lines, a holder photo, a seal.
    Certificate,
    /// 社保证明: a letter, paragraphs, a small table, a seal.
    Letter,
}

/// Draws a page: `paper` colour, `ink` for text and rules, in a w × h (analysis pixels) frame.
fn draw_page(c: &mut Canvas, rng: &mut Rng, page: Page, paper: [f64; 3], ink: [f64; 3]) {
    let (w, h) = ((c.w / S) as f64, (c.h / S) as f64);
    let margin = w * rng.range(0.06, 0.16);
    let stroke = 1.0 / S as f64 * rng.int(1, 3) as f64;
    let char_h = rng.range(5.0, 8.0);
    let text_line =
        |c: &mut Canvas, rng: &mut Rng, x0: f64, y: f64, x1: f64, ch: f64, k: [f64; 3]| {
            // Characters: a cell each with a few horizontal and vertical strokes (CJK-like).
            let mut x = x0;
            while x + ch < x1 {
                if rng.chance(0.08) {
                    x += ch;
                    continue;
                }
                for _ in 0..rng.int(3, 7) {
                    let yy = y + rng.range(0.0, ch);
                    c.rect(x, yy, ch * rng.range(0.4, 1.0), stroke, k);
                }
                for _ in 0..rng.int(2, 5) {
                    let xx = x + rng.range(0.0, ch);
                    c.rect(xx, y, stroke, ch * rng.range(0.5, 1.0), k);
                }
                x += ch * 1.15;
            }
        };
    let _ = paper;
    match page {
        Page::Form => {
            text_line(c, rng, w * 0.3, margin, w * 0.7, char_h * 1.6, ink);
            let rows = rng.int(10, 20);
            let top = margin + char_h * 4.0;
            let bottom = h - margin * rng.range(1.0, 2.5);
            let row_h = (bottom - top) / rows as f64;
            let cols = [
                0.0,
                rng.range(0.18, 0.25),
                rng.range(0.45, 0.55),
                rng.range(0.65, 0.75),
                1.0,
            ];
            let rule = stroke.max(1.0 / S as f64) * rng.int(1, 3) as f64;
            for r in 0..=rows {
                c.rect(margin, top + r as f64 * row_h, w - 2.0 * margin, rule, ink);
            }
            for &f in &cols {
                c.rect(
                    margin + f * (w - 2.0 * margin),
                    top,
                    rule,
                    bottom - top,
                    ink,
                );
            }
            for r in 0..rows {
                for k in 0..4 {
                    if k % 2 == 1 && rng.chance(0.3) {
                        continue;
                    }
                    let x0 = margin + cols[k] * (w - 2.0 * margin) + 2.0;
                    let x1 =
                        x0 + (cols[k + 1] - cols[k]) * (w - 2.0 * margin) * rng.range(0.3, 0.9);
                    let y = top + r as f64 * row_h + (row_h - char_h) / 2.0;
                    text_line(c, rng, x0, y, x1, char_h.min(row_h * 0.7), ink);
                }
            }
        }
        Page::Certificate => {
            let b = margin * 0.5;
            let k = [
                ink[0] * 0.6 + 150.0 * 0.4,
                ink[1] * 0.6 + 110.0 * 0.4,
                ink[2] * 0.6 + 40.0 * 0.4,
            ];
            for (x, y, ww, hh) in [
                (b, b, w - 2.0 * b, 2.0),
                (b, h - b - 2.0, w - 2.0 * b, 2.0),
                (b, b, 2.0, h - 2.0 * b),
                (w - b - 2.0, b, 2.0, h - 2.0 * b),
            ] {
                c.rect(x, y, ww, hh, k);
            }
            text_line(c, rng, w * 0.3, margin + 6.0, w * 0.7, char_h * 2.2, ink);
            let lines = rng.int(3, 7);
            for i in 0..lines {
                let y = margin + char_h * 6.0 + i as f64 * char_h * 2.2;
                text_line(c, rng, w * 0.35, y, w - margin * 1.5, char_h, ink);
            }
            if rng.chance(0.7) {
                // The holder's one-inch photo: mid-tones on a blue or white ground.
                let (px, py, pw) = (margin * 1.3, margin + char_h * 5.5, w * 0.14);
                let ground = if rng.chance(0.5) {
                    [60.0, 120.0, 200.0]
                } else {
                    [245.0; 3]
                };
                c.rect(px, py, pw, pw * 1.4, ground);
                c.ellipse(
                    px + pw / 2.0,
                    py + pw * 0.62,
                    pw * 0.28,
                    pw * 0.36,
                    [215.0, 175.0, 150.0],
                );
                c.ellipse(
                    px + pw / 2.0,
                    py + pw * 0.35,
                    pw * 0.3,
                    pw * 0.16,
                    [35.0, 30.0, 30.0],
                );
                c.rect(px, py + pw * 1.05, pw, pw * 0.35, [40.0, 40.0, 60.0]);
            }
            let (sx, sy) = (w * rng.range(0.6, 0.8), h * rng.range(0.6, 0.8));
            seal(c, rng, sx, sy, w * 0.09);
        }
        Page::Letter => {
            text_line(c, rng, w * 0.35, margin, w * 0.65, char_h * 1.5, ink);
            let mut y = margin + char_h * 4.0;
            let paragraphs = rng.int(2, 5);
            for _ in 0..paragraphs {
                for i in 0..rng.int(2, 6) {
                    let x0 = if i == 0 {
                        margin + char_h * 2.3
                    } else {
                        margin
                    };
                    text_line(c, rng, x0, y, w - margin, char_h, ink);
                    y += char_h * 1.8;
                }
                y += char_h;
                if y > h * 0.6 {
                    break;
                }
            }
            if rng.chance(0.6) {
                let rows = rng.int(3, 6);
                for r in 0..=rows {
                    c.rect(
                        margin,
                        y + r as f64 * char_h * 1.8,
                        w - 2.0 * margin,
                        1.0 / S as f64 * 2.0,
                        ink,
                    );
                }
                for r in 0..rows {
                    text_line(
                        c,
                        rng,
                        margin + 3.0,
                        y + r as f64 * char_h * 1.8 + 2.0,
                        w * 0.5,
                        char_h * 0.8,
                        ink,
                    );
                }
            }
            let (sx, sy) = (w * rng.range(0.6, 0.75), h * rng.range(0.72, 0.85));
            seal(c, rng, sx, sy, w * 0.1);
        }
    }
}

/// A red seal: a ring, a star and an arc of characters.
fn seal(c: &mut Canvas, rng: &mut Rng, cx: f64, cy: f64, r: f64) {
    let red = [
        rng.range(190.0, 225.0),
        rng.range(20.0, 60.0),
        rng.range(25.0, 60.0),
    ];
    c.ring(cx, cy, r, r - rng.range(1.2, 2.0), red);
    c.ring(cx, cy, r * 0.18, 0.0, red);
    for i in 0..14 {
        let a = std::f64::consts::PI * (0.8 + 1.4 * i as f64 / 13.0);
        let (x, y) = (cx + r * 0.72 * a.cos(), cy + r * 0.72 * a.sin());
        c.rect(x - 1.0, y - 1.0, 2.0, 0.5, red);
        c.rect(x - 0.3, y - 1.0, 0.5, 2.0, red);
    }
}

/// A clean scan as a scanner app makes it: flat, paper whitened (a little tint and vignette
/// at most), dark text and rules, a red seal.
pub fn clean_scan(seed: u64) -> (Vec<u8>, u32, u32, String) {
    let mut rng = Rng::new(seed);
    let page = [Page::Form, Page::Certificate, Page::Letter][(seed % 3) as usize];
    let (w, h) = match page {
        Page::Certificate => (512, 362),
        _ => {
            if rng.chance(0.5) {
                (362, 512)
            } else {
                (384, 512)
            }
        }
    };
    let tint = rng.range(0.0, 10.0);
    let paper = [255.0 - tint * 0.3, 255.0 - tint * 0.5, 255.0 - tint];
    let grey = rng.range(10.0, 90.0);
    let ink = [grey, grey, grey + rng.range(0.0, 25.0)];
    let mut c = Canvas::new(w, h, paper);
    draw_page(&mut c, &mut rng, page, paper, ink);
    let vignette = rng.range(0.0, 14.0);
    c.map(|x, y, p| {
        let d = ((x - 0.5).powi(2) + (y - 0.5).powi(2)) * 2.0;
        p.map(|v| v - vignette * d)
    });
    let noise = rng.range(0.0, 3.0);
    let (rgba, w, h) = c.finish(&mut rng, noise);
    let name = format!(
        "clean {page:?} {w}x{h} tint {tint:.0} ink {grey:.0} vignette {vignette:.0} noise {noise:.1}"
    );
    (rgba, w, h, name)
}

/// A photo blown out: a document photographed under normal light (grey paper, shading) or a
/// face-like scene, then `gain` × over-exposure with flare, most of it ending above 250.
pub fn overexposed(seed: u64) -> (Vec<u8>, u32, u32, String) {
    let mut rng = Rng::new(seed ^ 0xBAD_F00D);
    let face = seed % 3 == 2;
    let gain = if face {
        rng.range(3.5, 5.0)
    } else {
        rng.range(3.3, 4.5)
    };
    // Blooming and lens flare grow with over-exposure; on a page they grey the text.
    let flare = if face {
        rng.range(0.06, 0.15)
    } else {
        rng.range(0.24, 0.35)
    };
    let (mut rgba, w, h, what) = if face {
        let (w, h) = if rng.chance(0.5) {
            (384, 512)
        } else {
            (512, 384)
        };
        let wall = rng.range(150.0, 205.0);
        let mut c = Canvas::new(w, h, [wall, wall * 0.98, wall * 0.94]);
        let (wf, hf) = (w as f64, h as f64);
        let (cx, cy) = (wf * rng.range(0.4, 0.6), hf * rng.range(0.4, 0.5));
        let r = hf * rng.range(0.16, 0.22);
        let hair = rng.range(25.0, 110.0);
        // A light top: over-exposure of the whole scene (a dark suit keeps the mean under
        // MAX_MEAN_LUMA, where neither rule looks).
        let shirt = if rng.chance(0.5) {
            [150.0, 160.0, 190.0]
        } else {
            [200.0, 200.0, 195.0]
        };
        c.ellipse(cx, hf * 1.02, r * 2.4, hf * 0.3, shirt);
        c.ellipse(
            cx,
            cy - r * 0.25,
            r * 1.05,
            r * 1.0,
            [hair, hair * 0.85, hair * 0.8],
        );
        let skin = [
            rng.range(185.0, 220.0),
            rng.range(140.0, 170.0),
            rng.range(120.0, 150.0),
        ];
        c.ellipse(cx, cy + r * 0.15, r * 0.8, r * 1.05, skin);
        for dx in [-0.32, 0.32] {
            c.ellipse(cx + dx * r, cy, r * 0.13, r * 0.06, [60.0, 45.0, 40.0]);
            c.rect(
                cx + dx * r - r * 0.16,
                cy - r * 0.2,
                r * 0.32,
                r * 0.05,
                [hair; 3],
            );
        }
        c.ellipse(cx, cy + r * 0.6, r * 0.25, r * 0.06, [170.0, 90.0, 90.0]);
        // Soft light from one side.
        let side = rng.range(-20.0, 20.0);
        c.map(|x, _, p| p.map(|v| v + side * (x - 0.5)));
        let (rgba, w, h) = c.finish(&mut rng, 2.0);
        (rgba, w, h, format!("face hair {hair:.0} wall {wall:.0}"))
    } else {
        let page = [Page::Form, Page::Letter][(seed % 2) as usize];
        let (w, h) = if rng.chance(0.5) {
            (384, 512)
        } else {
            (362, 512)
        };
        // Paper under room light is grey, ink not black, and the light falls off.
        let paper_v = rng.range(165.0, 205.0);
        let paper = [paper_v, paper_v * 0.98, paper_v * 0.93];
        let ink_v = rng.range(40.0, 90.0);
        let mut c = Canvas::new(w, h, paper);
        draw_page(&mut c, &mut rng, page, paper, [ink_v, ink_v, ink_v * 1.1]);
        let shade = rng.range(0.0, 25.0);
        let (sx, sy) = (rng.range(-1.0, 1.0), rng.range(-1.0, 1.0));
        c.map(|x, y, p| p.map(|v| v - shade * ((x - 0.5) * sx + (y - 0.5) * sy + 0.5)));
        let (rgba, w, h) = c.finish(&mut rng, 2.0);
        (
            rgba,
            w,
            h,
            format!("doc {page:?} paper {paper_v:.0} ink {ink_v:.0}"),
        )
    };
    expose(&mut rgba, gain, flare);
    let name = format!("overexposed {what} gain {gain:.1} flare {flare:.2} {w}x{h}");
    (rgba, w, h, name)
}

/// The exposure gain that clips `share` (0–1) of the pixels (on their brightest channel):
/// "most of the content pushed past white" for a photo of any original exposure.
pub fn gain_to_clip(rgba: &[u8], share: f64) -> f64 {
    let mut v: Vec<f64> = rgba
        .chunks_exact(4)
        .map(|p| to_linear(f64::from(p[0].max(p[1]).max(p[2]))))
        .collect();
    v.sort_by(f64::total_cmp);
    let at = ((1.0 - share) * v.len() as f64) as usize;
    1.0 / v
        .get(at.min(v.len().saturating_sub(1)))
        .copied()
        .unwrap_or(1.0)
        .max(1e-3)
}

/// A page photographed on a dark desk (what the real blown-out photos that the mean missed
/// look like): the page covers 40–70 % of the frame, the desk is dark wood with grain, the
/// light falls off across the page. `blown`: over-exposed until the paper clips and flare
/// lifts the ink to 215–235 (washed out), while the desk keeps the mean under
/// `MAX_MEAN_LUMA`. Otherwise exposed for the paper (it just clips, as phone cameras do on a
/// white page) with little flare.
pub fn on_desk(seed: u64, blown: bool) -> (Vec<u8>, u32, u32, String) {
    let mut rng = Rng::new(seed ^ if blown { 0xDE5C } else { 0xC1EA });
    let (w, h) = if rng.chance(0.5) {
        (512, 384)
    } else {
        (384, 512)
    };
    let wood = rng.range(35.0, 85.0);
    let grain = rng.range(4.0, 14.0);
    let freq = rng.range(20.0, 60.0);
    let mut c = Canvas::new(w, h, [wood, wood * 0.75, wood * 0.55]);
    c.map(|x, y, p| {
        let g = grain * ((y * freq + 3.0 * (x * 7.0).sin()).sin());
        p.map(|v| v + g)
    });
    // The page: portrait A4 proportions, placed off-centre.
    let (wf, hf) = (w as f64, h as f64);
    let ph = hf * rng.range(0.65, 0.88);
    let pw = (ph / 1.414).min(wf * 0.9);
    let (px, py) = (rng.range(0.0, wf - pw), rng.range(0.0, hf - ph));
    let paper_v = rng.range(165.0, 205.0);
    let paper = [paper_v, paper_v * 0.98, paper_v * 0.93];
    let ink_v = rng.range(30.0, 80.0);
    let mut p = Canvas::new(pw as usize, ph as usize, paper);
    let page = [Page::Form, Page::Letter][(seed % 2) as usize];
    draw_page(&mut p, &mut rng, page, paper, [ink_v, ink_v, ink_v * 1.1]);
    let shade = rng.range(0.0, 20.0);
    let (sx, sy) = (rng.range(-1.0, 1.0), rng.range(-1.0, 1.0));
    p.map(|x, y, q| q.map(|v| v - shade * ((x - 0.5) * sx + (y - 0.5) * sy + 0.5)));
    let (ox, oy) = ((px * S as f64) as usize, (py * S as f64) as usize);
    for y in 0..p.h.min(c.h - oy) {
        for x in 0..p.w.min(c.w - ox) {
            c.px[(oy + y) * c.w + ox + x] = p.px[y * p.w + x];
        }
    }
    let (mut rgba, w, h) = c.finish(&mut rng, 2.0);
    let paper_l = to_linear(paper_v);
    // The veil comes from the bright page: full over it, a third of it over the desk.
    let inside = |i: usize| {
        let (x, y) = ((i % w as usize) as f64, (i / w as usize) as f64);
        x >= px && x < px + pw && y >= py && y < py + ph
    };
    let page_mean = rgba
        .chunks_exact(4)
        .enumerate()
        .filter(|&(i, _)| inside(i))
        .map(|(_, p)| to_linear(f64::from(p[1])))
        .sum::<f64>()
        / (pw * ph).max(1.0);
    let (gain, flare, washed) = if blown {
        // Blown out until the paper clips and the veil lifts the ink to within 20–40 of
        // white (washed out, as the real blown-out pages): the flare that takes it there.
        let gain = rng.range(3.8, 5.0) / (paper_l / 0.45);
        let washed = rng.range(215.0, 235.0);
        let ink_l = to_linear(ink_v);
        let flare = ((to_linear(washed) / gain - ink_l) / (page_mean - ink_l)).clamp(0.0, 0.6);
        (gain, flare, washed)
    } else {
        // Exposed for the page: the paper just clips, as phone cameras do on a white page.
        (rng.range(1.05, 1.25) / paper_l, rng.range(0.0, 0.03), 0.0)
    };
    for (i, p) in rgba.chunks_exact_mut(4).enumerate() {
        let veil = if inside(i) { flare } else { flare / 3.0 };
        for c in &mut p[..3] {
            let l = to_linear(f64::from(*c)) * gain;
            *c = to_srgb(l * (1.0 - veil) + veil * page_mean * gain).round() as u8;
        }
    }
    let name = format!(
        "{} {page:?} on a desk (wood {wood:.0}) page {:.0} % paper {paper_v:.0} ink {ink_v:.0} → {washed:.0} gain {gain:.1} flare {flare:.2} {w}x{h}",
        if blown { "blown-out" } else { "clean" },
        100.0 * pw * ph / (wf * hf),
    );
    (rgba, w, h, name)
}
