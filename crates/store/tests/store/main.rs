//! The store's integration tests, one binary with a module per topic, each test on a fresh
//! database made by `#[sqlx::test]` from the migrations.

mod append_only;
mod audit;
mod common;
mod constraints;
mod demo;
mod jobs;
mod ledger;
mod listen;
mod officers;
mod permissions;
mod workflow;
