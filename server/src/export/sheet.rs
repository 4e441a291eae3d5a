//! The typed table writer behind the bureau's exports: one header row and one row per entity,
//! written as CSV (UTF-8 with BOM, RFC 4180, CRLF) or as a one-worksheet .xlsx.
//!
//! Callers describe a [`Sheet`] (its columns) and hand rows of typed [`Cell`]s; this module alone
//! decides how a score, a rate, a duration or a time reads, so every export agrees to the last
//! digit. CSV numbers are formatted with integer arithmetic (no float rounding surprises); .xlsx
//! numbers stay numbers with a number format, so the bureau can sort and sum them. Text that a
//! spreadsheet would run as a formula is neutralized in both formats (OWASP ASVS 5 V1.2.10).

use std::borrow::Cow;
use std::io::Write as _;
use std::iter::Fuse;

use rust_xlsxwriter::{ColNum, Format, RowNum, Workbook, Worksheet, XlsxError};

/// What a column holds. It fixes the column's default number format in .xlsx and, in debug
/// builds, which cells may go in it (a Score in a Percent column is a bug in the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    Integer,
    Score,
    Percent,
    Decimal,
    Duration,
    DateTime,
}

/// One column of a sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The header cell, e.g. "企业名称".
    pub header: &'static str,
    pub kind: ColumnKind,
    /// The .xlsx column width in Excel character units (CSV has no widths).
    pub width: f64,
}

/// One typed value. Numbers are kept exact (integers and ratios) until the moment they are
/// written, so the CSV text is rounded once, by the rule the bureau asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell<'a> {
    Empty,
    Text(Cow<'a, str>),
    Integer(i64),
    /// hundredths of a point (8550 = 85.50): shown with two decimals
    Score(u64),
    /// an exact ratio numerator/denominator (denominator > 0): shown as a percentage with one
    /// decimal. A zero denominator (a rate of nothing, e.g. no listed companies) is left empty
    /// rather than shown as 0%.
    Percent {
        numerator: u64,
        denominator: u64,
    },
    /// an exact signed ratio shown with two decimals (the discrimination index, -1.00..1.00);
    /// a zero denominator is left empty
    Decimal {
        numerator: i64,
        denominator: u64,
    },
    /// whole seconds
    Duration(i64),
    /// Unix milliseconds, shown in China Standard Time (UTC+8, no DST)
    DateTime(i64),
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(text: &'a str) -> Self {
        Cell::Text(Cow::Borrowed(text))
    }
}

impl From<String> for Cell<'_> {
    fn from(text: String) -> Self {
        Cell::Text(Cow::Owned(text))
    }
}

/// A table's shape: the worksheet's name and its columns, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// The .xlsx worksheet's name (Chinese, e.g. "企业成绩"; at most 31 characters, none of
    /// `[ ] : * ? / \`, which Excel forbids).
    pub name: &'static str,
    pub columns: Vec<Column>,
}

/// Why an .xlsx export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    /// An invalid worksheet name, a text over Excel's 32,767 characters, more rows than Excel's
    /// 1,048,576, or the temporary file of constant-memory mode could not be created.
    #[error("could not write the .xlsx export: {0}")]
    Xlsx(#[from] XlsxError),
}

/// Text starting with one of these is run as a formula (or, for tab and CR, can be turned into
/// one) by spreadsheet programs; ASVS 5 V1.2.10 asks for a leading apostrophe.
const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

fn needs_neutralizing(text: &str) -> bool {
    text.starts_with(FORMULA_TRIGGERS)
}

/// China Standard Time is UTC+8 all year round: a fixed offset, no time-zone database needed.
const CHINA_OFFSET_SECONDS: i64 = 8 * 3600;
const SECONDS_PER_DAY: i64 = 86_400;

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

/// Excel only reads a CSV file as UTF-8 (instead of the system's GBK code page) when it starts
/// with a byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";
const CRLF: &[u8] = b"\r\n";

/// The CSV header line: UTF-8 BOM + the headers, RFC 4180, CRLF line ends.
pub fn csv_header(sheet: &Sheet) -> Vec<u8> {
    let mut out = Vec::with_capacity(BOM.len() + sheet.columns.len() * 16);
    out.extend_from_slice(BOM);
    for (index, column) in sheet.columns.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        push_csv_text(&mut out, column.header);
    }
    out.extend_from_slice(CRLF);
    out
}

/// Appends one data row (RFC 4180 quoting only where needed, CRLF) to `out`.
pub fn write_csv_row(out: &mut Vec<u8>, cells: &[Cell<'_>]) {
    for (index, cell) in cells.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        push_csv_cell(out, cell);
    }
    out.extend_from_slice(CRLF);
}

/// The whole CSV in chunks of about `chunk_bytes` (each chunk ends at a row boundary and holds
/// at least one row), built lazily row by row: the HTTP layer streams these, so only one copy of
/// the rows (the caller's) is ever held. The iterator is `Send + 'static` when `rows` is.
pub fn csv_chunks<'r, I>(sheet: Sheet, rows: I, chunk_bytes: usize) -> impl Iterator<Item = Vec<u8>>
where
    I: IntoIterator<Item = Vec<Cell<'r>>>,
{
    CsvChunks {
        header: Some(csv_header(&sheet)),
        sheet,
        rows: rows.into_iter().fuse(),
        chunk_bytes,
    }
}

struct CsvChunks<I> {
    /// Kept for the debug-build row checks.
    sheet: Sheet,
    /// The header line, until the first chunk takes it.
    header: Option<Vec<u8>>,
    /// Fused so that an exhausted iterator is never asked again.
    rows: Fuse<I>,
    chunk_bytes: usize,
}

impl<'r, I> Iterator for CsvChunks<I>
where
    I: Iterator<Item = Vec<Cell<'r>>>,
{
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        // The last row pushes a chunk past `chunk_bytes`; the slack keeps that from doubling the
        // allocation. The cap keeps a silly `chunk_bytes` from reserving gigabytes up front.
        let capacity = self.chunk_bytes.saturating_add(1024).min(8 << 20);
        let mut chunk = match self.header.take() {
            Some(mut header) => {
                header.reserve(capacity.saturating_sub(header.len()));
                header
            }
            None => Vec::with_capacity(capacity),
        };
        for row in self.rows.by_ref() {
            debug_check_row(&self.sheet, &row);
            write_csv_row(&mut chunk, &row);
            if chunk.len() >= self.chunk_bytes {
                break;
            }
        }
        (!chunk.is_empty()).then_some(chunk)
    }
}

fn push_csv_cell(out: &mut Vec<u8>, cell: &Cell<'_>) {
    match cell {
        Cell::Empty => {}
        Cell::Text(text) => push_csv_text(out, text),
        Cell::Integer(value) => push_fmt(out, format_args!("{value}")),
        Cell::Score(hundredths) => push_hundredths(out, false, u128::from(*hundredths)),
        Cell::Percent {
            numerator,
            denominator,
        } => {
            if *denominator > 0 {
                // Tenths of a percent, rounded half up: floor((n * 1000 + d / 2) / d), computed
                // as (2 n 1000 + d) / 2d so an odd denominator rounds exactly too.
                let denominator = u128::from(*denominator);
                let tenths = (u128::from(*numerator) * 2000 + denominator) / (2 * denominator);
                push_fmt(out, format_args!("{}.{}%", tenths / 10, tenths % 10));
            }
        }
        Cell::Decimal {
            numerator,
            denominator,
        } => {
            if *denominator > 0 {
                // Hundredths rounded half away from zero: round the magnitude half up, then put
                // the sign back unless the result is zero ("-0.00" would read as a value).
                let denominator = u128::from(*denominator);
                let magnitude = u128::from(numerator.unsigned_abs());
                let hundredths = (magnitude * 200 + denominator) / (2 * denominator);
                push_hundredths(out, *numerator < 0 && hundredths > 0, hundredths);
            }
        }
        Cell::Duration(seconds) => {
            let sign = if *seconds < 0 { "-" } else { "" };
            let seconds = seconds.unsigned_abs();
            push_fmt(
                out,
                format_args!(
                    "{sign}{}:{:02}:{:02}",
                    seconds / 3600,
                    seconds % 3600 / 60,
                    seconds % 60
                ),
            );
        }
        Cell::DateTime(unix_ms) => {
            let (days, second_of_day) = china_days_and_seconds(*unix_ms);
            let (year, month, day) = civil_from_days(days);
            push_fmt(
                out,
                format_args!(
                    "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
                    second_of_day / 3600,
                    second_of_day % 3600 / 60,
                    second_of_day % 60
                ),
            );
        }
    }
}

fn push_hundredths(out: &mut Vec<u8>, negative: bool, hundredths: u128) {
    let sign = if negative { "-" } else { "" };
    push_fmt(
        out,
        format_args!("{sign}{}.{:02}", hundredths / 100, hundredths % 100),
    );
}

fn push_fmt(out: &mut Vec<u8>, args: std::fmt::Arguments<'_>) {
    // `io::Write` for `Vec<u8>` never returns an error (running out of memory aborts instead).
    let _ = out.write_fmt(args);
}

/// RFC 4180: quote only a field holding a comma, a quote, CR or LF, and double inner quotes.
fn push_csv_text(out: &mut Vec<u8>, text: &str) {
    let quoted = text
        .bytes()
        .any(|byte| matches!(byte, b',' | b'"' | b'\r' | b'\n'));
    if quoted {
        out.push(b'"');
    }
    if needs_neutralizing(text) {
        out.push(b'\'');
    }
    if quoted {
        for (index, piece) in text.split('"').enumerate() {
            if index > 0 {
                out.extend_from_slice(b"\"\"");
            }
            out.extend_from_slice(piece.as_bytes());
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(text.as_bytes());
    }
}

/// Unix milliseconds → (days since 1970-01-01, second of the day), both in China Standard Time.
/// Milliseconds are dropped (floored), the same way in CSV and .xlsx, so both show the same
/// second.
fn china_days_and_seconds(unix_ms: i64) -> (i64, i64) {
    let local_seconds = unix_ms.div_euclid(1000) + CHINA_OFFSET_SECONDS;
    (
        local_seconds.div_euclid(SECONDS_PER_DAY),
        local_seconds.rem_euclid(SECONDS_PER_DAY),
    )
}

/// Days since 1970-01-01 → proleptic Gregorian (year, month, day), after Howard Hinnant's
/// `civil_from_days`: exact integer arithmetic, no failure path for any i64 we can produce.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468; // days since 0000-03-01
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097); // [0, 146096]
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153; // March = 0
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

// ---------------------------------------------------------------------------------------------
// .xlsx
// ---------------------------------------------------------------------------------------------

/// The workbook's formats, built once per export: rust_xlsxwriter looks a format up by value for
/// every cell, so they must not be rebuilt per cell.
struct XlsxFormats {
    header: Format,
    integer: Format,
    /// Scores and decimals alike.
    two_decimals: Format,
    percent: Format,
    duration: Format,
    datetime: Format,
}

impl XlsxFormats {
    fn new() -> Self {
        XlsxFormats {
            header: Format::new().set_bold(),
            integer: Format::new().set_num_format("0"),
            two_decimals: Format::new().set_num_format("0.00"),
            percent: Format::new().set_num_format("0.0%"),
            // "[h]" lets a duration run past 24 hours; Excel reads the cell as a time span.
            duration: Format::new().set_num_format("[h]:mm:ss"),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
        }
    }

    fn for_kind(&self, kind: ColumnKind) -> Option<&Format> {
        match kind {
            ColumnKind::Text => None,
            ColumnKind::Integer => Some(&self.integer),
            ColumnKind::Score | ColumnKind::Decimal => Some(&self.two_decimals),
            ColumnKind::Percent => Some(&self.percent),
            ColumnKind::Duration => Some(&self.duration),
            ColumnKind::DateTime => Some(&self.datetime),
        }
    }
}

/// Excel's serial day number of 1970-01-01 (its epoch is 1899-12-30 in the 1900 date system).
const EXCEL_SERIAL_OF_UNIX_EPOCH: f64 = 25_569.0;

/// The whole .xlsx file (one worksheet named `sheet.name`): the bold header row, frozen, then
/// one row per item of `rows`. Cells are written in constant-memory mode (one row in memory, the
/// rest in a temporary file), so a 100,000-row export never holds every cell twice.
///
/// This is CPU-bound work of a few hundred milliseconds for the largest exports: call it from
/// `spawn_blocking`, not on the async runtime.
pub fn xlsx<'r, I>(sheet: &Sheet, rows: I) -> Result<Vec<u8>, SheetError>
where
    I: IntoIterator<Item = Vec<Cell<'r>>>,
{
    let formats = XlsxFormats::new();
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet_with_constant_memory()?;
    worksheet.set_name(sheet.name)?;
    worksheet.set_freeze_panes(1, 0)?;
    for (col, column) in (0..).zip(&sheet.columns) {
        worksheet.set_column_width(col, column.width)?;
        // The column's own format too, so a value typed in later reads like the exported ones.
        if let Some(format) = formats.for_kind(column.kind) {
            worksheet.set_column_format(col, format)?;
        }
        let header = neutralized(Cow::Borrowed(column.header));
        worksheet.write_string_with_format(0, col, header, &formats.header)?;
    }
    for (row, cells) in (1..).zip(rows) {
        debug_check_row(sheet, &cells);
        for (col, cell) in (0..).zip(cells) {
            write_xlsx_cell(worksheet, &formats, row, col, cell)?;
        }
    }
    // Compressing the sheet's XML is most of the work. Level 3 (what Excel itself uses) takes
    // about 40% less time than the default 6 for a file about 20% larger: 100,000 rows × 10
    // columns in about 0.75 s of CPU instead of 1.25 s.
    workbook.set_zip_compression_level(3);
    Ok(workbook.save_to_buffer()?)
}

fn write_xlsx_cell(
    worksheet: &mut Worksheet,
    formats: &XlsxFormats,
    row: RowNum,
    col: ColNum,
    cell: Cell<'_>,
) -> Result<(), XlsxError> {
    let (number, format) = match cell {
        Cell::Empty => return Ok(()),
        Cell::Text(text) => {
            // Always a string cell, never a formula: the apostrophe is part of the text. An
            // empty text is no cell at all, like `Empty`.
            if !text.is_empty() {
                worksheet.write_string(row, col, neutralized(text))?;
            }
            return Ok(());
        }
        Cell::Integer(value) => (value as f64, &formats.integer),
        Cell::Score(hundredths) => (hundredths as f64 / 100.0, &formats.two_decimals),
        Cell::Percent {
            numerator,
            denominator,
        } => {
            if denominator == 0 {
                return Ok(());
            }
            (numerator as f64 / denominator as f64, &formats.percent)
        }
        Cell::Decimal {
            numerator,
            denominator,
        } => {
            if denominator == 0 {
                return Ok(());
            }
            (numerator as f64 / denominator as f64, &formats.two_decimals)
        }
        // Excel keeps times as fractions of a day.
        Cell::Duration(seconds) => (seconds as f64 / 86_400.0, &formats.duration),
        Cell::DateTime(unix_ms) => {
            let (days, second_of_day) = china_days_and_seconds(unix_ms);
            let serial = EXCEL_SERIAL_OF_UNIX_EPOCH + days as f64 + second_of_day as f64 / 86_400.0;
            (serial, &formats.datetime)
        }
    };
    worksheet.write_number_with_format(row, col, number, format)?;
    Ok(())
}

fn neutralized(text: Cow<'_, str>) -> String {
    if needs_neutralizing(&text) {
        format!("'{text}")
    } else {
        text.into_owned()
    }
}

/// A row longer than the header, or a cell of the wrong kind for its column, is a bug in the
/// caller; debug builds (and so the tests) stop there instead of exporting a shifted table.
fn debug_check_row(sheet: &Sheet, cells: &[Cell<'_>]) {
    debug_assert!(
        cells.len() <= sheet.columns.len(),
        "a row of {} cells for the {} columns of {}",
        cells.len(),
        sheet.columns.len(),
        sheet.name
    );
    if cfg!(debug_assertions) {
        for (column, cell) in sheet.columns.iter().zip(cells) {
            let fits = match cell {
                Cell::Empty => true,
                Cell::Text(_) => column.kind == ColumnKind::Text,
                Cell::Integer(_) => column.kind == ColumnKind::Integer,
                Cell::Score(_) => column.kind == ColumnKind::Score,
                Cell::Percent { .. } => column.kind == ColumnKind::Percent,
                Cell::Decimal { .. } => column.kind == ColumnKind::Decimal,
                Cell::Duration(_) => column.kind == ColumnKind::Duration,
                Cell::DateTime(_) => column.kind == ColumnKind::DateTime,
            };
            assert!(
                fits,
                "{cell:?} in the {:?} column {} of {}",
                column.kind, column.header, sheet.name
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, ExcelDateTime, ExcelDateTimeType, Reader, Xlsx, open_workbook_from_rs};

    use super::*;

    fn column(header: &'static str, kind: ColumnKind) -> Column {
        Column {
            header,
            kind,
            width: 12.0,
        }
    }

    fn one_column(kind: ColumnKind) -> Sheet {
        Sheet {
            name: "测试",
            columns: vec![column("值", kind)],
        }
    }

    fn csv_row(cells: &[Cell<'_>]) -> String {
        let mut out = Vec::new();
        write_csv_row(&mut out, cells);
        String::from_utf8(out).unwrap()
    }

    /// The CSV text of one cell, without the row's CRLF.
    fn csv_field(cell: Cell<'_>) -> String {
        let row = csv_row(&[cell]);
        row.strip_suffix("\r\n").unwrap().to_owned()
    }

    fn text(value: &str) -> Cell<'_> {
        Cell::from(value)
    }

    fn percent(numerator: u64, denominator: u64) -> Cell<'static> {
        Cell::Percent {
            numerator,
            denominator,
        }
    }

    fn decimal(numerator: i64, denominator: u64) -> Cell<'static> {
        Cell::Decimal {
            numerator,
            denominator,
        }
    }

    #[test]
    fn the_csv_header_starts_with_a_bom_and_ends_with_crlf() {
        let sheet = Sheet {
            name: "企业成绩",
            columns: vec![
                column("企业名称", ColumnKind::Text),
                column("平均分", ColumnKind::Score),
                column("及格率", ColumnKind::Percent),
            ],
        };
        let header = csv_header(&sheet);
        assert_eq!(&header[..3], b"\xEF\xBB\xBF");
        assert_eq!(
            std::str::from_utf8(&header[3..]).unwrap(),
            "企业名称,平均分,及格率\r\n"
        );
    }

    #[test]
    fn csv_fields_are_quoted_only_when_they_hold_a_comma_a_quote_or_a_line_break() {
        assert_eq!(
            csv_row(&[
                text("绿源环保科技有限公司"),
                text("a,b"),
                text("他说\"好\""),
                text("第一行\n第二行"),
                text("x\ry"),
                text("A-1 plain"),
            ]),
            "绿源环保科技有限公司,\"a,b\",\"他说\"\"好\"\"\",\"第一行\n第二行\",\"x\ry\",A-1 plain\r\n"
        );
    }

    #[test]
    fn csv_rows_end_with_crlf_and_keep_empty_fields() {
        let mut out = Vec::new();
        write_csv_row(&mut out, &[Cell::Empty, text("x"), Cell::Empty]);
        write_csv_row(&mut out, &[Cell::Integer(1), Cell::Empty, Cell::Empty]);
        assert_eq!(String::from_utf8(out).unwrap(), ",x,\r\n1,,\r\n");
        assert_eq!(csv_field(text("")), "");
    }

    #[test]
    fn csv_scores_have_exactly_two_decimals() {
        assert_eq!(csv_field(Cell::Score(8550)), "85.50");
        assert_eq!(csv_field(Cell::Score(0)), "0.00");
        assert_eq!(csv_field(Cell::Score(10_000)), "100.00");
        assert_eq!(csv_field(Cell::Score(7)), "0.07");
        assert_eq!(csv_field(Cell::Score(9_999)), "99.99");
    }

    #[test]
    fn csv_percentages_have_one_decimal_rounded_half_up() {
        assert_eq!(csv_field(percent(1, 3)), "33.3%");
        assert_eq!(csv_field(percent(2, 3)), "66.7%");
        assert_eq!(csv_field(percent(5, 6)), "83.3%");
        assert_eq!(csv_field(percent(1, 8)), "12.5%");
        assert_eq!(csv_field(percent(1, 16)), "6.3%");
        assert_eq!(csv_field(percent(0, 5)), "0.0%");
        assert_eq!(csv_field(percent(5, 5)), "100.0%");
        // 0.05% exactly rounds up; just below it rounds down.
        assert_eq!(csv_field(percent(1, 2000)), "0.1%");
        assert_eq!(csv_field(percent(1, 2001)), "0.0%");
        // No overflow for the largest counts.
        assert_eq!(csv_field(percent(u64::MAX, u64::MAX)), "100.0%");
    }

    #[test]
    fn csv_decimals_have_two_decimals_rounded_half_away_from_zero() {
        assert_eq!(csv_field(decimal(1, 3)), "0.33");
        assert_eq!(csv_field(decimal(-1, 3)), "-0.33");
        assert_eq!(csv_field(decimal(2, 3)), "0.67");
        assert_eq!(csv_field(decimal(-2, 3)), "-0.67");
        assert_eq!(csv_field(decimal(1, 8)), "0.13");
        assert_eq!(csv_field(decimal(-1, 8)), "-0.13");
        assert_eq!(csv_field(decimal(0, 7)), "0.00");
        assert_eq!(csv_field(decimal(1, 1)), "1.00");
        assert_eq!(csv_field(decimal(-1, 1)), "-1.00");
        // A negative value that rounds to zero is not "-0.00".
        assert_eq!(csv_field(decimal(-1, 1000)), "0.00");
        assert_eq!(csv_field(decimal(i64::MIN, 1)), "-9223372036854775808.00");
    }

    #[test]
    fn a_rate_with_a_zero_denominator_is_an_empty_field() {
        assert_eq!(csv_field(percent(0, 0)), "");
        assert_eq!(csv_field(decimal(0, 0)), "");
    }

    #[test]
    fn csv_integers_are_plain_digits() {
        assert_eq!(csv_field(Cell::Integer(0)), "0");
        assert_eq!(csv_field(Cell::Integer(1234567)), "1234567");
        assert_eq!(csv_field(Cell::Integer(-42)), "-42");
    }

    #[test]
    fn csv_durations_read_as_hours_minutes_and_seconds() {
        assert_eq!(csv_field(Cell::Duration(754)), "0:12:34");
        assert_eq!(csv_field(Cell::Duration(3725)), "1:02:05");
        assert_eq!(csv_field(Cell::Duration(0)), "0:00:00");
        assert_eq!(csv_field(Cell::Duration(100 * 3600)), "100:00:00");
    }

    #[test]
    fn csv_date_times_are_shown_in_china_standard_time() {
        assert_eq!(csv_field(Cell::DateTime(0)), "1970-01-01 08:00:00");
        // 2023-11-14 22:13:20 UTC is the next morning in Beijing.
        assert_eq!(
            csv_field(Cell::DateTime(1_700_000_000_000)),
            "2023-11-15 06:13:20"
        );
        // Milliseconds are dropped, not rounded up into the next second.
        assert_eq!(
            csv_field(Cell::DateTime(1_700_000_000_999)),
            "2023-11-15 06:13:20"
        );
        // A leap day, one second before midnight in Beijing (15:59:59 UTC).
        assert_eq!(
            csv_field(Cell::DateTime(1_709_222_399_000)),
            "2024-02-29 23:59:59"
        );
        assert_eq!(csv_field(Cell::DateTime(-1)), "1970-01-01 07:59:59");
    }

    #[test]
    fn csv_text_starting_with_a_formula_character_gets_a_leading_apostrophe() {
        assert_eq!(csv_field(text("=1+1")), "'=1+1");
        assert_eq!(csv_field(text("+86 138")), "'+86 138");
        assert_eq!(csv_field(text("-2+3")), "'-2+3");
        assert_eq!(csv_field(text("@SUM(A1)")), "'@SUM(A1)");
        assert_eq!(csv_field(text("\t=1")), "'\t=1");
        // A carriage return forces quoting as well; the apostrophe goes inside the quotes.
        assert_eq!(csv_field(text("\r=1")), "\"'\r=1\"");
        assert_eq!(
            csv_field(text("=HYPERLINK(\"x\",\"y\")")),
            "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""
        );
    }

    #[test]
    fn csv_text_with_a_formula_character_elsewhere_and_numbers_are_left_alone() {
        assert_eq!(csv_field(text("A-1")), "A-1");
        assert_eq!(csv_field(text("a=b")), "a=b");
        assert_eq!(csv_field(text(" =1")), " =1");
        assert_eq!(csv_field(Cell::Integer(-5)), "-5");
        assert_eq!(csv_field(decimal(-1, 2)), "-0.50");
        assert_eq!(csv_field(Cell::Duration(-5)), "-0:00:05");
    }

    fn company_sheet() -> Sheet {
        Sheet {
            name: "企业成绩",
            columns: vec![
                column("企业名称", ColumnKind::Text),
                column("参赛人数", ColumnKind::Integer),
                column("平均分", ColumnKind::Score),
            ],
        }
    }

    fn company_row(index: u64) -> Vec<Cell<'static>> {
        vec![
            Cell::from(format!("企业{index},有限公司")),
            Cell::Integer(index as i64),
            Cell::Score(index * 7),
        ]
    }

    #[test]
    fn csv_chunks_join_into_the_header_and_every_row_in_order() {
        let rows: Vec<_> = (0..500).map(company_row).collect();
        let mut expected = csv_header(&company_sheet());
        for row in &rows {
            write_csv_row(&mut expected, row);
        }

        let chunks: Vec<Vec<u8>> = csv_chunks(company_sheet(), rows, 1024).collect();
        assert!(chunks.len() > 5, "{} chunks", chunks.len());
        let longest_row = 64;
        for chunk in &chunks {
            assert!(chunk.len() < 1024 + longest_row, "{} bytes", chunk.len());
            assert!(chunk.ends_with(b"\r\n"), "a chunk ends at a row boundary");
        }
        assert_eq!(chunks.concat(), expected);
    }

    #[test]
    fn csv_chunks_of_no_rows_are_the_header_alone() {
        let chunks: Vec<Vec<u8>> =
            csv_chunks(company_sheet(), Vec::<Vec<Cell<'static>>>::new(), 1024).collect();
        assert_eq!(chunks, vec![csv_header(&company_sheet())]);
    }

    #[test]
    fn csv_chunks_of_zero_bytes_still_carry_every_row() {
        let chunks: Vec<Vec<u8>> =
            csv_chunks(company_sheet(), (0..3).map(company_row), 0).collect();
        // The header with the first row, then one row per chunk.
        assert_eq!(chunks.len(), 3);
        let mut expected = csv_header(&company_sheet());
        for index in 0..3 {
            write_csv_row(&mut expected, &company_row(index));
        }
        assert_eq!(chunks.concat(), expected);
    }

    #[test]
    fn csv_chunks_can_move_to_another_thread_when_the_rows_can() {
        fn assert_send_static<T: Send + 'static>(_: &T) {}
        let chunks = csv_chunks(company_sheet(), (0..3).map(company_row), 64);
        assert_send_static(&chunks);
        let joined = std::thread::spawn(move || chunks.collect::<Vec<_>>().concat())
            .join()
            .unwrap();
        assert!(joined.starts_with(BOM));
    }

    fn read_back(bytes: Vec<u8>, sheet_name: &str) -> Vec<Vec<Data>> {
        let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        assert_eq!(workbook.sheet_names(), vec![sheet_name.to_owned()]);
        let range = workbook.worksheet_range(sheet_name).unwrap();
        assert_eq!(range.start(), Some((0, 0)));
        range.rows().map(<[Data]>::to_vec).collect()
    }

    fn as_number(data: &Data) -> f64 {
        match data {
            Data::Float(value) => *value,
            Data::Int(value) => *value as f64,
            other => panic!("expected a number, found {other:?}"),
        }
    }

    /// The date and time an Excel date-time cell shows, to the second. A serial such as
    /// 25569.333… (08:00:00) is stored one ulp below the exact value, as Excel itself stores it;
    /// Excel rounds it to the millisecond, but calamine floors the second and reads
    /// 07:59:59 + 1000 ms. So read the middle of the nearest second instead.
    fn shown(cell: &Data) -> (u16, u8, u8, u8, u8, u8) {
        let Data::DateTime(datetime) = cell else {
            panic!("expected a date-time, found {cell:?}");
        };
        assert!(datetime.is_datetime(), "{datetime:?} is not a date-time");
        let second = (datetime.as_f64() * 86_400.0).round();
        let middle = ExcelDateTime::new(
            (second + 0.5) / 86_400.0,
            ExcelDateTimeType::DateTime,
            false,
        );
        let (year, month, day, hour, minute, second, _) = middle.to_ymd_hms_milli();
        (year, month, day, hour, minute, second)
    }

    #[test]
    fn xlsx_keeps_headers_text_numbers_and_times_typed() {
        let sheet = Sheet {
            name: "参赛人员",
            columns: vec![
                column("姓名", ColumnKind::Text),
                column("排名", ColumnKind::Integer),
                column("得分", ColumnKind::Score),
                column("及格率", ColumnKind::Percent),
                column("区分度", ColumnKind::Decimal),
                column("用时", ColumnKind::Duration),
                column("提交时间", ColumnKind::DateTime),
            ],
        };
        let rows = vec![
            vec![
                text("张三"),
                Cell::Integer(1),
                Cell::Score(8550),
                percent(5, 6),
                decimal(-1, 8),
                Cell::Duration(754),
                // 2023-11-15 06:13:20 in Beijing.
                Cell::DateTime(1_700_000_000_000),
            ],
            vec![
                text("=1+1"),
                Cell::Empty,
                Cell::Score(0),
                percent(1, 0),
                Cell::Empty,
                Cell::Duration(3725),
                Cell::DateTime(0),
            ],
        ];

        let read = read_back(xlsx(&sheet, rows).unwrap(), "参赛人员");
        assert_eq!(read.len(), 3);

        let headers: Vec<_> = sheet.columns.iter().map(|c| c.header).collect();
        assert_eq!(
            read[0],
            headers
                .iter()
                .map(|header| Data::String((*header).to_owned()))
                .collect::<Vec<_>>()
        );

        let first = &read[1];
        assert_eq!(first[0], Data::String("张三".to_owned()));
        assert_eq!(as_number(&first[1]), 1.0);
        assert_eq!(as_number(&first[2]), 85.5);
        assert!((as_number(&first[3]) - 5.0 / 6.0).abs() < 1e-12);
        assert_eq!(as_number(&first[4]), -0.125);
        let Data::DateTime(duration) = &first[5] else {
            panic!("expected a duration, found {:?}", first[5]);
        };
        assert!(duration.is_duration());
        assert!((duration.as_f64() * 86_400.0 - 754.0).abs() < 1e-6);
        assert_eq!(shown(&first[6]), (2023, 11, 15, 6, 13, 20));

        let second = &read[2];
        assert_eq!(second[0], Data::String("'=1+1".to_owned()));
        assert_eq!(second[1], Data::Empty);
        assert_eq!(as_number(&second[2]), 0.0);
        assert_eq!(second[3], Data::Empty, "a rate of nothing is left empty");
        assert_eq!(second[4], Data::Empty);
        let Data::DateTime(duration) = &second[5] else {
            panic!("expected a duration, found {:?}", second[5]);
        };
        assert!((duration.as_f64() * 86_400.0 - 3725.0).abs() < 1e-6);
        assert_eq!(shown(&second[6]), (1970, 1, 1, 8, 0, 0));
    }

    #[test]
    fn xlsx_neutralizes_every_formula_character_and_writes_no_formula() {
        let triggers = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"];
        let rows = triggers.iter().map(|value| vec![text(value)]);
        let read = read_back(xlsx(&one_column(ColumnKind::Text), rows).unwrap(), "测试");
        let written: Vec<_> = read[1..].iter().map(|row| row[0].clone()).collect();
        let expected: Vec<_> = triggers
            .iter()
            .map(|value| Data::String(format!("'{value}")))
            .collect();
        assert_eq!(written, expected);

        let untouched = ["A-1", "a=b"];
        let rows = untouched.iter().map(|value| vec![text(value)]);
        let read = read_back(xlsx(&one_column(ColumnKind::Text), rows).unwrap(), "测试");
        assert_eq!(read[1][0], Data::String("A-1".to_owned()));
        assert_eq!(read[2][0], Data::String("a=b".to_owned()));
    }

    #[test]
    fn xlsx_of_no_rows_is_the_header_row_alone() {
        let read = read_back(
            xlsx(&company_sheet(), Vec::<Vec<Cell<'_>>>::new()).unwrap(),
            "企业成绩",
        );
        assert_eq!(read.len(), 1);
        assert_eq!(read[0][0], Data::String("企业名称".to_owned()));
    }

    #[test]
    fn xlsx_refuses_a_worksheet_name_excel_cannot_open() {
        let sheet = Sheet {
            name: "成绩/排名",
            columns: vec![column("值", ColumnKind::Text)],
        };
        let error = xlsx(&sheet, Vec::<Vec<Cell<'_>>>::new()).unwrap_err();
        assert!(matches!(error, SheetError::Xlsx(_)), "{error}");
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "column")]
    fn a_cell_of_the_wrong_kind_for_its_column_is_caught_in_debug_builds() {
        let _ = xlsx(&one_column(ColumnKind::Percent), vec![vec![Cell::Score(1)]]);
    }
}
