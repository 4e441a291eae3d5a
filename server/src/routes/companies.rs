//! The enterprise roster: organizers import it (dry run first) and list it; the registration
//! page reads it to let a person pick their company.

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::error::AppError;
use super::extract::AppQuery;
use super::extract::CurrentOrganizer;
use super::upload::{ImportQuery, import_response, uploaded_file};
use crate::imports::UPLOAD_LIMIT_BYTES;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/admin/companies/import",
            post(import_roster).layer(DefaultBodyLimit::max(UPLOAD_LIMIT_BYTES)),
        )
        .route("/api/admin/companies", get(list_for_organizers))
        .route("/api/companies", get(list_for_registration))
}

/// 200 with the counts, or 422 with every bad row and nothing stored.
async fn import_roster(
    State(state): State<AppState>,
    CurrentOrganizer(_): CurrentOrganizer,
    AppQuery(query): AppQuery<ImportQuery>,
    request: Request,
) -> Result<Response, AppError> {
    let file = uploaded_file(request, &state).await?;
    let report = state.imports.roster(&file, query.dry_run()).await?;
    Ok(import_response(report))
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
