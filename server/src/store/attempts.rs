//! Attempts: the paper each participant was issued, their autosaved answers, their grade.

use question_bank::Choice;

use super::bank::QuestionRef;
use super::{Store, StoreError};
use crate::clock::Millis;

pub const IN_PROGRESS: &str = "in_progress";
pub const SUBMITTED: &str = "submitted";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Attempt {
    pub id: i64,
    pub competition_id: i64,
    pub participant_id: i64,
    pub attempt_no: i64,
    pub seed: i64,
    pub started_at: i64,
    pub deadline: i64,
    pub status: String,
    pub submitted_at: Option<i64>,
    pub score: Option<i64>,
    pub max_score: i64,
    pub correct_count: Option<i64>,
    pub duration_ms: Option<i64>,
    /// 切屏: how often the exam page was hidden or lost focus.
    pub tab_switches: i64,
}

impl Attempt {
    pub fn is_submitted(&self) -> bool {
        self.status == SUBMITTED
    }
}

/// One numbered question of an issued paper.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaperEntry {
    pub no: i64,
    pub question: QuestionRef,
    pub points: i64,
    pub partial_credit: bool,
    /// `option_order[shown] = bank option`.
    pub option_order: Vec<u8>,
}

/// A new attempt and its paper.
#[derive(Debug)]
pub struct NewAttempt {
    pub competition_id: i64,
    pub participant_id: i64,
    pub attempt_no: i64,
    pub seed: i64,
    pub started_at: Millis,
    pub deadline: Millis,
    pub max_score: i64,
    pub paper: Vec<PaperEntry>,
}

/// One autosaved answer on its way to the store.
#[derive(Clone, Copy, Debug)]
pub struct AnswerToSave {
    pub attempt_id: i64,
    pub no: i64,
    /// In the participant's option order.
    pub choice: Choice,
    pub saved_at: Millis,
}

/// The grade written when an attempt is submitted.
#[derive(Clone, Debug)]
pub struct FinalGrade {
    pub score: i64,
    pub correct_count: i64,
    pub submitted_at: Millis,
    pub duration_ms: i64,
    /// Every question of the paper, in paper order, with the response in the bank's option
    /// order (empty when unanswered): what the item-analysis export counts.
    pub responses: Vec<(QuestionRef, Choice)>,
}

/// A graded attempt with the participant's public details, for rankings.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct GradedAttempt {
    pub participant_id: i64,
    pub name: String,
    pub company_name: String,
    pub credit_code: String,
    pub score: i64,
    pub duration_ms: i64,
    pub submitted_at: i64,
}

const ATTEMPT_COLUMNS: &str = "id, competition_id, participant_id, attempt_no, seed, started_at, deadline, \
     status, submitted_at, score, max_score, correct_count, duration_ms, tab_switches";

/// Stored `(no, choice bits)` rows as choices.
fn choices(rows: Vec<(i64, i64)>) -> Vec<(i64, Choice)> {
    rows.into_iter()
        .map(|(no, bits)| (no, Choice::from_bits(u8::try_from(bits).unwrap_or(0))))
        .collect()
}

/// One question of an issued paper as stored.
#[derive(sqlx::FromRow)]
struct IssuedQuestionRow {
    no: i64,
    question_id: i64,
    version: i64,
    points: i64,
    partial_credit: i64,
    option_order: String,
}

fn order_text(order: &[u8]) -> String {
    order
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

pub(super) fn order_from_text(text: &str) -> Result<Vec<u8>, StoreError> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|n| {
            n.parse()
                .map_err(|_| StoreError::Corrupt(format!("option order {text:?}")))
        })
        .collect()
}

/// Locks the attempt's row for the transaction (a no-op UPDATE: PostgreSQL keeps the row
/// lock until commit; SQLite's single writer serializes anyway) if it is still in progress.
/// Autosaves and grading both start with it, so they never interleave on one attempt.
async fn lock_if_in_progress(
    tx: &mut sqlx::AnyConnection,
    attempt_id: i64,
) -> Result<bool, StoreError> {
    let locked = sqlx::query("UPDATE attempts SET status = $1 WHERE id = $2 AND status = $3")
        .bind(IN_PROGRESS)
        .bind(attempt_id)
        .bind(IN_PROGRESS)
        .execute(&mut *tx)
        .await?;
    Ok(locked.rows_affected() > 0)
}

impl Store {
    /// Inserts the attempt and its paper in one transaction. A second attempt with the same
    /// number (two taps on "start") is a unique violation.
    /// Creates the attempts and their papers in one transaction (a group commit of starts).
    /// `None` for an attempt whose number the participant already has: a concurrent start
    /// created it (a double tap), and nothing of this one is stored.
    pub async fn create_attempts(
        &self,
        news: &[&NewAttempt],
    ) -> Result<Vec<Option<Attempt>>, StoreError> {
        self.write(async |tx| {
            let mut created = Vec::with_capacity(news.len());
            for new in news {
                let attempt: Option<Attempt> = sqlx::query_as(&format!(
                    "INSERT INTO attempts (competition_id, participant_id, attempt_no, seed, started_at, deadline, status, max_score) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (competition_id, participant_id, attempt_no) DO NOTHING \
                     RETURNING {ATTEMPT_COLUMNS}"
                ))
                .bind(new.competition_id)
                .bind(new.participant_id)
                .bind(new.attempt_no)
                .bind(new.seed)
                .bind(new.started_at)
                .bind(new.deadline)
                .bind(IN_PROGRESS)
                .bind(new.max_score)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(attempt) = &attempt {
                    insert_paper(tx, attempt.id, &new.paper).await?;
                }
                created.push(attempt);
            }
            Ok(created)
        })
        .await
    }

    pub async fn attempt(&self, id: i64) -> Result<Option<Attempt>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.reader())
        .await?)
    }

    /// A participant's attempts at a competition, first to last.
    pub async fn attempts_of(
        &self,
        competition_id: i64,
        participant_id: i64,
    ) -> Result<Vec<Attempt>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE competition_id = $1 AND participant_id = $2 ORDER BY attempt_no"
        ))
        .bind(competition_id)
        .bind(participant_id)
        .fetch_all(self.reader())
        .await?)
    }

    /// Every attempt of a participant, newest first (what their page lists).
    pub async fn participant_attempts(
        &self,
        participant_id: i64,
    ) -> Result<Vec<Attempt>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE participant_id = $1 ORDER BY started_at DESC, id DESC"
        ))
        .bind(participant_id)
        .fetch_all(self.reader())
        .await?)
    }

    /// Counts one switch away from the exam page; `None` once the attempt is submitted.
    pub async fn record_tab_switch(&self, attempt_id: i64) -> Result<Option<i64>, StoreError> {
        let counted: Option<(i64,)> = self
            .write(async |tx| {
                Ok(sqlx::query_as(
                    "UPDATE attempts SET tab_switches = tab_switches + 1 WHERE id = $1 AND status = $2 \
                     RETURNING tab_switches",
                )
                .bind(attempt_id)
                .bind(IN_PROGRESS)
                .fetch_optional(&mut *tx)
                .await?)
            })
            .await?;
        Ok(counted.map(|(count,)| count))
    }

    /// The paper an attempt was issued, in question order.
    pub async fn paper(&self, attempt_id: i64) -> Result<Vec<PaperEntry>, StoreError> {
        let rows: Vec<IssuedQuestionRow> = sqlx::query_as(
            "SELECT no, question_id, version, points, partial_credit, option_order FROM attempt_questions \
             WHERE attempt_id = $1 ORDER BY no",
        )
        .bind(attempt_id)
        .fetch_all(self.reader())
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(PaperEntry {
                    no: row.no,
                    question: QuestionRef {
                        id: row.question_id,
                        version: row.version,
                    },
                    points: row.points,
                    partial_credit: row.partial_credit != 0,
                    option_order: order_from_text(&row.option_order)?,
                })
            })
            .collect()
    }

    /// The saved answers: question number → choice (participant's option order).
    pub async fn answers(&self, attempt_id: i64) -> Result<Vec<(i64, Choice)>, StoreError> {
        let rows: Vec<(i64, i64)> =
            sqlx::query_as("SELECT no, choice FROM answers WHERE attempt_id = $1 ORDER BY no")
                .bind(attempt_id)
                .fetch_all(self.reader())
                .await?;
        Ok(choices(rows))
    }

    /// Saves (or replaces) a batch of answers in one transaction, for attempts still in
    /// progress; returns, per answer, whether it was saved (false: that attempt was already
    /// submitted, and nothing of it was written).
    ///
    /// The UPDATE locks the attempts' rows (PostgreSQL) for the transaction, so saves and the
    /// grading of an attempt never interleave: either the save commits first and the grading
    /// sees it, or the grading commits first and the save is refused. SQLite's single writer
    /// serializes them anyway.
    pub async fn save_answers(&self, answers: &[AnswerToSave]) -> Result<Vec<bool>, StoreError> {
        if answers.is_empty() {
            return Ok(Vec::new());
        }
        let mut ids: Vec<i64> = answers.iter().map(|a| a.attempt_id).collect();
        ids.sort_unstable();
        ids.dedup();
        self.write(async |tx| {
        let placeholders: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 3)).collect();
        let lock_sql = format!(
            "UPDATE attempts SET status = $1 WHERE status = $2 AND id IN ({}) RETURNING id",
            placeholders.join(", ")
        );
        let mut lock = sqlx::query_as::<_, (i64,)>(&lock_sql)
            .bind(IN_PROGRESS)
            .bind(IN_PROGRESS);
        for id in &ids {
            lock = lock.bind(*id);
        }
        let open: std::collections::HashSet<i64> = lock
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|(id,)| id)
            .collect();
        // The last answer to a question wins; PostgreSQL refuses to upsert one row twice in
        // a statement, so earlier ones in the batch are left out.
        let mut latest: std::collections::HashMap<(i64, i64), &AnswerToSave> =
            std::collections::HashMap::new();
        for answer in answers.iter().filter(|a| open.contains(&a.attempt_id)) {
            latest.insert((answer.attempt_id, answer.no), answer);
        }
        let rows: Vec<&AnswerToSave> = latest.into_values().collect();
        for chunk in rows.chunks(200) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| {
                    format!(
                        "(${}, ${}, ${}, ${})",
                        4 * i + 1,
                        4 * i + 2,
                        4 * i + 3,
                        4 * i + 4
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO answers (attempt_id, no, choice, saved_at) VALUES {} \
                 ON CONFLICT (attempt_id, no) DO UPDATE SET choice = excluded.choice, saved_at = excluded.saved_at",
                values.join(", ")
            );
            let mut insert = sqlx::query(&sql);
            for answer in chunk {
                insert = insert
                    .bind(answer.attempt_id)
                    .bind(answer.no)
                    .bind(i64::from(answer.choice.bits()))
                    .bind(answer.saved_at);
            }
            insert.execute(&mut *tx).await?;
        }
        Ok(answers
            .iter()
            .map(|a| open.contains(&a.attempt_id))
            .collect())
        })
        .await
    }

    /// Grades an attempt in one transaction: locks it while in progress, reads its saved
    /// answers, lets `grade` compute the result from them, and records it. Returns false when
    /// another request or process graded it first. No autosave can slip between the read and
    /// the record (see `save_answer`).
    pub async fn finish_attempt(
        &self,
        attempt_id: i64,
        grade: impl FnOnce(&[(i64, Choice)]) -> FinalGrade,
    ) -> Result<bool, StoreError> {
        self.write(async |tx| {
        if !lock_if_in_progress(tx, attempt_id).await? {
            return Ok(false);
        }
        let rows: Vec<(i64, i64)> =
            sqlx::query_as("SELECT no, choice FROM answers WHERE attempt_id = $1 ORDER BY no")
                .bind(attempt_id)
                .fetch_all(&mut *tx)
                .await?;
        let answers = choices(rows);
        let grade = grade(&answers);
        sqlx::query(
            "UPDATE attempts SET status = $1, score = $2, correct_count = $3, submitted_at = $4, duration_ms = $5, \
                                 responses = $6 \
             WHERE id = $7",
        )
        .bind(SUBMITTED)
        .bind(grade.score)
        .bind(grade.correct_count)
        .bind(grade.submitted_at)
        .bind(grade.duration_ms)
        .bind(super::exports::responses_text(&grade.responses))
        .bind(attempt_id)
        .execute(&mut *tx)
        .await?;
        Ok(true)
        })
        .await
    }

    /// Attempts still in progress whose deadline was before `before`.
    pub async fn overdue_attempts(&self, before: Millis) -> Result<Vec<i64>, StoreError> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM attempts WHERE status = $1 AND deadline < $2 ORDER BY deadline",
        )
        .bind(IN_PROGRESS)
        .bind(before)
        .fetch_all(self.reader())
        .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Attempts of a competition still in progress.
    pub async fn open_attempts(&self, competition_id: i64) -> Result<Vec<i64>, StoreError> {
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT id FROM attempts WHERE competition_id = $1 AND status = $2")
                .bind(competition_id)
                .bind(IN_PROGRESS)
                .fetch_all(self.reader())
                .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Every graded attempt of a competition with its participant.
    pub async fn graded_attempts(
        &self,
        competition_id: i64,
    ) -> Result<Vec<GradedAttempt>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT a.participant_id, p.name, p.company_name, p.credit_code, a.score, a.duration_ms, a.submitted_at \
             FROM attempts a JOIN participants p ON p.id = a.participant_id \
             WHERE a.competition_id = $1 AND a.status = $2",
        )
        .bind(competition_id)
        .bind(SUBMITTED)
        .fetch_all(self.reader())
        .await?)
    }

    /// How many participants started and how many submitted at least once.
    pub async fn attempt_counts(&self, competition_id: i64) -> Result<(i64, i64), StoreError> {
        let (started,): (i64,) = sqlx::query_as(
            "SELECT COUNT(DISTINCT participant_id) FROM attempts WHERE competition_id = $1",
        )
        .bind(competition_id)
        .fetch_one(self.reader())
        .await?;
        let (submitted,): (i64,) = sqlx::query_as(
            "SELECT COUNT(DISTINCT participant_id) FROM attempts WHERE competition_id = $1 AND status = $2",
        )
        .bind(competition_id)
        .bind(SUBMITTED)
        .fetch_one(self.reader())
        .await?;
        Ok((started, submitted))
    }
}

impl Store {
    /// The kind and option count of every question of an attempt's paper, in order: what
    /// checking a response needs, without loading the questions.
    pub async fn paper_shapes(
        &self,
        attempt_id: i64,
    ) -> Result<Vec<(question_bank::Kind, usize)>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT v.kind, v.options FROM attempt_questions aq JOIN question_versions v \
             ON v.question_id = aq.question_id AND v.version = aq.version \
             WHERE aq.attempt_id = $1 ORDER BY aq.no",
        )
        .bind(attempt_id)
        .fetch_all(self.reader())
        .await?;
        rows.into_iter()
            .map(|(kind, options)| {
                let kind = question_bank::Kind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt("kind".into()))?;
                let options: Vec<String> = super::from_json(&options, "question options")?;
                let count = match kind {
                    question_bank::Kind::Judge => 2,
                    _ => options.len(),
                };
                Ok((kind, count))
            })
            .collect()
    }
}

impl Store {
    /// Participants who started at least one attempt at the competition.
    pub async fn started_participants(&self, competition_id: i64) -> Result<Vec<i64>, StoreError> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT DISTINCT participant_id FROM attempts WHERE competition_id = $1",
        )
        .bind(competition_id)
        .fetch_all(self.reader())
        .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }
}

/// An attempt whose page was hidden or lost focus, for the organizers' monitor.
#[derive(Clone, Debug, serde::Serialize, sqlx::FromRow)]
pub struct TabSwitchAlert {
    pub attempt_id: i64,
    pub name: String,
    pub company: String,
    pub tab_switches: i64,
    pub status: String,
}

impl Store {
    /// Attempts in progress right now.
    pub async fn attempts_in_progress(&self, competition_id: i64) -> Result<i64, StoreError> {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM attempts WHERE competition_id = $1 AND status = $2",
        )
        .bind(competition_id)
        .bind(IN_PROGRESS)
        .fetch_one(self.reader())
        .await?;
        Ok(count)
    }

    /// Attempts with at least one tab switch, most switches first (at most `limit`).
    pub async fn tab_switch_alerts(
        &self,
        competition_id: i64,
        limit: i64,
    ) -> Result<Vec<TabSwitchAlert>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT a.id AS attempt_id, p.name, p.company_name AS company, a.tab_switches, a.status \
             FROM attempts a JOIN participants p ON p.id = a.participant_id \
             WHERE a.competition_id = $1 AND a.tab_switches > 0 \
             ORDER BY a.tab_switches DESC, a.id LIMIT $2",
        )
        .bind(competition_id)
        .bind(limit)
        .fetch_all(self.reader())
        .await?)
    }
}

/// The issued questions of attempt `attempt_id`, 100 rows a statement.
async fn insert_paper(
    tx: &mut sqlx::AnyConnection,
    attempt_id: i64,
    paper: &[PaperEntry],
) -> Result<(), StoreError> {
    for chunk in paper.chunks(100) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = 7 * i;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO attempt_questions (attempt_id, no, question_id, version, points, partial_credit, option_order) VALUES {}",
            rows.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for entry in chunk {
            query = query
                .bind(attempt_id)
                .bind(entry.no)
                .bind(entry.question.id)
                .bind(entry.question.version)
                .bind(entry.points)
                .bind(i64::from(entry.partial_credit))
                .bind(order_text(&entry.option_order));
        }
        query.execute(&mut *tx).await?;
    }
    Ok(())
}
