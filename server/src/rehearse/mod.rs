//! `ecoquiz rehearse`: the event day played against a real deployment a week before, and
//! `ecoquiz rehearse --cleanup` to remove it afterwards (docs/REHEARSE.md).
//!
//! The organizer's account prepares a rehearsal on the first server (`POST
//! /api/admin/rehearsals`: its companies and a competition, marked so no export, real board
//! or contestants' list shows them). Then, spread over the servers given:
//! - contestants arrive on schedule over `--arrival-seconds` (open loop: each arrives at its
//!   time whatever the earlier ones are doing) and register, waiting as the page does when
//!   told to queue;
//! - when every one has registered (or given up), all start at one instant, answer every
//!   question after a think time and submit. Like a phone, a contestant sends one request
//!   at a time: at its scheduled time, or at once when the previous one came back late; its
//!   latency counts from its scheduled time, so a slow server shows as latency, never as a
//!   rehearsal that quietly slowed down (no coordinated omission);
//! - viewers hold the board's websocket, each frame's delay measured after the newest
//!   submission it contains (its reply's arrival).
//!
//! `plan` checks the command line, `client` speaks to one server, `measure` keeps the
//! figures and prints them. Ctrl-C stops everything, prints what was measured and says how
//! to clean up.

pub mod client;
pub mod measure;

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::commands::Exit;
use crate::rehearsal::MAX_REHEARSAL_MINUTES;
use crate::store::companies::Company;
use client::{Failure, Paper, Server};
use measure::{Action, Measures, Report};

pub const MAX_CONTESTANTS: u64 = 100_000;
pub const MAX_VIEWERS: u64 = 20_000;
pub const MAX_ARRIVAL_SECONDS: u64 = 3_600;
pub const MAX_THINK_MS: u64 = 60_000;
/// Tries of a registration that failed for another reason than a queue or a taken phone.
const REGISTER_TRIES: u32 = 3;
/// Tries of a start that failed.
const START_TRIES: u32 = 3;

/// What the command line asked for, checked.
pub struct Plan {
    pub servers: Vec<Server>,
    pub contestants: u64,
    pub viewers: u64,
    pub arrival: Duration,
    pub think: Duration,
    pub json: bool,
    pub user: String,
    pub password: String,
}

/// The command line as typed (clap fills it in `cli`).
pub struct Request {
    pub urls: Vec<String>,
    pub contestants: Option<u64>,
    pub viewers: u64,
    pub arrival_seconds: u64,
    pub think_ms: u64,
    pub json: bool,
    pub user: Option<String>,
    pub password: Option<String>,
}

impl Plan {
    /// Every problem of the command line at once, in Chinese, or the plan.
    pub fn check(request: Request, cleanup: bool) -> Result<Plan, String> {
        let mut problems = Vec::new();
        let mut servers = Vec::new();
        if request.urls.is_empty() {
            problems.push(
                "请用 --url 指定要演练的服务器地址,例如 --url http://10.0.0.5:8080".to_owned(),
            );
        }
        for url in &request.urls {
            match server_base(url) {
                Ok(base) => servers.push(Server::new(base)),
                Err(problem) => problems.push(problem),
            }
        }
        if !cleanup {
            match request.contestants {
                None => problems.push("请用 --contestants 指定考生人数(1 到 100000)".to_owned()),
                Some(n) if !(1..=MAX_CONTESTANTS).contains(&n) => problems.push(format!(
                    "--contestants {n} 不行:考生人数必须是 1 到 {MAX_CONTESTANTS}"
                )),
                Some(_) => {}
            }
            if request.viewers > MAX_VIEWERS {
                problems.push(format!(
                    "--viewers {} 不行:看板观众必须是 0 到 {MAX_VIEWERS}",
                    request.viewers
                ));
            }
            if request.arrival_seconds > MAX_ARRIVAL_SECONDS {
                problems.push(format!(
                    "--arrival-seconds {} 不行:到达时间必须是 0 到 {MAX_ARRIVAL_SECONDS} 秒",
                    request.arrival_seconds
                ));
            }
            if request.think_ms > MAX_THINK_MS {
                problems.push(format!(
                    "--think-ms {} 不行:每题思考时间必须是 0 到 {MAX_THINK_MS} 毫秒",
                    request.think_ms
                ));
            }
        }
        let user = request.user.filter(|u| !u.trim().is_empty());
        let password = request.password.filter(|p| !p.is_empty());
        if user.is_none() {
            problems
                .push("需要组织者账号:用 --user 或环境变量 ECOQUIZ_REHEARSE_USER 指定".to_owned());
        }
        if password.is_none() {
            problems.push(
                "需要组织者密码:用环境变量 ECOQUIZ_REHEARSE_PASSWORD(或 --password)指定".to_owned(),
            );
        }
        if !problems.is_empty() {
            return Err(problems.join("\n"));
        }
        Ok(Plan {
            servers,
            contestants: request.contestants.unwrap_or(0),
            viewers: request.viewers,
            arrival: Duration::from_secs(request.arrival_seconds),
            think: Duration::from_millis(request.think_ms),
            json: request.json,
            user: user.unwrap_or_default(),
            password: password.unwrap_or_default(),
        })
    }
}

/// `http://host:port` from what was typed (a trailing slash or path is refused).
fn server_base(url: &str) -> Result<String, String> {
    let trimmed = url.trim().trim_end_matches('/');
    if trimmed.starts_with("https://") {
        return Err(format!(
            "{url}:rehearse 只连 http://,请直接写服务器进程的地址(如 http://10.0.0.5:8080),不经过 HTTPS 代理"
        ));
    }
    let Some(host) = trimmed.strip_prefix("http://") else {
        return Err(format!(
            "{url} 不是网址:请写成 http://主机:端口,例如 http://10.0.0.5:8080"
        ));
    };
    if host.is_empty() || host.contains('/') || host.contains(char::is_whitespace) {
        return Err(format!(
            "{url} 不是服务器地址:只写 http://主机:端口,不带路径"
        ));
    }
    Ok(trimmed.to_owned())
}

/// Runs the rehearsal (or the cleanup) and prints its report; the exit code.
pub fn run(plan: Plan, cleanup: bool, out: &mut dyn Write, err: &mut dyn Write) -> Exit {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the tokio runtime starts");
    runtime.block_on(async {
        let organizer = match connect(&plan).await {
            Ok(token) => token,
            Err((exit, message)) => {
                let _ = writeln!(err, "✘ {message}");
                return exit;
            }
        };
        if cleanup {
            return clean_up(&plan, &organizer, out, err).await;
        }
        rehearse(&plan, &organizer, out, err).await
    })
}

/// Every server answers as ecoquiz; the organizer's token from the first.
async fn connect(plan: &Plan) -> Result<String, (Exit, String)> {
    for server in &plan.servers {
        server.probe().await.map_err(|e| match e {
            Failure::Connection(_) | Failure::Timeout => (
                Exit::Unreadable,
                format!(
                    "连不上 {}:{e}。请确认服务器已启动、地址和端口无误",
                    server.base
                ),
            ),
            _ => (
                Exit::Invalid,
                format!(
                    "{} 不像 ecoquiz 服务器({e})。请确认地址指向 ecoquiz serve 的端口",
                    server.base
                ),
            ),
        })?;
    }
    let first = &plan.servers[0];
    first
        .organizer_login(&plan.user, &plan.password)
        .await
        .map_err(|e| match e {
            Failure::Refused { status, .. } if status == reqwest::StatusCode::UNAUTHORIZED => (
                Exit::Invalid,
                format!(
                    "组织者用户名或密码错误({}):请核对 --user 和 ECOQUIZ_REHEARSE_PASSWORD",
                    plan.user
                ),
            ),
            other => (Exit::Invalid, format!("组织者登录失败:{other}")),
        })
}

async fn clean_up(plan: &Plan, organizer: &str, out: &mut dyn Write, err: &mut dyn Write) -> Exit {
    match plan.servers[0].purge_rehearsals(organizer).await {
        Ok(counts) => {
            let _ = if plan.json {
                writeln!(out, "{}", json!(counts))
            } else {
                writeln!(out, "{}", counts.sentence())
            };
            Exit::Success
        }
        Err(e) => {
            let _ = writeln!(
                err,
                "✘ 删除演练数据失败:{e}。可以再运行一次,已删除的不会重复计算"
            );
            Exit::Unreadable
        }
    }
}

/// What every task of the rehearsal shares.
struct Shared {
    measures: Measures,
    competition_id: i64,
    companies: Vec<Company>,
    think: Duration,
    /// Three digits that keep this run's phone numbers apart from an earlier run's.
    run_tag: u64,
    /// When each acknowledged submission's reply arrived, in order.
    submissions: Mutex<Vec<Instant>>,
    /// Contestants done registering (admitted or given up).
    registration_ended: AtomicU64,
    viewers_connected: AtomicU64,
    /// The latest a request went out after its schedule, in microseconds.
    lag_micros: AtomicU64,
    /// The largest resident memory a server published.
    peak_rss: AtomicU64,
}

impl Shared {
    /// Waits for `at`, noting how late this machine woke up. Already past (the previous
    /// request of this contestant returned late): no wait.
    async fn on_schedule(&self, at: Instant) {
        if at <= Instant::now() {
            return;
        }
        tokio::time::sleep_until(at).await;
        let late = u64::try_from(at.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.lag_micros.fetch_max(late, Ordering::Relaxed);
    }

    /// Runs one request, recording under `action` its latency counted from `due` (when it
    /// was meant to be sent) or its failure.
    async fn timed<T>(
        &self,
        action: &Action,
        due: Instant,
        request: impl Future<Output = Result<T, Failure>>,
    ) -> Result<T, Failure> {
        let outcome = request.await;
        match &outcome {
            Ok(_) => action.succeeded(self.measures.began, due.elapsed()),
            Err(e) => action.failed(&e.kind()),
        }
        outcome
    }
}

async fn rehearse(plan: &Plan, organizer: &str, out: &mut dyn Write, err: &mut dyn Write) -> Exit {
    let questions_guess = 40;
    let minutes = (plan.arrival.as_secs()
        + questions_guess * 2 * plan.think.as_millis() as u64 / 1000
        + 1_200)
        .div_ceil(60) as i64;
    let prepared = match plan.servers[0]
        .prepare_rehearsal(organizer, minutes.min(MAX_REHEARSAL_MINUTES))
        .await
    {
        Ok(prepared) => prepared,
        Err(e) => {
            let _ = writeln!(err, "✘ 建立演练竞赛失败:{e}");
            return Exit::Invalid;
        }
    };
    warn_if_few_open_files(plan, err);
    let began = Instant::now();
    let shared = Arc::new(Shared {
        measures: Measures::new(began.into_std()),
        competition_id: prepared.competition.id,
        companies: prepared.companies,
        think: plan.think,
        run_tag: u64::from_le_bytes(crate::auth::random_bytes::<8>()) % 1000,
        submissions: Mutex::new(Vec::new()),
        registration_ended: AtomicU64::new(0),
        viewers_connected: AtomicU64::new(0),
        lag_micros: AtomicU64::new(0),
        peak_rss: AtomicU64::new(0),
    });
    let _ = writeln!(
        err,
        "演练竞赛 {}(演练数据,不计成绩、不导出)已建立;Ctrl-C 可随时停止,之后用 ecoquiz rehearse --cleanup 删除",
        shared.competition_id
    );

    let (finished, finished_seen) = watch::channel(false);
    let mut background = JoinSet::new();
    background.spawn(watch_memory(
        plan.servers.clone(),
        shared.clone(),
        finished_seen.clone(),
    ));
    background.spawn(show_progress(
        shared.clone(),
        plan.contestants,
        plan.viewers,
        finished_seen.clone(),
    ));
    let mut viewers = JoinSet::new();
    for i in 0..plan.viewers {
        let server = plan.servers[i as usize % plan.servers.len()].clone();
        viewers.spawn(view_board(server, shared.clone(), finished_seen.clone()));
    }
    let mut contestants = JoinSet::new();
    let (start, start_seen) = watch::channel(None::<Instant>);
    let arrival_step = plan.arrival.as_secs_f64() / plan.contestants as f64;
    for i in 0..plan.contestants {
        let server = plan.servers[i as usize % plan.servers.len()].clone();
        let arrives = began + Duration::from_secs_f64(arrival_step * i as f64);
        contestants.spawn(contestant(
            i,
            server,
            shared.clone(),
            arrives,
            start_seen.clone(),
        ));
    }

    let everyone = async {
        // Everyone starts at one instant once every registration has ended (and not before
        // the arrival window has).
        loop {
            if shared.registration_ended.load(Ordering::Acquire) >= plan.contestants {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let at = Instant::now().max(began + plan.arrival) + Duration::from_secs(1);
        let _ = start.send(Some(at));
        while contestants.join_next().await.is_some() {}
        // The last frames reach the viewers.
        tokio::time::sleep(Duration::from_secs(2)).await;
    };
    let interrupted = tokio::select! {
        () = everyone => false,
        _ = tokio::signal::ctrl_c() => true,
    };
    let _ = finished.send(true);
    contestants.abort_all();
    if interrupted {
        viewers.abort_all();
    }
    while viewers.join_next().await.is_some() {}
    background.abort_all();
    let report = Report {
        urls: plan.servers.iter().map(|s| s.base.clone()).collect(),
        competition_id: shared.competition_id,
        contestants: plan.contestants,
        viewers: plan.viewers,
        arrival_seconds: plan.arrival.as_secs(),
        think_ms: plan.think.as_millis() as u64,
        questions: prepared.competition.question_count,
        interrupted,
        elapsed_seconds: began.elapsed().as_secs_f64(),
        actions: shared.measures.summaries(),
        server_peak_rss_bytes: Some(shared.peak_rss.load(Ordering::Relaxed)).filter(|&b| b > 0),
        client_lag_max_ms: shared.lag_micros.load(Ordering::Relaxed) as f64 / 1000.0,
    };
    if std::io::stderr().is_terminal() {
        let _ = writeln!(err);
    }
    let _ = if plan.json {
        writeln!(out, "{}", json!(report))
    } else {
        write!(out, "{}", report.render())
    };
    let base = &plan.servers[0].base;
    if interrupted {
        let _ = writeln!(
            err,
            "演练已中断。演练数据还在服务器上,运行 ecoquiz rehearse --cleanup --url {base} 删除"
        );
        return Exit::Interrupted;
    }
    let _ = writeln!(
        err,
        "演练结束。看完结果后运行 ecoquiz rehearse --cleanup --url {base} 删除演练数据"
    );
    Exit::Success
}

/// One contestant's day: arrive, register (waiting when told to queue), start with everyone,
/// answer each question after a think time, submit.
async fn contestant(
    i: u64,
    server: Server,
    shared: Arc<Shared>,
    arrives: Instant,
    mut start: watch::Receiver<Option<Instant>>,
) {
    shared.on_schedule(arrives).await;
    let token = register(i, &server, &shared, arrives).await;
    shared.registration_ended.fetch_add(1, Ordering::AcqRel);
    let Some(token) = token else { return };
    let Ok(at) = start
        .wait_for(Option::is_some)
        .await
        .map(|at| at.unwrap_or_else(Instant::now))
    else {
        return;
    };
    shared.on_schedule(at).await;
    let mut paper = None;
    for _ in 0..START_TRIES {
        let measures = &shared.measures;
        match shared
            .timed(
                &measures.start,
                at,
                server.start(&token, shared.competition_id),
            )
            .await
        {
            Ok(started) => {
                paper = Some(started);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
        }
    }
    let Some(paper) = paper else { return };
    let mut random = Random::new(i ^ shared.run_tag << 40);
    let mut due = Instant::now();
    let Paper {
        attempt_id,
        questions,
    } = paper;
    let measures = &shared.measures;
    // Like a phone: one request at a time, each at its time or, when the previous one came
    // back late, at once — its latency still counted from its time.
    for question in &questions {
        due += random.think(shared.think);
        shared.on_schedule(due).await;
        let choice = random.choice(question);
        let saving = server.answer(&token, attempt_id, question.no, &choice);
        let _ = shared.timed(&measures.answer, due, saving).await;
    }
    due += random.think(shared.think);
    shared.on_schedule(due).await;
    if shared
        .timed(&measures.submit, due, server.submit(&token, attempt_id))
        .await
        .is_ok()
    {
        let mut submissions = shared.submissions.lock().unwrap_or_else(|e| e.into_inner());
        submissions.push(Instant::now());
    }
}

/// Registers contestant `i`; waits as the page does while the server says to queue. `None`
/// when the server kept refusing.
async fn register(i: u64, server: &Server, shared: &Shared, arrives: Instant) -> Option<String> {
    let company = &shared.companies[i as usize % shared.companies.len()];
    let mut other_failures = 0;
    let mut tag = shared.run_tag;
    loop {
        // 199 + three digits of the run + five of the contestant.
        let phone = format!("199{tag:03}{:05}", i % 100_000);
        let form = json!({
            "name": format!("演练考生{i}"),
            "phone": phone,
            "password": format!("rehearse-{tag}-{i}"),
            "company_name": company.name,
            "credit_code": company.credit_code,
            "subdistrict": company.subdistrict,
        });
        let measures = &shared.measures;
        match shared
            .timed(&measures.register, Instant::now(), server.register(form))
            .await
        {
            Ok(token) => {
                measures
                    .register_admitted
                    .succeeded(measures.began, arrives.elapsed());
                return Some(token);
            }
            Err(Failure::Refused {
                ref code,
                retry_after,
                ..
            }) if code == "queued" => {
                // The page's countdown, then the same request again.
                let wait = retry_after.unwrap_or(2).clamp(1, 30);
                tokio::time::sleep(Duration::from_secs(wait)).await;
            }
            Err(e) if e.is_code("phone_taken") && other_failures < REGISTER_TRIES => {
                // An earlier rehearsal not cleaned up, or a real number: another one.
                other_failures += 1;
                tag = (tag + 337) % 1000;
            }
            Err(_) if other_failures + 1 < REGISTER_TRIES => {
                other_failures += 1;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => {
                measures.register_admitted.failed(&e.kind());
                return None;
            }
        }
    }
}

/// A board viewer: holds the websocket, measures every frame that shows a new submission,
/// reconnects after a second when the socket drops (as the projector page does).
async fn view_board(server: Server, shared: Arc<Shared>, mut finished: watch::Receiver<bool>) {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let measures = &shared.measures;
    let mut connected_once = false;
    while !*finished.borrow() {
        let socket = shared
            .timed(
                &measures.viewer_connect,
                Instant::now(),
                server.watch_board(shared.competition_id),
            )
            .await;
        let Ok(mut socket) = socket else {
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        };
        if !connected_once {
            connected_once = true;
            shared.viewers_connected.fetch_add(1, Ordering::Relaxed);
        }
        let mut seen: Option<u64> = None;
        loop {
            let message = tokio::select! {
                message = socket.next() => message,
                _ = finished.wait_for(|f| *f) => return,
            };
            let text = match message {
                Some(Ok(Message::Text(text))) => text,
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => {
                    measures.frame_delay.failed("socket closed");
                    break;
                }
            };
            let arrived = Instant::now();
            // Only the count is read (the rest of the frame is skipped, not built): thousands
            // of viewers parse every frame on the rehearsing machine.
            let Ok(BoardFrame {
                stats: BoardStats { submitted },
            }) = serde_json::from_str::<BoardFrame>(&text)
            else {
                measures.frame_delay.failed("unreadable frame");
                continue;
            };
            // The first frame shows where the board stood; later ones are measured when
            // they show a submission this viewer had not seen.
            if seen.is_some_and(|before| submitted > before) {
                let acknowledged = {
                    let submissions = shared.submissions.lock().unwrap_or_else(|e| e.into_inner());
                    submissions.get(submitted as usize - 1).copied()
                };
                // A frame that arrives before the submission's own reply: no delay at all.
                let delay =
                    acknowledged.map_or(Duration::ZERO, |at| arrived.saturating_duration_since(at));
                measures.frame_delay.succeeded(measures.began, delay);
            }
            seen = Some(submitted);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// What a viewer reads of a board frame.
#[derive(serde::Deserialize)]
struct BoardFrame {
    stats: BoardStats,
}

#[derive(serde::Deserialize)]
struct BoardStats {
    submitted: u64,
}

/// The servers' resident memory from `/metrics`, every second, its peak kept.
async fn watch_memory(servers: Vec<Server>, shared: Arc<Shared>, finished: watch::Receiver<bool>) {
    while !*finished.borrow() {
        for server in &servers {
            if let Some(bytes) = server.resident_memory().await {
                shared.peak_rss.fetch_max(bytes, Ordering::Relaxed);
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// A progress line on the terminal (twice a second), or every ten seconds into a log.
async fn show_progress(
    shared: Arc<Shared>,
    contestants: u64,
    viewers: u64,
    finished: watch::Receiver<bool>,
) {
    let terminal = std::io::stderr().is_terminal();
    let every = if terminal {
        Duration::from_millis(500)
    } else {
        Duration::from_secs(10)
    };
    while !*finished.borrow() {
        tokio::time::sleep(every).await;
        let measures = &shared.measures;
        let done = measures.submit.successes();
        let width = 30;
        let filled = (done * width / contestants.max(1)) as usize;
        let failures: u64 = [
            &measures.register_admitted,
            &measures.start,
            &measures.answer,
            &measures.submit,
        ]
        .iter()
        .map(|a| a.failures())
        .sum();
        let line = format!(
            "[{}{}] 注册 {}/{contestants} · 开始 {} · 答案 {} · 交卷 {done} · 失败 {failures} · 观众 {}/{viewers} · {:.0} 秒",
            "#".repeat(filled),
            "-".repeat(width as usize - filled),
            measures.register_admitted.successes(),
            measures.start.successes(),
            measures.answer.successes(),
            shared.viewers_connected.load(Ordering::Relaxed),
            measures.began.elapsed().as_secs_f64(),
        );
        let mut err = std::io::stderr().lock();
        let _ = if terminal {
            write!(err, "\r{line}\x1b[K")
        } else {
            writeln!(err, "{line}")
        };
        let _ = err.flush();
    }
}

/// Warns when this process may not open a socket per contestant and viewer.
fn warn_if_few_open_files(plan: &Plan, err: &mut dyn Write) {
    let needed = plan.contestants + plan.viewers + 100;
    let soft = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            limits
                .lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| {
                    l.split_whitespace()
                        .nth(3)
                        .and_then(|v| v.parse::<u64>().ok())
                })
        });
    if let Some(soft) = soft.filter(|&soft| soft < needed) {
        let _ = writeln!(
            err,
            "⚠ 本机允许打开 {soft} 个文件,演练同时可能需要约 {needed} 个连接;请先运行 ulimit -n {needed}(服务器也一样),否则多出的连接会以 connect 失败计入"
        );
    }
}

/// A small generator for think times and answers (xorshift; no need for quality here).
struct Random(u64);

impl Random {
    fn new(seed: u64) -> Random {
        Random(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Half to one and a half times `think`.
    fn think(&mut self, think: Duration) -> Duration {
        think.mul_f64(0.5 + (self.next() % 1000) as f64 / 1000.0)
    }

    /// One option (two for a multiple-choice question), at random.
    fn choice(&mut self, question: &client::PaperQuestion) -> Vec<String> {
        let keys: Vec<&str> = question.options.iter().map(|o| o.key.as_str()).collect();
        if keys.is_empty() {
            return Vec::new();
        }
        let first = (self.next() % keys.len() as u64) as usize;
        let mut choice = vec![keys[first].to_owned()];
        if question.kind == "multiple" && keys.len() > 1 {
            let second =
                (first + 1 + (self.next() % (keys.len() as u64 - 1)) as usize) % keys.len();
            choice.push(keys[second].to_owned());
        }
        choice
    }
}
