//! An officer's review of an application in the back office: approving within the officer's
//! limit, or above it with a second officer's approval (maker-checker), and declining with
//! reasons. Each decision, its status change and the applicant's message are written in one
//! transaction (DESIGN.md decision 2: the worker sends the message from the outbox).
//!
//! Everything runs on the signed-in officer's own connection (DESIGN.md decision 1): a role
//! without the grants (a collections clerk, an auditor) is refused by the database itself, and
//! the `decision_second_approver_limit` trigger (migration 20261125000003) has the last word on a
//! second approver's limit.

use chrono::{DateTime, Utc};
use pocket_domain::{Money, Schedule};
use pocket_store::StoreError;
use pocket_store::applicants;
use pocket_store::applications::{self, ApplicationStatus};
use pocket_store::backoffice;
use pocket_store::decisions::{self, Decision, DecisionSource, NewDecision, Outcome};
use pocket_store::mandates::AuthenticationType;
use pocket_store::officers::{Officer, OfficerGroup};
use pocket_store::{parameters, quotes};
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use crate::notify::{Message, NotifyError, Recipient, notify};

/// Where the applicant follows the application.
const LINK: &str = "https://pocketloans.example.co.za/a";

/// The reasons an officer may give for declining. NCA s62 and POPIA s71 (credit-law.md): the
/// consumer is told why, so each reason has a plain description.
pub const DECLINE_REASONS: &[(&str, &str)] = &[
    ("unaffordable", "the loan is not affordable on the income and expenses assessed"),
    ("adverse_credit", "the credit record shows adverse information"),
    ("documents_invalid", "the documents were invalid or not provided"),
    ("identity_unverified", "we could not verify your identity"),
    ("income_unverified", "we could not verify your income"),
    ("fraud_suspected", "the information given was inconsistent"),
    ("other", "of another reason, which we explain when you call us"),
];

/// Why a review action was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// The officer's group may not decide applications.
    #[error("only officers and supervisors decide applications")]
    NotADecider,
    #[error("an application that is {0} cannot be decided")]
    NotDecidable(ApplicationStatus),
    /// Maker-checker: the officer who approved above their limit cannot also be the checker.
    #[error("this approval is waiting for a second officer")]
    AwaitingAnotherOfficer,
    /// The checker's own limit does not cover the amount.
    #[error("the approval of {amount} is above your limit of {limit}")]
    AboveLimit { amount: Money, limit: Money },
    #[error("the amount must be more than zero and at most the {requested} applied for")]
    AmountOutOfRange { requested: Money },
    #[error("the term must be more than zero and at most the {requested} days applied for")]
    TermOutOfRange { requested: i32 },
    /// NCA s62: a decline carries its reasons.
    #[error("a decline needs at least one reason")]
    NoReasons,
    #[error("unknown decline reason {0:?}")]
    UnknownReason(String),
    #[error("the note is longer than 2000 characters")]
    NoteTooLong,
    /// Paying out: only an approved application (signed by the applicant) is paid out.
    #[error("an application that is {0} cannot be paid out")]
    NotPayable(ApplicationStatus),
    #[error("the applicant has not signed the agreement")]
    NotSigned,
    #[error("{0} of the applicant's documents are not verified")]
    DocumentsNotVerified(i64),
    #[error("the applicant's ID copy is not verified")]
    IdNotVerified,
    #[error("the application has no bank account or payday to collect from")]
    NoCollectionDetails,
    /// The pay-out reference of the bank transfer.
    #[error("the pay-out reference must be 4 to 35 letters, digits, spaces or - / .")]
    BadPayOutReference,
    /// NCA s93: the agreement binds; a schedule that no longer matches it needs a new quote.
    #[error("the signed schedule cannot be kept: {0}; the applicant needs a new quote")]
    ScheduleChanged(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Notify(#[from] NotifyError),
}

/// What an approval did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approval {
    /// The application is approved (within the limit, or the second approval completed it).
    Approved { decision_id: Uuid },
    /// Recorded above the officer's limit: a second officer must approve it.
    AwaitingSecondApproval { decision_id: Uuid },
}

/// Statuses an officer decides from: after the automated decision, before anything is signed.
pub fn decidable(status: ApplicationStatus) -> bool {
    matches!(
        status,
        ApplicationStatus::PreApproved
            | ApplicationStatus::Referred
            | ApplicationStatus::DocumentsRequested
    )
}

/// Whether the officer's group decides applications (the grants say the same).
pub fn may_decide(officer: &Officer) -> bool {
    matches!(officer.group, OfficerGroup::Officer | OfficerGroup::Supervisor)
}

/// The officer's approval that still waits for a second approver, if the newest decision is one.
pub fn pending_approval(decisions: &[Decision]) -> Option<&Decision> {
    decisions.last().filter(|d| {
        d.outcome == Outcome::Approve
            && d.source == DecisionSource::Officer
            && d.second_approver_officer_id.is_none()
            && !d.approval_complete
    })
}

/// The terms of an approval; `None` takes what was applied for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Terms {
    pub amount_cents: Option<i64>,
    pub term_days: Option<i32>,
    pub note: Option<String>,
}

/// Approves an application, or adds the second approval to another officer's approval above
/// their limit.
pub async fn approve(
    conn: &mut PgConnection,
    officer: &Officer,
    application_id: Uuid,
    terms: &Terms,
    now: DateTime<Utc>,
) -> Result<Approval, ReviewError> {
    if !may_decide(officer) {
        return Err(ReviewError::NotADecider);
    }
    let note = checked_note(terms.note.as_deref())?;
    let mut tx = conn.begin().await.map_err(StoreError::from)?;
    let (status, requested_cents, requested_term) =
        backoffice::lock_for_decision(&mut tx, application_id).await?;
    if !decidable(status) {
        return Err(ReviewError::NotDecidable(status));
    }
    let history = decisions::for_application(&mut tx, application_id).await?;
    if let Some(pending) = pending_approval(&history) {
        // Maker-checker: the checker is another officer whose own limit covers the amount.
        if pending.decided_by_officer_id == Some(officer.officer_id) {
            return Err(ReviewError::AwaitingAnotherOfficer);
        }
        let amount = pending.approved_amount_cents.unwrap_or(requested_cents);
        if amount > officer.approval_limit_cents {
            return Err(ReviewError::AboveLimit {
                amount: Money::from_cents(amount),
                limit: Money::from_cents(officer.approval_limit_cents),
            });
        }
        decisions::second_approve(&mut tx, pending.decision_id, officer.officer_id, now).await?;
        complete(&mut tx, application_id, status, pending.decision_id, amount, note, now).await?;
        tx.commit().await.map_err(StoreError::from)?;
        return Ok(Approval::Approved { decision_id: pending.decision_id });
    }

    let amount = terms.amount_cents.unwrap_or(requested_cents);
    if amount <= 0 || amount > requested_cents {
        return Err(ReviewError::AmountOutOfRange {
            requested: Money::from_cents(requested_cents),
        });
    }
    let term = terms.term_days.unwrap_or(requested_term);
    if term <= 0 || term > requested_term {
        return Err(ReviewError::TermOutOfRange { requested: requested_term });
    }
    let worksheet = backoffice::latest_worksheet(&mut tx, application_id).await?;
    let decision_id = decisions::record(
        &mut tx,
        &NewDecision {
            application_id,
            source: DecisionSource::Officer,
            outcome: Outcome::Approve,
            reason_codes: Vec::new(),
            approved_amount_cents: Some(amount),
            approved_term_days: Some(term),
            decided_by_officer_id: Some(officer.officer_id),
            policy_version: None,
            note: note.map(str::to_owned),
            affordability_assessment_id: worksheet.map(|w| w.affordability_assessment_id),
        },
    )
    .await?;
    let approval = if amount <= officer.approval_limit_cents {
        complete(&mut tx, application_id, status, decision_id, amount, note, now).await?;
        Approval::Approved { decision_id }
    } else {
        Approval::AwaitingSecondApproval { decision_id }
    };
    tx.commit().await.map_err(StoreError::from)?;
    Ok(approval)
}

/// The approval is complete: the status moves and the applicant is told.
async fn complete(
    tx: &mut PgConnection,
    application_id: Uuid,
    from: ApplicationStatus,
    decision_id: Uuid,
    amount_cents: i64,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), ReviewError> {
    applications::transition(
        tx,
        application_id,
        from,
        ApplicationStatus::Approved,
        Some(note.unwrap_or("approved by an officer")),
    )
    .await?;
    let application = applications::get(tx, application_id).await?;
    let recipient = recipient(tx, application.applicant_id).await?;
    let message = Message::Approved {
        reference: application.reference,
        amount: Money::from_cents(amount_cents),
    };
    notify(tx, &recipient, &message, &decision_id.to_string(), now).await?;
    Ok(())
}

/// Declines an application with its reasons (NCA s62: every decline carries them), and tells the
/// applicant why.
pub async fn decline(
    conn: &mut PgConnection,
    officer: &Officer,
    application_id: Uuid,
    reasons: &[String],
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Uuid, ReviewError> {
    if !may_decide(officer) {
        return Err(ReviewError::NotADecider);
    }
    let note = checked_note(note)?;
    if reasons.is_empty() {
        return Err(ReviewError::NoReasons);
    }
    let mut descriptions = Vec::new();
    let mut codes: Vec<String> = Vec::new();
    for reason in reasons {
        let Some((code, describe)) = DECLINE_REASONS.iter().find(|(c, _)| c == reason) else {
            return Err(ReviewError::UnknownReason(reason.chars().take(40).collect()));
        };
        if !codes.iter().any(|c| c == code) {
            codes.push((*code).to_owned());
            descriptions.push((*describe).to_owned());
        }
    }
    let mut tx = conn.begin().await.map_err(StoreError::from)?;
    let (status, _, _) = backoffice::lock_for_decision(&mut tx, application_id).await?;
    if !decidable(status) {
        return Err(ReviewError::NotDecidable(status));
    }
    let worksheet = backoffice::latest_worksheet(&mut tx, application_id).await?;
    let decision_id = decisions::record(
        &mut tx,
        &NewDecision {
            application_id,
            source: DecisionSource::Officer,
            outcome: Outcome::Decline,
            reason_codes: codes,
            approved_amount_cents: None,
            approved_term_days: None,
            decided_by_officer_id: Some(officer.officer_id),
            policy_version: None,
            note: note.map(str::to_owned),
            affordability_assessment_id: worksheet.map(|w| w.affordability_assessment_id),
        },
    )
    .await?;
    applications::transition(
        &mut tx,
        application_id,
        status,
        ApplicationStatus::Declined,
        Some(note.unwrap_or("declined by an officer")),
    )
    .await?;
    let application = applications::get(&mut tx, application_id).await?;
    let recipient = recipient(&mut tx, application.applicant_id).await?;
    let message = Message::Declined {
        reference: application.reference,
        reasons: descriptions,
        link: LINK.to_owned(),
    };
    notify(&mut tx, &recipient, &message, &decision_id.to_string(), now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(decision_id)
}

fn checked_note(note: Option<&str>) -> Result<Option<&str>, ReviewError> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 2000) {
        return Err(ReviewError::NoteTooLong);
    }
    Ok(note)
}

pub(crate) async fn recipient(
    conn: &mut PgConnection,
    applicant_id: Uuid,
) -> Result<Recipient, StoreError> {
    let applicant = applicants::get(conn, applicant_id).await?;
    Ok(Recipient {
        applicant_id,
        name: applicant.first_names.clone().unwrap_or_else(|| "there".to_owned()),
        msisdn: applicant.mobile(),
        email: applicant.email,
    })
}

/// What a pay-out did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidOutLoan {
    pub loan_id: Uuid,
    pub first_debit: chrono::NaiveDate,
    pub instalments: usize,
    pub total_repayable: Money,
}

/// Pays out an approved application whose agreement the applicant signed (PRODUCT.md: "an
/// officer verifies the documents and the money is paid out"): every document verified, an ID
/// copy among them. The loan keeps the signed schedule (NCA s93: the agreement binds): the same
/// instalment dates, priced from today's disbursement with the parameters in force when it was
/// signed, so it never costs more than signed; when the first debit is too close to set up the
/// mandate (the policy's lead time, collections.md) the applicant needs a new quote instead.
/// The loan, its schedule, the principal, the mandate request (outbox), the status and the
/// applicant's message are one transaction on the officer's own connection.
pub async fn pay_out(
    conn: &mut PgConnection,
    officer: &Officer,
    application_id: Uuid,
    disbursement_reference: &str,
    now: DateTime<Utc>,
) -> Result<PaidOutLoan, ReviewError> {
    if !may_decide(officer) {
        return Err(ReviewError::NotADecider);
    }
    let reference = disbursement_reference.trim();
    if !(4..=35).contains(&reference.chars().count())
        || !reference.chars().all(|c| c.is_ascii_alphanumeric() || " -/.".contains(c))
    {
        return Err(ReviewError::BadPayOutReference);
    }
    let mut tx = conn.begin().await.map_err(StoreError::from)?;
    let (status, _, _) = backoffice::lock_for_decision(&mut tx, application_id).await?;
    if !matches!(status, ApplicationStatus::Approved | ApplicationStatus::Signed) {
        return Err(ReviewError::NotPayable(status));
    }
    let agreement =
        quotes::signed_agreement(&mut tx, application_id).await?.ok_or(ReviewError::NotSigned)?;
    let quote = quotes::get(&mut tx, agreement.quote_id).await?;
    let documents = backoffice::document_verification(&mut tx, application_id).await?;
    if documents.unverified > 0 {
        return Err(ReviewError::DocumentsNotVerified(documents.unverified));
    }
    if !documents.id_verified {
        return Err(ReviewError::IdNotVerified);
    }
    let application = applications::get(&mut tx, application_id).await?;
    let (Some(branch_code), Some(account_number), Some(account_type), Some(holder)) = (
        application.bank_branch_code.clone(),
        application.bank_account_number.clone(),
        application.bank_account_type,
        application.bank_account_holder.clone(),
    ) else {
        return Err(ReviewError::NoCollectionDetails);
    };
    let payday_rule = crate::decide::payday_rule(application.payday.as_deref())
        .map_err(|_| ReviewError::NoCollectionDetails)?;
    let today = crate::decide::johannesburg_date(now);
    let signed_on = crate::decide::johannesburg_date(agreement.signed_at);
    let regulations = parameters::regulations_on(&mut tx, signed_on).await?;
    let product =
        parameters::product_parameters(&mut tx, application.product_id, signed_on, &regulations)
            .await?;
    let thresholds = parameters::policy_thresholds(&mut tx, today).await?;
    let calendar = parameters::calendar(&mut tx).await?;

    // The signed dates: the payday rule's dates from the signed first instalment, as many as
    // were signed.
    let first = quote.first_instalment_date;
    let lead = chrono::Days::new(u64::from(thresholds.min_days_to_first_instalment.max(1)));
    if first < today + lead {
        return Err(ReviewError::ScheduleChanged(format!(
            "the first debit on {first} is too close to set up the debit order"
        )));
    }
    let horizon = first + chrono::Days::new(u64::try_from(quote.term_days).unwrap_or(0));
    let count = usize::try_from(quote.instalment_count).unwrap_or(0);
    let dates: Vec<_> =
        payday_rule.paydays_between(&calendar, first, horizon).into_iter().take(count).collect();
    if dates.len() != count || dates.first() != Some(&first) {
        return Err(ReviewError::ScheduleChanged(
            "the payday dates no longer give the signed instalments".to_owned(),
        ));
    }
    let schedule = Schedule::from_dates(
        &regulations,
        &product,
        &calendar,
        Money::from_cents(quote.principal_cents),
        quote.first_loan,
        today,
        &dates,
        payday_rule.paydays_per_year(),
    )
    .map_err(|e| ReviewError::ScheduleChanged(e.to_string()))?;
    if parameters::rate_to_bp(schedule.quote.interest_rate_per_month) != quote.interest_rate_bp
        || schedule.total().cents() > quote.total_repayable_cents
    {
        return Err(ReviewError::ScheduleChanged(
            "it would cost more than the applicant signed for".to_owned(),
        ));
    }
    let decision = decisions::for_application(&mut tx, application_id)
        .await?
        .into_iter()
        .rev()
        .find(|d| d.outcome == Outcome::Approve && d.approval_complete)
        .ok_or(ReviewError::NotPayable(status))?;
    let paid = crate::collections::payout::pay_out(
        &mut tx,
        &crate::collections::payout::PayOut {
            application_id,
            applicant_id: application.applicant_id,
            agreement_id: agreement.agreement_id,
            decision_id: decision.decision_id,
            first_loan: quote.first_loan,
            interest_rate_bp: quote.interest_rate_bp,
            schedule: &schedule,
            disbursement_reference: reference.to_owned(),
            mandate: crate::collections::payout::MandateTerms {
                // Netcash: 4-14 letters, digits or dashes; the application's reference is unique.
                contract_reference: application
                    .reference
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .take(14)
                    .collect(),
                payday_rule,
                // collections.md: real-time authentication on the applicant's banking app.
                authentication_type: AuthenticationType::Tt1,
                branch_code,
                account_number,
                account_type,
                account_holder: holder,
            },
        },
        now,
    )
    .await?;
    applications::transition(
        &mut tx,
        application_id,
        status,
        ApplicationStatus::PaidOut,
        Some("paid out by an officer"),
    )
    .await?;
    let recipient = recipient(&mut tx, application.applicant_id).await?;
    let message = Message::PaidOut {
        reference: application.reference.clone(),
        amount: Money::from_cents(quote.principal_cents),
        link: LINK.to_owned(),
    };
    notify(&mut tx, &recipient, &message, &paid.loan_id.to_string(), now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(PaidOutLoan {
        loan_id: paid.loan_id,
        first_debit: first,
        instalments: dates.len(),
        total_repayable: schedule.total(),
    })
}
