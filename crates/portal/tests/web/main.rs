//! The applicant portal over HTTP as a browser without JavaScript uses it (plain forms, cookies,
//! redirects), against `pocket serve` and `pocket worker` on a fresh database with the XDS and
//! Clickatell simulators: the whole journey, and hostile input.

mod common;
mod documents;
mod hostile;
mod journey;
#[allow(dead_code)]
#[path = "../worker/common.rs"]
mod worker;
