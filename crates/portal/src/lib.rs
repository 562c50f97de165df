//! The Pocket Loans server binary's library: the public HTTP server (`pocket serve`: the applicant
//! portal, the partner API and the operations endpoints), the background worker (`pocket worker`)
//! with its health probes and provider webhooks, and their settings.

pub mod api;
pub mod ops;
pub mod server;
pub mod settings;
pub mod updates;
pub mod web;
pub mod worker;
