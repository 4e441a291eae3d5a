//! Real questions written by other people: the CMMLU law subset in the bureau's format, from
//! `../shared/data/` beside the checkout. That folder is in CI but not in a user's clone; when
//! it is absent the test says loudly that it did not run.

use std::path::Path;

use question_bank::{Bank, Blueprint, DEFAULT_MAX_BYTES, Kind, assemble, read_bank};

#[test]
fn the_cmmlu_law_file_imports_all_1104_rows_and_papers_draw_from_it() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/cmmlu-law.csv");
    let Ok(file) = std::fs::File::open(&path) else {
        eprintln!(
            "SKIPPED: {} is absent (it exists in CI and beside developers' checkouts); \
             the third-party data test did not run",
            path.display()
        );
        return;
    };
    let report = read_bank(file, DEFAULT_MAX_BYTES).unwrap();
    assert!(
        report.is_valid(),
        "{:#?}",
        &report.errors[..report.errors.len().min(10)]
    );
    assert_eq!(report.questions.len(), 1_104);
    assert!(report.duplicates.is_empty());
    assert!(
        report
            .questions
            .iter()
            .all(|q| q.question.kind() == Kind::Single)
    );

    let bank = Bank::new(report.questions.into_iter().map(|q| q.question).collect());
    let blueprint = Blueprint::from_json(
        r#"{"sections":[{"kind":"single","count":50,"points":2}],
            "regulations":{"国际法":{"min":5},"商业伦理":{"min":5}}}"#,
    )
    .unwrap();
    let paper = assemble(&bank, &blueprint, 2026).unwrap();
    assert_eq!(paper.questions.len(), 50);
    let international = paper
        .questions
        .iter()
        .filter(|q| bank.question(q.bank_index).regulation() == "国际法")
        .count();
    assert!(international >= 5);
}
