//! Password hashing: Argon2id with the `argon2` crate's defaults (m = 19 MiB, t = 2, p = 1,
//! the OWASP recommendation), stored as a PHC string so the parameters can be raised later
//! without invalidating existing hashes.
//!
//! Hashing costs tens of milliseconds of CPU and 19 MiB of memory on purpose, so it runs on
//! threads of its own, **at most one hash per core at a time** ([`HashGate`]): 200 log-ins at
//! once would otherwise take 200 × 19 MiB and every core, and starve everyone else. A short
//! queue waits behind them; beyond it the request is refused at once with 503
//! `unavailable` and `Retry-After`, rather than holding memory and a connection while the
//! queue grows. Nothing else (no database connection, no lock) is held while hashing.
//! What a valid password is comes from [`baoming_contract::password::validate`].

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use baoming_contract::error::ErrorCode;

use std::cell::RefCell;

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::rngs::OsRng;
use subtle::ConstantTimeEq;

use crate::error::{ApiError, ApiResult};

thread_local! {
    /// This thread's Argon2 working memory (19 MiB with the default parameters), kept for
    /// the next hash: allocating and freeing it per hash left the allocator holding
    /// hundreds of MB after a few hundred log-ins (445 MB after 128, measured).
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Runs `argon2` over this thread's reused working memory.
fn hash_into(
    argon2: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> anyhow::Result<()> {
    MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        let blocks = argon2.params().block_count();
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        argon2
            .hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])
            .map_err(|e| anyhow::anyhow!("argon2 failed: {e}"))
    })
}

/// Hashes `password` into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`). Blocking.
pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let params = Params::default();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    hash_into(&argon2, password.as_bytes(), salt_bytes, &mut out)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| anyhow::anyhow!("params: {e}"))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| anyhow::anyhow!("output: {e}"))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `phc` (its own algorithm, version and
/// parameters; compared in constant time). Blocking. A malformed stored hash is an error,
/// not a mismatch, so it is noticed.
pub fn verify_blocking(password: &str, phc: &str) -> anyhow::Result<bool> {
    let bad = |e: argon2::password_hash::Error| anyhow::anyhow!("stored hash: {e}");
    let parsed = PasswordHash::new(phc).map_err(bad)?;
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(bad)?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(|e| anyhow::anyhow!("stored hash: {e}"))?
        .unwrap_or_default();
    let params = Params::try_from(&parsed).map_err(bad)?;
    let expected = parsed
        .hash
        .ok_or_else(|| anyhow::anyhow!("stored hash: no output"))?;
    let salt = parsed
        .salt
        .ok_or_else(|| anyhow::anyhow!("stored hash: no salt"))?;
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(bad)?;
    let argon2 = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    hash_into(&argon2, password.as_bytes(), salt_bytes, &mut out)?;
    Ok(out.as_slice().ct_eq(expected.as_bytes()).into())
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

type Job = Box<dyn FnOnce() + Send>;

/// Bounds the hashes running at once (one per core) and those waiting (a short queue).
///
/// The hashes run on `cores` threads of their own rather than on the blocking pool: each
/// thread's allocator keeps the 19 MiB a hash used for the next one, so a few dedicated
/// threads hold a few such blocks, where hashes spread over the pool's many threads left
/// one block in each of the allocator's arenas (400 MB seen under a burst).
#[derive(Debug)]
pub struct HashGate {
    jobs: std::sync::Mutex<std::sync::mpsc::Sender<Job>>,
    /// Queued and running together; a job gives its place back when it has run.
    admitted: std::sync::Arc<AtomicUsize>,
    limit: usize,
}

impl HashGate {
    /// `cores` threads hashing, `queue` more hashes waiting.
    pub fn new(cores: usize, queue: usize) -> HashGate {
        let (sender, receiver) = std::sync::mpsc::channel::<Job>();
        let receiver = std::sync::Arc::new(std::sync::Mutex::new(receiver));
        for n in 0..cores.max(1) {
            let receiver = std::sync::Arc::clone(&receiver);
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || {
                    loop {
                        let job = receiver.lock().unwrap_or_else(|p| p.into_inner()).recv();
                        match job {
                            Ok(job) => job(),
                            // The gate is gone: the process is ending.
                            Err(_) => break,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password-hashing thread");
            }
        }
        HashGate {
            jobs: std::sync::Mutex::new(sender),
            admitted: std::sync::Arc::new(AtomicUsize::new(0)),
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

    /// The 503 a request gets when the queue is full.
    fn busy() -> ApiError {
        ApiError::new(
            ErrorCode::Unavailable,
            "too many log-ins at this moment; try again in a moment",
        )
        .with_retry_after(BUSY_RETRY_AFTER_S)
    }

    /// `Err` (the 503) when the queue is full now: a request that will need a hash asks
    /// first, so that in a burst it is turned away before it reads the database or counts
    /// as a failed log-in. [`HashGate::run`] still decides.
    pub fn room(&self) -> ApiResult<()> {
        if self.admitted.load(Ordering::Acquire) >= self.limit {
            return Err(HashGate::busy());
        }
        Ok(())
    }

    /// Runs `work` on a hashing thread once one is free; 503 at once when the queue is full.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> ApiResult<T> {
        if self.admitted.fetch_add(1, Ordering::AcqRel) >= self.limit {
            self.admitted.fetch_sub(1, Ordering::AcqRel);
            return Err(HashGate::busy());
        }
        let (done, result) = tokio::sync::oneshot::channel();
        let admitted = std::sync::Arc::clone(&self.admitted);
        // The job gives its place back itself, so a caller that stops waiting does not free
        // a place its hash still occupies.
        let job: Job = Box::new(move || {
            let _ = done.send(work());
            admitted.fetch_sub(1, Ordering::AcqRel);
        });
        let sent = self
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job);
        if sent.is_err() {
            self.admitted.fetch_sub(1, Ordering::AcqRel);
            return Err(ApiError::internal("the password-hashing threads are gone"));
        }
        result
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)
    }
}

/// Hashes on a hashing thread, through the [`HashGate`].
pub async fn hash(password: String) -> ApiResult<String> {
    HashGate::global()
        .run(move || hash_blocking(&password))
        .await
}

/// Verifies on a hashing thread. With `phc` `None` (no such account) it verifies against a
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
        // A hash the `argon2` crate's own PasswordHasher made (older accounts) verifies too.
        use argon2::password_hash::PasswordHasher;
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default()
            .hash_password(b"abcd1234", &salt)
            .unwrap()
            .to_string();
        assert!(verify_blocking("abcd1234", &theirs).unwrap());
        assert!(!verify_blocking("abcd1235", &theirs).unwrap());
        // Other parameters than today's are read from the string.
        let cheap = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"abcd1234", &salt)
        .unwrap()
        .to_string();
        assert!(verify_blocking("abcd1234", &cheap).unwrap());
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
        // One runs, two wait (however long the tasks took to start)...
        for _ in 0..500 {
            if gate.admitted.load(Ordering::SeqCst) == 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(gate.admitted.load(Ordering::SeqCst), 3);
        // ...so the fourth is refused at once with Retry-After.
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
