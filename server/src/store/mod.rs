//! The store: one code path for SQLite and PostgreSQL through sqlx's `Any` driver.
//!
//! - SQLite (the default) lives in `<data-dir>/ecoquiz.db`, in WAL mode with a busy timeout on
//!   every connection. Writes go through a pool of exactly one connection, so writers queue
//!   in the process instead of meeting "database is locked"; reads use their own pool.
//! - PostgreSQL (`--database-url`) uses one pool for both.
//! - Migrations are embedded per backend (`migrations/sqlite`, `migrations/postgres`: same
//!   tables, backend-specific DDL) and run at start. Queries are written once, in SQL both
//!   accept (`$1` placeholders, `ON CONFLICT`, `RETURNING`), with BIGINT and TEXT columns only.
//! - Durability: a write is acknowledged after its transaction commits. SQLite runs with
//!   `synchronous = NORMAL` in WAL mode: a committed transaction survives a crash of the
//!   process (it is in the WAL file); only a power cut can lose the last ones. See
//!   docs/SERVER.md for why.
//!
//! Submodules by subject: `accounts`, `bank`, `companies` (the roster), `competitions`,
//! `attempts`, `exports` (the reads behind the bureau's exports).

pub mod accounts;
pub mod attempts;
pub mod bank;
pub mod companies;
pub mod competitions;
pub mod exports;

use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

use crate::settings::Storage;

/// A text that never prints (the database URL may hold a password).
#[derive(Clone)]
struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The file name of the embedded database inside the data folder.
pub const SQLITE_FILE: &str = "ecoquiz.db";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot prepare the data folder {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    /// A stored value the code cannot read back (a bug or a hand-edited database).
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// True when the error is a violated UNIQUE constraint: a 409 for the caller, not a 500.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }
}

/// Which database the store talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The store: pools and the backend they talk to. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    /// Every write goes here. For SQLite it holds exactly one connection.
    writer: AnyPool,
    /// Reads. For PostgreSQL the same pool as `writer`.
    reader: AnyPool,
    backend: Backend,
    /// The PostgreSQL URL, for the board listener's own connection. Never printed.
    postgres_url: Option<Secret>,
}

impl Store {
    /// Connects (creating the SQLite file and its folder if needed) and runs the migrations.
    pub async fn open(storage: &Storage) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let store = match storage {
            Storage::DataDir(dir) => open_sqlite(dir).await?,
            Storage::DatabaseUrl(url) => open_postgres(url).await?,
        };
        match store.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&store.writer).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&store.writer).await?,
        }
        let filled = store.fill_missing_responses().await?;
        if filled > 0 {
            tracing::info!(
                attempts = filled,
                "stored the responses of attempts graded before 0003"
            );
        }
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The PostgreSQL URL when the store is PostgreSQL.
    pub fn postgres_url(&self) -> Option<&str> {
        self.postgres_url.as_ref().map(|url| url.0.as_str())
    }

    /// `pg_notify(channel, payload)`: tells every process listening (PostgreSQL only).
    pub async fn notify(&self, channel: &str, payload: &str) -> Result<(), StoreError> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(channel)
            .bind(payload)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub(crate) fn writer(&self) -> &AnyPool {
        &self.writer
    }

    pub(crate) fn reader(&self) -> &AnyPool {
        &self.reader
    }

    /// Answers once the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    /// Closes the pools, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

async fn open_sqlite(dir: &Path) -> Result<Store, StoreError> {
    std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
        path: dir.display().to_string(),
        source,
    })?;
    let file = dir.join(SQLITE_FILE);
    let url = format!("sqlite://{}?mode=rwc", percent_encode_path(&file));
    let options: AnyConnectOptions = url.parse()?;
    let writer = AnyPoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(60))
        // No ping on every checkout: a dead connection shows up as an error on use anyway,
        // and the ping costs a round trip on every autosave (measured: +23 % throughput).
        .test_before_acquire(false)
        .after_connect(sqlite_pragmas)
        .connect_with(options.clone())
        .await?;
    let reader = AnyPoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(60))
        // No ping on every checkout: a dead connection shows up as an error on use anyway,
        // and the ping costs a round trip on every autosave (measured: +23 % throughput).
        .test_before_acquire(false)
        .after_connect(sqlite_pragmas)
        .connect_with(options)
        .await?;
    Ok(Store {
        writer,
        reader,
        backend: Backend::Sqlite,
        postgres_url: None,
    })
}

async fn open_postgres(url: &str) -> Result<Store, StoreError> {
    let options: AnyConnectOptions = url.parse()?;
    let pool = AnyPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(30))
        .test_before_acquire(false)
        .connect_with(options)
        .await?;
    Ok(Store {
        writer: pool.clone(),
        reader: pool,
        backend: Backend::Postgres,
        postgres_url: Some(Secret(url.to_owned())),
    })
}

/// Set on every SQLite connection. WAL lets readers work while the writer commits; the busy
/// timeout covers the moments another process (`ecoquiz organizer add`) holds the write lock;
/// NORMAL synchronous in WAL mode keeps every committed transaction across a process crash.
fn sqlite_pragmas(
    conn: &mut sqlx::AnyConnection,
    _: sqlx::pool::PoolConnectionMetadata,
) -> futures_util::future::BoxFuture<'_, Result<(), sqlx::Error>> {
    Box::pin(async move {
        conn.execute(
            "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
             PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
        )
        .await?;
        Ok(())
    })
}

/// Percent-encodes what a URL path cannot hold, so data folders with spaces or Chinese
/// names work.
fn percent_encode_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                encoded.push(byte as char)
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

/// A stored JSON text read back, or a `Corrupt` error naming what it was.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}
