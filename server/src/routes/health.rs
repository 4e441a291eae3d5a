//! `GET /healthz`: `{"status":"ok"}` (200) while the store answers and takes writes;
//! `{"status":"degraded", fault, code, message, for_seconds, refused}` (503) while it refuses
//! writes (a full disk, a read-only file, …; reads still work); `{"status":"unavailable"}`
//! (503) when it does not answer at all. Also the guard that refuses the API while the
//! storage reports I/O errors.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use super::error::AppError;
use crate::state::AppState;
use crate::store::health::{HealthReport, StorageFault};

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz))
}

async fn healthz(State(state): State<AppState>) -> Response {
    if let Err(e) = state.store.ping().await {
        let fault = e.fault();
        let body = json!({
            "status": "unavailable",
            "code": fault.map(|f| f.code()),
            "message": fault.map_or("数据库没有应答".to_owned(), |f| f.message(None)),
        });
        return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
    }
    let report = state.store.health().report();
    let status = match report {
        HealthReport::Ok => StatusCode::OK,
        HealthReport::Degraded { .. } => StatusCode::SERVICE_UNAVAILABLE,
    };
    (status, axum::Json(report)).into_response()
}

/// While the storage reports I/O errors (`StorageHealth::reads_unreliable`), every API
/// request answers 503 instead of what the failed storage would return (it was seen to miss
/// committed rows: a login refused, an attempt "not found"); writes could not be stored
/// anyway. The pages still load and show the message; `/healthz` still reports.
pub async fn refuse_api_while_storage_unreliable(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if request.uri().path().starts_with("/api/") && state.store.health().reads_unreliable() {
        return AppError::StorageUnavailable {
            fault: StorageFault::Io,
            unsaved: None,
        }
        .into_response();
    }
    next.run(request).await
}
