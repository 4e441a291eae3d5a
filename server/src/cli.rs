//! The command line (DESIGN.md, "Command line"): clap definitions and dispatch.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::bank_commands;

/// ecoquiz — 企业环保知识竞赛平台 (environmental knowledge competitions).
#[derive(Debug, Parser)]
#[command(name = "ecoquiz", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The question bank: check a CSV file before importing it, or re-derive a paper.
    #[command(subcommand)]
    Bank(BankCommand),
}

#[derive(Debug, Subcommand)]
pub enum BankCommand {
    /// Check a question CSV: exit 0 when valid, 1 when some rows are invalid, 2 when the file
    /// cannot be read.
    Check {
        /// The CSV file (UTF-8 or GB18030/GBK, comma- or tab-separated).
        file: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Re-derive the paper a seed gives (for an audit): exit 0 with the paper, 1 when the bank
    /// or blueprint is invalid or the bank cannot satisfy the blueprint, 2 when a file cannot
    /// be read.
    Assemble {
        /// The question CSV the paper is drawn from.
        file: PathBuf,
        /// The blueprint JSON file.
        #[arg(long)]
        blueprint: PathBuf,
        /// The paper's seed.
        #[arg(long)]
        seed: u64,
        /// Print the paper as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// What a command reports to the shell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Success,
    /// Exit 1: the input was read but is invalid (bad rows, bad blueprint, shortfall).
    Invalid,
    /// Exit 2: the input could not be read at all.
    Unreadable,
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> ExitCode {
        ExitCode::from(match outcome {
            Outcome::Success => 0,
            Outcome::Invalid => 1,
            Outcome::Unreadable => 2,
        })
    }
}

/// Parses `args` and runs the command, printing to stdout and stderr.
pub fn run(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout with exit 0, usage errors with exit 2.
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let outcome = execute(cli.command, &mut out, &mut std::io::stderr());
    let _ = out.flush();
    outcome.into()
}

/// Runs a parsed command against the given output streams.
pub fn execute(command: Command, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    match command {
        Command::Bank(BankCommand::Check { file, json }) => {
            bank_commands::check(&file, json, out, err)
        }
        Command::Bank(BankCommand::Assemble {
            file,
            blueprint,
            seed,
            json,
        }) => bank_commands::assemble(&file, &blueprint, seed, json, out, err),
    }
}
