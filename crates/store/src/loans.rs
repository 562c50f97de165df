//! Loans and their instalments. A loan exists only on an officer's approval within the approvers'
//! limits (a trigger checks), its balance moves only with ledger postings, and only a supervisor
//! writes it off.

use chrono::NaiveDate;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::{Result, found};
use crate::ledger::{self, NewPosting, PostingKind};

text_enum! {
    pub enum LoanStatus {
        Active => "active",
        InArrears => "in_arrears",
        PaidUp => "paid_up",
        WrittenOff => "written_off",
        Cancelled => "cancelled",
    }
}

text_enum! {
    pub enum InstalmentStatus {
        Scheduled => "scheduled",
        Presented => "presented",
        Paid => "paid",
        PartiallyPaid => "partially_paid",
        Unpaid => "unpaid",
        Waived => "waived",
        Cancelled => "cancelled",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLoan {
    pub application_id: Uuid,
    pub applicant_id: Uuid,
    pub agreement_id: Uuid,
    pub decision_id: Uuid,
    pub principal_cents: i64,
    pub term_days: i32,
    pub interest_rate_bp: i32,
    pub first_loan: bool,
    pub total_repayable_cents: i64,
    pub disbursed_on: NaiveDate,
    pub disbursement_reference: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loan {
    pub loan_id: Uuid,
    pub application_id: Uuid,
    pub applicant_id: Uuid,
    pub principal_cents: i64,
    pub term_days: i32,
    pub interest_rate_bp: i32,
    pub first_loan: bool,
    pub total_repayable_cents: i64,
    pub balance_cents: i64,
    pub status: LoanStatus,
    pub disbursed_on: NaiveDate,
    pub paid_up_on: Option<NaiveDate>,
    pub written_off_on: Option<NaiveDate>,
    pub default_on: Option<NaiveDate>,
}

/// One line of the repayment schedule as the domain computed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInstalment {
    pub sequence: i32,
    pub due_date: NaiveDate,
    pub principal_cents: i64,
    pub interest_cents: i64,
    pub fee_cents: i64,
    pub vat_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instalment {
    pub instalment_id: Uuid,
    pub loan_id: Uuid,
    pub sequence: i32,
    pub due_date: NaiveDate,
    pub principal_cents: i64,
    pub interest_cents: i64,
    pub fee_cents: i64,
    pub vat_cents: i64,
    pub amount_cents: i64,
    pub paid_cents: i64,
    pub status: InstalmentStatus,
}

pub async fn create(conn: &mut PgConnection, l: &NewLoan) -> Result<Uuid> {
    Ok(sqlx::query_scalar!(
        r#"insert into loan (application_id, applicant_id, agreement_id, decision_id, principal_cents,
                             term_days, interest_rate_bp, first_loan, total_repayable_cents,
                             disbursed_on, disbursement_reference)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning loan_id"#,
        l.application_id,
        l.applicant_id,
        l.agreement_id,
        l.decision_id,
        l.principal_cents,
        l.term_days,
        l.interest_rate_bp,
        l.first_loan,
        l.total_repayable_cents,
        l.disbursed_on,
        l.disbursement_reference,
    )
    .fetch_one(conn)
    .await?)
}

/// Inserts the schedule in one statement; returns the instalment keys in sequence order.
pub async fn add_instalments(
    conn: &mut PgConnection,
    loan_id: Uuid,
    schedule: &[NewInstalment],
) -> Result<Vec<Uuid>> {
    let sequence: Vec<i32> = schedule.iter().map(|i| i.sequence).collect();
    let due: Vec<NaiveDate> = schedule.iter().map(|i| i.due_date).collect();
    let principal: Vec<i64> = schedule.iter().map(|i| i.principal_cents).collect();
    let interest: Vec<i64> = schedule.iter().map(|i| i.interest_cents).collect();
    let fee: Vec<i64> = schedule.iter().map(|i| i.fee_cents).collect();
    let vat: Vec<i64> = schedule.iter().map(|i| i.vat_cents).collect();
    Ok(sqlx::query_scalar!(
        r#"insert into instalment (loan_id, sequence, due_date, principal_cents, interest_cents,
                                   fee_cents, vat_cents, amount_cents)
           select $1, s, d, p, i, f, v, p + i + f + v
           from unnest($2::int[], $3::date[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
                as t(s, d, p, i, f, v)
           order by s
           returning instalment_id"#,
        loan_id,
        &sequence,
        &due,
        &principal,
        &interest,
        &fee,
        &vat,
    )
    .fetch_all(conn)
    .await?)
}

pub async fn get(conn: &mut PgConnection, loan_id: Uuid) -> Result<Loan> {
    let row = sqlx::query_as!(
        Loan,
        r#"select loan_id, application_id, applicant_id, principal_cents, term_days, interest_rate_bp,
                  first_loan, total_repayable_cents, balance_cents, status as "status: LoanStatus",
                  disbursed_on, paid_up_on, written_off_on, default_on
           from loan where loan_id = $1"#,
        loan_id
    )
    .fetch_optional(conn)
    .await?;
    found(row, "loan")
}

pub async fn for_applicant(conn: &mut PgConnection, applicant_id: Uuid) -> Result<Vec<Loan>> {
    Ok(sqlx::query_as!(
        Loan,
        r#"select loan_id, application_id, applicant_id, principal_cents, term_days, interest_rate_bp,
                  first_loan, total_repayable_cents, balance_cents, status as "status: LoanStatus",
                  disbursed_on, paid_up_on, written_off_on, default_on
           from loan where applicant_id = $1 order by disbursed_on"#,
        applicant_id
    )
    .fetch_all(conn)
    .await?)
}

pub async fn instalments(conn: &mut PgConnection, loan_id: Uuid) -> Result<Vec<Instalment>> {
    Ok(sqlx::query_as!(
        Instalment,
        r#"select instalment_id, loan_id, sequence, due_date, principal_cents, interest_cents, fee_cents,
                  vat_cents, amount_cents, paid_cents, status as "status: InstalmentStatus"
           from instalment where loan_id = $1 order by sequence"#,
        loan_id
    )
    .fetch_all(conn)
    .await?)
}

/// Instalments due on or before a day that still await collection (for the collections calendar).
pub async fn due_for_collection(
    conn: &mut PgConnection,
    on_or_before: NaiveDate,
) -> Result<Vec<Instalment>> {
    Ok(sqlx::query_as!(
        Instalment,
        r#"select i.instalment_id, i.loan_id, i.sequence, i.due_date, i.principal_cents, i.interest_cents,
                  i.fee_cents, i.vat_cents, i.amount_cents, i.paid_cents, i.status as "status: InstalmentStatus"
           from instalment i join loan l on l.loan_id = i.loan_id
           where i.due_date <= $1 and i.status in ('scheduled', 'unpaid', 'partially_paid')
             and l.status in ('active', 'in_arrears')
           order by i.due_date, i.loan_id, i.sequence"#,
        on_or_before
    )
    .fetch_all(conn)
    .await?)
}

pub async fn set_instalment_status(
    conn: &mut PgConnection,
    instalment_id: Uuid,
    status: InstalmentStatus,
    paid_cents: i64,
) -> Result<()> {
    let done = sqlx::query!(
        "update instalment set status = $2, paid_cents = $3 where instalment_id = $1",
        instalment_id,
        status.as_str(),
        paid_cents
    )
    .execute(conn)
    .await?;
    found((done.rows_affected() == 1).then_some(()), "instalment")
}

/// Moves a collection date (the officer's "move a collection date"); only unpresented instalments.
pub async fn move_due_date(
    conn: &mut PgConnection,
    instalment_id: Uuid,
    due_date: NaiveDate,
) -> Result<()> {
    let done = sqlx::query!(
        "update instalment set due_date = $2 where instalment_id = $1 and status in ('scheduled', 'unpaid')",
        instalment_id,
        due_date
    )
    .execute(conn)
    .await?;
    found((done.rows_affected() == 1).then_some(()), "unpresented instalment")
}

/// Sets the loan's status (not a write-off: see [`write_off`]).
pub async fn set_status(
    conn: &mut PgConnection,
    loan_id: Uuid,
    status: LoanStatus,
    on: NaiveDate,
) -> Result<()> {
    let done = sqlx::query!(
        r#"update loan
           set status = $2,
               paid_up_on = case when $2 = 'paid_up' then $3::date else null end,
               default_on = case when $2 = 'in_arrears' then coalesce(default_on, $3) else default_on end
           where loan_id = $1"#,
        loan_id,
        status.as_str(),
        on
    )
    .execute(conn)
    .await?;
    found((done.rows_affected() == 1).then_some(()), "loan")
}

/// Writes off the remaining balance: a `write_off` posting of minus the balance, then the status.
/// Both steps are refused unless the role in effect is a supervisor.
pub async fn write_off(
    conn: &mut PgConnection,
    loan_id: Uuid,
    on: NaiveDate,
    reason: &str,
) -> Result<Option<Uuid>> {
    let balance = sqlx::query_scalar!(
        "select balance_cents from loan where loan_id = $1 for update",
        loan_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let balance = found(balance, "loan")?;
    let posting = if balance > 0 {
        Some(
            ledger::post(
                &mut *conn,
                &NewPosting {
                    loan_id,
                    kind: PostingKind::WriteOff,
                    amount: pocket_domain::Money::from_cents(-balance),
                    effective_date: on,
                    instalment_id: None,
                    presentment_id: None,
                    reference: format!("write-off: {reason}"),
                },
            )
            .await?,
        )
    } else {
        None
    };
    sqlx::query!(
        r#"update loan set status = 'written_off', written_off_on = $2, written_off_reason = $3
           where loan_id = $1"#,
        loan_id,
        on,
        reason
    )
    .execute(conn)
    .await?;
    Ok(posting)
}

/// Moves the day an unpaid or not yet presented instalment is next collected (the officer's
/// "move a collection date"). Refused while a debit order for it is in flight.
pub async fn move_collection_date(
    conn: &mut PgConnection,
    instalment_id: Uuid,
    on: NaiveDate,
) -> Result<()> {
    let done = sqlx::query!(
        r#"update instalment i
           set due_date = case when i.status = 'scheduled' then $2 else i.due_date end,
               collect_on = case when i.status in ('unpaid', 'partially_paid') then $2 else i.collect_on end
           where i.instalment_id = $1 and i.status in ('scheduled', 'unpaid', 'partially_paid')
             and not exists (select from presentment p where p.instalment_id = i.instalment_id
                             and p.status in ('pending', 'submitted', 'unknown', 'loaded'))"#,
        instalment_id,
        on
    )
    .execute(conn)
    .await?;
    found((done.rows_affected() == 1).then_some(()), "instalment without a debit order in flight")
}

/// Allocates a payment received outside the debit orders (an EFT) to the loan's oldest owing
/// instalments: each is paid as far as the money goes. Returns what was allocated.
pub async fn allocate_payment(
    conn: &mut PgConnection,
    loan_id: Uuid,
    amount_cents: i64,
) -> Result<i64> {
    let allocated = sqlx::query_scalar!(
        r#"with owing as (
               select instalment_id, amount_cents - paid_cents as owed,
                      (sum(amount_cents - paid_cents) over (order by sequence))::bigint as running
               from instalment
               where loan_id = $1 and status in ('scheduled', 'unpaid', 'partially_paid')
                 and not exists (select from presentment p where p.instalment_id = instalment.instalment_id
                                 and p.status in ('pending', 'submitted', 'unknown', 'loaded'))),
           share as (
               select instalment_id, least(owed, greatest(0::bigint, $2::bigint - (running - owed))) as pay
               from owing),
           paid as (
               update instalment i
               set paid_cents = i.paid_cents + s.pay,
                   status = case when i.paid_cents + s.pay = i.amount_cents then 'paid' else 'partially_paid' end,
                   collect_on = case when i.paid_cents + s.pay = i.amount_cents then null else i.collect_on end
               from share s where i.instalment_id = s.instalment_id and s.pay > 0
               returning s.pay)
           select coalesce(sum(pay), 0)::bigint as "allocated!" from paid"#,
        loan_id,
        amount_cents
    )
    .fetch_one(conn)
    .await?;
    Ok(allocated)
}

/// Waives whatever instalments of a loan are still owed (after a settlement paid the balance:
/// their charges had not fallen due and are not owed). Returns how many.
pub async fn waive_open_instalments(conn: &mut PgConnection, loan_id: Uuid) -> Result<u64> {
    let done = sqlx::query!(
        r#"update instalment set status = 'waived', collect_on = null
           where loan_id = $1 and status in ('scheduled', 'unpaid', 'partially_paid')
             and not exists (select from presentment p where p.instalment_id = instalment.instalment_id
                             and p.status in ('pending', 'submitted', 'unknown', 'loaded'))"#,
        loan_id
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
