//! What the benchmarks (`tests/load`, `tests/fanout`, `tests/exports`) share: finding the
//! PostgreSQL database to run on (or creating and dropping a scratch one), a valid credit code
//! for a made-up company, and what the machine is like. Each bench includes this file with
//! `#[path = "../bench_support.rs"] mod bench_support;` and uses the parts it needs.

#![allow(dead_code)]

use std::time::Duration;

use ecoquiz::settings::redact_url;
use sqlx::Connection;

/// An empty PostgreSQL database a bench may use instead of creating its own.
pub const POSTGRES_VARIABLE: &str = "ECOQUIZ_BENCH_DATABASE_URL";
/// Where a bench creates its scratch database when `ECOQUIZ_BENCH_DATABASE_URL` is unset.
pub const LOCAL_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432";

pub enum PostgresTarget {
    /// Not wanted, or not configured and nothing listening locally: say so and go on.
    Skip(String),
    /// Configured, but unusable: a failure.
    Broken(String),
    /// The database to use; `scratch` names the one the bench created (and drops after).
    Use {
        url: String,
        scratch: Option<String>,
    },
}

/// The database named by `ECOQUIZ_BENCH_DATABASE_URL`, or else a scratch database
/// `<scratch_prefix>_<pid>` created on the local server.
pub async fn postgres_target(scratch_prefix: &str) -> PostgresTarget {
    sqlx::any::install_default_drivers();
    if let Ok(url) = std::env::var(POSTGRES_VARIABLE)
        && !url.trim().is_empty()
    {
        println!(
            "\nPostgreSQL: using {} from {POSTGRES_VARIABLE}",
            redact_url(&url)
        );
        return match connect(&url).await {
            Ok(conn) => {
                conn.close().await.ok();
                PostgresTarget::Use { url, scratch: None }
            }
            Err(e) => PostgresTarget::Broken(format!("{POSTGRES_VARIABLE} is set but {e}")),
        };
    }
    let mut admin = match connect(&format!("{LOCAL_POSTGRES}/postgres")).await {
        Ok(conn) => conn,
        Err(e) => {
            return PostgresTarget::Skip(format!(
                "{POSTGRES_VARIABLE} is not set and {e}; start PostgreSQL there or set \
                 {POSTGRES_VARIABLE} to an empty database"
            ));
        }
    };
    let name = format!("{scratch_prefix}_{}", std::process::id());
    for sql in [
        format!("DROP DATABASE IF EXISTS \"{name}\""),
        format!("CREATE DATABASE \"{name}\""),
    ] {
        if let Err(e) = sqlx::query(&sql).execute(&mut admin).await {
            return PostgresTarget::Broken(format!("cannot create a scratch database: {e}"));
        }
    }
    admin.close().await.ok();
    println!(
        "\nPostgreSQL: {POSTGRES_VARIABLE} is not set; created the scratch database {name} on \
         {LOCAL_POSTGRES} (dropped at the end)"
    );
    PostgresTarget::Use {
        url: format!("{LOCAL_POSTGRES}/{name}"),
        scratch: Some(name),
    }
}

/// One connection, or why not within 5 s (the URL's password never printed).
pub async fn connect(url: &str) -> Result<sqlx::AnyConnection, String> {
    match tokio::time::timeout(Duration::from_secs(5), sqlx::AnyConnection::connect(url)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(format!("cannot connect to {}: {e}", redact_url(url))),
        Err(_) => Err(format!("{} did not answer in 5 s", redact_url(url))),
    }
}

/// Drops a scratch database `postgres_target` created, even with connections left open.
pub async fn drop_scratch_database(name: &str) {
    let dropped = async {
        let mut admin = connect(&format!("{LOCAL_POSTGRES}/postgres")).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .execute(&mut admin)
            .await
            .map_err(|e| e.to_string())?;
        admin.close().await.ok();
        Ok::<(), String>(())
    };
    if let Err(e) = dropped.await {
        eprintln!("could not drop the scratch database {name}: {e}");
    }
}

/// A server running in this process until `stop`.
pub struct Running {
    pub address: String,
    pub shutdown: tokio::sync::oneshot::Sender<()>,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Serves `router` on `listener` until `stop`: the baselines' bare handlers.
    pub fn serve(listener: tokio::net::TcpListener, router: axum::Router) -> Running {
        let address = format!("http://{}", listener.local_addr().expect("a bound address"));
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        Running {
            address,
            shutdown,
            task,
        }
    }

    pub async fn stop(self) -> Result<(), String> {
        let _ = self.shutdown.send(());
        match tokio::time::timeout(Duration::from_secs(30), self.task).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(e))) => Err(format!("the server at {} failed: {e}", self.address)),
            Ok(Err(e)) => Err(format!("the server task at {} panicked: {e}", self.address)),
            Err(_) => Err(format!(
                "the server at {} did not stop in 30 s",
                self.address
            )),
        }
    }
}

/// A valid unified social credit code derived from a company name (check character
/// included), so made-up companies pass registration's check.
pub fn credit_code_for(company: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut hash: u64 = 1469598103934665603;
    for b in company.bytes() {
        hash = (hash ^ u64::from(b)).wrapping_mul(1099511628211);
    }
    let mut prefix = String::from("913101");
    for _ in 0..11 {
        prefix.push(ALPHABET[(hash % 31) as usize] as char);
        hash /= 31;
    }
    ecoquiz::identity::with_check_character(&prefix)
}

/// The CPU's model name from /proc/cpuinfo.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// The soft limit on open files, from /proc (Linux only; std has no getrlimit).
pub fn open_files_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// The 1-, 5- and 15-minute load averages, as /proc/loadavg has them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| "unknown".into())
}
