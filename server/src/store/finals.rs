//! Live finals (docs/FINAL.md): the show document written with its revision compared, seats
//! and their join codes, the audience and its answers, the host's log.

use super::{Store, StoreError};
use crate::clock::Millis;

/// A final as stored: its show is JSON the service reads (`live_final::show::Show`).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StoredFinal {
    pub id: i64,
    pub title: String,
    pub code: String,
    pub created_at: i64,
    pub show: String,
    pub revision: i64,
}

/// A final to create.
#[derive(Debug)]
pub struct NewFinal<'a> {
    pub title: &'a str,
    pub code: &'a str,
    pub created_by: i64,
    pub show: &'a str,
    pub revision: i64,
    /// Seat number (from 1) → join code.
    pub join_codes: &'a [(i64, String)],
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StoredSeat {
    /// The row id, what a seat's token names.
    pub id: i64,
    pub final_id: i64,
    pub seat: i64,
    pub join_code: String,
    pub generation: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StoredAudienceMember {
    pub id: i64,
    pub final_id: i64,
    pub nickname: String,
    pub score: i64,
}

/// An audience answer to store.
#[derive(Clone, Debug)]
pub struct AudienceAnswer {
    pub audience_id: i64,
    pub final_id: i64,
    pub round_no: i64,
    pub question_no: i64,
    pub choice: i64,
    pub answered_at: Millis,
    pub points: i64,
}

/// Counts shown on every screen while a question is open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AudienceCounts {
    pub joined: i64,
    pub answered: i64,
}

/// Adds or takes back the points of a revealed question's audience answers.
#[derive(Clone, Copy, Debug)]
pub struct AudienceScoring {
    pub round_no: i64,
    pub question_no: i64,
    /// +1 at the reveal, −1 when the reveal is undone.
    pub sign: i64,
}

/// One line of the host's log.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LogLine {
    pub at: i64,
    pub organizer: Option<String>,
    pub action: String,
    pub effect: String,
}

/// A change of the show to store: written only if the stored revision is still `expected`.
#[derive(Debug)]
pub struct ShowChange<'a> {
    pub final_id: i64,
    pub show: &'a str,
    pub expected: i64,
    pub revision: i64,
    pub audience: Option<AudienceScoring>,
    /// `(organizer, action, effect)` for the host's log.
    pub log: Option<(Option<i64>, &'a str, &'a str)>,
    pub at: Millis,
}

const FINAL_COLUMNS: &str = "id, title, code, created_at, show, revision";

impl Store {
    /// Creates a final and its seats; `Ok(None)` when the audience code or a join code is
    /// taken (the caller draws new codes).
    pub async fn create_final(
        &self,
        new: &NewFinal<'_>,
        now: Millis,
    ) -> Result<Option<i64>, StoreError> {
        let created = self
            .write(async |tx| {
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO finals (title, code, created_by, created_at, show, revision) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(new.title)
                .bind(new.code)
                .bind(new.created_by)
                .bind(now)
                .bind(new.show)
                .bind(new.revision)
                .fetch_one(&mut *tx)
                .await?;
                for (seat, join_code) in new.join_codes {
                    sqlx::query(
                        "INSERT INTO final_seats (final_id, seat, join_code) VALUES ($1, $2, $3)",
                    )
                    .bind(id)
                    .bind(*seat)
                    .bind(join_code)
                    .execute(&mut *tx)
                    .await?;
                }
                Ok(id)
            })
            .await;
        match created {
            Ok(id) => Ok(Some(id)),
            Err(e) if e.is_unique_violation() => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn final_by_id(&self, id: i64) -> Result<Option<StoredFinal>, StoreError> {
        Ok(
            sqlx::query_as(&format!("SELECT {FINAL_COLUMNS} FROM finals WHERE id = $1"))
                .bind(id)
                .fetch_optional(self.reader())
                .await?,
        )
    }

    /// Every final, the newest first.
    pub async fn finals(&self) -> Result<Vec<StoredFinal>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {FINAL_COLUMNS} FROM finals ORDER BY id DESC"
        ))
        .fetch_all(self.reader())
        .await?)
    }

    /// Stores a change of the show if nobody stored another since it was read: `Ok(false)`
    /// when the revision moved (the caller reloads and tries again). The audience's points and
    /// the log line go in the same transaction.
    pub async fn save_show(&self, change: &ShowChange<'_>) -> Result<bool, StoreError> {
        self.write(async |tx| {
            let updated = sqlx::query(
                "UPDATE finals SET show = $1, revision = $2 WHERE id = $3 AND revision = $4",
            )
            .bind(change.show)
            .bind(change.revision)
            .bind(change.final_id)
            .bind(change.expected)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if updated == 0 {
                return Ok(false);
            }
            if let Some(scoring) = change.audience {
                sqlx::query(
                    "UPDATE final_audience SET score = score + $1 * (SELECT a.points \
                     FROM final_audience_answers a WHERE a.audience_id = final_audience.id \
                     AND a.round_no = $2 AND a.question_no = $3) \
                     WHERE final_id = $4 AND id IN (SELECT audience_id FROM final_audience_answers \
                     WHERE final_id = $5 AND round_no = $6 AND question_no = $7 AND points <> 0)",
                )
                .bind(scoring.sign)
                .bind(scoring.round_no)
                .bind(scoring.question_no)
                .bind(change.final_id)
                .bind(change.final_id)
                .bind(scoring.round_no)
                .bind(scoring.question_no)
                .execute(&mut *tx)
                .await?;
            }
            if let Some((organizer, action, effect)) = change.log {
                sqlx::query(
                    "INSERT INTO final_log (final_id, at, organizer_id, action, effect) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(change.final_id)
                .bind(change.at)
                .bind(organizer)
                .bind(action)
                .bind(effect)
                .execute(&mut *tx)
                .await?;
            }
            Ok(true)
        })
        .await
    }

    pub async fn final_seats(&self, final_id: i64) -> Result<Vec<StoredSeat>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, final_id, seat, join_code, generation FROM final_seats \
             WHERE final_id = $1 ORDER BY seat",
        )
        .bind(final_id)
        .fetch_all(self.reader())
        .await?)
    }

    pub async fn final_seat(&self, seat_id: i64) -> Result<Option<StoredSeat>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, final_id, seat, join_code, generation FROM final_seats WHERE id = $1",
        )
        .bind(seat_id)
        .fetch_optional(self.reader())
        .await?)
    }

    /// A device joins a seat: the seat's generation grows, so earlier devices' tokens stop
    /// working. `None` for an unknown code.
    pub async fn join_seat(&self, join_code: &str) -> Result<Option<StoredSeat>, StoreError> {
        self.write(async |tx| {
            Ok(sqlx::query_as(
                "UPDATE final_seats SET generation = generation + 1 WHERE join_code = $1 \
                 RETURNING id, final_id, seat, join_code, generation",
            )
            .bind(join_code)
            .fetch_optional(&mut *tx)
            .await?)
        })
        .await
    }

    /// The final whose audience code this is.
    pub async fn final_by_code(&self, code: &str) -> Result<Option<StoredFinal>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {FINAL_COLUMNS} FROM finals WHERE code = $1"
        ))
        .bind(code)
        .fetch_optional(self.reader())
        .await?)
    }

    pub async fn join_audience(
        &self,
        final_id: i64,
        nickname: &str,
        now: Millis,
    ) -> Result<i64, StoreError> {
        self.write(async |tx| {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO final_audience (final_id, nickname, joined_at) VALUES ($1, $2, $3) \
                 RETURNING id",
            )
            .bind(final_id)
            .bind(nickname)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            Ok(id)
        })
        .await
    }

    pub async fn audience_member(
        &self,
        id: i64,
    ) -> Result<Option<StoredAudienceMember>, StoreError> {
        Ok(
            sqlx::query_as(
                "SELECT id, final_id, nickname, score FROM final_audience WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(self.reader())
            .await?,
        )
    }

    /// Stores a batch of audience answers in one transaction; for each, whether it was new
    /// (`false`: that member had already answered the question).
    pub async fn save_audience_answers(
        &self,
        answers: &[AudienceAnswer],
    ) -> Result<Vec<bool>, StoreError> {
        self.write(async |tx| {
            let mut fresh = Vec::with_capacity(answers.len());
            for a in answers {
                let inserted = sqlx::query(
                    "INSERT INTO final_audience_answers (audience_id, final_id, round_no, \
                     question_no, choice, answered_at, points) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(a.audience_id)
                .bind(a.final_id)
                .bind(a.round_no)
                .bind(a.question_no)
                .bind(a.choice)
                .bind(a.answered_at)
                .bind(a.points)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                fresh.push(inserted == 1);
            }
            Ok(fresh)
        })
        .await
    }

    /// The choice an audience member sent for a question, if any.
    pub async fn audience_answer(
        &self,
        audience_id: i64,
        round_no: i64,
        question_no: i64,
    ) -> Result<Option<i64>, StoreError> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT choice FROM final_audience_answers WHERE audience_id = $1 AND round_no = $2 \
             AND question_no = $3",
        )
        .bind(audience_id)
        .bind(round_no)
        .bind(question_no)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.map(|(choice,)| choice))
    }

    /// How many joined, and how many answered the question (when one is current).
    pub async fn audience_counts(
        &self,
        final_id: i64,
        question: Option<(i64, i64)>,
    ) -> Result<AudienceCounts, StoreError> {
        let (joined,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM final_audience WHERE final_id = $1")
                .bind(final_id)
                .fetch_one(self.reader())
                .await?;
        let answered = match question {
            Some((round_no, question_no)) => {
                let (answered,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM final_audience_answers WHERE final_id = $1 \
                     AND round_no = $2 AND question_no = $3",
                )
                .bind(final_id)
                .bind(round_no)
                .bind(question_no)
                .fetch_one(self.reader())
                .await?;
                answered
            }
            None => 0,
        };
        Ok(AudienceCounts { joined, answered })
    }

    /// How many audience members chose each choice (option bits) on a question.
    pub async fn audience_choices(
        &self,
        final_id: i64,
        round_no: i64,
        question_no: i64,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT choice, COUNT(*) FROM final_audience_answers WHERE final_id = $1 \
             AND round_no = $2 AND question_no = $3 GROUP BY choice",
        )
        .bind(final_id)
        .bind(round_no)
        .bind(question_no)
        .fetch_all(self.reader())
        .await?)
    }

    /// The audience's best `limit` by score, ties by who joined first.
    pub async fn audience_top(
        &self,
        final_id: i64,
        limit: i64,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT nickname, score FROM final_audience WHERE final_id = $1 \
             ORDER BY score DESC, id LIMIT $2",
        )
        .bind(final_id)
        .bind(limit)
        .fetch_all(self.reader())
        .await?)
    }

    pub async fn final_log(&self, final_id: i64) -> Result<Vec<LogLine>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT l.at, o.username AS organizer, l.action, l.effect FROM final_log l \
             LEFT JOIN organizers o ON o.id = l.organizer_id WHERE l.final_id = $1 ORDER BY l.id",
        )
        .bind(final_id)
        .fetch_all(self.reader())
        .await?)
    }
}
