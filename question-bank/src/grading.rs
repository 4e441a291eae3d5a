//! Grading: single and judge all-or-nothing; multiple all-or-nothing, or with partial credit
//! half the points for a correct proper subset with no wrong choice (少选得一半分,错选不得分).

use serde::Serialize;

use crate::assembly::PaperQuestion;
use crate::choice::Choice;
use crate::points::Points;
use crate::question::{Kind, Question};

/// How one answer fared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Correct,
    /// A correct proper subset of a multiple-choice answer, under partial credit.
    Partial,
    Wrong,
    Unanswered,
}

/// Grades one response given in the participant's option order.
pub fn grade_answer(item: &PaperQuestion, question: &Question, shown: Choice) -> (Outcome, Points) {
    if shown.is_empty() {
        return (Outcome::Unanswered, Points::ZERO);
    }
    let response = item.to_original(shown);
    let key = question.answer();
    if response == key {
        return (Outcome::Correct, item.points);
    }
    let partial =
        item.partial_credit && question.kind() == Kind::Multiple && response.is_subset_of(key);
    if partial {
        (Outcome::Partial, item.points.half())
    } else {
        (Outcome::Wrong, Points::ZERO)
    }
}

/// A whole paper's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PaperGrade {
    pub score: Points,
    pub max_score: Points,
    /// Answers that earned full points.
    pub correct_count: u32,
    /// One per paper question, in paper order.
    pub outcomes: Vec<Outcome>,
}

/// Grades a paper: `answers` yields, for each paper question in order, the question as it
/// was issued and the participant's response (empty when unanswered).
pub fn grade_paper<'q>(
    answers: impl IntoIterator<Item = (&'q PaperQuestion, &'q Question, Choice)>,
) -> PaperGrade {
    let mut grade = PaperGrade {
        score: Points::ZERO,
        max_score: Points::ZERO,
        correct_count: 0,
        outcomes: Vec::new(),
    };
    for (item, question, response) in answers {
        let (outcome, points) = grade_answer(item, question, response);
        grade.score += points;
        grade.max_score += item.points;
        grade.correct_count += u32::from(outcome == Outcome::Correct);
        grade.outcomes.push(outcome);
    }
    grade
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::question::QuestionFields;

    fn multiple(partial_credit: bool) -> (PaperQuestion, Question) {
        let question = Question::new(QuestionFields {
            kind: Some(Kind::Multiple),
            stem: "下列属于危险废物管理制度的有".into(),
            options: ["管理计划", "转移联单", "排污许可", "经营许可"]
                .map(String::from)
                .to_vec(),
            answer: Choice::from_indexes([0, 1, 3]),
            regulation: "固体废物污染环境防治法".into(),
            ..QuestionFields::default()
        })
        .unwrap();
        let item = PaperQuestion {
            no: 1,
            bank_index: 0,
            kind: Kind::Multiple,
            points: Points::from_decimal(3.0).unwrap(),
            partial_credit,
            // Shown A B C D = original D C B A.
            option_order: vec![3, 2, 1, 0],
        };
        (item, question)
    }

    fn shown(indexes: &[usize]) -> Choice {
        Choice::from_indexes(indexes.iter().copied())
    }

    #[test]
    fn a_complete_answer_in_the_shuffled_order_earns_full_points() {
        let (item, question) = multiple(true);
        // Original A, B, D are shown as D, C, A.
        assert_eq!(
            grade_answer(&item, &question, shown(&[0, 2, 3])),
            (Outcome::Correct, item.points)
        );
    }

    #[test]
    fn a_correct_proper_subset_earns_half_only_under_partial_credit() {
        let (item, question) = multiple(true);
        assert_eq!(
            grade_answer(&item, &question, shown(&[0, 3])).1.to_string(),
            "1.5"
        );
        let (item, question) = multiple(false);
        assert_eq!(
            grade_answer(&item, &question, shown(&[0, 3])),
            (Outcome::Wrong, Points::ZERO)
        );
    }

    #[test]
    fn a_wrong_choice_earns_nothing_even_with_correct_ones() {
        let (item, question) = multiple(true);
        // Shown B is original C, which is wrong.
        assert_eq!(
            grade_answer(&item, &question, shown(&[0, 1])).0,
            Outcome::Wrong
        );
    }

    #[test]
    fn a_paper_grade_adds_up_points_and_counts_full_marks() {
        let (item, question) = multiple(true);
        let grade = grade_paper([
            (&item, &question, shown(&[0, 2, 3])),
            (&item, &question, shown(&[3])),
            (&item, &question, Choice::EMPTY),
        ]);
        assert_eq!(grade.score.to_string(), "4.5");
        assert_eq!(grade.max_score.to_string(), "9");
        assert_eq!(grade.correct_count, 1);
        assert_eq!(
            grade.outcomes,
            [Outcome::Correct, Outcome::Partial, Outcome::Unanswered]
        );
    }
}
