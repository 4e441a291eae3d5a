//! Tells cargo to rebuild the binary when a page in `web/` or a migration changes or is
//! added: both are embedded by macros (`include_dir!`, `sqlx::migrate!`) that cargo cannot
//! track by themselves on stable Rust.

fn main() {
    println!("cargo:rerun-if-changed=../web");
    println!("cargo:rerun-if-changed=migrations");
}
