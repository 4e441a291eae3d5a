//! Websocket viewers of a `fanout::Fanout`, for the live board and the live final: small
//! buffers, the current frame at once, then the newest frame whenever the viewer can take it,
//! pings to keep the connection alive, and a viewer that stops reading or goes silent dropped
//! without affecting anyone.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use bytes::Bytes;
use tokio::sync::watch;

use crate::fanout::Versioned;

/// Read buffer per connection: viewers send nothing but pongs and close frames (a bigger
/// message grows it up to `MAX_INCOMING`). 1 KiB rather than 4: 15 MB less at 5,000 sockets.
const READ_BUFFER: usize = 1024;
/// Largest message a viewer may send.
const MAX_INCOMING: usize = 4 * 1024;
/// Outgoing bytes buffered per connection before a send waits on the socket.
const MAX_WRITE_BUFFER: usize = 256 * 1024;
/// A frame not taken by the viewer within this time means it stopped reading: drop it.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Keepalive: a ping this often; a viewer silent for `SILENCE_LIMIT` is gone.
const PING_EVERY: Duration = Duration::from_secs(20);
const SILENCE_LIMIT: Duration = Duration::from_secs(60);

/// The upgrade with the viewers' small buffers.
pub fn with_small_buffers(upgrade: WebSocketUpgrade) -> WebSocketUpgrade {
    upgrade
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .max_message_size(MAX_INCOMING)
        .max_frame_size(MAX_INCOMING)
}

/// Streams frames to one viewer: `first` at once, then each newer frame from `frames`, until
/// the viewer leaves or `farewell` resolves (its message, if any, is the last one sent).
pub async fn stream<F, E>(
    mut socket: WebSocket,
    first: Arc<F>,
    mut frames: watch::Receiver<Arc<F>>,
    encode: E,
    farewell: impl Future<Output = Option<Bytes>>,
) where
    F: Versioned,
    E: Fn(&F) -> Bytes,
{
    let mut sent_version = first.version();
    let sent = send(&mut socket, text(encode(&first))).await;
    // Not held for the connection's life: a frame built for this viewer alone would stay in
    // memory once per socket (5,000 sockets × a few KiB).
    drop(first);
    if !sent {
        return;
    }
    frames.borrow_and_update();
    let mut farewell = std::pin::pin!(farewell);
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            changed = frames.changed() => {
                if changed.is_err() {
                    break;
                }
                let frame = frames.borrow_and_update().clone();
                if frame.version() > sent_version {
                    sent_version = frame.version();
                    if !send(&mut socket, text(encode(&frame))).await {
                        break;
                    }
                }
            }
            last = &mut farewell => {
                if let Some(last) = last {
                    send(&mut socket, text(last)).await;
                }
                let _ = tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Close(None))).await;
                break;
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

/// A text message of shared JSON bytes, checked as UTF-8 (a scan, no copy).
fn text(json: Bytes) -> Message {
    Message::Text(Utf8Bytes::try_from(json).expect("frames are UTF-8 JSON"))
}
