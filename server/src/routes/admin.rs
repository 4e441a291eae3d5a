//! Organizer routes: login lives in `accounts`; here the question bank (import with dry run,
//! browse, coverage, export) and competitions (create with the feasibility check, close).

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use question_bank::{Difficulty, Kind, RowError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::error::{AppError, AppJson};
use super::extract::CurrentOrganizer;
use super::extract::{AppPath, AppQuery};
use crate::competitions::{BlueprintCheck, CompetitionInput, CompetitionView};
use crate::routes::CSV_BODY_LIMIT;
use crate::state::AppState;
use crate::store::bank::QuestionFilter;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/admin/questions/import",
            post(import_questions).layer(DefaultBodyLimit::max(CSV_BODY_LIMIT)),
        )
        .route("/api/admin/questions", get(list_questions))
        .route("/api/admin/questions/export.csv", get(export_questions))
        .route("/api/admin/regulations", get(coverage))
        .route(
            "/api/admin/competitions",
            get(list_competitions).post(create_competition),
        )
        .route(
            "/api/admin/competitions/{id}/close",
            post(close_competition),
        )
        .route("/api/admin/blueprints/check", post(check_blueprint))
}

/// Why reading an upload failed: over the CSV limit (413), or a malformed body (400).
fn upload_error(status: StatusCode, detail: String) -> AppError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge(format!(
            "文件超过 {} MB 的上限,请拆分后分别导入",
            CSV_BODY_LIMIT / (1024 * 1024)
        ))
    } else {
        AppError::BadRequest(detail)
    }
}

/// The uploaded file: the raw body, or the `file` field of a multipart form.
pub(super) async fn uploaded_file(request: Request, state: &AppState) -> Result<Bytes, AppError> {
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

#[derive(Deserialize)]
struct ImportQuery {
    dry_run: Option<bool>,
}

#[derive(Serialize)]
struct ImportResponse {
    imported: u64,
    updated: u64,
    unchanged: u64,
    duplicates: u64,
    dry_run: bool,
    errors: Vec<RowError>,
}

/// 200 with the counts, or 422 with every error and nothing stored.
async fn import_questions(
    State(state): State<AppState>,
    CurrentOrganizer(_): CurrentOrganizer,
    AppQuery(query): AppQuery<ImportQuery>,
    request: Request,
) -> Result<Response, AppError> {
    let dry_run = query.dry_run.unwrap_or(false);
    let bytes = uploaded_file(request, &state).await?;
    let refused = |errors: Vec<RowError>, duplicates: u64| {
        let body = ImportResponse {
            imported: 0,
            updated: 0,
            unchanged: 0,
            duplicates,
            dry_run,
            errors,
        };
        (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
    };
    let report = match question_bank::parse_bank(&bytes) {
        Ok(report) => report,
        Err(e) => {
            return Ok(refused(
                vec![RowError {
                    line: 1,
                    column: None,
                    message: e.to_string(),
                }],
                0,
            ));
        }
    };
    let file_duplicates = report.duplicates.len() as u64;
    if !report.is_valid() {
        return Ok(refused(report.errors, file_duplicates));
    }
    let questions: Vec<_> = report.questions.into_iter().map(|q| q.question).collect();
    let counts = state
        .store
        .import_questions(&questions, dry_run, state.clock.now())
        .await?;
    Ok(Json(ImportResponse {
        imported: counts.imported,
        updated: counts.updated,
        unchanged: counts.unchanged,
        duplicates: counts.duplicates + file_duplicates,
        dry_run,
        errors: Vec::new(),
    })
    .into_response())
}

#[derive(Deserialize)]
struct QuestionQuery {
    regulation: Option<String>,
    kind: Option<String>,
    difficulty: Option<String>,
    q: Option<String>,
    page: Option<u32>,
}

const PAGE_SIZE: u32 = 50;

async fn list_questions(
    State(state): State<AppState>,
    CurrentOrganizer(_): CurrentOrganizer,
    AppQuery(query): AppQuery<QuestionQuery>,
) -> Result<Json<Value>, AppError> {
    let non_empty = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let kind = match non_empty(&query.kind) {
        None => None,
        Some(k) => Some(
            Kind::parse(&k)
                .ok_or_else(|| AppError::invalid_field("kind", format!("未知的题型 \"{k}\"")))?,
        ),
    };
    let difficulty =
        match non_empty(&query.difficulty) {
            None => None,
            Some(d) => Some(Difficulty::parse(&d).ok_or_else(|| {
                AppError::invalid_field("difficulty", format!("未知的难度 \"{d}\""))
            })?),
        };
    let page = query.page.unwrap_or(1).max(1);
    let filter = QuestionFilter {
        regulation: non_empty(&query.regulation),
        kind,
        difficulty,
        text: non_empty(&query.q),
        page,
        page_size: PAGE_SIZE,
    };
    let (total, items) = state.store.list_questions(&filter).await?;
    let items: Vec<Value> = items
        .iter()
        .map(|stored| {
            let q = &stored.question;
            json!({
                "id": stored.reference.id,
                "version": stored.reference.version,
                "external_id": q.external_id(),
                "kind": q.kind(),
                "stem": q.stem(),
                "options": (0..q.option_count())
                    .map(|i| json!({"key": question_bank::option_key(q.kind(), i), "text": q.option_text(i)}))
                    .collect::<Vec<_>>(),
                "answer": q.answer().keys(q.kind()),
                "regulation": q.regulation(),
                "article": q.article(),
                "difficulty": q.difficulty(),
                "explanation": q.explanation(),
                "tags": q.tags(),
            })
        })
        .collect();
    Ok(Json(
        json!({ "total": total, "page": page, "page_size": PAGE_SIZE, "items": items }),
    ))
}

/// Count per regulation × kind × difficulty, for the coverage matrix.
async fn coverage(
    State(state): State<AppState>,
    CurrentOrganizer(_): CurrentOrganizer,
) -> Result<Json<Value>, AppError> {
    let mut regulations: BTreeMap<String, BTreeMap<&str, BTreeMap<&str, i64>>> = BTreeMap::new();
    for (regulation, kind, difficulty, count) in state.store.coverage().await? {
        let kinds = regulations.entry(regulation).or_insert_with(|| {
            Kind::ALL
                .iter()
                .map(|k| {
                    (
                        k.as_str(),
                        Difficulty::ALL.iter().map(|d| (d.as_str(), 0)).collect(),
                    )
                })
                .collect()
        });
        *kinds
            .entry(kind.as_str())
            .or_default()
            .entry(difficulty.as_str())
            .or_default() += count;
    }
    let rows: Vec<Value> = regulations
        .into_iter()
        .map(|(regulation, counts)| {
            let total: i64 = counts.values().flat_map(|d| d.values()).sum();
            json!({ "regulation": regulation, "total": total, "counts": counts })
        })
        .collect();
    Ok(Json(json!({ "regulations": rows })))
}

/// The current bank in the bureau's CSV format (UTF-8 with BOM, opens in Excel).
async fn export_questions(
    State(state): State<AppState>,
    CurrentOrganizer(_): CurrentOrganizer,
) -> Result<Response, AppError> {
    let snapshot = state.store.load_bank().await?;
    let mut csv = Vec::new();
    question_bank::write_bank(snapshot.bank.questions(), &mut csv)
        .map_err(|e| AppError::Internal(format!("export failed: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"question-bank.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

async fn list_competitions(
    State(state): State<AppState>,
    CurrentOrganizer(_): CurrentOrganizer,
) -> Result<Json<Vec<CompetitionView>>, AppError> {
    Ok(Json(state.competitions.list().await?))
}

/// 201 with the competition, or 422 naming every invalid field and every shortfall of the
/// bank against the blueprint.
async fn create_competition(
    State(state): State<AppState>,
    CurrentOrganizer(_): CurrentOrganizer,
    AppJson(input): AppJson<CompetitionInput>,
) -> Result<(StatusCode, Json<CompetitionView>), AppError> {
    let created = state.competitions.create(&input).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Deserialize)]
struct BlueprintRequest {
    blueprint: Value,
}

/// The console's live feasibility check. Always 200 for a JSON body, so the editor can show
/// problems while the organizer types.
async fn check_blueprint(
    State(state): State<AppState>,
    CurrentOrganizer(_): CurrentOrganizer,
    AppJson(input): AppJson<BlueprintRequest>,
) -> Result<Json<BlueprintCheck>, AppError> {
    Ok(Json(
        state.competitions.check_blueprint(&input.blueprint).await?,
    ))
}

/// Ends the window now; attempts in progress are graded before the reply.
async fn close_competition(
    State(state): State<AppState>,
    CurrentOrganizer(_): CurrentOrganizer,
    AppPath(id): AppPath<i64>,
) -> Result<Json<CompetitionView>, AppError> {
    let competition = state.exam.close_competition(id).await?;
    Ok(Json(state.competitions.view(&competition)))
}
