//! The competition rules (docs/SERVER.md, "Competitions and the exam"), as pure functions of
//! the facts and an instant: deadlines, the answer grace, the window, ranking and company
//! scores.

use std::collections::HashMap;

use question_bank::Points;
use serde::{Deserialize, Serialize};

use crate::clock::Millis;

/// Answers arriving this long after the deadline are still accepted: a phone that saved at
/// the last second over a slow network must not lose the answer.
pub const ANSWER_GRACE_MS: Millis = 5_000;

/// An attempt's deadline: its duration from the start, but never past the window's close.
pub fn deadline(started_at: Millis, duration_minutes: i64, closes_at: Millis) -> Millis {
    (started_at + duration_minutes * 60_000).min(closes_at)
}

/// Whether an answer or submission at `now` still counts for an attempt due at `deadline`.
pub fn within_grace(now: Millis, deadline: Millis) -> bool {
    now <= deadline + ANSWER_GRACE_MS
}

/// Where a competition's window stands at an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowState {
    Upcoming,
    Open,
    Closed,
}

pub fn window_state(now: Millis, opens_at: Millis, closes_at: Millis) -> WindowState {
    if now < opens_at {
        WindowState::Upcoming
    } else if now < closes_at {
        WindowState::Open
    } else {
        WindowState::Closed
    }
}

/// One participant's best graded attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndividualResult {
    pub participant_id: i64,
    pub name: String,
    pub company: String,
    pub credit_code: String,
    pub score: Points,
    pub duration_ms: i64,
    pub submitted_at: Millis,
}

/// What ranks a result: the lower key ranks higher. Equal keys share a rank.
pub type RankingKey = (std::cmp::Reverse<Points>, i64, Millis);

/// Which of two attempts ranks higher: score desc, then time used asc, then submit time asc.
pub fn ranking_key(r: &IndividualResult) -> RankingKey {
    (std::cmp::Reverse(r.score), r.duration_ms, r.submitted_at)
}

/// The ranking order of two results (`Less`: `a` ranks higher).
pub fn compare_results(a: &IndividualResult, b: &IndividualResult) -> std::cmp::Ordering {
    ranking_key(a).cmp(&ranking_key(b))
}

/// A participant's best attempt among several: the one that ranks highest.
pub fn better(a: IndividualResult, b: IndividualResult) -> IndividualResult {
    if ranking_key(&b) < ranking_key(&a) {
        b
    } else {
        a
    }
}

/// The rank `target` has among `results` (1 + how many rank strictly higher), without
/// sorting: what a submit's reply needs.
pub fn rank_among<'r>(
    results: impl IntoIterator<Item = &'r IndividualResult>,
    target: &IndividualResult,
) -> u32 {
    let key = ranking_key(target);
    1 + results.into_iter().filter(|r| ranking_key(r) < key).count() as u32
}

/// Individuals in ranking order with their ranks; equal keys share a rank ("1, 1, 3").
pub fn rank_individuals(mut results: Vec<IndividualResult>) -> Vec<(u32, IndividualResult)> {
    results.sort_by(|a, b| {
        ranking_key(a)
            .cmp(&ranking_key(b))
            .then(a.participant_id.cmp(&b.participant_id))
    });
    let mut ranked: Vec<(u32, IndividualResult)> = Vec::with_capacity(results.len());
    for (i, result) in results.into_iter().enumerate() {
        let rank = match ranked.last() {
            Some((rank, previous)) if ranking_key(previous) == ranking_key(&result) => *rank,
            _ => i as u32 + 1,
        };
        ranked.push((rank, result));
    }
    ranked
}

/// How a company's score is made from its participants' scores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "method")]
pub enum CompanyMethod {
    Average,
    TopNAverage { n: u32 },
    Total,
}

/// The organizer's company-score rule; default: average, ranked from one participant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CompanyScoreRule {
    #[serde(flatten)]
    pub method: CompanyMethod,
    pub min_participants: u32,
}

impl Default for CompanyScoreRule {
    fn default() -> CompanyScoreRule {
        CompanyScoreRule {
            method: CompanyMethod::Average,
            min_participants: 1,
        }
    }
}

/// The rule as organizers send it: `{"method": "average"|"top_n_average"|"total", "n"?,
/// "min_participants"?}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanyScoreInput {
    pub method: String,
    pub n: Option<i64>,
    pub min_participants: Option<i64>,
}

impl CompanyScoreRule {
    /// Checks the organizer's input; the error names the field and says how to fix it.
    pub fn parse(input: &CompanyScoreInput) -> Result<CompanyScoreRule, (&'static str, String)> {
        let min_participants = match input.min_participants {
            None => 1,
            Some(m) if (1..=10_000).contains(&m) => m as u32,
            Some(m) => {
                return Err((
                    "company_score.min_participants",
                    format!("最少参赛人数必须是正整数,实际为 {m}"),
                ));
            }
        };
        let method = match (input.method.as_str(), input.n) {
            ("average", _) => CompanyMethod::Average,
            ("total", _) => CompanyMethod::Total,
            ("top_n_average", Some(n)) if (1..=10_000).contains(&n) => {
                CompanyMethod::TopNAverage { n: n as u32 }
            }
            ("top_n_average", n) => {
                return Err((
                    "company_score.n",
                    format!(
                        "前 N 名平均需要正整数 n,实际为 {}",
                        n.map_or("空".into(), |n| n.to_string())
                    ),
                ));
            }
            (other, _) => {
                return Err((
                    "company_score.method",
                    format!(
                        "未知的企业计分方式 \"{other}\",只能是 average、top_n_average 或 total"
                    ),
                ));
            }
        };
        Ok(CompanyScoreRule {
            method,
            min_participants,
        })
    }
}

/// A company on the board.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompanyResult {
    pub credit_code: String,
    pub company: String,
    pub participants: u32,
    pub score: Points,
}

/// Companies with at least `min_participants` graded participants, scored by the rule and
/// ranked by score desc (equal scores share a rank; then more participants, then name).
pub fn rank_companies<'r>(
    individuals: impl IntoIterator<Item = &'r IndividualResult>,
    rule: CompanyScoreRule,
) -> Vec<(u32, CompanyResult)> {
    let mut by_company: HashMap<&str, (String, Vec<Points>)> = HashMap::new();
    for r in individuals {
        by_company
            .entry(r.credit_code.as_str())
            .or_insert_with(|| (r.company.clone(), Vec::new()))
            .1
            .push(r.score);
    }
    let mut companies: Vec<CompanyResult> = by_company
        .into_iter()
        .filter(|(_, (_, scores))| scores.len() as u32 >= rule.min_participants)
        .map(|(code, (company, mut scores))| {
            scores.sort_unstable_by(|a, b| b.cmp(a));
            let counted: &[Points] = match rule.method {
                CompanyMethod::TopNAverage { n } => &scores[..scores.len().min(n as usize)],
                _ => &scores,
            };
            let total: u64 = counted.iter().map(|p| u64::from(p.hundredths())).sum();
            let score = match rule.method {
                CompanyMethod::Total => total,
                _ => average_half_up(total, counted.len() as u64),
            };
            CompanyResult {
                credit_code: code.to_owned(),
                company,
                participants: scores.len() as u32,
                score: Points::from_hundredths(score.min(u64::from(u32::MAX)) as u32),
            }
        })
        .collect();
    companies.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then(b.participants.cmp(&a.participants))
            .then(a.company.cmp(&b.company))
            .then(a.credit_code.cmp(&b.credit_code))
    });
    let mut ranked: Vec<(u32, CompanyResult)> = Vec::with_capacity(companies.len());
    for (i, company) in companies.into_iter().enumerate() {
        let rank = match ranked.last() {
            Some((rank, previous)) if previous.score == company.score => *rank,
            _ => i as u32 + 1,
        };
        ranked.push((rank, company));
    }
    ranked
}

/// `total / count` in hundredths, rounded half up.
fn average_half_up(total: u64, count: u64) -> u64 {
    if count == 0 {
        0
    } else {
        (2 * total + count) / (2 * count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(
        id: i64,
        company: &str,
        score: u32,
        duration_ms: i64,
        submitted_at: Millis,
    ) -> IndividualResult {
        IndividualResult {
            participant_id: id,
            name: format!("选手{id}"),
            company: company.to_owned(),
            credit_code: format!("code-{company}"),
            score: Points::from_hundredths(score * 100),
            duration_ms,
            submitted_at,
        }
    }

    #[test]
    fn the_deadline_is_the_duration_but_never_past_the_close() {
        assert_eq!(deadline(0, 30, 10_000_000), 1_800_000);
        assert_eq!(deadline(0, 30, 600_000), 600_000);
        assert!(within_grace(1_800_000 + ANSWER_GRACE_MS, 1_800_000));
        assert!(!within_grace(1_800_000 + ANSWER_GRACE_MS + 1, 1_800_000));
    }

    #[test]
    fn ranking_is_score_then_time_used_then_submit_time_with_shared_ranks_for_full_ties() {
        let ranked = rank_individuals(vec![
            result(1, "甲", 80, 600, 50),
            result(2, "乙", 90, 900, 90),
            result(3, "丙", 80, 500, 70),
            result(4, "丁", 80, 600, 40),
            result(5, "戊", 80, 600, 40),
        ]);
        let order: Vec<(u32, i64)> = ranked
            .iter()
            .map(|(rank, r)| (*rank, r.participant_id))
            .collect();
        assert_eq!(order, [(1, 2), (2, 3), (3, 4), (3, 5), (5, 1)]);
    }

    #[test]
    fn a_rank_counted_without_sorting_matches_the_sorted_ranking() {
        let results = vec![
            result(1, "甲", 80, 600, 50),
            result(2, "乙", 90, 900, 90),
            result(3, "丙", 80, 500, 70),
            result(4, "丁", 80, 600, 40),
            result(5, "戊", 80, 600, 40),
        ];
        for (rank, r) in rank_individuals(results.clone()) {
            assert_eq!(
                rank_among(&results, &r),
                rank,
                "participant {}",
                r.participant_id
            );
        }
    }

    #[test]
    fn company_scores_follow_the_rule_and_the_minimum() {
        let individuals = vec![
            result(1, "甲", 90, 1, 1),
            result(2, "甲", 70, 1, 1),
            result(3, "甲", 61, 1, 1),
            result(4, "乙", 80, 1, 1),
        ];
        let average = rank_companies(&individuals, CompanyScoreRule::default());
        assert_eq!(average[0].1.company, "乙");
        assert_eq!(average[1].1.score.to_string(), "73.67");
        let top2 = CompanyScoreRule {
            method: CompanyMethod::TopNAverage { n: 2 },
            min_participants: 1,
        };
        assert_eq!(
            rank_companies(&individuals, top2)[0].1.score.to_string(),
            "80"
        );
        assert_eq!(rank_companies(&individuals, top2)[0].0, 1);
        assert_eq!(
            rank_companies(&individuals, top2)[1].0,
            1,
            "equal scores share the rank"
        );
        let total = CompanyScoreRule {
            method: CompanyMethod::Total,
            min_participants: 2,
        };
        let ranked = rank_companies(&individuals, total);
        assert_eq!(ranked.len(), 1, "乙 has fewer than two participants");
        assert_eq!(ranked[0].1.score.to_string(), "221");
    }

    #[test]
    fn an_unknown_company_method_or_a_bad_n_is_refused_by_field() {
        let input = |method: &str, n: Option<i64>| CompanyScoreInput {
            method: method.into(),
            n,
            min_participants: None,
        };
        assert_eq!(
            CompanyScoreRule::parse(&input("median", None))
                .unwrap_err()
                .0,
            "company_score.method"
        );
        assert_eq!(
            CompanyScoreRule::parse(&input("top_n_average", Some(0)))
                .unwrap_err()
                .0,
            "company_score.n"
        );
        assert!(CompanyScoreRule::parse(&input("top_n_average", Some(3))).is_ok());
    }
}
