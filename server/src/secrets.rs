//! Random values (ids, SMS codes, session tokens, salts) from the operating system's CSPRNG,
//! and the hashing and constant-time comparison of secrets.

use std::fmt;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use baoming_contract::auth::SMS_CODE_LEN;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
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

/// Bytes of the key SMS codes are hashed with.
pub const SMS_CODE_KEY_BYTES: usize = 32;

/// The server secret SMS codes are stored under. A code has six digits, so any unkeyed hash
/// of it (salted or not) is reversed from a copy of the database by trying all million
/// codes; under a key that is not in the database the stored hashes say nothing.
///
/// It lives in a file of its own (see [`SmsCodeKey::load_or_create`]), by default next to the
/// database: copies of the database alone (backups, exports, a stolen `.sqlite3`) then stay
/// useless. Losing or replacing the key only invalidates the codes of the last few minutes.
#[derive(Clone)]
pub struct SmsCodeKey([u8; SMS_CODE_KEY_BYTES]);

impl fmt::Debug for SmsCodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SmsCodeKey(…)")
    }
}

impl SmsCodeKey {
    /// A new random key.
    pub fn random() -> SmsCodeKey {
        SmsCodeKey(random_bytes())
    }

    /// A key from its bytes (tests, tools).
    pub fn from_bytes(bytes: [u8; SMS_CODE_KEY_BYTES]) -> SmsCodeKey {
        SmsCodeKey(bytes)
    }

    /// Reads the key from `path` (64 hex digits; surrounding white space is ignored), or,
    /// when there is no such file, creates it with a new random key, readable and writable
    /// by its owner only (0600). `openssl rand -hex 32 > FILE` makes one by hand.
    pub fn load_or_create(path: &Path) -> anyhow::Result<SmsCodeKey> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                warn_if_others_can_read(path);
                SmsCodeKey::parse(text.trim())
                    .with_context(|| format!("the SMS code key {}", path.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = SmsCodeKey::random();
                match key.create_file(path) {
                    Ok(()) => {
                        tracing::info!(path = %path.display(), "created the SMS code key");
                        Ok(key)
                    }
                    // Another process created it first: use that one.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        SmsCodeKey::load_or_create(path)
                    }
                    Err(e) => Err(e).with_context(|| {
                        format!("cannot create the SMS code key {}", path.display())
                    }),
                }
            }
            Err(e) => {
                Err(e).with_context(|| format!("cannot read the SMS code key {}", path.display()))
            }
        }
    }

    fn parse(text: &str) -> anyhow::Result<SmsCodeKey> {
        let digits = text.as_bytes();
        if digits.len() != SMS_CODE_KEY_BYTES * 2 {
            bail!(
                "must be {} hex digits, not {} characters",
                SMS_CODE_KEY_BYTES * 2,
                digits.len()
            );
        }
        let nibble = |d: u8| char::from(d).to_digit(16).map(|v| v as u8);
        let mut bytes = [0u8; SMS_CODE_KEY_BYTES];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            match (nibble(pair[0]), nibble(pair[1])) {
                (Some(high), Some(low)) => *byte = high << 4 | low,
                _ => bail!("must be hex digits only"),
            }
        }
        Ok(SmsCodeKey(bytes))
    }

    fn create_file(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path)?;
        writeln!(file, "{}", hex(&self.0))?;
        file.sync_all()
    }

    /// How an SMS code is stored: hex HMAC-SHA256 under this key of
    /// `salt:phone:purpose:code` (none of which can contain a colon). The per-row random salt
    /// keeps two rows with the same code from having the same hash.
    pub fn hash(&self, salt: &str, phone: &str, purpose: &str, code: &str) -> String {
        // Any key length is valid for HMAC, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .expect("HMAC accepts a key of any length");
        mac.update(format!("{salt}:{phone}:{purpose}:{code}").as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

/// The key file should be the server's alone; a warning (not a refusal) because some secret
/// stores mount files readable by a group on purpose.
fn warn_if_others_can_read(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                path = %path.display(),
                "the SMS code key can be read by other users: chmod 600 it"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
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
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
        assert_eq!(new_id().len(), 32);
    }

    #[test]
    fn sms_code_hashes_depend_on_key_salt_phone_purpose_and_code() {
        let key = SmsCodeKey::from_bytes([7; SMS_CODE_KEY_BYTES]);
        let h = |key: &SmsCodeKey, salt, phone, purpose, code| key.hash(salt, phone, purpose, code);
        let base = h(&key, "aa", "13800138000", "register", "123456");
        assert_eq!(base.len(), 64);
        assert_eq!(base, h(&key, "aa", "13800138000", "register", "123456"));
        for other in [
            h(
                &SmsCodeKey::random(),
                "aa",
                "13800138000",
                "register",
                "123456",
            ),
            h(&key, "ab", "13800138000", "register", "123456"),
            h(&key, "aa", "13800138001", "register", "123456"),
            h(&key, "aa", "13800138000", "reset_password", "123456"),
            h(&key, "aa", "13800138000", "register", "123457"),
        ] {
            assert_ne!(base, other);
        }
        // HMAC-SHA256 itself (RFC 4231, test case 2), so the stored format is the documented one.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(!format!("{key:?}").contains('7'));
    }

    #[test]
    fn the_code_key_file_is_created_once_private_and_read_back() {
        let dir = std::env::temp_dir().join(format!("baoming-key-{}", new_id()));
        let path = dir.join("nested").join("sms-code.key");
        let created = SmsCodeKey::load_or_create(&path).unwrap();
        let again = SmsCodeKey::load_or_create(&path).unwrap();
        assert_eq!(created.0, again.0, "the same key on every start");
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.trim().len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not hex\n").unwrap();
        assert!(SmsCodeKey::load_or_create(&path).is_err());
        std::fs::write(&path, format!("{}\n", "Ab".repeat(32))).unwrap();
        assert_eq!(SmsCodeKey::load_or_create(&path).unwrap().0, [0xab; 32]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
