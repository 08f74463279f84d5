//! 证件信息上传: `PUT`, `GET` and `DELETE /applications/{id}/documents/{material}`.
//!
//! The checks use the owner's application on an open plan other than the one the
//! applications checks follow (one application per plan), so that its status stays `draft`
//! whatever the applications checks did. The files are made here, not photographed: the
//! contract's [`sample`] files (a JPEG's or PNG's real structure around made-up data, 295 × 413
//! pixels declared), a GIF `GIF89a` and a little more, and bad files made from them. The
//! contract judges uploads by their bytes ([`check_document_file`]: type, declared pixel
//! size, structure and completeness, the portrait's window, proportions and pixel size),
//! never by decoding pixels or by the request's `Content-Type`, and the suite's files are
//! checked against that function in the unit tests.
//!
//! The cross-account check uses the other candidate the applications area registers
//! ([`applications::other`]); no check here registers an account.

use std::cell::OnceCell;

use baoming_contract::api::{Application, DocumentInfo};
use baoming_contract::eligibility::Material;
use baoming_contract::error::ErrorCode;
use baoming_contract::photo::{
    DocumentError, PORTRAIT_MAX_BYTES, PORTRAIT_MIN_BYTES, check_document_file, sniff,
};
use baoming_contract::photo_check::sample;
use baoming_contract::photo_warning::{FINDINGS_PARAM, PhotoWarning, WarningsError};
use sha2::{Digest, Sha256};

use super::applications::{self, UNKNOWN_APPLICATION_ID, application_path};
use super::{Check, CheckResult, Ctx, accounts};
use crate::client::{Request, Response, encode_segment};
use crate::cookie::Jar;
use crate::expect;

/// The size of the suite's ordinary document photos.
pub const DOCUMENT_BYTES: usize = 4096;
/// A portrait inside the contract's 40–80 KB window.
pub const PORTRAIT_OK_BYTES: usize = 50 * 1024;
/// A portrait below the window.
pub const PORTRAIT_SMALL_BYTES: usize = 30 * 1024;
const _: () = assert!(
    PORTRAIT_OK_BYTES as u64 >= PORTRAIT_MIN_BYTES
        && PORTRAIT_OK_BYTES as u64 <= PORTRAIT_MAX_BYTES
        && (PORTRAIT_SMALL_BYTES as u64) < PORTRAIT_MIN_BYTES
);
/// A slot the contract does not have.
const UNKNOWN_SLOT: &str = "selfie";

pub fn checks() -> Vec<Check> {
    let area = "documents";
    vec![
        Check::new(
            area,
            "PUT a JPEG to id_card_front answers 200 DocumentInfo (image/jpeg, its size, the SHA-256 of its bytes) and the application lists it",
            upload_jpeg,
        )
        .needs_dev(),
        Check::new(
            area,
            "GET answers the file byte for byte, with Content-Type image/jpeg and Cache-Control no-store",
            download,
        )
        .needs_dev(),
        Check::new(
            area,
            "a GIF (sent as image/jpeg) answers 415 unsupported_media_type and stores nothing",
            gif_refused,
        )
        .needs_dev(),
        Check::new(
            area,
            "a PNG portrait answers 422 validation_failed, fields.file portrait_not_jpeg",
            png_portrait,
        )
        .needs_dev(),
        Check::new(
            area,
            "a 30 KB JPEG portrait answers 422 validation_failed, fields.file portrait_too_small",
            small_portrait,
        )
        .needs_dev(),
        Check::new(
            area,
            "a PNG declaring 16384 × 16384 pixels answers 422 validation_failed, fields.file too_many_pixels, and stores nothing",
            huge_png,
        )
        .needs_dev(),
        Check::new(
            area,
            "a JPEG cut in half (no end marker) answers 422 validation_failed, fields.file truncated, and stores nothing",
            truncated_jpeg,
        )
        .needs_dev(),
        Check::new(
            area,
            "a PNG without its IEND chunk answers 422 validation_failed, fields.file truncated, and stores nothing",
            truncated_png,
        )
        .needs_dev(),
        Check::new(
            area,
            "JPEG magic bytes followed by HTML answer 422 validation_failed, fields.file corrupt, and store nothing",
            html_after_magic,
        )
        .needs_dev(),
        Check::new(
            area,
            "JPEG magic bytes and 50 KB of zeros as the portrait answer 422 validation_failed, fields.file corrupt",
            zeros_portrait,
        )
        .needs_dev(),
        Check::new(
            area,
            "a JPEG whose scan is all zeros answers 422 validation_failed, fields.file blank_scan",
            blank_scan,
        )
        .needs_dev(),
        Check::new(
            area,
            "an 81 KB JPEG portrait answers 422 validation_failed, fields.file portrait_too_large",
            large_portrait,
        )
        .needs_dev(),
        Check::new(
            area,
            "a square 413 × 413 JPEG portrait answers 422 validation_failed, fields.file portrait_proportion",
            square_portrait,
        )
        .needs_dev(),
        Check::new(
            area,
            "a 25:35 JPEG portrait of 250 × 350 pixels answers 422 validation_failed, fields.file portrait_low_resolution",
            tiny_portrait,
        )
        .needs_dev(),
        Check::new(
            area,
            "a 50 KB JPEG portrait answers 200 DocumentInfo",
            good_portrait,
        )
        .needs_dev(),
        Check::new(
            area,
            "PUT with ?findings=blurry,too_bright,blurry answers 200 DocumentInfo whose findings are too_bright, blurry (each once, in the contract's order) and the application lists them; a replacing PUT without findings answers and lists none",
            findings_stored,
        )
        .needs_dev(),
        Check::new(
            area,
            "PUT with a findings code that is no warning's (unknown, or a blocking finding's) answers 422 validation_failed, fields.findings unknown_finding; more codes than kinds too_many; the slot unchanged",
            findings_refused,
        )
        .needs_dev(),
        Check::new(
            area,
            "an unknown slot answers 404 not_found (PUT, GET, DELETE)",
            unknown_slot,
        )
        .needs_dev(),
        Check::new(
            area,
            "without a session PUT, GET and DELETE answer 401 unauthenticated",
            without_session,
        ),
        Check::new(
            area,
            "another account gets 404 not_found from PUT, GET and DELETE of the owner's documents, which stay unchanged",
            other_account,
        )
        .needs_dev(),
        Check::new(
            area,
            "DELETE answers 204; then GET answers 404 not_found and the application lists no file in the slot",
            delete,
        )
        .needs_dev(),
    ]
}

// ---------------------------------------------------------------- test files

/// The pixel size the suite's files declare: the portrait's, so any file fits any slot.
const WIDTH: u16 = 295;
const HEIGHT: u16 = 413;

/// A JPEG of 295 × 413 pixels and exactly `len` bytes (at least
/// [`sample::JPEG_OVERHEAD`] + 1); `fill` makes files of one size differ.
pub fn jpeg(len: usize, fill: u8) -> Vec<u8> {
    sample::jpeg(WIDTH, HEIGHT, len, fill)
}

/// A PNG of 295 × 413 pixels and exactly `len` bytes (at least [`sample::PNG_OVERHEAD`]).
pub fn png(len: usize) -> Vec<u8> {
    sample::png(u32::from(WIDTH), u32::from(HEIGHT), len, 7)
}

/// JPEG magic bytes (`FF D8 FF`) followed by `rest`.
fn after_magic(rest: &[u8]) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF];
    v.extend_from_slice(rest);
    v
}

/// A JPEG cut in half: its scan has no end.
fn cut_jpeg() -> Vec<u8> {
    let whole = jpeg(DOCUMENT_BYTES * 4, 0x31);
    whole[..whole.len() / 2].to_vec()
}

/// A PNG without its last chunk (`IEND`).
fn cut_png() -> Vec<u8> {
    let whole = png(DOCUMENT_BYTES);
    whole[..whole.len() - 12].to_vec()
}

fn huge_png_file() -> Vec<u8> {
    sample::png(16384, 16384, DOCUMENT_BYTES, 0x32)
}

fn html_file() -> Vec<u8> {
    after_magic(b"<html><head><title>x</title></head><body><script>alert(1)</script></body></html>")
}

fn blank_scan_file() -> Vec<u8> {
    sample::jpeg_parts(WIDTH, HEIGHT, &[], &[0; PORTRAIT_OK_BYTES])
}

/// A tiny GIF header: a type no upload slot accepts.
pub fn gif() -> Vec<u8> {
    b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec()
}

/// A file the contract accepts in `material`'s slot: a 50 KB JPEG for the portrait, a small
/// JPEG for any other slot; `n` makes the files of one application differ.
pub fn acceptable_file(material: Material, n: usize) -> Vec<u8> {
    // Truncation is fine: the fill only needs to differ between nearby `n`.
    let fill = 0x10u8.wrapping_add(n as u8);
    if material == Material::Portrait {
        jpeg(PORTRAIT_OK_BYTES, fill)
    } else {
        jpeg(DOCUMENT_BYTES + n, fill)
    }
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The media type the web app would send with `bytes` (a browser names the file's type).
fn content_type_of(bytes: &[u8]) -> &'static str {
    sniff(bytes)
        .document_content_type()
        .unwrap_or("application/octet-stream")
}

/// The contract's field reason for a file it refuses in `material`'s slot with
/// `validation_failed` (a bug in the suite otherwise).
fn refusal(material: Material, bytes: &[u8]) -> &'static str {
    match check_document_file(material, bytes).map_err(DocumentError::reason) {
        Err(Some(reason)) => reason,
        other => {
            panic!(
                "the suite's bad example for {material:?} is not a validation refusal: {other:?}"
            )
        }
    }
}

// ---------------------------------------------------------------- helpers

/// `/applications/{id}/documents/{slot}`.
pub fn document_path(id: &str, slot: &str) -> String {
    application_path(id, &format!("/documents/{}", encode_segment(slot)))
}

/// `PUT` of `bytes` into `slot`, sent as `content_type`.
fn put_as(
    ctx: &Ctx,
    jar: &Jar,
    id: &str,
    slot: &str,
    content_type: &str,
    bytes: &[u8],
) -> Result<Response, String> {
    ctx.client.send(
        Request::new("PUT", &document_path(id, slot))
            .cookies(jar)
            .bytes(content_type, bytes.to_vec()),
    )
}

/// `PUT` of `bytes` into `material`'s slot, with the media type the web app would send.
pub fn upload(
    ctx: &Ctx,
    jar: &Jar,
    id: &str,
    material: Material,
    bytes: &[u8],
) -> Result<Response, String> {
    put_as(ctx, jar, id, material.slug(), content_type_of(bytes), bytes)
}

fn get(ctx: &Ctx, jar: &Jar, id: &str, slot: &str) -> Result<Response, String> {
    ctx.client
        .send(Request::get(&document_path(id, slot)).cookies(jar))
}

fn delete_request(ctx: &Ctx, jar: &Jar, id: &str, slot: &str) -> Result<Response, String> {
    ctx.client
        .send(Request::new("DELETE", &document_path(id, slot)).cookies(jar))
}

/// `PUT` of `bytes` into `material`'s slot with `?findings=<list>` (the list as it is: the
/// codes and commas need no encoding).
fn upload_with_findings(
    ctx: &Ctx,
    jar: &Jar,
    id: &str,
    material: Material,
    list: &str,
    bytes: &[u8],
) -> Result<Response, String> {
    let path = format!(
        "{}?{FINDINGS_PARAM}={list}",
        document_path(id, material.slug())
    );
    ctx.client.send(
        Request::new("PUT", &path)
            .cookies(jar)
            .bytes(content_type_of(bytes), bytes.to_vec()),
    )
}

/// The answer's `findings` are exactly `expected` (read from the JSON itself, so that a code
/// the contract does not know is not silently left out).
fn findings_are(
    resp: &Response,
    json: &serde_json::Value,
    expected: &[PhotoWarning],
) -> CheckResult {
    let want: Vec<&str> = expected.iter().map(|w| w.code()).collect();
    let got = json.get("findings");
    expect::ensure(got == Some(&serde_json::json!(want)), || {
        format!(
            "{}: findings is {}, expected {want:?}",
            resp.what,
            got.map_or_else(|| "absent".to_owned(), |v| v.to_string())
        )
    })
}

/// What the document checks share within a run.
pub struct Shared {
    /// The id of the owner's application the checks upload to.
    application: OnceCell<Result<String, String>>,
    /// The JPEG in id_card_front and what uploading it answered.
    front: OnceCell<Result<Uploaded, String>>,
}

struct Uploaded {
    bytes: Vec<u8>,
    resp: Response,
    info: DocumentInfo,
}

impl Shared {
    pub fn new() -> Shared {
        Shared {
            application: OnceCell::new(),
            front: OnceCell::new(),
        }
    }
}

impl Default for Shared {
    fn default() -> Shared {
        Shared::new()
    }
}

/// The owner's application on an open plan other than the applications checks' one: created
/// (201) or found (200) by the first check that asks; it must be editable.
fn application_id(ctx: &Ctx) -> Result<&str, String> {
    ctx.documents
        .application
        .get_or_init(|| {
            let owner = applications::owner(ctx)?;
            let taken = applications::applications_plan(ctx)?;
            let plan = applications::open_plans(ctx)?
                .into_iter()
                .find(|p| p.id != taken.id)
                .ok_or_else(|| {
                    format!(
                        "no open plan besides {:?} to upload documents to (GET /plans; the seed has two)",
                        taken.id
                    )
                })?;
            let resp = applications::create_request(ctx, &owner.jar, &plan.id)?;
            let status = if resp.status == 200 { 200 } else { 201 };
            let app: Application = expect::json(&resp, status)?;
            expect::ensure(app.status.candidate_may_edit(), || {
                format!(
                    "{}: the application is {:?}; uploads need one the candidate may edit",
                    resp.what, app.status
                )
            })?;
            Ok(app.id)
        })
        .as_deref()
        .map_err(|e| format!("the application the documents checks upload to: {e}"))
}

/// The id_card_front upload, made by the first check that asks.
fn front(ctx: &Ctx) -> Result<&Uploaded, String> {
    ctx.documents
        .front
        .get_or_init(|| {
            let owner = applications::owner(ctx)?;
            let id = application_id(ctx)?;
            let bytes = jpeg(DOCUMENT_BYTES + 123, 0xA5);
            let resp = upload(ctx, &owner.jar, id, Material::IdCardFront, &bytes)?;
            let info: DocumentInfo = expect::json(&resp, 200)?;
            Ok(Uploaded { bytes, resp, info })
        })
        .as_ref()
        .map_err(|e| format!("uploading a JPEG to id_card_front failed: {e}"))
}

/// The answer is a 200 `DocumentInfo` describing `bytes` in `material`'s slot.
fn describes(
    resp: &Response,
    info: &DocumentInfo,
    material: Material,
    bytes: &[u8],
) -> CheckResult {
    let mut problems = Vec::new();
    if info.material != material {
        problems.push(format!(
            "material is {:?}, expected {}",
            info.material,
            material.slug()
        ));
    }
    let expected_type = sniff(bytes).document_content_type().unwrap_or("?");
    if info.content_type != expected_type {
        problems.push(format!(
            "content_type is {:?}, expected {expected_type:?} (read from the bytes)",
            info.content_type
        ));
    }
    if info.size_bytes != bytes.len() as u64 {
        problems.push(format!(
            "size_bytes is {}, expected {}",
            info.size_bytes,
            bytes.len()
        ));
    }
    let sha = sha256_hex(bytes);
    if info.sha256.len() != 64 || !info.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        problems.push(format!("sha256 {:?} is not 64 hex digits", info.sha256));
    } else if !info.sha256.eq_ignore_ascii_case(&sha) {
        problems.push(format!(
            "sha256 is {}, but the file's SHA-256 is {sha}",
            info.sha256
        ));
    }
    expect::ensure(problems.is_empty(), || {
        format!("{}: {}", resp.what, problems.join("; "))
    })?;
    accounts::recent(resp, "uploaded_at", info.uploaded_at)
}

/// The document the application lists in `material`'s slot.
fn listed(app: &Application, material: Material) -> Option<&DocumentInfo> {
    app.documents.iter().find(|d| d.material == material)
}

// ---------------------------------------------------------------- checks

fn upload_jpeg(ctx: &Ctx) -> CheckResult {
    let owner = applications::owner(ctx)?;
    let id = application_id(ctx)?;
    let up = front(ctx)?;
    describes(&up.resp, &up.info, Material::IdCardFront, &up.bytes)?;
    let app = applications::current(ctx, &owner.jar, id)?;
    expect::ensure(
        listed(&app, Material::IdCardFront) == Some(&up.info),
        || {
            format!(
                "GET /applications/{id}: documents are {:?}, expected them to hold the upload's {:?}",
                app.documents, up.info
            )
        },
    )
}

fn download(ctx: &Ctx) -> CheckResult {
    let owner = applications::owner(ctx)?;
    let id = application_id(ctx)?;
    let up = front(ctx)?;
    let resp = get(ctx, &owner.jar, id, Material::IdCardFront.slug())?;
    expect::status(&resp, 200)?;
    let media_type = resp.header("content-type").map(|v| {
        v.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    });
    expect::ensure(media_type.as_deref() == Some("image/jpeg"), || {
        format!(
            "{}: Content-Type is {:?}, expected image/jpeg",
            resp.what,
            resp.header("content-type")
        )
    })?;
    expect::ensure(expect::forbids_storing(&resp), || {
        format!(
            "{}: an identity document must not be cached: Cache-Control must contain no-store, got {:?}",
            resp.what,
            resp.headers_all("cache-control")
        )
    })?;
    expect::ensure(resp.bytes == up.bytes, || {
        format!(
            "{}: answered {} bytes (SHA-256 {}), expected the {} uploaded (SHA-256 {})",
            resp.what,
            resp.bytes.len(),
            sha256_hex(&resp.bytes),
            up.bytes.len(),
            sha256_hex(&up.bytes)
        )
    })
}

fn gif_refused(ctx: &Ctx) -> CheckResult {
    let owner = applications::owner(ctx)?;
    let id = application_id(ctx)?;
    let before = applications::current(ctx, &owner.jar, id)?;
    // Sent as a JPEG: the type is read from the bytes, never from the header.
    let resp = put_as(
        ctx,
        &owner.jar,
        id,
        Material::IdCardBack.slug(),
        "image/jpeg",
        &gif(),
    )?;
    expect::envelope_for(&resp, ErrorCode::UnsupportedMediaType)?;
    let after = applications::current(ctx, &owner.jar, id)?;
    expect::ensure(
        listed(&after, Material::IdCardBack) == listed(&before, Material::IdCardBack),
        || "the refused GIF changed the id_card_back slot".to_owned(),
    )
}

/// A refused portrait: 422 with `fields.file` the contract's reason, the slot unchanged.
fn portrait_refused(ctx: &Ctx, bytes: &[u8]) -> CheckResult {
    refused_in(ctx, Material::Portrait, bytes)
}

/// A refused file: 422 with `fields.file` the contract's reason; the slot unchanged (listed
/// as before, and GET answers what it answered before, byte for byte or 404).
fn refused_in(ctx: &Ctx, material: Material, bytes: &[u8]) -> CheckResult {
    let owner = applications::owner(ctx)?;
    let id = application_id(ctx)?;
    let reason = refusal(material, bytes);
    let before = applications::current(ctx, &owner.jar, id)?;
    let file_before = get(ctx, &owner.jar, id, material.slug())?;
    let resp = upload(ctx, &owner.jar, id, material, bytes)?;
    let env = expect::envelope_for(&resp, ErrorCode::ValidationFailed)?;
    expect::fields_exactly(&resp, &env, &[("file", reason)])?;
    let after = applications::current(ctx, &owner.jar, id)?;
    expect::ensure(
        listed(&after, material) == listed(&before, material),
        || {
            format!(
                "the refused file ({reason}) changed the {} slot",
                material.slug()
            )
        },
    )?;
    let file_after = get(ctx, &owner.jar, id, material.slug())?;
    expect::ensure(
        file_after.status == file_before.status && file_after.body == file_before.body,
        || {
            format!(
                "GET of the {} slot answered {} before the refused file ({reason}) and {} after, or other bytes",
                material.slug(),
                file_before.status,
                file_after.status
            )
        },
    )
}

fn huge_png(ctx: &Ctx) -> CheckResult {
    refused_in(ctx, Material::ApplicationForm, &huge_png_file())
}

fn truncated_jpeg(ctx: &Ctx) -> CheckResult {
    refused_in(ctx, Material::IdCardBack, &cut_jpeg())
}

fn truncated_png(ctx: &Ctx) -> CheckResult {
    refused_in(ctx, Material::ApplicationForm, &cut_png())
}

fn html_after_magic(ctx: &Ctx) -> CheckResult {
    refused_in(ctx, Material::IdCardBack, &html_file())
}

fn zeros_portrait(ctx: &Ctx) -> CheckResult {
    portrait_refused(ctx, &after_magic(&[0; PORTRAIT_OK_BYTES]))
}

fn blank_scan(ctx: &Ctx) -> CheckResult {
    portrait_refused(ctx, &blank_scan_file())
}

fn large_portrait(ctx: &Ctx) -> CheckResult {
    portrait_refused(ctx, &jpeg(PORTRAIT_MAX_BYTES as usize + 1024, 0x5B))
}

fn square_portrait(ctx: &Ctx) -> CheckResult {
    portrait_refused(ctx, &sample::jpeg(HEIGHT, HEIGHT, PORTRAIT_OK_BYTES, 0x5C))
}

fn tiny_portrait(ctx: &Ctx) -> CheckResult {
    portrait_refused(ctx, &sample::jpeg(250, 350, PORTRAIT_OK_BYTES, 0x5D))
}

fn png_portrait(ctx: &Ctx) -> CheckResult {
    portrait_refused(ctx, &png(PORTRAIT_OK_BYTES))
}

fn small_portrait(ctx: &Ctx) -> CheckResult {
    portrait_refused(ctx, &jpeg(PORTRAIT_SMALL_BYTES, 0x5A))
}

fn good_portrait(ctx: &Ctx) -> CheckResult {
    let owner = applications::owner(ctx)?;
    let id = application_id(ctx)?;
    let bytes = jpeg(PORTRAIT_OK_BYTES, 0x55);
    let resp = upload(ctx, &owner.jar, id, Material::Portrait, &bytes)?;
    let info: DocumentInfo = expect::json(&resp, 200)?;
    describes(&resp, &info, Material::Portrait, &bytes)?;
    let app = applications::current(ctx, &owner.jar, id)?;
    expect::ensure(listed(&app, Material::Portrait) == Some(&info), || {
        format!(
            "GET /applications/{id}: documents are {:?}, expected them to hold {info:?}",
            app.documents
        )
    })
}

fn findings_stored(ctx: &Ctx) -> CheckResult {
    let owner = applications::owner(ctx)?;
    let id = application_id(ctx)?;
    let material = Material::ApplicationForm;
    let expected = PhotoWarning::parse_list("too_bright,blurry")
        .map_err(|e| format!("the suite's own list: {e:?}"))?;
    let bytes = jpeg(DOCUMENT_BYTES + 7, 0x61);
    let resp = upload_with_findings(
        ctx,
        &owner.jar,
        id,
        material,
        "blurry,too_bright,blurry",
        &bytes,
    )?;
    let info: DocumentInfo = expect::json(&resp, 200)?;
    let json: serde_json::Value = expect::json(&resp, 200)?;
    describes(&resp, &info, material, &bytes)?;
    findings_are(&resp, &json, &expected)?;
    let app = applications::current(ctx, &owner.jar, id)?;
    expect::ensure(listed(&app, material) == Some(&info), || {
        format!(
            "GET /applications/{id}: documents are {:?}, expected them to hold {info:?}",
            app.documents
        )
    })?;
    // The findings belong to the file: a new file without any replaces them with none.
    let bytes = jpeg(DOCUMENT_BYTES + 8, 0x62);
    let resp = upload(ctx, &owner.jar, id, material, &bytes)?;
    let info: DocumentInfo = expect::json(&resp, 200)?;
    let json: serde_json::Value = expect::json(&resp, 200)?;
    describes(&resp, &info, material, &bytes)?;
    findings_are(&resp, &json, &[])?;
    let app = applications::current(ctx, &owner.jar, id)?;
    expect::ensure(listed(&app, material) == Some(&info), || {
        format!(
            "GET /applications/{id}: after a PUT without findings the documents are {:?}, expected them to hold {info:?}",
            app.documents
        )
    })
}

/// Findings lists the contract refuses, and why.
fn refused_findings() -> Vec<(String, WarningsError)> {
    let every = PhotoWarning::list(&PhotoWarning::ALL);
    vec![
        ("sunburnt".to_owned(), WarningsError::Unknown),
        ("too_dark,sunburnt".to_owned(), WarningsError::Unknown),
        // A blocking finding's code: such a file is never uploaded.
        ("corrupt".to_owned(), WarningsError::Unknown),
        (
            format!("{every},{}", PhotoWarning::ALL[0].code()),
            WarningsError::TooMany,
        ),
    ]
}

fn findings_refused(ctx: &Ctx) -> CheckResult {
    let owner = applications::owner(ctx)?;
    let id = application_id(ctx)?;
    let material = Material::IdCardBack;
    let before = applications::current(ctx, &owner.jar, id)?;
    for (list, error) in refused_findings() {
        let bytes = jpeg(DOCUMENT_BYTES + 9, 0x63);
        let resp = upload_with_findings(ctx, &owner.jar, id, material, &list, &bytes)?;
        let env = expect::envelope_for(&resp, ErrorCode::ValidationFailed)?;
        expect::fields_exactly(&resp, &env, &[(FINDINGS_PARAM, error.code())])?;
    }
    let after = applications::current(ctx, &owner.jar, id)?;
    expect::ensure(
        listed(&after, material) == listed(&before, material),
        || {
            format!(
                "a refused findings list changed the {} slot",
                material.slug()
            )
        },
    )
}

fn unknown_slot(ctx: &Ctx) -> CheckResult {
    let owner = applications::owner(ctx)?;
    let id = application_id(ctx)?;
    let bytes = jpeg(DOCUMENT_BYTES, 0x01);
    let answers = [
        put_as(ctx, &owner.jar, id, UNKNOWN_SLOT, "image/jpeg", &bytes)?,
        get(ctx, &owner.jar, id, UNKNOWN_SLOT)?,
        delete_request(ctx, &owner.jar, id, UNKNOWN_SLOT)?,
    ];
    for resp in &answers {
        expect::envelope_for(resp, ErrorCode::NotFound)?;
    }
    Ok(())
}

fn without_session(ctx: &Ctx) -> CheckResult {
    let id = UNKNOWN_APPLICATION_ID;
    let slot = Material::IdCardFront.slug();
    let none = Jar::default();
    let answers = [
        put_as(
            ctx,
            &none,
            id,
            slot,
            "image/jpeg",
            &jpeg(DOCUMENT_BYTES, 0x02),
        )?,
        get(ctx, &none, id, slot)?,
        delete_request(ctx, &none, id, slot)?,
    ];
    for resp in &answers {
        expect::envelope_for(resp, ErrorCode::Unauthenticated)?;
    }
    Ok(())
}

fn other_account(ctx: &Ctx) -> CheckResult {
    let owner = applications::owner(ctx)?;
    let id = application_id(ctx)?;
    let up = front(ctx)?;
    let other = applications::other(ctx)?;
    let before = applications::current(ctx, &owner.jar, id)?;
    let front_slot = Material::IdCardFront.slug();
    let answers = [
        upload(
            ctx,
            &other.jar,
            id,
            Material::IdCardFront,
            &jpeg(DOCUMENT_BYTES, 0x03),
        )?,
        upload(
            ctx,
            &other.jar,
            id,
            Material::Portrait,
            &jpeg(PORTRAIT_OK_BYTES, 0x04),
        )?,
        get(ctx, &other.jar, id, front_slot)?,
        get(ctx, &other.jar, id, Material::IdCardBack.slug())?,
        delete_request(ctx, &other.jar, id, front_slot)?,
    ];
    for resp in &answers {
        expect::envelope_for(resp, ErrorCode::NotFound)
            .map_err(|e| format!("another account: {e}"))?;
    }
    let after = applications::current(ctx, &owner.jar, id)?;
    expect::ensure(after.documents == before.documents, || {
        format!(
            "after another account's attempts the documents changed: {:?} → {:?}",
            before.documents, after.documents
        )
    })?;
    let resp = get(ctx, &owner.jar, id, front_slot)?;
    expect::status(&resp, 200)?;
    expect::ensure(resp.bytes == up.bytes, || {
        format!(
            "{}: after another account's attempts the file is not the owner's any more",
            resp.what
        )
    })
}

fn delete(ctx: &Ctx) -> CheckResult {
    let owner = applications::owner(ctx)?;
    let id = application_id(ctx)?;
    front(ctx)?;
    let slot = Material::IdCardFront.slug();
    let resp = delete_request(ctx, &owner.jar, id, slot)?;
    expect::no_content(&resp)?;
    let resp = get(ctx, &owner.jar, id, slot)?;
    expect::envelope_for(&resp, ErrorCode::NotFound)
        .map_err(|e| format!("after the delete: {e}"))?;
    let app = applications::current(ctx, &owner.jar, id)?;
    expect::ensure(listed(&app, Material::IdCardFront).is_none(), || {
        format!(
            "GET /applications/{id}: documents still list id_card_front after the delete: {:?}",
            app.documents
        )
    })
}

#[cfg(test)]
mod tests {
    use baoming_contract::photo::{PortraitError, Sniffed, check_portrait_file};

    use super::*;

    #[test]
    fn jpegs_are_jpegs_of_the_size_asked() {
        for len in [100, DOCUMENT_BYTES, PORTRAIT_SMALL_BYTES, PORTRAIT_OK_BYTES] {
            let file = jpeg(len, 0x42);
            assert_eq!(file.len(), len);
            assert_eq!(&file[..4], &[0xFF, 0xD8, 0xFF, 0xE0]);
            assert_eq!(sniff(&file), Sniffed::Jpeg);
        }
        assert_ne!(jpeg(100, 1), jpeg(100, 2));
    }

    #[test]
    fn the_files_are_judged_by_the_contract_as_the_checks_expect() {
        // Documents: JPEG and PNG pass, GIF is the wrong type.
        assert_eq!(
            check_document_file(Material::IdCardFront, &jpeg(DOCUMENT_BYTES, 1)),
            Ok(Sniffed::Jpeg)
        );
        assert_eq!(
            check_document_file(Material::IdCardBack, &png(DOCUMENT_BYTES)),
            Ok(Sniffed::Png)
        );
        assert_eq!(
            check_document_file(Material::IdCardBack, &gif()),
            Err(DocumentError::UnsupportedType(Sniffed::Gif))
        );
        // The portrait: only a JPEG of 40–80 KB.
        let portrait = |bytes: &[u8]| refusal(Material::Portrait, bytes);
        assert_eq!(portrait(&png(PORTRAIT_OK_BYTES)), "portrait_not_jpeg");
        assert_eq!(
            portrait(&jpeg(PORTRAIT_SMALL_BYTES, 0)),
            "portrait_too_small"
        );
        assert_eq!(
            portrait(&jpeg(PORTRAIT_MAX_BYTES as usize + 1024, 0)),
            "portrait_too_large"
        );
        assert_eq!(
            portrait(&sample::jpeg(HEIGHT, HEIGHT, PORTRAIT_OK_BYTES, 0)),
            "portrait_proportion"
        );
        assert_eq!(
            portrait(&sample::jpeg(250, 350, PORTRAIT_OK_BYTES, 0)),
            "portrait_low_resolution"
        );
        assert_eq!(portrait(&after_magic(&[0; PORTRAIT_OK_BYTES])), "corrupt");
        assert_eq!(portrait(&blank_scan_file()), "blank_scan");
        // Any slot: the structure, read without decoding.
        let form = |bytes: &[u8]| refusal(Material::ApplicationForm, bytes);
        assert_eq!(form(&huge_png_file()), "too_many_pixels");
        assert_eq!(form(&cut_jpeg()), "truncated");
        assert_eq!(form(&cut_png()), "truncated");
        assert_eq!(form(&html_file()), "corrupt");
        assert_eq!(check_portrait_file(&jpeg(PORTRAIT_OK_BYTES, 0)), Ok(()));
        assert_eq!(
            check_portrait_file(&jpeg(PORTRAIT_SMALL_BYTES, 0)),
            Err(PortraitError::TooSmall)
        );
        // Every slot accepts what the submission uploads to it, and the files differ.
        let mut seen = std::collections::HashSet::new();
        for (n, m) in Material::ALL.into_iter().enumerate() {
            let file = acceptable_file(m, n);
            assert!(check_document_file(m, &file).is_ok(), "{m:?}");
            assert!(seen.insert(sha256_hex(&file)), "{m:?} repeats a file");
        }
    }

    #[test]
    fn the_findings_lists_are_judged_by_the_contract_as_the_checks_expect() {
        for (list, error) in refused_findings() {
            assert_eq!(PhotoWarning::parse_list(&list), Err(error), "{list}");
        }
        let stored: Vec<&str> = PhotoWarning::parse_list("blurry,too_bright,blurry")
            .unwrap()
            .iter()
            .map(|w| w.code())
            .collect();
        assert_eq!(stored, ["too_bright", "blurry"]);
        assert_eq!(
            PhotoWarning::parse_list("blurry,too_bright,blurry"),
            PhotoWarning::parse_list("too_bright,blurry")
        );
    }

    #[test]
    fn uploads_are_labelled_as_a_browser_would() {
        assert_eq!(content_type_of(&jpeg(10, 0)), "image/jpeg");
        assert_eq!(content_type_of(&png(10)), "image/png");
        assert_eq!(content_type_of(&gif()), "application/octet-stream");
    }

    #[test]
    fn sha256_is_the_standard_one() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn paths_name_the_slot() {
        assert_eq!(
            document_path("app_1", "id_card_front"),
            "/applications/app_1/documents/id_card_front"
        );
        assert_eq!(
            document_path("a b", "x/y"),
            "/applications/a%20b/documents/x%2Fy"
        );
    }

    #[test]
    fn only_the_session_less_check_runs_without_development_mode() {
        let always: Vec<String> = checks()
            .into_iter()
            .filter(|c| !c.needs_dev)
            .map(|c| c.name)
            .collect();
        assert_eq!(
            always,
            ["documents: without a session PUT, GET and DELETE answer 401 unauthenticated"]
        );
    }
}
