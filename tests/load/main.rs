//! Load benchmark (stub; being written).
fn main() {}
