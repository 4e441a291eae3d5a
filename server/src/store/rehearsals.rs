//! What `ecoquiz rehearse` makes, marked `rehearsal = 1` (migration 0006): its companies on
//! the roster (for its registrations only), its participants, its competitions and their
//! attempts; and the purge that removes exactly those records.

use serde::{Deserialize, Serialize};

use super::{Ending, Store, StoreError};
use crate::clock::Millis;
use crate::store::companies::Company;

/// What a purge removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RehearsalCounts {
    pub competitions: u64,
    pub participants: u64,
    pub attempts: u64,
    pub companies: u64,
}

impl RehearsalCounts {
    /// What was removed, as the command line says it.
    pub fn sentence(&self) -> String {
        format!(
            "已删除全部演练数据:竞赛 {} 场,考生 {} 名,答卷 {} 份,演练企业 {} 家;正式数据未动。",
            self.competitions, self.participants, self.attempts, self.companies
        )
    }
}

/// Attempts of a rehearsal: of a rehearsal competition or by a rehearsal participant (the
/// start refuses mixing them, so the two sets are the same; both are named to be sure).
const REHEARSAL_ATTEMPTS: &str = "SELECT id FROM attempts \
     WHERE competition_id IN (SELECT id FROM competitions WHERE rehearsal = 1) \
        OR participant_id IN (SELECT id FROM participants WHERE rehearsal = 1)";

impl Store {
    /// Puts the rehearsal's companies on the roster (marked, so no export, count or roster
    /// list sees them); a company already there is left as it is.
    pub async fn add_rehearsal_companies(
        &self,
        companies: &[Company],
        now: Millis,
    ) -> Result<(), StoreError> {
        self.write(async |tx| {
            for company in companies {
                sqlx::query(
                    "INSERT INTO companies (credit_code, name, subdistrict, created_at, updated_at, rehearsal) \
                     VALUES ($1, $2, $3, $4, $4, 1) ON CONFLICT (credit_code) DO NOTHING",
                )
                .bind(&company.credit_code)
                .bind(&company.name)
                .bind(&company.subdistrict)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            Ok(())
        })
        .await
    }

    /// Removes every record a rehearsal made, in one transaction, and nothing else.
    pub async fn purge_rehearsals(&self) -> Result<RehearsalCounts, StoreError> {
        self.write_bulk(Ending::Commit, async |tx| {
            for table in ["answers", "attempt_questions"] {
                sqlx::query(&format!(
                    "DELETE FROM {table} WHERE attempt_id IN ({REHEARSAL_ATTEMPTS})"
                ))
                .execute(&mut *tx)
                .await?;
            }
            let attempts = sqlx::query(&format!(
                "DELETE FROM attempts WHERE id IN ({REHEARSAL_ATTEMPTS})"
            ))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let mut marked = [0; 3];
            for (count, table) in
                marked
                    .iter_mut()
                    .zip(["participants", "competitions", "companies"])
            {
                *count = sqlx::query(&format!("DELETE FROM {table} WHERE rehearsal = 1"))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            let [participants, competitions, companies] = marked;
            Ok(RehearsalCounts {
                competitions,
                participants,
                attempts,
                companies,
            })
        })
        .await
    }
}
