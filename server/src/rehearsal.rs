//! The server's side of `ecoquiz rehearse`: `Rehearsals::prepare` puts the rehearsal's
//! companies on the roster and opens a rehearsal competition whose paper the current bank can
//! fill; `Rehearsals::purge` removes every record a rehearsal made and nothing else.
//!
//! Rehearsal records are marked (`store::rehearsals`): a participant registered with a
//! rehearsal company may start only rehearsal competitions and a real participant none of
//! them (`exam`), so a rehearsal never reaches a real board; the contestants' list leaves
//! rehearsal competitions out (`competitions`), and the exports refuse them (`export`).

use question_bank::{Blueprint, Difficulty, Kind, Points};
use serde::Serialize;
use serde_json::json;

use crate::clock::Clock;
use crate::competitions::CompetitionView;
use crate::exam::china_time;
use crate::identity::with_check_character;
use crate::rules::CompanyScoreRule;
use crate::store::companies::Company;
use crate::store::competitions::NewCompetition;
use crate::store::rehearsals::RehearsalCounts;
use crate::store::{Store, StoreError};

/// How many rehearsal companies the contestants are spread over.
pub const REHEARSAL_COMPANIES: usize = 10;
/// The paper a rehearsal asks for, per kind (the demo's), fewer when the bank has fewer.
const WANTED_PER_KIND: [(Kind, &str, u32, u32); 3] = [
    (Kind::Single, "single", 20, 2),
    (Kind::Multiple, "multiple", 10, 3),
    (Kind::Judge, "judge", 10, 1),
];
/// The longest rehearsal window, in minutes.
pub const MAX_REHEARSAL_MINUTES: i64 = 24 * 60;
/// The longest attempt a competition allows (`competitions`' limit).
const MAX_DURATION_MINUTES: i64 = 600;

#[derive(Debug, thiserror::Error)]
pub enum RehearsalError {
    #[error("演练时长必须是 1 到 {MAX_REHEARSAL_MINUTES} 分钟")]
    InvalidMinutes,
    #[error("题库中还没有题目,无法组卷演练;请先导入题库再演练")]
    EmptyBank,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}

/// What `rehearse` needs to run: the competition to start and the companies to register with.
#[derive(Debug, Serialize)]
pub struct PreparedRehearsal {
    pub competition: CompetitionView,
    pub companies: Vec<Company>,
}

/// Preparing and purging rehearsals. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Rehearsals {
    store: Store,
    clock: Clock,
}

impl Rehearsals {
    pub fn new(store: Store, clock: Clock) -> Rehearsals {
        Rehearsals { store, clock }
    }

    /// The rehearsal's companies on the roster and a rehearsal competition open from now for
    /// `minutes`, its paper the demo's shape cut to what the bank holds.
    pub async fn prepare(&self, minutes: i64) -> Result<PreparedRehearsal, RehearsalError> {
        if !(1..=MAX_REHEARSAL_MINUTES).contains(&minutes) {
            return Err(RehearsalError::InvalidMinutes);
        }
        let now = self.clock.now();
        let companies = rehearsal_companies();
        self.store.add_rehearsal_companies(&companies, now).await?;
        let blueprint = self.blueprint_the_bank_fills().await?;
        let pass_score = Points::from_hundredths(blueprint.max_score().hundredths() * 60 / 100);
        let new = NewCompetition {
            title: format!("演练 {}", china_time(now)),
            opens_at: now,
            closes_at: now + minutes * 60_000,
            duration_minutes: minutes.min(MAX_DURATION_MINUTES),
            blueprint,
            max_attempts: 1,
            pass_score,
            company_score: CompanyScoreRule::default(),
            max_tab_switches: None,
            rehearsal: true,
        };
        let competition = self.store.create_competition(&new, now).await?;
        Ok(PreparedRehearsal {
            competition: CompetitionView::of(&competition, now),
            companies,
        })
    }

    /// Removes every rehearsal record; what it removed.
    pub async fn purge(&self) -> Result<RehearsalCounts, RehearsalError> {
        Ok(self.store.purge_rehearsals().await?)
    }

    async fn blueprint_the_bank_fills(&self) -> Result<Blueprint, RehearsalError> {
        let snapshot = self.store.load_bank().await?;
        let sections: Vec<_> = WANTED_PER_KIND
            .iter()
            .filter_map(|&(kind, name, wanted, points)| {
                let held: usize = Difficulty::ALL
                    .iter()
                    .map(|&d| snapshot.bank.count(kind, d))
                    .sum();
                let count = wanted.min(u32::try_from(held).unwrap_or(u32::MAX));
                (count > 0).then(|| json!({ "kind": name, "count": count, "points": points }))
            })
            .collect();
        if sections.is_empty() {
            return Err(RehearsalError::EmptyBank);
        }
        let json = json!({ "sections": sections, "shuffle_options": true });
        let blueprint = Blueprint::from_json(&json.to_string())
            .map_err(|e| RehearsalError::Internal(format!("the rehearsal blueprint: {e}")))?;
        snapshot
            .bank
            .check(&blueprint)
            .map_err(|e| RehearsalError::Internal(format!("the rehearsal blueprint: {e}")))?;
        Ok(blueprint)
    }
}

/// 演练企业01 … 演练企业10 in 演练街道. Their credit codes have the region 000000, which no
/// real company has, so a rehearsal never takes a real company's code.
pub fn rehearsal_companies() -> Vec<Company> {
    (1..=REHEARSAL_COMPANIES)
        .map(|i| Company {
            name: format!("演练企业{i:02}"),
            credit_code: with_check_character(&format!("91000000RH{i:07}")),
            subdistrict: "演练街道".to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::CreditCode;

    #[test]
    fn rehearsal_companies_have_valid_distinct_credit_codes() {
        let companies = rehearsal_companies();
        for company in &companies {
            assert!(
                CreditCode::parse(&company.credit_code).is_ok(),
                "{}",
                company.credit_code
            );
        }
        let mut codes: Vec<_> = companies.iter().map(|c| &c.credit_code).collect();
        codes.dedup();
        assert_eq!(codes.len(), REHEARSAL_COMPANIES);
    }
}
