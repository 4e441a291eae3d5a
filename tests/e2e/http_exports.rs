//! The bureau's exports, checked against numbers worked out by hand: six participants of
//! three companies on a five-company roster, with a tie for first place, partial credit, a
//! company below the ranking minimum, companies without participants, and names that a
//! spreadsheet would run as formulas. Every export as CSV (exact text) and as .xlsx (read back
//! with calamine: values and types), over HTTP and from the CLI.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use question_bank::{Kind, option_key};
use reqwest::StatusCode;
use serde_json::json;

use crate::on_both_backends;
use crate::support::{
    KeyedQuestion, Sheet, TestApp, answer_key, body, credit_code_for, ecoquiz, fill, perfect_sheet,
    registration, start_paper, submit,
};

on_both_backends!(
    the_company_export_ranks_by_the_rule_and_lists_every_roster_company,
    the_subdistrict_export_measures_participation_against_the_roster,
    the_participant_export_ranks_with_ties_masks_phones_and_neutralizes_formulas,
    the_question_export_counts_draws_correct_answers_and_discrimination,
    xlsx_exports_keep_numbers_as_numbers_and_times_as_times,
    the_cli_writes_the_same_file_as_the_http_export,
    exports_are_for_organizers_of_existing_competitions_only,
    attempts_graded_before_responses_were_stored_are_counted_the_same,
    only_each_participants_best_attempt_is_exported,
);

/// The roster: (name, subdistrict). Names starting with `+` and `-` must come out neutralized.
const ROSTER: [(&str, &str); 5] = [
    ("绿源环保科技有限公司", "沙头街道"),
    ("清流水务有限公司", "沙头街道"),
    ("+蓝天化工有限公司", "福田街道"),
    ("新港物流有限公司", "福田街道"),
    ("-南园印染有限公司", "南园街道"),
];

/// How a participant answers: the scores they earn on the 21-point small blueprint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Plan {
    /// Every answer right: 21.
    Perfect,
    /// Right except one multiple-choice question answered with a correct proper subset:
    /// 21 − 1.5 = 19.5 (少选得一半分).
    PartialOnOneMultiple,
    /// Only the five single-choice questions (2 points each), the rest unanswered: 10.
    SinglesOnly,
    /// Singles and the two judge questions: 12, exactly the pass score.
    SinglesAndJudges,
}

/// (name, phone, company, plan, minutes after the start when they submit).
const PARTICIPANTS: [(&str, &str, &str, Plan, i64); 6] = [
    (
        "张三",
        "13900000001",
        "绿源环保科技有限公司",
        Plan::Perfect,
        5,
    ),
    (
        "李四",
        "13900000002",
        "绿源环保科技有限公司",
        Plan::PartialOnOneMultiple,
        6,
    ),
    (
        "=1+1",
        "13900000003",
        "绿源环保科技有限公司",
        Plan::SinglesOnly,
        8,
    ),
    ("赵六", "13900000004", "清流水务有限公司", Plan::Perfect, 5),
    (
        "@王五",
        "13900000005",
        "清流水务有限公司",
        Plan::SinglesAndJudges,
        8,
    ),
    (
        "孙七",
        "13900000006",
        "+蓝天化工有限公司",
        Plan::PartialOnOneMultiple,
        7,
    ),
];

struct Fixture {
    app: TestApp,
    admin: String,
    competition: i64,
    /// Each participant's paper with its key, and the sheet they sent.
    papers: Vec<(Vec<KeyedQuestion>, Sheet, Plan)>,
}

fn sheet_for(plan: Plan, paper: &[KeyedQuestion]) -> Sheet {
    let mut sheet = perfect_sheet(paper);
    match plan {
        Plan::Perfect => {}
        Plan::PartialOnOneMultiple => {
            let multiple = paper.iter().find(|q| q.kind == Kind::Multiple).unwrap();
            assert!(
                multiple.key.len() >= 2,
                "a multiple-choice key has two options or more"
            );
            sheet.insert(multiple.no, multiple.key[1..].to_vec());
        }
        Plan::SinglesOnly => sheet.retain(|no, _| kind_of(paper, *no) == Kind::Single),
        Plan::SinglesAndJudges => sheet.retain(|no, _| kind_of(paper, *no) != Kind::Multiple),
    }
    sheet
}

fn kind_of(paper: &[KeyedQuestion], no: i64) -> Kind {
    paper.iter().find(|q| q.no == no).unwrap().kind
}

/// Imports the bank and the roster, creates the competition (pass 12 of 21; companies ranked
/// by their average from two participants), and has the six participants take it.
async fn fixture(app: TestApp) -> Fixture {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    app.import_roster(&admin, &ROSTER).await;
    let competition = app
        .create_competition_with(
            &admin,
            json!({
                "title": "六五环境日/企业环保知识竞赛",
                "pass_score": 12,
                "company_score": {"method": "average", "min_participants": 2},
            }),
        )
        .await;

    let mut tokens = Vec::new();
    let mut papers = Vec::new();
    for (name, phone, company, plan, _) in PARTICIPANTS {
        let mut form = registration(name, phone, company);
        form["subdistrict"] = json!(""); // the roster's is taken
        let registered = app.post("/api/auth/register", None, &form).await;
        assert_eq!(registered.status(), StatusCode::CREATED);
        let token = body(registered).await["token"].as_str().unwrap().to_owned();
        let (attempt, _) = start_paper(&app, competition, &token).await;
        let paper = answer_key(&app, attempt).await;
        let sheet = sheet_for(plan, &paper);
        fill(&app, &token, attempt, &sheet).await;
        tokens.push((token, attempt));
        papers.push((paper, sheet, plan));
    }
    let mut elapsed = 0;
    for minutes in [5, 6, 7, 8] {
        app.advance_minutes(minutes - elapsed);
        elapsed = minutes;
        for (i, participant) in PARTICIPANTS.iter().enumerate() {
            if participant.4 == minutes {
                let (token, attempt) = &tokens[i];
                let result = submit(&app, token, *attempt).await;
                assert_eq!(result.status(), StatusCode::OK);
            }
        }
    }
    Fixture {
        app,
        admin,
        competition,
        papers,
    }
}

impl Fixture {
    async fn download(&self, file: &str) -> reqwest::Response {
        self.app
            .get(
                &format!("/api/admin/competitions/{}/export/{file}", self.competition),
                Some(&self.admin),
            )
            .await
    }

    async fn csv(&self, file: &str) -> String {
        let response = self.download(file).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"],
            "text/csv; charset=utf-8"
        );
        let disposition = response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert!(
            disposition.contains("filename*=UTF-8''"),
            "a Chinese file name for the browser: {disposition}"
        );
        let bytes = response.bytes().await.unwrap();
        assert!(
            bytes.starts_with(b"\xEF\xBB\xBF"),
            "UTF-8 with a BOM for Excel"
        );
        String::from_utf8(bytes[3..].to_vec()).unwrap()
    }

    async fn xlsx(&self, file: &str, sheet: &str) -> Vec<Vec<Data>> {
        let response = self.download(file).await;
        assert_eq!(response.status(), StatusCode::OK);
        let bytes = response.bytes().await.unwrap().to_vec();
        let mut workbook: Xlsx<_> =
            open_workbook_from_rs(Cursor::new(bytes)).expect("an .xlsx file");
        let range = workbook.worksheet_range(sheet).expect("the worksheet");
        range.rows().map(|row| row.to_vec()).collect()
    }
}

fn code(company: &str) -> String {
    credit_code_for(company)
}

async fn the_company_export_ranks_by_the_rule_and_lists_every_roster_company(app: TestApp) {
    let fixture = fixture(app).await;
    let csv = fixture.csv("companies.csv").await;
    // 绿源: 21 + 19.5 + 10 = 50.5 over 3 = 16.833… → 16.83; 2 of 3 at or above 12 → 66.7%.
    // 清流: 21 + 12 = 33 over 2 = 16.50; both pass. 蓝天: one participant, below the minimum
    // of two: figures but no company score and no rank. 南园印染 and 新港物流 took no part:
    // listed after, by subdistrict.
    let expected = format!(
        "企业名称,统一社会信用代码,所属街道,参赛人数,平均分,最高分,及格率,企业得分,排名\r\n\
         绿源环保科技有限公司,{},沙头街道,3,16.83,21.00,66.7%,16.83,1\r\n\
         清流水务有限公司,{},沙头街道,2,16.50,21.00,100.0%,16.50,2\r\n\
         '+蓝天化工有限公司,{},福田街道,1,19.50,19.50,100.0%,,\r\n\
         '-南园印染有限公司,{},南园街道,0,,,,,\r\n\
         新港物流有限公司,{},福田街道,0,,,,,\r\n",
        code("绿源环保科技有限公司"),
        code("清流水务有限公司"),
        code("+蓝天化工有限公司"),
        code("-南园印染有限公司"),
        code("新港物流有限公司"),
    );
    assert_eq!(csv, expected);
}

async fn the_subdistrict_export_measures_participation_against_the_roster(app: TestApp) {
    let fixture = fixture(app).await;
    let csv = fixture.csv("subdistricts.csv").await;
    // 沙头: both roster companies took part, 5 people, (21+19.5+10+21+12)/5 = 16.70.
    // 福田: 1 of 2 companies, 19.50. 南园: its only company did not take part.
    assert_eq!(
        csv,
        "街道,名录企业数,参赛企业数,参赛人数,企业参与率,平均分\r\n\
         南园街道,1,0,0,0.0%,\r\n\
         沙头街道,2,2,5,100.0%,16.70\r\n\
         福田街道,2,1,1,50.0%,19.50\r\n"
    );
}

async fn the_participant_export_ranks_with_ties_masks_phones_and_neutralizes_formulas(
    app: TestApp,
) {
    let fixture = fixture(app).await;
    let csv = fixture.csv("participants.csv").await;
    // 张三 and 赵六: 21 points in 5 minutes, submitted at the same instant: both first.
    // 李四 and 孙七: 19.5, 李四 faster. Times are Beijing time (the clock starts 09:00).
    assert_eq!(
        csv,
        "排名,姓名,手机号,企业,街道,得分,用时,提交时间,切屏次数\r\n\
         1,张三,139****0001,绿源环保科技有限公司,沙头街道,21.00,0:05:00,2026-06-05 09:05:00,0\r\n\
         1,赵六,139****0004,清流水务有限公司,沙头街道,21.00,0:05:00,2026-06-05 09:05:00,0\r\n\
         3,李四,139****0002,绿源环保科技有限公司,沙头街道,19.50,0:06:00,2026-06-05 09:06:00,0\r\n\
         4,孙七,139****0006,'+蓝天化工有限公司,福田街道,19.50,0:07:00,2026-06-05 09:07:00,0\r\n\
         5,'@王五,139****0005,清流水务有限公司,沙头街道,12.00,0:08:00,2026-06-05 09:08:00,0\r\n\
         6,'=1+1,139****0003,绿源环保科技有限公司,沙头街道,10.00,0:08:00,2026-06-05 09:08:00,0\r\n"
    );
    assert!(!csv.contains("13900000001"), "phones are masked");
}

/// What the question export must say about one question.
#[derive(Clone, Copy, Debug, Default)]
struct ExpectedItem {
    drawn: u32,
    correct: u32,
    unanswered: u32,
    /// (drew it, answered it right) in the upper and the lower group.
    upper: [u32; 2],
    lower: [u32; 2],
    /// How many chose each of the bank's options (A = the bank's first, whatever order the
    /// participant saw), and how many options the question has.
    chose: [u32; 8],
    options: usize,
}

impl ExpectedItem {
    /// The upper group answers everything right, so p(upper) is 1 whenever it drew the
    /// question; the lower group has two people: p(lower) is 0, ½ or 1.
    fn discrimination(&self) -> Option<&'static str> {
        if self.upper[0] == 0 || self.lower[0] == 0 {
            return None;
        }
        assert_eq!(self.upper[0], self.upper[1]);
        Some(match (self.lower[1], self.lower[0]) {
            (0, _) => "1.00",
            (1, 2) => "0.50",
            _ => "0.00",
        })
    }
}

/// What the question export must say about each question (by stem), worked out from the
/// sheets the participants sent.
fn expected_items(fixture: &Fixture) -> HashMap<String, ExpectedItem> {
    // Ranking: 张三, 赵六 (21) | 李四, 孙七 (19.5) | @王五 (12), =1+1 (10). 27 % of 6 rounds
    // to 2: the upper group is 张三 and 赵六, the lower @王五 and =1+1.
    let upper = [0, 3];
    let lower = [4, 2];
    let mut items: HashMap<String, ExpectedItem> = HashMap::new();
    for (i, (paper, sheet, _)) in fixture.papers.iter().enumerate() {
        for question in paper {
            let sent = sheet.get(&question.no);
            let correct = sent == Some(&question.key);
            let entry = items.entry(question.stem.clone()).or_default();
            entry.drawn += 1;
            entry.options = question.option_order.len();
            for key in sent.into_iter().flatten() {
                let shown = (0..question.option_order.len())
                    .find(|&i| option_key(question.kind, i) == *key)
                    .unwrap();
                entry.chose[usize::from(question.option_order[shown])] += 1;
            }
            entry.correct += u32::from(correct);
            entry.unanswered += u32::from(sent.is_none());
            if upper.contains(&i) {
                entry.upper[0] += 1;
                entry.upper[1] += u32::from(correct);
            }
            if lower.contains(&i) {
                entry.lower[0] += 1;
                entry.lower[1] += u32::from(correct);
            }
        }
    }
    items
}

async fn the_question_export_counts_draws_correct_answers_and_discrimination(app: TestApp) {
    let fixture = fixture(app).await;
    let csv = fixture.csv("questions.csv").await;
    let mut reader = csv::ReaderBuilder::new().from_reader(csv.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        &headers[..8],
        [
            "题目编号",
            "版本",
            "题型",
            "法规",
            "条款",
            "难度",
            "抽中次数",
            "正确率"
        ]
    );
    assert_eq!(
        &headers[headers.len() - 3..],
        ["未作答率", "区分度", "题干"]
    );
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let expected = expected_items(&fixture);
    let mut seen = 0;
    let mut drawn_total = 0;
    for record in reader.records() {
        let record = record.unwrap();
        let stem = &record[column("题干")];
        let stem = stem.strip_prefix('\'').unwrap_or(stem);
        let item = expected
            .get(stem)
            .unwrap_or_else(|| panic!("an exported question no paper held: {stem}"));
        let drawn = item.drawn;
        let percent = |n: u32| format!("{:.1}%", f64::from(n) * 100.0 / f64::from(drawn));
        assert_eq!(record[column("抽中次数")], drawn.to_string(), "{stem}");
        assert_eq!(record[column("正确率")], percent(item.correct), "{stem}");
        assert_eq!(
            record[column("未作答率")],
            percent(item.unanswered),
            "{stem}"
        );
        assert_eq!(
            &record[column("区分度")],
            item.discrimination().unwrap_or(""),
            "{stem}"
        );
        for (option, letter) in ["A", "B", "C", "D", "E", "F", "G", "H"].iter().enumerate() {
            let Some(index) = headers.iter().position(|h| *h == format!("{letter}选择率"))
            else {
                assert!(
                    option >= item.options,
                    "{stem}: no column for option {letter}"
                );
                continue;
            };
            let expected = if option < item.options {
                percent(item.chose[option])
            } else {
                String::new()
            };
            assert_eq!(record[index], expected, "{stem}: option {letter}");
        }
        seen += 1;
        drawn_total += drawn;
    }
    assert_eq!(seen, expected.len(), "one row per question drawn");
    assert_eq!(drawn_total, 60, "six papers of ten questions");
}

fn float(cell: &Data) -> f64 {
    match cell {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("a number, found {other:?}"),
    }
}

async fn xlsx_exports_keep_numbers_as_numbers_and_times_as_times(app: TestApp) {
    let fixture = fixture(app).await;
    let people = fixture.xlsx("participants.xlsx", "个人成绩").await;
    assert_eq!(people[0][0], Data::String("排名".into()));
    assert_eq!(
        people.len(),
        7,
        "the header and six participants, no title or total rows"
    );
    assert_eq!(float(&people[1][0]), 1.0);
    assert_eq!(float(&people[2][0]), 1.0, "a shared first place");
    assert_eq!(people[1][1], Data::String("张三".into()));
    assert_eq!(people[1][2], Data::String("139****0001".into()));
    assert_eq!(float(&people[3][5]), 19.5, "a score is a number");
    assert!(
        matches!(people[1][6], Data::DateTime(_)),
        "用时 is a time: {:?}",
        people[1][6]
    );
    let Data::DateTime(used) = &people[1][6] else {
        unreachable!()
    };
    assert!(
        (used.as_f64() - 300.0 / 86_400.0).abs() < 1e-9,
        "five minutes"
    );
    let Data::DateTime(submitted) = &people[1][7] else {
        panic!("提交时间 is a date-time: {:?}", people[1][7]);
    };
    assert!(submitted.is_datetime());
    // Excel counts days from 1899-12-30; Unix time 0 is day 25,569; Beijing is UTC+8.
    let beijing_seconds = (crate::support::ENVIRONMENT_DAY / 1000 + 5 * 60 + 8 * 3600) as f64;
    let serial = 25_569.0 + beijing_seconds / 86_400.0;
    assert!(
        (submitted.as_f64() - serial).abs() < 1e-6,
        "2026-06-05 09:05:00 in Beijing: {}",
        submitted.as_f64()
    );
    assert_eq!(people[5][1], Data::String("'@王五".into()));
    assert_eq!(people[6][1], Data::String("'=1+1".into()));

    let companies = fixture.xlsx("companies.xlsx", "企业成绩").await;
    assert_eq!(companies[1][0], Data::String("绿源环保科技有限公司".into()));
    assert!(
        (float(&companies[1][4]) - 16.83).abs() < 1e-9,
        "平均分 rounded half up"
    );
    assert!(
        (float(&companies[1][6]) - 2.0 / 3.0).abs() < 1e-9,
        "及格率 as a fraction"
    );
    assert_eq!(companies[3][0], Data::String("'+蓝天化工有限公司".into()));
    assert_eq!(
        companies[3][7],
        Data::Empty,
        "no company score below the minimum"
    );

    let subdistricts = fixture.xlsx("subdistricts.xlsx", "街道参与情况").await;
    assert_eq!(subdistricts[3][0], Data::String("福田街道".into()));
    assert!((float(&subdistricts[3][4]) - 0.5).abs() < 1e-9);
    let questions = fixture.xlsx("questions.xlsx", "试题分析").await;
    assert_eq!(questions.len(), expected_items(&fixture).len() + 1);
}

async fn the_cli_writes_the_same_file_as_the_http_export(app: TestApp) {
    let fixture = fixture(app).await;
    let storage = match fixture.app.state.store.postgres_url() {
        Some(url) => vec!["--database-url".to_owned(), url.to_owned()],
        None => vec![
            "--data-dir".to_owned(),
            fixture.app.data_dir.path().display().to_string(),
        ],
    };
    let out = crate::support::temp_dir();
    let output = out.path().join("个人成绩.csv");
    let competition = fixture.competition.to_string();
    let mut args = vec![
        "export",
        "--competition",
        &competition,
        "--by",
        "participant",
        "--format",
        "csv",
        "--output",
        output.to_str().unwrap(),
    ];
    args.extend(storage.iter().map(String::as_str));
    let run = ecoquiz(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("6 行"), "{}", run.stdout);
    let from_cli = std::fs::read(&output).unwrap();
    let over_http = fixture
        .download("participants.csv")
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(from_cli, over_http.to_vec());

    let xlsx = out.path().join("企业成绩.xlsx");
    let mut args = vec![
        "export",
        "--competition",
        &competition,
        "--by",
        "company",
        "--format",
        "xlsx",
        "--output",
        xlsx.to_str().unwrap(),
    ];
    args.extend(storage.iter().map(String::as_str));
    assert_eq!(ecoquiz(&args).code, 0);
    let mut workbook: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(std::fs::read(&xlsx).unwrap())).unwrap();
    assert_eq!(workbook.worksheet_range("企业成绩").unwrap().height(), 6);

    let mut args = vec![
        "export",
        "--competition",
        "999",
        "--by",
        "company",
        "--format",
        "csv",
        "--output",
    ];
    let missing = out.path().join("missing.csv");
    args.push(missing.to_str().unwrap());
    args.extend(storage.iter().map(String::as_str));
    let unknown = ecoquiz(&args);
    assert_eq!(unknown.code, 1);
    assert!(
        unknown.stderr.contains("竞赛 999 不存在"),
        "{}",
        unknown.stderr
    );
    assert!(!missing.exists(), "no file for an unknown competition");
}

async fn exports_are_for_organizers_of_existing_competitions_only(app: TestApp) {
    let fixture = fixture(app).await;
    let participant = fixture
        .app
        .post(
            "/api/auth/login",
            None,
            &json!({"phone": "13900000001", "password": "环保知识竞赛2026"}),
        )
        .await;
    let participant = body(participant).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!(
        "/api/admin/competitions/{}/export/participants.csv",
        fixture.competition
    );
    assert_eq!(
        fixture.app.get(&path, Some(&participant)).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        fixture.app.get(&path, None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let unknown = fixture
        .app
        .get(
            "/api/admin/competitions/999/export/participants.csv",
            Some(&fixture.admin),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(
        body(unknown).await["error"]["message"]
            .as_str()
            .unwrap()
            .contains("竞赛不存在")
    );
    assert_eq!(
        fixture.download("grades.pdf").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fixture.download("participants.json").await.status(),
        StatusCode::NOT_FOUND
    );
}

/// Runs one SQL statement on the test app's database, beside the server.
async fn execute_sql(app: &TestApp, sql: &str) {
    use sqlx::Connection;
    let url = match app.state.store.postgres_url() {
        Some(url) => url.to_owned(),
        None => format!(
            "sqlite://{}",
            app.data_dir
                .path()
                .join(ecoquiz::store::SQLITE_FILE)
                .display()
        ),
    };
    let mut connection = sqlx::AnyConnection::connect(&url).await.unwrap();
    sqlx::query(sql).execute(&mut connection).await.unwrap();
    connection.close().await.unwrap();
}

async fn attempts_graded_before_responses_were_stored_are_counted_the_same(app: TestApp) {
    let fixture = fixture(app).await;
    let graded_with_responses = fixture.csv("questions.csv").await;
    // What a database graded by a version before migration 0003 looks like.
    execute_sql(&fixture.app, "UPDATE attempts SET responses = NULL").await;
    let forgotten = fixture.csv("questions.csv").await;
    assert_eq!(
        forgotten.lines().count(),
        1,
        "without responses nothing is counted: {forgotten}"
    );
    // Opening the store (what a server start does) fills them in from the saved answers.
    let storage = match fixture.app.state.store.postgres_url() {
        Some(url) => ecoquiz::settings::Storage::DatabaseUrl(url.to_owned()),
        None => ecoquiz::settings::Storage::DataDir(fixture.app.data_dir.path().to_owned()),
    };
    ecoquiz::store::Store::open(&storage).await.unwrap();
    assert_eq!(fixture.csv("questions.csv").await, graded_with_responses);
}

async fn only_each_participants_best_attempt_is_exported(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let competition = app
        .create_competition_with(&admin, json!({"max_attempts": 2}))
        .await;
    // 甲 does well, then badly; 乙 badly, then well; 丙 once, in between.
    let mut taken = Vec::new();
    for (name, phone, plans) in [
        ("甲", "13900000011", vec![Plan::Perfect, Plan::SinglesOnly]),
        (
            "乙",
            "13900000012",
            vec![Plan::SinglesOnly, Plan::PartialOnOneMultiple],
        ),
        ("丙", "13900000013", vec![Plan::SinglesAndJudges]),
    ] {
        let token = app.register(name, phone, "绿源环保科技有限公司").await;
        for plan in plans {
            let (attempt, _) = start_paper(&app, competition, &token).await;
            let paper = answer_key(&app, attempt).await;
            fill(&app, &token, attempt, &sheet_for(plan, &paper)).await;
            app.advance_minutes(1);
            assert_eq!(submit(&app, &token, attempt).await.status(), StatusCode::OK);
            taken.push(plan);
        }
    }
    let fixture = Fixture {
        app,
        admin,
        competition,
        papers: Vec::new(),
    };
    let csv = fixture.csv("participants.csv").await;
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|line| line.split(',').collect())
        .collect();
    let summary: Vec<(&str, &str, &str)> = rows.iter().map(|r| (r[0], r[1], r[5])).collect();
    assert_eq!(
        summary,
        [
            ("1", "甲", "21.00"),
            ("2", "乙", "19.50"),
            ("3", "丙", "12.00")
        ]
    );
    // The item analysis counts the same three papers of ten questions, not all five.
    let questions = fixture.csv("questions.csv").await;
    let mut reader = csv::ReaderBuilder::new().from_reader(questions.as_bytes());
    let drawn = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "抽中次数")
        .unwrap();
    let total: u32 = reader
        .records()
        .map(|r| r.unwrap()[drawn].parse::<u32>().unwrap())
        .sum();
    assert_eq!(total, 30);
    assert_eq!(taken.len(), 5, "five attempts were taken");
}
