//! The API the pages rely on besides the exam itself (docs/API.md): tab-switch (切屏) records
//! and their limit, a participant's own attempts, the rank on a submitted attempt, the
//! organizers' live monitor and the blueprint editor's feasibility check.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{
    TestApp, answer_key, body, fill, perfect_sheet, small_blueprint, start_paper, submit,
};

on_both_backends!(
    tab_switches_are_counted_and_one_over_the_limit_submits_the_attempt,
    tab_switches_of_a_submitted_or_someone_elses_attempt_are_refused,
    a_tab_switch_limit_must_be_a_small_whole_number,
    a_participant_sees_their_own_attempts_and_the_rank_of_a_submitted_one,
    the_monitor_counts_participants_draws_a_histogram_and_lists_tab_switches,
    the_blueprint_check_reports_feasibility_without_creating_anything,
    a_competition_closed_before_it_opened_shows_as_closed,
);

async fn competition_with_limit(app: &TestApp, admin: &str, limit: Value) -> (StatusCode, Value) {
    let now = app.clock.now();
    let response = app
        .post(
            "/api/admin/competitions",
            Some(admin),
            &json!({
                "title": "切屏限制测试",
                "opens_at": ecoquiz::clock::rfc3339(now),
                "closes_at": ecoquiz::clock::rfc3339(now + 3_600_000),
                "duration_minutes": 30,
                "blueprint": small_blueprint(),
                "max_tab_switches": limit,
            }),
        )
        .await;
    let status = response.status();
    (status, body(response).await)
}

async fn switch(app: &TestApp, token: &str, attempt: i64) -> reqwest::Response {
    app.post(
        &format!("/api/attempts/{attempt}/tab-switches"),
        Some(token),
        &json!({}),
    )
    .await
}

async fn tab_switches_are_counted_and_one_over_the_limit_submits_the_attempt(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let (status, competition) = competition_with_limit(&app, &admin, json!(2)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(competition["max_tab_switches"], 2);
    let token = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let (attempt, paper) = start_paper(&app, competition["id"].as_i64().unwrap(), &token).await;
    assert_eq!(paper["max_tab_switches"], 2);
    let key = answer_key(&app, attempt).await;
    fill(&app, &token, attempt, &perfect_sheet(&key)).await;

    for expected in 1..=2 {
        let counted = body(switch(&app, &token, attempt).await).await;
        assert_eq!(
            counted,
            json!({"tab_switches": expected, "max_tab_switches": 2, "submitted": false})
        );
    }
    app.advance_minutes(3);
    let over = body(switch(&app, &token, attempt).await).await;
    assert_eq!(over["submitted"], true, "{over}");
    assert_eq!(over["tab_switches"], 3);
    assert_eq!(over["result"]["score"], 21, "graded from the saved answers");
    assert_eq!(over["result"]["rank"], 1);
    assert_eq!(over["result"]["duration_seconds"], 180);

    let shown = body(
        app.get(&format!("/api/attempts/{attempt}"), Some(&token))
            .await,
    )
    .await;
    assert_eq!(shown["status"], "submitted");
    assert_eq!(shown["tab_switches"], 3);
}

async fn tab_switches_of_a_submitted_or_someone_elses_attempt_are_refused(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let token = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let other = app
        .register("王五", "13800000002", "绿源环保科技有限公司")
        .await;
    let (attempt, _) = start_paper(&app, competition, &token).await;
    assert_eq!(
        switch(&app, &other, attempt).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        switch(&app, "not-a-token", attempt).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let unlimited = body(switch(&app, &token, attempt).await).await;
    assert_eq!(
        unlimited,
        json!({"tab_switches": 1, "max_tab_switches": null, "submitted": false})
    );
    assert_eq!(submit(&app, &token, attempt).await.status(), StatusCode::OK);
    let late = switch(&app, &token, attempt).await;
    assert_eq!(late.status(), StatusCode::CONFLICT);
    assert!(
        body(late).await["error"]["message"]
            .as_str()
            .unwrap()
            .contains("已提交")
    );
}

async fn a_tab_switch_limit_must_be_a_small_whole_number(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    for bad in [json!(-1), json!(101), json!("三")] {
        let (status, reply) = competition_with_limit(&app, &admin, bad.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {reply}");
        assert!(
            reply["error"]["fields"]["max_tab_switches"].is_string(),
            "{reply}"
        );
    }
    let listed = body(app.get("/api/admin/competitions", Some(&admin)).await).await;
    assert_eq!(listed, json!([]), "nothing was created");
    let (status, unlimited) = competition_with_limit(&app, &admin, Value::Null).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(unlimited["max_tab_switches"], Value::Null);
}

async fn a_participant_sees_their_own_attempts_and_the_rank_of_a_submitted_one(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let token = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let me = body(app.get("/api/me", Some(&token)).await).await;
    assert_eq!(me["participant"]["name"], "李四");
    assert_eq!(me["attempts"], json!([]));
    assert!(me["participant"].get("password_hash").is_none());

    let (attempt, _) = start_paper(&app, competition, &token).await;
    let me = body(app.get("/api/me", Some(&token)).await).await;
    assert_eq!(me["attempts"][0]["attempt_id"], attempt);
    assert_eq!(me["attempts"][0]["competition_id"], competition);
    assert_eq!(me["attempts"][0]["status"], "in_progress");
    let shown = body(
        app.get(&format!("/api/attempts/{attempt}"), Some(&token))
            .await,
    )
    .await;
    assert!(shown.get("rank").is_none(), "no rank before submitting");

    submit(&app, &token, attempt).await;
    let me = body(app.get("/api/me", Some(&token)).await).await;
    assert_eq!(me["attempts"][0]["status"], "submitted");
    assert_eq!(me["attempts"][0]["score"], 0);
    let shown = body(
        app.get(&format!("/api/attempts/{attempt}"), Some(&token))
            .await,
    )
    .await;
    assert_eq!(shown["rank"], 1);

    let other = app
        .register("王五", "13800000002", "清流水务有限公司")
        .await;
    let mine_only = body(app.get("/api/me", Some(&other)).await).await;
    assert_eq!(
        mine_only["attempts"],
        json!([]),
        "another participant's attempts stay theirs"
    );
    assert_eq!(
        app.get("/api/me", None).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn the_monitor_counts_participants_draws_a_histogram_and_lists_tab_switches(app: TestApp) {
    let (admin, competition) = app.with_small_competition().await;
    let perfect = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let blank = app
        .register(
            "<img src=x onerror=alert(1)>",
            "13800000002",
            "清流水务有限公司",
        )
        .await;
    let _idle = app
        .register("赵六", "13800000003", "清流水务有限公司")
        .await;
    let (attempt, _) = start_paper(&app, competition, &perfect).await;
    fill(
        &app,
        &perfect,
        attempt,
        &perfect_sheet(&answer_key(&app, attempt).await),
    )
    .await;
    submit(&app, &perfect, attempt).await;
    let (wandering, _) = start_paper(&app, competition, &blank).await;
    for _ in 0..3 {
        switch(&app, &blank, wandering).await;
    }

    let monitor = app
        .get(
            &format!("/api/admin/competitions/{competition}/monitor"),
            Some(&admin),
        )
        .await;
    assert_eq!(monitor.status(), StatusCode::OK);
    let monitor = body(monitor).await;
    assert_eq!(
        monitor["stats"],
        json!({"registered": 3, "started": 2, "in_progress": 1, "submitted": 1})
    );
    let counts: Vec<u64> = monitor["histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .collect();
    assert_eq!(
        counts,
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        "21 of 21 is in the top bucket"
    );
    assert_eq!(monitor["histogram"][9]["to"], 21.0);
    assert_eq!(
        monitor["tab_switch_alerts"],
        json!([{
            "attempt_id": wandering,
            "name": "<img src=x onerror=alert(1)>",
            "company": "清流水务有限公司",
            "tab_switches": 3,
            "status": "in_progress",
        }])
    );
    let as_participant = app
        .get(
            &format!("/api/admin/competitions/{competition}/monitor"),
            Some(&perfect),
        )
        .await;
    assert_eq!(as_participant.status(), StatusCode::FORBIDDEN);
    let unknown = app
        .get("/api/admin/competitions/999/monitor", Some(&admin))
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    let participants = app
        .get(
            &format!("/api/admin/competitions/{competition}/export/participants.csv"),
            Some(&admin),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        participants.lines().nth(1).unwrap().ends_with(",0"),
        "the participants export carries the tab switches: {participants}"
    );
}

async fn check(app: &TestApp, admin: &str, blueprint: Value) -> Value {
    let response = app
        .post(
            "/api/admin/blueprints/check",
            Some(admin),
            &json!({ "blueprint": blueprint }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    body(response).await
}

async fn the_blueprint_check_reports_feasibility_without_creating_anything(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let feasible = check(&app, &admin, small_blueprint()).await;
    assert_eq!(
        feasible,
        json!({"feasible": true, "question_count": 10, "max_score": 21, "problems": []})
    );
    let too_many = check(
        &app,
        &admin,
        json!({"sections": [{"kind": "multiple", "count": 500, "points": 2}]}),
    )
    .await;
    assert_eq!(too_many["feasible"], false);
    let message = too_many["problems"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("多选题") && message.contains("500"),
        "{message}"
    );
    let malformed = check(
        &app,
        &admin,
        json!({"sections": [{"kind": "essay", "count": 1}]}),
    )
    .await;
    assert_eq!(malformed["feasible"], false);
    assert_eq!(malformed["question_count"], Value::Null);
    assert!(!malformed["problems"].as_array().unwrap().is_empty());
    let listed = body(app.get("/api/admin/competitions", Some(&admin)).await).await;
    assert_eq!(listed, json!([]));
    let participant = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let refused = app
        .post(
            "/api/admin/blueprints/check",
            Some(&participant),
            &json!({"blueprint": small_blueprint()}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

async fn a_competition_closed_before_it_opened_shows_as_closed(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let now = app.clock.now();
    let created = app
        .post(
            "/api/admin/competitions",
            Some(&admin),
            &json!({
                "title": "明天的竞赛",
                "opens_at": ecoquiz::clock::rfc3339(now + 86_400_000),
                "closes_at": ecoquiz::clock::rfc3339(now + 2 * 86_400_000),
                "duration_minutes": 30,
                "blueprint": small_blueprint(),
            }),
        )
        .await;
    let id = body(created).await["id"].as_i64().unwrap();
    let closed = app
        .post(
            &format!("/api/admin/competitions/{id}/close"),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(closed.status(), StatusCode::OK);
    let closed = body(closed).await;
    assert_eq!(closed["status"], "closed", "{closed}");
    app.advance_minutes(24 * 60 + 1);
    let shown = body(app.get(&format!("/api/competitions/{id}"), None).await).await;
    assert_eq!(shown["status"], "closed", "it never opens later");
}
