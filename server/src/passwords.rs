//! Password hashing: Argon2id with the `argon2` crate's defaults (m = 19 MiB, t = 2, p = 1,
//! the OWASP recommendation), stored as a PHC string so the parameters can be raised later
//! without invalidating existing hashes.
//!
//! Hashing costs tens of milliseconds of CPU on purpose, so it runs on the blocking pool.
//! What a valid password is comes from [`baoming_contract::password::validate`].

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::rngs::OsRng;

use crate::error::{ApiError, ApiResult};

/// Hashes `password` into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`). Blocking.
pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| anyhow::anyhow!("argon2 hash failed: {e}"))
}

/// Whether `password` matches the PHC string `phc`. Blocking. A malformed stored hash is an
/// error, not a mismatch, so it is noticed.
pub fn verify_blocking(password: &str, phc: &str) -> anyhow::Result<bool> {
    let parsed = PasswordHash::new(phc).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
    match Argon2::default().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(e) => Err(anyhow::anyhow!("argon2 verify failed: {e}")),
    }
}

/// A hash of a random password, verified against when the phone has no account so that
/// "unknown phone" takes as long as "wrong password".
fn dummy_hash() -> Option<&'static str> {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    DUMMY
        .get_or_init(|| {
            // Cannot fail with the default parameters; if it ever did, log-ins still work,
            // only the timing cover is lost.
            hash_blocking(&crate::secrets::new_id())
                .inspect_err(|e| tracing::error!(error = %e, "cannot build the dummy hash"))
                .ok()
        })
        .as_deref()
}

/// Hashes on the blocking pool.
pub async fn hash(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// Verifies on the blocking pool. With `phc` `None` (no such account) it verifies against a
/// dummy hash, taking the same time, and answers `false`.
pub async fn verify(password: String, phc: Option<String>) -> ApiResult<bool> {
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => verify_blocking(&password, &phc),
        None => match dummy_hash() {
            Some(dummy) => verify_blocking(&password, dummy).map(|_| false),
            None => Ok(false),
        },
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)
}

/// Makes the dummy hash now (at start-up) rather than during the first log-in.
pub fn warm_up() {
    let _ = dummy_hash();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_phc_strings_verify_and_differ_per_salt() {
        let a = hash_blocking("abcd1234").unwrap();
        let b = hash_blocking("abcd1234").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b);
        assert!(verify_blocking("abcd1234", &a).unwrap());
        assert!(!verify_blocking("abcd1235", &a).unwrap());
        assert!(verify_blocking("abcd1234", "not a hash").is_err());
    }

    #[tokio::test]
    async fn unknown_accounts_never_verify() {
        assert!(!verify("abcd1234".into(), None).await.unwrap());
    }
}
