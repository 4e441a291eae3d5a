//! The store: one code path for SQLite and PostgreSQL through sqlx's `Any` driver.
//!
//! - SQLite (the default) lives in `<data-dir>/ecoquiz.db`, in WAL mode with a busy timeout on
//!   every connection. Writes go through a pool of exactly one connection, so writers queue
//!   in the process instead of meeting "database is locked"; reads use their own pool.
//! - PostgreSQL (`--database-url`) uses one pool for both.
//! - Migrations are embedded per backend (`migrations/sqlite`, `migrations/postgres`: same
//!   tables, backend-specific DDL) and run at start. Queries are written once, in SQL both
//!   accept (`$1` placeholders, `ON CONFLICT`, `RETURNING`), with BIGINT and TEXT columns only.
//! - Every write goes through `Store::write` (`write`): a transaction that is committed, or
//!   rolled back, or whose connection is thrown away — never left open on a pooled
//!   connection. A write is acknowledged after its COMMIT succeeded.
//! - A write the storage refuses (a full disk, a read-only file, a lock held too long, a
//!   database that restarted) is a `StoreError::Unavailable` with its `StorageFault`; the
//!   store is then degraded (`health`) until its probe stores a write again.
//! - Durability: SQLite runs in WAL mode with `synchronous = FULL`: the WAL is flushed to
//!   the disk at every commit (one fsync per group-committed autosave batch), so an
//!   acknowledged write survives a crash of the process, a power cut, and a file system
//!   the kernel turned read-only after an error (tested: with NORMAL the last commits were
//!   lost there). See docs/SERVER.md for the measured cost.
//!
//! Submodules by subject: `accounts`, `bank`, `companies` (the roster), `competitions`,
//! `attempts`, `exports` (the reads behind the bureau's exports), `rehearsals` (what
//! `ecoquiz rehearse` made, and its purge); `write` and `health`.

pub mod accounts;
pub mod attempts;
pub mod bank;
pub mod companies;
pub mod competitions;
pub mod exports;
pub mod finals;
pub mod health;
pub mod rehearsals;
mod write;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnectionMetadata;
use sqlx::{AnyPool, Executor};

use crate::settings::{Storage, StoreOptions};
use health::{StorageFault, StorageHealth};
pub(crate) use write::Ending;

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

/// What an ordinary write may take beyond `lock_wait` (a few statements and the commit).
const WRITE_DEADLINE_MARGIN: Duration = Duration::from_secs(2);
/// How often a degraded store checks whether it can write again.
const RECOVERY_PROBE_INTERVAL: Duration = Duration::from_secs(2);
/// The probe's row: larger than a page (SQLite's are 4 KiB), so storing it needs new pages.
const PROBE_BYTES: usize = 6000;

/// The file name of the embedded database inside the data folder.
pub const SQLITE_FILE: &str = "ecoquiz.db";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// The storage refused the request (disk full, read-only, busy, unreachable): nothing was
    /// written, and the same request succeeds once the fault clears.
    #[error("storage {fault:?}: {cause}")]
    Unavailable { fault: StorageFault, cause: String },
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
    /// At start, the store cannot be written: its file or folder is read-only.
    #[error(
        "{place} is read-only ({cause}): give the user running ecoquiz write access to the folder and its files, then start again"
    )]
    ReadOnly { place: String, cause: String },
    /// A write failed for a reason told to several waiters (the autosave batch), or the
    /// autosave writer has stopped.
    #[error("the write failed: {0}")]
    WriteFailed(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> StoreError {
        match StorageFault::of(&error) {
            Some(fault) => StoreError::Unavailable {
                fault,
                cause: error.to_string(),
            },
            None => StoreError::Database(error),
        }
    }
}

impl StoreError {
    /// True when the error is a violated UNIQUE constraint: a 409 for the caller, not a 500.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }

    /// The storage fault behind the error, when it is one (a 503 for the caller).
    pub fn fault(&self) -> Option<StorageFault> {
        match self {
            StoreError::Unavailable { fault, .. } => Some(*fault),
            StoreError::Migrate(sqlx::migrate::MigrateError::Execute(e)) => StorageFault::of(e),
            _ => None,
        }
    }

    /// A copy for each of several waiters on one failed write (the autosave batch): the
    /// fault is kept, anything else becomes its description.
    pub fn for_each_waiter(&self) -> StoreError {
        match self {
            StoreError::Unavailable { fault, cause } => StoreError::Unavailable {
                fault: *fault,
                cause: cause.clone(),
            },
            other => StoreError::WriteFailed(other.to_string()),
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
    /// What starts every write transaction (`write`).
    begin_write: Arc<str>,
    /// How long an ordinary write may take in all (`write`).
    write_deadline: Duration,
    /// How long `ping` waits for an answer.
    connect_wait: Duration,
    /// Degraded from a refused write until a write is stored again.
    health: Arc<StorageHealth>,
    /// For the fault drills of the tests: the SQLite page limit set on every writer
    /// connection (0: none). See `simulate_full_disk`.
    page_limit: Arc<AtomicU64>,
}

impl Store {
    /// Connects (creating the SQLite file and its folder if needed) and runs the migrations.
    pub async fn open(storage: &Storage) -> Result<Store, StoreError> {
        Store::open_with(storage, &StoreOptions::default()).await
    }

    /// `open`, waiting for locks and connections as `options` say.
    pub async fn open_with(storage: &Storage, options: &StoreOptions) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let store = match storage {
            Storage::DataDir(dir) => open_sqlite(dir, options).await?,
            Storage::DatabaseUrl(url) => open_postgres(url, options).await?,
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

    /// Listens on a PostgreSQL `channel` at `url` until `stop`: `heard(Some(payload))` for
    /// each notification, `heard(None)` after every (re)connection, when whatever was sent
    /// meanwhile is lost and the listener must start again from the store. A lost connection
    /// is re-established with backoff.
    pub async fn listen<Heard, Handled>(
        url: &str,
        channel: &str,
        mut stop: tokio::sync::watch::Receiver<bool>,
        mut heard: Heard,
    ) where
        Heard: FnMut(Option<String>) -> Handled,
        Handled: Future<Output = ()>,
    {
        let mut backoff = Duration::from_millis(250);
        loop {
            let mut listener = match sqlx::postgres::PgListener::connect(url).await {
                Ok(listener) => listener,
                Err(e) => {
                    tracing::warn!(channel, error = %e, "listener cannot connect; retrying");
                    tokio::select! {
                        () = tokio::time::sleep(backoff) => {}
                        _ = stop.wait_for(|stopped| *stopped) => return,
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                    continue;
                }
            };
            if let Err(e) = listener.listen(channel).await {
                tracing::warn!(channel, error = %e, "listener cannot LISTEN; retrying");
                continue;
            }
            backoff = Duration::from_millis(250);
            // Anything announced while nobody listened is lost: start from the store.
            heard(None).await;
            loop {
                let received = tokio::select! {
                    received = listener.try_recv() => received,
                    _ = stop.wait_for(|stopped| *stopped) => return,
                };
                match received {
                    Ok(Some(notification)) => heard(Some(notification.payload().to_owned())).await,
                    // The connection dropped; try_recv reconnects on the next call, and
                    // whatever was sent meanwhile is lost.
                    Ok(None) => heard(None).await,
                    Err(e) => {
                        tracing::warn!(channel, error = %e, "listener failed; reconnecting");
                        break;
                    }
                }
            }
        }
    }

    /// `pg_notify(channel, payload)`: tells every process listening (PostgreSQL only; sent
    /// when the transaction commits).
    pub async fn notify(&self, channel: &str, payload: &str) -> Result<(), StoreError> {
        self.write(async |tx| {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(channel)
                .bind(payload)
                .execute(&mut *tx)
                .await?;
            Ok(())
        })
        .await
    }

    /// Healthy, or degraded since a write was refused.
    pub fn health(&self) -> &StorageHealth {
        &self.health
    }

    /// Tries a write that needs new room in the store (a row larger than a page, inserted
    /// and deleted in one transaction): `Ok` once the storage takes writes again.
    pub async fn probe_writable(&self) -> Result<(), StoreError> {
        let padding = "0".repeat(PROBE_BYTES);
        self.run_transaction(Ending::Commit, self.write_deadline, async |tx| {
            sqlx::query("INSERT INTO storage_probe (id, padding) VALUES (1, $1)")
                .bind(&padding)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM storage_probe WHERE id = 1")
                .execute(&mut *tx)
                .await?;
            Ok(())
        })
        .await
    }

    /// Before serving (`app::prepare`; commands that only read, like `export`, skip it): a
    /// store that cannot take a write because its file or folder is read-only
    /// (wrong owner or mode after a copy or a restore) is refused with a clear error — a site
    /// that cannot store a single answer must not open, and SQLite keeps a file opened
    /// read-only that way until the process ends. Any other fault (a full disk, a busy lock)
    /// starts the store degraded: reads work and writes answer 503 until it clears.
    pub async fn check_writable_at_start(&self, storage: &Storage) -> Result<(), StoreError> {
        match self.probe_writable().await {
            Ok(()) => Ok(()),
            Err(e) => match e.fault() {
                Some(StorageFault::ReadOnly) => Err(StoreError::ReadOnly {
                    place: match storage {
                        Storage::DataDir(dir) => dir.display().to_string(),
                        Storage::DatabaseUrl(_) => "the PostgreSQL database".into(),
                    },
                    cause: e.to_string(),
                }),
                Some(fault) => {
                    self.health.refused(fault, &e);
                    Ok(())
                }
                None => Err(e),
            },
        }
    }

    /// While the store is degraded, tries `probe_writable` every `RECOVERY_PROBE_INTERVAL`;
    /// when it succeeds the store is healthy again (and says so in the log). Ends when
    /// `stop` turns true.
    pub async fn probe_while_degraded(&self, mut stop: tokio::sync::watch::Receiver<bool>) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(RECOVERY_PROBE_INTERVAL) => {}
                _ = stop.wait_for(|stopped| *stopped) => return,
            }
            if !self.health.is_degraded() {
                continue;
            }
            if self.probe_writable().await.is_ok() {
                self.health.recovered();
            }
        }
    }

    /// Fault drill for the tests (SQLite only): from now on the database file cannot grow,
    /// as on a full disk. The file is first compacted (VACUUM), so nearly every write that
    /// adds a row needs a page it cannot have; rewriting a row in place still works, as it
    /// would on a real full disk. Applies to the writer connection and any that replaces it.
    #[doc(hidden)]
    pub async fn simulate_full_disk(&self) -> Result<(), StoreError> {
        let mut connection = self.writer.acquire().await?;
        connection.execute("VACUUM").await?;
        let (pages,): (i64,) = sqlx::query_as("PRAGMA page_count")
            .fetch_one(&mut *connection)
            .await?;
        self.page_limit.store(pages as u64, Ordering::Release);
        connection
            .execute(format!("PRAGMA max_page_count = {pages}").as_str())
            .await?;
        Ok(())
    }

    /// Ends `simulate_full_disk`: the file may grow again, as when space was freed.
    #[doc(hidden)]
    pub async fn end_simulated_full_disk(&self) -> Result<(), StoreError> {
        self.page_limit.store(0, Ordering::Release);
        let mut connection = self.writer.acquire().await?;
        connection
            .execute(format!("PRAGMA max_page_count = {UNLIMITED_PAGES}").as_str())
            .await?;
        Ok(())
    }

    pub(crate) fn writer(&self) -> &AnyPool {
        &self.writer
    }

    pub(crate) fn reader(&self) -> &AnyPool {
        &self.reader
    }

    /// For `/healthz`: answers once the database answers; without an answer within
    /// `connect_wait` it is taken for unreachable (a network partition never answers).
    pub async fn ping(&self) -> Result<(), StoreError> {
        let answer = tokio::time::timeout(
            self.connect_wait,
            sqlx::query("SELECT 1").execute(&self.reader),
        )
        .await;
        match answer {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => {
                if StorageFault::of(&e) == Some(StorageFault::Unreachable) {
                    self.health.connection_failed();
                }
                Err(e.into())
            }
            Err(_) => {
                self.health.connection_failed();
                Err(StoreError::Unavailable {
                    fault: StorageFault::Unreachable,
                    cause: "the database did not answer the ping".into(),
                })
            }
        }
    }

    fn new(
        writer: AnyPool,
        reader: AnyPool,
        backend: Backend,
        postgres_url: Option<Secret>,
        options: &StoreOptions,
        health: Arc<StorageHealth>,
        page_limit: Arc<AtomicU64>,
    ) -> Store {
        let begin_write: Arc<str> = match backend {
            // The write lock at once: waiting for another process happens here, within the
            // busy timeout, instead of failing when a read turns into a write.
            Backend::Sqlite => "BEGIN IMMEDIATE".into(),
            Backend::Postgres => format!(
                "BEGIN; SET LOCAL statement_timeout = {}",
                options.lock_wait.as_millis()
            )
            .into(),
        };
        Store {
            writer,
            reader,
            backend,
            postgres_url,
            begin_write,
            write_deadline: options.lock_wait + WRITE_DEADLINE_MARGIN,
            connect_wait: options.connect_wait,
            health,
            page_limit,
        }
    }

    /// Closes the pools, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

/// SQLite's default (and highest) `max_page_count`.
const UNLIMITED_PAGES: u64 = 4_294_967_294;

async fn open_sqlite(dir: &Path, options: &StoreOptions) -> Result<Store, StoreError> {
    std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
        path: dir.display().to_string(),
        source,
    })?;
    let file = dir.join(SQLITE_FILE);
    let url = format!("sqlite://{}?mode=rwc", percent_encode_path(&file));
    let connect: AnyConnectOptions = url.parse()?;
    let page_limit = Arc::new(AtomicU64::new(0));
    let writer_pragmas = format!(
        "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = {}; \
         PRAGMA synchronous = {}; PRAGMA foreign_keys = ON;",
        options.lock_wait.as_millis(),
        options.sqlite_synchronous.pragma()
    );
    let limit = page_limit.clone();
    let writer = AnyPoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        // Writers of this process queue here (one connection); a long import may hold it.
        .acquire_timeout(Duration::from_secs(60))
        // No ping on every checkout: a dead connection shows up as an error on use anyway,
        // and the ping costs a round trip on every autosave (measured: +23 % throughput).
        .test_before_acquire(false)
        .after_connect(move |conn, _| {
            let pragmas = writer_pragmas.clone();
            let limit = limit.load(Ordering::Acquire);
            Box::pin(async move {
                conn.execute(pragmas.as_str()).await?;
                if limit > 0 {
                    conn.execute(format!("PRAGMA max_page_count = {limit}").as_str())
                        .await?;
                }
                Ok(())
            })
        })
        .connect_with(connect.clone())
        .await?;
    let reader = AnyPoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(60))
        .test_before_acquire(false)
        // Readers never commit: `synchronous` does not matter to them.
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute(
                    "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
                     PRAGMA foreign_keys = ON;",
                )
                .await?;
                Ok(())
            })
        })
        .connect_with(connect)
        .await?;
    Ok(Store::new(
        writer,
        reader,
        Backend::Sqlite,
        None,
        options,
        Arc::default(),
        page_limit,
    ))
}

async fn open_postgres(url: &str, options: &StoreOptions) -> Result<Store, StoreError> {
    let connect: AnyConnectOptions = url.parse()?;
    let health: Arc<StorageHealth> = Arc::default();
    let suspicious = health.clone();
    let pool = AnyPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(options.connect_wait)
        // No ping on every checkout (a round trip per autosave batch), except for a
        // connection that sat idle since before the database last failed: after a restart
        // every idle connection is dead, and each would otherwise fail one request.
        .test_before_acquire(false)
        .before_acquire(move |conn, meta: PoolConnectionMetadata| {
            let check = suspicious.failed_within(meta.idle_for);
            Box::pin(async move { Ok(!check || write::answers(conn).await) })
        })
        .connect_with(connect)
        .await?;
    Ok(Store::new(
        pool.clone(),
        pool,
        Backend::Postgres,
        Some(Secret(url.to_owned())),
        options,
        health,
        Arc::default(),
    ))
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
