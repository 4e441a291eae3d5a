//! Organizer routes over HTTP: bank import, browsing, coverage, export, competitions.
//! The organizer commands of the CLI (`bank import`, `organizer add`) are at the end.

use std::collections::{BTreeMap, BTreeSet};

use ecoquiz::clock::rfc3339;
use question_bank::{ImportReport, Question, parse_bank};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{
    ENVIRONMENT_DAY, TestApp, body, ecoquiz, sample_bank, small_blueprint, temp_dir, write_file,
};

on_both_backends!(
    the_sample_bank_imports_over_http_with_its_170_questions,
    importing_the_same_file_again_leaves_every_question_unchanged,
    a_gb18030_copy_of_the_sample_bank_imports_like_the_original,
    a_multipart_upload_with_a_file_field_imports_the_bank,
    a_multipart_form_without_a_file_field_is_refused_naming_the_field,
    the_import_takes_the_raw_file_whatever_its_content_type,
    a_dry_run_of_the_sample_bank_counts_170_and_stores_none,
    a_dry_run_of_a_mixed_file_predicts_the_real_import_exactly,
    a_file_with_bad_rows_is_refused_with_every_bad_line_and_the_bank_unchanged,
    an_undecodable_file_is_refused_with_a_message,
    an_empty_upload_is_refused,
    rows_without_an_id_already_in_the_bank_or_the_file_are_skipped_as_duplicates,
    reimporting_an_id_with_a_changed_stem_makes_version_two,
    an_attempt_started_before_a_change_keeps_the_version_it_was_issued,
    a_csv_over_20_mb_is_refused_with_413,
    a_multipart_upload_over_20_mb_is_refused_with_413,
    a_json_body_over_64_kib_is_refused_with_413,
    the_question_list_filters_by_regulation_kind_difficulty_and_text,
    the_question_list_pages_by_fifty,
    the_text_filter_finds_latin_abbreviations_whatever_their_case,
    an_unknown_kind_or_difficulty_in_the_question_list_is_refused,
    the_coverage_counts_every_regulation_by_kind_and_difficulty_as_the_csv_does,
    the_exported_bank_reads_back_as_the_same_questions_and_reimports_unchanged,
    stems_with_newlines_quotes_and_commas_survive_the_export,
    a_double_submitted_import_stores_each_question_once,
    a_double_submitted_import_without_ids_stores_each_question_once,
    a_new_competition_is_created_with_its_view_and_listed,
    a_blueprint_the_bank_cannot_satisfy_is_refused_naming_the_section,
    an_invalid_blueprint_is_refused_naming_each_field,
    a_window_that_closes_before_it_opens_is_refused,
    a_time_that_is_not_rfc3339_is_refused,
    an_unknown_company_score_method_is_refused,
    every_invalid_setting_of_a_competition_is_named_at_once,
    an_explicit_pass_score_and_company_rule_are_kept,
    closing_a_competition_ends_the_window_and_grades_attempts_in_progress,
    closing_a_competition_that_does_not_exist_is_404,
    a_competition_body_that_is_not_json_is_a_bad_request,
    a_participant_token_is_forbidden_on_every_organizer_route,
    a_request_without_a_token_is_unauthorized_on_every_organizer_route,
);

const IMPORT: &str = "/api/admin/questions/import";
const DRY_RUN: &str = "/api/admin/questions/import?dry_run=true";

// ---------------------------------------------------------------------------------------
// The sample bank and hand-made files
// ---------------------------------------------------------------------------------------

fn sample_csv() -> Vec<u8> {
    std::fs::read(sample_bank()).expect("the sample bank is readable")
}

/// The sample bank as the domain reads it: what the server's answers are checked against.
fn sample_report() -> ImportReport {
    let report = parse_bank(&sample_csv()).expect("the sample bank decodes");
    assert!(report.is_valid(), "{:?}", report.errors);
    report
}

fn sample_questions() -> Vec<Question> {
    sample_report()
        .questions
        .into_iter()
        .map(|q| q.question)
        .collect()
}

/// The sample's text without its BOM.
fn sample_text() -> String {
    String::from_utf8(sample_csv())
        .expect("the sample bank is UTF-8")
        .trim_start_matches('\u{FEFF}')
        .to_owned()
}

/// The sample's header line (Chinese column names, 编号 first).
fn sample_header() -> String {
    sample_text().lines().next().unwrap().to_owned()
}

/// The sample's row with 编号 `id` (every sample row is one physical line).
fn sample_row(id: &str) -> String {
    sample_text()
        .lines()
        .find(|line| line.starts_with(&format!("{id},")))
        .unwrap_or_else(|| panic!("the sample bank has {id}"))
        .to_owned()
}

/// The stem of the sample's question `id`.
fn sample_stem(id: &str) -> String {
    sample_questions()
        .into_iter()
        .find(|q| q.external_id() == Some(id))
        .unwrap_or_else(|| panic!("the sample bank has {id}"))
        .stem()
        .to_owned()
}

/// A CSV of the given lines (header included), one line each.
fn csv_of(lines: &[&str]) -> Vec<u8> {
    let mut text = lines.join("\n");
    text.push('\n');
    text.into_bytes()
}

const TINY_HEADER: &str = "编号,题型,题干,选项A,选项B,选项C,选项D,答案,法规,条款,难度,解析,标签";

// ---------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------

/// Posts `csv` to `path` and returns the status with the JSON report.
async fn upload(app: &TestApp, admin: &str, path: &str, csv: Vec<u8>) -> (StatusCode, Value) {
    let response = app.post_bytes(path, Some(admin), csv).await;
    let status = response.status();
    (status, body(response).await)
}

/// The four counts of an import report, without `dry_run` and `errors`.
fn counts(report: &Value) -> Value {
    json!({
        "imported": report["imported"],
        "updated": report["updated"],
        "unchanged": report["unchanged"],
        "duplicates": report["duplicates"],
    })
}

/// `GET /api/admin/questions?{query}`, expecting 200.
async fn questions(app: &TestApp, admin: &str, query: &str) -> Value {
    let response = app
        .get(&format!("/api/admin/questions?{query}"), Some(admin))
        .await;
    assert_eq!(response.status(), StatusCode::OK, "?{query}");
    body(response).await
}

/// How many current questions the bank holds.
async fn bank_total(app: &TestApp, admin: &str) -> i64 {
    questions(app, admin, "").await["total"].as_i64().unwrap()
}

/// The one current question whose stem contains `text`.
async fn question_with(app: &TestApp, admin: &str, text: &str) -> Value {
    let found = questions(app, admin, &format!("q={}", encode(text))).await;
    assert_eq!(found["total"], 1, "one question contains {text:?}: {found}");
    found["items"][0].clone()
}

/// Percent-encodes a query value (UTF-8, everything but unreserved characters).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A competition request open for an hour from the app's now, with 30-minute attempts.
fn competition_request(app: &TestApp, blueprint: Value) -> Value {
    let now = app.clock.now();
    json!({
        "title": "六五环境日企业环保知识竞赛",
        "opens_at": rfc3339(now),
        "closes_at": rfc3339(now + 60 * 60_000),
        "duration_minutes": 30,
        "blueprint": blueprint,
    })
}

/// Posts a competition that must be refused with 422; returns the names in `fields`.
async fn refused_fields(app: &TestApp, admin: &str, request: &Value) -> BTreeMap<String, String> {
    let response = app
        .post("/api/admin/competitions", Some(admin), request)
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error = body(response).await;
    assert_eq!(error["error"]["code"], "invalid", "{error}");
    serde_json::from_value(error["error"]["fields"].clone())
        .unwrap_or_else(|e| panic!("`fields` is a map of messages ({e}): {error}"))
}

/// A multipart/form-data body built by hand (reqwest's multipart feature is off): a `note`
/// text field, then `file` with `contents`. Returns the Content-Type and the body.
fn multipart_form(contents: &[u8], file_field: &str) -> (String, Vec<u8>) {
    const BOUNDARY: &str = "----ecoquiz-test-boundary-7d91c2";
    let mut form = Vec::new();
    form.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n六五环境日题库\r\n"
        )
        .as_bytes(),
    );
    form.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{file_field}\"; \
             filename=\"题库.csv\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    form.extend_from_slice(contents);
    form.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), form)
}

async fn post_multipart(
    app: &TestApp,
    admin: &str,
    path: &str,
    form: (String, Vec<u8>),
) -> Response {
    let (content_type, form) = form;
    app.client
        .post(app.url(path))
        .bearer_auth(admin)
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(form)
        .send()
        .await
        .expect("the server answers")
}

// ---------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------

async fn the_sample_bank_imports_over_http_with_its_170_questions(app: TestApp) {
    let admin = app.admin_token().await;
    let (status, report) = upload(&app, &admin, IMPORT, sample_csv()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        counts(&report),
        json!({"imported": 170, "updated": 0, "unchanged": 0, "duplicates": 0})
    );
    assert_eq!(report["errors"], json!([]));
    assert_eq!(bank_total(&app, &admin).await, 170);
}

async fn importing_the_same_file_again_leaves_every_question_unchanged(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let (status, report) = upload(&app, &admin, IMPORT, sample_csv()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        counts(&report),
        json!({"imported": 0, "updated": 0, "unchanged": 170, "duplicates": 0})
    );
    assert_eq!(bank_total(&app, &admin).await, 170);
    let first = question_with(&app, &admin, "按日连续处罚的起算时间").await;
    assert_eq!(first["version"], 1);
}

async fn a_gb18030_copy_of_the_sample_bank_imports_like_the_original(app: TestApp) {
    let admin = app.admin_token().await;
    let text = sample_text();
    let (gb18030, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&gb18030).is_err(),
        "the copy really is GB18030"
    );

    let (status, report) = upload(&app, &admin, IMPORT, gb18030.into_owned()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["imported"], 170);

    // The UTF-8 original finds every question exactly as the GB18030 copy stored it.
    let (status, again) = upload(&app, &admin, IMPORT, sample_csv()).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(
        counts(&again),
        json!({"imported": 0, "updated": 0, "unchanged": 170, "duplicates": 0})
    );
}

async fn a_multipart_upload_with_a_file_field_imports_the_bank(app: TestApp) {
    let admin = app.admin_token().await;
    let response =
        post_multipart(&app, &admin, IMPORT, multipart_form(&sample_csv(), "file")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let report = body(response).await;
    assert_eq!(
        counts(&report),
        json!({"imported": 170, "updated": 0, "unchanged": 0, "duplicates": 0})
    );
    assert_eq!(bank_total(&app, &admin).await, 170);
    // The form's other field did not end up in the bank.
    assert_eq!(
        questions(&app, &admin, &format!("q={}", encode("六五环境日题库"))).await["total"],
        0
    );
}

async fn a_multipart_form_without_a_file_field_is_refused_naming_the_field(app: TestApp) {
    let admin = app.admin_token().await;
    let response = post_multipart(
        &app,
        &admin,
        IMPORT,
        multipart_form(&sample_csv(), "upload"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error = body(response).await;
    assert!(error["error"]["fields"]["file"].is_string(), "{error}");
    assert_eq!(bank_total(&app, &admin).await, 0);
}

async fn the_import_takes_the_raw_file_whatever_its_content_type(app: TestApp) {
    let admin = app.admin_token().await;
    let first = csv_of(&[TINY_HEADER, PERMIT]);
    let second = csv_of(&[TINY_HEADER, TRANSFER_V1]);
    for (content_type, csv, imported) in [
        ("text/csv; charset=utf-8", first.clone(), 1),
        ("application/octet-stream", second, 1),
        ("application/json", first, 0),
    ] {
        let response = app
            .client
            .post(app.url(IMPORT))
            .bearer_auth(&admin)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(csv)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{content_type}");
        assert_eq!(body(response).await["imported"], imported, "{content_type}");
    }
    assert_eq!(bank_total(&app, &admin).await, 2);
}

async fn a_dry_run_of_the_sample_bank_counts_170_and_stores_none(app: TestApp) {
    let admin = app.admin_token().await;
    let (status, preview) = upload(&app, &admin, DRY_RUN, sample_csv()).await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["dry_run"], true);
    assert_eq!(bank_total(&app, &admin).await, 0);

    let (status, real) = upload(&app, &admin, IMPORT, sample_csv()).await;
    assert_eq!(status, StatusCode::OK, "{real}");
    assert_eq!(counts(&preview), counts(&real));
    assert_eq!(real["imported"], 170);
    assert_eq!(bank_total(&app, &admin).await, 170);
}

async fn a_dry_run_of_a_mixed_file_predicts_the_real_import_exactly(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let changed =
        sample_row("HB-001").replacen("按日连续处罚的起算时间是", "按日连续处罚应当从何时起算", 1);
    let unchanged = sample_row("HB-002");
    // The same question as HB-003 without its 编号: a duplicate of the bank.
    let duplicate_of_bank = sample_row("HB-003").replacen("HB-003", "", 1);
    let new = "NEW-1,单选,排污许可证的有效期为几年？,3年,5年,8年,10年,B,《排污许可管理条例》,第十四条,易,,";
    // NEW-1 again without 编号: a duplicate within the file.
    let duplicate_in_file =
        ",单选,排污许可证的有效期为几年？,3年,5年,8年,10年,B,《排污许可管理条例》,第十四条,易,,";
    let file = csv_of(&[
        &sample_header(),
        &changed,
        &unchanged,
        &duplicate_of_bank,
        new,
        duplicate_in_file,
    ]);

    let (status, preview) = upload(&app, &admin, DRY_RUN, file.clone()).await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(
        counts(&preview),
        json!({"imported": 1, "updated": 1, "unchanged": 1, "duplicates": 2})
    );
    assert_eq!(bank_total(&app, &admin).await, 170);
    let first = question_with(&app, &admin, "按日连续处罚的起算时间是").await;
    assert_eq!(first["version"], 1, "the dry run changed nothing");

    let (status, real) = upload(&app, &admin, IMPORT, file).await;
    assert_eq!(status, StatusCode::OK, "{real}");
    assert_eq!(real["dry_run"], false);
    assert_eq!(counts(&real), counts(&preview));
    assert_eq!(bank_total(&app, &admin).await, 171);
    let first = question_with(&app, &admin, "按日连续处罚应当从何时起算").await;
    assert_eq!(first["version"], 2);
}

/// One good row and four bad ones; the second spans two physical lines (3–4).
const BROKEN: &str = "编号,题型,题干,选项A,选项B,选项C,选项D,答案,法规,条款,难度,解析,标签
N-1,单选,排污许可证的有效期为几年？,3年,5年,8年,10年,B,排污许可管理条例,第十四条,易,,
N-2,单选,\"题干跨两行
第二行\",甲,乙,丙,丁,AB,环境保护法,,,,
N-3,判断,企业可以私设暗管排放水污染物。,,,,,可能,水污染防治法,,,,
N-4,多选,没有写法规的题目,甲,乙,丙,,AB,,,,,
N-5,单选,难度写错的题目,甲,乙,,,A,环境保护法,,非常难,,
";

async fn a_file_with_bad_rows_is_refused_with_every_bad_line_and_the_bank_unchanged(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let before = bank_total(&app, &admin).await;

    let (status, report) = upload(&app, &admin, IMPORT, BROKEN.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(report["imported"], 0);
    assert_eq!(report["updated"], 0);
    assert!(report["duplicates"].is_u64(), "{report}");
    let errors = report["errors"].as_array().expect("errors is a list");
    let found: BTreeSet<(u64, String)> = errors
        .iter()
        .map(|e| {
            let message = e["message"].as_str().expect("every error has a message");
            assert!(!message.trim().is_empty(), "{e}");
            (
                e["line"].as_u64().expect("every error has a line"),
                e["column"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected: BTreeSet<(u64, String)> = [(3, "答案"), (5, "答案"), (6, "法规"), (7, "难度")]
        .into_iter()
        .map(|(line, column)| (line, column.to_owned()))
        .collect();
    assert_eq!(found, expected, "{report}");

    assert_eq!(bank_total(&app, &admin).await, before);
    assert_eq!(
        questions(&app, &admin, &format!("q={}", encode("有效期为几年"))).await["total"],
        0,
        "the good row of a refused file is not stored"
    );
    // A dry run of the same file is refused the same way.
    let (status, preview) = upload(&app, &admin, DRY_RUN, BROKEN.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(preview["errors"], report["errors"]);
}

async fn an_undecodable_file_is_refused_with_a_message(app: TestApp) {
    let admin = app.admin_token().await;
    let (status, report) = upload(&app, &admin, IMPORT, b"\x81\x20\xff\xff".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{report}");
    assert_eq!(report["imported"], 0);
    let message = report["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("编码"), "{report}");
    assert_eq!(bank_total(&app, &admin).await, 0);
}

async fn an_empty_upload_is_refused(app: TestApp) {
    let admin = app.admin_token().await;
    let (status, report) = upload(&app, &admin, IMPORT, Vec::new()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{report}");
    assert_eq!(report["imported"], 0);
    let message = report["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "{report}");
    assert_eq!(bank_total(&app, &admin).await, 0);
}

async fn rows_without_an_id_already_in_the_bank_or_the_file_are_skipped_as_duplicates(
    app: TestApp,
) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    // HB-004's stem written with ASCII punctuation: the same question for the bank.
    let hb004 = sample_stem("HB-004");
    let respelled = hb004.replace('，', ",").replace("（　）。", "( )");
    assert_ne!(respelled, hb004);
    let file = format!(
        "题型,题干,选项A,选项B,选项C,选项D,答案,法规,难度
单选,{hb003},甲,乙,丙,丁,A,环境保护法,易
单选,\"{respelled}\",同时设计、同时施工、同时投产使用,甲,乙,丙,A,环境保护法,易
判断,{hb004},,,,,对,环境保护法,易
单选,企业应当在何时申请取得排污许可证？,投入生产或者使用并产生实际排污行为之前,投产一年以后,首次被检查时,任何时候,A,排污许可管理条例,中
单选,企业应当在何时申请取得排污许可证？,投入生产或者使用并产生实际排污行为之前,投产一年以后,首次被检查时,任何时候,A,排污许可管理条例,中
",
        hb003 = sample_stem("HB-003"),
    );

    let (status, report) = upload(&app, &admin, IMPORT, file.into_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    // Two rows repeat the bank's single-choice questions, one repeats a row of the file;
    // the judge question shares HB-004's stem but not its kind, so it is new.
    assert_eq!(
        counts(&report),
        json!({"imported": 2, "updated": 0, "unchanged": 0, "duplicates": 3})
    );
    assert_eq!(bank_total(&app, &admin).await, 172);
    assert_eq!(
        questions(
            &app,
            &admin,
            &format!("q={}", encode("何时申请取得排污许可证"))
        )
        .await["total"],
        1
    );
}

async fn reimporting_an_id_with_a_changed_stem_makes_version_two(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let changed =
        sample_row("HB-001").replacen("按日连续处罚的起算时间是", "按日连续处罚应当从何时起算", 1);
    let (status, report) =
        upload(&app, &admin, IMPORT, csv_of(&[&sample_header(), &changed])).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        counts(&report),
        json!({"imported": 0, "updated": 1, "unchanged": 0, "duplicates": 0})
    );

    let current = question_with(&app, &admin, "按日连续处罚应当从何时起算").await;
    assert_eq!(current["external_id"], "HB-001");
    assert_eq!(current["version"], 2);
    assert_eq!(
        current["stem"],
        sample_stem("HB-001").replacen("按日连续处罚的起算时间是", "按日连续处罚应当从何时起算", 1)
    );
    assert_eq!(
        questions(
            &app,
            &admin,
            &format!("q={}", encode("按日连续处罚的起算时间是"))
        )
        .await["total"],
        0,
        "the old version is no longer current"
    );
    assert_eq!(bank_total(&app, &admin).await, 170);
}

const TRANSFER_V1: &str = "T-1,单选,危险废物转移联单实行什么形式的管理？,电子联单,纸质联单,口头报备,无需联单,A,危险废物转移管理办法,,易,,";
const TRANSFER_V2: &str = "T-1,单选,转移危险废物时，转移联单原则上采用哪种形式？,纸质联单,电子联单,口头报备,无需联单,B,危险废物转移管理办法,,易,,";
const PERMIT: &str =
    "T-2,单选,排污许可证的有效期为几年？,5年,3年,8年,10年,A,排污许可管理条例,第十四条,易,,";

async fn an_attempt_started_before_a_change_keeps_the_version_it_was_issued(app: TestApp) {
    let admin = app.admin_token().await;
    let (status, report) = upload(
        &app,
        &admin,
        IMPORT,
        csv_of(&[TINY_HEADER, TRANSFER_V1, PERMIT]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    // Two single-choice questions in a bank of two: both are drawn, options in file order.
    let competition = app
        .create_competition(
            &admin,
            json!({
                "sections": [{"kind": "single", "count": 2, "points": 5}],
                "shuffle_options": false
            }),
            60,
            30,
        )
        .await;
    let early = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let started = app
        .post(
            &format!("/api/competitions/{competition}/attempts"),
            Some(&early),
            &json!({}),
        )
        .await;
    assert_eq!(started.status(), StatusCode::CREATED);
    let attempt = body(started).await["attempt_id"].as_i64().unwrap();

    let (status, report) = upload(
        &app,
        &admin,
        IMPORT,
        csv_of(&[TINY_HEADER, TRANSFER_V2, PERMIT]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["updated"], 1);

    let view = body(
        app.get(&format!("/api/attempts/{attempt}"), Some(&early))
            .await,
    )
    .await;
    let stems: Vec<&str> = view["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["stem"].as_str().unwrap())
        .collect();
    assert!(
        stems.contains(&"危险废物转移联单实行什么形式的管理？"),
        "the attempt shows the version it was issued: {stems:?}"
    );
    assert!(
        !stems.iter().any(|s| s.contains("原则上采用哪种形式")),
        "{stems:?}"
    );
    let transfer = view["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["stem"] == "危险废物转移联单实行什么形式的管理？")
        .unwrap();
    assert_eq!(transfer["options"][0]["text"], "电子联单");

    // Graded by the versions issued: A is right for both (version 2 of T-1 wants B).
    for q in view["questions"].as_array().unwrap() {
        let saved = app
            .put(
                &format!("/api/attempts/{attempt}/answers/{}", q["no"]),
                Some(&early),
                &json!({"choice": ["A"]}),
            )
            .await;
        assert_eq!(saved.status(), StatusCode::NO_CONTENT);
    }
    let submitted = app
        .post(
            &format!("/api/attempts/{attempt}/submit"),
            Some(&early),
            &json!({}),
        )
        .await;
    assert_eq!(submitted.status(), StatusCode::OK);
    assert_eq!(body(submitted).await["score"], 10);

    // Someone starting after the change gets the new version.
    let late = app
        .register("王五", "13800000002", "清风环境工程有限公司")
        .await;
    let paper = body(
        app.post(
            &format!("/api/competitions/{competition}/attempts"),
            Some(&late),
            &json!({}),
        )
        .await,
    )
    .await;
    let stems: Vec<&str> = paper["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["stem"].as_str().unwrap())
        .collect();
    assert!(
        stems.contains(&"转移危险废物时，转移联单原则上采用哪种形式？"),
        "{stems:?}"
    );
}

async fn a_csv_over_20_mb_is_refused_with_413(app: TestApp) {
    let admin = app.admin_token().await;
    let mut csv = TINY_HEADER.as_bytes().to_vec();
    csv.push(b'\n');
    while csv.len() <= ecoquiz::imports::UPLOAD_LIMIT_BYTES {
        csv.extend_from_slice(PERMIT.as_bytes());
        csv.push(b'\n');
    }
    let (status, error) = upload(&app, &admin, IMPORT, csv).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{error}");
    assert_eq!(error["error"]["code"], "payload_too_large");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("20 MB")
    );
    assert_eq!(bank_total(&app, &admin).await, 0);
}

async fn a_multipart_upload_over_20_mb_is_refused_with_413(app: TestApp) {
    let admin = app.admin_token().await;
    let csv = vec![b'x'; ecoquiz::imports::UPLOAD_LIMIT_BYTES + 1];
    let response = post_multipart(&app, &admin, IMPORT, multipart_form(&csv, "file")).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body(response).await["error"]["code"], "payload_too_large");
}

async fn a_json_body_over_64_kib_is_refused_with_413(app: TestApp) {
    let (admin, _) = app.with_small_competition().await;
    let mut request = competition_request(&app, small_blueprint());
    request["title"] = json!("竞".repeat(ecoquiz::routes::JSON_BODY_LIMIT / 3 + 1));
    let response = app
        .post("/api/admin/competitions", Some(&admin), &request)
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body(response).await["error"]["code"], "payload_too_large");
    let listed = body(app.get("/api/admin/competitions", Some(&admin)).await).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

// ---------------------------------------------------------------------------------------
// Browsing, coverage, export
// ---------------------------------------------------------------------------------------

async fn the_question_list_filters_by_regulation_kind_difficulty_and_text(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let sample = sample_questions();
    let count = |keep: &dyn Fn(&Question) -> bool| sample.iter().filter(|q| keep(q)).count();

    for name in ["排污许可管理条例", "《排污许可管理条例》"] {
        let found = questions(&app, &admin, &format!("regulation={}", encode(name))).await;
        assert_eq!(
            found["total"],
            count(&|q| q.regulation() == "排污许可管理条例"),
            "{name}"
        );
        assert!(
            found["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|q| q["regulation"] == "排污许可管理条例")
        );
    }
    assert_eq!(
        questions(
            &app,
            &admin,
            &format!("regulation={}", encode("《中华人民共和国环境保护法》"))
        )
        .await["total"],
        17
    );

    let singles = questions(&app, &admin, "kind=single").await;
    assert_eq!(singles["total"], count(&|q| q.kind().as_str() == "single"));
    assert_eq!(
        questions(&app, &admin, &format!("kind={}", encode("单选"))).await["total"],
        singles["total"]
    );

    let hard_multiple = questions(&app, &admin, "kind=multiple&difficulty=hard").await;
    assert_eq!(
        hard_multiple["total"],
        count(&|q| q.kind().as_str() == "multiple" && q.difficulty().as_str() == "hard")
    );
    assert!(
        hard_multiple["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|q| q["kind"] == "multiple" && q["difficulty"] == "hard")
    );

    let permits = questions(&app, &admin, &format!("q={}", encode("排污许可"))).await;
    assert_eq!(permits["total"], count(&|q| q.stem().contains("排污许可")));
    assert!(
        permits["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|q| q["stem"].as_str().unwrap().contains("排污许可"))
    );

    // `%` and `_` are text, not patterns.
    assert_eq!(questions(&app, &admin, "q=%25").await["total"], 0);
    assert_eq!(questions(&app, &admin, "q=_").await["total"], 0);
}

async fn the_question_list_pages_by_fifty(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let mut seen = BTreeSet::new();
    for (page, expected) in [(1, 50), (2, 50), (3, 50), (4, 20), (5, 0)] {
        let found = questions(&app, &admin, &format!("page={page}")).await;
        assert_eq!(found["total"], 170);
        let items = found["items"].as_array().unwrap();
        assert_eq!(items.len(), expected, "page {page}");
        for item in items {
            assert!(
                seen.insert(item["id"].as_i64().unwrap()),
                "no question on two pages"
            );
        }
    }
    assert_eq!(seen.len(), 170);
}

async fn the_text_filter_finds_latin_abbreviations_whatever_their_case(app: TestApp) {
    let admin = app.admin_token().await;
    let file = csv_of(&[
        TINY_HEADER,
        "L-1,单选,化学需氧量的英文缩写是（　）。,COD,BOD,SS,TP,A,水污染防治法,,易,,",
        "L-2,判断,废水的pH值越低，碱性越强。,,,,,错,水污染防治法,,易,,",
    ]);
    let (status, report) = upload(&app, &admin, IMPORT, file).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    // Searching the stems: a clerk types "ph" or "PH" for pH.
    for query in ["pH", "ph", "PH"] {
        assert_eq!(
            questions(&app, &admin, &format!("q={query}")).await["total"],
            1,
            "q={query}"
        );
    }
}

async fn an_unknown_kind_or_difficulty_in_the_question_list_is_refused(app: TestApp) {
    let admin = app.admin_token().await;
    for (query, field) in [("kind=essay", "kind"), ("difficulty=extreme", "difficulty")] {
        let response = app
            .get(&format!("/api/admin/questions?{query}"), Some(&admin))
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}"
        );
        let error = body(response).await;
        assert!(error["error"]["fields"][field].is_string(), "{error}");
    }
}

async fn the_coverage_counts_every_regulation_by_kind_and_difficulty_as_the_csv_does(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let response = app.get("/api/admin/regulations", Some(&admin)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let coverage = body(response).await;

    let mut expected: BTreeMap<String, BTreeMap<String, BTreeMap<String, u64>>> = BTreeMap::new();
    for q in sample_questions() {
        *expected
            .entry(q.regulation().to_owned())
            .or_default()
            .entry(q.kind().as_str().to_owned())
            .or_default()
            .entry(q.difficulty().as_str().to_owned())
            .or_default() += 1;
    }

    let rows = coverage["regulations"]
        .as_array()
        .expect("a list of regulations");
    assert_eq!(rows.len(), expected.len());
    let mut grand_total = 0;
    for row in rows {
        let name = row["regulation"].as_str().unwrap();
        let want = &expected[name];
        let mut row_total = 0;
        for kind in ["single", "multiple", "judge"] {
            for difficulty in ["easy", "medium", "hard"] {
                let have = row["counts"][kind][difficulty]
                    .as_u64()
                    .unwrap_or_else(|| panic!("{name} {kind} {difficulty}: {row}"));
                let want = want
                    .get(kind)
                    .and_then(|d| d.get(difficulty))
                    .copied()
                    .unwrap_or(0);
                assert_eq!(have, want, "{name} {kind} {difficulty}");
                row_total += have;
            }
        }
        assert_eq!(row["total"], row_total, "{name}");
        grand_total += row_total;
    }
    assert_eq!(grand_total, 170);
}

async fn the_exported_bank_reads_back_as_the_same_questions_and_reimports_unchanged(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let response = app
        .get("/api/admin/questions/export.csv", Some(&admin))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()[reqwest::header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let exported = response.bytes().await.unwrap().to_vec();
    assert!(exported.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a BOM");

    let report = parse_bank(&exported).expect("the export decodes");
    assert_eq!(report.errors, []);
    let read_back: Vec<Question> = report.questions.into_iter().map(|q| q.question).collect();
    assert_eq!(read_back, sample_questions());

    let (status, again) = upload(&app, &admin, IMPORT, exported).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(
        counts(&again),
        json!({"imported": 0, "updated": 0, "unchanged": 170, "duplicates": 0})
    );
}

async fn stems_with_newlines_quotes_and_commas_survive_the_export(app: TestApp) {
    let admin = app.admin_token().await;
    let file = "编号,题型,题干,选项A,选项B,选项C,答案,法规,难度,解析,标签
X-1,多选,\"下列哪些属于\"\"三同时\"\"制度的要求,请选择:
(可多选)\",同时设计,同时施工,\"同时投产使用, 且正常运行\",ABC,《 建设项目环境保护管理条例 》,难,\"见第十五条;
另见环境保护法第四十一条\",三同时;验收
X-2,判断,=SUM(A1:A2) 开头的题干照原样保存。,,,,对,环境保护法,易,,
";
    let (status, report) = upload(&app, &admin, IMPORT, file.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["imported"], 2);
    let stored = question_with(&app, &admin, "三同时").await;
    assert_eq!(
        stored["stem"], "下列哪些属于\"三同时\"制度的要求,请选择:\n(可多选)",
        "text is stored exactly as written"
    );
    assert_eq!(stored["regulation"], "建设项目环境保护管理条例");
    assert_eq!(stored["answer"], json!(["A", "B", "C"]));
    assert_eq!(stored["tags"], json!(["三同时", "验收"]));

    let exported = app
        .get("/api/admin/questions/export.csv", Some(&admin))
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let read_back: Vec<Question> = parse_bank(&exported)
        .expect("the export decodes")
        .questions
        .into_iter()
        .map(|q| q.question)
        .collect();
    let original: Vec<Question> = parse_bank(file.as_bytes())
        .unwrap()
        .questions
        .into_iter()
        .map(|q| q.question)
        .collect();
    assert_eq!(read_back, original);
    let (status, again) = upload(&app, &admin, IMPORT, exported).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["unchanged"], 2);
}

/// An organizer double-clicks 导入: two uploads of the same file at once.
async fn import_twice_at_once(
    app: &TestApp,
    admin: &str,
    csv: Vec<u8>,
) -> [(StatusCode, Value); 2] {
    let (first, second) = tokio::join!(
        upload(app, admin, IMPORT, csv.clone()),
        upload(app, admin, IMPORT, csv)
    );
    [first, second]
}

/// Each upload of a double submission gets a real answer: no server error, and at least one
/// of them imports.
fn both_answered(replies: &[(StatusCode, Value); 2]) {
    for (status, report) in replies {
        assert!(
            !status.is_server_error(),
            "a double-submitted import gets an answer, not a server error: {status} {report}"
        );
    }
    assert!(
        replies.iter().any(|(status, _)| *status == StatusCode::OK),
        "{replies:?}"
    );
}

async fn a_double_submitted_import_stores_each_question_once(app: TestApp) {
    let admin = app.admin_token().await;
    let replies = import_twice_at_once(&app, &admin, sample_csv()).await;
    assert_eq!(bank_total(&app, &admin).await, 170, "{replies:?}");
    both_answered(&replies);
}

async fn a_double_submitted_import_without_ids_stores_each_question_once(app: TestApp) {
    let admin = app.admin_token().await;
    // The sample without its 编号 column: questions are told apart by kind and stem alone.
    let without_ids: String = sample_text()
        .lines()
        .map(|line| format!("{}\n", line.split_once(',').unwrap().1))
        .collect();
    let replies = import_twice_at_once(&app, &admin, without_ids.into_bytes()).await;
    assert_eq!(
        bank_total(&app, &admin).await,
        170,
        "the second upload skips what the first stored: {replies:?}"
    );
    both_answered(&replies);
}

// ---------------------------------------------------------------------------------------
// Competitions
// ---------------------------------------------------------------------------------------

async fn a_new_competition_is_created_with_its_view_and_listed(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let response = app
        .post(
            "/api/admin/competitions",
            Some(&admin),
            &competition_request(&app, small_blueprint()),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created = body(response).await;
    assert_eq!(created["title"], "六五环境日企业环保知识竞赛");
    assert_eq!(created["question_count"], 10);
    assert_eq!(created["max_score"], 21);
    assert_eq!(created["pass_score"], 12.6, "60% of 21 by default");
    assert_eq!(created["status"], "open");
    assert_eq!(created["max_attempts"], 1);
    assert_eq!(created["duration_minutes"], 30);
    assert_eq!(created["company_score"]["method"], "average");
    assert_eq!(created["opens_at"], rfc3339(ENVIRONMENT_DAY));

    let listed = body(app.get("/api/admin/competitions", Some(&admin)).await).await;
    let listed = listed.as_array().expect("a list of competitions");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], created["id"]);
    assert_eq!(listed[0]["title"], created["title"]);
}

async fn a_blueprint_the_bank_cannot_satisfy_is_refused_naming_the_section(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let blueprint = json!({
        "sections": [{"kind": "multiple", "count": 400, "points": 1}],
        "difficulty": {"hard": 1.0}
    });
    let fields = refused_fields(&app, &admin, &competition_request(&app, blueprint)).await;
    let shortfall = fields
        .get("blueprint.sections[0]")
        .unwrap_or_else(|| panic!("the section is named: {fields:?}"));
    assert!(shortfall.contains("题库只有"), "{shortfall}");
    assert!(shortfall.contains("400"), "{shortfall}");

    let listed = body(app.get("/api/admin/competitions", Some(&admin)).await).await;
    assert_eq!(listed, json!([]), "nothing was created");
}

async fn an_invalid_blueprint_is_refused_naming_each_field(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let blueprint = json!({
        "sections": [
            {"kind": "single", "count": 0, "points": 2},
            {"kind": "essay", "count": 5, "points": 2}
        ],
        "difficulty": {"easy": 0.3, "medium": 0.4, "hard": 0.2}
    });
    let fields = refused_fields(&app, &admin, &competition_request(&app, blueprint)).await;
    let names: BTreeSet<&str> = fields.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "blueprint.sections[0].count",
            "blueprint.sections[1].kind",
            "blueprint.difficulty",
        ])
    );
    assert!(fields["blueprint.sections[1].kind"].contains("essay"));
    assert!(fields["blueprint.difficulty"].contains("0.9"));
}

async fn a_window_that_closes_before_it_opens_is_refused(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let mut request = competition_request(&app, small_blueprint());
    request["closes_at"] = json!(rfc3339(ENVIRONMENT_DAY - 60_000));
    let fields = refused_fields(&app, &admin, &request).await;
    assert_eq!(fields.keys().collect::<Vec<_>>(), ["closes_at"]);
}

async fn a_time_that_is_not_rfc3339_is_refused(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let mut request = competition_request(&app, small_blueprint());
    request["opens_at"] = json!("2026-06-05 09:00");
    let fields = refused_fields(&app, &admin, &request).await;
    assert_eq!(fields.keys().collect::<Vec<_>>(), ["opens_at"]);
    assert!(fields["opens_at"].contains("RFC 3339"));
}

async fn an_unknown_company_score_method_is_refused(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let mut request = competition_request(&app, small_blueprint());
    request["company_score"] = json!({"method": "median"});
    let fields = refused_fields(&app, &admin, &request).await;
    assert_eq!(fields.keys().collect::<Vec<_>>(), ["company_score.method"]);
    assert!(fields["company_score.method"].contains("median"));
}

async fn every_invalid_setting_of_a_competition_is_named_at_once(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let mut request = competition_request(&app, small_blueprint());
    request["title"] = json!("   ");
    request["duration_minutes"] = json!(0);
    request["max_attempts"] = json!(0);
    request["pass_score"] = json!(22);
    request["company_score"] = json!({"method": "top_n_average"});
    let fields = refused_fields(&app, &admin, &request).await;
    let names: BTreeSet<&str> = fields.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "title",
            "duration_minutes",
            "max_attempts",
            "pass_score",
            "company_score.n",
        ])
    );
    let listed = body(app.get("/api/admin/competitions", Some(&admin)).await).await;
    assert_eq!(listed, json!([]));
}

async fn an_explicit_pass_score_and_company_rule_are_kept(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let mut request = competition_request(&app, small_blueprint());
    request["pass_score"] = json!(15.5);
    request["max_attempts"] = json!(3);
    request["company_score"] = json!({"method": "top_n_average", "n": 5, "min_participants": 3});
    let response = app
        .post("/api/admin/competitions", Some(&admin), &request)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created = body(response).await;
    assert_eq!(created["pass_score"], 15.5);
    assert_eq!(created["max_attempts"], 3);
    assert_eq!(
        created["company_score"],
        json!({"method": "top_n_average", "n": 5, "min_participants": 3})
    );
    let listed = body(app.get("/api/admin/competitions", Some(&admin)).await).await;
    assert_eq!(listed[0]["company_score"], created["company_score"]);
    assert_eq!(listed[0]["pass_score"], 15.5);
}

async fn closing_a_competition_ends_the_window_and_grades_attempts_in_progress(app: TestApp) {
    let (admin, competition) = app.with_small_competition().await;
    let token = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let paper = body(
        app.post(
            &format!("/api/competitions/{competition}/attempts"),
            Some(&token),
            &json!({}),
        )
        .await,
    )
    .await;
    let attempt = paper["attempt_id"].as_i64().unwrap();
    let first = &paper["questions"][0];
    let saved = app
        .put(
            &format!("/api/attempts/{attempt}/answers/{}", first["no"]),
            Some(&token),
            &json!({"choice": [first["options"][0]["key"]]}),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::NO_CONTENT);
    app.advance_minutes(5);

    let response = app
        .post(
            &format!("/api/admin/competitions/{competition}/close"),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let closed = body(response).await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["closes_at"], rfc3339(app.clock.now()));

    // Graded before the reply: the board already counts the attempt.
    let board = body(
        app.get(
            &format!("/api/competitions/{competition}/leaderboard"),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(board["stats"]["submitted"], 1, "{board}");
    let view = body(
        app.get(&format!("/api/attempts/{attempt}"), Some(&token))
            .await,
    )
    .await;
    assert_eq!(view["status"], "submitted");
    assert!(view["score"].is_number(), "{view}");
    assert!(
        view["questions"][0]["answer"].is_array(),
        "the key is shown after the close"
    );

    let again = app
        .post(
            &format!("/api/competitions/{competition}/attempts"),
            Some(&token),
            &json!({}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT, "the window is closed");
}

async fn a_competition_body_that_is_not_json_is_a_bad_request(app: TestApp) {
    let admin = app.admin_token().await;
    let response = app
        .client
        .post(app.url("/api/admin/competitions"))
        .bearer_auth(&admin)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body("{\"title\": \"六五环境日\",")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(body(response).await["error"]["code"], "bad_request");

    // Well-formed JSON without the required fields is a 422, in the same error shape.
    let response = app
        .post(
            "/api/admin/competitions",
            Some(&admin),
            &json!({"title": "六五环境日"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body(response).await["error"]["code"], "invalid");
}

async fn closing_a_competition_that_does_not_exist_is_404(app: TestApp) {
    let admin = app.admin_token().await;
    let response = app
        .post(
            "/api/admin/competitions/999/close",
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(body(response).await["error"]["code"], "not_found");
}

// ---------------------------------------------------------------------------------------
// Who may call them
// ---------------------------------------------------------------------------------------

/// Every organizer route of this module, with a body a real organizer could send.
fn organizer_routes() -> Vec<(Method, &'static str, Vec<u8>)> {
    let competition = serde_json::to_vec(&json!({
        "title": "越权创建的竞赛",
        "opens_at": rfc3339(ENVIRONMENT_DAY),
        "closes_at": rfc3339(ENVIRONMENT_DAY + 3_600_000),
        "duration_minutes": 30,
        "blueprint": small_blueprint(),
    }))
    .unwrap();
    vec![
        (Method::POST, IMPORT, sample_csv()),
        (Method::POST, DRY_RUN, sample_csv()),
        (Method::GET, "/api/admin/questions", Vec::new()),
        (Method::GET, "/api/admin/questions/export.csv", Vec::new()),
        (Method::GET, "/api/admin/regulations", Vec::new()),
        (Method::GET, "/api/admin/competitions", Vec::new()),
        (Method::POST, "/api/admin/competitions", competition),
        (Method::POST, "/api/admin/competitions/1/close", Vec::new()),
    ]
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Vec<u8>,
    token: Option<&str>,
) -> Response {
    // A fresh connection per call: a refused request's body is left unread, the server then
    // closes that connection, and a pooled reuse racing the close fails with
    // `IncompleteMessage` (seen once in CI) — a property of the client's pool, not of the route.
    let mut request = app
        .client
        .request(method, app.url(path))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::CONNECTION, "close")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("the server answers")
}

async fn a_participant_token_is_forbidden_on_every_organizer_route(app: TestApp) {
    let (admin, competition) = app.with_small_competition().await;
    assert_eq!(competition, 1);
    let participant = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    for (method, path, request) in organizer_routes() {
        let response = call(&app, method.clone(), path, request, Some(&participant)).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{method} {path}");
        assert_eq!(body(response).await["error"]["code"], "forbidden");
    }
    // Nothing changed: one competition, still open, and the bank as imported.
    let listed = body(app.get("/api/admin/competitions", Some(&admin)).await).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["status"], "open");
    assert_eq!(bank_total(&app, &admin).await, 170);
}

async fn a_request_without_a_token_is_unauthorized_on_every_organizer_route(app: TestApp) {
    let (admin, _) = app.with_small_competition().await;
    for (method, path, request) in organizer_routes() {
        let response = call(&app, method.clone(), path, request, None).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
        assert_eq!(body(response).await["error"]["code"], "unauthorized");
    }
    let response = call(
        &app,
        Method::GET,
        "/api/admin/questions",
        Vec::new(),
        Some("not-a-token"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let listed = body(app.get("/api/admin/competitions", Some(&admin)).await).await;
    assert_eq!(listed[0]["status"], "open");
}

// ---------------------------------------------------------------------------------------
// The organizer's command line (SQLite: `--data-dir`)
// ---------------------------------------------------------------------------------------

fn sample_path() -> String {
    sample_bank().to_str().unwrap().to_owned()
}

#[test]
fn bank_import_on_the_command_line_prints_its_counts() {
    let dir = temp_dir();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();

    let run = ecoquiz(&["bank", "import", &sample_path(), "--data-dir", data]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("新增 170 道"), "{}", run.stdout);

    let again = ecoquiz(&["bank", "import", &sample_path(), "--data-dir", data]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stdout.contains("新增 0 道"), "{}", again.stdout);
    assert!(again.stdout.contains("未变 170 道"), "{}", again.stdout);
}

#[test]
fn bank_import_of_a_broken_file_on_the_command_line_exits_one_with_the_error_table() {
    let dir = temp_dir();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let broken = write_file(dir.path(), "broken.csv", BROKEN);

    let run = ecoquiz(&["bank", "import", &broken, "--data-dir", data]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("错误 4 处"), "{}", run.stdout);
    for column in ["答案", "法规", "难度"] {
        assert!(run.stdout.contains(column), "{}", run.stdout);
    }
    assert!(run.stdout.contains("不会被导入"), "{}", run.stdout);

    // The one good row of the refused file was not stored: importing it alone adds it.
    let good = write_file(
        dir.path(),
        "good.csv",
        csv_of(&[
            BROKEN.lines().next().unwrap(),
            BROKEN.lines().nth(1).unwrap(),
        ]),
    );
    let run = ecoquiz(&["bank", "import", &good, "--data-dir", data]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("新增 1 道"), "{}", run.stdout);
}

/// The password in `✔ 已添加组织者 carol,密码 Xy3…(只显示这一次)`.
fn printed_password(stdout: &str) -> String {
    stdout
        .split("密码")
        .nth(1)
        .map(|rest| {
            rest.trim_start()
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect::<String>()
        })
        .filter(|password| !password.is_empty())
        .unwrap_or_else(|| panic!("a password is printed: {stdout}"))
}

#[test]
fn organizer_add_prints_a_generated_password_and_refuses_a_taken_name() {
    let dir = temp_dir();
    let data = dir.path().to_str().unwrap();

    let run = ecoquiz(&["organizer", "add", "carol", "--data-dir", data]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let password = printed_password(&run.stdout);
    assert_eq!(password.chars().count(), 16, "{}", run.stdout);

    let run = ecoquiz(&[
        "organizer",
        "add",
        "alice",
        "--data-dir",
        data,
        "--password",
        "longenough1",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        !run.stdout.contains("longenough1"),
        "a given password is not echoed"
    );

    let again = ecoquiz(&[
        "organizer",
        "add",
        "alice",
        "--data-dir",
        data,
        "--password",
        "anotherone2",
    ]);
    assert_eq!(again.code, 1, "{}", again.stdout);
    assert!(again.stderr.contains("已存在"), "{}", again.stderr);

    let short = ecoquiz(&[
        "organizer",
        "add",
        "dave",
        "--data-dir",
        data,
        "--password",
        "short",
    ]);
    assert_eq!(short.code, 1, "{}", short.stdout);
}

/// What the command line stored is what the server then serves: organizers added with
/// `organizer add` (a given and a generated password) log in over HTTP, no `admin` is
/// generated beside them, and they see the bank `bank import` loaded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_command_line_stored_is_served_over_http() {
    let dir = temp_dir();
    let data = dir.path().to_str().unwrap();
    let run = ecoquiz(&[
        "organizer",
        "add",
        "alice",
        "--data-dir",
        data,
        "--password",
        "longenough1",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = ecoquiz(&["organizer", "add", "carol", "--data-dir", data]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let generated = printed_password(&run.stdout);
    let run = ecoquiz(&["bank", "import", &sample_path(), "--data-dir", data]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let settings = ecoquiz::settings::Settings {
        bind: "127.0.0.1:0".parse().unwrap(),
        storage: ecoquiz::settings::Storage::DataDir(dir.path().to_owned()),
        data_dir: dir.path().to_owned(),
        jwt_secret: None,
        demo: false,

        store: ecoquiz::settings::StoreOptions::default(),
    };
    let (state, startup) =
        ecoquiz::app::prepare(&settings, ecoquiz::clock::Clock::manual(ENVIRONMENT_DAY))
            .await
            .expect("the server prepares on the CLI's data folder");
    assert_eq!(
        startup.initial_admin_password, None,
        "an organizer exists, so no admin is generated"
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(ecoquiz::app::serve(state, listener, async {
        let _ = stopped.await;
    }));

    let client = reqwest::Client::new();
    let login = |username: &'static str, password: String| {
        let request = client
            .post(format!("{address}/api/admin/login"))
            .json(&json!({"username": username, "password": password}));
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{username} logs in");
            body(response).await["token"].as_str().unwrap().to_owned()
        }
    };
    login("carol", generated).await;
    let token = login("alice", "longenough1".to_owned()).await;
    let listed = client
        .get(format!("{address}/api/admin/questions"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), StatusCode::OK);
    assert_eq!(body(listed).await["total"], 170);

    let _ = shutdown.send(());
    server.await.unwrap().unwrap();
}
