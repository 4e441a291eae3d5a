//! Tells cargo to rebuild the binary when a page in `web/` changes or is added: the files are
//! embedded with `include_dir!`, which cargo cannot track by itself on stable Rust.

fn main() {
    println!("cargo:rerun-if-changed=../web");
}
