//! The organizers' console (`/admin`) in a real browser (headless Chromium through
//! `chromium.rs`, a 1920×1080 screen): logging in through the form, importing the question
//! bank and the roster with their dry runs and error tables, refusing a file over the limit
//! before uploading it, the blueprint editor's live feasibility check (and a rehearsal's 演练
//! mark in the list), the live monitor
//! (names that look like HTML stay text), the eight exports and closing a competition.
//! Screenshots go to `target/screenshots/`. CI installs Chromium and sets
//! `ECOQUIZ_REQUIRE_BROWSER=1`; elsewhere each test says loudly that it did not run.
//!
//! Network errors the browser logs by itself ("Failed to load resource: … 422", the dry run of
//! a file with errors) are not console calls of the page, so `assert_no_console_errors` does
//! not count them; a `console.error`, an uncaught exception or an alert fails the test.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::chromium::{Browser, Page, Viewport};
use crate::support::{
    TestApp, answer_key, body, credit_code_for, fill, perfect_sheet, sample_bank, start_paper,
    submit, temp_dir, write_file,
};

/// Opens the console at `route` (e.g. `#/bank`) and logs in through the form as `admin`.
pub(crate) async fn console_logged_in(browser: &Browser, app: &TestApp, route: &str) -> Page {
    let page = browser
        .page(&app.url(&format!("/admin{route}")), Viewport::Desktop)
        .await;
    page.wait_for("#login-view").await;
    page.type_into("#login-username", "admin").await;
    page.type_into("#login-password", &app.admin_password).await;
    page.click("#login-button").await;
    page.wait_for("#app-view").await;
    page.wait_for("#logout-button").await;
    assert_eq!(
        page.eval("typeof sessionStorage.getItem('ecoquiz.admin.token')")
            .await,
        "string",
        "the token is kept for the session"
    );
    page
}

/// Replaces what the field `css` holds with `text`, typed key by key (the page sees input
/// events as from a person).
pub(crate) async fn replace_text(page: &Page, css: &str, text: &str) {
    page.eval(&format!(
        "document.querySelector({}).value = ''",
        json!(css)
    ))
    .await;
    page.type_into(css, text).await;
}

/// The cells' texts of every row matching `rows_css` (e.g. `#x tbody tr`), in order.
async fn table_rows(page: &Page, rows_css: &str) -> Vec<Vec<String>> {
    let rows = page
        .eval(&format!(
            "[...document.querySelectorAll({})].map((tr) => [...tr.cells].map((c) => c.textContent))",
            json!(rows_css)
        ))
        .await;
    serde_json::from_value(rows).expect("rows of cell texts")
}

/// Waits until the blueprint check has answered `state` for a paper of `questions` (e.g.
/// "40 道"): the answer to what was typed last, not to a keystroke on the way.
async fn checked(page: &Page, state: &str, questions: &str) {
    page.wait_until(&format!(
        "document.querySelector('#blueprint-check').dataset.state === {} \
         && document.querySelector('#check-question-count').textContent === {}",
        json!(state),
        json!(questions)
    ))
    .await;
}

/// `GET path` with the organizer's token, expecting 200.
pub(crate) async fn admin_get(app: &TestApp, admin: &str, path: &str) -> Value {
    let response = app.get(path, Some(admin)).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    body(response).await
}

/// Registers a participant and takes a paper: (token, attempt id).
async fn participant_with_paper(
    app: &TestApp,
    competition: i64,
    name: &str,
    phone: &str,
    company: &str,
) -> (String, i64) {
    let token = app.register(name, phone, company).await;
    let (attempt, _paper) = start_paper(app, competition, &token).await;
    (token, attempt)
}

/// Answers every question right and hands the paper in (21 points on the small blueprint).
async fn submit_perfect_paper(app: &TestApp, token: &str, attempt: i64) {
    let key = answer_key(app, attempt).await;
    fill(app, token, attempt, &perfect_sheet(&key)).await;
    assert_eq!(submit(app, token, attempt).await.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_keeps_the_organizer_on_the_login_form_and_logging_out_forgets_the_token()
{
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let page = browser
        .page(&app.url("/admin#/roster"), Viewport::Desktop)
        .await;
    page.wait_for("#login-view").await;
    page.type_into("#login-username", "admin").await;
    page.type_into("#login-password", "不是这个密码").await;
    page.click("#login-button").await;
    page.wait_for_text("#login-error", "用户名或密码不正确")
        .await;
    assert_eq!(
        page.eval("document.querySelector('#app-view').hidden")
            .await,
        true
    );
    assert_eq!(
        page.eval("sessionStorage.getItem('ecoquiz.admin.token')")
            .await,
        Value::Null
    );

    replace_text(&page, "#login-password", &app.admin_password).await;
    page.click("#login-button").await;
    // Back to the page that was asked for.
    page.wait_for("#roster-upload").await;
    assert_eq!(
        page.eval("document.querySelector('#login-error').hidden")
            .await,
        true
    );

    page.click("#logout-button").await;
    page.wait_for("#login-view").await;
    assert_eq!(
        page.eval("sessionStorage.getItem('ecoquiz.admin.token')")
            .await,
        Value::Null,
        "closing the session forgets the token"
    );
    assert_eq!(
        page.eval("document.querySelector('#app-view').hidden")
            .await,
        true
    );
    page.assert_no_console_errors().await;
}

/// One good row, then three bad ones at known lines (the header is line 1): a single-choice
/// question with two answers (line 3), one without its regulation (line 5) and one of a kind
/// the bureau's format does not have (line 6).
const BANK_WITH_BAD_ROWS: &str =
    "编号,题型,题干,选项A,选项B,选项C,选项D,答案,法规,条款,难度,解析,标签
W-1,单选,排污许可证的有效期为几年？,3年,5年,8年,10年,B,排污许可管理条例,第十四条,易,,
W-2,单选,单选题却写了两个答案,甲,乙,丙,丁,AB,环境保护法,,中,,
W-3,判断,企业可以私设暗管排放水污染物。,,,,,错,水污染防治法,,易,,
W-4,多选,没有写法规的题目,甲,乙,丙,,AB,,,中,,
W-5,填空,题型写成了填空题,甲,乙,,,A,环境保护法,,易,,
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organizer_uploads_a_csv_with_bad_rows_sees_each_error_line_then_imports_a_good_one() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let admin = app.admin_token().await;
    let page = console_logged_in(&browser, &app, "#/bank").await;
    page.wait_for("#bank-upload[data-state=\"idle\"]").await;
    page.wait_for_text("#coverage-status", "题库中还没有题目")
        .await;

    let dir = temp_dir();
    let broken = write_file(dir.path(), "题库-有错.csv", BANK_WITH_BAD_ROWS);
    page.set_file_input("#bank-file", broken.as_ref()).await;
    page.wait_for("#bank-upload[data-state=\"dry-run-errors\"]")
        .await;
    page.wait_for("#dry-run-errors[data-state=\"done\"][data-total=\"3\"]")
        .await;
    let errors = table_rows(&page, "#dry-run-errors tbody tr").await;
    let places: Vec<(&str, &str)> = errors
        .iter()
        .map(|row| (row[0].as_str(), row[1].as_str()))
        .collect();
    assert_eq!(
        places,
        [("3", "答案"), ("5", "法规"), ("6", "题型")],
        "{errors:#?}"
    );
    assert!(
        errors.iter().all(|row| !row[2].trim().is_empty()),
        "every error says what is wrong: {errors:#?}"
    );
    page.wait_for_text("#bank-upload-status", "检查发现 3 处问题")
        .await;
    assert_eq!(
        page.eval("document.querySelector('#import-button').disabled")
            .await,
        true,
        "确认导入 is not offered after a dry run with errors"
    );
    assert_eq!(
        admin_get(&app, &admin, "/api/admin/questions").await["total"],
        0,
        "the dry run stored nothing, not even the good row"
    );
    page.screenshot("admin-bank-errors-1920x1080").await;

    page.set_file_input("#bank-file", &sample_bank()).await;
    page.wait_for("#bank-upload[data-state=\"dry-run-ok\"]")
        .await;
    assert_eq!(
        page.text("#dry-run-counts [data-count=\"imported\"] dd")
            .await,
        "170 道"
    );
    assert_eq!(
        page.texts("#dry-run-errors tbody tr").await.len(),
        0,
        "the old errors are gone"
    );
    assert_eq!(
        admin_get(&app, &admin, "/api/admin/questions").await["total"],
        0,
        "a clean dry run stores nothing either"
    );
    page.click("#import-button:not([disabled])").await;
    page.wait_for("#bank-upload[data-state=\"imported\"]").await;
    page.wait_for_text("#import-result", "新增 170 道").await;
    assert_eq!(
        admin_get(&app, &admin, "/api/admin/questions").await["total"],
        170
    );

    // The coverage matrix and the question browser are reloaded after the import.
    let coverage = admin_get(&app, &admin, "/api/admin/regulations").await;
    let regulations = coverage["regulations"].as_array().unwrap();
    page.wait_for("#coverage-table tbody tr[data-regulation]")
        .await;
    page.wait_for_text("#coverage-table tfoot td.total", "170")
        .await;
    assert_eq!(
        page.eval("document.querySelectorAll('#coverage-table tbody tr[data-regulation]').length")
            .await,
        regulations.len(),
        "one row per regulation"
    );
    let first = &regulations[0];
    let cell = format!(
        "#coverage-table tbody tr[data-regulation={}] td[data-kind=\"single\"][data-difficulty=\"easy\"]",
        json!(first["regulation"].as_str().unwrap())
    );
    assert_eq!(
        page.text(&cell).await,
        first["counts"]["single"]["easy"].to_string()
    );
    page.wait_for_text("#questions-total", "共 170 道题").await;
    page.wait_for("#questions-table[data-state=\"done\"] tbody tr[data-question-id]")
        .await;
    page.screenshot("admin-bank-imported-1920x1080").await;
    page.assert_no_console_errors().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_csv_is_refused_with_a_message_and_the_page_stays_usable() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let page = console_logged_in(&browser, &app, "#/bank").await;
    page.wait_for("#bank-upload[data-state=\"idle\"]").await;
    // Counts the uploads the page starts, to prove the file never leaves the browser.
    page.eval(
        "window.uploadsStarted = 0;
         const send = XMLHttpRequest.prototype.send;
         XMLHttpRequest.prototype.send = function (...body) {
           window.uploadsStarted += 1;
           return send.apply(this, body);
         };",
    )
    .await;

    // 21 MB of nothing: a sparse file, made at once.
    let dir = temp_dir();
    let huge = dir.path().join("全区企业题库.csv");
    std::fs::File::create(&huge)
        .and_then(|file| file.set_len(21 * 1024 * 1024))
        .expect("a 21 MB file");
    page.set_file_input("#bank-file", &huge).await;
    page.wait_for("#bank-upload[data-state=\"too-large\"]")
        .await;
    page.wait_for_text("#bank-upload-status", "超过了 20 MB 的上限")
        .await;
    assert_eq!(
        page.text("#bank-file-name").await,
        "全区企业题库.csv(21.0 MB)"
    );
    assert_eq!(page.eval("window.uploadsStarted").await, 0);
    assert_eq!(
        page.eval("document.querySelector('#import-button').disabled")
            .await,
        true
    );

    // Still answering: another view, and back to a fresh upload.
    page.click("[data-nav=\"roster\"]").await;
    page.wait_for("#roster-upload[data-state=\"idle\"]").await;
    page.wait_for("#roster-table[data-state=\"done\"]").await;
    page.wait_for_text("#roster-status", "还没有导入企业名录")
        .await;
    page.click("[data-nav=\"bank\"]").await;
    page.wait_for("#bank-upload[data-state=\"idle\"]").await;
    page.wait_for("#questions-table[data-state=\"done\"]").await;
    page.assert_no_console_errors().await;
}

/// A roster CSV with the bureau's three columns.
fn roster_csv(rows: &[(&str, &str, &str)]) -> String {
    let mut csv = String::from("企业名称,统一社会信用代码,所属街道\n");
    for (name, code, subdistrict) in rows {
        csv.push_str(&format!("{name},{code},{subdistrict}\n"));
    }
    csv
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organizer_imports_the_roster_from_a_gb18030_file() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let admin = app.admin_token().await;
    let page = console_logged_in(&browser, &app, "#/roster").await;
    page.wait_for("#roster-table[data-state=\"done\"]").await;

    let companies = [
        ("绿源环保科技有限公司", "沙头街道"),
        ("清流水务有限公司", "福田街道"),
        ("蓝天化工有限公司", "福田街道"),
    ];
    let codes: Vec<String> = companies
        .iter()
        .map(|(name, _)| credit_code_for(name))
        .collect();
    let rows: Vec<(&str, &str, &str)> = companies
        .iter()
        .zip(&codes)
        .map(|((name, subdistrict), code)| (*name, code.as_str(), *subdistrict))
        .collect();
    let text = roster_csv(&rows);
    let (gb18030, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable && std::str::from_utf8(&gb18030).is_err());
    let dir = temp_dir();
    let file = write_file(dir.path(), "企业名录-GB18030.csv", gb18030);

    page.set_file_input("#roster-file", file.as_ref()).await;
    page.wait_for("#roster-upload[data-state=\"dry-run-ok\"]")
        .await;
    assert_eq!(
        page.text("#roster-dry-run-counts [data-count=\"imported\"] dd")
            .await,
        "3 家"
    );
    page.click("#roster-import-button:not([disabled])").await;
    page.wait_for("#roster-upload[data-state=\"imported\"]")
        .await;
    page.wait_for_text("#roster-import-result", "新增 3 家")
        .await;
    page.wait_for(&format!(
        "#roster-table[data-state=\"done\"] tbody tr[data-credit-code=\"{}\"]",
        codes[2]
    ))
    .await;
    let mut listed = table_rows(&page, "#roster-table tbody tr").await;
    listed.sort();
    let mut expected: Vec<Vec<String>> = rows
        .iter()
        .map(|(name, code, subdistrict)| {
            vec![name.to_string(), code.to_string(), subdistrict.to_string()]
        })
        .collect();
    expected.sort();
    assert_eq!(listed, expected, "the names came through GB18030 intact");
    page.wait_for_text("#roster-status", "名录共 3 家企业")
        .await;

    // A second file whose line 3 has a wrong check character: its line is shown, nothing
    // changes.
    let mut wrong = credit_code_for("碧水印染有限公司");
    let last = if wrong.ends_with('1') { "2" } else { "1" };
    wrong.replace_range(17.., last);
    let bad = roster_csv(&[
        (
            "青山建材有限公司",
            &credit_code_for("青山建材有限公司"),
            "沙头街道",
        ),
        ("碧水印染有限公司", &wrong, "福田街道"),
    ]);
    let bad = write_file(dir.path(), "企业名录-校验位错误.csv", bad);
    page.set_file_input("#roster-file", bad.as_ref()).await;
    page.wait_for("#roster-upload[data-state=\"dry-run-errors\"]")
        .await;
    page.wait_for("#roster-dry-run-errors[data-state=\"done\"][data-total=\"1\"]")
        .await;
    let errors = table_rows(&page, "#roster-dry-run-errors tbody tr").await;
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        (errors[0][0].as_str(), errors[0][1].as_str()),
        ("3", "统一社会信用代码"),
        "{errors:#?}"
    );
    assert!(errors[0][2].contains("校验"), "{errors:#?}");
    assert_eq!(
        page.eval("document.querySelector('#roster-import-button').disabled")
            .await,
        true
    );
    assert_eq!(
        admin_get(&app, &admin, "/api/admin/companies").await["total"],
        3,
        "the roster is unchanged"
    );
    page.assert_no_console_errors().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organizer_creates_a_competition_with_the_blueprint_editor_seeing_feasibility_live() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let page = console_logged_in(&browser, &app, "#/competitions").await;
    page.wait_for_text("#competitions-status", "还没有竞赛")
        .await;
    page.click("#new-competition-button").await;
    page.wait_for("#competition-form").await;
    // The form's defaults (20 single, 10 multiple, 10 judge at 30/50/20 %) fit the sample bank.
    page.wait_for("#blueprint-check[data-state=\"feasible\"]")
        .await;

    // The sample bank has 40 multiple-choice questions.
    let multiple = ".section-row[data-kind=\"multiple\"]";
    replace_text(&page, &format!("{multiple} [name=\"count\"]"), "200").await;
    // Checks of what was typed on the way (2, 20) may come first; wait for the last one.
    checked(&page, "infeasible", "230 道").await;
    let problems = page.texts("#check-problems li").await;
    assert!(!problems.is_empty(), "the check says why");
    assert!(
        problems.iter().all(|p| !p.trim().is_empty()),
        "{problems:#?}"
    );
    // The problem is also shown next to the row it concerns.
    page.wait_for(&format!("{multiple}.invalid")).await;
    assert!(
        !page
            .text(&format!("{multiple} .row-error"))
            .await
            .is_empty(),
        "the multiple-choice row carries its problem"
    );

    replace_text(&page, &format!("{multiple} [name=\"count\"]"), "10").await;
    checked(&page, "feasible", "40 道").await;
    assert_eq!(page.texts("#check-problems li").await.len(), 0);
    assert_eq!(
        page.eval("document.querySelectorAll('.section-row.invalid').length")
            .await,
        0,
        "the row's problem is gone once it is fixed"
    );

    let title = "2026 年企业环保知识竞赛(网页创建)";
    page.type_into("#competition-title", title).await;
    replace_text(&page, "#competition-duration", "45").await;
    page.type_into("#competition-max-tab-switches", "3").await;
    page.click("#create-competition-button").await;
    let hash = page
        .wait_until("/^#\\/competitions\\/\\d+$/.test(location.hash) && location.hash")
        .await;
    let id: i64 = hash
        .as_str()
        .unwrap()
        .trim_start_matches("#/competitions/")
        .parse()
        .unwrap();
    page.wait_for_text("#notice", "已创建").await;
    // The new competition's page is shown from its top, where the notice and the title are.
    page.wait_for("#monitor-status[data-state=\"live\"]").await;
    assert_eq!(
        page.eval("[scrollY, document.querySelector('#notice').getBoundingClientRect().top >= 0]")
            .await,
        json!([0, true]),
        "the notice that the competition was created is on screen"
    );

    page.click("[data-nav=\"competitions\"]").await;
    let row = format!("#competitions-table tbody tr[data-competition-id=\"{id}\"]");
    page.wait_for_text(&row, title).await;
    assert!(page.text(&row).await.contains("45 分钟"));

    let listed = admin_get(&app, &admin, "/api/admin/competitions").await;
    let created = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .expect("the competition is stored");
    assert_eq!(created["title"], title);
    assert_eq!(created["question_count"], 40);
    assert_eq!(created["duration_minutes"], 45);
    assert_eq!(created["max_tab_switches"], 3);

    // A rehearsal (`ecoquiz rehearse`) is listed marked 演练; the real competition is not.
    let prepared = app
        .post(
            "/api/admin/rehearsals",
            Some(&admin),
            &json!({"minutes": 60}),
        )
        .await;
    assert_eq!(prepared.status(), StatusCode::CREATED);
    let rehearsal = body(prepared).await["competition"]["id"].as_i64().unwrap();
    page.reload().await;
    let rehearsal_row =
        format!("#competitions-table tbody tr[data-competition-id=\"{rehearsal}\"]");
    page.wait_for_text(&format!("{rehearsal_row} .badge.rehearsal"), "演练")
        .await;
    assert_eq!(
        page.texts(&format!("{row} .badge.rehearsal")).await.len(),
        0,
        "a real competition carries no rehearsal mark"
    );
    page.assert_no_console_errors().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monitor_shows_counts_histogram_tab_switch_alerts_and_a_participant_named_like_html_as_text()
 {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let (_admin, competition) = app.with_small_competition().await;
    let hostile_name = "<img src=x onerror=alert(1)>";
    let hostile_company = "<script>alert(2)</script>化工有限公司";
    let (token, attempt) = participant_with_paper(
        &app,
        competition,
        hostile_name,
        "13500000001",
        hostile_company,
    )
    .await;
    submit_perfect_paper(&app, &token, attempt).await;
    let (switcher, switching) = participant_with_paper(
        &app,
        competition,
        "王芳",
        "13500000002",
        "绿源环保科技有限公司",
    )
    .await;
    for _ in 0..2 {
        let switched = app
            .post(
                &format!("/api/attempts/{switching}/tab-switches"),
                Some(&switcher),
                &json!({}),
            )
            .await;
        assert_eq!(switched.status(), StatusCode::OK);
    }
    app.register("赵六", "13500000003", "清流水务有限公司")
        .await;

    let page = console_logged_in(&browser, &app, &format!("#/competitions/{competition}")).await;
    page.wait_for("#monitor-status[data-state=\"live\"]").await;
    assert_eq!(page.text("#stat-registered").await, "3");
    assert_eq!(page.text("#stat-started").await, "2");
    assert_eq!(page.text("#stat-in-progress").await, "1");
    assert_eq!(page.text("#stat-submitted").await, "1");

    // 21 of 21 points: one person in the top bucket, nobody elsewhere.
    let bars = page
        .eval(
            "[...document.querySelectorAll('#score-histogram .histogram-bar')]\
             .map((g) => Number(g.dataset.count))",
        )
        .await;
    let bars: Vec<i64> = serde_json::from_value(bars).unwrap();
    assert_eq!(bars.len(), 10, "{bars:?}");
    assert_eq!(bars.iter().sum::<i64>(), 1, "{bars:?}");
    assert_eq!(bars.last(), Some(&1), "{bars:?}");
    page.wait_for("#score-histogram .histogram-bar[data-count=\"1\"]")
        .await;

    let alert = format!("#monitor-alerts tbody tr[data-attempt-id=\"{switching}\"]");
    page.wait_for(&alert).await;
    assert_eq!(
        table_rows(&page, "#monitor-alerts tbody tr").await,
        [["王芳", "绿源环保科技有限公司", "2", "答题中"]]
    );

    page.wait_for("#leaderboard-connection[data-state=\"live\"]")
        .await;
    page.wait_for("#leaderboard-individuals tbody tr[data-rank=\"1\"]")
        .await;
    let leader = table_rows(&page, "#leaderboard-individuals tbody tr").await;
    assert_eq!(leader.len(), 1, "{leader:#?}");
    assert_eq!(leader[0][1], hostile_name, "the name is shown as text");
    assert_eq!(leader[0][2], hostile_company);
    assert_eq!(leader[0][3], "21");
    page.wait_for_text("#leaderboard-companies tbody tr", hostile_company)
        .await;
    assert_eq!(
        page.eval("document.querySelectorAll('#view img, #view script').length")
            .await,
        0,
        "no element was made from the name or the company"
    );
    page.screenshot("admin-monitor-1920x1080").await;
    // An alert from the name or the company would be reported here.
    page.assert_no_console_errors().await;
}

/// Catches the files the page hands to the browser to save (`<a download>` on a blob URL):
/// their names and first bytes end up in `window.savedFiles`. The click itself is not passed
/// on, so a test run leaves no files in the Downloads folder.
const CATCH_DOWNLOADS: &str = "window.savedFiles = [];
HTMLAnchorElement.prototype.click = function () {
  const saved = { name: this.download, size: null, head: null, text: null };
  window.savedFiles.push(saved);
  fetch(this.href).then((r) => r.arrayBuffer()).then((bytes) => {
    saved.head = [...new Uint8Array(bytes.slice(0, 4))];
    saved.text = new TextDecoder().decode(bytes);
    saved.size = bytes.byteLength;
  });
};";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_export_downloads_from_the_console() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let (_admin, competition) = app.with_small_competition().await;
    let (token, attempt) = participant_with_paper(
        &app,
        competition,
        "李四",
        "13900000001",
        "绿源环保科技有限公司",
    )
    .await;
    submit_perfect_paper(&app, &token, attempt).await;

    let page = console_logged_in(&browser, &app, &format!("#/competitions/{competition}")).await;
    page.wait_for("#exports [data-export]").await;
    page.eval(CATCH_DOWNLOADS).await;
    let exports = [
        ("companies", "企业成绩"),
        ("subdistricts", "街道参与情况"),
        ("participants", "个人成绩"),
        ("questions", "试题分析"),
    ];
    for (what, name) in exports {
        for format in ["csv", "xlsx"] {
            let file = format!("{what}.{format}");
            let button = format!("[data-export=\"{file}\"]");
            page.click(&button).await;
            page.wait_for(&format!("{button}[data-state=\"done\"]"))
                .await;
            let expected = format!("六五环境日企业环保知识竞赛-{name}.{format}");
            page.wait_for_text("#export-status", &format!("已下载:{expected}"))
                .await;
            let saved = page
                .wait_until(&format!(
                    "window.savedFiles.find((f) => f.name === {} && f.size !== null)",
                    json!(expected)
                ))
                .await;
            let head: Vec<u8> = serde_json::from_value(saved["head"].clone()).unwrap();
            if format == "csv" {
                assert_eq!(head[..3], [0xEF, 0xBB, 0xBF], "{file} starts with the BOM");
            } else {
                assert_eq!(head, b"PK\x03\x04", "{file} is a zip (xlsx)");
            }
            if file == "participants.csv" {
                let text = saved["text"].as_str().unwrap();
                assert!(
                    text.contains("李四") && text.contains("139****0001"),
                    "{text}"
                );
            }
        }
    }
    assert_eq!(
        page.eval("window.savedFiles.length").await,
        8,
        "one file per click"
    );
    page.assert_no_console_errors().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_a_competition_asks_first_and_then_grades_attempts_in_progress() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let (_admin, competition) = app.with_small_competition().await;
    let (token, attempt) =
        participant_with_paper(&app, competition, "张三", "13700000001", "蓝天化工有限公司").await;
    let key = answer_key(&app, attempt).await;
    fill(&app, &token, attempt, &perfect_sheet(&key)).await;
    let attempt_status = async || {
        let response = app
            .get(&format!("/api/attempts/{attempt}"), Some(&token))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        body(response).await
    };

    let page = console_logged_in(&browser, &app, &format!("#/competitions/{competition}")).await;
    page.wait_for("#monitor-status[data-state=\"live\"]").await;
    page.wait_for_text("#stat-in-progress", "1").await;

    // Asked first; cancelling changes nothing.
    page.click("#close-competition-button").await;
    page.wait_for("#confirm-dialog[open]").await;
    assert!(
        page.text("#confirm-message").await.contains("自动交卷"),
        "the dialog says what closing does"
    );
    page.click("#confirm-cancel").await;
    page.wait_until("!document.querySelector('#confirm-dialog').open")
        .await;
    assert_eq!(attempt_status().await["status"], "in_progress");
    assert_eq!(
        page.eval("document.querySelector('#close-result').hidden")
            .await,
        true
    );

    page.click("#close-competition-button").await;
    page.wait_for("#confirm-dialog[open]").await;
    page.click("#confirm-ok").await;
    page.wait_for_text("#close-result", "竞赛已结束").await;
    page.wait_until("document.querySelector('#close-competition-button').disabled")
        .await;
    page.wait_for_text("#monitor-competition-status", "已结束")
        .await;

    let graded = attempt_status().await;
    assert_eq!(graded["status"], "submitted", "{graded}");
    assert_eq!(graded["score"], 21, "graded from the saved answers");
    page.wait_for_text("#stat-submitted", "1").await;
    page.assert_no_console_errors().await;
}
