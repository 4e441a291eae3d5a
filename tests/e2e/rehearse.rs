//! `ecoquiz rehearse` end to end: the real binary against the real server (in-process, on a
//! bound port) on both backends, with a small N. The figures are not asserted (a shared
//! machine is noisy); the counts are, and that a rehearsal stays out of everything real —
//! the contestants' list, the real board, the exports, the roster — and that `--cleanup`
//! removes exactly what it made, after a finished run and after Ctrl-C half-way.

use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::on_both_backends;
use crate::support::{Run, TestApp, body, hand_in_paper, registration, small_blueprint};

on_both_backends!(
    a_rehearsal_runs_every_contestant_through_and_leaves_the_real_competition_untouched,
    ctrl_c_half_way_stops_the_rehearsal_and_cleanup_still_removes_everything_it_made,
    wrong_credentials_are_refused_and_nothing_is_made,
);

const CONTESTANTS: u64 = 12;
const VIEWERS: u64 = 3;

/// `ecoquiz rehearse ARGS` against `app`, as its first organizer.
fn rehearse_command(app: &TestApp, args: &[&str], password: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ecoquiz"));
    command
        .arg("rehearse")
        .args(["--url", &app.address])
        .args(args)
        .env("ECOQUIZ_REHEARSE_USER", "admin")
        .env("ECOQUIZ_REHEARSE_PASSWORD", password)
        .kill_on_drop(true);
    command
}

async fn rehearse(app: &TestApp, args: &[&str]) -> Run {
    let output = rehearse_command(app, args, &app.admin_password)
        .output()
        .await
        .expect("ecoquiz rehearse runs");
    Run {
        code: output.status.code().expect("rehearse exited normally"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// The roster of one real company, the bank, a real competition and one real participant
/// who handed a paper in: what a rehearsal must not touch. Returns (admin, competition).
async fn real_event(app: &TestApp) -> (String, i64) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    app.import_roster(&admin, &[("绿源化工有限公司", "城关街道")])
        .await;
    let competition = app
        .create_competition(&admin, small_blueprint(), 60, 30)
        .await;
    hand_in_paper(
        app,
        competition,
        "赵敏",
        "13800000001",
        "绿源化工有限公司",
        3,
    )
    .await;
    (admin, competition)
}

fn count(report: &Value, action: &str) -> u64 {
    report["actions"][action]["ok"].as_u64().unwrap_or(0)
}

fn failures<'a>(report: &'a Value, action: &str) -> &'a serde_json::Map<String, Value> {
    report["actions"][action]["errors"]
        .as_object()
        .expect("errors by kind")
}

async fn board_of(app: &TestApp, competition: i64) -> Value {
    body(
        app.get(
            &format!("/api/competitions/{competition}/leaderboard"),
            None,
        )
        .await,
    )
    .await
}

/// A second cleanup finds nothing, and the organizers list only the real competition.
async fn only_the_real_competition_is_left(app: &TestApp, admin: &str, real: i64) {
    let again = rehearse(app, &["--cleanup", "--json"]).await;
    assert_eq!(
        again.json(),
        json!({"competitions": 0, "participants": 0, "attempts": 0, "companies": 0})
    );
    assert_eq!(
        competition_ids(app, "/api/admin/competitions", Some(admin)).await,
        [real]
    );
}

async fn competition_ids(app: &TestApp, path: &str, token: Option<&str>) -> Vec<i64> {
    let listed = body(app.get(path, token).await).await;
    listed
        .as_array()
        .expect("a list")
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

async fn a_rehearsal_runs_every_contestant_through_and_leaves_the_real_competition_untouched(
    app: TestApp,
) {
    let (admin, real) = real_event(&app).await;
    let run = rehearse(
        &app,
        &[
            "--contestants",
            &CONTESTANTS.to_string(),
            "--viewers",
            &VIEWERS.to_string(),
            "--arrival-seconds",
            "1",
            "--think-ms",
            "20",
            "--json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    let rehearsal = report["competition_id"].as_i64().unwrap();
    let questions = report["questions"].as_u64().unwrap();
    assert_eq!(
        questions,
        20 + 10 + 10,
        "the demo's shape: the sample bank fills it"
    );
    assert_eq!(count(&report, "register_admitted"), CONTESTANTS);
    assert_eq!(count(&report, "start"), CONTESTANTS);
    assert_eq!(count(&report, "answer"), CONTESTANTS * questions);
    assert_eq!(count(&report, "submit"), CONTESTANTS);
    assert_eq!(count(&report, "viewer_connect"), VIEWERS);
    for action in ["start", "answer", "submit", "viewer_connect"] {
        assert!(failures(&report, action).is_empty(), "{action}: {report}");
    }
    assert!(
        count(&report, "frame_delay") > 0,
        "the viewers saw the submissions arrive: {report}"
    );
    assert_eq!(report["interrupted"], json!(false));

    // Contestants never see it; organizers do, marked.
    assert_eq!(
        competition_ids(&app, "/api/competitions", None).await,
        [real]
    );
    let for_organizers = body(app.get("/api/admin/competitions", Some(&admin)).await).await;
    let marked: Vec<(i64, bool)> = for_organizers
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_i64().unwrap(), c["rehearsal"].as_bool().unwrap()))
        .collect();
    assert!(marked.contains(&(rehearsal, true)) && marked.contains(&(real, false)));
    // Its board holds its contestants; the real board only the real participant.
    let board = |id: i64| board_of(&app, id);
    assert_eq!(
        board(rehearsal).await["stats"]["submitted"],
        json!(CONTESTANTS)
    );
    let real_board = board(real).await;
    assert_eq!(real_board["stats"]["submitted"], json!(1));
    assert_eq!(real_board["stats"]["registered"], json!(1));
    // The exports: the real one lists no rehearsal company; the rehearsal's is refused.
    let companies = app
        .get(
            &format!("/api/admin/competitions/{real}/export/companies.csv"),
            Some(&admin),
        )
        .await;
    assert_eq!(companies.status(), StatusCode::OK);
    let csv = companies.text().await.unwrap();
    assert!(
        csv.contains("绿源化工有限公司") && !csv.contains("演练"),
        "{csv}"
    );
    let refused = app
        .get(
            &format!("/api/admin/competitions/{rehearsal}/export/participants.xlsx"),
            Some(&admin),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert_eq!(body(refused).await["error"]["code"], json!("rehearsal"));
    // The roster is still the bureau's one company, and registration still checks it.
    let roster = body(app.get("/api/admin/companies", Some(&admin)).await).await;
    assert_eq!(roster["total"], json!(1), "{roster}");
    let off_roster = app
        .post(
            "/api/auth/register",
            None,
            &registration("钱伟", "13800000002", "清河水务集团"),
        )
        .await;
    assert_eq!(off_roster.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A real participant cannot start the rehearsal.
    let real_token = app
        .register("孙丽", "13800000003", "绿源化工有限公司")
        .await;
    let start = app
        .post(
            &format!("/api/competitions/{rehearsal}/attempts"),
            Some(&real_token),
            &json!({}),
        )
        .await;
    assert_eq!(start.status(), StatusCode::NOT_FOUND);

    // Cleanup removes exactly the rehearsal; a second one finds nothing left.
    let cleaned = rehearse(&app, &["--cleanup", "--json"]).await;
    assert_eq!(cleaned.code, 0, "{}", cleaned.stderr);
    assert_eq!(
        cleaned.json(),
        json!({"competitions": 1, "participants": CONTESTANTS, "attempts": CONTESTANTS, "companies": 10})
    );
    only_the_real_competition_is_left(&app, &admin, real).await;
    let real_board = board(real).await;
    assert_eq!(real_board["stats"]["submitted"], json!(1));
    assert_eq!(real_board["stats"]["registered"], json!(2));
}

async fn ctrl_c_half_way_stops_the_rehearsal_and_cleanup_still_removes_everything_it_made(
    app: TestApp,
) {
    let (admin, real) = real_event(&app).await;
    // 200 contestants arriving over 2 s who think 2 s per question: minutes of work, stopped
    // a second after the rehearsal began.
    let mut child = rehearse_command(
        &app,
        &[
            "--contestants",
            "200",
            "--viewers",
            "2",
            "--arrival-seconds",
            "2",
            "--think-ms",
            "2000",
        ],
        &app.admin_password,
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("ecoquiz rehearse starts");
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    loop {
        let line = tokio::time::timeout(Duration::from_secs(60), stderr.next_line())
            .await
            .expect("the rehearsal says it began")
            .expect("stderr is readable")
            .expect("the rehearsal says it began before it ends");
        if line.contains("Ctrl-C") {
            break;
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &child.id().unwrap().to_string()])
        .status()
        .expect("kill runs");
    assert!(interrupted.success());
    let stderr_rest = tokio::spawn(async move {
        let mut rest = String::new();
        while let Ok(Some(line)) = stderr.next_line().await {
            rest.push_str(&line);
            rest.push('\n');
        }
        rest
    });
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the rehearsal stops soon after Ctrl-C")
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = stderr_rest.await.unwrap();
    assert_eq!(output.status.code(), Some(130), "{stdout}\n{stderr}");
    assert!(stdout.contains("已中断的演练"), "{stdout}");
    assert!(
        stderr.contains("--cleanup"),
        "it says how to clean up: {stderr}"
    );

    let cleaned = rehearse(&app, &["--cleanup", "--json"]).await;
    assert_eq!(cleaned.code, 0, "{}", cleaned.stderr);
    let counts = cleaned.json();
    assert_eq!(counts["competitions"], json!(1), "{counts}");
    assert_eq!(counts["companies"], json!(10), "{counts}");
    assert!(counts["participants"].as_u64().unwrap() > 0, "{counts}");
    only_the_real_competition_is_left(&app, &admin, real).await;
}

async fn wrong_credentials_are_refused_and_nothing_is_made(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let output = rehearse_command(&app, &["--contestants", "5"], "not-the-password")
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("组织者用户名或密码错误"), "{stderr}");
    assert!(stderr.contains("ECOQUIZ_REHEARSE_PASSWORD"), "{stderr}");
    assert!(
        competition_ids(&app, "/api/admin/competitions", Some(&admin))
            .await
            .is_empty()
    );
}

/// Command lines that are refused before anything is sent: each says what to fix.
#[test]
fn bad_command_lines_are_refused_with_what_to_fix() {
    let with_credentials = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_ecoquiz"))
            .arg("rehearse")
            .args(args)
            .env("ECOQUIZ_REHEARSE_USER", "admin")
            .env("ECOQUIZ_REHEARSE_PASSWORD", "whatever-it-is")
            .output()
            .unwrap();
        (
            output.status.code().unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    let url = ["--url", "http://127.0.0.1:9"];
    for (args, expected) in [
        (vec!["--contestants", "0"], "考生人数必须是 1 到 100000"),
        (
            vec!["--contestants", "1000000"],
            "考生人数必须是 1 到 100000",
        ),
        (vec![], "请用 --contestants 指定考生人数"),
        (
            vec!["--contestants", "10", "--viewers", "999999"],
            "看板观众必须是 0 到 20000",
        ),
        (
            vec!["--contestants", "10", "--think-ms", "600000"],
            "思考时间",
        ),
    ] {
        let (code, stderr) = with_credentials(&[&url[..], &args].concat());
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    let (code, stderr) =
        with_credentials(&["--url", "https://quiz.example.cn", "--contestants", "5"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("只连 http://"), "{stderr}");
    let (code, stderr) = with_credentials(&["--url", "quiz.example.cn", "--contestants", "5"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("http://主机:端口"), "{stderr}");
    // Nothing listens on port 9 (discard): unreachable is exit 2.
    let (code, stderr) = with_credentials(&[&url[..], &["--contestants", "5"]].concat());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("连不上"), "{stderr}");
    // No credentials at all.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ecoquiz"))
        .args([
            "rehearse",
            "--url",
            "http://127.0.0.1:9",
            "--contestants",
            "5",
        ])
        .env_remove("ECOQUIZ_REHEARSE_USER")
        .env_remove("ECOQUIZ_REHEARSE_PASSWORD")
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("ECOQUIZ_REHEARSE_USER"), "{stderr}");
}

/// A web server that is not ecoquiz (it answers every path with a page) is named as such.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_is_not_ecoquiz_is_named_as_such() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let site =
        axum::Router::new().fallback(|| async { axum::response::Html("<h1>区政府门户</h1>") });
    tokio::spawn(async move { axum::serve(listener, site).await });
    let output = Command::new(env!("CARGO_BIN_EXE_ecoquiz"))
        .args(["rehearse", "--url", &address, "--contestants", "5"])
        .env("ECOQUIZ_REHEARSE_USER", "admin")
        .env("ECOQUIZ_REHEARSE_PASSWORD", "whatever-it-is")
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("不像 ecoquiz 服务器"), "{stderr}");
}
