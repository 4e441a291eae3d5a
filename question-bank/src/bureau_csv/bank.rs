//! The bureau's question CSV (docs/QUESTION-BANK.md, "The bureau's CSV"): the header mapped to
//! question fields, every row parsed into a [`Question`] with its problems by column, duplicate
//! stems and repeated ids, and the writer that exports a bank back to the same format. Reading
//! the file itself (encodings, delimiters, line numbers) is the `table` module's.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::io::{Read, Write};

use serde::Serialize;

use super::table::{
    Delimiter, Records, RowError, SourceEncoding, decode, detect_delimiter, field_count_error,
};
use crate::Error;
use crate::choice::{
    Choice, LetterAnswerError, MAX_OPTIONS, parse_judge_answer, parse_letter_answer,
};
use crate::question::{Difficulty, Field, FieldProblem, Kind, Question, QuestionFields};
use crate::text::{keyword, trim_cell};

/// The importer's default size limit. Far above any real bank (the 20 MB the server accepts
/// over HTTP), far below what would exhaust memory: a 200 MB file is refused before it is read.
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// A valid, non-duplicate row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedQuestion {
    /// The physical line the row starts on (the header is line 1).
    pub line: u64,
    pub question: Question,
}

/// A row skipped because an earlier row has the same kind and normalized stem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Duplicate {
    pub line: u64,
    pub duplicate_of_line: u64,
}

/// Everything the importer found. The file may be imported only when `errors` is empty.
#[derive(Clone, Debug)]
pub struct ImportReport {
    pub encoding: SourceEncoding,
    pub delimiter: Delimiter,
    pub questions: Vec<ImportedQuestion>,
    pub duplicates: Vec<Duplicate>,
    pub errors: Vec<RowError>,
}

impl ImportReport {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Reads at most `max_bytes` from `reader` and parses them; a longer input is refused with
/// `Error::TooLarge` without reading the rest.
pub fn read_bank(reader: impl Read, max_bytes: u64) -> Result<ImportReport, Error> {
    let mut bytes = Vec::new();
    reader
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(Error::Io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(Error::TooLarge {
            limit_bytes: max_bytes,
        });
    }
    parse_bank(&bytes)
}

/// Parses a whole file already in memory. Fails only when the bytes are not text in a
/// supported encoding; everything wrong inside the file is reported in `ImportReport::errors`.
pub fn parse_bank(bytes: &[u8]) -> Result<ImportReport, Error> {
    let (text, encoding) = decode(bytes)?;
    let delimiter = detect_delimiter(&text);
    let mut report = ImportReport {
        encoding,
        delimiter,
        questions: Vec::new(),
        duplicates: Vec::new(),
        errors: Vec::new(),
    };
    read_questions(Records::new(&text, delimiter), &mut report);
    Ok(report)
}

/// What a header cell names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Field(Field),
    /// An empty header cell: tolerated while the column holds no data (Excel often saves
    /// trailing empty columns), an error as soon as a row puts something in it.
    Unnamed,
    /// Not a column of the format; reported once, and its cells are not read.
    Unknown,
}

fn column_for_header(cell: &str) -> Column {
    let key = keyword(cell);
    if key.is_empty() {
        return Column::Unnamed;
    }
    let field = match key.as_str() {
        "编号" | "id" => Field::Id,
        "题型" | "kind" => Field::Kind,
        "题干" | "stem" => Field::Stem,
        "答案" | "answer" => Field::Answer,
        "法规" | "regulation" => Field::Regulation,
        "条款" | "article" => Field::Article,
        "难度" | "difficulty" => Field::Difficulty,
        "解析" | "explanation" => Field::Explanation,
        "标签" | "tags" => Field::Tags,
        _ => {
            let letter = key
                .strip_prefix("选项")
                .or_else(|| key.strip_prefix("option_"))
                .and_then(|rest| {
                    let mut chars = rest.chars();
                    match (chars.next(), chars.next()) {
                        (Some(c @ 'a'..='h'), None) => Some(c as usize - 'a' as usize),
                        _ => None,
                    }
                });
            match letter {
                Some(index) => Field::Option(index),
                None => return Column::Unknown,
            }
        }
    };
    Column::Field(field)
}

const REQUIRED: [Field; 4] = [Field::Kind, Field::Stem, Field::Answer, Field::Regulation];
const KNOWN_COLUMNS: &str = "编号、题型、题干、选项A–选项H、答案、法规、条款、难度、解析、标签(或对应的英文列名 id、kind、stem、option_a–option_h、answer、regulation、article、difficulty、explanation、tags)";

struct Header {
    columns: Vec<Column>,
    /// The header text of each field's column, to name it in errors as the clerk wrote it.
    names: HashMap<Field, String>,
    /// Which record position holds each field.
    positions: HashMap<Field, usize>,
}

impl Header {
    fn name(&self, field: Field) -> String {
        self.names
            .get(&field)
            .cloned()
            .unwrap_or_else(|| field.label())
    }
}

/// Reads the header, then every row: valid questions, duplicates and every problem go into
/// `report`.
fn read_questions(mut records: Records<'_>, report: &mut ImportReport) {
    let header = match records.header() {
        Ok(Some(record)) => read_header(record, &mut report.errors),
        Ok(None) => {
            report.errors.push(RowError {
                line: 1,
                column: None,
                message: "文件是空的。第一行应是表头(题型、题干、选项A…、答案、法规 等),从第二行起每行一道题".into(),
            });
            return;
        }
        Err(error) => {
            report.errors.push(error);
            return;
        }
    };
    let Some(header) = header else {
        return;
    };

    let mut seen_ids: HashMap<String, u64> = HashMap::new();
    let mut seen_stems: HashMap<(Kind, String), u64> = HashMap::new();
    let mut rows = 0usize;
    while let Some((line, record)) = records.next_row(&mut report.errors) {
        rows += 1;
        if let Some(error) = field_count_error(line, record.len(), header.columns.len()) {
            report.errors.push(error);
            continue;
        }
        let question = match parse_row(record, &header, line, &mut report.errors) {
            Some(question) => question,
            None => continue,
        };
        if let Some(id) = question.external_id() {
            match seen_ids.entry(id.to_owned()) {
                Entry::Occupied(first) => {
                    report.errors.push(RowError {
                        line,
                        column: Some(header.name(Field::Id)),
                        message: format!(
                            "编号 \"{id}\" 与第{}行重复;同一文件中每个编号只能出现一次",
                            first.get()
                        ),
                    });
                    continue;
                }
                Entry::Vacant(slot) => {
                    slot.insert(line);
                }
            }
        }
        match seen_stems.entry(question.duplicate_key()) {
            Entry::Occupied(first) if question.external_id().is_none() => {
                report.duplicates.push(Duplicate {
                    line,
                    duplicate_of_line: *first.get(),
                });
                continue;
            }
            Entry::Occupied(_) => {}
            Entry::Vacant(slot) => {
                slot.insert(line);
            }
        }
        report.questions.push(ImportedQuestion { line, question });
    }
    if rows == 0 {
        report.errors.push(RowError {
            line: 1,
            column: None,
            message: "文件只有表头,没有题目。请从第二行起每行填写一道题".into(),
        });
    }
}

/// Maps the header row to fields, reporting unknown, repeated and missing columns. Returns
/// `None` when a required column is missing: every row would fail for the same reason.
fn read_header(record: &csv::StringRecord, errors: &mut Vec<RowError>) -> Option<Header> {
    let mut header = Header {
        columns: Vec::with_capacity(record.len()),
        names: HashMap::new(),
        positions: HashMap::new(),
    };
    let mut first_position: HashMap<Field, usize> = HashMap::new();
    for (position, cell) in record.iter().enumerate() {
        let column = column_for_header(cell);
        let name = trim_cell(cell).to_owned();
        match column {
            Column::Field(field) => match first_position.entry(field) {
                Entry::Occupied(first) => errors.push(RowError {
                    line: 1,
                    column: Some(name),
                    message: format!(
                        "列「{}」出现了两次(第 {} 列和第 {} 列),请删除其中一列",
                        trim_cell(cell),
                        first.get() + 1,
                        position + 1
                    ),
                }),
                Entry::Vacant(slot) => {
                    slot.insert(position);
                    header.positions.insert(field, position);
                    header.names.insert(field, name);
                }
            },
            Column::Unknown => errors.push(RowError {
                line: 1,
                column: Some(name.clone()),
                message: format!(
                    "未知的列「{name}」。题库只认这些列:{KNOWN_COLUMNS};请删除这一列或改正列名"
                ),
            }),
            Column::Unnamed => {}
        }
        header.columns.push(column);
    }
    let missing: Vec<Field> = REQUIRED
        .into_iter()
        .filter(|f| !header.positions.contains_key(f))
        .collect();
    for field in &missing {
        errors.push(RowError {
            line: 1,
            column: Some(field.label()),
            message: format!(
                "缺少必需的列「{}」。请在第一行表头中加上这一列",
                field.label()
            ),
        });
    }
    missing.is_empty().then_some(header)
}

/// The cells of one row, by field, before parsing.
struct RawRow<'r> {
    cells: [Option<&'r str>; 10 + MAX_OPTIONS],
}

fn slot(field: Field) -> usize {
    match field {
        Field::Id => 0,
        Field::Kind => 1,
        Field::Stem => 2,
        Field::Answer => 3,
        Field::Regulation => 4,
        Field::Article => 5,
        Field::Difficulty => 6,
        Field::Explanation => 7,
        Field::Tags => 8,
        Field::Option(i) => 10 + i,
    }
}

impl<'r> RawRow<'r> {
    fn get(&self, field: Field) -> &'r str {
        self.cells[slot(field)].unwrap_or("")
    }
}

/// Parses one row into a question, or pushes every problem it has and returns `None`.
fn parse_row(
    record: &csv::StringRecord,
    header: &Header,
    line: u64,
    errors: &mut Vec<RowError>,
) -> Option<Question> {
    let mut row = RawRow {
        cells: [None; 10 + MAX_OPTIONS],
    };
    let mut unnamed_column_used = false;
    for (position, cell) in record.iter().enumerate() {
        match header.columns[position] {
            Column::Field(field) if header.positions.get(&field) == Some(&position) => {
                row.cells[slot(field)] = Some(cell);
            }
            Column::Unnamed if !trim_cell(cell).is_empty() => {
                unnamed_column_used = true;
                errors.push(RowError {
                    line,
                    column: Some(format!("第{}列", position + 1)),
                    message: "这一列没有表头,但这一行在该列有内容。请补上列名,或删除这一格的内容"
                        .into(),
                });
            }
            _ => {}
        }
    }
    // Problems found while parsing cells, by field; turned into RowErrors at the end.
    let mut found: Vec<(Field, String)> = Vec::new();
    let mut error = |field: Field, message: String| found.push((field, message));
    // Fields whose cell could not be parsed; Question::new's findings about them would
    // only repeat the same fault less precisely.
    let mut unparsed: Vec<Field> = Vec::new();

    let kind_text = trim_cell(row.get(Field::Kind));
    let kind = Kind::parse(kind_text);
    if kind.is_none() && !kind_text.is_empty() {
        error(
            Field::Kind,
            format!(
                "不支持的题型 \"{kind_text}\"。只能填写 单选、多选 或 判断(也可写 单选题、多选题、判断题 或 single、multiple、judge)"
            ),
        );
        unparsed.extend([Field::Kind, Field::Answer]);
    }

    let answer_text = trim_cell(row.get(Field::Answer));
    let answer = match kind {
        _ if answer_text.is_empty() => {
            error(
                Field::Answer,
                match kind {
                    Some(Kind::Judge) => "答案不能为空,判断题请填写 对 或 错".into(),
                    _ => "答案不能为空,请填写正确选项的字母,如 A 或 ABD".into(),
                },
            );
            unparsed.push(Field::Answer);
            Choice::EMPTY
        }
        None => Choice::EMPTY,
        Some(Kind::Judge) => parse_judge_answer(answer_text).unwrap_or_else(|| {
            error(
                Field::Answer,
                format!("判断题的答案只能是 对 或 错(也可写 正确/错误、√/×、T/F、是/否),实际为 \"{answer_text}\""),
            );
            unparsed.push(Field::Answer);
            Choice::EMPTY
        }),
        Some(Kind::Single | Kind::Multiple) => match parse_letter_answer(answer_text) {
            Ok(choice) => choice,
            Err(problem) => {
                error(
                    Field::Answer,
                    match problem {
                        LetterAnswerError::NotALetter(_) => format!(
                            "答案只能填写选项字母 A–H(如 A 或 ABD),实际为 \"{answer_text}\""
                        ),
                        LetterAnswerError::Repeated(letter) => {
                            format!("答案中字母 {letter} 重复,实际为 \"{answer_text}\"")
                        }
                    },
                );
                unparsed.push(Field::Answer);
                Choice::EMPTY
            }
        },
    };

    let difficulty_text = trim_cell(row.get(Field::Difficulty));
    let difficulty = if difficulty_text.is_empty() {
        Difficulty::default()
    } else {
        Difficulty::parse(difficulty_text).unwrap_or_else(|| {
            error(
                Field::Difficulty,
                format!("难度只能是 易、中、难(也可写 简单/中等/困难、1/2/3 或 easy/medium/hard),实际为 \"{difficulty_text}\""),
            );
            Difficulty::default()
        })
    };

    let last_option = (0..MAX_OPTIONS)
        .rev()
        .find(|&i| !trim_cell(row.get(Field::Option(i))).is_empty());
    let options: Vec<String> = match last_option {
        Some(last) => (0..=last)
            .map(|i| row.get(Field::Option(i)).to_owned())
            .collect(),
        None => Vec::new(),
    };

    let optional = |field: Field| {
        let text = row.get(field);
        (!trim_cell(text).is_empty()).then(|| text.to_owned())
    };
    let fields = QuestionFields {
        external_id: optional(Field::Id),
        kind,
        stem: row.get(Field::Stem).to_owned(),
        options,
        answer,
        regulation: row.get(Field::Regulation).to_owned(),
        article: optional(Field::Article),
        difficulty,
        explanation: optional(Field::Explanation),
        tags: split_tags(row.get(Field::Tags)),
    };
    let question = Question::new(fields);
    if let Err(problems) = &question {
        for FieldProblem { field, message } in problems {
            if !unparsed.contains(field) {
                found.push((*field, message.clone()));
            }
        }
    }
    let clean = found.is_empty() && !unnamed_column_used;
    errors.extend(found.into_iter().map(|(field, message)| RowError {
        line,
        column: Some(header.name(field)),
        message,
    }));
    question.ok().filter(|_| clean)
}

/// Tags are separated by `;` `；` `、` `,` `，`.
fn split_tags(text: &str) -> Vec<String> {
    text.split([';', '；', '、', ',', '，'])
        .map(trim_cell)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Writes questions in the bureau's format (Chinese headers, UTF-8 with a BOM so Excel opens
/// it correctly); reading the output back gives the same questions.
pub fn write_bank<'q>(
    questions: impl IntoIterator<Item = &'q Question>,
    writer: impl Write,
) -> Result<(), Error> {
    let questions: Vec<&Question> = questions.into_iter().collect();
    let option_columns = questions
        .iter()
        .map(|q| q.options().len())
        .max()
        .unwrap_or(0)
        .max(4);
    let mut writer = writer;
    writer.write_all(b"\xEF\xBB\xBF").map_err(Error::Io)?;
    let mut csv = csv::Writer::from_writer(writer);
    let mut header: Vec<String> = ["编号", "题型", "题干"].map(String::from).to_vec();
    header.extend((0..option_columns).map(|i| Field::Option(i).label()));
    header.extend(["答案", "法规", "条款", "难度", "解析", "标签"].map(String::from));
    csv.write_record(&header).map_err(csv_write_error)?;
    for question in questions {
        let mut row: Vec<String> = Vec::with_capacity(header.len());
        row.push(question.external_id().unwrap_or("").to_owned());
        row.push(question.kind().label().trim_end_matches('题').to_owned());
        row.push(question.stem().to_owned());
        row.extend(
            (0..option_columns).map(|i| question.options().get(i).cloned().unwrap_or_default()),
        );
        row.push(match question.kind() {
            Kind::Judge if question.answer() == Choice::TRUE => "对".to_owned(),
            Kind::Judge => "错".to_owned(),
            Kind::Single | Kind::Multiple => question.answer().keys(question.kind()).concat(),
        });
        row.push(format!("《{}》", question.regulation()));
        row.push(question.article().unwrap_or("").to_owned());
        row.push(question.difficulty().label().to_owned());
        row.push(question.explanation().unwrap_or("").to_owned());
        row.push(question.tags().join(";"));
        csv.write_record(&row).map_err(csv_write_error)?;
    }
    csv.flush().map_err(Error::Io)
}

fn csv_write_error(error: csv::Error) -> Error {
    match error.into_kind() {
        csv::ErrorKind::Io(io) => Error::Io(io),
        other => Error::Io(std::io::Error::other(format!("{other:?}"))),
    }
}
