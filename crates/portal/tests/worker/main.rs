//! The `pocket worker` process over real PostgreSQL and the provider simulators: notifications
//! sent and their delivery reports recorded through the webhook, bureau enquiries and decisions,
//! the probes, and shutdown.

mod common;
mod decisions;
mod notifications;
mod probes;
