//! Fan-out benchmark (stub; being written).
fn main() {}
