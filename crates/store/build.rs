//! Rebuilds the crate when a migration changes, so the embedded MIGRATOR is never stale.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
