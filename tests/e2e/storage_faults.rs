//! Acknowledged means stored, also when the storage fails: a full database, a lock another
//! process holds. Every write the server acknowledged (2xx) is in the store afterwards — read
//! from a copy of the files as a `kill -9` leaves them — and every write it refused (503, with
//! the message the exam page shows) is not. Reads keep working while writes are refused;
//! `/healthz` says so; the first write after the fault clears commits.
//!
//! The full database is made deterministic with SQLite's `max_page_count`
//! (`Store::simulate_full_disk`), no root needed. The real-disk variants (a full tmpfs, a
//! file system turned read-only) are in `storage_faults_root`; PostgreSQL's restarts,
//! outages and timeouts in `storage_faults_postgres`.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Connection;

use crate::support::{TestApp, body, registration, save, show, start_paper, submit};
use ecoquiz::settings::StoreOptions;

/// A participant's answers as the server acknowledged them: question → the last choice
/// answered 204. Refused answers are counted, never recorded: the store must equal this.
#[derive(Default)]
pub struct Ledger {
    pub acknowledged: BTreeMap<i64, Value>,
    pub refused: usize,
}

impl Ledger {
    /// Autosaves option number `pick` (wrapping) of question `no` of `paper`; records it when
    /// answered 204, counts it when refused with 503 (checking the body), fails otherwise.
    pub async fn autosave(
        &mut self,
        app: &TestApp,
        token: &str,
        paper: &Value,
        no: i64,
        pick: usize,
    ) -> StatusCode {
        let attempt = paper["attempt_id"].as_i64().unwrap();
        let choice = json!([option_of(paper, no, pick)]);
        let response = save(app, token, attempt, no, choice.clone()).await;
        let status = response.status();
        match status {
            StatusCode::NO_CONTENT => {
                self.acknowledged.insert(no, choice);
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(
                    response
                        .headers()
                        .get("retry-after")
                        .map(|v| v.to_str().unwrap().to_owned()),
                    Some("5".to_owned()),
                    "a refused write says when to retry"
                );
                let refusal = body(response).await;
                assert!(
                    refusal["error"]["code"]
                        .as_str()
                        .unwrap()
                        .starts_with("storage_"),
                    "{refusal}"
                );
                assert!(
                    refusal["error"]["message"]
                        .as_str()
                        .unwrap()
                        .ends_with("答案未保存，请稍后重试"),
                    "{refusal}"
                );
                self.refused += 1;
            }
            other => panic!(
                "question {no}: autosave answered {other}: {}",
                response.text().await.unwrap_or_default()
            ),
        }
        status
    }

    /// The answers map `GET /api/attempts/{id}` must show.
    pub fn expected_answers(&self) -> Value {
        Value::Object(
            self.acknowledged
                .iter()
                .map(|(no, choice)| (no.to_string(), choice.clone()))
                .collect(),
        )
    }
}

/// A server on SQLite whose writes wait at most 300 ms for a lock another process holds.
pub async fn sqlite_with_a_short_lock_wait() -> TestApp {
    TestApp::sqlite_with(StoreOptions {
        lock_wait: Duration::from_millis(300),
        ..StoreOptions::default()
    })
    .await
}

/// Another process (`sqlite3`, a backup tool) holding the write lock of `app`'s database
/// until `release`.
pub struct WriteLockHolder {
    connection: sqlx::SqliteConnection,
}

impl WriteLockHolder {
    pub async fn take(app: &TestApp) -> WriteLockHolder {
        let file = app.data_dir.path().join(ecoquiz::store::SQLITE_FILE);
        let mut connection =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
                .await
                .unwrap();
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut connection)
            .await
            .unwrap();
        WriteLockHolder { connection }
    }

    pub async fn release(mut self) {
        sqlx::query("ROLLBACK")
            .execute(&mut self.connection)
            .await
            .unwrap();
    }
}

/// Checks one attempt as `GET /api/attempts/{id}` showed it against what was acknowledged:
/// exactly the acknowledged answers, and submitted with the acknowledged score or still in
/// progress.
pub fn assert_attempt_is_what_was_acknowledged(
    attempt: &Value,
    answers: &Value,
    submitted: Option<&Value>,
    who: &str,
) {
    assert_eq!(
        &attempt["answers"], answers,
        "{who}'s answers are exactly the acknowledged ones: {attempt}"
    );
    match submitted {
        Some(score) => {
            assert_eq!(attempt["status"], "submitted", "{who}");
            assert_eq!(&attempt["score"], score, "{who}");
        }
        None => assert_eq!(
            attempt["status"], "in_progress",
            "a refused submit did nothing"
        ),
    }
}

/// The key of option `pick` (wrapping) of question `no` as the participant sees it.
pub fn option_of(paper: &Value, no: i64, pick: usize) -> String {
    let question = paper["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["no"] == no)
        .expect("the question is on the paper");
    let options = question["options"].as_array().unwrap();
    options[pick % options.len()]["key"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn saved_answers(app: &TestApp, token: &str, attempt: i64) -> Value {
    let response = show(app, token, attempt).await;
    assert_eq!(response.status(), StatusCode::OK, "reads keep working");
    body(response).await["answers"].clone()
}

async fn health(app: &TestApp) -> (StatusCode, Value) {
    let response = app.get("/healthz", None).await;
    let status = response.status();
    (status, body(response).await)
}

async fn login_status(app: &TestApp, phone: &str) -> StatusCode {
    app.post(
        "/api/auth/login",
        None,
        &json!({"phone": phone, "password": "环保知识竞赛2026"}),
    )
    .await
    .status()
}

/// A participant with an attempt in progress and what the server acknowledged of it.
pub struct Contestant {
    pub phone: String,
    pub token: String,
    pub paper: Value,
    pub ledger: Ledger,
    /// The score of an acknowledged submit.
    pub submitted: Option<Value>,
}

impl Contestant {
    pub fn attempt(&self) -> i64 {
        self.paper["attempt_id"].as_i64().unwrap()
    }
}

/// `count` participants, each with an attempt started (so the store holds some data).
pub async fn contestants(app: &TestApp, competition: i64, count: usize) -> Vec<Contestant> {
    let mut all = Vec::with_capacity(count);
    for i in 0..count {
        let phone = format!("1370000{:04}", i + 1);
        let token = app
            .register(&format!("参赛者{i}"), &phone, "清水污水处理有限公司")
            .await;
        let (_, paper) = start_paper(app, competition, &token).await;
        all.push(Contestant {
            phone,
            token,
            paper,
            ledger: Ledger::default(),
            submitted: None,
        });
    }
    all
}

/// Every contestant answers questions `questions` with their first option, each
/// acknowledged (204): the data the store holds before a fault.
pub async fn answer_before_the_fault(
    app: &TestApp,
    crowd: &mut [Contestant],
    questions: std::ops::RangeInclusive<i64>,
) {
    for contestant in crowd {
        for no in questions.clone() {
            let status = contestant
                .ledger
                .autosave(app, &contestant.token, &contestant.paper, no, 0)
                .await;
            assert_eq!(status, StatusCode::NO_CONTENT, "before the fault");
        }
    }
}

/// Every contestant whose attempt is in progress answers every question with option `pick`,
/// in order, until `refusals` autosaves were refused (or all were sent); returns how many
/// were refused.
async fn autosave_until_refused(
    app: &TestApp,
    crowd: &mut [Contestant],
    pick: usize,
    refusals: usize,
) -> usize {
    let mut refused = 0;
    for contestant in crowd.iter_mut().filter(|c| c.submitted.is_none()) {
        for no in 1..=QUESTIONS {
            let status = contestant
                .ledger
                .autosave(app, &contestant.token, &contestant.paper, no, pick)
                .await;
            if status == StatusCode::SERVICE_UNAVAILABLE {
                refused += 1;
                if refused == refusals {
                    return refused;
                }
            }
        }
    }
    refused
}

/// Submits each contestant's attempt not yet submitted, in order, until one is refused;
/// checks the refusal's body. Returns whether one was.
async fn submit_until_refused(app: &TestApp, crowd: &mut [Contestant]) -> bool {
    for contestant in crowd.iter_mut().filter(|c| c.submitted.is_none()) {
        let response = submit(app, &contestant.token, contestant.attempt()).await;
        match response.status() {
            StatusCode::OK => contestant.submitted = Some(body(response).await["score"].clone()),
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(
                    body(response).await["error"],
                    json!({"code": "storage_full", "message": "服务器存储空间不足，答卷未提交，请稍后重试"})
                );
                return true;
            }
            other => panic!("submit answered {other}"),
        }
    }
    false
}

/// Registers new people (phones 1390000…) until one is refused; returns the phones
/// acknowledged (201) and the refused one.
async fn register_until_refused(app: &TestApp, at_most: usize) -> (Vec<String>, Option<String>) {
    let mut registered = Vec::new();
    for i in 0..at_most {
        let phone = format!("1390000{:04}", i + 1);
        let response = app
            .post(
                "/api/auth/register",
                None,
                &registration(&format!("新人{i}"), &phone, "清水污水处理有限公司"),
            )
            .await;
        match response.status() {
            StatusCode::CREATED => registered.push(phone),
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(
                    body(response).await["error"]["message"],
                    "服务器存储空间不足，注册未完成，请稍后重试"
                );
                return (registered, Some(phone));
            }
            other => panic!("registration answered {other}"),
        }
    }
    (registered, None)
}

/// Questions on the small blueprint's paper.
const QUESTIONS: i64 = 10;

/// Checks the store (as `app` serves it) against everything acknowledged.
async fn assert_holds_what_was_acknowledged(app: &TestApp, crowd: &[Contestant]) {
    for contestant in crowd {
        let attempt = body(show(app, &contestant.token, contestant.attempt()).await).await;
        assert_attempt_is_what_was_acknowledged(
            &attempt,
            &contestant.ledger.expected_answers(),
            contestant.submitted.as_ref(),
            &contestant.phone,
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_every_write_acknowledged_around_a_full_disk_and_none_it_refused() {
    let app = TestApp::sqlite().await;
    let (_admin, competition) = app.with_small_competition().await;
    let mut crowd = contestants(&app, competition, 80).await;
    answer_before_the_fault(&app, &mut crowd[..3], 1..=3).await;

    app.state.store.simulate_full_disk().await.unwrap();

    // On a full disk, rewriting a row in place may still fit; adding one does not. Each kind
    // of write goes on until the disk refuses it.
    assert_eq!(
        autosave_until_refused(&app, &mut crowd, 1, 10).await,
        10,
        "the full disk refuses autosaves"
    );
    assert!(
        submit_until_refused(&app, &mut crowd[3..]).await,
        "the full disk refuses a submit"
    );
    let (registered_during, refused_phone) = register_until_refused(&app, 200).await;
    let refused_phone = refused_phone.expect("the full disk refuses a registration");
    // Reads keep working and show exactly what was acknowledged.
    assert_holds_what_was_acknowledged(&app, &crowd).await;
    assert_eq!(
        login_status(&app, &refused_phone).await,
        StatusCode::UNAUTHORIZED
    );
    let (status, report) = health(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(report["status"], "degraded");
    assert_eq!(report["code"], "storage_full");
    assert!(report["refused"].as_u64().unwrap() >= 12, "{report}");

    app.state.store.end_simulated_full_disk().await.unwrap();

    // Once the space is back, every write is stored: answers changed and added, the
    // remaining submits, the refused registration.
    assert_eq!(autosave_until_refused(&app, &mut crowd, 2, 1).await, 0);
    assert!(!submit_until_refused(&app, &mut crowd[3..]).await);
    app.register("新人", &refused_phone, "清水污水处理有限公司")
        .await;
    healthy_again(&app).await;

    // What a kill -9 now leaves on disk: everything acknowledged, nothing refused.
    let restarted = app.restarted_after_a_crash().await;
    assert_holds_what_was_acknowledged(&restarted, &crowd).await;
    for phone in registered_during.iter().chain([&refused_phone]) {
        assert_eq!(login_status(&restarted, phone).await, StatusCode::OK);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_recovers_by_itself_when_the_disk_is_freed_and_nobody_writes() {
    let app = TestApp::sqlite().await;
    app.with_small_competition().await;
    app.state.store.simulate_full_disk().await.unwrap();
    assert!(register_until_refused(&app, 200).await.1.is_some());
    assert_eq!(health(&app).await.1["status"], "degraded");

    app.state.store.end_simulated_full_disk().await.unwrap();

    // The store's own probe finds out (every 2 s) without any request writing.
    healthy_again(&app).await;
}

/// Waits until `/healthz` answers 200 `{"status":"ok"}` (the store's probe runs every 2 s).
async fn healthy_again(app: &TestApp) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (status, report) = health(app).await;
        if status == StatusCode::OK {
            assert_eq!(report, json!({"status": "ok"}));
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still degraded 30 s after the fault cleared: {report}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_refuses_writes_while_another_process_holds_the_lock_and_stores_the_next_one() {
    let app = sqlite_with_a_short_lock_wait().await;
    let (_admin, competition) = app.with_small_competition().await;
    let token = app
        .register("王五", "13700000001", "清水污水处理有限公司")
        .await;
    let (attempt, paper) = start_paper(&app, competition, &token).await;
    let mut ledger = Ledger::default();
    assert_eq!(
        ledger.autosave(&app, &token, &paper, 1, 0).await,
        StatusCode::NO_CONTENT
    );

    let lock = WriteLockHolder::take(&app).await;

    assert_eq!(
        ledger.autosave(&app, &token, &paper, 2, 0).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let refusal = save(&app, &token, attempt, 3, json!([option_of(&paper, 3, 0)])).await;
    assert_eq!(refusal.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        body(refusal).await["error"],
        json!({"code": "storage_busy", "message": "数据库正忙，答案未保存，请稍后重试"})
    );
    assert_eq!(
        saved_answers(&app, &token, attempt).await,
        ledger.expected_answers(),
        "reads go on while the lock is held"
    );

    lock.release().await;

    for no in 2..=4 {
        assert_eq!(
            ledger.autosave(&app, &token, &paper, no, 0).await,
            StatusCode::NO_CONTENT,
            "the lock is free again"
        );
    }
    let restarted = app.restarted_after_a_crash().await;
    assert_eq!(
        saved_answers(&restarted, &token, attempt).await,
        ledger.expected_answers()
    );
}
