//! The live final end to end (docs/FINAL.md): a host, seats and the audience over real HTTP,
//! the projector and phones over real websockets, on both backends; the buzz race; every bad
//! input refused with nothing changed; the key kept from everyone before the reveal; a second
//! device replacing the first; a final resumed after a crash; two servers on PostgreSQL.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use crate::on_both_backends;
use crate::support::{TestApp, body, hand_in_three_papers};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const PATIENCE: Duration = Duration::from_secs(10);

/// Questions of the sample bank of a kind: `(id, answer keys)`, as the organizers' list shows
/// them.
pub(crate) async fn bank_questions(
    app: &TestApp,
    admin: &str,
    kind: &str,
    count: usize,
) -> Vec<i64> {
    let found = body(
        app.get(&format!("/api/admin/questions?kind={kind}"), Some(admin))
            .await,
    )
    .await;
    found["items"]
        .as_array()
        .unwrap()
        .iter()
        .take(count)
        .map(|q| q["id"].as_i64().unwrap())
        .collect()
}

/// A final of three rounds — 必答 (2 questions), 抢答 (2), 风险题 (1) — with `seats` seats.
async fn three_round_final(app: &TestApp, admin: &str, seats: usize) -> Value {
    app.import_sample_bank(admin).await;
    let singles = bank_questions(app, admin, "single", 5).await;
    let response = app
        .post(
            "/api/admin/finals",
            Some(admin),
            &json!({
                "title": "2026年六五环境日企业环保知识竞赛决赛",
                "base_score": 100,
                "seats": (1..=seats).map(|n| json!({"name": format!("选手{n}"), "company": format!("企业{n}")})).collect::<Vec<_>>(),
                "rounds": [
                    {"kind": "required", "seconds": 30, "points": 10, "penalty": 5, "questions": {"ids": &singles[0..2]}},
                    {"kind": "buzz", "seconds": 20, "points": 20, "penalty": 10, "answer_seconds": 10, "questions": {"ids": &singles[2..4]}},
                    {"kind": "risk", "seconds": 30, "points": 10, "stakes": [10, 20, 30], "questions": {"ids": &singles[4..5]}},
                ],
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    body(response).await
}

/// The host's action; panics unless it is accepted.
async fn act(app: &TestApp, admin: &str, id: i64, action: Value) -> Value {
    let response = app
        .post(
            &format!("/api/admin/finals/{id}/actions"),
            Some(admin),
            &action,
        )
        .await;
    let status = response.status();
    let state = body(response).await;
    assert_eq!(status, StatusCode::OK, "{action} refused: {state}");
    state
}

/// Steps the show with `action` on its current `seq`.
pub(crate) async fn step(
    app: &TestApp,
    admin: &str,
    id: i64,
    seq: &mut u64,
    action: &str,
) -> Value {
    let state = act(app, admin, id, json!({"action": action, "seq": *seq})).await;
    *seq = state["seq"].as_u64().unwrap();
    state
}

pub(crate) async fn join_seat(app: &TestApp, join_code: &str) -> String {
    let response = app
        .post("/api/finals/join", None, &json!({"join_code": join_code}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    body(response).await["token"].as_str().unwrap().to_owned()
}

pub(crate) async fn join_audience(app: &TestApp, code: &str, nickname: &str) -> String {
    let response = app
        .post(
            "/api/finals/join",
            None,
            &json!({"code": code, "nickname": nickname}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    body(response).await["token"].as_str().unwrap().to_owned()
}

pub(crate) async fn post_as(
    app: &TestApp,
    token: &str,
    path: &str,
    payload: Value,
) -> (StatusCode, Value) {
    let response = app.post(path, Some(token), &payload).await;
    let status = response.status();
    (status, body(response).await)
}

async fn socket(app: &TestApp, id: i64, token: Option<&str>) -> Socket {
    let query = token.map(|t| format!("?token={t}")).unwrap_or_default();
    connect_async(app.ws_url(&format!("/ws/finals/{id}{query}")))
        .await
        .expect("the socket opens")
        .0
}

/// The next text message on a socket.
async fn next_message(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(PATIENCE, socket.next())
            .await
            .expect("a frame arrives in time")
            .expect("the socket stays open")
            .expect("a valid message");
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).expect("frames are JSON");
        }
    }
}

async fn frame_where(socket: &mut Socket, done: impl Fn(&Value) -> bool) -> Value {
    loop {
        let frame = next_message(socket).await;
        if done(&frame) {
            return frame;
        }
    }
}

/// A seat's or an audience member's answer to the current question of final `id`.
async fn answer_as(
    app: &TestApp,
    token: &str,
    id: i64,
    seq: u64,
    choice: Value,
) -> (StatusCode, Value) {
    post_as(
        app,
        token,
        &format!("/api/finals/{id}/answer"),
        json!({"seq": seq, "choice": choice}),
    )
    .await
}

/// A seat's buzz on the current question of final `id`.
async fn buzz_as(app: &TestApp, token: &str, id: i64, seq: u64) -> (StatusCode, Value) {
    post_as(
        app,
        token,
        &format!("/api/finals/{id}/buzz"),
        json!({"seq": seq}),
    )
    .await
}

/// The current question's key from the host's state, e.g. `["B"]`.
fn key_of(host_state: &Value) -> Vec<String> {
    host_state["host"]["answer"]
        .as_array()
        .expect("the host sees the key")
        .iter()
        .map(|k| k.as_str().unwrap().to_owned())
        .collect()
}

/// A wrong single answer for a key.
pub(crate) fn wrong(key: &[String]) -> String {
    ["A", "B", "C", "D"]
        .into_iter()
        .find(|k| !key.iter().any(|key| key == k))
        .unwrap()
        .to_owned()
}

pub(crate) fn scores(state: &Value) -> Vec<i64> {
    state["seats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["score"].as_i64().unwrap())
        .collect()
}

/// Asserts that no answer key is in a JSON value (a frame or a reply) before the reveal.
fn assert_no_key(value: &Value, what: &str) {
    assert!(
        value.get("host").is_none(),
        "{what} carries the host's part: {value}"
    );
    assert!(
        value["reveal"].is_null(),
        "{what} carries the reveal before it: {value}"
    );
    let text = value.to_string();
    assert!(
        !text.contains("\"answer\":["),
        "{what} carries an answer key: {text}"
    );
    assert!(
        !text.contains("explanation"),
        "{what} carries an explanation: {text}"
    );
}

on_both_backends!(
    a_final_of_three_rounds_with_eight_seats_and_fifty_in_the_audience_scores_as_computed_by_hand,
    eight_simultaneous_buzzes_have_exactly_one_winner,
    bad_inputs_are_refused_and_change_nothing,
    a_second_device_replaces_the_first,
    seats_seeded_from_a_competition_are_its_best_individuals_or_companies_in_board_order,
);

async fn a_final_of_three_rounds_with_eight_seats_and_fifty_in_the_audience_scores_as_computed_by_hand(
    app: TestApp,
) {
    let admin = app.admin_token().await;
    let created = three_round_final(&app, &admin, 8).await;
    let id = created["id"].as_i64().unwrap();
    let code = created["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 6);
    let mut seats = Vec::new();
    for seat in created["seats"].as_array().unwrap() {
        seats.push(join_seat(&app, seat["join_code"].as_str().unwrap()).await);
    }
    let mut audience = Vec::new();
    for n in 0..50 {
        audience.push(join_audience(&app, &code, &format!("观众{n}")).await);
    }
    let mut projector = socket(&app, id, None).await;
    let mut seat_socket = socket(&app, id, Some(&seats[0])).await;
    let mut host_socket = socket(&app, id, Some(&admin)).await;
    let lobby = next_message(&mut projector).await;
    assert_eq!(lobby["phase"], "lobby");
    assert_eq!(lobby["audience"]["joined"], 50);
    assert_no_key(&lobby, "the projector's lobby");
    assert_eq!(
        next_message(&mut host_socket).await["host"]["next_action"],
        "start"
    );

    let mut seq = created["state"]["seq"].as_u64().unwrap();
    let mut expected = vec![100i64; 8];
    let mut audience_expected = vec![0i64; 50];

    // Round 1, 必答 ×2: seats 1–4 right, 5–6 wrong, 7–8 silent; the audience: even right, odd wrong.
    for question in 0..2 {
        let shown = step(
            &app,
            &admin,
            id,
            &mut seq,
            if question == 0 { "start" } else { "next" },
        )
        .await;
        assert_eq!(shown["phase"], "question");
        assert_eq!(shown["question"]["no"], question + 1);
        let key = key_of(&shown);
        let open = step(&app, &admin, id, &mut seq, "open").await;
        assert_eq!(open["phase"], "open");
        let projected = frame_where(&mut projector, |f| f["phase"] == "open").await;
        assert_no_key(&projected, "the projector's open question");
        let seat_frame = frame_where(&mut seat_socket, |f| f["phase"] == "open").await;
        assert_no_key(&seat_frame, "a seat's open question");
        for (n, token) in seats.iter().enumerate().take(6) {
            let choice = if n < 4 {
                key.clone()
            } else {
                vec![wrong(&key)]
            };
            let (status, reply) = answer_as(&app, token, id, seq, json!(choice)).await;
            assert_eq!(status, StatusCode::OK, "{reply}");
            assert_eq!(
                reply,
                json!({"accepted": true}),
                "a reply says nothing of right or wrong"
            );
            expected[n] += if n < 4 { 10 } else { -5 };
        }
        for (n, token) in audience.iter().enumerate() {
            let choice = if n % 2 == 0 {
                key.clone()
            } else {
                vec![wrong(&key)]
            };
            let (status, _) = answer_as(&app, token, id, seq, json!(choice)).await;
            assert_eq!(status, StatusCode::OK);
            if n % 2 == 0 {
                // Answered at once (the test's clock stands still): the full speed bonus.
                audience_expected[n] += 15;
            }
        }
        let counted = frame_where(&mut projector, |f| {
            f["answered"] == 6 && f["audience"]["answered"] == 50
        })
        .await;
        assert_eq!(counted["phase"], "open");
        expected[6] -= 5;
        expected[7] -= 5;
        step(&app, &admin, id, &mut seq, "close").await;
        let revealed = step(&app, &admin, id, &mut seq, "reveal").await;
        assert_eq!(scores(&revealed), expected);
        assert_eq!(revealed["reveal"]["distribution"][key[0].as_str()], 4);
        assert_eq!(
            revealed["reveal"]["audience_distribution"][key[0].as_str()],
            25
        );
        let on_screen = frame_where(&mut projector, |f| f["phase"] == "revealed").await;
        assert_eq!(
            on_screen["reveal"]["answer"],
            json!(key),
            "the key is shown from the reveal on"
        );
        step(&app, &admin, id, &mut seq, "scoreboard").await;
    }

    // Round 2, 抢答: seat 3 wins and answers right; on the second question seat 5 wins and
    // answers wrong, the host re-arms, seat 2 wins and stays silent until the countdown ends.
    let shown = step(&app, &admin, id, &mut seq, "next").await;
    assert_eq!(shown["round"]["kind"], "buzz");
    let key = key_of(&shown);
    let (status, early) = buzz_as(&app, &seats[0], id, seq).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(early["error"]["code"], "too_early");
    step(&app, &admin, id, &mut seq, "open").await;
    let (status, won) = buzz_as(&app, &seats[2], id, seq).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(won["won"], true);
    let (_, lost) = buzz_as(&app, &seats[3], id, seq).await;
    assert_eq!(lost["won"], false);
    assert_eq!(lost["order"][0]["seat"], 3);
    assert_eq!(lost["order"][1]["seat"], 4);
    let answering = frame_where(&mut projector, |f| f["phase"] == "answering").await;
    assert_eq!(answering["buzz"]["winner"], 3);
    assert_no_key(&answering, "the projector while the winner answers");
    let (status, refused) = answer_as(&app, &seats[3], id, seq, json!(key)).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("not_your_turn"))
    );
    let (status, _) = answer_as(&app, &seats[2], id, seq, json!(key)).await;
    assert_eq!(status, StatusCode::OK);
    expected[2] += 20;
    let state = body(app.get(&format!("/api/finals/{id}/state"), None).await).await;
    assert_eq!(
        state["phase"], "closed",
        "the winner's answer closes the question"
    );
    seq = state["seq"].as_u64().unwrap();
    let revealed = step(&app, &admin, id, &mut seq, "reveal").await;
    assert_eq!(scores(&revealed), expected);
    step(&app, &admin, id, &mut seq, "scoreboard").await;

    let shown = step(&app, &admin, id, &mut seq, "next").await;
    let key = key_of(&shown);
    step(&app, &admin, id, &mut seq, "open").await;
    buzz_as(&app, &seats[4], id, seq).await;
    answer_as(&app, &seats[4], id, seq, json!([wrong(&key)])).await;
    expected[4] -= 10;
    seq = body(app.get(&format!("/api/finals/{id}/state"), None).await).await["seq"]
        .as_u64()
        .unwrap();
    step(&app, &admin, id, &mut seq, "rearm").await;
    let (_, again) = buzz_as(&app, &seats[1], id, seq).await;
    assert_eq!(again["won"], true);
    expected[1] -= 10;
    app.advance_seconds(11);
    let state = body(app.get(&format!("/api/finals/{id}/state"), None).await).await;
    assert_eq!(state["phase"], "closed", "the winner's countdown ran out");
    seq = state["seq"].as_u64().unwrap();
    let revealed = step(&app, &admin, id, &mut seq, "reveal").await;
    assert_eq!(scores(&revealed), expected);

    // Round 3, 风险题: stakes 30 (right), 20 (wrong), the rest play the smallest, 10; seats
    // 1–4 answer right, the others wrong.
    let stakes = step(&app, &admin, id, &mut seq, "next").await;
    assert_eq!(stakes["phase"], "stakes");
    assert!(
        stakes["question"].is_null(),
        "no stem before the stakes are in"
    );
    assert_eq!(stakes["stakes"], json!([10, 20, 30]));
    let (status, refused) = post_as(
        &app,
        &seats[0],
        &format!("/api/finals/{id}/stake"),
        json!({"seq": seq, "stake": 25}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a stake not offered"
    );
    assert!(refused["error"]["fields"]["stake"].is_string(), "{refused}");
    let (status, _) = post_as(
        &app,
        &seats[0],
        &format!("/api/finals/{id}/stake"),
        json!({"seq": seq, "stake": 30}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    post_as(
        &app,
        &seats[5],
        &format!("/api/finals/{id}/stake"),
        json!({"seq": seq, "stake": 20}),
    )
    .await;
    let shown = step(&app, &admin, id, &mut seq, "show").await;
    let key = key_of(&shown);
    step(&app, &admin, id, &mut seq, "open").await;
    for (n, token) in seats.iter().enumerate() {
        let choice = if n < 4 {
            key.clone()
        } else {
            vec![wrong(&key)]
        };
        answer_as(&app, token, id, seq, json!(choice)).await;
        let stake = match n {
            0 => 30,
            5 => 20,
            _ => 10,
        };
        expected[n] += if n < 4 { stake } else { -stake };
    }
    let state = body(app.get(&format!("/api/finals/{id}/state"), None).await).await;
    assert_eq!(state["phase"], "closed", "every seat answered");
    seq = state["seq"].as_u64().unwrap();
    let revealed = step(&app, &admin, id, &mut seq, "reveal").await;
    assert_eq!(scores(&revealed), expected);
    assert_eq!(revealed["host"]["next_action"], "scoreboard");
    step(&app, &admin, id, &mut seq, "scoreboard").await;
    let finished = step(&app, &admin, id, &mut seq, "finish").await;
    assert_eq!(finished["phase"], "finished");
    assert_eq!(scores(&finished), expected);
    let mut best = audience_expected.clone();
    best.sort_unstable_by(|a, b| b.cmp(a));
    let top: Vec<i64> = finished["audience_top"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["score"].as_i64().unwrap())
        .collect();
    assert_eq!(top, best[..10]);
    let me = body(
        app.get(&format!("/api/finals/{id}/me"), Some(&audience[0]))
            .await,
    )
    .await;
    assert_eq!(me["score"], audience_expected[0]);
    let log = body(
        app.get(&format!("/api/admin/finals/{id}/log"), Some(&admin))
            .await,
    )
    .await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.first(), Some(&"start"));
    assert_eq!(actions.last(), Some(&"finish"));
    assert_eq!(log["items"][0]["organizer"], "admin");
}

async fn eight_simultaneous_buzzes_have_exactly_one_winner(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let singles = bank_questions(&app, &admin, "single", 1).await;
    let created = body(
        app.post(
            "/api/admin/finals",
            Some(&admin),
            &json!({
                "title": "抢答",
                "seats": (1..=8).map(|n| json!({"name": format!("队{n}")})).collect::<Vec<_>>(),
                "rounds": [{"kind": "buzz", "seconds": 20, "points": 10, "questions": {"ids": singles}}],
            }),
        )
        .await,
    )
    .await;
    let id = created["id"].as_i64().unwrap();
    let mut seats = Vec::new();
    for seat in created["seats"].as_array().unwrap() {
        seats.push(join_seat(&app, seat["join_code"].as_str().unwrap()).await);
    }
    let mut seq = created["state"]["seq"].as_u64().unwrap();
    step(&app, &admin, id, &mut seq, "start").await;
    step(&app, &admin, id, &mut seq, "open").await;
    let buzzes = seats.iter().map(|token| {
        let app = &app;
        async move { buzz_as(app, token, id, seq).await }
    });
    let replies = futures_util::future::join_all(buzzes).await;
    let winners: Vec<usize> = replies
        .iter()
        .enumerate()
        .filter(|(_, (status, reply))| *status == StatusCode::OK && reply["won"] == true)
        .map(|(n, _)| n + 1)
        .collect();
    assert_eq!(winners.len(), 1, "exactly one winner: {replies:?}");
    assert!(replies.iter().all(|(status, _)| *status == StatusCode::OK));
    let state = body(app.get(&format!("/api/finals/{id}/state"), None).await).await;
    let order = state["buzz"]["order"].as_array().unwrap();
    assert_eq!(order.len(), 8, "every buzz joins the order");
    assert_eq!(
        order[0]["seat"].as_u64().unwrap() as usize,
        winners[0],
        "the earliest accepted buzz won"
    );
    assert_eq!(
        state["buzz"]["winner"].as_u64().unwrap() as usize,
        winners[0]
    );
    let ms: Vec<i64> = order.iter().map(|b| b["ms"].as_i64().unwrap()).collect();
    assert!(
        ms.windows(2).all(|w| w[0] <= w[1]),
        "the order is by time: {ms:?}"
    );
}

async fn bad_inputs_are_refused_and_change_nothing(app: TestApp) {
    let admin = app.admin_token().await;
    let created = three_round_final(&app, &admin, 3).await;
    let id = created["id"].as_i64().unwrap();
    let code = created["code"].as_str().unwrap().to_owned();
    let seat = join_seat(&app, created["seats"][0]["join_code"].as_str().unwrap()).await;
    let listener = join_audience(&app, &code, "张三").await;
    let state = || async { body(app.get(&format!("/api/finals/{id}/state"), None).await).await };
    let refused = |status: StatusCode, reply: &Value, expected_status: StatusCode, code: &str| {
        assert_eq!(status, expected_status, "{reply}");
        assert_eq!(reply["error"]["code"], code, "{reply}");
        assert!(!reply["error"]["message"].as_str().unwrap().is_empty());
    };
    let mut before = state().await;
    let seq = before["seq"].as_u64().unwrap();

    // Outside its phase, in the lobby.
    let (s, r) = answer_as(&app, &seat, id, seq, json!(["A"])).await;
    refused(s, &r, StatusCode::CONFLICT, "stale_seq");
    // An action the phase forbids.
    let response = app
        .post(
            &format!("/api/admin/finals/{id}/actions"),
            Some(&admin),
            &json!({"action": "reveal", "seq": seq}),
        )
        .await;
    let (s, r) = (response.status(), body(response).await);
    refused(s, &r, StatusCode::CONFLICT, "phase");
    assert_eq!(
        r["error"]["state"]["phase"], "lobby",
        "a refusal carries the current state"
    );
    // A stale seq (a double click).
    let mut current = seq;
    step(&app, &admin, id, &mut current, "start").await;
    let response = app
        .post(
            &format!("/api/admin/finals/{id}/actions"),
            Some(&admin),
            &json!({"action": "start", "seq": seq}),
        )
        .await;
    let (s, r) = (response.status(), body(response).await);
    refused(s, &r, StatusCode::CONFLICT, "stale_seq");
    // Unknown actions and missing fields.
    let response = app
        .post(
            &format!("/api/admin/finals/{id}/actions"),
            Some(&admin),
            &json!({"action": "explode", "seq": current}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = app
        .post(
            &format!("/api/admin/finals/{id}/actions"),
            Some(&admin),
            &json!({"action": "adjust", "seq": current, "seat": 1, "delta": 5, "reason": " "}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A seat's token on host routes; no token; a participant's token on the phones' routes.
    let response = app
        .post(
            &format!("/api/admin/finals/{id}/actions"),
            Some(&seat),
            &json!({"action": "open", "seq": current}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/api/admin/finals", Some(&listener)).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&format!("/api/finals/{id}/me"), None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get(&format!("/api/finals/{id}/me"), Some(&admin))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // Answering before the countdown opens.
    let (s, r) = answer_as(&app, &seat, id, current, json!(["A"])).await;
    refused(s, &r, StatusCode::CONFLICT, "phase");
    step(&app, &admin, id, &mut current, "open").await;
    // Options that are not the question's; two on a single-answer question.
    let (s, r) = answer_as(&app, &seat, id, current, json!(["Z"])).await;
    refused(s, &r, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    let (s, r) = answer_as(&app, &seat, id, current, json!(["A", "B"])).await;
    refused(s, &r, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    // A buzz on a 必答 question; a stake outside a 风险题's stakes phase.
    let (s, r) = buzz_as(&app, &seat, id, current).await;
    refused(s, &r, StatusCode::CONFLICT, "invalid_action");
    let (s, r) = post_as(
        &app,
        &seat,
        &format!("/api/finals/{id}/stake"),
        json!({"seq": current, "stake": 10}),
    )
    .await;
    refused(s, &r, StatusCode::CONFLICT, "phase");
    // Answer twice; the audience twice.
    let (s, _) = answer_as(&app, &seat, id, current, json!(["A"])).await;
    assert_eq!(s, StatusCode::OK);
    let (s, r) = answer_as(&app, &seat, id, current, json!(["B"])).await;
    refused(s, &r, StatusCode::CONFLICT, "already_answered");
    let (s, _) = answer_as(&app, &listener, id, current, json!(["A"])).await;
    assert_eq!(s, StatusCode::OK);
    let (s, r) = answer_as(&app, &listener, id, current, json!(["B"])).await;
    refused(s, &r, StatusCode::CONFLICT, "already_answered");
    // Answer late.
    before = state().await;
    app.advance_seconds(31);
    let seat2 = join_seat(&app, created["seats"][1]["join_code"].as_str().unwrap()).await;
    let (s, r) = answer_as(&app, &seat2, id, current, json!(["A"])).await;
    refused(s, &r, StatusCode::CONFLICT, "too_late");
    let after = state().await;
    assert_eq!(
        after["phase"], "closed",
        "the countdown closed the question"
    );
    assert_eq!(
        after["answered"], before["answered"],
        "the late answer was not counted"
    );
    assert_eq!(scores(&after), scores(&before));
    // Joining: an unknown join code or final code; a nickname of 0 or 21 characters.
    let response = app
        .post("/api/finals/join", None, &json!({"join_code": "NOPE2345"}))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = app
        .post(
            "/api/finals/join",
            None,
            &json!({"code": "000000x", "nickname": "李四"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    for nickname in ["", "   ", &"长".repeat(21)] {
        let response = app
            .post(
                "/api/finals/join",
                None,
                &json!({"code": code, "nickname": nickname}),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "nickname {nickname:?}"
        );
        assert!(body(response).await["error"]["fields"]["nickname"].is_string());
    }
    // A draw the bank cannot satisfy; a 风险题 without stakes; bad seats.
    let response = app
        .post(
            "/api/admin/finals",
            Some(&admin),
            &json!({"title": "抽不出", "seats": [{"name": "甲"}, {"name": "乙"}],
                    "rounds": [{"kind": "required", "seconds": 30, "points": 10,
                                "questions": {"draw": {"count": 50, "kind": "judge", "regulation": "环境保护法"}}},
                               {"kind": "risk", "seconds": 30, "points": 10, "questions": {"draw": {"count": 1}}}]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields = body(response).await["error"]["fields"].clone();
    assert!(fields["rounds[1].stakes"].is_string(), "{fields}");
    let response = app
        .post(
            "/api/admin/finals",
            Some(&admin),
            &json!({"title": "抽不出", "seats": [{"name": "甲"}, {"name": "乙"}],
                    "rounds": [{"kind": "required", "seconds": 30, "points": 10,
                                "questions": {"draw": {"count": 50, "kind": "judge", "regulation": "环境保护法"}}}]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields = body(response).await["error"]["fields"].clone();
    assert!(
        fields["rounds[0].questions.draw"]
            .as_str()
            .unwrap()
            .contains("第 1 轮需要抽取 50 道"),
        "{fields}"
    );
    let response = app
        .post(
            "/api/admin/finals",
            Some(&admin),
            &json!({"title": "一人", "seats": [{"name": "甲"}], "rounds": []}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let listed = body(app.get("/api/admin/finals", Some(&admin)).await).await;
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        1,
        "no refused final was created"
    );
}

async fn a_second_device_replaces_the_first(app: TestApp) {
    let admin = app.admin_token().await;
    let created = three_round_final(&app, &admin, 2).await;
    let id = created["id"].as_i64().unwrap();
    let join_code = created["seats"][0]["join_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let first = join_seat(&app, &join_code).await;
    let mut first_socket = socket(&app, id, Some(&first)).await;
    let lobby = next_message(&mut first_socket).await;
    assert_eq!(lobby["type"], "state");
    let connected = frame_where(&mut first_socket, |f| f["seats"][0]["connected"] == true).await;
    assert_eq!(connected["seats"][1]["connected"], false);
    let second = join_seat(&app, &join_code.to_lowercase()).await;
    let farewell = frame_where(&mut first_socket, |f| f["type"] == "replaced").await;
    assert_eq!(farewell, json!({"type": "replaced"}));
    assert_eq!(
        app.get(&format!("/api/finals/{id}/me"), Some(&first))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let me = body(
        app.get(&format!("/api/finals/{id}/me"), Some(&second))
            .await,
    )
    .await;
    assert_eq!(me["seat"], 1);
    assert_eq!(me["score"], 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_final_stopped_mid_question_resumes_with_the_same_phase_scores_and_deadline() {
    let app = TestApp::sqlite().await;
    let admin = app.admin_token().await;
    let created = three_round_final(&app, &admin, 3).await;
    let id = created["id"].as_i64().unwrap();
    let seat = join_seat(&app, created["seats"][0]["join_code"].as_str().unwrap()).await;
    let mut seq = created["state"]["seq"].as_u64().unwrap();
    step(&app, &admin, id, &mut seq, "start").await;
    step(&app, &admin, id, &mut seq, "open").await;
    let (status, _) = answer_as(&app, &seat, id, seq, json!(["A"])).await;
    assert_eq!(status, StatusCode::OK);
    let before = body(app.get(&format!("/api/finals/{id}/state"), None).await).await;
    let restarted = app.restarted_after_a_crash().await;
    let after = body(
        restarted
            .get(&format!("/api/finals/{id}/state"), None)
            .await,
    )
    .await;
    for field in ["phase", "seq", "deadline", "answered", "seats", "question"] {
        assert_eq!(after[field], before[field], "{field} after the restart");
    }
    // The seat's token still works there, and its answer is still its one answer.
    let (status, reply) = answer_as(&restarted, &seat, id, seq, json!(["B"])).await;
    assert_eq!(
        (status, reply["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_answered"))
    );
    restarted.stop().await;
    app.stop().await;
}

async fn seats_seeded_from_a_competition_are_its_best_individuals_or_companies_in_board_order(
    app: TestApp,
) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let competition = app
        .create_competition_with(
            &admin,
            json!({"company_score": {"method": "average", "min_participants": 1}}),
        )
        .await;
    let singles = bank_questions(&app, &admin, "single", 1).await;
    let seeded = |by: &str, top: usize| {
        json!({"title": "种子决赛", "seed": {"competition_id": competition, "by": by, "top": top},
               "rounds": [{"kind": "required", "seconds": 30, "points": 10, "questions": {"ids": singles}}]})
    };
    let finals_count = async || {
        body(app.get("/api/admin/finals", Some(&admin)).await).await["items"]
            .as_array()
            .unwrap()
            .len()
    };

    // Nobody has a result yet: refused, nothing created.
    let refused = app
        .post("/api/admin/finals", Some(&admin), &seeded("individuals", 2))
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(finals_count().await, 0);

    // Registered in the opposite order of their results: none right, five right, all right.
    hand_in_three_papers(&app, competition).await;
    let board = body(
        app.get(
            &format!("/api/competitions/{competition}/leaderboard"),
            None,
        )
        .await,
    )
    .await;

    let seat_names = |created: &Value| -> Vec<(String, Value)> {
        created["seats"]
            .as_array()
            .unwrap()
            .iter()
            .map(|seat| {
                (
                    seat["name"].as_str().unwrap().to_owned(),
                    seat["company"].clone(),
                )
            })
            .collect()
    };
    let names_of = |created: &Value| -> Vec<String> {
        seat_names(created)
            .into_iter()
            .map(|(name, _)| name)
            .collect()
    };
    let individuals = app
        .post("/api/admin/finals", Some(&admin), &seeded("individuals", 2))
        .await;
    assert_eq!(individuals.status(), StatusCode::CREATED);
    assert_eq!(
        seat_names(&body(individuals).await),
        [
            ("赵敏".to_owned(), json!("绿源化工有限公司")),
            ("钱伟".to_owned(), json!("清河水务集团")),
        ]
    );
    assert_eq!(board["individuals"][0]["name"], "赵敏");
    assert_eq!(board["individuals"][1]["name"], "钱伟");

    let companies = app
        .post("/api/admin/finals", Some(&admin), &seeded("companies", 2))
        .await;
    assert_eq!(companies.status(), StatusCode::CREATED);
    assert_eq!(
        names_of(&body(companies).await),
        ["绿源化工有限公司", "清河水务集团"]
    );
    assert_eq!(board["companies"][0]["company"], "绿源化工有限公司");
    assert_eq!(board["companies"][1]["company"], "清河水务集团");

    // Asked for four, three have results: the final seats the three (docs/FINAL.md).
    let fewer = app
        .post("/api/admin/finals", Some(&admin), &seeded("companies", 4))
        .await;
    assert_eq!(fewer.status(), StatusCode::CREATED);
    assert_eq!(
        names_of(&body(fewer).await),
        ["绿源化工有限公司", "清河水务集团", "东湖环境监测站"]
    );
    assert_eq!(finals_count().await, 3);
}

/// Two servers on one PostgreSQL database with the sample bank, and a final created on the
/// first: `seats`, one `round` of one single-choice question. `None` when the run has no
/// PostgreSQL. Returns (first, second, the organizer's token, the host's view).
async fn final_on_two_servers(
    title: &str,
    seats: Value,
    mut round: Value,
) -> Option<(TestApp, TestApp, String, Value)> {
    let first = TestApp::postgres().await?;
    let second = first.second_instance().await;
    let admin = first.admin_token().await;
    first.import_sample_bank(&admin).await;
    round["questions"] = json!({"ids": bank_questions(&first, &admin, "single", 1).await});
    let created = body(
        first
            .post(
                "/api/admin/finals",
                Some(&admin),
                &json!({"title": title, "seats": seats, "rounds": [round]}),
            )
            .await,
    )
    .await;
    Some((first, second, admin, created))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_postgresql_show_one_final_and_one_buzz_winner() {
    let seats: Vec<Value> = (1..=8).map(|n| json!({"name": format!("队{n}")})).collect();
    let Some((first, second, admin, created)) = final_on_two_servers(
        "两台服务器",
        json!(seats),
        json!({"kind": "buzz", "seconds": 20, "points": 10}),
    )
    .await
    else {
        return;
    };
    let id = created["id"].as_i64().unwrap();
    let mut seats = Vec::new();
    for seat in created["seats"].as_array().unwrap() {
        seats.push(join_seat(&first, seat["join_code"].as_str().unwrap()).await);
    }
    let mut on_second = socket(&second, id, None).await;
    let mut seq = created["state"]["seq"].as_u64().unwrap();
    step(&first, &admin, id, &mut seq, "start").await;
    step(&first, &admin, id, &mut seq, "open").await;
    let open = frame_where(&mut on_second, |f| f["phase"] == "open").await;
    assert_eq!(
        open["seq"].as_u64(),
        Some(seq),
        "the second server shows the first's transition"
    );
    // Half the seats buzz through each server at once.
    let buzzes = seats.iter().enumerate().map(|(n, token)| {
        let app = if n % 2 == 0 { &first } else { &second };
        async move { buzz_as(app, token, id, seq).await }
    });
    let replies = futures_util::future::join_all(buzzes).await;
    let winners = replies
        .iter()
        .filter(|(status, r)| *status == StatusCode::OK && r["won"] == true)
        .count();
    assert_eq!(winners, 1, "one winner across both servers: {replies:?}");
    let from_first = body(first.get(&format!("/api/finals/{id}/state"), None).await).await;
    let answering = frame_where(&mut on_second, |f| {
        f["buzz"]["order"].as_array().is_some_and(|o| o.len() == 8)
    })
    .await;
    assert_eq!(answering["buzz"]["winner"], from_first["buzz"]["winner"]);
    second.stop().await;
    first.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seat_connected_to_one_server_shows_as_connected_on_the_other() {
    let Some((first, second, admin, created)) = final_on_two_servers(
        "两台服务器的在线状态",
        json!([{"name": "甲队"}, {"name": "乙队"}]),
        json!({"kind": "required", "seconds": 30, "points": 10}),
    )
    .await
    else {
        return;
    };
    let id = created["id"].as_i64().unwrap();
    let join_code = created["seats"][1]["join_code"].as_str().unwrap();
    let token = join_seat(&first, join_code).await;
    let connected = |frame: &Value| -> Vec<bool> {
        frame["seats"]
            .as_array()
            .unwrap()
            .iter()
            .map(|seat| seat["connected"] == true)
            .collect()
    };
    let mut projector_on_first = socket(&first, id, None).await;
    let lobby = next_message(&mut projector_on_first).await;
    assert_eq!(connected(&lobby), [false, false]);

    let phone_on_second = socket(&second, id, Some(&token)).await;
    let shown = frame_where(&mut projector_on_first, |f| connected(f) == [false, true]).await;
    assert_eq!(shown["seats"][1]["name"], "乙队");
    let host_on_first = body(
        first
            .get(&format!("/api/admin/finals/{id}"), Some(&admin))
            .await,
    )
    .await;
    assert_eq!(
        connected(&host_on_first["state"]),
        [false, true],
        "the host's view on the first server: {host_on_first}"
    );

    drop(phone_on_second);
    frame_where(&mut projector_on_first, |f| connected(f) == [false, false]).await;
    second.stop().await;
    first.stop().await;
}
