//! The one upload path of the bureau's files: `POST /api/admin/questions/import` and
//! `POST /api/admin/companies/import` (organizers), one handler, one body limit, the file from
//! a raw body or a multipart form's `file` field, the `?dry_run=` query, and the answer — 200
//! with the `ImportReport`, or 422 with the same shape when the file was refused.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use super::error::AppError;
use super::extract::{AppQuery, CurrentOrganizer};
use crate::imports::UPLOAD_LIMIT_BYTES;
use crate::state::AppState;

/// Which file an upload route takes (a const parameter of its one handler).
const QUESTIONS: u8 = 0;
const ROSTER: u8 = 1;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/questions/import", post(import::<QUESTIONS>))
        .route("/api/admin/companies/import", post(import::<ROSTER>))
        .layer(DefaultBodyLimit::max(UPLOAD_LIMIT_BYTES))
}

/// 200 with the counts, or 422 with every bad row and nothing stored.
async fn import<const FILE: u8>(
    State(state): State<AppState>,
    CurrentOrganizer(_): CurrentOrganizer,
    AppQuery(query): AppQuery<ImportQuery>,
    request: Request,
) -> Result<Response, AppError> {
    let file = uploaded_file(request, &state).await?;
    let report = match FILE {
        QUESTIONS => state.imports.questions(&file, query.dry_run()).await?,
        _ => state.imports.roster(&file, query.dry_run()).await?,
    };
    let status = if report.is_refused() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, Json(report)).into_response())
}

/// `?dry_run=true`: do the whole import, then roll it back.
#[derive(Deserialize)]
struct ImportQuery {
    dry_run: Option<bool>,
}

impl ImportQuery {
    fn dry_run(&self) -> bool {
        self.dry_run.unwrap_or(false)
    }
}

/// Why reading an upload failed: over the limit (413), or a malformed body (400).
fn upload_error(status: StatusCode, detail: String) -> AppError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge(format!(
            "文件超过 {} MB 的上限,请拆分后分别导入",
            UPLOAD_LIMIT_BYTES / (1024 * 1024)
        ))
    } else {
        AppError::BadRequest(detail)
    }
}

/// The uploaded file: the raw body, or the `file` field of a multipart form.
async fn uploaded_file(request: Request, state: &AppState) -> Result<Bytes, AppError> {
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !is_multipart {
        return Bytes::from_request(request, state)
            .await
            .map_err(|e| upload_error(e.status(), e.body_text()));
    }
    let mut form = Multipart::from_request(request, state)
        .await
        .map_err(|e| AppError::BadRequest(format!("表单格式有误:{}", e.body_text())))?;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| upload_error(e.status(), e.body_text()))?
    {
        if field.name() == Some("file") {
            return field
                .bytes()
                .await
                .map_err(|e| upload_error(e.status(), e.body_text()));
        }
    }
    Err(AppError::invalid_field(
        "file",
        "表单中没有名为 file 的文件",
    ))
}
