//! The bureau's exports (docs/EXPORTS.md): by company, by subdistrict, by participant and by
//! question, each as CSV or .xlsx, over HTTP and from the CLI.
//!
//! - `figures`: the numbers, exact and pure (ranking, company and subdistrict figures, item
//!   analysis with the discrimination index).
//! - `sheet`: how a typed cell is written in CSV and .xlsx (rounding, percentages, times,
//!   formula neutralization).
//! - here: which columns each export has, and `prepare`, which reads the store once and hands
//!   out the rows lazily, so a file is streamed (CSV) or built (.xlsx) from one copy of the data;
//!   the participants export is written while the store is still reading it.

pub mod figures;
pub mod sheet;

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use futures_util::TryStreamExt;

use question_bank::{Kind, Points};

use self::figures::{
    CompanyIdentity, CompanyRow, GradedResult, Group, ItemAnalysis, QuestionRow, Ranker,
    SubdistrictRow, company_identities, company_rows, subdistrict_rows,
};
use self::sheet::{Cell, Column, ColumnKind, Sheet, SheetError};
use crate::identity::Phone;
use crate::store::competitions::Competition;
use crate::store::exports::for_each_response;
use crate::store::{Store, StoreError};

/// Which export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    Companies,
    Subdistricts,
    Participants,
    Questions,
}

impl ExportKind {
    pub const ALL: [ExportKind; 4] = [
        ExportKind::Companies,
        ExportKind::Subdistricts,
        ExportKind::Participants,
        ExportKind::Questions,
    ];

    /// The name in the HTTP path (`companies`) and on the command line (`company`).
    pub fn path_name(self) -> &'static str {
        match self {
            ExportKind::Companies => "companies",
            ExportKind::Subdistricts => "subdistricts",
            ExportKind::Participants => "participants",
            ExportKind::Questions => "questions",
        }
    }

    pub fn cli_name(self) -> &'static str {
        match self {
            ExportKind::Companies => "company",
            ExportKind::Subdistricts => "subdistrict",
            ExportKind::Participants => "participant",
            ExportKind::Questions => "question",
        }
    }

    /// The worksheet's name and the file name's Chinese part.
    pub fn title(self) -> &'static str {
        match self {
            ExportKind::Companies => "企业成绩",
            ExportKind::Subdistricts => "街道参与情况",
            ExportKind::Participants => "个人成绩",
            ExportKind::Questions => "试题分析",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }

    pub fn parse(text: &str) -> Option<ExportFormat> {
        match text {
            "csv" => Some(ExportFormat::Csv),
            "xlsx" => Some(ExportFormat::Xlsx),
            _ => None,
        }
    }
}

/// `companies.csv` → (Companies, Csv): the last segment of the export's HTTP path.
pub fn parse_file_name(name: &str) -> Option<(ExportKind, ExportFormat)> {
    let (stem, extension) = name.rsplit_once('.')?;
    let kind = ExportKind::ALL
        .into_iter()
        .find(|k| k.path_name() == stem)?;
    Some((kind, ExportFormat::parse(extension)?))
}

/// The file name offered for download: the competition's title (without characters file
/// systems refuse) and what the export holds, e.g. `2026年六五知识竞赛-企业成绩.xlsx`.
pub fn download_name(competition: &Competition, kind: ExportKind, format: ExportFormat) -> String {
    let title: String = competition
        .title
        .chars()
        .filter(|c| !c.is_control() && !r#"/\:*?"<>|"#.contains(*c))
        .take(40)
        .collect();
    let title = title.trim();
    let title = if title.is_empty() {
        format!("竞赛{}", competition.id)
    } else {
        title.to_owned()
    };
    format!("{title}-{}.{}", kind.title(), format.extension())
}

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Sheet(#[from] SheetError),
    #[error("could not write the export: {0}")]
    Io(#[from] std::io::Error),
    /// The rows stopped arriving before the last one: the task reading them ended (a bug).
    #[error("the export's rows stopped before the end")]
    Interrupted,
    /// A rehearsal's competition (`ecoquiz rehearse`): its records are never exported.
    #[error("这是 ecoquiz rehearse 建立的演练竞赛,演练数据不计成绩、不导出;请选择正式竞赛导出")]
    Rehearsal,
}

type Rows = Box<dyn Iterator<Item = Vec<Cell<'static>>> + Send>;

/// Where a row source that stops early leaves its reason for the writer to report.
#[derive(Clone, Default)]
struct Failure(Arc<Mutex<Option<ExportError>>>);

impl Failure {
    fn set(&self, error: ExportError) {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        slot.get_or_insert(error);
    }

    fn check(&self) -> Result<(), ExportError> {
        match self.0.lock().unwrap_or_else(|e| e.into_inner()).take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

/// An export read from the store, ready to be written: its columns and its rows, produced
/// lazily, either from the one copy of the data the iterator owns or (participants) from the
/// store's ranking-order read as it arrives. Writing blocks: do it off the async threads.
pub struct Export {
    pub sheet: Sheet,
    rows: Rows,
    failure: Failure,
}

impl Export {
    fn new<T: Send + 'static>(
        sheet: Sheet,
        items: Vec<T>,
        row: impl FnMut(T) -> Vec<Cell<'static>> + Send + 'static,
    ) -> Export {
        Export {
            sheet,
            rows: Box::new(items.into_iter().map(row)),
            failure: Failure::default(),
        }
    }

    /// Writes the CSV to `out` in chunks of about 64 KiB as the rows come; returns how many
    /// rows it wrote. Blocking.
    pub fn write_csv(self, out: &mut impl Write) -> Result<usize, ExportError> {
        let mut written = 0;
        let rows = self.rows.inspect(|_| written += 1);
        for chunk in sheet::csv_chunks(self.sheet, rows, 64 * 1024) {
            out.write_all(&chunk)?;
        }
        self.failure.check()?;
        Ok(written)
    }

    /// The whole .xlsx file and how many rows it holds. CPU-bound and blocking.
    pub fn xlsx(self) -> Result<(Vec<u8>, usize), ExportError> {
        let mut written = 0;
        let rows = self.rows.inspect(|_| written += 1);
        let bytes = sheet::xlsx(&self.sheet, rows)?;
        self.failure.check()?;
        Ok((bytes, written))
    }
}

/// Reads what the export needs and prepares its rows. Must run inside the Tokio runtime: the
/// participants export keeps reading in a task of its own while the file is written.
pub async fn prepare(
    store: &Store,
    competition: &Competition,
    kind: ExportKind,
) -> Result<Export, ExportError> {
    if competition.rehearsal {
        return Err(ExportError::Rehearsal);
    }
    let id = competition.id;
    match kind {
        ExportKind::Participants => {
            let (identities, _) = identities(store, id).await?;
            Ok(participants_export(store.clone(), id, identities))
        }
        ExportKind::Companies | ExportKind::Subdistricts => {
            let results: Vec<GradedResult> = store.best_results(id).try_collect().await?;
            let (identities, roster_loaded) = identities(store, id).await?;
            let companies = company_rows(
                &results,
                &identities,
                competition.company_score,
                competition.pass_score,
            );
            drop(results);
            Ok(if kind == ExportKind::Companies {
                companies_export(companies)
            } else {
                subdistricts_export(subdistrict_rows(&companies, roster_loaded))
            })
        }
        ExportKind::Questions => {
            let mut analysis = ItemAnalysis::new();
            let mut responses = std::pin::pin!(store.ranked_responses(id));
            let mut position = 0;
            while let Some(row) = responses.try_next().await? {
                let group = Group::at(position, row.ranked);
                position += 1;
                if let Some(text) = &row.responses {
                    for_each_response(text, |question, response| {
                        analysis.add(group, question, response)
                    })?;
                }
            }
            let questions = store.question_versions(&analysis.questions()).await?;
            Ok(questions_export(analysis.rows(&questions)))
        }
    }
}

/// Every company's identity in the competition's exports, and whether a roster is loaded.
async fn identities(
    store: &Store,
    competition_id: i64,
) -> Result<(HashMap<String, CompanyIdentity>, bool), StoreError> {
    let roster = store.roster().await?;
    let firsts: Vec<_> = store
        .first_registered_companies(competition_id)
        .try_collect()
        .await?;
    Ok((company_identities(&roster, firsts), !roster.is_empty()))
}

fn column(header: &'static str, kind: ColumnKind, width: f64) -> Column {
    Column {
        header,
        kind,
        width,
    }
}

fn text(value: String) -> Cell<'static> {
    Cell::Text(Cow::Owned(value))
}

fn score(points: Points) -> Cell<'static> {
    Cell::Score(u64::from(points.hundredths()))
}

fn optional_score(hundredths: Option<u64>) -> Cell<'static> {
    hundredths.map_or(Cell::Empty, Cell::Score)
}

fn rate(numerator: u32, denominator: u32) -> Cell<'static> {
    if denominator == 0 {
        Cell::Empty
    } else {
        Cell::Percent {
            numerator: u64::from(numerator),
            denominator: u64::from(denominator),
        }
    }
}

fn integer(value: impl Into<i64>) -> Cell<'static> {
    Cell::Integer(value.into())
}

fn companies_export(companies: Vec<CompanyRow>) -> Export {
    let sheet = Sheet {
        name: ExportKind::Companies.title(),
        columns: vec![
            column("企业名称", ColumnKind::Text, 36.0),
            column("统一社会信用代码", ColumnKind::Text, 22.0),
            column("所属街道", ColumnKind::Text, 14.0),
            column("参赛人数", ColumnKind::Integer, 10.0),
            column("平均分", ColumnKind::Score, 10.0),
            column("最高分", ColumnKind::Score, 10.0),
            column("及格率", ColumnKind::Percent, 10.0),
            column("企业得分", ColumnKind::Score, 10.0),
            column("排名", ColumnKind::Integer, 8.0),
        ],
    };
    Export::new(sheet, companies, |c| {
        vec![
            text(c.name),
            text(c.credit_code),
            text(c.subdistrict),
            integer(c.participants),
            optional_score(c.average),
            c.best.map_or(Cell::Empty, score),
            rate(c.passed, c.participants),
            c.company_score.map_or(Cell::Empty, score),
            c.rank.map_or(Cell::Empty, integer),
        ]
    })
}

fn subdistricts_export(subdistricts: Vec<SubdistrictRow>) -> Export {
    let sheet = Sheet {
        name: ExportKind::Subdistricts.title(),
        columns: vec![
            column("街道", ColumnKind::Text, 16.0),
            column("名录企业数", ColumnKind::Integer, 12.0),
            column("参赛企业数", ColumnKind::Integer, 12.0),
            column("参赛人数", ColumnKind::Integer, 10.0),
            column("企业参与率", ColumnKind::Percent, 12.0),
            column("平均分", ColumnKind::Score, 10.0),
        ],
    };
    Export::new(sheet, subdistricts, |s| {
        vec![
            text(s.name),
            s.roster_companies.map_or(Cell::Empty, integer),
            integer(s.participating_companies),
            integer(s.participants),
            s.roster_companies.map_or(Cell::Empty, |listed| {
                rate(s.participating_roster_companies, listed)
            }),
            optional_score(s.average),
        ]
    })
}

/// Rows per message from the task reading the participants to the writer.
const STREAMED_BATCH: usize = 512;

/// What the task reading the participants sends the writer.
enum Streamed {
    Rows(Vec<Vec<Cell<'static>>>),
    Done,
    Failed(ExportError),
}

/// The participants in ranking order, ranked and written as the store reads them: a task
/// reads and formats, the (blocking) writer receives batches, so the read and the writing
/// overlap and only a few batches are ever held.
fn participants_export(
    store: Store,
    competition_id: i64,
    identities: HashMap<String, CompanyIdentity>,
) -> Export {
    let sheet = Sheet {
        name: ExportKind::Participants.title(),
        columns: vec![
            column("排名", ColumnKind::Integer, 8.0),
            column("姓名", ColumnKind::Text, 12.0),
            column("手机号", ColumnKind::Text, 14.0),
            column("企业", ColumnKind::Text, 36.0),
            column("街道", ColumnKind::Text, 14.0),
            column("得分", ColumnKind::Score, 10.0),
            column("用时", ColumnKind::Duration, 10.0),
            column("提交时间", ColumnKind::DateTime, 20.0),
            column("切屏次数", ColumnKind::Integer, 10.0),
        ],
    };
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Streamed>(4);
    tokio::spawn(async move {
        let mut results = std::pin::pin!(store.best_results(competition_id));
        let mut ranker = Ranker::default();
        let mut batch = Vec::with_capacity(STREAMED_BATCH);
        let last = loop {
            match results.try_next().await {
                Ok(Some(result)) => {
                    let Some(rank) = ranker.rank(&result.individual) else {
                        break Streamed::Failed(ExportError::Store(StoreError::Corrupt(
                            "graded attempts read out of ranking order".into(),
                        )));
                    };
                    batch.push(participant_row(rank, result, &identities));
                    if batch.len() == STREAMED_BATCH {
                        let full =
                            std::mem::replace(&mut batch, Vec::with_capacity(STREAMED_BATCH));
                        if sender.send(Streamed::Rows(full)).await.is_err() {
                            return; // the writer gave up (the download was cancelled)
                        }
                    }
                }
                Ok(None) => break Streamed::Done,
                Err(e) => break Streamed::Failed(e.into()),
            }
        };
        if !batch.is_empty() && sender.send(Streamed::Rows(batch)).await.is_err() {
            return;
        }
        let _ = sender.send(last).await;
    });
    let failure = Failure::default();
    let stopped = failure.clone();
    let rows = std::iter::from_fn(move || match receiver.blocking_recv() {
        Some(Streamed::Rows(rows)) => Some(rows),
        Some(Streamed::Done) => None,
        Some(Streamed::Failed(error)) => {
            stopped.set(error);
            None
        }
        None => {
            stopped.set(ExportError::Interrupted);
            None
        }
    })
    .flatten();
    Export {
        sheet,
        rows: Box::new(rows),
        failure,
    }
}

/// One participant's row, with the company's name and subdistrict as every export shows them
/// (the roster's, when the company is on it).
fn participant_row(
    rank: u32,
    r: GradedResult,
    identities: &HashMap<String, CompanyIdentity>,
) -> Vec<Cell<'static>> {
    let (company, subdistrict) = match identities.get(&r.individual.credit_code) {
        Some(place) => (place.name.clone(), place.subdistrict.clone()),
        None => (r.individual.company, r.subdistrict),
    };
    vec![
        integer(rank),
        text(r.individual.name),
        text(Phone::parse(&r.phone).map_or_else(|_| "***".to_owned(), |p| p.masked())),
        text(company),
        text(subdistrict),
        score(r.individual.score),
        // Whole seconds, as the API's duration_seconds.
        Cell::Duration(r.individual.duration_ms / 1000),
        Cell::DateTime(r.individual.submitted_at),
        Cell::Integer(r.tab_switches),
    ]
}

/// Option share columns: A–H, the judge question's 正确 counted as A and 错误 as B.
const OPTION_HEADERS: [&str; 8] = [
    "A选择率",
    "B选择率",
    "C选择率",
    "D选择率",
    "E选择率",
    "F选择率",
    "G选择率",
    "H选择率",
];

fn questions_export(questions: Vec<QuestionRow>) -> Export {
    let options = questions
        .iter()
        .map(|q| q.option_count)
        .max()
        .unwrap_or(4)
        .clamp(2, OPTION_HEADERS.len());
    let mut columns = vec![
        column("题目编号", ColumnKind::Text, 12.0),
        column("版本", ColumnKind::Integer, 6.0),
        column("题型", ColumnKind::Text, 8.0),
        column("法规", ColumnKind::Text, 30.0),
        column("条款", ColumnKind::Text, 12.0),
        column("难度", ColumnKind::Text, 6.0),
        column("抽中次数", ColumnKind::Integer, 10.0),
        column("正确率", ColumnKind::Percent, 10.0),
    ];
    columns.extend(
        OPTION_HEADERS[..options]
            .iter()
            .map(|h| column(h, ColumnKind::Percent, 10.0)),
    );
    columns.push(column("未作答率", ColumnKind::Percent, 10.0));
    columns.push(column("区分度", ColumnKind::Decimal, 10.0));
    columns.push(column("题干", ColumnKind::Text, 60.0));
    let sheet = Sheet {
        name: ExportKind::Questions.title(),
        columns,
    };
    Export::new(sheet, questions, move |q| {
        let mut row = vec![
            text(
                q.external_id
                    .unwrap_or_else(|| format!("#{}", q.question_id)),
            ),
            integer(q.version),
            text(kind_label(q.kind).to_owned()),
            text(q.regulation),
            q.article.map_or(Cell::Empty, text),
            text(q.difficulty.label().to_owned()),
            integer(q.drawn),
            rate(q.correct, q.drawn),
        ];
        row.extend((0..options).map(|i| match q.chose.get(i) {
            Some(&chose) => rate(chose, q.drawn),
            None => Cell::Empty,
        }));
        row.push(rate(q.unanswered, q.drawn));
        row.push(
            q.discrimination
                .map_or(Cell::Empty, |(numerator, denominator)| Cell::Decimal {
                    numerator,
                    denominator,
                }),
        );
        row.push(text(q.stem));
        row
    })
}

fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Single => "单选",
        Kind::Multiple => "多选",
        Kind::Judge => "判断",
    }
}
