//! The `ecoquiz` binary: parses the command line and hands over to the library.

fn main() -> std::process::ExitCode {
    ecoquiz::cli::run(std::env::args_os())
}
