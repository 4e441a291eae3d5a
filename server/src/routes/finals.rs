//! The live final over HTTP and websocket (docs/FINAL.md): the organizers' routes (create,
//! list, the host's view, its log, actions), the phones' (join, answer, buzz, stake, their own
//! standing), the public state, the audience's join QR code, the state socket and the pages.

use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::{AppError, AppJson};
use super::extract::{AppPath, AppQuery, CurrentOrganizer, CurrentPlayer};
use super::live::{qr_code, request_origin};
use super::socket;
use crate::auth::Role;
use crate::live_final::setup::FinalInput;
use crate::live_final::show::{Action, Score};
use crate::live_final::{FinalFrame, LiveFinal, Player};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/finals", get(list).post(create))
        .route("/api/admin/finals/{id}", get(host_view))
        .route("/api/admin/finals/{id}/log", get(log))
        .route("/api/admin/finals/{id}/actions", post(act))
        .route("/api/finals/join", post(join))
        .route("/api/finals/{id}/answer", post(answer))
        .route("/api/finals/{id}/buzz", post(buzz))
        .route("/api/finals/{id}/stake", post(stake))
        .route("/api/finals/{id}/me", get(me))
        .route("/api/finals/{id}/state", get(public_state))
        .route("/api/finals/{id}/join-qr.svg", get(join_qr))
        .route("/ws/finals/{id}", get(state_socket))
        .route("/final", get(super::pages::final_page))
        .route("/final/{id}/screen", get(super::pages::final_screen_page))
}

async fn create(
    State(state): State<AppState>,
    CurrentOrganizer(organizer_id): CurrentOrganizer,
    AppJson(input): AppJson<FinalInput>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let view = state.finals.create(input, organizer_id).await?;
    Ok((StatusCode::CREATED, Json(view.0)))
}

async fn list(State(state): State<AppState>, _: CurrentOrganizer) -> Result<Json<Value>, AppError> {
    Ok(Json(state.finals.list().await?))
}

async fn host_view(
    State(state): State<AppState>,
    _: CurrentOrganizer,
    AppPath(id): AppPath<i64>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(state.finals.host_view(id).await?.0))
}

async fn log(
    State(state): State<AppState>,
    _: CurrentOrganizer,
    AppPath(id): AppPath<i64>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(state.finals.log(id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionInput {
    action: String,
    seq: u64,
    seat: Option<u32>,
    correct: Option<bool>,
    delta: Option<Score>,
    reason: Option<String>,
}

impl ActionInput {
    fn parse(self) -> Result<(Action, u64), AppError> {
        let missing = |field: &str, what: &str| {
            AppError::invalid_field(field, format!("{}需要填写 {field}({what})", self.action))
        };
        let name = self.action.trim();
        if let Some(action) = Action::without_arguments(name) {
            return Ok((action, self.seq));
        }
        let action = match name {
            "judge" => Action::Judge {
                seat: self.seat.ok_or_else(|| missing("seat", "席位号"))?,
                correct: self.correct.ok_or_else(|| missing("correct", "是否答对"))?,
            },
            "adjust" => Action::Adjust {
                seat: self.seat.ok_or_else(|| missing("seat", "席位号"))?,
                delta: self.delta.ok_or_else(|| missing("delta", "调整的分数"))?,
                reason: self.reason.clone().unwrap_or_default(),
            },
            other => {
                return Err(AppError::invalid_field(
                    "action",
                    format!("未知的操作 \"{other}\""),
                ));
            }
        };
        Ok((action, self.seq))
    }
}

async fn act(
    State(state): State<AppState>,
    CurrentOrganizer(organizer_id): CurrentOrganizer,
    AppPath(id): AppPath<i64>,
    AppJson(input): AppJson<ActionInput>,
) -> Result<Json<Value>, AppError> {
    let (action, seq) = input.parse()?;
    Ok(Json(state.finals.act(id, organizer_id, action, seq).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JoinInput {
    join_code: Option<String>,
    code: Option<String>,
    nickname: Option<String>,
}

/// A seat by its join code, or the audience by the final's code and a nickname.
async fn join(
    State(state): State<AppState>,
    AppJson(input): AppJson<JoinInput>,
) -> Result<Json<Value>, AppError> {
    let joined = match (input.join_code, input.code) {
        (Some(join_code), None) => state.finals.join_seat(&join_code).await?,
        (None, Some(code)) => {
            state
                .finals
                .join_audience(&code, input.nickname.as_deref().unwrap_or(""))
                .await?
        }
        _ => {
            return Err(AppError::invalid_field(
                "join_code",
                "请填写席位加入码(join_code),或决赛码(code)和昵称(nickname)",
            ));
        }
    };
    Ok(Json(joined))
}

/// The player, who must belong to the final in the path (another final's is 404).
fn own(player: Player, id: i64) -> Result<Player, AppError> {
    if player.final_id() == id {
        Ok(player)
    } else {
        Err(AppError::not_found("决赛"))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerInput {
    seq: u64,
    choice: Vec<String>,
}

async fn answer(
    State(state): State<AppState>,
    CurrentPlayer(player): CurrentPlayer,
    AppPath(id): AppPath<i64>,
    AppJson(input): AppJson<AnswerInput>,
) -> Result<Json<Value>, AppError> {
    state
        .finals
        .answer(own(player, id)?, input.seq, input.choice)
        .await
        .map_err(|e| AppError::from(e).unsaved("答案未提交"))?;
    Ok(Json(json!({ "accepted": true })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BuzzInput {
    seq: u64,
}

async fn buzz(
    State(state): State<AppState>,
    CurrentPlayer(player): CurrentPlayer,
    AppPath(id): AppPath<i64>,
    AppJson(input): AppJson<BuzzInput>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(state.finals.buzz(own(player, id)?, input.seq).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StakeInput {
    seq: u64,
    stake: Score,
}

async fn stake(
    State(state): State<AppState>,
    CurrentPlayer(player): CurrentPlayer,
    AppPath(id): AppPath<i64>,
    AppJson(input): AppJson<StakeInput>,
) -> Result<Json<Value>, AppError> {
    state
        .finals
        .stake(own(player, id)?, input.seq, input.stake)
        .await?;
    Ok(Json(json!({ "stake": input.stake })))
}

async fn me(
    State(state): State<AppState>,
    CurrentPlayer(player): CurrentPlayer,
    AppPath(id): AppPath<i64>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(state.finals.me(own(player, id)?).await?))
}

async fn public_state(
    State(state): State<AppState>,
    AppPath(id): AppPath<i64>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(state.finals.public_state(id).await?))
}

/// The audience's join address as a QR code: the phones' page with the final's code filled in.
async fn join_qr(
    State(state): State<AppState>,
    AppPath(id): AppPath<i64>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let live = state.finals.live_final(id).await?;
    let url = format!("{}/final?code={}", request_origin(&headers), live.code);
    qr_code(&url)
}

#[derive(Deserialize)]
struct SocketQuery {
    token: Option<String>,
}

/// Who watches: the host (the host's state), a seat (counted as connected, replaced by a
/// second device), or anyone else (the public state).
enum Viewer {
    Host,
    Seat(u32, i64),
    Public,
}

async fn state_socket(
    State(state): State<AppState>,
    AppPath(id): AppPath<i64>,
    AppQuery(query): AppQuery<SocketQuery>,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, AppError> {
    let viewer = match query.token.as_deref().filter(|t| !t.is_empty()) {
        None => Viewer::Public,
        Some(token) => {
            let (role, subject, generation) = state
                .keys
                .verify_with_generation(token, state.clock.now())
                .map_err(|e| AppError::Unauthorized(e.to_string()))?;
            match role {
                Role::Organizer => Viewer::Host,
                Role::Participant => Viewer::Public,
                Role::Seat | Role::Audience => {
                    let player = state
                        .finals
                        .player(role, subject, generation)
                        .await?
                        .ok_or_else(|| AppError::Unauthorized("请重新加入决赛".into()))?;
                    match own(player, id)? {
                        Player::Seat { seat, .. } => Viewer::Seat(seat, generation.unwrap_or(0)),
                        Player::Audience { .. } => Viewer::Public,
                    }
                }
            }
        }
    };
    let live = state.finals.live_final(id).await?;
    let upgrade = upgrade
        .map_err(|e| AppError::BadRequest(format!("需要 WebSocket 连接:{}", e.body_text())))?;
    let first = state.finals.fresh_frame(&live).await?;
    Ok(socket::with_small_buffers(upgrade)
        .on_upgrade(move |ws| watch_final(ws, live, first, viewer))
        .into_response())
}

async fn watch_final(
    ws: axum::extract::ws::WebSocket,
    live: Arc<LiveFinal>,
    first: Arc<FinalFrame>,
    viewer: Viewer,
) {
    let (_, frames) = live.subscribe();
    match viewer {
        Viewer::Host => {
            let farewell = std::future::pending();
            socket::stream(ws, first, frames, |f: &FinalFrame| f.host.clone(), farewell).await;
        }
        Viewer::Public => {
            let farewell = std::future::pending();
            socket::stream(
                ws,
                first,
                frames,
                |f: &FinalFrame| f.public.clone(),
                farewell,
            )
            .await;
        }
        Viewer::Seat(seat, generation) => {
            let _connected = live.connect(seat);
            let farewell = async {
                live.replaced(seat, generation).await;
                Some(Bytes::from_static(br#"{"type":"replaced"}"#))
            };
            socket::stream(
                ws,
                first,
                frames,
                |f: &FinalFrame| f.public.clone(),
                farewell,
            )
            .await;
        }
    }
}
