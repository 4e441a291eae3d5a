//! The projector page in a real browser (headless Chromium): it connects, draws the board,
//! and shows names that look like HTML as plain text. Screenshots go to
//! `target/screenshots/`. CI installs Chromium and sets `ECOQUIZ_REQUIRE_BROWSER=1`, so a
//! missing browser fails there; elsewhere the test says loudly that it did not run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{BinaryClient, start_server, temp_dir};

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    if path.exists() {
        return Some(path);
    }
    if std::env::var_os("ECOQUIZ_REQUIRE_BROWSER").is_some() {
        panic!(
            "ECOQUIZ_REQUIRE_BROWSER is set but {} does not exist",
            path.display()
        );
    }
    eprintln!(
        "\n*** Browser test NOT RUN: no Chromium at {} (CI installs it; see .ci/run) ***\n",
        path.display()
    );
    None
}

/// Chromium with the flags this machine needs (root, no GPU, no background network).
fn headless(chromium: &Path, profile: &Path) -> Command {
    let mut command = Command::new(chromium);
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        // Let the page run (websocket included) before the DOM or the picture is taken.
        "--virtual-time-budget=8000",
    ]);
    command.arg(format!("--user-data-dir={}", profile.display()));
    command
}

pub fn screenshots_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshots folder");
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_projector_shows_a_script_like_name_as_text_in_a_real_browser() {
    let Some(chromium) = chromium() else {
        return;
    };
    let dir = temp_dir();
    let data_dir = dir.path().join("data").to_str().unwrap().to_owned();
    let (mut server, address) = start_server(&["--data-dir", &data_dir], &data_dir);
    let participant = BinaryClient::new(&address);
    let hostile_name = "<img src=x onerror=alert(1)>";
    let hostile_company = "<script>alert(2)</script>化工有限公司";
    let token = participant
        .register(hostile_name, "13500000001", hostile_company)
        .await;
    let paper = participant.start(&token, 1).await;
    participant
        .submit(&token, paper["attempt_id"].as_i64().unwrap())
        .await;

    let page = format!("{address}/screen/1");
    // On a busy machine the DOM can be taken before the websocket's first frame arrives
    // (the board is still empty); look again, a bounded number of times.
    let mut dom = String::new();
    for attempt in 0..5 {
        let output = headless(
            &chromium,
            &dir.path().join(format!("profile-dom-{attempt}")),
        )
        .args(["--dump-dom", &page])
        .output()
        .expect("chromium runs");
        dom = String::from_utf8_lossy(&output.stdout).into_owned();
        if dom.contains("class=\"row") {
            break;
        }
    }
    let shot = screenshots_dir().join("screen-1920x1080.png");
    let pictured = headless(&chromium, &dir.path().join("profile-shot"))
        .args([
            "--window-size=1920,1080",
            &format!("--screenshot={}", shot.display()),
            &page,
        ])
        .output()
        .expect("chromium runs");
    server.kill().ok();
    server.wait().ok();

    assert!(
        dom.contains("六五环境日企业环保知识竞赛(演示)"),
        "the title is drawn:\n{dom}"
    );
    assert!(
        dom.contains(r#"<span class="name">&lt;img src=x onerror=alert(1)&gt;</span>"#),
        "the name is shown as text:\n{dom}"
    );
    assert!(
        dom.contains("&lt;script&gt;alert(2)&lt;/script&gt;化工有限公司"),
        "the company is shown as text"
    );
    assert!(
        !dom.contains("<img src=\"x\"") && !dom.contains("<img src=x"),
        "no element was made from the name"
    );
    assert!(
        pictured.status.success() && shot.exists(),
        "the screenshot was written"
    );
}
