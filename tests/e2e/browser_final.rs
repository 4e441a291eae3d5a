//! The live final's three pages (docs/FINAL.md; docs/PAGES.md, "The live final") in a real
//! browser (headless Chromium through `chromium.rs`): the host driving a whole final from the
//! console's big button and the space bar at 1920×1080 while the seats answer and buzz over
//! HTTP; a seat's phone at 375×812 joining, answering, buzzing, seeing its result and getting
//! its answer back after a reload; and the projector at 1920×1080 with a seat named like HTML
//! and a long Chinese name, from the lobby to the podium. Screenshots go to
//! `target/screenshots/final-*`. CI installs Chromium and sets `ECOQUIZ_REQUIRE_BROWSER=1`;
//! elsewhere each test says loudly that it did not run.
//!
//! The test server runs on a manual clock that stands still, so no countdown runs out by
//! itself and the milliseconds of a buzz or an answer are exactly what the test advanced the
//! clock by between the arm and the press. The pages count down from `deadline − server_time`,
//! so the browser's real clock does not matter.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::chromium::{Browser, Page, Viewport};
use crate::finals::{bank_questions, join_audience, join_seat, post_as, scores, step, wrong};
use crate::support::{TestApp, body};

/// A hostile seat name: shown as text everywhere, never made into an element.
pub(crate) const HOSTILE_NAME: &str = "<img src=x onerror=alert(1)>";
/// A seat name of 30 characters, the longest allowed.
const LONG_NAME: &str = "内蒙古自治区鄂尔多斯市生态环境保护综合行政执法支队第一代表队";

/// A question of the final as the organizers' view shows it.
struct Question {
    stem: String,
    key: Vec<String>,
}

/// A final of two rounds, each of one single-choice question: 必答 (30 s, +10 / −5), then
/// 抢答 (20 s armed, 10 s to answer, +20 / −10). Seats start from 100.
struct SmallFinal {
    id: i64,
    code: String,
    join_codes: Vec<String>,
    required: Question,
    buzz: Question,
}

async fn small_final(app: &TestApp, admin: &str, seats: Value) -> SmallFinal {
    app.import_sample_bank(admin).await;
    let singles = bank_questions(app, admin, "single", 2).await;
    let response = app
        .post(
            "/api/admin/finals",
            Some(admin),
            &json!({
                "title": "六五环境日环保知识竞赛决赛",
                "base_score": 100,
                "seats": seats,
                "rounds": [
                    {"kind": "required", "seconds": 30, "points": 10, "penalty": 5, "questions": {"ids": [singles[0]]}},
                    {"kind": "buzz", "seconds": 20, "points": 20, "penalty": 10, "answer_seconds": 10, "questions": {"ids": [singles[1]]}},
                ],
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created = body(response).await;
    let question = |round: usize| {
        let q = &created["rounds"][round]["questions"][0];
        Question {
            stem: q["stem"].as_str().unwrap().to_owned(),
            key: serde_json::from_value(q["answer"].clone()).expect("keys"),
        }
    };
    SmallFinal {
        id: created["id"].as_i64().unwrap(),
        code: created["code"].as_str().unwrap().to_owned(),
        join_codes: created["seats"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["join_code"].as_str().unwrap().to_owned())
            .collect(),
        required: question(0),
        buzz: question(1),
    }
}

/// The public state, as the projector reads it.
async fn public_state(app: &TestApp, id: i64) -> Value {
    body(app.get(&format!("/api/finals/{id}/state"), None).await).await
}

/// The current `seq`, which a seat's request must carry.
async fn current_seq(app: &TestApp, id: i64) -> u64 {
    public_state(app, id).await["seq"].as_u64().unwrap()
}

/// A seat (or the audience) answers `choice` over HTTP; panics unless it is accepted.
async fn answer(app: &TestApp, id: i64, token: &str, choice: &[String]) {
    let seq = current_seq(app, id).await;
    let (status, reply) = post_as(
        app,
        token,
        &format!("/api/finals/{id}/answer"),
        json!({"seq": seq, "choice": choice}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
}

/// A seat buzzes over HTTP; returns whether it won.
async fn buzz(app: &TestApp, id: i64, token: &str) -> bool {
    let seq = current_seq(app, id).await;
    let (status, reply) = post_as(
        app,
        token,
        &format!("/api/finals/{id}/buzz"),
        json!({"seq": seq}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    reply["won"].as_bool().unwrap()
}

/// `s` as a JavaScript string literal.
fn js(s: &str) -> String {
    Value::from(s).to_string()
}

/// Opens the console at `route` and logs in through the form (as `browser_admin.rs` does).
async fn console_logged_in(browser: &Browser, app: &TestApp, route: &str) -> Page {
    let page = browser
        .page(&app.url(&format!("/admin{route}")), Viewport::Desktop)
        .await;
    page.wait_for("#login-view").await;
    page.type_into("#login-username", "admin").await;
    page.type_into("#login-password", &app.admin_password).await;
    page.click("#login-button").await;
    page.wait_for("#app-view").await;
    page
}

/// Waits until the host's view shows `phase` and its big button offers `action` (`""` once
/// finished), ready to be pressed: the state the next press acts on has arrived.
async fn host_at(page: &Page, phase: &str, action: &str) {
    page.wait_until(&format!(
        "document.querySelector('#view-final-host')?.dataset.phase === {phase} \
         && document.querySelector('#final-next').dataset.action === {action} \
         && document.querySelector('#final-next').disabled === {finished}",
        phase = js(phase),
        action = js(action),
        finished = action.is_empty(),
    ))
    .await;
}

/// Presses the space bar with nothing focused, as a host does with the laptop's keyboard.
async fn press_space(page: &Page) {
    // The click on the heading leaves the focus on the page's body.
    page.type_into("#host-title", " ").await;
}

/// The cells' texts of the host's row for `seat` (席位, 选手, 连接, 得分, 分值, 作答, 抢答, 本题结果, …).
async fn host_row(page: &Page, seat: i64) -> Vec<String> {
    let cells = page
        .eval(&format!(
            "[...document.querySelector('#host-seats tr[data-seat=\"{seat}\"]').cells]\
             .map((c) => c.textContent)"
        ))
        .await;
    serde_json::from_value(cells).expect("cell texts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_host_drives_a_final_from_start_to_finish_with_the_big_button_and_the_space_bar() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let admin = app.admin_token().await;
    let final_ = small_final(
        &app,
        &admin,
        json!([{"name": "王芳", "company": "绿源化工有限公司"}, {"name": "李强", "company": "清河水务集团"}]),
    )
    .await;
    let id = final_.id;
    let seat1 = join_seat(&app, &final_.join_codes[0]).await;
    let seat2 = join_seat(&app, &final_.join_codes[1]).await;

    let host = console_logged_in(&browser, &app, &format!("#/finals/{id}")).await;
    host.wait_for_text("#host-connection", "实时连接").await;
    host_at(&host, "lobby", "start").await;
    assert_eq!(host.text("#final-next").await, "开始比赛");
    assert_eq!(
        host.text("#host-code").await,
        format!("决赛码 {}", final_.code)
    );

    // 必答: the host sees the stem and the key before anyone answers.
    host.click("#final-next").await;
    host_at(&host, "question", "open").await;
    assert_eq!(host.text("#host-stem").await, final_.required.stem);
    let key = final_.required.key.join("、");
    assert_eq!(
        host.text("#host-answer-key").await,
        format!("答案:{key}(仅主持人可见)")
    );
    assert_eq!(
        host.texts("#host-options li.correct").await.len(),
        1,
        "the key is marked among the options"
    );
    press_space(&host).await;
    host_at(&host, "open", "close").await;
    host.wait_for_text("#host-action-status", "已开始计时")
        .await;
    host.wait_until("/^剩余 ([1-9]|[12][0-9]|30) 秒$/.test(document.querySelector('#host-countdown').textContent)")
        .await;

    // Seat 1 answers right 3.2 s into the countdown; seat 2 stays silent until the host closes.
    app.clock.advance(3_200);
    answer(&app, id, &seat1, &final_.required.key).await;
    host.wait_until(&format!(
        "document.querySelector('#host-seats tr[data-seat=\"1\"] td:nth-child(6)').textContent === {}",
        js(&format!("{key} · 3.2 秒"))
    ))
    .await;
    host.click("#final-next").await;
    host_at(&host, "closed", "reveal").await;
    press_space(&host).await;
    host_at(&host, "revealed", "scoreboard").await;
    let (row1, row2) = (host_row(&host, 1).await, host_row(&host, 2).await);
    assert_eq!((row1[3].as_str(), row1[7].as_str()), ("110", "✓ +10"));
    assert_eq!((row2[3].as_str(), row2[7].as_str()), ("95", "✗ -5"));
    host.click("#final-next").await;
    host_at(&host, "scoreboard", "next").await;

    // 抢答: seat 2 buzzes 431 ms after the arm, seat 1 120 ms later; seat 2 answers right.
    host.click("#final-next").await;
    host_at(&host, "question", "open").await;
    assert_eq!(host.text("#final-next").await, "开始抢答");
    assert_eq!(host.text("#host-stem").await, final_.buzz.stem);
    assert_eq!(
        host.text("#host-answer-key").await,
        format!("答案:{}(仅主持人可见)", final_.buzz.key.join("、"))
    );
    host.click("#final-next").await;
    host_at(&host, "open", "close").await;
    app.clock.advance(431);
    assert!(buzz(&app, id, &seat2).await, "the first buzz wins");
    app.clock.advance(120);
    assert!(!buzz(&app, id, &seat1).await, "the second buzz loses");
    host_at(&host, "answering", "close").await;
    host.wait_for_text("#host-seats tr[data-seat=\"1\"]", "第 2 · 551 毫秒")
        .await;
    assert_eq!(host_row(&host, 2).await[6], "★ 第 1 · 431 毫秒");
    assert_eq!(
        host.eval(
            "document.querySelector('#host-seats tr[data-seat=\"2\"]').classList.contains('winner')"
        )
        .await,
        true
    );
    // The winner's answer closes the question by itself.
    answer(&app, id, &seat2, &final_.buzz.key).await;
    host_at(&host, "closed", "reveal").await;
    host.click("#final-next").await;
    host_at(&host, "revealed", "scoreboard").await;
    let (row1, row2) = (host_row(&host, 1).await, host_row(&host, 2).await);
    assert_eq!(
        (row1[3].as_str(), row1[7].as_str()),
        ("110", ""),
        "a seat that lost the buzz is not scored"
    );
    assert_eq!((row2[3].as_str(), row2[7].as_str()), ("115", "✓ +20"));
    press_space(&host).await;
    host_at(&host, "scoreboard", "finish").await;
    assert_eq!(host.text("#final-next").await, "结束比赛");
    host.click("#final-next").await;
    host_at(&host, "finished", "").await;
    assert_eq!(host.text("#final-next").await, "比赛已结束");
    assert_eq!(host.text("#host-phase").await, "比赛结束");
    host.screenshot("final-host-1920x1080").await;

    // What the console showed is what the server did, and each press was one action.
    let state = public_state(&app, id).await;
    assert_eq!(state["phase"], "finished");
    assert_eq!(scores(&state), [110, 115]);
    let log = body(
        app.get(&format!("/api/admin/finals/{id}/log"), Some(&admin))
            .await,
    )
    .await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        actions,
        [
            "start",
            "open",
            "close",
            "reveal",
            "scoreboard",
            "next",
            "open",
            "reveal",
            "scoreboard",
            "finish"
        ]
    );
    host.assert_no_console_errors().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seat_joins_on_its_phone_answers_buzzes_sees_its_results_and_a_reload_keeps_its_answer() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let admin = app.admin_token().await;
    let final_ = small_final(
        &app,
        &admin,
        json!([{"name": "王芳", "company": "绿源化工有限公司"}, {"name": "李强"}]),
    )
    .await;
    let id = final_.id;
    let other = join_seat(&app, &final_.join_codes[1]).await;
    let mut seq = current_seq(&app, id).await;

    let phone = browser.page(&app.url("/final"), Viewport::Phone).await;
    phone.wait_for("#join-audience-form").await;
    phone.click("#join-tab-seat").await;
    phone
        .type_into("#join-code", &final_.join_codes[0].to_lowercase())
        .await;
    phone.click("#join-seat-submit").await;
    phone
        .wait_for_text("#final-wait", "比赛即将开始,请等待主持人宣布开始")
        .await;
    assert_eq!(phone.text("#final-who").await, "1 号席 · 王芳");
    assert_eq!(phone.text("#final-score").await, "100 分");
    // The connection's banner hides itself once the socket is live.
    phone
        .wait_until("document.querySelector('#final-connection').dataset.state === 'live'")
        .await;

    // 必答: the stem before the countdown, the options closed until it opens.
    step(&app, &admin, id, &mut seq, "start").await;
    phone
        .wait_for_text("#final-stem", &final_.required.stem)
        .await;
    phone
        .wait_for_text("#final-wait", "主持人开始计时后作答")
        .await;
    assert_eq!(
        phone
            .eval(
                "[...document.querySelectorAll('#final-options .option')].every((b) => b.disabled)"
            )
            .await,
        true,
        "no answering before the countdown"
    );
    step(&app, &admin, id, &mut seq, "open").await;
    phone.wait_for("#final-countdown").await;
    let key = &final_.required.key[0];
    let option = format!("#final-options .option[data-key=\"{key}\"]");
    phone
        .wait_until(&format!(
            "!document.querySelector({}).disabled",
            js(&option)
        ))
        .await;
    phone.click(&option).await;
    phone
        .wait_for_text("#final-answer-state", &format!("已作答:{key}"))
        .await;
    assert_eq!(
        phone
            .eval("document.querySelector('#final-answer-state').dataset.state")
            .await,
        "answered"
    );
    let host_view = body(
        app.get(&format!("/api/admin/finals/{id}"), Some(&admin))
            .await,
    )
    .await;
    assert_eq!(
        host_view["state"]["host"]["answers"][0]["choice"],
        json!([key]),
        "the tap reached the server"
    );

    // A reload rejoins with the stored token and takes the answer back from …/me.
    phone.reload().await;
    phone
        .wait_for_text("#final-answer-state", &format!("已作答:{key}"))
        .await;
    phone.wait_for(&format!("{option}.selected")).await;
    assert_eq!(
        phone
            .eval(
                "[...document.querySelectorAll('#final-options .option')].every((b) => b.disabled)"
            )
            .await,
        true,
        "no second answer after the reload"
    );
    assert_eq!(
        phone.eval("document.body.dataset.view").await,
        "play",
        "no join form after the reload"
    );

    // The other seat answers wrong: everyone has answered, the question closes by itself.
    answer(&app, id, &other, &[wrong(&final_.required.key)]).await;
    phone
        .wait_for_text("#final-wait", "作答结束,等待公布答案")
        .await;
    seq = current_seq(&app, id).await;
    step(&app, &admin, id, &mut seq, "reveal").await;
    phone.wait_for("#final-result[data-correct=\"true\"]").await;
    assert_eq!(
        phone.text("#final-result .result-text").await,
        "回答正确 +10 分"
    );
    assert_eq!(
        phone.text("#final-result .result-key").await,
        format!("正确答案:{key}")
    );
    phone.wait_for(&format!("{option}.correct")).await;
    phone.wait_for_text("#final-score", "110 分").await;
    step(&app, &admin, id, &mut seq, "scoreboard").await;
    phone
        .wait_for_text("#final-board-mine", "你的得分 110 分,第 1 名")
        .await;

    // 抢答: the disc waits, arms, and this phone wins it 250 ms after the arm.
    step(&app, &admin, id, &mut seq, "next").await;
    phone.wait_for_text("#final-stem", &final_.buzz.stem).await;
    phone.wait_for("#final-buzz[data-state=\"waiting\"]").await;
    step(&app, &admin, id, &mut seq, "open").await;
    phone.wait_for("#final-buzz[data-state=\"armed\"]").await;
    phone.wait_for_text("#final-buzz", "抢答!").await;
    app.clock.advance(250);
    phone.click("#final-buzz").await;
    phone.wait_for("#final-buzz[data-state=\"won\"]").await;
    phone
        .wait_for_text("#final-buzz-order li.mine", "王芳 250 毫秒")
        .await;
    phone
        .wait_for_text("#final-buzz-result", "请在倒计时内作答")
        .await;
    let key = &final_.buzz.key[0];
    let option = format!("#final-options .option[data-key=\"{key}\"]");
    phone
        .wait_until(&format!(
            "!document.querySelector({}).disabled",
            js(&option)
        ))
        .await;
    phone.click(&option).await;
    phone
        .wait_for_text("#final-wait", "作答结束,等待公布答案")
        .await;
    seq = current_seq(&app, id).await;
    step(&app, &admin, id, &mut seq, "reveal").await;
    phone.wait_for("#final-result[data-correct=\"true\"]").await;
    assert_eq!(
        phone.text("#final-result .result-text").await,
        "回答正确 +20 分"
    );
    phone.wait_for_text("#final-score", "130 分").await;
    phone.screenshot("final-phone-375x812").await;
    assert_eq!(
        phone
            .eval("document.documentElement.scrollWidth <= innerWidth")
            .await,
        true,
        "no horizontal scroll on a phone"
    );
    phone.assert_no_console_errors().await;
}

/// Whether the document holds an element made from the hostile name (it should never).
pub(crate) const INJECTED: &str =
    "document.querySelectorAll('img[src=\"x\"], img[onerror], script:not([src])').length";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_projector_shows_a_seat_named_like_html_as_text_from_the_lobby_to_the_podium() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let admin = app.admin_token().await;
    let final_ = small_final(
        &app,
        &admin,
        json!([
            {"name": HOSTILE_NAME, "company": "<script>alert(2)</script>化工有限公司"},
            {"name": LONG_NAME, "company": "鄂尔多斯市生态环境局"},
        ]),
    )
    .await;
    let id = final_.id;
    let hostile = join_seat(&app, &final_.join_codes[0]).await;
    let long = join_seat(&app, &final_.join_codes[1]).await;

    let screen = browser
        .page(&app.url(&format!("/final/{id}/screen")), Viewport::Desktop)
        .await;
    screen
        .wait_for("body[data-region=\"lobby\"] #lobby-seats .seat-card")
        .await;
    screen.wait_for_text("#connection", "实时连接").await;
    assert_eq!(screen.text("#join-code").await, final_.code);
    assert_eq!(
        screen.texts("#lobby-seats .seat-name").await,
        [HOSTILE_NAME, LONG_NAME]
    );
    assert!(
        screen
            .text("#join-hint")
            .await
            .contains(&format!("/final?code={}", final_.code))
    );
    screen
        .wait_until("document.querySelector('#join-qr').complete && document.querySelector('#join-qr').naturalWidth > 0")
        .await;
    // An audience member joining shows up over the socket.
    let listener = join_audience(&app, &final_.code, "<b>观众甲</b>").await;
    screen
        .wait_for_text("#lobby-audience", "已有 1 位观众加入")
        .await;
    assert_eq!(screen.eval(INJECTED).await, 0);

    // 必答: the stem; the hostile seat right, the long name wrong, the audience right.
    let mut seq = current_seq(&app, id).await;
    step(&app, &admin, id, &mut seq, "start").await;
    screen
        .wait_for("body[data-region=\"question\"] #question-stem")
        .await;
    assert_eq!(screen.text("#question-stem").await, final_.required.stem);
    assert_eq!(screen.text("#question-kind").await, "单选题");
    assert_eq!(
        screen.texts("#seat-strip .strip-name").await,
        [HOSTILE_NAME, LONG_NAME]
    );
    step(&app, &admin, id, &mut seq, "open").await;
    screen.wait_for("body[data-phase=\"open\"]").await;
    answer(&app, id, &listener, &final_.required.key).await;
    answer(&app, id, &hostile, &final_.required.key).await;
    answer(&app, id, &long, &[wrong(&final_.required.key)]).await;
    screen.wait_for("body[data-phase=\"closed\"]").await;
    assert_eq!(screen.text("#count-seats").await, "2 / 2");
    assert_eq!(screen.text("#count-audience").await, "1 / 1");
    seq = current_seq(&app, id).await;
    step(&app, &admin, id, &mut seq, "reveal").await;
    let key = &final_.required.key[0];
    screen
        .wait_for(&format!(
            "body[data-phase=\"revealed\"] #question-options .option.correct[data-key=\"{key}\"]"
        ))
        .await;
    assert_eq!(
        screen.texts("#seat-strip .strip-status").await,
        ["✓ +10", "✗ -5"]
    );
    assert_eq!(
        screen.texts("#seat-strip .strip-score").await,
        ["110", "95"]
    );
    assert_eq!(
        screen
            .eval("getComputedStyle(document.querySelector('#ring-fill')).visibility")
            .await,
        "hidden",
        "the countdown ring is empty once the question is over"
    );
    screen.screenshot("final-screen-reveal-1920x1080").await;

    // The scoreboard: the hostile name first once the rows have slid to their ranks.
    step(&app, &admin, id, &mut seq, "scoreboard").await;
    screen
        .wait_for("body[data-region=\"scoreboard\"] #scoreboard-seats .rank-row[data-rank=\"1\"]")
        .await;
    assert_eq!(
        screen
            .texts("#scoreboard-seats .rank-row[data-rank] .name")
            .await,
        [HOSTILE_NAME, LONG_NAME]
    );
    screen
        .wait_for_text("#scoreboard-audience .name", "<b>观众甲</b>")
        .await;
    screen.screenshot("final-screen-scoreboard-1920x1080").await;

    // 抢答: the long name wins; its name large, the hostile name in the order.
    step(&app, &admin, id, &mut seq, "next").await;
    screen
        .wait_for_text("#buzz-headline", "等待主持人宣布开始抢答")
        .await;
    step(&app, &admin, id, &mut seq, "open").await;
    screen.wait_for_text("#buzz-headline", "抢答开始!").await;
    app.clock.advance(300);
    assert!(buzz(&app, id, &long).await);
    app.clock.advance(45);
    assert!(!buzz(&app, id, &hostile).await);
    screen.wait_for_text("#buzz-winner", LONG_NAME).await;
    screen
        .wait_for_text("#buzz-order li:nth-child(2)", "345 毫秒")
        .await;
    assert_eq!(
        screen.texts("#buzz-order .order-name").await,
        [LONG_NAME, HOSTILE_NAME]
    );
    assert_eq!(
        screen.texts("#seat-strip .strip-status").await,
        ["第 2 位 · 345 毫秒", "抢到答题权"]
    );

    // The end: the podium.
    seq = current_seq(&app, id).await;
    step(&app, &admin, id, &mut seq, "finish").await;
    screen
        .wait_for("body[data-region=\"finished\"] #podium .step.first")
        .await;
    assert_eq!(
        screen.text("#podium .step.first .step-name").await,
        HOSTILE_NAME
    );
    assert_eq!(
        screen.text("#podium .step.second .step-name").await,
        LONG_NAME
    );
    screen.screenshot("final-screen-podium-1920x1080").await;
    assert_eq!(
        screen
            .eval(
                "[...document.querySelectorAll('#podium .step-name')].filter(name => \
                 name.scrollWidth > name.clientWidth + 1 || name.scrollHeight > name.clientHeight + \
                 parseFloat(getComputedStyle(name).lineHeight) / 2).length"
            )
            .await,
        json!(0),
        "every podium name is shown whole (no line cut off: glyphs may overhang their line by a \
         few pixels), the 28- and 30-character ones included"
    );

    let text = screen.eval("document.body.textContent").await;
    let text = text.as_str().unwrap();
    assert!(text.contains(HOSTILE_NAME) && text.contains(LONG_NAME));
    assert_eq!(
        screen.eval(INJECTED).await,
        0,
        "no element was made from a name"
    );
    assert_eq!(
        screen
            .eval("document.documentElement.scrollWidth <= innerWidth")
            .await,
        true,
        "nothing spills off the screen sideways"
    );
    // An alert from the name would be reported here.
    screen.assert_no_console_errors().await;
}
