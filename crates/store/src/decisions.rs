//! Affordability assessments (NCA Reg 23A worksheet, kept as evidence) and decisions with
//! machine-readable reasons (NCA s62, POPIA s71), including the maker-checker second approval.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::{Result, StoreError, found};

text_enum! {
    pub enum DecisionSource {
        Policy => "policy",
        Officer => "officer",
    }
}

text_enum! {
    pub enum Outcome {
        Approve => "approve",
        Refer => "refer",
        Decline => "decline",
    }
}

/// The Reg 23A worksheet: declared versus norm versus bureau, and the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub application_id: Uuid,
    pub gross_income_cents: i64,
    pub statutory_deductions_cents: i64,
    pub declared_expenses_cents: i64,
    pub norm_expenses_cents: i64,
    pub expenses_used_cents: i64,
    pub expense_disclosure_signed: bool,
    pub declared_debt_cents: i64,
    pub bureau_debt_cents: i64,
    pub debt_used_cents: i64,
    pub discretionary_income_cents: i64,
    pub proposed_instalment_cents: i64,
    pub affordable: bool,
    pub norm_effective_from: NaiveDate,
}

pub async fn record_assessment(conn: &mut PgConnection, a: &Assessment) -> Result<Uuid> {
    Ok(sqlx::query_scalar!(
        r#"insert into affordability_assessment (
               application_id, gross_income_cents, statutory_deductions_cents, declared_expenses_cents,
               norm_expenses_cents, expenses_used_cents, expense_disclosure_signed, declared_debt_cents,
               bureau_debt_cents, debt_used_cents, discretionary_income_cents, proposed_instalment_cents,
               affordable, norm_effective_from)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
           returning affordability_assessment_id"#,
        a.application_id,
        a.gross_income_cents,
        a.statutory_deductions_cents,
        a.declared_expenses_cents,
        a.norm_expenses_cents,
        a.expenses_used_cents,
        a.expense_disclosure_signed,
        a.declared_debt_cents,
        a.bureau_debt_cents,
        a.debt_used_cents,
        a.discretionary_income_cents,
        a.proposed_instalment_cents,
        a.affordable,
        a.norm_effective_from,
    )
    .fetch_one(conn)
    .await?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDecision {
    pub application_id: Uuid,
    pub source: DecisionSource,
    pub outcome: Outcome,
    pub reason_codes: Vec<String>,
    pub approved_amount_cents: Option<i64>,
    pub approved_term_days: Option<i32>,
    pub decided_by_officer_id: Option<Uuid>,
    pub policy_version: Option<String>,
    pub note: Option<String>,
    pub affordability_assessment_id: Option<Uuid>,
}

impl NewDecision {
    /// The record of an automated decision of the lending policy, with its machine-readable
    /// reasons (NCA s62, Reg 55(1)(b)) and the version of the rules that made it.
    pub fn from_policy(
        application_id: Uuid,
        decision: &pocket_domain::Decision,
        affordability_assessment_id: Option<Uuid>,
    ) -> Result<NewDecision> {
        use pocket_domain::Decision as D;
        let codes = |reasons: &[pocket_domain::DecisionReason]| {
            reasons.iter().map(|r| r.code().to_owned()).collect()
        };
        let (outcome, reason_codes, amount, term) = match decision {
            D::PreApproved { offer } => {
                let term = i32::try_from(offer.schedule.quote.term_days).map_err(|_| {
                    StoreError::Inconsistent(format!(
                        "a term of {} days",
                        offer.schedule.quote.term_days
                    ))
                })?;
                let reasons =
                    if offer.is_reduced() { vec!["reduced_offer".to_owned()] } else { vec![] };
                (Outcome::Approve, reasons, Some(offer.amount.cents()), Some(term))
            }
            D::Referred { reasons } => (Outcome::Refer, codes(reasons), None, None),
            D::Declined { reasons } => (Outcome::Decline, codes(reasons), None, None),
        };
        Ok(NewDecision {
            application_id,
            source: DecisionSource::Policy,
            outcome,
            reason_codes,
            approved_amount_cents: amount,
            approved_term_days: term,
            decided_by_officer_id: None,
            policy_version: Some(pocket_domain::policy::POLICY_VERSION.to_owned()),
            note: None,
            affordability_assessment_id,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub decision_id: Uuid,
    pub application_id: Uuid,
    pub source: DecisionSource,
    pub outcome: Outcome,
    pub reason_codes: Vec<String>,
    pub approved_amount_cents: Option<i64>,
    pub approved_term_days: Option<i32>,
    pub decided_by_officer_id: Option<Uuid>,
    pub second_approver_officer_id: Option<Uuid>,
    pub second_approved_at: Option<DateTime<Utc>>,
    pub policy_version: Option<String>,
    pub note: Option<String>,
    pub decided_at: DateTime<Utc>,
    /// Whether the approval is complete: within the deciding officer's limit, or second-approved.
    pub approval_complete: bool,
}

pub async fn record(conn: &mut PgConnection, d: &NewDecision) -> Result<Uuid> {
    Ok(sqlx::query_scalar!(
        r#"insert into decision (application_id, source, outcome, reason_codes, approved_amount_cents,
                                 approved_term_days, decided_by_officer_id, policy_version, note,
                                 affordability_assessment_id)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning decision_id"#,
        d.application_id,
        d.source.as_str(),
        d.outcome.as_str(),
        &d.reason_codes,
        d.approved_amount_cents,
        d.approved_term_days,
        d.decided_by_officer_id,
        d.policy_version,
        d.note,
        d.affordability_assessment_id,
    )
    .fetch_one(conn)
    .await?)
}

/// The checker's approval of an officer's approval above that officer's limit. The database
/// refuses the same officer twice and an approver whose own limit is too low.
pub async fn second_approve(
    conn: &mut PgConnection,
    decision_id: Uuid,
    approver_officer_id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query!(
        r#"update decision set second_approver_officer_id = $2, second_approved_at = $3
           where decision_id = $1 and second_approver_officer_id is null"#,
        decision_id,
        approver_officer_id,
        now
    )
    .execute(conn)
    .await?;
    found((done.rows_affected() == 1).then_some(()), "decision awaiting a second approval")
}

/// Every decision of an application, oldest first.
pub async fn for_application(
    conn: &mut PgConnection,
    application_id: Uuid,
) -> Result<Vec<Decision>> {
    Ok(sqlx::query_as!(
        Decision,
        r#"select d.decision_id, d.application_id, d.source as "source: DecisionSource",
                  d.outcome as "outcome: Outcome", d.reason_codes, d.approved_amount_cents,
                  d.approved_term_days, d.decided_by_officer_id, d.second_approver_officer_id,
                  d.second_approved_at, d.policy_version, d.note, d.decided_at,
                  (d.outcome = 'approve' and d.source = 'officer'
                   and (d.approved_amount_cents <= o.approval_limit_cents
                        or d.second_approver_officer_id is not null)) as "approval_complete!"
           from decision d left join officer o on o.officer_id = d.decided_by_officer_id
           where d.application_id = $1
           order by d.decided_at, d.created_at"#,
        application_id
    )
    .fetch_all(conn)
    .await?)
}

pub async fn get(conn: &mut PgConnection, decision_id: Uuid) -> Result<Decision> {
    let row = sqlx::query_as!(
        Decision,
        r#"select d.decision_id, d.application_id, d.source as "source: DecisionSource",
                  d.outcome as "outcome: Outcome", d.reason_codes, d.approved_amount_cents,
                  d.approved_term_days, d.decided_by_officer_id, d.second_approver_officer_id,
                  d.second_approved_at, d.policy_version, d.note, d.decided_at,
                  (d.outcome = 'approve' and d.source = 'officer'
                   and (d.approved_amount_cents <= o.approval_limit_cents
                        or d.second_approver_officer_id is not null)) as "approval_complete!"
           from decision d left join officer o on o.officer_id = d.decided_by_officer_id
           where d.decision_id = $1"#,
        decision_id
    )
    .fetch_optional(conn)
    .await?;
    found(row, "decision")
}
