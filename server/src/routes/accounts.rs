//! Registration and login for participants, login for organizers, and a participant's own
//! account and attempts (`/api/me`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::error::{AppError, AppJson};
use super::extract::CurrentParticipant;
use crate::accounts::{Profile, Registered, Registration, Token};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/register", post(register))
        .route("/api/auth/login", post(login))
        .route("/api/admin/login", post(admin_login))
        .route("/api/me", get(me))
}

/// The participant's own account and attempts.
async fn me(
    State(state): State<AppState>,
    CurrentParticipant(participant_id): CurrentParticipant,
) -> Result<Json<Profile>, AppError> {
    Ok(Json(state.accounts.profile(participant_id).await?))
}

async fn register(
    State(state): State<AppState>,
    AppJson(form): AppJson<Registration>,
) -> Result<(StatusCode, Json<Registered>), AppError> {
    let registered = state
        .accounts
        .register(&form)
        .await
        .map_err(|e| AppError::from(e).unsaved("注册未完成"))?;
    Ok((StatusCode::CREATED, Json(registered)))
}

#[derive(Deserialize)]
struct Login {
    phone: String,
    password: String,
}

async fn login(State(state): State<AppState>, AppJson(body): AppJson<Login>) -> Reply<Token> {
    Ok(Json(
        state.accounts.login(&body.phone, &body.password).await?,
    ))
}

#[derive(Deserialize)]
struct AdminLogin {
    username: String,
    password: String,
}

async fn admin_login(
    State(state): State<AppState>,
    AppJson(body): AppJson<AdminLogin>,
) -> Reply<Token> {
    let accounts = &state.accounts;
    Ok(Json(
        accounts
            .organizer_login(&body.username, &body.password)
            .await?,
    ))
}

/// A JSON reply or an error.
type Reply<T> = Result<Json<T>, AppError>;
