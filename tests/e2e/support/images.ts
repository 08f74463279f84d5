// Real images for the upload journeys, drawn deterministically (a seeded PRNG, never
// Math.random) and encoded with jpeg-js / pngjs: the app decodes every photo in the browser
// and judges it with the contract's thresholds (contract/src/photo_quality.rs, photo.rs), so
// fake bytes would be refused as corrupt. `measure` and `judge` below mirror the contract so
// tests/e2e/images.spec.ts can check that each generator lands where it is meant to.
import jpeg from "jpeg-js";
import { PNG } from "pngjs";

export type UploadFile = { name: string; mimeType: string; buffer: Buffer };
type Rgb = [number, number, number];

// ---------------------------------------------------------------------------------------------
// Drawing

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/** An RGBA raster (alpha always 255). */
class Raster {
  readonly data: Buffer;
  constructor(
    readonly width: number,
    readonly height: number,
    fill: Rgb,
  ) {
    this.data = Buffer.alloc(width * height * 4, 255);
    for (let i = 0; i < width * height; i++) this.data.set(fill, i * 4);
  }

  set(x: number, y: number, [r, g, b]: Rgb) {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 4;
    this.data[i] = clamp(r);
    this.data[i + 1] = clamp(g);
    this.data[i + 2] = clamp(b);
  }

  rect(x: number, y: number, w: number, h: number, color: Rgb) {
    const x0 = Math.max(0, Math.round(x)), y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w)), y1 = Math.min(this.height, Math.round(y + h));
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) this.set(xx, yy, color);
  }

  /** A straight stroke of `thick` px from (x0, y0) to (x1, y1). */
  line(x0: number, y0: number, x1: number, y1: number, thick: number, color: Rgb) {
    const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps, y = y0 + ((y1 - y0) * s) / steps;
      this.rect(x - thick / 2, y - thick / 2, thick, thick, color);
    }
  }

  /** Adds the same uniform noise (±amp) to the three channels of every pixel. */
  noise(rand: () => number, amp: number) {
    for (let i = 0; i < this.width * this.height; i++) {
      const n = (rand() - 0.5) * 2 * amp;
      for (let c = 0; c < 3; c++) this.data[i * 4 + c] = clamp(this.data[i * 4 + c] + n);
    }
  }

  /** Three passes of a separable box blur of `radius` (≈ a Gaussian of σ ≈ radius). */
  blur(radius: number) {
    const { width: w, height: h } = this;
    const tmp = new Float64Array(w * h * 3);
    for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) tmp[i * 3 + c] = this.data[i * 4 + c];
    const pass = (len: number, count: number, at: (line: number, k: number) => number) => {
      const buf = new Float64Array(len * 3);
      for (let line = 0; line < count; line++) {
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          const get = (k: number) => tmp[at(line, Math.min(len - 1, Math.max(0, k))) * 3 + c];
          for (let k = -radius; k <= radius; k++) sum += get(k);
          for (let k = 0; k < len; k++) {
            buf[k * 3 + c] = sum / (2 * radius + 1);
            sum += get(k + radius + 1) - get(k - radius);
          }
        }
        for (let k = 0; k < len; k++) for (let c = 0; c < 3; c++) tmp[at(line, k) * 3 + c] = buf[k * 3 + c];
      }
    };
    for (let p = 0; p < 3; p++) {
      pass(w, h, (y, x) => y * w + x);
      pass(h, w, (x, y) => y * w + x);
    }
    for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) this.data[i * 4 + c] = clamp(tmp[i * 3 + c]);
  }

  /** This raster turned a quarter: counter-clockwise (`ccw`) or clockwise. */
  rotated(ccw: boolean): Raster {
    const { width: w, height: h } = this;
    const out = new Raster(h, w, [0, 0, 0]);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        // Counter-clockwise: the top row becomes the left column, bottom to top.
        const [nx, ny] = ccw ? [y, w - 1 - x] : [h - 1 - y, x];
        const s = (y * w + x) * 4, d = (ny * h + nx) * 4;
        this.data.copy(out.data, d, s, s + 4);
      }
    }
    return out;
  }

  jpeg(quality: number): Buffer {
    return jpeg.encode({ width: this.width, height: this.height, data: this.data }, quality).data;
  }

  png(): Buffer {
    const png = new PNG({ width: this.width, height: this.height });
    this.data.copy(png.data);
    return PNG.sync.write(png);
  }
}

/** One row of text-like glyphs (3–5 strokes each) from x0 to x1. */
function glyphRow(r: Raster, rand: () => number, x0: number, y0: number, x1: number, size: number, thick: number, ink: Rgb) {
  let x = x0;
  while (x + size <= x1) {
    if (rand() < 0.1) {
      x += size * 0.8;
      continue;
    }
    const strokes = 3 + Math.floor(rand() * 3);
    for (let s = 0; s < strokes; s++) {
      const kind = rand();
      const a = rand() * size, b = rand() * size, len = size * (0.4 + rand() * 0.6);
      if (kind < 0.4) r.line(x + Math.min(a, size - len), y0 + b, x + Math.min(a, size - len) + len, y0 + b, thick, ink);
      else if (kind < 0.8) r.line(x + a, y0 + Math.min(b, size - len), x + a, y0 + Math.min(b, size - len) + len, thick, ink);
      else r.line(x + a * 0.5, y0 + b * 0.5, x + a * 0.5 + len * 0.6, y0 + b * 0.5 + len * 0.6, thick, ink);
    }
    x += size * 1.15;
  }
}

type DocumentLook = { paper: Rgb; ink: Rgb; rule: Rgb; noise: number; textShare: number };
const PAPER: DocumentLook = { paper: [238, 236, 230], ink: [28, 28, 34], rule: [60, 60, 66], noise: 4, textShare: 0.72 };

/** A photographed/scanned A4 form: a title, a ruled table, text in its cells. */
function drawForm(width: number, height: number, seed: number, look: DocumentLook): Raster {
  const rand = rng(seed);
  const r = new Raster(width, height, look.paper);
  const s = Math.min(width / 1240, height / 1754);
  const m = Math.round(width * 0.07);
  const title = 44 * s;
  glyphRow(r, rand, width * 0.3, height * 0.05, width * 0.7, title, Math.max(2, 5 * s), look.ink);
  const top = height * 0.12, bottom = height * 0.93, rowH = height * 0.045;
  const cols = [m, width * 0.3, width * 0.56, width - m];
  const ruleT = Math.max(1, Math.round(2.5 * s));
  for (let y = top; y <= bottom + 1; y += rowH) r.rect(m, y, width - 2 * m, ruleT, look.rule);
  for (const x of cols) r.rect(x, top, ruleT, Math.floor((bottom - top) / rowH) * rowH, look.rule);
  const glyph = 22 * s;
  for (let y = top; y + rowH <= bottom + 1; y += rowH) {
    for (let c = 0; c + 1 < cols.length; c++) {
      const left = cols[c] + 10 * s, right = cols[c] + (cols[c + 1] - cols[c]) * look.textShare;
      if (rand() < 0.15) continue;
      glyphRow(r, rand, left, y + (rowH - glyph) / 2, right, glyph, Math.max(1, 3 * s), look.ink);
    }
  }
  r.noise(rand, look.noise);
  return r;
}

/** An ID card side drawn into (x, y, w, h) of `r`. */
function drawCard(r: Raster, rand: () => number, x: number, y: number, w: number, h: number, side: "front" | "back") {
  const s = w / 1712;
  for (let yy = 0; yy < h; yy++) {
    const t = yy / h;
    const row: Rgb = [205 - 30 * t, 218 - 22 * t, 228 - 15 * t];
    r.rect(x, y + yy, w, 1, row);
  }
  // Guilloche-like waves.
  for (let k = 0; k < 14; k++) {
    const base = y + (h * (k + 0.5)) / 14, amp = h * 0.03, phase = rand() * 6.28, lambda = w * (0.08 + rand() * 0.05);
    let px = x, py = base + amp * Math.sin(phase);
    for (let xx = x; xx < x + w; xx += 4) {
      const ny = base + amp * Math.sin(xx / lambda + phase);
      r.line(px, py, xx, ny, Math.max(1, 2 * s), [150, 178, 200]);
      [px, py] = [xx, ny];
    }
  }
  const ink: Rgb = [25, 25, 30];
  if (side === "front") {
    // Photo box with a head and shoulders.
    const bx = x + w * 0.64, by = y + h * 0.14, bw = w * 0.28, bh = h * 0.62;
    r.rect(bx, by, bw, bh, [222, 222, 222]);
    const cx = bx + bw / 2, cy = by + bh * 0.4, rx = bw * 0.24, ry = bh * 0.22;
    for (let yy = Math.floor(by); yy < by + bh; yy++) {
      for (let xx = Math.floor(bx); xx < bx + bw; xx++) {
        const head = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1;
        const half = bw * (0.14 + 0.3 * Math.max(0, (yy - (by + bh * 0.7)) / (bh * 0.3)));
        const body = yy >= by + bh * 0.7 && Math.abs(xx - cx) <= half;
        if (head) r.set(xx, yy, [95 + rand() * 40, 80 + rand() * 30, 75 + rand() * 30]);
        else if (body) r.set(xx, yy, [40 + rand() * 30, 45 + rand() * 30, 60 + rand() * 30]);
      }
    }
    for (let k = 0; k < 6; k++) {
      const size = (k === 5 ? 34 : 40) * s;
      glyphRow(r, rand, x + w * 0.06, y + h * (0.1 + k * 0.13), x + w * (k === 5 ? 0.9 : 0.55), size, Math.max(2, 4 * s), ink);
    }
  } else {
    // National emblem (a red disc with marks) and two text rows.
    const ex = x + w * 0.15, ey = y + h * 0.28, er = h * 0.16;
    for (let yy = Math.floor(ey - er); yy <= ey + er; yy++)
      for (let xx = Math.floor(ex - er); xx <= ex + er; xx++)
        if ((xx - ex) ** 2 + (yy - ey) ** 2 <= er * er) r.set(xx, yy, [200 + rand() * 30, 40 + rand() * 30, 40 + rand() * 20]);
    for (let k = 0; k < 8; k++) r.line(ex - er * 0.6, ey - er * 0.6 + k * er * 0.17, ex + er * 0.6, ey - er * 0.6 + k * er * 0.17, 3 * s, [250, 215, 60]);
    glyphRow(r, rand, x + w * 0.35, y + h * 0.18, x + w * 0.9, 60 * s, Math.max(2, 6 * s), ink);
    glyphRow(r, rand, x + w * 0.35, y + h * 0.35, x + w * 0.8, 50 * s, Math.max(2, 5 * s), ink);
    glyphRow(r, rand, x + w * 0.25, y + h * 0.7, x + w * 0.9, 36 * s, Math.max(2, 4 * s), ink);
    glyphRow(r, rand, x + w * 0.25, y + h * 0.82, x + w * 0.9, 36 * s, Math.max(2, 4 * s), ink);
  }
}

/**
 * A head-and-shoulders photo in a `width` × `height` frame on `background`. The subject is
 * textured with noise cells of `cell` px (about one cell per pixel of the 295 × 413 result
 * when a large photo is reduced), so that its JPEG stays detailed at any size.
 */
function drawPortrait(width: number, height: number, seed: number, background: Rgb, cellScale = 1): Raster {
  const rand = rng(seed);
  const r = new Raster(width, height, background);
  const cell = Math.max(1, Math.round((width / 295) * cellScale));
  const cw = Math.ceil(width / cell), ch = Math.ceil(height / cell);
  const cells = new Float64Array(cw * ch * 2);
  for (let i = 0; i < cells.length; i++) cells[i] = rand() - 0.5;
  const cx = width * 0.5, cy = height * 0.4, rx = width * 0.24, ry = height * 0.2;
  const eyeY = cy - ry * 0.1, eyeDx = rx * 0.42, eyeR = rx * 0.13;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const ci = (Math.floor(y / cell) * cw + Math.floor(x / cell)) * 2;
      const n = cells[ci], n2 = cells[ci + 1];
      const d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
      const hairD = ((x - cx) / (rx * 1.08)) ** 2 + ((y - cy + ry * 0.06) / (ry * 1.06)) ** 2;
      const neck = Math.abs(x - cx) < width * 0.09 && y > cy + ry * 0.7 && y < height * 0.76;
      const half = width * (0.13 + 0.12 * Math.min(1, Math.max(0, (y - height * 0.72) / (height * 0.15))));
      const body = y >= height * 0.72 && Math.abs(x - cx) <= half;
      let c: Rgb | undefined;
      if (hairD <= 1 && (y < cy - ry * 0.45 || (d > 1 && y < cy + ry * 0.3))) c = [55 + 90 * n, 44 + 76 * n, 38 + 70 * n];
      else if (d <= 1 || neck) {
        const eye = Math.min(((x - cx + eyeDx) ** 2 + (y - eyeY) ** 2) / eyeR ** 2, ((x - cx - eyeDx) ** 2 + (y - eyeY) ** 2) / eyeR ** 2) <= 1;
        const mouth = Math.abs(x - cx) < rx * 0.3 && Math.abs(y - (cy + ry * 0.55)) < ry * 0.05;
        c = eye ? [40 + 60 * n, 35 + 50 * n, 35 + 50 * n] : mouth ? [160 + 80 * n, 70 + 60 * n, 70 + 60 * n] : [200 + 130 * n, 160 + 120 * n + 30 * n2, 140 + 110 * n - 30 * n2];
      } else if (body) c = [60 + 110 * n, 70 + 110 * n + 20 * n2, 110 + 110 * n];
      else {
        const [br, bg, bb] = background;
        c = [br + 6 * n, bg + 6 * n, bb + 6 * n];
      }
      r.set(x, y, c);
    }
  }
  return r;
}

/** A plain, evenly lit portrait: soft shading, no texture, soft edges (what a phone makes of
 * a face against a white wall in diffuse light). Little detail per pixel, so a frugal JPEG
 * encoder packs one inch of it into far less than 40 KB. */
function drawSmoothPortrait(width: number, height: number): Raster {
  const r = new Raster(width, height, [250, 250, 250]);
  const cx = width * 0.5, cy = height * 0.4, rx = width * 0.24, ry = height * 0.2;
  const soft = (d: number, edge: number) => Math.min(1, Math.max(0, (d - (1 - edge)) / (2 * edge)));
  const mix = (a: Rgb, b: Rgb, t: number): Rgb => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = (x - cx) / rx, dy = (y - cy) / ry;
      const d = Math.sqrt(dx * dx + dy * dy);
      const hair = Math.sqrt(((x - cx) / (rx * 1.1)) ** 2 + ((y - cy + ry * 0.08) / (ry * 1.08)) ** 2);
      const half = width * (0.13 + 0.12 * Math.min(1, Math.max(0, (y - height * 0.72) / (height * 0.15))));
      const light = 1 - 0.12 * Math.max(-1, Math.min(1, dx)) - 0.05 * dy;
      const wall = 250 - 6 * ((x / width - 0.5) ** 2 + (y / height - 0.5) ** 2);
      let c: Rgb = [wall, wall, wall];
      const body = soft(Math.abs(x - cx) / half, 0.02);
      if (y >= height * 0.72) c = mix([70 * light, 80 * light, 120 * light], c, body);
      const neck = soft(Math.abs(x - cx) / (width * 0.09), 0.08);
      if (y > cy + ry * 0.7 && y < height * 0.74) c = mix([215 * light, 175 * light, 150 * light], c, neck);
      if (y < cy + ry * 0.3) c = mix([60, 48, 42], c, soft(hair, 0.03));
      const skin: Rgb = [225 * light, 185 * light, 160 * light];
      c = mix(skin, c, soft(d, 0.03));
      r.set(x, y, c);
    }
  }
  return r;
}

/** A smooth camera portrait (see `drawSmoothPortrait`), 1500 × 2000, over 80 KB only because
 * of its size: what WebKit's encoder cannot make 40 KB of at 295 × 413. */
export function smoothPortraitJpeg(): Buffer {
  return memo("smoothportrait", () => drawSmoothPortrait(1500, 2000).jpeg(92));
}

/** Encodes with the highest quality whose size is at most `maxBytes`, searching 1–100. */
function jpegNear(r: Raster, maxBytes: number): Buffer {
  let lo = 1, hi = 100, best = r.jpeg(1);
  while (lo <= hi) {
    const q = (lo + hi) >> 1;
    const b = r.jpeg(q);
    if (b.length <= maxBytes) {
      best = b;
      lo = q + 1;
    } else hi = q - 1;
  }
  return best;
}

const cache = new Map<string, Buffer>();
function memo(key: string, make: () => Buffer): Buffer {
  let b = cache.get(key);
  if (!b) {
    b = make();
    cache.set(key, b);
  }
  return b;
}

const KB = 1024;
export const PORTRAIT_MIN_BYTES = 40 * KB;
export const PORTRAIT_MAX_BYTES = 80 * KB;

function inWindow(b: Buffer, what: string, min: number, max: number): Buffer {
  if (b.length < min || b.length > max) {
    throw new Error(`${what}: ${b.length} bytes, outside ${min}–${max}`);
  }
  return b;
}

// ---------------------------------------------------------------------------------------------
// Good images

/** A sharp, well-exposed scanned form (申报表, certificates, 社保证明). */
export function documentJpeg(width = 1240, height = 1754, seed = 1): Buffer {
  return memo(`doc:${width}:${height}:${seed}`, () => drawForm(width, height, seed, PAPER).jpeg(88));
}

/** An ID card side, landscape, 85.6:54, sharp, mid-luminance. */
export function idCardJpeg(width = 1712, height = 1080, side: "front" | "back" = "front", seed = 2): Buffer {
  return memo(`id:${width}:${height}:${side}:${seed}`, () => {
    const r = new Raster(width, height, [0, 0, 0]);
    drawCard(r, rng(seed), 0, 0, width, height, side);
    r.noise(rng(seed + 100), 3);
    return r.jpeg(88);
  });
}

/** A 295 × 413 one-inch portrait on white, 55–65 KB (always inside 40–80 KB). */
export function portraitJpeg(seed = 3): Buffer {
  return memo(`portrait:${seed}`, () =>
    inWindow(jpegNear(drawPortrait(295, 413, seed, [248, 248, 248]), 62 * KB), "portraitJpeg", 55 * KB, 65 * KB),
  );
}

const BIG_CELL = 2;

/** A camera portrait on white, 1500 × 2000 (3:4), far over 80 KB: the fixer's input. */
export function bigPortraitJpeg(seed = 4, cellScale = BIG_CELL): Buffer {
  return memo(`bigportrait:${seed}:${cellScale}`, () => inWindow(drawPortrait(1500, 2000, seed, [246, 246, 246], cellScale).jpeg(85), "bigPortraitJpeg", 100 * KB, 4 * 1024 * KB));
}

/**
 * A 1475 × 2065 (exactly 25:35) portrait on white stored landscape (2065 × 1475, the camera
 * held sideways): with EXIF orientation 6 it is shown upright. See `exifRotated`.
 */
export function sidewaysPortraitJpeg(seed = 5): Buffer {
  return memo(`sideways:${seed}`, () => drawPortrait(1475, 2065, seed, [246, 246, 246]).rotated(true).jpeg(85));
}

/** A portrait too small to become 295 × 413 without enlarging (200 × 280 PNG). */
export function tinyPortraitPng(seed = 6): Buffer {
  return memo(`tiny:${seed}`, () => drawPortrait(200, 280, seed, [248, 248, 248]).png());
}

/**
 * `jpegBytes` with an EXIF APP1 segment right after SOI carrying only Orientation = `n`
 * (big-endian TIFF, IFD0 with one SHORT entry 0x0112).
 */
export function exifRotated(jpegBytes: Buffer, orientation: number): Buffer {
  if (jpegBytes[0] !== 0xff || jpegBytes[1] !== 0xd8) throw new Error("not a JPEG");
  const tiff = Buffer.alloc(8 + 2 + 12 + 4);
  tiff.write("MM", 0, "latin1");
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4); // IFD0 right after the header
  tiff.writeUInt16BE(1, 8); // one entry
  tiff.writeUInt16BE(0x0112, 10); // Orientation
  tiff.writeUInt16BE(3, 12); // SHORT
  tiff.writeUInt32BE(1, 14); // count
  tiff.writeUInt16BE(orientation, 18); // value, left-justified in the 4-byte field
  tiff.writeUInt32BE(0, 22); // no next IFD
  const payload = Buffer.concat([Buffer.from("Exif\0\0", "latin1"), tiff]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpegBytes.subarray(0, 2), header, payload, jpegBytes.subarray(2)]);
}

// ---------------------------------------------------------------------------------------------
// Bad files

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A PNG that declares `width` × `height` (IHDR and IEND only, no pixels). */
export function declaredPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([Buffer.from("\x89PNG\r\n\x1a\n", "latin1"), pngChunk("IHDR", ihdr), pngChunk("IEND", Buffer.alloc(0))]);
}

/** SOI and a JFIF APP0 segment: how a JPEG starts. */
const JFIF_HEAD = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);

/** `n` pseudo-random bytes that are never 0xFF (so they hold no JPEG marker). */
function garbage(n: number, seed: number): Buffer {
  const rand = rng(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 255);
  return b;
}

/** A real JPEG whose frame header (SOF0) gives its components sampling factors of 0: the
 * size is declared, but no decoder accepts the frame. */
function badSamplingJpeg(): Buffer {
  const b = Buffer.from(documentJpeg(1240, 1754, 11));
  for (let i = 2; i + 1 < b.length; i++) {
    if (b[i] === 0xff && b[i + 1] === 0xc0) {
      const components = b[i + 9];
      for (let c = 0; c < components; c++) b[i + 10 + c * 3 + 1] = 0x00;
      return b;
    }
  }
  throw new Error("no SOF0 in the JPEG");
}

export type BadFile = {
  /** The `data-problem` code the slot must show as its main problem. */
  code: string;
  /** The slot (`data-material`) to upload it into; all exist for condition （三）. */
  slot: string;
  /** A soft problem (warning with 仍然上传) rather than a refusal. */
  soft: boolean;
  file: UploadFile;
};

const jpg = (name: string, buffer: Buffer): UploadFile => ({ name, mimeType: "image/jpeg", buffer });

/** One file per problem code of the upload slots (two for `corrupt`). */
export function badFiles(): BadFile[] {
  const half = documentJpeg(1240, 1754, 12);
  const tooLarge = Buffer.alloc(10 * 1024 * 1024 + 1, 0x20);
  JFIF_HEAD.copy(tooLarge, 0);
  const hard = (code: string, slot: string, file: UploadFile): BadFile => ({ code, slot, soft: false, file });
  const soft = (code: string, slot: string, file: UploadFile): BadFile => ({ code, slot, soft: true, file });
  return [
    hard("empty", "application_form", jpg("empty.jpg", Buffer.alloc(0))),
    hard("too_large", "social_insurance_proof", jpg("huge.jpg", tooLarge)),
    hard("type_heic", "id_card_front", {
      name: "IMG_0001.HEIC",
      mimeType: "image/heic",
      buffer: Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from("ftypheic\0\0\0\0mif1heic", "latin1"), garbage(2048, 21)]),
    }),
    hard("type_pdf", "application_form", {
      name: "申报表.pdf",
      mimeType: "application/pdf",
      buffer: Buffer.from("%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n", "latin1"),
    }),
    hard("type_webp", "id_card_back", {
      name: "back.webp",
      mimeType: "image/webp",
      buffer: (() => {
        const body = Buffer.concat([Buffer.from("WEBPVP8 ", "latin1"), garbage(1024, 22)]);
        const size = Buffer.alloc(4);
        size.writeUInt32LE(body.length);
        return Buffer.concat([Buffer.from("RIFF", "latin1"), size, body]);
      })(),
    }),
    hard("type_gif", "application_form", jpg("form.gif", Buffer.concat([Buffer.from("GIF89a", "latin1"), Buffer.from([1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255]), Buffer.from(",\0\0\0\0\x01\0\x01\0\0\x02\x02D\x01\0;", "latin1")]))),
    hard("type_bmp", "intermediate_title_proof", {
      name: "title.bmp",
      mimeType: "image/bmp",
      buffer: (() => {
        const b = Buffer.alloc(54 + 16);
        b.write("BM", 0, "latin1");
        b.writeUInt32LE(b.length, 2);
        b.writeUInt32LE(54, 10);
        b.writeUInt32LE(40, 14);
        b.writeInt32LE(2, 18);
        b.writeInt32LE(2, 22);
        b.writeUInt16LE(1, 26);
        b.writeUInt16LE(24, 28);
        return b;
      })(),
    }),
    hard("type_other", "social_insurance_proof", jpg("社保证明.jpg", Buffer.from("这是一份文本文件，不是照片。\n".repeat(40), "utf8"))),
    hard("truncated", "application_form", jpg("half.jpg", half.subarray(0, Math.floor(half.length / 2)))),
    hard("corrupt", "id_card_front", jpg("garbage.jpg", Buffer.concat([JFIF_HEAD, garbage(48 * 1024, 23), Buffer.from([0xff, 0xd9])]))),
    hard("corrupt", "application_form", jpg("bad-frame.jpg", badSamplingJpeg())),
    hard("too_many_pixels", "intermediate_title_proof", { name: "scan.png", mimeType: "image/png", buffer: declaredPng(10000, 8000) }),
    hard("portrait_not_jpeg", "portrait", { name: "photo.png", mimeType: "image/png", buffer: portraitPng() }),
    hard("portrait_size", "portrait", jpg("small.jpg", smallPortraitJpeg())),
    soft("low_resolution", "application_form", jpg("small-form.jpg", documentJpeg(600, 800, 13))),
    soft("too_dark", "social_insurance_proof", jpg("dark.jpg", darkDocumentJpeg())),
    soft("too_bright", "intermediate_title_proof", jpg("bright.jpg", brightDocumentJpeg())),
    soft("blurry", "application_form", jpg("blurry.jpg", blurryDocumentJpeg())),
    soft("id_not_landscape", "id_card_front", jpg("front.jpg", idCardPortraitJpeg())),
    soft("id_proportion", "id_card_back", jpg("back.jpg", idCardSquareJpeg())),
    soft("portrait_background", "portrait", jpg("blue.jpg", bluePortraitJpeg())),
  ];
}

/** The white portrait as a PNG (295 × 413). */
export function portraitPng(seed = 7): Buffer {
  return memo(`portraitpng:${seed}`, () => drawPortrait(295, 413, seed, [248, 248, 248]).png());
}

/** A good 295 × 413 portrait JPEG under 40 KB (about 28 KB). */
export function smallPortraitJpeg(seed = 8): Buffer {
  return memo(`smallportrait:${seed}`, () => inWindow(jpegNear(drawPortrait(295, 413, seed, [248, 248, 248]), 28 * KB), "smallPortraitJpeg", 15 * KB, PORTRAIT_MIN_BYTES - 1));
}

/** A 295 × 413 portrait of 40–80 KB on a blue background. */
export function bluePortraitJpeg(seed = 9): Buffer {
  return memo(`blueportrait:${seed}`, () =>
    inWindow(jpegNear(drawPortrait(295, 413, seed, [60, 132, 214]), 62 * KB), "bluePortraitJpeg", PORTRAIT_MIN_BYTES, PORTRAIT_MAX_BYTES),
  );
}

/** A form photographed in a dark room: sharp, mean luminance well under 60. */
export function darkDocumentJpeg(seed = 14): Buffer {
  return memo(`dark:${seed}`, () => drawForm(1240, 1754, seed, { paper: [50, 48, 46], ink: [4, 4, 6], rule: [10, 10, 12], noise: 3, textShare: 0.72 }).jpeg(88));
}

/** A washed-out, nearly white form: sharp (a little faint text), mean luminance over 235. */
export function brightDocumentJpeg(seed = 15): Buffer {
  return memo(`bright:${seed}`, () => drawForm(1240, 1754, seed, { paper: [253, 253, 253], ink: [150, 150, 150], rule: [205, 205, 205], noise: 2, textShare: 0.45 }).jpeg(88));
}

/** The form out of focus: well exposed, no detail. */
export function blurryDocumentJpeg(seed = 16): Buffer {
  return memo(`blurry:${seed}`, () => {
    const r = drawForm(1240, 1754, seed, { ...PAPER, noise: 0 });
    r.blur(14);
    return r.jpeg(88);
  });
}

/** An ID card side photographed upright (1080 × 1712). */
export function idCardPortraitJpeg(seed = 17): Buffer {
  return memo(`idportrait:${seed}`, () => {
    const r = new Raster(1712, 1080, [0, 0, 0]);
    drawCard(r, rng(seed), 0, 0, 1712, 1080, "front");
    r.noise(rng(seed + 100), 3);
    return r.rotated(true).jpeg(88);
  });
}

/** An ID card back on a desk, photographed square (1600 × 1600). */
export function idCardSquareJpeg(seed = 18): Buffer {
  return memo(`idsquare:${seed}`, () => {
    const r = new Raster(1600, 1600, [128, 104, 82]);
    drawCard(r, rng(seed), 50, 327, 1500, 946, "back");
    r.noise(rng(seed + 100), 4);
    return r.jpeg(88);
  });
}

// ---------------------------------------------------------------------------------------------
// Decoding (to check what the backend stored)

/** Decodes a JPEG or PNG to RGBA. */
export function decode(bytes: Buffer): { width: number; height: number; data: Buffer } {
  if (bytes[0] === 0x89) return PNG.sync.read(bytes);
  return jpeg.decode(bytes, { maxMemoryUsageInMB: 1024 });
}
