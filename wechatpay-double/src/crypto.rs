//! The double's own crypto, written from WeChat Pay's documentation with `ring`
//! and `aes-gcm`; nothing here is shared with the code under test.
//!
//! - 签名生成 / 签名验证: "SHA256 with RSA" (RSASSA-PKCS1-v1_5 over SHA-256),
//!   the signature Base64-encoded.
//! - 证书和回调报文解密: AEAD_AES_256_GCM (RFC 5116), key = the 32-byte APIv3
//!   key, nonce = 12 bytes, `associated_data` as AAD, ciphertext = Base64 of
//!   the encrypted bytes followed by the 16-byte tag.
//!
//! The helpers are public so tests (here and in other crates) can play the
//! merchant side without reusing the backend's own signing code.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::{Context, anyhow, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, RsaKeyPair, UnparsedPublicKey};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivatePkcs8KeyDer, SubjectPublicKeyInfoDer};

/// An RSA private key that signs "SHA256 with RSA".
pub struct RsaSigner {
    key: RsaKeyPair,
}

impl std::fmt::Debug for RsaSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RsaSigner(..)")
    }
}

impl RsaSigner {
    /// Loads a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pkcs8_pem(pem: &str) -> anyhow::Result<Self> {
        let der = PrivatePkcs8KeyDer::from_pem_slice(pem.as_bytes())
            .map_err(|e| anyhow!("not a PKCS#8 PEM private key: {e:?}"))?;
        let key = RsaKeyPair::from_pkcs8(der.secret_pkcs8_der())
            .map_err(|e| anyhow!("not an RSA PKCS#8 key: {e}"))?;
        Ok(Self { key })
    }

    /// Signs `message` and returns the Base64 signature.
    pub fn sign_base64(&self, message: &[u8]) -> String {
        let mut signature = vec![0u8; self.key.public().modulus_len()];
        // ring only fails here on an internal RNG failure, which the blinding
        // needs; a test double cannot go on without randomness.
        self.key
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .expect("RSA signing failed (system randomness unavailable)");
        B64.encode(signature)
    }
}

/// An RSA public key that verifies "SHA256 with RSA".
#[derive(Clone, Debug)]
pub struct RsaVerifier {
    /// ASN.1 `RSAPublicKey` (PKCS#1), the form `ring` takes.
    pkcs1: Vec<u8>,
}

impl RsaVerifier {
    /// Loads an SPKI PEM public key (`-----BEGIN PUBLIC KEY-----`).
    pub fn from_spki_pem(pem: &str) -> anyhow::Result<Self> {
        let der = SubjectPublicKeyInfoDer::from_pem_slice(pem.as_bytes())
            .map_err(|e| anyhow!("not an SPKI PEM public key: {e:?}"))?;
        Ok(Self {
            pkcs1: der::rsa_public_key_from_spki(der.as_ref())?,
        })
    }

    /// Loads the public key of an X.509 certificate PEM.
    pub fn from_cert_pem(pem: &str) -> anyhow::Result<Self> {
        let der = CertificateDer::from_pem_slice(pem.as_bytes())
            .map_err(|e| anyhow!("not a certificate PEM: {e:?}"))?;
        let spki = der::certificate_spki(der.as_ref())?;
        Ok(Self {
            pkcs1: der::rsa_public_key_from_spki(spki)?,
        })
    }

    /// True when `signature_b64` is a valid signature of `message`.
    pub fn verify_base64(&self, message: &[u8], signature_b64: &str) -> bool {
        let Ok(signature) = B64.decode(signature_b64.trim()) else {
            return false;
        };
        UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &self.pkcs1)
            .verify(message, &signature)
            .is_ok()
    }
}

/// 签名生成: the request signature string,
/// `METHOD\nCANONICAL_URL\nTIMESTAMP\nNONCE\nBODY\n` (five lines, each ending in `\n`).
pub fn request_message(
    method: &str,
    canonical_url: &str,
    timestamp: &str,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    let mut message = Vec::with_capacity(body.len() + 128);
    for part in [method, canonical_url, timestamp, nonce] {
        message.extend_from_slice(part.as_bytes());
        message.push(b'\n');
    }
    message.extend_from_slice(body);
    message.push(b'\n');
    message
}

/// 签名验证: the answer / notification signature string,
/// `TIMESTAMP\nNONCE\nBODY\n` (an empty body leaves the last line as a lone `\n`).
pub fn answer_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(body.len() + 64);
    for part in [timestamp, nonce] {
        message.extend_from_slice(part.as_bytes());
        message.push(b'\n');
    }
    message.extend_from_slice(body);
    message.push(b'\n');
    message
}

/// AEAD_AES_256_GCM encryption; returns the Base64 ciphertext (with the tag).
pub fn aead_encrypt(
    key: &[u8],
    nonce: &str,
    associated_data: &str,
    plaintext: &[u8],
) -> anyhow::Result<String> {
    let cipher = aead_cipher(key, nonce)?;
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(nonce.as_bytes()),
            Payload {
                msg: plaintext,
                aad: associated_data.as_bytes(),
            },
        )
        .map_err(|_| anyhow!("AES-GCM encryption failed"))?;
    Ok(B64.encode(sealed))
}

/// AEAD_AES_256_GCM decryption of a Base64 ciphertext; fails on any tampering.
pub fn aead_decrypt(
    key: &[u8],
    nonce: &str,
    associated_data: &str,
    ciphertext_b64: &str,
) -> anyhow::Result<Vec<u8>> {
    let cipher = aead_cipher(key, nonce)?;
    let sealed = B64
        .decode(ciphertext_b64)
        .context("ciphertext is not Base64")?;
    cipher
        .decrypt(
            Nonce::from_slice(nonce.as_bytes()),
            Payload {
                msg: &sealed,
                aad: associated_data.as_bytes(),
            },
        )
        .map_err(|_| anyhow!("AES-GCM authentication failed"))
}

fn aead_cipher(key: &[u8], nonce: &str) -> anyhow::Result<Aes256Gcm> {
    // "微信支付使用的密钥key长度为32个字节,随机串nonce长度12个字节" (支付通知 / 证书和回调报文解密).
    if key.len() != 32 {
        bail!("the APIv3 key must be 32 bytes, got {}", key.len());
    }
    if nonce.len() != 12 {
        bail!("the nonce must be 12 bytes, got {}", nonce.len());
    }
    Aes256Gcm::new_from_slice(key).map_err(|_| anyhow!("bad AES-256 key"))
}

/// Serial number of an X.509 certificate PEM, upper-case hex without leading zero bytes
/// (the form `openssl x509 -serial` prints and WeChat shows).
pub fn certificate_serial(pem: &str) -> anyhow::Result<String> {
    let der = CertificateDer::from_pem_slice(pem.as_bytes())
        .map_err(|e| anyhow!("not a certificate PEM: {e:?}"))?;
    let serial = der::certificate_serial(der.as_ref())?;
    let trimmed = match serial.iter().position(|b| *b != 0) {
        Some(first) => &serial[first..],
        None => &serial[serial.len().saturating_sub(1)..],
    };
    Ok(trimmed.iter().map(|b| format!("{b:02X}")).collect())
}

/// `n` random bytes from the system RNG.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("system randomness unavailable");
    bytes
}

/// `n` random characters from `alphabet` (rejection sampling, so unbiased).
pub fn random_from(alphabet: &[u8], n: usize) -> String {
    let limit = 256 - (256 % alphabet.len());
    let mut out = String::with_capacity(n);
    while out.len() < n {
        for b in random_bytes(n * 2) {
            if (b as usize) < limit && out.len() < n {
                out.push(alphabet[b as usize % alphabet.len()] as char);
            }
        }
    }
    out
}

/// Random `[0-9A-Za-z]` string.
pub fn random_alnum(n: usize) -> String {
    random_from(
        b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        n,
    )
}

/// Random decimal digits.
pub fn random_digits(n: usize) -> String {
    random_from(b"0123456789", n)
}

/// Random upper-case hex.
pub fn random_hex_upper(n: usize) -> String {
    random_from(b"0123456789ABCDEF", n)
}

/// Just enough DER to take keys and serial numbers out of SPKI and X.509.
mod der {
    use anyhow::{Context, bail};

    const SEQUENCE: u8 = 0x30;
    const INTEGER: u8 = 0x02;
    const BIT_STRING: u8 = 0x03;
    const CONTEXT_0: u8 = 0xA0;

    /// One TLV: (tag, contents, rest).
    fn tlv(input: &[u8]) -> anyhow::Result<(u8, &[u8], &[u8])> {
        let (&tag, rest) = input.split_first().context("truncated DER tag")?;
        let (&first, mut rest) = rest.split_first().context("truncated DER length")?;
        let len = if first < 0x80 {
            first as usize
        } else {
            let count = (first & 0x7F) as usize;
            if count == 0 || count > 4 || rest.len() < count {
                bail!("unsupported DER length");
            }
            let mut len = 0usize;
            for &b in &rest[..count] {
                len = (len << 8) | b as usize;
            }
            rest = &rest[count..];
            len
        };
        if rest.len() < len {
            bail!("truncated DER value");
        }
        Ok((tag, &rest[..len], &rest[len..]))
    }

    fn expect(input: &[u8], want: u8) -> anyhow::Result<(&[u8], &[u8])> {
        let (tag, contents, rest) = tlv(input)?;
        if tag != want {
            bail!("expected DER tag {want:#04x}, found {tag:#04x}");
        }
        Ok((contents, rest))
    }

    /// SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
    pub fn rsa_public_key_from_spki(spki: &[u8]) -> anyhow::Result<Vec<u8>> {
        let (inner, _) = expect(spki, SEQUENCE)?;
        let (_algorithm, rest) = expect(inner, SEQUENCE)?;
        let (bits, _) = expect(rest, BIT_STRING)?;
        match bits.split_first() {
            Some((0, key)) => Ok(key.to_vec()),
            _ => bail!("public key BIT STRING has unused bits"),
        }
    }

    /// TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber INTEGER, signature,
    /// issuer, validity, subject, subjectPublicKeyInfo, ... }
    fn tbs_fields(cert: &[u8]) -> anyhow::Result<&[u8]> {
        let (certificate, _) = expect(cert, SEQUENCE)?;
        let (tbs, _) = expect(certificate, SEQUENCE)?;
        let (tag, _, after_version) = tlv(tbs)?;
        Ok(if tag == CONTEXT_0 { after_version } else { tbs })
    }

    pub fn certificate_serial(cert: &[u8]) -> anyhow::Result<Vec<u8>> {
        let (serial, _) = expect(tbs_fields(cert)?, INTEGER)?;
        Ok(serial.to_vec())
    }

    pub fn certificate_spki(cert: &[u8]) -> anyhow::Result<&[u8]> {
        let (_, rest) = expect(tbs_fields(cert)?, INTEGER)?; // serialNumber
        let (_, rest) = expect(rest, SEQUENCE)?; // signature
        let (_, rest) = expect(rest, SEQUENCE)?; // issuer
        let (_, rest) = expect(rest, SEQUENCE)?; // validity
        let (_, rest) = expect(rest, SEQUENCE)?; // subject
        let (tag, _, after) = tlv(rest)?;
        if tag != SEQUENCE {
            bail!("no subjectPublicKeyInfo");
        }
        // Hand back the whole SPKI TLV, header included.
        Ok(&rest[..rest.len() - after.len()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn fixture_serials_match_the_certificates() {
        assert_eq!(
            certificate_serial(fixtures::MERCHANT_CERT_PEM).unwrap(),
            fixtures::MERCHANT_CERT_SERIAL
        );
        assert_eq!(
            certificate_serial(fixtures::PLATFORM_1_CERT_PEM).unwrap(),
            fixtures::PLATFORM_1_SERIAL
        );
        assert_eq!(
            certificate_serial(fixtures::PLATFORM_2_CERT_PEM).unwrap(),
            fixtures::PLATFORM_2_SERIAL
        );
    }

    #[test]
    fn sign_verify_round_trip_and_key_pairs_match() {
        let pairs = [
            (
                fixtures::MERCHANT_KEY_PEM,
                fixtures::MERCHANT_PUBLIC_PEM,
                fixtures::MERCHANT_CERT_PEM,
            ),
            (
                fixtures::PLATFORM_1_KEY_PEM,
                fixtures::PLATFORM_1_PUBLIC_PEM,
                fixtures::PLATFORM_1_CERT_PEM,
            ),
            (
                fixtures::PLATFORM_2_KEY_PEM,
                fixtures::PLATFORM_2_PUBLIC_PEM,
                fixtures::PLATFORM_2_CERT_PEM,
            ),
        ];
        for (key, public, cert) in pairs {
            let signer = RsaSigner::from_pkcs8_pem(key).unwrap();
            let sig = signer.sign_base64(b"hello\n");
            assert!(
                RsaVerifier::from_spki_pem(public)
                    .unwrap()
                    .verify_base64(b"hello\n", &sig)
            );
            assert!(
                RsaVerifier::from_cert_pem(cert)
                    .unwrap()
                    .verify_base64(b"hello\n", &sig)
            );
            assert!(
                !RsaVerifier::from_spki_pem(public)
                    .unwrap()
                    .verify_base64(b"hello", &sig)
            );
        }
        // A signature by one platform key does not verify with the other.
        let sig = RsaSigner::from_pkcs8_pem(fixtures::PLATFORM_1_KEY_PEM)
            .unwrap()
            .sign_base64(b"x");
        assert!(
            !RsaVerifier::from_spki_pem(fixtures::PLATFORM_2_PUBLIC_PEM)
                .unwrap()
                .verify_base64(b"x", &sig)
        );
    }

    #[test]
    fn aead_round_trip_and_tamper_detection() {
        let key = fixtures::API_V3_KEY.as_bytes();
        assert_eq!(key.len(), 32);
        let ct = aead_encrypt(key, "61f9c719728a", "certificate", b"secret").unwrap();
        assert_eq!(
            aead_decrypt(key, "61f9c719728a", "certificate", &ct).unwrap(),
            b"secret"
        );
        assert!(aead_decrypt(key, "61f9c719728a", "transaction", &ct).is_err());
        assert!(aead_decrypt(key, "61f9c719728b", "certificate", &ct).is_err());
    }

    #[test]
    fn signature_strings_have_a_newline_after_every_line() {
        assert_eq!(
            request_message(
                "GET",
                "/v3/certificates",
                "1554208460",
                "593BEC0C930BF1AFEB40B4A08C8FB242",
                b""
            ),
            b"GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n".to_vec()
        );
        assert_eq!(answer_message("1", "n", b"{}"), b"1\nn\n{}\n".to_vec());
    }

    #[test]
    fn random_strings_use_their_alphabet() {
        let s = random_alnum(64);
        assert_eq!(s.len(), 64);
        assert!(s.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert!(random_digits(28).bytes().all(|b| b.is_ascii_digit()));
        assert_ne!(random_alnum(16), random_alnum(16));
    }
}
