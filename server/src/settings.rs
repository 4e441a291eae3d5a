//! Settings: where the data lives, where to listen, the token secret, how the store waits and
//! makes commits durable. `Debug` redacts secrets (the database URL may hold a password; the
//! JWT secret signs every token).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Where the store lives.
#[derive(Clone)]
pub enum Storage {
    /// Embedded SQLite in this folder (created on first start).
    DataDir(PathBuf),
    /// PostgreSQL, shared by several server processes.
    DatabaseUrl(String),
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Storage::DataDir(dir) => f.debug_tuple("DataDir").field(dir).finish(),
            Storage::DatabaseUrl(url) => f
                .debug_tuple("DatabaseUrl")
                .field(&redact_url(url))
                .finish(),
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "***".into();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

/// How the store waits before it refuses a request with 503 (see `StorageFault`), and how
/// SQLite makes a commit durable.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// How long a write waits for a lock another process holds (SQLite's busy timeout) or
    /// runs at most (PostgreSQL's statement timeout inside write transactions).
    pub lock_wait: Duration,
    /// How long a request waits for a PostgreSQL connection, reconnecting included.
    pub connect_wait: Duration,
    /// SQLite's `synchronous` for writes: `Full` (the default) flushes the WAL to the disk at
    /// every commit, so an acknowledged write survives a power cut or a failed file system;
    /// `Normal` only survives a crash of the process (`serve --sqlite-synchronous`).
    pub sqlite_synchronous: SqliteSynchronous,
}

/// SQLite's `PRAGMA synchronous` in WAL mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqliteSynchronous {
    /// fsync of the WAL at every commit (one per group-committed autosave batch).
    Full,
    /// No fsync at commit; the WAL is flushed at checkpoints only.
    Normal,
}

impl SqliteSynchronous {
    pub(crate) fn pragma(self) -> &'static str {
        match self {
            SqliteSynchronous::Full => "FULL",
            SqliteSynchronous::Normal => "NORMAL",
        }
    }
}

impl Default for StoreOptions {
    fn default() -> StoreOptions {
        StoreOptions {
            lock_wait: Duration::from_secs(10),
            connect_wait: Duration::from_secs(10),
            sqlite_synchronous: SqliteSynchronous::Full,
        }
    }
}

/// A secret that never prints.
#[derive(Clone)]
pub struct Secret(pub Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret(*** {} bytes)", self.0.len())
    }
}

/// Everything `serve` needs.
#[derive(Clone, Debug)]
pub struct Settings {
    pub bind: SocketAddr,
    pub storage: Storage,
    /// Where files live (the SQLite database, the generated secret, the initial admin
    /// password). With PostgreSQL only the password file is written here.
    pub data_dir: PathBuf,
    /// `ECOQUIZ_JWT_SECRET`; when absent a secret is generated (see `auth::load_secret`).
    pub jwt_secret: Option<Secret>,
    /// Import the sample bank and open a demo competition.
    pub demo: bool,
    /// How long the store waits for locks and connections before refusing with 503.
    pub store: StoreOptions,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_passwords_or_secrets() {
        let settings = Settings {
            bind: "127.0.0.1:0".parse().unwrap(),
            storage: Storage::DatabaseUrl("postgres://quiz:hunter2@db/ecoquiz".into()),
            data_dir: "ecoquiz-data".into(),
            jwt_secret: Some(Secret(b"0123456789abcdef0123456789abcdef".to_vec())),
            demo: false,
            store: StoreOptions::default(),
        };
        let shown = format!("{settings:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("0123456789"),
            "{shown}"
        );
        assert!(shown.contains("quiz:***@db/ecoquiz"));
    }
}
