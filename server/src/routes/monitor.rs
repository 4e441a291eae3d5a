//! The organizers' live monitor of a competition: counts, the score histogram and the
//! tab-switch (切屏) alerts. The console polls it; the leaderboard comes over the websocket.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::error::AppError;
use super::extract::AppPath;
use super::extract::CurrentOrganizer;
use crate::state::AppState;

/// Most alerts listed: the monitor is a screen, not an export (the participants export has
/// every count).
const MAX_ALERTS: i64 = 200;
const HISTOGRAM_BUCKETS: u64 = 10;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/admin/competitions/{id}/monitor", get(monitor))
}

async fn monitor(
    State(state): State<AppState>,
    CurrentOrganizer(_): CurrentOrganizer,
    AppPath(id): AppPath<i64>,
) -> Result<Json<Value>, AppError> {
    let competition = state.exam.competition(id).await?;
    let board = super::live::board_of(&state, id).await?;
    let scores = board.best_scores();
    let (started, submitted) = state.store.attempt_counts(id).await?;
    let histogram = histogram(&scores, u64::from(competition.max_score.hundredths()));
    Ok(Json(json!({
        "stats": {
            "registered": state.store.participant_count().await?,
            "started": started,
            "in_progress": state.store.attempts_in_progress(id).await?,
            "submitted": submitted,
        },
        "histogram": histogram,
        "tab_switch_alerts": state.store.tab_switch_alerts(id, MAX_ALERTS).await?,
    })))
}

/// Ten buckets of a tenth of the maximum each (in points); the last includes the maximum.
fn histogram(scores: &[u32], max_hundredths: u64) -> Vec<Value> {
    let max = max_hundredths.max(1);
    let mut counts = [0u64; HISTOGRAM_BUCKETS as usize];
    for &score in scores {
        let bucket = (u64::from(score) * HISTOGRAM_BUCKETS / max).min(HISTOGRAM_BUCKETS - 1);
        counts[bucket as usize] += 1;
    }
    counts
        .iter()
        .enumerate()
        .map(|(i, count)| {
            let edge = |i: u64| (max * i / HISTOGRAM_BUCKETS) as f64 / 100.0;
            json!({ "from": edge(i as u64), "to": edge(i as u64 + 1), "count": count })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_marks_fall_in_the_last_bucket_and_zero_in_the_first() {
        let buckets = histogram(&[0, 2100, 1050, 1049], 2100);
        let counts: Vec<u64> = buckets
            .iter()
            .map(|b| b["count"].as_u64().unwrap())
            .collect();
        assert_eq!(counts, [1, 0, 0, 0, 1, 1, 0, 0, 0, 1]);
        assert_eq!(buckets[9]["to"], 21.0);
        assert_eq!(buckets[5]["from"], 10.5);
    }
}
