//! Random values (ids, SMS codes, session tokens, salts) from the operating system's CSPRNG,
//! and the hashing and constant-time comparison of secrets.

use baoming_contract::auth::SMS_CODE_LEN;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::rngs::OsRng;
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Bytes of entropy in a session token.
pub const SESSION_TOKEN_BYTES: usize = 32;

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

/// Hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// A new random id (128 bits, hex), unguessable so ids leak nothing about other accounts.
pub fn new_id() -> String {
    hex(&random_bytes::<16>())
}

/// `count` uniformly random characters of `alphabet` (which must not be empty).
pub fn random_from(alphabet: &[u8], count: usize) -> String {
    (0..count)
        .map(|_| char::from(alphabet[OsRng.gen_range(0..alphabet.len())]))
        .collect()
}

/// A new SMS code: [`SMS_CODE_LEN`] uniformly random digits.
pub fn new_sms_code() -> String {
    let bound = 10u32.pow(SMS_CODE_LEN as u32);
    format!(
        "{:0width$}",
        OsRng.gen_range(0..bound),
        width = SMS_CODE_LEN
    )
}

/// A new random salt (hex).
pub fn new_salt() -> String {
    hex(&random_bytes::<16>())
}

/// How an SMS code is stored: hex SHA-256(salt || code).
pub fn sms_code_hash(salt: &str, code: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update(code.as_bytes());
    hex(&hasher.finalize())
}

/// A new session token: [`SESSION_TOKEN_BYTES`] random bytes, base64url without padding.
pub fn new_session_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<SESSION_TOKEN_BYTES>())
}

/// Whether `token` has the shape of one from [`new_session_token`]; anything else is not
/// looked up at all.
pub fn is_session_token(token: &str) -> bool {
    URL_SAFE_NO_PAD
        .decode(token)
        .is_ok_and(|bytes| bytes.len() == SESSION_TOKEN_BYTES)
}

/// How a session token is stored: hex SHA-256 of the token text.
pub fn session_token_hash(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// Compares two secrets (or their hashes) in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_vary() {
        let codes: std::collections::BTreeSet<String> = (0..50).map(|_| new_sms_code()).collect();
        assert!(codes.len() > 40);
        for code in &codes {
            assert_eq!(
                baoming_contract::auth::normalize_code(code).as_ref(),
                Ok(code)
            );
        }
    }

    #[test]
    fn tokens_are_43_base64url_characters_and_recognised() {
        let token = new_session_token();
        assert_eq!(token.len(), 43);
        assert!(is_session_token(&token));
        assert!(!is_session_token("abc"));
        assert!(!is_session_token(&format!("{token}=")));
        assert_ne!(token, new_session_token());
        assert_eq!(session_token_hash(&token).len(), 64);
    }

    #[test]
    fn hashes_and_comparison() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let salt = new_salt();
        assert_eq!(salt.len(), 32);
        assert_eq!(
            sms_code_hash(&salt, "123456"),
            sms_code_hash(&salt, "123456")
        );
        assert_ne!(
            sms_code_hash(&salt, "123456"),
            sms_code_hash(&new_salt(), "123456")
        );
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
        assert_eq!(new_id().len(), 32);
    }
}
