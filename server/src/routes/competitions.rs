//! Competitions as participants and the projector see them, the leaderboard, and starting
//! (or resuming) an attempt.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::error::AppError;
use super::extract::CurrentParticipant;
use super::extract::{AppPath, AppQuery};
use crate::clock::rfc3339;
use crate::exam::AttemptView;
use crate::leaderboard::{DEFAULT_TOP, MAX_TOP};
use crate::rules::{CompanyScoreRule, WindowState, window_state};
use crate::state::AppState;
use crate::store::competitions::Competition;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/competitions", get(list))
        .route("/api/competitions/{id}", get(show))
        .route("/api/competitions/{id}/leaderboard", get(board))
        .route("/api/competitions/{id}/attempts", post(start))
}

/// A competition as the API shows it. Holds nothing secret: the blueprint says how many
/// questions of each kind, never which.
#[derive(Debug, Serialize)]
pub struct CompetitionView {
    pub id: i64,
    pub title: String,
    pub opens_at: String,
    pub closes_at: String,
    pub duration_minutes: i64,
    pub status: WindowState,
    pub question_count: u32,
    pub max_score: question_bank::Points,
    pub pass_score: question_bank::Points,
    pub max_attempts: i64,
    pub blueprint: serde_json::Value,
    pub company_score: CompanyScoreRule,
    pub max_tab_switches: Option<i64>,
}

pub fn competition_view(competition: &Competition, now: i64) -> CompetitionView {
    CompetitionView {
        id: competition.id,
        title: competition.title.clone(),
        opens_at: rfc3339(competition.opens_at),
        closes_at: rfc3339(competition.closes_at),
        duration_minutes: competition.duration_minutes,
        status: window_state(now, competition.opens_at, competition.closes_at),
        question_count: competition.blueprint.question_count(),
        max_score: competition.max_score,
        pass_score: competition.pass_score,
        max_attempts: competition.max_attempts,
        blueprint: competition.blueprint.to_json(),
        company_score: competition.company_score,
        max_tab_switches: competition.max_tab_switches,
    }
}

pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<CompetitionView>>, AppError> {
    let now = state.clock.now();
    let competitions = state.store.competitions().await?;
    Ok(Json(
        competitions
            .iter()
            .map(|c| competition_view(c, now))
            .collect(),
    ))
}

async fn show(
    State(state): State<AppState>,
    AppPath(id): AppPath<i64>,
) -> Result<Json<CompetitionView>, AppError> {
    let competition = state.exam.competition(id).await?;
    Ok(Json(competition_view(&competition, state.clock.now())))
}

#[derive(Deserialize)]
struct BoardQuery {
    top: Option<String>,
}

/// `top`: absent → 20; 1 to 100; larger values are clamped to 100; 0, negative or
/// non-numbers are refused with 422.
pub fn parse_top(top: Option<&str>) -> Result<usize, AppError> {
    match top {
        None => Ok(DEFAULT_TOP),
        Some(text) => match text.trim().parse::<i64>() {
            Ok(n) if n >= 1 => Ok((n as usize).min(MAX_TOP)),
            _ => Err(AppError::invalid_field(
                "top",
                format!("top 必须是 1 到 {MAX_TOP} 之间的整数,实际为 \"{text}\""),
            )),
        },
    }
}

/// The live board's current frame: the same JSON a websocket viewer gets for this `top`.
async fn board(
    State(state): State<AppState>,
    AppPath(id): AppPath<i64>,
    AppQuery(query): AppQuery<BoardQuery>,
) -> Result<Response, AppError> {
    let top = parse_top(query.top.as_deref())?;
    let board = super::live::board_of(&state, id).await?;
    let json = board.frame().json(top);
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        json.as_str().to_owned(),
    )
        .into_response())
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
