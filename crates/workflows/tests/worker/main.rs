//! The worker's integration tests, one binary with a module per topic. Each test gets a fresh,
//! migrated database from `#[sqlx::test]`; workers that must be independent get pools of their
//! own. Time is a test clock that the tests move; waiting is a bounded poll of observable state.

mod common;
mod exactly_once;
mod outbox;
mod recovery;
mod retries;
mod schedule;
mod shutdown;
