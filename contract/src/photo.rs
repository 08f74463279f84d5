//! Photo limits: what the browser checks before upload and the backend re-checks on arrival.

use crate::eligibility::Material;
use crate::reason::Reason;

/// The portrait (个人照片) must be a JPG between these sizes, in bytes (40–80 KB, KB = 1024).
pub const PORTRAIT_MIN_BYTES: u64 = 40 * 1024;
pub const PORTRAIT_MAX_BYTES: u64 = 80 * 1024;
/// One inch (一寸) is 25 × 35 mm: 295 × 413 px at 300 dpi.
pub const PORTRAIT_WIDTH_PX: u32 = 295;
pub const PORTRAIT_HEIGHT_PX: u32 = 413;
/// The pixel sizes 自动处理 may give the portrait, smallest first: the one inch (25 × 35 mm)
/// at 300, 360, 420, 480, 540 and 600 dpi (millimetres × dpi / 25.4, rounded). 295 × 413 is
/// the size the registration guide names and the one every engine tries first. The larger
/// ones exist for the 40 KB floor, not for looks: WebKit's JPEG encoder (every iPhone
/// browser, WeChat's on iOS) packs 295 × 413 of a smooth, evenly lit portrait into 20–30 KB
/// even at its best quality, and the honest way to a 40 KB file is more real pixels of the
/// photo, never padding. A size is used only when the candidate's crop has at least as many
/// pixels (nothing is enlarged), and every one keeps 25:35 within the arrival check's
/// tolerance.
pub const PORTRAIT_SIZES: [(u32, u32); 6] = [
    (PORTRAIT_WIDTH_PX, PORTRAIT_HEIGHT_PX),
    (354, 496),
    (413, 579),
    (472, 661),
    (531, 744),
    (591, 827),
];
/// Any document photo (ID card sides, forms, certificates) may be at most this large.
pub const DOCUMENT_MAX_BYTES: u64 = 10 * 1024 * 1024;
/// Images whose declared size exceeds this are refused before decoding (memory).
pub const MAX_DECODE_PIXELS: u64 = 50_000_000;
/// Below this, text on a photographed A4 form cannot be read.
pub const DOCUMENT_MIN_SHORT_SIDE_PX: u32 = 800;
/// ID card: 85.6 × 54 mm; photos within this relative tolerance of the ratio pass.
pub const ID_CARD_ASPECT: f64 = 85.6 / 54.0;
pub const ID_CARD_ASPECT_TOLERANCE: f64 = 0.12;

/// A file type recognised from its first bytes (never from its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Jpeg,
    Png,
    Gif,
    WebP,
    Heic,
    Bmp,
    Pdf,
    Unknown,
}

impl Sniffed {
    /// The media type to store and serve the file with, for the types uploads accept.
    pub fn document_content_type(self) -> Option<&'static str> {
        match self {
            Sniffed::Jpeg => Some("image/jpeg"),
            Sniffed::Png => Some("image/png"),
            _ => None,
        }
    }
}

/// Recognises the type from the file's magic bytes.
pub fn sniff(bytes: &[u8]) -> Sniffed {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Sniffed::Jpeg,
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Sniffed::Png,
        [b'G', b'I', b'F', b'8', ..] => Sniffed::Gif,
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Sniffed::WebP,
        [
            _,
            _,
            _,
            _,
            b'f',
            b't',
            b'y',
            b'p',
            b'h',
            b'e',
            b'i',
            b'c' | b'x',
            ..,
        ]
        | [
            _,
            _,
            _,
            _,
            b'f',
            b't',
            b'y',
            b'p',
            b'm',
            b'i',
            b'f',
            b'1',
            ..,
        ] => Sniffed::Heic,
        [b'B', b'M', ..] => Sniffed::Bmp,
        [b'%', b'P', b'D', b'F', ..] => Sniffed::Pdf,
        _ => Sniffed::Unknown,
    }
}

/// Why the portrait file is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortraitError {
    NotJpeg,
    TooSmall,
    TooLarge,
}

/// Field reasons (`fields.file`) for a refused upload.
pub mod reason {
    use crate::reason::Reason;

    pub const PORTRAIT_NOT_JPEG: &str = Reason::PortraitNotJpeg.code();
    pub const PORTRAIT_TOO_SMALL: &str = Reason::PortraitTooSmall.code();
    pub const PORTRAIT_TOO_LARGE: &str = Reason::PortraitTooLarge.code();
    /// Starts like a JPEG or PNG but its structure does not parse (no frame header, a
    /// segment that is not one, text after the magic bytes).
    pub const CORRUPT: &str = Reason::Corrupt.code();
    /// Stops before its image does: no JPEG end marker after the scan, no PNG `IEND`.
    pub const TRUNCATED: &str = Reason::Truncated.code();
    /// A JPEG whose scan holds nothing but zero bytes.
    pub const BLANK_SCAN: &str = Reason::BlankScan.code();
    /// Declares more than [`super::MAX_DECODE_PIXELS`] pixels.
    pub const TOO_MANY_PIXELS: &str = Reason::TooManyPixels.code();
    /// The portrait's width:height is not 25:35 (within the contract's tolerance).
    pub const PORTRAIT_PROPORTION: &str = Reason::PortraitProportion.code();
    /// The portrait has fewer than 295 × 413 pixels.
    pub const PORTRAIT_LOW_RESOLUTION: &str = Reason::PortraitLowResolution.code();
}

impl PortraitError {
    /// The reason in the error envelope's `fields`.
    pub fn reason(self) -> Reason {
        match self {
            PortraitError::NotJpeg => Reason::PortraitNotJpeg,
            PortraitError::TooSmall => Reason::PortraitTooSmall,
            PortraitError::TooLarge => Reason::PortraitTooLarge,
        }
    }

    /// The reason in `fields.file`.
    pub fn code(self) -> &'static str {
        self.reason().code()
    }
}

/// Why an uploaded file is refused for a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentError {
    /// Over [`DOCUMENT_MAX_BYTES`] (`payload_too_large`).
    TooLarge,
    /// Neither JPEG nor PNG (`unsupported_media_type`); what the bytes are instead.
    UnsupportedType(Sniffed),
    /// The portrait slot's own rule (`validation_failed`, `fields.file`).
    Portrait(PortraitError),
    /// The rest answer `validation_failed` with [`DocumentError::reason`] in `fields.file`:
    /// see [`reason`].
    Corrupt,
    Truncated,
    BlankScan,
    TooManyPixels,
    PortraitProportion,
    PortraitLowResolution,
}

impl DocumentError {
    /// The reason in `fields.file`, for the refusals that answer `validation_failed`.
    pub fn reason(self) -> Option<&'static str> {
        match self {
            DocumentError::TooLarge | DocumentError::UnsupportedType(_) => None,
            DocumentError::Portrait(e) => Some(e.code()),
            DocumentError::Corrupt => Some(reason::CORRUPT),
            DocumentError::Truncated => Some(reason::TRUNCATED),
            DocumentError::BlankScan => Some(reason::BLANK_SCAN),
            DocumentError::TooManyPixels => Some(reason::TOO_MANY_PIXELS),
            DocumentError::PortraitProportion => Some(reason::PORTRAIT_PROPORTION),
            DocumentError::PortraitLowResolution => Some(reason::PORTRAIT_LOW_RESOLUTION),
        }
    }
}

/// The backend's arrival check for any slot, on the whole file, before anything is stored:
/// [`check_document`], then the structure read without decoding pixels (declared size,
/// completeness, a scan that is not blank) and the portrait's proportions and pixel size.
/// See [`crate::photo_check::check_arrival`]. Returns the recognised type.
pub fn check_document_file(material: Material, bytes: &[u8]) -> Result<Sniffed, DocumentError> {
    crate::photo_check::check_arrival(material, bytes)
}

/// The cheap part of [`check_document_file`], from the file's first bytes (at least
/// [`SNIFF_BYTES`]) and its size: the size, the type by content and the portrait's window.
pub fn check_document(
    material: Material,
    head: &[u8],
    size: u64,
) -> Result<Sniffed, DocumentError> {
    if size > DOCUMENT_MAX_BYTES {
        return Err(DocumentError::TooLarge);
    }
    let sniffed = sniff(head);
    if sniffed.document_content_type().is_none() {
        return Err(DocumentError::UnsupportedType(sniffed));
    }
    if material == Material::Portrait {
        check_portrait(head, size).map_err(DocumentError::Portrait)?;
    }
    Ok(sniffed)
}

/// Enough leading bytes to recognise every type [`sniff`] knows.
pub const SNIFF_BYTES: usize = 16;

/// The backend's arrival check for the portrait: JPEG bytes, 40–80 KB.
pub fn check_portrait_file(bytes: &[u8]) -> Result<(), PortraitError> {
    check_portrait(bytes, bytes.len() as u64)
}

/// [`check_portrait_file`] from the first bytes and the size.
pub fn check_portrait(head: &[u8], len: u64) -> Result<(), PortraitError> {
    if sniff(head) != Sniffed::Jpeg {
        return Err(PortraitError::NotJpeg);
    }
    if len < PORTRAIT_MIN_BYTES {
        Err(PortraitError::TooSmall)
    } else if len > PORTRAIT_MAX_BYTES {
        Err(PortraitError::TooLarge)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content() {
        let table: [(&[u8], Sniffed); 8] = [
            (&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0], Sniffed::Jpeg),
            (b"\x89PNG\r\n\x1a\n....", Sniffed::Png),
            (b"GIF89a", Sniffed::Gif),
            (b"RIFF\0\0\0\0WEBPVP8 ", Sniffed::WebP),
            (b"\0\0\0\x18ftypheic\0\0", Sniffed::Heic),
            (b"BM....", Sniffed::Bmp),
            (b"%PDF-1.7", Sniffed::Pdf),
            (b"hello", Sniffed::Unknown),
        ];
        for (bytes, t) in table {
            assert_eq!(sniff(bytes), t);
        }
        assert_eq!(sniff(&[]), Sniffed::Unknown);
    }

    #[test]
    fn documents_accept_jpeg_and_png_and_the_portrait_only_its_window() {
        let jpeg = |n: usize| {
            let mut v = vec![0u8; n];
            v[..4].copy_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
            v
        };
        let png = b"\x89PNG\r\n\x1a\n....".to_vec();
        // The magic bytes and the size only; the structure is photo_check's (its tests).
        let head_check = |m: Material, bytes: &[u8]| check_document(m, bytes, bytes.len() as u64);
        assert_eq!(
            head_check(Material::IdCardFront, &jpeg(100)),
            Ok(Sniffed::Jpeg)
        );
        assert_eq!(
            head_check(Material::ApplicationForm, &png),
            Ok(Sniffed::Png)
        );
        assert_eq!(
            head_check(Material::IdCardBack, b"GIF89a...."),
            Err(DocumentError::UnsupportedType(Sniffed::Gif))
        );
        assert_eq!(
            head_check(Material::IdCardBack, &[]),
            Err(DocumentError::UnsupportedType(Sniffed::Unknown))
        );
        assert_eq!(
            head_check(Material::IdCardBack, &jpeg(DOCUMENT_MAX_BYTES as usize + 1)),
            Err(DocumentError::TooLarge)
        );
        assert!(head_check(Material::IdCardBack, &jpeg(DOCUMENT_MAX_BYTES as usize)).is_ok());
        assert_eq!(
            head_check(Material::Portrait, &jpeg(50 * 1024)),
            Ok(Sniffed::Jpeg)
        );
        assert_eq!(
            head_check(Material::Portrait, &png),
            Err(DocumentError::Portrait(PortraitError::NotJpeg))
        );
        assert_eq!(
            head_check(Material::Portrait, &jpeg(30 * 1024)),
            Err(DocumentError::Portrait(PortraitError::TooSmall))
        );
        assert_eq!(PortraitError::TooLarge.code(), "portrait_too_large");
        assert_eq!(Sniffed::Png.document_content_type(), Some("image/png"));
        assert_eq!(Sniffed::Heic.document_content_type(), None);
    }

    #[test]
    fn portrait_window_is_inclusive() {
        let jpeg = |n: usize| {
            let mut v = vec![0u8; n];
            v[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
            v
        };
        assert_eq!(
            check_portrait_file(&jpeg(40 * 1024 - 1)),
            Err(PortraitError::TooSmall)
        );
        assert_eq!(check_portrait_file(&jpeg(40 * 1024)), Ok(()));
        assert_eq!(check_portrait_file(&jpeg(80 * 1024)), Ok(()));
        assert_eq!(
            check_portrait_file(&jpeg(80 * 1024 + 1)),
            Err(PortraitError::TooLarge)
        );
        assert_eq!(
            check_portrait_file(&[0x89, b'P', b'N', b'G']),
            Err(PortraitError::NotJpeg)
        );
        assert_eq!(
            PORTRAIT_WIDTH_PX * 35,
            PORTRAIT_HEIGHT_PX * 25,
            "295 × 413 is exactly 25:35"
        );
    }
}
