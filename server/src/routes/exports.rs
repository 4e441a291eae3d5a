//! The bureau's exports over HTTP:
//! `GET /api/admin/competitions/{id}/export/{companies|subdistricts|participants|questions}.{csv|xlsx}`.
//! CSV is streamed in chunks as it is written; .xlsx is built off the async threads.

use std::convert::Infallible;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppPath;
use crate::app::AppState;
use crate::auth::CurrentOrganizer;
use crate::error::AppError;
use crate::exam;
use crate::export::{self, ExportFormat};

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
    let competition = exam::competition(&state, id).await?;
    let prepared = export::prepare(&state.store, &competition, kind).await?;
    let name = export::download_name(&competition, kind, format);
    let disposition = content_disposition(
        &name,
        &format!("{}.{}", kind.path_name(), format.extension()),
    );
    let body = match format {
        ExportFormat::Csv => Body::from_stream(futures_util::stream::iter(
            prepared.csv_chunks().map(Ok::<_, Infallible>),
        )),
        ExportFormat::Xlsx => {
            let bytes = tokio::task::spawn_blocking(move || prepared.xlsx())
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
