//! Helpers shared by the integration tests: temporary directories, an in-process server and
//! one-shot requests.

#![allow(dead_code)] // each test binary uses a different subset

pub mod journey;
pub mod sms_doubles;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode};
use baoming_server::clock::Clock;
use baoming_server::config::Config;
use baoming_server::{AppState, app};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// A directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "baoming-test-{label}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The origin the tests configure as allowed.
pub const ALLOWED_ORIGIN: &str = "http://localhost:8080";

/// An application over a fresh data directory.
pub struct TestApp {
    pub app: Router,
    pub state: AppState,
    pub dir: TempDir,
}

impl TestApp {
    /// Defaults plus [`ALLOWED_ORIGIN`], the system clock.
    pub fn new() -> TestApp {
        TestApp::build(Clock::system(), |_| {})
    }

    /// An application over `adjust`ed defaults. Production mode needs an SMS provider: one
    /// that cannot be reached ([`unreachable_sms_provider`]) unless `adjust` chose another.
    pub fn build(clock: Clock, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let dir = TempDir::new("app");
        let mut config = Config {
            data_dir: dir.path().join("data"),
            allowed_origins: vec![ALLOWED_ORIGIN.to_owned()],
            ..Config::default()
        };
        adjust(&mut config);
        if !config.dev_mode && config.sms.is_none() {
            config.sms = Some(Box::new(unreachable_sms_provider()));
        }
        let state = AppState::open(config, clock).expect("open state");
        TestApp {
            app: app(state.clone()),
            state,
            dir,
        }
    }

    pub async fn send(&self, req: Request<Body>) -> Reply {
        send(&self.app, req).await
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.send(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }
}

/// Tencent settings pointing at a closed port on this machine: production mode starts,
/// and any SMS fails as `unavailable` without leaving the machine.
pub fn unreachable_sms_provider() -> baoming_server::sms::SmsProviderConfig {
    use baoming_server::sms::{Provider, Secret, SmsProviderConfig, Templates};
    SmsProviderConfig {
        provider: Provider::Tencent,
        // Port 9 (discard) has no listener on a test machine: connections are refused.
        endpoint: "http://127.0.0.1:9".into(),
        region: "ap-guangzhou".into(),
        app_id: "1400000000".into(),
        sign_name: "职业技能等级认定".into(),
        templates: Templates {
            code: "1".into(),
            approved: "2".into(),
            rejected: "3".into(),
            ticket: "4".into(),
            registered: "5".into(),
            unregistered: "6".into(),
        },
        secret_id: "AKIDunreachable".into(),
        secret_key: Secret::Value("unreachable".into()),
    }
}

/// [`unreachable_sms_provider`] as the environment of a `baoming-server` process.
pub const UNREACHABLE_SMS_ENV: [(&str, &str); 12] = [
    ("BAOMING_SMS_PROVIDER", "tencent"),
    ("BAOMING_SMS_ENDPOINT", "http://127.0.0.1:9"),
    ("BAOMING_SMS_APP_ID", "1400000000"),
    ("BAOMING_SMS_SIGN_NAME", "职业技能等级认定"),
    ("BAOMING_SMS_TEMPLATE_CODE", "1"),
    ("BAOMING_SMS_TEMPLATE_APPROVED", "2"),
    ("BAOMING_SMS_TEMPLATE_REJECTED", "3"),
    ("BAOMING_SMS_TEMPLATE_TICKET", "4"),
    ("BAOMING_SMS_TEMPLATE_REGISTERED", "5"),
    ("BAOMING_SMS_TEMPLATE_UNREGISTERED", "6"),
    ("BAOMING_SMS_SECRET_ID", "AKIDunreachable"),
    ("BAOMING_SMS_SECRET_KEY", "unreachable"),
];

/// A collected response.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII header"))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Asserts the error envelope: JSON, the status, `{"error": {...}}` with `code` and a
    /// message, the contract's status for the code, and `no-store`.
    pub fn assert_envelope(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.text());
        assert_eq!(self.header("content-type"), Some("application/json"));
        assert_eq!(self.header("cache-control"), Some("no-store"));
        let v = self.json();
        let root = v.as_object().expect("object");
        assert_eq!(root.keys().collect::<Vec<_>>(), ["error"], "{v}");
        assert_eq!(v["error"]["code"], code, "{v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{v}"
        );
        let parsed: baoming_contract::error::ErrorEnvelope =
            serde_json::from_value(v).expect("contract envelope");
        // 405 is the one status the contract's codes do not name (see ApiError).
        if status != 405 {
            assert_eq!(parsed.error.code.http_status(), status);
        }
    }
}

pub async fn send(app: &Router, req: Request<Body>) -> Reply {
    let response = app.clone().oneshot(req).await.expect("infallible");
    let (parts, body) = response.into_parts();
    let body = body.collect().await.expect("body").to_bytes();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}
