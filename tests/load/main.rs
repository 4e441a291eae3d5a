//! The server load benchmark: simulated contestants each start a 40-question paper and
//! autosave every answer against the real server, on SQLite and then on PostgreSQL. Next to
//! each backend the same contestants hit a bare axum handler in the same process: the
//! baseline the autosave throughput is compared with.
//!
//! `cargo bench -p ecoquiz --bench load` (docs/PERFORMANCE.md, "Server load", says how to
//! read the output). It is a benchmark, not a test: it prints figures and exits 0 however slow
//! the machine is; it exits 1 only when requests failed or a configured PostgreSQL could not
//! be used, and says how many and why.
//!
//! - `ECOQUIZ_LOAD_CONTESTANTS` (default 1000): how many contestants, for a quicker run.
//! - `ECOQUIZ_LOAD_BACKENDS` (default `sqlite,postgres`): run only one, e.g. under a profiler.
//! - `ECOQUIZ_LOAD_PAUSE_MS` (default 0): a pause (0.5–1.5 × this) before each answer, for
//!   latency at a paced load instead of the closed loop's saturation.
//! - `ECOQUIZ_BENCH_DATABASE_URL`: an empty PostgreSQL database to use. Without it the bench
//!   creates a scratch database on `postgres://postgres@127.0.0.1:5432` and drops it after;
//!   when that server cannot be reached the PostgreSQL run is skipped, with a printed line.

#[path = "../bench_support.rs"]
mod bench_support;

use bench_support::{
    PostgresTarget, Running, cpu_model, drop_scratch_database, load_average, open_files_limit,
    postgres_target, register,
};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::Path as UrlPath;
use axum::http::StatusCode;
use axum::routing::{get, put};
use ecoquiz::clock::{Clock, rfc3339};
use ecoquiz::settings::{Settings, Storage};
use ecoquiz::settings::{SqliteSynchronous, StoreOptions};
use futures_util::{StreamExt, TryStreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{Barrier, oneshot};
use tokio::task::JoinSet;

/// Questions on every paper: the blueprint below has 20 + 10 + 10.
const QUESTIONS: usize = 40;
/// Registrations in flight at once. The server hashes passwords one per core anyway; this
/// only keeps its queue short.
const REGISTRATION_CONCURRENCY: usize = 16;
/// A request that takes longer than this counts as failed instead of hanging the run.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
const CONTESTANTS_VARIABLE: &str = "ECOQUIZ_LOAD_CONTESTANTS";
/// How many failed requests are shown in full; the rest are only counted.
const ERRORS_SHOWN: usize = 5;
/// Rounds of the bare handler per backend; the median one is the baseline. A paced run
/// (`ECOQUIZ_LOAD_PAUSE_MS`) makes one: its length is set by the pauses, not by the machine.
const BASELINE_ROUNDS: usize = 3;
const BACKENDS_VARIABLE: &str = "ECOQUIZ_LOAD_BACKENDS";
const PAUSE_VARIABLE: &str = "ECOQUIZ_LOAD_PAUSE_MS";

#[tokio::main]
async fn main() -> ExitCode {
    let contestants = match contestant_count() {
        Ok(n) => n,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let pause = match pause_between_answers() {
        Ok(pause) => pause,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    print_machine(contestants);
    if !pause.is_zero() {
        println!(
            "each contestant pauses 0.5–1.5 × {} ms before each answer ({PAUSE_VARIABLE}): a \
             paced run, not the closed loop the targets are defined for",
            pause.as_millis()
        );
    }
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(contestants.max(1000))
        .tcp_nodelay(true)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("the HTTP client builds");

    let mut reports = Vec::new();
    let mut failures: Vec<String> = Vec::new();

    let (sqlite_runs, postgres) = backends();
    for synchronous in sqlite_runs {
        let sqlite_dir = tempfile::tempdir().expect("a temporary folder");
        let storage = Storage::DataDir(sqlite_dir.path().to_owned());
        let name = match synchronous {
            SqliteSynchronous::Full => "SQLite",
            SqliteSynchronous::Normal => "SQLite (synchronous NORMAL)",
        };
        let options = StoreOptions {
            sqlite_synchronous: synchronous,
            ..StoreOptions::default()
        };
        match run_backend(
            name,
            storage,
            options,
            sqlite_dir.path(),
            &client,
            contestants,
            pause,
        )
        .await
        {
            Ok(report) => reports.push(report),
            Err(message) => failures.push(format!("{name} run: {message}")),
        }
    }
    if reports.is_empty() && failures.is_empty() {
        println!("\n*** SQLite run SKIPPED: {BACKENDS_VARIABLE} does not name sqlite ***");
    }

    let target = if postgres {
        postgres_target("ecoquiz_load").await
    } else {
        PostgresTarget::Skip(format!("{BACKENDS_VARIABLE} does not name postgres"))
    };
    match target {
        PostgresTarget::Skip(reason) => {
            println!("\n*** PostgreSQL run SKIPPED: {reason} ***");
        }
        PostgresTarget::Broken(message) => failures.push(format!("PostgreSQL run: {message}")),
        PostgresTarget::Use { url, scratch } => {
            let dir = tempfile::tempdir().expect("a temporary folder");
            let storage = Storage::DatabaseUrl(url);
            match run_backend(
                "PostgreSQL",
                storage,
                StoreOptions::default(),
                dir.path(),
                &client,
                contestants,
                pause,
            )
            .await
            {
                Ok(report) => reports.push(report),
                Err(message) => failures.push(format!("PostgreSQL run: {message}")),
            }
            if let Some(name) = scratch {
                drop_scratch_database(&name).await;
            }
        }
    }

    print_table(&reports, contestants);
    let failed_requests: usize = reports.iter().map(BackendReport::errors).sum();
    for report in &reports {
        for error in &report.first_errors {
            eprintln!("{}: {error}", report.backend);
        }
    }
    for failure in &failures {
        eprintln!("{failure}");
    }
    if failed_requests > 0 || !failures.is_empty() {
        eprintln!(
            "\nFAILED: {failed_requests} request(s) failed, {} run(s) could not be completed",
            failures.len()
        );
        return ExitCode::FAILURE;
    }
    println!("\n0 requests failed");
    ExitCode::SUCCESS
}

/// Which backends to run, from `ECOQUIZ_LOAD_BACKENDS` (comma-separated, in order:
/// `sqlite` — the default `synchronous = FULL`, `sqlite-normal` — SQLite with `synchronous =
/// NORMAL`, for the cost of an fsync per commit; `postgres`; `sqlite,postgres` when unset):
/// (the SQLite runs, whether PostgreSQL runs).
fn backends() -> (Vec<SqliteSynchronous>, bool) {
    let list = std::env::var(BACKENDS_VARIABLE).unwrap_or_else(|_| "sqlite,postgres".into());
    let mut sqlite = Vec::new();
    let mut postgres = false;
    for name in list.split(',').map(|n| n.trim().to_ascii_lowercase()) {
        match name.as_str() {
            "sqlite" => sqlite.push(SqliteSynchronous::Full),
            "sqlite-normal" => sqlite.push(SqliteSynchronous::Normal),
            "postgres" => postgres = true,
            _ => {}
        }
    }
    (sqlite, postgres)
}

/// `ECOQUIZ_LOAD_PAUSE_MS`: a contestant's pause before each answer (0 when unset).
fn pause_between_answers() -> Result<Duration, String> {
    match std::env::var(PAUSE_VARIABLE) {
        Err(_) => Ok(Duration::ZERO),
        Ok(text) => text
            .trim()
            .parse::<u64>()
            .map(Duration::from_millis)
            .map_err(|_| format!("{PAUSE_VARIABLE} must be milliseconds, not {text:?}")),
    }
}

fn contestant_count() -> Result<usize, String> {
    match std::env::var(CONTESTANTS_VARIABLE) {
        Err(_) => Ok(1000),
        Ok(text) => match text.trim().parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(format!(
                "{CONTESTANTS_VARIABLE} must be a whole number of contestants, not {text:?}"
            )),
        },
    }
}

// ---------------------------------------------------------------------------------------
// One backend: set up (not timed), then the baseline and the exam, each a timed phase
// ---------------------------------------------------------------------------------------

/// What one backend's run measured.
struct BackendReport {
    backend: &'static str,
    /// The median of the bare handler's rounds; its `errors` counts those of every round.
    baseline: Stats,
    /// Requests per second of each bare round, in order.
    baseline_rounds: Vec<f64>,
    start: Stats,
    autosave: Stats,
    /// The autosaves sent after the last paper was issued, when the server did nothing but
    /// autosave.
    autosaves_after_last_paper: Stats,
    /// Autosaves never sent because the contestant's paper did not start.
    autosaves_not_sent: usize,
    /// Warm-up requests that failed, in every phase.
    warm_up_failures: usize,
    first_errors: Vec<String>,
}

impl BackendReport {
    /// Failed requests, timed or not.
    fn errors(&self) -> usize {
        self.baseline.errors + self.start.errors + self.autosave.errors + self.warm_up_failures
    }

    /// Autosaves per second over the bare handler's requests per second.
    fn ratio(&self) -> f64 {
        self.autosave.per_second() / self.baseline.per_second()
    }
}

async fn run_backend(
    backend: &'static str,
    storage: Storage,
    options: StoreOptions,
    data_dir: &Path,
    client: &reqwest::Client,
    contestants: usize,
    pause: Duration,
) -> Result<BackendReport, String> {
    println!("\n== {backend} ==");
    let (server, admin_password) = start_ecoquiz(storage, options, data_dir).await?;
    let setup = Instant::now();
    let admin = admin_token(client, &server.address, &admin_password).await?;
    import_sample_bank(client, &server.address, &admin).await?;
    let competition = create_competition(client, &server.address, &admin).await?;
    let tokens = register_all(client, &server.address, contestants).await?;
    println!(
        "set-up (not timed): sample bank imported, competition {competition} created, \
         {contestants} contestants registered in {:.1} s",
        setup.elapsed().as_secs_f64()
    );

    let bare = start_bare().await?;
    let tokens = Arc::new(tokens);
    let mut rounds = Vec::new();
    let round_count = if pause.is_zero() { BASELINE_ROUNDS } else { 1 };
    for round in 1..=round_count {
        let name = format!("bare axum handler, round {round} of {round_count}");
        rounds.push(
            run_phase(&name, contestants, {
                let client = client.clone();
                let address: Arc<str> = bare.address.clone().into();
                let tokens = tokens.clone();
                move |i, ready| {
                    answer_bare_handler(
                        client.clone(),
                        address.clone(),
                        tokens[i].clone(),
                        Pacer::new(pause, i),
                        ready,
                    )
                }
            })
            .await,
        );
    }
    bare.stop().await?;
    let baseline_rounds: Vec<f64> = rounds.iter().map(|r| r.autosave.per_second()).collect();
    // The median round by throughput: one busy moment on the shared machine moves a 2-second
    // round a lot, and it should move neither the baseline up nor down.
    rounds.sort_by(|a, b| a.autosave.per_second().total_cmp(&b.autosave.per_second()));
    let mut errors: Vec<String> = rounds.iter().flat_map(|r| r.errors.clone()).collect();
    let failed_rounds: usize = rounds.iter().map(|r| r.autosave.errors).sum();
    let mut warm_up_failures: usize = rounds.iter().map(|r| r.warm_up_failures).sum();
    let mut baseline = rounds.swap_remove(rounds.len() / 2);
    baseline.autosave.errors = failed_rounds;

    let exam = run_phase("exam", contestants, {
        let client = client.clone();
        let address: Arc<str> = server.address.clone().into();
        let tokens = tokens.clone();
        move |i, ready| {
            sit_exam(
                client.clone(),
                address.clone(),
                competition,
                tokens[i].clone(),
                Pacer::new(pause, i),
                ready,
            )
        }
    })
    .await;
    server.stop().await?;

    errors.extend(exam.errors);
    errors.truncate(ERRORS_SHOWN);
    warm_up_failures += exam.warm_up_failures;
    let last_paper = exam.start.last_done;
    let report = BackendReport {
        backend,
        autosaves_after_last_paper: last_paper
            .map_or_else(Stats::default, |t| exam.autosave.sent_after(t)),
        baseline: baseline.autosave,
        baseline_rounds,
        start: exam.start,
        autosave: exam.autosave,
        autosaves_not_sent: exam.not_sent,
        warm_up_failures,
        first_errors: errors,
    };
    println!(
        "{backend}: autosaves {:.0}/s vs bare handler {:.0}/s: ratio {:.3}",
        report.autosave.per_second(),
        report.baseline.per_second(),
        report.ratio()
    );
    Ok(report)
}

/// A listener on a random local port with a backlog deep enough for every contestant to
/// connect at once (`TcpListener::bind` asks for 1024).
fn listener() -> Result<TcpListener, String> {
    let socket = TcpSocket::new_v4().map_err(|e| format!("no socket: {e}"))?;
    socket
        .bind("127.0.0.1:0".parse().expect("a socket address"))
        .map_err(|e| format!("cannot bind 127.0.0.1:0: {e}"))?;
    socket
        .listen(4096)
        .map_err(|e| format!("cannot listen: {e}"))
}

/// The real server, as `ecoquiz serve` runs it, with the system clock: (server, the first
/// organizer's password).
async fn start_ecoquiz(
    storage: Storage,
    store: StoreOptions,
    data_dir: &Path,
) -> Result<(Running, String), String> {
    let settings = Settings {
        bind: "127.0.0.1:0".parse().expect("a socket address"),
        storage,
        data_dir: data_dir.to_owned(),
        jwt_secret: None,
        demo: false,
        store,
    };
    let (state, startup) = ecoquiz::app::prepare(&settings, Clock::System)
        .await
        .map_err(|e| format!("the server did not start: {e}"))?;
    let password = startup
        .initial_admin_password
        .ok_or("the database already has an organizer; the benchmark needs an empty database")?;
    let listener = listener()?;
    let address = format!("http://{}", listener.local_addr().expect("a bound address"));
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(ecoquiz::app::serve(state, listener, async {
        let _ = stopped.await;
    }));
    Ok((
        Running {
            address,
            shutdown,
            task,
        },
        password,
    ))
}

// ---------------------------------------------------------------------------------------
// The baseline: a bare axum handler for the same request
// ---------------------------------------------------------------------------------------

/// The autosave body as the real handler reads it.
#[derive(Deserialize)]
struct Answer {
    choice: Vec<String>,
}

/// Parses the path and the JSON body, like the real autosave route, and does nothing else.
async fn bare_answer(
    UrlPath(no): UrlPath<i64>,
    axum::Json(answer): axum::Json<Answer>,
) -> StatusCode {
    std::hint::black_box((no, answer.choice));
    StatusCode::NO_CONTENT
}

async fn start_bare() -> Result<Running, String> {
    let router = Router::new()
        .route("/answers/{no}", put(bare_answer))
        .route("/healthz", get(|| async { "ok" }));
    let listener = listener()?;
    Ok(Running::serve(listener, router))
}

// ---------------------------------------------------------------------------------------
// Contestants
// ---------------------------------------------------------------------------------------

/// One request's timing.
#[derive(Clone, Copy)]
struct Sample {
    sent: Instant,
    done: Instant,
    ok: bool,
}

/// Which figures a timed request counts in; the bare handler's requests count as autosaves.
#[derive(Clone, Copy)]
enum Timed {
    Start,
    Autosave,
}

/// What one contestant saw in a timed phase.
#[derive(Default)]
struct Outcome {
    starts: Vec<Sample>,
    autosaves: Vec<Sample>,
    not_sent: usize,
    /// Connections that could not be opened before the timed phase.
    warm_up_failures: usize,
    errors: Vec<String>,
}

impl Outcome {
    /// Times `request` and records it as `kind`; the body on success.
    async fn timed(
        &mut self,
        kind: Timed,
        what: &str,
        request: reqwest::RequestBuilder,
        expected: StatusCode,
    ) -> Option<Bytes> {
        let sent = Instant::now();
        let result = send(request, expected).await;
        let done = Instant::now();
        let sample = Sample {
            sent,
            done,
            ok: result.is_ok(),
        };
        match kind {
            Timed::Start => self.starts.push(sample),
            Timed::Autosave => self.autosaves.push(sample),
        }
        match result {
            Ok(body) => Some(body),
            Err(message) => {
                self.errors.push(format!("{what}: {message}"));
                None
            }
        }
    }
}

/// Sends a request and reads the whole body; anything but `expected` is an error.
async fn send(request: reqwest::RequestBuilder, expected: StatusCode) -> Result<Bytes, String> {
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
        return Err(format!("{status} (expected {expected}): {:.200}", text));
    }
    Ok(body)
}

/// Opens this contestant's connection before the timed phase, so no figure includes a TCP
/// connect (a contestant's browser has its connection open from loading the page).
async fn warm_up(client: &reqwest::Client, address: &str) -> Result<(), String> {
    send(client.get(format!("{address}/healthz")), StatusCode::OK)
        .await
        .map(|_| ())
        .map_err(|e| format!("warm-up GET /healthz: {e}"))
}

/// The baseline contestant: 40 autosave-shaped requests to the bare handler, one after
/// another, with the same headers and body as the real ones.
async fn answer_bare_handler(
    client: reqwest::Client,
    address: Arc<str>,
    token: String,
    mut pacer: Pacer,
    ready: Arc<Barrier>,
) -> Outcome {
    let mut outcome = Outcome::default();
    if let Err(e) = warm_up(&client, &address).await {
        outcome.warm_up_failures += 1;
        outcome.errors.push(e);
    }
    ready.wait().await;
    for no in 1..=QUESTIONS {
        pacer.think().await;
        let request = client
            .put(format!("{address}/answers/{no}"))
            .bearer_auth(&token)
            .json(&json!({ "choice": ["A"] }));
        outcome
            .timed(Timed::Autosave, "bare PUT", request, StatusCode::NO_CONTENT)
            .await;
    }
    outcome
}

/// The contestant: start the paper, then autosave each of its 40 answers in order, each as
/// soon as the previous one was acknowledged.
async fn sit_exam(
    client: reqwest::Client,
    address: Arc<str>,
    competition: i64,
    token: String,
    mut pacer: Pacer,
    ready: Arc<Barrier>,
) -> Outcome {
    let mut outcome = Outcome::default();
    if let Err(e) = warm_up(&client, &address).await {
        outcome.warm_up_failures += 1;
        outcome.errors.push(e);
    }
    ready.wait().await;
    let request = client
        .post(format!("{address}/api/competitions/{competition}/attempts"))
        .bearer_auth(&token);
    let Some(body) = outcome
        .timed(Timed::Start, "start", request, StatusCode::CREATED)
        .await
    else {
        outcome.not_sent = QUESTIONS;
        return outcome;
    };
    let (attempt, answers) = match first_option_of_each_question(&body) {
        Ok(paper) => paper,
        Err(e) => {
            // Answered, but with no usable paper: a failed start all the same.
            if let Some(start) = outcome.starts.last_mut() {
                start.ok = false;
            }
            outcome.errors.push(format!("start: {e}"));
            outcome.not_sent = QUESTIONS;
            return outcome;
        }
    };
    for (no, key) in answers {
        pacer.think().await;
        let request = client
            .put(format!("{address}/api/attempts/{attempt}/answers/{no}"))
            .bearer_auth(&token)
            .json(&json!({ "choice": [key] }));
        outcome
            .timed(Timed::Autosave, "autosave", request, StatusCode::NO_CONTENT)
            .await;
    }
    outcome
}

/// A contestant's reading time before each answer: nothing in the closed loop; in a paced
/// run, uniformly 0.5–1.5 × the pause, so the contestants, who all start at once, drift
/// apart instead of answering in lockstep waves.
struct Pacer {
    pause: Duration,
    /// SplitMix64 state, seeded from the contestant's number.
    state: u64,
}

impl Pacer {
    fn new(pause: Duration, contestant: usize) -> Pacer {
        Pacer {
            pause,
            state: contestant as u64,
        }
    }

    async fn think(&mut self) {
        if self.pause.is_zero() {
            return;
        }
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let unit = (z >> 11) as f64 / (1u64 << 53) as f64;
        tokio::time::sleep(self.pause.mul_f64(0.5 + unit)).await;
    }
}

/// The attempt id and, for each question, its number and first option's key (`A` or `T`):
/// a valid answer for every kind.
fn first_option_of_each_question(body: &[u8]) -> Result<(i64, Vec<(i64, String)>), String> {
    let paper: Value =
        serde_json::from_slice(body).map_err(|e| format!("the paper is not JSON: {e}"))?;
    let attempt = paper["attempt_id"]
        .as_i64()
        .ok_or("the paper has no attempt_id")?;
    let questions = paper["questions"]
        .as_array()
        .ok_or("the paper has no questions")?;
    let answers = questions
        .iter()
        .map(|q| {
            let no = q["no"].as_i64().ok_or("a question without a number")?;
            let key = q["options"][0]["key"]
                .as_str()
                .ok_or("a question without options")?;
            Ok((no, key.to_owned()))
        })
        .collect::<Result<Vec<_>, &str>>()?;
    if answers.len() != QUESTIONS {
        return Err(format!(
            "the paper has {} questions, not {QUESTIONS}",
            answers.len()
        ));
    }
    Ok((attempt, answers))
}

/// Everything the contestants of one phase did, merged.
struct PhaseResult {
    start: Stats,
    autosave: Stats,
    not_sent: usize,
    warm_up_failures: usize,
    errors: Vec<String>,
}

/// Runs `contestant(i, ready)` for every contestant at once. Each warms up its connection,
/// then all wait at the barrier, so the timed requests start together on open connections.
async fn run_phase<F, Fut>(name: &str, contestants: usize, contestant: F) -> PhaseResult
where
    F: Fn(usize, Arc<Barrier>) -> Fut,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    // This task waits at the barrier too, so the CPU count starts with the timed requests.
    let ready = Arc::new(Barrier::new(contestants + 1));
    let mut tasks = JoinSet::new();
    for i in 0..contestants {
        tasks.spawn(contestant(i, ready.clone()));
    }
    ready.wait().await;
    let load_before = load_average();
    let cpu_before = CpuTimes::now();
    let mut result = PhaseResult {
        start: Stats::default(),
        autosave: Stats::default(),
        not_sent: 0,
        warm_up_failures: 0,
        errors: Vec::new(),
    };
    while let Some(outcome) = tasks.join_next().await {
        let outcome = outcome.expect("a contestant task does not panic");
        result.start.add(&outcome.starts);
        result.autosave.add(&outcome.autosaves);
        result.not_sent += outcome.not_sent;
        result.warm_up_failures += outcome.warm_up_failures;
        result.errors.extend(outcome.errors);
    }
    let cpu = cpu_before.zip(CpuTimes::now()).map(|(a, b)| b.since(&a));
    result.start.finish();
    result.autosave.finish();
    let requests = result.start.count() + result.autosave.count();
    let cpu = cpu.map_or("CPU use unknown".into(), |cpu| {
        format!(
            "this process used {:.2} CPU-seconds ({:.0} µs per request); the machine's CPUs \
             were {:.0} % busy",
            cpu.process_seconds,
            cpu.process_seconds * 1e6 / requests.max(1) as f64,
            cpu.machine_busy * 100.0
        )
    });
    println!(
        "{name}: {requests} requests in {:.2} s; {cpu}; load average {load_before} before, {} \
         after",
        result
            .autosave
            .span()
            .max(result.start.span())
            .as_secs_f64(),
        load_average()
    );
    result
}

/// CPU time so far: this process's (every thread, user and system) and the machine's.
#[derive(Clone, Copy)]
struct CpuTimes {
    process_ticks: u64,
    machine_busy_ticks: u64,
    machine_total_ticks: u64,
}

/// What happened between two `CpuTimes`.
struct CpuUse {
    process_seconds: f64,
    /// The share of all CPUs' time spent busy, by any process.
    machine_busy: f64,
}

impl CpuTimes {
    /// From /proc (Linux only), in clock ticks of 1/100 s (`USER_HZ`, 100 on Linux).
    fn now() -> Option<CpuTimes> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        // Fields after the command name, which is in parentheses: state is field 3, utime
        // field 14 and stime field 15.
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let process_ticks =
            fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        let machine = std::fs::read_to_string("/proc/stat").ok()?;
        // cpu  user nice system idle iowait irq softirq steal guest guest_nice
        let ticks: Vec<u64> = machine
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .take(8)
            .map(|t| t.parse().ok())
            .collect::<Option<_>>()?;
        let idle = ticks.get(3)? + ticks.get(4)?;
        let total: u64 = ticks.iter().sum();
        Some(CpuTimes {
            process_ticks,
            machine_busy_ticks: total - idle,
            machine_total_ticks: total,
        })
    }

    fn since(&self, before: &CpuTimes) -> CpuUse {
        let total = self
            .machine_total_ticks
            .saturating_sub(before.machine_total_ticks);
        let busy = self
            .machine_busy_ticks
            .saturating_sub(before.machine_busy_ticks);
        CpuUse {
            process_seconds: self.process_ticks.saturating_sub(before.process_ticks) as f64 / 100.0,
            machine_busy: if total > 0 {
                busy as f64 / total as f64
            } else {
                0.0
            },
        }
    }
}

// ---------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------

/// The requests of one kind in one phase.
#[derive(Default)]
struct Stats {
    samples: Vec<Sample>,
    errors: usize,
    first_sent: Option<Instant>,
    last_done: Option<Instant>,
    /// Latencies of the successful requests (sorted by `finish`).
    latencies: Vec<Duration>,
}

impl Stats {
    fn add(&mut self, samples: &[Sample]) {
        for s in samples {
            self.samples.push(*s);
            self.first_sent = Some(self.first_sent.map_or(s.sent, |t| t.min(s.sent)));
            self.last_done = Some(self.last_done.map_or(s.done, |t| t.max(s.done)));
            if s.ok {
                self.latencies.push(s.done - s.sent);
            } else {
                self.errors += 1;
            }
        }
    }

    /// Sorts the latencies once every sample is in, for the percentiles.
    fn finish(&mut self) {
        self.latencies.sort_unstable();
    }

    fn count(&self) -> usize {
        self.samples.len()
    }

    fn succeeded(&self) -> usize {
        self.latencies.len()
    }

    /// From the first request sent to the last answer received.
    fn span(&self) -> Duration {
        match (self.first_sent, self.last_done) {
            (Some(first), Some(last)) => last - first,
            _ => Duration::ZERO,
        }
    }

    /// Successful requests per second over the span.
    fn per_second(&self) -> f64 {
        let span = self.span().as_secs_f64();
        if span > 0.0 {
            self.succeeded() as f64 / span
        } else {
            0.0
        }
    }

    /// Nearest-rank percentile of the successful requests' latencies.
    fn percentile(&self, p: f64) -> Option<Duration> {
        if self.latencies.is_empty() {
            return None;
        }
        let rank = (p * self.latencies.len() as f64).ceil() as usize;
        Some(self.latencies[rank.clamp(1, self.latencies.len()) - 1])
    }

    /// Only the requests sent after `after`.
    fn sent_after(&self, after: Instant) -> Stats {
        let mut later = Stats::default();
        let samples: Vec<Sample> = self
            .samples
            .iter()
            .filter(|s| s.sent > after)
            .copied()
            .collect();
        later.add(&samples);
        later.finish();
        later
    }
}

fn ms(latency: Option<Duration>) -> String {
    latency.map_or("—".into(), |d| format!("{:.1}", d.as_secs_f64() * 1000.0))
}

fn print_table(reports: &[BackendReport], contestants: usize) {
    println!(
        "\n{contestants} contestants × {QUESTIONS} answers; spans run from the first request \
         sent to the last answer received\n"
    );
    println!(
        "| backend | requests | count | errors | span | per second | p50 ms | p99 ms | max ms |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for report in reports {
        for (what, stats) in [
            (
                "bare axum `PUT /answers/{no}` (median round)",
                &report.baseline,
            ),
            ("start paper", &report.start),
            ("autosave", &report.autosave),
        ] {
            println!(
                "| {} | {what} | {} | {} | {:.2} s | {:.0} | {} | {} | {} |",
                report.backend,
                stats.count(),
                stats.errors,
                stats.span().as_secs_f64(),
                stats.per_second(),
                ms(stats.percentile(0.50)),
                ms(stats.percentile(0.99)),
                ms(stats.percentile(1.0)),
            );
        }
    }
    println!();
    for report in reports {
        let later = &report.autosaves_after_last_paper;
        let after = format!(
            "{} autosaves, {:.0}/s, p50 {} ms, p99 {} ms",
            later.count(),
            later.per_second(),
            ms(later.percentile(0.50)),
            ms(later.percentile(0.99))
        );
        let rounds: Vec<String> = report
            .baseline_rounds
            .iter()
            .map(|r| format!("{r:.0}"))
            .collect();
        println!(
            "{}: autosaves/s ÷ bare requests/s = {:.0} ÷ {:.0} = {:.1} % (bare rounds: {}/s, the \
             median is the baseline); sent after the last paper was issued: {after}; \
             autosaves not sent (paper not started): {}",
            report.backend,
            report.autosave.per_second(),
            report.baseline.per_second(),
            report.ratio() * 100.0,
            rounds.join(", "),
            report.autosaves_not_sent,
        );
    }
    if let Some(sqlite) = reports.iter().find(|r| r.backend == "SQLite") {
        let verdict = |met: bool| if met { "met" } else { "MISSED" };
        let p99 = sqlite.autosave.percentile(0.99);
        let errors = sqlite.errors() + sqlite.autosaves_not_sent;
        println!("\nSQLite targets (2 cores):");
        println!("- 0 errors: {errors} → {}", verdict(errors == 0));
        println!(
            "- autosave p99 ≤ 50 ms: {} ms → {}",
            ms(p99),
            verdict(p99.is_some_and(|d| d <= Duration::from_millis(50)))
        );
        println!(
            "- autosave throughput ≥ 25 % of the bare handler's: {:.1} % → {}",
            sqlite.ratio() * 100.0,
            verdict(sqlite.ratio() >= 0.25)
        );
    }
}

// ---------------------------------------------------------------------------------------
// Set-up over HTTP, as an organizer and participants would do it (not timed)
// ---------------------------------------------------------------------------------------

async fn admin_token(
    client: &reqwest::Client,
    address: &str,
    password: &str,
) -> Result<String, String> {
    let body = send(
        client
            .post(format!("{address}/api/admin/login"))
            .json(&json!({ "username": "admin", "password": password })),
        StatusCode::OK,
    )
    .await
    .map_err(|e| format!("organizer login: {e}"))?;
    token_of(&body)
}

fn token_of(body: &[u8]) -> Result<String, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    value["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "no token in the answer".into())
}

async fn import_sample_bank(
    client: &reqwest::Client,
    address: &str,
    admin: &str,
) -> Result<(), String> {
    send(
        client
            .post(format!("{address}/api/admin/questions/import"))
            .bearer_auth(admin)
            .body(question_bank::SAMPLE_BANK_CSV),
        StatusCode::OK,
    )
    .await
    .map(|_| ())
    .map_err(|e| format!("importing the sample bank: {e}"))
}

/// 20 single, 10 multiple, 10 judge: 40 questions the 170-question sample bank satisfies
/// (83 single, 40 multiple, 47 judge), options shuffled as by default. Open from now for six
/// hours, three hours per attempt, so no deadline falls inside the run.
async fn create_competition(
    client: &reqwest::Client,
    address: &str,
    admin: &str,
) -> Result<i64, String> {
    let now = Clock::System.now();
    let body = send(
        client
            .post(format!("{address}/api/admin/competitions"))
            .bearer_auth(admin)
            .json(&json!({
                "title": "负载测试:六五环境日企业环保知识竞赛",
                "opens_at": rfc3339(now - 60_000),
                "closes_at": rfc3339(now + 6 * 3_600_000),
                "duration_minutes": 180,
                "blueprint": {
                    "sections": [
                        {"kind": "single", "count": 20, "points": 2},
                        {"kind": "multiple", "count": 10, "points": 3, "partial_credit": true},
                        {"kind": "judge", "count": 10, "points": 1}
                    ]
                },
            })),
        StatusCode::CREATED,
    )
    .await
    .map_err(|e| format!("creating the competition: {e}"))?;
    let value: Value = serde_json::from_slice(&body).map_err(|e| format!("not JSON: {e}"))?;
    value["id"]
        .as_i64()
        .ok_or_else(|| "the new competition has no id".into())
}

/// Registers contestants `0..n` (a few at a time: argon2 is slow on purpose) and returns
/// their tokens in order.
async fn register_all(
    client: &reqwest::Client,
    address: &str,
    n: usize,
) -> Result<Vec<String>, String> {
    futures_util::stream::iter(0..n)
        .map(|i| register(client, address, i))
        .buffered(REGISTRATION_CONCURRENCY)
        .try_collect()
        .await
}

// ---------------------------------------------------------------------------------------
// The machine
// ---------------------------------------------------------------------------------------

fn print_machine(contestants: usize) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = cpu_model();
    println!(
        "ecoquiz load benchmark: {contestants} contestants × {QUESTIONS} answers; {cores} CPUs \
         ({cpu}); client and servers share one tokio runtime with {cores} workers"
    );
    // Each contestant holds one client socket and the server one more, for the real server
    // and for the baseline; a little room for the database files and pools.
    let needed = 4 * contestants + 256;
    match open_files_limit() {
        Some(limit) if limit < needed => println!(
            "WARNING: the open-files limit is {limit}; this run needs about {needed}. \
             Raise it (`ulimit -n {}`) or failed connects will show up as errors.",
            needed.next_power_of_two()
        ),
        Some(limit) => println!("open-files limit {limit} (about {needed} needed)"),
        None => println!("open-files limit unknown (about {needed} needed)"),
    }
}
