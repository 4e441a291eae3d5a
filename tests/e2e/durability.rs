//! Nothing acknowledged is lost: the real binary is killed with SIGKILL after acknowledged
//! autosaves, restarted on the same store, and every answer is still there.

use std::process::{Child, Command};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{
    BinaryClient, POSTGRES_VARIABLE, ecoquiz, fresh_postgres_database, postgres_base_url,
    start_server, temp_dir,
};

pub fn sigkill(child: &mut Child) {
    // SIGKILL: no shutdown hooks, no flushing; only what was committed survives.
    let pid = child.id() as i32;
    assert_eq!(kill_9(pid), 0, "kill -9 {pid}");
    child.wait().expect("the killed server is reaped");
}

/// `kill -9 PID` through the system's `kill` command (no unsafe `libc::kill` needed).
fn kill_9(pid: i32) -> i32 {
    Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .map(|s| s.code().unwrap_or(-1))
        .unwrap_or(-1)
}

async fn twenty_acknowledged_autosaves_survive_a_sigkill(storage: &[&str], data_dir: &str) {
    let (mut server, address) = start_server(storage, data_dir);
    let participant = BinaryClient::new(&address);
    let client = &participant.http;
    let token = participant
        .register("王五", "13700000001", "清水污水处理有限公司")
        .await;
    let competition = participant.first_competition().await;
    let paper = participant.start(&token, competition).await;
    let attempt = paper["attempt_id"].as_i64().unwrap();
    let mut acknowledged = serde_json::Map::new();
    for question in paper["questions"].as_array().unwrap().iter().take(20) {
        let no = question["no"].as_i64().unwrap();
        let key = question["options"][1]["key"].clone();
        let response = client
            .put(format!("{address}/api/attempts/{attempt}/answers/{no}"))
            .bearer_auth(&token)
            .json(&json!({"choice": [key]}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        acknowledged.insert(no.to_string(), json!([key]));
    }
    assert_eq!(acknowledged.len(), 20);
    sigkill(&mut server);

    let (mut restarted, address) = start_server(storage, data_dir);
    let after: Value = client
        .get(format!("{address}/api/attempts/{attempt}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(after["status"], "in_progress");
    assert_eq!(after["answers"], Value::Object(acknowledged));
    sigkill(&mut restarted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_twenty_acknowledged_autosaves_across_a_sigkill() {
    let dir = temp_dir();
    let data_dir = dir.path().to_str().unwrap().to_owned();
    twenty_acknowledged_autosaves_survive_a_sigkill(&["--data-dir", &data_dir], &data_dir).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_twenty_acknowledged_autosaves_across_a_sigkill() {
    let Some(base) = postgres_base_url() else {
        eprintln!("{POSTGRES_VARIABLE} not set: the PostgreSQL SIGKILL test did not run");
        return;
    };
    let url = fresh_postgres_database(&base).await;
    let dir = temp_dir();
    let data_dir = dir.path().to_str().unwrap().to_owned();
    twenty_acknowledged_autosaves_survive_a_sigkill(&["--database-url", &url], &data_dir).await;
}

#[test]
fn serve_refuses_an_unknown_durability_mode_before_touching_the_data_folder() {
    let dir = temp_dir();
    let data_dir = dir.path().join("data");
    let run = ecoquiz(&[
        "serve",
        "--data-dir",
        data_dir.to_str().unwrap(),
        "--sqlite-synchronous",
        "sometimes",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("possible values: full, normal"),
        "{}",
        run.stderr
    );
    assert!(!data_dir.exists(), "nothing was created");
}
