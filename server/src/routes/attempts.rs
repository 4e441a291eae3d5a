//! A participant's own attempt: read it, autosave answers, submit, report tab switches.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;

use super::error::{AppError, AppJson};
use super::extract::AppPath;
use super::extract::CurrentParticipant;
use crate::exam::{AttemptView, SubmitResult, TabSwitchOutcome};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/attempts/{id}", get(show))
        .route("/api/attempts/{id}/answers/{no}", put(answer))
        .route("/api/attempts/{id}/submit", post(submit))
        .route("/api/attempts/{id}/tab-switches", post(tab_switch))
}

async fn show(
    State(state): State<AppState>,
    CurrentParticipant(participant_id): CurrentParticipant,
    AppPath(id): AppPath<i64>,
) -> Result<Json<AttemptView>, AppError> {
    Ok(Json(state.exam.attempt_view(id, participant_id).await?))
}

#[derive(Deserialize)]
struct Answer {
    choice: Vec<String>,
}

/// 204 once the answer is committed to the store.
async fn answer(
    State(state): State<AppState>,
    CurrentParticipant(participant_id): CurrentParticipant,
    AppPath((id, no)): AppPath<(i64, i64)>,
    AppJson(body): AppJson<Answer>,
) -> Result<StatusCode, AppError> {
    state
        .exam
        .save_answer(id, participant_id, no, &body.choice)
        .await
        .map_err(|e| AppError::from(e).unsaved("答案未保存"))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn submit(
    State(state): State<AppState>,
    CurrentParticipant(participant_id): CurrentParticipant,
    AppPath(id): AppPath<i64>,
) -> Result<Json<SubmitResult>, AppError> {
    let result = state
        .exam
        .submit(id, participant_id)
        .await
        .map_err(|e| AppError::from(e).unsaved("答卷未提交"))?;
    Ok(Json(result))
}

/// 切屏: the exam page was hidden or lost focus.
async fn tab_switch(
    State(state): State<AppState>,
    CurrentParticipant(participant_id): CurrentParticipant,
    AppPath(id): AppPath<i64>,
) -> Result<Json<TabSwitchOutcome>, AppError> {
    Ok(Json(
        state.exam.record_tab_switch(id, participant_id).await?,
    ))
}
