//! The rules of Pocket Loans' business, as pure functions and types: money, identity, the
//! business calendar, pricing under the National Credit Act caps, affordability, repayment
//! schedules, credit policy, debit-order collections and the loan ledger.
//!
//! Architecture invariant: this crate does no I/O, no async, no database, no serialization and
//! reads no clock. Dates ("today") are passed in. Its only dependency is `chrono` for civil
//! dates, and it compiles for `wasm32-unknown-unknown`, so the back-office UI can share it.
//!
//! Every rule that comes from a law or a provider's specification names its source in a comment
//! above it; the sources are the notes in `shared/domain/` (credit-law.md, collections.md,
//! identity.md) and `shared/providers/netcash-niws.md`. Facts those notes mark "verify" are
//! marked "verify" here too.
//!
//! Modules:
//! - [`money`]: [`Money`] (integer cents), [`Rate`] (parts per million) and the crate's one
//!   rounding rule.
//! - [`identity`]: [`SaIdNumber`], [`Msisdn`], bank details.
//! - [`calendar`]: [`BusinessCalendar`] and [`PaydayRule`].
//! - [`pricing`]: [`RegulatoryParameters`], [`ProductParameters`], [`quote`] and [`Quote`].
//! - [`affordability`]: Regulation 23A norms and [`Assessment`].
//! - [`schedule`]: [`Schedule`] and [`Instalment`].
//! - [`policy`]: [`PolicyThresholds`], [`decide`] and [`Decision`].
//! - [`collections`]: reason codes, the presentment state machine and
//!   [`InstalmentCollections`].
//! - [`ledger`]: [`Ledger`], [`Posting`] and the in duplum rule.

pub mod affordability;
pub mod calendar;
pub mod collections;
pub mod identity;
pub mod ledger;
pub mod money;
pub mod policy;
pub mod pricing;
pub mod schedule;

pub use affordability::{AffordabilityInput, Assessment, ExpenseBasis, ExpenseNorms, assess};
pub use calendar::{BusinessCalendar, Holiday, PaydayRule};
pub use collections::{
    InstalmentCollections, NextAction, PresentmentEvent, PresentmentState, ReasonCode, transition,
};
pub use identity::{
    AccountNumber, AccountType, Bank, BankAccount, BankAccountWarning, BranchCode, Citizenship,
    Gender, Msisdn, SaIdNumber,
};
pub use ledger::{Ledger, Posting, PostingKind};
pub use money::{Money, Rate};
pub use policy::{Decision, DecisionInput, DecisionReason, PolicyThresholds, decide};
pub use pricing::{
    InterestConvention, ProductParameters, Quote, QuoteError, RegulatoryParameters, quote,
};
pub use schedule::{Instalment, Schedule, ScheduleRequest};
