//! The contestant pages (`/`, `web/app/`) in a real browser on a 375×812 phone: registering
//! from the roster and taking a whole exam through a network drop, a network drop long enough
//! for the retries to back off, a server restart under an open exam, a double tap on 确认交卷,
//! a stale tab answering after the deadline, the countdown handing the paper in at zero, two
//! tabs of one attempt, the 切屏 limit, the review after the close, and a name that looks like
//! HTML. Every answer the page claims to have saved is checked on the server. Screenshots go
//! to `target/screenshots/contestant-*`.
//!
//! The pages count down by the server's clock (`server_time`), so the test server's manual
//! clock (June 2026) and the browser's real one can differ; the tests move the server's clock
//! only to make time run out. Network failures are not console errors here: the harness
//! records `console.error`, uncaught exceptions and alerts only, and Chromium reports a failed
//! request as a log entry, not through the console API — so the offline periods need no
//! filtering, and any error the page itself logs still fails the test.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::chromium::{Browser, Page, Viewport};
use crate::support::{
    KeyedQuestion, Sheet, TestApp, answer_key, body, credit_code_for, fill, show, start_paper,
    submit, temp_dir,
};

const PASSWORD: &str = "环保知识竞赛2026";

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// `s` as a JavaScript string literal.
pub fn js(s: &str) -> String {
    Value::from(s).to_string()
}

/// Loads the bureau's roster (企业名称, 统一社会信用代码, 所属街道) through the admin API.
async fn import_roster(app: &TestApp, admin: &str, companies: &[(&str, &str)]) {
    let mut csv = String::from("企业名称,统一社会信用代码,所属街道\n");
    for (name, subdistrict) in companies {
        let _ = writeln!(csv, "{name},{},{subdistrict}", credit_code_for(name));
    }
    let response = app
        .post_bytes("/api/admin/companies/import", Some(admin), csv.into_bytes())
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap_or_default()
    );
}

/// Chromium, a server with the small competition open, and a participant with an attempt in
/// progress: what most of these tests start from.
struct Started {
    browser: Browser,
    app: TestApp,
    admin: String,
    competition: i64,
    token: String,
    attempt: i64,
    /// The paper with its key.
    paper: Vec<KeyedQuestion>,
}

/// The usual start, or `None` when the run has no browser (the test then passes as skipped
/// unless `ECOQUIZ_REQUIRE_BROWSER` is set, see `chromium.rs`).
async fn started_exam() -> Option<Started> {
    let browser = Browser::launch().await?;
    let app = TestApp::sqlite().await;
    let (admin, competition) = app.with_small_competition().await;
    let (token, attempt, paper) = exam_in_progress(&app, competition).await;
    Some(Started {
        browser,
        app,
        admin,
        competition,
        token,
        attempt,
        paper,
    })
}

/// A registered participant with an attempt just started over HTTP: (token, attempt, key).
async fn exam_in_progress(app: &TestApp, competition: i64) -> (String, i64, Vec<KeyedQuestion>) {
    let token = app
        .register("李娜", "13912345678", "绿源化工有限公司")
        .await;
    let (attempt, _paper) = start_paper(app, competition, &token).await;
    let key = answer_key(app, attempt).await;
    (token, attempt, key)
}

/// A phone whose browser already holds `token` (as a login on the page leaves it), showing
/// the contestant route `route` (`/exam/7`) after a fresh load.
pub async fn signed_in_page(browser: &Browser, app: &TestApp, token: &str, route: &str) -> Page {
    let page = browser.page(&app.url("/"), Viewport::Phone).await;
    page.wait_for("#login-form").await;
    page.eval(&format!(
        "localStorage.setItem('ecoquiz.token', JSON.stringify({})); \
         history.replaceState(null, '', {})",
        js(token),
        js(&format!("/#{route}"))
    ))
    .await;
    page.reload().await;
    page
}

/// The exam page of `attempt`, showing a question.
async fn open_exam(browser: &Browser, app: &TestApp, token: &str, attempt: i64) -> Page {
    let page = signed_in_page(browser, app, token, &format!("/exam/{attempt}")).await;
    page.wait_for(&format!(
        "#exam-page[data-attempt-id=\"{attempt}\"] #question[data-no]"
    ))
    .await;
    wait_for_exam_title(&page).await;
    page
}

/// Waits for the competition's title above the question (it arrives by a request of its own
/// after the question is drawn) and checks that its line was reserved: the question does not
/// move when it arrives.
async fn wait_for_exam_title(page: &Page) {
    page.wait_for_text("#exam-title", "六五环境日企业环保知识竞赛")
        .await;
    let heights = page
        .eval(
            "(() => { const title = document.querySelector('#exam-title'); \
               const filled = title.getBoundingClientRect().height; const text = title.textContent; \
               title.textContent = ''; const empty = title.getBoundingClientRect().height; \
               title.textContent = text; return [empty, filled]; })()",
        )
        .await;
    assert_eq!(
        heights[0], heights[1],
        "the title's line is the same height empty and filled: {heights}"
    );
}

/// A JS expression: the keys of the options shown as chosen, as a JSON string.
const CHOSEN_KEYS: &str = "JSON.stringify([...document.querySelectorAll('.option[aria-checked=\"true\"]')]\
     .map((e) => e.dataset.option))";

/// Taps each of `keys` on question `no` (which must be on the screen) and waits until exactly
/// those are shown as chosen.
async fn choose(page: &Page, no: i64, keys: &[&str]) {
    page.wait_for(&format!("#question[data-no=\"{no}\"]")).await;
    for key in keys {
        let option = format!(".option[data-option=\"{key}\"]");
        // Scrolled to the middle first, as a thumb would: the harness clicks the middle of an
        // element once any of it is on screen, and the lower options of a long question can
        // be half under the fixed 上一题 / 答题卡 / 下一题 bar, which would take the tap.
        page.wait_for(&option).await;
        page.eval(&format!(
            "document.querySelector({}).scrollIntoView({{ block: 'center' }})",
            js(&option)
        ))
        .await;
        page.click(&option).await;
    }
    let wanted = serde_json::to_string(keys).unwrap();
    page.wait_until(&format!("{CHOSEN_KEYS} === {}", js(&wanted)))
        .await;
}

/// Goes to the next question and waits for it.
async fn next_question(page: &Page, next_no: i64) {
    page.click("#next-button").await;
    page.wait_for(&format!("#question[data-no=\"{next_no}\"]"))
        .await;
}

/// Waits until the page says every answer is on the server.
async fn wait_until_saved(page: &Page) {
    page.wait_for("#save-state[data-state=\"saved\"][data-pending=\"0\"]")
        .await;
}

/// Cuts the phone off the network and waits until the page has noticed (its offline banner is
/// no longer hidden; on the exam, where the save state says it, the banner is not displayed).
async fn go_offline(page: &Page) {
    page.set_offline(true).await;
    page.wait_until("!document.querySelector('#offline-banner').hidden")
        .await;
}

/// Where the question card's top is on the screen, in CSS pixels.
async fn question_top(page: &Page) -> f64 {
    page.eval("document.querySelector('#question').getBoundingClientRect().top")
        .await
        .as_f64()
        .expect("the question's position")
}

/// Gives the network back and waits until the page has noticed (the banner is gone).
async fn go_online(page: &Page) {
    page.set_offline(false).await;
    page.wait_until("document.querySelector('#offline-banner').hidden")
        .await;
}

/// The participant's token as the page keeps it.
async fn token_of(page: &Page) -> String {
    page.eval("JSON.parse(localStorage.getItem('ecoquiz.token'))")
        .await
        .as_str()
        .expect("the page keeps a token")
        .to_owned()
}

/// The attempt as the server has it (owner's view).
async fn attempt_on_server(app: &TestApp, token: &str, attempt: i64) -> Value {
    let response = show(app, token, attempt).await;
    assert_eq!(response.status(), StatusCode::OK);
    body(response).await
}

/// The answers of an attempt view, `{no: keys}`.
fn answers_of(view: &Value) -> BTreeMap<i64, Vec<String>> {
    view["answers"]
        .as_object()
        .expect("an answers object")
        .iter()
        .map(|(no, keys)| {
            let keys = keys
                .as_array()
                .expect("a list of keys")
                .iter()
                .map(|k| k.as_str().expect("a key").to_owned())
                .collect();
            (no.parse().expect("a question number"), keys)
        })
        .collect()
}

fn sheet_as_strings(sheet: &Sheet) -> BTreeMap<i64, Vec<String>> {
    sheet
        .iter()
        .map(|(no, keys)| (*no, keys.iter().map(|k| (*k).to_owned()).collect()))
        .collect()
}

/// Fails unless the document fits the phone's 375 px width.
async fn assert_no_horizontal_scroll(page: &Page, screen: &str) {
    let width = page
        .eval("document.documentElement.scrollWidth")
        .await
        .as_i64()
        .expect("a width");
    assert!(
        width <= 375,
        "{screen} scrolls sideways on a 375 px phone: {width} px wide"
    );
}

/// Fails unless every control shown is at least 44×44 CSS pixels (one thumb on a phone).
async fn assert_tap_targets_are_large_enough(page: &Page, screen: &str) {
    let small = page
        .eval(
            "[...document.querySelectorAll('button, a[href], input, select, [role=radio], [role=checkbox]')]\
             .filter((e) => e.checkVisibility()).map((e) => [e, e.getBoundingClientRect()])\
             .filter(([, r]) => r.width < 44 || r.height < 44)\
             .map(([e, r]) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${e.className} ${Math.round(r.width)}×${Math.round(r.height)}`)",
        )
        .await;
    assert_eq!(small, json!([]), "controls too small to tap on {screen}");
}

/// Counts the page's own requests from now on: `window.__requests` lists `"METHOD path"` of
/// every fetch and `window.__failed` those that got no answer (offline, refused).
async fn count_requests(page: &Page) {
    page.eval(
        "(() => { window.__requests = []; window.__failed = []; const real = window.fetch; \
         window.fetch = (path, init) => { \
           const what = `${(init && init.method) || 'GET'} ${path}`; window.__requests.push(what); \
           return real(path, init).catch((e) => { window.__failed.push(what); throw e; }); }; })()",
    )
    .await;
}

async fn requests_matching(page: &Page, list: &str, pattern: &str) -> i64 {
    page.eval(&format!(
        "window.{list}.filter((r) => r.includes({})).length",
        js(pattern)
    ))
    .await
    .as_i64()
    .expect("a count")
}

// ---------------------------------------------------------------------------------------
// The whole exam on a phone
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contestant_registers_on_a_phone_takes_the_whole_exam_through_a_network_drop_and_sees_the_result()
 {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let (admin, competition) = app.with_small_competition().await;
    let company = "绿源化工有限公司";
    import_roster(
        &app,
        &admin,
        &[
            (company, "城关街道"),
            ("绿水印染有限公司", "河西街道"),
            ("清源环保科技有限公司", "城关街道"),
        ],
    )
    .await;
    let code = credit_code_for(company);

    // Registering: the company is picked from the roster, not typed.
    let page = browser.page(&app.url("/"), Viewport::Phone).await;
    page.wait_for("#login-form").await;
    page.click("#to-register").await;
    page.wait_for("#register-form[data-mode=\"roster\"]").await;
    page.type_into("#register-name", "张伟").await;
    page.type_into("#register-phone", "13800138000").await;
    page.type_into("#register-password", PASSWORD).await;
    page.type_into("#company-search", "绿").await;
    page.wait_until("document.querySelectorAll('#company-results .company-option').length === 2")
        .await;
    page.click(&format!(
        "#company-results .company-option[data-credit-code=\"{code}\"]"
    ))
    .await;
    page.wait_for("#company-selected").await;
    assert_eq!(page.text("#company-selected-name").await, company);
    assert_no_horizontal_scroll(&page, "the registration form").await;
    assert_tap_targets_are_large_enough(&page, "the registration form").await;
    page.screenshot("contestant-register-375x812").await;
    page.click("#register-submit").await;

    page.wait_for_text("#user-name", "张伟").await;
    let token = token_of(&page).await;
    let me = body(app.get("/api/me", Some(&token)).await).await;
    assert_eq!(me["participant"]["company_name"], company);
    assert_eq!(me["participant"]["credit_code"], code.as_str());
    assert_eq!(
        me["participant"]["subdistrict"], "城关街道",
        "the roster's values are stored"
    );

    // Starting asks first.
    page.click(&format!(
        ".competition-card[data-competition-id=\"{competition}\"] [data-action=\"start\"]"
    ))
    .await;
    page.wait_for("#start-dialog").await;
    page.click("#confirm-start").await;
    page.wait_for("#exam-page[data-attempt-id] #question[data-no=\"1\"]")
        .await;
    wait_for_exam_title(&page).await;
    let attempt: i64 = page
        .eval("Number(document.querySelector('#exam-page').dataset.attemptId)")
        .await
        .as_i64()
        .expect("the attempt id");
    let paper = answer_key(&app, attempt).await;
    assert_eq!(paper.len(), 10);

    // Every question answered on the page; the network drops after the fourth.
    const CUT_BEFORE: usize = 4;
    for (i, question) in paper.iter().enumerate() {
        if i == CUT_BEFORE {
            wait_until_saved(&page).await;
            let top = question_top(&page).await;
            go_offline(&page).await;
            assert_eq!(
                question_top(&page).await,
                top,
                "going offline moves nothing under the finger"
            );
            let banner_shown = page
                .eval("getComputedStyle(document.querySelector('#offline-banner')).display !== 'none'")
                .await;
            assert_eq!(banner_shown, json!(false), "the exam bar says 离线 instead");
        }
        choose(&page, question.no, &question.key).await;
        if i == 0 {
            wait_until_saved(&page).await;
            assert_no_horizontal_scroll(&page, "the exam").await;
            assert_tap_targets_are_large_enough(&page, "the exam").await;
            page.screenshot("contestant-exam-375x812").await;
        }
        if i == CUT_BEFORE + 1 {
            // Two answers chosen offline: kept on the phone, said so, and waiting.
            page.wait_for("#save-state[data-state=\"offline\"][data-pending=\"2\"]")
                .await;
            let waiting = page
                .eval("Object.keys(localStorage).filter((k) => k.includes('.pending.')).map((k) => Object.keys(JSON.parse(localStorage.getItem(k))).length)")
                .await;
            assert_eq!(waiting, json!([2]), "both answers are stored on the phone");
            assert_no_horizontal_scroll(&page, "the exam while offline").await;
            page.screenshot("contestant-offline-375x812").await;
            go_online(&page).await;
            wait_until_saved(&page).await;
        }
        if let Some(next) = paper.get(i + 1) {
            next_question(&page, next.no).await;
        }
    }
    wait_until_saved(&page).await;
    let on_server = attempt_on_server(&app, &token, attempt).await;
    assert_eq!(
        answers_of(&on_server),
        sheet_as_strings(&paper.iter().map(|q| (q.no, q.key.clone())).collect()),
        "every answer chosen on the page reached the server"
    );
    assert_eq!(on_server["status"], "in_progress");

    // The answer sheet agrees.
    page.click("#navigator-toggle").await;
    page.wait_for("#navigator").await;
    assert_eq!(
        page.eval(
            "document.querySelectorAll('#navigator [data-nav][data-state=\"answered\"]').length"
        )
        .await,
        10
    );
    page.click("#navigator-close").await;

    // Twelve minutes have passed by the server's clock (the one time is measured by).
    app.advance_minutes(12);
    page.click("#submit-button").await;
    page.wait_for("#confirm-dialog").await;
    assert_eq!(
        page.eval("document.querySelector('#unanswered-list').dataset.unanswered")
            .await,
        "",
        "nothing is left unanswered"
    );
    page.click("#confirm-submit").await;
    page.wait_for("#result-page #result-score").await;
    assert_eq!(page.text("#result-score").await, "21");
    assert_eq!(page.text("#result-max-score").await, "21");
    assert_eq!(page.text("#result-rank").await, "第 1 名");
    assert_eq!(page.text("#result-duration").await, "12分00秒");
    assert_no_horizontal_scroll(&page, "the result").await;
    assert_tap_targets_are_large_enough(&page, "the result").await;
    page.screenshot("contestant-result-375x812").await;

    let on_server = attempt_on_server(&app, &token, attempt).await;
    assert_eq!(on_server["status"], "submitted");
    assert_eq!(on_server["score"].as_f64(), Some(21.0));
    page.assert_no_console_errors().await;
}

// ---------------------------------------------------------------------------------------
// Networks that drop and servers that restart
// ---------------------------------------------------------------------------------------

/// Thirty real seconds offline: each of the three choices fails at once, then the queue's own
/// timer retries after about 1, 2, 4 s and then every 5 s (`backoffDelay`, never giving up), so
/// the outage goes through the whole backoff and several capped retries. The answers must
/// stay queued on the phone the whole time and arrive within the cap once the network is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_network_dropping_for_thirty_seconds_mid_exam_loses_no_answer() {
    let Some(Started {
        browser,
        app,
        token,
        attempt,
        paper,
        ..
    }) = started_exam().await
    else {
        return;
    };
    let page = open_exam(&browser, &app, &token, attempt).await;
    count_requests(&page).await;

    go_offline(&page).await;
    let cut = Instant::now();
    let offline: Sheet = paper[..3].iter().map(|q| (q.no, q.key.clone())).collect();
    for (i, question) in paper[..3].iter().enumerate() {
        choose(&page, question.no, &question.key).await;
        if i < 2 {
            next_question(&page, paper[i + 1].no).await;
        }
    }
    page.wait_for("#save-state[data-state=\"offline\"][data-pending=\"3\"]")
        .await;
    // Each choice tried at once (3 failures), then two retries of the queue's own timer.
    page.wait_until("window.__failed.filter((r) => r.startsWith('PUT ')).length >= 5")
        .await;
    tokio::time::sleep(Duration::from_secs(30).saturating_sub(cut.elapsed())).await;
    page.wait_for("#save-state[data-state=\"offline\"][data-pending=\"3\"]")
        .await;
    let failed = requests_matching(&page, "__failed", "PUT ").await;
    assert!(
        failed >= 7,
        "thirty seconds of retries every 5 s at most: {failed} failed uploads"
    );
    assert!(
        answers_of(&attempt_on_server(&app, &token, attempt).await).is_empty(),
        "nothing reached the server while the page was offline"
    );

    let back = Instant::now();
    go_online(&page).await;
    wait_until_saved(&page).await;
    assert!(
        back.elapsed() < Duration::from_secs(7),
        "the page waited {:?} after the network came back (retries are capped at 5 s)",
        back.elapsed()
    );
    assert_eq!(
        answers_of(&attempt_on_server(&app, &token, attempt).await),
        sheet_as_strings(&offline),
        "every answer chosen offline arrived"
    );
    assert_eq!(
        requests_matching(&page, "__requests", "PUT ").await
            - requests_matching(&page, "__failed", "PUT ").await,
        3,
        "each answer was delivered once"
    );
    page.assert_no_console_errors().await;
}

/// A stopped server refuses connections while the phone still believes it is online (no
/// `online` event): only the queue's own retries bring the answers over once it is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_left_open_across_a_server_restart_keeps_working() {
    let Some(Started {
        browser,
        mut app,
        token,
        attempt,
        paper,
        ..
    }) = started_exam().await
    else {
        return;
    };
    let page = open_exam(&browser, &app, &token, attempt).await;
    choose(&page, paper[0].no, &paper[0].key).await;
    wait_until_saved(&page).await;

    // Stop the server but keep its data folder for the next start on the same port.
    let address: std::net::SocketAddr = app
        .address
        .trim_start_matches("http://")
        .parse()
        .expect("the server's address");
    let clock = app.clock.clone();
    let data_dir = std::mem::replace(&mut app.data_dir, temp_dir());
    app.stop().await;

    for question in &paper[1..3] {
        next_question(&page, question.no).await;
        choose(&page, question.no, &question.key).await;
    }
    page.wait_for("#save-state[data-state=\"offline\"][data-pending=\"2\"]")
        .await;
    assert_eq!(
        page.eval("navigator.onLine").await,
        true,
        "the phone's network is fine"
    );

    let settings = ecoquiz::settings::Settings {
        bind: address,
        storage: ecoquiz::settings::Storage::DataDir(data_dir.path().to_owned()),
        data_dir: data_dir.path().to_owned(),
        jwt_secret: None,
        demo: false,

        store: ecoquiz::settings::StoreOptions::default(),
    };
    let (state, _startup) = ecoquiz::app::prepare(&settings, clock)
        .await
        .expect("the server starts again on its data");
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .expect("the same port is free again");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(ecoquiz::app::serve(state, listener, async {
        let _ = stopped.await;
    }));

    wait_until_saved(&page).await;
    let view: Value = reqwest::Client::new()
        .get(format!("http://{address}/api/attempts/{attempt}"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("the restarted server answers")
        .json()
        .await
        .expect("the attempt");
    let expected: Sheet = paper[..3].iter().map(|q| (q.no, q.key.clone())).collect();
    assert_eq!(answers_of(&view), sheet_as_strings(&expected));

    // And the page goes on as if nothing happened.
    next_question(&page, paper[3].no).await;
    choose(&page, paper[3].no, &paper[3].key).await;
    wait_until_saved(&page).await;
    page.assert_no_console_errors().await;

    let _ = stop.send(());
    server
        .await
        .expect("the server task ends")
        .expect("the server stops cleanly");
}

// ---------------------------------------------------------------------------------------
// Submitting, time running out, two tabs, 切屏
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn double_tapping_submit_sends_one_submit_and_shows_one_result() {
    let Some(Started {
        browser,
        app,
        token,
        attempt,
        paper,
        ..
    }) = started_exam().await
    else {
        return;
    };
    let sheet: Sheet = paper.iter().map(|q| (q.no, q.key.clone())).collect();
    fill(&app, &token, attempt, &sheet).await;
    let page = open_exam(&browser, &app, &token, attempt).await;
    count_requests(&page).await;

    page.click("#submit-button").await;
    page.wait_for("#confirm-dialog #confirm-submit").await;
    // Two taps on the same spot, faster than a redraw: the first lands on 确认交卷, the
    // second on whatever is there right after (the overlay). The button itself is also
    // clicked again in case it survived. (Synthetic clicks: the harness's `click` waits for
    // the element to be shown, which the first tap ends.)
    let second_target = page
        .eval(
            "(() => { const b = document.querySelector('#confirm-submit'); \
             const r = b.getBoundingClientRect(); const x = r.left + r.width / 2, y = r.top + r.height / 2; \
             b.click(); const under = document.elementFromPoint(x, y); if (under) under.click(); b.click(); \
             return under && under.closest('#finishing') ? 'finishing' : String(under && (under.id || under.tagName)); })()",
        )
        .await;
    assert_eq!(
        second_target, "finishing",
        "the overlay is what a second tap meets"
    );

    page.wait_for("#result-page #result-score").await;
    assert_eq!(page.text("#result-score").await, "21");
    assert_eq!(
        page.eval("document.querySelectorAll('#result-score').length")
            .await,
        1
    );
    assert_eq!(
        requests_matching(&page, "__requests", "/submit").await,
        1,
        "one submit request"
    );
    let view = attempt_on_server(&app, &token, attempt).await;
    assert_eq!(view["status"], "submitted");
    assert_eq!(view["score"].as_f64(), Some(21.0));
    page.assert_no_console_errors().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_tab_answering_after_the_deadline_is_told_time_is_up() {
    let Some(Started {
        browser,
        app,
        token,
        attempt,
        paper,
        ..
    }) = started_exam().await
    else {
        return;
    };
    let page = open_exam(&browser, &app, &token, attempt).await;
    page.wait_for(&format!("#question[data-no=\"{}\"]", paper[0].no))
        .await;

    // The 30 minutes and the grace pass on the server while the tab sits in a pocket: its
    // countdown still shows time left, because nothing told it otherwise.
    app.advance_minutes(31);
    page.click(&format!(".option[data-option=\"{}\"]", paper[0].key[0]))
        .await;

    page.wait_for("#result-page #result-notice").await;
    let notice = page.text("#result-notice").await;
    assert!(notice.contains("作答时间已到"), "the notice says: {notice}");
    page.wait_for("#result-score").await;
    let view = attempt_on_server(&app, &token, attempt).await;
    assert_eq!(view["status"], "submitted");
    assert!(
        answers_of(&view).is_empty(),
        "the late answer was not saved"
    );
    assert_eq!(
        page.eval("Object.keys(localStorage).filter((k) => k.includes('.pending.')).length")
            .await,
        0,
        "nothing is left queued to retry forever"
    );
    page.assert_no_console_errors().await;
}

/// The phone's clock is months away from the test server's (June 2026), as a phone set by
/// hand can be: the countdown must come from the server's `server_time`, and at zero the page
/// hands in what was saved, the last-second choice included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_countdown_by_the_servers_clock_hands_the_paper_in_at_zero() {
    let Some(Started {
        browser,
        app,
        token,
        attempt,
        paper,
        ..
    }) = started_exam().await
    else {
        return;
    };
    const LEFT_SECONDS: i64 = 10;
    app.advance_seconds(30 * 60 - LEFT_SECONDS);

    let page = open_exam(&browser, &app, &token, attempt).await;
    let remaining = page
        .eval("Number(document.querySelector('#countdown').dataset.remaining)")
        .await
        .as_i64()
        .expect("the seconds left");
    assert!(
        (1..=LEFT_SECONDS).contains(&remaining),
        "the countdown shows {remaining} s left; the server says {LEFT_SECONDS}"
    );
    choose(&page, paper[0].no, &paper[0].key).await;

    // Nobody taps 交卷: the countdown does, once it reaches zero (real seconds).
    page.wait_for("#result-page #result-notice").await;
    let notice = page.text("#result-notice").await;
    assert!(notice.contains("作答时间已到"), "the notice says: {notice}");
    let view = attempt_on_server(&app, &token, attempt).await;
    assert_eq!(view["status"], "submitted");
    assert_eq!(
        answers_of(&view),
        BTreeMap::from([(
            paper[0].no,
            paper[0].key.iter().map(|k| (*k).to_owned()).collect()
        )]),
        "the choice made seconds before the end was saved first"
    );
    assert_eq!(view["score"].as_f64(), Some(paper[0].points));
    page.assert_no_console_errors().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tabs_of_one_attempt_converge_on_the_latest_answers() {
    let Some(Started {
        browser,
        app,
        token,
        attempt,
        paper,
        ..
    }) = started_exam().await
    else {
        return;
    };
    let first = &paper[0];
    assert_ne!(first.kind, question_bank::Kind::Multiple);
    let tab1 = open_exam(&browser, &app, &token, attempt).await;
    tab1.wait_for(&format!("#question[data-no=\"{}\"]", first.no))
        .await;

    // The second tab, opened from the first so that it shares its localStorage (each page
    // the harness opens has a storage of its own), and driven through `window.tab2` (its
    // errors collected by hand: the harness hears its own pages only). It is a popup window
    // rather than a background tab: a background tab is not drawn, so the harness's clicks on
    // the first one would hang once the second is in front. Both stay visible, so "the tab
    // is looked at again" is its `visibilitychange` event, dispatched by the test.
    let opened = tab1
        .eval(&format!(
            "(() => {{ window.tab2 = window.open({}, 'tab2', 'popup,width=375,height=812'); return !!window.tab2; }})()",
            js(&format!("/#/exam/{attempt}"))
        ))
        .await;
    assert_eq!(opened, true, "the browser opened a second tab");
    tab1.wait_until(&format!(
        "window.tab2.document.querySelector('#question[data-no=\"{}\"] .option') !== null",
        first.no
    ))
    .await;
    tab1.eval(
        "(() => { const w = window.tab2; w.__problems = []; \
         w.addEventListener('error', (e) => w.__problems.push(String(e.message))); \
         w.addEventListener('unhandledrejection', (e) => w.__problems.push(String(e.reason))); \
         const error = w.console.error; \
         w.console.error = (...args) => { w.__problems.push(args.join(' ')); error.apply(w.console, args); }; })()",
    )
    .await;
    let tab2_choice = |key: &str| {
        format!(
            "window.tab2.document.querySelector('.option[data-option=\"{key}\"]').getAttribute('aria-checked') === 'true'"
        )
    };

    // Tab 1 answers; tab 2, still showing what it loaded, catches up once it is looked at.
    choose(&tab1, first.no, &first.key).await;
    wait_until_saved(&tab1).await;
    assert_eq!(
        tab1.eval(&tab2_choice(first.key[0])).await,
        false,
        "tab 2 has not looked yet"
    );
    tab1.eval("window.tab2.document.dispatchEvent(new window.tab2.Event('visibilitychange'))")
        .await;
    tab1.wait_until(&tab2_choice(first.key[0])).await;
    tab1.wait_until(&format!(
        "window.tab2.document.querySelector('#navigator [data-nav=\"{}\"]').dataset.state === 'answered'",
        first.no
    ))
    .await;

    // Tab 2 changes its mind; tab 1 shows the newer choice once it is looked at again.
    tab1.eval(&format!(
        "window.tab2.document.querySelector('.option[data-option=\"{}\"]').click()",
        first.wrong
    ))
    .await;
    tab1.wait_until(
        "(() => { const s = window.tab2.document.querySelector('#save-state'); \
         return s.dataset.state === 'saved' && s.dataset.pending === '0'; })()",
    )
    .await;
    tab1.eval("document.dispatchEvent(new Event('visibilitychange'))")
        .await;
    let wanted = serde_json::to_string(&[first.wrong]).unwrap();
    tab1.wait_until(&format!("{CHOSEN_KEYS} === {}", js(&wanted)))
        .await;

    let view = attempt_on_server(&app, &token, attempt).await;
    assert_eq!(
        answers_of(&view),
        BTreeMap::from([(first.no, vec![first.wrong.to_owned()])]),
        "the server holds the latest choice"
    );
    assert_eq!(
        tab1.eval("window.tab2.__problems").await,
        json!([]),
        "the second tab reported no errors"
    );
    tab1.eval("window.tab2.close()").await;
    tab1.assert_no_console_errors().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tab_switch_limit_submits_the_attempt_with_a_message() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let competition = app
        .create_competition_with(&admin, json!({"max_tab_switches": 1}))
        .await;
    let (token, attempt, paper) = exam_in_progress(&app, competition).await;
    let page = open_exam(&browser, &app, &token, attempt).await;
    page.wait_for_text("#tab-switch-warning", "切屏超过 1 次将自动交卷")
        .await;
    choose(&page, paper[0].no, &paper[0].key).await;
    wait_until_saved(&page).await;

    // First switch: the window loses focus (another app in front), then gets it back.
    page.eval("window.dispatchEvent(new Event('blur'))").await;
    page.wait_until(
        "document.querySelector('#tab-switch-warning').dataset.count === '1' \
         && !Object.keys(localStorage).some((k) => k.includes('.tabs.'))",
    )
    .await;
    page.wait_for_text("#tab-switch-warning", "已切屏 1 次")
        .await;
    page.eval("window.dispatchEvent(new Event('focus'))").await;
    // The page counts a leave within 0.8 s of coming back as the same switch (phones flicker
    // focus); a person who really switches again does so later. A rule about elapsed time,
    // so there is nothing to wait for but the time.
    tokio::time::sleep(Duration::from_millis(900)).await;

    // Second switch, over the limit: the page is hidden (the home button).
    page.eval(
        "Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' }); \
         document.dispatchEvent(new Event('visibilitychange'))",
    )
    .await;
    page.wait_for("#result-page #result-notice").await;
    page.eval("delete document.visibilityState").await;
    assert_eq!(
        page.text("#result-notice").await,
        "切屏超过 1 次,试卷已自动提交"
    );
    let score = paper[0].points;
    page.wait_for_text("#result-score", &score.to_string())
        .await;

    let view = attempt_on_server(&app, &token, attempt).await;
    assert_eq!(view["status"], "submitted");
    assert_eq!(view["tab_switches"], 2);
    assert_eq!(
        view["score"].as_f64(),
        Some(score),
        "graded from the saved answers"
    );
    page.assert_no_console_errors().await;
}

// ---------------------------------------------------------------------------------------
// After the exam
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_close_the_review_shows_the_correct_answers_and_explanations() {
    let Some(Started {
        browser,
        app,
        admin,
        competition,
        token,
        attempt,
        paper,
        ..
    }) = started_exam().await
    else {
        return;
    };

    // Right, wrong, unanswered and (a multiple-choice subset) partial.
    let mut sheet = Sheet::new();
    let mut expected = BTreeMap::new();
    let partial = paper
        .iter()
        .position(|q| q.key.len() >= 2)
        .expect("a multiple-choice question with two keys or more");
    for (i, question) in paper.iter().enumerate() {
        let result = if i == partial {
            sheet.insert(question.no, question.key[..1].to_vec());
            "partial"
        } else if i == 1 {
            sheet.insert(question.no, vec![question.wrong]);
            "wrong"
        } else if i == 2 {
            "unanswered"
        } else {
            sheet.insert(question.no, question.key.clone());
            "correct"
        };
        expected.insert(question.no, result.to_owned());
    }
    fill(&app, &token, attempt, &sheet).await;
    assert_eq!(submit(&app, &token, attempt).await.status(), StatusCode::OK);

    // Before the close the review is locked, and no explanation is on the page.
    let page = signed_in_page(&browser, &app, &token, &format!("/review/{attempt}")).await;
    page.wait_for("#review-locked").await;
    let text = page.eval("document.body.innerText").await;
    for question in &paper {
        if let Some(explanation) = &question.explanation {
            assert!(
                !text.as_str().unwrap().contains(explanation.as_str()),
                "question {}'s explanation shows before the close",
                question.no
            );
        }
    }

    let closed = app
        .post(
            &format!("/api/admin/competitions/{competition}/close"),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(closed.status(), StatusCode::OK);

    page.eval("location.hash = '#/competitions'").await;
    page.click(&format!(
        ".competition-card[data-competition-id=\"{competition}\"][data-status=\"closed\"] [data-action=\"review\"]"
    ))
    .await;
    page.wait_for("#review-list .review-item").await;
    let shown: BTreeMap<i64, String> = serde_json::from_value::<Vec<(i64, String)>>(
        page.eval(
            "[...document.querySelectorAll('#review-list .review-item')]\
             .map((e) => [Number(e.dataset.no), e.dataset.result])",
        )
        .await,
    )
    .unwrap()
    .into_iter()
    .collect();
    assert_eq!(shown, expected);

    for question in &paper {
        let item = format!("#review-list .review-item[data-no=\"{}\"]", question.no);
        let answer = if question.kind == question_bank::Kind::Judge {
            question
                .key
                .iter()
                .map(|k| if *k == "T" { "正确" } else { "错误" })
                .collect::<Vec<_>>()
                .join("、")
        } else {
            question.key.join("、")
        };
        assert_eq!(
            page.text(&format!("{item} .review-answer strong")).await,
            answer,
            "question {}'s correct answer",
            question.no
        );
        assert_eq!(
            page.text(&format!("{item} .question-stem")).await,
            question.stem
        );
        if let Some(explanation) = &question.explanation {
            assert!(
                page.text(&format!("{item} .review-explanation"))
                    .await
                    .contains(explanation.as_str()),
                "question {}'s explanation",
                question.no
            );
        }
    }

    // 只看错题 hides what was right and keeps the rest.
    page.click("#review-wrong-only").await;
    page.wait_for("#review-list.only-wrong").await;
    let visible: Vec<String> = serde_json::from_value(
        page.eval(
            "[...document.querySelectorAll('#review-list .review-item')]\
             .filter((e) => e.checkVisibility()).map((e) => e.dataset.result)",
        )
        .await,
    )
    .unwrap();
    assert!(
        !visible.is_empty() && visible.iter().all(|r| r != "correct"),
        "{visible:?}"
    );
    assert_no_horizontal_scroll(&page, "the review").await;
    page.assert_no_console_errors().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_participant_named_like_html_sees_it_as_text() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let (_admin, competition) = app.with_small_competition().await;
    let name = "<img src=x onerror=alert(1)>";
    let company = "绿源化工有限公司";
    let code = credit_code_for(company);

    // No roster: the company is typed, and the credit code checked as it is typed.
    let page = browser.page(&app.url("/#/register"), Viewport::Phone).await;
    page.wait_for("#register-form[data-mode=\"manual\"]").await;
    page.type_into("#register-name", name).await;
    page.type_into("#register-phone", "13700137000").await;
    page.type_into("#register-password", PASSWORD).await;
    page.type_into("#register-company-name", company).await;
    page.type_into("#register-credit-code", &code[..10]).await;
    page.wait_for("#credit-code-hint[data-state=\"partial\"]")
        .await;
    page.type_into("#register-credit-code", &code[10..]).await;
    page.wait_for("#credit-code-hint[data-state=\"valid\"]")
        .await;
    page.type_into("#register-subdistrict", "城关街道").await;
    page.click("#register-submit").await;

    page.wait_for(&format!(
        ".competition-card[data-competition-id=\"{competition}\"]"
    ))
    .await;
    page.wait_for_text("#user-name", name).await;
    assert_eq!(page.text("#user-name").await, name);
    assert_eq!(
        page.eval("document.querySelector('#user-name').childElementCount")
            .await,
        0,
        "the name made no element"
    );
    assert_eq!(
        page.eval("document.querySelectorAll('img').length").await,
        0,
        "no image was created"
    );
    let token = token_of(&page).await;
    let me = body(app.get("/api/me", Some(&token)).await).await;
    assert_eq!(me["participant"]["name"], name, "stored as typed");
    // An alert from the name would be reported here.
    page.assert_no_console_errors().await;
}
