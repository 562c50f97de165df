//! Pocket Loans use cases shared by the portal, the worker and the desktop back office.
//!
//! Today this crate holds the background worker runtime ([`worker`]): the process that claims jobs
//! from the queue in PostgreSQL and runs them, and the transactional outbox helper with which any
//! use case records work for the worker in the same transaction as the change that causes it
//! (DESIGN.md decisions 2 and 9); and the notifications to applicants ([`notify`]), sent by the
//! worker through the SMS and email providers; and submitting and deciding an application
//! ([`decide`]): the bureau enquiry, affordability and the lending policy.

pub mod admin;
pub mod apply;
pub mod collections;
pub mod decide;
pub mod desk;
pub mod documents;
pub mod loan_desk;
pub mod notify;
pub mod partner_keys;
pub mod review;
pub mod worker;
