//! `serve --demo`: the sample bank and a competition open for the next 30 days, so a
//! newcomer sees a working site at once. Running it again adds nothing twice.

use question_bank::{Blueprint, SAMPLE_BANK_CSV, parse_bank};

use crate::clock::Clock;
use crate::rules::CompanyScoreRule;
use crate::store::Store;
use crate::store::competitions::NewCompetition;

pub const DEMO_TITLE: &str = "六五环境日企业环保知识竞赛(演示)";
const DEMO_DAYS: i64 = 30;

/// The blueprint of the demo: the example of docs/QUESTION-BANK.md and the README.
const DEMO_BLUEPRINT: &str = r#"{ "sections": [
    { "kind": "single",   "count": 20, "points": 2 },
    { "kind": "multiple", "count": 10, "points": 3, "partial_credit": true },
    { "kind": "judge",    "count": 10, "points": 1 } ],
  "regulations": { "排污许可管理条例": { "min": 3 } },
  "difficulty":  { "easy": 0.3, "medium": 0.5, "hard": 0.2 },
  "shuffle_options": true }"#;

pub async fn seed(store: &Store, clock: &Clock) -> Result<(), String> {
    let report = parse_bank(SAMPLE_BANK_CSV).map_err(|e| e.to_string())?;
    if !report.is_valid() {
        return Err(format!("the sample bank has errors: {:?}", report.errors));
    }
    let questions: Vec<_> = report.questions.into_iter().map(|q| q.question).collect();
    let now = clock.now();
    store
        .import_questions(&questions, false, now)
        .await
        .map_err(|e| e.to_string())?;

    let competitions = store.competitions().await.map_err(|e| e.to_string())?;
    if competitions
        .iter()
        .any(|c| c.title == DEMO_TITLE && c.closes_at > now)
    {
        return Ok(());
    }
    let blueprint = Blueprint::from_json(DEMO_BLUEPRINT).map_err(|e| e.to_string())?;
    let pass_score =
        question_bank::Points::from_hundredths(blueprint.max_score().hundredths() * 60 / 100);
    let new = NewCompetition {
        title: DEMO_TITLE.to_owned(),
        opens_at: now,
        closes_at: now + DEMO_DAYS * 24 * 3600 * 1000,
        duration_minutes: 30,
        blueprint,
        max_attempts: 1,
        pass_score,
        company_score: CompanyScoreRule::default(),
        max_tab_switches: None,
        rehearsal: false,
    };
    let snapshot = store.load_bank().await.map_err(|e| e.to_string())?;
    snapshot
        .bank
        .check(&new.blueprint)
        .map_err(|e| e.to_string())?;
    store
        .create_competition(&new, now)
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}
