//! Competitions as organizers create them and everyone lists them: a `CompetitionInput` (what
//! the console sends) is parsed once into the store's `NewCompetition` — every field checked,
//! every shortfall of the current bank against the blueprint named — and stored; a
//! `CompetitionView` is what the API shows. `Competitions` holds the store and the clock and
//! answers with `CompetitionError`; closing a competition grades attempts, so it is the
//! exam's (`exam::Exam::close_competition`).

use std::collections::BTreeMap;

use question_bank::{Blueprint, Points};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::{Clock, Millis, parse_rfc3339, rfc3339};
use crate::rules::{CompanyScoreInput, CompanyScoreRule, WindowState, window_state};
use crate::store::competitions::{Competition, NewCompetition};
use crate::store::{Store, StoreError};

/// Longest title, in characters.
const MAX_TITLE_CHARS: usize = 100;

/// What creating or checking a competition refuses.
#[derive(Debug, thiserror::Error)]
pub enum CompetitionError {
    /// Fields that are wrong (a blueprint's as `blueprint.<field>`), each with what to fix.
    #[error("{}", .0.values().cloned().collect::<Vec<_>>().join(";"))]
    Invalid(BTreeMap<String, String>),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The bank library failed in a way it never should.
    #[error("{0}")]
    Internal(String),
}

/// A competition as the console sends it.
#[derive(Debug, Deserialize)]
pub struct CompetitionInput {
    pub title: String,
    pub opens_at: String,
    pub closes_at: String,
    pub duration_minutes: i64,
    pub blueprint: Value,
    pub max_attempts: Option<i64>,
    pub pass_score: Option<f64>,
    pub company_score: Option<CompanyScoreInput>,
    /// Tab switches allowed before the attempt is submitted automatically; absent or null:
    /// no limit.
    pub max_tab_switches: Option<i64>,
}

/// What the console's live feasibility check shows.
#[derive(Debug, Serialize)]
pub struct BlueprintCheck {
    pub feasible: bool,
    pub question_count: Option<u32>,
    pub max_score: Option<Points>,
    pub problems: Vec<FieldProblem>,
}

#[derive(Debug, Serialize)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// A competition as the API shows it. Holds nothing secret: the blueprint says how many
/// questions of each kind, never which.
#[derive(Debug, Serialize)]
pub struct CompetitionView {
    pub id: i64,
    pub title: String,
    pub opens_at: String,
    pub closes_at: String,
    pub duration_minutes: i64,
    pub status: WindowState,
    pub question_count: u32,
    pub max_score: Points,
    pub pass_score: Points,
    pub max_attempts: i64,
    pub blueprint: Value,
    pub company_score: CompanyScoreRule,
    pub max_tab_switches: Option<i64>,
    /// Made by `ecoquiz rehearse` (the console marks it 演练; contestants never see it).
    pub rehearsal: bool,
}

impl CompetitionView {
    /// The view of `competition` at `now` (its status depends on the time).
    pub fn of(competition: &Competition, now: Millis) -> CompetitionView {
        CompetitionView {
            id: competition.id,
            title: competition.title.clone(),
            opens_at: rfc3339(competition.opens_at),
            closes_at: rfc3339(competition.closes_at),
            duration_minutes: competition.duration_minutes,
            status: window_state(now, competition.opens_at, competition.closes_at),
            question_count: competition.blueprint.question_count(),
            max_score: competition.max_score,
            pass_score: competition.pass_score,
            max_attempts: competition.max_attempts,
            blueprint: competition.blueprint.to_json(),
            company_score: competition.company_score,
            max_tab_switches: competition.max_tab_switches,
            rehearsal: competition.rehearsal,
        }
    }
}

/// Creating, checking and listing competitions. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Competitions {
    store: Store,
    clock: Clock,
}

impl Competitions {
    pub fn new(store: Store, clock: Clock) -> Competitions {
        Competitions { store, clock }
    }

    /// The competitions contestants see, the most recent window first: a rehearsal's are
    /// left out.
    pub async fn list(&self) -> Result<Vec<CompetitionView>, CompetitionError> {
        self.listed(|c| !c.rehearsal).await
    }

    /// Every competition, a rehearsal's included, for organizers.
    pub async fn list_all(&self) -> Result<Vec<CompetitionView>, CompetitionError> {
        self.listed(|_| true).await
    }

    async fn listed(
        &self,
        shown: impl Fn(&Competition) -> bool,
    ) -> Result<Vec<CompetitionView>, CompetitionError> {
        let now = self.clock.now();
        Ok(self
            .store
            .competitions()
            .await?
            .iter()
            .filter(|c| shown(c))
            .map(|c| CompetitionView::of(c, now))
            .collect())
    }

    /// The view of a stored competition, now.
    pub fn view(&self, competition: &Competition) -> CompetitionView {
        CompetitionView::of(competition, self.clock.now())
    }

    /// Creates a competition, or names every invalid field and every shortfall of the bank
    /// against the blueprint.
    pub async fn create(
        &self,
        input: &CompetitionInput,
    ) -> Result<CompetitionView, CompetitionError> {
        let checked = self.check(input).await?;
        let competition = self
            .store
            .create_competition(&checked, self.clock.now())
            .await?;
        Ok(self.view(&competition))
    }

    /// `input` parsed and checked against the current bank: a competition ready to store.
    pub async fn check(
        &self,
        input: &CompetitionInput,
    ) -> Result<NewCompetition, CompetitionError> {
        let mut problems: BTreeMap<String, String> = BTreeMap::new();
        let title = input.title.trim();
        if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
            problems.insert("title".into(), "请填写竞赛名称(不超过 100 个字)".into());
        }
        let opens_at = parse_rfc3339(&input.opens_at);
        let closes_at = parse_rfc3339(&input.closes_at);
        for (field, value) in [("opens_at", opens_at), ("closes_at", closes_at)] {
            if value.is_none() {
                problems.insert(
                    field.into(),
                    "时间格式应为 RFC 3339,例如 2026-06-05T09:00:00+08:00".into(),
                );
            }
        }
        if let (Some(opens), Some(closes)) = (opens_at, closes_at)
            && closes <= opens
        {
            problems.insert("closes_at".into(), "结束时间必须晚于开始时间".into());
        }
        if !(1..=600).contains(&input.duration_minutes) {
            problems.insert(
                "duration_minutes".into(),
                "答题时长必须是 1 到 600 分钟".into(),
            );
        }
        let max_attempts = input.max_attempts.unwrap_or(1);
        if !(1..=100).contains(&max_attempts) {
            problems.insert("max_attempts".into(), "每人作答次数必须是 1 到 100".into());
        }
        let company_score = match &input.company_score {
            None => CompanyScoreRule::default(),
            Some(rule) => CompanyScoreRule::parse(rule).unwrap_or_else(|(field, message)| {
                problems.insert(field.into(), message);
                CompanyScoreRule::default()
            }),
        };
        if input
            .max_tab_switches
            .is_some_and(|max| !(0..=100).contains(&max))
        {
            problems.insert(
                "max_tab_switches".into(),
                "允许切屏次数必须是 0 到 100 之间的整数;不限制请留空".into(),
            );
        }
        let blueprint = self
            .feasible_blueprint(&input.blueprint, &mut problems)
            .await?;
        let mut pass_score = Points::ZERO;
        if let Some(blueprint) = &blueprint {
            let max = blueprint.max_score();
            pass_score = match input.pass_score {
                None => Points::from_hundredths(max.hundredths() * 60 / 100),
                Some(score) => match Points::from_decimal(score).filter(|p| *p <= max) {
                    Some(points) => points,
                    None if score == 0.0 => Points::ZERO,
                    None => {
                        problems.insert(
                            "pass_score".into(),
                            format!("及格分必须在 0 到满分 {max} 之间"),
                        );
                        Points::ZERO
                    }
                },
            };
        }
        let (Some(blueprint), Some(opens_at), Some(closes_at), true) =
            (blueprint, opens_at, closes_at, problems.is_empty())
        else {
            return Err(CompetitionError::Invalid(problems));
        };
        Ok(NewCompetition {
            title: title.to_owned(),
            opens_at,
            closes_at,
            duration_minutes: input.duration_minutes,
            blueprint,
            max_attempts,
            pass_score,
            company_score,
            max_tab_switches: input.max_tab_switches,
            rehearsal: false,
        })
    }

    /// The console's live check of a blueprint against the current bank: the same check
    /// creation makes, nothing created.
    pub async fn check_blueprint(&self, json: &Value) -> Result<BlueprintCheck, CompetitionError> {
        let mut problems = BTreeMap::new();
        let blueprint = self.feasible_blueprint(json, &mut problems).await?;
        Ok(BlueprintCheck {
            feasible: blueprint.is_some() && problems.is_empty(),
            question_count: blueprint.as_ref().map(Blueprint::question_count),
            max_score: blueprint.as_ref().map(Blueprint::max_score),
            problems: problems
                .into_iter()
                .map(|(field, message)| FieldProblem { field, message })
                .collect(),
        })
    }

    /// The blueprint if it is well-formed, with every problem of its form and every
    /// shortfall of the current bank against it added to `problems` (as
    /// `blueprint.<field>`).
    async fn feasible_blueprint(
        &self,
        json: &Value,
        problems: &mut BTreeMap<String, String>,
    ) -> Result<Option<Blueprint>, CompetitionError> {
        let blueprint = match Blueprint::from_json(&json.to_string()) {
            Ok(blueprint) => blueprint,
            Err(question_bank::Error::InvalidBlueprint(found)) => {
                for p in found {
                    problems.insert(format!("blueprint.{}", p.field), p.message);
                }
                return Ok(None);
            }
            Err(e) => return Err(CompetitionError::Internal(e.to_string())),
        };
        let snapshot = self.store.load_bank().await?;
        if let Err(question_bank::Error::Infeasible(shortfalls)) = snapshot.bank.check(&blueprint) {
            for p in shortfalls {
                problems.insert(format!("blueprint.{}", p.field), p.message);
            }
        }
        Ok(Some(blueprint))
    }
}
