//! The reads behind the bureau's exports. Each participant's best graded attempt comes out of
//! the database already in ranking order (score desc, time used asc, submit time asc, then the
//! participant id), streamed, so an export ranks on the fly and holds at most one copy of the
//! rows. The responses of a graded attempt are stored compactly beside its score
//! (`attempts.responses`, written by `finish_attempt`) so the item analysis reads one row per
//! participant rather than one per issued question.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use futures_util::{Stream, TryStreamExt};
use question_bank::{Choice, Points};

use super::attempts::{SUBMITTED, order_from_text};
use super::bank::QuestionRef;
use super::{Store, StoreError};
use crate::rules::IndividualResult;

/// One graded attempt with what the exports show beside the score.
#[derive(Clone, Debug)]
pub struct GradedResult {
    pub attempt_id: i64,
    pub individual: IndividualResult,
    pub phone: String,
    pub subdistrict: String,
    pub tab_switches: i64,
}

/// Each participant's best graded attempt of competition `$1` (status `$2`), in ranking order.
/// The best attempt and the order are `rules::compare_results`' (score desc, time used asc,
/// submit time asc); ties go to the lower participant id, and a participant's equal attempts
/// to the lower attempt id, so every read gives the same order.
macro_rules! best_attempts {
    ($columns:literal, $join:literal) => {
        concat!(
            "WITH best AS (\
               SELECT a.id, a.participant_id, a.score, a.duration_ms, a.submitted_at, a.tab_switches, a.responses, \
                      ROW_NUMBER() OVER (PARTITION BY a.participant_id \
                                         ORDER BY a.score DESC, a.duration_ms, a.submitted_at, a.id) AS nth \
               FROM attempts a WHERE a.competition_id = $1 AND a.status = $2) \
             SELECT ",
            $columns,
            " FROM best ",
            $join,
            " WHERE best.nth = 1 \
             ORDER BY best.score DESC, best.duration_ms, best.submitted_at, best.participant_id"
        )
    };
}

/// A participant's best attempt with their details, as `best_results` reads it.
#[derive(sqlx::FromRow)]
struct BestResultRow {
    id: i64,
    participant_id: i64,
    name: String,
    phone: String,
    company_name: String,
    credit_code: String,
    subdistrict: String,
    score: i64,
    duration_ms: i64,
    submitted_at: i64,
    tab_switches: i64,
}

/// An issued question with the attempt's answer to it, for filling in `responses`.
#[derive(sqlx::FromRow)]
struct IssuedResponseRow {
    attempt_id: i64,
    question_id: i64,
    version: i64,
    option_order: String,
    choice: Option<i64>,
}

/// One participant's best attempt for the item analysis: its place in the ranking order and
/// its responses.
#[derive(Clone, Debug)]
pub struct RankedResponses {
    /// How many participants are ranked (the same on every row of one read).
    pub ranked: u64,
    /// The attempt's responses as stored; `None` for an attempt graded by a version without
    /// the column whose responses could not be filled in (see `fill_missing_responses`).
    pub responses: Option<String>,
}

impl Store {
    /// Each participant's best graded attempt with their details, in ranking order, streamed.
    pub fn best_results(
        &self,
        competition_id: i64,
    ) -> impl Stream<Item = Result<GradedResult, StoreError>> + Send + '_ {
        sqlx::query_as::<_, BestResultRow>(best_attempts!(
            "best.id, best.participant_id, p.name, p.phone, p.company_name, p.credit_code, p.subdistrict, \
             best.score, best.duration_ms, best.submitted_at, best.tab_switches",
            "JOIN participants p ON p.id = best.participant_id"
        ))
        .bind(competition_id)
        .bind(SUBMITTED)
        .fetch(self.reader())
        .map_err(StoreError::from)
        .map_ok(|row| GradedResult {
            attempt_id: row.id,
            individual: IndividualResult {
                participant_id: row.participant_id,
                name: row.name,
                company: row.company_name,
                credit_code: row.credit_code,
                score: Points::from_hundredths(u32::try_from(row.score).unwrap_or(0)),
                duration_ms: row.duration_ms,
                submitted_at: row.submitted_at,
            },
            phone: row.phone,
            subdistrict: row.subdistrict,
            tab_switches: row.tab_switches,
        })
    }

    /// Each participant's best graded attempt's stored responses, in ranking order, streamed.
    pub fn ranked_responses(
        &self,
        competition_id: i64,
    ) -> impl Stream<Item = Result<RankedResponses, StoreError>> + Send + '_ {
        sqlx::query_as::<_, (Option<String>, i64)>(best_attempts!(
            "best.responses, COUNT(*) OVER () AS ranked",
            ""
        ))
        .bind(competition_id)
        .bind(SUBMITTED)
        .fetch(self.reader())
        .map_err(StoreError::from)
        .map_ok(|(responses, ranked)| RankedResponses {
            ranked: u64::try_from(ranked).unwrap_or(0),
            responses,
        })
    }

    /// For each company (by credit code) with a graded participant in the competition, the
    /// name and subdistrict its first registered participant typed: what the exports call a
    /// company that is not on the roster.
    pub fn first_registered_companies(
        &self,
        competition_id: i64,
    ) -> impl Stream<Item = Result<(String, String, String), StoreError>> + Send + '_ {
        sqlx::query_as::<_, (String, String, String)>(
            "SELECT p.credit_code, p.company_name, p.subdistrict FROM participants p \
             JOIN (SELECT q.credit_code AS code, MIN(q.id) AS first_id \
                   FROM participants q JOIN attempts a ON a.participant_id = q.id \
                   WHERE a.competition_id = $1 AND a.status = $2 \
                   GROUP BY q.credit_code) firsts ON firsts.first_id = p.id",
        )
        .bind(competition_id)
        .bind(SUBMITTED)
        .fetch(self.reader())
        .map_err(StoreError::from)
    }

    /// Fills `attempts.responses` for attempts graded before the column existed, from their
    /// issued questions and saved answers, a batch at a time. Idempotent; run when the store
    /// opens. Returns how many attempts it filled.
    pub(super) async fn fill_missing_responses(&self) -> Result<u64, StoreError> {
        const BATCH: usize = 200;
        let mut filled = 0;
        loop {
            let ids: Vec<(i64,)> = sqlx::query_as(&format!(
                "SELECT id FROM attempts WHERE status = $1 AND responses IS NULL ORDER BY id LIMIT {BATCH}"
            ))
            .bind(SUBMITTED)
            .fetch_all(self.reader())
            .await?;
            if ids.is_empty() {
                return Ok(filled);
            }
            let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT aq.attempt_id, aq.question_id, aq.version, aq.option_order, ans.choice \
                 FROM attempt_questions aq \
                 LEFT JOIN answers ans ON ans.attempt_id = aq.attempt_id AND ans.no = aq.no \
                 WHERE aq.attempt_id IN ({}) ORDER BY aq.attempt_id, aq.no",
                placeholders.join(", ")
            );
            let mut query = sqlx::query_as::<_, IssuedResponseRow>(&sql);
            for (id,) in &ids {
                query = query.bind(id);
            }
            let issued = query.fetch_all(self.reader()).await?;
            let mut texts: BTreeMap<i64, String> =
                ids.iter().map(|&(id,)| (id, String::new())).collect();
            for row in issued {
                let order = order_from_text(&row.option_order)?;
                let shown =
                    Choice::from_bits(row.choice.and_then(|b| u8::try_from(b).ok()).unwrap_or(0));
                let in_bank_order = if order.is_empty() {
                    shown
                } else {
                    question_bank::shown_to_original(&order, shown)
                };
                if let Some(text) = texts.get_mut(&row.attempt_id) {
                    push_response(
                        text,
                        QuestionRef {
                            id: row.question_id,
                            version: row.version,
                        },
                        in_bank_order,
                    );
                }
            }
            self.write(async |tx| {
                for (id, text) in &texts {
                    sqlx::query(
                        "UPDATE attempts SET responses = $1 WHERE id = $2 AND responses IS NULL",
                    )
                    .bind(text)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                }
                Ok(())
            })
            .await?;
            filled += texts.len() as u64;
            if ids.len() < BATCH {
                return Ok(filled);
            }
        }
    }
}

/// `attempts.responses` for a paper's responses (in the bank's option order), question by
/// question in paper order: `"123.1:4;87.2:0;"` is question 123 version 1 answered with the
/// bank's option C, and question 87 version 2 left unanswered.
pub fn responses_text(responses: &[(QuestionRef, Choice)]) -> String {
    let mut text = String::with_capacity(responses.len() * 10);
    for &(question, response) in responses {
        push_response(&mut text, question, response);
    }
    text
}

fn push_response(text: &mut String, question: QuestionRef, response: Choice) {
    let _ = write!(
        text,
        "{}.{}:{};",
        question.id,
        question.version,
        response.bits()
    );
}

/// Calls `each` with every response of an `attempts.responses` text.
pub fn for_each_response(
    text: &str,
    mut each: impl FnMut(QuestionRef, Choice),
) -> Result<(), StoreError> {
    let corrupt = || StoreError::Corrupt(format!("attempt responses {text:?}"));
    for entry in text.split_terminator(';') {
        let (question, bits) = entry.split_once(':').ok_or_else(corrupt)?;
        let (id, version) = question.split_once('.').ok_or_else(corrupt)?;
        each(
            QuestionRef {
                id: id.parse().map_err(|_| corrupt())?,
                version: version.parse().map_err(|_| corrupt())?,
            },
            Choice::from_bits(bits.parse().map_err(|_| corrupt())?),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_read_back_as_they_were_written() {
        let responses = [
            (
                QuestionRef {
                    id: 123,
                    version: 1,
                },
                Choice::only(2),
            ),
            (QuestionRef { id: 87, version: 2 }, Choice::EMPTY),
            (QuestionRef { id: 5, version: 1 }, Choice::from_bits(0b1011)),
        ];
        let text = responses_text(&responses);
        assert_eq!(text, "123.1:4;87.2:0;5.1:11;");
        let mut read = Vec::new();
        for_each_response(&text, |q, c| read.push((q, c))).unwrap();
        assert_eq!(read, responses);
        for_each_response("", |_, _| panic!("no responses")).unwrap();
    }

    #[test]
    fn a_damaged_responses_text_is_refused() {
        for text in ["123.1;", "123:4;", "x.1:4;", "1.1:999;"] {
            assert!(
                for_each_response(text, |_, _| {}).is_err(),
                "{text:?} should be refused"
            );
        }
    }
}
