//! What a failed write says about the storage (`StorageFault`: full, read-only, busy, I/O,
//! unreachable), and the store's health: degraded from the first write the storage refused
//! until the store's probe (a write that needs new room) succeeds again. Writes that still
//! fit meanwhile (rewriting a row in place on a full disk) are stored and acknowledged, but
//! do not end the spell, so the log says once that the fault began and once that it ended,
//! never per request.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

/// Why the storage could not take a write (or answer at all). None of these is a fault of the
/// request: each clears by itself or by the operator, and the same request then succeeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StorageFault {
    /// No room left: SQLite's `SQLITE_FULL` (a full disk, or `max_page_count` reached),
    /// PostgreSQL's `disk_full` (53100).
    Full,
    /// The file, its folder or the database refuses writes: `SQLITE_READONLY`,
    /// `SQLITE_CANTOPEN`, PostgreSQL's `read_only_sql_transaction` (a standby).
    ReadOnly,
    /// Another process held a lock for longer than the store waits, or a statement ran past
    /// its timeout: `SQLITE_BUSY`/`SQLITE_LOCKED`, PostgreSQL's `query_canceled`,
    /// `lock_not_available`, deadlocks and serialization failures.
    Busy,
    /// The storage failed to read or write: `SQLITE_IOERR` (e.g. the file system went
    /// read-only after an error, or a disk error), PostgreSQL's `io_error` (58030).
    Io,
    /// The database cannot be reached: closed or refused connections, a restarted PostgreSQL
    /// (`admin_shutdown`, class 08), no connection free in time.
    Unreachable,
}

impl StorageFault {
    /// The fault behind a database error, if it is one (a constraint violation or a bad
    /// statement is not).
    pub fn of(error: &sqlx::Error) -> Option<StorageFault> {
        match error {
            sqlx::Error::Database(db) => {
                if let Some(sqlite) = db.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
                    sqlite_fault(sqlite)
                } else if let Some(postgres) =
                    db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                {
                    postgres_fault(postgres.code())
                } else {
                    None
                }
            }
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => Some(StorageFault::Unreachable),
            _ => None,
        }
    }

    /// The code of the 503 body (`storage_full`, …).
    pub fn code(self) -> &'static str {
        match self {
            StorageFault::Full => "storage_full",
            StorageFault::ReadOnly => "storage_read_only",
            StorageFault::Busy => "storage_busy",
            StorageFault::Io => "storage_io_error",
            StorageFault::Unreachable => "storage_unreachable",
        }
    }

    /// What the person is told, in the words of the exam page: `unsaved` says what was not
    /// kept ("答案未保存"), or is `None` where the request was not necessarily a write.
    pub fn message(self, unsaved: Option<&str>) -> String {
        let cause = match self {
            StorageFault::Full => "服务器存储空间不足",
            StorageFault::ReadOnly => "服务器存储暂时无法写入",
            StorageFault::Busy => "数据库正忙",
            StorageFault::Io => "服务器存储读写出错",
            StorageFault::Unreachable => "数据库暂时无法连接",
        };
        match unsaved {
            Some(unsaved) => format!("{cause}，{unsaved}，请稍后重试"),
            None => format!("{cause}，请稍后重试"),
        }
    }
}

/// SQLite's result codes (the primary code is the low byte of the extended one).
fn sqlite_fault(error: &sqlx::sqlite::SqliteError) -> Option<StorageFault> {
    use sqlx::error::DatabaseError;
    let extended: i32 = error.code()?.parse().ok()?;
    match extended & 0xff {
        13 => Some(StorageFault::Full),         // SQLITE_FULL
        8 | 14 => Some(StorageFault::ReadOnly), // SQLITE_READONLY, SQLITE_CANTOPEN
        5 | 6 | 15 => Some(StorageFault::Busy), // BUSY, LOCKED, PROTOCOL
        10 => Some(StorageFault::Io),           // SQLITE_IOERR
        7 => Some(StorageFault::Unreachable),   // SQLITE_NOMEM
        _ => None,
    }
}

/// PostgreSQL's SQLSTATE codes.
fn postgres_fault(sqlstate: &str) -> Option<StorageFault> {
    match sqlstate {
        "53100" => Some(StorageFault::Full),
        "25006" => Some(StorageFault::ReadOnly),
        "57014" | "55P03" | "40001" | "40P01" => Some(StorageFault::Busy),
        "58030" => Some(StorageFault::Io),
        "57P01" | "57P02" | "57P03" => Some(StorageFault::Unreachable),
        _ if sqlstate.starts_with("08") || sqlstate.starts_with("53") => {
            Some(StorageFault::Unreachable)
        }
        _ => None,
    }
}

/// The store's health as `/healthz` reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum HealthReport {
    Ok,
    /// Writes are refused since `for_seconds` ago; `refused` counts the refusals.
    Degraded {
        fault: StorageFault,
        code: &'static str,
        message: String,
        for_seconds: u64,
        refused: u64,
    },
}

#[derive(Debug)]
struct Degraded {
    fault: StorageFault,
    since: Instant,
    refused: u64,
    /// An I/O error was seen in this spell: what the database returns may not be what it
    /// holds (seen on a file system the kernel turned read-only: reads missed rows committed
    /// before the error, which were all there after a restart).
    reads_unreliable: bool,
}

/// Healthy, or degraded since a write was refused and until the probe succeeds. Shared by
/// every clone of the store.
#[derive(Debug)]
pub struct StorageHealth {
    /// Read by the probe's loop without taking the lock.
    degraded: AtomicBool,
    /// A std Mutex: held only to read or update the record, never across an await.
    record: Mutex<Option<Degraded>>,
    /// When a connection last failed in a way that may leave others broken too
    /// (nanoseconds after `created`, plus one; 0: never): PostgreSQL unreachable, or the
    /// SQLite file read-only or failing. The pools check or replace the connections older
    /// than that.
    last_connection_failure: AtomicU64,
    created: Instant,
}

impl Default for StorageHealth {
    fn default() -> StorageHealth {
        StorageHealth {
            degraded: AtomicBool::new(false),
            record: Mutex::new(None),
            last_connection_failure: AtomicU64::new(0),
            created: Instant::now(),
        }
    }
}

impl StorageHealth {
    /// A connection to the database failed (it may have restarted, or its file turned
    /// read-only).
    pub fn connection_failed(&self) {
        let nanos = u64::try_from(self.created.elapsed().as_nanos()).unwrap_or(u64::MAX - 1);
        self.last_connection_failure
            .store(nanos + 1, Ordering::Release);
    }

    /// True when a connection failed within the last `span` (for a connection idle, or
    /// open, for that long: it may be broken too).
    pub fn failed_within(&self, span: Duration) -> bool {
        match self.last_connection_failure.load(Ordering::Acquire) {
            0 => false,
            nanos => {
                let failed_at = self.created + Duration::from_nanos(nanos - 1);
                failed_at.elapsed() < span
            }
        }
    }

    /// The storage refused a write (or could not be reached). The first refusal after a
    /// healthy spell is logged with its cause; later ones are only counted.
    pub fn refused(&self, fault: StorageFault, cause: &dyn std::fmt::Display) {
        if matches!(
            fault,
            StorageFault::Unreachable | StorageFault::ReadOnly | StorageFault::Io
        ) {
            self.connection_failed();
        }
        let mut record = self.record.lock().expect("the lock is never poisoned");
        match record.as_mut() {
            Some(degraded) => {
                degraded.refused += 1;
                degraded.reads_unreliable |= fault == StorageFault::Io;
                if degraded.fault != fault {
                    tracing::error!(fault = ?fault, cause = %cause, "the storage now fails differently; writes are still refused (503)");
                    degraded.fault = fault;
                }
            }
            None => {
                tracing::error!(fault = ?fault, cause = %cause, "the storage refused a write; writes are refused (503) until one is stored again");
                *record = Some(Degraded {
                    fault,
                    since: Instant::now(),
                    refused: 1,
                    reads_unreliable: fault == StorageFault::Io,
                });
                self.degraded.store(true, Ordering::Release);
            }
        }
    }

    /// The probe stored a write that needed new room: the storage works again.
    pub fn recovered(&self) {
        if !self.degraded.load(Ordering::Acquire) {
            return;
        }
        let mut record = self.record.lock().expect("the lock is never poisoned");
        if let Some(degraded) = record.take() {
            tracing::warn!(
                fault = ?degraded.fault,
                refused = degraded.refused,
                seconds = degraded.since.elapsed().as_secs(),
                "the storage takes writes again"
            );
        }
        self.degraded.store(false, Ordering::Release);
    }

    pub fn is_degraded(&self) -> bool {
        self.degraded.load(Ordering::Acquire)
    }

    /// True from an I/O error until the probe succeeds: the API is refused meanwhile rather
    /// than answered from storage that failed underneath.
    pub fn reads_unreliable(&self) -> bool {
        self.is_degraded()
            && self
                .record
                .lock()
                .expect("the lock is never poisoned")
                .as_ref()
                .is_some_and(|degraded| degraded.reads_unreliable)
    }

    pub fn report(&self) -> HealthReport {
        let record = self.record.lock().expect("the lock is never poisoned");
        match record.as_ref() {
            None => HealthReport::Ok,
            Some(degraded) => HealthReport::Degraded {
                fault: degraded.fault,
                code: degraded.fault.code(),
                message: degraded.fault.message(None),
                for_seconds: degraded.since.elapsed().as_secs(),
                refused: degraded.refused,
            },
        }
    }

    /// How long ago the current degraded spell began (`None` when healthy).
    pub fn degraded_for(&self) -> Option<Duration> {
        let record = self.record.lock().expect("the lock is never poisoned");
        record.as_ref().map(|degraded| degraded.since.elapsed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_restarts_timeouts_and_full_disks_are_faults_but_constraints_are_not() {
        assert_eq!(postgres_fault("53100"), Some(StorageFault::Full));
        assert_eq!(postgres_fault("57P01"), Some(StorageFault::Unreachable));
        assert_eq!(postgres_fault("08006"), Some(StorageFault::Unreachable));
        assert_eq!(postgres_fault("57014"), Some(StorageFault::Busy));
        assert_eq!(postgres_fault("25006"), Some(StorageFault::ReadOnly));
        assert_eq!(postgres_fault("23505"), None);
        assert_eq!(postgres_fault("42601"), None);
    }

    #[test]
    fn connection_failures_are_unreachable() {
        let refused = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert_eq!(StorageFault::of(&refused), Some(StorageFault::Unreachable));
        assert_eq!(
            StorageFault::of(&sqlx::Error::PoolTimedOut),
            Some(StorageFault::Unreachable)
        );
        assert_eq!(StorageFault::of(&sqlx::Error::RowNotFound), None);
    }

    #[test]
    fn the_answer_message_says_the_answer_was_not_saved() {
        assert_eq!(
            StorageFault::Full.message(Some("答案未保存")),
            "服务器存储空间不足，答案未保存，请稍后重试"
        );
        assert_eq!(
            StorageFault::Unreachable.message(None),
            "数据库暂时无法连接，请稍后重试"
        );
    }

    #[test]
    fn connections_older_than_a_connection_failure_are_suspect() {
        let health = StorageHealth::default();
        assert!(!health.failed_within(Duration::from_secs(60)));
        health.connection_failed();
        assert!(health.failed_within(Duration::from_secs(60)));
        assert!(!health.failed_within(Duration::ZERO));
    }

    #[test]
    fn health_is_degraded_from_the_first_refusal_until_the_probe_succeeds() {
        let health = StorageHealth::default();
        assert_eq!(health.report(), HealthReport::Ok);
        health.refused(StorageFault::Full, &"disk full");
        health.refused(StorageFault::Full, &"disk full");
        match health.report() {
            HealthReport::Degraded { fault, refused, .. } => {
                assert_eq!((fault, refused), (StorageFault::Full, 2));
            }
            HealthReport::Ok => panic!("still degraded"),
        }
        health.recovered();
        assert_eq!(health.report(), HealthReport::Ok);
        assert!(!health.is_degraded());
    }

    #[test]
    fn reads_are_unreliable_after_an_io_error_until_the_probe_succeeds() {
        let health = StorageHealth::default();
        health.refused(StorageFault::Full, &"disk full");
        assert!(!health.reads_unreliable(), "a full disk still reads");
        health.refused(StorageFault::Io, &"disk I/O error");
        health.refused(
            StorageFault::ReadOnly,
            &"attempt to write a readonly database",
        );
        assert!(health.reads_unreliable());
        health.recovered();
        assert!(!health.reads_unreliable());
    }
}
