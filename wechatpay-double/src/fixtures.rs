//! Test-only keys, certificates and identifiers, committed under `fixtures/`.
//!
//! Nothing here is a real WeChat Pay credential. The files were made once with
//! `openssl` (see `fixtures/README.md`); the constants below were copied from
//! `openssl x509 -noout -serial -startdate -enddate`. Tests of other crates use
//! them to configure the merchant side against the double.

use std::path::PathBuf;

/// 商户号 (merchant id) the double accepts in `Authorization`.
pub const MCHID: &str = "1900000109";

/// 公众账号ID (appid) bound to [`MCHID`]; WeChat's own documentation example value.
pub const APPID: &str = "wxd678efh567hg6787";

/// APIv3 密钥: 32 ASCII characters, the AEAD_AES_256_GCM key of notification
/// resources and of `/v3/certificates`.
pub const API_V3_KEY: &str = "BaomingTestOnlyApiV3Key000000001";

/// Serial number of the merchant API certificate (`merchant_cert.pem`), the
/// value the merchant puts in `serial_no="…"` of `Authorization`.
pub const MERCHANT_CERT_SERIAL: &str = "5C1F6A3E9B2D47A08E3C1B9D2F4A6E8C0B1D3F57";

/// Merchant API private key (PKCS#8 PEM), `apiclient_key.pem` in WeChat's terms.
pub const MERCHANT_KEY_PEM: &str = include_str!("../fixtures/merchant_key.pem");
/// Merchant public key (SPKI PEM); the double verifies request signatures with it.
pub const MERCHANT_PUBLIC_PEM: &str = include_str!("../fixtures/merchant_public.pem");
/// Merchant API certificate (self-signed, test only), `apiclient_cert.pem`.
pub const MERCHANT_CERT_PEM: &str = include_str!("../fixtures/merchant_cert.pem");

/// Platform certificate 1: serial number (upper-case hex, as `openssl` prints it).
pub const PLATFORM_1_SERIAL: &str = "3A9E5D7C1B2F48E6A0C4D8B2E6F1A3C5D7E9B0F1";
/// 微信支付公钥ID of platform key pair 1 (public-key mode).
pub const PLATFORM_1_PUB_KEY_ID: &str = "PUB_KEY_ID_0119000001092026120500000000000001";
/// Platform private key 1 (PKCS#8 PEM); only the double signs with it.
pub const PLATFORM_1_KEY_PEM: &str = include_str!("../fixtures/platform_1_key.pem");
/// Platform public key 1 (SPKI PEM): the "微信支付公钥" file of public-key mode.
pub const PLATFORM_1_PUBLIC_PEM: &str = include_str!("../fixtures/platform_1_public.pem");
/// Platform certificate 1 (self-signed X.509 PEM) of certificate mode.
pub const PLATFORM_1_CERT_PEM: &str = include_str!("../fixtures/platform_1_cert.pem");

/// Platform certificate 2: serial number.
pub const PLATFORM_2_SERIAL: &str = "4B0F6E8D2C3A59F7B1D5E9C3F7A2B4D6E8F0A1C2";
/// 微信支付公钥ID of platform key pair 2.
pub const PLATFORM_2_PUB_KEY_ID: &str = "PUB_KEY_ID_0119000001092026120500000000000002";
/// Platform private key 2 (PKCS#8 PEM).
pub const PLATFORM_2_KEY_PEM: &str = include_str!("../fixtures/platform_2_key.pem");
/// Platform public key 2 (SPKI PEM).
pub const PLATFORM_2_PUBLIC_PEM: &str = include_str!("../fixtures/platform_2_public.pem");
/// Platform certificate 2 (self-signed X.509 PEM).
pub const PLATFORM_2_CERT_PEM: &str = include_str!("../fixtures/platform_2_cert.pem");

/// Validity of all three certificates (notBefore 2020-01-01T00:00:00Z), in the
/// `+08:00` form `/v3/certificates` uses for `effective_time`.
pub const CERT_EFFECTIVE_TIME: &str = "2020-01-01T08:00:00+08:00";
/// notAfter 2099-12-31T23:59:59Z, as `expire_time`.
pub const CERT_EXPIRE_TIME: &str = "2100-01-01T07:59:59+08:00";

/// The folder holding the fixture files, for configurations that want paths
/// (e.g. a backend reading `WECHAT_PAY_PRIVATE_KEY_PATH`).
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Path of one fixture file, e.g. `fixture_path("merchant_key.pem")`.
pub fn fixture_path(name: &str) -> PathBuf {
    fixtures_dir().join(name)
}
