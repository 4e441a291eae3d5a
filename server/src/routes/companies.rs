//! The enterprise roster: organizers import it (dry run first) and list it; the registration
//! page reads it to let a person pick their company.

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use question_bank::RowError;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::admin::uploaded_file;
use super::error::AppError;
use super::extract::AppQuery;
use super::extract::CurrentOrganizer;
use crate::roster::{RosterCompany, parse_roster};
use crate::routes::CSV_BODY_LIMIT;
use crate::state::AppState;
use crate::store::companies::RosterCounts;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/admin/companies/import",
            post(import_roster).layer(DefaultBodyLimit::max(CSV_BODY_LIMIT)),
        )
        .route("/api/admin/companies", get(list_for_organizers))
        .route("/api/companies", get(list_for_registration))
}

#[derive(Deserialize)]
struct ImportQuery {
    dry_run: Option<bool>,
}

#[derive(Serialize)]
struct ImportResponse {
    #[serde(flatten)]
    counts: RosterCounts,
    dry_run: bool,
    errors: Vec<RowError>,
}

/// 200 with the counts, or 422 with every bad row and nothing stored.
async fn import_roster(
    State(state): State<AppState>,
    CurrentOrganizer(_): CurrentOrganizer,
    AppQuery(query): AppQuery<ImportQuery>,
    request: Request,
) -> Result<Response, AppError> {
    let dry_run = query.dry_run.unwrap_or(false);
    let bytes = uploaded_file(request, &state).await?;
    let refused = |errors: Vec<RowError>| {
        let body = ImportResponse {
            counts: RosterCounts::default(),
            dry_run,
            errors,
        };
        (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
    };
    let report = match parse_roster(&bytes) {
        Ok(report) => report,
        Err(e) => {
            return Ok(refused(vec![RowError {
                line: 1,
                column: None,
                message: e.to_string(),
            }]));
        }
    };
    if !report.is_valid() {
        return Ok(refused(report.errors));
    }
    let companies: Vec<RosterCompany> = report.companies.into_iter().map(|(_, c)| c).collect();
    let counts = state
        .store
        .import_roster(&companies, state.clock.now(), dry_run)
        .await?;
    if !dry_run {
        tracing::info!(
            imported = counts.imported,
            updated = counts.updated,
            "roster imported"
        );
    }
    Ok(Json(ImportResponse {
        counts,
        dry_run,
        errors: Vec::new(),
    })
    .into_response())
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
