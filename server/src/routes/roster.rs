//! The enterprise roster: organizers import it (dry run first) and list it; the registration
//! page reads it to let a person pick their company.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::error::AppError;
use super::extract::CurrentOrganizer;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/companies", get(list_for_organizers))
        .route("/api/companies", get(list_for_registration))
}

async fn list_for_organizers(
    State(state): State<AppState>,
    CurrentOrganizer(_): CurrentOrganizer,
) -> Result<Json<Value>, AppError> {
    let companies = state.store.roster().await?;
    Ok(Json(
        json!({ "total": companies.len(), "items": companies }),
    ))
}

/// Public: a roster lists the district's regulated enterprises (names and credit codes are
/// public registration data), and the page needs it before anyone has an account.
async fn list_for_registration(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    let companies = state.store.roster().await?;
    Ok(Json(json!({
        "roster_loaded": !companies.is_empty(),
        "companies": companies,
    })))
}
