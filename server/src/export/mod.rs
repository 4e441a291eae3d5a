//! The bureau's exports (DESIGN.md "Exports", docs/EXPORTS.md): by company, by subdistrict,
//! by participant and by question, each as CSV or .xlsx, over HTTP and from the CLI.
//!
//! - `figures`: the numbers, exact and pure (ranking, company and subdistrict figures, item
//!   analysis with the discrimination index).
//! - `sheet`: how a typed cell is written in CSV and .xlsx (rounding, percentages, times,
//!   formula neutralization).
//! - here: which columns each export has, and `prepare`, which reads the store once and hands
//!   out the rows lazily, so a file is streamed (CSV) or built (.xlsx) from one copy of the data.

pub mod figures;
pub mod sheet;

use std::borrow::Cow;
use std::collections::HashMap;

use question_bank::{Kind, Points};

use self::figures::{
    CompanyRow, GradedResult, ItemAnalysis, QuestionRow, SubdistrictRow, company_identities,
    company_rows, discrimination_groups, rank_best_results, subdistrict_rows,
};
use self::sheet::{Cell, Column, ColumnKind, Sheet, SheetError};
use crate::identity::Phone;
use crate::store::competitions::Competition;
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

type Rows = Box<dyn Iterator<Item = Vec<Cell<'static>>> + Send>;

/// An export read from the store, ready to be written: its columns and its rows, produced
/// lazily from the one copy of the data the iterator owns.
pub struct Export {
    pub sheet: Sheet,
    pub row_count: usize,
    rows: Rows,
}

impl Export {
    /// The CSV in chunks of about 64 KiB, for streaming.
    pub fn csv_chunks(self) -> impl Iterator<Item = Vec<u8>> + Send + 'static {
        sheet::csv_chunks(self.sheet, self.rows, 64 * 1024)
    }

    /// The whole .xlsx file. CPU-bound: call it off the async threads.
    pub fn xlsx(self) -> Result<Vec<u8>, SheetError> {
        sheet::xlsx(&self.sheet, self.rows)
    }
}

/// Reads what the export needs and prepares its rows.
pub async fn prepare(
    store: &Store,
    competition: &Competition,
    kind: ExportKind,
) -> Result<Export, StoreError> {
    let ranked = rank_best_results(store.graded_results(competition.id).await?);
    match kind {
        ExportKind::Participants => {
            let roster = store.roster().await?;
            let identities = company_identities(&ranked, &roster);
            Ok(participants_export(ranked, identities))
        }
        ExportKind::Companies | ExportKind::Subdistricts => {
            let roster = store.roster().await?;
            let identities = company_identities(&ranked, &roster);
            let companies = company_rows(
                &ranked,
                &identities,
                competition.company_score,
                competition.pass_score,
            );
            drop(ranked);
            Ok(if kind == ExportKind::Companies {
                companies_export(companies)
            } else {
                subdistricts_export(subdistrict_rows(&companies, !roster.is_empty()))
            })
        }
        ExportKind::Questions => {
            let groups = discrimination_groups(&ranked);
            drop(ranked);
            let versions = store.issued_versions(competition.id).await?;
            let questions = store.question_versions(&versions).await?;
            let answer_keys: HashMap<_, _> =
                questions.iter().map(|(r, q)| (*r, q.answer())).collect();
            let mut analysis = ItemAnalysis::new(groups);
            store
                .for_each_issued_question(competition.id, |issued| {
                    if let Some(&key) = answer_keys.get(&issued.question) {
                        analysis.add(
                            issued.attempt_id,
                            issued.question,
                            key,
                            issued.option_order,
                            issued.response,
                        );
                    }
                })
                .await?;
            Ok(questions_export(analysis.rows(&questions)))
        }
    }
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

fn lazily<T: Send + 'static>(
    sheet: Sheet,
    items: Vec<T>,
    row: impl FnMut(T) -> Vec<Cell<'static>> + Send + 'static,
) -> Export {
    Export {
        sheet,
        row_count: items.len(),
        rows: Box::new(items.into_iter().map(row)),
    }
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
    lazily(sheet, companies, |c| {
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
    lazily(sheet, subdistricts, |s| {
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

fn participants_export(
    ranked: Vec<(u32, GradedResult)>,
    identities: HashMap<String, figures::CompanyIdentity>,
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
    // The company's name and subdistrict as every export shows them (the roster's, when the
    // company is on it).
    lazily(sheet, ranked, move |(rank, r)| {
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
    })
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
    lazily(sheet, questions, move |q| {
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
