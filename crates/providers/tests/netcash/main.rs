//! The Netcash client against the simulator over real HTTP (netcash-niws.md), one module per
//! topic.

mod batch_file;
mod errors;
mod late_results;
mod load_errors;
mod parsers;
mod round_trip;
mod validation;

use chrono::NaiveDate;
use pocket_domain::{AccountNumber, AccountType, BranchCode, Money};
use pocket_providers::netcash::{
    AccountReference, Batch, DebitOrder, Instruction, NetcashClient, NetcashConfig, ServiceKey,
};
use pocket_sandbox::netcash::{DEFAULT_ACCOUNT_KEY, DEFAULT_DEBIT_ORDER_KEY, DEFAULT_VENDOR_KEY};
use pocket_sandbox::{NetcashConfig as SimulatorConfig, NetcashSimulator};

pub(crate) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a date")
}

/// A Thursday: three business days before the action date [`action_date`].
pub(crate) fn today() -> NaiveDate {
    date(2026, 11, 26)
}

/// Tuesday 2026-12-01.
pub(crate) fn action_date() -> NaiveDate {
    date(2026, 12, 1)
}

pub(crate) fn config_for(endpoint: &str) -> NetcashConfig {
    NetcashConfig::new(
        endpoint,
        ServiceKey::new(DEFAULT_DEBIT_ORDER_KEY),
        ServiceKey::new(DEFAULT_ACCOUNT_KEY),
        DEFAULT_VENDOR_KEY,
    )
}

/// A simulator whose "today" is [`today`] and a client aimed at it.
pub(crate) async fn spawn() -> (NetcashSimulator, NetcashClient) {
    let sim = NetcashSimulator::start(SimulatorConfig::new(today())).await.expect("starts");
    let client = NetcashClient::new(config_for(&sim.url())).expect("a client");
    (sim, client)
}

/// A debit order for presentment `reference` with account number `6200123<n>`.
pub(crate) fn order(reference: &str, cents: i64) -> DebitOrder {
    let digits: String = reference.chars().filter(char::is_ascii_digit).collect();
    DebitOrder {
        account_reference: AccountReference::parse(reference).expect("a reference"),
        account_name: format!("Customer {reference}"),
        holder: "T NKOSI".to_owned(),
        account_type: AccountType::Current,
        branch_code: BranchCode::parse("250655").expect("a branch"),
        account_number: AccountNumber::parse(&format!("6200123{digits:0>4}")).expect("a number"),
        amount: Money::from_cents(cents),
    }
}

pub(crate) fn batch(orders: &[(&str, i64)]) -> Batch {
    let mut batch = Batch::new(Instruction::TwoDay, action_date(), 1);
    for (reference, cents) in orders {
        batch.push(order(reference, *cents)).expect("a valid order");
    }
    batch
}
