//! The bureau's question CSV (DESIGN.md, "The bureau's question CSV"): encoding and delimiter
//! detection, the header, every row checked with its physical line number, duplicate stems,
//! and the writer that exports a bank back to the same format.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::io::{Read, Write};

use serde::Serialize;

use crate::Error;
use crate::choice::{
    Choice, LetterAnswerError, MAX_OPTIONS, parse_judge_answer, parse_letter_answer,
};
use crate::question::{Difficulty, Field, FieldProblem, Kind, Question, QuestionFields};
use crate::text::{keyword, trim_cell};

/// The importer's default size limit. Far above any real bank (the 20 MB the server accepts
/// over HTTP), far below what would exhaust memory: a 200 MB file is refused before it is read.
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// How the file was encoded, as detected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SourceEncoding {
    Utf8,
    Utf8WithBom,
    /// GB18030, a superset of GBK and GB2312: what Excel on Chinese Windows saves as "CSV".
    Gb18030,
    /// UTF-16 with a byte-order mark: what Excel saves as "Unicode 文本".
    Utf16,
}

impl SourceEncoding {
    pub fn label(self) -> &'static str {
        match self {
            SourceEncoding::Utf8 => "UTF-8",
            SourceEncoding::Utf8WithBom => "UTF-8 (带 BOM)",
            SourceEncoding::Gb18030 => "GB18030/GBK",
            SourceEncoding::Utf16 => "UTF-16",
        }
    }
}

/// The field separator, detected from the header row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Delimiter {
    Comma,
    Tab,
}

impl Delimiter {
    fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Tab => b'\t',
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Delimiter::Comma => "逗号分隔",
            Delimiter::Tab => "制表符分隔",
        }
    }
}

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

/// One problem in the file, told so a clerk can find and fix it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// Physical line number, counting the newlines inside quoted cells.
    pub line: u64,
    /// The column as the file's header names it; `None` when the whole row is at fault.
    pub column: Option<String>,
    /// Chinese, saying what is wrong and how to fix it.
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(column) => write!(f, "第{}行「{}」: {}", self.line, column, self.message),
            None => write!(f, "第{}行: {}", self.line, self.message),
        }
    }
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
    RowReader::new(&text, delimiter).read_into(&mut report);
    Ok(report)
}

/// Any other table the bureau saves from Excel (the enterprise roster): the same encodings and
/// delimiters as the question CSV, every non-blank row with its physical line number.
#[derive(Debug)]
pub struct Table {
    pub encoding: SourceEncoding,
    /// The first row, as written.
    pub header: Vec<String>,
    /// Every later row that is not blank, with its physical line (quoted newlines counted).
    pub rows: Vec<TableRow>,
    /// Problems with the file as a whole or with rows the CSV reader could not split
    /// (an empty file, unbalanced quotes, a row with the wrong number of fields).
    pub errors: Vec<RowError>,
}

#[derive(Debug)]
pub struct TableRow {
    pub line: u64,
    /// Cells trimmed of surrounding spaces (including full-width ones).
    pub cells: Vec<String>,
}

/// Reads a whole table already in memory. Fails only when the bytes are not text in a
/// supported encoding; `what_a_row_is` names a row's content in the messages (e.g. "一家企业").
pub fn read_table(bytes: &[u8], what_a_row_is: &str) -> Result<Table, Error> {
    let (text, encoding) = decode(bytes)?;
    let delimiter = detect_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter.byte())
        .from_reader(text.as_bytes());
    let mut table = Table {
        encoding,
        header: Vec::new(),
        rows: Vec::new(),
        errors: Vec::new(),
    };
    let mut lines = LineCounter::new(&text);
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => table.header = record.iter().map(|c| trim_cell(c).to_owned()).collect(),
        Ok(false) => {
            table.errors.push(RowError {
                line: 1,
                column: None,
                message: format!("文件是空的。第一行应是表头,从第二行起每行{what_a_row_is}"),
            });
            return Ok(table);
        }
        Err(e) => {
            table.errors.push(csv_error(&mut lines, 0, &e));
            return Ok(table);
        }
    }
    loop {
        let start = reader.position().byte();
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                table.errors.push(csv_error(&mut lines, start, &e));
                break;
            }
        }
        let line = lines.line_at(record.position().map_or(start, csv::Position::byte));
        if record.iter().all(|cell| trim_cell(cell).is_empty()) {
            continue; // Excel leaves rows of bare separators below the data.
        }
        if record.len() != table.header.len() {
            table.errors.push(RowError {
                line,
                column: None,
                message: field_count_message(record.len(), table.header.len()),
            });
            continue;
        }
        table.rows.push(TableRow {
            line,
            cells: record.iter().map(|c| trim_cell(c).to_owned()).collect(),
        });
    }
    if table.rows.is_empty() && table.errors.is_empty() {
        table.errors.push(RowError {
            line: 1,
            column: None,
            message: format!("文件只有表头,没有数据。请从第二行起每行{what_a_row_is}"),
        });
    }
    Ok(table)
}

/// Detects UTF-8 (with or without BOM), UTF-16 with BOM, and GB18030/GBK, in that order:
/// GBK text is almost never valid UTF-8, so trying UTF-8 first is safe.
fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, SourceEncoding), Error> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok((Cow::Borrowed(text), SourceEncoding::Utf8WithBom)),
            Err(e) => Err(undecodable(rest, e.valid_up_to())),
        };
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (text, _, had_errors) = encoding_rs::UTF_16LE.decode(bytes);
        if had_errors {
            return Err(Error::UnknownEncoding { near_line: None });
        }
        return Ok((Cow::Owned(text.into_owned()), SourceEncoding::Utf16));
    }
    let utf8_error = match std::str::from_utf8(bytes) {
        Ok(text) => return Ok((Cow::Borrowed(text), SourceEncoding::Utf8)),
        Err(e) => e,
    };
    match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok((Cow::Owned(text.into_owned()), SourceEncoding::Gb18030)),
        None => Err(undecodable(bytes, utf8_error.valid_up_to())),
    }
}

fn undecodable(bytes: &[u8], valid_up_to: usize) -> Error {
    let line = bytes[..valid_up_to].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    Error::UnknownEncoding {
        near_line: Some(line),
    }
}

/// Tab when the header line has more tabs than commas (Excel's "Unicode 文本" and
/// "文本文件(制表符分隔)"), comma otherwise.
fn detect_delimiter(text: &str) -> Delimiter {
    let header = text.lines().next().unwrap_or("");
    let tabs = header.matches('\t').count();
    let commas = header.matches(',').count();
    if tabs > commas {
        Delimiter::Tab
    } else {
        Delimiter::Comma
    }
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

struct RowReader<'t> {
    reader: csv::Reader<&'t [u8]>,
    lines: LineCounter<'t>,
}

/// Physical line numbers from byte offsets. The csv crate's own line count is off for files
/// with CRLF line ends (what Excel writes) and after blank lines, and its record offsets point
/// just past the previous record's first terminator byte; so a record's first byte is found
/// by skipping line ends (csv skips empty lines; a record never starts with one), and its line
/// is one more than the `\n`s before it — what a clerk sees in an editor. Offsets only grow,
/// so the counting is linear over the file.
struct LineCounter<'t> {
    text: &'t [u8],
    byte: usize,
    line: u64,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t str) -> LineCounter<'t> {
        LineCounter {
            text: text.as_bytes(),
            byte: 0,
            line: 1,
        }
    }

    /// The 1-based line holding byte `offset`.
    fn line_at(&mut self, offset: u64) -> u64 {
        let mut offset = (offset as usize).min(self.text.len());
        while offset < self.text.len() && matches!(self.text[offset], b'\r' | b'\n') {
            offset += 1;
        }
        if offset < self.byte {
            return 1 + self.text[..offset].iter().filter(|&&b| b == b'\n').count() as u64;
        }
        self.line += self.text[self.byte..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.byte = offset;
        self.line
    }
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

impl<'t> RowReader<'t> {
    fn new(text: &'t str, delimiter: Delimiter) -> RowReader<'t> {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter.byte())
            .from_reader(text.as_bytes());
        RowReader {
            reader,
            lines: LineCounter::new(text),
        }
    }

    fn read_into(mut self, report: &mut ImportReport) {
        let mut record = csv::StringRecord::new();
        match self.reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => {
                report.errors.push(RowError {
                    line: 1,
                    column: None,
                    message: "文件是空的。第一行应是表头(题型、题干、选项A…、答案、法规 等),从第二行起每行一道题".into(),
                });
                return;
            }
            Err(e) => {
                report.errors.push(csv_error(&mut self.lines, 0, &e));
                return;
            }
        }
        let Some(header) = read_header(&record, &mut report.errors) else {
            return;
        };

        let mut seen_ids: HashMap<String, u64> = HashMap::new();
        let mut seen_stems: HashMap<(Kind, String), u64> = HashMap::new();
        let mut rows = 0usize;
        loop {
            let start = self.reader.position().byte();
            match self.reader.read_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    report.errors.push(csv_error(&mut self.lines, start, &e));
                    break;
                }
            }
            let line = self
                .lines
                .line_at(record.position().map_or(start, csv::Position::byte));
            if record.iter().all(|cell| trim_cell(cell).is_empty()) {
                continue; // Excel leaves rows of bare separators below the data.
            }
            rows += 1;
            if record.len() != header.columns.len() {
                report.errors.push(RowError {
                    line,
                    column: None,
                    message: field_count_message(record.len(), header.columns.len()),
                });
                continue;
            }
            let question = match parse_row(&record, &header, line, &mut report.errors) {
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
}

fn csv_error(lines: &mut LineCounter<'_>, start: u64, error: &csv::Error) -> RowError {
    RowError {
        line: lines.line_at(error.position().map_or(start, csv::Position::byte)),
        column: None,
        message: format!("无法读取这一行({error});请检查英文双引号是否成对"),
    }
}

fn field_count_message(found: usize, expected: usize) -> String {
    if found > expected {
        format!(
            "这一行有 {found} 个字段,表头只有 {expected} 列。题干或选项中含英文逗号时,整格需用英文双引号括起;或删除多余的内容"
        )
    } else {
        format!(
            "这一行只有 {found} 个字段,表头有 {expected} 列。请检查这一行(或上一行)是否有未成对的英文双引号"
        )
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
