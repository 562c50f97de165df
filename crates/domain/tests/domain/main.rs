//! Integration and property tests of pocket-domain: one binary, a module per area.

mod collections;
mod ledger;
mod pricing;
mod schedule;

use chrono::NaiveDate;

/// A date for tests.
pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}
