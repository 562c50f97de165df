//! Pocket Loans data layer: the schema's migrator, typed queries by topic, roles, audit, the job
//! queue and LISTEN/NOTIFY, over PostgreSQL through sqlx.
//!
//! Every query function takes `&mut PgConnection` so that callers compose several of them in one
//! transaction (`&mut *tx`). Queries are checked at compile time against the schema in
//! `migrations/` (the offline cache lives in the workspace's `.sqlx/`). Money crosses this boundary
//! as `i64` cents, the unit the database stores.

#[macro_use]
mod text_enum;

pub mod admin;
pub mod api_audit;
pub mod applicants;
pub mod applications;
pub mod arrears;
pub mod audit;
pub mod backoffice;
pub mod bureau;
pub mod collections;
pub mod decisions;
pub mod demo;
pub mod documents;
pub mod error;
pub mod jobs;
pub mod ledger;
pub mod listen;
pub mod loan_desk;
pub mod loans;
pub mod mandates;
pub mod notifications;
pub mod officers;
pub mod parameters;
pub mod partners;
pub mod portal;
pub mod quotes;
pub mod reports;
pub mod review_desk;
pub mod scram;
pub mod settings;

pub use error::{Result, StoreError};
pub use settings::{DbSettings, Password, SslMode};

/// The schema's migrations, embedded at build time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// Applies every pending migration.
pub async fn migrate(pool: &sqlx::PgPool) -> Result<()> {
    MIGRATOR.run(pool).await?;
    Ok(())
}
