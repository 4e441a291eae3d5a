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
pub use crate::store::exports::GradedResult;

/// Ranks given on the fly to results that arrive in ranking order (the store reads them so):
/// a result's rank is its position, or the previous result's rank when the two are equal
/// (score, time used and submit time).
#[derive(Debug, Default)]
pub struct Ranker {
    seen: u32,
    previous: Option<(u32, rules::RankingKey)>,
}

impl Ranker {
    /// The rank of `result`, the next in ranking order; `None` when it ranks higher than the
    /// previous one (the results are not in ranking order: a bug, never a wrong rank).
    pub fn rank(&mut self, result: &IndividualResult) -> Option<u32> {
        self.seen += 1;
        let key = rules::ranking_key(result);
        let rank = match self.previous {
            Some((rank, previous)) if previous == key => rank,
            Some((_, previous)) if previous > key => return None,
            _ => self.seen,
        };
        self.previous = Some((rank, key));
        Some(rank)
    }
}

/// Where a company belongs and what it is called in every export: the roster's entry when
/// the company is on it, otherwise what its first registered participant typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompanyIdentity {
    pub name: String,
    pub subdistrict: String,
    pub on_roster: bool,
}

/// Company identities by credit code: every roster company, and each company off the roster
/// from `(credit code, name, subdistrict)` as its first registered participant typed them.
pub fn company_identities(
    roster: &[Company],
    first_registered: impl IntoIterator<Item = (String, String, String)>,
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
    for (code, name, subdistrict) in first_registered {
        identities.entry(code).or_insert(CompanyIdentity {
            name,
            subdistrict,
            on_roster: false,
        });
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
    results: &[GradedResult],
    identities: &HashMap<String, CompanyIdentity>,
    rule: CompanyScoreRule,
    pass_score: Points,
) -> Vec<CompanyRow> {
    let individuals = results.iter().map(|r| &r.individual);
    let ranked: HashMap<String, (u32, Points)> = rules::rank_companies(individuals, rule)
        .into_iter()
        .map(|(rank, c)| (c.credit_code, (rank, c.score)))
        .collect();
    let mut scores: HashMap<&str, Vec<Points>> = HashMap::new();
    for r in results {
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

impl Group {
    /// The group of the participant at 0-based `position` in ranking order among `ranked`:
    /// the first and last k, k = 27 % of the participants rounded half up (at least one each
    /// once there are two participants; ties at the boundary are cut by the ranking order
    /// itself: time used, then submit time, then the participant id).
    pub fn at(position: u64, ranked: u64) -> Group {
        let k = if ranked < 2 {
            0
        } else {
            ((27 * ranked + 50) / 100).max(1)
        };
        if position < k {
            Group::Upper
        } else if position + k >= ranked {
            Group::Lower
        } else {
            Group::Middle
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// How often each response (by its bits, in the bank's option order) was given to one
/// question version, per group.
#[derive(Clone, Debug)]
struct ResponseTally([[u32; 3]; 1 << question_bank::choice::MAX_OPTIONS]);

impl Default for ResponseTally {
    fn default() -> Self {
        ResponseTally([[0; 3]; 1 << question_bank::choice::MAX_OPTIONS])
    }
}

/// Item analysis over the ranked attempts: fed one response at a time (the store streams
/// them), so memory holds a tally per question, not the answers. The answer keys are needed
/// only when the rows are made, so the questions are read after counting, for exactly the
/// versions that were drawn.
#[derive(Debug, Default)]
pub struct ItemAnalysis {
    tallies: HashMap<QuestionRef, Box<ResponseTally>>,
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
    pub fn new() -> ItemAnalysis {
        ItemAnalysis::default()
    }

    /// One question of a ranked attempt's paper with the response in the bank's option order.
    pub fn add(&mut self, group: Group, question: QuestionRef, response: Choice) {
        let tally = self.tallies.entry(question).or_default();
        tally.0[usize::from(response.bits())][group.index()] += 1;
    }

    /// Every question version that was counted.
    pub fn questions(&self) -> Vec<QuestionRef> {
        self.tallies.keys().copied().collect()
    }

    /// The rows, by question id and version; `questions` holds every counted version.
    pub fn rows(self, questions: &HashMap<QuestionRef, Question>) -> Vec<QuestionRow> {
        let mut rows: Vec<QuestionRow> = self
            .tallies
            .into_iter()
            .filter_map(|(reference, tally)| {
                let question = questions.get(&reference)?;
                Some(question_row(reference, question, &tally))
            })
            .collect();
        rows.sort_by_key(|r| (r.question_id, r.version));
        rows
    }
}

fn question_row(reference: QuestionRef, question: &Question, tally: &ResponseTally) -> QuestionRow {
    let key = usize::from(question.answer().bits());
    let option_count = match question.kind() {
        Kind::Judge => 2,
        _ => question.option_count(),
    };
    let in_group = |bits: usize, group: Group| tally.0[bits][group.index()];
    let given = |bits: usize| tally.0[bits].iter().sum::<u32>();
    let drawn_by = |group: Group| {
        (0..tally.0.len())
            .map(|bits| in_group(bits, group))
            .sum::<u32>()
    };
    let mut chose = vec![0; option_count];
    for (bits, counts) in tally.0.iter().enumerate() {
        let count: u32 = counts.iter().sum();
        for option in Choice::from_bits(bits as u8).indexes() {
            if let Some(chosen) = chose.get_mut(option) {
                *chosen += count;
            }
        }
    }
    let (upper_drawn, lower_drawn) = (drawn_by(Group::Upper), drawn_by(Group::Lower));
    let discrimination = (upper_drawn > 0 && lower_drawn > 0).then(|| {
        let upper = i64::from(in_group(key, Group::Upper)) * i64::from(lower_drawn);
        let lower = i64::from(in_group(key, Group::Lower)) * i64::from(upper_drawn);
        (
            upper - lower,
            u64::from(upper_drawn) * u64::from(lower_drawn),
        )
    });
    QuestionRow {
        question_id: reference.id,
        version: reference.version,
        external_id: question.external_id().map(str::to_owned),
        kind: question.kind(),
        stem: question.stem().to_owned(),
        regulation: question.regulation().to_owned(),
        article: question.article().map(str::to_owned),
        difficulty: question.difficulty(),
        option_count,
        drawn: (0..tally.0.len()).map(given).sum(),
        correct: given(key),
        unanswered: given(0),
        chose,
        discrimination,
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
    fn equal_results_share_a_rank_and_the_next_result_takes_its_position() {
        let mut ranker = Ranker::default();
        let ranks: Vec<Option<u32>> = [
            graded(4, 3, "乙", 1800, 80_000),
            graded(2, 1, "甲", 1800, 90_000),
            graded(3, 2, "乙", 1800, 90_000),
            graded(5, 4, "丙", 1000, 60_000),
        ]
        .iter()
        .map(|r| ranker.rank(&r.individual))
        .collect();
        assert_eq!(ranks, [Some(1), Some(2), Some(2), Some(4)]);
        assert_eq!(
            ranker.rank(&graded(6, 5, "丁", 2000, 1).individual),
            None,
            "a result out of ranking order is refused"
        );
    }

    #[test]
    fn a_company_ranks_by_its_top_n_average_and_one_below_the_minimum_is_listed_unranked() {
        let results = [
            graded(6, 6, "丙", 2100, 1),
            graded(1, 1, "甲", 2000, 1),
            graded(4, 4, "乙", 1600, 1),
            graded(5, 5, "乙", 1300, 1),
            graded(2, 2, "甲", 1000, 1),
            graded(3, 3, "甲", 0, 1),
        ];
        let rule = CompanyScoreRule {
            method: CompanyMethod::TopNAverage { n: 2 },
            min_participants: 2,
        };
        let firsts = results.iter().map(|r| {
            (
                r.individual.credit_code.clone(),
                r.individual.company.clone(),
                r.subdistrict.clone(),
            )
        });
        let identities = company_identities(&[], firsts);
        let rows = company_rows(&results, &identities, rule, Points::from_hundredths(1200));
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
    fn a_roster_company_keeps_the_rosters_name_and_others_keep_the_first_typed_one() {
        let roster = [Company {
            credit_code: "A".into(),
            name: "名录甲".into(),
            subdistrict: "东街道".into(),
        }];
        let firsts = [
            ("A".to_owned(), "甲公司".to_owned(), "西街道".to_owned()),
            ("B".to_owned(), "乙公司".to_owned(), "南街道".to_owned()),
        ];
        let identities = company_identities(&roster, firsts);
        assert_eq!(identities["A"].name, "名录甲");
        assert_eq!(identities["A"].subdistrict, "东街道");
        assert!(identities["A"].on_roster);
        assert_eq!(identities["B"].name, "乙公司");
        assert!(!identities["B"].on_roster);
    }

    #[test]
    fn averages_round_half_up_to_the_hundredth() {
        assert_eq!(average(5050, 3), Some(1683)); // 16.8333…
        assert_eq!(average(1, 2), Some(1)); // 0.005 → 0.01
        assert_eq!(average(0, 0), None);
    }

    fn question(answer: &str) -> Question {
        Question::new(question_bank::QuestionFields {
            external_id: Some("Q7".into()),
            kind: Some(Kind::Single),
            stem: "题干".into(),
            options: vec!["甲".into(), "乙".into(), "丙".into(), "丁".into()],
            answer: question_bank::choice::parse_letter_answer(answer).unwrap(),
            regulation: "中华人民共和国环境保护法".into(),
            article: Some("第一条".into()),
            difficulty: question_bank::Difficulty::Medium,
            explanation: None,
            tags: Vec::new(),
        })
        .unwrap()
    }

    #[test]
    fn a_questions_row_counts_draws_correct_answers_option_shares_and_the_discrimination_index() {
        let reference = QuestionRef { id: 7, version: 1 };
        let mut analysis = ItemAnalysis::new();
        // The key is C. Upper group: C, C, B. Middle: C, nothing. Lower: A, C+D.
        for (group, response) in [
            (Group::Upper, Choice::only(2)),
            (Group::Upper, Choice::only(2)),
            (Group::Upper, Choice::only(1)),
            (Group::Middle, Choice::only(2)),
            (Group::Middle, Choice::EMPTY),
            (Group::Lower, Choice::only(0)),
            (Group::Lower, Choice::from_indexes([2, 3])),
        ] {
            analysis.add(group, reference, response);
        }
        assert_eq!(analysis.questions(), [reference]);
        let questions = HashMap::from([(reference, question("C"))]);
        let rows = analysis.rows(&questions);
        let row = &rows[0];
        assert_eq!((row.drawn, row.correct, row.unanswered), (7, 3, 1));
        assert_eq!(row.chose, [1, 1, 4, 1]);
        // p(upper) = 2/3, p(lower) = 0/2: (2·2 − 0·3) / (3·2) = 4/6.
        assert_eq!(row.discrimination, Some((4, 6)));
    }

    #[test]
    fn the_groups_are_the_top_and_bottom_27_percent_rounded_half_up() {
        let groups: Vec<Group> = (0..10).map(|position| Group::at(position, 10)).collect();
        // 27 % of 10 = 2.7 → 3 each.
        assert_eq!(groups[..3], [Group::Upper; 3]);
        assert_eq!(groups[3..7], [Group::Middle; 4]);
        assert_eq!(groups[7..], [Group::Lower; 3]);
        assert_eq!(Group::at(0, 1), Group::Middle, "no groups of one");
        assert_eq!(
            (Group::at(0, 2), Group::at(1, 2)),
            (Group::Upper, Group::Lower)
        );
    }
}
