//! The websocket fan-out benchmark: 1,000 and 5,000 viewers of one live board while 200
//! submissions a second arrive, against the real `ecoquiz` binary running as a child process,
//! so its CPU time and resident memory are the server's alone.
//!
//! `ulimit -n 16384 && cargo bench -p ecoquiz --bench fanout` (docs/PERFORMANCE.md,
//! "Websocket fan-out", says how to read the output). It is a benchmark, not a test: it prints
//! figures and exits 0 however slow the machine is; it exits 1 only when something failed
//! (a submission, a viewer's connection, a viewer that never saw the last submission, the
//! server itself) and says how many.
//!
//! - `ECOQUIZ_FANOUT_VIEWERS` (default `0,1000,5000`): the runs, one fresh server each. The
//!   0-viewer run is the baseline: the same submissions with the board loaded but nobody
//!   watching, so the CPU the viewers cost can be told from what grading costs.
//! - `ECOQUIZ_FANOUT_SECONDS` (default 8) and `ECOQUIZ_FANOUT_RATE` (default 200): how long
//!   and how fast submissions arrive. A quick run: `ECOQUIZ_FANOUT_VIEWERS=0,200
//!   ECOQUIZ_FANOUT_SECONDS=3`.
//!
//! How a run goes:
//! 1. Set-up, once, not measured: a server on a fresh data folder with `--demo` (the sample
//!    bank and a 40-question competition open for 30 days); every contestant registers (a few
//!    at a time: argon2 is slow on purpose) and starts an attempt. The server stops and its
//!    folder becomes the template every run copies, so every run starts from the same
//!    database: the same contestants, each with an attempt in progress and nothing submitted.
//! 2. Per run: a new server on a copy; the board is loaded (`GET …/leaderboard`) and 20
//!    warm-up submissions go in. RSS is read, N viewers connect
//!    (`/ws/competitions/{id}/leaderboard?top=10`) and each waits for its first snapshot, and
//!    RSS is read again: the difference over N is the memory per connection.
//! 3. Submissions are sent at the rate (a tokio interval, one task each, so a slow answer
//!    never holds the next one back), each instant recorded. Every viewer reads its socket
//!    all the time and records each frame's receive instant, `seq` and `stats.submitted`.
//!    When the last submission has been answered, the run waits until every viewer has seen
//!    a frame counting all of them.
//!
//! The delay of a submission at a viewer is the receive instant of the first frame that
//! contains it, minus the instant its submit response arrived (0 if that frame came first).
//! A frame says how many submissions it counts, not which, and submissions overlap, so the
//! bench computes two bounds that hold for every single pair (proof in `Thresholds`):
//! - **at most** (`≤`): the first frame counting at least as many submissions as had been
//!   *sent* by the time this one was answered certainly contains it;
//! - **at least** (`≥`): a frame containing it counts it and every submission *answered*
//!   before it was sent.
//!
//! The table's delay figures are the upper bounds; the lower ones are printed next to them.
//! They differ only by the submissions in flight (a few at 200/s), against about 50 per frame.

#[path = "../bench_support.rs"]
mod bench_support;

use bench_support::{
    Percentiles, Server, Socket, TICKS_PER_SECOND, bench_client, copy_folder, cpu_model,
    demo_competition, enough_open_files, kib_to_mb, kib_to_mib, load_average, machine_ticks,
    micros, open_small_socket, process_ticks, register, rss_kib, send, start_attempt,
};
use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::{StreamExt, TryStreamExt};
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;

const VIEWERS_VARIABLE: &str = "ECOQUIZ_FANOUT_VIEWERS";
const SECONDS_VARIABLE: &str = "ECOQUIZ_FANOUT_SECONDS";
const RATE_VARIABLE: &str = "ECOQUIZ_FANOUT_RATE";
const DEFAULT_VIEWERS: &[usize] = &[0, 1000, 5000];
const DEFAULT_SECONDS: u64 = 8;
const DEFAULT_RATE: u64 = 200;
/// Rows each viewer asks for: what the projector page shows.
const TOP: usize = 10;
/// Submissions before the measured phase, so the first measured ones do not pay for cold
/// caches and the first connections to the database.
const WARM_UP_SUBMISSIONS: usize = 20;
/// Registrations and paper starts in flight at once during set-up. The server hashes one
/// password per core anyway; this only keeps its queue short.
const SET_UP_CONCURRENCY: usize = 16;
/// Websocket handshakes in flight at once while the viewers connect.
const CONNECT_CONCURRENCY: usize = 64;
/// A request that takes longer than this counts as failed instead of hanging the run.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// How long, after the last submission was answered, every viewer has to see a frame that
/// counts it. The server publishes 5 frames a second: anything near this is a failure.
const LAST_FRAME_PATIENCE: Duration = Duration::from_secs(30);
/// How often the server's RSS is read during the submissions, for its peak.
const RSS_SAMPLE_EVERY: Duration = Duration::from_millis(100);
/// How many errors are shown in full; the rest are only counted.
const ERRORS_SHOWN: usize = 5;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    print_machine(&config);
    let most_viewers = config.viewer_counts.iter().copied().max().unwrap_or(0);
    // Each viewer is one socket in this process and one in the server; the server inherits
    // this process's limit. A little room for HTTP connections and the database files.
    let needed = most_viewers + 512;
    if !enough_open_files(needed, &format!("{most_viewers} viewers")) {
        return ExitCode::FAILURE;
    }

    let client = bench_client(REQUEST_TIMEOUT);

    let template = tempfile::tempdir().expect("a temporary folder");
    let contestants = match set_up(&client, template.path(), &config).await {
        Ok(contestants) => Arc::new(contestants),
        Err(message) => {
            eprintln!("set-up failed: {message}");
            return ExitCode::FAILURE;
        }
    };

    let mut reports = Vec::new();
    let mut failures = Vec::new();
    for &viewers in &config.viewer_counts {
        match run(&client, template.path(), &contestants, &config, viewers).await {
            Ok(report) => reports.push(report),
            Err(message) => failures.push(format!("{viewers} viewers: {message}")),
        }
    }

    print_tables(&reports, &config);
    let mut errors = 0;
    for report in &reports {
        errors += report.error_count;
        for error in &report.first_errors {
            eprintln!("{} viewers: {error}", report.viewers);
        }
    }
    for failure in &failures {
        eprintln!("{failure}");
    }
    if errors > 0 || !failures.is_empty() {
        eprintln!(
            "\nFAILED: {errors} error(s) during the runs, {} run(s) could not be completed",
            failures.len()
        );
        return ExitCode::FAILURE;
    }
    println!("\n0 errors");
    ExitCode::SUCCESS
}

/// What to run, from the environment.
struct Config {
    viewer_counts: Vec<usize>,
    seconds: u64,
    rate: u64,
}

impl Config {
    fn from_env() -> Result<Config, String> {
        let viewer_counts = match std::env::var(VIEWERS_VARIABLE) {
            Err(_) => DEFAULT_VIEWERS.to_vec(),
            Ok(list) => list
                .split(',')
                .map(|n| n.trim().parse::<usize>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| {
                    format!(
                        "{VIEWERS_VARIABLE} must be viewer counts like 0,1000,5000, not {list:?}"
                    )
                })?,
        };
        let number = |name: &str, default: u64| match std::env::var(name) {
            Err(_) => Ok(default),
            Ok(text) => match text.trim().parse::<u64>() {
                Ok(n) if n >= 1 => Ok(n),
                _ => Err(format!(
                    "{name} must be a whole number of at least 1, not {text:?}"
                )),
            },
        };
        Ok(Config {
            viewer_counts,
            seconds: number(SECONDS_VARIABLE, DEFAULT_SECONDS)?,
            rate: number(RATE_VARIABLE, DEFAULT_RATE)?,
        })
    }

    /// Submissions in each run's measured phase.
    fn submissions(&self) -> usize {
        (self.seconds * self.rate) as usize
    }
}

// ---------------------------------------------------------------------------------------
// Set-up: contestants with an attempt in progress (not measured)
// ---------------------------------------------------------------------------------------

/// A registered participant with an attempt in progress.
#[derive(Clone)]
struct Contestant {
    token: String,
    attempt: i64,
}

/// Fills `template` with a database in which every contestant has an attempt in progress.
/// The server that made it is stopped, so every run can start from a copy.
async fn set_up(
    client: &reqwest::Client,
    template: &Path,
    config: &Config,
) -> Result<Vec<Contestant>, String> {
    let started = Instant::now();
    let data_dir = template.join("data");
    let server = Server::start(&data_dir).await?;
    let competition = demo_competition(client, &server.address).await?;
    let count = config.submissions() + WARM_UP_SUBMISSIONS;
    let address = server.address.as_str();
    let contestants: Vec<Contestant> = futures_util::stream::iter(0..count)
        .map(|i| async move {
            let token = register(client, address, i).await?;
            let attempt = start_attempt(client, address, competition, &token).await?;
            Ok::<_, String>(Contestant { token, attempt })
        })
        .buffered(SET_UP_CONCURRENCY)
        .try_collect()
        .await?;
    server.stop().await?;
    println!(
        "set-up (not measured): {count} contestants registered, each with a 40-question \
         attempt in progress, in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(contestants)
}

/// Submits one attempt (blank: grading costs the same, and only the count matters here).
async fn submit(
    client: &reqwest::Client,
    address: &str,
    contestant: &Contestant,
) -> Result<(), String> {
    send(
        client
            .post(format!(
                "{address}/api/attempts/{}/submit",
                contestant.attempt
            ))
            .bearer_auth(&contestant.token),
        StatusCode::OK,
    )
    .await
    .map(|_| ())
}

/// The board's current frame over HTTP (the same JSON a viewer gets); loads the board.
async fn board_over_http(
    client: &reqwest::Client,
    address: &str,
    competition: i64,
) -> Result<Value, String> {
    send(
        client.get(format!(
            "{address}/api/competitions/{competition}/leaderboard?top={TOP}"
        )),
        StatusCode::OK,
    )
    .await
    .map_err(|e| format!("GET leaderboard: {e}"))
}

// ---------------------------------------------------------------------------------------
// Viewers
// ---------------------------------------------------------------------------------------

/// The fields of a snapshot the bench reads; the rest is skipped by the parser.
#[derive(Deserialize)]
struct Snapshot<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    seq: u64,
    stats: SnapshotStats,
}

#[derive(Deserialize)]
struct SnapshotStats {
    submitted: u64,
}

/// One frame as a viewer saw it.
#[derive(Clone, Copy)]
struct Seen {
    at: Instant,
    seq: u64,
    submitted: u64,
}

fn parse_frame(text: &str, at: Instant) -> Result<Seen, String> {
    let frame: Snapshot =
        serde_json::from_str(text).map_err(|e| format!("a frame is not a snapshot: {e}"))?;
    if frame.kind != "snapshot" {
        return Err(format!("a frame of type {:?}", frame.kind));
    }
    Ok(Seen {
        at,
        seq: frame.seq,
        submitted: frame.stats.submitted,
    })
}

/// What the bench tells the viewers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Submissions are arriving.
    Watching,
    /// Every submission has been answered: the submitted count the last frame must reach.
    Expecting(u64),
    /// Close the socket and hand over the log.
    Stop,
}

/// Counts the viewers that have seen the last submission; wakes the bench when all have.
struct Finish {
    remaining: AtomicUsize,
    all_seen: Notify,
}

impl Finish {
    fn viewer_saw_everything(&self) {
        if self.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            // A stored permit: the bench may start waiting after the last viewer got here.
            self.all_seen.notify_one();
        }
    }
}

/// A viewer's record of the run.
struct ViewerLog {
    /// Every frame, its first snapshot included, in arrival order.
    frames: Vec<Seen>,
    error: Option<String>,
    saw_everything: bool,
}

/// Opens a viewer (with small buffers) and reads its first snapshot.
async fn connect_viewer(url: &str) -> Result<(Socket, Seen), String> {
    let mut socket = open_small_socket(url).await?;
    loop {
        let message = tokio::time::timeout(REQUEST_TIMEOUT, socket.next())
            .await
            .map_err(|_| "no first snapshot within 60 s".to_owned())?
            .ok_or("the socket closed before the first snapshot")?
            .map_err(|e| format!("reading the first snapshot: {e}"))?;
        if let Message::Text(text) = message {
            let at = Instant::now();
            return Ok((socket, parse_frame(&text, at)?));
        }
    }
}

/// A healthy viewer: reads every frame as soon as it arrives (pings are answered by the
/// library as they are read) until told to stop.
async fn watch_frames(
    mut socket: Socket,
    first: Seen,
    mut phase: watch::Receiver<Phase>,
    finish: Arc<Finish>,
) -> ViewerLog {
    let mut log = ViewerLog {
        frames: vec![first],
        error: None,
        saw_everything: false,
    };
    let mut expected: Option<u64> = None;
    loop {
        tokio::select! {
            message = socket.next() => {
                let at = Instant::now();
                match message {
                    Some(Ok(Message::Text(text))) => match parse_frame(&text, at) {
                        Ok(seen) => log.frames.push(seen),
                        Err(e) => {
                            log.error = Some(e);
                            break;
                        }
                    },
                    Some(Ok(Message::Close(_))) | None => {
                        log.error = Some("the server closed the socket".into());
                        break;
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => {
                        log.error = Some(format!("reading a frame: {e}"));
                        break;
                    }
                }
            }
            changed = phase.changed() => {
                if changed.is_err() {
                    break;
                }
                match *phase.borrow_and_update() {
                    Phase::Watching => {}
                    Phase::Expecting(count) => expected = Some(count),
                    Phase::Stop => break,
                }
            }
        }
        if let Some(count) = expected
            && !log.saw_everything
            && log.frames.last().is_some_and(|f| f.submitted >= count)
        {
            log.saw_everything = true;
            finish.viewer_saw_everything();
        }
    }
    let _ = socket.close(None).await;
    log
}

// ---------------------------------------------------------------------------------------
// One run
// ---------------------------------------------------------------------------------------

/// One submission of the measured phase.
#[derive(Clone, Copy)]
struct Submission {
    /// Just before the request was handed to the client.
    sent: Instant,
    /// Just after the whole response was read.
    answered: Instant,
    ok: bool,
}

/// What one run measured.
struct RunReport {
    viewers: usize,
    connect_seconds: f64,
    rss_idle_kib: u64,
    rss_connected_kib: u64,
    rss_peak_kib: u64,
    /// From the first submission sent until every viewer had the last frame.
    phase_seconds: f64,
    server_cpu_seconds: Option<f64>,
    client_cpu_seconds: Option<f64>,
    machine_busy: Option<f64>,
    load_before: String,
    load_after: String,
    submissions: usize,
    submission_errors: usize,
    /// Answered submissions per second, from the first sent to the last answered.
    submission_rate: f64,
    submit_latency: Percentiles,
    delays: Option<Delays>,
    error_count: usize,
    first_errors: Vec<String>,
}

impl RunReport {
    /// How much the server grew during the submissions, over its RSS once connected.
    fn rss_growth_kib(&self) -> u64 {
        self.rss_peak_kib.saturating_sub(self.rss_connected_kib)
    }

    /// The connections' share of the peak RSS: the peak over the idle server, less what the
    /// submissions alone made the server grow (the 0-viewer run's growth), when known.
    fn connections_peak_kib(&self, baseline: Option<&RunReport>) -> u64 {
        let growth = baseline.map_or(0, RunReport::rss_growth_kib);
        self.rss_peak_kib
            .saturating_sub(self.rss_idle_kib)
            .saturating_sub(growth)
    }
}

/// The delay figures of a run with viewers.
struct Delays {
    at_most: Percentiles,
    at_least: Percentiles,
    pairs: usize,
    /// (viewer, submission) pairs whose viewer never saw a frame that counted it.
    missing_pairs: usize,
    /// Pairs where even the upper bound's frame arrived before the submit response.
    frame_before_response: usize,
    /// Frames received per viewer per second while submissions arrived: mean, lowest.
    frames_per_second: (f64, f64),
    /// For each frame every viewer received: last viewer's receive instant minus the
    /// first's. p50 and max, ms.
    spread_ms: (f64, f64),
    /// Frames published during the phase that some viewer never received (it got a newer
    /// one instead: latest-value semantics).
    frames_skipped: usize,
    frames_published: usize,
    /// How many submissions lie between the two bounds' counts (`at_most − at_least`), p50
    /// and max: the submissions in flight around each one. The bounds are tight while this
    /// is small next to the submissions per frame.
    bound_gap: (u64, u64),
}

async fn run(
    client: &reqwest::Client,
    template: &Path,
    contestants: &Arc<Vec<Contestant>>,
    config: &Config,
    viewers: usize,
) -> Result<RunReport, String> {
    println!("\n== {viewers} viewers ==");
    let folder = tempfile::tempdir().map_err(|e| format!("no temporary folder: {e}"))?;
    let data_dir = folder.path().join("data");
    copy_folder(&template.join("data"), &data_dir)
        .map_err(|e| format!("cannot copy the set-up database: {e}"))?;
    let server = Server::start(&data_dir).await?;
    let result = measure(client, &server, contestants, config, viewers).await;
    let stopped = server.stop().await;
    let report = result?;
    stopped?;
    Ok(report)
}

async fn measure(
    client: &reqwest::Client,
    server: &Server,
    contestants: &Arc<Vec<Contestant>>,
    config: &Config,
    viewers: usize,
) -> Result<RunReport, String> {
    let address = server.address.as_str();
    let competition = demo_competition(client, address).await?;
    let measured = config.submissions();

    // The board is loaded on first use; without it (no viewer yet) submissions would not
    // update it, and the 0-viewer baseline would skip work the other runs do.
    board_over_http(client, address, competition).await?;
    for contestant in &contestants[measured..] {
        submit(client, address, contestant)
            .await
            .map_err(|e| format!("warm-up submission: {e}"))?;
    }
    let board = board_over_http(client, address, competition).await?;
    let base = board["stats"]["submitted"]
        .as_u64()
        .ok_or("the board has no stats.submitted")?;
    if base != WARM_UP_SUBMISSIONS as u64 {
        return Err(format!(
            "the board counts {base} submissions after {WARM_UP_SUBMISSIONS} warm-up ones"
        ));
    }

    let rss_idle_kib = server.rss_kib();
    let connecting = Instant::now();
    let url = server.ws_url(&format!(
        "/ws/competitions/{competition}/leaderboard?top={TOP}"
    ));
    let connected: Vec<Result<(Socket, Seen), String>> = futures_util::stream::iter(0..viewers)
        .map(|_| connect_viewer(&url))
        .buffer_unordered(CONNECT_CONCURRENCY)
        .collect()
        .await;
    let connect_seconds = connecting.elapsed().as_secs_f64();
    let rss_connected_kib = server.rss_kib();
    let mut errors: Vec<String> = Vec::new();
    let (phase_sender, phase) = watch::channel(Phase::Watching);
    let finish = Arc::new(Finish {
        remaining: AtomicUsize::new(0),
        all_seen: Notify::new(),
    });
    let mut watching = JoinSet::new();
    for viewer in connected {
        match viewer {
            Ok((socket, first)) => {
                if first.submitted != base {
                    errors.push(format!(
                        "a viewer's first snapshot counts {} submissions, not {base}",
                        first.submitted
                    ));
                }
                finish.remaining.fetch_add(1, Ordering::AcqRel);
                watching.spawn(watch_frames(socket, first, phase.clone(), finish.clone()));
            }
            Err(e) => errors.push(e),
        }
    }
    println!(
        "{} of {viewers} viewers connected with their first snapshot in {connect_seconds:.1} s; \
         server RSS {:.1} → {:.1} MiB",
        watching.len(),
        kib_to_mib(rss_idle_kib),
        kib_to_mib(rss_connected_kib)
    );

    // The measured phase.
    let load_before = load_average();
    let server_before = server.cpu_ticks();
    let client_before = process_ticks("/proc/self/stat");
    let machine_before = machine_ticks();
    let sampling = Arc::new(AtomicBool::new(true));
    let peak = Arc::new(AtomicU64::new(rss_connected_kib));
    let sampler = tokio::spawn({
        let (sampling, peak, pid) = (sampling.clone(), peak.clone(), server.pid);
        async move {
            let mut every = tokio::time::interval(RSS_SAMPLE_EVERY);
            while sampling.load(Ordering::Acquire) {
                every.tick().await;
                peak.fetch_max(rss_kib(pid), Ordering::AcqRel);
            }
        }
    });
    let phase_start = Instant::now();
    let (submissions, submission_errors) =
        submit_at_rate(client, address, contestants, config).await;
    let answered = submissions.iter().filter(|s| s.ok).count() as u64;
    phase_sender.send_replace(Phase::Expecting(base + answered));
    let everyone_saw_it = watching.is_empty()
        || tokio::time::timeout(LAST_FRAME_PATIENCE, finish.all_seen.notified())
            .await
            .is_ok();
    let phase_seconds = phase_start.elapsed().as_secs_f64();
    let server_cpu_seconds = server_before
        .zip(server.cpu_ticks())
        .map(|(a, b)| b.saturating_sub(a) as f64 / TICKS_PER_SECOND);
    let client_cpu_seconds = client_before
        .zip(process_ticks("/proc/self/stat"))
        .map(|(a, b)| b.saturating_sub(a) as f64 / TICKS_PER_SECOND);
    let machine_busy = machine_before.zip(machine_ticks()).map(|(a, b)| {
        let total = b.1.saturating_sub(a.1);
        if total == 0 {
            0.0
        } else {
            b.0.saturating_sub(a.0) as f64 / total as f64
        }
    });
    let load_after = load_average();
    sampling.store(false, Ordering::Release);
    let _ = sampler.await;
    let rss_peak_kib = peak.load(Ordering::Acquire);

    phase_sender.send_replace(Phase::Stop);
    let mut logs = Vec::with_capacity(viewers);
    while let Some(log) = watching.join_next().await {
        logs.push(log.map_err(|e| format!("a viewer task failed: {e}"))?);
    }
    if !everyone_saw_it {
        let missed = logs.iter().filter(|l| !l.saw_everything).count();
        errors.push(format!(
            "{missed} viewer(s) never saw a frame counting all {answered} answered submissions \
             within {} s of the last answer",
            LAST_FRAME_PATIENCE.as_secs()
        ));
    }
    let viewer_errors: Vec<String> = logs.iter().filter_map(|l| l.error.clone()).collect();
    let mut error_count = errors.len() + viewer_errors.len() + submission_errors.len();
    errors.extend(viewer_errors);
    errors.extend(submission_errors);
    let delays = if logs.is_empty() {
        None
    } else {
        let delays = delays(&logs, &submissions, base);
        if delays.missing_pairs > 0 && everyone_saw_it {
            errors.push(format!(
                "{} (viewer, submission) pairs have no frame counting the submission",
                delays.missing_pairs
            ));
            error_count += 1;
        }
        Some(delays)
    };
    errors.truncate(ERRORS_SHOWN);

    let first_sent = submissions.iter().map(|s| s.sent).min();
    let last_answered = submissions.iter().map(|s| s.answered).max();
    let submission_rate = match first_sent.zip(last_answered) {
        Some((first, last)) if last > first => answered as f64 / (last - first).as_secs_f64(),
        _ => 0.0,
    };
    let latencies = submissions
        .iter()
        .filter(|s| s.ok)
        .map(|s| micros(s.answered - s.sent))
        .collect();
    Ok(RunReport {
        viewers,
        connect_seconds,
        rss_idle_kib,
        rss_connected_kib,
        rss_peak_kib,
        phase_seconds,
        server_cpu_seconds,
        client_cpu_seconds,
        machine_busy,
        load_before,
        load_after,
        submissions: submissions.len(),
        submission_errors: submissions.iter().filter(|s| !s.ok).count(),
        submission_rate,
        submit_latency: Percentiles::of(latencies),
        delays,
        error_count,
        first_errors: errors,
    })
}

/// Sends `config.submissions()` submissions at `config.rate` a second, each in its own task
/// so a slow answer never delays the next one, and waits for every answer.
async fn submit_at_rate(
    client: &reqwest::Client,
    address: &str,
    contestants: &Arc<Vec<Contestant>>,
    config: &Config,
) -> (Vec<Submission>, Vec<String>) {
    let address: Arc<str> = address.into();
    let mut pace = tokio::time::interval(Duration::from_secs_f64(1.0 / config.rate as f64));
    // After a stall the missed submissions go at once: the average rate is what was asked.
    pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = JoinSet::new();
    for i in 0..config.submissions() {
        pace.tick().await;
        let (client, address, contestants) = (client.clone(), address.clone(), contestants.clone());
        tasks.spawn(async move {
            let sent = Instant::now();
            let result = submit(&client, &address, &contestants[i]).await;
            let answered = Instant::now();
            let submission = Submission {
                sent,
                answered,
                ok: result.is_ok(),
            };
            (submission, result.err().map(|e| format!("submission: {e}")))
        });
    }
    let mut submissions = Vec::with_capacity(config.submissions());
    let mut errors = Vec::new();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((submission, error)) => {
                submissions.push(submission);
                errors.extend(error);
            }
            Err(e) => errors.push(format!("a submission task failed: {e}")),
        }
    }
    (submissions, errors)
}

/// For each answered submission, the submitted counts at which a frame is known not to
/// contain it yet (below `at_least`) and known to contain it (from `at_most`).
///
/// The board counts a submission before its response is sent (board.rs: "a submit's reply
/// is sent after its attempt is in here"), and a frame's count is the number of submissions
/// in the board when it was built.
/// - A frame built before submission `s` entered the board counts only submissions that
///   entered earlier; each of those was sent before that moment, so before `s` was answered.
///   `s` itself was sent before it was answered too but is not counted. So such a frame
///   counts fewer than the submissions *sent* by the time `s` was answered: a frame counting
///   at least that many (`at_most`) contains `s`.
/// - A frame containing `s` counts `s` and every submission answered before `s` was sent
///   (each entered the board before its answer). So it counts at least that many plus one
///   (`at_least`); the first frame reaching that count is no later than the first
///   containing `s`.
///
/// The recorded instants are taken before sending and after the answer, which only widens
/// both arguments' margins. `base` is the count before the phase.
struct Thresholds {
    answered: Instant,
    at_least: u64,
    at_most: u64,
}

fn thresholds(submissions: &[Submission], base: u64) -> Vec<Thresholds> {
    let mut sent: Vec<Instant> = submissions.iter().map(|s| s.sent).collect();
    sent.sort_unstable();
    let mut answered: Vec<Instant> = submissions
        .iter()
        .filter(|s| s.ok)
        .map(|s| s.answered)
        .collect();
    answered.sort_unstable();
    submissions
        .iter()
        .filter(|s| s.ok)
        .map(|s| Thresholds {
            answered: s.answered,
            at_least: base + answered.partition_point(|t| *t < s.sent) as u64 + 1,
            at_most: base + sent.partition_point(|t| *t <= s.answered) as u64,
        })
        .collect()
}

fn delays(logs: &[ViewerLog], submissions: &[Submission], base: u64) -> Delays {
    let thresholds = thresholds(submissions, base);
    let mut gaps: Vec<u64> = thresholds.iter().map(|t| t.at_most - t.at_least).collect();
    gaps.sort_unstable();
    let bound_gap = (
        gaps.get(gaps.len().saturating_sub(1) / 2)
            .copied()
            .unwrap_or(0),
        gaps.last().copied().unwrap_or(0),
    );
    let mut at_most = Vec::with_capacity(logs.len() * thresholds.len());
    let mut at_least = Vec::with_capacity(logs.len() * thresholds.len());
    let mut missing_pairs = 0;
    let mut frame_before_response = 0;
    for log in logs {
        // Counts only grow (every participant submits once), so the frames are sorted by
        // count too and the first frame reaching a count is a binary search away.
        let first_reaching = |count: u64| {
            let i = log.frames.partition_point(|f| f.submitted < count);
            log.frames.get(i).map(|f| f.at)
        };
        for t in &thresholds {
            match (first_reaching(t.at_least), first_reaching(t.at_most)) {
                (Some(early), Some(late)) => {
                    if late < t.answered {
                        frame_before_response += 1;
                    }
                    at_most.push(micros(late.saturating_duration_since(t.answered)));
                    at_least.push(micros(early.saturating_duration_since(t.answered)));
                }
                _ => missing_pairs += 1,
            }
        }
    }
    let pairs = at_most.len();

    let first_sent = submissions.iter().map(|s| s.sent).min();
    let last_answered = submissions.iter().map(|s| s.answered).max();
    let (start, end) = first_sent
        .zip(last_answered)
        .unwrap_or((Instant::now(), Instant::now()));
    let window = (end - start).as_secs_f64().max(1e-9);
    let rates: Vec<f64> = logs
        .iter()
        .map(|l| {
            l.frames
                .iter()
                .skip(1) // the snapshot at connection
                .filter(|f| f.at >= start && f.at <= end)
                .count() as f64
                / window
        })
        .collect();
    let mean = rates.iter().sum::<f64>() / rates.len() as f64;
    let lowest = rates.iter().copied().fold(f64::INFINITY, f64::min);

    // seq → (first receive, last receive, viewers that received it)
    let mut by_seq: HashMap<u64, (Instant, Instant, usize)> = HashMap::new();
    for log in logs {
        for f in log.frames.iter().skip(1) {
            let entry = by_seq.entry(f.seq).or_insert((f.at, f.at, 0));
            entry.0 = entry.0.min(f.at);
            entry.1 = entry.1.max(f.at);
            entry.2 += 1;
        }
    }
    let spreads: Vec<u32> = by_seq
        .values()
        .filter(|(_, _, n)| *n == logs.len())
        .map(|(first, last, _)| micros(*last - *first))
        .collect();
    let frames_skipped = by_seq.values().map(|(_, _, n)| logs.len() - n).sum();
    let spread = Percentiles::of(spreads);
    Delays {
        at_most: Percentiles::of(at_most),
        at_least: Percentiles::of(at_least),
        pairs,
        missing_pairs,
        frame_before_response,
        frames_per_second: (mean, lowest),
        spread_ms: (spread.p50, spread.max),
        frames_skipped,
        frames_published: by_seq.len(),
        bound_gap,
    }
}

// ---------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------

fn print_tables(reports: &[RunReport], config: &Config) {
    println!(
        "\n{} submissions per run at {}/s for {} s; viewers ask for top={TOP}; the delay is \
         from a submission's response to the first frame containing it, over every (viewer, \
         submission) pair\n",
        config.submissions(),
        config.rate,
        config.seconds
    );
    println!(
        "| viewers | submissions answered/s | submit p50 / p99 ms | delay p50 ms | delay p99 ms \
         | delay max ms | lower bound p50 / p99 ms | frames/s per viewer (mean, lowest) | one \
         frame's spread over viewers p50 / max ms |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for r in reports {
        let submit = format!("{:.1} / {:.1}", r.submit_latency.p50, r.submit_latency.p99);
        match &r.delays {
            Some(d) => println!(
                "| {} | {:.0} | {submit} | {:.0} | {:.0} | {:.0} | {:.0} / {:.0} | {:.2}, {:.2} | \
                 {:.0} / {:.0} |",
                r.viewers,
                r.submission_rate,
                d.at_most.p50,
                d.at_most.p99,
                d.at_most.max,
                d.at_least.p50,
                d.at_least.p99,
                d.frames_per_second.0,
                d.frames_per_second.1,
                d.spread_ms.0,
                d.spread_ms.1,
            ),
            None => println!(
                "| {} | {:.0} | {submit} | — | — | — | — | — | — |",
                r.viewers, r.submission_rate
            ),
        }
    }

    println!(
        "\n| viewers | connect | server RSS idle → connected → peak MiB | RSS per connection \
         (connected, peak) | server CPU | bench client CPU | machine busy | load average before \
         → after |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for r in reports {
        let per_connection = |kib: u64| {
            if r.viewers == 0 {
                "—".to_owned()
            } else {
                format!(
                    "{:.1} KiB",
                    kib.saturating_sub(r.rss_idle_kib) as f64 / r.viewers as f64
                )
            }
        };
        let percent = |seconds: Option<f64>| {
            seconds.map_or("unknown".into(), |s| {
                format!("{:.0} %", s / r.phase_seconds * 100.0)
            })
        };
        println!(
            "| {} | {:.1} s | {:.1} → {:.1} → {:.1} | {}, {} | {} | {} | {} | {} → {} |",
            r.viewers,
            r.connect_seconds,
            kib_to_mib(r.rss_idle_kib),
            kib_to_mib(r.rss_connected_kib),
            kib_to_mib(r.rss_peak_kib),
            per_connection(r.rss_connected_kib),
            per_connection(r.rss_peak_kib),
            percent(r.server_cpu_seconds),
            percent(r.client_cpu_seconds),
            r.machine_busy
                .map_or("unknown".into(), |b| format!("{:.0} %", b * 100.0)),
            r.load_before,
            r.load_after,
        );
    }
    println!(
        "\nCPU is the share of one core over the measured phase (first submission sent until \
         every viewer had the last frame; 200 % = both cores)."
    );
    for r in reports {
        let mut line = format!(
            "{} viewers: phase {:.2} s; {} submissions, {} failed",
            r.viewers, r.phase_seconds, r.submissions, r.submission_errors
        );
        if let Some(d) = &r.delays {
            line.push_str(&format!(
                "; {} pairs, {} without a frame, {} where the frame came before the response; \
                 {} frames published, {} (viewer, frame) receipts skipped for a newer frame; \
                 submissions between the bounds p50 {}, max {}",
                d.pairs,
                d.missing_pairs,
                d.frame_before_response,
                d.frames_published,
                d.frames_skipped,
                d.bound_gap.0,
                d.bound_gap.1
            ));
        }
        println!("{line}");
        if r.submission_rate < 0.95 * config.rate as f64 {
            println!(
                "{} viewers: WARNING: the server answered {:.0} submissions/s, not the {} asked \
                 for: submissions queued, and the delay bounds are as far apart as the \
                 submissions in flight",
                r.viewers, r.submission_rate, config.rate
            );
        }
    }
    // What the viewers themselves cost: the same submissions with nobody watching are the
    // 0-viewer run. CPU-seconds, not rates: a run with viewers lasts a frame longer (it waits
    // for the last frame) and that tail is idle.
    let baseline = reports.iter().find(|r| r.viewers == 0);
    for r in reports.iter().filter(|r| r.viewers > 0) {
        let (Some(base), Some(d)) = (baseline, &r.delays) else {
            continue;
        };
        if let (Some(with), Some(without)) = (r.server_cpu_seconds, base.server_cpu_seconds) {
            let frames = d.frames_per_second.0 * r.viewers as f64 * r.phase_seconds;
            println!(
                "{} viewers: server CPU {with:.2} s vs {without:.2} s with no viewers: the viewers \
                 cost {:.0} % of a core ({:.1} µs per frame delivered, {frames:.0} frames)",
                r.viewers,
                (with - without) / r.phase_seconds * 100.0,
                (with - without) * 1e6 / frames.max(1.0)
            );
        }
        println!(
            "{} viewers: RSS per connection with the submissions' own growth (0-viewer run: \
             {:.1} MiB) taken out of the peak: {:.1} KiB",
            r.viewers,
            kib_to_mib(base.rss_growth_kib()),
            r.connections_peak_kib(Some(base)) as f64 / r.viewers as f64
        );
    }

    if let Some(r) = reports.iter().find(|r| r.viewers == 5000) {
        let verdict = |met: bool| if met { "met" } else { "MISSED" };
        println!("\nTargets at 5,000 viewers (2 cores):");
        if let Some(d) = &r.delays {
            // The true p99 lies between the bounds' p99s.
            let outcome = if d.at_most.p99 <= 250.0 {
                "met"
            } else if d.at_least.p99 > 250.0 {
                "MISSED"
            } else {
                "NOT DETERMINED: the bounds lie on both sides of the target"
            };
            println!(
                "- p99 delay ≤ 250 ms: between {:.0} and {:.0} ms → {outcome}",
                d.at_least.p99, d.at_most.p99,
            );
        }
        let connected = r.rss_connected_kib.saturating_sub(r.rss_idle_kib);
        let peak = r.connections_peak_kib(baseline);
        let peak_note = if baseline.is_some() {
            "less the 0-viewer run's growth"
        } else {
            "no 0-viewer run to take the submissions' own growth out"
        };
        println!(
            "- RSS ≤ 100 MB for the connections: {:.1} MB once connected, {:.1} MB at the peak \
             during submissions ({peak_note}); MB = 10^6 bytes → {}",
            kib_to_mb(connected),
            kib_to_mb(peak),
            verdict(kib_to_mb(connected.max(peak)) <= 100.0)
        );
    }
}

// ---------------------------------------------------------------------------------------
// The machine
// ---------------------------------------------------------------------------------------

fn print_machine(config: &Config) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = cpu_model();
    let counts: Vec<String> = config.viewer_counts.iter().map(usize::to_string).collect();
    println!(
        "ecoquiz fan-out benchmark: runs with {} viewers, {} submissions/s for {} s each; {cores} \
         CPUs ({cpu}); the server is `{}`, a child process; this process (all viewers and \
         submitters) runs a tokio runtime with {cores} workers on the same machine; load \
         average {}",
        counts.join(", "),
        config.rate,
        config.seconds,
        env!("CARGO_BIN_EXE_ecoquiz"),
        load_average()
    );
}
