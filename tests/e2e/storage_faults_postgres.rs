//! Acknowledged means stored on PostgreSQL too, when the database fails underneath: its
//! backends terminated under autosave load (what a restart, a failover or an operator's
//! `pg_terminate_backend` does to the pool's connections), the database unreachable for ten
//! seconds (a TCP proxy the test cuts), and a lock held past the statement timeout.
//!
//! Every autosave of the load is recorded with when it was sent and answered. Each must
//! answer 204, or 503 with a `storage_*` body that says the answer was not saved and
//! `Retry-After: 5` — never 500, never a hang — and at the end each contestant's stored
//! answers are exactly the ones acknowledged, read also through a server that did not live
//! through the fault.
//!
//! These tests need PostgreSQL (`ECOQUIZ_TEST_DATABASE_URL`, as CI sets it) and say so loudly
//! when it is not configured. The SQLite faults are in `storage_faults`.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::{StatusCode, Url};
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::{Instant, sleep, sleep_until};

use crate::storage_faults::{Contestant, Ledger, contestants, option_of};
use crate::support::{
    POSTGRES_VARIABLE, TestApp, body, fresh_postgres_database, postgres_base_url, save, show,
};
use ecoquiz::settings::StoreOptions;

/// Questions on the small blueprint's paper.
const QUESTIONS: i64 = 10;
/// Contestants autosaving at once in the load tests.
const CROWD: usize = 20;
/// The pause before a refused autosave is sent again. The exam page waits about a second
/// (with jitter, growing); shorter here, so more writes meet the fault.
const RETRY_PAUSE: Duration = Duration::from_millis(250);
/// How long any autosave may take, refused or not: a contestant is told within this.
const PROMPTLY: Duration = Duration::from_secs(5);
/// How long the test waits for an answer at all before it calls the request hung.
const PATIENCE: Duration = Duration::from_secs(15);

/// Says loudly that a test did not run (the support module has said why, once).
fn not_run(test: &str) {
    eprintln!("{POSTGRES_VARIABLE} not set: the PostgreSQL fault test `{test}` did not run");
}

// ---------------------------------------------------------------------------------------
// The autosave load and its record
// ---------------------------------------------------------------------------------------

/// How the server answered one autosave.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Reply {
    /// 204: acknowledged, so it must be in the store.
    Stored,
    /// 503 with a `storage_*` code (kept here), the unsaved-answer message and
    /// `Retry-After: 5`.
    Refused(String),
    /// Anything else (a 500, a 503 without the storage body, no answer): what came back.
    Unexpected(String),
}

/// One autosave as the test saw it, times counted from the start of the load.
#[derive(Clone, Debug)]
struct Sent {
    contestant: usize,
    sent: Duration,
    answered: Duration,
    reply: Reply,
}

impl Sent {
    fn took(&self) -> Duration {
        self.answered - self.sent
    }
}

/// Contestants autosaving at once, and everything they were answered.
struct Load {
    began: Instant,
    /// Set by the scenario: each contestant ends after its next stored autosave.
    stop: AtomicBool,
    /// Past this a contestant stops retrying (the server never took writes again).
    give_up: Instant,
    /// A std Mutex: held to push or copy, never across an await.
    log: Mutex<Vec<Sent>>,
}

impl Load {
    fn new(give_up_after: Duration) -> Load {
        let began = Instant::now();
        Load {
            began,
            stop: AtomicBool::new(false),
            give_up: began + give_up_after,
            log: Mutex::new(Vec::new()),
        }
    }

    /// Time since the load began.
    fn now(&self) -> Duration {
        self.began.elapsed()
    }

    fn stop(&self) {
        self.stop.store(true, Ordering::Release);
    }

    fn sent(&self) -> Vec<Sent> {
        self.log.lock().expect("never poisoned").clone()
    }

    /// Runs every contestant's autosaves at once until `scenario` ends, then waits for each
    /// contestant to get its last answer stored; returns the scenario's result.
    async fn run<T>(
        &self,
        app: &TestApp,
        crowd: &mut [Contestant],
        scenario: impl Future<Output = T>,
    ) -> T {
        let contestants = futures_util::future::join_all(
            crowd
                .iter_mut()
                .enumerate()
                .map(|(index, contestant)| self.autosave_until_stopped(app, index, contestant)),
        );
        let scenario = async {
            let result = scenario.await;
            self.stop();
            result
        };
        let (result, _) = tokio::join!(scenario, contestants);
        result
    }

    /// One contestant: every question in turn, a different option each round; a refused
    /// autosave is sent again after `RETRY_PAUSE` until it is stored, as the exam page does.
    /// Ends after a stored autosave once the load stops, at an unexpected reply, or when
    /// retrying past `give_up`.
    async fn autosave_until_stopped(
        &self,
        app: &TestApp,
        index: usize,
        contestant: &mut Contestant,
    ) {
        let mut round = index;
        loop {
            for no in 1..=QUESTIONS {
                loop {
                    let sent = self.now();
                    let reply = autosave(app, contestant, no, round).await;
                    let answered = self.now();
                    self.log.lock().expect("never poisoned").push(Sent {
                        contestant: index,
                        sent,
                        answered,
                        reply: reply.clone(),
                    });
                    match reply {
                        Reply::Stored => break,
                        Reply::Refused(_) if Instant::now() < self.give_up => {
                            sleep(RETRY_PAUSE).await;
                        }
                        Reply::Refused(_) | Reply::Unexpected(_) => return,
                    }
                }
                if self.stop.load(Ordering::Acquire) {
                    return;
                }
            }
            round += 1;
        }
    }
}

/// Autosaves option `pick` (wrapping) of question `no`; records it in the contestant's ledger
/// when stored, counts it when refused.
async fn autosave(app: &TestApp, contestant: &mut Contestant, no: i64, pick: usize) -> Reply {
    let choice = json!([option_of(&contestant.paper, no, pick)]);
    let path = format!("/api/attempts/{}/answers/{no}", contestant.attempt());
    let request = app
        .client
        .put(app.url(&path))
        .bearer_auth(&contestant.token)
        .json(&json!({ "choice": choice }))
        .send();
    let reply = match tokio::time::timeout(PATIENCE, async { reply_of(request.await).await }).await
    {
        Ok(reply) => reply,
        Err(_) => Reply::Unexpected(format!("no answer within {PATIENCE:?}")),
    };
    match &reply {
        Reply::Stored => {
            contestant.ledger.acknowledged.insert(no, choice);
        }
        Reply::Refused(_) => contestant.ledger.refused += 1,
        Reply::Unexpected(_) => {}
    }
    reply
}

async fn reply_of(response: reqwest::Result<reqwest::Response>) -> Reply {
    let response = match response {
        Ok(response) => response,
        Err(e) => return Reply::Unexpected(format!("no HTTP answer: {e}")),
    };
    let status = response.status();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let text = response.text().await.unwrap_or_default();
    match status {
        StatusCode::NO_CONTENT => Reply::Stored,
        StatusCode::SERVICE_UNAVAILABLE => {
            let refusal: Value = serde_json::from_str(&text).unwrap_or_default();
            let code = refusal["error"]["code"].as_str().unwrap_or_default();
            let message = refusal["error"]["message"].as_str().unwrap_or_default();
            if code.starts_with("storage_")
                && message.ends_with("答案未保存，请稍后重试")
                && retry_after.as_deref() == Some("5")
            {
                Reply::Refused(code.to_owned())
            } else {
                Reply::Unexpected(format!(
                    "503 without a storage refusal (Retry-After {retry_after:?}): {text}"
                ))
            }
        }
        other => Reply::Unexpected(format!("{other}: {text}")),
    }
}

/// Fails, listing them, when any autosave answered neither 204 nor a storage 503.
fn assert_only_stored_or_refused(sent: &[Sent]) {
    let unexpected: Vec<&Sent> = sent
        .iter()
        .filter(|s| matches!(s.reply, Reply::Unexpected(_)))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{} of {} autosaves answered neither 204 nor 503 with a storage body: {unexpected:#?}",
        unexpected.len(),
        sent.len()
    );
}

/// Fails when a contestant's last autosave was not stored: the server never took its
/// writes again (and the store could not be compared with what was acknowledged).
fn assert_every_contestant_ended_stored(sent: &[Sent], crowd: &[Contestant]) {
    for index in 0..crowd.len() {
        let last = sent
            .iter()
            .filter(|s| s.contestant == index)
            .max_by_key(|s| s.sent)
            .expect("every contestant autosaved");
        assert_eq!(
            last.reply,
            Reply::Stored,
            "contestant {index} was still refused when the load ended: {last:?}"
        );
    }
}

/// How many of each reply, e.g. `{"204": 1200, "503 storage_unreachable": 31}`.
fn tally<'a>(sent: impl IntoIterator<Item = &'a Sent>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for s in sent {
        let key = match &s.reply {
            Reply::Stored => "204".to_owned(),
            Reply::Refused(code) => format!("503 {code}"),
            Reply::Unexpected(what) => format!("unexpected {what}"),
        };
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}

fn refusals(sent: &[Sent]) -> usize {
    sent.iter()
        .filter(|s| matches!(s.reply, Reply::Refused(_)))
        .count()
}

fn slowest(sent: &[Sent]) -> Duration {
    sent.iter().map(Sent::took).max().unwrap_or_default()
}

/// Checks `app`'s store against everything acknowledged: each contestant's answers are
/// exactly the last ones answered 204.
async fn assert_stores_what_was_acknowledged(app: &TestApp, crowd: &[Contestant], server: &str) {
    for contestant in crowd {
        let response = show(app, &contestant.token, contestant.attempt()).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{server} reads the attempt"
        );
        assert_eq!(
            body(response).await["answers"],
            contestant.ledger.expected_answers(),
            "{server}: {}'s stored answers are exactly the acknowledged ones",
            contestant.phone
        );
    }
}

/// Every contestant has an answer to every question (the load reached them all).
fn assert_everyone_answered_everything(crowd: &[Contestant]) {
    for contestant in crowd {
        assert_eq!(
            contestant.ledger.acknowledged.len(),
            QUESTIONS as usize,
            "{} answered every question",
            contestant.phone
        );
    }
}

/// `/healthz` as a monitor sees it: status, body, how long it took.
async fn health(app: &TestApp) -> (StatusCode, Value, Duration) {
    let asked = Instant::now();
    let response = tokio::time::timeout(PATIENCE, app.get("/healthz", None))
        .await
        .expect("/healthz answers");
    let status = response.status();
    (status, body(response).await, asked.elapsed())
}

/// The database name of a PostgreSQL URL.
fn database_of(url: &str) -> String {
    Url::parse(url).expect("a database URL").path()[1..].to_owned()
}

// ---------------------------------------------------------------------------------------
// Backends terminated under load
// ---------------------------------------------------------------------------------------

/// When the test terminates the database's backends, after the load began.
const TERMINATIONS: [Duration; 3] = [
    Duration::from_millis(1500),
    Duration::from_millis(4000),
    Duration::from_millis(6500),
];
/// How long the load runs in the termination test.
const TERMINATION_LOAD: Duration = Duration::from_secs(9);

/// `pg_terminate_backend` for every other backend on `database`; returns how many.
async fn terminate_backends(admin: &mut PgConnection, database: &str) -> usize {
    let terminated: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(database)
    .fetch_all(&mut *admin)
    .await
    .expect("the test's own connection terminates the others");
    terminated.into_iter().filter(|&t| t).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_loses_no_acknowledged_answer_when_its_backends_are_terminated_under_autosave_load()
 {
    let Some(app) = TestApp::postgres().await else {
        not_run(
            "postgres_loses_no_acknowledged_answer_when_its_backends_are_terminated_under_autosave_load",
        );
        return;
    };
    let url = app.state.store.postgres_url().unwrap().to_owned();
    let database = database_of(&url);
    let (_admin, competition) = app.with_small_competition().await;
    let mut crowd = contestants(&app, competition, CROWD).await;
    let mut admin = PgConnection::connect(&url).await.unwrap();

    let load = Load::new(TERMINATION_LOAD + Duration::from_secs(15));
    let terminations = load
        .run(&app, &mut crowd, async {
            let mut terminations = Vec::new();
            for at in TERMINATIONS {
                sleep_until(load.began + at).await;
                let terminated = terminate_backends(&mut admin, &database).await;
                terminations.push((load.now(), terminated));
            }
            sleep_until(load.began + TERMINATION_LOAD).await;
            terminations
        })
        .await;

    let sent = load.sent();
    eprintln!(
        "backends terminated (at, how many): {terminations:?}; {} autosaves: {:?}, \
         {} refused with 503; slowest answer {:?}",
        sent.len(),
        tally(&sent),
        refusals(&sent),
        slowest(&sent)
    );
    assert_only_stored_or_refused(&sent);
    for (at, terminated) in &terminations {
        assert!(
            *terminated > 0,
            "the server had backends to terminate at {at:?}"
        );
        assert!(
            sent.iter()
                .any(|s| s.sent > *at && s.reply == Reply::Stored),
            "autosaves are stored again after the termination at {at:?}"
        );
    }
    assert!(
        slowest(&sent) < PROMPTLY,
        "every autosave is answered within {PROMPTLY:?}: the slowest took {:?}",
        slowest(&sent)
    );
    assert_every_contestant_ended_stored(&sent, &crowd);
    assert_everyone_answered_everything(&crowd);

    assert_stores_what_was_acknowledged(&app, &crowd, "the server under load").await;
    let second = app.second_instance().await;
    assert_stores_what_was_acknowledged(&second, &crowd, "a second server").await;
}

// ---------------------------------------------------------------------------------------
// The database unreachable for ten seconds
// ---------------------------------------------------------------------------------------

/// What the proxy does with the traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Link {
    Open,
    /// A network outage: every open connection dropped, each new one closed at once.
    Cut,
    /// A partition: connections stay open, but no byte goes through (TCP would hold and
    /// resend them), and a new connection is not passed on; nothing fails, nothing answers.
    Silent,
}

/// A TCP proxy in front of PostgreSQL that the test can cut like a network outage or silence
/// like a partition.
struct Proxy {
    port: u16,
    link: watch::Sender<Link>,
    accepting: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Listens on `127.0.0.1:0` and forwards to `upstream` (`host:port`).
    async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (link, switch) = watch::channel(Link::Open);
        let accepting = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let switch = switch.clone();
                if *switch.borrow() == Link::Cut {
                    // Closed at once: the client sees the connection end before any reply.
                    drop(client);
                    continue;
                }
                tokio::spawn(relay(client, upstream.clone(), switch));
            }
        });
        Proxy {
            port,
            link,
            accepting,
        }
    }

    fn cut(&self) {
        self.link.send_replace(Link::Cut);
    }

    fn silence(&self) {
        self.link.send_replace(Link::Silent);
    }

    fn restore(&self) {
        self.link.send_replace(Link::Open);
    }

    /// `url` with its host and port replaced by the proxy's.
    fn url_for(&self, url: &str) -> String {
        let mut url = Url::parse(url).expect("a database URL");
        url.set_host(Some("127.0.0.1")).unwrap();
        url.set_port(Some(self.port)).unwrap();
        url.to_string()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

/// Forwards one connection both ways until either side closes or the proxy is cut; then
/// both sockets are dropped (closed). A connection accepted while silent waits to be passed on.
async fn relay(client: TcpStream, upstream: String, switch: watch::Receiver<Link>) {
    if switch
        .clone()
        .wait_for(|link| *link == Link::Open)
        .await
        .is_err()
    {
        return;
    }
    let Ok(server) = TcpStream::connect(&upstream).await else {
        return;
    };
    let (from_client, to_client) = client.into_split();
    let (from_server, to_server) = server.into_split();
    let mut cut = switch.clone();
    tokio::select! {
        _ = cut.wait_for(|link| *link == Link::Cut) => {}
        _ = pump(from_client, to_server, switch.clone()) => {}
        _ = pump(from_server, to_client, switch.clone()) => {}
    }
}

/// Copies bytes one way; while silent holds them until the link is open again; never
/// forwards a byte read after a cut.
async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, mut switch: watch::Receiver<Link>) {
    let mut buffer = vec![0; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        match switch.wait_for(|link| *link != Link::Silent).await {
            Ok(link) if *link == Link::Open => {}
            _ => return,
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}

/// When the proxy is cut, after the load began, and for how long.
const CUT_AT: Duration = Duration::from_secs(2);
const CUT_FOR: Duration = Duration::from_secs(10);
/// How long the load goes on after the restore.
const AFTER_RESTORE: Duration = Duration::from_secs(4);
/// Within this after the restore, writes are stored again and `/healthz` says ok.
const RECOVERS_WITHIN: Duration = Duration::from_secs(5);

/// What the test saw of the outage, times from the start of the load.
#[derive(Debug)]
struct Outage {
    cut: Duration,
    restored: Duration,
    /// `/healthz` during the cut: status, body, time taken.
    health_during: Vec<(StatusCode, Value, Duration)>,
    /// When `/healthz` first answered 200 after the restore, and its body.
    healthy: Option<(Duration, Value)>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_unreachable_for_ten_seconds_refuses_writes_with_503_and_loses_nothing() {
    ten_seconds_without_the_database_refuse_writes_with_503_and_lose_nothing(
        "postgres_unreachable_for_ten_seconds_refuses_writes_with_503_and_loses_nothing",
        Proxy::cut,
        StoreOptions {
            connect_wait: Duration::from_millis(1500),
            ..StoreOptions::default()
        },
    )
    .await;
}

/// A partition answers nothing, not even an error: no server-side timeout reaches the
/// server through it. Its own deadlines (a write within `lock_wait` and a margin, the health
/// ping within `connect_wait`) turn the silence into 503s.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_silent_for_ten_seconds_refuses_writes_by_the_deadline_and_loses_nothing() {
    ten_seconds_without_the_database_refuse_writes_with_503_and_lose_nothing(
        "postgres_silent_for_ten_seconds_refuses_writes_by_the_deadline_and_loses_nothing",
        Proxy::silence,
        StoreOptions {
            connect_wait: Duration::from_millis(1000),
            lock_wait: Duration::from_millis(500),
            ..StoreOptions::default()
        },
    )
    .await;
}

/// Autosave load through the proxy; `fail` breaks the link for `CUT_FOR`, then it is
/// restored: every autosave during it is refused promptly with 503, `/healthz` says so, the
/// store recovers within `RECOVERS_WITHIN`, and nothing acknowledged is lost.
async fn ten_seconds_without_the_database_refuse_writes_with_503_and_lose_nothing(
    test: &str,
    fail: fn(&Proxy),
    options: StoreOptions,
) {
    let Some(base) = postgres_base_url() else {
        not_run(test);
        return;
    };
    let direct_url = fresh_postgres_database(&base).await;
    let direct = Url::parse(&direct_url).unwrap();
    let upstream = format!(
        "{}:{}",
        direct.host_str().unwrap(),
        direct.port().unwrap_or(5432)
    );
    let proxy = Proxy::start(upstream).await;
    let app = TestApp::postgres_at(&proxy.url_for(&direct_url), options).await;
    let (_admin, competition) = app.with_small_competition().await;
    let mut crowd = contestants(&app, competition, CROWD).await;

    let load = Load::new(CUT_AT + CUT_FOR + AFTER_RESTORE + Duration::from_secs(15));
    let outage = load
        .run(&app, &mut crowd, async {
            sleep_until(load.began + CUT_AT).await;
            fail(&proxy);
            let cut = load.now();
            let mut health_during = Vec::new();
            for probe_at in [2, 5, 8] {
                sleep_until(load.began + cut + Duration::from_secs(probe_at)).await;
                health_during.push(health(&app).await);
            }
            sleep_until(load.began + cut + CUT_FOR).await;
            proxy.restore();
            let restored = load.now();
            let mut healthy = None;
            while healthy.is_none() && load.now() < restored + RECOVERS_WITHIN * 3 {
                let (status, report, _) = health(&app).await;
                if status == StatusCode::OK {
                    healthy = Some((load.now() - restored, report));
                } else {
                    sleep(Duration::from_millis(100)).await;
                }
            }
            sleep_until(load.began + restored + AFTER_RESTORE).await;
            Outage {
                cut,
                restored,
                health_during,
                healthy,
            }
        })
        .await;

    let sent = load.sent();
    let during: Vec<&Sent> = sent
        .iter()
        .filter(|s| s.sent >= outage.cut && s.answered <= outage.restored)
        .collect();
    let after: Vec<&Sent> = sent.iter().filter(|s| s.sent >= outage.restored).collect();
    let refused_after = after
        .iter()
        .filter(|s| s.reply != Reply::Stored)
        .map(|s| s.answered - outage.restored)
        .max();
    let first_stored_after = after
        .iter()
        .filter(|s| s.reply == Reply::Stored)
        .map(|s| s.answered - outage.restored)
        .min();
    eprintln!(
        "cut at {:?}, restored at {:?}; {} autosaves in all: {:?}, {} refused with 503; \
         during the cut: {:?}, slowest {:?}; after the restore: {:?}, first stored {:?} \
         after it, last refused {:?} after it; /healthz during the cut: {:?}; \
         200 again {:?} after the restore",
        outage.cut,
        outage.restored,
        sent.len(),
        tally(&sent),
        refusals(&sent),
        tally(during.iter().copied()),
        during.iter().map(|s| s.took()).max().unwrap_or_default(),
        tally(after.iter().copied()),
        first_stored_after,
        refused_after,
        outage.health_during,
        outage.healthy.as_ref().map(|(after, _)| after),
    );

    assert_only_stored_or_refused(&sent);
    assert!(
        during.len() >= CROWD,
        "the contestants went on autosaving during the cut: {}",
        during.len()
    );
    for s in &during {
        assert!(
            matches!(s.reply, Reply::Refused(_)),
            "an autosave sent and answered during the cut is refused: {s:?}"
        );
    }
    assert!(
        slowest(&sent) < PROMPTLY,
        "every autosave is answered within {PROMPTLY:?}, during the cut too: the slowest \
         took {:?}",
        slowest(&sent)
    );
    for (status, report, took) in &outage.health_during {
        assert_eq!(
            *status,
            StatusCode::SERVICE_UNAVAILABLE,
            "/healthz during the cut: {report}"
        );
        assert!(*took < PROMPTLY, "/healthz answered in {took:?}");
    }
    let (healthy_after, report) = outage
        .healthy
        .expect("/healthz answers 200 again after the restore");
    assert_eq!(report, json!({"status": "ok"}));
    assert!(
        healthy_after < RECOVERS_WITHIN,
        "/healthz says ok {healthy_after:?} after the restore"
    );
    assert!(
        first_stored_after.is_some_and(|after| after < RECOVERS_WITHIN),
        "autosaves are stored within {RECOVERS_WITHIN:?} of the restore: first {first_stored_after:?}"
    );
    assert!(
        refused_after.is_none_or(|after| after < RECOVERS_WITHIN),
        "no autosave is refused later than {RECOVERS_WITHIN:?} after the restore: \
         the last at {refused_after:?}"
    );
    assert_every_contestant_ended_stored(&sent, &crowd);
    assert_everyone_answered_everything(&crowd);

    let unproxied = TestApp::postgres_at(&direct_url, StoreOptions::default()).await;
    assert_stores_what_was_acknowledged(&unproxied, &crowd, "a server connected directly").await;
    assert_stores_what_was_acknowledged(&app, &crowd, "the server behind the proxy").await;
}

// ---------------------------------------------------------------------------------------
// A lock held past the statement timeout
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_refuses_an_autosave_with_503_when_a_lock_outlasts_the_statement_timeout() {
    let Some(base) = postgres_base_url() else {
        not_run("postgres_refuses_an_autosave_with_503_when_a_lock_outlasts_the_statement_timeout");
        return;
    };
    let url = fresh_postgres_database(&base).await;
    let lock_wait = Duration::from_millis(300);
    let app = TestApp::postgres_at(
        &url,
        StoreOptions {
            lock_wait,
            ..StoreOptions::default()
        },
    )
    .await;
    let (_admin, competition) = app.with_small_competition().await;
    let contestant = contestants(&app, competition, 1).await.remove(0);
    let (token, paper, attempt) = (&contestant.token, &contestant.paper, contestant.attempt());
    let mut ledger = Ledger::default();
    assert_eq!(
        ledger.autosave(&app, token, paper, 1, 0).await,
        StatusCode::NO_CONTENT
    );

    // A maintenance job (or a careless `psql`) locks the answers against writes; reads go on.
    let mut other = PgConnection::connect(&url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut other).await.unwrap();
    sqlx::query("LOCK TABLE answers IN EXCLUSIVE MODE")
        .execute(&mut other)
        .await
        .unwrap();

    let asked = Instant::now();
    let refusal = save(&app, token, attempt, 2, json!([option_of(paper, 2, 0)])).await;
    let took = asked.elapsed();
    eprintln!("the autosave behind the lock was refused after {took:?} (lock_wait {lock_wait:?})");
    assert_eq!(refusal.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        refusal.headers().get(reqwest::header::RETRY_AFTER).unwrap(),
        "5"
    );
    assert_eq!(
        body(refusal).await["error"],
        json!({"code": "storage_busy", "message": "数据库正忙，答案未保存，请稍后重试"})
    );
    assert!(
        took >= lock_wait && took < PROMPTLY,
        "refused once the statement timeout passed, not before and not much later: {took:?}"
    );
    let shown = show(&app, token, attempt).await;
    assert_eq!(
        shown.status(),
        StatusCode::OK,
        "reads go on behind the lock"
    );
    assert_eq!(body(shown).await["answers"], ledger.expected_answers());

    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();

    for no in 2..=3 {
        assert_eq!(
            ledger.autosave(&app, token, paper, no, 1).await,
            StatusCode::NO_CONTENT,
            "the lock is gone"
        );
    }
    let second = app.second_instance().await;
    for server in [&app, &second] {
        let shown = show(server, token, attempt).await;
        assert_eq!(shown.status(), StatusCode::OK);
        assert_eq!(body(shown).await["answers"], ledger.expected_answers());
    }
    assert_eq!(ledger.acknowledged.len(), 3);
}
