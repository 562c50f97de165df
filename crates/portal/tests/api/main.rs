//! The partner API and the operations endpoints over a real port and a fresh PostgreSQL database:
//! quotes, submissions decided by a real worker against the bureau simulator, keys and their
//! revocation, rate limits, idempotency, hostile input, the audit, security headers, probes,
//! metrics, and schemathesis against the OpenAPI description.

mod applications;
mod common;
mod contract;
mod documents;
mod hostile;
mod keys;
mod ops;
mod privileges;
mod quote;
#[allow(dead_code)]
#[path = "../worker/common.rs"]
mod worker;
