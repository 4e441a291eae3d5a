//! The bureau's two uploads — the question bank and the enterprise roster — on one path: one
//! size limit, one rule (a file with any bad row imports nothing; a dry run does the whole
//! import and rolls it back, so its counts are exact), one report (`ImportReport`, the same
//! over HTTP and in the CLI), one argument order (`(file, dry_run)`). `Imports` holds the
//! store and the clock; the files are read by `question_bank` (the bank) and `roster`.

use question_bank::RowError;
use serde::Serialize;

use crate::clock::Clock;
use crate::roster::{RosterCompany, parse_roster};
use crate::store::{Store, StoreError};

/// The largest question or roster file accepted, over HTTP and on the command line.
pub const UPLOAD_LIMIT_BYTES: usize = 20 * 1024 * 1024;

/// What an import did, or (in a dry run) would do; refused with every bad row in `errors`,
/// and then nothing was stored.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Rows new to the store.
    pub imported: u64,
    /// Rows already stored whose content changed (a question gets a new version).
    pub updated: u64,
    /// Rows already stored exactly as the file says.
    pub unchanged: u64,
    /// Questions skipped because the bank or the file already has them (0 for a roster).
    pub duplicates: u64,
    pub dry_run: bool,
    pub errors: Vec<RowError>,
}

impl ImportReport {
    /// A refused file: nothing stored.
    fn refused(errors: Vec<RowError>, duplicates: u64, dry_run: bool) -> ImportReport {
        ImportReport {
            duplicates,
            dry_run,
            errors,
            ..ImportReport::default()
        }
    }

    /// A file that cannot be read at all (not a table, an unknown encoding): one error on
    /// its first line.
    fn unreadable(error: &question_bank::Error, dry_run: bool) -> ImportReport {
        ImportReport::refused(
            vec![RowError {
                line: 1,
                column: None,
                message: error.to_string(),
            }],
            0,
            dry_run,
        )
    }

    pub fn is_refused(&self) -> bool {
        !self.errors.is_empty()
    }
}

/// Imports the bureau's files. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Imports {
    store: Store,
    clock: Clock,
}

impl Imports {
    pub fn new(store: Store, clock: Clock) -> Imports {
        Imports { store, clock }
    }

    /// The question bank CSV, all or nothing.
    pub async fn questions(&self, file: &[u8], dry_run: bool) -> Result<ImportReport, StoreError> {
        match question_bank::parse_bank(file) {
            Ok(parsed) => self.parsed_questions(parsed, dry_run).await,
            Err(e) => Ok(ImportReport::unreadable(&e, dry_run)),
        }
    }

    /// A question file already read and checked (the CLI prints its check report first).
    pub async fn parsed_questions(
        &self,
        parsed: question_bank::ImportReport,
        dry_run: bool,
    ) -> Result<ImportReport, StoreError> {
        let file_duplicates = parsed.duplicates.len() as u64;
        if !parsed.is_valid() {
            return Ok(ImportReport::refused(
                parsed.errors,
                file_duplicates,
                dry_run,
            ));
        }
        let questions: Vec<_> = parsed.questions.into_iter().map(|q| q.question).collect();
        let counts = self
            .store
            .import_questions(&questions, dry_run, self.clock.now())
            .await?;
        Ok(ImportReport {
            imported: counts.imported,
            updated: counts.updated,
            unchanged: counts.unchanged,
            duplicates: counts.duplicates + file_duplicates,
            dry_run,
            errors: Vec::new(),
        })
    }

    /// The enterprise roster CSV (企业名录), all or nothing; companies already on the roster
    /// are updated by credit code, and none is removed.
    pub async fn roster(&self, file: &[u8], dry_run: bool) -> Result<ImportReport, StoreError> {
        let parsed = match parse_roster(file) {
            Ok(parsed) => parsed,
            Err(e) => return Ok(ImportReport::unreadable(&e, dry_run)),
        };
        if !parsed.is_valid() {
            return Ok(ImportReport::refused(parsed.errors, 0, dry_run));
        }
        let companies: Vec<RosterCompany> = parsed.companies.into_iter().map(|(_, c)| c).collect();
        let counts = self
            .store
            .import_roster(&companies, dry_run, self.clock.now())
            .await?;
        if !dry_run {
            tracing::info!(
                imported = counts.imported,
                updated = counts.updated,
                "roster imported"
            );
        }
        Ok(ImportReport {
            imported: counts.imported,
            updated: counts.updated,
            unchanged: counts.unchanged,
            duplicates: 0,
            dry_run,
            errors: Vec::new(),
        })
    }
}
