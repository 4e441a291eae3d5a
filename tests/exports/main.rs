//! The exports benchmark (issue 5): how long each of the bureau's eight exports (companies,
//! subdistricts, participants, questions × CSV, .xlsx) takes for 100,000 participants, how much
//! memory one takes, and where the time goes. The baselines are measured in the same run.
//!
//! `cargo bench -p ecoquiz --bench exports` (docs/PERFORMANCE.md, "Exports (issue 5)", has the
//! figures and how to read them). It is a benchmark, not a test: it prints figures and exits 0
//! however slow the machine is. It exits 1 only when an export failed, returned a different
//! number of rows than its writer counts, or a configured PostgreSQL could not be used.
//!
//! Per backend (SQLite in a temporary folder, then PostgreSQL when one is reachable):
//! 1. **Seed, not timed.** The sample bank (`store.import_questions`), a roster of 2,000
//!    companies in 12 subdistricts (`store.import_roster`), one closed competition with a
//!    40-question paper (20 single, 10 multiple with partial credit, 10 judge), and N
//!    participants with one submitted attempt each (its responses stored as grading stores them). Every paper is really drawn
//!    (`question_bank::assemble`). Each participant answers at a simulated ability: right,
//!    wrong, partly right or unanswered. The answers are graded by `question_bank::grade_paper`,
//!    so scores vary, tie and agree with the answers. The rows go in with multi-row INSERTs,
//!    one transaction per 5,000 participants.
//! 2. **Baselines.** A plain `SELECT … FROM attempts JOIN participants` read into memory with
//!    `fetch_all` (the rows every export must read); the stored responses of every graded
//!    attempt, streamed (what the item analysis must read); a bare axum handler streaming as
//!    many bytes as each export.
//! 3. **Exports over HTTP.** The real server runs in this process (`app::prepare` + `serve` on
//!    a port-0 listener). For each export there is one warm-up download, then the runs: every
//!    byte of the body is read, the clock running from sending the request to the last byte.
//! 4. **Phases.** `export::prepare` and the CSV and .xlsx writers, with no HTTP. (The
//!    participants export reads its rows while the writer runs, so its read is in the
//!    writer's time.)
//! 5. **Memory.** Each export again, in a fresh child process: this binary with
//!    `ECOQUIZ_EXPORTS_PROBE` set. The figure is the peak resident memory minus the resident
//!    memory before (`VmHWM` after `/proc/self/clear_refs` was reset, minus `VmRSS`), until
//!    `prepare` returned and in all. The same is measured for the plain `fetch_all` of the rows
//!    (one copy of the data) and `Store::best_results` collected. The
//!    probes use fresh processes because the allocator keeps freed memory for reuse, and that
//!    would hide one export's growth inside the previous one's.
//!
//! Environment:
//! - `ECOQUIZ_EXPORTS_PARTICIPANTS` (default 100000) and `ECOQUIZ_EXPORTS_RUNS` (default 5).
//! - `ECOQUIZ_EXPORTS_BACKENDS` (default `sqlite,postgres`): run only one.
//! - `ECOQUIZ_BENCH_DATABASE_URL`: an empty PostgreSQL database to use. Without it the bench
//!   creates a scratch database on `postgres://postgres@127.0.0.1:5432` and drops it after;
//!   when that server cannot be reached the PostgreSQL run is skipped, with a printed line.

#[path = "../bench_support.rs"]
mod bench_support;

use bench_support::{
    PostgresTarget, Running, cpu_model, drop_scratch_database, load_average, postgres_target,
};
use std::collections::HashMap;
use std::convert::Infallible;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Path as UrlPath;
use axum::routing::get;
use ecoquiz::clock::{Clock, Millis};
use ecoquiz::export::{self, ExportFormat, ExportKind};
use ecoquiz::identity::{CreditCode, with_check_character};
use ecoquiz::roster::RosterCompany;
use ecoquiz::rules::{CompanyMethod, CompanyScoreRule};
use ecoquiz::settings::{Settings, Storage, redact_url};
use ecoquiz::store::Store;
use ecoquiz::store::bank::{BankSnapshot, QuestionRef};
use ecoquiz::store::competitions::{Competition, NewCompetition};
use ecoquiz::store::exports::responses_text;
use futures_util::TryStreamExt;
use question_bank::{
    Blueprint, Choice, Difficulty, Kind, PaperQuestion, Points, Question, assemble, grade_paper,
};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

const PARTICIPANTS_VARIABLE: &str = "ECOQUIZ_EXPORTS_PARTICIPANTS";
const RUNS_VARIABLE: &str = "ECOQUIZ_EXPORTS_RUNS";
const BACKENDS_VARIABLE: &str = "ECOQUIZ_EXPORTS_BACKENDS";
/// Set in a memory probe's environment: an export's file name (`participants.xlsx`) or one of
/// [`READING_PROBES`].
const PROBE_VARIABLE: &str = "ECOQUIZ_EXPORTS_PROBE";
/// The probe's store: `sqlite:<data folder>` or `postgres:<url>`.
const PROBE_STORAGE_VARIABLE: &str = "ECOQUIZ_EXPORTS_PROBE_STORAGE";
const PROBE_COMPETITION_VARIABLE: &str = "ECOQUIZ_EXPORTS_PROBE_COMPETITION";
/// The probes that only read, to tell where an export's memory goes: (probe, what it does).
/// The first is a plain `fetch_all` of the graded rows: one copy of the data.
const READING_PROBES: [(&str, &str); 2] = [
    (
        "graded-rows",
        "A: plain `fetch_all` of the graded rows (one copy of the data)",
    ),
    (
        "best-results",
        "`Store::best_results` collected (what the company figures hold)",
    ),
];

/// Issue 5's target for a 100,000-participant export on 2 cores.
const TARGET: Duration = Duration::from_secs(2);
/// A download slower than this counts as failed instead of hanging the run.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);

/// 40 questions, as a real paper: 20 × 2 + 10 × 3 + 10 × 1 = 80 points. The 170-question
/// sample bank (83 single, 40 multiple, 47 judge) satisfies it.
const BLUEPRINT: &str = r#"{"sections": [
    {"kind": "single", "count": 20, "points": 2},
    {"kind": "multiple", "count": 10, "points": 3, "partial_credit": true},
    {"kind": "judge", "count": 10, "points": 1}
]}"#;
const QUESTIONS_PER_PAPER: u64 = 40;
/// 60 % of the 80 points.
const PASS_SCORE_HUNDREDTHS: u32 = 4_800;

const SUBDISTRICTS: [&str; 12] = [
    "城关街道",
    "东湖街道",
    "西山街道",
    "南门街道",
    "北塘街道",
    "滨江街道",
    "新华街道",
    "人民路街道",
    "解放街道",
    "和平街道",
    "长安街道",
    "临港街道",
];
/// Roster companies; 8 places × 25 brands × 10 trades names exactly this many.
const ROSTER_COMPANIES: usize = 2_000;
/// Only the first 1,800 roster companies send participants, so the exports also list roster
/// companies without any (and the participation rate is not 100 %).
const PARTICIPATING_ROSTER_COMPANIES: usize = 1_800;
/// Companies not on the roster (their participants typed the name): 3 % of participants.
const OFF_ROSTER_COMPANIES: usize = 60;
const OFF_ROSTER_SHARE: f64 = 0.03;

/// Participants seeded per transaction; bounds the seeding's memory.
const PARTICIPANTS_PER_TRANSACTION: usize = 5_000;
/// Bound values per INSERT statement: under SQLite's 32,766 and PostgreSQL's 65,535.
const VALUES_PER_STATEMENT: usize = 30_000;
/// The bare handler's chunk, as the CSV export streams about 64 KiB at a time.
const BARE_CHUNK: usize = 64 * 1024;
static BARE_FILLER: [u8; BARE_CHUNK] = [b'x'; BARE_CHUNK];

#[tokio::main]
async fn main() -> ExitCode {
    if let Ok(probe) = std::env::var(PROBE_VARIABLE) {
        return run_memory_probe(&probe).await;
    }
    let (participants, runs) = match (
        count_from_env(PARTICIPANTS_VARIABLE, 100_000),
        count_from_env(RUNS_VARIABLE, 5),
    ) {
        (Ok(participants), Ok(runs)) => (participants, runs),
        (Err(message), _) | (_, Err(message)) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    print_machine(participants, runs);

    let mut failures: Vec<String> = Vec::new();
    let (sqlite, postgres) = backends();
    if sqlite {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let storage = Storage::DataDir(dir.path().to_owned());
        match run_backend("SQLite", &storage, dir.path(), participants, runs).await {
            Ok(report) => {
                print_report(&report);
                failures.extend(report.failures);
            }
            Err(message) => failures.push(format!("SQLite run: {message}")),
        }
    } else {
        println!("\n*** SQLite run SKIPPED: {BACKENDS_VARIABLE} does not name sqlite ***");
    }

    let target = if postgres {
        postgres_target("ecoquiz_exports").await
    } else {
        PostgresTarget::Skip(format!("{BACKENDS_VARIABLE} does not name postgres"))
    };
    match target {
        PostgresTarget::Skip(reason) => println!("\n*** PostgreSQL run SKIPPED: {reason} ***"),
        PostgresTarget::Broken(message) => failures.push(format!("PostgreSQL run: {message}")),
        PostgresTarget::Use { url, scratch } => {
            let dir = tempfile::tempdir().expect("a temporary folder");
            let storage = Storage::DatabaseUrl(url);
            match run_backend("PostgreSQL", &storage, dir.path(), participants, runs).await {
                Ok(report) => {
                    print_report(&report);
                    failures.extend(report.failures);
                }
                Err(message) => failures.push(format!("PostgreSQL run: {message}")),
            }
            if let Some(name) = scratch {
                drop_scratch_database(&name).await;
            }
        }
    }

    println!("\nload average at the end: {}", load_average());
    if failures.is_empty() {
        println!("0 failures");
        ExitCode::SUCCESS
    } else {
        for failure in &failures {
            eprintln!("{failure}");
        }
        eprintln!("\nFAILED: {} problem(s)", failures.len());
        ExitCode::FAILURE
    }
}

fn count_from_env(variable: &str, default: usize) -> Result<usize, String> {
    match std::env::var(variable) {
        Err(_) => Ok(default),
        Ok(text) => match text.trim().parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(format!(
                "{variable} must be a whole number above 0, not {text:?}"
            )),
        },
    }
}

/// Which backends to run, from `ECOQUIZ_EXPORTS_BACKENDS`: (SQLite, PostgreSQL).
fn backends() -> (bool, bool) {
    match std::env::var(BACKENDS_VARIABLE) {
        Err(_) => (true, true),
        Ok(list) => {
            let list = list.to_ascii_lowercase();
            (list.contains("sqlite"), list.contains("postgres"))
        }
    }
}

// ---------------------------------------------------------------------------------------
// One backend
// ---------------------------------------------------------------------------------------

/// Everything one backend's run measured.
struct BackendReport {
    backend: &'static str,
    seeded: SeededCompetition,
    seeding: Duration,
    /// `fetch_all` of the graded attempts joined with their participants.
    graded_read: Timings,
    /// The graded attempts' stored responses, streamed and counted.
    responses_read: Timings,
    responses_rows: u64,
    exports: Vec<ExportFigures>,
    phases: Vec<KindPhases>,
    /// The reading probes, in the order of [`READING_PROBES`]; the first is one copy of the
    /// data.
    reading_memory: Vec<(&'static str, MemoryFigure)>,
    failures: Vec<String>,
}

/// One export (kind × format) as downloaded.
struct ExportFigures {
    kind: ExportKind,
    format: ExportFormat,
    /// Data rows, as the CSV writer counts them.
    rows: usize,
    bytes: u64,
    http: Timings,
    /// The bare handler streaming the same number of bytes.
    bare_http: Timings,
    memory: Option<MemoryFigure>,
}

impl ExportFigures {
    fn file_name(&self) -> String {
        file_name(self.kind, self.format)
    }
}

fn file_name(kind: ExportKind, format: ExportFormat) -> String {
    format!("{}.{}", kind.path_name(), format.extension())
}

async fn run_backend(
    backend: &'static str,
    storage: &Storage,
    data_dir: &Path,
    participants: usize,
    runs: usize,
) -> Result<BackendReport, String> {
    println!("\n== {backend} ==");
    let seeding_started = Instant::now();
    let seed_store = Store::open(storage)
        .await
        .map_err(|e| format!("the store did not open: {e}"))?;
    let bench_pool = bench_pool(storage).await?;
    let seeded = seed(&seed_store, &bench_pool, participants).await?;
    seed_store.close().await;
    let seeding = seeding_started.elapsed();
    println!(
        "seeded (not timed) in {:.1} s: {} participants, {} issued questions, {} saved answers",
        seeding.as_secs_f64(),
        thousands(seeded.participants as u64),
        thousands(seeded.issued_questions),
        thousands(seeded.saved_answers),
    );

    let (server, store, admin_password) = start_ecoquiz(storage, data_dir).await?;
    let bare = start_bare().await?;
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .tcp_nodelay(true)
        .build()
        .expect("the HTTP client builds");
    let token = admin_token(&client, &server.address, &admin_password).await?;
    let competition = &seeded.competition;
    let mut failures = Vec::new();

    println!("baselines …");
    let (graded_read, graded_rows) = measure(runs, async || {
        read_graded_rows(&bench_pool, competition.id).await
    })
    .await?;
    if graded_rows != seeded.participants {
        failures.push(format!(
            "{backend}: the plain read found {graded_rows} graded attempts, {} were seeded",
            seeded.participants
        ));
    }
    let (responses_read, responses_rows) = measure(runs, async || {
        stream_responses(&bench_pool, competition.id).await
    })
    .await?;

    println!("phases (direct calls) …");
    let mut phases = Vec::new();
    for kind in ExportKind::ALL {
        phases.push(measure_phases(&store, competition, kind, runs).await?);
    }

    println!("exports over HTTP …");
    let mut exports = Vec::new();
    for kind in ExportKind::ALL {
        let rows = phases.iter().find(|p| p.kind == kind).map_or(0, |p| p.rows);
        for format in [ExportFormat::Csv, ExportFormat::Xlsx] {
            let url = format!(
                "{}/api/admin/competitions/{}/export/{}",
                server.address,
                competition.id,
                file_name(kind, format)
            );
            let (http, body) = measure(runs, async || download(&client, &url, Some(&token)).await)
                .await
                .map_err(|e| format!("{}: {e}", file_name(kind, format)))?;
            // A CSV row ends with CRLF and the sample bank's texts hold no line break: the
            // header and every row, one line each.
            if format == ExportFormat::Csv && body.lines != rows as u64 + 1 {
                failures.push(format!(
                    "{backend} {}: {} lines over HTTP, expected {} rows and the header",
                    file_name(kind, format),
                    body.lines,
                    rows
                ));
            }
            let bare_url = format!("{}/bytes/{}", bare.address, body.bytes);
            let (bare_http, _) =
                measure(runs, async || download(&client, &bare_url, None).await).await?;
            exports.push(ExportFigures {
                kind,
                format,
                rows,
                bytes: body.bytes,
                http,
                bare_http,
                memory: None,
            });
        }
    }
    server.stop().await?;
    bare.stop().await?;

    println!("memory probes (fresh processes) …");
    let mut reading_memory = Vec::new();
    for (probe, label) in READING_PROBES {
        match memory_probe(storage, competition.id, probe).await {
            Ok(figure) => reading_memory.push((label, figure)),
            Err(e) => failures.push(format!("{backend} memory probe {probe}: {e}")),
        }
    }
    for figures in &mut exports {
        match memory_probe(storage, competition.id, &figures.file_name()).await {
            Ok(figure) => figures.memory = Some(figure),
            Err(e) => failures.push(format!(
                "{backend} memory probe {}: {e}",
                figures.file_name()
            )),
        }
    }
    bench_pool.close().await;

    Ok(BackendReport {
        backend,
        seeded,
        seeding,
        graded_read,
        responses_read,
        responses_rows,
        exports,
        phases,
        reading_memory,
        failures,
    })
}

// ---------------------------------------------------------------------------------------
// Timing
// ---------------------------------------------------------------------------------------

/// Durations of the timed runs, sorted.
#[derive(Clone, Debug)]
struct Timings(Vec<Duration>);

impl Timings {
    fn new(mut samples: Vec<Duration>) -> Timings {
        assert!(!samples.is_empty(), "at least one run");
        samples.sort_unstable();
        Timings(samples)
    }

    fn median(&self) -> Duration {
        let n = self.0.len();
        if n % 2 == 1 {
            self.0[n / 2]
        } else {
            (self.0[n / 2 - 1] + self.0[n / 2]) / 2
        }
    }

    fn min(&self) -> Duration {
        self.0[0]
    }

    fn max(&self) -> Duration {
        self.0[self.0.len() - 1]
    }
}

/// One warm-up call, then `runs` timed calls: their durations and the last call's result.
async fn measure<T>(
    runs: usize,
    mut once: impl AsyncFnMut() -> Result<T, String>,
) -> Result<(Timings, T), String> {
    once().await?;
    let mut samples = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let started = Instant::now();
        let result = once().await?;
        samples.push(started.elapsed());
        last = Some(result);
    }
    Ok((Timings::new(samples), last.expect("runs ≥ 1")))
}

// ---------------------------------------------------------------------------------------
// Baselines: the unavoidable reads, and HTTP with nothing behind it
// ---------------------------------------------------------------------------------------

/// The graded rows with their participants (the columns `Store::best_results` reads), as a
/// plain tuple.
type GradedRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    i64,
);

/// What `Store::best_results` reads, without its choice of best attempt and its order.
const GRADED_ROWS_SQL: &str = "SELECT a.id, a.participant_id, p.name, p.phone, p.company_name, \
     p.credit_code, p.subdistrict, a.score, a.duration_ms, a.submitted_at, a.tab_switches \
     FROM attempts a JOIN participants p ON p.id = a.participant_id \
     WHERE a.competition_id = $1 AND a.status = $2";

/// The stored responses of the graded attempts: what the item analysis reads.
const RESPONSES_SQL: &str = "SELECT a.responses FROM attempts a \
     WHERE a.competition_id = $1 AND a.status = $2";

const SUBMITTED: &str = "submitted";

/// Every export starts by holding these rows: one `fetch_all`, nothing else.
async fn read_graded_rows(pool: &AnyPool, competition_id: i64) -> Result<usize, String> {
    let rows: Vec<GradedRow> = sqlx::query_as(GRADED_ROWS_SQL)
        .bind(competition_id)
        .bind(SUBMITTED)
        .fetch_all(pool)
        .await
        .map_err(|e| format!("reading the graded rows: {e}"))?;
    Ok(rows.len())
}

/// The item analysis must see each of these rows once: streamed, each decoded and counted.
async fn stream_responses(pool: &AnyPool, competition_id: i64) -> Result<u64, String> {
    let mut rows = sqlx::query_as::<_, (Option<String>,)>(RESPONSES_SQL)
        .bind(competition_id)
        .bind(SUBMITTED)
        .fetch(pool);
    let mut count = 0;
    while rows
        .try_next()
        .await
        .map_err(|e| format!("streaming the responses: {e}"))?
        .is_some()
    {
        count += 1;
    }
    Ok(count)
}

/// The bench's own pool on the server's database: bulk inserts and the baselines' reads.
async fn bench_pool(storage: &Storage) -> Result<AnyPool, String> {
    sqlx::any::install_default_drivers();
    let url = match storage {
        Storage::DataDir(dir) => format!(
            "sqlite://{}?mode=rw",
            percent_encode_path(&dir.join(ecoquiz::store::SQLITE_FILE))
        ),
        Storage::DatabaseUrl(url) => url.clone(),
    };
    AnyPoolOptions::new()
        .max_connections(2)
        .connect(&url)
        .await
        .map_err(|e| format!("the bench cannot open {}: {e}", redact_url(&url)))
}

/// Percent-encodes what a URL path cannot hold (as the store does for its own URL).
fn percent_encode_path(path: &Path) -> String {
    let mut encoded = String::new();
    for byte in path.to_string_lossy().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                encoded.push(byte as char)
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

/// A server in this process that answers `GET /bytes/{n}` with n bytes, streamed in 64 KiB
/// chunks from a static buffer: HTTP with no work behind it.
async fn start_bare() -> Result<Running, String> {
    async fn bytes_of_length(UrlPath(length): UrlPath<usize>) -> Body {
        let chunks = (0..length.div_ceil(BARE_CHUNK)).map(move |index| {
            let size = BARE_CHUNK.min(length - index * BARE_CHUNK);
            Ok::<_, Infallible>(Bytes::from_static(&BARE_FILLER[..size]))
        });
        Body::from_stream(futures_util::stream::iter(chunks))
    }
    let router = Router::new().route("/bytes/{length}", get(bytes_of_length));
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("cannot bind the bare server: {e}"))?;
    Ok(Running::serve(listener, router))
}

// ---------------------------------------------------------------------------------------
// The real server, over HTTP
// ---------------------------------------------------------------------------------------

/// The real server, as `ecoquiz serve` runs it, with the system clock: (server, its store,
/// the first organizer's password).
async fn start_ecoquiz(
    storage: &Storage,
    data_dir: &Path,
) -> Result<(Running, Store, String), String> {
    let settings = Settings {
        bind: "127.0.0.1:0".parse().expect("a socket address"),
        storage: storage.clone(),
        data_dir: data_dir.to_owned(),
        jwt_secret: None,
        demo: false,

        store: ecoquiz::settings::StoreOptions::default(),
    };
    let (state, startup) = ecoquiz::app::prepare(&settings, Clock::System)
        .await
        .map_err(|e| format!("the server did not start: {e}"))?;
    let password = startup
        .initial_admin_password
        .ok_or("the database already has an organizer; the benchmark needs an empty database")?;
    let store = state.store.clone();
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("cannot bind 127.0.0.1:0: {e}"))?;
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
        store,
        password,
    ))
}

async fn admin_token(
    client: &reqwest::Client,
    address: &str,
    password: &str,
) -> Result<String, String> {
    let response = client
        .post(format!("{address}/api/admin/login"))
        .json(&serde_json::json!({ "username": "admin", "password": password }))
        .send()
        .await
        .map_err(|e| format!("organizer login: {e}"))?;
    let status = response.status();
    let body: serde_json::Value = response
        .json()
        .await
        .map_err(|e| format!("organizer login: {status}, not JSON: {e}"))?;
    body["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("organizer login: {status}, no token in {body}"))
}

/// What one download received.
#[derive(Clone, Copy, Debug, Default)]
struct Downloaded {
    bytes: u64,
    /// Line feeds in the body.
    lines: u64,
}

/// Downloads the whole body chunk by chunk, keeping none of it.
async fn download(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
) -> Result<Downloaded, String> {
    let mut request = client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let mut response = request
        .send()
        .await
        .map_err(|e| format!("no answer: {e}"))?;
    let status = response.status();
    if !status.is_success() {
        let text = response.text().await.unwrap_or_default();
        return Err(format!("{status}: {text:.300}"));
    }
    let mut body = Downloaded::default();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("{status}, body cut short: {e}"))?
    {
        body.bytes += chunk.len() as u64;
        body.lines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
    }
    Ok(body)
}

// ---------------------------------------------------------------------------------------
// Phases: the steps of export::prepare one by one, then prepare itself and the writers
// ---------------------------------------------------------------------------------------

/// Where one kind of export spends its time, without HTTP.
struct KindPhases {
    kind: ExportKind,
    /// Data rows, as the CSV writer counts them.
    rows: usize,
    /// `export::prepare` as the handler calls it.
    prepare: Timings,
    write_csv: Timings,
    write_xlsx: Timings,
}

async fn measure_phases(
    store: &Store,
    competition: &Competition,
    kind: ExportKind,
    runs: usize,
) -> Result<KindPhases, String> {
    let mut rows = None;
    let mut prepare = Vec::new();
    let mut write_csv = Vec::new();
    let mut write_xlsx = Vec::new();
    // The first round warms up and is not kept.
    for round in 0..=runs {
        for format in [ExportFormat::Csv, ExportFormat::Xlsx] {
            let started = Instant::now();
            let prepared = export::prepare(store, competition, kind)
                .await
                .map_err(|e| format!("export::prepare: {e}"))?;
            let prepared_at = Instant::now();
            let (_, written) = write(prepared, format).await?;
            if *rows.get_or_insert(written) != written {
                return Err(format!(
                    "{}: the writers wrote {written} rows, earlier {}",
                    kind.path_name(),
                    rows.unwrap_or_default()
                ));
            }
            if round > 0 {
                prepare.push(prepared_at - started);
                let writing = prepared_at.elapsed();
                match format {
                    ExportFormat::Csv => write_csv.push(writing),
                    ExportFormat::Xlsx => write_xlsx.push(writing),
                }
            }
        }
    }
    Ok(KindPhases {
        kind,
        rows: rows.unwrap_or_default(),
        prepare: Timings::new(prepare),
        write_csv: Timings::new(write_csv),
        write_xlsx: Timings::new(write_xlsx),
    })
}

/// Counts the bytes written to it and keeps none.
struct ByteCounter(u64);

impl std::io::Write for ByteCounter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += bytes.len() as u64;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes the export as the HTTP handler does (on a blocking thread) and returns its size in
/// bytes and its rows.
async fn write(prepared: export::Export, format: ExportFormat) -> Result<(u64, usize), String> {
    tokio::task::spawn_blocking(move || match format {
        ExportFormat::Csv => {
            let mut counter = ByteCounter(0);
            let rows = prepared
                .write_csv(&mut counter)
                .map_err(|e| e.to_string())?;
            Ok((counter.0, rows))
        }
        ExportFormat::Xlsx => prepared
            .xlsx()
            .map(|(file, rows)| (file.len() as u64, rows))
            .map_err(|e| e.to_string()),
    })
    .await
    .map_err(|e| format!("the writer failed: {e}"))?
}

// ---------------------------------------------------------------------------------------
// Memory: each export in a fresh process
// ---------------------------------------------------------------------------------------

/// Peak resident memory of one probe over the resident memory before it, in a fresh process.
#[derive(Clone, Copy, Debug)]
struct MemoryFigure {
    before_kib: u64,
    /// Exports only: the peak until `export::prepare` returned.
    prepared_growth_kib: Option<u64>,
    /// The peak of the whole probe: an export's prepare and writing.
    growth_kib: u64,
    /// Exports only: the file's size.
    bytes: Option<u64>,
}

/// Runs this binary as a probe for `what` and reads its one line of figures.
async fn memory_probe(
    storage: &Storage,
    competition_id: i64,
    what: &str,
) -> Result<MemoryFigure, String> {
    let storage_text = match storage {
        Storage::DataDir(dir) => format!("sqlite:{}", dir.display()),
        Storage::DatabaseUrl(url) => format!("postgres:{url}"),
    };
    let exe = std::env::current_exe().map_err(|e| format!("no path to this binary: {e}"))?;
    let output = tokio::process::Command::new(exe)
        .env(PROBE_VARIABLE, what)
        .env(PROBE_STORAGE_VARIABLE, storage_text)
        .env(PROBE_COMPETITION_VARIABLE, competition_id.to_string())
        .output()
        .await
        .map_err(|e| format!("the probe did not run: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "{}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let field = |name: &str| -> Option<u64> {
        stdout
            .split_whitespace()
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
            .and_then(|value| value.parse().ok())
    };
    let (Some(before_kib), Some(peak_kib)) = (field("rss_before_kib"), field("peak_kib")) else {
        return Err(format!("no figures in the probe's output {stdout:?}"));
    };
    Ok(MemoryFigure {
        before_kib,
        prepared_growth_kib: field("prepared_peak_kib").map(|peak| peak.saturating_sub(before_kib)),
        growth_kib: peak_kib.saturating_sub(before_kib),
        bytes: field("bytes"),
    })
}

/// The probe process: one export (or one of the reads) and its peak memory, printed as
/// `rss_before_kib=… peak_kib=…` (and for an export `prepared_peak_kib=… bytes=…`).
async fn run_memory_probe(what: &str) -> ExitCode {
    match memory_of(what).await {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

async fn memory_of(what: &str) -> Result<String, String> {
    let storage = match std::env::var(PROBE_STORAGE_VARIABLE) {
        Ok(text) => match (text.strip_prefix("sqlite:"), text.strip_prefix("postgres:")) {
            (Some(dir), _) => Storage::DataDir(dir.into()),
            (_, Some(url)) => Storage::DatabaseUrl(url.to_owned()),
            _ => return Err(format!("{PROBE_STORAGE_VARIABLE} not understood")),
        },
        Err(_) => return Err(format!("{PROBE_STORAGE_VARIABLE} is not set")),
    };
    let competition_id: i64 = std::env::var(PROBE_COMPETITION_VARIABLE)
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| format!("{PROBE_COMPETITION_VARIABLE} is not a competition id"))?;
    let store = Store::open(&storage).await.map_err(|e| e.to_string())?;
    let competition = store
        .competition(competition_id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no such competition")?;
    let pool = bench_pool(&storage).await?;
    // Open a connection of each pool first, so their buffers are in the "before" figure.
    store.roster_size().await.map_err(|e| e.to_string())?;
    sqlx::query("SELECT 1")
        .execute(&pool)
        .await
        .map_err(|e| e.to_string())?;

    let before = status_kib("VmRSS:")?;
    // Resets VmHWM to the current RSS (Linux ≥ 4.0). Without it the peak still covers the
    // export, but also the start-up, which is far smaller.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let store_error = |e: ecoquiz::store::StoreError| e.to_string();
    let export_figures = match what {
        "graded-rows" => {
            read_graded_rows(&pool, competition_id).await?;
            String::new()
        }
        "best-results" => {
            let results: Vec<_> = store
                .best_results(competition_id)
                .try_collect()
                .await
                .map_err(store_error)?;
            drop(results);
            String::new()
        }
        _ => {
            let (kind, format) = export::parse_file_name(what).ok_or("no such probe")?;
            let prepared = export::prepare(&store, &competition, kind)
                .await
                .map_err(|e| e.to_string())?;
            let prepared_peak = status_kib("VmHWM:")?;
            let (bytes, _) = write(prepared, format).await?;
            format!(" prepared_peak_kib={prepared_peak} bytes={bytes}")
        }
    };
    let peak = status_kib("VmHWM:")?;
    Ok(format!(
        "rss_before_kib={before} peak_kib={peak}{export_figures}"
    ))
}

/// A `kB` line of /proc/self/status.
fn status_kib(field: &str) -> Result<u64, String> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("cannot read /proc/self/status: {e}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| format!("no {field} in /proc/self/status"))
}

// ---------------------------------------------------------------------------------------
// Seeding (not timed)
// ---------------------------------------------------------------------------------------

struct SeededCompetition {
    competition: Competition,
    participants: usize,
    issued_questions: u64,
    saved_answers: u64,
}

/// Seeds an empty store: bank, roster, competition, and the participants with their graded
/// attempts (bulk INSERTs through `pool`, the same database as `store`).
async fn seed(
    store: &Store,
    pool: &AnyPool,
    participants: usize,
) -> Result<SeededCompetition, String> {
    let store_error = |e: ecoquiz::store::StoreError| e.to_string();
    let now = Clock::System.now();
    let bank = question_bank::parse_bank(question_bank::SAMPLE_BANK_CSV)
        .map_err(|e| format!("the sample bank: {e}"))?;
    let questions: Vec<Question> = bank.questions.into_iter().map(|q| q.question).collect();
    store
        .import_questions(&questions, false, now)
        .await
        .map_err(store_error)?;
    let snapshot = store.load_bank().await.map_err(store_error)?;

    let roster = Roster::new();
    let listed: Vec<RosterCompany> = roster.listed.clone();
    store
        .import_roster(&listed, false, now)
        .await
        .map_err(store_error)?;

    let blueprint = Blueprint::from_json(BLUEPRINT).map_err(|e| format!("the blueprint: {e}"))?;
    let day: Millis = 86_400_000;
    let competition = store
        .create_competition(
            &NewCompetition {
                title: "2026年六五环境日企业环保知识竞赛(导出基准)".to_owned(),
                opens_at: now - 8 * day,
                closes_at: now - day,
                duration_minutes: 60,
                blueprint: blueprint.clone(),
                max_attempts: 1,
                pass_score: Points::from_hundredths(PASS_SCORE_HUNDREDTHS),
                // Top 5 average, ranked from 3 participants: some companies stay unranked.
                company_score: CompanyScoreRule {
                    method: CompanyMethod::TopNAverage { n: 5 },
                    min_participants: 3,
                },
                max_tab_switches: None,
                rehearsal: false,
            },
            now,
        )
        .await
        .map_err(store_error)?;

    let mut seeded = SeededCompetition {
        competition,
        participants,
        issued_questions: 0,
        saved_answers: 0,
    };
    let mut first = 0;
    while first < participants {
        let last = participants.min(first + PARTICIPANTS_PER_TRANSACTION);
        let contestants: Vec<Contestant> = (first..last)
            .map(|index| {
                Contestant::simulate(index, &roster, &snapshot, &blueprint, &seeded.competition)
            })
            .collect::<Result<_, _>>()?;
        let (issued, saved) = insert_contestants(pool, seeded.competition.id, &contestants)
            .await
            .map_err(|e| format!("seeding participants {first}–{last}: {e}"))?;
        seeded.issued_questions += issued;
        seeded.saved_answers += saved;
        first = last;
    }
    Ok(seeded)
}

/// The roster as imported, and the companies not on it that some participants type.
struct Roster {
    listed: Vec<RosterCompany>,
    unlisted: Vec<RosterCompany>,
}

impl Roster {
    fn new() -> Roster {
        const PLACES: [&str; 8] = [
            "东城", "西城", "南湖", "北岸", "新区", "滨江", "高新", "临港",
        ];
        const BRANDS: [&str; 25] = [
            "绿源", "清泉", "蓝天", "碧水", "青山", "华泰", "恒达", "宏远", "金桥", "瑞丰", "永固",
            "鑫盛", "天成", "益民", "长青", "康达", "正大", "同创", "新峰", "明辉", "汇通", "盛世",
            "安泰", "润华", "博远",
        ];
        const TRADES: [&str; 10] = [
            "环保科技",
            "化工",
            "纺织印染",
            "电镀",
            "食品",
            "物流",
            "建材",
            "医药",
            "机械制造",
            "包装材料",
        ];
        let company = |index: usize, prefix: &str, name: String| RosterCompany {
            name,
            credit_code: CreditCode::parse(&with_check_character(&format!(
                "{prefix}{:011}",
                10_000_000 + index * 7_919
            )))
            .expect("a valid credit code"),
            subdistrict: SUBDISTRICTS[index * 7 % SUBDISTRICTS.len()].to_owned(),
        };
        let listed = (0..ROSTER_COMPANIES)
            .map(|i| {
                let name = format!(
                    "{}{}{}有限公司",
                    PLACES[i % PLACES.len()],
                    BRANDS[i / PLACES.len() % BRANDS.len()],
                    TRADES[i / (PLACES.len() * BRANDS.len()) % TRADES.len()]
                );
                company(i, "913101", name)
            })
            .collect();
        let unlisted = (0..OFF_ROSTER_COMPANIES)
            .map(|i| {
                company(
                    i,
                    "914401",
                    format!("外区{}号{}有限公司", i + 1, TRADES[i % 10]),
                )
            })
            .collect();
        Roster { listed, unlisted }
    }
}

/// One simulated participant and the attempt they submitted.
struct Contestant {
    name: String,
    phone: String,
    company: RosterCompany,
    seed: u64,
    started_at: Millis,
    duration_ms: i64,
    tab_switches: i64,
    score: Points,
    correct_count: u32,
    max_score: Points,
    /// The paper as issued, with each question's store identity.
    paper: Vec<(PaperQuestion, i64, i64)>,
    /// Per paper question, in the participant's option order. `None`: never answered (no row);
    /// `Some(EMPTY)`: answered, then cleared.
    responses: Vec<Option<Choice>>,
}

impl Contestant {
    /// Participant `index`: the same every run (a generator seeded by the index).
    fn simulate(
        index: usize,
        roster: &Roster,
        snapshot: &BankSnapshot,
        blueprint: &Blueprint,
        competition: &Competition,
    ) -> Result<Contestant, String> {
        const SURNAMES: [&str; 16] = [
            "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱",
            "胡", "郭",
        ];
        const GIVEN_NAMES: [&str; 20] = [
            "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
            "娟", "涛", "明", "超", "秀兰", "霞",
        ];
        let mut dice = Dice::new(index as u64);
        let name = format!(
            "{}{}",
            SURNAMES[dice.below(SURNAMES.len())],
            GIVEN_NAMES[dice.below(GIVEN_NAMES.len())]
        );
        let company = if dice.chance(OFF_ROSTER_SHARE) {
            roster.unlisted[dice.below(roster.unlisted.len())].clone()
        } else {
            // Skewed: a few companies send hundreds, most a few dozen.
            let skewed = dice.unit().powf(1.6) * PARTICIPATING_ROSTER_COMPANIES as f64;
            roster.listed[(skewed as usize).min(PARTICIPATING_ROSTER_COMPANIES - 1)].clone()
        };

        let seed = dice.next();
        let paper = assemble(&snapshot.bank, blueprint, seed)
            .map_err(|e| format!("drawing a paper: {e}"))?;
        // Between 0.35 and 0.95, most near 0.65.
        let ability = 0.35 + 0.6 * (dice.unit() + dice.unit()) / 2.0;
        let responses: Vec<Option<Choice>> = paper
            .questions
            .iter()
            .map(|item| {
                respond(
                    &mut dice,
                    ability,
                    item,
                    snapshot.bank.question(item.bank_index),
                )
            })
            .collect();
        let grade = grade_paper(
            paper
                .questions
                .iter()
                .zip(&responses)
                .map(|(item, response)| {
                    (
                        item,
                        snapshot.bank.question(item.bank_index),
                        response.unwrap_or(Choice::EMPTY),
                    )
                }),
        );

        // Started on a whole minute and used whole seconds, so some results tie completely.
        let window = competition.closes_at - competition.opens_at - 2 * 3_600_000;
        let started_at =
            competition.opens_at + dice.below(window as usize) as i64 / 60_000 * 60_000;
        let duration_ms = (240 + dice.below(2_460) as i64) * 1000;
        let tab_switches = if dice.chance(0.7) {
            0
        } else {
            1 + dice.below(6) as i64
        };
        Ok(Contestant {
            name,
            phone: format!("139{index:08}"),
            company,
            seed,
            started_at,
            duration_ms,
            tab_switches,
            score: grade.score,
            correct_count: grade.correct_count,
            max_score: paper.max_score(),
            paper: paper
                .questions
                .into_iter()
                .map(|item| {
                    let reference = snapshot.refs[item.bank_index];
                    (item, reference.id, reference.version)
                })
                .collect(),
            responses,
        })
    }

    /// `attempts.responses` as grading writes it: the responses in the bank's option order.
    fn responses_text(&self) -> String {
        let responses: Vec<(QuestionRef, Choice)> = self
            .paper
            .iter()
            .zip(&self.responses)
            .map(|((item, id, version), response)| {
                (
                    QuestionRef {
                        id: *id,
                        version: *version,
                    },
                    item.to_original(response.unwrap_or(Choice::EMPTY)),
                )
            })
            .collect();
        responses_text(&responses)
    }
}

/// A participant of `ability` answers one question: in the participant's option order.
fn respond(
    dice: &mut Dice,
    ability: f64,
    item: &PaperQuestion,
    question: &Question,
) -> Option<Choice> {
    if dice.chance(0.04) {
        // Unanswered: mostly never touched, sometimes chosen and then cleared.
        return dice.chance(0.25).then_some(Choice::EMPTY);
    }
    let knows = match question.difficulty() {
        Difficulty::Easy => ability + 0.12,
        Difficulty::Medium => ability,
        Difficulty::Hard => ability - 0.15,
    };
    let in_bank_order = if dice.chance(knows) {
        question.answer()
    } else {
        wrong_answer(dice, question)
    };
    Some(item.to_shown(in_bank_order))
}

/// A plausible wrong answer in the bank's option order; for a multiple choice question, often
/// a part of the key (partial credit).
fn wrong_answer(dice: &mut Dice, question: &Question) -> Choice {
    let key = question.answer();
    match question.kind() {
        Kind::Judge => {
            if key == Choice::TRUE {
                Choice::FALSE
            } else {
                Choice::TRUE
            }
        }
        Kind::Single => {
            let options = question.option_count();
            let right = key.highest().unwrap_or(0);
            let wrong = (right + 1 + dice.below(options - 1)) % options;
            Choice::only(wrong)
        }
        Kind::Multiple => {
            if key.len() >= 2 && dice.chance(0.4) {
                let left_out = dice.below(key.len());
                Choice::from_indexes(
                    key.indexes()
                        .enumerate()
                        .filter(|&(i, _)| i != left_out)
                        .map(|(_, option)| option),
                )
            } else {
                let every_option = (1u16 << question.option_count()) - 1;
                loop {
                    let bits = 1 + dice.below(usize::from(every_option)) as u8;
                    let choice = Choice::from_bits(bits);
                    if choice != key {
                        break choice;
                    }
                }
            }
        }
    }
}

/// A value bound in a bulk INSERT.
enum Value {
    Int(i64),
    Text(String),
}

impl From<i64> for Value {
    fn from(value: i64) -> Value {
        Value::Int(value)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Value {
        Value::Text(value.to_owned())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Value {
        Value::Text(value)
    }
}

/// `INSERT INTO {into} VALUES (…), (…) {returning}` for `values` (`columns` per row, flat), in
/// as few statements as the bound-value limit allows; the rows `returning` returns.
async fn insert_many(
    conn: &mut sqlx::AnyConnection,
    into: &str,
    columns: usize,
    values: &[Value],
    returning: &str,
) -> Result<Vec<AnyRow>, sqlx::Error> {
    // sqlx asks SQLite for every parameter's name, and SQLite finds a numbered one (`$7`) by
    // walking a list: binding `$1 … $N` takes time quadratic in N (it took minutes here). An
    // anonymous `?` has no name to look up. PostgreSQL only knows `$N`.
    let anonymous_placeholders = conn.backend_name() == "SQLite";
    let rows_per_statement = VALUES_PER_STATEMENT / columns;
    let mut returned = Vec::new();
    for chunk in values.chunks(rows_per_statement * columns) {
        let mut sql = format!("INSERT INTO {into} VALUES ");
        for row in 0..chunk.len() / columns {
            sql.push_str(if row == 0 { "(" } else { ", (" });
            for column in 0..columns {
                if column > 0 {
                    sql.push_str(", ");
                }
                if anonymous_placeholders {
                    sql.push('?');
                } else {
                    sql.push_str(&format!("${}", row * columns + column + 1));
                }
            }
            sql.push(')');
        }
        sql.push(' ');
        sql.push_str(returning);
        let mut query = sqlx::query(&sql);
        for value in chunk {
            query = match value {
                Value::Int(number) => query.bind(*number),
                Value::Text(text) => query.bind(text.as_str()),
            };
        }
        returned.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(returned)
}

/// Inserts the contestants, their attempts, papers and answers in one transaction: (issued
/// questions, saved answers).
async fn insert_contestants(
    pool: &AnyPool,
    competition_id: i64,
    contestants: &[Contestant],
) -> Result<(u64, u64), sqlx::Error> {
    let mut tx = pool.begin().await?;
    // Nobody logs in as these participants: the hash is never checked.
    const PASSWORD_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2htYXJr$bm90LWEtcmVhbC1oYXNo";
    let mut values: Vec<Value> = Vec::with_capacity(contestants.len() * 7);
    for c in contestants {
        values.extend([
            Value::from(c.name.as_str()),
            Value::from(c.phone.as_str()),
            Value::from(PASSWORD_HASH),
            Value::from(c.company.name.as_str()),
            Value::from(c.company.credit_code.as_str()),
            Value::from(c.company.subdistrict.as_str()),
            Value::from(c.started_at - 86_400_000),
        ]);
    }
    let returned = insert_many(
        &mut tx,
        "participants (name, phone, password_hash, company_name, credit_code, subdistrict, created_at)",
        7,
        &values,
        "RETURNING id, phone",
    )
    .await?;
    let participant_ids: HashMap<String, i64> = returned
        .iter()
        .map(|row| Ok((row.try_get::<String, _>(1)?, row.try_get::<i64, _>(0)?)))
        .collect::<Result<_, sqlx::Error>>()?;

    let mut values: Vec<Value> = Vec::with_capacity(contestants.len() * 14);
    for c in contestants {
        let submitted_at = c.started_at + c.duration_ms;
        values.extend([
            Value::from(competition_id),
            Value::from(participant_ids[&c.phone]),
            Value::from(1),
            // The seed column holds the generator's 64 bits as a signed BIGINT.
            Value::from(c.seed as i64),
            Value::from(c.started_at),
            Value::from(c.started_at + 3_600_000),
            Value::from(SUBMITTED),
            Value::from(submitted_at),
            Value::from(i64::from(c.score.hundredths())),
            Value::from(i64::from(c.max_score.hundredths())),
            Value::from(i64::from(c.correct_count)),
            Value::from(c.duration_ms),
            Value::from(c.tab_switches),
            Value::from(c.responses_text()),
        ]);
    }
    let returned = insert_many(
        &mut tx,
        "attempts (competition_id, participant_id, attempt_no, seed, started_at, deadline, \
         status, submitted_at, score, max_score, correct_count, duration_ms, tab_switches, \
         responses)",
        14,
        &values,
        "RETURNING id, participant_id",
    )
    .await?;
    let attempt_ids: HashMap<i64, i64> = returned
        .iter()
        .map(|row| Ok((row.try_get::<i64, _>(1)?, row.try_get::<i64, _>(0)?)))
        .collect::<Result<_, sqlx::Error>>()?;

    let mut issued = Vec::with_capacity(contestants.len() * 40 * 7);
    let mut answers = Vec::with_capacity(contestants.len() * 40 * 4);
    for c in contestants {
        let attempt_id = attempt_ids[&participant_ids[&c.phone]];
        let per_question = c.duration_ms / c.paper.len().max(1) as i64;
        for ((item, question_id, version), response) in c.paper.iter().zip(&c.responses) {
            let no = i64::from(item.no);
            let option_order: Vec<String> = item.option_order.iter().map(u8::to_string).collect();
            issued.extend([
                Value::from(attempt_id),
                Value::from(no),
                Value::from(*question_id),
                Value::from(*version),
                Value::from(i64::from(item.points.hundredths())),
                Value::from(i64::from(item.partial_credit)),
                Value::from(option_order.join(",")),
            ]);
            if let Some(choice) = response {
                answers.extend([
                    Value::from(attempt_id),
                    Value::from(no),
                    Value::from(i64::from(choice.bits())),
                    Value::from(c.started_at + per_question * no),
                ]);
            }
        }
    }
    insert_many(
        &mut tx,
        "attempt_questions (attempt_id, no, question_id, version, points, partial_credit, option_order)",
        7,
        &issued,
        "",
    )
    .await?;
    insert_many(
        &mut tx,
        "answers (attempt_id, no, choice, saved_at)",
        4,
        &answers,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(((issued.len() / 7) as u64, (answers.len() / 4) as u64))
}

/// SplitMix64: a small deterministic generator, so every run seeds the same data.
struct Dice(u64);

impl Dice {
    fn new(seed: u64) -> Dice {
        Dice(seed.wrapping_mul(0x2545_F491_4F6C_DD1D))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// In `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// In `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, probability: f64) -> bool {
        self.unit() < probability
    }
}

// ---------------------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------------------

fn ms(duration: Duration) -> String {
    let ms = duration.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

fn range(timings: &Timings) -> String {
    format!("{}–{}", ms(timings.min()), ms(timings.max()))
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn print_report(report: &BackendReport) {
    let seeded = &report.seeded;
    println!(
        "\n### {}: {} participants × {QUESTIONS_PER_PAPER} questions ({} issued questions, {} \
         saved answers); seeded in {:.1} s (not timed)",
        report.backend,
        thousands(seeded.participants as u64),
        thousands(seeded.issued_questions),
        thousands(seeded.saved_answers),
        report.seeding.as_secs_f64(),
    );
    let runs = report.graded_read.0.len();
    println!("\nBaselines (median of {runs} runs after 1 warm-up):\n");
    println!("| baseline | rows | median | min–max |");
    println!("|---|---|---|---|");
    println!(
        "| A: `SELECT … FROM attempts JOIN participants`, `fetch_all` | {} | {} | {} |",
        thousands(seeded.participants as u64),
        ms(report.graded_read.median()),
        range(&report.graded_read)
    );
    println!(
        "| B: `SELECT responses FROM attempts`, streamed and counted | {} | {} | {} |",
        thousands(report.responses_rows),
        ms(report.responses_read.median()),
        range(&report.responses_read)
    );

    println!(
        "\nExports over HTTP (median of {runs} downloads after 1 warm-up; the unavoidable read \
         is A, or B for the questions export):\n"
    );
    println!(
        "| export | rows | bytes | median | min–max | ÷ unavoidable read | bare HTTP, same bytes \
         | ≤ 2 s |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for export in &report.exports {
        let unavoidable = if export.kind == ExportKind::Questions {
            report.responses_read.median()
        } else {
            report.graded_read.median()
        };
        let median = export.http.median();
        println!(
            "| `{}` | {} | {} | **{}** | {} | {:.1}× | {} | {} |",
            export.file_name(),
            thousands(export.rows as u64),
            thousands(export.bytes),
            ms(median),
            range(&export.http),
            median.as_secs_f64() / unavoidable.as_secs_f64(),
            ms(export.bare_http.median()),
            if median <= TARGET {
                "met"
            } else {
                "**MISSED**"
            }
        );
    }

    println!(
        "\nPhases without HTTP (medians of {runs} runs after 1 warm-up; the participants \
         export reads its rows while the writer runs, so its read is in the writers' time):\n"
    );
    println!("| export | `prepare` | CSV writer | .xlsx writer |");
    println!("|---|---|---|---|");
    for phases in &report.phases {
        println!(
            "| {} ({} rows) | {} | {} | {} |",
            phases.kind.path_name(),
            thousands(phases.rows as u64),
            ms(phases.prepare.median()),
            ms(phases.write_csv.median()),
            ms(phases.write_xlsx.median()),
        );
    }

    println!("\nMemory, each in a fresh process (peak RSS during the work minus RSS before it):\n");
    println!(
        "| work | RSS before | peak growth until `prepare` returned | peak growth | ÷ A | bytes \
         written |"
    );
    println!("|---|---|---|---|---|---|");
    let one_copy = report
        .reading_memory
        .first()
        .map(|(_, copy)| copy.growth_kib)
        .filter(|&kib| kib > 0);
    let row = |work: String, memory: &MemoryFigure| {
        println!(
            "| {work} | {} | {} | {} | {} | {} |",
            mib(memory.before_kib),
            memory.prepared_growth_kib.map_or("—".into(), mib),
            mib(memory.growth_kib),
            one_copy.map_or("—".into(), |copy| format!(
                "{:.1}×",
                memory.growth_kib as f64 / copy as f64
            )),
            memory.bytes.map_or("—".into(), thousands),
        );
    };
    for (label, memory) in &report.reading_memory {
        row((*label).to_owned(), memory);
    }
    for export in &report.exports {
        if let Some(memory) = &export.memory {
            row(format!("`{}`", export.file_name()), memory);
        }
    }
}

// ---------------------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------
// The machine
// ---------------------------------------------------------------------------------------

fn print_machine(participants: usize, runs: usize) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = cpu_model();
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or("unknown".into(), |kib| {
            format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0)
        });
    println!(
        "ecoquiz exports benchmark: {} participants, {runs} runs per figure; {cores} CPUs \
         ({cpu}), {memory} memory; the server, the client and the bench share one tokio \
         runtime with {cores} workers; load average at the start: {}",
        thousands(participants as u64),
        load_average()
    );
}
