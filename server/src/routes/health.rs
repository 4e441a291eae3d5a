//! `GET /healthz`: `{"status":"ok"}` (200) while the store answers and takes writes;
//! `{"status":"degraded", fault, code, message, for_seconds, refused}` (503) while it refuses
//! writes (a full disk, a read-only file, …; reads still work); `{"status":"unavailable"}`
//! (503) when it does not answer at all.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::app::AppState;
use crate::store::health::HealthReport;

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
