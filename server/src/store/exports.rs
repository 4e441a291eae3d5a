//! The reads behind the bureau's exports: every graded attempt with the participant's
//! details, and the issued questions of graded attempts with their saved responses, streamed
//! row by row so an item analysis over 100,000 papers never holds them all.

use futures_util::TryStreamExt;
use question_bank::{Choice, Points};

use super::attempts::{SUBMITTED, order_from_text};
use super::bank::QuestionRef;
use super::{Store, StoreError};
use crate::export::figures::GradedResult;
use crate::rules::IndividualResult;

type GradedRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    i64,
);

/// One issued question of a graded attempt, with the response saved for it.
#[derive(Clone, Debug)]
pub struct IssuedQuestion<'o> {
    pub attempt_id: i64,
    pub question: QuestionRef,
    /// `option_order[shown] = bank option`.
    pub option_order: &'o [u8],
    /// In the participant's option order; empty when never answered.
    pub response: Choice,
}

impl Store {
    /// Every graded attempt of the competition (several per participant when attempts are
    /// allowed; the exports keep each participant's best).
    pub async fn graded_results(
        &self,
        competition_id: i64,
    ) -> Result<Vec<GradedResult>, StoreError> {
        let rows: Vec<GradedRow> = sqlx::query_as(
            "SELECT a.id, a.participant_id, p.name, p.phone, p.company_name, p.credit_code, p.subdistrict, \
                    a.score, a.duration_ms, a.submitted_at, a.tab_switches \
             FROM attempts a JOIN participants p ON p.id = a.participant_id \
             WHERE a.competition_id = $1 AND a.status = $2",
        )
        .bind(competition_id)
        .bind(SUBMITTED)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    attempt_id,
                    participant_id,
                    name,
                    phone,
                    company,
                    credit_code,
                    subdistrict,
                    score,
                    duration_ms,
                    submitted_at,
                    tab_switches,
                )| GradedResult {
                    attempt_id,
                    individual: IndividualResult {
                        participant_id,
                        name,
                        company,
                        credit_code,
                        score: Points::from_hundredths(u32::try_from(score).unwrap_or(0)),
                        duration_ms,
                        submitted_at,
                    },
                    phone,
                    subdistrict,
                    tab_switches,
                },
            )
            .collect())
    }

    /// The question versions the graded attempts of the competition were issued.
    pub async fn issued_versions(
        &self,
        competition_id: i64,
    ) -> Result<Vec<QuestionRef>, StoreError> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT DISTINCT aq.question_id, aq.version \
             FROM attempt_questions aq JOIN attempts a ON a.id = aq.attempt_id \
             WHERE a.competition_id = $1 AND a.status = $2",
        )
        .bind(competition_id)
        .bind(SUBMITTED)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, version)| QuestionRef { id, version })
            .collect())
    }

    /// Calls `each` with every issued question of every graded attempt, streamed.
    pub async fn for_each_issued_question(
        &self,
        competition_id: i64,
        mut each: impl FnMut(IssuedQuestion<'_>),
    ) -> Result<(), StoreError> {
        let mut rows = sqlx::query_as::<_, (i64, i64, i64, String, Option<i64>)>(
            "SELECT aq.attempt_id, aq.question_id, aq.version, aq.option_order, ans.choice \
             FROM attempt_questions aq \
             JOIN attempts a ON a.id = aq.attempt_id \
             LEFT JOIN answers ans ON ans.attempt_id = aq.attempt_id AND ans.no = aq.no \
             WHERE a.competition_id = $1 AND a.status = $2",
        )
        .bind(competition_id)
        .bind(SUBMITTED)
        .fetch(self.reader());
        // Papers repeat a handful of option orders; parse each text once.
        let mut orders: std::collections::HashMap<String, Vec<u8>> = Default::default();
        while let Some((attempt_id, id, version, order_text, choice)) = rows.try_next().await? {
            if !orders.contains_key(&order_text) {
                let order = order_from_text(&order_text)?;
                orders.insert(order_text.clone(), order);
            }
            let option_order = &orders[&order_text];
            each(IssuedQuestion {
                attempt_id,
                question: QuestionRef { id, version },
                option_order,
                response: Choice::from_bits(choice.and_then(|b| u8::try_from(b).ok()).unwrap_or(0)),
            });
        }
        Ok(())
    }
}
