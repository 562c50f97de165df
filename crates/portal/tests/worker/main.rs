//! The `pocket worker` process over real PostgreSQL and the provider simulators: notifications
//! sent and their delivery reports recorded through the webhook, bureau enquiries and decisions,
//! the probes, and shutdown, including SIGTERM to the real `pocket worker` and `pocket serve`
//! processes.

mod common;
mod decisions;
mod notifications;
mod probes;
mod sigterm;
