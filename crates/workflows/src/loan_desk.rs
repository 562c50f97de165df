//! What a collections clerk or a supervisor does to a loan from the desktop, with the rules each
//! action must keep before it reaches the store: a payment received by EFT, moving a collection
//! date, the settlement quote, a write-off, and asking for the daily collections run. The role
//! checks are the database's (migration 20261205000014 and the write-off guards of 20261125000004);
//! these functions check what a role cannot: amounts, dates and the state of the loan.

use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use pocket_domain::{BusinessCalendar, Money};
use pocket_store::StoreError;
use pocket_store::collections;
use pocket_store::loan_desk::{self, LoanState};
use pocket_store::loans::{self, InstalmentStatus, LoanStatus};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::collections::manual;
use crate::collections::presentments::two_day_action_date;

/// Why an action was refused.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// A value the officer typed is out of range or malformed.
    #[error("{0}")]
    Invalid(String),
    /// The loan is not in a state that allows this.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(text: impl Into<String>) -> DeskError {
    DeskError::Invalid(text.into())
}

fn conflict(text: impl Into<String>) -> DeskError {
    DeskError::Conflict(text.into())
}

/// The longest reference of a payment (it is kept on the posting and printed on statements).
pub const MAX_REFERENCE_CHARS: usize = 60;
/// The longest reason of a write-off.
pub const MAX_REASON_CHARS: usize = 500;

/// A short free text: trimmed, not empty, within `max` characters, without control characters.
pub fn clean_text(text: &str, what: &str, min: usize, max: usize) -> Result<String, DeskError> {
    let text = text.trim();
    let count = text.chars().count();
    if count < min {
        return Err(invalid(format!("The {what} needs at least {min} characters.")));
    }
    if count > max {
        return Err(invalid(format!("The {what} may have at most {max} characters.")));
    }
    if text.chars().any(char::is_control) {
        return Err(invalid(format!("The {what} may not contain control characters.")));
    }
    Ok(text.to_owned())
}

fn collecting(status: LoanStatus) -> Result<(), DeskError> {
    match status {
        LoanStatus::Active | LoanStatus::InArrears => Ok(()),
        other => Err(conflict(format!("The loan is {}: nothing more is collected.", words(other)))),
    }
}

fn words(status: LoanStatus) -> &'static str {
    match status {
        LoanStatus::Active => "active",
        LoanStatus::InArrears => "in arrears",
        LoanStatus::PaidUp => "paid up",
        LoanStatus::WrittenOff => "written off",
        LoanStatus::Cancelled => "cancelled",
    }
}

/// What a recorded payment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentRecorded {
    pub ledger_posting_id: Uuid,
    pub balance_cents: i64,
    pub status: LoanStatus,
}

/// Records a payment received outside the debit orders (an EFT into the lender's account): a
/// `payment` posting effective on the day it was received (collections.md rule 5: a reference to
/// its cause), allocated to the oldest owing instalments, and the book's statuses refreshed as of
/// `today`. Refused for more than the balance (an overpayment is refunded, never kept as a
/// credit), for a day in the future or before the pay-out, and on a loan no longer collecting.
///
/// The statuses are refreshed as of `today`, not as of the day received: refreshing as of an
/// earlier day would take loans whose arrears began since then out of default and lose their in
/// duplum limit (NCA s103(5)).
pub async fn record_payment(
    conn: &mut PgConnection,
    loan_id: Uuid,
    amount_cents: i64,
    received_on: NaiveDate,
    today: NaiveDate,
    reference: &str,
) -> Result<PaymentRecorded, DeskError> {
    if amount_cents <= 0 {
        return Err(invalid("A payment must be more than R0.00."));
    }
    let reference = clean_text(reference, "payment reference", 1, MAX_REFERENCE_CHARS)?;
    if received_on > today {
        return Err(invalid("A payment cannot be received in the future."));
    }
    let loan: LoanState = loan_desk::lock_loan(&mut *conn, loan_id).await?;
    collecting(loan.status)?;
    if received_on < loan.disbursed_on {
        return Err(invalid("A payment cannot be received before the loan was paid out."));
    }
    if amount_cents > loan.balance_cents {
        return Err(invalid(format!(
            "The payment is more than the balance of {}: record the balance and refund the rest.",
            Money::from_cents(loan.balance_cents)
        )));
    }
    let posting = manual::record_payment(
        &mut *conn,
        loan_id,
        Money::from_cents(amount_cents),
        received_on,
        today,
        &reference,
    )
    .await?;
    let after = loans::get(&mut *conn, loan_id).await?;
    Ok(PaymentRecorded {
        ledger_posting_id: posting,
        balance_cents: after.balance_cents,
        status: after.status,
    })
}

/// The first day a moved collection may fall on. collections.md: a two-day batch must reach the
/// provider at least 2 business days before its action date; today's run has already built the
/// batch two business days ahead, so the first date a new presentment can still reach is the
/// business day after that one.
pub fn earliest_collection_date(calendar: &BusinessCalendar, today: NaiveDate) -> NaiveDate {
    calendar.add_business_days(two_day_action_date(calendar, today), 1)
}

/// The last day a short-term loan may be collected: Reg 39(2) of the NCA Regulations, repayable
/// in full within 6 months (credit-law.md).
pub fn latest_collection_date(disbursed_on: NaiveDate) -> NaiveDate {
    disbursed_on.checked_add_months(Months::new(6)).unwrap_or(disbursed_on)
}

/// Moves the day an instalment is next collected, within the rules: a business day (debit
/// orders run only on business days), no earlier than a new two-day batch can reach
/// ([`earliest_collection_date`]), no later than the loan's six months (Reg 39(2)), on a loan
/// still collecting, and never while a debit order for the instalment is in flight (the store
/// refuses).
pub async fn move_collection_date(
    conn: &mut PgConnection,
    calendar: &BusinessCalendar,
    instalment_id: Uuid,
    on: NaiveDate,
    today: NaiveDate,
) -> Result<(), DeskError> {
    let (loan_id, status, disbursed_on, instalment_status) =
        loan_desk::instalment_loan(&mut *conn, instalment_id).await?;
    loan_desk::lock_loan(&mut *conn, loan_id).await?;
    collecting(status)?;
    if !matches!(instalment_status.as_str(), "scheduled" | "unpaid" | "partially_paid") {
        return Err(conflict("That instalment is not owed any more: its date cannot move."));
    }
    if !calendar.is_business_day(on) {
        return Err(invalid(format!(
            "{on} is not a business day: debit orders run on business days only."
        )));
    }
    let earliest = earliest_collection_date(calendar, today);
    if on < earliest {
        return Err(invalid(format!(
            "The earliest date a debit order can still be sent for is {earliest} (two business days' notice to the bank)."
        )));
    }
    let latest = latest_collection_date(disbursed_on);
    if on > latest {
        return Err(invalid(format!(
            "A short-term loan is repaid within six months: the latest date is {latest}."
        )));
    }
    manual::move_collection_date(&mut *conn, instalment_id, on).await.map_err(|e| match e {
        StoreError::NotFound { .. } => {
            conflict("A debit order for this instalment is in flight: wait for its result.")
        }
        other => DeskError::Store(other),
    })
}

/// A settlement quote (NCA s125(2), credit-law.md): the unpaid principal and the interest, fees
/// and charges payable up to the settlement date. Charges accrue as instalments fall due, so the
/// amount is the balance today, and holds until the next instalment falls due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementQuote {
    pub on: NaiveDate,
    pub amount_cents: i64,
    /// The charges of instalments not yet due, which settling today does not pay.
    pub charges_not_due_cents: i64,
    /// The last day this amount holds (the day before the next instalment falls due).
    pub valid_until: Option<NaiveDate>,
    /// Debit orders in flight: their results change what is owed.
    pub in_flight: i64,
}

pub async fn settlement_quote(
    conn: &mut PgConnection,
    loan_id: Uuid,
    today: NaiveDate,
) -> Result<SettlementQuote, DeskError> {
    let header = loan_desk::loan_header(&mut *conn, loan_id).await?;
    collecting(header.status)?;
    let amount = manual::settlement_amount(&mut *conn, loan_id).await?;
    let instalments = loans::instalments(&mut *conn, loan_id).await?;
    let open: Vec<_> = instalments
        .iter()
        .filter(|i| i.due_date > today && i.status == InstalmentStatus::Scheduled)
        .collect();
    let charges_not_due = open.iter().map(|i| i.interest_cents + i.fee_cents + i.vat_cents).sum();
    let valid_until =
        open.iter().map(|i| i.due_date).min().and_then(|d| d.checked_sub_days(Days::new(1)));
    let in_flight = collections::for_loan(&mut *conn, loan_id)
        .await?
        .iter()
        .filter(|p| p.status.is_active())
        .count();
    Ok(SettlementQuote {
        on: today,
        amount_cents: amount.cents(),
        charges_not_due_cents: charges_not_due,
        valid_until,
        in_flight: i64::try_from(in_flight).unwrap_or(i64::MAX),
    })
}

/// Writes a loan off with its reason (supervisor only: the database's guards refuse anyone
/// else). Refused on a loan that is not collecting and while a debit order is in flight (its
/// result must come first). Returns the write-off posting, if a balance was left.
pub async fn write_off(
    conn: &mut PgConnection,
    loan_id: Uuid,
    today: NaiveDate,
    reason: &str,
) -> Result<Option<Uuid>, DeskError> {
    let reason = clean_text(reason, "reason", 5, MAX_REASON_CHARS)?;
    let loan = loan_desk::lock_loan(&mut *conn, loan_id).await?;
    collecting(loan.status)?;
    if loan.active_presentments > 0 {
        return Err(conflict(
            "A debit order of the loan is in flight: write off once its result is known.",
        ));
    }
    Ok(manual::write_off(&mut *conn, loan_id, today, &reason).await?)
}

/// Asks the worker for the daily collections run of `today` (DESIGN.md decision 2: the desktop
/// never calls the provider). One run per minute however often it is asked for.
pub async fn trigger_run(
    conn: &mut PgConnection,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Uuid, DeskError> {
    Ok(loan_desk::trigger_run(conn, today, now).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_moved_date_leaves_room_for_a_two_day_batch() {
        let cal = BusinessCalendar::south_africa();
        // Friday 4 December 2026: today's run builds Tuesday 8th; the first free date is the 9th.
        assert_eq!(earliest_collection_date(&cal, date(2026, 12, 4)), date(2026, 12, 9));
        // Over Christmas: on the 23rd the run builds Monday the 28th (the 25th is a holiday,
        // then the weekend), so the 29th.
        assert_eq!(earliest_collection_date(&cal, date(2026, 12, 23)), date(2026, 12, 29));
    }

    #[test]
    fn six_months_from_the_pay_out_is_the_latest_date() {
        assert_eq!(latest_collection_date(date(2026, 8, 31)), date(2027, 2, 28));
    }

    #[test]
    fn free_text_is_trimmed_bounded_and_printable() {
        assert_eq!(clean_text("  EFT 123 ", "reference", 1, 60).unwrap(), "EFT 123");
        assert!(clean_text("   ", "reference", 1, 60).is_err());
        assert!(clean_text(&"x".repeat(61), "reference", 1, 60).is_err());
        assert!(clean_text("a\u{0}b", "reference", 1, 60).is_err());
        assert!(clean_text("abc", "reason", 5, 500).is_err());
    }
}
