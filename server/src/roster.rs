//! The enterprise roster (企业名录) the bureau loads from a CSV saved from Excel: 企业名称,
//! 统一社会信用代码, 所属街道. Pure: bytes in, companies or line-numbered Chinese errors out,
//! with the question importer's encodings and all-or-nothing rule (the store imports a report
//! only when it has no errors).

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use question_bank::{RowError, read_table};

use crate::identity::CreditCode;

/// Longest company name and subdistrict accepted (registration uses the same limits).
pub const MAX_COMPANY_NAME_CHARS: usize = 100;
pub const MAX_SUBDISTRICT_CHARS: usize = 50;

/// One company of the roster, valid by construction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterCompany {
    pub name: String,
    pub credit_code: CreditCode,
    pub subdistrict: String,
}

/// A roster file read: the companies (with their lines) and every problem found.
#[derive(Debug, Default)]
pub struct RosterReport {
    pub companies: Vec<(u64, RosterCompany)>,
    pub errors: Vec<RowError>,
}

impl RosterReport {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum RosterColumn {
    Name,
    CreditCode,
    Subdistrict,
    /// 序号: the row numbers Excel sheets almost always carry; read and ignored.
    RowNumber,
}

impl RosterColumn {
    fn label(self) -> &'static str {
        match self {
            RosterColumn::Name => "企业名称",
            RosterColumn::CreditCode => "统一社会信用代码",
            RosterColumn::Subdistrict => "所属街道",
            RosterColumn::RowNumber => "序号",
        }
    }

    /// Chinese and English names clerks use for each column (spaces and case ignored).
    fn for_header(cell: &str) -> Option<RosterColumn> {
        let key: String = cell
            .chars()
            .map(question_bank::text::fold_width)
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_lowercase();
        Some(match key.as_str() {
            "企业名称" | "单位名称" | "企业" | "名称" | "company_name" | "company" | "name" => {
                RosterColumn::Name
            }
            "统一社会信用代码" | "社会信用代码" | "信用代码" | "credit_code" => {
                RosterColumn::CreditCode
            }
            "所属街道" | "街道" | "所属街镇" | "街镇" | "subdistrict" => {
                RosterColumn::Subdistrict
            }
            "序号" | "no" | "no." => RosterColumn::RowNumber,
            _ => return None,
        })
    }
}

/// Reads a roster file. Fails only when the bytes are not text in a supported encoding;
/// everything wrong inside the file is in `RosterReport::errors`.
pub fn parse_roster(bytes: &[u8]) -> Result<RosterReport, question_bank::Error> {
    let table = read_table(bytes, "填写一家企业(企业名称、统一社会信用代码、所属街道)")?;
    let mut report = RosterReport {
        companies: Vec::new(),
        errors: table.errors,
    };
    let Some(columns) = read_header(&table.header, &mut report.errors) else {
        return Ok(report);
    };
    let mut first_line_of_code: HashMap<String, u64> = HashMap::new();
    for row in &table.rows {
        let cell = |wanted: RosterColumn| {
            columns
                .iter()
                .position(|c| *c == Some(wanted))
                .map_or("", |i| row.cells[i].as_str())
        };
        let mut problem = |column: RosterColumn, message: String| {
            report.errors.push(RowError {
                line: row.line,
                column: Some(column.label().to_owned()),
                message,
            });
        };
        let name = cell(RosterColumn::Name);
        let subdistrict = cell(RosterColumn::Subdistrict);
        let code_text = cell(RosterColumn::CreditCode);
        let mut valid = true;
        if name.is_empty() {
            problem(RosterColumn::Name, "企业名称不能为空".into());
            valid = false;
        } else if name.chars().count() > MAX_COMPANY_NAME_CHARS {
            problem(
                RosterColumn::Name,
                format!("企业名称不能超过 {MAX_COMPANY_NAME_CHARS} 个字"),
            );
            valid = false;
        }
        if subdistrict.is_empty() {
            problem(
                RosterColumn::Subdistrict,
                "所属街道不能为空,请填写企业所在的街道(镇)".into(),
            );
            valid = false;
        } else if subdistrict.chars().count() > MAX_SUBDISTRICT_CHARS {
            problem(
                RosterColumn::Subdistrict,
                format!("所属街道不能超过 {MAX_SUBDISTRICT_CHARS} 个字"),
            );
            valid = false;
        }
        let credit_code = if code_text.is_empty() {
            problem(RosterColumn::CreditCode, "统一社会信用代码不能为空".into());
            None
        } else {
            match CreditCode::parse(code_text) {
                Ok(code) => Some(code),
                Err(message) => {
                    problem(
                        RosterColumn::CreditCode,
                        format!("\"{code_text}\" 无效:{message}"),
                    );
                    None
                }
            }
        };
        let Some(credit_code) = credit_code else {
            continue;
        };
        match first_line_of_code.entry(credit_code.as_str().to_owned()) {
            Entry::Occupied(first) => {
                problem(
                    RosterColumn::CreditCode,
                    format!(
                        "统一社会信用代码 {} 与第{}行重复;每家企业只能出现一次,请删除重复的行",
                        credit_code.as_str(),
                        first.get()
                    ),
                );
                continue;
            }
            Entry::Vacant(slot) => {
                slot.insert(row.line);
            }
        }
        if valid {
            report.companies.push((
                row.line,
                RosterCompany {
                    name: name.to_owned(),
                    credit_code,
                    subdistrict: subdistrict.to_owned(),
                },
            ));
        }
    }
    Ok(report)
}

/// Maps header cells to columns; `None` (with errors) when a column is unknown, repeated or
/// missing — every row would be read wrongly otherwise.
fn read_header(header: &[String], errors: &mut Vec<RowError>) -> Option<Vec<Option<RosterColumn>>> {
    let mut columns = Vec::with_capacity(header.len());
    let mut ok = true;
    for cell in header {
        let column = RosterColumn::for_header(cell);
        match column {
            None if cell.is_empty() => {
                ok = false;
                errors.push(RowError {
                    line: 1,
                    column: None,
                    message:
                        "表头有空白列;请删除空列,或填写列名(企业名称、统一社会信用代码、所属街道)"
                            .into(),
                });
            }
            None => {
                ok = false;
                errors.push(RowError {
                    line: 1,
                    column: Some(cell.clone()),
                    message: format!(
                        "不认识的列名 \"{cell}\";名录只能有 企业名称、统一社会信用代码、所属街道(可另有 序号)三列"
                    ),
                });
            }
            Some(c) if columns.contains(&Some(c)) => {
                ok = false;
                errors.push(RowError {
                    line: 1,
                    column: Some(cell.clone()),
                    message: format!("列「{}」出现了两次,请删除其中一列", c.label()),
                });
            }
            Some(_) => {}
        }
        columns.push(column);
    }
    for required in [
        RosterColumn::Name,
        RosterColumn::CreditCode,
        RosterColumn::Subdistrict,
    ] {
        if !columns.contains(&Some(required)) {
            ok = false;
            errors.push(RowError {
                line: 1,
                column: Some(required.label().to_owned()),
                message: format!("缺少必填列「{}」,请在表头加上这一列", required.label()),
            });
        }
    }
    ok.then_some(columns)
}

/// True when what a person typed names the same thing as the roster's text: spaces, width and
/// letter case do not count (a phone keyboard's full-width brackets or a stray space).
pub fn same_text(typed: &str, roster: &str) -> bool {
    let fold = |text: &str| -> String {
        text.chars()
            .map(question_bank::text::fold_width)
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    fold(typed) == fold(roster)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::with_check_character;

    fn code(n: u32) -> String {
        with_check_character(&format!("91440300{n:09}"))
    }

    #[test]
    fn a_roster_with_chinese_headers_in_any_order_is_read_with_lines() {
        let csv = format!(
            "所属街道,企业名称,统一社会信用代码\n沙头街道,深圳甲公司,{}\n\n福田街道,深圳乙公司,{}\n",
            code(1),
            code(2)
        );
        let report = parse_roster(csv.as_bytes()).unwrap();
        assert!(report.is_valid(), "{:?}", report.errors);
        assert_eq!(report.companies.len(), 2);
        assert_eq!(report.companies[1].0, 4, "the blank line is counted");
        assert_eq!(report.companies[1].1.subdistrict, "福田街道");
    }

    #[test]
    fn a_wrong_check_digit_a_duplicate_and_a_missing_subdistrict_are_each_reported() {
        let good = code(1);
        let mut bad = good.clone();
        bad.replace_range(17.., if good.ends_with('0') { "1" } else { "0" });
        let csv = format!(
            "企业名称,统一社会信用代码,所属街道\n甲,{good},沙头街道\n乙,{bad},沙头街道\n丙,{good},福田街道\n丁,{},\n",
            code(4)
        );
        let report = parse_roster(csv.as_bytes()).unwrap();
        let lines: Vec<(u64, Option<&str>)> = report
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_deref()))
            .collect();
        assert_eq!(
            lines,
            [
                (3, Some("统一社会信用代码")),
                (4, Some("统一社会信用代码")),
                (5, Some("所属街道"))
            ]
        );
        assert!(report.errors[0].message.contains("校验位"));
        assert!(report.errors[1].message.contains("第2行重复"));
    }

    #[test]
    fn an_unknown_column_is_refused_but_a_row_number_column_is_ignored() {
        let csv = format!(
            "序号,企业名称,统一社会信用代码,所属街道\n1,甲,{},沙头街道\n",
            code(1)
        );
        assert!(parse_roster(csv.as_bytes()).unwrap().is_valid());
        let csv = format!(
            "企业名称,信用代码,街道,联系人\n甲,{},沙头街道,张三\n",
            code(1)
        );
        let report = parse_roster(csv.as_bytes()).unwrap();
        assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
        assert!(report.errors[0].message.contains("联系人"));
        assert!(report.companies.is_empty());
    }

    #[test]
    fn typed_text_matches_the_roster_regardless_of_spaces_width_and_case() {
        assert!(same_text(" 深圳 甲公司（分公司） ", "深圳甲公司(分公司)"));
        assert!(!same_text("深圳乙公司", "深圳甲公司"));
    }
}
