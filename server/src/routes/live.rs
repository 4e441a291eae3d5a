//! What the hall and the phones watch: the websocket leaderboard, the projector page and its
//! join QR code. No login: the projector has none, and nothing here is secret.

use axum::Router;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use std::sync::Arc;

use super::error::AppError;
use super::extract::{AppPath, AppQuery};
use super::socket;
use crate::board::{Board, DEFAULT_TOP, Frame, MAX_TOP};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/competitions/{id}/leaderboard", get(board))
        .route("/ws/competitions/{id}/leaderboard", get(leaderboard_socket))
        .route("/api/competitions/{id}/join-qr.svg", get(join_qr))
        .route("/screen/{id}", get(super::pages::screen_page))
}

#[derive(Deserialize)]
struct BoardQuery {
    top: Option<String>,
}

/// The competition's board, or 404 (before any upgrade).
pub(super) async fn board_of(
    state: &AppState,
    competition_id: i64,
) -> Result<Arc<Board>, AppError> {
    state
        .boards
        .board(competition_id)
        .await?
        .ok_or_else(|| AppError::not_found("竞赛"))
}

/// Validates the competition and `top` first (404 / 422 as plain HTTP), then upgrades.
async fn leaderboard_socket(
    State(state): State<AppState>,
    AppPath(id): AppPath<i64>,
    AppQuery(query): AppQuery<BoardQuery>,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, AppError> {
    let top = parse_top(query.top.as_deref())?;
    let board = board_of(&state, id).await?;
    let upgrade = upgrade
        .map_err(|e| AppError::BadRequest(format!("需要 WebSocket 连接:{}", e.body_text())))?;
    Ok(socket::with_small_buffers(upgrade).on_upgrade(move |ws| {
        let frames = board.subscribe();
        socket::stream(
            ws,
            board.frame(),
            frames,
            move |frame: &Frame| frame.json(top).bytes(),
            std::future::pending(),
        )
    }))
}

/// The contestants' join address for this competition as a QR code (SVG), built from the
/// address the projector itself used to reach the server.
async fn join_qr(
    State(state): State<AppState>,
    AppPath(id): AppPath<i64>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    state.exam.competition(id).await?;
    qr_code(&join_url(&request_origin(&headers), id))
}

/// `scheme://host` as the client reached the server (the `Host` header, checked; `https`
/// behind a proxy that says so).
pub(super) fn request_origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

/// A QR code of `url` as an SVG response.
pub(super) fn qr_code(url: &str) -> Result<Response, AppError> {
    let svg = qrcode::QrCode::new(url.as_bytes())
        .map_err(|e| AppError::Internal(format!("QR code: {e}")))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(320, 320)
        .quiet_zone(true)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        svg,
    )
        .into_response())
}

/// Where contestants go to take part: the contestant pages with this competition selected.
pub fn join_url(origin: &str, competition_id: i64) -> String {
    format!("{origin}/?competition={competition_id}")
}

/// `top`: absent → 20; 1 to 100; larger values are clamped to 100; 0, negative or
/// non-numbers are refused with 422.
fn parse_top(top: Option<&str>) -> Result<usize, AppError> {
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
    let board = board_of(&state, id).await?;
    let json = board.frame().json(top);
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        json.as_str().to_owned(),
    )
        .into_response())
}
