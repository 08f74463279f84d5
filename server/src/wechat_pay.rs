//! A real WeChat Pay API v3 Native provider ([`WechatPayProvider`]).
//!
//! - Every request is signed with the merchant's RSA key: the message
//!   `METHOD\nPATH_WITH_QUERY\nTIMESTAMP\nNONCE\nBODY\n`, RSA-SHA256 (PKCS#1 v1.5), base64,
//!   sent as `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",
//!   timestamp="…",serial_no="…",signature="…"` ([`authorization`]).
//! - Every successful answer and every notification carries the platform's signature over
//!   `TIMESTAMP\nNONCE\nBODY\n` (headers `Wechatpay-Timestamp`, `Wechatpay-Nonce`,
//!   `Wechatpay-Signature`, `Wechatpay-Serial`), verified with the platform public key.
//! - A notification's `resource` is AEAD_AES_256_GCM encrypted with the APIv3 key
//!   ([`decrypt_resource`]).
//!
//! Calls are blocking (`ureq` over rustls, short time-outs), like every
//! [`PaymentProvider`]: they run on the blocking thread pool.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use anyhow::{Context, anyhow, bail, ensure};
use baoming_contract::review::ORDER_CODE_TTL_S;
use baoming_contract::time::Timestamp;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::sha2::Sha256;
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::clock::Clock;
use crate::payments::{PaymentProvider, PaymentState, Prepay};
use crate::secrets;

/// The production API.
pub const DEFAULT_API_BASE: &str = "https://api.mch.weixin.qq.com";

/// A notification signed longer ago than this (or this far in the future) is refused.
pub const NOTIFICATION_MAX_AGE_S: i64 = 5 * 60;

/// The `Authorization` scheme of API v3.
pub const AUTH_SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// The merchant's settings (from `BAOMING_WECHATPAY_*`; see [`crate::config::USAGE`]).
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
    /// PEM file of the platform's public key (`-----BEGIN PUBLIC KEY-----`; for a platform
    /// certificate, extract it with `openssl x509 -in cert.pem -pubkey -noout`).
    pub platform_key_path: PathBuf,
    /// The platform key's id or certificate serial (`Wechatpay-Serial`).
    pub platform_serial: String,
    /// Where WeChat Pay posts notifications: `https://…/api/v1/payments/wechat/notify`.
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
            .field("platform_key_path", &self.platform_key_path)
            .field("platform_serial", &self.platform_serial)
            .field("notify_url", &self.notify_url)
            .field("api_base", &self.api_base)
            .finish()
    }
}

/// Reads a merchant private key: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 PEM.
pub fn parse_private_key(pem: &str) -> anyhow::Result<RsaPrivateKey> {
    RsaPrivateKey::from_pkcs8_pem(pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
        .map_err(|e| anyhow!("not an RSA private key in PEM (PKCS#8 or PKCS#1): {e}"))
}

/// Reads a platform public key: SPKI (`BEGIN PUBLIC KEY`) or PKCS#1 PEM.
pub fn parse_public_key(pem: &str) -> anyhow::Result<RsaPublicKey> {
    if pem.contains("BEGIN CERTIFICATE") {
        bail!(
            "a certificate, not a public key: extract it with \
             `openssl x509 -in cert.pem -pubkey -noout`"
        );
    }
    RsaPublicKey::from_public_key_pem(pem)
        .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem))
        .map_err(|e| anyhow!("not an RSA public key in PEM: {e}"))
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

/// base64(RSA-SHA256 PKCS#1 v1.5) of `message`.
pub fn sign(key: &RsaPrivateKey, message: &[u8]) -> String {
    let signer = SigningKey::<Sha256>::new(key.clone());
    BASE64.encode(signer.sign(message).to_bytes())
}

/// Whether `signature_b64` is a valid RSA-SHA256 signature of `message` by `key`.
pub fn verify(key: &RsaPublicKey, message: &[u8], signature_b64: &str) -> bool {
    let Ok(bytes) = BASE64.decode(signature_b64.trim()) else {
        return false;
    };
    let Ok(signature) = Signature::try_from(bytes.as_slice()) else {
        return false;
    };
    VerifyingKey::<Sha256>::new(key.clone())
        .verify(message, &signature)
        .is_ok()
}

/// The `Authorization` header for a request.
#[allow(clippy::too_many_arguments)]
pub fn authorization(
    key: &RsaPrivateKey,
    mchid: &str,
    serial_no: &str,
    method: &str,
    path_with_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &str,
) -> String {
    let message = request_message(method, path_with_query, timestamp, nonce, body);
    let signature = sign(key, message.as_bytes());
    format!(
        "{AUTH_SCHEME} mchid=\"{mchid}\",nonce_str=\"{nonce}\",timestamp=\"{timestamp}\",\
         serial_no=\"{serial_no}\",signature=\"{signature}\""
    )
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

/// A notification's `resource`.
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

/// The WeChat Pay API v3 Native provider.
pub struct WechatPayProvider {
    config: WechatPayConfig,
    merchant_key: RsaPrivateKey,
    platform_key: RsaPublicKey,
    clock: Clock,
    agent: ureq::Agent,
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

impl WechatPayProvider {
    /// Reads the keys named by `config`: fails (naming the file) when one is unreadable.
    pub fn from_config(config: WechatPayConfig, clock: Clock) -> anyhow::Result<Self> {
        let read = |path: &PathBuf, what: &str| {
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the {what} {}", path.display()))
        };
        let merchant_key = parse_private_key(&read(&config.merchant_key_path, "merchant key")?)
            .with_context(|| format!("{}", config.merchant_key_path.display()))?;
        let platform_key = parse_public_key(&read(&config.platform_key_path, "platform key")?)
            .with_context(|| format!("{}", config.platform_key_path.display()))?;
        Self::new(config, merchant_key, platform_key, clock)
    }

    /// A provider with keys already loaded.
    pub fn new(
        config: WechatPayConfig,
        merchant_key: RsaPrivateKey,
        platform_key: RsaPublicKey,
        clock: Clock,
    ) -> anyhow::Result<Self> {
        ensure!(
            config.api_v3_key.len() == 32,
            "the APIv3 key must be 32 bytes, not {}",
            config.api_v3_key.len()
        );
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .http_status_as_error(false)
            .build()
            .into();
        Ok(WechatPayProvider {
            config,
            merchant_key,
            platform_key,
            clock,
            agent,
        })
    }

    pub fn config(&self) -> &WechatPayConfig {
        &self.config
    }

    /// Checks a platform signature over `body` (serial, signature, and with `now` the
    /// timestamp within [`NOTIFICATION_MAX_AGE_S`]).
    pub fn verify_platform(
        &self,
        sig: &PlatformSignature,
        body: &[u8],
        now: Option<Timestamp>,
    ) -> anyhow::Result<()> {
        ensure!(
            sig.serial == self.config.platform_serial,
            "signed with an unknown platform key {}",
            sig.serial
        );
        if let Some(now) = now {
            let at: i64 = sig.timestamp.parse().context("a malformed timestamp")?;
            ensure!(
                (now.0 - at).abs() <= NOTIFICATION_MAX_AGE_S,
                "the signature's timestamp {at} is too far from now"
            );
        }
        let message = response_message(&sig.timestamp, &sig.nonce, body);
        ensure!(
            verify(&self.platform_key, &message, &sig.signature),
            "the platform signature does not verify"
        );
        Ok(())
    }

    /// Verifies and decrypts a notification: the transaction it reports.
    pub fn open_notification(
        &self,
        sig: &PlatformSignature,
        body: &[u8],
        now: Timestamp,
    ) -> anyhow::Result<(Notification, Transaction)> {
        self.verify_platform(sig, body, Some(now))?;
        let notification: Notification =
            serde_json::from_slice(body).context("a malformed notification")?;
        let plain = decrypt_resource(self.config.api_v3_key.as_bytes(), &notification.resource)?;
        let transaction: Transaction =
            serde_json::from_slice(&plain).context("a malformed transaction")?;
        ensure!(
            transaction.mchid == self.config.mchid,
            "a transaction of another merchant"
        );
        Ok((notification, transaction))
    }

    /// Sends a signed request; the answer's signature is verified when it is a success.
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> anyhow::Result<Answer> {
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
        );
        let url = format!("{}{path}", self.config.api_base.trim_end_matches('/'));
        let result = match method {
            "GET" => self
                .agent
                .get(&url)
                .header("Authorization", &auth)
                .header("Accept", "application/json")
                .call(),
            _ => self
                .agent
                .post(&url)
                .header("Authorization", &auth)
                .header("Accept", "application/json")
                .header("Content-Type", "application/json")
                .send(body.as_bytes()),
        };
        let mut response = result.with_context(|| format!("{method} {path}"))?;
        let status = response.status().as_u16();
        let sig = PlatformSignature::from_headers(|name| {
            response.headers().get(name).and_then(|v| v.to_str().ok())
        });
        let body = response
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_vec()
            .with_context(|| format!("{method} {path}: reading the answer"))?;
        if (200..300).contains(&status) {
            let sig = sig.ok_or_else(|| anyhow!("{method} {path}: an unsigned answer"))?;
            self.verify_platform(&sig, &body, None)
                .with_context(|| format!("{method} {path}"))?;
        }
        Ok(Answer { status, body })
    }

    fn api_error(method: &str, path: &str, answer: &Answer) -> anyhow::Error {
        anyhow!(
            "{method} {path}: HTTP {}: {}",
            answer.status,
            String::from_utf8_lossy(&answer.body)
        )
    }
}

impl PaymentProvider for WechatPayProvider {
    fn prepay(
        &self,
        order_no: &str,
        amount_fen: u64,
        description: &str,
        now: Timestamp,
    ) -> anyhow::Result<Prepay> {
        ensure!(amount_fen > 0, "nothing to pay");
        let expires_at = Timestamp(now.0 + ORDER_CODE_TTL_S);
        let body = json!({
            "appid": self.config.appid,
            "mchid": self.config.mchid,
            "description": description,
            "out_trade_no": order_no,
            "time_expire": expires_at.to_rfc3339(),
            "notify_url": self.config.notify_url,
            "amount": { "total": amount_fen, "currency": "CNY" },
        });
        let path = "/v3/pay/transactions/native";
        let answer = self.call("POST", path, Some(&body))?;
        if answer.status != 200 {
            return Err(Self::api_error("POST", path, &answer));
        }
        #[derive(Deserialize)]
        struct NativeAnswer {
            code_url: String,
        }
        let native: NativeAnswer =
            serde_json::from_slice(&answer.body).context("a prepay answer without code_url")?;
        Ok(Prepay {
            code_url: native.code_url,
            expires_at,
        })
    }

    fn query(&self, order_no: &str) -> anyhow::Result<PaymentState> {
        let path = format!(
            "/v3/pay/transactions/out-trade-no/{order_no}?mchid={}",
            self.config.mchid
        );
        let answer = self.call("GET", &path, None)?;
        if answer.status == 404 {
            // ORDER_NOT_EXIST: nothing was ever paid for it.
            return Ok(PaymentState::Unpaid);
        }
        if answer.status != 200 {
            return Err(Self::api_error("GET", &path, &answer));
        }
        let t: Transaction =
            serde_json::from_slice(&answer.body).context("a malformed query answer")?;
        ensure!(t.out_trade_no == order_no, "an answer about another order");
        if t.trade_state != "SUCCESS" {
            return Ok(PaymentState::Unpaid);
        }
        let paid_at = t
            .success_time
            .as_deref()
            .and_then(Timestamp::parse_rfc3339)
            .unwrap_or_else(|| self.clock.now());
        Ok(PaymentState::Paid { paid_at })
    }

    fn close(&self, order_no: &str) -> anyhow::Result<()> {
        let path = format!("/v3/pay/transactions/out-trade-no/{order_no}/close");
        let answer = self.call("POST", &path, Some(&json!({ "mchid": self.config.mchid })))?;
        if !(200..300).contains(&answer.status) {
            return Err(Self::api_error("POST", &path, &answer));
        }
        Ok(())
    }

    fn wechat(&self) -> Option<&WechatPayProvider> {
        Some(self)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn key(seed: u64) -> RsaPrivateKey {
        let mut rng = StdRng::seed_from_u64(seed);
        RsaPrivateKey::new(&mut rng, 2048).unwrap()
    }

    #[test]
    fn the_signing_message_and_authorization_header() {
        let merchant = key(1);
        // A recorded example: the Native prepay request as documented.
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
        );
        let prefix = "WECHATPAY2-SHA256-RSA2048 mchid=\"1230000109\",\
                      nonce_str=\"593BEC0C930BF1AFEB40B4A08C8FB242\",timestamp=\"1554208460\",\
                      serial_no=\"1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C\",signature=\"";
        let signature = header
            .strip_prefix(prefix)
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or_else(|| panic!("{header}"));
        // 2048-bit signatures are 256 bytes: 344 base64 characters.
        assert_eq!(signature.len(), 344);
        let public = merchant.to_public_key();
        assert!(verify(&public, message.as_bytes(), signature));
        // PKCS#1 v1.5 is deterministic.
        assert_eq!(sign(&merchant, message.as_bytes()), signature);
        assert!(!verify(&public, b"POST\n/v3/other\n", signature));
        assert!(!verify(
            &key(2).to_public_key(),
            message.as_bytes(),
            signature
        ));
        assert!(!verify(&public, message.as_bytes(), "not base64!"));
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
    fn keys_round_trip_through_pem() {
        use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
        let k = key(3);
        let pem = k.to_pkcs8_pem(LineEnding::LF).unwrap();
        assert_eq!(parse_private_key(&pem).unwrap(), k);
        let public = k.to_public_key().to_public_key_pem(LineEnding::LF).unwrap();
        assert_eq!(parse_public_key(&public).unwrap(), k.to_public_key());
        assert!(parse_public_key("-----BEGIN CERTIFICATE-----\n").is_err());
    }
}
