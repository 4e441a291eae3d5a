//! Text normalization used only for *matching*: parsing answers, kinds and difficulties, and
//! finding duplicate stems. Stored text always stays exactly as the bureau wrote it.

/// Folds a full-width ASCII character (`Ａ`, `，`, `１`) to its half-width form and the
/// ideographic space to a plain space; every other character is returned unchanged.
pub fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Trims the ASCII, Unicode and ideographic white space Excel cells tend to carry.
pub fn trim_cell(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}')
}

/// A cell folded for keyword matching: trimmed, half-width, lowercase, inner spaces removed.
pub fn keyword(text: &str) -> String {
    trim_cell(text)
        .chars()
        .map(fold_width)
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Punctuation that does not make two stems different questions: ASCII punctuation (after
/// width folding) and the CJK marks clerks use interchangeably.
fn is_ignorable_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(
            c,
            '，' | '。'
                | '、'
                | '；'
                | '：'
                | '？'
                | '！'
                | '“'
                | '”'
                | '‘'
                | '’'
                | '（'
                | '）'
                | '【'
                | '】'
                | '《'
                | '》'
                | '〈'
                | '〉'
                | '「'
                | '」'
                | '『'
                | '』'
                | '…'
                | '—'
                | '·'
                | '～'
        )
}

/// The form of a stem used to find duplicates: width-folded, lowercase, with white space and
/// punctuation removed, so `下列说法正确的是( )` and `下列说法正确的是（　）。` compare equal.
pub fn normalize_stem(stem: &str) -> String {
    let mut normalized = String::with_capacity(stem.len());
    for c in stem.chars().map(fold_width) {
        if c.is_whitespace() || is_ignorable_punctuation(c) {
            continue;
        }
        if c.is_ascii() {
            normalized.push(c.to_ascii_lowercase());
        } else if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
            // CJK ideographs have no case: skip the Unicode case tables.
            normalized.push(c);
        } else {
            normalized.extend(c.to_lowercase());
        }
    }
    normalized
}

/// A regulation's name without 《》 and without white space: `《 排污许可管理条例 》` →
/// `排污许可管理条例`. The brackets and spaces are not part of the name (docs/QUESTION-BANK.md).
pub fn normalize_regulation(name: &str) -> String {
    name.chars()
        .filter(|&c| !c.is_whitespace() && !matches!(c, '《' | '》' | '<' | '>' | '＜' | '＞'))
        .collect()
}

/// The key under which a regulation is matched: the normalized name without the
/// `中华人民共和国` prefix, so a blueprint may say `大气污染防治法` for the full title.
pub fn regulation_key(name: &str) -> String {
    let name = normalize_regulation(name);
    match name.strip_prefix("中华人民共和国") {
        Some(short) if !short.is_empty() => short.to_owned(),
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_letters_and_digits_fold_to_ascii() {
        let folded: String = "ＡＢＣ，１２".chars().map(fold_width).collect();
        assert_eq!(folded, "ABC,12");
    }

    #[test]
    fn stems_differing_only_in_punctuation_width_and_spaces_normalize_equal() {
        assert_eq!(
            normalize_stem("下列说法正确的是（　）。"),
            normalize_stem("下列说法正确的是( )")
        );
        assert_ne!(normalize_stem("排放标准"), normalize_stem("排放总量"));
    }

    #[test]
    fn regulation_names_lose_brackets_and_spaces() {
        assert_eq!(
            normalize_regulation(" 《中华人民共和国 大气污染防治法》 "),
            "中华人民共和国大气污染防治法"
        );
    }

    #[test]
    fn regulation_key_drops_the_state_prefix() {
        assert_eq!(
            regulation_key("《中华人民共和国大气污染防治法》"),
            "大气污染防治法"
        );
        assert_eq!(regulation_key("排污许可管理条例"), "排污许可管理条例");
    }
}
