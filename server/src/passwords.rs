//! Password hashing: Argon2id with the `argon2` crate's defaults (m = 19 MiB, t = 2, p = 1,
//! the OWASP recommendation), stored as a PHC string so the parameters can be raised later
//! without invalidating existing hashes.
//!
//! Hashing costs tens of milliseconds of CPU and 19 MiB of memory on purpose, so it runs on
//! the blocking pool, **at most one hash per core at a time** ([`HashGate`]): 200 log-ins at
//! once would otherwise take 200 × 19 MiB and every core, and starve everyone else. A short
//! queue waits behind them; beyond it the request is refused at once with 503
//! `unavailable` and `Retry-After`, rather than holding memory and a connection while the
//! queue grows. Nothing else (no database connection, no lock) is held while hashing.
//! What a valid password is comes from [`baoming_contract::password::validate`].

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use baoming_contract::error::ErrorCode;
use tokio::sync::Semaphore;

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

/// Seconds a refused caller is told to wait: a queue's worth of hashes takes well under one.
pub const BUSY_RETRY_AFTER_S: u64 = 2;

/// How many hashes may wait for a core, per core.
pub const QUEUE_PER_CORE: usize = 8;

/// Bounds the hashes running at once (one per core) and those waiting (a short queue).
#[derive(Debug)]
pub struct HashGate {
    running: Semaphore,
    /// Running and waiting together.
    admitted: AtomicUsize,
    limit: usize,
}

impl HashGate {
    /// `cores` hashes at once, `queue` more waiting.
    pub fn new(cores: usize, queue: usize) -> HashGate {
        HashGate {
            running: Semaphore::new(cores.max(1)),
            admitted: AtomicUsize::new(0),
            limit: cores.max(1) + queue,
        }
    }

    /// The process's gate: as many hashes at once as the machine has cores.
    pub fn global() -> &'static HashGate {
        static GATE: OnceLock<HashGate> = OnceLock::new();
        GATE.get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(2, usize::from);
            HashGate::new(cores, cores * QUEUE_PER_CORE)
        })
    }

    /// Runs `work` on the blocking pool once a core is free; 503 at once when the queue is
    /// full.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> ApiResult<T> {
        if self.admitted.fetch_add(1, Ordering::AcqRel) >= self.limit {
            self.admitted.fetch_sub(1, Ordering::AcqRel);
            return Err(ApiError::new(
                ErrorCode::Unavailable,
                "too many log-ins at this moment; try again in a moment",
            )
            .with_retry_after(BUSY_RETRY_AFTER_S));
        }
        // Leaves the count right even if the caller's future is dropped while waiting.
        struct Admitted<'a>(&'a AtomicUsize);
        impl Drop for Admitted<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::AcqRel);
            }
        }
        let _admitted = Admitted(&self.admitted);
        let _core = self.running.acquire().await.map_err(ApiError::internal)?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)
    }
}

/// Hashes on the blocking pool, through the [`HashGate`].
pub async fn hash(password: String) -> ApiResult<String> {
    HashGate::global()
        .run(move || hash_blocking(&password))
        .await
}

/// Verifies on the blocking pool. With `phc` `None` (no such account) it verifies against a
/// dummy hash, taking the same time, and answers `false`.
pub async fn verify(password: String, phc: Option<String>) -> ApiResult<bool> {
    HashGate::global()
        .run(move || match phc {
            Some(phc) => verify_blocking(&password, &phc),
            None => match dummy_hash() {
                Some(dummy) => verify_blocking(&password, dummy).map(|_| false),
                None => Ok(false),
            },
        })
        .await
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_gate_runs_one_per_core_queues_a_few_and_refuses_the_rest() {
        use std::sync::Arc;
        use std::time::Duration;
        let gate = Arc::new(HashGate::new(1, 2));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let wait = Arc::new(std::sync::Mutex::new(wait));
        let mut tasks = Vec::new();
        for _ in 0..3 {
            let (gate, running, most, wait) =
                (gate.clone(), running.clone(), most.clone(), wait.clone());
            tasks.push(tokio::spawn(async move {
                gate.run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    let _ = wait.lock().unwrap().recv_timeout(Duration::from_secs(5));
                    running.fetch_sub(1, Ordering::SeqCst);
                    Ok(())
                })
                .await
            }));
        }
        // One runs, two wait: the fourth is refused at once with Retry-After.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let refused = gate.run(|| Ok(())).await.unwrap_err();
        assert_eq!(refused.code(), ErrorCode::Unavailable);
        assert_eq!(
            refused.envelope().error.retry_after_s,
            Some(BUSY_RETRY_AFTER_S)
        );
        for _ in 0..3 {
            release.send(()).unwrap();
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(
            most.load(Ordering::SeqCst),
            1,
            "never two hashes at once on one core"
        );
        // The queue is free again.
        gate.run(|| Ok(())).await.unwrap();
    }
}
