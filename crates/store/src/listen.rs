//! LISTEN/NOTIFY: triggers on applications, loans, presentments, batches and jobs send a small
//! JSON payload on one channel; the desktop turns it into live updates and the worker into a
//! wake-up, then reads the row with its own rights.

use sqlx::PgPool;
use sqlx::postgres::{PgListener, PgNotification};

use crate::error::Result;

/// The channel every change is announced on.
pub const CHANNEL: &str = "pocket_change";

text_enum! {
    pub enum ChangeOp {
        Insert => "insert",
        Update => "update",
        Delete => "delete",
    }
}

/// One announced change: which table, which row, what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub table: String,
    pub id: String,
    pub op: ChangeOp,
}

impl Change {
    /// Reads a notification's payload; `None` for anything that is not ours.
    pub fn parse(notification: &PgNotification) -> Option<Change> {
        if notification.channel() != CHANNEL {
            return None;
        }
        Change::from_payload(notification.payload())
    }

    pub fn from_payload(payload: &str) -> Option<Change> {
        let value: serde_json::Value = serde_json::from_str(payload).ok()?;
        Some(Change {
            table: value.get("table")?.as_str()?.to_owned(),
            id: value.get("id")?.as_str()?.to_owned(),
            op: value.get("op")?.as_str()?.parse().ok()?,
        })
    }
}

/// A listener on [`CHANNEL`]. It reconnects by itself; after a reconnect, missed changes are not
/// replayed, so callers refresh what they show.
pub async fn listener(pool: &PgPool) -> Result<PgListener> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}
