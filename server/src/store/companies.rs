//! The enterprise roster (企业名录): imported all-or-nothing, updated by credit code.

use serde::{Deserialize, Serialize};

use super::{Ending, Store, StoreError};
use crate::clock::Millis;
use crate::roster::RosterCompany;

/// A company of the roster as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Company {
    pub name: String,
    pub credit_code: String,
    pub subdistrict: String,
}

/// What a roster import did (or, in a dry run, would do).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RosterCounts {
    /// Companies new to the roster.
    pub imported: u64,
    /// Companies already on it whose name or subdistrict changed.
    pub updated: u64,
    /// Companies already on it exactly as the file says.
    pub unchanged: u64,
}

impl Store {
    /// Adds or updates every company in one transaction; `dry_run` rolls it back, so the
    /// counts are what a real import would do. Companies the file does not list stay.
    pub async fn import_roster(
        &self,
        companies: &[RosterCompany],
        dry_run: bool,
        now: Millis,
    ) -> Result<RosterCounts, StoreError> {
        self.write_bulk(Ending::dry_run_if(dry_run), async |tx| {
        let mut counts = RosterCounts::default();
        for company in companies {
            let existing: Option<Company> = sqlx::query_as(
                "SELECT name, credit_code, subdistrict FROM companies WHERE credit_code = $1",
            )
            .bind(company.credit_code.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            match existing {
                None => {
                    sqlx::query(
                        "INSERT INTO companies (credit_code, name, subdistrict, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $4)",
                    )
                    .bind(company.credit_code.as_str())
                    .bind(&company.name)
                    .bind(&company.subdistrict)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    counts.imported += 1;
                }
                Some(stored)
                    if stored.name == company.name && stored.subdistrict == company.subdistrict =>
                {
                    counts.unchanged += 1;
                }
                Some(_) => {
                    sqlx::query(
                        "UPDATE companies SET name = $1, subdistrict = $2, updated_at = $3 \
                         WHERE credit_code = $4",
                    )
                    .bind(&company.name)
                    .bind(&company.subdistrict)
                    .bind(now)
                    .bind(company.credit_code.as_str())
                    .execute(&mut *tx)
                    .await?;
                    counts.updated += 1;
                }
            }
        }
        Ok(counts)
        })
        .await
    }

    /// The whole roster, by subdistrict then name (a rehearsal's companies are not on it).
    pub async fn roster(&self) -> Result<Vec<Company>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT name, credit_code, subdistrict FROM companies WHERE rehearsal = 0 \
             ORDER BY subdistrict, name, credit_code",
        )
        .fetch_all(self.reader())
        .await?)
    }

    /// How many companies the roster holds (0: no roster loaded).
    pub async fn roster_size(&self) -> Result<i64, StoreError> {
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM companies WHERE rehearsal = 0")
            .fetch_one(self.reader())
            .await?;
        Ok(count)
    }

    pub async fn roster_company(&self, credit_code: &str) -> Result<Option<Company>, StoreError> {
        self.company_by_code(credit_code, false).await
    }

    /// A company `ecoquiz rehearse` put on the roster for its registrations.
    pub async fn rehearsal_company(
        &self,
        credit_code: &str,
    ) -> Result<Option<Company>, StoreError> {
        self.company_by_code(credit_code, true).await
    }

    async fn company_by_code(
        &self,
        credit_code: &str,
        rehearsal: bool,
    ) -> Result<Option<Company>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT name, credit_code, subdistrict FROM companies \
             WHERE credit_code = $1 AND rehearsal = $2",
        )
        .bind(credit_code)
        .bind(i64::from(rehearsal))
        .fetch_optional(self.reader())
        .await?)
    }
}
