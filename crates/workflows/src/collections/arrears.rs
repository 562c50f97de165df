//! Arrears and the messages around a debit (collections.md): the reminder the day before a debit
//! order runs and the message after one came back unpaid, each recorded once (keyed by the
//! presentment) through the notification outbox, which applies the contact rules: nobody who may
//! not be contacted (code 18, a deceased holder) is messaged, and opted-out applicants get only
//! what the law requires.

use chrono::{DateTime, Days, NaiveDate, Utc};
use pocket_domain::{BusinessCalendar, Money, Msisdn};
use pocket_store::StoreError;
use pocket_store::arrears::{self, DebitContact};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::notify::{self, Message, NotifyError, Recipient};

pub use pocket_store::arrears::Arrears;

/// Loans in arrears with days past due and their ageing bucket.
pub async fn report(conn: &mut PgConnection, today: NaiveDate) -> Result<Vec<Arrears>, StoreError> {
    arrears::arrears(conn, today).await
}

fn recipient(c: &DebitContact) -> Option<Recipient> {
    // A number that no longer parses is skipped rather than failing the day's run.
    let msisdn = Msisdn::parse(&c.msisdn).ok()?;
    Some(Recipient {
        applicant_id: c.applicant_id,
        name: c.name.clone(),
        msisdn,
        email: c.email.clone(),
    })
}

fn store(e: NotifyError) -> StoreError {
    match e {
        NotifyError::Store(e) => e,
        other => StoreError::Inconsistent(other.to_string()),
    }
}

/// Records the reminders for the debit orders that run on the next calendar day, when that day
/// is a business day (debits run only on business days). Keyed by presentment: a second run of
/// the day records nothing more.
pub async fn record_reminders(
    conn: &mut PgConnection,
    calendar: &BusinessCalendar,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let Some(tomorrow) = today.checked_add_days(Days::new(1)) else { return Ok(0) };
    if !calendar.is_business_day(tomorrow) {
        return Ok(0);
    }
    let mut recorded = 0;
    for c in arrears::debits_on(&mut *conn, tomorrow).await? {
        let Some(to) = recipient(&c) else { continue };
        let message = Message::DebitTomorrow {
            reference: c.reference.clone(),
            amount: Money::from_cents(c.amount_cents),
            date: c.action_date,
        };
        let key = c.presentment_id.to_string();
        recorded +=
            notify::notify(&mut *conn, &to, &message, &key, now).await.map_err(store)?.len();
    }
    Ok(recorded)
}

/// Records the message after a failed debit for presentments that just came back unpaid.
pub async fn record_failure_messages(
    conn: &mut PgConnection,
    presentment_ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut recorded = 0;
    for c in arrears::returned_contacts(&mut *conn, presentment_ids).await? {
        let Some(to) = recipient(&c) else { continue };
        let message = Message::DebitFailed {
            reference: c.reference.clone(),
            amount: Money::from_cents(c.amount_cents),
            date: c.action_date,
        };
        let key = c.presentment_id.to_string();
        recorded +=
            notify::notify(&mut *conn, &to, &message, &key, now).await.map_err(store)?.len();
    }
    Ok(recorded)
}
