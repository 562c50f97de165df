//! The Pocket Loans server: today the background worker (`pocket worker`) with its health probes
//! and the Clickatell status webhook, and the migrations (`pocket migrate`). The applicant portal
//! and the partner API will join this binary.

pub mod settings;
pub mod worker;
