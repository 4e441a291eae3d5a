//! Organizer and participant accounts.

use serde::Serialize;

use super::{Store, StoreError};
use crate::clock::Millis;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Organizer {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Participant {
    pub id: i64,
    pub name: String,
    pub phone: String,
    #[serde(skip)]
    pub password_hash: String,
    pub company_name: String,
    pub credit_code: String,
    pub subdistrict: String,
    /// 1: registered by `ecoquiz rehearse` with a rehearsal company (see `store::rehearsals`).
    #[serde(skip)]
    pub rehearsal: i64,
}

/// A registration, already validated.
#[derive(Debug)]
pub struct NewParticipant<'a> {
    pub name: &'a str,
    pub phone: &'a str,
    pub password_hash: &'a str,
    pub company_name: &'a str,
    pub credit_code: &'a str,
    pub subdistrict: &'a str,
    /// Registered with a rehearsal company.
    pub rehearsal: bool,
}

const PARTICIPANT_COLUMNS: &str =
    "id, name, phone, password_hash, company_name, credit_code, subdistrict, rehearsal";

impl Store {
    pub async fn organizer_count(&self) -> Result<i64, StoreError> {
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM organizers")
            .fetch_one(self.reader())
            .await?;
        Ok(count)
    }

    /// Adds an organizer; a taken username is a unique violation.
    pub async fn create_organizer(
        &self,
        username: &str,
        password_hash: &str,
        now: Millis,
    ) -> Result<i64, StoreError> {
        self.write(async |tx| {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO organizers (username, password_hash, created_at) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(username)
            .bind(password_hash)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            Ok(id)
        })
        .await
    }

    pub async fn organizer_by_username(
        &self,
        username: &str,
    ) -> Result<Option<Organizer>, StoreError> {
        Ok(
            sqlx::query_as(
                "SELECT id, username, password_hash FROM organizers WHERE username = $1",
            )
            .bind(username)
            .fetch_optional(self.reader())
            .await?,
        )
    }

    pub async fn organizer_exists(&self, id: i64) -> Result<bool, StoreError> {
        let found: Option<(i64,)> = sqlx::query_as("SELECT id FROM organizers WHERE id = $1")
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        Ok(found.is_some())
    }

    /// Registers a participant; a reused phone is a unique violation.
    pub async fn create_participant(
        &self,
        new: &NewParticipant<'_>,
        now: Millis,
    ) -> Result<Participant, StoreError> {
        self.write(async |tx| {
            Ok(sqlx::query_as(&format!(
                "INSERT INTO participants (name, phone, password_hash, company_name, credit_code, subdistrict, created_at, rehearsal) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {PARTICIPANT_COLUMNS}"
            ))
            .bind(new.name)
            .bind(new.phone)
            .bind(new.password_hash)
            .bind(new.company_name)
            .bind(new.credit_code)
            .bind(new.subdistrict)
            .bind(now)
            .bind(i64::from(new.rehearsal))
            .fetch_one(&mut *tx)
            .await?)
        })
        .await
    }

    pub async fn participant_by_phone(
        &self,
        phone: &str,
    ) -> Result<Option<Participant>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {PARTICIPANT_COLUMNS} FROM participants WHERE phone = $1"
        ))
        .bind(phone)
        .fetch_optional(self.reader())
        .await?)
    }

    pub async fn participant(&self, id: i64) -> Result<Option<Participant>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {PARTICIPANT_COLUMNS} FROM participants WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.reader())
        .await?)
    }

    /// Registered participants, a rehearsal's left out.
    pub async fn participant_count(&self) -> Result<i64, StoreError> {
        let (count,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM participants WHERE rehearsal = 0")
                .fetch_one(self.reader())
                .await?;
        Ok(count)
    }
}

impl Store {
    /// The named secret, created from `generate` by the first process that asks; every later
    /// caller (in any process) gets the same value.
    pub async fn shared_secret(
        &self,
        name: &str,
        generate: impl FnOnce() -> String,
    ) -> Result<String, StoreError> {
        let candidate = generate();
        self.write(async |tx| {
            sqlx::query(
                "INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(&candidate)
            .execute(&mut *tx)
            .await?;
            let (value,): (String,) =
                sqlx::query_as("SELECT value FROM server_secrets WHERE name = $1")
                    .bind(name)
                    .fetch_one(&mut *tx)
                    .await?;
            Ok(value)
        })
        .await
    }
}
