//! The question bank for organizers: browse and filter it, its coverage per regulation, kind
//! and difficulty, and its export in the bureau's CSV format (the import is `upload`'s).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use question_bank::{Difficulty, Kind};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::AppError;
use super::extract::{AppQuery, CurrentOrganizer};
use crate::state::AppState;
use crate::store::bank::QuestionFilter;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/questions", get(list_questions))
        .route("/api/admin/questions/export.csv", get(export_questions))
        .route("/api/admin/regulations", get(coverage))
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
