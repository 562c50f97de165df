//! The XDS Connect client against the simulator over real HTTP (xds-connect.md), one module per
//! topic.

mod errors;
mod parsers;
mod reports;
mod tickets;

use chrono::NaiveDate;
use pocket_domain::SaIdNumber;
use pocket_providers::xds::{
    ConsentReference, Enquiry, EnquiryReason, Password, XdsClient, XdsConfig,
};
use pocket_sandbox::xds::{
    DEFAULT_PASSWORD, DEFAULT_USER, XdsConfig as SimulatorConfig, XdsSimulator,
};

pub(crate) fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).expect("a date")
}

pub(crate) fn config_for(endpoint: &str) -> XdsConfig {
    XdsConfig::new(endpoint, DEFAULT_USER, Password::new(DEFAULT_PASSWORD), "2")
}

/// A simulator and a client aimed at it.
pub(crate) async fn spawn() -> (XdsSimulator, XdsClient) {
    let sim = XdsSimulator::start(SimulatorConfig::new(today())).await.expect("starts");
    let client = XdsClient::new(config_for(&sim.url())).expect("a client");
    (sim, client)
}

/// An enquiry for an application, with consent `C-1`.
pub(crate) fn enquiry(id: &str) -> Enquiry {
    let id = SaIdNumber::parse(id, today()).expect("a valid ID number");
    let consent = ConsentReference::parse("C-1").expect("a consent reference");
    Enquiry::new(id, EnquiryReason::CreditApplication, consent)
}
