//! A final as the organizer sets it up: `FinalInput` (the JSON of `POST /api/admin/finals`)
//! checked field by field and turned into a `show::Plan` — seats typed in or seeded from a
//! competition's board, rounds with their questions picked from the bank or drawn from it.
//! Every problem is reported at once, by field, in Chinese.

use std::collections::{BTreeMap, HashSet};

use question_bank::{Difficulty, Kind, Question};
use serde::Deserialize;

use super::show::{FinalQuestion, Plan, Round, RoundKind, Score, Seat};
use crate::store::bank::{BankSnapshot, QuestionRef};

pub const MIN_SEATS: usize = 2;
pub const MAX_SEATS: usize = 20;
pub const MAX_ROUNDS: usize = 20;
pub const MAX_QUESTIONS_PER_ROUND: usize = 50;
const MAX_TITLE_CHARS: usize = 60;
const MAX_SEAT_NAME_CHARS: usize = 30;
const MAX_COMPANY_CHARS: usize = 60;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinalInput {
    pub title: Option<String>,
    pub base_score: Option<i64>,
    pub early_buzz_penalty: Option<i64>,
    pub seats: Option<Vec<SeatInput>>,
    pub seed: Option<SeedInput>,
    pub rounds: Option<Vec<RoundInput>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeatInput {
    pub name: Option<String>,
    pub company: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedInput {
    pub competition_id: Option<i64>,
    pub by: Option<String>,
    pub top: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoundInput {
    pub kind: Option<String>,
    pub title: Option<String>,
    pub seconds: Option<i64>,
    pub points: Option<i64>,
    pub penalty: Option<i64>,
    pub answer_seconds: Option<i64>,
    pub stakes: Option<Vec<i64>>,
    pub questions: Option<QuestionsInput>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionsInput {
    pub ids: Option<Vec<i64>>,
    pub draw: Option<DrawInput>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawInput {
    pub count: Option<i64>,
    pub kind: Option<String>,
    pub regulation: Option<String>,
    pub difficulty: Option<String>,
}

/// Where the seats come from once the input is checked.
#[derive(Debug, PartialEq, Eq)]
pub enum SeatSource {
    Typed(Vec<Seat>),
    Seeded {
        competition_id: i64,
        by_companies: bool,
        top: usize,
    },
}

/// The input with every field checked but the seats not yet seeded and the questions not yet
/// taken from the bank (both need the store).
#[derive(Debug)]
pub struct CheckedFinal {
    pub title: String,
    pub base_score: Score,
    pub early_buzz_penalty: Score,
    pub seats: SeatSource,
    pub rounds: Vec<CheckedRound>,
}

#[derive(Debug)]
pub struct CheckedRound {
    pub kind: RoundKind,
    pub title: String,
    pub seconds: u32,
    pub points: Score,
    pub penalty: Score,
    pub answer_seconds: u32,
    pub stakes: Vec<Score>,
    pub questions: QuestionChoice,
}

#[derive(Debug)]
pub enum QuestionChoice {
    Picked(Vec<i64>),
    Drawn {
        count: usize,
        kind: Option<Kind>,
        regulation: Option<String>,
        difficulty: Option<Difficulty>,
    },
}

/// Problems by field path (`rounds[1].seconds`).
pub type Problems = BTreeMap<String, String>;

fn text(
    problems: &mut Problems,
    field: &str,
    value: Option<&str>,
    label: &str,
    max: usize,
    required: bool,
) -> Option<String> {
    let value = value.map(str::trim).filter(|v| !v.is_empty());
    match value {
        None if required => {
            problems.insert(field.into(), format!("请填写{label}"));
            None
        }
        None => None,
        Some(v) if v.chars().count() > max => {
            problems.insert(
                field.into(),
                format!("{label}最多 {max} 个字,实际 {} 个字", v.chars().count()),
            );
            None
        }
        Some(v) => Some(v.to_owned()),
    }
}

fn number(
    problems: &mut Problems,
    field: &str,
    value: Option<i64>,
    label: &str,
    range: std::ops::RangeInclusive<i64>,
    default: Option<i64>,
) -> Option<i64> {
    match value.or(default) {
        None => {
            problems.insert(field.into(), format!("请填写{label}"));
            None
        }
        Some(v) if !range.contains(&v) => {
            problems.insert(
                field.into(),
                format!(
                    "{label}必须在 {} 到 {} 之间,实际为 {v}",
                    range.start(),
                    range.end()
                ),
            );
            None
        }
        Some(v) => Some(v),
    }
}

/// Checks every field; on any problem, all of them.
pub fn check(input: FinalInput) -> Result<CheckedFinal, Problems> {
    let mut problems = Problems::new();
    let title = text(
        &mut problems,
        "title",
        input.title.as_deref(),
        "决赛名称",
        MAX_TITLE_CHARS,
        true,
    );
    let base_score = number(
        &mut problems,
        "base_score",
        input.base_score,
        "基础分",
        -100_000..=100_000,
        Some(100),
    );
    let early = number(
        &mut problems,
        "early_buzz_penalty",
        input.early_buzz_penalty,
        "提前抢答扣分",
        0..=1_000,
        Some(0),
    );
    let seats = check_seats(&mut problems, input.seats, input.seed);
    let rounds = check_rounds(&mut problems, input.rounds);
    match (title, base_score, early, seats, rounds) {
        (Some(title), Some(base_score), Some(early_buzz_penalty), Some(seats), Some(rounds))
            if problems.is_empty() =>
        {
            Ok(CheckedFinal {
                title,
                base_score,
                early_buzz_penalty,
                seats,
                rounds,
            })
        }
        _ => Err(problems),
    }
}

fn check_seats(
    problems: &mut Problems,
    seats: Option<Vec<SeatInput>>,
    seed: Option<SeedInput>,
) -> Option<SeatSource> {
    match (seats, seed) {
        (Some(_), Some(_)) => {
            problems.insert(
                "seats".into(),
                "席位请二选一:逐个填写(seats)或从竞赛成绩选取(seed)".into(),
            );
            None
        }
        (None, None) => {
            problems.insert(
                "seats".into(),
                "请填写决赛席位,或选择从竞赛成绩中选取".into(),
            );
            None
        }
        (Some(seats), None) => {
            if !(MIN_SEATS..=MAX_SEATS).contains(&seats.len()) {
                problems.insert(
                    "seats".into(),
                    format!(
                        "决赛需要 {MIN_SEATS} 到 {MAX_SEATS} 个席位,实际为 {}",
                        seats.len()
                    ),
                );
                return None;
            }
            let before = problems.len();
            let typed: Vec<Seat> = seats
                .into_iter()
                .enumerate()
                .map(|(i, seat)| Seat {
                    name: text(
                        problems,
                        &format!("seats[{i}].name"),
                        seat.name.as_deref(),
                        "席位名称",
                        MAX_SEAT_NAME_CHARS,
                        true,
                    )
                    .unwrap_or_default(),
                    company: text(
                        problems,
                        &format!("seats[{i}].company"),
                        seat.company.as_deref(),
                        "企业名称",
                        MAX_COMPANY_CHARS,
                        false,
                    ),
                })
                .collect();
            (problems.len() == before).then_some(SeatSource::Typed(typed))
        }
        (None, Some(seed)) => {
            let competition_id = seed.competition_id;
            if competition_id.is_none() {
                problems.insert("seed.competition_id".into(), "请选择竞赛".into());
            }
            let by_companies = match seed.by.as_deref().map(str::trim) {
                Some("individuals") => Some(false),
                Some("companies") => Some(true),
                _ => {
                    problems.insert(
                        "seed.by".into(),
                        "请选择按个人(individuals)或按企业(companies)选取".into(),
                    );
                    None
                }
            };
            let top = number(
                problems,
                "seed.top",
                seed.top,
                "选取名次",
                MIN_SEATS as i64..=MAX_SEATS as i64,
                None,
            );
            Some(SeatSource::Seeded {
                competition_id: competition_id?,
                by_companies: by_companies?,
                top: usize::try_from(top?).ok()?,
            })
        }
    }
}

fn check_rounds(
    problems: &mut Problems,
    rounds: Option<Vec<RoundInput>>,
) -> Option<Vec<CheckedRound>> {
    let Some(rounds) = rounds.filter(|r| !r.is_empty()) else {
        problems.insert("rounds".into(), "请至少设置一轮比赛".into());
        return None;
    };
    if rounds.len() > MAX_ROUNDS {
        problems.insert(
            "rounds".into(),
            format!("最多 {MAX_ROUNDS} 轮,实际为 {}", rounds.len()),
        );
        return None;
    }
    let checked: Vec<Option<CheckedRound>> = rounds
        .into_iter()
        .enumerate()
        .map(|(i, round)| check_round(problems, i, round))
        .collect();
    checked.into_iter().collect()
}

fn check_round(problems: &mut Problems, i: usize, round: RoundInput) -> Option<CheckedRound> {
    let field = |name: &str| format!("rounds[{i}].{name}");
    let kind = match round.kind.as_deref().and_then(RoundKind::parse) {
        Some(kind) => Some(kind),
        None => {
            problems.insert(
                field("kind"),
                "轮次类型必须是 required(必答)、buzz(抢答)或 risk(风险题)".into(),
            );
            None
        }
    };
    let title = text(
        problems,
        &field("title"),
        round.title.as_deref(),
        "轮次名称",
        MAX_TITLE_CHARS,
        false,
    );
    let seconds = number(
        problems,
        &field("seconds"),
        round.seconds,
        "答题时间(秒)",
        5..=600,
        None,
    );
    let points = number(
        problems,
        &field("points"),
        round.points,
        "分值",
        0..=1_000,
        None,
    );
    let penalty = number(
        problems,
        &field("penalty"),
        round.penalty,
        "答错扣分",
        0..=1_000,
        Some(0),
    );
    let answer_seconds = number(
        problems,
        &field("answer_seconds"),
        round.answer_seconds,
        "抢到后的作答时间(秒)",
        3..=120,
        Some(10),
    );
    let stakes = match (kind, round.stakes) {
        (Some(RoundKind::Risk), Some(mut stakes)) => {
            stakes.sort_unstable();
            stakes.dedup();
            if stakes.is_empty()
                || stakes.len() > 6
                || stakes.iter().any(|&s| !(1..=1_000).contains(&s))
            {
                problems.insert(
                    field("stakes"),
                    "风险题需要 1 到 6 个不同的分值,每个在 1 到 1000 之间".into(),
                );
                None
            } else {
                Some(stakes)
            }
        }
        (Some(RoundKind::Risk), None) => {
            problems.insert(
                field("stakes"),
                "风险题需要可选的分值,例如 [10, 20, 30]".into(),
            );
            None
        }
        (_, Some(_)) => {
            problems.insert(field("stakes"), "只有风险题可以设置分值选项".into());
            None
        }
        (_, None) => Some(Vec::new()),
    };
    let questions = check_questions(problems, &field("questions"), round.questions);
    let kind = kind?;
    Some(CheckedRound {
        kind,
        title: title.unwrap_or_else(|| kind.label().to_owned()),
        seconds: u32::try_from(seconds?).ok()?,
        points: points?,
        penalty: penalty?,
        answer_seconds: u32::try_from(answer_seconds?).ok()?,
        stakes: stakes?,
        questions: questions?,
    })
}

fn check_questions(
    problems: &mut Problems,
    field: &str,
    questions: Option<QuestionsInput>,
) -> Option<QuestionChoice> {
    let max = MAX_QUESTIONS_PER_ROUND;
    match questions {
        Some(QuestionsInput {
            ids: Some(ids),
            draw: None,
        }) => {
            if ids.is_empty() || ids.len() > max {
                problems.insert(
                    format!("{field}.ids"),
                    format!("每轮需要 1 到 {max} 道题,实际为 {}", ids.len()),
                );
                return None;
            }
            Some(QuestionChoice::Picked(ids))
        }
        Some(QuestionsInput {
            ids: None,
            draw: Some(draw),
        }) => {
            let field = format!("{field}.draw");
            let count = number(
                problems,
                &format!("{field}.count"),
                draw.count,
                "抽题数量",
                1..=max as i64,
                None,
            );
            let kind = match draw
                .kind
                .as_deref()
                .map(str::trim)
                .filter(|k| !k.is_empty())
            {
                None => Some(None),
                Some(k) => match Kind::parse(k) {
                    Some(kind) => Some(Some(kind)),
                    None => {
                        problems.insert(
                            format!("{field}.kind"),
                            "题型必须是 single、multiple 或 judge".into(),
                        );
                        None
                    }
                },
            };
            let difficulty = match draw
                .difficulty
                .as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty())
            {
                None => Some(None),
                Some(d) => match Difficulty::parse(d) {
                    Some(difficulty) => Some(Some(difficulty)),
                    None => {
                        problems.insert(
                            format!("{field}.difficulty"),
                            "难度必须是 easy、medium 或 hard".into(),
                        );
                        None
                    }
                },
            };
            let regulation = draw
                .regulation
                .map(|r| r.trim().to_owned())
                .filter(|r| !r.is_empty());
            Some(QuestionChoice::Drawn {
                count: usize::try_from(count?).ok()?,
                kind: kind?,
                regulation,
                difficulty: difficulty?,
            })
        }
        _ => {
            problems.insert(
                field.into(),
                "请选择题目:指定题目(ids)或按条件抽题(draw),二选一".into(),
            );
            None
        }
    }
}

fn final_question(reference: QuestionRef, question: &Question) -> FinalQuestion {
    FinalQuestion {
        question_id: reference.id,
        version: reference.version,
        kind: question.kind(),
        stem: question.stem().to_owned(),
        options: question.options().to_vec(),
        answer: question.answer().bits(),
        explanation: question.explanation().map(str::to_owned),
    }
}

/// Takes each round's questions from the bank: the picked ones by id, then the drawn ones
/// at random among the matching questions not used yet in this final. `random` gives
/// uniform numbers below its argument.
pub fn take_questions(
    rounds: &[CheckedRound],
    bank: &BankSnapshot,
    mut random: impl FnMut(usize) -> usize,
) -> Result<Vec<Vec<FinalQuestion>>, Problems> {
    let mut problems = Problems::new();
    let position: BTreeMap<i64, usize> = bank
        .refs
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id, i))
        .collect();
    let mut used: HashSet<usize> = HashSet::new();
    let mut taken: Vec<Vec<FinalQuestion>> = vec![Vec::new(); rounds.len()];
    // Picked questions first, so a draw never takes a question another round names.
    for (i, round) in rounds.iter().enumerate() {
        if let QuestionChoice::Picked(ids) = &round.questions {
            for (j, id) in ids.iter().enumerate() {
                match position.get(id) {
                    None => {
                        problems.insert(
                            format!("rounds[{i}].questions.ids[{j}]"),
                            format!("题库中没有编号为 {id} 的题目"),
                        );
                    }
                    Some(&p) if !used.insert(p) => {
                        problems.insert(
                            format!("rounds[{i}].questions.ids[{j}]"),
                            format!("题目 {id} 在本场决赛中已经用过"),
                        );
                    }
                    Some(&p) => taken[i].push(final_question(bank.refs[p], bank.bank.question(p))),
                }
            }
        }
    }
    for (i, round) in rounds.iter().enumerate() {
        let QuestionChoice::Drawn {
            count,
            kind,
            regulation,
            difficulty,
        } = &round.questions
        else {
            continue;
        };
        let wanted_regulation = regulation
            .as_deref()
            .map(question_bank::text::regulation_key);
        let mut eligible: Vec<usize> = (0..bank.refs.len())
            .filter(|p| !used.contains(p))
            .filter(|&p| {
                let q = bank.bank.question(p);
                kind.is_none_or(|k| q.kind() == k)
                    && difficulty.is_none_or(|d| q.difficulty() == d)
                    && wanted_regulation
                        .as_ref()
                        .is_none_or(|r| question_bank::text::regulation_key(q.regulation()) == *r)
            })
            .collect();
        if eligible.len() < *count {
            let mut filter = Vec::new();
            if let Some(r) = regulation {
                filter.push(format!("《{r}》"));
            }
            if let Some(k) = kind {
                filter.push(k.label().to_owned());
            }
            if let Some(d) = difficulty {
                filter.push(format!("难度{}", d.label()));
            }
            let filter = if filter.is_empty() {
                "符合条件".to_owned()
            } else {
                filter.join("、")
            };
            problems.insert(
                format!("rounds[{i}].questions.draw"),
                format!(
                    "第 {} 轮需要抽取 {count} 道{filter}的题目,题库中未被本场使用的只有 {} 道",
                    i + 1,
                    eligible.len()
                ),
            );
            continue;
        }
        // A partial Fisher–Yates shuffle: the first `count` are a uniform random sample.
        for k in 0..*count {
            let j = k + random(eligible.len() - k);
            eligible.swap(k, j);
            let p = eligible[k];
            used.insert(p);
            taken[i].push(final_question(bank.refs[p], bank.bank.question(p)));
        }
    }
    if problems.is_empty() {
        Ok(taken)
    } else {
        Err(problems)
    }
}

/// The plan of a checked final once its seats and questions are known.
pub fn plan(checked: &CheckedFinal, seats: Vec<Seat>, questions: Vec<Vec<FinalQuestion>>) -> Plan {
    Plan {
        base_score: checked.base_score,
        early_buzz_penalty: checked.early_buzz_penalty,
        seats,
        rounds: checked
            .rounds
            .iter()
            .zip(questions)
            .map(|(r, questions)| Round {
                kind: r.kind,
                title: r.title.clone(),
                seconds: r.seconds,
                points: r.points,
                penalty: r.penalty,
                answer_seconds: r.answer_seconds,
                stakes: r.stakes.clone(),
                questions,
            })
            .collect(),
    }
}
