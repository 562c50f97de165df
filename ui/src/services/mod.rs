//! One module per command group of the shell; each function is one command, typed with
//! `pocket_contract`.

pub mod admin;
pub mod collections;
pub mod decide;
pub mod desk;
pub mod loans;
pub mod queue;
pub mod reports;
pub mod review;
pub mod session;
pub mod updater;
