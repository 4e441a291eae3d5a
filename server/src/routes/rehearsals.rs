//! `ecoquiz rehearse`'s two organizer routes: `POST /api/admin/rehearsals` prepares a
//! rehearsal (its companies and competition), `DELETE /api/admin/rehearsals` removes every
//! rehearsal record.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use super::error::{AppError, AppJson};
use super::extract::CurrentOrganizer;
use crate::rehearsal::PreparedRehearsal;
use crate::state::AppState;
use crate::store::rehearsals::RehearsalCounts;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/admin/rehearsals", post(prepare).delete(purge))
}

#[derive(Deserialize)]
struct RehearsalRequest {
    /// How long the rehearsal competition stays open.
    minutes: i64,
}

async fn prepare(
    State(state): State<AppState>,
    CurrentOrganizer(_): CurrentOrganizer,
    AppJson(request): AppJson<RehearsalRequest>,
) -> Result<(StatusCode, Json<PreparedRehearsal>), AppError> {
    let prepared = state.rehearsals.prepare(request.minutes).await?;
    Ok((StatusCode::CREATED, Json(prepared)))
}

async fn purge(
    State(state): State<AppState>,
    CurrentOrganizer(_): CurrentOrganizer,
) -> Result<Json<RehearsalCounts>, AppError> {
    Ok(Json(state.rehearsals.purge().await?))
}
