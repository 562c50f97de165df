//! The Clickatell client against the simulator over real HTTP (clickatell.md), one module per
//! topic.

mod callbacks;
mod errors;
mod parsers;
mod send;

use std::time::Duration;

use pocket_domain::Msisdn;
use pocket_providers::backoff::Backoff;
use pocket_providers::clickatell::{ApiKey, ClickatellClient, ClickatellConfig, OutgoingSms};
use pocket_sandbox::ClickatellSimulator;
use pocket_sandbox::clickatell::ClickatellConfig as SimulatorConfig;

/// A backoff fast enough for tests: four attempts, waits of a few milliseconds.
pub(crate) fn quick_backoff() -> Backoff {
    Backoff {
        max_attempts: 4,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
    }
}

pub(crate) fn config_for(sim: &ClickatellSimulator) -> ClickatellConfig {
    let mut config = ClickatellConfig::new(sim.url(), ApiKey::new(sim.api_key()));
    config.backoff = quick_backoff();
    config
}

/// A simulator with the default configuration and a client aimed at it.
pub(crate) async fn spawn() -> (ClickatellSimulator, ClickatellClient) {
    let sim = ClickatellSimulator::start(SimulatorConfig::default()).await.expect("starts");
    let client = ClickatellClient::new(config_for(&sim)).expect("a client");
    (sim, client)
}

pub(crate) fn sms(to: &str, content: &str) -> OutgoingSms {
    OutgoingSms {
        to: Msisdn::parse(to).expect("a mobile number"),
        content: content.to_owned(),
        client_message_id: Some(format!("notification-{to}")),
    }
}
