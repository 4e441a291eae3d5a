//! The work of the commands other than `serve` — `bank check/import/assemble`, `organizer
//! add` and `export` — and `Exit`, what each reports to the shell: read the files, call the domain or the store, print a report a clerk can act
//! on (or JSON for scripts), and choose the exit code.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::Path;

use question_bank::{Bank, Blueprint, Error, ImportReport, Kind, Paper, option_key, read_bank};
use serde::Serialize;

use crate::clock::Clock;
use crate::imports::{Imports, UPLOAD_LIMIT_BYTES};
use crate::settings::Storage;
use crate::store::Store;
use crate::text_table::{Align, TextTable};
use std::process::ExitCode;

/// What a command reports to the shell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Exit 0.
    Success,
    /// Exit 1: the input was read but is invalid (bad rows, bad blueprint, shortfall, taken name).
    Invalid,
    /// Exit 2: the input could not be read, or the store could not be opened.
    Unreadable,
    /// Exit 130: stopped by Ctrl-C (`rehearse`).
    Interrupted,
}

impl From<Exit> for ExitCode {
    fn from(outcome: Exit) -> ExitCode {
        ExitCode::from(match outcome {
            Exit::Success => 0,
            Exit::Invalid => 1,
            Exit::Unreadable => 2,
            Exit::Interrupted => 130,
        })
    }
}

/// Most errors listed in the human report; the JSON report always lists all of them.
const ERRORS_SHOWN: usize = 500;

/// Reads and checks a question file, refusing one over the upload limit (the same as over
/// HTTP) before reading it.
fn read_report(path: &Path) -> Result<ImportReport, String> {
    let unreadable = |e: Error| format!("{}:{e}", path.display());
    let file = File::open(path).map_err(|e| unreadable(Error::Io(e)))?;
    let size = file.metadata().map_err(|e| unreadable(Error::Io(e)))?.len();
    let limit_bytes = UPLOAD_LIMIT_BYTES as u64;
    if size > limit_bytes {
        return Err(unreadable(Error::TooLarge { limit_bytes }));
    }
    read_bank(file, limit_bytes).map_err(unreadable)
}

#[derive(Serialize)]
struct CheckJson<'r> {
    valid: bool,
    questions: usize,
    by_kind: BTreeMap<&'static str, usize>,
    regulations: BTreeMap<&'r str, usize>,
    duplicates: &'r [question_bank::Duplicate],
    errors: &'r [question_bank::RowError],
}

/// `ecoquiz bank check FILE [--json]`.
pub fn check(path: &Path, json: bool, out: &mut dyn Write, err: &mut dyn Write) -> Exit {
    let report = match read_report(path) {
        Ok(report) => report,
        Err(message) => return unreadable(&message, json, out, err),
    };
    let mut by_kind: BTreeMap<&'static str, usize> =
        Kind::ALL.iter().map(|k| (k.as_str(), 0)).collect();
    let mut regulations: BTreeMap<&str, usize> = BTreeMap::new();
    for imported in &report.questions {
        *by_kind
            .entry(imported.question.kind().as_str())
            .or_default() += 1;
        *regulations
            .entry(imported.question.regulation())
            .or_default() += 1;
    }
    let written = if json {
        let summary = CheckJson {
            valid: report.is_valid(),
            questions: report.questions.len(),
            by_kind,
            regulations,
            duplicates: &report.duplicates,
            errors: &report.errors,
        };
        serde_json::to_writer_pretty(&mut *out, &summary)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        write!(out, "{}", human_check_report(path, &report))
    };
    if let Err(e) = written {
        let _ = writeln!(err, "无法输出报告:{e}");
    }
    if report.is_valid() {
        Exit::Success
    } else {
        Exit::Invalid
    }
}

fn unreadable(message: &str, json: bool, out: &mut dyn Write, err: &mut dyn Write) -> Exit {
    if json {
        let _ = writeln!(
            out,
            "{}",
            serde_json::json!({ "valid": false, "error": message })
        );
    }
    let _ = writeln!(err, "✘ {message}");
    Exit::Unreadable
}

/// The summary per regulation and kind, the duplicates, then the error table.
fn human_check_report(path: &Path, report: &ImportReport) -> String {
    let mut text = format!(
        "文件:{}({},{})\n",
        path.display(),
        report.encoding.label(),
        report.delimiter.label()
    );
    let mut per_regulation: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for imported in &report.questions {
        let q = &imported.question;
        per_regulation.entry(q.regulation()).or_default()[kind_column(q.kind())] += 1;
    }
    if !per_regulation.is_empty() {
        let mut table = TextTable::new(&[
            ("法规", Align::Left),
            ("单选", Align::Right),
            ("多选", Align::Right),
            ("判断", Align::Right),
            ("合计", Align::Right),
        ]);
        let mut totals = [0usize; 3];
        for (regulation, counts) in &per_regulation {
            let mut row = vec![format!("《{regulation}》")];
            row.extend(counts.iter().map(usize::to_string));
            row.push(counts.iter().sum::<usize>().to_string());
            table.row(row);
            for (total, count) in totals.iter_mut().zip(counts) {
                *total += count;
            }
        }
        let mut row = vec!["合计".to_owned()];
        row.extend(totals.iter().map(usize::to_string));
        row.push(totals.iter().sum::<usize>().to_string());
        table.row(row);
        text.push('\n');
        text.push_str(&table.render());
    }
    if !report.duplicates.is_empty() {
        text.push_str(&format!(
            "\n重复的题目 {} 道(题型相同、题干相同,导入时跳过):\n",
            report.duplicates.len()
        ));
        for d in &report.duplicates {
            text.push_str(&format!(
                "  第{}行 与第{}行重复\n",
                d.line, d.duplicate_of_line
            ));
        }
    }
    if report.errors.is_empty() {
        text.push_str(&format!(
            "\n✔ 文件没有错误,可以导入 {} 道题。\n",
            report.questions.len()
        ));
    } else {
        let mut table = TextTable::new(&[
            ("行", Align::Right),
            ("列", Align::Left),
            ("问题", Align::Left),
        ]);
        for e in report.errors.iter().take(ERRORS_SHOWN) {
            table.row(vec![
                e.line.to_string(),
                e.column.clone().unwrap_or_else(|| "—".into()),
                e.message.clone(),
            ]);
        }
        text.push_str(&format!("\n错误 {} 处:\n", report.errors.len()));
        text.push_str(&table.render());
        if report.errors.len() > ERRORS_SHOWN {
            text.push_str(&format!(
                "……另有 {} 处错误未列出(用 --json 查看全部)\n",
                report.errors.len() - ERRORS_SHOWN
            ));
        }
        text.push_str(&format!(
            "\n✘ 文件有 {} 处错误,整个文件不会被导入。请按上表逐行改正后再检查。\n",
            report.errors.len()
        ));
    }
    text
}

fn kind_column(kind: Kind) -> usize {
    match kind {
        Kind::Single => 0,
        Kind::Multiple => 1,
        Kind::Judge => 2,
    }
}

#[derive(Serialize)]
struct PaperJson<'p> {
    seed: u64,
    max_score: question_bank::Points,
    questions: Vec<PaperQuestionJson<'p>>,
}

#[derive(Serialize)]
struct OptionJson<'p> {
    key: &'static str,
    text: &'p str,
}

#[derive(Serialize)]
struct PaperQuestionJson<'p> {
    no: u32,
    /// The row's 编号, or `line:N` for a row without one.
    id: String,
    kind: Kind,
    stem: &'p str,
    options: Vec<OptionJson<'p>>,
    answer: Vec<&'static str>,
    points: question_bank::Points,
    regulation: &'p str,
    difficulty: question_bank::Difficulty,
}

/// `ecoquiz bank assemble FILE --blueprint B.json --seed N [--json]`.
pub fn assemble(
    path: &Path,
    blueprint_path: &Path,
    seed: u64,
    json: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Exit {
    let report = match read_report(path) {
        Ok(report) => report,
        Err(message) => return unreadable(&message, json, out, err),
    };
    if !report.is_valid() {
        let _ = writeln!(
            err,
            "✘ 题库文件有 {} 处错误,无法组卷。请先运行 ecoquiz bank check {} 查看并改正。",
            report.errors.len(),
            path.display()
        );
        return Exit::Invalid;
    }
    let blueprint_text = match std::fs::read_to_string(blueprint_path) {
        Ok(text) => text,
        Err(e) => {
            let message = format!("{}:{}", blueprint_path.display(), Error::Io(e));
            return unreadable(&message, json, out, err);
        }
    };
    let blueprint = match Blueprint::from_json(&blueprint_text) {
        Ok(blueprint) => blueprint,
        Err(e) => return refused(&e, err),
    };
    let ids: Vec<String> = report
        .questions
        .iter()
        .map(|q| {
            q.question
                .external_id()
                .map_or_else(|| format!("line:{}", q.line), str::to_owned)
        })
        .collect();
    let bank = Bank::new(report.questions.into_iter().map(|q| q.question).collect());
    let paper = match question_bank::assemble(&bank, &blueprint, seed) {
        Ok(paper) => paper,
        Err(e) => return refused(&e, err),
    };
    let written = if json {
        serde_json::to_writer_pretty(&mut *out, &paper_json(&bank, &paper, &ids))
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        write!(out, "{}", human_paper(&bank, &paper, &ids))
    };
    if let Err(e) = written {
        let _ = writeln!(err, "无法输出试卷:{e}");
    }
    Exit::Success
}

/// An invalid blueprint or a shortfall: one line per problem, naming the field.
fn refused(error: &Error, err: &mut dyn Write) -> Exit {
    match error {
        Error::InvalidBlueprint(problems) | Error::Infeasible(problems) => {
            let heading = match error {
                Error::InvalidBlueprint(_) => "蓝图有误",
                _ => "题库无法满足蓝图",
            };
            let _ = writeln!(err, "✘ {heading}:");
            for p in problems {
                let _ = writeln!(err, "  {}: {}", p.field, p.message);
            }
        }
        other => {
            let _ = writeln!(err, "✘ {other}");
        }
    }
    Exit::Invalid
}

fn paper_json<'p>(bank: &'p Bank, paper: &Paper, ids: &[String]) -> PaperJson<'p> {
    PaperJson {
        seed: paper.seed,
        max_score: paper.max_score(),
        questions: paper
            .questions
            .iter()
            .map(|item| {
                let q = bank.question(item.bank_index);
                PaperQuestionJson {
                    no: item.no,
                    id: ids[item.bank_index].clone(),
                    kind: item.kind,
                    stem: q.stem(),
                    options: item
                        .option_order
                        .iter()
                        .enumerate()
                        .map(|(shown, &original)| OptionJson {
                            key: option_key(q.kind(), shown),
                            text: q.option_text(usize::from(original)),
                        })
                        .collect(),
                    answer: item.to_shown(q.answer()).keys(q.kind()),
                    points: item.points,
                    regulation: q.regulation(),
                    difficulty: q.difficulty(),
                }
            })
            .collect(),
    }
}

fn human_paper(bank: &Bank, paper: &Paper, ids: &[String]) -> String {
    let mut text = format!(
        "试卷(种子 {}):{} 道题,满分 {} 分\n",
        paper.seed,
        paper.questions.len(),
        paper.max_score()
    );
    let mut section: Option<Kind> = None;
    for item in &paper.questions {
        let q = bank.question(item.bank_index);
        if section != Some(item.kind) {
            section = Some(item.kind);
            text.push_str(&format!(
                "\n【{}】每题 {} 分\n",
                item.kind.label(),
                item.points
            ));
        }
        text.push_str(&format!(
            "\n{}. {}\n   ({} · 《{}》{} · 难度{})\n",
            item.no,
            q.stem(),
            ids[item.bank_index],
            q.regulation(),
            q.article().unwrap_or(""),
            q.difficulty().label()
        ));
        for (shown, &original) in item.option_order.iter().enumerate() {
            text.push_str(&format!(
                "   {}. {}\n",
                option_key(q.kind(), shown),
                q.option_text(usize::from(original))
            ));
        }
        text.push_str(&format!(
            "   答案:{}\n",
            item.to_shown(q.answer()).keys(q.kind()).concat()
        ));
    }
    text
}

/// `ecoquiz bank import FILE`: all or nothing, like the HTTP import.
/// `ecoquiz purge --rehearsal`: removes what `ecoquiz rehearse` made, straight from the store.
pub async fn purge_rehearsals(
    storage: &Storage,
    json: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Exit {
    let Some(store) = open_store(storage, err).await else {
        return Exit::Unreadable;
    };
    let outcome = match store.purge_rehearsals().await {
        Ok(counts) => {
            let _ = if json {
                writeln!(out, "{}", serde_json::json!(counts))
            } else {
                writeln!(out, "{}", counts.sentence())
            };
            Exit::Success
        }
        Err(e) => {
            let _ = writeln!(err, "✘ 删除演练数据失败,什么也没删:{e}");
            Exit::Unreadable
        }
    };
    store.close().await;
    outcome
}

pub async fn import(
    path: &Path,
    storage: &Storage,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Exit {
    let report = match read_report(path) {
        Ok(report) => report,
        Err(message) => return unreadable(&message, false, out, err),
    };
    if !report.is_valid() {
        let _ = write!(out, "{}", human_check_report(path, &report));
        return Exit::Invalid;
    }
    let Some(store) = open_store(storage, err).await else {
        return Exit::Unreadable;
    };
    let imports = Imports::new(store.clone(), Clock::System);
    let outcome = match imports.parsed_questions(report, false).await {
        Ok(done) => {
            let _ = writeln!(
                out,
                "✔ 导入完成:新增 {} 道,更新 {} 道,未变 {} 道,重复跳过 {} 道",
                done.imported, done.updated, done.unchanged, done.duplicates
            );
            Exit::Success
        }
        Err(e) => {
            let _ = writeln!(err, "✘ 导入失败,题库未改变:{e}");
            Exit::Unreadable
        }
    };
    store.close().await;
    outcome
}

/// `ecoquiz organizer add USERNAME [--password PW]`.
pub async fn add_organizer(
    storage: &Storage,
    username: &str,
    password: Option<String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Exit {
    let username = username.trim();
    if username.is_empty() || username.chars().count() > 50 {
        let _ = writeln!(err, "✘ 用户名不能为空,且不超过 50 个字");
        return Exit::Invalid;
    }
    if password.as_ref().is_some_and(|p| p.chars().count() < 8) {
        let _ = writeln!(err, "✘ 密码至少 8 个字符");
        return Exit::Invalid;
    }
    let Some(store) = open_store(storage, err).await else {
        return Exit::Unreadable;
    };
    let generated = password.is_none();
    let password = password.unwrap_or_else(crate::auth::generate_password);
    let outcome = match crate::passwords::PasswordHasher::default()
        .hash(&password)
        .await
    {
        Err(e) => {
            let _ = writeln!(err, "✘ {e}");
            Exit::Unreadable
        }
        Ok(hash) => match store
            .create_organizer(username, &hash, Clock::System.now())
            .await
        {
            Ok(_) if generated => {
                let _ = writeln!(
                    out,
                    "✔ 已添加组织者 {username},密码 {password}(只显示这一次)"
                );
                Exit::Success
            }
            Ok(_) => {
                let _ = writeln!(out, "✔ 已添加组织者 {username}");
                Exit::Success
            }
            Err(e) if e.is_unique_violation() => {
                let _ = writeln!(err, "✘ 组织者 {username} 已存在");
                Exit::Invalid
            }
            Err(e) => {
                let _ = writeln!(err, "✘ 无法添加组织者:{e}");
                Exit::Unreadable
            }
        },
    };
    store.close().await;
    outcome
}

/// Opens (and migrates) the store, or says why not.
async fn open_store(storage: &Storage, err: &mut dyn Write) -> Option<Store> {
    match Store::open(storage).await {
        Ok(store) => Some(store),
        Err(e) => {
            let _ = writeln!(err, "✘ 无法打开数据库:{e}");
            None
        }
    }
}

/// `ecoquiz export --competition ID --by … --format … --output FILE`: writes the file next to
/// its final name first and renames it, so a failed export never leaves half a file behind.
pub async fn export(
    competition_id: i64,
    kind: crate::export::ExportKind,
    format: crate::export::ExportFormat,
    output: &Path,
    storage: &Storage,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Exit {
    let Some(store) = open_store(storage, err).await else {
        return Exit::Unreadable;
    };
    let outcome = write_export(&store, competition_id, kind, format, output).await;
    store.close().await;
    match outcome {
        Ok(rows) => {
            let _ = writeln!(
                out,
                "✔ 已导出{}:{rows} 行 → {}",
                kind.title(),
                output.display()
            );
            Exit::Success
        }
        Err((outcome, message)) => {
            let _ = writeln!(err, "✘ {message}");
            outcome
        }
    }
}

async fn write_export(
    store: &Store,
    competition_id: i64,
    kind: crate::export::ExportKind,
    format: crate::export::ExportFormat,
    output: &Path,
) -> Result<usize, (Exit, String)> {
    use crate::export::ExportFormat;
    let failed = |e: &dyn std::fmt::Display| (Exit::Unreadable, format!("导出失败:{e}"));
    let competition = store
        .competition(competition_id)
        .await
        .map_err(|e| failed(&e))?
        .ok_or_else(|| {
            (
                Exit::Invalid,
                format!("竞赛 {competition_id} 不存在;请核对竞赛编号(后台竞赛列表中的 ID)"),
            )
        })?;
    let prepared = crate::export::prepare(store, &competition, kind)
        .await
        .map_err(|e| failed(&e))?;
    let file_name = output
        .file_name()
        .ok_or_else(|| (Exit::Invalid, format!("{} 不是文件名", output.display())))?;
    let partial = output.with_file_name(format!(".{}.partial", file_name.to_string_lossy()));
    let target = output.to_path_buf();
    let written_to = partial.clone();
    // The rows may still be arriving from the store: write on a blocking thread.
    let written = tokio::task::spawn_blocking(move || -> Result<usize, String> {
        let mut file =
            std::io::BufWriter::new(File::create(&written_to).map_err(|e| e.to_string())?);
        let rows = match format {
            ExportFormat::Csv => prepared.write_csv(&mut file).map_err(|e| e.to_string())?,
            ExportFormat::Xlsx => {
                let (bytes, rows) = prepared.xlsx().map_err(|e| e.to_string())?;
                file.write_all(&bytes).map_err(|e| e.to_string())?;
                rows
            }
        };
        file.into_inner()
            .map_err(|e| e.to_string())?
            .sync_all()
            .map_err(|e| e.to_string())?;
        std::fs::rename(&written_to, &target).map_err(|e| e.to_string())?;
        Ok(rows)
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        (
            Exit::Unreadable,
            format!("无法写入 {}:{e}", output.display()),
        )
    })
}
