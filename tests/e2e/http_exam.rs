//! The exam over HTTP: start, resume, autosave, submit, deadlines, the window, grading,
//! the leaderboard and the answer key's secrecy.

use reqwest::StatusCode;
use serde_json::json;

use crate::on_both_backends;
use crate::support::{TestApp, body};

on_both_backends!(a_participant_takes_a_paper_and_gets_a_graded_rank);

async fn a_participant_takes_a_paper_and_gets_a_graded_rank(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let token = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;

    let started = app
        .post(
            &format!("/api/competitions/{competition}/attempts"),
            Some(&token),
            &json!({}),
        )
        .await;
    assert_eq!(started.status(), StatusCode::CREATED);
    let paper = body(started).await;
    let attempt = paper["attempt_id"].as_i64().unwrap();
    let questions = paper["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 10);
    assert!(
        questions
            .iter()
            .all(|q| q.get("answer").is_none() && q.get("explanation").is_none())
    );

    for q in questions {
        let no = q["no"].as_i64().unwrap();
        let saved = app
            .put(
                &format!("/api/attempts/{attempt}/answers/{no}"),
                Some(&token),
                &json!({"choice": [q["options"][0]["key"]]}),
            )
            .await;
        assert_eq!(saved.status(), StatusCode::NO_CONTENT);
    }
    let submitted = app
        .post(
            &format!("/api/attempts/{attempt}/submit"),
            Some(&token),
            &json!({}),
        )
        .await;
    assert_eq!(submitted.status(), StatusCode::OK);
    let result = body(submitted).await;
    assert_eq!(result["max_score"], 21);
    assert_eq!(result["rank"], 1);
    assert!(result["score"].as_f64().unwrap() <= 21.0);

    let board = body(
        app.get(
            &format!("/api/competitions/{competition}/leaderboard"),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(board["individuals"][0]["name"], "李四");
    assert_eq!(board["stats"]["submitted"], 1);
}
