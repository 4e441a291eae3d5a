//! Rankings from the store: each participant's best graded attempt, and a participant's rank.
//! The live boards (`board`) load from here and then keep themselves up to date.

use std::collections::HashMap;

use crate::rules::{self, IndividualResult};
use crate::store::{Store, StoreError};

/// Most rows a leaderboard returns.
pub const MAX_TOP: usize = 100;
pub const DEFAULT_TOP: usize = 20;

/// Each participant's best graded attempt at the competition.
pub async fn best_results(
    store: &Store,
    competition_id: i64,
) -> Result<Vec<IndividualResult>, StoreError> {
    let mut best: HashMap<i64, IndividualResult> = HashMap::new();
    for graded in store.graded_attempts(competition_id).await? {
        let result = IndividualResult {
            participant_id: graded.participant_id,
            name: graded.name,
            company: graded.company_name,
            credit_code: graded.credit_code,
            score: question_bank::Points::from_hundredths(u32::try_from(graded.score).unwrap_or(0)),
            duration_ms: graded.duration_ms,
            submitted_at: graded.submitted_at,
        };
        let kept = match best.remove(&result.participant_id) {
            Some(previous) => rules::better(previous, result),
            None => result,
        };
        best.insert(kept.participant_id, kept);
    }
    Ok(best.into_values().collect())
}

/// A participant's rank among individuals, once they have a graded attempt.
pub async fn rank_of(
    store: &Store,
    competition_id: i64,
    participant_id: i64,
) -> Result<Option<u32>, StoreError> {
    let ranked = rules::rank_individuals(best_results(store, competition_id).await?);
    Ok(ranked
        .into_iter()
        .find(|(_, r)| r.participant_id == participant_id)
        .map(|(rank, _)| rank))
}
