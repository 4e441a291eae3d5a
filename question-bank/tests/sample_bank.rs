//! The sample bank in `samples/`: valid, broad enough for a real competition, and complete
//! (every question cites its article and explains its answer).

use std::collections::{BTreeMap, HashSet};

use question_bank::{Bank, Blueprint, Difficulty, Kind, SAMPLE_BANK_CSV, assemble, parse_bank};

#[test]
fn the_sample_bank_is_valid_and_covers_ten_regulations_every_kind_and_difficulty() {
    let report = parse_bank(SAMPLE_BANK_CSV).unwrap();
    assert!(report.is_valid(), "{:#?}", report.errors);
    assert!(report.duplicates.is_empty(), "{:?}", report.duplicates);
    let questions: Vec<_> = report.questions.iter().map(|q| &q.question).collect();
    assert!(questions.len() >= 150, "only {} questions", questions.len());

    let mut per_regulation: BTreeMap<&str, usize> = BTreeMap::new();
    for q in &questions {
        *per_regulation.entry(q.regulation()).or_default() += 1;
    }
    assert!(per_regulation.len() >= 10, "{per_regulation:?}");
    let kinds: HashSet<Kind> = questions.iter().map(|q| q.kind()).collect();
    assert_eq!(kinds.len(), 3);
    let difficulties: HashSet<Difficulty> = questions.iter().map(|q| q.difficulty()).collect();
    assert_eq!(difficulties.len(), 3);
}

#[test]
fn every_sample_question_has_an_id_an_article_and_an_explanation() {
    let report = parse_bank(SAMPLE_BANK_CSV).unwrap();
    let mut ids = HashSet::new();
    for imported in &report.questions {
        let q = &imported.question;
        let line = imported.line;
        assert!(
            ids.insert(q.external_id().expect("every sample has an id")),
            "line {line}"
        );
        let article = q
            .article()
            .unwrap_or_else(|| panic!("line {line} has no article"));
        assert!(
            article.starts_with('第') && article.contains('条'),
            "line {line}: {article}"
        );
        assert!(
            q.explanation().is_some_and(|e| e.chars().count() >= 10),
            "line {line}"
        );
        assert!(
            q.regulation().ends_with('法')
                || q.regulation().ends_with("条例")
                || q.regulation().ends_with("办法"),
            "line {line}: {}",
            q.regulation()
        );
    }
}

#[test]
fn the_documented_example_blueprint_can_be_drawn_from_the_sample_bank() {
    let report = parse_bank(SAMPLE_BANK_CSV).unwrap();
    let bank = Bank::new(report.questions.into_iter().map(|q| q.question).collect());
    let blueprint = Blueprint::from_json(
        r#"{ "sections": [
            { "kind": "single",   "count": 20, "points": 2 },
            { "kind": "multiple", "count": 10, "points": 3, "partial_credit": true },
            { "kind": "judge",    "count": 10, "points": 1 } ],
          "regulations": { "排污许可管理条例": { "min": 3 } },
          "difficulty":  { "easy": 0.3, "medium": 0.5, "hard": 0.2 } }"#,
    )
    .unwrap();
    bank.check(&blueprint).unwrap();
    for seed in 0..50 {
        assert_eq!(
            assemble(&bank, &blueprint, seed).unwrap().questions.len(),
            40
        );
    }
}
