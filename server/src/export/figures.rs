//! The numbers behind the bureau's exports, computed from each participant's best graded
//! attempt and the roster. Pure: no store, no formatting; every figure is exact (integers,
//! hundredths of a point, ratios kept as numerator and denominator) so rounding happens once,
//! when a cell is written. The rules (which attempt counts, where a company belongs, how the
//! discrimination index is taken) are written down in docs/EXPORTS.md.

use std::collections::{BTreeMap, HashMap};

use question_bank::{Choice, Kind, Points, Question};

use crate::rules::{self, CompanyScoreRule, IndividualResult};
use crate::store::bank::QuestionRef;
use crate::store::companies::Company;

/// One graded attempt with what the exports show beside the score.
#[derive(Clone, Debug)]
pub struct GradedResult {
    pub attempt_id: i64,
    pub individual: IndividualResult,
    pub phone: String,
    pub subdistrict: String,
    pub tab_switches: i64,
}

/// Each participant's best attempt (the one the leaderboard ranks), ranked: score desc, time
/// used asc, submit time asc; equal keys share a rank.
pub fn rank_best_results(mut attempts: Vec<GradedResult>) -> Vec<(u32, GradedResult)> {
    attempts.sort_by(|a, b| {
        a.individual
            .participant_id
            .cmp(&b.individual.participant_id)
            .then_with(|| rules::compare_results(&a.individual, &b.individual))
    });
    attempts
        .dedup_by(|later, kept| later.individual.participant_id == kept.individual.participant_id);
    attempts.sort_by(|a, b| {
        rules::compare_results(&a.individual, &b.individual).then(
            a.individual
                .participant_id
                .cmp(&b.individual.participant_id),
        )
    });
    let mut ranked: Vec<(u32, GradedResult)> = Vec::with_capacity(attempts.len());
    for (i, attempt) in attempts.into_iter().enumerate() {
        let rank = match ranked.last() {
            Some((rank, previous))
                if rules::compare_results(&previous.individual, &attempt.individual).is_eq() =>
            {
                *rank
            }
            _ => i as u32 + 1,
        };
        ranked.push((rank, attempt));
    }
    ranked
}

/// Where a company belongs and what it is called in every export: the roster's entry when
/// the company is on it, otherwise what its first registered participant typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompanyIdentity {
    pub name: String,
    pub subdistrict: String,
    pub on_roster: bool,
}

/// Company identities by credit code, for every company on the roster or with a participant.
pub fn company_identities(
    results: &[(u32, GradedResult)],
    roster: &[Company],
) -> HashMap<String, CompanyIdentity> {
    let mut identities: HashMap<String, CompanyIdentity> = roster
        .iter()
        .map(|c| {
            (
                c.credit_code.clone(),
                CompanyIdentity {
                    name: c.name.clone(),
                    subdistrict: c.subdistrict.clone(),
                    on_roster: true,
                },
            )
        })
        .collect();
    let mut first_participant: HashMap<&str, i64> = HashMap::new();
    for (_, r) in results {
        let code = r.individual.credit_code.as_str();
        let id = r.individual.participant_id;
        match identities.get(code) {
            Some(identity) if identity.on_roster => continue,
            Some(_) if first_participant.get(code).is_some_and(|&first| first < id) => continue,
            _ => {}
        }
        first_participant.insert(code, id);
        identities.insert(
            code.to_owned(),
            CompanyIdentity {
                name: r.individual.company.clone(),
                subdistrict: r.subdistrict.clone(),
                on_roster: false,
            },
        );
    }
    identities
}

/// `total / count` in hundredths, rounded half up; `None` for no one.
fn average(total: u64, count: u32) -> Option<u64> {
    (count > 0).then(|| (2 * total + u64::from(count)) / (2 * u64::from(count)))
}

/// One row of the export by company.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompanyRow {
    pub name: String,
    pub credit_code: String,
    pub subdistrict: String,
    pub on_roster: bool,
    pub participants: u32,
    /// The participants' scores added up, in hundredths (exact; the average is rounded).
    pub total: u64,
    /// Hundredths, rounded half up; `None` without participants.
    pub average: Option<u64>,
    pub best: Option<Points>,
    /// Participants at or above the pass score.
    pub passed: u32,
    /// By the competition's rule; `None` below its minimum number of participants.
    pub company_score: Option<Points>,
    pub rank: Option<u32>,
}

/// Every company on the roster or with a participant: ranked companies in rank order, then
/// companies below the rule's minimum (most participants first), then roster companies
/// without participants (by subdistrict and name).
pub fn company_rows(
    results: &[(u32, GradedResult)],
    identities: &HashMap<String, CompanyIdentity>,
    rule: CompanyScoreRule,
    pass_score: Points,
) -> Vec<CompanyRow> {
    let individuals = results.iter().map(|(_, r)| &r.individual);
    let ranked: HashMap<String, (u32, Points)> = rules::rank_companies(individuals, rule)
        .into_iter()
        .map(|(rank, c)| (c.credit_code, (rank, c.score)))
        .collect();
    let mut scores: HashMap<&str, Vec<Points>> = HashMap::new();
    for (_, r) in results {
        scores
            .entry(r.individual.credit_code.as_str())
            .or_default()
            .push(r.individual.score);
    }
    let mut rows: Vec<CompanyRow> = identities
        .iter()
        .map(|(code, identity)| {
            let company_scores = scores.get(code.as_str()).map_or(&[][..], Vec::as_slice);
            let participants = company_scores.len() as u32;
            let total: u64 = company_scores
                .iter()
                .map(|p| u64::from(p.hundredths()))
                .sum();
            let ranking = ranked.get(code);
            CompanyRow {
                name: identity.name.clone(),
                credit_code: code.clone(),
                subdistrict: identity.subdistrict.clone(),
                on_roster: identity.on_roster,
                participants,
                total,
                average: average(total, participants),
                best: company_scores.iter().max().copied(),
                passed: company_scores.iter().filter(|&&s| s >= pass_score).count() as u32,
                company_score: ranking.map(|&(_, score)| score),
                rank: ranking.map(|&(rank, _)| rank),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        let group = |r: &CompanyRow| match (r.rank, r.participants) {
            (Some(_), _) => 0,
            (None, 0) => 2,
            (None, _) => 1,
        };
        group(a)
            .cmp(&group(b))
            .then(a.rank.cmp(&b.rank))
            .then(b.company_score.cmp(&a.company_score))
            .then(b.participants.cmp(&a.participants))
            .then_with(|| {
                if group(a) == 2 {
                    a.subdistrict.cmp(&b.subdistrict)
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .then(a.name.cmp(&b.name))
            .then(a.credit_code.cmp(&b.credit_code))
    });
    rows
}

/// One row of the export by subdistrict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubdistrictRow {
    pub name: String,
    /// Companies of the roster in the subdistrict; `None` when no roster is loaded.
    pub roster_companies: Option<u32>,
    /// Companies with at least one graded participant.
    pub participating_companies: u32,
    /// Roster companies with at least one graded participant (the participation rate's
    /// numerator).
    pub participating_roster_companies: u32,
    pub participants: u32,
    /// Hundredths, rounded half up, over the participants; `None` without participants.
    pub average: Option<u64>,
}

/// Subdistricts of the company rows (which already place every company), by name.
pub fn subdistrict_rows(companies: &[CompanyRow], roster_loaded: bool) -> Vec<SubdistrictRow> {
    let mut by_name: BTreeMap<&str, (SubdistrictRow, u64)> = BTreeMap::new();
    for company in companies {
        let (row, total) = by_name
            .entry(company.subdistrict.as_str())
            .or_insert_with(|| {
                (
                    SubdistrictRow {
                        name: company.subdistrict.clone(),
                        roster_companies: roster_loaded.then_some(0),
                        participating_companies: 0,
                        participating_roster_companies: 0,
                        participants: 0,
                        average: None,
                    },
                    0,
                )
            });
        if company.on_roster {
            *row.roster_companies.get_or_insert(0) += 1;
        }
        if company.participants > 0 {
            row.participating_companies += 1;
            if company.on_roster {
                row.participating_roster_companies += 1;
            }
        }
        row.participants += company.participants;
        *total += company.total;
    }
    by_name
        .into_values()
        .map(|(mut row, total)| {
            row.average = average(total, row.participants);
            row
        })
        .collect()
}

/// Which side of the discrimination index an attempt counts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// The top 27 % of the ranking.
    Upper,
    Middle,
    /// The bottom 27 %.
    Lower,
}

/// The group of every ranked attempt: the first and last k in ranking order, k = 27 % of the
/// participants rounded half up (at least one each once there are two participants; ties at
/// the boundary are cut by the ranking order itself: time used, then submit time).
pub fn discrimination_groups(ranked: &[(u32, GradedResult)]) -> HashMap<i64, Group> {
    let n = ranked.len();
    let k = if n < 2 {
        0
    } else {
        ((27 * n + 50) / 100).max(1)
    };
    ranked
        .iter()
        .enumerate()
        .map(|(i, (_, r))| {
            let group = if i < k {
                Group::Upper
            } else if i >= n - k {
                Group::Lower
            } else {
                Group::Middle
            };
            (r.attempt_id, group)
        })
        .collect()
}

/// Counts for one question version.
#[derive(Clone, Debug, Default)]
struct ItemCounts {
    drawn: u32,
    correct: u32,
    unanswered: u32,
    /// How many chose each option, in the bank's order (A = the bank's first option).
    chose: [u32; question_bank::choice::MAX_OPTIONS],
    upper_drawn: u32,
    upper_correct: u32,
    lower_drawn: u32,
    lower_correct: u32,
}

/// Item analysis over the ranked attempts: fed one issued question at a time (the store
/// streams them), so memory holds counters per question, not the answers.
#[derive(Debug)]
pub struct ItemAnalysis {
    groups: HashMap<i64, Group>,
    items: HashMap<QuestionRef, ItemCounts>,
}

/// One row of the export by question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionRow {
    pub question_id: i64,
    pub version: i64,
    pub external_id: Option<String>,
    pub kind: Kind,
    pub stem: String,
    pub regulation: String,
    pub article: Option<String>,
    pub difficulty: question_bank::Difficulty,
    pub option_count: usize,
    /// Papers (of ranked attempts) that held the question.
    pub drawn: u32,
    /// Of those, answered fully correctly (a partial-credit answer is not correct).
    pub correct: u32,
    pub unanswered: u32,
    /// How many chose each of the bank's options.
    pub chose: Vec<u32>,
    /// p(upper) − p(lower) as an exact ratio; `None` when either group never drew it.
    pub discrimination: Option<(i64, u64)>,
}

impl ItemAnalysis {
    /// Counts only the attempts in `groups` (each participant's ranked attempt).
    pub fn new(groups: HashMap<i64, Group>) -> ItemAnalysis {
        ItemAnalysis {
            groups,
            items: HashMap::new(),
        }
    }

    /// One question of one attempt's paper: its answer key and the response as saved (in the
    /// participant's option order, `option_order[shown] = bank option`).
    pub fn add(
        &mut self,
        attempt_id: i64,
        question: QuestionRef,
        answer_key: Choice,
        option_order: &[u8],
        response: Choice,
    ) {
        let Some(&group) = self.groups.get(&attempt_id) else {
            return;
        };
        let in_bank_order = if option_order.is_empty() {
            response
        } else {
            Choice::from_indexes(
                response
                    .indexes()
                    .filter_map(|i| option_order.get(i).map(|&o| usize::from(o))),
            )
        };
        let counts = self.items.entry(question).or_default();
        let correct = in_bank_order == answer_key;
        counts.drawn += 1;
        counts.correct += u32::from(correct);
        counts.unanswered += u32::from(in_bank_order.is_empty());
        for option in in_bank_order.indexes() {
            if let Some(count) = counts.chose.get_mut(option) {
                *count += 1;
            }
        }
        match group {
            Group::Upper => {
                counts.upper_drawn += 1;
                counts.upper_correct += u32::from(correct);
            }
            Group::Lower => {
                counts.lower_drawn += 1;
                counts.lower_correct += u32::from(correct);
            }
            Group::Middle => {}
        }
    }

    /// The rows, by question id and version; `questions` holds every version that was added.
    pub fn rows(self, questions: &HashMap<QuestionRef, Question>) -> Vec<QuestionRow> {
        let mut rows: Vec<QuestionRow> = self
            .items
            .into_iter()
            .filter_map(|(reference, counts)| {
                let question = questions.get(&reference)?;
                let discrimination =
                    (counts.upper_drawn > 0 && counts.lower_drawn > 0).then(|| {
                        let upper = i64::from(counts.upper_correct) * i64::from(counts.lower_drawn);
                        let lower = i64::from(counts.lower_correct) * i64::from(counts.upper_drawn);
                        (
                            upper - lower,
                            u64::from(counts.upper_drawn) * u64::from(counts.lower_drawn),
                        )
                    });
                let option_count = match question.kind() {
                    Kind::Judge => 2,
                    _ => question.option_count(),
                };
                Some(QuestionRow {
                    question_id: reference.id,
                    version: reference.version,
                    external_id: question.external_id().map(str::to_owned),
                    kind: question.kind(),
                    stem: question.stem().to_owned(),
                    regulation: question.regulation().to_owned(),
                    article: question.article().map(str::to_owned),
                    difficulty: question.difficulty(),
                    option_count,
                    drawn: counts.drawn,
                    correct: counts.correct,
                    unanswered: counts.unanswered,
                    chose: counts.chose[..option_count].to_vec(),
                    discrimination,
                })
            })
            .collect();
        rows.sort_by_key(|r| (r.question_id, r.version));
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::CompanyMethod;

    fn graded(
        attempt_id: i64,
        participant: i64,
        company: &str,
        score: u32,
        ms: i64,
    ) -> GradedResult {
        GradedResult {
            attempt_id,
            individual: IndividualResult {
                participant_id: participant,
                name: format!("p{participant}"),
                company: company.to_owned(),
                credit_code: format!("code-{company}"),
                score: Points::from_hundredths(score),
                duration_ms: ms,
                submitted_at: 1_000 + ms,
            },
            phone: "13900000000".into(),
            subdistrict: format!("{company}街道"),
            tab_switches: 0,
        }
    }

    #[test]
    fn only_each_participants_best_attempt_is_ranked_and_equal_results_share_a_rank() {
        let ranked = rank_best_results(vec![
            graded(1, 1, "甲", 1000, 60_000),
            graded(2, 1, "甲", 1800, 90_000),
            graded(3, 2, "乙", 1800, 90_000),
            graded(4, 3, "乙", 1800, 80_000),
        ]);
        let summary: Vec<(u32, i64)> = ranked
            .iter()
            .map(|(rank, r)| (*rank, r.attempt_id))
            .collect();
        assert_eq!(summary, [(1, 4), (2, 2), (2, 3)]);
    }

    #[test]
    fn a_company_ranks_by_its_top_n_average_and_one_below_the_minimum_is_listed_unranked() {
        let ranked = rank_best_results(vec![
            graded(1, 1, "甲", 2000, 1),
            graded(2, 2, "甲", 1000, 1),
            graded(3, 3, "甲", 0, 1),
            graded(4, 4, "乙", 1600, 1),
            graded(5, 5, "乙", 1300, 1),
            graded(6, 6, "丙", 2100, 1),
        ]);
        let rule = CompanyScoreRule {
            method: CompanyMethod::TopNAverage { n: 2 },
            min_participants: 2,
        };
        let identities = company_identities(&ranked, &[]);
        let rows = company_rows(&ranked, &identities, rule, Points::from_hundredths(1200));
        let summary: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r.name.as_str(),
                    r.participants,
                    r.average,
                    r.passed,
                    r.company_score.map(|p| p.hundredths()),
                    r.rank,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                // 甲: top two 20 and 10 → 15.00; all three average 10.00; one of three passes.
                ("甲", 3, Some(1000), 1, Some(1500), Some(1)),
                // 乙: 16 and 13 → 14.50.
                ("乙", 2, Some(1450), 2, Some(1450), Some(2)),
                ("丙", 1, Some(2100), 1, None, None),
            ]
        );
    }

    #[test]
    fn averages_round_half_up_to_the_hundredth() {
        assert_eq!(average(5050, 3), Some(1683)); // 16.8333…
        assert_eq!(average(1, 2), Some(1)); // 0.005 → 0.01
        assert_eq!(average(0, 0), None);
    }

    #[test]
    fn option_shares_are_counted_in_the_banks_order_whatever_order_was_shown() {
        let upper = graded(1, 1, "甲", 2100, 1);
        let lower = graded(2, 2, "乙", 0, 1);
        let ranked = rank_best_results(vec![upper, lower]);
        let groups = discrimination_groups(&ranked);
        assert_eq!(groups[&1], Group::Upper);
        assert_eq!(groups[&2], Group::Lower);
        let question = QuestionRef { id: 7, version: 1 };
        let mut analysis = ItemAnalysis::new(groups);
        // The bank's answer is its option C (index 2). Participant 1 saw the order C, A, D, B
        // and chose their A — the bank's C. Participant 2 saw A, B, C, D and chose B.
        let key = Choice::only(2);
        analysis.add(1, question, key, &[2, 0, 3, 1], Choice::only(0));
        analysis.add(2, question, key, &[0, 1, 2, 3], Choice::only(1));
        // An attempt that is not a ranked one is ignored.
        analysis.add(99, question, key, &[0, 1, 2, 3], Choice::only(2));
        let counts = &analysis.items[&question];
        assert_eq!(counts.drawn, 2);
        assert_eq!(counts.correct, 1);
        assert_eq!(&counts.chose[..4], [0, 1, 1, 0]);
        assert_eq!((counts.upper_correct, counts.lower_correct), (1, 0));
    }

    #[test]
    fn the_groups_are_the_top_and_bottom_27_percent_rounded_half_up() {
        let ranked = rank_best_results(
            (1..=10)
                .map(|i| graded(i, i, "甲", 100 * i as u32, 1))
                .collect(),
        );
        let groups = discrimination_groups(&ranked);
        let upper: Vec<i64> = (1..=10).filter(|id| groups[id] == Group::Upper).collect();
        let lower: Vec<i64> = (1..=10).filter(|id| groups[id] == Group::Lower).collect();
        // 27 % of 10 = 2.7 → 3 each.
        assert_eq!(upper, [8, 9, 10]);
        assert_eq!(lower, [1, 2, 3]);
        let alone = rank_best_results(vec![graded(1, 1, "甲", 100, 1)]);
        assert_eq!(
            discrimination_groups(&alone)[&1],
            Group::Middle,
            "no groups of one"
        );
    }
}
