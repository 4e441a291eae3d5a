//! End-to-end tests: they run the real `ecoquiz` binary as a user would.
//!
//! One test binary (faster to link than one per file); each module is a user-facing area.

mod cli_bank;
mod support;
