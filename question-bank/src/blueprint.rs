//! Blueprints: what every paper of a competition contains (docs/QUESTION-BANK.md, "Blueprints").
//! `Blueprint::from_json` accepts the organizers' JSON and reports every problem in Chinese.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::points::Points;
use crate::question::{Difficulty, Kind};
use crate::text::{normalize_regulation, regulation_key};

/// Most questions a paper may have; a phone exam longer than this is a typo.
pub const MAX_PAPER_QUESTIONS: u32 = 500;

/// One thing wrong with a blueprint (or that the bank cannot satisfy), with the JSON field it
/// concerns, e.g. `sections[1].count`, and a Chinese message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BlueprintProblem {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for BlueprintProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// One part of every paper: `count` questions of one kind worth `points` each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Section {
    pub kind: Kind,
    pub count: u32,
    pub points: Points,
    /// Multiple-choice only: half the points for a correct proper subset (少选得一半分).
    pub partial_credit: bool,
}

/// At least `min` questions of the paper come from `regulation`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegulationMinimum {
    /// The name as the blueprint gave it, without 《》 and spaces.
    pub regulation: String,
    pub min: u32,
}

/// The share of easy, medium and hard questions in every section; the shares sum to 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DifficultyMix {
    shares: [f64; 3],
}

impl DifficultyMix {
    pub fn share(&self, difficulty: Difficulty) -> f64 {
        self.shares[difficulty.index()]
    }

    /// Splits `count` questions over the difficulties by the largest-remainder method, ties
    /// going to the easier difficulty: 10 at 0.3/0.5/0.2 gives 3/5/2, 5 at ⅓ each gives 2/2/1.
    pub fn apportion(&self, count: u32) -> [u32; 3] {
        let exact = self.shares.map(|share| share * f64::from(count));
        let mut counts = exact.map(|e| e.floor() as u32);
        let mut left = count - counts.iter().sum::<u32>();
        let mut order = [0usize, 1, 2];
        order.sort_by(|&a, &b| {
            let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
            rb.total_cmp(&ra).then(a.cmp(&b))
        });
        for &i in order.iter().cycle() {
            if left == 0 {
                break;
            }
            if self.shares[i] > 0.0 {
                counts[i] += 1;
                left -= 1;
            }
        }
        counts
    }
}

/// A checked blueprint: at least one section, positive counts and points, one section per
/// kind, difficulty shares summing to 1, regulation minimums that fit in the paper.
#[derive(Clone, Debug, PartialEq)]
pub struct Blueprint {
    sections: Vec<Section>,
    regulation_minimums: Vec<RegulationMinimum>,
    difficulty: Option<DifficultyMix>,
    shuffle_options: bool,
}

impl Blueprint {
    /// Parses and checks the organizers' JSON, reporting every problem at once.
    pub fn from_json(json: &str) -> Result<Blueprint, Error> {
        let raw: BlueprintJson = serde_json::from_str(json).map_err(|e| {
            Error::InvalidBlueprint(vec![BlueprintProblem {
                field: "blueprint".into(),
                message: format!(
                    "蓝图不是有效的 JSON(第 {} 行第 {} 列:{e});请对照说明文档中的示例修改",
                    e.line(),
                    e.column()
                ),
            }])
        })?;
        Blueprint::try_from(raw)
    }

    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    pub fn regulation_minimums(&self) -> &[RegulationMinimum] {
        &self.regulation_minimums
    }

    pub fn difficulty(&self) -> Option<&DifficultyMix> {
        self.difficulty.as_ref()
    }

    pub fn shuffle_options(&self) -> bool {
        self.shuffle_options
    }

    /// Questions per paper.
    pub fn question_count(&self) -> u32 {
        self.sections.iter().map(|s| s.count).sum()
    }

    /// The highest score a paper can reach.
    pub fn max_score(&self) -> Points {
        self.sections
            .iter()
            .map(|s| Points::from_hundredths(s.points.hundredths() * s.count))
            .sum()
    }

    /// The blueprint as JSON again, in the shape `from_json` reads.
    pub fn to_json(&self) -> serde_json::Value {
        let sections: Vec<_> = self
            .sections
            .iter()
            .map(|s| {
                serde_json::json!({
                    "kind": s.kind, "count": s.count, "points": s.points,
                    "partial_credit": s.partial_credit
                })
            })
            .collect();
        let regulations: serde_json::Map<String, serde_json::Value> = self
            .regulation_minimums
            .iter()
            .map(|r| (r.regulation.clone(), serde_json::json!({ "min": r.min })))
            .collect();
        let mut json = serde_json::json!({
            "sections": sections,
            "regulations": regulations,
            "shuffle_options": self.shuffle_options,
        });
        if let Some(mix) = &self.difficulty {
            json["difficulty"] = serde_json::json!({
                "easy": mix.shares[0], "medium": mix.shares[1], "hard": mix.shares[2]
            });
        }
        json
    }
}

impl Serialize for Blueprint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BlueprintJson {
    sections: Vec<SectionJson>,
    #[serde(default)]
    regulations: BTreeMap<String, RegulationJson>,
    #[serde(default)]
    difficulty: Option<BTreeMap<String, f64>>,
    #[serde(default = "shuffle_by_default")]
    shuffle_options: bool,
}

fn shuffle_by_default() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SectionJson {
    kind: String,
    count: i64,
    points: f64,
    #[serde(default)]
    partial_credit: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegulationJson {
    min: i64,
}

impl TryFrom<BlueprintJson> for Blueprint {
    type Error = Error;

    fn try_from(raw: BlueprintJson) -> Result<Blueprint, Error> {
        let mut problems = Vec::new();
        let mut problem =
            |field: String, message: String| problems.push(BlueprintProblem { field, message });
        if raw.sections.is_empty() {
            problem(
                "sections".into(),
                "蓝图至少需要一个题型部分,例如 {\"kind\": \"single\", \"count\": 20, \"points\": 2}".into(),
            );
        }
        let mut sections: Vec<Section> = Vec::new();
        for (i, s) in raw.sections.iter().enumerate() {
            let kind = Kind::parse(&s.kind);
            if kind.is_none() {
                problem(
                    format!("sections[{i}].kind"),
                    format!(
                        "不支持的题型 \"{}\",只能是 single(单选)、multiple(多选)或 judge(判断)",
                        s.kind
                    ),
                );
            }
            if let Some(kind) = kind
                && sections.iter().any(|other| other.kind == kind)
            {
                problem(
                    format!("sections[{i}].kind"),
                    format!("{}出现了两个部分,每种题型只能有一个部分", kind.label()),
                );
            }
            let count = u32::try_from(s.count)
                .ok()
                .filter(|&c| (1..=MAX_PAPER_QUESTIONS).contains(&c));
            if count.is_none() {
                problem(
                    format!("sections[{i}].count"),
                    format!(
                        "每部分的题数必须是 1 到 {MAX_PAPER_QUESTIONS} 之间的整数,实际为 {}",
                        s.count
                    ),
                );
            }
            let points = Points::from_decimal(s.points);
            if points.is_none() {
                problem(
                    format!("sections[{i}].points"),
                    format!(
                        "每题分值必须是大于 0、不超过 1000、最多两位小数的数,实际为 {}",
                        s.points
                    ),
                );
            }
            if s.partial_credit && kind.is_some_and(|k| k != Kind::Multiple) {
                problem(
                    format!("sections[{i}].partial_credit"),
                    "只有多选题可以设置少选得分(partial_credit)".into(),
                );
            }
            if let (Some(kind), Some(count), Some(points)) = (kind, count, points) {
                sections.push(Section {
                    kind,
                    count,
                    points,
                    partial_credit: s.partial_credit,
                });
            }
        }
        let total: u32 = sections.iter().map(|s| s.count).sum();
        if total > MAX_PAPER_QUESTIONS {
            problem(
                "sections".into(),
                format!("一份试卷最多 {MAX_PAPER_QUESTIONS} 道题,各部分合计为 {total} 道"),
            );
        }

        let difficulty = raw.difficulty.as_ref().and_then(|shares_json| {
            let mut shares = [0.0f64; 3];
            let mut ok = true;
            for (name, &share) in shares_json {
                let field = format!("difficulty.{name}");
                match Difficulty::parse(name) {
                    None => {
                        ok = false;
                        problem(
                            field,
                            format!("未知的难度 \"{name}\",只能是 easy(易)、medium(中)、hard(难)"),
                        );
                    }
                    Some(_) if !(0.0..=1.0).contains(&share) => {
                        ok = false;
                        problem(field, format!("难度比例必须在 0 到 1 之间,实际为 {share}"));
                    }
                    Some(d) => shares[d.index()] += share,
                }
            }
            let sum: f64 = shares.iter().sum();
            if ok && (sum - 1.0).abs() > 1e-6 {
                ok = false;
                problem(
                    "difficulty".into(),
                    format!("易、中、难的比例之和必须等于 1,实际为 {}", round6(sum)),
                );
            }
            ok.then_some(DifficultyMix { shares })
        });

        let mut regulation_minimums: Vec<RegulationMinimum> = Vec::new();
        for (name, rule) in &raw.regulations {
            let field = format!("regulations.{name}");
            let regulation = normalize_regulation(name);
            if regulation.is_empty() {
                problem(field, "法规名称不能为空".into());
                continue;
            }
            if regulation_minimums
                .iter()
                .any(|r| regulation_key(&r.regulation) == regulation_key(&regulation))
            {
                problem(field, format!("《{regulation}》重复出现,请合并为一项"));
                continue;
            }
            match u32::try_from(rule.min).ok().filter(|&m| m >= 1) {
                Some(min) => regulation_minimums.push(RegulationMinimum { regulation, min }),
                None => problem(
                    format!("{field}.min"),
                    format!("法规最低题数必须是正整数,实际为 {}", rule.min),
                ),
            }
        }
        let minimum_total: u32 = regulation_minimums.iter().map(|r| r.min).sum();
        let sections_valid = sections.len() == raw.sections.len();
        if minimum_total > total && sections_valid {
            problem(
                "regulations".into(),
                format!("各法规最低题数之和为 {minimum_total} 道,超过了试卷总题数 {total} 道"),
            );
        }

        if !problems.is_empty() {
            return Err(Error::InvalidBlueprint(problems));
        }
        Ok(Blueprint {
            sections,
            regulation_minimums,
            difficulty,
            shuffle_options: raw.shuffle_options,
        })
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(json: &str) -> Vec<BlueprintProblem> {
        match Blueprint::from_json(json) {
            Err(Error::InvalidBlueprint(problems)) => problems,
            other => panic!("expected an invalid blueprint, got {other:?}"),
        }
    }

    const DOCUMENTED_EXAMPLE: &str = r#"{ "sections": [
        { "kind": "single",   "count": 20, "points": 2 },
        { "kind": "multiple", "count": 10, "points": 3, "partial_credit": true },
        { "kind": "judge",    "count": 10, "points": 1 } ],
      "regulations": { "排污许可管理条例": { "min": 3 } },
      "difficulty":  { "easy": 0.3, "medium": 0.5, "hard": 0.2 },
      "shuffle_options": true }"#;

    #[test]
    fn the_documented_example_parses_with_its_totals() {
        let blueprint = Blueprint::from_json(DOCUMENTED_EXAMPLE).unwrap();
        assert_eq!(blueprint.question_count(), 40);
        assert_eq!(blueprint.max_score().to_string(), "80");
        assert_eq!(blueprint.regulation_minimums()[0].min, 3);
        assert!(blueprint.sections()[1].partial_credit);
    }

    #[test]
    fn a_blueprint_survives_a_round_trip_through_its_json() {
        let blueprint = Blueprint::from_json(DOCUMENTED_EXAMPLE).unwrap();
        let again = Blueprint::from_json(&blueprint.to_json().to_string()).unwrap();
        assert_eq!(again, blueprint);
    }

    #[test]
    fn zero_and_negative_counts_are_refused_with_their_section() {
        let found = problems(
            r#"{"sections":[{"kind":"single","count":0,"points":2},
                            {"kind":"judge","count":-3,"points":1}]}"#,
        );
        let fields: Vec<&str> = found.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["sections[0].count", "sections[1].count"]);
        assert!(found[1].message.contains("-3"));
    }

    #[test]
    fn an_unknown_kind_is_refused_by_name() {
        let found = problems(r#"{"sections":[{"kind":"essay","count":5,"points":2}]}"#);
        assert_eq!(found[0].field, "sections[0].kind");
        assert!(found[0].message.contains("\"essay\""));
    }

    #[test]
    fn difficulty_shares_must_sum_to_one() {
        let found = problems(
            r#"{"sections":[{"kind":"single","count":5,"points":2}],
                "difficulty":{"easy":0.3,"medium":0.5,"hard":0.1}}"#,
        );
        assert_eq!(found[0].field, "difficulty");
        assert!(found[0].message.contains("0.9"), "{}", found[0].message);
    }

    #[test]
    fn partial_credit_outside_multiple_choice_and_unknown_fields_are_refused() {
        let found = problems(
            r#"{"sections":[{"kind":"single","count":5,"points":2,"partial_credit":true}]}"#,
        );
        assert_eq!(found[0].field, "sections[0].partial_credit");
        let found =
            problems(r#"{"sections":[{"kind":"single","count":5,"points":2}],"shuffle":1}"#);
        assert!(found[0].message.contains("shuffle"));
    }

    #[test]
    fn regulation_minimums_beyond_the_paper_are_refused() {
        let found = problems(
            r#"{"sections":[{"kind":"single","count":2,"points":2}],
                "regulations":{"《排污许可管理条例》":{"min":3}}}"#,
        );
        assert!(found[0].message.contains("超过了试卷总题数"));
    }

    #[test]
    fn largest_remainder_apportionment_keeps_the_exact_count() {
        let mix = DifficultyMix {
            shares: [0.3, 0.5, 0.2],
        };
        assert_eq!(mix.apportion(10), [3, 5, 2]);
        assert_eq!(mix.apportion(7), [2, 4, 1]);
        let thirds = DifficultyMix {
            shares: [1.0 / 3.0; 3],
        };
        assert_eq!(thirds.apportion(5), [2, 2, 1]);
        let only_hard = DifficultyMix {
            shares: [0.0, 0.0, 1.0],
        };
        assert_eq!(only_hard.apportion(4), [0, 0, 4]);
    }
}
