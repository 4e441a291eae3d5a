//! The leaderboard of a competition, computed from the store: each participant's best graded
//! attempt, ranked by the rules; companies scored by the competition's rule; live counts.

use serde::Serialize;

use crate::app::AppState;
use crate::error::AppError;
use crate::rules::{self, IndividualResult};
use crate::store::competitions::Competition;

/// Most rows a leaderboard returns.
pub const MAX_TOP: usize = 100;
pub const DEFAULT_TOP: usize = 20;

#[derive(Debug, Serialize)]
pub struct IndividualRow {
    pub rank: u32,
    pub name: String,
    pub company: String,
    pub score: question_bank::Points,
    pub duration_seconds: i64,
}

#[derive(Debug, Serialize)]
pub struct CompanyRow {
    pub rank: u32,
    pub company: String,
    pub participants: u32,
    pub score: question_bank::Points,
}

#[derive(Debug, Serialize)]
pub struct Stats {
    pub registered: i64,
    pub started: i64,
    pub submitted: i64,
}

#[derive(Debug, Serialize)]
pub struct Leaderboard {
    pub individuals: Vec<IndividualRow>,
    pub companies: Vec<CompanyRow>,
    pub stats: Stats,
}

/// Each participant's best graded attempt.
async fn best_results(
    state: &AppState,
    competition_id: i64,
) -> Result<Vec<IndividualResult>, AppError> {
    let mut best: std::collections::HashMap<i64, IndividualResult> =
        std::collections::HashMap::new();
    for graded in state.store.graded_attempts(competition_id).await? {
        let result = IndividualResult {
            participant_id: graded.participant_id,
            name: graded.name,
            company: graded.company_name,
            credit_code: graded.credit_code,
            score: question_bank::Points::from_hundredths(u32::try_from(graded.score).unwrap_or(0)),
            duration_ms: graded.duration_ms,
            submitted_at: graded.submitted_at,
        };
        let entry = match best.remove(&result.participant_id) {
            Some(previous) => rules::better(previous, result),
            None => result,
        };
        best.insert(entry.participant_id, entry);
    }
    Ok(best.into_values().collect())
}

/// The top `top` individuals and companies, and the counts.
pub async fn leaderboard(
    state: &AppState,
    competition: &Competition,
    top: usize,
) -> Result<Leaderboard, AppError> {
    let results = best_results(state, competition.id).await?;
    let companies = rules::rank_companies(&results, competition.company_score);
    let individuals = rules::rank_individuals(results);
    let (started, submitted) = state.store.attempt_counts(competition.id).await?;
    Ok(Leaderboard {
        individuals: individuals
            .into_iter()
            .take(top)
            .map(|(rank, r)| IndividualRow {
                rank,
                name: r.name,
                company: r.company,
                score: r.score,
                duration_seconds: r.duration_ms / 1000,
            })
            .collect(),
        companies: companies
            .into_iter()
            .take(top)
            .map(|(rank, c)| CompanyRow {
                rank,
                company: c.company,
                participants: c.participants,
                score: c.score,
            })
            .collect(),
        stats: Stats {
            registered: state.store.participant_count().await?,
            started,
            submitted,
        },
    })
}

/// A participant's rank among individuals, once they have a graded attempt.
pub async fn rank_of(
    state: &AppState,
    competition: &Competition,
    participant_id: i64,
) -> Result<Option<u32>, AppError> {
    let ranked = rules::rank_individuals(best_results(state, competition.id).await?);
    Ok(ranked
        .into_iter()
        .find(|(_, r)| r.participant_id == participant_id)
        .map(|(rank, _)| rank))
}
