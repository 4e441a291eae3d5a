//! # ecoquiz
//!
//! The `ecoquiz` binary's library: the command line, the HTTP server and its store.
//! `main.rs` only calls [`cli::run`]; tests reach everything here with a bound listener.
//!
//! - [`cli`]: the clap command tree, storage-flag resolution, exit codes.
//! - [`bank_commands`]: `bank check`, `bank import`, `bank assemble` output.
//! - [`app`]: `AppState`, `prepare` (store, secret, first organizer, demo), `router`, `serve`.
//! - [`routes`]: thin HTTP handlers by area (`health`, `accounts`, `competitions`, `attempts`,
//!   `admin`, `live`: the websocket board, projector page and QR code).
//! - [`exam`]: the competition rules in motion — start/resume, autosave, submit, grading,
//!   the overdue sweeper, close.
//! - [`board`]: live in-memory boards per competition, frames for websocket viewers,
//!   PostgreSQL LISTEN/NOTIFY between processes.
//! - [`leaderboard`]: rankings and company scores from the store (what boards load).
//! - [`rules`]: pure rule functions (deadline, grace, window, ranking, company score).
//! - [`autosave`]: the autosave path: cached attempt facts and group commit.
//! - [`auth`]: argon2id hashing, HS256 tokens, role extractors, login throttle.
//! - [`identity`]: `Phone` and `CreditCode` (GB 32100-2015), parsed once.
//! - [`roster`]: the enterprise roster CSV (企业名录), parsed and checked.
//! - [`export`]: the bureau's exports (by company, subdistrict, participant, question) as
//!   CSV and .xlsx.
//! - [`store`]: sqlx `Any` over SQLite or PostgreSQL, one code path, embedded migrations.
//! - [`error`]: `AppError`, the one error enum, and the `AppJson` extractor.
//! - [`web`]: the embedded pages and static files.
//! - [`clock`], [`settings`], [`demo`], [`table`].
//!
//! The question rules (CSV, blueprints, assembly, grading) live in `question-bank`.

#![forbid(unsafe_code)]

pub mod accounts;
pub mod app;
pub mod auth;
pub mod autosave;
pub mod board;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod competitions;
pub mod demo;

pub mod exam;
pub mod export;
pub mod identity;
pub mod imports;
pub mod leaderboard;
pub mod roster;
pub mod routes;
pub mod rules;
pub mod settings;
pub mod state;
pub mod store;
pub mod text_table;
