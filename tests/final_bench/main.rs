//! The live final's benchmark (docs/FINAL.md, issue 13): 5,000 audience phones in one final,
//! against the real `ecoquiz` binary running as a child process with real sockets, so its CPU
//! time and resident memory are the server's alone.
//!
//! `ulimit -n 16384 && cargo bench -p ecoquiz --bench final` (docs/PERFORMANCE.md, "Live
//! final (issue 13)", says how to read the output). It is a benchmark, not a test: it prints
//! figures and exits 0 however slow the machine is; it exits 1 only when something failed (a
//! join, a socket, an answer refused, a dropped phone: a socket closed or a phone that never
//! got the question or the reveal, the server itself) and says how many.
//!
//! - `ECOQUIZ_FINAL_AUDIENCE` (default 5000): the phones. `ECOQUIZ_FINAL_QUICK=1` makes the
//!   default 200 (a quick check of the whole path).
//! - `ECOQUIZ_FINAL_ANSWER_MS` (default 2000): each phone answers at a moment spread evenly
//!   over this window after it receives the question's `open` frame.
//! - `ECOQUIZ_FINAL_BASELINE` (default `board`; `none` skips it): the baseline, measured first
//!   in the same invocation on a fresh server: as many viewers on the competition board's
//!   websocket (`/ws/competitions/{id}/leaderboard?top=10`), and 3 submissions, 1.5 s apart,
//!   each fanned out to every viewer. It is the fan-out the board already had (docs/
//!   PERFORMANCE.md, "Websocket fan-out"), on the same machine a minute apart.
//!
//! The final's run, on a fresh server (`serve --demo` on a data folder where `ecoquiz
//! organizer add` created the organizer the bench logs in as):
//! 1. The organizer creates a final of one 必答 round of one single-choice question drawn from
//!    the sample bank, 30 s to answer, with 2 seats (who never join: the audience is measured).
//!    RSS is read ("idle").
//! 2. N phones join (`POST /api/finals/join {code, nickname}`, 64 at a time); RSS is read
//!    ("joined"). Each opens `/ws/finals/{id}?token=…` (64 handshakes at a time) and waits for
//!    its first frame; RSS is read ("connected").
//! 3. The host does `start`; once every phone shows the question, the measured phase begins
//!    (CPU and a 100 ms RSS sampler for the peak): the host does `open`. Each phone records
//!    when its first frame with `phase == "open"` arrives and answers (70 % right) at its own
//!    moment of the window; when every answer is back the host does `close`, waits for the
//!    phones to show it, and does `reveal`. Each phone records its first frame with
//!    `phase == "revealed"`. The host waits 1 s before the open and before the reveal, as a
//!    host reading the question or announcing the close would (and longer than the final's
//!    100 ms between frames, which would otherwise hold the action's frame back).
//! 4. The public state must then count N audience answers in the reveal's distribution.
//!
//! Question fan-out is a phone's `open` frame's arrival minus the instant the host's `open`
//! reply was read; reveal fan-out likewise from the `reveal` reply (0 when the frame came
//! first; those are counted). A phone is **dropped** when its socket closed or failed, or when
//! it never got the `open` or the `revealed` frame within 30 s.

#[path = "../bench_support.rs"]
mod bench_support;

use bench_support::{
    Percentiles, Server, Socket, TICKS_PER_SECOND, bench_client, cpu_model, demo_competition,
    enough_open_files, kib_to_mb, kib_to_mib, load_average, machine_ticks, micros,
    open_small_socket, process_ticks, register, rss_kib, send, start_attempt,
};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;

const AUDIENCE_VARIABLE: &str = "ECOQUIZ_FINAL_AUDIENCE";
const QUICK_VARIABLE: &str = "ECOQUIZ_FINAL_QUICK";
const WINDOW_VARIABLE: &str = "ECOQUIZ_FINAL_ANSWER_MS";
const BASELINE_VARIABLE: &str = "ECOQUIZ_FINAL_BASELINE";
const DEFAULT_AUDIENCE: usize = 5000;
const QUICK_AUDIENCE: usize = 200;
const DEFAULT_WINDOW_MS: u64 = 2000;
/// Joins and websocket handshakes in flight at once.
const CONNECT_CONCURRENCY: usize = 64;
/// How long every phone has to show a frame (the question, its open, its close, its reveal).
const FRAME_PATIENCE: Duration = Duration::from_secs(30);
/// A request that takes longer than this counts as failed instead of hanging the run.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
const RSS_SAMPLE_EVERY: Duration = Duration::from_millis(100);
/// The organizer `ecoquiz organizer add` creates before the server starts.
const ORGANIZER: &str = "bench";
const ORGANIZER_PASSWORD: &str = "final-bench-2026";
/// The question's countdown: far longer than the answer window, so it never closes by itself.
const QUESTION_SECONDS: u64 = 30;
/// Submissions of the board baseline, each fanned out alone.
const BOARD_SUBMISSIONS: usize = 3;
const BOARD_GAP: Duration = Duration::from_millis(1500);
/// How long the host waits, once every phone shows a frame, before the next action (reading
/// the question aloud, announcing the close): longer than the final's 100 ms between frames,
/// so the action's frame is not held back by the previous one's pause.
const HOST_PAUSE: Duration = Duration::from_secs(1);
const ERRORS_SHOWN: usize = 5;
/// Targets of the issue, at 5,000 phones on 2 cores.
const FANOUT_P99_TARGET_MS: f64 = 250.0;
const RSS_GROWTH_TARGET_MB: f64 = 60.0;

/// Runs `measure` against a new server on a fresh data folder with the bench's organizer, and
/// stops the server (SIGTERM, which must end it cleanly) whatever happened.
macro_rules! on_fresh_server {
    (|$server:ident| $measure:expr) => {
        async {
            let folder = tempfile::tempdir().map_err(|e| format!("no temporary folder: {e}"))?;
            let data_dir = folder.path().join("data");
            add_organizer(&data_dir).await?;
            let $server = Server::start(&data_dir).await?;
            let result = $measure.await;
            let stopped = $server.stop().await;
            let report = result?;
            stopped?;
            Ok::<_, String>(report)
        }
    };
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "ecoquiz live-final benchmark: {} audience phones answering within {} ms of the open; \
         baseline: {}; {cores} CPUs ({}); the server is `{}`, a child process; this process \
         (all phones and the host) runs a tokio runtime with {cores} workers on the same \
         machine; load average {}",
        config.audience,
        config.window_ms,
        if config.board_baseline {
            "the same number of board viewers"
        } else {
            "none"
        },
        cpu_model(),
        env!("CARGO_BIN_EXE_ecoquiz"),
        load_average()
    );
    // One socket per phone in this process and one in the server (which inherits the limit).
    let needed = config.audience + 512;
    if !enough_open_files(needed, &format!("{} phones", config.audience)) {
        return ExitCode::FAILURE;
    }
    let client = bench_client(REQUEST_TIMEOUT);

    let mut failures: Vec<String> = Vec::new();
    let board = if config.board_baseline {
        match on_fresh_server!(|server| board_run(&client, &server, config.audience)).await {
            Ok(report) => Some(report),
            Err(e) => {
                failures.push(format!("board baseline: {e}"));
                None
            }
        }
    } else {
        None
    };
    let live = match on_fresh_server!(|server| final_run(&client, &server, &config)).await {
        Ok(report) => Some(report),
        Err(e) => {
            failures.push(format!("final: {e}"));
            None
        }
    };

    let mut errors = 0;
    if let Some(b) = &board {
        print_board(b);
        errors += b.errors.len();
    }
    if let Some(r) = &live {
        print_final(r, board.as_ref(), &config);
        errors += r.error_count;
    }
    for e in board
        .iter()
        .flat_map(|b| b.errors.iter().take(ERRORS_SHOWN))
    {
        eprintln!("board baseline: {e}");
    }
    for e in live.iter().flat_map(|r| r.errors.iter().take(ERRORS_SHOWN)) {
        eprintln!("final: {e}");
    }
    for f in &failures {
        eprintln!("{f}");
    }
    if errors > 0 || !failures.is_empty() {
        eprintln!(
            "\nFAILED: {errors} error(s), {} run(s) could not be completed",
            failures.len()
        );
        return ExitCode::FAILURE;
    }
    println!("\n0 errors, 0 dropped players");
    ExitCode::SUCCESS
}

struct Config {
    audience: usize,
    window_ms: u64,
    board_baseline: bool,
}

impl Config {
    fn from_env() -> Result<Config, String> {
        let quick = std::env::var(QUICK_VARIABLE).is_ok_and(|v| !v.is_empty() && v != "0");
        let number = |name: &str, default: u64| match std::env::var(name) {
            Err(_) => Ok(default),
            Ok(text) => match text.trim().parse::<u64>() {
                Ok(n) if n >= 1 => Ok(n),
                _ => Err(format!(
                    "{name} must be a whole number of at least 1, not {text:?}"
                )),
            },
        };
        let default = if quick {
            QUICK_AUDIENCE
        } else {
            DEFAULT_AUDIENCE
        };
        let board_baseline = match std::env::var(BASELINE_VARIABLE).as_deref() {
            Err(_) | Ok("board") => true,
            Ok("none") => false,
            Ok(other) => {
                return Err(format!(
                    "{BASELINE_VARIABLE} is board or none, not {other:?}"
                ));
            }
        };
        Ok(Config {
            audience: number(AUDIENCE_VARIABLE, default as u64)? as usize,
            window_ms: number(WINDOW_VARIABLE, DEFAULT_WINDOW_MS)?,
            board_baseline,
        })
    }
}

/// `ecoquiz organizer add`, as an operator creates the organizer before the first start.
async fn add_organizer(data_dir: &Path) -> Result<(), String> {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_ecoquiz"))
        .args([
            "organizer",
            "add",
            ORGANIZER,
            "--password",
            ORGANIZER_PASSWORD,
        ])
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("ECOQUIZ_DATABASE_URL")
        .env_remove("ECOQUIZ_DATA_DIR")
        .output()
        .await
        .map_err(|e| format!("cannot run `ecoquiz organizer add`: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`ecoquiz organizer add` failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(())
}

/// The measured phase's resources: server and client CPU, machine busy, RSS peak.
struct Meter {
    pid: u32,
    server: Option<u64>,
    client: Option<u64>,
    machine: Option<(u64, u64)>,
    started: Instant,
    sampling: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    sampler: tokio::task::JoinHandle<()>,
}

struct Metered {
    seconds: f64,
    server_cpu: Option<f64>,
    client_cpu: Option<f64>,
    machine_busy: Option<f64>,
    rss_peak_kib: u64,
}

impl Meter {
    fn start(server: &Server) -> Meter {
        let sampling = Arc::new(AtomicBool::new(true));
        let peak = Arc::new(AtomicU64::new(server.rss_kib()));
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
        Meter {
            pid: server.pid,
            server: server.cpu_ticks(),
            client: process_ticks("/proc/self/stat"),
            machine: machine_ticks(),
            started: Instant::now(),
            sampling,
            peak,
            sampler,
        }
    }

    async fn stop(self) -> Metered {
        let seconds = self.started.elapsed().as_secs_f64();
        let ticks = |a: Option<u64>, b: Option<u64>| {
            a.zip(b)
                .map(|(a, b)| b.saturating_sub(a) as f64 / TICKS_PER_SECOND)
        };
        let server_cpu = ticks(
            self.server,
            process_ticks(&format!("/proc/{}/stat", self.pid)),
        );
        let client_cpu = ticks(self.client, process_ticks("/proc/self/stat"));
        let machine_busy = self.machine.zip(machine_ticks()).map(|(a, b)| {
            let total = b.1.saturating_sub(a.1);
            b.0.saturating_sub(a.0) as f64 / total.max(1) as f64
        });
        self.sampling.store(false, Ordering::Release);
        let _ = self.sampler.await;
        self.peak.fetch_max(rss_kib(self.pid), Ordering::AcqRel);
        Metered {
            seconds,
            server_cpu,
            client_cpu,
            machine_busy,
            rss_peak_kib: self.peak.load(Ordering::Acquire),
        }
    }
}

/// A count of phones still to reach a point; wakes the bench when all have.
struct Countdown {
    remaining: AtomicUsize,
    done: Notify,
}

impl Countdown {
    fn new(n: usize) -> Arc<Countdown> {
        let countdown = Arc::new(Countdown {
            remaining: AtomicUsize::new(n),
            done: Notify::new(),
        });
        if n == 0 {
            countdown.done.notify_one();
        }
        countdown
    }

    fn arrived(&self) {
        if self.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            // A stored permit: the bench may start waiting after the last phone got here.
            self.done.notify_one();
        }
    }

    /// Whether every phone arrived within `patience`.
    async fn wait(&self, patience: Duration) -> bool {
        tokio::time::timeout(patience, self.done.notified())
            .await
            .is_ok()
    }

    fn missing(&self) -> usize {
        self.remaining.load(Ordering::Acquire)
    }
}

// ---------------------------------------------------------------------------------------
// The final
// ---------------------------------------------------------------------------------------

/// The fields of a final's state frame the bench reads.
#[derive(Deserialize)]
struct StateFrame<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    seq: u64,
    #[serde(borrow)]
    phase: &'a str,
}

/// What a phone is told by the bench.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Order {
    Play,
    Stop,
}

/// Everything the phones share.
struct Hall {
    client: reqwest::Client,
    address: String,
    final_id: i64,
    window: Duration,
    audience: usize,
    /// The right key and a wrong one: phones answer right 7 times in 10.
    right: String,
    wrong: String,
    question: Arc<Countdown>,
    opened: Arc<Countdown>,
    answered: Arc<Countdown>,
    closed: Arc<Countdown>,
    revealed: Arc<Countdown>,
}

/// One phone's record.
#[derive(Default)]
struct PhoneLog {
    frames: usize,
    /// The longest frame received, in bytes.
    largest_frame: usize,
    open_at: Option<Instant>,
    revealed_at: Option<Instant>,
    answer_sent: Option<Instant>,
    answer_done: Option<Instant>,
    answer_error: Option<String>,
    socket_error: Option<String>,
}

/// A phone: reads every frame as it arrives; on the first `open` frame schedules its answer at
/// its moment of the window; records the first `open` and `revealed` frames.
async fn phone(
    index: usize,
    token: String,
    mut socket: Socket,
    hall: Arc<Hall>,
    mut order: watch::Receiver<Order>,
) -> PhoneLog {
    let mut log = PhoneLog::default();
    let mut seen_question = false;
    let mut seen_closed = false;
    let mut answering: Option<tokio::task::JoinHandle<(Instant, Instant, Option<String>)>> = None;
    loop {
        tokio::select! {
            message = socket.next() => {
                let at = Instant::now();
                let text = match message {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_))) | None => {
                        log.socket_error = Some("the server closed the socket".into());
                        break;
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => {
                        log.socket_error = Some(format!("reading a frame: {e}"));
                        break;
                    }
                };
                log.frames += 1;
                log.largest_frame = log.largest_frame.max(text.len());
                let frame = match serde_json::from_str::<StateFrame>(&text) {
                    Ok(frame) if frame.kind == "state" => frame,
                    Ok(frame) => {
                        log.socket_error = Some(format!("a frame of type {:?}", frame.kind));
                        break;
                    }
                    Err(e) => {
                        log.socket_error = Some(format!("a frame is not a state: {e}"));
                        break;
                    }
                };
                match frame.phase {
                    "question" if !seen_question => {
                        seen_question = true;
                        hall.question.arrived();
                    }
                    "open" if log.open_at.is_none() => {
                        log.open_at = Some(at);
                        hall.opened.arrived();
                        // Spread evenly over the window, in an order unrelated to joining.
                        let slot = (index * 7919) % hall.audience.max(1);
                        let wait = hall.window.mul_f64(slot as f64 / hall.audience.max(1) as f64);
                        let right = index % 10 < 7;
                        answering = Some(tokio::spawn(answer(
                            hall.clone(),
                            token.clone(),
                            frame.seq,
                            if right { hall.right.clone() } else { hall.wrong.clone() },
                            at + wait,
                        )));
                    }
                    "closed" if !seen_closed => {
                        seen_closed = true;
                        hall.closed.arrived();
                    }
                    "revealed" if log.revealed_at.is_none() => {
                        log.revealed_at = Some(at);
                        hall.revealed.arrived();
                    }
                    _ => {}
                }
            }
            changed = order.changed() => {
                if changed.is_err() || *order.borrow_and_update() == Order::Stop {
                    break;
                }
            }
        }
    }
    if let Some(task) = answering {
        match task.await {
            Ok((sent, done, error)) => {
                log.answer_sent = Some(sent);
                log.answer_done = Some(done);
                log.answer_error = error;
            }
            Err(e) => log.answer_error = Some(format!("the answer task failed: {e}")),
        }
    }
    let _ = socket.close(None).await;
    log
}

/// One audience answer at `when`: (sent, answered, error).
async fn answer(
    hall: Arc<Hall>,
    token: String,
    seq: u64,
    key: String,
    when: Instant,
) -> (Instant, Instant, Option<String>) {
    tokio::time::sleep_until(when.into()).await;
    let sent = Instant::now();
    let result = send(
        hall.client
            .post(format!(
                "{}/api/finals/{}/answer",
                hall.address, hall.final_id
            ))
            .bearer_auth(&token)
            .json(&json!({ "seq": seq, "choice": [key] })),
        StatusCode::OK,
    )
    .await;
    let done = Instant::now();
    hall.answered.arrived();
    (sent, done, result.err().map(|e| format!("answer: {e}")))
}

/// What the final's run measured.
struct FinalReport {
    audience: usize,
    join_seconds: f64,
    join_latency: Percentiles,
    connect_seconds: f64,
    rss_idle_kib: u64,
    rss_joined_kib: u64,
    rss_connected_kib: u64,
    join_cpu: Option<f64>,
    connect_cpu: Option<f64>,
    metered: Metered,
    load_before: String,
    load_after: String,
    open_reply_ms: f64,
    reveal_reply_ms: f64,
    question_fanout: Percentiles,
    /// From the instant the host's request was sent: an upper bound that includes the action.
    question_from_sent: Percentiles,
    question_spread_ms: f64,
    question_before_reply: usize,
    reveal_fanout: Percentiles,
    reveal_from_sent: Percentiles,
    reveal_spread_ms: f64,
    reveal_before_reply: usize,
    answers_ok: usize,
    answer_latency: Percentiles,
    answer_rate: f64,
    answer_span: f64,
    frames_per_phone: f64,
    /// The longest frame a phone received, in bytes.
    largest_frame: usize,
    dropped: usize,
    error_count: usize,
    errors: Vec<String>,
}

async fn login(client: &reqwest::Client, address: &str) -> Result<String, String> {
    let body = send(
        client
            .post(format!("{address}/api/admin/login"))
            .json(&json!({ "username": ORGANIZER, "password": ORGANIZER_PASSWORD })),
        StatusCode::OK,
    )
    .await
    .map_err(|e| format!("organizer login: {e}"))?;
    body["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("organizer login: no token in {body}"))
}

/// The host's action on the current `seq`: (host state, instant sent, instant the reply was
/// read).
async fn act(
    client: &reqwest::Client,
    address: &str,
    admin: &str,
    id: i64,
    seq: &mut u64,
    action: &str,
) -> Result<(Value, Instant, Instant), String> {
    let sent = Instant::now();
    let state = send(
        client
            .post(format!("{address}/api/admin/finals/{id}/actions"))
            .bearer_auth(admin)
            .json(&json!({ "action": action, "seq": *seq })),
        StatusCode::OK,
    )
    .await
    .map_err(|e| format!("the host's {action}: {e}"))?;
    let replied = Instant::now();
    *seq = state["seq"]
        .as_u64()
        .ok_or_else(|| format!("the host's {action}: no seq in {state}"))?;
    Ok((state, sent, replied))
}

async fn final_run(
    client: &reqwest::Client,
    server: &Server,
    config: &Config,
) -> Result<FinalReport, String> {
    let n = config.audience;
    println!("\n== the final: {n} audience phones ==");
    let address = server.address.as_str();
    let admin = login(client, address).await?;
    let created = send(
        client
            .post(format!("{address}/api/admin/finals"))
            .bearer_auth(&admin)
            .json(&json!({
                "title": "2026年六五环境日企业环保知识竞赛决赛(压测)",
                "seats": [{"name": "选手1", "company": "企业1"}, {"name": "选手2", "company": "企业2"}],
                "rounds": [{
                    "kind": "required", "seconds": QUESTION_SECONDS, "points": 10,
                    "questions": {"draw": {"count": 1, "kind": "single"}},
                }],
            })),
        StatusCode::CREATED,
    )
    .await
    .map_err(|e| format!("creating the final: {e}"))?;
    let id = created["id"].as_i64().ok_or("the final has no id")?;
    let code = created["code"]
        .as_str()
        .ok_or("the final has no code")?
        .to_owned();
    let mut seq = created["state"]["seq"]
        .as_u64()
        .ok_or("the final's state has no seq")?;
    let keys: Vec<String> = created["rounds"][0]["questions"][0]["options"]
        .as_array()
        .ok_or("the question has no options")?
        .iter()
        .filter_map(|o| o["key"].as_str().map(str::to_owned))
        .collect();
    let key: Vec<String> = created["rounds"][0]["questions"][0]["answer"]
        .as_array()
        .ok_or("the question has no answer")?
        .iter()
        .filter_map(|k| k.as_str().map(str::to_owned))
        .collect();
    let right = key.first().cloned().ok_or("an empty answer key")?;
    let wrong = keys
        .iter()
        .find(|k| !key.contains(k))
        .cloned()
        .ok_or("no wrong option")?;
    // The projector's view loads the final as the hall would before anyone joins.
    send(
        client.get(format!("{address}/api/finals/{id}/state")),
        StatusCode::OK,
    )
    .await
    .map_err(|e| format!("the public state: {e}"))?;
    let rss_idle_kib = server.rss_kib();
    let mut errors: Vec<String> = Vec::new();

    // Joins.
    let cpu_before = server.cpu_ticks();
    let joining = Instant::now();
    let joined: Vec<Result<(String, u32), String>> = futures_util::stream::iter(0..n)
        .map(|i| {
            let code = code.clone();
            async move {
                let sent = Instant::now();
                let body = send(
                    client
                        .post(format!("{address}/api/finals/join"))
                        .json(&json!({ "code": code, "nickname": format!("观众{i}") })),
                    StatusCode::OK,
                )
                .await
                .map_err(|e| format!("join: {e}"))?;
                let token = body["token"].as_str().ok_or("join: no token")?.to_owned();
                Ok((token, micros(sent.elapsed())))
            }
        })
        .buffered(CONNECT_CONCURRENCY)
        .collect()
        .await;
    let join_seconds = joining.elapsed().as_secs_f64();
    let join_cpu = cpu_before
        .zip(server.cpu_ticks())
        .map(|(a, b)| b.saturating_sub(a) as f64 / TICKS_PER_SECOND);
    let rss_joined_kib = server.rss_kib();
    let mut tokens = Vec::with_capacity(n);
    let mut join_micros = Vec::with_capacity(n);
    for j in joined {
        match j {
            Ok((token, took)) => {
                tokens.push(token);
                join_micros.push(took);
            }
            Err(e) => errors.push(e),
        }
    }
    let join_latency = Percentiles::of(join_micros);
    println!(
        "{} of {n} phones joined in {join_seconds:.1} s ({:.0}/s, p99 {:.0} ms); server RSS {:.1} \
         → {:.1} MiB",
        tokens.len(),
        tokens.len() as f64 / join_seconds,
        join_latency.p99,
        kib_to_mib(rss_idle_kib),
        kib_to_mib(rss_joined_kib)
    );

    // Sockets.
    let cpu_before = server.cpu_ticks();
    let connecting = Instant::now();
    let url = |token: &str| server.ws_url(&format!("/ws/finals/{id}?token={token}"));
    let connected: Vec<(String, Result<Socket, String>)> = futures_util::stream::iter(tokens)
        .map(|token| {
            let url = url(&token);
            async move {
                let socket = async {
                    let mut socket = open_small_socket(&url).await?;
                    // The first frame is the whole state: wait for it.
                    loop {
                        let message = tokio::time::timeout(REQUEST_TIMEOUT, socket.next())
                            .await
                            .map_err(|_| "no first frame within 60 s".to_owned())?
                            .ok_or("the socket closed before the first frame")?
                            .map_err(|e| format!("reading the first frame: {e}"))?;
                        if let Message::Text(text) = message {
                            let frame: StateFrame = serde_json::from_str(&text)
                                .map_err(|e| format!("the first frame: {e}"))?;
                            if frame.phase != "lobby" {
                                return Err(format!("first frame in phase {}", frame.phase));
                            }
                            return Ok(socket);
                        }
                    }
                }
                .await;
                (token, socket)
            }
        })
        .buffer_unordered(CONNECT_CONCURRENCY)
        .collect()
        .await;
    let connect_seconds = connecting.elapsed().as_secs_f64();
    let connect_cpu = cpu_before
        .zip(server.cpu_ticks())
        .map(|(a, b)| b.saturating_sub(a) as f64 / TICKS_PER_SECOND);
    let rss_connected_kib = server.rss_kib();
    let sockets: Vec<(String, Socket)> = connected
        .into_iter()
        .filter_map(|(token, socket)| match socket {
            Ok(socket) => Some((token, socket)),
            Err(e) => {
                errors.push(e);
                None
            }
        })
        .collect();
    let phones = sockets.len();
    println!(
        "{phones} of {n} phones connected with their first frame in {connect_seconds:.1} s; \
         server RSS {:.1} MiB",
        kib_to_mib(rss_connected_kib)
    );

    let hall = Arc::new(Hall {
        client: client.clone(),
        address: address.to_owned(),
        final_id: id,
        window: Duration::from_millis(config.window_ms),
        audience: phones,
        right,
        wrong,
        question: Countdown::new(phones),
        opened: Countdown::new(phones),
        answered: Countdown::new(phones),
        closed: Countdown::new(phones),
        revealed: Countdown::new(phones),
    });
    let (order_sender, order) = watch::channel(Order::Play);
    let mut playing = JoinSet::new();
    for (index, (token, socket)) in sockets.into_iter().enumerate() {
        playing.spawn(phone(index, token, socket, hall.clone(), order.clone()));
    }

    let load_before = load_average();
    let mut result = async {
        act(client, address, &admin, id, &mut seq, "start").await?;
        if !hall.question.wait(FRAME_PATIENCE).await {
            return Err(format!(
                "{} phones never showed the question",
                hall.question.missing()
            ));
        }
        Ok(())
    }
    .await;
    tokio::time::sleep(HOST_PAUSE).await;
    // The measured phase: the open, the answers, the close, the reveal.
    let meter = Meter::start(server);
    let mut open_replied = None;
    let mut reveal_replied = None;
    if result.is_ok() {
        result = async {
            let (_, sent, replied) = act(client, address, &admin, id, &mut seq, "open").await?;
            open_replied = Some((sent, replied));
            // A phone that never shows the open cannot answer; it is counted as dropped.
            hall.opened.wait(FRAME_PATIENCE).await;
            let patience = hall.window + FRAME_PATIENCE;
            if !hall.answered.wait(patience).await {
                errors.push(format!(
                    "{} answers were not back within {} s",
                    hall.answered.missing(),
                    patience.as_secs()
                ));
            }
            act(client, address, &admin, id, &mut seq, "close").await?;
            if !hall.closed.wait(FRAME_PATIENCE).await {
                errors.push(format!(
                    "{} phones never showed the close",
                    hall.closed.missing()
                ));
            }
            tokio::time::sleep(HOST_PAUSE).await;
            let (_, sent, replied) = act(client, address, &admin, id, &mut seq, "reveal").await?;
            reveal_replied = Some((sent, replied));
            hall.revealed.wait(FRAME_PATIENCE).await;
            Ok::<(), String>(())
        }
        .await;
    }
    let metered = meter.stop().await;
    let load_after = load_average();
    order_sender.send_replace(Order::Stop);
    let mut logs = Vec::with_capacity(phones);
    while let Some(log) = playing.join_next().await {
        logs.push(log.map_err(|e| format!("a phone task failed: {e}"))?);
    }
    result?;
    let (open_replied, reveal_replied) = (
        open_replied.ok_or("no open")?,
        reveal_replied.ok_or("no reveal")?,
    );

    // What the server counted.
    let public = send(
        client.get(format!("{address}/api/finals/{id}/state")),
        StatusCode::OK,
    )
    .await
    .map_err(|e| format!("the public state after the reveal: {e}"))?;
    let counted: u64 = public["reveal"]["audience_distribution"]
        .as_object()
        .map(|d| d.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0);

    // Figures.
    let fanout = |pick: fn(&PhoneLog) -> Option<Instant>, (sent, reply): (Instant, Instant)| {
        let arrivals: Vec<Instant> = logs.iter().filter_map(pick).collect();
        let from_sent = Percentiles::of(
            arrivals
                .iter()
                .map(|a| micros(a.saturating_duration_since(sent)))
                .collect(),
        );
        let reply_ms = (reply - sent).as_secs_f64() * 1000.0;
        let before = arrivals.iter().filter(|a| **a < reply).count();
        let spread = arrivals
            .iter()
            .min()
            .zip(arrivals.iter().max())
            .map_or(0.0, |(a, b)| (*b - *a).as_secs_f64() * 1000.0);
        let delays = arrivals
            .iter()
            .map(|a| micros(a.saturating_duration_since(reply)))
            .collect();
        (Percentiles::of(delays), from_sent, spread, before, reply_ms)
    };
    let (
        question_fanout,
        question_from_sent,
        question_spread_ms,
        question_before_reply,
        open_reply_ms,
    ) = fanout(|l| l.open_at, open_replied);
    let (reveal_fanout, reveal_from_sent, reveal_spread_ms, reveal_before_reply, reveal_reply_ms) =
        fanout(|l| l.revealed_at, reveal_replied);
    let mut dropped = 0;
    for log in &logs {
        let why = if let Some(e) = &log.socket_error {
            Some(e.clone())
        } else if log.open_at.is_none() {
            Some("never got the open question".into())
        } else if log.revealed_at.is_none() {
            Some("never got the reveal".into())
        } else {
            None
        };
        if let Some(why) = why {
            dropped += 1;
            errors.push(format!("a dropped phone: {why}"));
        }
    }
    dropped += n - phones;
    let answer_errors: Vec<String> = logs.iter().filter_map(|l| l.answer_error.clone()).collect();
    let answered: Vec<&PhoneLog> = logs
        .iter()
        .filter(|l| l.answer_done.is_some() && l.answer_error.is_none())
        .collect();
    let answers_ok = answered.len();
    if counted != answers_ok as u64 {
        errors.push(format!(
            "the reveal counts {counted} audience answers, {answers_ok} were accepted"
        ));
    }
    let answer_latency = Percentiles::of(
        answered
            .iter()
            .filter_map(|l| l.answer_sent.zip(l.answer_done))
            .map(|(s, d)| micros(d - s))
            .collect(),
    );
    let first = answered.iter().filter_map(|l| l.answer_sent).min();
    let last = answered.iter().filter_map(|l| l.answer_done).max();
    let answer_span = first.zip(last).map_or(0.0, |(a, b)| (b - a).as_secs_f64());
    let answer_rate = answers_ok as f64 / answer_span.max(1e-9);
    let frames_per_phone =
        logs.iter().map(|l| l.frames).sum::<usize>() as f64 / phones.max(1) as f64;
    let largest_frame = logs.iter().map(|l| l.largest_frame).max().unwrap_or(0);
    let error_count = errors.len() + answer_errors.len();
    errors.extend(answer_errors);
    Ok(FinalReport {
        audience: n,
        join_seconds,
        join_latency,
        connect_seconds,
        rss_idle_kib,
        rss_joined_kib,
        rss_connected_kib,
        join_cpu,
        connect_cpu,
        metered,
        load_before,
        load_after,
        open_reply_ms,
        reveal_reply_ms,
        question_fanout,
        question_from_sent,
        question_spread_ms,
        question_before_reply,
        reveal_fanout,
        reveal_from_sent,
        reveal_spread_ms,
        reveal_before_reply,
        answers_ok,
        answer_latency,
        answer_rate,
        answer_span,
        frames_per_phone,
        largest_frame,
        dropped,
        error_count,
        errors,
    })
}

// ---------------------------------------------------------------------------------------
// The baseline: as many viewers on the competition board
// ---------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct BoardFrame<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    stats: BoardStats,
}

#[derive(Deserialize)]
struct BoardStats {
    submitted: u64,
}

struct BoardReport {
    viewers: usize,
    connect_seconds: f64,
    rss_idle_kib: u64,
    rss_connected_kib: u64,
    metered: Metered,
    fanout: Percentiles,
    errors: Vec<String>,
}

/// A board viewer: the instant each submitted count was first seen.
async fn board_viewer(
    mut socket: Socket,
    mut order: watch::Receiver<Order>,
    seen: Arc<Countdown>,
    target: u64,
) -> Result<Vec<(u64, Instant)>, String> {
    let mut counts = Vec::new();
    loop {
        tokio::select! {
            message = socket.next() => {
                let at = Instant::now();
                match message {
                    Some(Ok(Message::Text(text))) => {
                        let frame: BoardFrame = serde_json::from_str(&text)
                            .map_err(|e| format!("a board frame: {e}"))?;
                        if frame.kind != "snapshot" {
                            return Err(format!("a board frame of type {}", frame.kind));
                        }
                        if counts.last().is_none_or(|(c, _)| *c < frame.stats.submitted) {
                            counts.push((frame.stats.submitted, at));
                            if frame.stats.submitted == target {
                                seen.arrived();
                            }
                        }
                    }
                    Some(Ok(Message::Close(_))) | None => return Err("the server closed a board socket".into()),
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(format!("reading a board frame: {e}")),
                }
            }
            changed = order.changed() => {
                if changed.is_err() || *order.borrow_and_update() == Order::Stop {
                    break;
                }
            }
        }
    }
    let _ = socket.close(None).await;
    Ok(counts)
}

async fn board_run(
    client: &reqwest::Client,
    server: &Server,
    viewers: usize,
) -> Result<BoardReport, String> {
    println!("\n== baseline: {viewers} viewers of the competition board ==");
    let address = server.address.as_str();
    let competition = demo_competition(client, address).await?;
    let mut contestants = Vec::new();
    for i in 0..BOARD_SUBMISSIONS + 1 {
        let token = register(client, address, i).await?;
        let attempt = start_attempt(client, address, competition, &token).await?;
        contestants.push((token, attempt));
    }
    let submit = |(token, attempt): &(String, i64)| {
        send(
            client
                .post(format!("{address}/api/attempts/{attempt}/submit"))
                .bearer_auth(token),
            StatusCode::OK,
        )
    };
    // Load the board and warm it up with one submission, as the fan-out bench does.
    let board = format!("{address}/api/competitions/{competition}/leaderboard?top=10");
    send(client.get(&board), StatusCode::OK).await?;
    submit(&contestants[BOARD_SUBMISSIONS]).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let base = send(client.get(&board), StatusCode::OK).await?["stats"]["submitted"]
        .as_u64()
        .ok_or("the board has no stats.submitted")?;
    let rss_idle_kib = server.rss_kib();
    let url = server.ws_url(&format!(
        "/ws/competitions/{competition}/leaderboard?top=10"
    ));
    let connecting = Instant::now();
    let connected: Vec<Result<Socket, String>> = futures_util::stream::iter(0..viewers)
        .map(|_| open_small_socket(&url))
        .buffer_unordered(CONNECT_CONCURRENCY)
        .collect()
        .await;
    let connect_seconds = connecting.elapsed().as_secs_f64();
    let mut errors = Vec::new();
    let (order_sender, order) = watch::channel(Order::Play);
    let target = base + BOARD_SUBMISSIONS as u64;
    let ok = connected.iter().filter(|c| c.is_ok()).count();
    let seen = Countdown::new(ok);
    let mut watching = JoinSet::new();
    for c in connected {
        match c {
            Ok(socket) => {
                watching.spawn(board_viewer(socket, order.clone(), seen.clone(), target));
            }
            Err(e) => errors.push(e),
        }
    }
    // Let every viewer read its first snapshot.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_connected_kib = server.rss_kib();
    println!(
        "{ok} of {viewers} board viewers connected in {connect_seconds:.1} s; server RSS {:.1} → \
         {:.1} MiB",
        kib_to_mib(rss_idle_kib),
        kib_to_mib(rss_connected_kib)
    );
    let meter = Meter::start(server);
    let mut answered = Vec::new();
    for contestant in &contestants[..BOARD_SUBMISSIONS] {
        submit(contestant).await?;
        answered.push(Instant::now());
        tokio::time::sleep(BOARD_GAP).await;
    }
    if !seen.wait(FRAME_PATIENCE).await {
        errors.push(format!(
            "{} board viewers never saw the last submission",
            seen.missing()
        ));
    }
    let metered = meter.stop().await;
    order_sender.send_replace(Order::Stop);
    let mut delays = Vec::new();
    while let Some(done) = watching.join_next().await {
        match done {
            Ok(Ok(counts)) => {
                for (k, at) in answered.iter().enumerate() {
                    let count = base + k as u64 + 1;
                    match counts.iter().find(|(c, _)| *c >= count) {
                        Some((_, seen_at)) => {
                            delays.push(micros(seen_at.saturating_duration_since(*at)));
                        }
                        None => errors.push(format!("a board viewer never saw count {count}")),
                    }
                }
            }
            Ok(Err(e)) => errors.push(e),
            Err(e) => errors.push(format!("a board viewer task failed: {e}")),
        }
    }
    Ok(BoardReport {
        viewers,
        connect_seconds,
        rss_idle_kib,
        rss_connected_kib,
        metered,
        fanout: Percentiles::of(delays),
        errors,
    })
}

// ---------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------

fn percent(seconds: Option<f64>, over: f64) -> String {
    seconds.map_or("unknown".into(), |s| {
        format!("{:.0} %", s / over.max(1e-9) * 100.0)
    })
}

fn print_board(b: &BoardReport) {
    println!(
        "\nBaseline, board: {} viewers, connected in {:.1} s; fan-out of {BOARD_SUBMISSIONS} \
         submissions (submit response → first frame counting it) over every viewer: p50 {:.1} / \
         p99 {:.1} / max {:.1} ms; server RSS idle {:.1} → connected {:.1} → peak {:.1} MiB \
         ({:.1} KiB per viewer connected); server CPU {} of a core over {:.1} s",
        b.viewers,
        b.connect_seconds,
        b.fanout.p50,
        b.fanout.p99,
        b.fanout.max,
        kib_to_mib(b.rss_idle_kib),
        kib_to_mib(b.rss_connected_kib),
        kib_to_mib(b.metered.rss_peak_kib),
        per_connection(b.rss_connected_kib, b.rss_idle_kib, b.viewers),
        percent(b.metered.server_cpu, b.metered.seconds),
        b.metered.seconds
    );
}

fn per_connection(kib: u64, idle: u64, n: usize) -> f64 {
    kib.saturating_sub(idle) as f64 / n.max(1) as f64
}

fn print_final(r: &FinalReport, board: Option<&BoardReport>, config: &Config) {
    let m = &r.metered;
    println!(
        "\n{} audience phones, answers spread over {} ms after each phone's open frame\n",
        r.audience, config.window_ms
    );
    println!("| what | count | p50 ms | p99 ms | max ms | other |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| join (`POST /api/finals/join`, 64 at a time) | {} | {:.1} | {:.1} | {:.1} | {:.0} \
         joins/s |",
        r.audience,
        r.join_latency.p50,
        r.join_latency.p99,
        r.join_latency.max,
        r.audience as f64 / r.join_seconds.max(1e-9)
    );
    println!(
        "| audience answer (`POST …/answer`) | {} | {:.1} | {:.1} | {:.1} | {:.0} answers/s over \
         {:.2} s |",
        r.answers_ok,
        r.answer_latency.p50,
        r.answer_latency.p99,
        r.answer_latency.max,
        r.answer_rate,
        r.answer_span
    );
    println!(
        "| question fan-out (`open` reply → phone's `open` frame) | {} | {:.1} | {:.1} | {:.1} | \
         spread {:.0} ms; {} before the reply; the reply took {:.1} ms; from the request sent \
         p50 {:.1} / p99 {:.1} / max {:.1} ms |",
        r.audience - r.dropped,
        r.question_fanout.p50,
        r.question_fanout.p99,
        r.question_fanout.max,
        r.question_spread_ms,
        r.question_before_reply,
        r.open_reply_ms,
        r.question_from_sent.p50,
        r.question_from_sent.p99,
        r.question_from_sent.max
    );
    println!(
        "| reveal fan-out (`reveal` reply → phone's `revealed` frame) | {} | {:.1} | {:.1} | \
         {:.1} | spread {:.0} ms; {} before the reply; the reply took {:.1} ms; from the request \
         sent p50 {:.1} / p99 {:.1} / max {:.1} ms |",
        r.audience - r.dropped,
        r.reveal_fanout.p50,
        r.reveal_fanout.p99,
        r.reveal_fanout.max,
        r.reveal_spread_ms,
        r.reveal_before_reply,
        r.reveal_reply_ms,
        r.reveal_from_sent.p50,
        r.reveal_from_sent.p99,
        r.reveal_from_sent.max
    );
    let growth = m.rss_peak_kib.saturating_sub(r.rss_idle_kib);
    println!(
        "\nserver RSS idle {:.1} → joined {:.1} → connected {:.1} → peak {:.1} MiB; growth to \
         the peak {:.1} MB ({:.1} KiB per phone; connected: {:.1} KiB per phone)",
        kib_to_mib(r.rss_idle_kib),
        kib_to_mib(r.rss_joined_kib),
        kib_to_mib(r.rss_connected_kib),
        kib_to_mib(m.rss_peak_kib),
        kib_to_mb(growth),
        per_connection(m.rss_peak_kib, r.rss_idle_kib, r.audience),
        per_connection(r.rss_connected_kib, r.rss_idle_kib, r.audience),
    );
    println!(
        "server CPU: joins {:.2} s ({}), sockets {:.2} s ({}), measured phase (open → every \
         phone revealed, {:.2} s) {} of a core = {:.2} CPU-s; bench client {}; machine busy {}; \
         {:.1} frames per phone over the whole run, the longest {} bytes; load average {} → {}",
        r.join_cpu.unwrap_or(f64::NAN),
        percent(r.join_cpu, r.join_seconds),
        r.connect_cpu.unwrap_or(f64::NAN),
        percent(r.connect_cpu, r.connect_seconds),
        m.seconds,
        percent(m.server_cpu, m.seconds),
        m.server_cpu.unwrap_or(f64::NAN),
        percent(m.client_cpu, m.seconds),
        m.machine_busy
            .map_or("unknown".into(), |b| format!("{:.0} %", b * 100.0)),
        r.frames_per_phone,
        r.largest_frame,
        r.load_before,
        r.load_after
    );
    if let Some(b) = board {
        let ratio = |a: f64, b: f64| {
            if b > 0.0 {
                format!("{:.2}×", a / b)
            } else {
                "—".into()
            }
        };
        println!(
            "ratios to the board baseline ({} viewers, same machine, same invocation): question \
             fan-out p99 {}, reveal fan-out p99 {}, p50 {} / {}; RSS per connected socket {}",
            b.viewers,
            ratio(r.question_fanout.p99, b.fanout.p99),
            ratio(r.reveal_fanout.p99, b.fanout.p99),
            ratio(r.question_fanout.p50, b.fanout.p50),
            ratio(r.reveal_fanout.p50, b.fanout.p50),
            ratio(
                per_connection(r.rss_connected_kib, r.rss_joined_kib, r.audience),
                per_connection(b.rss_connected_kib, b.rss_idle_kib, b.viewers)
            ),
        );
    }
    let verdict = |met: bool| if met { "met" } else { "MISSED" };
    println!(
        "\nTargets ({} phones; the issue's are at 5,000):",
        r.audience
    );
    println!(
        "- fan-out p99 ≤ {FANOUT_P99_TARGET_MS:.0} ms: question {:.1} ms, reveal {:.1} ms from \
         the reply ({:.1} and {:.1} ms from the request) → {}",
        r.question_fanout.p99,
        r.reveal_fanout.p99,
        r.question_from_sent.p99,
        r.reveal_from_sent.p99,
        verdict(r.question_fanout.p99.max(r.reveal_fanout.p99) <= FANOUT_P99_TARGET_MS)
    );
    println!(
        "- 0 dropped players: {} dropped → {}",
        r.dropped,
        verdict(r.dropped == 0)
    );
    println!(
        "- RSS growth ≤ {RSS_GROWTH_TARGET_MB:.0} MB (idle → peak, MB = 10^6 bytes): {:.1} MB → {}",
        kib_to_mb(growth),
        verdict(kib_to_mb(growth) <= RSS_GROWTH_TARGET_MB)
    );
}
