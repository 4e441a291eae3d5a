//! The live leaderboard over real websocket clients (tokio-tungstenite), the HTTP board that
//! returns the same JSON, two servers sharing PostgreSQL, and the projector page's files.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use question_bank::option_key;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use crate::on_both_backends;
use crate::support::{TestApp, body, resident_kib, start_server, temp_dir};

type Viewer = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long a test waits for a frame before failing: generous, so a slow machine does not
/// fail it; the fan-out benchmark measures the real delay.
const PATIENCE: Duration = Duration::from_secs(10);

async fn viewer(app: &TestApp, competition: i64, top: usize) -> Viewer {
    let (socket, _) = connect_async(app.ws_url(&format!(
        "/ws/competitions/{competition}/leaderboard?top={top}"
    )))
    .await
    .expect("the websocket opens");
    socket
}

/// The next snapshot frame (pings and other messages skipped).
async fn next_frame(viewer: &mut Viewer) -> Value {
    loop {
        let message = tokio::time::timeout(PATIENCE, viewer.next())
            .await
            .expect("a frame arrives in time")
            .expect("the socket stays open")
            .expect("a valid websocket message");
        if let Message::Text(text) = message {
            let frame: Value = serde_json::from_str(&text).expect("frames are JSON");
            assert_eq!(frame["type"], "snapshot");
            return frame;
        }
    }
}

/// Frames until one satisfies `done`; returns it.
async fn frame_where(viewer: &mut Viewer, done: impl Fn(&Value) -> bool) -> Value {
    loop {
        let frame = next_frame(viewer).await;
        if done(&frame) {
            return frame;
        }
    }
}

fn names(frame: &Value) -> Vec<String> {
    frame["individuals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect()
}

/// The right answer to every question of an attempt, in the participant's option keys.
async fn answer_key(app: &TestApp, attempt: i64) -> Vec<(i64, Vec<&'static str>)> {
    app.issued_paper(attempt)
        .await
        .iter()
        .map(|(entry, question)| {
            let shown: Vec<&'static str> = entry
                .option_order
                .iter()
                .enumerate()
                .filter(|(_, original)| question.answer().contains(usize::from(**original)))
                .map(|(shown, _)| option_key(question.kind(), shown))
                .collect();
            (entry.no, shown)
        })
        .collect()
}

/// Registers `name`, takes the paper (all right when `perfect`, else blank) and submits.
async fn take_paper(
    app: &TestApp,
    competition: i64,
    name: &str,
    phone: &str,
    company: &str,
    perfect: bool,
) -> Value {
    let token = app.register(name, phone, company).await;
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
    if perfect {
        for (no, keys) in answer_key(app, attempt).await {
            let saved = app
                .put(
                    &format!("/api/attempts/{attempt}/answers/{no}"),
                    Some(&token),
                    &json!({"choice": keys}),
                )
                .await;
            assert_eq!(saved.status(), StatusCode::NO_CONTENT);
        }
    }
    body(
        app.post(
            &format!("/api/attempts/{attempt}/submit"),
            Some(&token),
            &json!({}),
        )
        .await,
    )
    .await
}

on_both_backends!(
    a_viewer_gets_a_snapshot_at_once,
    a_submission_reaches_every_viewer_with_a_growing_seq,
    the_http_board_is_the_same_json_as_the_socket,
    company_averages_and_shared_ranks_show_on_the_socket,
    a_viewer_that_never_reads_does_not_delay_the_others,
    garbage_from_a_viewer_is_ignored,
    an_unknown_competition_is_refused_before_the_upgrade,
    a_bad_top_is_refused_and_a_huge_one_clamped,
    a_thousand_connects_and_disconnects_leave_no_viewer_behind,
    the_projector_page_its_files_and_its_join_code_are_served,
);

async fn a_viewer_gets_a_snapshot_at_once(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let mut socket = viewer(&app, competition, 10).await;
    let frame = next_frame(&mut socket).await;
    assert!(frame["seq"].is_u64());
    assert_eq!(frame["individuals"], json!([]));
    assert_eq!(
        frame["stats"],
        json!({"registered": 0, "started": 0, "submitted": 0})
    );
}

async fn a_submission_reaches_every_viewer_with_a_growing_seq(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let mut viewers = Vec::new();
    let mut first_seqs = Vec::new();
    for _ in 0..3 {
        let mut socket = viewer(&app, competition, 10).await;
        first_seqs.push(next_frame(&mut socket).await["seq"].as_u64().unwrap());
        viewers.push(socket);
    }
    take_paper(
        &app,
        competition,
        "周八",
        "13600000001",
        "蓝天环境监测有限公司",
        false,
    )
    .await;
    for (socket, first) in viewers.iter_mut().zip(first_seqs) {
        let frame = frame_where(socket, |f| f["stats"]["submitted"] == 1).await;
        assert_eq!(names(&frame), ["周八"]);
        assert!(frame["seq"].as_u64().unwrap() > first);
    }
}

async fn the_http_board_is_the_same_json_as_the_socket(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let mut socket = viewer(&app, competition, 5).await;
    next_frame(&mut socket).await;
    take_paper(
        &app,
        competition,
        "吴九",
        "13600000002",
        "碧水污水处理厂",
        false,
    )
    .await;
    let frame = frame_where(&mut socket, |f| f["stats"]["submitted"] == 1).await;
    let http = body(
        app.get(
            &format!("/api/competitions/{competition}/leaderboard?top=5"),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(http, frame);
}

async fn company_averages_and_shared_ranks_show_on_the_socket(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let mut socket = viewer(&app, competition, 10).await;
    next_frame(&mut socket).await;
    // Same clock instant: equal scores also have equal time used and submit time.
    take_paper(&app, competition, "甲", "13600000011", "甲公司", true).await;
    take_paper(&app, competition, "乙", "13600000012", "甲公司", false).await;
    take_paper(&app, competition, "丙", "13600000013", "乙公司", true).await;
    let frame = frame_where(&mut socket, |f| f["stats"]["submitted"] == 3).await;
    let individuals: Vec<(u64, f64)> = frame["individuals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["rank"].as_u64().unwrap(), r["score"].as_f64().unwrap()))
        .collect();
    assert_eq!(individuals, [(1, 21.0), (1, 21.0), (3, 0.0)]);
    assert_eq!(
        frame["companies"],
        json!([
            {"rank": 1, "company": "乙公司", "participants": 1, "score": 21},
            {"rank": 2, "company": "甲公司", "participants": 2, "score": 10.5}
        ])
    );
    assert_eq!(
        frame["stats"],
        json!({"registered": 3, "started": 3, "submitted": 3})
    );
}

async fn a_viewer_that_never_reads_does_not_delay_the_others(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let _stuck = viewer(&app, competition, 100).await; // connected, never read
    let mut active = viewer(&app, competition, 10).await;
    next_frame(&mut active).await;
    for (n, phone) in ["13600000021", "13600000022", "13600000023"]
        .into_iter()
        .enumerate()
    {
        take_paper(
            &app,
            competition,
            &format!("选手{n}"),
            phone,
            "某某公司",
            false,
        )
        .await;
        let started = std::time::Instant::now();
        frame_where(&mut active, |f| f["stats"]["submitted"] == (n as u64 + 1)).await;
        assert!(started.elapsed() < PATIENCE);
    }
}

async fn garbage_from_a_viewer_is_ignored(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let mut socket = viewer(&app, competition, 10).await;
    next_frame(&mut socket).await;
    socket
        .send(Message::text("{not json at all"))
        .await
        .unwrap();
    socket
        .send(Message::binary(vec![0xff, 0x00, 0x13, 0x37]))
        .await
        .unwrap();
    socket.send(Message::text("x".repeat(3000))).await.unwrap();
    take_paper(&app, competition, "郑十", "13600000031", "某某公司", false).await;
    let frame = frame_where(&mut socket, |f| f["stats"]["submitted"] == 1).await;
    assert_eq!(names(&frame), ["郑十"]);
}

async fn an_unknown_competition_is_refused_before_the_upgrade(app: TestApp) {
    let refused = connect_async(app.ws_url("/ws/competitions/999/leaderboard")).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 404);
        }
        other => panic!(
            "expected an HTTP 404 instead of an upgrade, got {:?}",
            other.map(|_| ())
        ),
    }
    let response = app.get("/api/competitions/999/leaderboard", None).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

async fn a_bad_top_is_refused_and_a_huge_one_clamped(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    for bad in ["0", "abc", "-5"] {
        let refused = connect_async(app.ws_url(&format!(
            "/ws/competitions/{competition}/leaderboard?top={bad}"
        )))
        .await;
        match refused {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 422, "top={bad}")
            }
            other => panic!("top={bad}: expected 422, got {:?}", other.map(|_| ())),
        }
    }
    let mut socket = viewer(&app, competition, 100_000).await;
    assert_eq!(next_frame(&mut socket).await["type"], "snapshot");
}

async fn a_thousand_connects_and_disconnects_leave_no_viewer_behind(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let board = app.state.boards.board(competition).await.unwrap().unwrap();
    let cycle = || async {
        let mut socket = viewer(&app, competition, 20).await;
        next_frame(&mut socket).await;
        socket.close(None).await.ok();
    };
    for _ in 0..1_000 {
        cycle().await;
    }
    let deadline = std::time::Instant::now() + PATIENCE;
    while board.viewers() > 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(board.viewers(), 0, "every closed viewer's task ended");
}

/// Measured on the real binary, alone in its process: after 1,000 viewers came and went, the
/// server's memory is back near where it was (allocator pools aside).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_memory_comes_back_after_a_thousand_viewers_come_and_go() {
    let dir = temp_dir();
    let data_dir = dir.path().to_str().unwrap().to_owned();
    let (mut server, address) = start_server(&["--data-dir", &data_dir], &data_dir);
    let ws = format!("ws{}", address.trim_start_matches("http"));
    let competitions: Value = reqwest::get(format!("{address}/api/competitions"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let competition = competitions[0]["id"].as_i64().unwrap();
    let url = format!("{ws}/ws/competitions/{competition}/leaderboard?top=20");
    let cycle = || async {
        let (mut socket, _) = connect_async(url.as_str())
            .await
            .expect("the websocket opens");
        next_frame(&mut socket).await;
        socket.close(None).await.ok();
    };
    for _ in 0..200 {
        cycle().await; // warm up: allocator pools, buffers, the board itself
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = resident_kib(server.id());
    for _ in 0..1_000 {
        cycle().await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = resident_kib(server.id());
    server.kill().ok();
    server.wait().ok();
    assert!(before > 0, "the server's memory is readable");
    let grown = after.saturating_sub(before);
    // 1,000 leaked connections would hold several MB (buffers and a task each).
    assert!(
        grown < 2 * 1024,
        "the server grew by {grown} KiB over 1,000 viewers ({before} → {after} KiB)"
    );
}

async fn the_projector_page_its_files_and_its_join_code_are_served(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let page = app.get(&format!("/screen/{competition}"), None).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("/static/screen/screen.js") && html.contains("lang=\"zh-CN\""));
    for (path, kind) in [
        ("/static/screen/screen.js", "text/javascript"),
        ("/static/screen/screen.css", "text/css"),
    ] {
        let asset = app.get(path, None).await;
        assert_eq!(asset.status(), StatusCode::OK, "{path}");
        assert!(
            asset.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(kind)
        );
        assert!(asset.headers().contains_key("cache-control"));
    }
    assert_eq!(
        app.get("/static/nothing.js", None).await.status(),
        StatusCode::NOT_FOUND
    );
    let qr = app
        .get(
            &format!("/api/competitions/{competition}/join-qr.svg"),
            None,
        )
        .await;
    assert_eq!(qr.status(), StatusCode::OK);
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    assert!(qr.text().await.unwrap().contains("<svg"));
    assert_eq!(
        app.get("/api/competitions/999/join-qr.svg", None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

/// The page inserts names, companies and titles only as text, never as HTML.
#[test]
fn the_projector_script_never_inserts_user_text_as_html() {
    let script = include_str!("../../web/screen/screen.js");
    for sink in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
    ] {
        assert!(!script.contains(sink), "screen.js uses {sink}");
    }
    assert!(script.contains("textContent"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_sharing_postgres_show_the_same_board() {
    let Some(first) = TestApp::postgres().await else {
        return;
    };
    let second = first.second_instance().await;
    let (_, competition) = first.with_small_competition().await;
    let mut on_second = viewer(&second, competition, 10).await;
    next_frame(&mut on_second).await;
    take_paper(
        &first,
        competition,
        "跨实例",
        "13600000041",
        "某某公司",
        false,
    )
    .await;
    let frame = frame_where(&mut on_second, |f| f["stats"]["submitted"] == 1).await;
    assert_eq!(names(&frame), ["跨实例"]);
    // And the other way round.
    let mut on_first = viewer(&first, competition, 10).await;
    next_frame(&mut on_first).await;
    take_paper(
        &second,
        competition,
        "反方向",
        "13600000042",
        "某某公司",
        false,
    )
    .await;
    let frame = frame_where(&mut on_first, |f| f["stats"]["submitted"] == 2).await;
    assert!(names(&frame).contains(&"反方向".to_owned()));
}
