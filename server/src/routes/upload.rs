//! The one upload path of the bureau's files (the question bank, the roster): the body limit,
//! the file from a raw body or a multipart form's `file` field, the `?dry_run=` query, and the
//! answer — 200 with the `ImportReport`, or 422 with the same shape when the file was refused.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::error::AppError;
use crate::imports::{ImportReport, UPLOAD_LIMIT_BYTES};
use crate::state::AppState;

/// `?dry_run=true`: do the whole import, then roll it back.
#[derive(Deserialize)]
pub struct ImportQuery {
    pub dry_run: Option<bool>,
}

impl ImportQuery {
    pub fn dry_run(&self) -> bool {
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
pub async fn uploaded_file(request: Request, state: &AppState) -> Result<Bytes, AppError> {
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

/// 200 with the report, or 422 with it when the file was refused (nothing stored).
pub fn import_response(report: ImportReport) -> Response {
    let status = if report.is_refused() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (status, Json(report)).into_response()
}
