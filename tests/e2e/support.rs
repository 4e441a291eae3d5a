//! Helpers shared by the end-to-end tests: running the binary and finding the sample files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The result of one run of `ecoquiz`.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// Runs the real binary with `args` and waits for it.
pub fn ecoquiz(args: &[&str]) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_ecoquiz"))
        .args(args)
        .output()
        .expect("the ecoquiz binary runs");
    Run {
        code: status
            .code()
            .expect("ecoquiz exited normally, not by a signal"),
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

/// The sample bank shipped in `question-bank/samples/`.
pub fn sample_bank() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../question-bank/samples/sample-bank.csv")
}

/// A fresh temporary folder for a test's files.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

/// Writes `contents` to `name` in `dir` and returns its path as a string.
pub fn write_file(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("the test file is written");
    path.to_str().expect("temp paths are UTF-8").to_owned()
}
