//! Questions: kinds, difficulties, and `Question`, which can only exist in a valid state.

use serde::{Deserialize, Serialize};

use crate::choice::{Choice, MAX_OPTIONS, option_key};
use crate::text::{keyword, normalize_regulation, normalize_stem, trim_cell};

/// Longest stem accepted, in characters; a whole law pasted into one cell is a mistake.
pub const MAX_STEM_CHARS: usize = 2_000;
/// Longest option text accepted, in characters.
pub const MAX_OPTION_CHARS: usize = 500;
/// Longest explanation accepted, in characters.
pub const MAX_EXPLANATION_CHARS: usize = 5_000;
/// Longest short field (编号, 法规, 条款, one tag), in characters.
pub const MAX_SHORT_FIELD_CHARS: usize = 200;

/// The three kinds of question the bureau sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// 单选题: exactly one correct option.
    Single,
    /// 多选题: two or more correct options.
    Multiple,
    /// 判断题: a statement that is true (`T`) or false (`F`).
    Judge,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Single, Kind::Multiple, Kind::Judge];

    /// Reads 单选/单选题/single, 多选/多选题/multiple, 判断/判断题/judge in any width or case.
    pub fn parse(text: &str) -> Option<Kind> {
        match keyword(text).as_str() {
            "单选" | "单选题" | "single" => Some(Kind::Single),
            "多选" | "多选题" | "multiple" => Some(Kind::Multiple),
            "判断" | "判断题" | "judge" => Some(Kind::Judge),
            _ => None,
        }
    }

    /// The English name used in JSON and blueprints.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Single => "single",
            Kind::Multiple => "multiple",
            Kind::Judge => "judge",
        }
    }

    /// The Chinese name clerks read: 单选题, 多选题, 判断题.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Single => "单选题",
            Kind::Multiple => "多选题",
            Kind::Judge => "判断题",
        }
    }
}

/// How hard a question is; 中 (medium) when the bureau does not say.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Difficulty {
    Easy,
    #[default]
    Medium,
    Hard,
}

impl Difficulty {
    pub const ALL: [Difficulty; 3] = [Difficulty::Easy, Difficulty::Medium, Difficulty::Hard];

    /// Reads 易/中/难, 简单/中等/困难, 1/2/3, easy/medium/hard in any width or case.
    pub fn parse(text: &str) -> Option<Difficulty> {
        match keyword(text).as_str() {
            "易" | "简单" | "容易" | "1" | "easy" => Some(Difficulty::Easy),
            "中" | "中等" | "一般" | "2" | "medium" => Some(Difficulty::Medium),
            "难" | "困难" | "较难" | "3" | "hard" => Some(Difficulty::Hard),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Difficulty::Easy => "easy",
            Difficulty::Medium => "medium",
            Difficulty::Hard => "hard",
        }
    }

    /// The Chinese name clerks read: 易, 中, 难.
    pub fn label(self) -> &'static str {
        match self {
            Difficulty::Easy => "易",
            Difficulty::Medium => "中",
            Difficulty::Hard => "难",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// The parts of a question before its invariants are checked; `Question::new` turns it into a
/// `Question` or says, field by field, what is wrong.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QuestionFields {
    /// The bureau's own id (编号); importing the same id again makes a new version.
    pub external_id: Option<String>,
    pub kind: Option<Kind>,
    pub stem: String,
    /// Option texts from `A`; empty for judge questions.
    pub options: Vec<String>,
    pub answer: Choice,
    pub regulation: String,
    /// The article, e.g. `第十八条`.
    pub article: Option<String>,
    pub difficulty: Difficulty,
    /// Shown in the review after the competition closes.
    pub explanation: Option<String>,
    pub tags: Vec<String>,
}

/// A field of a question, named so an importer can point at the column a clerk must fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Id,
    Kind,
    Stem,
    /// Option `A` is 0.
    Option(usize),
    Answer,
    Regulation,
    Article,
    Difficulty,
    Explanation,
    Tags,
}

impl Field {
    /// The column's Chinese name, as in the column table of docs/QUESTION-BANK.md.
    pub fn label(self) -> String {
        match self {
            Field::Id => "编号".into(),
            Field::Kind => "题型".into(),
            Field::Stem => "题干".into(),
            Field::Option(i) => format!("选项{}", option_key(Kind::Single, i)),
            Field::Answer => "答案".into(),
            Field::Regulation => "法规".into(),
            Field::Article => "条款".into(),
            Field::Difficulty => "难度".into(),
            Field::Explanation => "解析".into(),
            Field::Tags => "标签".into(),
        }
    }
}

/// One thing wrong with a question, in Chinese, saying how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: Field,
    pub message: String,
}

impl FieldProblem {
    fn new(field: Field, message: impl Into<String>) -> FieldProblem {
        FieldProblem {
            field,
            message: message.into(),
        }
    }
}

/// A valid question: the right number of options for its kind, an answer that names existing
/// options (one for single and judge, two or more for multiple), a stem and a regulation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    external_id: Option<String>,
    kind: Kind,
    stem: String,
    options: Vec<String>,
    answer: Choice,
    regulation: String,
    article: Option<String>,
    difficulty: Difficulty,
    explanation: Option<String>,
    tags: Vec<String>,
    /// Computed once: assembly asks for every question of every paper.
    options_may_shuffle: bool,
}

impl Question {
    /// Checks every invariant and reports all problems at once.
    pub fn new(fields: QuestionFields) -> Result<Question, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let stem = trim_cell(&fields.stem).to_owned();
        if stem.is_empty() {
            problems.push(FieldProblem::new(
                Field::Stem,
                "题干不能为空,请填写题目内容",
            ));
        } else if stem.chars().count() > MAX_STEM_CHARS {
            problems.push(FieldProblem::new(
                Field::Stem,
                format!("题干超过 {MAX_STEM_CHARS} 个字,请精简题目"),
            ));
        }
        let regulation = normalize_regulation(&fields.regulation);
        if regulation.is_empty() {
            problems.push(FieldProblem::new(
                Field::Regulation,
                "法规不能为空,请填写题目依据的法律法规名称,例如《中华人民共和国大气污染防治法》",
            ));
        } else if regulation.chars().count() > MAX_SHORT_FIELD_CHARS {
            problems.push(FieldProblem::new(
                Field::Regulation,
                format!("法规名称超过 {MAX_SHORT_FIELD_CHARS} 个字"),
            ));
        }
        let options: Vec<String> = fields
            .options
            .iter()
            .map(|o| trim_cell(o).to_owned())
            .collect();
        for (i, option) in options.iter().enumerate() {
            if option.chars().count() > MAX_OPTION_CHARS {
                problems.push(FieldProblem::new(
                    Field::Option(i),
                    format!("选项超过 {MAX_OPTION_CHARS} 个字,请精简"),
                ));
            }
        }
        let explanation = fields
            .explanation
            .as_deref()
            .map(trim_cell)
            .filter(|e| !e.is_empty())
            .map(str::to_owned);
        if explanation
            .as_ref()
            .is_some_and(|e| e.chars().count() > MAX_EXPLANATION_CHARS)
        {
            problems.push(FieldProblem::new(
                Field::Explanation,
                format!("解析超过 {MAX_EXPLANATION_CHARS} 个字,请精简"),
            ));
        }
        let external_id = short_field(fields.external_id.as_deref(), Field::Id, &mut problems);
        let article = short_field(fields.article.as_deref(), Field::Article, &mut problems);
        let tags: Vec<String> = fields
            .tags
            .iter()
            .map(|t| trim_cell(t).to_owned())
            .filter(|t| !t.is_empty())
            .collect();
        if tags
            .iter()
            .any(|t| t.chars().count() > MAX_SHORT_FIELD_CHARS)
        {
            problems.push(FieldProblem::new(
                Field::Tags,
                format!("单个标签超过 {MAX_SHORT_FIELD_CHARS} 个字"),
            ));
        }

        let Some(kind) = fields.kind else {
            problems.push(FieldProblem::new(
                Field::Kind,
                "题型不能为空,请填写 单选、多选 或 判断",
            ));
            return Err(problems);
        };
        check_options_and_answer(kind, &options, fields.answer, &mut problems);

        if !problems.is_empty() {
            return Err(problems);
        }
        let options_may_shuffle =
            kind != Kind::Judge && !options.iter().any(|o| refers_to_other_options(o));
        Ok(Question {
            options_may_shuffle,
            external_id,
            kind,
            stem,
            options,
            answer: fields.answer,
            regulation,
            article,
            difficulty: fields.difficulty,
            explanation,
            tags,
        })
    }

    pub fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }
    pub fn kind(&self) -> Kind {
        self.kind
    }
    pub fn stem(&self) -> &str {
        &self.stem
    }
    /// The option texts from `A`; empty for judge questions (see `display_options`).
    pub fn options(&self) -> &[String] {
        &self.options
    }
    /// How many answerable options the question has: its options, or 2 for judge (T and F).
    pub fn option_count(&self) -> usize {
        match self.kind {
            Kind::Judge => 2,
            Kind::Single | Kind::Multiple => self.options.len(),
        }
    }
    /// The option text participants see at original position `index`; judge questions show
    /// 正确 and 错误.
    pub fn option_text(&self, index: usize) -> &str {
        match self.kind {
            Kind::Judge => ["正确", "错误"][index],
            Kind::Single | Kind::Multiple => &self.options[index],
        }
    }
    /// The correct options, in the original (file) order.
    pub fn answer(&self) -> Choice {
        self.answer
    }
    /// The regulation's name without 《》 and spaces.
    pub fn regulation(&self) -> &str {
        &self.regulation
    }
    pub fn article(&self) -> Option<&str> {
        self.article.as_deref()
    }
    pub fn difficulty(&self) -> Difficulty {
        self.difficulty
    }
    pub fn explanation(&self) -> Option<&str> {
        self.explanation.as_deref()
    }
    pub fn tags(&self) -> &[String] {
        &self.tags
    }

    /// What makes two questions the same question for duplicate detection: the kind and
    /// the stem with width, case, spaces and punctuation normalized away.
    pub fn duplicate_key(&self) -> (Kind, String) {
        (self.kind, normalize_stem(&self.stem))
    }

    /// False when an option refers to other options by position ("以上都对", "A和B"), so
    /// shuffling would change its meaning; such questions keep the bureau's order.
    pub fn options_may_shuffle(&self) -> bool {
        self.options_may_shuffle
    }

    /// The question's fields again, e.g. to edit it and validate the result.
    pub fn to_fields(&self) -> QuestionFields {
        QuestionFields {
            external_id: self.external_id.clone(),
            kind: Some(self.kind),
            stem: self.stem.clone(),
            options: self.options.clone(),
            answer: self.answer,
            regulation: self.regulation.clone(),
            article: self.article.clone(),
            difficulty: self.difficulty,
            explanation: self.explanation.clone(),
            tags: self.tags.clone(),
        }
    }
}

fn short_field(
    value: Option<&str>,
    field: Field,
    problems: &mut Vec<FieldProblem>,
) -> Option<String> {
    let value = trim_cell(value?);
    if value.is_empty() {
        return None;
    }
    if value.chars().count() > MAX_SHORT_FIELD_CHARS {
        problems.push(FieldProblem::new(
            field,
            format!("{}超过 {MAX_SHORT_FIELD_CHARS} 个字", field.label()),
        ));
    }
    Some(value.to_owned())
}

fn check_options_and_answer(
    kind: Kind,
    options: &[String],
    answer: Choice,
    problems: &mut Vec<FieldProblem>,
) {
    let letters = |choice: Choice| choice.keys(Kind::Single).concat();
    match kind {
        Kind::Judge => {
            if let Some(filled) = options.iter().position(|o| !o.is_empty()) {
                problems.push(FieldProblem::new(
                    Field::Option(filled),
                    "判断题不填选项,请清空所有选项列,答案填 对 或 错",
                ));
            }
            if answer != Choice::TRUE && answer != Choice::FALSE {
                problems.push(FieldProblem::new(
                    Field::Answer,
                    "判断题的答案只能是 对 或 错",
                ));
            }
        }
        Kind::Single | Kind::Multiple => {
            if let Some(gap) = options.iter().position(String::is_empty) {
                problems.push(FieldProblem::new(
                    Field::Option(gap),
                    format!(
                        "{}为空,但后面的选项有内容。选项必须从 A 开始连续填写",
                        Field::Option(gap).label()
                    ),
                ));
                return;
            }
            if options.len() < 2 {
                problems.push(FieldProblem::new(
                    Field::Option(options.len()),
                    format!("{}至少需要两个选项(选项A、选项B)", kind.label()),
                ));
                return;
            }
            if options.len() > MAX_OPTIONS {
                problems.push(FieldProblem::new(
                    Field::Option(MAX_OPTIONS),
                    format!("最多只能有 {MAX_OPTIONS} 个选项(A–H)"),
                ));
                return;
            }
            if answer.is_empty() {
                problems.push(FieldProblem::new(
                    Field::Answer,
                    "答案不能为空,请填写正确选项的字母",
                ));
                return;
            }
            if let Some(missing) = answer.indexes().find(|&i| i >= options.len()) {
                let last = option_key(kind, options.len() - 1);
                problems.push(FieldProblem::new(
                    Field::Answer,
                    format!(
                        "答案中的 \"{}\" 没有对应的选项(本题只有选项 A–{last})",
                        option_key(kind, missing)
                    ),
                ));
            } else if kind == Kind::Single && answer.len() != 1 {
                problems.push(FieldProblem::new(
                    Field::Answer,
                    format!(
                        "单选题只能有一个正确答案,实际为 \"{}\";若有多个正确答案,请把题型改为多选",
                        letters(answer)
                    ),
                ));
            } else if kind == Kind::Multiple && answer.len() < 2 {
                problems.push(FieldProblem::new(
                    Field::Answer,
                    format!(
                        "多选题至少要有两个正确答案,实际为 \"{}\";若只有一个正确答案,请把题型改为单选",
                        letters(answer)
                    ),
                ));
            }
        }
    }
}

/// Options like "以上都对", "上述均不正确", "全部正确" or "A和B" only make sense in place.
/// Runs once per question at import, so it allocates nothing.
fn refers_to_other_options(option: &str) -> bool {
    const POSITIONAL: [&str; 8] = [
        "以上",
        "上述",
        "全部",
        "都对",
        "都不对",
        "都正确",
        "均正确",
        "均不正确",
    ];
    if POSITIONAL.iter().any(|p| option.contains(p)) {
        return true;
    }
    let is_letter = |c: char| ('A'..='H').contains(&c);
    let is_joiner = |c: char| matches!(c, '和' | '与' | '、' | ',' | '及' | '或');
    let (mut before, mut previous) = (' ', ' ');
    for c in option.chars() {
        let c = crate::text::fold_width(c).to_ascii_uppercase();
        if is_letter(before) && is_joiner(previous) && is_letter(c) {
            return true;
        }
        (before, previous) = (previous, c);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn single(options: &[&str], answer: Choice) -> QuestionFields {
        QuestionFields {
            kind: Some(Kind::Single),
            stem: "排污单位应当依法申请取得什么?".into(),
            options: options.iter().map(|s| s.to_string()).collect(),
            answer,
            regulation: "《排污许可管理条例》".into(),
            ..QuestionFields::default()
        }
    }

    fn problem_fields(result: Result<Question, Vec<FieldProblem>>) -> Vec<Field> {
        result.unwrap_err().into_iter().map(|p| p.field).collect()
    }

    #[test]
    fn a_valid_single_choice_question_keeps_its_text_and_strips_the_regulation_brackets() {
        let q = Question::new(single(&["排污许可证", "营业执照"], Choice::only(0))).unwrap();
        assert_eq!(q.regulation(), "排污许可管理条例");
        assert_eq!(q.option_count(), 2);
        assert_eq!(q.difficulty(), Difficulty::Medium);
    }

    #[test]
    fn a_single_choice_question_with_two_answers_is_refused_with_the_letters() {
        let problems =
            Question::new(single(&["甲", "乙", "丙"], Choice::from_indexes([0, 1]))).unwrap_err();
        assert_eq!(problems[0].field, Field::Answer);
        assert!(problems[0].message.contains("\"AB\""), "{:?}", problems);
    }

    #[test]
    fn an_answer_naming_a_missing_option_is_refused() {
        let fields = QuestionFields {
            kind: Some(Kind::Multiple),
            ..single(&["甲", "乙", "丙", "丁"], Choice::from_indexes([0, 4]))
        };
        let problems = Question::new(fields).unwrap_err();
        assert!(problems[0].message.contains("\"E\""));
        assert!(problems[0].message.contains("A–D"));
    }

    #[test]
    fn a_gap_in_the_options_points_at_the_empty_one() {
        assert_eq!(
            problem_fields(Question::new(single(&["甲", "", "丙"], Choice::only(0)))),
            [Field::Option(1)]
        );
    }

    #[test]
    fn a_judge_question_with_options_or_a_letter_answer_is_refused() {
        let fields = QuestionFields {
            kind: Some(Kind::Judge),
            ..single(&["对", "错"], Choice::only(0))
        };
        assert_eq!(problem_fields(Question::new(fields)), [Field::Option(0)]);
    }

    #[test]
    fn every_problem_of_a_question_is_reported_at_once() {
        let fields = QuestionFields {
            stem: "  ".into(),
            regulation: "《》".into(),
            ..single(&["甲"], Choice::only(0))
        };
        assert_eq!(
            problem_fields(Question::new(fields)),
            [Field::Stem, Field::Regulation, Field::Option(1)]
        );
    }

    #[test]
    fn options_that_refer_to_other_options_are_not_shuffled() {
        let fixed = Question::new(single(&["甲", "乙", "以上都对"], Choice::only(2))).unwrap();
        assert!(!fixed.options_may_shuffle());
        let fixed = Question::new(single(&["甲", "乙", "A和B"], Choice::only(2))).unwrap();
        assert!(!fixed.options_may_shuffle());
        let free = Question::new(single(&["甲", "乙", "丙"], Choice::only(2))).unwrap();
        assert!(free.options_may_shuffle());
    }

    #[test]
    fn kind_and_difficulty_accept_every_documented_spelling() {
        for (text, kind) in [
            ("单选", Kind::Single),
            ("单选题", Kind::Single),
            ("Single", Kind::Single),
            ("多选题", Kind::Multiple),
            ("multiple", Kind::Multiple),
            ("判断", Kind::Judge),
            ("judge", Kind::Judge),
        ] {
            assert_eq!(Kind::parse(text), Some(kind), "{text}");
        }
        assert_eq!(Kind::parse("问答"), None);
        for (text, d) in [
            ("易", Difficulty::Easy),
            ("简单", Difficulty::Easy),
            ("1", Difficulty::Easy),
            ("中等", Difficulty::Medium),
            ("２", Difficulty::Medium),
            ("HARD", Difficulty::Hard),
            ("困难", Difficulty::Hard),
        ] {
            assert_eq!(Difficulty::parse(text), Some(d), "{text}");
        }
        assert_eq!(Difficulty::parse("超难"), None);
    }
}
