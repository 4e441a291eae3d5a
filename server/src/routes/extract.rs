//! What every handler extracts besides its body: who the request speaks for
//! (`CurrentParticipant`, `CurrentOrganizer`, `CurrentPlayer` a live final's seat or audience
//! member: the bearer token checked against the clock and the role), and `AppPath` / `AppQuery`, whose rejections are JSON errors like any other.

use axum::extract::FromRequestParts;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::http::request::Parts;

use super::error::AppError;
use crate::auth::Role;
use crate::live_final::Player;
use crate::state::AppState;

/// The bearer token of a request, or 401.
fn bearer(parts: &Parts) -> Result<&str, AppError> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| AppError::Unauthorized("请先登录".into()))
}

/// The participant a request speaks for (401 without a valid token, 403 for organizers).
#[derive(Clone, Copy, Debug)]
pub struct CurrentParticipant(pub i64);

impl FromRequestParts<AppState> for CurrentParticipant {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        match verified(parts, state)? {
            (Role::Participant, id) => Ok(CurrentParticipant(id)),
            (Role::Organizer | Role::Seat | Role::Audience, _) => {
                Err(AppError::Forbidden("此操作仅限参赛人员".into()))
            }
        }
    }
}

/// The organizer a request speaks for (401 without a valid token, 403 for participants).
#[derive(Clone, Copy, Debug)]
pub struct CurrentOrganizer(pub i64);

impl FromRequestParts<AppState> for CurrentOrganizer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        match verified(parts, state)? {
            (Role::Organizer, id) => Ok(CurrentOrganizer(id)),
            (Role::Participant | Role::Seat | Role::Audience, _) => {
                Err(AppError::Forbidden("此操作仅限组织者".into()))
            }
        }
    }
}

/// A live final's seat or audience member (401 without a valid token or once the seat was
/// joined from another device, 403 for participants and organizers).
#[derive(Clone, Copy, Debug)]
pub struct CurrentPlayer(pub Player);

impl FromRequestParts<AppState> for CurrentPlayer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let (role, id, generation) = state
            .keys
            .verify_with_generation(bearer(parts)?, state.clock.now())
            .map_err(|e| AppError::Unauthorized(e.to_string()))?;
        if matches!(role, Role::Participant | Role::Organizer) {
            return Err(AppError::Forbidden("此操作仅限决赛选手和观众".into()));
        }
        match state.finals.player(role, id, generation).await? {
            Some(player) => Ok(CurrentPlayer(player)),
            None => Err(AppError::Unauthorized("请重新加入决赛".into())),
        }
    }
}

/// The role and id of the request's token, or 401.
fn verified(parts: &Parts, state: &AppState) -> Result<(Role, i64), AppError> {
    state
        .keys
        .verify(bearer(parts)?, state.clock.now())
        .map_err(|e| AppError::Unauthorized(e.to_string()))
}

/// `Path<T>` whose rejection (e.g. `/api/attempts/abc`) is a JSON 404 like any other.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct AppPath<T>(pub T);

impl From<PathRejection> for AppError {
    fn from(_: PathRejection) -> AppError {
        AppError::NotFound("地址不存在".into())
    }
}

/// `Query<T>` whose rejection is a JSON 422 naming the problem.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct AppQuery<T>(pub T);

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> AppError {
        AppError::Invalid {
            message: format!("查询参数有误:{}", rejection.body_text()),
            fields: Default::default(),
        }
    }
}
