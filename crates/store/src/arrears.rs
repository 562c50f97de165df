//! Arrears and the messages of collections (collections.md): days past due and ageing buckets
//! per loan, and whom to remind of a debit or tell about a failed one.

use chrono::NaiveDate;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;

/// A loan that owes an instalment past its due date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrears {
    pub loan_id: Uuid,
    pub reference: String,
    /// Days since the oldest unpaid instalment fell due.
    pub days_past_due: i32,
    /// The amount of instalments past due, unpaid.
    pub overdue_cents: i64,
    pub balance_cents: i64,
    /// `1-30`, `31-60`, `61-90` or `90+`.
    pub bucket: String,
    /// Why collection stopped, if it did.
    pub collection_hold: Option<String>,
}

/// Loans in arrears on `today`, the oldest first.
pub async fn arrears(conn: &mut PgConnection, today: NaiveDate) -> Result<Vec<Arrears>> {
    Ok(sqlx::query_as!(
        Arrears,
        r#"select l.loan_id, a.reference, ($1 - min(i.due_date))::int as "days_past_due!",
                  sum(i.amount_cents - i.paid_cents)::bigint as "overdue_cents!", l.balance_cents,
                  case when $1 - min(i.due_date) <= 30 then '1-30'
                       when $1 - min(i.due_date) <= 60 then '31-60'
                       when $1 - min(i.due_date) <= 90 then '61-90'
                       else '90+' end as "bucket!",
                  l.collection_hold
           from loan l
           join application a on a.application_id = l.application_id
           join instalment i on i.loan_id = l.loan_id
           where l.status in ('active', 'in_arrears') and i.due_date < $1
             and i.status not in ('paid', 'waived', 'cancelled')
           group by l.loan_id, a.reference
           order by 3 desc, l.loan_id"#,
        today
    )
    .fetch_all(conn)
    .await?)
}

/// Someone to tell about a debit order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebitContact {
    pub presentment_id: Uuid,
    pub applicant_id: Uuid,
    pub name: String,
    pub msisdn: String,
    pub email: Option<String>,
    pub reference: String,
    pub amount_cents: i64,
    pub action_date: NaiveDate,
}

/// The applicants whose debit orders run on `action_date` (the reminder the day before), except
/// loans whose holder may not be contacted (collections.md, code 18).
pub async fn debits_on(
    conn: &mut PgConnection,
    action_date: NaiveDate,
) -> Result<Vec<DebitContact>> {
    Ok(sqlx::query_as!(
        DebitContact,
        r#"select p.presentment_id, ap.applicant_id, coalesce(ap.first_names, 'client') as "name!", ap.msisdn,
                  ap.email, a.reference, p.amount_cents, p.action_date
           from presentment p
           join loan l on l.loan_id = p.loan_id
           join application a on a.application_id = l.application_id
           join applicant ap on ap.applicant_id = l.applicant_id
           where p.action_date = $1 and p.status in ('pending', 'submitted', 'unknown', 'loaded')
             and not l.no_sms_contact and not ap.do_not_contact
           order by p.presentment_id"#,
        action_date
    )
    .fetch_all(conn)
    .await?)
}

/// The applicants of presentments that just came back unpaid (the message after a failure).
pub async fn returned_contacts(
    conn: &mut PgConnection,
    presentment_ids: &[Uuid],
) -> Result<Vec<DebitContact>> {
    Ok(sqlx::query_as!(
        DebitContact,
        r#"select p.presentment_id, ap.applicant_id, coalesce(ap.first_names, 'client') as "name!", ap.msisdn,
                  ap.email, a.reference, p.amount_cents, p.action_date
           from presentment p
           join loan l on l.loan_id = p.loan_id
           join application a on a.application_id = l.application_id
           join applicant ap on ap.applicant_id = l.applicant_id
           where p.presentment_id = any($1) and p.status = 'unpaid'
             and not l.no_sms_contact and not ap.do_not_contact
           order by p.presentment_id"#,
        presentment_ids
    )
    .fetch_all(conn)
    .await?)
}
