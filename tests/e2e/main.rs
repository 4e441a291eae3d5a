//! End-to-end tests: the real server (in-process on a bound port, or the real binary) driven
//! by real HTTP clients, on SQLite and — when `ECOQUIZ_TEST_DATABASE_URL` is set, as in CI —
//! on PostgreSQL too.
//!
//! One test binary (faster to link than one per file); each module is a user-facing area.

mod api_reference;
mod browser;
mod browser_admin;
mod browser_contestant;
mod browser_final;
mod browser_final_form;
mod browser_storage;
mod chromium;
mod cli_bank;
mod durability;
mod finals;
mod http_accounts;
mod http_admin;
mod http_exam;
mod http_exports;
mod http_monitor;
mod http_roster;
mod live;
mod password_memory;
mod rehearse;
mod storage_faults;
mod storage_faults_disk;
mod storage_faults_postgres;
mod support;
