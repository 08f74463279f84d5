//! A minimal merchant written from WeChat Pay's documentation with `ring` and `aes-gcm`
//! directly: it deliberately does not use the double's own `crypto` module, so a mistake
//! there cannot cancel out here.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, KeyPair, RsaKeyPair, UnparsedPublicKey};
use rustls_pki_types::PrivatePkcs8KeyDer;
use rustls_pki_types::pem::PemObject;
use serde_json::Value;
use wechatpay_double::{DoubleConfig, RunningDouble, fixtures};

/// The double on its own runtime, so tests can make blocking HTTP calls.
pub struct Harness {
    pub double: RunningDouble,
    pub merchant: Merchant,
    pub rt: tokio::runtime::Runtime,
}

pub fn harness(config: DoubleConfig) -> Harness {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let double = rt
        .block_on(wechatpay_double::start(config))
        .expect("double starts");
    let merchant = Merchant::new(&double.base_url());
    Harness {
        double,
        merchant,
        rt,
    }
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n / 2];
    SystemRandom::new().fill(&mut bytes).unwrap();
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// How to build one request; the defaults are a correct request.
#[derive(Clone, Debug)]
pub struct Opts {
    pub timestamp: Option<i64>,
    pub nonce: Option<String>,
    pub mchid: String,
    pub serial_no: String,
    /// `Wechatpay-Serial` request header; `None` leaves it out.
    pub wechatpay_serial: Option<String>,
    pub accept: Option<String>,
    /// Put the Authorization fields in the reverse of the documented order.
    pub reverse_fields: bool,
    /// Sign one body, send another.
    pub send_body_instead: Option<String>,
    /// Replace the signature by one over something else.
    pub corrupt_signature: bool,
    /// Replace the whole Authorization header.
    pub authorization: Option<String>,
}

impl Default for Opts {
    fn default() -> Self {
        Self {
            timestamp: None,
            nonce: None,
            mchid: fixtures::MCHID.to_string(),
            serial_no: fixtures::MERCHANT_CERT_SERIAL.to_string(),
            wechatpay_serial: Some(fixtures::PLATFORM_1_PUB_KEY_ID.to_string()),
            accept: Some("application/json".to_string()),
            reverse_fields: false,
            send_body_instead: None,
            corrupt_signature: false,
            authorization: None,
        }
    }
}

/// An answer, with its headers lower-cased.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_string()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// 签名验证: "应答时间戳\n应答随机串\n应答报文主体\n" verified with the public key
    /// of the platform key pair the answer names in `Wechatpay-Serial`.
    pub fn verifies_with(&self, platform: Platform) -> bool {
        verify(
            platform,
            self.header("wechatpay-timestamp"),
            self.header("wechatpay-nonce"),
            self.header("wechatpay-signature"),
            self.body.as_bytes(),
        )
    }
}

/// Platform key pair 1 or 2 of the fixtures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    One,
    Two,
}

impl Platform {
    pub fn key_pem(self) -> &'static str {
        match self {
            Platform::One => fixtures::PLATFORM_1_KEY_PEM,
            Platform::Two => fixtures::PLATFORM_2_KEY_PEM,
        }
    }

    pub fn public_pem(self) -> &'static str {
        match self {
            Platform::One => fixtures::PLATFORM_1_PUBLIC_PEM,
            Platform::Two => fixtures::PLATFORM_2_PUBLIC_PEM,
        }
    }

    /// The PKCS#1 public key, derived independently of the double's DER code (from the
    /// private key with ring) and checked against the published SPKI file.
    pub fn public_key(self) -> Vec<u8> {
        let pair = key_pair(self.key_pem());
        let pkcs1 = pair.public_key().as_ref().to_vec();
        let spki = pem_der(self.public_pem());
        assert!(
            spki.ends_with(&pkcs1),
            "the published public key is not this key pair's"
        );
        pkcs1
    }
}

fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    B64.decode(body).expect("PEM base64")
}

fn key_pair(pem: &str) -> RsaKeyPair {
    let der = PrivatePkcs8KeyDer::from_pem_slice(pem.as_bytes()).expect("PKCS#8 PEM");
    RsaKeyPair::from_pkcs8(der.secret_pkcs8_der()).expect("RSA key")
}

pub fn verify(
    platform: Platform,
    timestamp: Option<&str>,
    nonce: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
) -> bool {
    let (Some(timestamp), Some(nonce), Some(signature)) = (timestamp, nonce, signature) else {
        return false;
    };
    let Ok(signature) = B64.decode(signature) else {
        return false;
    };
    let mut message = format!("{timestamp}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    UnparsedPublicKey::new(
        &signature::RSA_PKCS1_2048_8192_SHA256,
        platform.public_key(),
    )
    .verify(&message, &signature)
    .is_ok()
}

/// 证书和回调报文解密: AEAD_AES_256_GCM with the APIv3 key.
pub fn decrypt(resource: &Value) -> Result<String, String> {
    assert_eq!(resource["algorithm"], "AEAD_AES_256_GCM");
    let nonce = resource["nonce"].as_str().ok_or("no nonce")?;
    let aad = resource["associated_data"].as_str().unwrap_or_default();
    let ciphertext = B64
        .decode(resource["ciphertext"].as_str().ok_or("no ciphertext")?)
        .map_err(|e| e.to_string())?;
    let cipher = Aes256Gcm::new_from_slice(fixtures::API_V3_KEY.as_bytes()).unwrap();
    let plain = cipher
        .decrypt(
            Nonce::from_slice(nonce.as_bytes()),
            Payload {
                msg: &ciphertext,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| "AES-GCM authentication failed".to_string())?;
    String::from_utf8(plain).map_err(|e| e.to_string())
}

/// The merchant: signs requests as 签名生成 describes.
pub struct Merchant {
    pub base: String,
    key: RsaKeyPair,
    agent: ureq::Agent,
}

impl Merchant {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_string(),
            key: key_pair(fixtures::MERCHANT_KEY_PEM),
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(10)))
                .build()
                .into(),
        }
    }

    fn sign(&self, message: &[u8]) -> String {
        let mut sig = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut sig,
            )
            .unwrap();
        B64.encode(sig)
    }

    /// The Authorization header for one request.
    pub fn authorization(&self, method: &str, url: &str, body: &str, opts: &Opts) -> String {
        let timestamp = opts.timestamp.unwrap_or_else(now).to_string();
        let nonce = opts.nonce.clone().unwrap_or_else(|| random_hex(32));
        // "HTTP请求方法\nURL\n请求时间戳\n请求随机串\n请求报文主体\n"
        let mut message = format!("{method}\n{url}\n{timestamp}\n{nonce}\n{body}\n");
        if opts.corrupt_signature {
            message.push('x');
        }
        let signature = self.sign(message.as_bytes());
        let mut fields = [
            format!("mchid=\"{}\"", opts.mchid),
            format!("nonce_str=\"{nonce}\""),
            format!("timestamp=\"{timestamp}\""),
            format!("serial_no=\"{}\"", opts.serial_no),
            format!("signature=\"{signature}\""),
        ];
        if opts.reverse_fields {
            fields.reverse();
        }
        format!("WECHATPAY2-SHA256-RSA2048 {}", fields.join(","))
    }

    pub fn call(&self, method: &str, url: &str, body: Option<&str>, opts: &Opts) -> Answer {
        let signed_body = body.unwrap_or("");
        let authorization = opts
            .authorization
            .clone()
            .unwrap_or_else(|| self.authorization(method, url, signed_body, opts));
        let sent_body = opts
            .send_body_instead
            .clone()
            .unwrap_or_else(|| signed_body.to_string());
        let full = format!("{}{url}", self.base);
        let result = if method == "GET" {
            let mut request = self
                .agent
                .get(&full)
                .header("Authorization", &authorization);
            if let Some(accept) = &opts.accept {
                request = request.header("Accept", accept);
            }
            if let Some(serial) = &opts.wechatpay_serial {
                request = request.header("Wechatpay-Serial", serial);
            }
            request.call()
        } else {
            let mut request = self
                .agent
                .post(&full)
                .header("Authorization", &authorization)
                .header("Content-Type", "application/json");
            if let Some(accept) = &opts.accept {
                request = request.header("Accept", accept);
            }
            if let Some(serial) = &opts.wechatpay_serial {
                request = request.header("Wechatpay-Serial", serial);
            }
            request.send(sent_body.as_bytes())
        };
        let mut response = result.expect("the double answers");
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    v.to_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        Answer {
            status,
            headers,
            body,
        }
    }

    pub fn get(&self, url: &str) -> Answer {
        self.call("GET", url, None, &Opts::default())
    }

    pub fn post(&self, url: &str, body: &str) -> Answer {
        self.call("POST", url, Some(body), &Opts::default())
    }

    pub fn get_with(&self, url: &str, opts: &Opts) -> Answer {
        self.call("GET", url, None, opts)
    }

    pub fn post_with(&self, url: &str, body: &str, opts: &Opts) -> Answer {
        self.call("POST", url, Some(body), opts)
    }
}

/// A Native order body with the fixture appid/mchid.
pub fn native_body(out_trade_no: &str, notify_url: &str) -> Value {
    serde_json::json!({
        "appid": fixtures::APPID,
        "mchid": fixtures::MCHID,
        "description": "2026年下半年考试报名费",
        "out_trade_no": out_trade_no,
        "notify_url": notify_url,
        "amount": { "total": 5000, "currency": "CNY" },
    })
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}{}", random_hex(16))
}

/// One notification the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: String,
}

type Log = Arc<Mutex<Vec<Received>>>;
type Script = Arc<Mutex<VecDeque<(u16, String)>>>;

/// The merchant's notify_url: records what arrives and answers from a script
/// (200 once the script is empty). With `verify` it answers 401 to a bad signature.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    pub received: Log,
    pub script: Script,
}

impl Receiver {
    pub fn start(rt: &tokio::runtime::Runtime, verify_with: Option<Platform>) -> Self {
        use axum::extract::State;
        use axum::http::HeaderMap;
        let received: Log = Arc::default();
        let script: Script = Arc::default();
        let state = (received.clone(), script.clone());
        let app = axum::Router::new()
            .route(
                "/notify",
                axum::routing::post(
                    move |State((received, script)): State<(Log, Script)>,
                          headers: HeaderMap,
                          body: String| async move {
                        let headers: HashMap<String, String> = headers
                            .iter()
                            .map(|(k, v)| {
                                (k.as_str().to_string(), v.to_str().unwrap_or("").to_string())
                            })
                            .collect();
                        let good = verify_with.is_none_or(|p| {
                            verify(
                                p,
                                headers.get("wechatpay-timestamp").map(String::as_str),
                                headers.get("wechatpay-nonce").map(String::as_str),
                                headers.get("wechatpay-signature").map(String::as_str),
                                body.as_bytes(),
                            )
                        });
                        received.lock().unwrap().push(Received { headers, body });
                        let (status, answer) = if good {
                            script
                                .lock()
                                .unwrap()
                                .pop_front()
                                .unwrap_or((200, String::new()))
                        } else {
                            (401, r#"{"code":"FAIL","message":"签名错误"}"#.to_string())
                        };
                        (axum::http::StatusCode::from_u16(status).unwrap(), answer)
                    },
                ),
            )
            .with_state(state);
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        rt.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url: format!("http://{addr}/notify"),
            received,
            script,
        }
    }

    pub fn answer_next(&self, status: u16, body: &str) {
        self.script
            .lock()
            .unwrap()
            .push_back((status, body.to_string()));
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

/// Polls `f` until it is true or 5 s pass.
pub fn eventually(f: impl Fn() -> bool) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while std::time::Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    f()
}
