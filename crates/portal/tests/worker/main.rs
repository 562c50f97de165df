//! The `pocket worker` process over real PostgreSQL and the provider simulators: notifications
//! sent and their delivery reports recorded through the webhook, the probes, and shutdown.

mod common;
mod notifications;
mod probes;
