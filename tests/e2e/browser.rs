//! Pages in a real browser (headless Chromium through `chromium.rs`): the projector page draws
//! a submission that arrives over its websocket, shows names that look like HTML as plain
//! text, and reconnects by itself after the network drops; and the harness itself types,
//! clicks, uploads and catches console errors the way the page tests rely on. Screenshots go
//! to `target/screenshots/`. CI installs Chromium and sets `ECOQUIZ_REQUIRE_BROWSER=1`, so a
//! missing browser fails there; elsewhere each test says loudly that it did not run.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use serde_json::json;

use crate::chromium::{Browser, Viewport};
use crate::support::{TestApp, small_blueprint, start_paper, submit};

/// The sample bank and a small competition open for the next hour by the browser's clock as
/// well as the server's: the projector counts down from the `Date` header, which is real
/// time, while the test's server runs on its manual clock (June 2026).
async fn competition_open_now(app: &TestApp) -> i64 {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let real_now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let real_now = i64::try_from(real_now.as_millis()).unwrap();
    let open_minutes = (real_now - app.clock.now()).max(0) / 60_000 + 60;
    app.create_competition(&admin, small_blueprint(), open_minutes, 30)
        .await
}

/// Registers `name` of `company`, takes a paper and hands it in blank, all over HTTP.
async fn submit_blank_paper(app: &TestApp, competition: i64, name: &str, company: &str) {
    let token = app.register(name, "13500000001", company).await;
    let (attempt, _paper) = start_paper(app, competition, &token).await;
    assert_eq!(submit(app, &token, attempt).await.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_projector_draws_a_websocket_submission_and_shows_a_script_like_name_as_text() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let competition = competition_open_now(&app).await;
    let screen = browser
        .page(
            &app.url(&format!("/screen/{competition}")),
            Viewport::Desktop,
        )
        .await;
    screen
        .wait_for_text("#title", "六五环境日企业环保知识竞赛")
        .await;
    screen.wait_for_text("#connection", "实时连接").await;
    screen.wait_for("#individuals-empty").await;

    // Submitted after the page is connected: the row can only come over the websocket.
    let hostile_name = "<img src=x onerror=alert(1)>";
    let hostile_company = "<script>alert(2)</script>化工有限公司";
    submit_blank_paper(&app, competition, hostile_name, hostile_company).await;

    screen
        .wait_for_text("#individuals .row .name", hostile_name)
        .await;
    screen.wait_for_text("#submitted", "1").await;
    screen
        .wait_for_text("#companies .row .name", hostile_company)
        .await;
    assert_eq!(
        screen.texts("#individuals .row .name").await,
        [hostile_name]
    );
    assert_eq!(
        screen.text("#individuals .row .rank").await,
        "1",
        "the only participant ranks first"
    );
    assert_eq!(
        screen
            .eval("document.querySelectorAll('.boards img:not(#qr), .boards script').length")
            .await,
        0,
        "no element was made from the name or the company"
    );
    let shot = screen.screenshot("screen-1920x1080").await;
    assert!(shot.exists(), "the screenshot was written");
    // An alert from the name would be reported here too.
    screen.assert_no_console_errors().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_projector_reconnects_by_itself_when_the_network_comes_back_in_a_real_browser() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let competition = competition_open_now(&app).await;
    let screen = browser
        .page(
            &app.url(&format!("/screen/{competition}")),
            Viewport::Desktop,
        )
        .await;
    screen.wait_for_text("#connection", "实时连接").await;

    screen.set_offline(true).await;
    screen.wait_for(".connection.down").await;
    assert_eq!(screen.eval("navigator.onLine").await, false);
    assert_eq!(
        screen
            .eval("fetch('/api/competitions').then(() => 'reached', () => 'failed')")
            .await,
        "failed",
        "no request gets through while offline"
    );
    // What happened while the screen was cut off is drawn once it is back.
    submit_blank_paper(&app, competition, "王芳", "绿源化工有限公司").await;
    screen.set_offline(false).await;

    screen.wait_for_text("#connection", "实时连接").await;
    screen
        .wait_for_text("#individuals .row .name", "王芳")
        .await;
    screen.assert_no_console_errors().await;
}

/// A page of its own for the harness tests, as a `data:` address.
fn data_page(html: &str) -> String {
    let mut url = String::from("data:text/html;charset=utf-8,");
    for byte in html.bytes() {
        if byte.is_ascii_alphanumeric() {
            url.push(char::from(byte));
        } else {
            let _ = write!(url, "%{byte:02X}");
        }
    }
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_harness_types_chinese_clicks_and_chooses_a_file_on_a_phone() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let form = data_page(
        r#"<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width">
        <input id="who"><button id="go">提交</button><p id="said"></p>
        <input id="csv" type="file"><p id="file"></p>
        <script>
          go.addEventListener("click", () => { said.textContent = "你好," + who.value; });
          csv.addEventListener("change", async () => {
            file.textContent = csv.files[0].name + ":" + (await csv.files[0].text()).trim();
          });
        </script>"#,
    );
    let phone = browser.page(&form, Viewport::Phone).await;
    assert_eq!(
        phone
            .eval("[innerWidth, innerHeight, devicePixelRatio]")
            .await,
        json!([375, 812, 2]),
        "a phone-sized screen"
    );

    phone.type_into("#who", "Li 李四 2026").await;
    phone.click("#go").await;
    phone.wait_for_text("#said", "你好,Li 李四 2026").await;

    let dir = crate::support::temp_dir();
    let csv = dir.path().join("题库.csv");
    std::fs::write(&csv, "题干,答案\n").unwrap();
    phone.set_file_input("#csv", &csv).await;
    phone.wait_for_text("#file", "题库.csv:").await;
    assert_eq!(phone.text("#file").await, "题库.csv:题干,答案");

    phone.reload().await;
    assert_eq!(
        phone.eval("who.value").await,
        "",
        "a fresh page after the reload"
    );
    phone.assert_no_console_errors().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_harness_reports_console_errors_uncaught_exceptions_and_alerts() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let page = browser
        .page(
            &data_page(
                r#"<!doctype html><script>
                  console.log("fine"); console.warn("also fine");
                  console.error("失败", 42);
                  setTimeout(() => { throw new Error("boom"); });
                  setTimeout(() => alert("hi"));
                  setTimeout(() => document.body.dataset.done = "yes", 10);
                </script>"#,
            ),
            Viewport::Desktop,
        )
        .await;
    page.wait_until("document.body.dataset.done === 'yes'")
        .await;
    let _ = page.eval("0").await;

    let problems = page.take_console_errors();
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems.iter().any(|p| p == "console.error: 失败 42"),
        "{problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("uncaught exception: Error: boom")),
        "{problems:#?}"
    );
    assert!(
        problems.iter().any(|p| p == r#"alert("hi") opened"#),
        "{problems:#?}"
    );
    page.assert_no_console_errors().await;
}
