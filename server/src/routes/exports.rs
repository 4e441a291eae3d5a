//! The bureau's exports over HTTP:
//! `GET /api/admin/competitions/{id}/export/{companies|subdistricts|participants|questions}.{csv|xlsx}`.
//! CSV is streamed in chunks as it is written; .xlsx is built off the async threads.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::error::AppError;
use super::extract::AppPath;
use super::extract::CurrentOrganizer;
use crate::export::{self, ExportFormat};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/admin/competitions/{id}/export/{file}", get(download))
}

async fn download(
    State(state): State<AppState>,
    CurrentOrganizer(_): CurrentOrganizer,
    AppPath((id, file)): AppPath<(i64, String)>,
) -> Result<Response, AppError> {
    let (kind, format) = export::parse_file_name(&file).ok_or_else(|| {
        AppError::NotFound(format!(
            "没有名为 \"{file}\" 的导出;可选 companies、subdistricts、participants、questions,后缀 .csv 或 .xlsx"
        ))
    })?;
    let competition = state.exam.competition(id).await?;
    let prepared = export::prepare(&state.store, &competition, kind).await?;
    let name = export::download_name(&competition, kind, format);
    let disposition = content_disposition(
        &name,
        &format!("{}.{}", kind.path_name(), format.extension()),
    );
    // Writing blocks (the participants' rows are still arriving from the store): the CSV is
    // written on a blocking thread into a channel the response streams from.
    let body = match format {
        ExportFormat::Csv => {
            let (sender, receiver) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(4);
            tokio::task::spawn_blocking(move || {
                let mut out = ChunkSender {
                    sender: sender.clone(),
                };
                if let Err(e) = prepared.write_csv(&mut out) {
                    tracing::error!(error = %e, "CSV export failed while streaming");
                    // The response is cut short: the client sees an incomplete download.
                    let _ = sender.blocking_send(Err(std::io::Error::other(e.to_string())));
                }
            });
            Body::from_stream(futures_util::stream::unfold(
                receiver,
                |mut receiver| async { receiver.recv().await.map(|chunk| (chunk, receiver)) },
            ))
        }
        ExportFormat::Xlsx => {
            let (bytes, _) = tokio::task::spawn_blocking(move || prepared.xlsx())
                .await
                .map_err(|e| AppError::Internal(format!("export task failed: {e}")))?
                .map_err(|e| AppError::Internal(e.to_string()))?;
            Body::from(bytes)
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

/// Hands each chunk the CSV writer produces to the response; fails (and so stops the writer)
/// once the client is gone.
struct ChunkSender {
    sender: tokio::sync::mpsc::Sender<std::io::Result<Vec<u8>>>,
}

impl std::io::Write for ChunkSender {
    fn write(&mut self, chunk: &[u8]) -> std::io::Result<usize> {
        self.sender.blocking_send(Ok(chunk.to_vec())).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "download cancelled")
        })?;
        Ok(chunk.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// RFC 6266: an ASCII fallback name, and the real (Chinese) name percent-encoded in UTF-8.
fn content_disposition(name: &str, ascii_fallback: &str) -> String {
    let mut encoded = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                encoded.push(byte as char)
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    format!("attachment; filename=\"{ascii_fallback}\"; filename*=UTF-8''{encoded}")
}
