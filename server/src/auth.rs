//! Authentication: HS256 JWTs with a pinned algorithm and enforced expiry, the roles they
//! carry, and the per-account limit on failed logins. (Password hashes: `passwords`.)

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::clock::{Clock, Millis};
use crate::settings::Secret;
use crate::store::Store;

/// Shortest secret accepted: HS256 wants at least its 256-bit output size.
pub const MIN_SECRET_BYTES: usize = 32;
/// A week: staff who register days before the event day are not asked to log in again on it.
const PARTICIPANT_TOKEN_HOURS: i64 = 7 * 24;
const ORGANIZER_TOKEN_HOURS: i64 = 12;
/// A live final's seat or audience member: the day of the final.
const FINAL_TOKEN_HOURS: i64 = 12;
/// File in the data folder holding the generated secret (mode 0600).
pub const SECRET_FILE: &str = "jwt-secret";

/// Random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    bytes
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A password people can type: 16 characters without look-alikes (0/O, 1/l/I).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    random_bytes::<16>()
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// Writes `contents` to a file only its owner can read.
pub fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// The signing secret: `ECOQUIZ_JWT_SECRET` when set; otherwise, for SQLite, a random
/// secret generated once into `<data-dir>/jwt-secret` (0600); for PostgreSQL, one stored in
/// the database so every server process signs and checks tokens with the same key.
pub async fn load_secret(
    configured: Option<&Secret>,
    data_dir: Option<&Path>,
    store: &Store,
) -> Result<Secret, String> {
    if let Some(secret) = configured {
        if secret.0.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "ECOQUIZ_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long"
            ));
        }
        return Ok(secret.clone());
    }
    match data_dir {
        Some(dir) => {
            let path = dir.join(SECRET_FILE);
            match std::fs::read_to_string(&path) {
                Ok(text) if text.trim().len() >= 2 * MIN_SECRET_BYTES => {
                    Ok(Secret(text.trim().as_bytes().to_vec()))
                }
                _ => {
                    let secret = hex(&random_bytes::<32>());
                    write_private_file(&path, secret.as_bytes())
                        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                    Ok(Secret(secret.into_bytes()))
                }
            }
        }
        None => store
            .shared_secret("jwt", || hex(&random_bytes::<32>()))
            .await
            .map(|s| Secret(s.into_bytes()))
            .map_err(|e| format!("cannot load the signing secret: {e}")),
    }
}

/// What hashing or a login attempt can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The argon2 task failed (a bug or a dying runtime): a 500 for the caller.
    #[error("password hashing failed: {0}")]
    Hashing(String),
    /// Too many failed logins for the account (a 429 for the caller).
    #[error("密码错误次数过多,请 {minutes} 分钟后再试")]
    Locked { minutes: i64 },
    /// Too many registrations and logins at once: nothing was done; the same request is taken
    /// later (a 503 with `Retry-After`, which the pages wait out by themselves).
    #[error(
        "排队中:前面还有 {ahead} 人正在注册或登录,{retry_after_seconds} 秒后自动重试,请不要关闭页面"
    )]
    Queued {
        ahead: usize,
        retry_after_seconds: u64,
    },
}

/// Why a token speaks for nobody (a 401 for the caller).
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("登录已失效,请重新登录")]
    Invalid,
    #[error("登录已过期,请重新登录")]
    Expired,
}

/// Who a token speaks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Participant,
    Organizer,
    /// A live final's seat (one finalist or team), on the device that joined it last.
    Seat,
    /// A member of a live final's audience.
    Audience,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    role: Role,
    /// A seat's device generation: a later join of the same seat makes this token stale.
    #[serde(rename = "gen", default, skip_serializing_if = "Option::is_none")]
    generation: Option<i64>,
    iat: i64,
    exp: i64,
}

/// Signs and checks tokens.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtKeys(***)")
    }
}

impl JwtKeys {
    pub fn new(secret: &Secret) -> JwtKeys {
        // Only HS256 is accepted, whatever the token's header claims (`alg: none` included).
        // `exp` is required; it is checked in `verify` against the server's injected clock
        // rather than by the library against the system clock, so tests can move time.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.validate_exp = false;
        JwtKeys {
            encoding: EncodingKey::from_secret(&secret.0),
            decoding: DecodingKey::from_secret(&secret.0),
            validation,
        }
    }

    /// A token for `id` in `role`, valid from `now` for the role's lifetime.
    pub fn issue(&self, role: Role, id: i64, now: Millis) -> String {
        self.sign(role, id, None, now)
    }

    /// A token for a device of `generation` (a live final's seat).
    pub fn issue_for_generation(
        &self,
        role: Role,
        id: i64,
        generation: i64,
        now: Millis,
    ) -> String {
        self.sign(role, id, Some(generation), now)
    }

    fn sign(&self, role: Role, id: i64, generation: Option<i64>, now: Millis) -> String {
        let hours = match role {
            Role::Participant => PARTICIPANT_TOKEN_HOURS,
            Role::Organizer => ORGANIZER_TOKEN_HOURS,
            Role::Seat | Role::Audience => FINAL_TOKEN_HOURS,
        };
        let claims = Claims {
            sub: id.to_string(),
            role,
            generation,
            iat: now / 1000,
            exp: now / 1000 + hours * 3600,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing cannot fail")
    }

    /// The role and id an unexpired token speaks for at `now`.
    pub fn verify(&self, token: &str, now: Millis) -> Result<(Role, i64), TokenError> {
        let (role, id, _) = self.verify_with_generation(token, now)?;
        Ok((role, id))
    }

    /// The role, id and device generation (seats only) an unexpired token speaks for.
    pub fn verify_with_generation(
        &self,
        token: &str,
        now: Millis,
    ) -> Result<(Role, i64, Option<i64>), TokenError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| TokenError::Invalid)?;
        if data.claims.exp * 1000 <= now {
            return Err(TokenError::Expired);
        }
        let id = data.claims.sub.parse().map_err(|_| TokenError::Invalid)?;
        Ok((data.claims.role, id, data.claims.generation))
    }
}

/// Failed logins per account: after `MAX_FAILURES` within `WINDOW_MS`, the account is
/// refused until the window passes. Per account, never per address: a whole venue shares
/// one public address. Each login counts as a failure *before* its password is checked and is
/// forgiven on success, so a burst of parallel guesses gets no more than `MAX_FAILURES` checks.
#[derive(Clone, Debug, Default)]
pub struct LoginThrottle {
    /// account → (failures, first failure). A std Mutex: held for a map lookup, never across
    /// an await.
    failures: Arc<Mutex<HashMap<String, (u32, Millis)>>>,
}

const MAX_FAILURES: u32 = 10;
const WINDOW_MS: Millis = 15 * 60_000;
/// Past this many tracked accounts, expired entries are dropped so a flood of made-up
/// accounts cannot grow the map without end.
const PRUNE_ABOVE: usize = 10_000;

impl LoginThrottle {
    /// Counts one attempt for `account`, or refuses it while the account is locked.
    pub fn begin_attempt(&self, account: &str, clock: &Clock) -> Result<(), AuthError> {
        let now = clock.now();
        let mut failures = self.failures.lock().expect("the lock is never poisoned");
        if failures.len() > PRUNE_ABOVE {
            failures.retain(|_, (_, since)| now - *since < WINDOW_MS);
        }
        let entry = failures.entry(account.to_owned()).or_insert((0, now));
        if now - entry.1 >= WINDOW_MS {
            *entry = (0, now);
        }
        if entry.0 >= MAX_FAILURES {
            let minutes = (WINDOW_MS - (now - entry.1)) / 60_000 + 1;
            return Err(AuthError::Locked { minutes });
        }
        entry.0 += 1;
        Ok(())
    }

    /// The password was right: the account's count starts over.
    /// The attempt counted by `begin_attempt` was never checked (the hashing queue was full):
    /// it is not a failure.
    pub fn not_checked(&self, account: &str) {
        if let Some(entry) = self
            .failures
            .lock()
            .expect("the lock is never poisoned")
            .get_mut(account)
        {
            entry.0 = entry.0.saturating_sub(1);
        }
    }

    pub fn succeeded(&self, account: &str) {
        self.failures
            .lock()
            .expect("the lock is never poisoned")
            .remove(account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_the_hashing_queue_turned_away_never_lock_an_account() {
        let throttle = LoginThrottle::default();
        let clock = Clock::manual(0);
        for _ in 0..3 * MAX_FAILURES {
            throttle.begin_attempt("13800000001", &clock).unwrap();
            throttle.not_checked("13800000001");
        }
        assert!(throttle.begin_attempt("13800000001", &clock).is_ok());
    }

    #[test]
    fn failed_checks_lock_an_account_after_the_limit() {
        let throttle = LoginThrottle::default();
        let clock = Clock::manual(0);
        for _ in 0..MAX_FAILURES {
            throttle.begin_attempt("13800000001", &clock).unwrap();
        }
        assert!(matches!(
            throttle.begin_attempt("13800000001", &clock),
            Err(AuthError::Locked { .. })
        ));
    }
}
