//! The one way the store writes: `Store::write` runs its work in a transaction on the writer
//! pool and returns only after COMMIT succeeded, so a caller that answers 2xx afterwards
//! answers it for stored data.
//!
//! A connection is never reused in an unknown state. Work that fails on its own (a unique
//! violation) is rolled back; when the ROLLBACK fails too, or the COMMIT failed, or the
//! storage failed underneath (`StorageFault`), or the work was abandoned half-way (its future
//! dropped), the connection is closed instead of returned to the pool. This is not
//! caution for its own sake: when SQLite cannot write its WAL (a full disk) it rolls the
//! transaction back by itself and COMMIT fails; sqlx's `Transaction` then still believes it
//! is inside one, every later `begin()` on that connection becomes a SAVEPOINT inside a
//! transaction that never commits, and every later "commit" succeeds without storing
//! anything. The store therefore issues BEGIN, COMMIT and ROLLBACK itself and keeps no
//! bookkeeping that can disagree with the database.
//!
//! Every write must end within a deadline (`StoreOptions::lock_wait` and a margin; imports
//! ten minutes): past it the work is abandoned and the database taken for unreachable, since
//! a network partition answers nothing at all.
//!
//! Every write starts with SQLite's `BEGIN IMMEDIATE` (the write lock is taken at once,
//! waiting up to the busy timeout for another process, instead of failing later on upgrade)
//! or PostgreSQL's `BEGIN` with a statement timeout for the transaction. A write whose BEGIN
//! finds its pooled connection dead (PostgreSQL restarted meanwhile) is retried on a fresh
//! connection: nothing of it had been sent.
//!
//! A refused write is reported to the store's health (`health::StorageHealth`).

use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor};

use super::health::{StorageFault, StorageHealth};
use super::{Backend, Store, StoreError};

/// BEGIN attempts on stale pooled connections before the error is returned.
const BEGIN_ATTEMPTS: usize = 4;
/// How long an import's transaction may take before it is abandoned.
const BULK_WRITE_DEADLINE: Duration = Duration::from_secs(600);

/// How a transaction ends when its work succeeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    Commit,
    /// A dry run: the same work, rolled back, so its counts are what a real run would do.
    RollBack,
}

impl Ending {
    pub(crate) fn dry_run_if(dry_run: bool) -> Ending {
        if dry_run {
            Ending::RollBack
        } else {
            Ending::Commit
        }
    }
}

/// A connection inside a transaction the store began. Dropped before `end` (an error or a
/// cancelled request), its connection is closed: closing rolls the transaction back.
struct OpenTransaction {
    connection: Option<PoolConnection<Any>>,
}

impl OpenTransaction {
    async fn begin(
        pool: &AnyPool,
        begin: &str,
        health: &StorageHealth,
    ) -> Result<OpenTransaction, sqlx::Error> {
        let mut attempt = 1;
        loop {
            let mut connection = pool.acquire().await?;
            match connection.execute(begin).await {
                Ok(_) => {
                    return Ok(OpenTransaction {
                        connection: Some(connection),
                    });
                }
                Err(e)
                    if attempt < BEGIN_ATTEMPTS
                        && StorageFault::of(&e) == Some(StorageFault::Unreachable) =>
                {
                    health.connection_failed();
                    connection.close_on_drop();
                    attempt += 1;
                }
                Err(e) => {
                    connection.close_on_drop();
                    return Err(e);
                }
            }
        }
    }

    fn connection(&mut self) -> &mut AnyConnection {
        self.connection
            .as_mut()
            .expect("the connection is there until the transaction ends")
    }

    /// COMMIT or ROLLBACK. If that fails, the connection is closed, not pooled.
    async fn end(mut self, ending: Ending) -> Result<(), sqlx::Error> {
        let statement = match ending {
            Ending::Commit => "COMMIT",
            Ending::RollBack => "ROLLBACK",
        };
        self.connection().execute(statement).await?;
        // Ended cleanly: back to the pool.
        self.connection.take();
        Ok(())
    }
}

impl Drop for OpenTransaction {
    fn drop(&mut self) {
        if let Some(mut connection) = self.connection.take() {
            connection.close_on_drop();
        }
    }
}

impl Store {
    /// Runs `work` in a write transaction and commits it; returns once the commit succeeded.
    /// It must end within `lock_wait` and a margin (`Store::write_deadline`).
    pub(crate) async fn write<T>(
        &self,
        work: impl AsyncFnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.reported(
            self.run_transaction(Ending::Commit, self.write_deadline, work)
                .await,
        )
    }

    /// A large write (an import of thousands of rows) in one transaction that ends as
    /// `ending` says when the work succeeds and is rolled back when it fails; it may take up
    /// to `BULK_WRITE_DEADLINE`.
    pub(crate) async fn write_bulk<T>(
        &self,
        ending: Ending,
        work: impl AsyncFnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.reported(
            self.run_transaction(ending, BULK_WRITE_DEADLINE, work)
                .await,
        )
    }

    /// Tells the store's health about a refusal.
    fn reported<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        if let Err(e) = &result {
            if let Some(fault) = e.fault() {
                self.health().refused(fault, e);
            }
        }
        result
    }

    /// The transaction itself, without reporting to the store's health (the health probe's
    /// own way to write). Past `deadline` the work is abandoned (its connection closed, so
    /// nothing of it commits) and the database taken for unreachable: a network partition
    /// answers nothing, not even an error, and no server-side timeout reaches us through it.
    pub(super) async fn run_transaction<T>(
        &self,
        ending: Ending,
        deadline: Duration,
        work: impl AsyncFnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(deadline, self.transaction_once(ending, work)).await {
            Ok(result) => result,
            Err(_) => Err(StoreError::Unavailable {
                fault: StorageFault::Unreachable,
                cause: format!(
                    "the database did not answer within {} s",
                    deadline.as_secs_f32()
                ),
            }),
        }
    }

    async fn transaction_once<T>(
        &self,
        ending: Ending,
        work: impl AsyncFnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut transaction =
            OpenTransaction::begin(self.writer(), &self.begin_write, self.health()).await?;
        match work(transaction.connection()).await {
            Ok(value) => {
                transaction.end(ending).await?;
                Ok(value)
            }
            // The storage failed underneath (full, read-only, I/O, gone): whatever state the
            // connection is in, a fresh one is opened for the next write (it also re-opens a
            // file that was read-only). Closing it rolls the transaction back.
            Err(e) if e.fault().is_some() => {
                drop(transaction);
                Err(e)
            }
            Err(e) => {
                // The work's error is the one to report; a failed ROLLBACK only means the
                // connection is closed (by `end`) rather than reused.
                let _ = transaction.end(Ending::RollBack).await;
                Err(e)
            }
        }
    }

    /// Runs `work` in a read-only transaction on the reader pool: every statement sees the
    /// same committed state.
    pub(crate) async fn read_consistently<T>(
        &self,
        work: impl AsyncFnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let begin = match self.backend() {
            Backend::Sqlite => "BEGIN",
            Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        let mut transaction = OpenTransaction::begin(self.reader(), begin, self.health()).await?;
        let result = work(transaction.connection()).await;
        transaction.end(Ending::RollBack).await?;
        result
    }
}

/// A connection that answers is fit to reuse (for the pools' checks).
pub(super) async fn answers(connection: &mut AnyConnection) -> bool {
    connection.ping().await.is_ok()
}
