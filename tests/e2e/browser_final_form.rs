//! The console's 新建现场决赛 form (`#/finals/new`: `web/admin/final-form.js`,
//! `final-rounds.js`, `final-picker.js`; docs/PAGES.md, "The live final") in a real browser
//! (headless Chromium through `chromium.rs`) at 1920×1080, filled in as an organizer does:
//! seats typed one per line (one named like HTML) or seeded from a competition's top N, a 必答
//! round whose questions are picked in the bank picker by regulation, kind and stem text, a
//! 抢答 and a 风险题 round whose questions are drawn by filters. What the organizer API stores
//! afterwards must be exactly what was entered, and the codes sheet must show each seat's join
//! code and the audience's code, address and QR code. Bad input — a draw the bank cannot
//! satisfy, a seeded competition without results, an empty title and no seats — shows its
//! reason on the page and creates no final. Screenshots go to
//! `target/screenshots/final-form-*`. CI installs Chromium and sets
//! `ECOQUIZ_REQUIRE_BROWSER=1`; elsewhere each test says loudly that it did not run.

use serde_json::{Value, json};

use crate::browser_admin::{admin_get, console_logged_in, replace_text};
use crate::browser_final::{HOSTILE_NAME, INJECTED};
use crate::chromium::{Browser, Page};
use crate::support::{TestApp, hand_in_three_papers, small_blueprint};

const TITLE: &str = "2026年六五环境日企业环保知识竞赛决赛";

/// How many finals the organizer API lists.
async fn finals_count(app: &TestApp, admin: &str) -> usize {
    admin_get(app, admin, "/api/admin/finals").await["items"]
        .as_array()
        .expect("a list of finals")
        .len()
}

/// The bank's name of the one regulation whose name contains `words`, as the coverage list
/// (and so the form's regulation filters) offers it.
async fn regulation_named(app: &TestApp, admin: &str, words: &str) -> String {
    let coverage = admin_get(app, admin, "/api/admin/regulations").await;
    let matching: Vec<&str> = coverage["regulations"]
        .as_array()
        .expect("the coverage list")
        .iter()
        .filter_map(|r| r["regulation"].as_str())
        .filter(|name| name.contains(words))
        .collect();
    assert_eq!(
        matching.len(),
        1,
        "one regulation named {words}: {matching:?}"
    );
    matching[0].to_owned()
}

/// The ids of the bank's questions matching the `filters` (the first page of 50), as the
/// organizer API lists them.
async fn bank_ids(app: &TestApp, admin: &str, filters: &[(&str, &str)]) -> Vec<i64> {
    let url = reqwest::Url::parse_with_params(&app.url("/api/admin/questions"), filters)
        .expect("a valid address");
    let path = format!("{}?{}", url.path(), url.query().unwrap_or_default());
    admin_get(app, admin, &path).await["items"]
        .as_array()
        .expect("a page of questions")
        .iter()
        .map(|q| q["id"].as_i64().unwrap())
        .collect()
}

/// The `n`th round block of the form (from 1).
fn round(n: usize) -> String {
    format!("#final-rounds > fieldset.final-round:nth-child({n})")
}

/// Picks the option `value` of the `<select>` `css` once the page has put it there, as
/// choosing it from the list does (the page gets its `change` event).
async fn choose(page: &Page, css: &str, value: &str) {
    let (select, value) = (json!(css), json!(value));
    page.wait_until(&format!(
        "[...(document.querySelector({select})?.options ?? [])].some((o) => o.value === {value})"
    ))
    .await;
    page.eval(&format!(
        "(() => {{ const s = document.querySelector({select}); s.value = {value}; \
         s.dispatchEvent(new Event('change', {{ bubbles: true }})); }})()"
    ))
    .await;
}

/// Waits until the question ids on the rows matching `rows_css` are `ids`, in that order.
async fn question_rows_are(page: &Page, rows_css: &str, ids: &[i64]) {
    page.wait_until(&format!(
        "JSON.stringify([...document.querySelectorAll({})].map((e) => Number(e.dataset.questionId))) === {}",
        json!(rows_css),
        json!(json!(ids).to_string())
    ))
    .await;
}

/// Logs in to the console on the finals list and opens the new-final form through its
/// button, once the form has its first round (made after the bank's coverage has loaded).
async fn new_final_form(browser: &Browser, app: &TestApp) -> Page {
    let page = console_logged_in(browser, app, "#/finals").await;
    page.click("#new-final-button").await;
    page.wait_for("#final-form").await;
    page.wait_for(&round(1)).await;
    page
}

/// Sets a round's questions to be drawn: `count`, and the filters given (`""` = any).
async fn draw_questions(
    page: &Page,
    round_css: &str,
    count: usize,
    kind: &str,
    regulation: &str,
    difficulty: &str,
) {
    page.click(&format!("{round_css} input[type=radio][value=draw]"))
        .await;
    page.wait_for(&format!("{round_css} .source-draw")).await;
    replace_text(
        page,
        &format!("{round_css} input[name=draw-count]"),
        &count.to_string(),
    )
    .await;
    choose(page, &format!("{round_css} select[name=draw-kind]"), kind).await;
    choose(
        page,
        &format!("{round_css} select[name=draw-regulation]"),
        regulation,
    )
    .await;
    choose(
        page,
        &format!("{round_css} select[name=draw-difficulty]"),
        difficulty,
    )
    .await;
}

/// Opens the bank picker of a round and filters it by regulation, kind and stem text; waits
/// until it lists exactly `expected` (what the organizer API finds for the same filters).
async fn search_picker(
    page: &Page,
    round_css: &str,
    regulation: &str,
    kind: &str,
    text: &str,
    expected: &[i64],
) {
    page.click(&format!("{round_css} .source-pick > button"))
        .await;
    let picker = format!("{round_css} .picker");
    page.wait_for(&format!("{picker} [data-add-question]"))
        .await;
    choose(
        page,
        &format!("{picker} select[name=regulation]"),
        regulation,
    )
    .await;
    choose(page, &format!("{picker} select[name=kind]"), kind).await;
    page.type_into(&format!("{picker} input[name=q]"), text)
        .await;
    question_rows_are(page, &format!("{picker} tbody tr"), expected).await;
}

/// Clicks 创建决赛 and waits for the codes sheet of the new final; returns its id.
async fn create_and_open_codes(page: &Page) -> i64 {
    page.click("#final-create").await;
    let id = page
        .wait_until("(/^#\\/finals\\/(\\d+)\\/codes$/.exec(location.hash) || [])[1]")
        .await;
    page.wait_for("#final-seat-codes [data-join-code]").await;
    id.as_str().unwrap().parse().expect("the final's id")
}

/// The final as the organizer API shows it.
async fn stored_final(app: &TestApp, admin: &str, id: i64) -> Value {
    admin_get(app, admin, &format!("/api/admin/finals/{id}")).await
}

/// `(name, company)` of each seat of a final, in seat order.
fn seats_of(final_: &Value) -> Vec<(String, Option<String>)> {
    final_["seats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["company"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

/// The question ids of round `index` (from 0) of a final, in order.
fn question_ids(final_: &Value, index: usize) -> Vec<i64> {
    final_["rounds"][index]["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_i64().unwrap())
        .collect()
}

/// Checks the codes sheet against the stored final: one slip per seat with its name (as
/// text), company and join code; the audience's six digits, address and QR code.
async fn assert_codes_sheet_shows(page: &Page, app: &TestApp, final_: &Value) {
    let id = final_["id"].as_i64().unwrap();
    let seats = final_["seats"].as_array().unwrap();
    let join_codes: Vec<String> = seats
        .iter()
        .map(|s| s["join_code"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        join_codes.iter().all(|code| !code.is_empty()),
        "{join_codes:?}"
    );
    assert_eq!(page.texts("#final-seat-codes .slip-code").await, join_codes);
    assert_eq!(
        page.eval("[...document.querySelectorAll('#final-seat-codes [data-join-code]')].map((e) => e.dataset.joinCode)")
            .await,
        json!(join_codes)
    );
    let names: Vec<&str> = seats.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(page.texts("#final-seat-codes .slip-name").await, names);
    let companies: Vec<&str> = seats.iter().filter_map(|s| s["company"].as_str()).collect();
    assert_eq!(
        page.texts("#final-seat-codes .slip-company").await,
        companies
    );
    let seat_numbers: Vec<String> = (1..=seats.len()).map(|n| format!("{n} 号席")).collect();
    assert_eq!(
        page.texts("#final-seat-codes .slip-seat").await,
        seat_numbers
    );

    let code = final_["code"].as_str().unwrap();
    assert_eq!(code.len(), 6, "six digits: {code}");
    assert_eq!(page.text("#final-audience-code").await, code);
    assert_eq!(
        page.text("#final-codes .join-url").await,
        app.url(&format!("/final?code={code}"))
    );
    // The QR code is the server's image, loaded.
    page.wait_until(&format!(
        "(() => {{ const img = document.querySelector('#final-codes img[src=\"/api/finals/{id}/join-qr.svg\"]'); \
         return img && img.complete && img.naturalWidth > 0; }})()"
    ))
    .await;
    assert_eq!(page.eval(INJECTED).await, 0, "no element made from a name");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organizer_creates_a_final_in_the_form_with_typed_seats_picked_and_drawn_questions() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    assert_eq!(finals_count(&app, &admin).await, 0);

    // What the picker must list for its filters, and what the draws may take from.
    let permits = regulation_named(&app, &admin, "排污许可管理条例").await;
    let water = regulation_named(&app, &admin, "水污染防治法").await;
    let searched = "排污许可证";
    let found = bank_ids(
        &app,
        &admin,
        &[
            ("regulation", &permits),
            ("kind", "single"),
            ("q", searched),
        ],
    )
    .await;
    assert!(
        (2..50).contains(&found.len()),
        "the search finds a few questions: {found:?}"
    );
    let water_judges = bank_ids(&app, &admin, &[("regulation", &water), ("kind", "judge")]).await;
    let hard_multiples = bank_ids(
        &app,
        &admin,
        &[("kind", "multiple"), ("difficulty", "hard")],
    )
    .await;

    let page = new_final_form(&browser, &app).await;
    page.type_into("#final-title-input", TITLE).await;
    replace_text(&page, "#final-base-score", "200").await;
    replace_text(&page, "#final-early-penalty", "5").await;
    // A comma, nothing (no company) and a full-width comma after the name.
    page.type_into(
        "#final-seats",
        &format!("王芳,绿源化工有限公司\n{HOSTILE_NAME}\n李强，清河水务集团"),
    )
    .await;
    page.wait_for_text("#final-seats-count", "已填写 3 个席位")
        .await;

    // Round 1, 必答: two questions picked in the picker, the second found first.
    let first = round(1);
    assert_eq!(
        page.eval(&format!(
            "document.querySelector('{first} > .grid select[name=kind]').value"
        ))
        .await,
        "required"
    );
    replace_text(&page, &format!("{first} input[name=seconds]"), "30").await;
    replace_text(&page, &format!("{first} input[name=points]"), "15").await;
    replace_text(&page, &format!("{first} input[name=penalty]"), "5").await;
    search_picker(&page, &first, &permits, "single", searched, &found).await;
    let picked = [found[1], found[0]];
    for id in picked {
        page.click(&format!("{first} .picker [data-add-question=\"{id}\"]"))
            .await;
    }
    question_rows_are(&page, &format!("{first} .chosen-questions li"), &picked).await;
    assert_eq!(
        page.text(&format!(
            "{first} .picker [data-add-question=\"{}\"]",
            picked[0]
        ))
        .await,
        "已在第 1 轮",
        "a question already in a round cannot be added again"
    );

    // Round 2, 抢答: three 判断题 of the water law drawn at random.
    page.click("#final-add-round").await;
    let second = round(2);
    page.wait_for(&second).await;
    choose(
        &page,
        &format!("{second} > .grid select[name=kind]"),
        "buzz",
    )
    .await;
    page.wait_for(&format!("{second} input[name=answer_seconds]"))
        .await;
    page.type_into(&format!("{second} input[name=title]"), "抢答:水污染防治")
        .await;
    replace_text(&page, &format!("{second} input[name=seconds]"), "15").await;
    replace_text(&page, &format!("{second} input[name=points]"), "20").await;
    replace_text(&page, &format!("{second} input[name=penalty]"), "10").await;
    replace_text(&page, &format!("{second} input[name=answer_seconds]"), "8").await;
    draw_questions(&page, &second, 3, "judge", &water, "").await;

    // Round 3, 风险题: stakes, one hard 多选题 drawn.
    page.click("#final-add-round").await;
    let third = round(3);
    page.wait_for(&third).await;
    choose(&page, &format!("{third} > .grid select[name=kind]"), "risk").await;
    page.wait_for(&format!("{third} input[name=stakes]")).await;
    replace_text(&page, &format!("{third} input[name=seconds]"), "40").await;
    replace_text(&page, &format!("{third} input[name=points]"), "12").await;
    replace_text(&page, &format!("{third} input[name=stakes]"), "10,20,40").await;
    draw_questions(&page, &third, 1, "multiple", "", "hard").await;
    page.screenshot("final-form-filled-1920x1080").await;

    let id = create_and_open_codes(&page).await;
    assert_eq!(finals_count(&app, &admin).await, 1);
    let final_ = stored_final(&app, &admin, id).await;
    assert_eq!(final_["title"], TITLE);
    assert_eq!(
        seats_of(&final_),
        [
            ("王芳".to_owned(), Some("绿源化工有限公司".to_owned())),
            (HOSTILE_NAME.to_owned(), None),
            ("李强".to_owned(), Some("清河水务集团".to_owned())),
        ]
    );
    let rounds = final_["rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 3, "{final_}");
    let settings = |r: &Value| {
        json!({"kind": r["kind"], "title": r["title"], "seconds": r["seconds"],
               "points": r["points"], "penalty": r["penalty"]})
    };
    assert_eq!(
        settings(&rounds[0]),
        json!({"kind": "required", "title": "必答题", "seconds": 30, "points": 15, "penalty": 5})
    );
    assert_eq!(
        settings(&rounds[1]),
        json!({"kind": "buzz", "title": "抢答:水污染防治", "seconds": 15, "points": 20, "penalty": 10})
    );
    assert_eq!(rounds[1]["answer_seconds"], 8);
    assert_eq!(
        settings(&rounds[2]),
        json!({"kind": "risk", "title": "风险题", "seconds": 40, "points": 12, "penalty": 0})
    );
    assert_eq!(rounds[2]["stakes"], json!([10, 20, 40]));

    assert_eq!(
        question_ids(&final_, 0),
        picked,
        "the questions clicked, in that order"
    );
    let drawn = question_ids(&final_, 1);
    assert_eq!(drawn.len(), 3, "{drawn:?}");
    assert!(
        drawn.iter().all(|id| water_judges.contains(id)),
        "判断题 of the water law: {drawn:?} among {water_judges:?}"
    );
    let risky = question_ids(&final_, 2);
    assert_eq!(risky.len(), 1);
    assert!(
        hard_multiples.contains(&risky[0]),
        "a hard 多选题: {risky:?}"
    );
    let mut every = [picked.to_vec(), drawn, risky].concat();
    every.sort_unstable();
    every.dedup();
    assert_eq!(every.len(), 6, "no question twice in one final");

    // The scoring settings: every seat starts from 200; the early-buzz penalty is only in
    // the stored plan (no view shows it before a seat buzzes early).
    let scores: Vec<&Value> = final_["state"]["seats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["score"])
        .collect();
    assert_eq!(scores, [200, 200, 200]);
    let stored = app
        .state
        .store
        .final_by_id(id)
        .await
        .expect("the store answers")
        .expect("the final is stored");
    let show: Value = serde_json::from_str(&stored.show).expect("the show is JSON");
    assert_eq!(show["plan"]["early_buzz_penalty"], 5);

    assert_codes_sheet_shows(&page, &app, &final_).await;
    page.wait_for_text("#notice", &format!("决赛“{TITLE}”已创建"))
        .await;
    assert!(
        page.text("#notice")
            .await
            .contains(final_["code"].as_str().unwrap()),
        "the notice gives the audience's code"
    );
    page.screenshot("final-form-codes-1920x1080").await;

    // The list shows it.
    page.click("#view-final-codes a[href=\"#/finals\"]").await;
    let row = format!("#finals-table tr[data-final-id=\"{id}\"]");
    page.wait_for_text(&row, TITLE).await;
    assert_eq!(
        page.eval(&format!(
            "[...document.querySelector('{row}').cells].map((c) => c.textContent).slice(0, 4)"
        ))
        .await,
        json!([TITLE, final_["code"], "等待开始", "3"])
    );
    page.assert_no_console_errors().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seats_seeded_from_a_competitions_top_individuals_are_its_best_in_board_order() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let competition = app
        .create_competition(&admin, small_blueprint(), 60, 30)
        .await;

    let page = new_final_form(&browser, &app).await;
    page.type_into("#final-title-input", TITLE).await;
    page.click("input[name=seat-mode][value=seed]").await;
    page.wait_for("#final-seed-competition").await;
    assert_eq!(
        page.eval("document.querySelector('.seats-manual').hidden")
            .await,
        true,
        "seeding hides the typed seats"
    );
    choose(&page, "#final-seed-competition", &competition.to_string()).await;
    choose(&page, "#final-seed-by", "individuals").await;
    replace_text(&page, "#final-seed-top", "2").await;
    draw_questions(&page, &round(1), 2, "single", "", "").await;

    // Nobody has handed a paper in yet: the server refuses, and the page says why under the
    // competition (the form cannot know how many have results).
    page.click("#final-create").await;
    let refusal = "竞赛「六五环境日企业环保知识竞赛」只有 0 个人有成绩,不够组成决赛(至少 2 个席位)";
    page.wait_for_text("[data-error-for=\"seed.competition_id\"]", refusal)
        .await;
    assert_eq!(
        page.text("[data-error-for=\"seed.competition_id\"]").await,
        refusal
    );
    assert_eq!(
        page.text("#final-form-error").await,
        "没有创建:请按红字提示修改。"
    );
    assert_eq!(finals_count(&app, &admin).await, 0);
    page.screenshot("final-form-seed-refused-1920x1080").await;

    // Three hand in: all right, five right, none right. The top two become the seats.
    hand_in_three_papers(&app, competition).await;

    let id = create_and_open_codes(&page).await;
    assert_eq!(finals_count(&app, &admin).await, 1);
    let final_ = stored_final(&app, &admin, id).await;
    assert_eq!(
        seats_of(&final_),
        [
            ("赵敏".to_owned(), Some("绿源化工有限公司".to_owned())),
            ("钱伟".to_owned(), Some("清河水务集团".to_owned())),
        ]
    );
    let drawn = question_ids(&final_, 0);
    assert_eq!(drawn.len(), 2, "{drawn:?}");
    assert!(
        final_["rounds"][0]["questions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|q| q["kind"] == "single"),
        "drawn 单选题: {final_}"
    );
    assert_codes_sheet_shows(&page, &app, &final_).await;
    page.screenshot("final-form-seeded-codes-1920x1080").await;
    page.assert_no_console_errors().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_in_the_form_shows_why_and_creates_no_final_until_it_is_put_right() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let tax = regulation_named(&app, &admin, "环境保护税法").await;
    let permits = regulation_named(&app, &admin, "排污许可管理条例").await;
    let tax_multiples = bank_ids(&app, &admin, &[("regulation", &tax), ("kind", "multiple")]).await;
    assert_eq!(
        tax_multiples.len(),
        1,
        "the sample bank has one 多选题 of the tax law"
    );
    let permit_multiples = bank_ids(
        &app,
        &admin,
        &[("regulation", &permits), ("kind", "multiple")],
    )
    .await;

    let page = new_final_form(&browser, &app).await;

    // An empty title, no seats and no question: the form says so itself and sends nothing
    // (these never reach the server from this page).
    page.click("#final-create").await;
    page.wait_for_text("#final-form-error", "请按红字提示修改后再创建")
        .await;
    assert_eq!(
        page.text("[data-error-for=\"title\"]").await,
        "请填写 1 到 60 个字的决赛名称"
    );
    assert_eq!(
        page.text("[data-error-for=\"seats\"]").await,
        "席位应为 2 到 20 个,现在是 0 个"
    );
    assert_eq!(
        page.text("[data-error-for=\"rounds[0].questions.ids\"]")
            .await,
        "请从题库选 1 到 50 道题"
    );
    assert_eq!(finals_count(&app, &admin).await, 0);
    page.screenshot("final-form-refused-on-the-page-1920x1080")
        .await;

    // Round 1 takes the tax law's only 多选题; round 2 asks for two more of them, which the
    // bank cannot give: the server's message shows under round 2's draw.
    page.type_into("#final-title-input", TITLE).await;
    page.type_into("#final-seats", "王芳\n李强").await;
    search_picker(&page, &round(1), &tax, "multiple", "", &tax_multiples).await;
    page.click(&format!(
        "{} .picker [data-add-question=\"{}\"]",
        round(1),
        tax_multiples[0]
    ))
    .await;
    question_rows_are(
        &page,
        &format!("{} .chosen-questions li", round(1)),
        &tax_multiples,
    )
    .await;
    page.click("#final-add-round").await;
    page.wait_for(&round(2)).await;
    choose(
        &page,
        &format!("{} > .grid select[name=kind]", round(2)),
        "buzz",
    )
    .await;
    draw_questions(&page, &round(2), 2, "multiple", &tax, "").await;
    page.click("#final-create").await;
    let shortfall =
        format!("第 2 轮需要抽取 2 道《{tax}》、多选题的题目,题库中未被本场使用的只有 0 道");
    let draw_error = "[data-error-for=\"rounds[1].questions.draw\"]";
    page.wait_for_text(draw_error, &shortfall).await;
    assert_eq!(page.text(draw_error).await, shortfall);
    assert_eq!(
        page.text("#final-form-error").await,
        "没有创建:请按红字提示修改。"
    );
    assert_eq!(
        page.text("[data-error-for=\"title\"]").await,
        "",
        "the earlier messages are gone"
    );
    assert_eq!(finals_count(&app, &admin).await, 0, "nothing was created");
    page.screenshot("final-form-draw-refused-1920x1080").await;

    // Drawn from the permits regulation instead, the same form creates the final once.
    choose(
        &page,
        &format!("{} select[name=draw-regulation]", round(2)),
        &permits,
    )
    .await;
    let id = create_and_open_codes(&page).await;
    assert_eq!(finals_count(&app, &admin).await, 1);
    let final_ = stored_final(&app, &admin, id).await;
    assert_eq!(question_ids(&final_, 0), tax_multiples);
    let drawn = question_ids(&final_, 1);
    assert_eq!(drawn.len(), 2);
    assert!(
        drawn.iter().all(|id| permit_multiples.contains(id)),
        "多选题 of the permits regulation: {drawn:?} among {permit_multiples:?}"
    );
    page.assert_no_console_errors().await;
}
