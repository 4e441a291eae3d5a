//! # ecoquiz
//!
//! The `ecoquiz` binary's library: the command line, the HTTP server and its store.
//! `main.rs` only calls [`cli::run`]; tests reach everything here with a bound listener.
//! Three layers, imports pointing down only (docs/ARCHITECTURE.md draws them):
//!
//! - **The HTTP layer.** [`routes`]: thin handlers by area, the role extractors, `AppError`
//!   (the one error enum of the layer; it maps the services' errors to statuses), the upload
//!   path, the embedded pages; [`state`]: `AppState`, what handlers reach; [`app`]:
//!   start-up and `serve`.
//! - **The services**, one per area, each holding only what it needs and answering with its
//!   own error enum: [`exam`] (start, autosave, submit, grading, the sweeper, close),
//!   [`accounts`] (registration against the roster, logins), [`competitions`] (create and
//!   check, views), [`imports`] (the bank and roster uploads), [`board`] (live boards and
//!   standings), [`live_final`] (the live final: its rules, state and service), [`export`]
//!   (the bureau's files); [`commands`]: the CLI's work, [`cli`]: its parsing.
//! - **Below them**: [`store`] (all SQL, one code path for SQLite and PostgreSQL), the pure
//!   [`rules`], [`identity`] (`Phone`, `CreditCode`), [`roster`] (the roster CSV),
//!   [`autosave`] (the group commit), [`fanout`] (latest-value frames to many viewers),
//!   [`auth`] (tokens, the login throttle), [`passwords`] (argon2id hashing on its own workers),
//!   [`clock`], [`settings`], [`demo`], [`text_table`].
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
pub mod fanout;
pub mod group_commit;
pub mod identity;
pub mod imports;
pub mod live_final;
pub mod passwords;
pub mod rehearsal;
pub mod rehearse;
pub mod roster;
pub mod routes;
pub mod rules;
pub mod settings;
pub mod state;
pub mod store;
pub mod text_table;
