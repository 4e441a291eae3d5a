//! The question bank: versioned questions, imports, listing, coverage, snapshots for assembly.

use std::collections::HashMap;

use question_bank::{Bank, Choice, Difficulty, Kind, Question, QuestionFields};
use sqlx::Row;

use super::{Ending, Store, StoreError, from_json};
use crate::clock::Millis;

/// A question version as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct QuestionRef {
    pub id: i64,
    pub version: i64,
}

/// The current bank, indexed for assembly, with the store identity of each bank position.
#[derive(Debug)]
pub struct BankSnapshot {
    pub generation: i64,
    pub bank: Bank,
    /// `refs[i]` is the stored version of `bank.question(i)`.
    pub refs: Vec<QuestionRef>,
}

/// What an import did (or, in a dry run, would do).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportCounts {
    /// New questions.
    pub imported: u64,
    /// Questions whose 编号 existed and whose content changed: a new version each.
    pub updated: u64,
    /// Questions whose 编号 existed with the same content.
    pub unchanged: u64,
    /// Questions without 编号 whose kind and stem are already in the bank: skipped.
    pub duplicates: u64,
}

/// A stored question with its identity, as organizers browse it.
#[derive(Clone, Debug)]
pub struct StoredQuestion {
    pub reference: QuestionRef,
    pub question: Question,
}

/// Filters for the organizers' question list.
#[derive(Clone, Debug, Default)]
pub struct QuestionFilter {
    pub regulation: Option<String>,
    pub kind: Option<Kind>,
    pub difficulty: Option<Difficulty>,
    /// A piece of the stem.
    pub text: Option<String>,
    /// 1-based.
    pub page: u32,
    pub page_size: u32,
}

const VERSION_COLUMNS: &str = "q.id AS question_id, v.version, q.external_id, v.kind, v.stem, v.options, \
     v.answer, v.regulation, v.article, v.difficulty, v.explanation, v.tags";

fn duplicate_key(question: &Question) -> String {
    let (kind, stem) = question.duplicate_key();
    format!("{}:{stem}", kind.as_str())
}

fn question_from_row(row: &sqlx::any::AnyRow) -> Result<StoredQuestion, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(what.to_owned());
    let kind: String = row.try_get("kind")?;
    let difficulty: String = row.try_get("difficulty")?;
    let answer: i64 = row.try_get("answer")?;
    let fields = QuestionFields {
        external_id: row.try_get("external_id")?,
        kind: Some(Kind::parse(&kind).ok_or_else(|| corrupt("question kind"))?),
        stem: row.try_get("stem")?,
        options: from_json(&row.try_get::<String, _>("options")?, "question options")?,
        answer: Choice::from_bits(u8::try_from(answer).map_err(|_| corrupt("answer bits"))?),
        regulation: row.try_get("regulation")?,
        article: row.try_get("article")?,
        difficulty: Difficulty::parse(&difficulty).ok_or_else(|| corrupt("difficulty"))?,
        explanation: row.try_get("explanation")?,
        tags: from_json(&row.try_get::<String, _>("tags")?, "question tags")?,
    };
    let question = Question::new(fields)
        .map_err(|problems| corrupt(&format!("stored question: {problems:?}")))?;
    Ok(StoredQuestion {
        reference: QuestionRef {
            id: row.try_get("question_id")?,
            version: row.try_get("version")?,
        },
        question,
    })
}

async fn insert_version(
    tx: &mut sqlx::AnyConnection,
    question_id: i64,
    version: i64,
    q: &Question,
    now: Millis,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO question_versions (question_id, version, kind, stem, options, answer, regulation, \
         article, difficulty, explanation, tags, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(question_id)
    .bind(version)
    .bind(q.kind().as_str())
    .bind(q.stem())
    .bind(serde_json::to_string(q.options()).expect("strings serialize"))
    .bind(i64::from(q.answer().bits()))
    .bind(q.regulation())
    .bind(q.article())
    .bind(q.difficulty().as_str())
    .bind(q.explanation())
    .bind(serde_json::to_string(q.tags()).expect("strings serialize"))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

impl Store {
    /// Grows with every import that changes the bank.
    pub async fn bank_generation(&self) -> Result<i64, StoreError> {
        let (generation,): (i64,) =
            sqlx::query_as("SELECT generation FROM bank_state WHERE id = 1")
                .fetch_one(self.reader())
                .await?;
        Ok(generation)
    }

    /// The current version of every question, in id order (so a snapshot is reproducible).
    pub async fn load_bank(&self) -> Result<BankSnapshot, StoreError> {
        let (generation, rows) = self
            .read_consistently(async |tx| {
                let (generation,): (i64,) =
                    sqlx::query_as("SELECT generation FROM bank_state WHERE id = 1")
                        .fetch_one(&mut *tx)
                        .await?;
                let rows = sqlx::query(&format!(
                    "SELECT {VERSION_COLUMNS} FROM questions q \
                     JOIN question_versions v ON v.question_id = q.id AND v.version = q.current_version \
                     ORDER BY q.id"
                ))
                .fetch_all(&mut *tx)
                .await?;
                Ok((generation, rows))
            })
            .await?;
        let mut refs = Vec::with_capacity(rows.len());
        let mut questions = Vec::with_capacity(rows.len());
        for row in &rows {
            let stored = question_from_row(row)?;
            refs.push(stored.reference);
            questions.push(stored.question);
        }
        Ok(BankSnapshot {
            generation,
            bank: Bank::new(questions),
            refs,
        })
    }

    /// Imports checked questions in one transaction. With `dry_run` the same work is done and
    /// rolled back, so the counts are exactly what a real import would report.
    pub async fn import_questions(
        &self,
        questions: &[Question],
        dry_run: bool,
        now: Millis,
    ) -> Result<ImportCounts, StoreError> {
        self.write_bulk(Ending::dry_run_if(dry_run), async |tx| {
        // Imports run one at a time, across every process sharing the database: this no-op
        // update locks the bank's row until the transaction ends (PostgreSQL), and takes the
        // write lock (SQLite). A double-clicked import then sees the first one's questions.
        sqlx::query("UPDATE bank_state SET generation = generation WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        let mut counts = ImportCounts::default();
        for q in questions {
            let key = duplicate_key(q);
            if let Some(external_id) = q.external_id() {
                let existing: Option<(i64, i64)> = sqlx::query_as(
                    "SELECT id, current_version FROM questions WHERE external_id = $1",
                )
                .bind(external_id)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some((id, version)) = existing {
                    let row = sqlx::query(&format!(
                        "SELECT {VERSION_COLUMNS} FROM questions q JOIN question_versions v \
                         ON v.question_id = q.id AND v.version = $1 WHERE q.id = $2"
                    ))
                    .bind(version)
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                    if question_from_row(&row)?.question == *q {
                        counts.unchanged += 1;
                        continue;
                    }
                    insert_version(tx, id, version + 1, q, now).await?;
                    sqlx::query(
                        "UPDATE questions SET current_version = $1, duplicate_key = $2, updated_at = $3 WHERE id = $4",
                    )
                    .bind(version + 1)
                    .bind(&key)
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    counts.updated += 1;
                    continue;
                }
            } else {
                let duplicate: Option<(i64,)> =
                    sqlx::query_as("SELECT id FROM questions WHERE duplicate_key = $1 LIMIT 1")
                        .bind(&key)
                        .fetch_optional(&mut *tx)
                        .await?;
                if duplicate.is_some() {
                    counts.duplicates += 1;
                    continue;
                }
            }
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO questions (external_id, current_version, duplicate_key, created_at, updated_at) \
                 VALUES ($1, 1, $2, $3, $4) RETURNING id",
            )
            .bind(q.external_id())
            .bind(&key)
            .bind(now)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            insert_version(tx, id, 1, q, now).await?;
            counts.imported += 1;
        }
        if counts.imported + counts.updated > 0 {
            sqlx::query("UPDATE bank_state SET generation = generation + 1 WHERE id = 1")
                .execute(&mut *tx)
                .await?;
        }
        Ok(counts)
        })
        .await
    }

    /// One page of current questions matching the filter, and how many match in all.
    pub async fn list_questions(
        &self,
        filter: &QuestionFilter,
    ) -> Result<(i64, Vec<StoredQuestion>), StoreError> {
        let mut conditions: Vec<String> = Vec::new();
        let mut values: Vec<String> = Vec::new();
        let mut add = |condition: &str, value: String| {
            values.push(value);
            conditions.push(condition.replace('?', &format!("${}", values.len())));
        };
        if let Some(regulation) = &filter.regulation {
            add(
                "v.regulation = ?",
                question_bank::text::normalize_regulation(regulation),
            );
        }
        if let Some(kind) = filter.kind {
            add("v.kind = ?", kind.as_str().to_owned());
        }
        if let Some(difficulty) = filter.difficulty {
            add("v.difficulty = ?", difficulty.as_str().to_owned());
        }
        if let Some(text) = filter.text.as_ref().filter(|t| !t.trim().is_empty()) {
            let escaped = text
                .trim()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            // ASCII case is ignored on both backends (SQLite's LIKE already does; PostgreSQL's
            // does not), so "ph" finds "pH值" everywhere.
            add(
                "LOWER(v.stem) LIKE ? ESCAPE '\\'",
                format!("%{}%", escaped.to_ascii_lowercase()),
            );
        }
        let filter_sql = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let from = format!(
            "FROM questions q JOIN question_versions v ON v.question_id = q.id AND v.version = q.current_version {filter_sql}"
        );
        let count_sql = format!("SELECT COUNT(*) {from}");
        let mut count = sqlx::query_as::<_, (i64,)>(&count_sql);
        for value in &values {
            count = count.bind(value);
        }
        let (total,) = count.fetch_one(self.reader()).await?;
        let page_size = i64::from(filter.page_size.max(1));
        let offset = i64::from(filter.page.max(1) - 1) * page_size;
        let page_sql = format!(
            "SELECT {VERSION_COLUMNS} {from} ORDER BY q.id LIMIT {page_size} OFFSET {offset}"
        );
        let mut page = sqlx::query(&page_sql);
        for value in &values {
            page = page.bind(value);
        }
        let rows = page.fetch_all(self.reader()).await?;
        let items = rows
            .iter()
            .map(question_from_row)
            .collect::<Result<_, _>>()?;
        Ok((total, items))
    }

    /// How many current questions each regulation has per kind and difficulty.
    pub async fn coverage(&self) -> Result<Vec<(String, Kind, Difficulty, i64)>, StoreError> {
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT v.regulation, v.kind, v.difficulty, COUNT(*) FROM questions q \
             JOIN question_versions v ON v.question_id = q.id AND v.version = q.current_version \
             GROUP BY v.regulation, v.kind, v.difficulty ORDER BY v.regulation",
        )
        .fetch_all(self.reader())
        .await?;
        rows.into_iter()
            .map(|(regulation, kind, difficulty, count)| {
                let kind = Kind::parse(&kind).ok_or_else(|| StoreError::Corrupt("kind".into()))?;
                let difficulty = Difficulty::parse(&difficulty)
                    .ok_or_else(|| StoreError::Corrupt("difficulty".into()))?;
                Ok((regulation, kind, difficulty, count))
            })
            .collect()
    }

    /// Specific versions, e.g. those an attempt was issued.
    pub async fn question_versions(
        &self,
        refs: &[QuestionRef],
    ) -> Result<HashMap<QuestionRef, Question>, StoreError> {
        let mut found = HashMap::with_capacity(refs.len());
        for chunk in refs.chunks(200) {
            let placeholders: Vec<String> = (0..chunk.len())
                .map(|i| {
                    format!(
                        "(v.question_id = ${} AND v.version = ${})",
                        2 * i + 1,
                        2 * i + 2
                    )
                })
                .collect();
            let sql = format!(
                "SELECT {VERSION_COLUMNS} FROM question_versions v JOIN questions q ON q.id = v.question_id WHERE {}",
                placeholders.join(" OR ")
            );
            let mut query = sqlx::query(&sql);
            for r in chunk {
                query = query.bind(r.id).bind(r.version);
            }
            for row in query.fetch_all(self.reader()).await? {
                let stored = question_from_row(&row)?;
                found.insert(stored.reference, stored.question);
            }
        }
        Ok(found)
    }
}
