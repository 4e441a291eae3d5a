//! The exam over HTTP: start, resume, autosave, submit, deadlines, the window, grading,
//! the leaderboard and the answer key's secrecy.
//!
//! Participants never see the answer key before the close, so the tests that need correct
//! answers read the key the way the server does — from the store's record of the issued
//! paper and the question versions it pins — and map it to the participant's option order.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ecoquiz::clock::{Millis, parse_rfc3339, rfc3339};
use question_bank::Kind;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{
    KeyedQuestion, TestApp, answer_key, body, fill, perfect_sheet, save, show, small_blueprint,
    start, start_paper, submit,
};

on_both_backends!(
    a_participant_takes_a_paper_and_gets_a_graded_rank,
    starting_again_resumes_the_same_paper_with_its_saved_answers,
    an_autosave_replaces_the_previous_answer_and_an_empty_choice_clears_it,
    the_answer_key_and_explanations_stay_hidden_until_the_close_and_then_explain_the_score,
    the_answer_key_stays_hidden_through_the_grace_after_the_close_and_shows_once_it_ends,
    a_perfect_sheet_scores_full_marks_and_a_correct_subset_of_a_multiple_choice_key_earns_half,
    submitting_twice_returns_the_same_result_and_answers_after_submitting_are_refused,
    an_answer_within_the_grace_after_the_deadline_is_kept_and_one_after_it_is_refused,
    the_deadline_is_the_duration_but_never_past_the_close_of_the_window,
    no_paper_is_issued_before_the_window_opens_or_after_it_closes,
    no_paper_is_issued_after_the_organizer_closes_the_competition,
    a_participant_with_one_attempt_cannot_start_again_after_submitting,
    a_second_allowed_attempt_gets_a_new_paper_and_the_board_keeps_the_best,
    an_attempt_left_unsubmitted_is_graded_from_its_saved_answers_once_its_time_is_up,
    the_sweeper_alone_grades_an_attempt_whose_time_is_up,
    closing_the_competition_grades_attempts_in_progress_before_it_replies,
    a_participant_cannot_read_answer_or_submit_another_participants_attempt,
    an_unknown_or_malformed_attempt_id_is_a_json_not_found,
    an_answer_with_an_unknown_key_or_too_many_keys_is_refused_by_field,
    an_answer_to_a_question_not_on_the_paper_is_not_found,
    an_answer_body_that_is_not_json_is_a_bad_request_and_one_without_a_list_is_invalid,
    a_judge_question_is_answered_with_t_or_f,
    the_board_ranks_by_score_then_time_used_and_averages_company_scores,
    participants_with_the_same_score_time_and_submit_instant_share_a_rank,
    the_leaderboard_refuses_a_bad_top_and_clamps_a_large_one,
);

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

// ---------------------------------------------------------------------------------------
// Resume and autosave
// ---------------------------------------------------------------------------------------

async fn starting_again_resumes_the_same_paper_with_its_saved_answers(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let token = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let (attempt, first) = start_paper(&app, competition, &token).await;
    let single = first_of_kind(&first, "single");
    let multiple = first_of_kind(&first, "multiple");
    let judge = first_of_kind(&first, "judge");
    fill(
        &app,
        &token,
        attempt,
        &BTreeMap::from([
            (single, vec!["B"]),
            (multiple, vec!["A", "C"]),
            (judge, vec!["T"]),
        ]),
    )
    .await;
    app.advance_minutes(3);

    let resumed = start(&app, competition, &token).await;
    assert_eq!(
        resumed.status(),
        StatusCode::OK,
        "a resume is not a new attempt"
    );
    let resumed = body(resumed).await;
    let saved = json!({
        single.to_string(): ["B"],
        multiple.to_string(): ["A", "C"],
        judge.to_string(): ["T"],
    });
    assert_eq!(resumed["attempt_id"], attempt);
    assert_eq!(
        resumed["questions"], first["questions"],
        "the same questions, in the same order, with the same option order"
    );
    assert_eq!(resumed["deadline"], first["deadline"]);
    assert_eq!(resumed["answers"], saved);

    let shown = body(show(&app, &token, attempt).await).await;
    assert_eq!(shown["status"], "in_progress");
    assert_eq!(shown["questions"], first["questions"]);
    assert_eq!(shown["deadline"], first["deadline"]);
    assert_eq!(shown["answers"], saved);
}

async fn an_autosave_replaces_the_previous_answer_and_an_empty_choice_clears_it(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let token = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let (attempt, _) = start_paper(&app, competition, &token).await;
    let paper = answer_key(&app, attempt).await;
    let multiple = paper.iter().find(|q| q.kind == Kind::Multiple).unwrap();
    let single = paper.iter().find(|q| q.kind == Kind::Single).unwrap();

    fill(
        &app,
        &token,
        attempt,
        &BTreeMap::from([(multiple.no, vec![multiple.wrong])]),
    )
    .await;
    fill(
        &app,
        &token,
        attempt,
        &BTreeMap::from([(multiple.no, multiple.key.clone())]),
    )
    .await;
    let answers = saved_answers(&app, &token, attempt).await;
    assert_eq!(
        answers[&multiple.no.to_string()],
        json!(multiple.key),
        "the second answer replaced the first"
    );

    fill(
        &app,
        &token,
        attempt,
        &BTreeMap::from([(single.no, single.key.clone())]),
    )
    .await;
    let cleared = save(&app, &token, attempt, single.no, json!([])).await;
    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    let answers = saved_answers(&app, &token, attempt).await;
    let single_answer = answers.get(single.no.to_string());
    assert!(
        single_answer.is_none() || single_answer == Some(&json!([])),
        "a cleared answer shows as unanswered, not as the old choice: {answers}"
    );
    assert_eq!(answers[&multiple.no.to_string()], json!(multiple.key));

    let result = body(submit(&app, &token, attempt).await).await;
    assert_eq!(
        result["score"].as_f64(),
        Some(multiple.points),
        "only the multiple-choice answer counts; the cleared single-choice one does not"
    );
    assert_eq!(result["correct_count"], 1);
}

// ---------------------------------------------------------------------------------------
// The answer key's secrecy and the review after the close
// ---------------------------------------------------------------------------------------

async fn the_answer_key_and_explanations_stay_hidden_until_the_close_and_then_explain_the_score(
    app: TestApp,
) {
    let (admin, competition) = app.with_small_competition().await;
    let token = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let started = start(&app, competition, &token).await;
    assert_eq!(started.status(), StatusCode::CREATED);
    let start_text = started.text().await.unwrap();
    let attempt = serde_json::from_str::<Value>(&start_text).unwrap()["attempt_id"]
        .as_i64()
        .unwrap();
    let paper = answer_key(&app, attempt).await;
    assert_keyless("the start response", &start_text, &paper);

    // Correct, partly correct, wrong and unanswered questions, so the review has to explain
    // every kind of outcome.
    let mut sheet = perfect_sheet(&paper);
    let multiple = paper.iter().find(|q| q.kind == Kind::Multiple).unwrap();
    sheet.insert(multiple.no, multiple.key[..1].to_vec());
    let single = paper.iter().find(|q| q.kind == Kind::Single).unwrap();
    sheet.insert(single.no, vec![single.wrong]);
    let judge = paper.iter().find(|q| q.kind == Kind::Judge).unwrap();
    sheet.remove(&judge.no);
    fill(&app, &token, attempt, &sheet).await;

    let in_progress = text_of(show(&app, &token, attempt).await).await;
    assert_keyless("the attempt in progress", &in_progress, &paper);
    let result = body(submit(&app, &token, attempt).await).await;
    let submitted = text_of(show(&app, &token, attempt).await).await;
    assert_keyless("the submitted attempt", &submitted, &paper);
    let board = text_of(
        app.get(
            &format!("/api/competitions/{competition}/leaderboard"),
            None,
        )
        .await,
    )
    .await;
    assert_keyless("the leaderboard", &board, &paper);
    let competition_text = text_of(
        app.get(&format!("/api/competitions/{competition}"), None)
            .await,
    )
    .await;
    assert_keyless("the competition", &competition_text, &paper);

    close(&app, &admin, competition).await;
    let review = body(show(&app, &token, attempt).await).await;
    let questions = review["questions"].as_array().unwrap();
    for (shown, keyed) in questions.iter().zip(&paper) {
        assert_eq!(shown["no"], keyed.no);
        assert_eq!(
            shown["answer"],
            json!(keyed.key),
            "question {}: the key in the participant's option order",
            keyed.no
        );
        assert_eq!(shown["explanation"], json!(keyed.explanation));
    }
    let graded = result["score"].as_f64().unwrap();
    assert_eq!(
        score_by_the_rules(questions, &review["answers"]),
        graded,
        "the revealed key and the saved answers give the graded score"
    );
    assert_eq!(review["score"].as_f64(), Some(graded));
    assert_eq!(graded, 21.0 - 1.5 - single.points - judge.points);
}

async fn the_answer_key_stays_hidden_through_the_grace_after_the_close_and_shows_once_it_ends(
    app: TestApp,
) {
    let (_, competition) = app.with_small_competition().await;
    let token = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    // Started 10 minutes before the window closes: the deadline is the close itself, and the
    // answer grace runs on past it.
    app.advance_minutes(50);
    let (attempt, _) = start_paper(&app, competition, &token).await;
    let paper = answer_key(&app, attempt).await;
    app.advance_minutes(10);
    app.advance_seconds(1);

    let in_grace = text_of(show(&app, &token, attempt).await).await;
    assert_keyless("the attempt one second after the close", &in_grace, &paper);
    let late_answer = save(&app, &token, attempt, paper[0].no, json!(paper[0].key)).await;
    assert_eq!(
        late_answer.status(),
        StatusCode::NO_CONTENT,
        "an answer within the grace still counts"
    );

    app.advance_seconds(5);
    let review = body(show(&app, &token, attempt).await).await;
    assert_eq!(review["status"], "submitted");
    assert_eq!(review["questions"][0]["answer"], json!(paper[0].key));
    assert_eq!(review["score"].as_f64(), Some(paper[0].points));
}

// ---------------------------------------------------------------------------------------
// Grading and submitting
// ---------------------------------------------------------------------------------------

async fn a_perfect_sheet_scores_full_marks_and_a_correct_subset_of_a_multiple_choice_key_earns_half(
    app: TestApp,
) {
    let (_, competition) = app.with_small_competition().await;
    let perfect = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let (attempt, paper_view) = start_paper(&app, competition, &perfect).await;
    let paper = answer_key(&app, attempt).await;
    let points: f64 = paper_view["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["points"].as_f64().unwrap())
        .sum();
    assert_eq!(points, 21.0, "the shown points add up to the maximum");
    fill(&app, &perfect, attempt, &perfect_sheet(&paper)).await;
    let result = body(submit(&app, &perfect, attempt).await).await;
    assert_eq!(result["score"], 21);
    assert_eq!(result["max_score"], 21);
    assert_eq!(result["correct_count"], 10);

    let partial = app
        .register("王五", "13800000002", "绿源环保科技有限公司")
        .await;
    let (attempt, _) = start_paper(&app, competition, &partial).await;
    let paper = answer_key(&app, attempt).await;
    let multiples: Vec<&KeyedQuestion> =
        paper.iter().filter(|q| q.kind == Kind::Multiple).collect();
    let mut sheet = perfect_sheet(&paper);
    // 少选得一半分: a correct proper subset earns half of the 3 points.
    sheet.insert(multiples[0].no, multiples[0].key[1..].to_vec());
    // 错选不得分: the whole key plus one wrong option earns nothing.
    let mut overchosen = multiples[1].key.clone();
    overchosen.push(multiples[1].wrong);
    sheet.insert(multiples[1].no, overchosen);
    fill(&app, &partial, attempt, &sheet).await;
    let result = body(submit(&app, &partial, attempt).await).await;
    assert_eq!(result["score"].as_f64(), Some(21.0 - 1.5 - 3.0));
    assert_eq!(result["correct_count"], 8);
    let shown = body(show(&app, &partial, attempt).await).await;
    assert_eq!(shown["status"], "submitted");
    assert_eq!(shown["score"].as_f64(), Some(16.5));
}

async fn submitting_twice_returns_the_same_result_and_answers_after_submitting_are_refused(
    app: TestApp,
) {
    let (_, competition) = app.with_small_competition().await;
    let token = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let (attempt, _) = start_paper(&app, competition, &token).await;
    let paper = answer_key(&app, attempt).await;
    fill(&app, &token, attempt, &perfect_sheet(&paper)).await;
    app.advance_minutes(4);

    let first = submit(&app, &token, attempt).await;
    assert_eq!(first.status(), StatusCode::OK);
    let first = body(first).await;
    app.advance_minutes(2);
    let second = submit(&app, &token, attempt).await;
    assert_eq!(second.status(), StatusCode::OK);
    assert_eq!(
        body(second).await,
        first,
        "a repeated submit changes nothing"
    );
    assert_eq!(first["duration_seconds"], 240);

    let late = save(&app, &token, attempt, paper[0].no, json!([paper[0].wrong])).await;
    assert_eq!(late.status(), StatusCode::CONFLICT);
    let shown = body(show(&app, &token, attempt).await).await;
    assert_eq!(
        shown["answers"][paper[0].no.to_string()],
        json!(paper[0].key)
    );
    assert_eq!(shown["score"], 21);
}

// ---------------------------------------------------------------------------------------
// Deadlines and the window
// ---------------------------------------------------------------------------------------

async fn an_answer_within_the_grace_after_the_deadline_is_kept_and_one_after_it_is_refused(
    app: TestApp,
) {
    let (_, competition) = app.with_small_competition().await;
    let token = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let (attempt, _) = start_paper(&app, competition, &token).await;
    let paper = answer_key(&app, attempt).await;
    let (in_grace, too_late) = (&paper[0], &paper[1]);

    app.advance_minutes(30);
    app.advance_seconds(3);
    let kept = save(&app, &token, attempt, in_grace.no, json!(in_grace.key)).await;
    assert_eq!(
        kept.status(),
        StatusCode::NO_CONTENT,
        "3 s after the deadline"
    );

    app.advance_seconds(3);
    let refused = save(&app, &token, attempt, too_late.no, json!(too_late.key)).await;
    assert_eq!(
        refused.status(),
        StatusCode::CONFLICT,
        "6 s after the deadline"
    );
    assert_error_shape(refused).await;

    let shown = body(show(&app, &token, attempt).await).await;
    assert_eq!(shown["status"], "submitted");
    assert_eq!(
        shown["answers"],
        json!({ in_grace.no.to_string(): in_grace.key })
    );
    assert_eq!(shown["score"].as_f64(), Some(in_grace.points));
}

async fn the_deadline_is_the_duration_but_never_past_the_close_of_the_window(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let opened = app.clock.now();
    let early = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let late = app
        .register("王五", "13800000002", "绿源环保科技有限公司")
        .await;

    app.advance_minutes(5);
    let (_, early_paper) = start_paper(&app, competition, &early).await;
    assert_eq!(
        instant(&early_paper["deadline"]),
        opened + 35 * 60_000,
        "30 minutes after the start"
    );
    assert_eq!(instant(&early_paper["server_time"]), opened + 5 * 60_000);

    app.advance_minutes(45);
    let (_, late_paper) = start_paper(&app, competition, &late).await;
    let closes_at = body(
        app.get(&format!("/api/competitions/{competition}"), None)
            .await,
    )
    .await["closes_at"]
        .clone();
    assert_eq!(instant(&closes_at), opened + 60 * 60_000);
    assert_eq!(
        instant(&late_paper["deadline"]),
        instant(&closes_at),
        "started 10 minutes before the close, the 30-minute attempt ends at the close"
    );
    assert_eq!(instant(&late_paper["server_time"]), opened + 50 * 60_000);
}

async fn no_paper_is_issued_before_the_window_opens_or_after_it_closes(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let competition = create_competition(&app, &admin, 10, 60, 1).await;
    let first = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let second = app
        .register("王五", "13800000002", "绿源环保科技有限公司")
        .await;

    let too_early = start(&app, competition, &first).await;
    assert_eq!(too_early.status(), StatusCode::CONFLICT);
    assert_error_shape(too_early).await;
    app.advance_minutes(9);
    assert_eq!(
        start(&app, competition, &first).await.status(),
        StatusCode::CONFLICT,
        "one minute before the window opens"
    );

    app.advance_minutes(1);
    assert_eq!(
        start(&app, competition, &first).await.status(),
        StatusCode::CREATED,
        "the window opens at opens_at"
    );

    app.advance_minutes(60);
    let too_late = start(&app, competition, &second).await;
    assert_eq!(too_late.status(), StatusCode::CONFLICT, "at closes_at");
    assert_error_shape(too_late).await;
    let board = leaderboard(&app, competition).await;
    assert_eq!(board["stats"]["started"], 1);
}

async fn no_paper_is_issued_after_the_organizer_closes_the_competition(app: TestApp) {
    let (admin, competition) = app.with_small_competition().await;
    let token = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    app.advance_minutes(5);
    close(&app, &admin, competition).await;

    let refused = start(&app, competition, &token).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert_error_shape(refused).await;
    let shown = body(
        app.get(&format!("/api/competitions/{competition}"), None)
            .await,
    )
    .await;
    assert_eq!(shown["status"], "closed");
}

// ---------------------------------------------------------------------------------------
// Attempts allowed
// ---------------------------------------------------------------------------------------

async fn a_participant_with_one_attempt_cannot_start_again_after_submitting(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let token = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let (attempt, _) = start_paper(&app, competition, &token).await;
    assert_eq!(submit(&app, &token, attempt).await.status(), StatusCode::OK);

    let again = start(&app, competition, &token).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_error_shape(again).await;
    assert_eq!(leaderboard(&app, competition).await["stats"]["started"], 1);
}

async fn a_second_allowed_attempt_gets_a_new_paper_and_the_board_keeps_the_best(app: TestApp) {
    let admin = app.admin_token().await;
    app.import_sample_bank(&admin).await;
    let competition = create_competition(&app, &admin, 0, 60, 2).await;
    let token = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;

    let (first, first_paper) = start_paper(&app, competition, &token).await;
    fill(
        &app,
        &token,
        first,
        &perfect_sheet(&answer_key(&app, first).await),
    )
    .await;
    app.advance_minutes(5);
    assert_eq!(body(submit(&app, &token, first).await).await["score"], 21);

    let (second, second_paper) = start_paper(&app, competition, &token).await;
    assert_ne!(second, first, "a new attempt");
    assert_ne!(
        second_paper["questions"], first_paper["questions"],
        "a new random paper"
    );
    assert_eq!(second_paper["answers"], json!({}), "nothing carried over");
    app.advance_minutes(1);
    let worse = body(submit(&app, &token, second).await).await;
    assert_eq!(worse["score"], 0);
    assert_eq!(worse["rank"], 1);

    let board = leaderboard(&app, competition).await;
    assert_eq!(
        board["individuals"],
        json!([{"rank": 1, "name": "李四", "company": "绿源环保科技有限公司", "score": 21, "duration_seconds": 300}]),
        "the participant appears once, with the best attempt"
    );
    assert_eq!(
        board["stats"],
        json!({"registered": 1, "started": 1, "submitted": 1})
    );
    assert_eq!(
        start(&app, competition, &token).await.status(),
        StatusCode::CONFLICT,
        "no third attempt"
    );
}

// ---------------------------------------------------------------------------------------
// Automatic grading and the close
// ---------------------------------------------------------------------------------------

async fn an_attempt_left_unsubmitted_is_graded_from_its_saved_answers_once_its_time_is_up(
    app: TestApp,
) {
    let (_, competition) = app.with_small_competition().await;
    let token = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let (attempt, started) = start_paper(&app, competition, &token).await;
    let paper = answer_key(&app, attempt).await;
    let sheet = BTreeMap::from([(paper[0].no, paper[0].key.clone())]);
    fill(&app, &token, attempt, &sheet).await;

    app.advance_minutes(30);
    app.advance_seconds(6);
    let shown = body(show(&app, &token, attempt).await).await;
    assert_eq!(shown["status"], "submitted");
    assert_eq!(shown["score"].as_f64(), Some(paper[0].points));
    assert_eq!(shown["correct_count"], 1);
    assert_eq!(
        instant(&shown["submitted_at"]),
        instant(&started["deadline"]),
        "graded as of its deadline"
    );
    let board = leaderboard(&app, competition).await;
    assert_eq!(board["individuals"][0]["duration_seconds"], 1800);
    assert_eq!(
        start(&app, competition, &token).await.status(),
        StatusCode::CONFLICT,
        "the one attempt is used up"
    );
}

async fn the_sweeper_alone_grades_an_attempt_whose_time_is_up(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let token = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let (attempt, _) = start_paper(&app, competition, &token).await;
    let paper = answer_key(&app, attempt).await;
    let multiple = paper.iter().find(|q| q.kind == Kind::Multiple).unwrap();
    fill(
        &app,
        &token,
        attempt,
        &BTreeMap::from([(multiple.no, multiple.key.clone())]),
    )
    .await;

    app.advance_minutes(30);
    app.advance_seconds(6);
    // Only the background sweeper grades now: nobody looks at the attempt.
    let board = board_once(&app, competition, |board| board["stats"]["submitted"] == 1).await;
    assert_eq!(board["individuals"][0]["name"], "李四");
    assert_eq!(
        board["individuals"][0]["score"].as_f64(),
        Some(multiple.points)
    );
    assert_eq!(board["individuals"][0]["duration_seconds"], 1800);
}

async fn closing_the_competition_grades_attempts_in_progress_before_it_replies(app: TestApp) {
    let (admin, competition) = app.with_small_competition().await;
    let diligent = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let idle = app
        .register("王五", "13800000002", "蓝天化工有限公司")
        .await;
    let (diligent_attempt, _) = start_paper(&app, competition, &diligent).await;
    let paper = answer_key(&app, diligent_attempt).await;
    fill(&app, &diligent, diligent_attempt, &perfect_sheet(&paper)).await;
    app.advance_minutes(2);
    let (idle_attempt, _) = start_paper(&app, competition, &idle).await;
    app.advance_minutes(8);
    let closed_at = app.clock.now();

    close(&app, &admin, competition).await;
    let board = leaderboard(&app, competition).await;
    assert_eq!(
        board["stats"],
        json!({"registered": 2, "started": 2, "submitted": 2})
    );
    assert_eq!(
        board["individuals"],
        json!([
            {"rank": 1, "name": "李四", "company": "绿源环保科技有限公司", "score": 21, "duration_seconds": 600},
            {"rank": 2, "name": "王五", "company": "蓝天化工有限公司", "score": 0, "duration_seconds": 480},
        ])
    );
    let idle_view = body(show(&app, &idle, idle_attempt).await).await;
    assert_eq!(idle_view["status"], "submitted");
    assert_eq!(instant(&idle_view["submitted_at"]), closed_at);
}

// ---------------------------------------------------------------------------------------
// Ownership and bad requests
// ---------------------------------------------------------------------------------------

async fn a_participant_cannot_read_answer_or_submit_another_participants_attempt(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let owner = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let other = app
        .register("王五", "13800000002", "蓝天化工有限公司")
        .await;
    let (attempt, _) = start_paper(&app, competition, &owner).await;
    let paper = answer_key(&app, attempt).await;

    let read = show(&app, &other, attempt).await;
    assert_eq!(read.status(), StatusCode::NOT_FOUND);
    assert_not_found(read).await;
    let answered = save(&app, &other, attempt, paper[0].no, json!(paper[0].key)).await;
    assert_eq!(answered.status(), StatusCode::NOT_FOUND);
    assert_not_found(answered).await;
    let submitted = submit(&app, &other, attempt).await;
    assert_eq!(submitted.status(), StatusCode::NOT_FOUND);
    assert_not_found(submitted).await;

    let shown = body(show(&app, &owner, attempt).await).await;
    assert_eq!(shown["status"], "in_progress");
    assert_eq!(
        shown["answers"],
        json!({}),
        "the other's answer was not saved"
    );
}

async fn an_unknown_or_malformed_attempt_id_is_a_json_not_found(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let token = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let (attempt, _) = start_paper(&app, competition, &token).await;
    let unknown = attempt + 1000;

    assert_not_found(show(&app, &token, unknown).await).await;
    assert_not_found(save(&app, &token, unknown, 1, json!(["A"])).await).await;
    assert_not_found(submit(&app, &token, unknown).await).await;
    assert_not_found(app.get("/api/attempts/abc", Some(&token)).await).await;
    assert_not_found(
        app.put(
            "/api/attempts/abc/answers/1",
            Some(&token),
            &json!({"choice": ["A"]}),
        )
        .await,
    )
    .await;
    assert_not_found(
        app.post("/api/attempts/abc/submit", Some(&token), &json!({}))
            .await,
    )
    .await;
}

async fn an_answer_with_an_unknown_key_or_too_many_keys_is_refused_by_field(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let token = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let (attempt, paper) = start_paper(&app, competition, &token).await;
    let single = first_of_kind(&paper, "single");
    let multiple = first_of_kind(&paper, "multiple");
    let judge = first_of_kind(&paper, "judge");

    for (no, choice, why) in [
        (single, json!(["Z"]), "no option Z"),
        (
            single,
            json!(["E"]),
            "a single-choice question here has options A to D",
        ),
        (single, json!(["T"]), "T is a judge key"),
        (
            single,
            json!(["A", "B"]),
            "two keys on a single-choice question",
        ),
        (
            multiple,
            json!(["A", "Z"]),
            "one unknown key among good ones",
        ),
        (judge, json!(["A"]), "judge questions take T or F"),
        (judge, json!(["T", "F"]), "both T and F"),
    ] {
        let refused = save(&app, &token, attempt, no, choice).await;
        assert_eq!(
            refused.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "question {no}: {why}"
        );
        let error = body(refused).await;
        assert!(
            error["error"]["fields"]["choice"].is_string(),
            "question {no}: {why}: the error names the field: {error}"
        );
    }
    assert_eq!(
        saved_answers(&app, &token, attempt).await,
        json!({}),
        "a refused answer changes nothing"
    );
}

async fn an_answer_to_a_question_not_on_the_paper_is_not_found(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let token = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let (attempt, _) = start_paper(&app, competition, &token).await;

    for no in [0, 11, 999, -1] {
        let missing = save(&app, &token, attempt, no, json!(["A"])).await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND, "question {no}");
        assert_not_found(missing).await;
    }
    assert_not_found(
        app.put(
            &format!("/api/attempts/{attempt}/answers/first"),
            Some(&token),
            &json!({"choice": ["A"]}),
        )
        .await,
    )
    .await;
    assert_eq!(saved_answers(&app, &token, attempt).await, json!({}));
}

async fn an_answer_body_that_is_not_json_is_a_bad_request_and_one_without_a_list_is_invalid(
    app: TestApp,
) {
    let (_, competition) = app.with_small_competition().await;
    let token = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let (attempt, _) = start_paper(&app, competition, &token).await;

    let malformed = app
        .client
        .put(app.url(&format!("/api/attempts/{attempt}/answers/1")))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(r#"{"choice": ["A""#)
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert_error_shape(malformed).await;

    let not_a_list = save(&app, &token, attempt, 1, json!("A")).await;
    assert_eq!(
        not_a_list.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "well-formed JSON with a choice that is not a list"
    );
    let error = body(not_a_list).await;
    assert!(error["error"]["fields"]["choice"].is_string(), "{error}");
    let missing = app
        .put(
            &format!("/api/attempts/{attempt}/answers/1"),
            Some(&token),
            &json!({}),
        )
        .await;
    assert_eq!(
        missing.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "no choice"
    );
    let error = body(missing).await;
    assert!(error["error"]["fields"]["choice"].is_string(), "{error}");
    assert_eq!(saved_answers(&app, &token, attempt).await, json!({}));
}

async fn a_judge_question_is_answered_with_t_or_f(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let token = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let (attempt, paper_view) = start_paper(&app, competition, &token).await;
    let judge = paper_view["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["kind"] == "judge")
        .unwrap();
    assert_eq!(
        judge["options"],
        json!([{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}])
    );
    let no = judge["no"].as_i64().unwrap();

    let t = save(&app, &token, attempt, no, json!(["T"])).await;
    assert_eq!(t.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        saved_answers(&app, &token, attempt).await[no.to_string()],
        json!(["T"])
    );
    let f = save(&app, &token, attempt, no, json!(["F"])).await;
    assert_eq!(f.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        saved_answers(&app, &token, attempt).await[no.to_string()],
        json!(["F"])
    );

    let key = answer_key(&app, attempt).await;
    let judged = key.iter().find(|q| q.no == no).unwrap();
    let result = body(submit(&app, &token, attempt).await).await;
    let expected = if judged.key == ["F"] { 1.0 } else { 0.0 };
    assert_eq!(result["score"].as_f64(), Some(expected));
}

// ---------------------------------------------------------------------------------------
// The leaderboard
// ---------------------------------------------------------------------------------------

async fn the_board_ranks_by_score_then_time_used_and_averages_company_scores(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let fast = app
        .register("王五", "13800000001", "绿源环保科技有限公司")
        .await;
    let partial = app
        .register("孙七", "13800000002", "绿源环保科技有限公司")
        .await;
    let slow = app
        .register("赵六", "13800000003", "蓝天化工有限公司")
        .await;
    let unfinished = app
        .register("周八", "13800000004", "蓝天化工有限公司")
        .await;
    app.register("吴九", "13800000005", "蓝天化工有限公司")
        .await;

    let mut attempts = Vec::new();
    for token in [&fast, &partial, &slow, &unfinished] {
        let (attempt, _) = start_paper(&app, competition, token).await;
        let paper = answer_key(&app, attempt).await;
        let mut sheet = perfect_sheet(&paper);
        if token == &partial {
            let multiple = paper.iter().find(|q| q.kind == Kind::Multiple).unwrap();
            sheet.insert(multiple.no, multiple.key[..1].to_vec());
        }
        fill(&app, token, attempt, &sheet).await;
        attempts.push(attempt);
    }

    // The lower score submits first, yet ranks below both full marks.
    app.advance_minutes(2);
    let result = body(submit(&app, &partial, attempts[1]).await).await;
    assert_eq!(result["score"].as_f64(), Some(19.5));
    assert_eq!(result["rank"], 1);
    app.advance_minutes(3);
    assert_eq!(
        body(submit(&app, &fast, attempts[0]).await).await["rank"],
        1
    );
    app.advance_minutes(3);
    assert_eq!(
        body(submit(&app, &slow, attempts[2]).await).await["rank"],
        2
    );

    let board = leaderboard(&app, competition).await;
    assert_eq!(
        board["individuals"],
        json!([
            {"rank": 1, "name": "王五", "company": "绿源环保科技有限公司", "score": 21, "duration_seconds": 300},
            {"rank": 2, "name": "赵六", "company": "蓝天化工有限公司", "score": 21, "duration_seconds": 480},
            {"rank": 3, "name": "孙七", "company": "绿源环保科技有限公司", "score": 19.5, "duration_seconds": 120},
        ])
    );
    assert_eq!(
        board["companies"],
        json!([
            {"rank": 1, "company": "蓝天化工有限公司", "participants": 1, "score": 21},
            {"rank": 2, "company": "绿源环保科技有限公司", "participants": 2, "score": 20.25},
        ]),
        "蓝天 counts only its submitted participant; 绿源 averages (21 + 19.5) / 2"
    );
    assert_eq!(
        board["stats"],
        json!({"registered": 5, "started": 4, "submitted": 3})
    );
}

async fn participants_with_the_same_score_time_and_submit_instant_share_a_rank(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    let first = app
        .register("李四", "13800000001", "绿源环保科技有限公司")
        .await;
    let twin = app
        .register("王五", "13800000002", "蓝天化工有限公司")
        .await;
    let later = app
        .register("赵六", "13800000003", "清源水务有限公司")
        .await;

    let mut attempts = BTreeMap::new();
    for token in [&first, &twin, &later] {
        if token == &later {
            app.advance_minutes(1);
        }
        let (attempt, _) = start_paper(&app, competition, token).await;
        let paper = answer_key(&app, attempt).await;
        fill(&app, token, attempt, &perfect_sheet(&paper)).await;
        attempts.insert(token.clone(), attempt);
    }
    // 李四 and 王五 started together and submit at the same instant; 赵六 uses the same
    // five minutes but finishes a minute later.
    app.advance_minutes(4);
    let first_rank = body(submit(&app, &first, attempts[&first]).await).await["rank"].clone();
    let twin_rank = body(submit(&app, &twin, attempts[&twin]).await).await["rank"].clone();
    assert_eq!((first_rank, twin_rank), (json!(1), json!(1)));
    app.advance_minutes(1);
    assert_eq!(
        body(submit(&app, &later, attempts[&later]).await).await["rank"],
        3
    );

    let board = leaderboard(&app, competition).await;
    let rows: Vec<(Value, Value, Value)> = board["individuals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["rank"].clone(),
                r["name"].clone(),
                r["duration_seconds"].clone(),
            )
        })
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2], (json!(3), json!("赵六"), json!(300)));
    let mut tied: Vec<_> = rows[..2].to_vec();
    tied.sort_by_key(|(_, name, _)| name.to_string());
    assert_eq!(
        tied,
        [
            (json!(1), json!("李四"), json!(300)),
            (json!(1), json!("王五"), json!(300)),
        ]
    );
}

async fn the_leaderboard_refuses_a_bad_top_and_clamps_a_large_one(app: TestApp) {
    let (_, competition) = app.with_small_competition().await;
    for (name, phone) in [("李四", "13800000001"), ("王五", "13800000002")] {
        let token = app.register(name, phone, "绿源环保科技有限公司").await;
        let (attempt, _) = start_paper(&app, competition, &token).await;
        assert_eq!(submit(&app, &token, attempt).await.status(), StatusCode::OK);
    }
    let path = format!("/api/competitions/{competition}/leaderboard");

    for top in ["0", "abc", "-1", "1.5"] {
        let refused = app.get(&format!("{path}?top={top}"), None).await;
        assert_eq!(
            refused.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "top={top}"
        );
        let error = body(refused).await;
        assert!(
            error["error"]["fields"]["top"].is_string(),
            "top={top}: {error}"
        );
    }
    let clamped = app.get(&format!("{path}?top=100000"), None).await;
    assert_eq!(clamped.status(), StatusCode::OK);
    assert_eq!(
        body(clamped).await["individuals"].as_array().unwrap().len(),
        2
    );
    let one = body(app.get(&format!("{path}?top=1"), None).await).await;
    assert_eq!(one["individuals"].as_array().unwrap().len(), 1);
    assert_eq!(
        one["stats"]["submitted"], 2,
        "the counts are not cut by top"
    );

    let unknown = app
        .get(
            &format!("/api/competitions/{}/leaderboard", competition + 1000),
            None,
        )
        .await;
    assert_not_found(unknown).await;
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// The score the grading rules (docs/QUESTION-BANK.md) give the saved answers against the
/// revealed key: full points for the exact key, half for a correct proper subset of a
/// multiple-choice key (every multiple-choice section of these tests allows partial credit),
/// else nothing.
fn score_by_the_rules(questions: &[Value], saved: &Value) -> f64 {
    questions
        .iter()
        .map(|q| {
            let keys = |v: &Value| -> Vec<String> {
                let mut keys: Vec<String> = v
                    .as_array()
                    .map(|a| a.iter().map(|k| k.as_str().unwrap().to_owned()).collect())
                    .unwrap_or_default();
                keys.sort();
                keys
            };
            let key = keys(&q["answer"]);
            let chosen = keys(&saved[q["no"].to_string()]);
            let points = q["points"].as_f64().unwrap();
            if chosen.is_empty() {
                0.0
            } else if chosen == key {
                points
            } else if q["kind"] == "multiple" && chosen.iter().all(|k| key.contains(k)) {
                points / 2.0
            } else {
                0.0
            }
        })
        .sum()
}

/// Asserts that a response body carries no answer key and none of the paper's explanations.
fn assert_keyless(what: &str, text: &str, paper: &[KeyedQuestion]) {
    assert!(
        !text.contains("\"answer\""),
        "{what} carries an answer key: {text}"
    );
    assert!(
        !text.contains("\"explanation\""),
        "{what} carries an explanation: {text}"
    );
    for q in paper {
        if let Some(explanation) = &q.explanation {
            let encoded = serde_json::to_string(explanation).unwrap();
            assert!(
                !text.contains(encoded.trim_matches('"')),
                "{what} carries the explanation of question {}: {text}",
                q.no
            );
        }
    }
}

/// The number of the first question of `kind` on a paper as the participant sees it.
fn first_of_kind(paper: &Value, kind: &str) -> i64 {
    paper["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["kind"] == kind)
        .unwrap_or_else(|| panic!("the paper has a {kind} question"))["no"]
        .as_i64()
        .unwrap()
}

/// An RFC 3339 time in a response, as an instant.
fn instant(value: &Value) -> Millis {
    parse_rfc3339(value.as_str().unwrap_or_else(|| panic!("a time: {value}")))
        .unwrap_or_else(|| panic!("an RFC 3339 time: {value}"))
}

/// The `answers` object of `GET /api/attempts/{id}`.
async fn saved_answers(app: &TestApp, token: &str, attempt: i64) -> Value {
    let shown = show(app, token, attempt).await;
    assert_eq!(shown.status(), StatusCode::OK);
    body(shown).await["answers"].clone()
}

async fn leaderboard(app: &TestApp, competition: i64) -> Value {
    let board = app
        .get(
            &format!("/api/competitions/{competition}/leaderboard"),
            None,
        )
        .await;
    assert_eq!(board.status(), StatusCode::OK);
    body(board).await
}

/// Polls the leaderboard every 100 ms, for up to 10 s, until `ready` holds.
async fn board_once(app: &TestApp, competition: i64, ready: impl Fn(&Value) -> bool) -> Value {
    let give_up = Instant::now() + Duration::from_secs(10);
    loop {
        let board = leaderboard(app, competition).await;
        if ready(&board) {
            return board;
        }
        assert!(
            Instant::now() < give_up,
            "the leaderboard did not change within 10 s: {board}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn text_of(response: Response) -> String {
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

async fn close(app: &TestApp, admin: &str, competition: i64) {
    let closed = app
        .post(
            &format!("/api/admin/competitions/{competition}/close"),
            Some(admin),
            &json!({}),
        )
        .await;
    assert_eq!(
        closed.status(),
        StatusCode::OK,
        "{}",
        closed.text().await.unwrap_or_default()
    );
}

/// A competition with the small blueprint and 30-minute attempts, opening `opens_in` minutes
/// from now for `open_minutes`, allowing `max_attempts` each.
async fn create_competition(
    app: &TestApp,
    admin: &str,
    opens_in: i64,
    open_minutes: i64,
    max_attempts: i64,
) -> i64 {
    let opens_at = app.clock.now() + opens_in * 60_000;
    let created = app
        .post(
            "/api/admin/competitions",
            Some(admin),
            &json!({
                "title": "六五环境日企业环保知识竞赛",
                "opens_at": rfc3339(opens_at),
                "closes_at": rfc3339(opens_at + open_minutes * 60_000),
                "duration_minutes": 30,
                "blueprint": small_blueprint(),
                "max_attempts": max_attempts,
            }),
        )
        .await;
    assert_eq!(
        created.status(),
        StatusCode::CREATED,
        "{}",
        created.text().await.unwrap_or_default()
    );
    body(created).await["id"].as_i64().unwrap()
}

/// Asserts the API's error body (docs/API.md): `{"error": {"code", "message"}}`.
async fn assert_error_shape(response: Response) -> Value {
    let error = body(response).await;
    assert!(
        error["error"]["code"].is_string() && error["error"]["message"].is_string(),
        "not the API's error shape: {error}"
    );
    error
}

/// Asserts a 404 with the API's JSON error body.
async fn assert_not_found(response: Response) {
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let error = assert_error_shape(response).await;
    assert_eq!(error["error"]["code"], "not_found");
}
