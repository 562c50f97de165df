//! What a collections officer does from the desktop, through the same store functions as the
//! daily cycle: move a collection date, record an EFT payment, settle, write off. Each posts to the
//! ledger with a reference to its cause (collections.md rule 5); a write-off is refused unless the
//! role in effect is a supervisor (the database checks).

use chrono::NaiveDate;
use pocket_domain::Money;
use pocket_store::StoreError;
use pocket_store::collections;
use pocket_store::ledger::{self, NewPosting, PostingKind};
use pocket_store::loans;
use sqlx::PgConnection;
use uuid::Uuid;

/// Moves when an instalment is next collected; refused while its debit order is in flight.
pub async fn move_collection_date(
    conn: &mut PgConnection,
    instalment_id: Uuid,
    on: NaiveDate,
) -> Result<(), StoreError> {
    loans::move_collection_date(conn, instalment_id, on).await
}

/// Records an EFT payment: a `payment` posting effective the day it was received, allocated to
/// the oldest owing instalments, and the loans' statuses refreshed as of `today` (it may be paid
/// up now; a back-dated payment must not judge arrears as of an earlier day). Returns the posting.
pub async fn record_payment(
    conn: &mut PgConnection,
    loan_id: Uuid,
    amount: Money,
    received_on: NaiveDate,
    today: NaiveDate,
    reference: &str,
) -> Result<Uuid, StoreError> {
    if !amount.is_positive() {
        return Err(StoreError::Inconsistent("a payment must be positive".to_owned()));
    }
    let posting = ledger::post(
        &mut *conn,
        &NewPosting {
            loan_id,
            kind: PostingKind::Payment,
            amount: Money::from_cents(-amount.cents()),
            effective_date: received_on,
            instalment_id: None,
            presentment_id: None,
            reference: format!("EFT {reference}"),
        },
    )
    .await?;
    loans::allocate_payment(&mut *conn, loan_id, amount.cents()).await?;
    collections::refresh_loan_status(&mut *conn, today).await?;
    Ok(posting)
}

/// What settling a loan early costs on a day: the balance, with the charges of instalments not
/// yet due left out (they were never posted: interest and fees accrue as instalments fall due).
pub async fn settlement_amount(
    conn: &mut PgConnection,
    loan_id: Uuid,
) -> Result<Money, StoreError> {
    Ok(Money::from_cents(ledger::balance(conn, loan_id).await?.stored_cents.max(0)))
}

/// Settles a loan with a payment of its settlement amount, allocated to the oldest instalments;
/// what the schedule still shows afterwards (charges not yet due) is waived, and the loan is paid
/// up. Refused while a debit order is in flight (its result must come first). Returns the
/// payment posting.
pub async fn settle(
    conn: &mut PgConnection,
    loan_id: Uuid,
    on: NaiveDate,
    reference: &str,
) -> Result<Option<Uuid>, StoreError> {
    let in_flight =
        collections::for_loan(&mut *conn, loan_id).await?.iter().any(|p| p.status.is_active());
    if in_flight {
        return Err(StoreError::Inconsistent(
            "a debit order of the loan is in flight: settle once its result is known".to_owned(),
        ));
    }
    let amount = settlement_amount(&mut *conn, loan_id).await?;
    let posting = if amount.is_positive() {
        Some(
            record_payment(&mut *conn, loan_id, amount, on, on, &format!("settlement {reference}"))
                .await?,
        )
    } else {
        None
    };
    loans::waive_open_instalments(&mut *conn, loan_id).await?;
    collections::refresh_loan_status(&mut *conn, on).await?;
    Ok(posting)
}

/// Writes a loan off (supervisor only).
pub async fn write_off(
    conn: &mut PgConnection,
    loan_id: Uuid,
    on: NaiveDate,
    reason: &str,
) -> Result<Option<Uuid>, StoreError> {
    loans::write_off(conn, loan_id, on, reason).await
}
