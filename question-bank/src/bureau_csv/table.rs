//! Reading any table the bureau saves from Excel: encoding detection (UTF-8 with or without a
//! BOM, UTF-16, GB18030), delimiter detection, rows with their physical line numbers, and the
//! line-numbered [`RowError`] every reader of the bureau's files reports.

use std::borrow::Cow;

use serde::Serialize;

use crate::Error;
use crate::text::trim_cell;

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
    let mut records = Records::new(&text, detect_delimiter(&text));
    let mut table = Table {
        encoding,
        header: Vec::new(),
        rows: Vec::new(),
        errors: Vec::new(),
    };
    match records.header() {
        Ok(Some(header)) => table.header = header.iter().map(|c| trim_cell(c).to_owned()).collect(),
        Ok(None) => {
            table.errors.push(RowError {
                line: 1,
                column: None,
                message: format!("文件是空的。第一行应是表头,从第二行起每行{what_a_row_is}"),
            });
            return Ok(table);
        }
        Err(error) => {
            table.errors.push(error);
            return Ok(table);
        }
    }
    while let Some((line, record)) = records.next_row(&mut table.errors) {
        if let Some(error) = field_count_error(line, record.len(), table.header.len()) {
            table.errors.push(error);
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
pub(super) fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, SourceEncoding), Error> {
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
pub(super) fn detect_delimiter(text: &str) -> Delimiter {
    let header = text.lines().next().unwrap_or("");
    let tabs = header.matches('\t').count();
    let commas = header.matches(',').count();
    if tabs > commas {
        Delimiter::Tab
    } else {
        Delimiter::Comma
    }
}

/// The records of a decoded table, one at a time, each with the physical line it starts on.
/// Both the roster and the question bank read through it, so they split, skip and number
/// rows the same way.
pub(super) struct Records<'t> {
    reader: csv::Reader<&'t [u8]>,
    lines: LineCounter<'t>,
    record: csv::StringRecord,
}

impl<'t> Records<'t> {
    pub(super) fn new(text: &'t str, delimiter: Delimiter) -> Records<'t> {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter.byte())
            .from_reader(text.as_bytes());
        Records {
            reader,
            lines: LineCounter::new(text),
            record: csv::StringRecord::new(),
        }
    }

    /// The first record, as the header: `Ok(None)` when the file is empty, `Err` when the CSV
    /// reader cannot split it.
    pub(super) fn header(&mut self) -> Result<Option<&csv::StringRecord>, RowError> {
        Ok(self.advance()?.map(|_| &self.record))
    }

    /// The next record that is not blank, with its line. `None` at the end of the file, or
    /// when the CSV reader cannot split a record: its error goes into `errors`, and nothing
    /// after it is read (it could not be trusted).
    pub(super) fn next_row(
        &mut self,
        errors: &mut Vec<RowError>,
    ) -> Option<(u64, &csv::StringRecord)> {
        loop {
            let line = match self.advance() {
                Ok(Some(line)) => line,
                Ok(None) => return None,
                Err(error) => {
                    errors.push(error);
                    return None;
                }
            };
            // Excel leaves rows of bare separators below the data.
            let blank = self.record.iter().all(|cell| trim_cell(cell).is_empty());
            if !blank {
                return Some((line, &self.record));
            }
        }
    }

    /// Reads the next record into `self.record` and returns the line it starts on.
    fn advance(&mut self) -> Result<Option<u64>, RowError> {
        let start = self.reader.position().byte();
        match self.reader.read_record(&mut self.record) {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(error) => {
                return Err(RowError {
                    line: self
                        .lines
                        .line_at(error.position().map_or(start, csv::Position::byte)),
                    column: None,
                    message: format!("无法读取这一行({error});请检查英文双引号是否成对"),
                });
            }
        }
        let offset = self.record.position().map_or(start, csv::Position::byte);
        Ok(Some(self.lines.line_at(offset)))
    }
}

/// The error for a row with more or fewer fields than the header (`None` when the counts
/// match), hinting at the usual causes: an unquoted comma, an unpaired quote.
pub(super) fn field_count_error(line: u64, found: usize, expected: usize) -> Option<RowError> {
    let message = if found > expected {
        format!(
            "这一行有 {found} 个字段,表头只有 {expected} 列。题干或选项中含英文逗号时,整格需用英文双引号括起;或删除多余的内容"
        )
    } else if found < expected {
        format!(
            "这一行只有 {found} 个字段,表头有 {expected} 列。请检查这一行(或上一行)是否有未成对的英文双引号"
        )
    } else {
        return None;
    };
    Some(RowError {
        line,
        column: None,
        message,
    })
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
