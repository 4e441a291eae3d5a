//! The bureau's CSV as clerks really save it, and every bad input the importer must explain.

use question_bank::bureau_csv::{Delimiter, SourceEncoding};
use question_bank::{
    Choice, DEFAULT_MAX_BYTES, Difficulty, Error, ImportReport, Kind, RowError, parse_bank,
    read_bank, write_bank,
};

const HEADER: &str = "编号,题型,题干,选项A,选项B,选项C,选项D,答案,法规,条款,难度,解析,标签\n";

fn report(csv: &str) -> ImportReport {
    parse_bank(csv.as_bytes()).expect("the text is readable")
}

fn errors(csv: &str) -> Vec<RowError> {
    report(csv).errors
}

/// The single error a file has, as `(line, column, message)`.
fn only_error(csv: &str) -> (u64, Option<String>, String) {
    let errors = errors(csv);
    assert_eq!(
        errors.len(),
        1,
        "expected exactly one error, got {errors:#?}"
    );
    let e = errors.into_iter().next().unwrap();
    (e.line, e.column, e.message)
}

fn with_rows(rows: &[&str]) -> String {
    let mut csv = HEADER.to_owned();
    for row in rows {
        csv.push_str(row);
        csv.push('\n');
    }
    csv
}

const GOOD_SINGLE: &str = "PX-1,单选,排污许可证的有效期为（　）。,3年,5年,8年,10年,B,《排污许可管理条例》,第十四条,易,排污许可证有效期为5年。,排污许可";
const GOOD_MULTIPLE: &str = "GF-1,多选,危险废物转移应当,填写转移联单,随意委托,经批准,无需记录,AC,《中华人民共和国固体废物污染环境防治法》,第八十二条,中,,危险废物";
const GOOD_JUDGE: &str = ",判断,企业可以私设暗管排放水污染物。,,,,,错,水污染防治法,第三十九条,难,,";

#[test]
fn a_clean_file_in_the_documented_format_imports_every_kind() {
    let report = report(&with_rows(&[GOOD_SINGLE, GOOD_MULTIPLE, GOOD_JUDGE]));
    assert!(report.is_valid(), "{:#?}", report.errors);
    assert_eq!(report.encoding, SourceEncoding::Utf8);
    assert_eq!(report.delimiter, Delimiter::Comma);
    let kinds: Vec<Kind> = report.questions.iter().map(|q| q.question.kind()).collect();
    assert_eq!(kinds, [Kind::Single, Kind::Multiple, Kind::Judge]);
    let lines: Vec<u64> = report.questions.iter().map(|q| q.line).collect();
    assert_eq!(lines, [2, 3, 4]);
    let single = &report.questions[0].question;
    assert_eq!(single.external_id(), Some("PX-1"));
    assert_eq!(single.regulation(), "排污许可管理条例");
    assert_eq!(single.article(), Some("第十四条"));
    assert_eq!(single.answer(), Choice::only(1));
    assert_eq!(single.difficulty(), Difficulty::Easy);
    assert_eq!(single.tags(), ["排污许可"]);
    assert_eq!(report.questions[2].question.answer(), Choice::FALSE);
}

#[test]
fn english_headers_in_any_order_full_width_answers_and_tabs_are_understood() {
    let tsv = "answer\tregulation\tkind\toption_b\toption_a\tstem\tdifficulty\ttags\n\
               ＡＢ\t 《 环境保护法 》 \tmultiple\t乙\t甲\t题目一\thard\t甲；乙、丙,丁\n";
    let report = report(tsv);
    assert!(report.is_valid(), "{:#?}", report.errors);
    assert_eq!(report.delimiter, Delimiter::Tab);
    let q = &report.questions[0].question;
    assert_eq!(q.options(), ["甲", "乙"]);
    assert_eq!(q.answer(), Choice::from_indexes([0, 1]));
    assert_eq!(q.regulation(), "环境保护法");
    assert_eq!(q.difficulty(), Difficulty::Hard);
    assert_eq!(q.tags(), ["甲", "乙", "丙", "丁"]);
}

#[test]
fn line_numbers_count_excels_crlf_line_ends_blank_lines_and_quoted_newlines() {
    let bad = GOOD_SINGLE.replace(",B,", ",X,").replace("PX-1", "PX-9");
    let multiline = GOOD_SINGLE
        .replace("PX-1", "PX-2")
        .replace("排污许可证的有效期为（　）。", "\"第一行\r\n第二行\"");
    // Line 1 header, 2 good, 3 blank, 4 two physical lines (4–5), 6 blank, 7 the bad row.
    let csv = format!(
        "{}\r\n{GOOD_SINGLE}\r\n\r\n{multiline}\r\n\r\n{bad}\r\n",
        HEADER.trim_end()
    );
    let (line, column, _) = only_error(&csv);
    assert_eq!((line, column.as_deref()), (7, Some("答案")));
    let lf = csv.replace("\r\n", "\n");
    assert_eq!(only_error(&lf).0, 7, "the same lines with LF line ends");
}

#[test]
fn a_utf8_bom_is_not_part_of_the_first_header() {
    let csv = format!("\u{FEFF}{}", with_rows(&[GOOD_SINGLE]));
    let report = report(&csv);
    assert!(report.is_valid(), "{:#?}", report.errors);
    assert_eq!(report.encoding, SourceEncoding::Utf8WithBom);
}

#[test]
fn a_gb18030_file_written_by_encoding_rs_round_trips() {
    let utf8 = with_rows(&[GOOD_SINGLE, GOOD_MULTIPLE, GOOD_JUDGE]);
    let (gb18030, _, unmappable) = encoding_rs::GB18030.encode(&utf8);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&gb18030).is_err(),
        "the bytes really are not UTF-8"
    );
    let from_gb = parse_bank(&gb18030).unwrap();
    assert_eq!(from_gb.encoding, SourceEncoding::Gb18030);
    let from_utf8 = report(&utf8);
    assert_eq!(from_gb.questions, from_utf8.questions);
}

#[test]
fn excel_unicode_text_utf16_is_understood() {
    let tsv = with_rows(&[GOOD_SINGLE]).replace(',', "\t");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(tsv.encode_utf16().flat_map(u16::to_le_bytes));
    let report = parse_bank(&bytes).unwrap();
    assert_eq!(report.encoding, SourceEncoding::Utf16);
    assert!(report.is_valid(), "{:#?}", report.errors);
}

#[test]
fn bytes_that_are_neither_utf8_nor_gb18030_are_refused_with_the_line() {
    let mut bytes = with_rows(&[GOOD_SINGLE]).into_bytes();
    bytes.extend_from_slice(b"\xFF\xFF\xFF,broken\n");
    match parse_bank(&bytes) {
        Err(e @ Error::UnknownEncoding { near_line: Some(3) }) => {
            assert!(e.to_string().contains("CSV UTF-8"), "{e}");
        }
        other => panic!("expected an encoding error near line 3, got {other:?}"),
    }
}

#[test]
fn an_empty_file_is_reported_not_imported() {
    let (line, column, message) = only_error("");
    assert_eq!((line, column), (1, None));
    assert!(message.contains("文件是空的"));
    assert!(report("").questions.is_empty());
}

#[test]
fn a_header_without_rows_is_reported() {
    let (line, _, message) = only_error(HEADER);
    assert_eq!(line, 1);
    assert!(message.contains("没有题目"), "{message}");
}

#[test]
fn an_unknown_column_is_named_and_nothing_is_silently_dropped() {
    let csv = "题型,题干,选项A,选项B,答案,法规,备注
单选,题目,甲,乙,A,环境保护法,请核对
";
    let errors = errors(csv);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        (errors[0].line, errors[0].column.as_deref()),
        (1, Some("备注"))
    );
    assert!(errors[0].message.contains("未知的列「备注」"));
}

#[test]
fn a_missing_required_column_is_named_once_not_on_every_row() {
    let csv =
        "题型,题干,选项A,选项B,法规\n单选,题目一,甲,乙,环境保护法\n单选,题目二,甲,乙,环境保护法\n";
    let (line, column, message) = only_error(csv);
    assert_eq!((line, column.as_deref()), (1, Some("答案")));
    assert!(message.contains("缺少必需的列「答案」"));
}

#[test]
fn a_repeated_column_is_refused() {
    let csv = "题型,题干,答案,选项A,选项B,答案,法规\n单选,题目,A,甲,乙,A,环境保护法\n";
    let (line, _, message) = only_error(csv);
    assert_eq!(line, 1);
    assert!(message.contains("出现了两次"), "{message}");
}

#[test]
fn a_row_with_too_many_fields_points_at_the_unquoted_comma() {
    let csv = with_rows(&[
        GOOD_SINGLE,
        "PX-2,单选,题干里有逗号,没加引号,3年,5年,8年,10年,B,排污许可管理条例,第十四条,易,,",
    ]);
    let (line, column, message) = only_error(&csv);
    assert_eq!((line, column), (3, None));
    assert!(
        message.contains("14 个字段") && message.contains("双引号"),
        "{message}"
    );
}

#[test]
fn line_numbers_count_the_newlines_inside_quoted_cells() {
    let csv = with_rows(&[
        "1,单选,\"第一行\n第二行\n第三行\",甲,乙,,,A,环境保护法,,,,",
        "2,单选,题目,甲,乙,,,AB,环境保护法,,,,",
    ]);
    let (line, column, message) = only_error(&csv);
    assert_eq!((line, column.as_deref()), (5, Some("答案")));
    assert_eq!(
        message,
        "单选题只能有一个正确答案,实际为 \"AB\";若有多个正确答案,请把题型改为多选"
    );
}

#[test]
fn every_bad_row_is_reported_at_once_with_its_line_and_column() {
    let csv = with_rows(&[
        GOOD_SINGLE,                                          // 2
        "e1,单选,两个答案,甲,乙,丙,丁,AB,环境保护法,,,,",     // 3
        "e2,多选,不存在的选项,甲,乙,丙,丁,AE,环境保护法,,,,", // 4
        "e3,判断,模棱两可,,,,,可能,环境保护法,,,,",           // 5
        "e4,单选,,甲,乙,,,A,环境保护法,,,,",                  // 6
        "e5,单选,没有法规,甲,乙,,,A,,,,,",                    // 7
        "e6,单选,选项有空,甲,,丙,,A,环境保护法,,,,",          // 8
        "e7,单选,太难了,甲,乙,,,A,环境保护法,,超难,,",        // 9
        "e8,问答,请论述,,,,,见解析,环境保护法,,,,",           // 10
        GOOD_JUDGE,                                           // 11
    ]);
    let report = report(&csv);
    let found: Vec<(u64, &str)> = report
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        found,
        [
            (3, "答案"),
            (4, "答案"),
            (5, "答案"),
            (6, "题干"),
            (7, "法规"),
            (8, "选项B"),
            (9, "难度"),
            (10, "题型"),
        ]
    );
    let message = |line: u64| {
        report
            .errors
            .iter()
            .find(|e| e.line == line)
            .map(|e| e.message.clone())
            .unwrap()
    };
    assert!(
        message(4).contains("\"E\"") && message(4).contains("A–D"),
        "{}",
        message(4)
    );
    assert!(message(5).contains("\"可能\""));
    assert!(message(8).contains("选项B为空"));
    assert!(message(9).contains("\"超难\""));
    assert!(message(10).contains("\"问答\""));
    // The valid rows are still parsed, so the clerk sees the whole picture...
    assert_eq!(report.questions.len(), 2);
    // ...but the file as a whole may not be imported.
    assert!(!report.is_valid());
}

#[test]
fn the_example_error_reads_as_documented() {
    let csv = with_rows(&["x,单选,题目,甲,乙,,,AB,环境保护法,,,,"]);
    assert_eq!(
        errors(&csv)[0].to_string(),
        "第2行「答案」: 单选题只能有一个正确答案,实际为 \"AB\";若有多个正确答案,请把题型改为多选"
    );
}

#[test]
fn errors_name_the_column_as_the_file_spells_it() {
    let csv = "kind,stem,option_a,option_b,answer,regulation\nsingle,stem,a,b,AB,环境保护法\n";
    let (_, column, _) = only_error(csv);
    assert_eq!(column.as_deref(), Some("answer"));
}

#[test]
fn duplicate_stems_are_skipped_and_reported_with_the_line_they_repeat() {
    let csv = with_rows(&[
        ",单选,下列说法正确的是（　）。,甲,乙,,,A,环境保护法,,,,",
        ",判断,下列说法正确的是（　）。,,,,,对,环境保护法,,,,",
        ",单选,下列说法正确的是( ),丙,丁,,,B,环境保护法,,,,",
    ]);
    let report = report(&csv);
    assert!(report.is_valid());
    assert_eq!(
        report.questions.len(),
        2,
        "a judge question with the same stem is another question"
    );
    assert_eq!(report.duplicates.len(), 1);
    assert_eq!(
        (
            report.duplicates[0].line,
            report.duplicates[0].duplicate_of_line
        ),
        (4, 2)
    );
}

#[test]
fn the_same_bureau_id_twice_in_one_file_is_an_error() {
    let csv = with_rows(&[GOOD_SINGLE, &GOOD_SINGLE.replace("有效期为", "有效期是")]);
    let (line, column, message) = only_error(&csv);
    assert_eq!((line, column.as_deref()), (3, Some("编号")));
    assert!(message.contains("第2行"));
}

#[test]
fn blank_rows_and_empty_trailing_columns_from_excel_are_ignored() {
    let csv = format!(
        "{},,\n{},,\n,,,,,,,,,,,,,,\n\n",
        HEADER.trim_end(),
        GOOD_SINGLE
    );
    let report = report(&csv);
    assert!(report.is_valid(), "{:#?}", report.errors);
    assert_eq!(report.questions.len(), 1);
}

#[test]
fn data_under_an_empty_header_cell_is_an_error() {
    let csv = format!("{},\n{},漏掉的内容\n", HEADER.trim_end(), GOOD_SINGLE);
    let (line, column, _) = only_error(&csv);
    assert_eq!((line, column.as_deref()), (2, Some("第14列")));
}

#[test]
fn a_bank_written_back_reads_as_the_same_questions() {
    let original = report(&with_rows(&[GOOD_SINGLE, GOOD_MULTIPLE, GOOD_JUDGE]));
    let questions: Vec<_> = original.questions.iter().map(|q| &q.question).collect();
    let mut written = Vec::new();
    write_bank(questions.iter().copied(), &mut written).unwrap();
    let again = parse_bank(&written).unwrap();
    assert!(again.is_valid(), "{:#?}", again.errors);
    let again: Vec<_> = again.questions.into_iter().map(|q| q.question).collect();
    assert_eq!(again.iter().collect::<Vec<_>>(), questions);
}

/// A generated file of `rows` valid rows, about 200 bytes each.
fn generated_bank(rows: usize) -> Vec<u8> {
    let mut csv = HEADER.to_owned();
    for n in 0..rows {
        csv.push_str(&format!(
            "G-{n},单选,第{n}题:排污单位应当按照排污许可证的规定排放污染物,正确,错误,不确定,无关,A,排污许可管理条例,第十七条,中,依法持证排污。,排污许可\n"
        ));
    }
    csv.into_bytes()
}

#[test]
fn a_twenty_megabyte_file_is_accepted() {
    let bytes = generated_bank(110_000);
    assert!(bytes.len() > 20_000_000, "{} bytes", bytes.len());
    let report = read_bank(bytes.as_slice(), DEFAULT_MAX_BYTES).unwrap();
    assert!(report.is_valid());
    assert_eq!(report.questions.len(), 110_000);
}

/// A reader of endless CSV rows: shows the limit stops reading long before memory runs out.
struct EndlessRows {
    served: u64,
}

impl std::io::Read for EndlessRows {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let row = b"1,\xe5\x8d\x95\xe9\x80\x89,stem,a,b,,,A,law,,,,\n";
        let n = buf.len().min(row.len());
        buf[..n].copy_from_slice(&row[..n]);
        self.served += n as u64;
        Ok(n)
    }
}

#[test]
fn a_two_hundred_megabyte_file_is_refused_by_the_size_limit_without_reading_it_all() {
    let mut endless = EndlessRows { served: 0 };
    match read_bank(&mut endless, DEFAULT_MAX_BYTES) {
        Err(e @ Error::TooLarge { .. }) => assert!(e.to_string().contains("64 MB"), "{e}"),
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert!(
        endless.served <= DEFAULT_MAX_BYTES + 64,
        "read {} bytes",
        endless.served
    );
    const { assert!(200 * 1024 * 1024 > DEFAULT_MAX_BYTES) };
}
