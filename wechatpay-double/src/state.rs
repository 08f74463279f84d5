//! The double's state: keys, clock, orders, refunds and logs.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use tokio::runtime::Handle;

use crate::clock::Clock;
use crate::crypto::{self, RsaSigner, RsaVerifier};
use crate::model::{NotificationRecord, Order, Refund, RequestRecord};
use crate::{DoubleConfig, Injection, KeyMode, fixtures};

/// One platform key pair with its certificate and public-key id.
pub(crate) struct Platform {
    pub serial: &'static str,
    pub pub_key_id: &'static str,
    pub cert_pem: &'static str,
    pub signer: RsaSigner,
}

/// Headers of a signed answer or notification.
#[derive(Clone, Debug)]
pub(crate) struct Signature {
    pub timestamp: String,
    pub nonce: String,
    pub signature: String,
    pub serial: String,
}

pub(crate) struct Shared {
    pub config: DoubleConfig,
    pub clock: Clock,
    pub merchant: RsaVerifier,
    pub platforms: [Platform; 2],
    pub inner: Mutex<Inner>,
    pub runtime: Handle,
    pub agent: ureq::Agent,
    /// `http://127.0.0.1:PORT`, set once the listener is bound.
    pub base_url: OnceLock<String>,
}

#[derive(Default)]
pub(crate) struct Inner {
    pub orders: BTreeMap<String, Order>,
    /// transaction_id → out_trade_no
    pub by_transaction: HashMap<String, String>,
    pub refunds: BTreeMap<String, Refund>,
    pub requests: Vec<RequestRecord>,
    pub notifications: Vec<NotificationRecord>,
    /// nonce_str → the request timestamp it came with
    pub nonces: HashMap<String, i64>,
    pub rotation: Rotation,
    pub latency_ms: u64,
    pub injections: Vec<Injection>,
}

/// Which platform keys are published and which one signs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rotation {
    /// Indices into `Shared::platforms`, oldest first.
    pub published: Vec<usize>,
    pub signing: usize,
    /// Advertised `expire_time` per key when moved forward by a rotation.
    pub expire_override: [Option<i64>; 2],
}

impl Default for Rotation {
    fn default() -> Self {
        Self {
            published: vec![0],
            signing: 0,
            expire_override: [None, None],
        }
    }
}

impl Shared {
    pub(crate) fn new(config: DoubleConfig, runtime: Handle) -> anyhow::Result<Self> {
        let agent = ureq::Agent::config_builder()
            // A merchant's 4XX/5XX is an answer to record, not an error.
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_millis(config.notify_timeout_ms)))
            .build()
            .into();
        Ok(Self {
            clock: Clock::new(config.start_at),
            merchant: RsaVerifier::from_spki_pem(fixtures::MERCHANT_PUBLIC_PEM)?,
            platforms: [
                Platform {
                    serial: fixtures::PLATFORM_1_SERIAL,
                    pub_key_id: fixtures::PLATFORM_1_PUB_KEY_ID,
                    cert_pem: fixtures::PLATFORM_1_CERT_PEM,
                    signer: RsaSigner::from_pkcs8_pem(fixtures::PLATFORM_1_KEY_PEM)?,
                },
                Platform {
                    serial: fixtures::PLATFORM_2_SERIAL,
                    pub_key_id: fixtures::PLATFORM_2_PUB_KEY_ID,
                    cert_pem: fixtures::PLATFORM_2_CERT_PEM,
                    signer: RsaSigner::from_pkcs8_pem(fixtures::PLATFORM_2_KEY_PEM)?,
                },
            ],
            inner: Mutex::new(Inner::default()),
            runtime,
            agent,
            base_url: OnceLock::new(),
            config,
        })
    }

    /// The state; a panic elsewhere must not wedge every later request.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What `Wechatpay-Serial` names for key `index`: the certificate serial in
    /// certificate mode, the 微信支付公钥ID in public-key mode.
    pub(crate) fn key_id(&self, index: usize) -> &'static str {
        match self.config.mode {
            KeyMode::Certificate => self.platforms[index].serial,
            KeyMode::PublicKey => self.platforms[index].pub_key_id,
        }
    }

    pub(crate) fn signing_key_id(&self) -> String {
        let signing = self.lock().rotation.signing;
        self.key_id(signing).to_string()
    }

    pub(crate) fn published_key_ids(&self) -> Vec<String> {
        let published = self.lock().rotation.published.clone();
        published
            .into_iter()
            .map(|i| self.key_id(i).to_string())
            .collect()
    }

    /// True when `serial` names a key the double currently publishes.
    /// Serial numbers are hex, so the comparison ignores case.
    pub(crate) fn is_published(&self, serial: &str) -> bool {
        self.published_key_ids()
            .iter()
            .any(|id| id.eq_ignore_ascii_case(serial))
    }

    /// Signs `TIMESTAMP\nNONCE\nBODY\n` with the current platform key (签名验证).
    pub(crate) fn sign(&self, body: &[u8]) -> Signature {
        let signing = self.lock().rotation.signing;
        self.sign_with(signing, body)
    }

    pub(crate) fn sign_with(&self, index: usize, body: &[u8]) -> Signature {
        let timestamp = self.clock.now().to_string();
        let nonce = crypto::random_hex_upper(32);
        let message = crypto::answer_message(&timestamp, &nonce, body);
        Signature {
            signature: self.platforms[index].signer.sign_base64(&message),
            serial: self.key_id(index).to_string(),
            timestamp,
            nonce,
        }
    }
}
