//! Competitions: their window, blueprint and scoring rules.

use question_bank::{Blueprint, Points};

use super::{Store, StoreError, from_json};
use crate::clock::Millis;
use crate::rules::{CompanyScoreInput, CompanyScoreRule};

#[derive(Clone, Debug)]
pub struct Competition {
    pub id: i64,
    pub title: String,
    pub opens_at: Millis,
    /// When the window closes: the planned close, or the moment an organizer closed it.
    pub closes_at: Millis,
    pub duration_minutes: i64,
    pub blueprint: Blueprint,
    pub max_attempts: i64,
    pub pass_score: Points,
    pub max_score: Points,
    pub company_score: CompanyScoreRule,
    pub closed_early_at: Option<Millis>,
    /// 切屏: switches away from the exam page allowed; one more submits the attempt.
    /// `None`: no limit (switches are still counted).
    pub max_tab_switches: Option<i64>,
    /// Made by `ecoquiz rehearse`: only rehearsal participants may start it, and it is never
    /// listed to contestants nor exported.
    pub rehearsal: bool,
}

/// A competition to create, already validated.
#[derive(Debug)]
pub struct NewCompetition {
    pub title: String,
    pub opens_at: Millis,
    pub closes_at: Millis,
    pub duration_minutes: i64,
    pub blueprint: Blueprint,
    pub max_attempts: i64,
    pub pass_score: Points,
    pub company_score: CompanyScoreRule,
    pub max_tab_switches: Option<i64>,
    pub rehearsal: bool,
}

/// A competition as stored (`COLUMNS`), before its JSON columns are read.
#[derive(sqlx::FromRow)]
struct CompetitionRow {
    id: i64,
    title: String,
    opens_at: i64,
    closes_at: i64,
    duration_minutes: i64,
    blueprint: String,
    max_attempts: i64,
    pass_score: i64,
    max_score: i64,
    company_score: String,
    closed_at: Option<i64>,
    max_tab_switches: Option<i64>,
    rehearsal: i64,
}

const COLUMNS: &str = "id, title, opens_at, closes_at, duration_minutes, blueprint, max_attempts, \
     pass_score, max_score, company_score, closed_at, max_tab_switches, rehearsal";

fn from_row(row: CompetitionRow) -> Result<Competition, StoreError> {
    let id = row.id;
    let blueprint = Blueprint::from_json(&row.blueprint)
        .map_err(|e| StoreError::Corrupt(format!("competition {id} blueprint: {e}")))?;
    let company_score: CompanyScoreInput = from_json(&row.company_score, "company score rule")?;
    let company_score = CompanyScoreRule::parse(&company_score)
        .map_err(|(_, e)| StoreError::Corrupt(format!("competition {id} company score: {e}")))?;
    let points = |p: i64| Points::from_hundredths(u32::try_from(p).unwrap_or(0));
    Ok(Competition {
        id,
        title: row.title,
        opens_at: row.opens_at,
        closes_at: row.closes_at,
        duration_minutes: row.duration_minutes,
        blueprint,
        max_attempts: row.max_attempts,
        pass_score: points(row.pass_score),
        max_score: points(row.max_score),
        company_score,
        closed_early_at: row.closed_at,
        max_tab_switches: row.max_tab_switches,
        rehearsal: row.rehearsal != 0,
    })
}

impl Store {
    pub async fn create_competition(
        &self,
        new: &NewCompetition,
        now: Millis,
    ) -> Result<Competition, StoreError> {
        let row: CompetitionRow = self
            .write(async |tx| {
                Ok(sqlx::query_as(&format!(
            "INSERT INTO competitions (title, opens_at, closes_at, duration_minutes, blueprint, max_attempts, \
             pass_score, max_score, company_score, created_at, max_tab_switches, rehearsal) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             RETURNING {COLUMNS}"
        ))
        .bind(&new.title)
        .bind(new.opens_at)
        .bind(new.closes_at)
        .bind(new.duration_minutes)
        .bind(new.blueprint.to_json().to_string())
        .bind(new.max_attempts)
        .bind(i64::from(new.pass_score.hundredths()))
        .bind(i64::from(new.blueprint.max_score().hundredths()))
        .bind(serde_json::to_string(&new.company_score).expect("the rule serializes"))
        .bind(now)
        .bind(new.max_tab_switches)
        .bind(i64::from(new.rehearsal))
        .fetch_one(&mut *tx)
        .await?)
            })
            .await?;
        from_row(row)
    }

    pub async fn competition(&self, id: i64) -> Result<Option<Competition>, StoreError> {
        let row: Option<CompetitionRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM competitions WHERE id = $1"))
                .bind(id)
                .fetch_optional(self.reader())
                .await?;
        row.map(from_row).transpose()
    }

    /// Every competition, the most recent window first.
    pub async fn competitions(&self) -> Result<Vec<Competition>, StoreError> {
        let rows: Vec<CompetitionRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM competitions ORDER BY opens_at DESC, id DESC"
        ))
        .fetch_all(self.reader())
        .await?;
        rows.into_iter().map(from_row).collect()
    }

    /// Ends the window at `now` (if it has not ended already).
    pub async fn close_competition(&self, id: i64, now: Millis) -> Result<(), StoreError> {
        self.write(async |tx| {
            sqlx::query(
                // Closed before it opened: the window becomes empty rather than inverted.
                "UPDATE competitions SET closed_at = $1, closes_at = $2, \
             opens_at = CASE WHEN opens_at > $3 THEN $4 ELSE opens_at END \
             WHERE id = $5 AND closes_at > $6",
            )
            .bind(now)
            .bind(now)
            .bind(now)
            .bind(now)
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            Ok(())
        })
        .await
    }
}
