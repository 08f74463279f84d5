//! A real WeChat Pay API v3 Native provider ([`WechatPayProvider`]).
//!
//! - Every request is signed with the merchant's RSA key: the message
//!   `METHOD\nPATH_WITH_QUERY\nTIMESTAMP\nNONCE\nBODY\n`, RSA-SHA256 (PKCS#1 v1.5), base64,
//!   sent as `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",
//!   timestamp="…",serial_no="…",signature="…"` ([`authorization`]), with the
//!   `Wechatpay-Serial` header naming the platform key the merchant holds.
//! - Every answer and every notification carries the platform's signature over
//!   `TIMESTAMP\nNONCE\nBODY\n` (headers `Wechatpay-Timestamp`, `Wechatpay-Nonce`,
//!   `Wechatpay-Signature`, `Wechatpay-Serial`), verified with the platform key the serial
//!   names; one signed more than 5 minutes from now is refused (a replay).
//! - Platform keys ([`PlatformKeys`]): WeChat Pay public-key mode (`PUB_KEY_ID_…`, a PEM
//!   file per id) and/or platform certificates downloaded from `/v3/certificates`, decrypted
//!   with the APIv3 key and refreshed by [`WechatPayProvider::refresh_certificates`] (the
//!   reconciler calls it twice a day, and a notification signed with an unknown serial
//!   asks for it at once). Every serial not yet expired is accepted, so a rotation needs no
//!   restart.
//! - A notification's `resource` is AEAD_AES_256_GCM encrypted with the APIv3 key
//!   ([`decrypt_resource`]).
//!
//! The RSA arithmetic is `ring`'s (constant-time; the `rsa` crate has an unfixed timing side
//! channel, RUSTSEC-2023-0071). Calls are blocking (`ureq` over rustls, short time-outs), like
//! every [`PaymentProvider`]: they run on the blocking thread pool, never while a database
//! connection is held.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Mutex, RwLock};
use std::time::Duration;

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use anyhow::{Context, anyhow, bail, ensure};
use baoming_contract::time::Timestamp;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair, UnparsedPublicKey};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{PrivateKeyDer, SubjectPublicKeyInfoDer};
use serde::Deserialize;
use serde_json::{Value, json};
use x509_cert::der::{Decode, DecodePem, Encode};

use crate::clock::Clock;
use crate::payments::{
    PaymentProvider, PrepayRequest, ProviderError, RefundRequest, RefundState, TradeState,
};
use crate::secrets;

/// The production API.
pub const DEFAULT_API_BASE: &str = "https://api.mch.weixin.qq.com";

/// A signature (answer or notification) made longer ago than this, or this far in the
/// future, is refused.
pub const SIGNATURE_MAX_AGE_S: i64 = 5 * 60;

/// The `Authorization` scheme of API v3.
pub const AUTH_SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// How often platform certificates are downloaded again (WeChat advises at least daily).
pub const CERTIFICATE_REFRESH_S: i64 = 12 * 60 * 60;

/// A platform public key given as a file (public-key mode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeyFile {
    /// `PUB_KEY_ID_…`, as WeChat's merchant platform shows it.
    pub id: String,
    /// PEM (`-----BEGIN PUBLIC KEY-----`, `pub_key.pem`).
    pub path: PathBuf,
}

/// The merchant's settings (from `BAOMING_WECHATPAY_*`; see [`crate::config::ENVIRONMENT_HELP`]).
#[derive(Clone, PartialEq, Eq)]
pub struct WechatPayConfig {
    /// 商户号.
    pub mchid: String,
    /// The AppID bound to the merchant.
    pub appid: String,
    /// The serial number of the merchant's API certificate.
    pub merchant_serial: String,
    /// PEM file of the merchant's private key (`apiclient_key.pem`, PKCS#8 or PKCS#1).
    pub merchant_key_path: PathBuf,
    /// The APIv3 key: exactly 32 bytes.
    pub api_v3_key: String,
    /// Platform public keys (public-key mode); the first is the one named in requests.
    pub public_keys: Vec<PublicKeyFile>,
    /// Download platform certificates from `/v3/certificates` (certificate mode, or both
    /// during a move from certificates to public keys).
    pub download_certificates: bool,
    /// Where WeChat Pay posts payment and refund notifications:
    /// `https://…/api/v1/payments/wechat/notify`.
    pub notify_url: String,
    /// `scheme://host[:port]` of the API, [`DEFAULT_API_BASE`] unless testing.
    pub api_base: String,
}

impl fmt::Debug for WechatPayConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WechatPayConfig")
            .field("mchid", &self.mchid)
            .field("appid", &self.appid)
            .field("merchant_serial", &self.merchant_serial)
            .field("merchant_key_path", &self.merchant_key_path)
            .field("api_v3_key", &"<redacted>")
            .field("public_keys", &self.public_keys)
            .field("download_certificates", &self.download_certificates)
            .field("notify_url", &self.notify_url)
            .field("api_base", &self.api_base)
            .finish()
    }
}

/// The merchant's signing key.
pub struct MerchantKey(RsaKeyPair);

impl fmt::Debug for MerchantKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MerchantKey(<redacted>)")
    }
}

impl MerchantKey {
    /// Reads a merchant private key: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1
    /// (`BEGIN RSA PRIVATE KEY`) PEM.
    pub fn from_pem(pem: &str) -> anyhow::Result<MerchantKey> {
        let der = PrivateKeyDer::from_pem_slice(pem.as_bytes())
            .map_err(|e| anyhow!("not a private key in PEM: {e:?}"))?;
        let pair = match &der {
            PrivateKeyDer::Pkcs8(k) => RsaKeyPair::from_pkcs8(k.secret_pkcs8_der()),
            PrivateKeyDer::Pkcs1(k) => RsaKeyPair::from_der(k.secret_pkcs1_der()),
            _ => bail!("not an RSA private key (PKCS#8 or PKCS#1 expected)"),
        }
        .map_err(|e| anyhow!("not a usable RSA private key: {e}"))?;
        Ok(MerchantKey(pair))
    }

    /// base64(RSA-SHA256 PKCS#1 v1.5) of `message`.
    pub fn sign(&self, message: &[u8]) -> anyhow::Result<String> {
        let mut out = vec![0; self.0.public().modulus_len()];
        self.0
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut out,
            )
            .map_err(|_| anyhow!("RSA signing failed"))?;
        Ok(BASE64.encode(out))
    }
}

/// A platform public key: the PKCS#1 `RSAPublicKey` DER that `ring` verifies with.
#[derive(Clone, PartialEq, Eq)]
pub struct PlatformKey {
    rsa_der: Vec<u8>,
}

impl fmt::Debug for PlatformKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PlatformKey")
    }
}

impl PlatformKey {
    /// Reads a public key: SPKI PEM (`BEGIN PUBLIC KEY`, what WeChat's public-key mode
    /// gives) or an X.509 certificate PEM.
    pub fn from_pem(pem: &str) -> anyhow::Result<PlatformKey> {
        if pem.contains("BEGIN CERTIFICATE") {
            return Ok(platform_certificate(pem)?.key);
        }
        let spki = SubjectPublicKeyInfoDer::from_pem_slice(pem.as_bytes())
            .map_err(|e| anyhow!("not a public key in PEM: {e:?}"))?;
        PlatformKey::from_spki_der(spki.as_ref())
    }

    fn from_spki_der(der: &[u8]) -> anyhow::Result<PlatformKey> {
        let spki = x509_cert::spki::SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|e| anyhow!("not a SubjectPublicKeyInfo: {e}"))?;
        // rsaEncryption
        ensure!(
            spki.algorithm.oid.to_string() == "1.2.840.113549.1.1.1",
            "not an RSA public key"
        );
        Ok(PlatformKey {
            rsa_der: spki.subject_public_key.raw_bytes().to_vec(),
        })
    }

    /// Whether `signature_b64` is a valid RSA-SHA256 signature of `message` by this key.
    pub fn verify(&self, message: &[u8], signature_b64: &str) -> bool {
        let Ok(sig) = BASE64.decode(signature_b64.trim()) else {
            return false;
        };
        UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &self.rsa_der)
            .verify(message, &sig)
            .is_ok()
    }
}

/// A platform certificate's serial (upper-case hex, as WeChat writes it) and key.
struct Certificate {
    serial: String,
    key: PlatformKey,
}

fn platform_certificate(pem: &str) -> anyhow::Result<Certificate> {
    let cert = x509_cert::Certificate::from_pem(pem.as_bytes())
        .map_err(|e| anyhow!("not an X.509 certificate in PEM: {e}"))?;
    let tbs = &cert.tbs_certificate;
    let serial = tbs
        .serial_number
        .as_bytes()
        .iter()
        .skip_while(|b| **b == 0)
        .map(|b| format!("{b:02X}"))
        .collect::<String>();
    let spki = tbs
        .subject_public_key_info
        .to_der()
        .map_err(|e| anyhow!("a certificate's key: {e}"))?;
    Ok(Certificate {
        serial,
        key: PlatformKey::from_spki_der(&spki)?,
    })
}

/// The platform keys the backend trusts, by serial (`PUB_KEY_ID_…` or a certificate
/// serial), with the instant each stops being valid (`None`: until replaced).
#[derive(Debug, Default)]
pub struct PlatformKeys {
    keys: RwLock<HashMap<String, (PlatformKey, Option<Timestamp>)>>,
    /// The serial requests name in `Wechatpay-Serial`.
    preferred: RwLock<Option<String>>,
}

impl PlatformKeys {
    /// Trusts `key` under `serial` until `expires_at`.
    pub fn insert(&self, serial: &str, key: PlatformKey, expires_at: Option<Timestamp>) {
        self.keys
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(serial.to_owned(), (key, expires_at));
    }

    fn set_preferred(&self, serial: &str) {
        *self.preferred.write().unwrap_or_else(|p| p.into_inner()) = Some(serial.to_owned());
    }

    /// The serial to name in requests.
    pub fn preferred(&self) -> Option<String> {
        self.preferred
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The key for `serial`, when trusted at `now`.
    pub fn get(&self, serial: &str, now: Timestamp) -> Option<PlatformKey> {
        let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
        let (key, expires) = keys.get(serial)?;
        expires.is_none_or(|at| at.0 > now.0).then(|| key.clone())
    }

    /// Every serial trusted now.
    pub fn serials(&self) -> Vec<String> {
        let mut s: Vec<String> = self
            .keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect();
        s.sort();
        s
    }
}

/// The message a request signature covers.
pub fn request_message(
    method: &str,
    path_with_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &str,
) -> String {
    format!("{method}\n{path_with_query}\n{timestamp}\n{nonce}\n{body}\n")
}

/// The message a platform signature (answer or notification) covers.
pub fn response_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(body.len() + 64);
    m.extend_from_slice(timestamp.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(nonce.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(body);
    m.push(b'\n');
    m
}

/// The `Authorization` header for a request.
#[allow(clippy::too_many_arguments)]
pub fn authorization(
    key: &MerchantKey,
    mchid: &str,
    serial_no: &str,
    method: &str,
    path_with_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &str,
) -> anyhow::Result<String> {
    let message = request_message(method, path_with_query, timestamp, nonce, body);
    let signature = key.sign(message.as_bytes())?;
    Ok(format!(
        "{AUTH_SCHEME} mchid=\"{mchid}\",nonce_str=\"{nonce}\",timestamp=\"{timestamp}\",\
         serial_no=\"{serial_no}\",signature=\"{signature}\""
    ))
}

/// The four `Wechatpay-*` headers of a signed answer or notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformSignature {
    pub timestamp: String,
    pub nonce: String,
    pub signature: String,
    pub serial: String,
}

impl PlatformSignature {
    /// Reads the headers with `get` (case-insensitive names); `None` when one is missing.
    pub fn from_headers<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Option<PlatformSignature> {
        Some(PlatformSignature {
            timestamp: get("wechatpay-timestamp")?.trim().to_owned(),
            nonce: get("wechatpay-nonce")?.trim().to_owned(),
            signature: get("wechatpay-signature")?.trim().to_owned(),
            serial: get("wechatpay-serial")?.trim().to_owned(),
        })
    }
}

/// An encrypted `resource` (notifications) or `encrypt_certificate` (certificates).
#[derive(Debug, Clone, Deserialize)]
pub struct EncryptedResource {
    pub algorithm: String,
    pub ciphertext: String,
    #[serde(default)]
    pub associated_data: String,
    pub nonce: String,
}

/// Decrypts a resource (AEAD_AES_256_GCM: `ciphertext` is base64 of ciphertext and tag).
pub fn decrypt_resource(
    api_v3_key: &[u8],
    resource: &EncryptedResource,
) -> anyhow::Result<Vec<u8>> {
    ensure!(
        resource.algorithm == "AEAD_AES_256_GCM",
        "unsupported algorithm {}",
        resource.algorithm
    );
    ensure!(
        resource.nonce.len() == 12,
        "the nonce must be 12 bytes, not {}",
        resource.nonce.len()
    );
    let cipher = Aes256Gcm::new_from_slice(api_v3_key)
        .map_err(|_| anyhow!("the APIv3 key is not 32 bytes"))?;
    let ciphertext = BASE64
        .decode(resource.ciphertext.trim())
        .context("the ciphertext is not base64")?;
    cipher
        .decrypt(
            Nonce::from_slice(resource.nonce.as_bytes()),
            Payload {
                msg: &ciphertext,
                aad: resource.associated_data.as_bytes(),
            },
        )
        .map_err(|_| anyhow!("the resource does not decrypt with the APIv3 key"))
}

/// A notification's body.
#[derive(Debug, Clone, Deserialize)]
pub struct Notification {
    #[serde(default)]
    pub id: String,
    /// `TRANSACTION.SUCCESS`, `REFUND.SUCCESS`, `REFUND.ABNORMAL`, `REFUND.CLOSED`.
    #[serde(default)]
    pub event_type: String,
    pub resource: EncryptedResource,
}

/// A transaction, as in query answers and decrypted `TRANSACTION.SUCCESS` notifications.
#[derive(Debug, Clone, Deserialize)]
pub struct Transaction {
    #[serde(default)]
    pub mchid: String,
    #[serde(default)]
    pub appid: String,
    pub out_trade_no: String,
    #[serde(default)]
    pub transaction_id: Option<String>,
    pub trade_state: String,
    #[serde(default)]
    pub success_time: Option<String>,
    #[serde(default)]
    pub amount: Option<TransactionAmount>,
}

/// A transaction's amount, in fen.
#[derive(Debug, Clone, Deserialize)]
pub struct TransactionAmount {
    pub total: u64,
    #[serde(default)]
    pub currency: Option<String>,
}

/// A refund, as in refund answers and decrypted `REFUND.*` notifications (which name the
/// state `refund_status`, the answers `status`).
#[derive(Debug, Clone, Deserialize)]
pub struct Refund {
    #[serde(default)]
    pub mchid: String,
    pub out_refund_no: String,
    #[serde(default)]
    pub out_trade_no: String,
    #[serde(default, alias = "refund_status")]
    pub status: String,
    #[serde(default)]
    pub success_time: Option<String>,
}

impl Transaction {
    /// What the transaction's `trade_state` means for the order.
    pub fn state(&self, fallback_time: Timestamp) -> TradeState {
        let paid = || {
            let paid_at = self
                .success_time
                .as_deref()
                .and_then(Timestamp::parse_rfc3339)
                .unwrap_or(fallback_time);
            (
                paid_at,
                self.transaction_id.clone().unwrap_or_default(),
                self.amount.as_ref().map_or(0, |a| a.total),
            )
        };
        match self.trade_state.as_str() {
            "SUCCESS" => {
                let (paid_at, transaction_id, amount_fen) = paid();
                TradeState::Success {
                    paid_at,
                    transaction_id,
                    amount_fen,
                }
            }
            "REFUND" => {
                let (paid_at, transaction_id, amount_fen) = paid();
                TradeState::Refund {
                    paid_at,
                    transaction_id,
                    amount_fen,
                }
            }
            "CLOSED" => TradeState::Closed,
            "REVOKED" => TradeState::Revoked,
            "PAYERROR" => TradeState::PayError,
            "USERPAYING" => TradeState::UserPaying,
            // NOTPAY, and any state WeChat adds later: nothing was paid.
            _ => TradeState::NotPay,
        }
    }
}

impl Refund {
    /// What the refund's status means; `now` when a success has no time.
    pub fn state(&self, now: Timestamp) -> RefundState {
        match self.status.as_str() {
            "SUCCESS" => RefundState::Success {
                at: self
                    .success_time
                    .as_deref()
                    .and_then(Timestamp::parse_rfc3339)
                    .unwrap_or(now),
            },
            "CLOSED" => RefundState::Closed,
            "ABNORMAL" => RefundState::Abnormal,
            _ => RefundState::Processing,
        }
    }
}

/// What a verified, decrypted notification reports.
#[derive(Debug, Clone)]
pub enum Notice {
    Transaction(Transaction),
    Refund(Refund),
}

/// WeChat's error answer.
#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

/// The WeChat Pay API v3 Native provider.
pub struct WechatPayProvider {
    config: WechatPayConfig,
    merchant_key: MerchantKey,
    platform: PlatformKeys,
    clock: Clock,
    agent: ureq::Agent,
    /// When certificates were last downloaded (or tried), to refresh at most once a minute
    /// on an unknown serial.
    certificates_fetched: Mutex<Option<Timestamp>>,
}

impl fmt::Debug for WechatPayProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WechatPayProvider")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// An answer of the API, its platform signature verified.
struct Answer {
    status: u16,
    body: Vec<u8>,
}

impl Answer {
    fn refused(&self) -> ProviderError {
        let e: ErrorBody = serde_json::from_slice(&self.body).unwrap_or_default();
        if self.status >= 500 || e.code == "SYSTEM_ERROR" || e.code == "FREQUENCY_LIMITED" {
            // WeChat documents these as "retry with the same parameters".
            return ProviderError::Unavailable(anyhow!(
                "HTTP {} {}: {}",
                self.status,
                e.code,
                e.message
            ));
        }
        ProviderError::Refused {
            status: self.status,
            code: e.code,
            message: e.message,
        }
    }
}

impl WechatPayProvider {
    /// Reads the keys named by `config` (failing, naming the file, when one is unreadable)
    /// and, in certificate mode, downloads the platform certificates.
    pub fn from_config(config: WechatPayConfig, clock: Clock) -> anyhow::Result<Self> {
        let read = |path: &PathBuf, what: &str| {
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the {what} {}", path.display()))
        };
        let merchant_key = MerchantKey::from_pem(&read(&config.merchant_key_path, "merchant key")?)
            .with_context(|| format!("{}", config.merchant_key_path.display()))?;
        let mut keys = Vec::new();
        for file in &config.public_keys {
            let key = PlatformKey::from_pem(&read(&file.path, "platform public key")?)
                .with_context(|| format!("{}", file.path.display()))?;
            keys.push((file.id.clone(), key));
        }
        let provider = Self::new(config, merchant_key, keys, clock)?;
        if provider.config.download_certificates
            && let Err(e) = provider.refresh_certificates()
        {
            // Not fatal: WeChat may be unreachable for a moment; the reconciler tries again
            // and nothing can be verified until it succeeds.
            tracing::error!(error = %format!("{e:#}"), "cannot download WeChat Pay platform certificates");
        }
        Ok(provider)
    }

    /// A provider with keys already loaded; `public_keys` are `(PUB_KEY_ID_…, key)`.
    pub fn new(
        config: WechatPayConfig,
        merchant_key: MerchantKey,
        public_keys: Vec<(String, PlatformKey)>,
        clock: Clock,
    ) -> anyhow::Result<Self> {
        ensure!(
            config.api_v3_key.len() == 32,
            "the APIv3 key must be 32 bytes, not {}",
            config.api_v3_key.len()
        );
        ensure!(
            !public_keys.is_empty() || config.download_certificates,
            "no platform key: give a WeChat Pay public key or download certificates"
        );
        let platform = PlatformKeys::default();
        for (id, key) in public_keys.iter().rev() {
            platform.insert(id, key.clone(), None);
            platform.set_preferred(id);
        }
        let agent = ureq::Agent::config_builder()
            .timeout_connect(Some(Duration::from_secs(3)))
            .timeout_global(Some(Duration::from_secs(10)))
            .http_status_as_error(false)
            .build()
            .into();
        Ok(WechatPayProvider {
            config,
            merchant_key,
            platform,
            clock,
            agent,
            certificates_fetched: Mutex::new(None),
        })
    }

    pub fn config(&self) -> &WechatPayConfig {
        &self.config
    }

    /// The platform keys trusted now.
    pub fn platform_keys(&self) -> &PlatformKeys {
        &self.platform
    }

    /// Checks a platform signature over `body`: a trusted serial, the signature, and a
    /// timestamp within [`SIGNATURE_MAX_AGE_S`] of now.
    pub fn verify_platform(&self, sig: &PlatformSignature, body: &[u8]) -> anyhow::Result<()> {
        let now = self.clock.now();
        let at: i64 = sig.timestamp.parse().context("a malformed timestamp")?;
        ensure!(
            (now.0 - at).abs() <= SIGNATURE_MAX_AGE_S,
            "the signature's timestamp {at} is more than {SIGNATURE_MAX_AGE_S} s from now"
        );
        let key = match self.platform.get(&sig.serial, now) {
            Some(key) => key,
            None => {
                // A rotation WeChat has started: fetch the certificates once, then decide.
                if self.config.download_certificates && self.may_refetch(now) {
                    self.refresh_certificates()?;
                }
                self.platform
                    .get(&sig.serial, now)
                    .ok_or_else(|| anyhow!("signed with an unknown platform key {}", sig.serial))?
            }
        };
        ensure!(
            key.verify(
                &response_message(&sig.timestamp, &sig.nonce, body),
                &sig.signature
            ),
            "the platform signature does not verify"
        );
        Ok(())
    }

    fn may_refetch(&self, now: Timestamp) -> bool {
        let mut last = self
            .certificates_fetched
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if last.is_some_and(|t| now.0 - t.0 < 60) {
            return false;
        }
        *last = Some(now);
        true
    }

    /// Verifies and decrypts a notification.
    pub fn open_notification(
        &self,
        sig: &PlatformSignature,
        body: &[u8],
    ) -> anyhow::Result<(Notification, Notice)> {
        self.verify_platform(sig, body)?;
        let notification: Notification =
            serde_json::from_slice(body).context("a malformed notification")?;
        let plain = decrypt_resource(self.config.api_v3_key.as_bytes(), &notification.resource)?;
        let notice = if notification.event_type.starts_with("REFUND.") {
            let refund: Refund = serde_json::from_slice(&plain).context("a malformed refund")?;
            ensure!(
                refund.mchid.is_empty() || refund.mchid == self.config.mchid,
                "a refund of another merchant"
            );
            Notice::Refund(refund)
        } else {
            let transaction: Transaction =
                serde_json::from_slice(&plain).context("a malformed transaction")?;
            ensure!(
                transaction.mchid == self.config.mchid,
                "a transaction of another merchant"
            );
            Notice::Transaction(transaction)
        };
        Ok((notification, notice))
    }

    /// Downloads the platform certificates (`GET /v3/certificates`), decrypts them with the
    /// APIv3 key and trusts every one until its `expire_time`; the newest becomes the one
    /// requests name. The answer is signed by one of the certificates it carries.
    pub fn refresh_certificates(&self) -> anyhow::Result<()> {
        #[derive(Deserialize)]
        struct Item {
            serial_no: String,
            #[serde(default)]
            effective_time: String,
            #[serde(default)]
            expire_time: String,
            encrypt_certificate: EncryptedResource,
        }
        #[derive(Deserialize)]
        struct List {
            data: Vec<Item>,
        }
        *self
            .certificates_fetched
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(self.clock.now());
        let path = "/v3/certificates";
        let (status, sig, body) = self.send("GET", path, None).map_err(|e| anyhow!("{e}"))?;
        ensure!(
            status == 200,
            "GET {path}: HTTP {status}: {}",
            String::from_utf8_lossy(&body)
        );
        let list: List = serde_json::from_slice(&body).context("a malformed certificate list")?;
        let mut found = Vec::new();
        for item in &list.data {
            let pem =
                decrypt_resource(self.config.api_v3_key.as_bytes(), &item.encrypt_certificate)
                    .with_context(|| format!("certificate {}", item.serial_no))?;
            let cert = platform_certificate(&String::from_utf8_lossy(&pem))
                .with_context(|| format!("certificate {}", item.serial_no))?;
            ensure!(
                cert.serial.eq_ignore_ascii_case(&item.serial_no),
                "certificate {} carries serial {}",
                item.serial_no,
                cert.serial
            );
            let effective = Timestamp::parse_rfc3339(&item.effective_time);
            let expires = Timestamp::parse_rfc3339(&item.expire_time);
            found.push((item.serial_no.clone(), cert.key, effective, expires));
        }
        // The list is signed by one of the certificates in it (whose bytes decrypted with
        // the APIv3 key, which only WeChat and the merchant hold).
        let sig = sig.ok_or_else(|| anyhow!("GET {path}: an unsigned answer"))?;
        let signer = found
            .iter()
            .find(|(serial, ..)| *serial == sig.serial)
            .map(|(_, key, ..)| key.clone())
            .or_else(|| self.platform.get(&sig.serial, self.clock.now()))
            .ok_or_else(|| anyhow!("GET {path}: signed by an unknown key {}", sig.serial))?;
        ensure!(
            signer.verify(
                &response_message(&sig.timestamp, &sig.nonce, &body),
                &sig.signature
            ),
            "GET {path}: the platform signature does not verify"
        );
        let now = self.clock.now();
        let newest = found
            .iter()
            .filter(|(.., effective, expires)| {
                effective.is_none_or(|t| t.0 <= now.0) && expires.is_none_or(|t| t.0 > now.0)
            })
            .max_by_key(|(.., effective, _)| effective.map_or(0, |t| t.0))
            .map(|(serial, ..)| serial.clone());
        for (serial, key, _, expires) in found {
            self.platform.insert(&serial, key, expires);
        }
        // Public-key mode keeps naming its key; certificate mode names the newest one.
        if self.config.public_keys.is_empty()
            && let Some(serial) = newest
        {
            self.platform.set_preferred(&serial);
        }
        tracing::info!(serials = ?self.platform.serials(), "WeChat Pay platform keys");
        Ok(())
    }

    /// Signs and sends a request: the answer's status, signature headers and body.
    #[allow(clippy::type_complexity)]
    fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Option<PlatformSignature>, Vec<u8>), ProviderError> {
        let body = body.map(Value::to_string).unwrap_or_default();
        let timestamp = self.clock.now().0;
        let nonce = secrets::random_from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 32);
        let auth = authorization(
            &self.merchant_key,
            &self.config.mchid,
            &self.config.merchant_serial,
            method,
            path,
            timestamp,
            &nonce,
            &body,
        )
        .map_err(ProviderError::Unavailable)?;
        let url = format!("{}{path}", self.config.api_base.trim_end_matches('/'));
        // The platform key the merchant holds; none before the first certificate download
        // (which WeChat answers without it).
        let serial = self.platform.preferred();
        let result = match method {
            "GET" => {
                let mut req = self
                    .agent
                    .get(&url)
                    .header("Authorization", &auth)
                    .header("Accept", "application/json");
                if let Some(serial) = &serial {
                    req = req.header("Wechatpay-Serial", serial);
                }
                req.call()
            }
            _ => {
                let mut req = self
                    .agent
                    .post(&url)
                    .header("Authorization", &auth)
                    .header("Accept", "application/json")
                    .header("Content-Type", "application/json");
                if let Some(serial) = &serial {
                    req = req.header("Wechatpay-Serial", serial);
                }
                req.send(body.as_bytes())
            }
        };
        let mut response =
            result.map_err(|e| ProviderError::Unavailable(anyhow!("{method} {path}: {e}")))?;
        let status = response.status().as_u16();
        let sig = PlatformSignature::from_headers(|name| {
            response.headers().get(name).and_then(|v| v.to_str().ok())
        });
        let bytes = response
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_vec()
            .map_err(|e| ProviderError::Unavailable(anyhow!("{method} {path}: reading: {e}")))?;
        Ok((status, sig, bytes))
    }

    /// Sends a signed request and verifies the answer's signature (successes and errors
    /// alike: an unverified error could be a forged refusal).
    fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, ProviderError> {
        let (status, sig, body) = self.send(method, path, body)?;
        let verified = sig
            .ok_or_else(|| anyhow!("an unsigned answer"))
            .and_then(|sig| self.verify_platform(&sig, &body));
        if let Err(e) = verified {
            // A 5xx from a proxy in front of WeChat is not signed; still "unavailable".
            return Err(ProviderError::Unavailable(
                e.context(format!("{method} {path}: HTTP {status}")),
            ));
        }
        Ok(Answer { status, body })
    }
}

impl PaymentProvider for WechatPayProvider {
    fn prepay(&self, req: &PrepayRequest) -> Result<String, ProviderError> {
        let body = json!({
            "appid": self.config.appid,
            "mchid": self.config.mchid,
            "description": req.description,
            "out_trade_no": req.out_trade_no,
            "time_expire": req.time_expire.to_rfc3339(),
            "notify_url": self.config.notify_url,
            "amount": { "total": req.amount_fen, "currency": "CNY" },
        });
        let path = "/v3/pay/transactions/native";
        let answer = self.call("POST", path, Some(&body))?;
        if answer.status != 200 {
            return Err(answer.refused());
        }
        #[derive(Deserialize)]
        struct NativeAnswer {
            code_url: String,
        }
        let native: NativeAnswer = serde_json::from_slice(&answer.body).map_err(|e| {
            ProviderError::Unavailable(anyhow!("a prepay answer without code_url: {e}"))
        })?;
        Ok(native.code_url)
    }

    fn query(&self, out_trade_no: &str) -> Result<TradeState, ProviderError> {
        let path = format!(
            "/v3/pay/transactions/out-trade-no/{out_trade_no}?mchid={}",
            self.config.mchid
        );
        let answer = self.call("GET", &path, None)?;
        if answer.status == 404 {
            // ORDER_NOT_EXIST: WeChat never took this order.
            return Ok(TradeState::NotFound);
        }
        if answer.status != 200 {
            return Err(answer.refused());
        }
        let t: Transaction = serde_json::from_slice(&answer.body)
            .map_err(|e| ProviderError::Unavailable(anyhow!("a malformed query answer: {e}")))?;
        if t.out_trade_no != out_trade_no {
            return Err(ProviderError::Unavailable(anyhow!(
                "an answer about another order"
            )));
        }
        Ok(t.state(self.clock.now()))
    }

    fn close(&self, out_trade_no: &str) -> Result<(), ProviderError> {
        let path = format!("/v3/pay/transactions/out-trade-no/{out_trade_no}/close");
        let answer = self.call("POST", &path, Some(&json!({ "mchid": self.config.mchid })))?;
        if !(200..300).contains(&answer.status) {
            return Err(answer.refused());
        }
        Ok(())
    }

    fn refund(&self, req: &RefundRequest) -> Result<RefundState, ProviderError> {
        let body = json!({
            "out_trade_no": req.out_trade_no,
            "out_refund_no": req.out_refund_no,
            "reason": req.reason,
            "notify_url": self.config.notify_url,
            "amount": { "refund": req.amount_fen, "total": req.total_fen, "currency": "CNY" },
        });
        let path = "/v3/refund/domestic/refunds";
        let answer = self.call("POST", path, Some(&body))?;
        if answer.status != 200 {
            return Err(answer.refused());
        }
        let refund: Refund = serde_json::from_slice(&answer.body)
            .map_err(|e| ProviderError::Unavailable(anyhow!("a malformed refund answer: {e}")))?;
        Ok(refund.state(self.clock.now()))
    }

    fn query_refund(&self, out_refund_no: &str) -> Result<RefundState, ProviderError> {
        let path = format!("/v3/refund/domestic/refunds/{out_refund_no}");
        let answer = self.call("GET", &path, None)?;
        if answer.status != 200 {
            return Err(answer.refused());
        }
        let refund: Refund = serde_json::from_slice(&answer.body)
            .map_err(|e| ProviderError::Unavailable(anyhow!("a malformed refund answer: {e}")))?;
        Ok(refund.state(self.clock.now()))
    }

    fn maintain(&self) {
        if !self.config.download_certificates {
            return;
        }
        let now = self.clock.now();
        let due = self
            .certificates_fetched
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_none_or(|t| now.0 - t.0 >= CERTIFICATE_REFRESH_S);
        if due && let Err(e) = self.refresh_certificates() {
            tracing::error!(error = %format!("{e:#}"), "cannot refresh WeChat Pay platform certificates");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Test-only keys made with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`
    // (the WeChat Pay double's fixtures).
    const MERCHANT_KEY: &str = include_str!("../../wechatpay-double/fixtures/merchant_key.pem");
    const MERCHANT_PUBLIC: &str =
        include_str!("../../wechatpay-double/fixtures/merchant_public.pem");
    const OTHER_PUBLIC: &str =
        include_str!("../../wechatpay-double/fixtures/platform_1_public.pem");
    const CERT: &str = include_str!("../../wechatpay-double/fixtures/platform_1_cert.pem");

    #[test]
    fn the_signing_message_and_authorization_header() {
        let merchant = MerchantKey::from_pem(MERCHANT_KEY).unwrap();
        // The Native prepay request as WeChat documents it.
        let body = r#"{"appid":"wxd678efh567hg6787","mchid":"1230000109","description":"Image形象店-深圳腾大-QQ公仔","out_trade_no":"1217752501201407033233368018","notify_url":"https://www.weixin.qq.com/wxpay/pay.php","amount":{"total":100,"currency":"CNY"}}"#;
        let message = request_message(
            "POST",
            "/v3/pay/transactions/native",
            1554208460,
            "593BEC0C930BF1AFEB40B4A08C8FB242",
            body,
        );
        assert_eq!(
            message,
            format!(
                "POST\n/v3/pay/transactions/native\n1554208460\n\
                 593BEC0C930BF1AFEB40B4A08C8FB242\n{body}\n"
            )
        );
        let header = authorization(
            &merchant,
            "1230000109",
            "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C",
            "POST",
            "/v3/pay/transactions/native",
            1554208460,
            "593BEC0C930BF1AFEB40B4A08C8FB242",
            body,
        )
        .unwrap();
        let prefix = "WECHATPAY2-SHA256-RSA2048 mchid=\"1230000109\",\
                      nonce_str=\"593BEC0C930BF1AFEB40B4A08C8FB242\",timestamp=\"1554208460\",\
                      serial_no=\"1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C\",signature=\"";
        let signature = header
            .strip_prefix(prefix)
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or_else(|| panic!("{header}"));
        // 2048-bit signatures are 256 bytes: 344 base64 characters.
        assert_eq!(signature.len(), 344);
        let public = PlatformKey::from_pem(MERCHANT_PUBLIC).unwrap();
        assert!(public.verify(message.as_bytes(), signature));
        // PKCS#1 v1.5 is deterministic.
        assert_eq!(merchant.sign(message.as_bytes()).unwrap(), signature);
        assert!(!public.verify(b"POST\n/v3/other\n", signature));
        let other = PlatformKey::from_pem(OTHER_PUBLIC).unwrap();
        assert!(!other.verify(message.as_bytes(), signature));
        assert!(!public.verify(message.as_bytes(), "not base64!"));
    }

    #[test]
    fn resources_decrypt_with_the_api_v3_key() {
        let api_v3_key = b"0123456789abcdef0123456789abcdef";
        let plain = br#"{"out_trade_no":"BM1","trade_state":"SUCCESS"}"#;
        let cipher = Aes256Gcm::new_from_slice(api_v3_key).unwrap();
        let nonce = "fdasflkja484";
        let ct = cipher
            .encrypt(
                Nonce::from_slice(nonce.as_bytes()),
                Payload {
                    msg: plain,
                    aad: b"transaction",
                },
            )
            .unwrap();
        let resource = EncryptedResource {
            algorithm: "AEAD_AES_256_GCM".into(),
            ciphertext: BASE64.encode(&ct),
            associated_data: "transaction".into(),
            nonce: nonce.into(),
        };
        assert_eq!(decrypt_resource(api_v3_key, &resource).unwrap(), plain);
        let wrong_aad = EncryptedResource {
            associated_data: "other".into(),
            ..resource.clone()
        };
        assert!(decrypt_resource(api_v3_key, &wrong_aad).is_err());
        assert!(decrypt_resource(b"fedcba9876543210fedcba9876543210", &resource).is_err());
    }

    #[test]
    fn keys_from_pem_files() {
        assert!(MerchantKey::from_pem(MERCHANT_KEY).is_ok());
        assert!(MerchantKey::from_pem(MERCHANT_PUBLIC).is_err());
        assert!(PlatformKey::from_pem("-----BEGIN PUBLIC KEY-----\n").is_err());
        // A certificate's key is the same as the public key file's.
        let cert = platform_certificate(CERT).unwrap();
        assert_eq!(cert.key, PlatformKey::from_pem(OTHER_PUBLIC).unwrap());
        assert!(
            cert.serial
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_lowercase())
        );
    }

    #[test]
    fn trade_states_in_our_words() {
        let t = |state: &str| {
            Transaction {
                mchid: String::new(),
                appid: String::new(),
                out_trade_no: "BM1".into(),
                transaction_id: Some("42".into()),
                trade_state: state.into(),
                success_time: Some("2026-12-05T10:00:00+08:00".into()),
                amount: Some(TransactionAmount {
                    total: 100,
                    currency: None,
                }),
            }
            .state(Timestamp(0))
        };
        assert!(matches!(
            t("SUCCESS"),
            TradeState::Success {
                amount_fen: 100,
                ..
            }
        ));
        assert!(matches!(t("REFUND"), TradeState::Refund { .. }));
        assert_eq!(t("CLOSED"), TradeState::Closed);
        assert_eq!(t("REVOKED"), TradeState::Revoked);
        assert_eq!(t("PAYERROR"), TradeState::PayError);
        assert_eq!(t("USERPAYING"), TradeState::UserPaying);
        assert_eq!(t("NOTPAY"), TradeState::NotPay);
    }
}
