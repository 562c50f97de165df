//! The desktop back office's reads: the officers' queue (filters, search, sorting, pagination and
//! counts per status, fast with 100 000 applications: see the indexes of migration
//! 20261125000011), the application page's parts that other modules do not already read, and the
//! row lock under which an officer decides.
//!
//! Every query runs as the signed-in officer's own login (DESIGN.md decision 1), so the grants of
//! migration 20261125000006 decide what each role may read.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::applications::ApplicationStatus;
use crate::error::{Result, found};

/// The order of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueOrder {
    /// Oldest change first: the order in which the work is done.
    Waiting,
    /// Newest change first.
    Recent,
    /// Largest requested amount first.
    Amount,
    /// By reference.
    Reference,
}

/// What the queue shows: every filter is optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueFilter {
    pub status: Option<ApplicationStatus>,
    pub channel: Option<String>,
    pub min_amount_cents: Option<i64>,
    pub max_amount_cents: Option<i64>,
    /// A name, an ID number, a mobile number or a reference (part of one).
    pub search: Option<String>,
    pub order: QueueOrder,
    pub limit: i64,
    pub offset: i64,
}

/// A line of the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueLine {
    pub application_id: Uuid,
    pub reference: String,
    pub status: ApplicationStatus,
    pub applicant_name: Option<String>,
    pub id_number: Option<String>,
    pub msisdn: String,
    pub channel: String,
    pub requested_amount_cents: i64,
    pub requested_term_days: i32,
    pub updated_at: DateTime<Utc>,
}

/// The `LIKE` pattern that finds `term` anywhere, with the pattern's own characters escaped.
pub fn contains_pattern(term: &str) -> String {
    let escaped = term.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// One page of the queue and the number of lines over all pages.
pub async fn queue(conn: &mut PgConnection, filter: &QueueFilter) -> Result<(Vec<QueueLine>, i64)> {
    let search = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let pattern = search.map(contains_pattern);
    // A mobile number is searched in the stored form (+27...), whichever way it was typed.
    let msisdn_pattern = search.and_then(msisdn_digits).map(|d| contains_pattern(&d));
    let status = filter.status.map(|s| s.as_str());
    // One query per order, so that each can walk its index instead of sorting every match.
    let lines = match filter.order {
        QueueOrder::Waiting => {
            sqlx::query_as!(
                QueueLine,
                r#"select a.application_id, a.reference, a.status as "status: ApplicationStatus",
                          nullif(concat_ws(' ', p.first_names, p.surname), '') as applicant_name,
                          p.id_number, p.msisdn, a.channel, a.requested_amount_cents,
                          a.requested_term_days, a.updated_at
                       from application a join applicant p on p.applicant_id = a.applicant_id
                       where ($1::text is null or a.status = $1)
                         and ($2::text is null or a.channel = $2)
                         and ($3::bigint is null or a.requested_amount_cents >= $3)
                         and ($4::bigint is null or a.requested_amount_cents <= $4)
                         and ($5::text is null
                              or a.reference ilike $5
                              or a.applicant_id in (
                                  select s.applicant_id from applicant s
                                  where s.id_number like $5 or s.msisdn like coalesce($6, $5)
                                     or lower(coalesce(s.first_names, '') || ' ' || coalesce(s.surname, ''))
                                        like lower($5)))
                       order by a.updated_at, a.application_id
                       limit $7 offset $8"#,
                status,
                filter.channel,
                filter.min_amount_cents,
                filter.max_amount_cents,
                pattern,
                msisdn_pattern,
                filter.limit,
                filter.offset,
            )
            .fetch_all(&mut *conn)
            .await?
        }
        QueueOrder::Recent => {
            sqlx::query_as!(
                QueueLine,
                r#"select a.application_id, a.reference, a.status as "status: ApplicationStatus",
                          nullif(concat_ws(' ', p.first_names, p.surname), '') as applicant_name,
                          p.id_number, p.msisdn, a.channel, a.requested_amount_cents,
                          a.requested_term_days, a.updated_at
                       from application a join applicant p on p.applicant_id = a.applicant_id
                       where ($1::text is null or a.status = $1)
                         and ($2::text is null or a.channel = $2)
                         and ($3::bigint is null or a.requested_amount_cents >= $3)
                         and ($4::bigint is null or a.requested_amount_cents <= $4)
                         and ($5::text is null
                              or a.reference ilike $5
                              or a.applicant_id in (
                                  select s.applicant_id from applicant s
                                  where s.id_number like $5 or s.msisdn like coalesce($6, $5)
                                     or lower(coalesce(s.first_names, '') || ' ' || coalesce(s.surname, ''))
                                        like lower($5)))
                       order by a.updated_at desc, a.application_id desc
                       limit $7 offset $8"#,
                status,
                filter.channel,
                filter.min_amount_cents,
                filter.max_amount_cents,
                pattern,
                msisdn_pattern,
                filter.limit,
                filter.offset,
            )
            .fetch_all(&mut *conn)
            .await?
        }
        QueueOrder::Amount => {
            sqlx::query_as!(
                QueueLine,
                r#"select a.application_id, a.reference, a.status as "status: ApplicationStatus",
                          nullif(concat_ws(' ', p.first_names, p.surname), '') as applicant_name,
                          p.id_number, p.msisdn, a.channel, a.requested_amount_cents,
                          a.requested_term_days, a.updated_at
                       from application a join applicant p on p.applicant_id = a.applicant_id
                       where ($1::text is null or a.status = $1)
                         and ($2::text is null or a.channel = $2)
                         and ($3::bigint is null or a.requested_amount_cents >= $3)
                         and ($4::bigint is null or a.requested_amount_cents <= $4)
                         and ($5::text is null
                              or a.reference ilike $5
                              or a.applicant_id in (
                                  select s.applicant_id from applicant s
                                  where s.id_number like $5 or s.msisdn like coalesce($6, $5)
                                     or lower(coalesce(s.first_names, '') || ' ' || coalesce(s.surname, ''))
                                        like lower($5)))
                       order by a.requested_amount_cents desc, a.application_id
                       limit $7 offset $8"#,
                status,
                filter.channel,
                filter.min_amount_cents,
                filter.max_amount_cents,
                pattern,
                msisdn_pattern,
                filter.limit,
                filter.offset,
            )
            .fetch_all(&mut *conn)
            .await?
        }
        QueueOrder::Reference => {
            sqlx::query_as!(
                QueueLine,
                r#"select a.application_id, a.reference, a.status as "status: ApplicationStatus",
                          nullif(concat_ws(' ', p.first_names, p.surname), '') as applicant_name,
                          p.id_number, p.msisdn, a.channel, a.requested_amount_cents,
                          a.requested_term_days, a.updated_at
                       from application a join applicant p on p.applicant_id = a.applicant_id
                       where ($1::text is null or a.status = $1)
                         and ($2::text is null or a.channel = $2)
                         and ($3::bigint is null or a.requested_amount_cents >= $3)
                         and ($4::bigint is null or a.requested_amount_cents <= $4)
                         and ($5::text is null
                              or a.reference ilike $5
                              or a.applicant_id in (
                                  select s.applicant_id from applicant s
                                  where s.id_number like $5 or s.msisdn like coalesce($6, $5)
                                     or lower(coalesce(s.first_names, '') || ' ' || coalesce(s.surname, ''))
                                        like lower($5)))
                       order by a.reference
                       limit $7 offset $8"#,
                status,
                filter.channel,
                filter.min_amount_cents,
                filter.max_amount_cents,
                pattern,
                msisdn_pattern,
                filter.limit,
                filter.offset,
            )
            .fetch_all(&mut *conn)
            .await?
        }
    };
    let total = sqlx::query_scalar!(
        r#"select count(*) as "count!"
           from application a
           where ($1::text is null or a.status = $1)
             and ($2::text is null or a.channel = $2)
             and ($3::bigint is null or a.requested_amount_cents >= $3)
             and ($4::bigint is null or a.requested_amount_cents <= $4)
             and ($5::text is null
                  or a.reference ilike $5
                  or a.applicant_id in (
                      select s.applicant_id from applicant s
                      where s.id_number like $5 or s.msisdn like coalesce($6, $5)
                         or lower(coalesce(s.first_names, '') || ' ' || coalesce(s.surname, ''))
                            like lower($5)))"#,
        status,
        filter.channel,
        filter.min_amount_cents,
        filter.max_amount_cents,
        pattern,
        msisdn_pattern,
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok((lines, total))
}

/// The digits of a South African mobile number typed as `082 555 1234`, `0825551234` or
/// `+27 82 555 1234`, in the stored E.164 form (identity.md); `None` when the term is not one.
fn msisdn_digits(term: &str) -> Option<String> {
    let digits: String = term.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect();
    let national = match digits.strip_prefix("+27") {
        Some(rest) => rest,
        None => digits.strip_prefix('0')?,
    };
    (national.len() >= 3 && national.chars().all(|c| c.is_ascii_digit()))
        .then(|| format!("+27{national}"))
}

/// Applications per status over the whole book (the queue's tabs).
pub async fn counts(conn: &mut PgConnection) -> Result<Vec<(ApplicationStatus, i64)>> {
    let rows = sqlx::query!(
        r#"select status as "status: ApplicationStatus", count(*) as "count!"
           from application group by status"#
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.status, r.count)).collect())
}

/// The application page's header: the application with its applicant and product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub application_id: Uuid,
    pub reference: String,
    pub status: ApplicationStatus,
    pub channel: String,
    pub product_name: String,
    pub requested_amount_cents: i64,
    pub requested_term_days: i32,
    pub employer_name: Option<String>,
    pub employment_type: Option<String>,
    pub pay_frequency: Option<String>,
    pub payday: Option<String>,
    pub gross_income_cents: Option<i64>,
    pub net_income_cents: Option<i64>,
    pub declared_expenses_cents: Option<i64>,
    pub declared_debt_cents: Option<i64>,
    pub bank_branch_code: Option<String>,
    pub bank_account_number: Option<String>,
    pub bank_account_holder: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub applicant_id: Uuid,
    pub first_names: Option<String>,
    pub surname: Option<String>,
    pub id_number: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub msisdn: String,
    pub email: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub suburb: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
}

pub async fn review(conn: &mut PgConnection, application_id: Uuid) -> Result<Review> {
    let row = sqlx::query_as!(
        Review,
        r#"select a.application_id, a.reference, a.status as "status: ApplicationStatus", a.channel,
                  pr.name as product_name, a.requested_amount_cents, a.requested_term_days,
                  a.employer_name, a.employment_type, a.pay_frequency, a.payday,
                  a.gross_income_cents, a.net_income_cents, a.declared_expenses_cents,
                  a.declared_debt_cents, a.bank_branch_code, a.bank_account_number,
                  a.bank_account_holder, a.submitted_at, a.updated_at,
                  p.applicant_id, p.first_names, p.surname, p.id_number, p.date_of_birth, p.msisdn,
                  p.email, p.address_line1, p.address_line2, p.suburb, p.city, p.postal_code
           from application a
           join applicant p on p.applicant_id = a.applicant_id
           join product pr on pr.product_id = a.product_id
           where a.application_id = $1"#,
        application_id
    )
    .fetch_optional(conn)
    .await?;
    found(row, "application")
}

/// The newest Reg 23A worksheet of an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Worksheet {
    pub affordability_assessment_id: Uuid,
    pub gross_income_cents: i64,
    pub statutory_deductions_cents: i64,
    pub declared_expenses_cents: i64,
    pub norm_expenses_cents: i64,
    pub expenses_used_cents: i64,
    pub declared_debt_cents: i64,
    pub bureau_debt_cents: i64,
    pub debt_used_cents: i64,
    pub discretionary_income_cents: i64,
    pub proposed_instalment_cents: i64,
    pub affordable: bool,
    pub norm_effective_from: NaiveDate,
    pub assessed_at: DateTime<Utc>,
}

pub async fn latest_worksheet(
    conn: &mut PgConnection,
    application_id: Uuid,
) -> Result<Option<Worksheet>> {
    Ok(sqlx::query_as!(
        Worksheet,
        r#"select affordability_assessment_id, gross_income_cents, statutory_deductions_cents,
                  declared_expenses_cents, norm_expenses_cents, expenses_used_cents,
                  declared_debt_cents, bureau_debt_cents, debt_used_cents,
                  discretionary_income_cents, proposed_instalment_cents, affordable,
                  norm_effective_from, assessed_at
           from affordability_assessment where application_id = $1
           order by seq desc limit 1"#,
        application_id
    )
    .fetch_optional(conn)
    .await?)
}

/// The full names of officers, for showing who decided.
pub async fn officer_names(conn: &mut PgConnection, ids: &[Uuid]) -> Result<Vec<(Uuid, String)>> {
    let rows =
        sqlx::query!("select officer_id, full_name from officer where officer_id = any($1)", ids)
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().map(|r| (r.officer_id, r.full_name)).collect())
}

/// Locks the application's row for the rest of the transaction and reads its status and amount:
/// two officers deciding at once are serialized here.
pub async fn lock_for_decision(
    conn: &mut PgConnection,
    application_id: Uuid,
) -> Result<(ApplicationStatus, i64, i32)> {
    let row = sqlx::query!(
        r#"select status as "status: ApplicationStatus", requested_amount_cents, requested_term_days
           from application where application_id = $1 for no key update"#,
        application_id
    )
    .fetch_optional(conn)
    .await?;
    let row = found(row, "application")?;
    Ok((row.status, row.requested_amount_cents, row.requested_term_days))
}

/// How far an application's documents are verified, by the latest check of each (the agreement
/// the platform generated is not the applicant's evidence and is left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentVerification {
    pub documents: i64,
    /// Documents whose latest check is not `verified` (never checked, or rejected).
    pub unverified: i64,
    /// Whether an ID copy is among the verified documents.
    pub id_verified: bool,
}

pub async fn document_verification(
    conn: &mut PgConnection,
    application_id: Uuid,
) -> Result<DocumentVerification> {
    Ok(sqlx::query_as!(
        DocumentVerification,
        r#"select count(*) as "documents!",
                  count(*) filter (where coalesce(c.verdict, 'pending') <> 'verified') as "unverified!",
                  coalesce(bool_or(d.kind = 'id_copy' and c.verdict = 'verified'), false) as "id_verified!"
           from document d
           left join lateral (select k.verdict from document_check k where k.document_id = d.document_id
                              order by k.seq desc limit 1) c on true
           where d.application_id = $1 and d.kind <> 'agreement'"#,
        application_id
    )
    .fetch_one(conn)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers_are_searched_in_their_stored_form() {
        assert_eq!(msisdn_digits("082 555 1234").as_deref(), Some("+27825551234"));
        assert_eq!(msisdn_digits("+27 82 555").as_deref(), Some("+2782555"));
        assert_eq!(msisdn_digits("PL-0000012"), None);
        assert_eq!(msisdn_digits("Thabo"), None);
        assert_eq!(msisdn_digits("0"), None);
    }

    #[test]
    fn like_patterns_escape_their_own_characters() {
        assert_eq!(contains_pattern(" 50%_off\\ "), "%50\\%\\_off\\\\%");
    }
}
