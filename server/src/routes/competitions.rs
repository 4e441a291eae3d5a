//! Competitions as participants and the projector see them, the leaderboard, and starting
//! (or resuming) an attempt.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};

use super::error::AppError;
use super::extract::AppPath;
use super::extract::CurrentParticipant;
use crate::competitions::CompetitionView;
use crate::exam::AttemptView;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/competitions", get(list))
        .route("/api/competitions/{id}", get(show))
        .route("/api/competitions/{id}/attempts", post(start))
}

async fn list(State(state): State<AppState>) -> Result<Json<Vec<CompetitionView>>, AppError> {
    Ok(Json(state.competitions.list().await?))
}

async fn show(
    State(state): State<AppState>,
    AppPath(id): AppPath<i64>,
) -> Result<Json<CompetitionView>, AppError> {
    let competition = state.exam.competition(id).await?;
    Ok(Json(state.competitions.view(&competition)))
}

/// 201 with a new paper, or 200 resuming the attempt in progress.
async fn start(
    State(state): State<AppState>,
    CurrentParticipant(participant_id): CurrentParticipant,
    AppPath(id): AppPath<i64>,
) -> Result<(StatusCode, Json<AttemptView>), AppError> {
    let started = state.exam.start_attempt(id, participant_id).await?;
    let status = if started.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let view = match started.view {
        Some(view) => view,
        None => {
            state
                .exam
                .attempt_view(started.attempt.id, participant_id)
                .await?
        }
    };
    Ok((status, Json(view)))
}
