//! What the benchmarks (`tests/load`, `tests/fanout`, `tests/final_bench`, `tests/exports`)
//! share: finding the PostgreSQL database to run on (or creating and dropping a scratch one), a
//! valid credit code for a made-up company, what the machine is like, and the real `ecoquiz`
//! binary run as a child process with its CPU time and resident memory read from /proc. Each bench includes this file with
//! `#[path = "../bench_support.rs"] mod bench_support;` and uses the parts it needs.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use ecoquiz::settings::redact_url;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Connection;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async_with_config};

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
/// Whether this process may open `needed` files (`what` names who needs them, e.g. "5000
/// viewers"); prints the limit, or why the run cannot start and the `ulimit` that fixes it.
pub fn enough_open_files(needed: usize, what: &str) -> bool {
    match open_files_limit() {
        Some(limit) if limit < needed => {
            eprintln!(
                "the open-files limit is {limit}; {what} need about {needed} in this process \
                 and as many in the server. Run `ulimit -n {}` first.",
                needed.next_power_of_two().max(16384)
            );
            false
        }
        Some(limit) => {
            println!("open-files limit {limit} (about {needed} needed per process)");
            true
        }
        None => {
            println!("open-files limit unknown (about {needed} needed per process)");
            true
        }
    }
}

/// The benches' HTTP client: many idle connections kept, no Nagle delay, `timeout` per request.
pub fn bench_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .tcp_nodelay(true)
        .timeout(timeout)
        .build()
        .expect("the HTTP client builds")
}

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

// ---------------------------------------------------------------------------------------
// The real server as a child process (the fan-out and live-final benches)
// ---------------------------------------------------------------------------------------

/// Clock ticks per second in /proc (`USER_HZ`, 100 on Linux).
pub const TICKS_PER_SECOND: f64 = 100.0;

/// `ecoquiz serve --demo` running as a child process until `stop`.
pub struct Server {
    pub child: tokio::process::Child,
    pub pid: u32,
    pub address: String,
    /// Its stderr (the log), shown when it fails.
    pub log: PathBuf,
}

impl Server {
    /// Starts the real binary (built by `cargo bench` with the bench profile) on a random port
    /// and waits for the line with its address.
    pub async fn start(data_dir: &Path) -> Result<Server, String> {
        let log = data_dir.with_extension("log");
        let stderr = std::fs::File::create(&log)
            .map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_ecoquiz"))
            .args(["serve", "--bind", "127.0.0.1:0", "--demo", "--data-dir"])
            .arg(data_dir)
            .env_remove("ECOQUIZ_DATABASE_URL")
            .env_remove("ECOQUIZ_DATA_DIR")
            .env_remove("ECOQUIZ_JWT_SECRET")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", env!("CARGO_BIN_EXE_ecoquiz")))?;
        let pid = child.id().ok_or("the server exited at once")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let address = tokio::time::timeout(Duration::from_secs(60), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(address) = line.split("http://").nth(1) {
                    return Some(format!("http://{}", address.trim()));
                }
            }
            None
        })
        .await
        .ok()
        .flatten()
        .ok_or_else(|| format!("the server printed no address; {}", tail(&log)))?;
        // Keep draining stdout so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Server {
            child,
            pid,
            address,
            log,
        })
    }

    pub fn ws_url(&self, path: &str) -> String {
        format!("ws{}{path}", self.address.trim_start_matches("http"))
    }

    /// Resident memory in KiB (`VmRSS`), 0 when unreadable.
    pub fn rss_kib(&self) -> u64 {
        rss_kib(self.pid)
    }

    /// User + system CPU time of every thread so far, in ticks.
    pub fn cpu_ticks(&self) -> Option<u64> {
        process_ticks(&format!("/proc/{}/stat", self.pid))
    }

    /// SIGTERM (a graceful shutdown, as an operator would stop it), then waits.
    pub async fn stop(mut self) -> Result<(), String> {
        let _ = tokio::process::Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .await;
        match tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await {
            Ok(Ok(status)) if status.success() => Ok(()),
            Ok(Ok(status)) => Err(format!(
                "the server exited with {status}; {}",
                tail(&self.log)
            )),
            Ok(Err(e)) => Err(format!("cannot wait for the server: {e}")),
            Err(_) => {
                let _ = self.child.kill().await;
                Err("the server did not stop within 30 s of SIGTERM".into())
            }
        }
    }
}

pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// utime + stime from a /proc `stat` file: fields 14 and 15, counted after the command name,
/// which is in parentheses and may contain spaces.
pub fn process_ticks(stat_file: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(stat_file).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// The last lines of a server log, for an error message.
pub fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let last = lines[lines.len().saturating_sub(5)..].join("\n");
    format!("last lines of its log:\n{last}")
}

pub fn copy_folder(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_folder(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Sends a request and reads the whole body; anything but `expected` is an error.
pub async fn send(request: reqwest::RequestBuilder, expected: StatusCode) -> Result<Value, String> {
    let response = request
        .send()
        .await
        .map_err(|e| format!("no answer: {e}"))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("{status}, body not read: {e}"))?;
    if status != expected {
        let text = String::from_utf8_lossy(&body);
        return Err(format!("{status} (expected {expected}): {text:.200}"));
    }
    serde_json::from_slice(&body).map_err(|e| format!("the answer is not JSON: {e}"))
}

#[derive(Clone, Copy, Default)]
pub struct Percentiles {
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

impl Percentiles {
    /// Nearest-rank percentiles of microsecond samples, in milliseconds.
    pub fn of(mut micros: Vec<u32>) -> Percentiles {
        if micros.is_empty() {
            return Percentiles::default();
        }
        micros.sort_unstable();
        let at = |p: f64| {
            let rank = (p * micros.len() as f64).ceil() as usize;
            f64::from(micros[rank.clamp(1, micros.len()) - 1]) / 1000.0
        };
        Percentiles {
            p50: at(0.50),
            p99: at(0.99),
            max: at(1.0),
        }
    }
}

pub fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

pub fn kib_to_mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// KiB to MB of 10^6 bytes (the unit of the target).
pub fn kib_to_mb(kib: u64) -> f64 {
    kib as f64 * 1024.0 / 1e6
}

/// The machine's (busy, total) CPU ticks so far, all CPUs.
pub fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    // cpu  user nice system idle iowait irq softirq steal
    let ticks: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(|t| t.parse().ok())
        .collect::<Option<_>>()?;
    let idle = ticks.get(3)? + ticks.get(4)?;
    let total: u64 = ticks.iter().sum();
    Some((total - idle, total))
}

/// The demo competition's id (the only competition of a `--demo` server).
pub async fn demo_competition(client: &reqwest::Client, address: &str) -> Result<i64, String> {
    let list = send(
        client.get(format!("{address}/api/competitions")),
        StatusCode::OK,
    )
    .await
    .map_err(|e| format!("listing competitions: {e}"))?;
    list[0]["id"]
        .as_i64()
        .ok_or_else(|| format!("the demo server lists no competition: {list}"))
}

pub async fn register(client: &reqwest::Client, address: &str, i: usize) -> Result<String, String> {
    // 100 companies; phones 13800000000, 13800000001, …
    let company = format!("蓝天碧水环保科技有限公司{:03}", i % 100);
    let body = send(
        client
            .post(format!("{address}/api/auth/register"))
            .json(&json!({
                "name": format!("观众测试{i}"),
                "phone": format!("138{i:08}"),
                "password": "环保知识竞赛2026",
                "company_name": company,
                "credit_code": credit_code_for(&company),
                "subdistrict": "城关街道",
            })),
        StatusCode::CREATED,
    )
    .await
    .map_err(|e| format!("registering contestant {i}: {e}"))?;
    body["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("registering contestant {i}: no token"))
}

pub async fn start_attempt(
    client: &reqwest::Client,
    address: &str,
    competition: i64,
    token: &str,
) -> Result<i64, String> {
    let paper = send(
        client
            .post(format!("{address}/api/competitions/{competition}/attempts"))
            .bearer_auth(token),
        StatusCode::CREATED,
    )
    .await
    .map_err(|e| format!("starting an attempt: {e}"))?;
    paper["attempt_id"]
        .as_i64()
        .ok_or_else(|| "the paper has no attempt_id".into())
}

/// A client websocket.
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens a websocket with small buffers, so that 5,000 of them do not crowd the machine the
/// server runs on (tungstenite's default read buffer is 128 KiB, allocated up front).
pub async fn open_small_socket(url: &str) -> Result<Socket, String> {
    let config = WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .write_buffer_size(0);
    let (socket, _) = connect_async_with_config(url, Some(config), true)
        .await
        .map_err(|e| format!("websocket connect: {e}"))?;
    Ok(socket)
}
