//! Passwords: argon2id hashes computed on a fixed set of worker threads, one per core, each
//! with its own argon2 memory (19 MiB at the default cost) allocated once and reused.
//!
//! Why not tokio's blocking pool: every hash allocates and frees 19 MiB, and glibc's
//! allocator keeps freed blocks of that size in each thread's arena, so the many threads of
//! the blocking pool each kept some: 300 registrations left the server at 1.4 GiB while the
//! heap itself never held more than 44 MB (docs/PERFORMANCE.md, "Password hashing"). Here the
//! memory is `workers × 19 MiB`, whatever the number of registrations; a burst queues.
//!
//! A registration storm cannot hold requests past what a phone waits: a hash is refused
//! (`AuthError::Queued`, a 503 the page retries by itself, showing 排队中) when the queue ahead
//! would take more than `ADMIT_WAIT`, and a queued hash not started within `MAX_WAIT` is given
//! up (the worker skips it; nothing was stored).
//!
//! Hashes are standard PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`), the same as
//! `argon2::PasswordHasher` writes; a stored hash with other parameters is verified with them.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::oneshot;

use crate::auth::{AuthError, random_bytes};

/// A hash's work, run on a worker with that worker's memory.
type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// Longest the queue ahead may take for a new hash to be accepted.
const ADMIT_WAIT: Duration = Duration::from_secs(8);
/// Longest a hash waits for a worker before it is given up (the pages' requests end at 15 s).
const MAX_WAIT: Duration = Duration::from_secs(10);
/// A hash's duration until one was measured (argon2id at the default cost on one core).
const FIRST_GUESS: Duration = Duration::from_millis(40);

/// The argon2id hash of a random password nobody knows, for timing-safe misses.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$R3vWq8PaSWt2xWf7Mj3H5oOGbVyJX0mW4HfVo7F0n0c";

/// Hashes and verifies passwords on the workers. Cloning shares them; they stop when the
/// last clone is dropped.
#[derive(Clone, Debug)]
pub struct PasswordHasher {
    jobs: mpsc::Sender<Job>,
    load: Arc<Load>,
}

/// How busy the workers are, for admitting new hashes.
#[derive(Debug)]
struct Load {
    workers: usize,
    /// Hashes queued and not yet started.
    waiting: AtomicUsize,
    /// A moving average of one hash's duration, in microseconds.
    micros_per_hash: AtomicU64,
}

impl Load {
    /// How long a hash queued now waits for a worker.
    fn expected_wait(&self) -> Duration {
        let ahead = self.waiting.load(Ordering::SeqCst) as u64;
        let per_hash = self.micros_per_hash.load(Ordering::Relaxed);
        Duration::from_micros(ahead * per_hash / self.workers as u64)
    }

    fn measured(&self, took: Duration) {
        let took = took.as_micros().min(u128::from(u32::MAX)) as u64;
        let before = self.micros_per_hash.load(Ordering::Relaxed);
        // An average over about the last eight hashes.
        self.micros_per_hash
            .store((before * 7 + took) / 8, Ordering::Relaxed);
    }
}

impl Default for PasswordHasher {
    /// One worker per core.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        PasswordHasher::with_workers(cores)
    }
}

impl PasswordHasher {
    pub fn with_workers(workers: usize) -> PasswordHasher {
        let workers = workers.max(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..workers {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("ecoquiz-hash-{n}"))
                .spawn(move || {
                    let mut memory = Vec::new();
                    loop {
                        let next = queue.lock().expect("the lock is never poisoned").recv();
                        match next {
                            Ok(job) => job(&mut memory),
                            // Every `PasswordHasher` is gone.
                            Err(mpsc::RecvError) => return,
                        }
                    }
                })
                .expect("the system starts a thread");
        }
        PasswordHasher {
            jobs,
            load: Arc::new(Load {
                workers,
                waiting: AtomicUsize::new(0),
                micros_per_hash: AtomicU64::new(FIRST_GUESS.as_micros() as u64),
            }),
        }
    }

    pub async fn hash(&self, password: &str) -> Result<String, AuthError> {
        let password = password.to_owned();
        self.on_a_worker(move |memory| hash_with(memory, password.as_bytes()))
            .await?
            .map_err(|e| AuthError::Hashing(e.to_string()))
    }

    /// Whether `password` matches `hash`. With no hash (unknown account) a dummy hash is
    /// checked anyway, so the answer takes as long either way.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool, AuthError> {
        let password = password.to_owned();
        let hash = hash.map(str::to_owned);
        self.on_a_worker(move |memory| {
            let known = hash.is_some();
            let matches = verify_with(
                memory,
                password.as_bytes(),
                hash.as_deref().unwrap_or(DUMMY_HASH),
            );
            matches && known
        })
        .await
    }

    /// Queues `work` for the next free worker and waits for its result; refuses it when the
    /// queue ahead is too long, and gives it up when no worker took it in time.
    async fn on_a_worker<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, AuthError> {
        let expected = self.load.expected_wait();
        if expected > ADMIT_WAIT {
            return Err(self.queued(expected));
        }
        let (reply, result) = oneshot::channel();
        let load = self.load.clone();
        load.waiting.fetch_add(1, Ordering::SeqCst);
        let job: Job = Box::new(move |memory| {
            load.waiting.fetch_sub(1, Ordering::SeqCst);
            // Its request gave up waiting: nothing to do.
            if reply.is_closed() {
                return;
            }
            let started = Instant::now();
            let done = work(memory);
            load.measured(started.elapsed());
            let _ = reply.send(done);
        });
        if self.jobs.send(job).is_err() {
            self.load.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(AuthError::Hashing("the hashing workers stopped".into()));
        }
        match tokio::time::timeout(MAX_WAIT, result).await {
            Ok(Ok(done)) => Ok(done),
            Ok(Err(_)) => Err(AuthError::Hashing("a hashing worker failed".into())),
            Err(_) => Err(self.queued(self.load.expected_wait())),
        }
    }

    /// The refusal of a hash that would wait `expected`: how many are ahead, and when to
    /// try again (about when the queue ahead is done).
    fn queued(&self, expected: Duration) -> AuthError {
        AuthError::Queued {
            ahead: self.load.waiting.load(Ordering::SeqCst),
            retry_after_seconds: expected.as_secs().clamp(2, 30),
        }
    }
}

/// The first `params.block_count()` blocks of `memory`, grown (once) when too small.
fn blocks<'a>(memory: &'a mut Vec<Block>, params: &Params) -> &'a mut [Block] {
    let needed = params.block_count();
    if memory.len() < needed {
        memory.resize(needed, Block::default());
    }
    &mut memory[..needed]
}

/// A new PHC hash of `password` with a random salt and the default (OWASP minimum) cost.
fn hash_with(
    memory: &mut Vec<Block>,
    password: &[u8],
) -> Result<String, argon2::password_hash::Error> {
    let salt_bytes = random_bytes::<16>();
    let salt = SaltString::encode_b64(&salt_bytes)?;
    let params = Params::default();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon2.hash_password_into_with_memory(
        password,
        &salt_bytes,
        &mut output,
        blocks(memory, &params),
    )?;
    Ok(PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&output)?),
    }
    .to_string())
}

/// Whether `password` hashes to the PHC string `stored` with its own algorithm, version,
/// parameters and salt (compared in constant time).
fn verify_with(memory: &mut Vec<Block>, password: &[u8], stored: &str) -> bool {
    let mut check = || -> Result<bool, argon2::password_hash::Error> {
        let parsed = PasswordHash::new(stored)?;
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return Ok(false);
        };
        let algorithm = Algorithm::try_from(parsed.algorithm)?;
        let version = parsed
            .version
            .map(Version::try_from)
            .transpose()?
            .unwrap_or_default();
        let params = Params::try_from(&parsed)?;
        let mut salt_bytes = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
        let mut output = vec![0u8; expected.len()];
        Argon2::new(algorithm, version, params.clone()).hash_password_into_with_memory(
            password,
            salt_bytes,
            &mut output,
            blocks(memory, &params),
        )?;
        Ok(Output::new(&output)? == expected)
    };
    check().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::{PasswordHasher as _, PasswordVerifier as _};

    #[test]
    fn a_hash_made_here_is_a_standard_argon2id_phc_string() {
        let mut memory = Vec::new();
        let hash = hash_with(&mut memory, "环保知识竞赛2026".as_bytes()).unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        let parsed = PasswordHash::new(&hash).unwrap();
        assert!(
            Argon2::default()
                .verify_password("环保知识竞赛2026".as_bytes(), &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"wrong", &parsed)
                .is_err()
        );
    }

    #[test]
    fn a_hash_made_by_the_argon2_crate_verifies_here_and_a_wrong_password_does_not() {
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let stored = Argon2::default()
            .hash_password(b"secret-1", &salt)
            .unwrap()
            .to_string();
        let mut memory = Vec::new();
        assert!(verify_with(&mut memory, b"secret-1", &stored));
        assert!(!verify_with(&mut memory, b"secret-2", &stored));
    }

    #[test]
    fn a_hash_of_other_parameters_is_verified_with_them() {
        let params = Params::new(8 * 1024, 3, 1, None).unwrap();
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let salt = SaltString::encode_b64(b"fedcba9876543210").unwrap();
        let stored = argon2.hash_password(b"pw", &salt).unwrap().to_string();
        let mut memory = Vec::new();
        assert!(verify_with(&mut memory, b"pw", &stored));
        assert_eq!(memory.len(), 8 * 1024, "grown to the stored cost");
    }

    #[test]
    fn a_malformed_stored_hash_matches_nothing() {
        let mut memory = Vec::new();
        assert!(!verify_with(&mut memory, b"pw", "not a hash"));
        assert!(!verify_with(
            &mut memory,
            b"pw",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA"
        ));
    }

    #[tokio::test]
    async fn a_hash_is_refused_with_the_queue_ahead_when_it_would_wait_too_long() {
        let hasher = PasswordHasher::with_workers(1);
        // As if each hash took a second and nine were waiting: 9 s ahead.
        hasher
            .load
            .micros_per_hash
            .store(1_000_000, Ordering::Relaxed);
        hasher.load.waiting.store(9, Ordering::SeqCst);
        match hasher.hash("password-1").await {
            Err(AuthError::Queued {
                ahead,
                retry_after_seconds,
            }) => {
                assert_eq!(ahead, 9);
                assert_eq!(retry_after_seconds, 9);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        // With the queue gone, the same request is taken.
        hasher.load.waiting.store(0, Ordering::SeqCst);
        assert!(hasher.hash("password-1").await.is_ok());
    }

    #[tokio::test]
    async fn the_workers_hash_and_verify_many_passwords_at_once() {
        let hasher = PasswordHasher::with_workers(2);
        let hashes = futures_util::future::join_all((0..6).map(|n| {
            let hasher = hasher.clone();
            async move { hasher.hash(&format!("password-{n}")).await.unwrap() }
        }))
        .await;
        for (n, hash) in hashes.iter().enumerate() {
            assert!(
                hasher
                    .verify(&format!("password-{n}"), Some(hash))
                    .await
                    .unwrap()
            );
            assert!(!hasher.verify("other", Some(hash)).await.unwrap());
        }
        assert!(
            !hasher.verify("anything", None).await.unwrap(),
            "an unknown account never matches"
        );
    }
}
