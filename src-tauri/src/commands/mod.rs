//! The Tauri commands: thin conversions between the UI's request types (`pocket_contract`) and
//! the store and use cases, run on the signed-in officer's own connection. Every command here is
//! listed in build.rs and allowed in capabilities/default.json; nothing else is exposed.

pub mod admin;
pub mod application;
pub mod collections;
pub mod decide;
pub mod loans;
pub mod queue;
pub mod reports;
pub mod review;
pub mod session;

use pocket_contract::CommandError;
use uuid::Uuid;

use crate::error::invalid;

/// The result every command returns: its value, or the typed error.
pub type Answer<T> = Result<T, CommandError>;

/// Parses an identifier the UI sent back.
pub fn uuid(text: &str, admin: bool) -> Answer<Uuid> {
    Uuid::parse_str(text.trim()).map_err(|_| invalid("That is not a valid identifier.", admin))
}
