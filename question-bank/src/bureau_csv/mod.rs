//! The files the bureau saves from Excel, read as clerks really save them (docs/QUESTION-BANK.md,
//! "The bureau's CSV"), in two parts:
//!
//! - `table`: any of the bureau's tables (the question bank, the enterprise roster):
//!   encoding and delimiter detection, rows with their physical line numbers, [`RowError`],
//!   and [`read_table`] for tables other than the bank.
//! - `bank`: the question bank's columns: the header mapped to question fields, each row
//!   parsed into a [`Question`](crate::Question), duplicates ([`read_bank`], [`parse_bank`]),
//!   and [`write_bank`] for the round trip.

mod bank;
mod table;

pub use bank::{
    DEFAULT_MAX_BYTES, Duplicate, ImportReport, ImportedQuestion, parse_bank, read_bank, write_bank,
};
pub use table::{Delimiter, RowError, SourceEncoding, Table, TableRow, read_table};
