//! # question-bank
//!
//! ecoquiz's domain, pure: no network, no database, no clock. The server and the CLI call it;
//! they never re-implement its rules.
//!
//! - [`text`]: normalization used for matching (widths, punctuation, 《》), never for storage.
//! - [`choice`]: [`Choice`], a set of options, and every answer spelling the bureau uses.
//! - [`question`]: [`Kind`], [`Difficulty`] and [`Question`], valid once constructed.
//! - [`bureau_csv`]: the bureau's CSV, read with encoding detection and line-numbered
//!   Chinese errors ([`read_table`]), its rows mapped to questions ([`read_bank`],
//!   [`parse_bank`]) and written back ([`write_bank`]).
//! - [`blueprint`]: [`Blueprint`], what every paper contains, parsed from JSON.
//! - [`assembly`]: [`Bank`] and [`assemble`], `(bank, blueprint, seed) -> Paper`.
//! - [`grading`]: [`grade_answer`] and [`grade_paper`].
//! - [`points`]: [`Points`], exact scores in hundredths.

//!
//! ```
//! use question_bank::{Bank, Blueprint, assemble, parse_bank};
//!
//! let csv = "题型,题干,选项A,选项B,答案,法规\n\
//!            单选,排污许可证的有效期为几年?,5年,3年,A,《排污许可管理条例》\n\
//!            判断,企业可以私设暗管排放水污染物。,,,错,水污染防治法\n";
//! let report = parse_bank(csv.as_bytes()).unwrap();
//! assert!(report.is_valid());
//! let bank = Bank::new(report.questions.into_iter().map(|q| q.question).collect());
//! let blueprint = Blueprint::from_json(
//!     r#"{"sections":[{"kind":"single","count":1,"points":2},{"kind":"judge","count":1,"points":1}]}"#,
//! ).unwrap();
//! let paper = assemble(&bank, &blueprint, 605).unwrap();
//! assert_eq!(paper.max_score().to_string(), "3");
//! assert_eq!(paper, assemble(&bank, &blueprint, 605).unwrap()); // the seed decides the paper
//! ```

#![forbid(unsafe_code)]

pub mod assembly;
pub mod blueprint;
pub mod bureau_csv;
pub mod choice;
pub mod grading;
pub mod points;
pub mod question;
pub mod text;

pub use assembly::{Bank, Paper, PaperQuestion, assemble, shown_to_original};
pub use blueprint::{Blueprint, BlueprintProblem, Section};
pub use bureau_csv::{
    DEFAULT_MAX_BYTES, Duplicate, ImportReport, ImportedQuestion, RowError, SourceEncoding, Table,
    TableRow, parse_bank, read_bank, read_table, write_bank,
};
pub use choice::{Choice, option_key};
pub use grading::{Outcome, PaperGrade, grade_answer, grade_paper};
pub use points::Points;
pub use question::{Difficulty, Kind, Question, QuestionFields};

/// Everything that can go wrong in the domain, with messages for bureau clerks in Chinese.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read at all.
    #[error("无法读取文件:{0}")]
    Io(#[source] std::io::Error),
    /// The input is larger than the importer accepts.
    #[error("文件太大:超过了 {} MB 的上限。请把题库拆成几个文件分别导入", limit_bytes / (1024 * 1024))]
    TooLarge { limit_bytes: u64 },
    /// Neither UTF-8, UTF-16 nor GB18030.
    #[error("文件编码无法识别(既不是 UTF-8,也不是 GB18030/GBK){}。请在 Excel 中选择「另存为 → CSV UTF-8(逗号分隔)」后重新导入", near_line.map(|l| format!(",第{l}行附近有无法识别的字符")).unwrap_or_default())]
    UnknownEncoding { near_line: Option<u64> },
    /// The blueprint's JSON is malformed or its values are invalid.
    #[error("蓝图有误:{}", join(.0))]
    InvalidBlueprint(Vec<BlueprintProblem>),
    /// The bank cannot satisfy the blueprint.
    #[error("题库无法满足蓝图:{}", join(.0))]
    Infeasible(Vec<BlueprintProblem>),
    /// A response names an option the question does not have.
    #[error("选项 \"{key}\" 不存在")]
    UnknownOptionKey { key: String },
}

fn join(problems: &[BlueprintProblem]) -> String {
    problems
        .iter()
        .map(|p| p.message.as_str())
        .collect::<Vec<_>>()
        .join(";")
}

/// The sample bank shipped with ecoquiz (`samples/sample-bank.csv`): accurate questions on the
/// national environmental laws and regulations enterprises deal with, in the bureau's format.
pub const SAMPLE_BANK_CSV: &[u8] = include_bytes!("../samples/sample-bank.csv");
