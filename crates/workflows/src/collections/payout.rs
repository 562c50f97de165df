//! Pay-out to collection (collections.md): when a loan is paid out its schedule is fixed, the
//! principal is posted to the ledger (the instalments' interest, fees and VAT are posted as each
//! falls due), and a DebiCheck mandate is recorded and requested through the provider, in the
//! caller's transaction with the `mandate.request` job (the outbox).

use chrono::{DateTime, Utc};
use pocket_domain::{PaydayRule, Schedule};
use pocket_store::StoreError;
use pocket_store::jobs::{self, NewJob};
use pocket_store::ledger::{self, NewPosting, PostingKind};
use pocket_store::loans::{self, NewInstalment, NewLoan};
use pocket_store::mandates::{self, AuthenticationType, NewMandate};
use sqlx::PgConnection;
use uuid::Uuid;

use super::MANDATE_JOB;

/// The bank account and authentication of the mandate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MandateTerms {
    /// 4-14 letters, digits or dashes; unique.
    pub contract_reference: String,
    pub payday_rule: PaydayRule,
    pub authentication_type: AuthenticationType,
    pub branch_code: String,
    pub account_number: String,
    pub account_type: i16,
    pub account_holder: String,
}

/// A loan to pay out.
#[derive(Debug, Clone)]
pub struct PayOut<'a> {
    pub application_id: Uuid,
    pub applicant_id: Uuid,
    pub agreement_id: Uuid,
    pub decision_id: Uuid,
    pub first_loan: bool,
    pub interest_rate_bp: i32,
    pub schedule: &'a Schedule,
    pub disbursement_reference: String,
    pub mandate: MandateTerms,
}

/// The loan and its mandate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidOut {
    pub loan_id: Uuid,
    pub mandate_id: Uuid,
    pub instalment_ids: Vec<Uuid>,
}

/// The mandate's frequency and collection day for a payday rule (the inverse of
/// [`super::policy::PaydayTerms::rule`]).
fn frequency(rule: &PaydayRule) -> (&'static str, i32) {
    match rule {
        PaydayRule::FixedDay(d) => ("monthly", i32::try_from(*d).unwrap_or(1)),
        PaydayRule::LastWorkingDay => ("monthly", 31),
        PaydayRule::FridayBeforeThe25th => ("monthly", 24),
        PaydayRule::Weekly(w) => ("weekly", i32::try_from(w.number_from_monday()).unwrap_or(5)),
        PaydayRule::Fortnightly { weekday, .. } => {
            ("fortnightly", i32::try_from(weekday.number_from_monday()).unwrap_or(5))
        }
    }
}

/// Pays out: the loan, its instalments, the principal posting and the mandate with its request
/// job, all on `conn` (the caller's transaction).
pub async fn pay_out(
    conn: &mut PgConnection,
    p: &PayOut<'_>,
    now: DateTime<Utc>,
) -> Result<PaidOut, StoreError> {
    let s = p.schedule;
    let total: i64 = s.instalments.iter().map(|i| i.total.cents()).sum();
    let loan_id = loans::create(
        &mut *conn,
        &NewLoan {
            application_id: p.application_id,
            applicant_id: p.applicant_id,
            agreement_id: p.agreement_id,
            decision_id: p.decision_id,
            principal_cents: s.quote.principal.cents(),
            term_days: i32::try_from(s.quote.term_days).unwrap_or(i32::MAX),
            interest_rate_bp: p.interest_rate_bp,
            first_loan: p.first_loan,
            total_repayable_cents: total,
            disbursed_on: s.disbursement_date,
            disbursement_reference: Some(p.disbursement_reference.clone()),
        },
    )
    .await?;
    let rows: Vec<NewInstalment> = s
        .instalments
        .iter()
        .map(|i| NewInstalment {
            sequence: i32::try_from(i.number).unwrap_or(i32::MAX),
            due_date: i.due_date,
            principal_cents: i.principal.cents(),
            interest_cents: i.interest.cents(),
            fee_cents: i.initiation_fee.cents() + i.service_fee.cents(),
            vat_cents: i.vat.cents(),
        })
        .collect();
    let instalment_ids = loans::add_instalments(&mut *conn, loan_id, &rows).await?;
    ledger::post(
        &mut *conn,
        &NewPosting {
            loan_id,
            kind: PostingKind::Principal,
            amount: s.quote.principal,
            effective_date: s.disbursement_date,
            instalment_id: None,
            presentment_id: None,
            reference: format!("pay-out {}", p.disbursement_reference),
        },
    )
    .await?;
    let largest = s.instalments.iter().map(|i| i.total.cents()).max().unwrap_or_default();
    let first = s.instalments.first().ok_or_else(|| {
        StoreError::Inconsistent("a schedule without instalments cannot be paid out".to_owned())
    })?;
    let (frequency, collection_day) = frequency(&p.mandate.payday_rule);
    let mandate_id = mandates::create(
        &mut *conn,
        &NewMandate {
            application_id: p.application_id,
            loan_id: Some(loan_id),
            contract_reference: p.mandate.contract_reference.clone(),
            frequency: frequency.to_owned(),
            collection_day,
            instalment_cents: largest,
            first_collection_cents: first.total.cents(),
            first_collection_date: first.due_date,
            // collections.md: the maximum collection amount is typically 1.5 times the instalment.
            max_collection_cents: largest * 3 / 2,
            date_adjustment_allowed: true,
            // collections.md: tracking lets the bank retry for up to 10 days.
            tracking_days: 3,
            authentication_type: p.mandate.authentication_type,
            branch_code: p.mandate.branch_code.clone(),
            account_number: p.mandate.account_number.clone(),
            account_type: p.mandate.account_type,
            account_holder: p.mandate.account_holder.clone(),
        },
    )
    .await?;
    let job =
        NewJob::now(MANDATE_JOB, serde_json::json!({ "mandate_id": mandate_id.to_string() }), now)
            .with_key(format!("{MANDATE_JOB}:{mandate_id}"));
    jobs::enqueue(&mut *conn, &job).await?;
    Ok(PaidOut { loan_id, mandate_id, instalment_ids })
}
