//! Property tests: any paper satisfies its blueprint, the seed alone decides the paper, and
//! grading never gives more than the points.

use std::collections::HashSet;

use proptest::prelude::*;
use question_bank::{
    Bank, Blueprint, Choice, Difficulty, Error, Kind, Question, QuestionFields, assemble,
    grade_answer, grade_paper,
};

const REGULATIONS: [&str; 3] = ["环境保护法", "大气污染防治法", "排污许可管理条例"];

/// A bank from `(kind, difficulty, regulation, option count, answer bits)` specs.
fn bank_from(specs: &[(usize, usize, usize, usize, u8)]) -> Bank {
    let questions = specs
        .iter()
        .enumerate()
        .map(
            |(n, &(kind, difficulty, regulation, option_count, answer_bits))| {
                let kind = Kind::ALL[kind];
                let (options, answer) = match kind {
                    Kind::Judge => (
                        vec![],
                        if answer_bits % 2 == 0 {
                            Choice::TRUE
                        } else {
                            Choice::FALSE
                        },
                    ),
                    Kind::Single => (
                        (0..option_count).map(|i| format!("选项{i}")).collect(),
                        Choice::only(usize::from(answer_bits) % option_count),
                    ),
                    Kind::Multiple => {
                        let mut bits = answer_bits & ((1u16 << option_count) - 1) as u8;
                        if bits.count_ones() < 2 {
                            bits |= 0b11;
                        }
                        (
                            (0..option_count).map(|i| format!("选项{i}")).collect(),
                            Choice::from_bits(bits),
                        )
                    }
                };
                Question::new(QuestionFields {
                    kind: Some(kind),
                    stem: format!("第{n}题"),
                    options,
                    answer,
                    regulation: REGULATIONS[regulation].into(),
                    difficulty: Difficulty::ALL[difficulty],
                    ..QuestionFields::default()
                })
                .unwrap()
            },
        )
        .collect();
    Bank::new(questions)
}

fn bank_specs() -> impl Strategy<Value = Vec<(usize, usize, usize, usize, u8)>> {
    prop::collection::vec(
        (0..3usize, 0..3usize, 0..3usize, 2..=8usize, any::<u8>()),
        0..150,
    )
}

/// A blueprint JSON with up to three sections, an optional mix and optional minimums.
fn blueprint_json() -> impl Strategy<Value = String> {
    (
        prop::collection::vec((1..=12u32, 1..=5u32, any::<bool>()), 3),
        prop::sample::subsequence(vec![0usize, 1, 2], 1..=3),
        prop::option::of(prop::sample::select(vec![
            (0.3, 0.5, 0.2),
            (0.0, 1.0, 0.0),
            (0.25, 0.25, 0.5),
            (0.5, 0.0, 0.5),
        ])),
        prop::collection::vec(0..=4u32, 3),
        any::<bool>(),
    )
        .prop_map(|(counts, kinds, mix, minimums, shuffle)| {
            let sections: Vec<String> = kinds
                .iter()
                .map(|&k| {
                    let (count, points, partial) = counts[k];
                    let kind = Kind::ALL[k];
                    let partial = partial && kind == Kind::Multiple;
                    format!(
                        r#"{{"kind":"{}","count":{count},"points":{points},"partial_credit":{partial}}}"#,
                        kind.as_str()
                    )
                })
                .collect();
            let total: u32 = kinds.iter().map(|&k| counts[k].0).sum();
            let mut budget = total;
            let regulations: Vec<String> = REGULATIONS
                .iter()
                .zip(&minimums)
                .filter_map(|(name, &min)| {
                    let min = min.min(budget);
                    budget -= min;
                    (min > 0).then(|| format!(r#""{name}":{{"min":{min}}}"#))
                })
                .collect();
            let mix = mix
                .map(|(e, m, h)| format!(r#","difficulty":{{"easy":{e},"medium":{m},"hard":{h}}}"#))
                .unwrap_or_default();
            format!(
                r#"{{"sections":[{}],"regulations":{{{}}}{mix},"shuffle_options":{shuffle}}}"#,
                sections.join(","),
                regulations.join(",")
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_assembled_paper_satisfies_its_blueprint(
        specs in bank_specs(), json in blueprint_json(), seed in any::<u64>()
    ) {
        let bank = bank_from(&specs);
        let blueprint = Blueprint::from_json(&json).unwrap();
        let paper = match assemble(&bank, &blueprint, seed) {
            Ok(paper) => paper,
            Err(Error::Infeasible(problems)) => {
                prop_assert!(!problems.is_empty());
                prop_assert!(bank.check(&blueprint).is_err());
                return Ok(());
            }
            Err(other) => return Err(TestCaseError::fail(format!("{other}"))),
        };
        prop_assert!(bank.check(&blueprint).is_ok());
        prop_assert_eq!(paper.questions.len() as u32, blueprint.question_count());
        prop_assert_eq!(paper.max_score(), blueprint.max_score());

        let mut seen = HashSet::new();
        let mut position = 0;
        for section in blueprint.sections() {
            let items = &paper.questions[position..position + section.count as usize];
            position += section.count as usize;
            let mut per_difficulty = [0u32; 3];
            for item in items {
                let question = bank.question(item.bank_index);
                prop_assert!(seen.insert(item.bank_index), "question drawn twice");
                prop_assert_eq!(question.kind(), section.kind);
                prop_assert_eq!(item.kind, section.kind);
                prop_assert_eq!(item.points, section.points);
                per_difficulty[question.difficulty() as usize] += 1;
                let mut order = item.option_order.clone();
                order.sort_unstable();
                prop_assert_eq!(order, (0..question.option_count() as u8).collect::<Vec<_>>());
                if !blueprint.shuffle_options() {
                    prop_assert!(item.option_order.windows(2).all(|w| w[0] < w[1]));
                }
            }
            if let Some(mix) = blueprint.difficulty() {
                prop_assert_eq!(per_difficulty, mix.apportion(section.count));
            }
        }
        for minimum in blueprint.regulation_minimums() {
            let drawn = paper
                .questions
                .iter()
                .filter(|q| bank.question(q.bank_index).regulation() == minimum.regulation)
                .count();
            prop_assert!(drawn >= minimum.min as usize, "{} < {}", drawn, minimum.min);
        }
        let numbers: Vec<u32> = paper.questions.iter().map(|q| q.no).collect();
        prop_assert_eq!(numbers, (1..=paper.questions.len() as u32).collect::<Vec<_>>());
    }

    #[test]
    fn the_same_seed_always_gives_the_same_paper(
        specs in bank_specs(), json in blueprint_json(), seed in any::<u64>()
    ) {
        let bank = bank_from(&specs);
        let blueprint = Blueprint::from_json(&json).unwrap();
        let first = assemble(&bank, &blueprint, seed).ok();
        let again = assemble(&bank_from(&specs), &Blueprint::from_json(&json).unwrap(), seed).ok();
        prop_assert_eq!(first, again);
    }

    #[test]
    fn grading_never_gives_more_than_the_points(
        specs in bank_specs(),
        json in blueprint_json(),
        seed in any::<u64>(),
        responses in prop::collection::vec(any::<u8>(), 40),
    ) {
        let bank = bank_from(&specs);
        let blueprint = Blueprint::from_json(&json).unwrap();
        let Ok(paper) = assemble(&bank, &blueprint, seed) else { return Ok(()) };
        let answers: Vec<_> = paper
            .questions
            .iter()
            .zip(responses.iter().cycle())
            .map(|(item, &bits)| {
                let question = bank.question(item.bank_index);
                let mask = ((1u16 << question.option_count()) - 1) as u8;
                (item, question, Choice::from_bits(bits & mask))
            })
            .collect();
        for &(item, question, response) in &answers {
            let (_, points) = grade_answer(item, question, response);
            prop_assert!(points <= item.points);
        }
        let grade = grade_paper(answers.iter().copied());
        prop_assert!(grade.score <= grade.max_score);
        prop_assert_eq!(grade.max_score, paper.max_score());
        // The answer key, shown in the participant's order, always earns full marks.
        let perfect = grade_paper(answers.iter().map(|&(item, question, _)| {
            (item, question, item.to_shown(question.answer()))
        }));
        prop_assert_eq!(perfect.score, perfect.max_score);
    }
}
