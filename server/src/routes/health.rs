//! `GET /healthz`: 200 once the store answers.

use axum::Router;
use axum::extract::State;
use axum::routing::get;

use crate::app::AppState;
use crate::error::AppError;

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz))
}

async fn healthz(State(state): State<AppState>) -> Result<&'static str, AppError> {
    state.store.ping().await?;
    Ok("ok")
}
