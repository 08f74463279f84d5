//! The browser's verdict on a picked file, before anything is sent. It is reached in steps,
//! cheapest first, so a bad file is refused before the expensive ones:
//!
//! 1. [`check_head`]: the size, the real type from the bytes, and the pixel size the image
//!    declares (a 200-megapixel "photo" is refused before it is decoded);
//! 2. completeness: a JPEG must reach its end marker after its scan ([`JpegEndScan`], fed in
//!    chunks so a 10 MB photo is never held whole), a PNG must end with `IEND`
//!    ([`png_is_complete`]);
//! 3. the browser decodes a small copy; if it cannot, the file is [`Finding::Corrupt`];
//! 4. [`judge_pixels`]: what a reviewer would reject by eye, from [`photo_quality`].
//!
//! Every finding has a stable [`Finding::code`] (the page shows it as `data-problem`) and says
//! whether it [`blocks`](Finding::blocks) the upload and whether the portrait fix
//! ([`Finding::fixable`]) takes care of it.

use crate::eligibility::Material;
use crate::photo::{self, Sniffed};
use crate::photo_quality::{self, Analysis, PhotoProblem};

/// How much of a file is read to find its type, EXIF orientation and frame size (a phone's
/// EXIF block with its thumbnail and ICC profile comes before the frame header).
pub const HEAD_BYTES: usize = 256 * 1024;
/// The JPEG end-marker scan reads the file in chunks of this size.
pub const SCAN_CHUNK_BYTES: usize = 1024 * 1024;
/// The largest copy of a photo the browser keeps decoded (iOS draws canvases above
/// 16.7 megapixels blank): bigger photos are decoded resized.
pub const WORKING_MAX_PIXELS: u64 = 16_000_000;

/// One thing wrong with a picked file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finding {
    /// Zero bytes.
    Empty,
    /// Over [`photo::DOCUMENT_MAX_BYTES`].
    TooLarge,
    /// Not JPEG or PNG; what the bytes are instead.
    Type(Sniffed),
    /// The file stops before its image does (an interrupted transfer or copy).
    Truncated,
    /// No readable image inside (no frame header, or the browser cannot decode it).
    Corrupt,
    /// The declared pixel size would take too much memory to decode.
    TooManyPixels,
    /// The portrait slot takes JPG only (a PNG can be converted by the fix).
    PortraitNotJpeg,
    /// The portrait's file size is outside 40–80 KB.
    PortraitSize { bytes: u64 },
    /// A measured problem: resolution, exposure, sharpness, proportion, background.
    Photo(PhotoProblem),
}

impl Finding {
    /// One finding of every kind (each code once), for tests that must cover them all.
    pub const EVERY_KIND: [Finding; 22] = [
        Finding::Empty,
        Finding::TooLarge,
        Finding::Type(Sniffed::Heic),
        Finding::Type(Sniffed::Pdf),
        Finding::Type(Sniffed::WebP),
        Finding::Type(Sniffed::Gif),
        Finding::Type(Sniffed::Bmp),
        Finding::Type(Sniffed::Unknown),
        Finding::Truncated,
        Finding::Corrupt,
        Finding::TooManyPixels,
        Finding::PortraitNotJpeg,
        Finding::PortraitSize { bytes: 1 },
        Finding::Photo(PhotoProblem::LowResolution),
        Finding::Photo(PhotoProblem::TooDark),
        Finding::Photo(PhotoProblem::TooBright),
        Finding::Photo(PhotoProblem::Blurry),
        Finding::Photo(PhotoProblem::IdCardNotLandscape),
        Finding::Photo(PhotoProblem::IdCardProportion),
        Finding::Photo(PhotoProblem::PortraitProportion),
        Finding::Photo(PhotoProblem::PortraitBackground),
        Finding::Photo(PhotoProblem::PortraitTooSmall),
    ];

    /// The stable code (`data-problem` in the page, and the key of its message).
    pub fn code(self) -> &'static str {
        match self {
            Finding::Empty => "empty",
            Finding::TooLarge => "too_large",
            Finding::Type(Sniffed::Heic) => "type_heic",
            Finding::Type(Sniffed::Pdf) => "type_pdf",
            Finding::Type(Sniffed::WebP) => "type_webp",
            Finding::Type(Sniffed::Gif) => "type_gif",
            Finding::Type(Sniffed::Bmp) => "type_bmp",
            Finding::Type(_) => "type_other",
            Finding::Truncated => "truncated",
            Finding::Corrupt => "corrupt",
            Finding::TooManyPixels => "too_many_pixels",
            Finding::PortraitNotJpeg => "portrait_not_jpeg",
            Finding::PortraitSize { .. } => "portrait_size",
            Finding::Photo(p) => p.code(),
        }
    }

    /// Whether the file cannot be uploaded as it is (the backend would refuse it, or there is
    /// no image in it). The others are warnings the candidate may override; a file uploaded
    /// with them carries them ([`crate::photo_warning::PhotoWarning`]).
    pub const fn blocks(self) -> bool {
        !matches!(
            self,
            Finding::Photo(p) if !matches!(p, PhotoProblem::TooManyPixels)
        )
    }

    /// Whether the portrait fix (crop to 25:35, resize to 295 × 413, re-encode as a JPG of
    /// 40–80 KB) takes care of it.
    pub fn fixable(self) -> bool {
        matches!(
            self,
            Finding::PortraitNotJpeg
                | Finding::PortraitSize { .. }
                | Finding::Photo(PhotoProblem::PortraitProportion)
        )
    }
}

impl PhotoProblem {
    /// The stable code of a measured problem.
    pub fn code(self) -> &'static str {
        match self {
            PhotoProblem::TooManyPixels => "too_many_pixels",
            PhotoProblem::LowResolution => "low_resolution",
            PhotoProblem::TooDark => "too_dark",
            PhotoProblem::TooBright => "too_bright",
            PhotoProblem::Blurry => "blurry",
            PhotoProblem::IdCardNotLandscape => "id_not_landscape",
            PhotoProblem::IdCardProportion => "id_proportion",
            PhotoProblem::PortraitProportion => "portrait_proportion",
            PhotoProblem::PortraitBackground => "portrait_background",
            PhotoProblem::PortraitTooSmall => "portrait_too_small",
        }
    }
}

/// What the first bytes say about a file that is worth decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub kind: Sniffed,
    /// The pixel size as shown, after the EXIF orientation.
    pub width: u32,
    pub height: u32,
    /// EXIF orientation, 1–8 (1 when absent).
    pub orientation: u8,
}

/// The head check. `Err` holds the finding that ends the checks (nothing more can be
/// learned); `Ok` holds the facts and the findings that still let the photo be decoded
/// (the portrait's format and size, which the fix can cure).
pub fn check_head(
    material: Material,
    head: &[u8],
    size: u64,
) -> Result<(Facts, Vec<Finding>), Finding> {
    if size == 0 {
        return Err(Finding::Empty);
    }
    if size > photo::DOCUMENT_MAX_BYTES {
        return Err(Finding::TooLarge);
    }
    let kind = photo::sniff(head);
    if kind.document_content_type().is_none() {
        return Err(Finding::Type(kind));
    }
    let (w, h) = photo_quality::declared_size(head).ok_or(Finding::Corrupt)?;
    if w == 0 || h == 0 {
        return Err(Finding::Corrupt);
    }
    if u64::from(w) * u64::from(h) > photo::MAX_DECODE_PIXELS {
        return Err(Finding::TooManyPixels);
    }
    let orientation = if kind == Sniffed::Jpeg {
        exif_orientation(head)
    } else {
        1
    };
    let (width, height) = if orientation >= 5 { (h, w) } else { (w, h) };
    let mut findings = Vec::new();
    if material == Material::Portrait {
        match photo::check_portrait(head, size) {
            Err(photo::PortraitError::NotJpeg) => findings.push(Finding::PortraitNotJpeg),
            Err(_) => findings.push(Finding::PortraitSize { bytes: size }),
            Ok(()) => {}
        }
    }
    Ok((
        Facts {
            kind,
            width,
            height,
            orientation,
        },
        findings,
    ))
}

/// The measured findings for a decoded photo (`facts` from [`check_head`], `analysis` of a
/// small copy), after the head's own findings.
pub fn judge_pixels(material: Material, facts: &Facts, analysis: &Analysis) -> Vec<Finding> {
    let mut found: Vec<Finding> =
        photo_quality::judge(material, facts.width, facts.height, analysis)
            .into_iter()
            .map(Finding::Photo)
            .collect();
    if material == Material::Portrait {
        let (_, _, cw, ch) = photo_quality::portrait_crop(facts.width, facts.height);
        if !photo_quality::portrait_crop_is_large_enough(cw, ch) {
            found.push(Finding::Photo(PhotoProblem::PortraitTooSmall));
        }
    }
    found
}

/// Whether the portrait fix should be offered for these findings.
pub fn fix_applies(material: Material, findings: &[Finding]) -> bool {
    material == Material::Portrait
        && findings.iter().any(|f| f.fixable())
        && !findings.iter().any(|f| {
            matches!(
                f,
                Finding::Photo(PhotoProblem::PortraitTooSmall)
                    | Finding::Empty
                    | Finding::TooLarge
                    | Finding::Type(_)
                    | Finding::Truncated
                    | Finding::Corrupt
                    | Finding::TooManyPixels
            )
        })
}

/// A size that fits `width` × `height` inside `max_side` on both sides (never larger).
pub fn fit_side(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max_side {
        return (width, height);
    }
    let scale = f64::from(max_side) / f64::from(long);
    (
        ((f64::from(width) * scale).round() as u32).max(1),
        ((f64::from(height) * scale).round() as u32).max(1),
    )
}

/// A size that keeps `width` × `height` under `max_pixels` (never larger).
pub fn fit_pixels(width: u32, height: u32, max_pixels: u64) -> (u32, u32) {
    let pixels = u64::from(width) * u64::from(height);
    if pixels <= max_pixels {
        return (width, height);
    }
    let scale = (max_pixels as f64 / pixels as f64).sqrt();
    (
        ((f64::from(width) * scale).floor() as u32).max(1),
        ((f64::from(height) * scale).floor() as u32).max(1),
    )
}

/// The EXIF orientation (1–8) a JPEG declares in its APP1 segment; 1 when it declares none.
pub fn exif_orientation(head: &[u8]) -> u8 {
    exif_orientation_opt(head).unwrap_or(1)
}

fn exif_orientation_opt(head: &[u8]) -> Option<u8> {
    if !head.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut i = 2;
    while i + 4 <= head.len() {
        if head[i] != 0xFF {
            return None;
        }
        let marker = head[i + 1];
        if marker == 0xDA || marker == 0xD9 {
            return None;
        }
        let len = usize::from(u16::from_be_bytes([head[i + 2], head[i + 3]]));
        let body = head.get(i + 4..(i + 2 + len).min(head.len()))?;
        if marker == 0xE1 && body.starts_with(b"Exif\0\0") {
            return tiff_orientation(&body[6..]);
        }
        i += 2 + len;
    }
    None
}

fn tiff_orientation(tiff: &[u8]) -> Option<u8> {
    let big = match tiff.get(0..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |o: usize| -> Option<u16> {
        let b: [u8; 2] = tiff.get(o..o + 2)?.try_into().ok()?;
        Some(if big {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_at = |o: usize| -> Option<u32> {
        let b: [u8; 4] = tiff.get(o..o + 4)?.try_into().ok()?;
        Some(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let ifd = u32_at(4)? as usize;
    let count = usize::from(u16_at(ifd)?);
    for n in 0..count.min(256) {
        let entry = ifd + 2 + n * 12;
        if u16_at(entry)? == 0x0112 {
            let value = u16_at(entry + 8)?;
            return (1..=8).contains(&value).then_some(value as u8);
        }
    }
    None
}

/// Whether a PNG ends with its `IEND` chunk, from its last bytes.
pub fn png_is_complete(tail: &[u8]) -> bool {
    tail.ends_with(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82])
}

/// Walks a JPEG's segments and entropy-coded data, fed in chunks, to find the end-of-image
/// marker that follows its scan. A marker's bytes never occur inside entropy-coded data
/// (0xFF is stuffed as FF 00), so the first EOI after a scan is the image's end, even when a
/// phone appends more after it (a motion photo's video). EOI inside the EXIF thumbnail does
/// not count: segments are skipped by their length.
#[derive(Debug, Clone, Default)]
pub struct JpegEndScan {
    state: ScanState,
    seen_scan: bool,
    complete: bool,
    /// Bytes fed so far.
    offset: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum ScanState {
    /// Expecting FF D8.
    #[default]
    Soi0,
    Soi1,
    /// Between segments: expecting FF.
    Seek,
    /// After FF: the marker.
    Marker,
    /// The segment length's high byte, for this marker.
    LenHi(u8),
    LenLo(u8, u8),
    /// Skipping a segment's body; then entropy-coded data follows if it was SOS.
    Skip {
        left: u32,
        sos: bool,
    },
    Entropy,
    EntropyFf,
}

impl JpegEndScan {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next bytes of the file; returns true once the end has been found (the
    /// rest need not be read).
    pub fn feed(&mut self, chunk: &[u8]) -> bool {
        let mut i = 0;
        while i < chunk.len() && !self.complete {
            let b = chunk[i];
            self.state = match self.state {
                ScanState::Soi0 if b == 0xFF => ScanState::Soi1,
                ScanState::Soi1 if b == 0xD8 => ScanState::Seek,
                ScanState::Soi0 | ScanState::Soi1 => {
                    // Not a JPEG: it can never be complete.
                    self.offset += (chunk.len() - i) as u64;
                    return false;
                }
                ScanState::Seek if b == 0xFF => ScanState::Marker,
                ScanState::Seek => ScanState::Seek,
                ScanState::Marker => self.after_marker(b),
                ScanState::LenHi(m) => ScanState::LenLo(m, b),
                ScanState::LenLo(m, hi) => {
                    let len = u32::from(u16::from_be_bytes([hi, b]));
                    ScanState::Skip {
                        left: len.saturating_sub(2),
                        sos: m == 0xDA,
                    }
                }
                ScanState::Skip { left, sos } => {
                    // Skip as much of the body as this chunk holds, at once.
                    let take = (left as usize).min(chunk.len() - i);
                    i += take;
                    self.offset += take as u64;
                    let left = left - take as u32;
                    self.state = if left > 0 {
                        ScanState::Skip { left, sos }
                    } else if sos {
                        self.seen_scan = true;
                        ScanState::Entropy
                    } else {
                        ScanState::Seek
                    };
                    continue;
                }
                ScanState::Entropy => {
                    match chunk[i..].iter().position(|&x| x == 0xFF) {
                        Some(p) => {
                            i += p + 1;
                            self.offset += (p + 1) as u64;
                            self.state = ScanState::EntropyFf;
                        }
                        None => {
                            self.offset += (chunk.len() - i) as u64;
                            i = chunk.len();
                        }
                    }
                    continue;
                }
                ScanState::EntropyFf => match b {
                    0x00 | 0xD0..=0xD7 => ScanState::Entropy,
                    0xFF => ScanState::EntropyFf,
                    _ => self.after_marker(b),
                },
            };
            i += 1;
            self.offset += 1;
        }
        self.complete
    }

    fn after_marker(&mut self, marker: u8) -> ScanState {
        match marker {
            0xD9 => {
                self.complete = self.seen_scan;
                ScanState::Seek
            }
            // Fill bytes, and markers without a length.
            0xFF => ScanState::Marker,
            0x01 | 0xD0..=0xD8 => ScanState::Seek,
            m => ScanState::LenHi(m),
        }
    }

    /// Whether the image's end was found after its scan.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Scans a whole file at once.
    pub fn file_is_complete(bytes: &[u8]) -> bool {
        let mut scan = Self::new();
        scan.feed(bytes)
    }
}

/// The backend's arrival check on a whole file, before anything is stored (see
/// [`photo::check_document_file`], which calls it). The same rules as the browser's, in the
/// same order, cheapest first: size and type ([`check_head`]: the declared pixel size is read
/// without decoding, so a 256-megapixel PNG costs nothing), then the structure
/// ([`check_structure`]: a JPEG's markers, a PNG's chunks, completeness by
/// [`JpegEndScan`] / [`png_is_complete`]), then the portrait's window and its proportions and
/// pixel size ([`judge_pixels`], whose other measurements stay warnings the candidate may
/// override, so they are not the backend's business).
pub fn check_arrival(material: Material, bytes: &[u8]) -> Result<Sniffed, photo::DocumentError> {
    use photo::DocumentError;
    let size = bytes.len() as u64;
    let (facts, _) = check_head(material, bytes, size).map_err(|finding| match finding {
        Finding::TooLarge => DocumentError::TooLarge,
        Finding::TooManyPixels => DocumentError::TooManyPixels,
        Finding::Type(found) => DocumentError::UnsupportedType(found),
        // Zero bytes are no type at all, as before this check read structures.
        Finding::Empty => DocumentError::UnsupportedType(Sniffed::Unknown),
        _ => DocumentError::Corrupt,
    })?;
    check_structure(bytes).map_err(|e| match e {
        Structure::Corrupt => DocumentError::Corrupt,
        Structure::Truncated => DocumentError::Truncated,
        Structure::BlankScan => DocumentError::BlankScan,
    })?;
    if material == Material::Portrait {
        photo::check_portrait(bytes, size).map_err(DocumentError::Portrait)?;
        // Only the declared size matters here: a neutral analysis adds no other finding.
        let neutral = Analysis {
            mean_luma: 128.0,
            sharpness: f64::MAX,
            white_border: 1.0,
            ..Analysis::EMPTY
        };
        for finding in judge_pixels(material, &facts, &neutral) {
            match finding {
                Finding::Photo(PhotoProblem::PortraitProportion) => {
                    return Err(DocumentError::PortraitProportion);
                }
                Finding::Photo(PhotoProblem::PortraitTooSmall) => {
                    return Err(DocumentError::PortraitLowResolution);
                }
                _ => {}
            }
        }
    }
    Ok(facts.kind)
}

/// What is wrong with a file's structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Structure {
    /// Not a JPEG's markers or a PNG's chunks (text after the magic bytes, zeros, no frame
    /// header before the scan, bytes after a PNG's `IEND`).
    Corrupt,
    /// Ends before the image does.
    Truncated,
    /// A JPEG whose first scan is nothing but zero bytes.
    BlankScan,
}

/// Reads a whole JPEG's or PNG's structure without decoding pixels.
///
/// A small parser of our own rather than a crate such as `imagesize`: the browser runs the
/// same code in the wasm (no new dependency there), the crate reads the size only (not
/// completeness, nor whether the segments before the frame are segments), and the walk is
/// a few dozen lines tested below case by case.
pub fn check_structure(bytes: &[u8]) -> Result<(), Structure> {
    match photo::sniff(bytes) {
        Sniffed::Jpeg => jpeg_structure(bytes),
        Sniffed::Png => png_structure(bytes),
        _ => Err(Structure::Corrupt),
    }
}

/// SOI, then segments (each `FF`, a marker, a length) up to the first scan, which needs a
/// frame header before it; the scan must hold something other than zeros, and
/// [`JpegEndScan`] must find the end marker after it.
fn jpeg_structure(bytes: &[u8]) -> Result<(), Structure> {
    let mut i = 2;
    let mut frame = false;
    loop {
        match bytes.get(i) {
            None => return Err(Structure::Truncated),
            Some(0xFF) => {}
            Some(_) => return Err(Structure::Corrupt),
        }
        // Fill bytes: any number of FF before the marker.
        while bytes.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let marker = *bytes.get(i + 1).ok_or(Structure::Truncated)?;
        match marker {
            // Markers without a length (TEM, restart markers).
            0x01 | 0xD0..=0xD7 => {
                i += 2;
                continue;
            }
            // Another SOI, an end before any scan, or not a marker (00 and 02–BF).
            0xD8 | 0xD9 | 0x00 | 0x02..=0xBF => return Err(Structure::Corrupt),
            _ => {}
        }
        let len = match bytes.get(i + 2..i + 4) {
            Some(&[hi, lo]) => usize::from(u16::from_be_bytes([hi, lo])),
            _ => return Err(Structure::Truncated),
        };
        if len < 2 {
            return Err(Structure::Corrupt);
        }
        let end = i + 2 + len;
        if end > bytes.len() {
            return Err(Structure::Truncated);
        }
        let is_frame = (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_frame {
            // Precision, height, width, component count.
            if len < 8 {
                return Err(Structure::Corrupt);
            }
            frame = true;
        }
        if marker == 0xDA {
            if !frame {
                return Err(Structure::Corrupt);
            }
            return jpeg_scan(bytes, end);
        }
        i = end;
    }
}

/// The entropy-coded data from `start` on: blank when it is all zeros up to the next
/// marker, complete when [`JpegEndScan`] finds the end marker.
fn jpeg_scan(bytes: &[u8], start: usize) -> Result<(), Structure> {
    let data = &bytes[start..];
    let blank = match data.iter().position(|&b| b != 0) {
        None => true,
        // A stuffed FF 00 or a restart marker is data; any other marker ends the scan.
        Some(p) => data[p] == 0xFF && !matches!(data.get(p + 1), Some(0x00 | 0xD0..=0xD7) | None),
    };
    if !JpegEndScan::file_is_complete(bytes) {
        return Err(Structure::Truncated);
    }
    if blank {
        return Err(Structure::BlankScan);
    }
    Ok(())
}

/// The signature, an `IHDR` chunk first, chunks (length, a four-letter type, data, CRC) up to
/// `IEND`, at least one `IDAT` before it, nothing after it ([`png_is_complete`]).
fn png_structure(bytes: &[u8]) -> Result<(), Structure> {
    let mut i = 8;
    let mut first = true;
    let mut data = false;
    loop {
        let Some(head) = bytes.get(i..i + 8) else {
            return Err(Structure::Truncated);
        };
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind = &head[4..8];
        if !kind.iter().all(u8::is_ascii_alphabetic) || (first && (kind != b"IHDR" || len != 13)) {
            return Err(Structure::Corrupt);
        }
        first = false;
        let end = i
            .checked_add(12)
            .and_then(|n| n.checked_add(len))
            .ok_or(Structure::Corrupt)?;
        if end > bytes.len() {
            return Err(Structure::Truncated);
        }
        match kind {
            b"IDAT" => data = true,
            b"IEND" if !data || end != bytes.len() || !png_is_complete(bytes) => {
                return Err(Structure::Corrupt);
            }
            b"IEND" => return Ok(()),
            _ => {}
        }
        i = end;
    }
}

/// Made-up files with a real structure (no pixels a decoder could show), for the tests of
/// every crate: the arrival check accepts them, and cut or altered they show each refusal.
pub mod sample {
    /// A baseline JPEG of `width` × `height`: SOI, APP0 (JFIF), a comment of `comment`, a
    /// frame header, a scan of `scan` (which must not hold `FF`), EOI.
    pub fn jpeg_parts(width: u16, height: u16, comment: &[u8], scan: &[u8]) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8];
        v.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10]);
        v.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        v.extend_from_slice(&[0xFF, 0xFE]);
        v.extend_from_slice(&(comment.len() as u16 + 2).to_be_bytes());
        v.extend_from_slice(comment);
        v.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 0x08]);
        v.extend_from_slice(&height.to_be_bytes());
        v.extend_from_slice(&width.to_be_bytes());
        v.extend_from_slice(&[0x01, 0x01, 0x11, 0x00]);
        v.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
        v.extend_from_slice(scan);
        v.extend_from_slice(&[0xFF, 0xD9]);
        v
    }

    /// The bytes of [`jpeg_parts`] besides the scan, with a 16-byte comment.
    pub const JPEG_OVERHEAD: usize = 65;

    /// A JPEG of `width` × `height` and exactly `len` bytes (at least [`JPEG_OVERHEAD`] + 1);
    /// `fill` makes files of the same size differ.
    pub fn jpeg(width: u16, height: u16, len: usize, fill: u8) -> Vec<u8> {
        let scan: Vec<u8> = (0..len.saturating_sub(JPEG_OVERHEAD).max(1))
            .map(|k| (k % 0xFE) as u8 + 1)
            .collect();
        jpeg_parts(width, height, &[fill; 16], &scan)
    }

    /// The bytes of [`png`] besides its `IDAT` data.
    pub const PNG_OVERHEAD: usize = 57;

    /// A PNG of `width` × `height` and exactly `len` bytes (at least [`PNG_OVERHEAD`]): the
    /// signature, `IHDR`, one `IDAT` of `fill` bytes, `IEND`, each with its CRC.
    pub fn png(width: u32, height: u32, len: usize, fill: u8) -> Vec<u8> {
        let mut ihdr = Vec::with_capacity(13);
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
        chunk(&mut v, b"IHDR", &ihdr);
        chunk(
            &mut v,
            b"IDAT",
            &vec![fill; len.saturating_sub(PNG_OVERHEAD)],
        );
        chunk(&mut v, b"IEND", &[]);
        v
    }

    fn chunk(v: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        v.extend_from_slice(&(data.len() as u32).to_be_bytes());
        v.extend_from_slice(kind);
        v.extend_from_slice(data);
        let mut crc = !0u32;
        for &b in kind.iter().chain(data) {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        v.extend_from_slice(&(!crc).to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SOI, an APP1 EXIF segment (with a thumbnail that has its own EOI), SOF0, SOS with
    /// stuffed bytes and a restart marker, then EOI.
    fn jpeg(orientation: Option<u16>, big_endian: bool) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8];
        if let Some(o) = orientation {
            let mut tiff = Vec::new();
            if big_endian {
                tiff.extend_from_slice(b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01");
                tiff.extend_from_slice(&o.to_be_bytes());
            } else {
                tiff.extend_from_slice(b"II\x2a\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0");
                tiff.extend_from_slice(&o.to_le_bytes());
            }
            tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
            // A fake thumbnail, with an EOI that must not end the scan.
            tiff.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xD9]);
            let len = (2 + 6 + tiff.len()) as u16;
            v.extend_from_slice(&[0xFF, 0xE1]);
            v.extend_from_slice(&len.to_be_bytes());
            v.extend_from_slice(b"Exif\0\0");
            v.extend_from_slice(&tiff);
        }
        // SOF0: 8-bit, 300 high, 400 wide, one component.
        v.extend_from_slice(&[
            0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x01, 0x2C, 0x01, 0x90, 0x01, 1, 0x11, 0,
        ]);
        // SOS header (length 8), then entropy data with FF 00 and a restart marker.
        v.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
        v.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0x78]);
        v.extend_from_slice(&[0xFF, 0xD9]);
        v
    }

    #[test]
    fn the_end_marker_is_found_after_the_scan_in_any_chunking() {
        let file = jpeg(Some(6), true);
        assert!(JpegEndScan::file_is_complete(&file));
        for size in 1..8 {
            let mut scan = JpegEndScan::new();
            let mut done = false;
            for chunk in file.chunks(size) {
                done = scan.feed(chunk);
            }
            assert!(done, "chunks of {size}");
        }
        // A motion photo: more bytes after EOI do not matter.
        let mut motion = file.clone();
        motion.extend_from_slice(&[0u8; 100]);
        assert!(JpegEndScan::file_is_complete(&motion));
    }

    #[test]
    fn a_cut_jpeg_is_incomplete_even_with_a_thumbnail_eoi() {
        let file = jpeg(Some(1), true);
        for cut in [2, 10, 40, file.len() - 6, file.len() - 1] {
            assert!(!JpegEndScan::file_is_complete(&file[..cut]), "cut at {cut}");
        }
        assert!(!JpegEndScan::file_is_complete(b"\x89PNG\r\n\x1a\n"));
    }

    #[test]
    fn exif_orientation_in_both_byte_orders() {
        assert_eq!(exif_orientation(&jpeg(Some(6), true)), 6);
        assert_eq!(exif_orientation(&jpeg(Some(8), false)), 8);
        assert_eq!(exif_orientation(&jpeg(None, true)), 1);
        assert_eq!(exif_orientation(&jpeg(Some(42), true)), 1);
        assert_eq!(exif_orientation(b"not a jpeg"), 1);
        // Cut in the middle of the EXIF block: no panic, no orientation.
        assert_eq!(exif_orientation(&jpeg(Some(6), true)[..20]), 1);
    }

    #[test]
    fn the_head_check_orients_and_refuses_cheaply() {
        let file = jpeg(Some(6), true);
        let (facts, findings) = check_head(Material::IdCardFront, &file, 2_000_000).unwrap();
        // Stored 400 × 300, shown rotated: 300 × 400.
        assert_eq!(
            (facts.width, facts.height, facts.orientation),
            (300, 400, 6)
        );
        assert!(findings.is_empty());
        assert_eq!(
            check_head(Material::IdCardFront, &[], 0),
            Err(Finding::Empty)
        );
        assert_eq!(
            check_head(Material::IdCardFront, &file, photo::DOCUMENT_MAX_BYTES + 1),
            Err(Finding::TooLarge)
        );
        assert_eq!(
            check_head(Material::IdCardFront, b"%PDF-1.7 ........", 5000),
            Err(Finding::Type(Sniffed::Pdf))
        );
        // A JPEG without a frame header.
        assert_eq!(
            check_head(
                Material::IdCardFront,
                &[0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0x20, 0x20],
                10
            ),
            Err(Finding::Corrupt)
        );
        // A PNG that declares 10000 × 8000.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&10_000u32.to_be_bytes());
        png.extend_from_slice(&8_000u32.to_be_bytes());
        assert_eq!(
            check_head(Material::ApplicationForm, &png, 9000),
            Err(Finding::TooManyPixels)
        );
        // The portrait's own rules are findings the fix can cure, not the end.
        let mut png_ok = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png_ok.extend_from_slice(&1000u32.to_be_bytes());
        png_ok.extend_from_slice(&1400u32.to_be_bytes());
        let (_, found) = check_head(Material::Portrait, &png_ok, 300_000).unwrap();
        assert_eq!(found, vec![Finding::PortraitNotJpeg]);
        let (_, found) = check_head(Material::Portrait, &file, 300_000).unwrap();
        assert_eq!(found, vec![Finding::PortraitSize { bytes: 300_000 }]);
        assert!(found.iter().all(|f| f.blocks() && f.fixable()));
    }

    #[test]
    fn pixel_findings_and_when_the_fix_applies() {
        let good = Analysis {
            mean_luma: 150.0,
            sharpness: 100.0,
            white_border: 1.0,
            ..Analysis::EMPTY
        };
        let facts = |width, height| Facts {
            kind: Sniffed::Jpeg,
            width,
            height,
            orientation: 1,
        };
        let wide = judge_pixels(Material::Portrait, &facts(3000, 2000), &good);
        assert_eq!(wide, vec![Finding::Photo(PhotoProblem::PortraitProportion)]);
        assert!(!wide[0].blocks() && wide[0].fixable());
        assert!(fix_applies(Material::Portrait, &wide));
        let tiny = judge_pixels(Material::Portrait, &facts(200, 280), &good);
        assert!(tiny.contains(&Finding::Photo(PhotoProblem::PortraitTooSmall)));
        let mut with_size = tiny.clone();
        with_size.push(Finding::PortraitSize { bytes: 10_000 });
        assert!(!fix_applies(Material::Portrait, &with_size));
        assert!(!fix_applies(Material::IdCardFront, &wide));
        let dark = Analysis {
            mean_luma: 20.0,
            ..good
        };
        let found = judge_pixels(Material::ApplicationForm, &facts(1240, 1754), &dark);
        assert_eq!(found, vec![Finding::Photo(PhotoProblem::TooDark)]);
        assert!(!found[0].blocks() && !found[0].fixable());
    }

    #[test]
    fn every_finding_has_its_own_code() {
        use std::collections::HashSet;
        let all = Finding::EVERY_KIND;
        let codes: HashSet<_> = all.iter().map(|f| f.code()).collect();
        assert_eq!(codes.len(), all.len());
    }

    #[test]
    fn sizes_fit_without_enlarging() {
        assert_eq!(fit_side(4032, 3024, 512), (512, 384));
        assert_eq!(fit_side(300, 200, 512), (300, 200));
        let (w, h) = fit_pixels(8000, 6000, WORKING_MAX_PIXELS);
        assert!(u64::from(w) * u64::from(h) <= WORKING_MAX_PIXELS);
        assert!((f64::from(w) / f64::from(h) - 4.0 / 3.0).abs() < 0.01);
        assert_eq!(fit_pixels(4032, 3024, WORKING_MAX_PIXELS), (4032, 3024));
    }

    #[test]
    fn png_completeness_reads_the_tail() {
        let mut tail = vec![1, 2, 3];
        tail.extend_from_slice(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]);
        assert!(png_is_complete(&tail));
        assert!(!png_is_complete(&tail[..tail.len() - 1]));
    }

    #[test]
    fn the_arrival_check_refuses_each_bad_file_with_its_own_error() {
        use photo::{DocumentError as E, PortraitError};
        use sample::{jpeg, jpeg_parts, png};
        const KB: usize = 1024;
        let form = jpeg(1240, 1754, 4 * KB, 1);
        let mut html = vec![0xFF, 0xD8, 0xFF];
        html.extend_from_slice(b"<html><body><script>alert(1)</script></body></html>");
        let mut zeros = vec![0xFF, 0xD8, 0xFF];
        zeros.extend_from_slice(&[0; 50 * KB]);
        let mut after_iend = png(800, 600, 2 * KB, 3);
        after_iend.extend_from_slice(b"more");
        let mut no_frame = form.clone();
        // SOF0 becomes APP1: a segment of the same length, so no frame before the scan.
        let sof = no_frame.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        no_frame[sof + 1] = 0xE1;
        type Case = (&'static str, Material, Vec<u8>, Result<Sniffed, E>);
        let table: Vec<Case> = vec![
            (
                "a form",
                Material::ApplicationForm,
                form.clone(),
                Ok(Sniffed::Jpeg),
            ),
            (
                "a PNG form",
                Material::ApplicationForm,
                png(1240, 1754, 3 * KB, 1),
                Ok(Sniffed::Png),
            ),
            (
                "a portrait",
                Material::Portrait,
                jpeg(295, 413, 50 * KB, 2),
                Ok(Sniffed::Jpeg),
            ),
            (
                "a large portrait",
                Material::Portrait,
                jpeg(590, 826, 80 * KB, 2),
                Ok(Sniffed::Jpeg),
            ),
            (
                "a sideways ID card",
                Material::IdCardFront,
                jpeg(300, 400, 2 * KB, 2),
                Ok(Sniffed::Jpeg),
            ),
            (
                "256 MP",
                Material::ApplicationForm,
                png(16384, 16384, 2 * KB, 1),
                Err(E::TooManyPixels),
            ),
            (
                "50 MP and one row",
                Material::ApplicationForm,
                png(10_000, 5_001, 2 * KB, 1),
                Err(E::TooManyPixels),
            ),
            (
                "cut JPEG",
                Material::ApplicationForm,
                form[..form.len() / 2].to_vec(),
                Err(E::Truncated),
            ),
            (
                "cut in a segment",
                Material::ApplicationForm,
                form[..56].to_vec(),
                Err(E::Truncated),
            ),
            (
                "JPEG without EOI",
                Material::ApplicationForm,
                form[..form.len() - 2].to_vec(),
                Err(E::Truncated),
            ),
            (
                "cut PNG",
                Material::ApplicationForm,
                {
                    let p = png(800, 600, 2 * KB, 3);
                    p[..p.len() - 12].to_vec()
                },
                Err(E::Truncated),
            ),
            (
                "bytes after IEND",
                Material::ApplicationForm,
                after_iend,
                Err(E::Corrupt),
            ),
            (
                "HTML after the magic",
                Material::ApplicationForm,
                html,
                Err(E::Corrupt),
            ),
            (
                "zeros after the magic",
                Material::Portrait,
                zeros,
                Err(E::Corrupt),
            ),
            (
                "no frame header",
                Material::ApplicationForm,
                no_frame,
                Err(E::Corrupt),
            ),
            (
                "a blank scan",
                Material::Portrait,
                jpeg_parts(295, 413, &[], &[0; 50 * KB]),
                Err(E::BlankScan),
            ),
            (
                "an empty scan",
                Material::ApplicationForm,
                jpeg_parts(800, 600, &[], &[]),
                Err(E::BlankScan),
            ),
            (
                "PNG portrait",
                Material::Portrait,
                png(295, 413, 50 * KB, 4),
                Err(E::Portrait(PortraitError::NotJpeg)),
            ),
            (
                "39 KB portrait",
                Material::Portrait,
                jpeg(295, 413, 39 * KB, 4),
                Err(E::Portrait(PortraitError::TooSmall)),
            ),
            (
                "81 KB portrait",
                Material::Portrait,
                jpeg(295, 413, 81 * KB, 4),
                Err(E::Portrait(PortraitError::TooLarge)),
            ),
            (
                "a square portrait",
                Material::Portrait,
                jpeg(413, 413, 50 * KB, 4),
                Err(E::PortraitProportion),
            ),
            (
                "a landscape portrait",
                Material::Portrait,
                jpeg(413, 295, 50 * KB, 4),
                Err(E::PortraitProportion),
            ),
            (
                "a tiny portrait",
                Material::Portrait,
                jpeg(200, 280, 50 * KB, 4),
                Err(E::PortraitLowResolution),
            ),
            (
                "a GIF",
                Material::ApplicationForm,
                b"GIF89a\x01\0\x01\0\0\0\0;".to_vec(),
                Err(E::UnsupportedType(Sniffed::Gif)),
            ),
            (
                "nothing",
                Material::ApplicationForm,
                Vec::new(),
                Err(E::UnsupportedType(Sniffed::Unknown)),
            ),
        ];
        for (what, material, bytes, expected) in table {
            assert_eq!(
                photo::check_document_file(material, &bytes),
                expected,
                "{what}"
            );
        }
    }

    #[test]
    fn the_samples_have_the_size_asked_and_refusals_their_own_reasons() {
        for len in [66, 100, 4096, 50 * 1024] {
            assert_eq!(sample::jpeg(295, 413, len, 7).len(), len);
        }
        for len in [57, 100, 4096] {
            assert_eq!(sample::png(10, 10, len, 7).len(), len);
        }
        assert_ne!(
            sample::jpeg(295, 413, 4096, 1),
            sample::jpeg(295, 413, 4096, 2)
        );
        assert_eq!(
            photo_quality::declared_size(&sample::jpeg(295, 413, 4096, 1)),
            Some((295, 413))
        );
        // The stable reasons match the browser's finding codes where both exist, so its
        // messages serve the backend's refusals too.
        use photo::DocumentError as E;
        assert_eq!(E::Truncated.reason(), Some(Finding::Truncated.code()));
        assert_eq!(E::Corrupt.reason(), Some(Finding::Corrupt.code()));
        assert_eq!(
            E::TooManyPixels.reason(),
            Some(Finding::TooManyPixels.code())
        );
        assert_eq!(
            E::PortraitProportion.reason(),
            Some(PhotoProblem::PortraitProportion.code())
        );
        let all = [
            E::Portrait(photo::PortraitError::NotJpeg),
            E::Portrait(photo::PortraitError::TooSmall),
            E::Portrait(photo::PortraitError::TooLarge),
            E::Corrupt,
            E::Truncated,
            E::BlankScan,
            E::TooManyPixels,
            E::PortraitProportion,
            E::PortraitLowResolution,
        ];
        let reasons: std::collections::HashSet<_> = all.iter().filter_map(|e| e.reason()).collect();
        assert_eq!(reasons.len(), all.len());
        assert_eq!(E::TooLarge.reason(), None);
    }

    #[test]
    fn fill_bytes_and_restart_markers_are_structure() {
        let mut file = sample::jpeg(800, 600, 200, 1);
        // FF fill before the frame header's marker, and a restart marker in the scan.
        let sof = file.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        file.insert(sof, 0xFF);
        let end = file.len() - 2;
        file.splice(end..end, [0xFF, 0xD0, 0x11]);
        assert_eq!(check_structure(&file), Ok(()));
        assert_eq!(check_structure(b"GIF89a"), Err(Structure::Corrupt));
        assert_eq!(
            check_structure(&[0xFF, 0xD8, 0xFF]),
            Err(Structure::Truncated)
        );
        let mut png = sample::png(10, 10, 100, 1);
        png[12..16].copy_from_slice(b"IDAT");
        assert_eq!(check_structure(&png), Err(Structure::Corrupt), "IHDR first");
    }
}
