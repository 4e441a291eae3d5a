//! `ecoquiz bank check` and `ecoquiz bank assemble`, run as a clerk or an auditor would.

use crate::support::{ecoquiz, sample_bank, temp_dir, write_file};

const EXAMPLE_BLUEPRINT: &str = r#"{ "sections": [
    { "kind": "single",   "count": 20, "points": 2 },
    { "kind": "multiple", "count": 10, "points": 3, "partial_credit": true },
    { "kind": "judge",    "count": 10, "points": 1 } ],
  "regulations": { "排污许可管理条例": { "min": 3 } },
  "difficulty":  { "easy": 0.3, "medium": 0.5, "hard": 0.2 },
  "shuffle_options": true }"#;

fn sample() -> String {
    sample_bank().to_str().unwrap().to_owned()
}

#[test]
fn bank_check_accepts_the_sample_bank_with_exit_code_zero() {
    let run = ecoquiz(&["bank", "check", &sample(), "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["valid"], true);
    assert!(report["questions"].as_u64().unwrap() >= 150);
    assert!(report["regulations"].as_object().unwrap().len() >= 10);
    for kind in ["single", "multiple", "judge"] {
        assert!(
            report["by_kind"][kind].as_u64().unwrap() > 0,
            "no {kind} questions"
        );
    }
    assert_eq!(report["errors"], serde_json::json!([]));
}

#[test]
fn bank_check_accepts_a_gb18030_copy_of_the_sample_bank() {
    let dir = temp_dir();
    let utf8 = std::fs::read_to_string(sample_bank()).unwrap();
    let (gb18030, _, unmappable) = encoding_rs::GB18030.encode(utf8.trim_start_matches('\u{FEFF}'));
    assert!(!unmappable);
    let path = write_file(dir.path(), "题库-gbk.csv", &gb18030);

    let original = ecoquiz(&["bank", "check", &sample(), "--json"]).json();
    let run = ecoquiz(&["bank", "check", &path, "--json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let copy = run.json();
    assert_eq!(copy["questions"], original["questions"]);
    assert_eq!(copy["regulations"], original["regulations"]);

    let human = ecoquiz(&["bank", "check", &path]);
    assert!(human.stdout.contains("GB18030"), "{}", human.stdout);
}

const BROKEN: &str = "编号,题型,题干,选项A,选项B,选项C,选项D,答案,法规,条款,难度,解析,标签
ok-1,单选,排污许可证的有效期为几年?,3年,5年,8年,10年,B,排污许可管理条例,第十四条,易,,
e-1,单选,\"题干跨两行
第二行\",甲,乙,丙,丁,AB,环境保护法,,,,
e-2,判断,企业可以私设暗管。,,,,,可能,水污染防治法,,,,
e-3,多选,选项不连续,甲,,丙,丁,AC,环境保护法,,,,
e-4,单选,没有法规,甲,乙,,,A,,,,,
";

#[test]
fn bank_check_names_every_bad_line_of_a_broken_file_and_exits_one() {
    let dir = temp_dir();
    let path = write_file(dir.path(), "broken.csv", BROKEN);
    let run = ecoquiz(&["bank", "check", &path, "--json"]);
    assert_eq!(run.code, 1);
    let report = run.json();
    assert_eq!(report["valid"], false);
    assert_eq!(report["questions"], 1);
    let found: Vec<(u64, String)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["column"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [(3, "答案"), (5, "答案"), (6, "选项B"), (7, "法规")];
    assert_eq!(found, expected.map(|(l, c)| (l, c.to_owned())));
}

#[test]
fn bank_check_without_json_prints_the_summary_then_the_error_table() {
    let dir = temp_dir();
    let path = write_file(dir.path(), "broken.csv", BROKEN);
    let run = ecoquiz(&["bank", "check", &path]);
    assert_eq!(run.code, 1);
    let summary = run
        .stdout
        .find("《排污许可管理条例》")
        .expect("the summary names the regulation");
    let table = run
        .stdout
        .find("错误 4 处")
        .expect("the error table is announced");
    assert!(summary < table);
    assert!(
        run.stdout
            .contains("单选题只能有一个正确答案,实际为 \"AB\""),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("整个文件不会被导入"));
}

#[test]
fn bank_check_reports_duplicates_with_the_line_they_repeat() {
    let dir = temp_dir();
    let csv = "题型,题干,选项A,选项B,答案,法规\n单选,同一道题,甲,乙,A,环境保护法\n单选,同一道题。,甲,乙,A,环境保护法\n";
    let path = write_file(dir.path(), "dup.csv", csv);
    let run = ecoquiz(&["bank", "check", &path, "--json"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.json()["duplicates"],
        serde_json::json!([{"line": 3, "duplicate_of_line": 2}])
    );
}

#[test]
fn bank_check_of_a_file_that_cannot_be_read_exits_two_with_a_message() {
    let dir = temp_dir();
    let missing = dir.path().join("没有这个文件.csv");
    let run = ecoquiz(&["bank", "check", missing.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("没有这个文件.csv"), "{}", run.stderr);

    let garbage = write_file(dir.path(), "garbage.csv", b"\xFF\xFF\xFF\xFE\x00\x81");
    let run = ecoquiz(&["bank", "check", &garbage, "--json"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.json()["valid"], false);
    assert!(
        run.json()["error"]
            .as_str()
            .unwrap()
            .contains("编码无法识别")
    );
}

#[test]
fn bank_check_refuses_a_two_hundred_megabyte_file_by_its_size() {
    let dir = temp_dir();
    let path = dir.path().join("huge.csv");
    // A sparse file: 200 MB long without using 200 MB of disk.
    std::fs::File::create(&path)
        .unwrap()
        .set_len(200 * 1024 * 1024)
        .unwrap();
    let run = ecoquiz(&["bank", "check", path.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("文件太大"), "{}", run.stderr);
}

#[test]
fn bank_assemble_re_derives_the_same_paper_from_the_same_seed() {
    let dir = temp_dir();
    let blueprint = write_file(dir.path(), "blueprint.json", EXAMPLE_BLUEPRINT);
    let args = [
        "bank",
        "assemble",
        &sample(),
        "--blueprint",
        &blueprint,
        "--seed",
        "605",
        "--json",
    ];
    let first = ecoquiz(&args);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(ecoquiz(&args).stdout, first.stdout);
    let other = ecoquiz(&[
        "bank",
        "assemble",
        &sample(),
        "--blueprint",
        &blueprint,
        "--seed",
        "606",
        "--json",
    ]);
    assert_ne!(other.stdout, first.stdout);

    let paper = first.json();
    assert_eq!(paper["seed"], 605);
    assert_eq!(paper["max_score"], 80);
    let questions = paper["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 40);
    let first_question = &questions[0];
    for key in [
        "no",
        "id",
        "kind",
        "stem",
        "options",
        "answer",
        "points",
        "regulation",
        "difficulty",
    ] {
        assert!(
            first_question.get(key).is_some(),
            "missing {key} in {first_question}"
        );
    }
    assert_eq!(first_question["no"], 1);
    assert_eq!(first_question["kind"], "single");
    assert_eq!(first_question["points"], 2);
    let judge = &questions[39];
    assert_eq!(
        judge["options"][0],
        serde_json::json!({"key": "T", "text": "正确"})
    );
    let permits = questions
        .iter()
        .filter(|q| q["regulation"] == "排污许可管理条例")
        .count();
    assert!(
        permits >= 3,
        "only {permits} questions from 排污许可管理条例"
    );
}

#[test]
fn bank_assemble_prints_a_readable_paper_without_json() {
    let dir = temp_dir();
    let blueprint = write_file(dir.path(), "blueprint.json", EXAMPLE_BLUEPRINT);
    let run = ecoquiz(&[
        "bank",
        "assemble",
        &sample(),
        "--blueprint",
        &blueprint,
        "--seed",
        "1",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("试卷(种子 1):40 道题,满分 80 分"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("【多选题】每题 3 分"));
    assert!(run.stdout.contains("答案:"));
}

#[test]
fn bank_assemble_refuses_an_infeasible_blueprint_naming_the_shortfall() {
    let dir = temp_dir();
    let blueprint = write_file(
        dir.path(),
        "too-many.json",
        r#"{"sections":[{"kind":"multiple","count":400,"points":3}],"difficulty":{"easy":0,"medium":0,"hard":1}}"#,
    );
    let run = ecoquiz(&[
        "bank",
        "assemble",
        &sample(),
        "--blueprint",
        &blueprint,
        "--seed",
        "1",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("多选题需要 400 道难度为难的题,题库只有"),
        "{}",
        run.stderr
    );
}

#[test]
fn bank_assemble_refuses_an_invalid_blueprint_naming_each_field() {
    let dir = temp_dir();
    let blueprint = write_file(
        dir.path(),
        "bad.json",
        r#"{"sections":[{"kind":"single","count":0,"points":2},{"kind":"essay","count":-1,"points":1}],
            "difficulty":{"easy":0.5,"medium":0.2,"hard":0.2}}"#,
    );
    let run = ecoquiz(&[
        "bank",
        "assemble",
        &sample(),
        "--blueprint",
        &blueprint,
        "--seed",
        "1",
    ]);
    assert_eq!(run.code, 1);
    for field in [
        "sections[0].count",
        "sections[1].kind",
        "sections[1].count",
        "difficulty",
    ] {
        assert!(
            run.stderr.contains(field),
            "{field} not named in:\n{}",
            run.stderr
        );
    }
}

#[test]
fn bank_assemble_refuses_a_bank_with_errors() {
    let dir = temp_dir();
    let bank = write_file(dir.path(), "broken.csv", BROKEN);
    let blueprint = write_file(
        dir.path(),
        "b.json",
        r#"{"sections":[{"kind":"single","count":1,"points":1}]}"#,
    );
    let run = ecoquiz(&[
        "bank",
        "assemble",
        &bank,
        "--blueprint",
        &blueprint,
        "--seed",
        "1",
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("ecoquiz bank check"), "{}", run.stderr);
}
