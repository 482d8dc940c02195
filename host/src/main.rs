//! The `gwb` command line.

fn main() {}
