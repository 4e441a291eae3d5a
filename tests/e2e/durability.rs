//! Nothing acknowledged is lost: the real binary is killed with SIGKILL after acknowledged
//! autosaves, restarted on the same store, and every answer is still there; a live final
//! killed mid-question resumes where it stood.

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
    let after: Value = get_json(
        client,
        format!("{address}/api/attempts/{attempt}"),
        Some(&token),
    )
    .await;
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

/// `POST` with a token, answering the status and the JSON body.
async fn post_json(
    client: &reqwest::Client,
    url: String,
    token: Option<&str>,
    payload: Value,
) -> (StatusCode, Value) {
    let mut request = client.post(url).json(&payload);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// `GET` with a token if any, answering the JSON body.
async fn get_json(client: &reqwest::Client, url: String, token: Option<&str>) -> Value {
    let mut request = client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the server answers");
    response.json().await.expect("a JSON body")
}

/// A seat's answer to the current question of final `id`.
async fn answer_as(
    client: &reqwest::Client,
    address: &str,
    id: i64,
    token: &str,
    seq: u64,
    choice: &str,
) -> (StatusCode, Value) {
    post_json(
        client,
        format!("{address}/api/finals/{id}/answer"),
        Some(token),
        json!({"seq": seq, "choice": [choice]}),
    )
    .await
}

/// A live final killed with SIGKILL while a question is open resumes on restart in the same
/// phase, with the same `seq`, scores, answers and absolute deadline; the seats' tokens still
/// work and an acknowledged answer is still the seat's one answer.
async fn a_live_final_killed_mid_question_resumes_where_it_stood(storage: &[&str], data_dir: &str) {
    let (mut server, address) = start_server(storage, data_dir);
    let client = reqwest::Client::new();
    let password = std::fs::read_to_string(format!("{data_dir}/initial-admin-password"))
        .expect("the first start wrote the admin's password");
    let (_, login) = post_json(
        &client,
        format!("{address}/api/admin/login"),
        None,
        json!({"username": "admin", "password": password.trim()}),
    )
    .await;
    let admin = login["token"].as_str().expect("a token").to_owned();
    let questions: Value = get_json(
        &client,
        format!("{address}/api/admin/questions?kind=single"),
        Some(&admin),
    )
    .await;
    let ids: Vec<i64> = questions["items"].as_array().unwrap()[..2]
        .iter()
        .map(|q| q["id"].as_i64().unwrap())
        .collect();
    let (status, created) = post_json(
        &client,
        format!("{address}/api/admin/finals"),
        Some(&admin),
        json!({"title": "断电演练", "seats": [{"name": "甲"}, {"name": "乙"}, {"name": "丙"}],
               "rounds": [{"kind": "required", "seconds": 300, "points": 10, "penalty": 5,
                           "questions": {"ids": ids}}]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let mut seats = Vec::new();
    for seat in created["seats"].as_array().unwrap() {
        let (_, joined) = post_json(
            &client,
            format!("{address}/api/finals/join"),
            None,
            json!({"join_code": seat["join_code"]}),
        )
        .await;
        seats.push(joined["token"].as_str().unwrap().to_owned());
    }
    let mut seq = created["state"]["seq"].as_u64().unwrap();
    for action in ["start", "open"] {
        let (status, state) = post_json(
            &client,
            format!("{address}/api/admin/finals/{id}/actions"),
            Some(&admin),
            json!({"action": action, "seq": seq}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{state}");
        seq = state["seq"].as_u64().unwrap();
    }
    assert_eq!(
        answer_as(&client, &address, id, &seats[0], seq, "A")
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        answer_as(&client, &address, id, &seats[1], seq, "B")
            .await
            .0,
        StatusCode::OK
    );
    let before: Value = get_json(&client, format!("{address}/api/finals/{id}/state"), None).await;
    assert_eq!(before["phase"], "open");
    sigkill(&mut server);

    let (mut restarted, address) = start_server(storage, data_dir);
    let after: Value = get_json(&client, format!("{address}/api/finals/{id}/state"), None).await;
    for field in [
        "phase", "seq", "deadline", "answered", "seats", "question", "round",
    ] {
        assert_eq!(after[field], before[field], "{field} after the SIGKILL");
    }
    let (status, again) = answer_as(&client, &address, id, &seats[0], seq, "C").await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert_eq!(again["error"]["code"], "already_answered");
    let (status, last) = answer_as(&client, &address, id, &seats[2], seq, "A").await;
    assert_eq!(status, StatusCode::OK, "the countdown still runs: {last}");
    sigkill(&mut restarted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_resumes_a_live_final_killed_mid_question() {
    let dir = temp_dir();
    let data_dir = dir.path().to_str().unwrap().to_owned();
    a_live_final_killed_mid_question_resumes_where_it_stood(&["--data-dir", &data_dir], &data_dir)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_resumes_a_live_final_killed_mid_question() {
    let Some(base) = postgres_base_url() else {
        eprintln!(
            "{POSTGRES_VARIABLE} not set: the PostgreSQL live final SIGKILL test did not run"
        );
        return;
    };
    let url = fresh_postgres_database(&base).await;
    let dir = temp_dir();
    let data_dir = dir.path().to_str().unwrap().to_owned();
    a_live_final_killed_mid_question_resumes_where_it_stood(&["--database-url", &url], &data_dir)
        .await;
}
