//! The exam page when the server's storage refuses writes (issue 11: "Acknowledged means
//! stored, also after a write fails"), in a real browser on a 375×812 phone. A refused write
//! answers 503 with a `storage_*` code and a Chinese message; the page shows that message with
//! how many answers wait, keeps them on the phone, retries with its usual backoff and says
//! 已保存 once the server took them. A submit the storage refused is retried the same way and
//! goes through once the storage takes writes again. Every claim of the page is checked on
//! the server. Screenshots go to `target/screenshots/storage-*`.
//!
//! Refused requests are not console errors: Chromium logs a failed response as a log entry,
//! not through the console API, so any error the page itself logs still fails the test.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser_contestant::{js, signed_in_page};
use crate::chromium::{Browser, Page};
use crate::storage_faults::{
    Contestant, WriteLockHolder, answer_before_the_fault, contestants, option_of,
    sqlite_with_a_short_lock_wait,
};
use crate::support::{TestApp, answer_key, body, fill, perfect_sheet, save, show, start_paper};

/// What the server says when the full disk refused an answer (its 503 body's message).
const ANSWER_REFUSED_FULL: &str = "服务器存储空间不足，答案未保存，请稍后重试";

/// What it says when another process held the database's write lock through a submit.
const SUBMIT_REFUSED_BUSY: &str = "数据库正忙，答卷未提交，请稍后重试";

/// Questions on the small blueprint's paper.
const QUESTIONS: i64 = 10;

/// A phone whose browser holds `token` (as a login on the page leaves it), showing the exam
/// of `attempt` at question `no`.
async fn exam_page(browser: &Browser, app: &TestApp, token: &str, attempt: i64, no: i64) -> Page {
    let page = signed_in_page(browser, app, token, &format!("/exam/{attempt}")).await;
    page.wait_for(&format!(
        "#exam-page[data-attempt-id=\"{attempt}\"] #question[data-no=\"{no}\"]"
    ))
    .await;
    page
}

/// The answers the server holds for `attempt`, as `GET /api/attempts/{id}` shows them.
async fn answers_on_server(app: &TestApp, token: &str, attempt: i64) -> Value {
    let response = show(app, token, attempt).await;
    assert_eq!(response.status(), StatusCode::OK, "reads keep working");
    body(response).await["answers"].clone()
}

/// Where the question card's top is on the screen, in CSS pixels.
async fn question_top(page: &Page) -> f64 {
    page.eval("document.querySelector('#question').getBoundingClientRect().top")
        .await
        .as_f64()
        .expect("the question's position")
}

/// The answers waiting in the page's queues on the phone, `{no: keys}` per queue.
async fn waiting_on_the_phone(page: &Page) -> Value {
    page.eval(
        "Object.keys(localStorage).filter((k) => k.includes('.pending.'))\
         .map((k) => Object.fromEntries(Object.entries(JSON.parse(localStorage.getItem(k)))\
         .map(([no, entry]) => [no, entry.keys])))",
    )
    .await
}

/// With the disk full (`simulate_full_disk`), finds the question whose answer by `person`
/// (option 0, as the page will send it) the store refuses, and returns its number.
///
/// Why a search: the full disk refuses only a write that needs a new page, and a new answer
/// row needs one less often than it seems. VACUUM packs every page, but the row itself is
/// appended to the answers table's last page, which is as full as the row count makes it,
/// and its primary-key entry goes into an index leaf that SQLite first balances with its
/// neighbours before asking for a page. Measured on this schema: with 25 to 100 other
/// participants holding all their answers, the first answer of a participant who started
/// first was still stored on the full disk; with 120 the second was refused, with 160 the
/// first. Which one depends on byte counts, not on anything a test should pin.
///
/// What holds whatever the layout: every new answer row is appended to the table's last
/// page, so the crowd's own new answers use up the room left there (and in the index leaves
/// near them) until one is refused; then `person`'s answer is tried through the API. A
/// refused write changes nothing, and nothing writes in between (the page only reads until
/// it answers; the store's recovery probe needs more than a page and is refused too), so
/// the page's identical request later is refused as well. An answer that still fitted is
/// simply stored (as from a second tab) and the next question is tried after more filling.
/// Once the last page is full every new answer is refused, so this ends: a page holds at
/// most about 240 answer rows (17 bytes or more each), and each refusal of the crowd costs
/// one try of `person`'s (10 at most), so 250 crowd answers are always enough. (Measured
/// with the crowd below: the 89th crowd answer is refused, then so is the first try.)
async fn question_the_full_disk_refuses(
    app: &TestApp,
    person: (&str, &Value),
    crowd: &mut [Contestant],
    crowd_questions: std::ops::RangeInclusive<i64>,
) -> i64 {
    let (token, paper) = person;
    let attempt = paper["attempt_id"].as_i64().unwrap();
    let mut fillers = (0..crowd.len())
        .flat_map(|i| crowd_questions.clone().map(move |no| (i, no)))
        .collect::<Vec<_>>()
        .into_iter();
    for no in 1..=QUESTIONS {
        // The crowd answers until the store refuses one of them.
        loop {
            let (i, filler_no) = fillers.next().unwrap_or_else(|| {
                panic!("the crowd's answers all fitted on the full disk: give it more questions")
            });
            let contestant = &mut crowd[i];
            let status = contestant
                .ledger
                .autosave(app, &contestant.token, &contestant.paper, filler_no, 0)
                .await;
            if status == StatusCode::SERVICE_UNAVAILABLE {
                break;
            }
        }
        let choice = json!([option_of(paper, no, 0)]);
        let response = save(app, token, attempt, no, choice).await;
        match response.status() {
            StatusCode::SERVICE_UNAVAILABLE => return no,
            StatusCode::NO_CONTENT => {}
            other => panic!(
                "question {no}: autosave answered {other}: {}",
                response.text().await.unwrap_or_default()
            ),
        }
    }
    panic!("every answer of the participant fitted on the full disk");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exam_page_shows_the_full_disk_message_and_saves_the_answer_once_space_is_back() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let (_admin, competition) = app.with_small_competition().await;

    // The phone's participant starts first; a crowd of 60 starts after and answers half of
    // its questions, so the store holds a few pages of answers; the other half (300) is what
    // the crowd writes while the disk is full (see `question_the_full_disk_refuses`).
    let token = app
        .register("李娜", "13912345678", "绿源化工有限公司")
        .await;
    let (attempt, paper) = start_paper(&app, competition, &token).await;
    let mut crowd = contestants(&app, competition, 60).await;
    answer_before_the_fault(&app, &mut crowd, 1..=QUESTIONS / 2).await;

    app.state.store.simulate_full_disk().await.unwrap();
    let no = question_the_full_disk_refuses(
        &app,
        (&token, &paper),
        &mut crowd,
        QUESTIONS / 2 + 1..=QUESTIONS,
    )
    .await;
    let before = answers_on_server(&app, &token, attempt).await;
    assert!(before.get(no.to_string()).is_none(), "{before}");

    // The page opens at the first question without an answer: the refused one.
    let page = exam_page(&browser, &app, &token, attempt, no).await;
    let key = option_of(&paper, no, 0);
    let option = format!(".option[data-option=\"{key}\"]");
    page.eval(&format!(
        "document.querySelector({}).scrollIntoView({{ block: 'center' }})",
        js(&option)
    ))
    .await;
    let top = question_top(&page).await;
    page.click(&option).await;

    // Refused: the server's message, verbatim, with what waits and that it retries.
    page.wait_for("#save-state[data-state=\"refused\"][data-pending=\"1\"]")
        .await;
    page.wait_for_text("#save-state", "服务器存储空间不足，答案未保存")
        .await;
    assert_eq!(
        page.text("#save-state").await,
        format!("{ANSWER_REFUSED_FULL}(1 题待保存,自动重试中)")
    );
    assert_eq!(
        answers_on_server(&app, &token, attempt).await,
        before,
        "the refused answer is not on the server"
    );
    assert_eq!(
        waiting_on_the_phone(&page).await,
        json!([{ no.to_string(): [key] }]),
        "the answer waits on the phone"
    );
    assert_eq!(
        page.eval(&format!(
            "document.querySelector('#navigator [data-nav=\"{no}\"]').dataset.state"
        ))
        .await,
        "answered",
        "the answer sheet counts it"
    );
    let width = page.eval("document.documentElement.scrollWidth").await;
    assert!(width.as_i64().unwrap() <= 375, "{width} px wide");
    assert_eq!(
        question_top(&page).await,
        top,
        "the longer message fits the bar: the question does not move under the finger"
    );
    page.screenshot("storage-full-disk-375x812").await;

    app.state.store.end_simulated_full_disk().await.unwrap();

    // The page's next retry (at most 5 s away) is stored.
    page.wait_for("#save-state[data-state=\"saved\"][data-pending=\"0\"]")
        .await;
    assert_eq!(page.text("#save-state").await, "已保存");
    let after = answers_on_server(&app, &token, attempt).await;
    assert_eq!(after[no.to_string()], json!([key]), "{after}");
    assert_eq!(waiting_on_the_phone(&page).await, json!([]));
    page.assert_no_console_errors().await;
}

/// The lock of another process (a backup tool, `sqlite3`) makes every write wait and then
/// fail with `storage_busy`, on every attempt alike: a submit refused for certain, which the
/// full disk cannot promise (growing the attempt's row by its graded responses may still fit
/// in its page).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submit_the_busy_database_refused_is_retried_until_it_goes_through() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = sqlite_with_a_short_lock_wait().await;
    let (_admin, competition) = app.with_small_competition().await;
    let token = app
        .register("李娜", "13912345678", "绿源化工有限公司")
        .await;
    let (attempt, _paper) = start_paper(&app, competition, &token).await;
    let key = answer_key(&app, attempt).await;
    fill(&app, &token, attempt, &perfect_sheet(&key)).await;
    let answers = answers_on_server(&app, &token, attempt).await;
    let page = exam_page(&browser, &app, &token, attempt, key[0].no).await;
    page.click("#submit-button").await;
    page.wait_for("#confirm-dialog #confirm-submit").await;

    let lock = WriteLockHolder::take(&app).await;

    page.click("#confirm-submit").await;
    page.wait_for_text("#finishing-detail", SUBMIT_REFUSED_BUSY)
        .await;
    assert_eq!(
        page.text("#finishing-detail").await,
        format!("{SUBMIT_REFUSED_BUSY}(自动重试中)")
    );
    let view = body(show(&app, &token, attempt).await).await;
    assert_eq!(
        view["status"], "in_progress",
        "the refused submit did nothing"
    );
    assert_eq!(view["answers"], answers);
    page.screenshot("storage-submit-busy-375x812").await;

    lock.release().await;

    page.wait_for("#result-page #result-score").await;
    assert_eq!(page.text("#result-score").await, "21");
    let view = body(show(&app, &token, attempt).await).await;
    assert_eq!(view["status"], "submitted");
    assert_eq!(view["answers"], answers, "graded from every saved answer");
    assert_eq!(view["score"].as_f64(), Some(21.0));
    page.assert_no_console_errors().await;
}
