//! # ecoquiz
//!
//! The `ecoquiz` binary's library. For now it holds the command line for the question bank;
//! the HTTP server, store, leaderboard and exports join it in later issues.
//!
//! - [`cli`]: the clap command tree and `run`, which `main.rs` calls; exit codes live here.
//! - [`bank_commands`]: `ecoquiz bank check` and `ecoquiz bank assemble`, human and JSON output.
//! - [`table`]: plain-text tables that line up Chinese text in a terminal.
//!
//! The rules themselves (CSV format, blueprints, assembly, grading) live in the
//! `question-bank` crate; nothing here re-implements them.

#![forbid(unsafe_code)]

pub mod bank_commands;
pub mod cli;
pub mod table;
