//! `Choice`: a set of options (a correct answer or a participant's response) and the parsing
//! of every answer spelling the bureau's clerks use.

use crate::question::Kind;
use crate::text::fold_width;

/// Most options a question may have: `A` to `H`.
pub const MAX_OPTIONS: usize = 8;

/// Option keys in display order. Judge questions use `T` (正确) and `F` (错误) instead.
const LETTERS: [&str; MAX_OPTIONS] = ["A", "B", "C", "D", "E", "F", "G", "H"];
const JUDGE_KEYS: [&str; 2] = ["T", "F"];

/// A set of option positions, bit `i` for option `i` (`A` = 0). For judge questions bit 0
/// is "true" (`T`, 正确) and bit 1 is "false" (`F`, 错误).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Choice(u8);

impl Choice {
    pub const EMPTY: Choice = Choice(0);
    /// A judge question's "true" (正确).
    pub const TRUE: Choice = Choice(0b01);
    /// A judge question's "false" (错误).
    pub const FALSE: Choice = Choice(0b10);

    /// The choice of the single option at `index`.
    pub fn only(index: usize) -> Choice {
        assert!(index < MAX_OPTIONS, "option index {index} out of range");
        Choice(1 << index)
    }

    /// The choice holding every index the iterator yields (indexes past `H` are ignored).
    pub fn from_indexes(indexes: impl IntoIterator<Item = usize>) -> Choice {
        Choice(
            indexes
                .into_iter()
                .filter(|&i| i < MAX_OPTIONS)
                .fold(0, |bits, i| bits | 1 << i),
        )
    }

    /// The raw bits, bit `i` for option `i`; for compact storage.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// The choice whose raw bits these are.
    pub fn from_bits(bits: u8) -> Choice {
        Choice(bits)
    }

    pub fn contains(self, index: usize) -> bool {
        index < MAX_OPTIONS && self.0 & (1 << index) != 0
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// True when every option in `self` is also in `other`.
    pub fn is_subset_of(self, other: Choice) -> bool {
        self.0 & !other.0 == 0
    }

    /// The chosen indexes in ascending order.
    pub fn indexes(self) -> impl Iterator<Item = usize> {
        (0..MAX_OPTIONS).filter(move |&i| self.contains(i))
    }

    /// The highest chosen index, if any.
    pub fn highest(self) -> Option<usize> {
        self.indexes().last()
    }

    /// The option keys as participants see them: letters, or `T`/`F` for judge questions.
    pub fn keys(self, kind: Kind) -> Vec<&'static str> {
        self.indexes().map(|i| option_key(kind, i)).collect()
    }

    /// Parses a participant's response given as option keys (`["A", "C"]`, `["T"]`).
    /// Keys are case-insensitive; an unknown key or one past the question's options is refused.
    pub fn from_keys<S: AsRef<str>>(
        kind: Kind,
        option_count: usize,
        keys: &[S],
    ) -> Result<Choice, crate::Error> {
        let mut bits = 0u8;
        for key in keys {
            let key = key.as_ref();
            let index = key_index(kind, key)
                .filter(|&i| i < option_count)
                .ok_or_else(|| crate::Error::UnknownOptionKey {
                    key: key.to_owned(),
                })?;
            bits |= 1 << index;
        }
        Ok(Choice(bits))
    }
}

/// The key participants see for option `index`: `A`…`H`, or `T`/`F` for judge questions.
pub fn option_key(kind: Kind, index: usize) -> &'static str {
    match kind {
        Kind::Judge => JUDGE_KEYS[index],
        Kind::Single | Kind::Multiple => LETTERS[index],
    }
}

fn key_index(kind: Kind, key: &str) -> Option<usize> {
    let key = key.trim().to_ascii_uppercase();
    let keys: &[&str] = match kind {
        Kind::Judge => &JUDGE_KEYS,
        Kind::Single | Kind::Multiple => &LETTERS,
    };
    keys.iter().position(|&k| k == key)
}

/// Why a letter answer could not be read.
#[derive(Debug, PartialEq, Eq)]
pub enum LetterAnswerError {
    /// A character that is neither an option letter nor a separator.
    NotALetter(char),
    /// The same letter twice, e.g. `AA`.
    Repeated(char),
}

/// Reads an answer written as letters in any case, width or separator: `A`, `a c`, `A、C`,
/// `ＡＣ`, `A,C`.
pub fn parse_letter_answer(text: &str) -> Result<Choice, LetterAnswerError> {
    let mut bits = 0u8;
    for c in text.chars().map(fold_width) {
        if c.is_whitespace() || matches!(c, ',' | ';' | '/' | '|' | '、' | '，' | '；' | '.' | '。')
        {
            continue;
        }
        let upper = c.to_ascii_uppercase();
        let index = match upper {
            'A'..='H' => upper as usize - 'A' as usize,
            _ => return Err(LetterAnswerError::NotALetter(c)),
        };
        if bits & (1 << index) != 0 {
            return Err(LetterAnswerError::Repeated(upper));
        }
        bits |= 1 << index;
    }
    Ok(Choice(bits))
}

/// Reads a judge answer: 对/错, 正确/错误, √/×, T/F, true/false, 是/否 (any width or case).
pub fn parse_judge_answer(text: &str) -> Option<Choice> {
    let word = crate::text::keyword(text);
    match word.as_str() {
        "对" | "正确" | "√" | "✓" | "✔" | "t" | "true" | "是" => Some(Choice::TRUE),
        "错" | "错误" | "×" | "✗" | "✘" | "f" | "false" | "否" => Some(Choice::FALSE),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_letter_spelling_reads_as_the_same_choice() {
        let a_and_c = Choice::from_indexes([0, 2]);
        for spelling in ["AC", "a c", "A、C", "ＡＣ", "A,C", "A，C", " c;a "] {
            assert_eq!(parse_letter_answer(spelling), Ok(a_and_c), "{spelling}");
        }
    }

    #[test]
    fn a_letter_past_h_or_a_repeated_letter_is_refused() {
        assert_eq!(
            parse_letter_answer("AZ"),
            Err(LetterAnswerError::NotALetter('Z'))
        );
        assert_eq!(
            parse_letter_answer("A a"),
            Err(LetterAnswerError::Repeated('A'))
        );
    }

    #[test]
    fn every_documented_judge_spelling_is_understood() {
        for yes in ["对", "正确", "√", "T", "t", "true", "TRUE", "是", "Ｔ"] {
            assert_eq!(parse_judge_answer(yes), Some(Choice::TRUE), "{yes}");
        }
        for no in ["错", "错误", "×", "F", "false", "否"] {
            assert_eq!(parse_judge_answer(no), Some(Choice::FALSE), "{no}");
        }
        assert_eq!(parse_judge_answer("可能"), None);
    }

    #[test]
    fn response_keys_are_checked_against_the_question() {
        assert_eq!(
            Choice::from_keys(Kind::Multiple, 4, &["a", "D"]).unwrap(),
            Choice::from_indexes([0, 3])
        );
        assert!(Choice::from_keys(Kind::Multiple, 4, &["E"]).is_err());
        assert_eq!(
            Choice::from_keys(Kind::Judge, 2, &["F"]).unwrap(),
            Choice::FALSE
        );
        assert!(Choice::from_keys(Kind::Judge, 2, &["A"]).is_err());
        assert_eq!(
            Choice::from_indexes([1, 3]).keys(Kind::Multiple),
            ["B", "D"]
        );
    }
}
