//! What the hall and the phones watch: the websocket leaderboard, the projector page and its
//! join QR code. No login: the projector has none, and nothing here is secret.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::error::AppError;
use super::extract::{AppPath, AppQuery};
use crate::board::{Board, DEFAULT_TOP, Frame, FrameJson, MAX_TOP};
use crate::state::AppState;

/// Read buffer per connection: viewers send nothing but pings and close frames.
const READ_BUFFER: usize = 4 * 1024;
/// Largest message a viewer may send.
const MAX_INCOMING: usize = 4 * 1024;
/// Outgoing bytes buffered per connection before a send waits on the socket.
const MAX_WRITE_BUFFER: usize = 256 * 1024;
/// A frame not taken by the viewer within this time means it stopped reading: drop it.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Keepalive: a ping this often; a viewer silent for `SILENCE_LIMIT` is gone.
const PING_EVERY: Duration = Duration::from_secs(20);
const SILENCE_LIMIT: Duration = Duration::from_secs(60);

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
    Ok(upgrade
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .max_message_size(MAX_INCOMING)
        .max_frame_size(MAX_INCOMING)
        .on_upgrade(move |socket| watch_board(socket, board, top)))
}

/// One viewer: the current frame at once, then each newer frame when the viewer can take it
/// (never a backlog), pings to keep the connection alive, and whatever the viewer sends is
/// ignored. A viewer that stops reading or goes silent is dropped without affecting anyone.
async fn watch_board(mut socket: WebSocket, board: Arc<Board>, top: usize) {
    let mut frames = board.subscribe();
    let first: Arc<Frame> = board.frame();
    let mut sent_seq = first.seq;
    if !send(&mut socket, text_frame(first.json(top))).await {
        return;
    }
    frames.borrow_and_update();
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            changed = frames.changed() => {
                if changed.is_err() {
                    break;
                }
                let frame = frames.borrow_and_update().clone();
                if frame.seq > sent_seq {
                    sent_seq = frame.seq;
                    if !send(&mut socket, text_frame(frame.json(top))).await {
                        break;
                    }
                }
            }
            incoming = socket.recv() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                // Pongs, pings (answered by the library) and anything else: proof of life.
                Some(Ok(_)) => last_heard = Instant::now(),
            },
            _ = ping.tick() => {
                if last_heard.elapsed() > SILENCE_LIMIT || !send(&mut socket, Message::Ping(Default::default())).await {
                    break;
                }
            }
        }
    }
}

/// Sends one message, giving up when the viewer does not take it in time.
async fn send(socket: &mut WebSocket, message: Message) -> bool {
    matches!(
        tokio::time::timeout(SEND_TIMEOUT, socket.send(message)).await,
        Ok(Ok(()))
    )
}

/// The contestants' join address for this competition as a QR code (SVG), built from the
/// address the projector itself used to reach the server.
async fn join_qr(
    State(state): State<AppState>,
    AppPath(id): AppPath<i64>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    state.exam.competition(id).await?;
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
    let url = join_url(scheme, host, id);
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
pub fn join_url(scheme: &str, host: &str, competition_id: i64) -> String {
    format!("{scheme}://{host}/?competition={competition_id}")
}

/// The websocket message of a frame's JSON: its shared buffer, checked as UTF-8 (a scan, no
/// copy).
fn text_frame(json: FrameJson) -> Message {
    Message::Text(Utf8Bytes::try_from(json.bytes()).expect("a frame is UTF-8 JSON"))
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
