//! Uploads re-checked on arrival with the browser's rules (`baoming_contract::photo_check`):
//! the real type, the declared pixel size before any decoding, completeness, a scan that is
//! not blank, and the portrait's window, proportions and pixel size. Each bad file answers
//! 422 `validation_failed` with its own `fields.file` reason and stores nothing: an empty
//! slot stays empty, a filled one keeps its file. Also: leftover `.tmp-*` files of uploads
//! interrupted by a crash are removed when the state opens.

mod common;

use std::fs;
use std::time::{Duration, SystemTime};

use baoming_contract::api::{Application, DocumentInfo};
use baoming_contract::photo_check::sample;
use baoming_contract::photo_warning::PhotoWarning;
use baoming_server::files::{self, STALE_TEMP_AGE, TEMP_PREFIX};
use common::journey::{Call, application, created, dev_app};
use common::{Reply, TempDir, TestApp};

const PHONE: &str = "13700137000";
const KB: usize = 1024;

fn doc_uri(id: &str, slot: &str) -> String {
    format!("/api/v1/applications/{id}/documents/{slot}")
}

async fn upload(app: &TestApp, cookie: &str, id: &str, slot: &str, bytes: Vec<u8>) -> Reply {
    Call::new("PUT", doc_uri(id, slot))
        .cookie(cookie)
        .bytes(bytes, "image/jpeg")
        .send(app)
        .await
}

async fn download(app: &TestApp, cookie: &str, id: &str, slot: &str) -> Reply {
    Call::new("GET", doc_uri(id, slot))
        .cookie(cookie)
        .send(app)
        .await
}

/// A registered candidate's new application on the first plan.
async fn candidate(app: &TestApp) -> (String, Application) {
    created(app, PHONE).await
}

/// The names in `files/` under the data directory.
fn stored_files(app: &TestApp) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(app.state.config.data_dir.join("files"))
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// `FF D8 FF` and then `rest`: JPEG magic bytes in front of something else.
fn after_magic(rest: &[u8]) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF];
    v.extend_from_slice(rest);
    v
}

/// Every bad file, with its slot and its reason.
fn bad_files() -> Vec<(&'static str, &'static str, Vec<u8>, &'static str)> {
    let form = sample::jpeg(1240, 1754, 200 * KB, 1);
    let html = b"<html><head><title>x</title></head><body><script>alert(1)</script></body></html>";
    vec![
        (
            "a PNG declaring 16384 x 16384",
            "application_form",
            sample::png(16384, 16384, 4 * KB, 9),
            "too_many_pixels",
        ),
        (
            "a JPEG cut in half",
            "id_card_front",
            form[..form.len() / 2].to_vec(),
            "truncated",
        ),
        (
            "a JPEG without its end marker",
            "id_card_back",
            form[..form.len() - 2].to_vec(),
            "truncated",
        ),
        (
            "a PNG without IEND",
            "application_form",
            {
                let png = sample::png(1240, 1754, 8 * KB, 3);
                png[..png.len() - 12].to_vec()
            },
            "truncated",
        ),
        (
            "FF D8 FF and 50 KB of zeros as the portrait",
            "portrait",
            after_magic(&[0; 50 * KB]),
            "corrupt",
        ),
        (
            "FF D8 FF and HTML",
            "id_card_front",
            after_magic(html),
            "corrupt",
        ),
        (
            "a JPEG whose scan is all zeros",
            "portrait",
            sample::jpeg_parts(295, 413, &[], &[0; 50 * KB]),
            "blank_scan",
        ),
        (
            "a PNG renamed .jpg as the portrait",
            "portrait",
            sample::png(295, 413, 50 * KB, 5),
            "portrait_not_jpeg",
        ),
        (
            "a 39 KB portrait",
            "portrait",
            sample::jpeg(295, 413, 39 * KB, 6),
            "portrait_too_small",
        ),
        (
            "an 81 KB portrait",
            "portrait",
            sample::jpeg(295, 413, 81 * KB, 6),
            "portrait_too_large",
        ),
        (
            "a square portrait",
            "portrait",
            sample::jpeg(413, 413, 50 * KB, 6),
            "portrait_proportion",
        ),
        (
            "a landscape portrait",
            "portrait",
            sample::jpeg(413, 295, 50 * KB, 6),
            "portrait_proportion",
        ),
        (
            "a 25:35 portrait under 295 x 413",
            "portrait",
            sample::jpeg(250, 350, 50 * KB, 6),
            "portrait_low_resolution",
        ),
    ]
}

fn assert_refused(reply: &Reply, what: &str, reason: &str) {
    assert_eq!(reply.status, 422, "{what}: {}", reply.text());
    reply.assert_envelope(422, "validation_failed");
    assert_eq!(
        reply.json()["error"]["fields"]["file"],
        reason,
        "{what}: {}",
        reply.text()
    );
}

#[tokio::test]
async fn each_bad_file_is_refused_with_its_reason_and_nothing_is_stored() {
    let (app, _clock) = dev_app();
    let (cookie, created) = candidate(&app).await;
    let id = created.id.as_str();
    for (what, slot, bytes, reason) in bad_files() {
        assert_refused(&upload(&app, &cookie, id, slot, bytes).await, what, reason);
        download(&app, &cookie, id, slot)
            .await
            .assert_envelope(404, "not_found");
    }
    let after = application(
        &Call::new("GET", format!("/api/v1/applications/{id}"))
            .cookie(&cookie)
            .send(&app)
            .await,
    );
    assert!(after.documents.is_empty(), "{:?}", after.documents);
    assert_eq!(after.version, created.version, "a refusal is no change");
    assert_eq!(
        stored_files(&app),
        Vec::<String>::new(),
        "no file, no temporary file"
    );
}

#[tokio::test]
async fn a_refused_file_does_not_replace_the_stored_one() {
    let (app, _clock) = dev_app();
    let (cookie, created) = candidate(&app).await;
    let id = created.id.as_str();
    let portrait = sample::jpeg(295, 413, 50 * KB, 1);
    let form = sample::jpeg(1240, 1754, 20 * KB, 2);
    let id_card = sample::png(1712, 1080, 30 * KB, 3);
    let mut good = Vec::new();
    for (slot, bytes) in [
        ("portrait", &portrait),
        ("application_form", &form),
        ("id_card_front", &id_card),
        ("id_card_back", &form),
    ] {
        let reply = upload(&app, &cookie, id, slot, bytes.clone()).await;
        assert_eq!(reply.status, 200, "{slot}: {}", reply.text());
        let info: DocumentInfo = serde_json::from_slice(&reply.body).unwrap();
        good.push((slot, bytes.clone(), info));
    }
    let before = stored_files(&app);
    assert_eq!(before.len(), 3, "the same form twice is stored once");

    for (what, slot, bytes, reason) in bad_files() {
        assert_refused(&upload(&app, &cookie, id, slot, bytes).await, what, reason);
    }
    for (slot, bytes, info) in &good {
        let file = download(&app, &cookie, id, slot).await;
        assert_eq!(file.status, 200, "{slot}");
        assert_eq!(file.body.as_ref(), bytes.as_slice(), "{slot} unchanged");
        assert_eq!(
            file.header("content-type"),
            Some(info.content_type.as_str())
        );
    }
    let after = application(
        &Call::new("GET", format!("/api/v1/applications/{id}"))
            .cookie(&cookie)
            .send(&app)
            .await,
    );
    let infos: Vec<&DocumentInfo> = good.iter().map(|(_, _, info)| info).collect();
    assert_eq!(after.documents.len(), infos.len());
    for info in infos {
        assert!(after.documents.contains(info), "{info:?} still listed");
    }
    assert_eq!(stored_files(&app), before, "no file added, none removed");
}

#[tokio::test]
async fn good_files_are_still_accepted_at_the_edges() {
    let (app, _clock) = dev_app();
    let (cookie, created) = candidate(&app).await;
    let id = created.id.as_str();
    for (what, slot, bytes) in [
        (
            "a 40 KB portrait",
            "portrait",
            sample::jpeg(295, 413, 40 * KB, 1),
        ),
        (
            "an 80 KB portrait",
            "portrait",
            sample::jpeg(295, 413, 80 * KB, 2),
        ),
        (
            "a 25:35 portrait twice as large",
            "portrait",
            sample::jpeg(590, 826, 60 * KB, 3),
        ),
        (
            "exactly 50 megapixels",
            "application_form",
            sample::png(10_000, 5_000, 4 * KB, 4),
        ),
        (
            "a sideways ID card (a warning in the browser)",
            "id_card_front",
            sample::jpeg(1080, 1712, 8 * KB, 5),
        ),
    ] {
        let reply = upload(&app, &cookie, id, slot, bytes.clone()).await;
        assert_eq!(reply.status, 200, "{what}: {}", reply.text());
        assert_eq!(
            download(&app, &cookie, id, slot).await.body.as_ref(),
            bytes.as_slice(),
            "{what}"
        );
    }
}

/// `PUT` of `bytes` into `slot` with `?findings=<list>`.
async fn upload_with(
    app: &TestApp,
    cookie: &str,
    id: &str,
    slot: &str,
    list: &str,
    bytes: Vec<u8>,
) -> Reply {
    Call::new("PUT", format!("{}?findings={list}", doc_uri(id, slot)))
        .cookie(cookie)
        .bytes(bytes, "image/jpeg")
        .send(app)
        .await
}

/// The codes of a `DocumentInfo` as JSON.
fn codes(doc: &serde_json::Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("findings is an array: {doc}"))
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect()
}

/// The findings the candidate's and the reviewer's view of the application list in `slot`.
async fn listed_codes(app: &TestApp, cookie: &str, id: &str, slot: &str) -> [Vec<String>; 2] {
    let own = Call::new("GET", format!("/api/v1/applications/{id}"))
        .cookie(cookie)
        .send(app)
        .await;
    let admin = Call::new("GET", format!("/api/v1/admin/applications/{id}"))
        .reviewer()
        .send(app)
        .await;
    assert_eq!(own.status, 200, "{}", own.text());
    assert_eq!(admin.status, 200, "{}", admin.text());
    let find = |docs: &serde_json::Value| {
        docs.as_array()
            .unwrap()
            .iter()
            .find(|d| d["material"] == slot)
            .map(codes)
            .unwrap_or_else(|| panic!("{slot} listed in {docs}"))
    };
    [
        find(&own.json()["documents"]),
        find(&admin.json()["application"]["documents"]),
    ]
}

#[tokio::test]
async fn findings_are_stored_with_the_file_and_returned_with_it() {
    let (app, _clock) = dev_app();
    let (cookie, created) = candidate(&app).await;
    let id = created.id.as_str();
    let scan = sample::jpeg(1240, 1754, 20 * KB, 1);
    // Repeated and out of order: each once, in the contract's order.
    let reply = upload_with(
        &app,
        &cookie,
        id,
        "social_insurance_proof",
        "too_bright,too_dark,%20too_dark",
        scan.clone(),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let want = vec!["too_dark".to_owned(), "too_bright".to_owned()];
    assert_eq!(codes(&reply.json()), want);
    let info: DocumentInfo = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(PhotoWarning::list(&info.findings), "too_dark,too_bright");
    assert_eq!(
        listed_codes(&app, &cookie, id, "social_insurance_proof").await,
        [want.clone(), want.clone()]
    );

    // Without the parameter, or with it empty: none, always as an empty list.
    for uri in [
        doc_uri(id, "portrait"),
        format!("{}?findings=", doc_uri(id, "application_form")),
    ] {
        let bytes = if uri.contains("portrait") {
            sample::jpeg(295, 413, 50 * KB, 2)
        } else {
            scan.clone()
        };
        let reply = Call::new("PUT", uri.clone())
            .cookie(&cookie)
            .bytes(bytes, "image/jpeg")
            .send(&app)
            .await;
        assert_eq!(reply.status, 200, "{uri}: {}", reply.text());
        assert_eq!(reply.json()["findings"], serde_json::json!([]), "{uri}");
    }

    // A replacing file replaces the findings: its own, or none.
    let reply = upload_with(
        &app,
        &cookie,
        id,
        "social_insurance_proof",
        "blurry",
        scan.clone(),
    )
    .await;
    assert_eq!(codes(&reply.json()), ["blurry"]);
    let reply = upload(&app, &cookie, id, "social_insurance_proof", scan.clone()).await;
    assert_eq!(codes(&reply.json()), Vec::<String>::new());
    assert_eq!(
        listed_codes(&app, &cookie, id, "social_insurance_proof").await,
        [Vec::<String>::new(), vec![]]
    );

    // Every kind at once.
    let every = PhotoWarning::list(&PhotoWarning::ALL);
    let reply = upload_with(&app, &cookie, id, "application_form", &every, scan).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(codes(&reply.json()).join(","), every);
    let [own, _] = listed_codes(&app, &cookie, id, "application_form").await;
    assert_eq!(own.join(","), every);
}

#[tokio::test]
async fn unknown_or_blocking_findings_are_refused_and_nothing_is_stored() {
    let (app, _clock) = dev_app();
    let (cookie, created) = candidate(&app).await;
    let id = created.id.as_str();
    let slot = "id_card_back";
    let stored = sample::jpeg(1712, 1080, 9 * KB, 1);
    let reply = upload_with(&app, &cookie, id, slot, "id_proportion", stored.clone()).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let every = PhotoWarning::list(&PhotoWarning::ALL);
    for (list, reason) in [
        ("sunburnt", "unknown_finding"),
        ("too_dark,sunburnt", "unknown_finding"),
        ("TOO_DARK", "unknown_finding"),
        // A blocking finding's code: such a file is never uploaded.
        ("corrupt", "unknown_finding"),
        ("too_many_pixels", "unknown_finding"),
        ("portrait_size", "unknown_finding"),
        (&format!("{every},too_dark"), "too_many"),
    ] {
        let other = sample::jpeg(1712, 1080, 10 * KB, 2);
        let reply = upload_with(&app, &cookie, id, slot, list, other).await;
        reply.assert_envelope(422, "validation_failed");
        assert_eq!(
            reply.json()["error"]["fields"],
            serde_json::json!({ "findings": reason }),
            "{list}: {}",
            reply.text()
        );
    }
    // The slot keeps its file and its findings.
    assert_eq!(
        download(&app, &cookie, id, slot).await.body.as_ref(),
        stored.as_slice()
    );
    assert_eq!(
        listed_codes(&app, &cookie, id, slot).await,
        [
            vec!["id_proportion".to_owned()],
            vec!["id_proportion".to_owned()]
        ]
    );
    // Another candidate's application answers 404 whatever the findings.
    let other = common::journey::register(&app, "13700137001").await;
    Call::new("PUT", format!("{}?findings=sunburnt", doc_uri(id, slot)))
        .cookie(&other)
        .bytes(stored, "image/jpeg")
        .send(&app)
        .await
        .assert_envelope(404, "not_found");
}

#[test]
fn leftover_temporary_files_are_removed_when_the_state_opens() {
    let dir = TempDir::new("uploads-sweep");
    let data_dir = dir.path().join("data");
    let store = data_dir.join("files");
    fs::create_dir_all(&store).unwrap();
    let long_ago = SystemTime::now() - STALE_TEMP_AGE - Duration::from_secs(60);
    let stored = "a".repeat(64);
    for name in [format!("{TEMP_PREFIX}crashed"), stored.clone()] {
        fs::write(store.join(&name), b"ID card bytes").unwrap();
        fs::File::options()
            .write(true)
            .open(store.join(&name))
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
    }
    // Being written by an upload right now (another process on the same directory).
    let fresh = format!("{TEMP_PREFIX}writing");
    fs::write(store.join(&fresh), b"half").unwrap();

    let moved = data_dir.clone();
    let app = TestApp::build(baoming_server::clock::Clock::system(), move |config| {
        config.data_dir = moved;
    });
    let mut names: Vec<String> = fs::read_dir(&store)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![fresh.clone(), stored],
        "only the old leftover is gone"
    );
    drop(app);

    // The periodic sweep is the same function, with its threshold.
    assert_eq!(
        files::remove_stale_temp_files(&store, Duration::ZERO).unwrap(),
        1
    );
    assert!(!store.join(fresh).exists());
}

#[tokio::test]
async fn the_sweeper_removes_leftovers_periodically() {
    let dir = TempDir::new("uploads-sweeper");
    let store = dir.path().join("files");
    fs::create_dir_all(&store).unwrap();
    fs::write(store.join(format!("{TEMP_PREFIX}crashed")), b"x").unwrap();
    let sweeper = files::spawn_temp_sweeper(
        dir.path().to_path_buf(),
        Duration::from_millis(20),
        Duration::ZERO,
    );
    let mut left = 1;
    for _ in 0..500 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        left = fs::read_dir(&store).unwrap().count();
        if left == 0 {
            break;
        }
    }
    sweeper.abort();
    assert_eq!(left, 0, "the sweeper removed the leftover");
}
