//! Simulators of the outside services, speaking their real wire protocols over real HTTP, with
//! fault injection controllable per test (DESIGN.md decision 7).
//!
//! Today this holds the debit-order provider, Netcash NIWS ([`netcash`]). The simulator shares no
//! code with the client in `pocket-providers`, so a misreading of the spec cannot hide on both
//! sides (ARCHITECTURE.md, dependency invariants).

pub mod clickatell;
pub mod netcash;
pub mod sentry;
mod server;
mod soap;
pub mod xds;

pub use clickatell::ClickatellSimulator;
pub use netcash::{Fault, NetcashConfig, NetcashSimulator};
pub use sentry::SentrySink;
