//! Competitions: as participants and the projector see them, starting (or resuming) an
//! attempt, and for organizers creating one (with the blueprint's feasibility check), listing
//! and closing them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

use super::error::{AppError, AppJson};
use super::extract::{AppPath, CurrentOrganizer, CurrentParticipant};
use crate::competitions::{BlueprintCheck, CompetitionInput, CompetitionView};
use crate::exam::AttemptView;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/competitions", get(list))
        .route("/api/competitions/{id}", get(show))
        .route("/api/competitions/{id}/attempts", post(start))
        .route(
            "/api/admin/competitions",
            get(list_for_organizers).post(create),
        )
        .route("/api/admin/competitions/{id}/close", post(close))
        .route("/api/admin/blueprints/check", post(check_blueprint))
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

async fn list_for_organizers(
    State(state): State<AppState>,
    CurrentOrganizer(_): CurrentOrganizer,
) -> Result<Json<Vec<CompetitionView>>, AppError> {
    Ok(Json(state.competitions.list_all().await?))
}

/// 201 with the competition, or 422 naming every invalid field and every shortfall of the
/// bank against the blueprint.
async fn create(
    State(state): State<AppState>,
    CurrentOrganizer(_): CurrentOrganizer,
    AppJson(input): AppJson<CompetitionInput>,
) -> Result<(StatusCode, Json<CompetitionView>), AppError> {
    let created = state.competitions.create(&input).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Deserialize)]
struct BlueprintRequest {
    blueprint: Value,
}

/// The console's live feasibility check. Always 200 for a JSON body, so the editor can show
/// problems while the organizer types.
async fn check_blueprint(
    State(state): State<AppState>,
    CurrentOrganizer(_): CurrentOrganizer,
    AppJson(input): AppJson<BlueprintRequest>,
) -> Result<Json<BlueprintCheck>, AppError> {
    Ok(Json(
        state.competitions.check_blueprint(&input.blueprint).await?,
    ))
}

/// Ends the window now; attempts in progress are graded before the reply.
async fn close(
    State(state): State<AppState>,
    CurrentOrganizer(_): CurrentOrganizer,
    AppPath(id): AppPath<i64>,
) -> Result<Json<CompetitionView>, AppError> {
    let competition = state.exam.close_competition(id).await?;
    Ok(Json(state.competitions.view(&competition)))
}
