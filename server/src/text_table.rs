//! Plain-text tables for the terminal that stay aligned with Chinese (double-width) text.

use unicode_width::UnicodeWidthStr;

/// Which side of its column a cell sits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table: a header row and data rows, rendered with two spaces between columns.
#[derive(Debug)]
pub struct TextTable {
    header: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl TextTable {
    pub fn new(header: &[(&str, Align)]) -> TextTable {
        TextTable {
            header: header.iter().map(|(h, _)| (*h).to_owned()).collect(),
            align: header.iter().map(|&(_, a)| a).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as lines of text; a cell's line breaks are shown as `⏎` to keep rows whole.
    pub fn render(&self) -> String {
        let rows: Vec<Vec<String>> = std::iter::once(&self.header)
            .chain(&self.rows)
            .map(|row| row.iter().map(|c| c.replace(['\r', '\n'], "⏎")).collect())
            .collect();
        let widths: Vec<usize> = (0..self.header.len())
            .map(|i| {
                rows.iter()
                    .map(|r| r.get(i).map_or(0, |c| c.width()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut text = String::new();
        for row in &rows {
            let mut line = String::new();
            for (i, width) in widths.iter().enumerate() {
                let cell = row.get(i).map_or("", String::as_str);
                let pad = " ".repeat(width - cell.width());
                let last = i + 1 == widths.len();
                match self.align[i] {
                    Align::Left if last => line.push_str(cell),
                    Align::Left => line.push_str(&format!("{cell}{pad}")),
                    Align::Right => line.push_str(&format!("{pad}{cell}")),
                }
                if !last {
                    line.push_str("  ");
                }
            }
            text.push_str(line.trim_end());
            text.push('\n');
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_cells_are_padded_by_display_width() {
        let mut table = TextTable::new(&[("法规", Align::Left), ("题数", Align::Right)]);
        table.row(vec!["环境保护法".into(), "12".into()]);
        table.row(vec!["ab".into(), "3".into()]);
        let expected = ["法规        题数", "环境保护法    12", "ab             3"];
        assert_eq!(table.render(), expected.map(|l| format!("{l}\n")).concat());
    }
}
