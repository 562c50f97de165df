//! Submitting an application and deciding it: the bureau enquiry (only on a recorded consent),
//! the Reg 23A affordability assessment and the lending policy, recorded with the applicant's
//! notification in one transaction.
//!
//! Statuses (migration 20261125000003): `draft` -> `submitted` (by [`submit`]), then
//! `submitted` -> `pre_approved`, `referred` or `declined` (by [`BureauEnquiryHandler`]).

use std::fmt;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc, Weekday};
use pocket_domain::affordability::{AffordabilityInput, assess};
use pocket_domain::policy::{self, BureauResult, Decision, DecisionInput, DecisionReason};
use pocket_domain::{Money, PaydayRule, SaIdNumber};
use pocket_providers::xds::{
    BureauReport, ConsentReference, CreditBureau, Enquiry, EnquiryReason, XdsError,
};
use pocket_store::applicants::{self, ConsentPurpose};
use pocket_store::applications::{self, Application, ApplicationStatus};
use pocket_store::bureau::{self, EnquiryStatus};
use pocket_store::decisions::{self, Assessment, NewDecision};
use pocket_store::jobs::{self, NewJob};
use pocket_store::quotes::{self, NewQuote};
use pocket_store::{StoreError, parameters};
use serde_json::json;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use crate::notify::{Message, NotifyError, Recipient, notify};
use crate::worker::{HandlerFuture, JobContext, JobError, JobHandler};

/// The job kind that makes a bureau enquiry and decides its application.
pub const ENQUIRE_JOB: &str = "bureau.enquire";

/// Where the applicant follows the application.
const LINK: &str = "https://pocketloans.example.co.za/a";

/// Why an application could not be submitted.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// POPIA s11, credit-law.md: no bureau enquiry without the applicant's consent to it.
    #[error("the applicant has not consented to a credit bureau enquiry")]
    NoBureauConsent,
    #[error("the application is not a draft")]
    NotADraft,
    /// The `application_submitted_complete_check` constraint: details are missing.
    #[error("the application lacks details the decision needs ({constraint})")]
    Incomplete { constraint: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Notify(#[from] NotifyError),
}

/// What [`submit`] recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub bureau_enquiry_id: Uuid,
    pub job_id: Uuid,
}

/// Submits a complete draft: the status change, the bureau enquiry and its job, and the
/// "application received" message, in one transaction (DESIGN.md decision 2). Without a bureau
/// consent nothing is written.
pub async fn submit(
    conn: &mut PgConnection,
    application_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Submitted, SubmitError> {
    let mut tx = conn.begin().await.map_err(StoreError::from)?;
    let application = applications::get(&mut tx, application_id).await?;
    if application.status != ApplicationStatus::Draft {
        return Err(SubmitError::NotADraft);
    }
    // POPIA s11, credit-law.md: consent before any bureau enquiry.
    let consent = applicants::active_consent(
        &mut tx,
        application.applicant_id,
        ConsentPurpose::BureauEnquiry,
    )
    .await?
    .ok_or(SubmitError::NoBureauConsent)?;
    applications::submit(&mut tx, application_id, now).await.map_err(|e| match e {
        StoreError::Rejected { constraint } => SubmitError::Incomplete { constraint },
        other => SubmitError::Store(other),
    })?;
    let bureau_enquiry_id = bureau::request(&mut tx, application_id, consent).await?;
    let job = NewJob::now(ENQUIRE_JOB, json!({ "bureau_enquiry_id": bureau_enquiry_id }), now)
        .with_key(format!("bureau:{bureau_enquiry_id}"));
    let (job_id, _) = jobs::enqueue(&mut tx, &job).await?;
    let applicant = applicants::get(&mut tx, application.applicant_id).await?;
    notify(
        &mut tx,
        &recipient(&applicant),
        &Message::ApplicationReceived { reference: application.reference.clone() },
        &application_id.to_string(),
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(Submitted { bureau_enquiry_id, job_id })
}

/// The worker's handler for [`ENQUIRE_JOB`] (payload `{"bureau_enquiry_id": ...}`).
pub struct BureauEnquiryHandler<B> {
    pub bureau: B,
}

impl<B> fmt::Debug for BureauEnquiryHandler<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BureauEnquiryHandler").finish_non_exhaustive()
    }
}

impl<B: CreditBureau + 'static> JobHandler for BureauEnquiryHandler<B> {
    fn run<'a>(&'a self, ctx: &'a JobContext, payload: &'a serde_json::Value) -> HandlerFuture<'a> {
        Box::pin(async move {
            let id = payload
                .get("bureau_enquiry_id")
                .and_then(|v| v.as_str())
                .and_then(|s| Uuid::parse_str(s).ok())
                .ok_or_else(|| JobError::permanent("payload lacks a bureau_enquiry_id"))?;
            let mut conn = ctx.pool().acquire().await.map_err(db)?;
            self.enquire(&mut conn, id, ctx.now()).await.map(|_| ())
        })
    }
}

fn db(e: impl Into<StoreError>) -> JobError {
    JobError::retryable(format!("database: {}", e.into()))
}

/// What one run of the handler came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    /// Decided now, to this status.
    Now(ApplicationStatus),
    /// Decided before (a repeated job): nothing was recorded.
    Already(ApplicationStatus),
}

impl<B: CreditBureau> BureauEnquiryHandler<B> {
    /// Makes the enquiry `bureau_enquiry_id` and decides its application. Idempotent: an
    /// application no longer `submitted`, or an enquiry no longer pending, is left alone.
    pub async fn enquire(
        &self,
        conn: &mut PgConnection,
        bureau_enquiry_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Decided, JobError> {
        let row: Option<(Uuid, Uuid, bool)> = sqlx::query_as(
            "select e.application_id, e.consent_id,
                    exists (select from consent_withdrawal w where w.consent_id = e.consent_id)
             from bureau_enquiry e where e.bureau_enquiry_id = $1",
        )
        .bind(bureau_enquiry_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
        let (application_id, consent_id, withdrawn) =
            row.ok_or_else(|| JobError::permanent("no such bureau enquiry"))?;
        let application = applications::get(conn, application_id).await.map_err(db)?;
        let latest = bureau::latest(conn, application_id).await.map_err(db)?;
        let pending = latest.as_ref().is_some_and(|e| {
            e.bureau_enquiry_id == bureau_enquiry_id && e.status == EnquiryStatus::Pending
        });
        if application.status != ApplicationStatus::Submitted || !pending {
            return Ok(Decided::Already(application.status));
        }
        let applicant = applicants::get(conn, application.applicant_id).await.map_err(db)?;
        let submitted_at = application.submitted_at.unwrap_or(now);
        let applied_on = johannesburg_date(submitted_at);
        let id_number = applicant
            .id_number
            .as_deref()
            .and_then(|n| SaIdNumber::parse(n, applied_on).ok())
            .ok_or_else(|| JobError::permanent("the applicant has no valid ID number"))?;

        // POPIA s11: a consent withdrawn since submission stops the enquiry; a person decides.
        let outcome = if withdrawn {
            Err("the bureau consent was withdrawn".to_owned())
        } else {
            let consent = ConsentReference::parse(&consent_id.to_string())
                .map_err(|e| JobError::permanent(e.to_string()))?;
            let enquiry =
                Enquiry::new(id_number.clone(), EnquiryReason::CreditApplication, consent);
            match self.bureau.enquire(&enquiry).await {
                Ok(report) => Ok(report),
                Err(e) => Err(classify(e)?),
            }
        };
        let bureau_result = match &outcome {
            Ok(report) => report.to_bureau_result(),
            Err(_) => BureauResult::Unavailable,
        };

        // The parameters in force on the application date (ARCHITECTURE.md: every legal number
        // is an effective-dated parameter).
        let regulations = parameters::regulations_on(conn, applied_on).await.map_err(db)?;
        let norms = parameters::expense_norms_on(conn, applied_on).await.map_err(db)?;
        let thresholds = parameters::policy_thresholds(conn, applied_on).await.map_err(db)?;
        let product =
            parameters::product_parameters(conn, application.product_id, applied_on, &regulations)
                .await
                .map_err(db)?;
        let calendar = parameters::calendar(conn).await.map_err(db)?;
        let (first_loan, repeat_customer) = history(conn, &application, applied_on).await?;
        let cents = |c: Option<i64>| Money::from_cents(c.unwrap_or(0));
        let policy_application = policy::Application {
            id_number,
            application_date: applied_on,
            requested_amount: Money::from_cents(application.requested_amount_cents),
            requested_term_days: u32::try_from(application.requested_term_days)
                .map_err(JobError::permanent)?,
            first_loan,
            repeat_customer,
            payday_rule: payday_rule(application.payday.as_deref())?,
            gross_monthly_income: cents(application.gross_income_cents),
            net_monthly_income: cents(application.net_income_cents),
            declared_expenses: cents(application.declared_expenses_cents),
            declared_debt_repayments: cents(application.declared_debt_cents),
            expense_disclosure_signed: false,
            bureau: bureau_result,
        };
        let decision = policy::decide(&DecisionInput {
            application: &policy_application,
            thresholds: &thresholds,
            regulations: &regulations,
            expense_norms: &norms,
            product: &product,
            calendar: &calendar,
        });

        // Everything below is one transaction: result, assessment, decision, status, message.
        let mut tx = conn.begin().await.map_err(db)?;
        match &outcome {
            Ok(report) => {
                let stored = stored_result(report, bureau_enquiry_id);
                let reference = match report {
                    BureauReport::Matched(r) => r.enquiry_id.as_str(),
                    BureauReport::NoMatch => "no-match",
                };
                bureau::record_result(&mut tx, bureau_enquiry_id, reference, &stored, now)
                    .await
                    .map_err(db)?;
            }
            Err(why) => {
                bureau::record_failure(&mut tx, bureau_enquiry_id, why, now).await.map_err(db)?
            }
        }
        // Reg 23A, NCA s80/s81: keep the worksheet whenever an instalment was weighed.
        let assessment = match &decision {
            Decision::PreApproved { offer } => Some((
                offer.assessment.clone(),
                offer.schedule.monthly_equivalent_instalment(),
                true,
            )),
            other => other.reasons().iter().find_map(|r| match r {
                DecisionReason::NotAffordable { smallest_monthly_instalment, .. } => {
                    let input = AffordabilityInput {
                        gross_monthly_income: policy_application.gross_monthly_income,
                        net_monthly_income: policy_application.net_monthly_income,
                        declared_expenses: policy_application.declared_expenses,
                        declared_debt_repayments: policy_application.declared_debt_repayments,
                        bureau_monthly_obligations: match bureau_result {
                            BureauResult::Found(r) => r.monthly_obligations,
                            _ => Money::ZERO,
                        },
                        expense_disclosure_signed: false,
                    };
                    assess(&input, &norms, thresholds.affordability_buffer)
                        .ok()
                        .map(|a| (a, *smallest_monthly_instalment, false))
                }
                _ => None,
            }),
        };
        let assessment_id = match assessment {
            Some((a, instalment, affordable)) => Some(
                decisions::record_assessment(
                    &mut tx,
                    &Assessment {
                        application_id,
                        gross_income_cents: a.input.gross_monthly_income.cents(),
                        statutory_deductions_cents: a.statutory_deductions.cents(),
                        declared_expenses_cents: a.input.declared_expenses.cents(),
                        norm_expenses_cents: a.expense_norm.cents(),
                        expenses_used_cents: a.expenses_used.cents(),
                        expense_disclosure_signed: a.input.expense_disclosure_signed,
                        declared_debt_cents: a.input.declared_debt_repayments.cents(),
                        bureau_debt_cents: a.input.bureau_monthly_obligations.cents(),
                        debt_used_cents: a.obligations_used.cents(),
                        discretionary_income_cents: a.discretionary_income.cents(),
                        proposed_instalment_cents: instalment.cents(),
                        affordable,
                        norm_effective_from: norms.effective_from(),
                    },
                )
                .await
                .map_err(db)?,
            ),
            None => None,
        };
        let recipient = recipient(&applicant);
        let reference = application.reference.clone();
        let (status, message) = match &decision {
            Decision::PreApproved { offer } => {
                let quote = &offer.schedule.quote;
                let term = i32::try_from(quote.term_days).map_err(JobError::permanent)?;
                let new = NewDecision::from_policy(application_id, &decision, assessment_id)
                    .map_err(JobError::permanent)?;
                decisions::record(&mut tx, &new).await.map_err(db)?;
                // NCA s92, Reg 28 (credit-law.md): the quote binds for 5 business days.
                quotes::offer(
                    &mut tx,
                    &NewQuote {
                        application_id,
                        principal_cents: quote.principal.cents(),
                        term_days: term,
                        first_loan: quote.first_loan,
                        interest_rate_bp: parameters::rate_to_bp(quote.interest_rate_per_month),
                        interest_cents: quote.interest.cents(),
                        initiation_fee_cents: quote.initiation_fee.cents(),
                        service_fee_cents: quote.service_fees.cents(),
                        vat_cents: quote.vat().cents(),
                        total_repayable_cents: quote.total_repayable.cents(),
                        instalment_count: i32::try_from(offer.schedule.instalments.len())
                            .map_err(JobError::permanent)?,
                        first_instalment_date: offer.schedule.instalments[0].due_date,
                        valid_until: calendar.add_business_days(applied_on, 5),
                    },
                )
                .await
                .map_err(db)?;
                (
                    ApplicationStatus::PreApproved,
                    Message::PreApproved { reference, amount: offer.amount, link: LINK.to_owned() },
                )
            }
            Decision::Referred { reasons } | Decision::Declined { reasons } => {
                let referred = matches!(decision, Decision::Referred { .. });
                // NCA s62, Reg 55(1)(b): every refusal keeps machine-readable reasons.
                let new = NewDecision::from_policy(application_id, &decision, assessment_id)
                    .map_err(JobError::permanent)?;
                decisions::record(&mut tx, &new).await.map_err(db)?;
                if referred {
                    (
                        ApplicationStatus::Referred,
                        Message::Referred { reference, link: LINK.to_owned() },
                    )
                } else {
                    // POPIA s71: an automatic decline states its reasons and offers a review
                    // (the link leads to the request for one).
                    (
                        ApplicationStatus::Declined,
                        Message::Declined {
                            reference,
                            reasons: reasons.iter().map(DecisionReason::describe).collect(),
                            link: LINK.to_owned(),
                        },
                    )
                }
            }
        };
        applications::transition(
            &mut tx,
            application_id,
            ApplicationStatus::Submitted,
            status,
            Some("automated decision"),
        )
        .await
        .map_err(db)?;
        notify(&mut tx, &recipient, &message, &application_id.to_string(), now)
            .await
            .map_err(|e| JobError::retryable(e.to_string()))?;
        tx.commit().await.map_err(db)?;
        Ok(Decided::Now(status))
    }
}

/// Sorts a bureau error: a passing failure is retried (an enquiry is a read, so asking again
/// after an unknown outcome costs at most a second footprint, xds-connect.md), a refusal of this
/// enquiry is recorded and sent to a person, and a refused login stops the job for a person.
fn classify(e: XdsError) -> Result<String, JobError> {
    match e {
        XdsError::Business { message } => Ok(format!("the bureau refused the enquiry: {message}")),
        XdsError::LoginRefused(_) | XdsError::TicketRejected(_) => {
            Err(JobError::permanent(format!("bureau credentials: {e}")))
        }
        XdsError::NotSent(_)
        | XdsError::OutcomeUnknown(_)
        | XdsError::Fault { .. }
        | XdsError::Malformed(_)
        | XdsError::Http { .. } => Err(JobError::retryable(format!("bureau: {e}"))),
    }
}

fn stored_result(report: &BureauReport, bureau_enquiry_id: Uuid) -> bureau::BureauResult {
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    // The raw response is not kept in object storage yet; the key names where it will go.
    let raw_response_key = format!("bureau/{bureau_enquiry_id}.xml");
    match report {
        BureauReport::NoMatch => bureau::BureauResult {
            matched: false,
            score: None,
            adverse_listings: 0,
            judgments: 0,
            monthly_obligations_cents: 0,
            raw_response_key,
            summary: json!({ "matched": false }),
        },
        BureauReport::Matched(r) => bureau::BureauResult {
            matched: true,
            score: r.score.and_then(|s| i32::try_from(s).ok()),
            adverse_listings: count(r.adverse_listings.len() + r.defaults.len()),
            judgments: count(r.judgments.len()),
            monthly_obligations_cents: r.monthly_obligations.cents(),
            raw_response_key,
            summary: json!({ "accounts": r.accounts.len(), "defaults": r.defaults.len() }),
        },
    }
}

/// Whether this is the consumer's first loan this calendar year (Reg 42: the interest cap) and
/// whether they have borrowed from us before (the policy's loan limit).
async fn history(
    conn: &mut PgConnection,
    application: &Application,
    applied_on: NaiveDate,
) -> Result<(bool, bool), JobError> {
    let mut paid_out_years = Vec::new();
    for other in applications::for_applicant(conn, application.applicant_id).await.map_err(db)? {
        if other.application_id == application.application_id {
            continue;
        }
        let a = applications::get(conn, other.application_id).await.map_err(db)?;
        if a.status == ApplicationStatus::PaidOut {
            paid_out_years.push(johannesburg_date(a.updated_at).year());
        }
    }
    let first_loan = !paid_out_years.contains(&applied_on.year());
    Ok((first_loan, !paid_out_years.is_empty()))
}

/// The payday as the journey stores it (`monthly:25`, `last_working_day`,
/// `friday_before_25th`, `weekly:fri`, `fortnightly:fri:2026-01-02`).
pub(crate) fn payday_rule(payday: Option<&str>) -> Result<PaydayRule, JobError> {
    let unreadable = || JobError::permanent(format!("unreadable payday {payday:?}"));
    let weekday = |s: &str| s.parse::<Weekday>().map_err(|_| unreadable());
    let payday = payday.ok_or_else(unreadable)?;
    let parts: Vec<&str> = payday.split(':').collect();
    match parts.as_slice() {
        ["last_working_day"] => Ok(PaydayRule::LastWorkingDay),
        ["friday_before_25th"] => Ok(PaydayRule::FridayBeforeThe25th),
        ["monthly", day] => {
            day.parse().ok().and_then(|d| PaydayRule::fixed_day(d).ok()).ok_or_else(unreadable)
        }
        ["weekly", day] => Ok(PaydayRule::Weekly(weekday(day)?)),
        ["fortnightly", day, anchor] => Ok(PaydayRule::Fortnightly {
            weekday: weekday(day)?,
            anchor: anchor.parse().map_err(|_| unreadable())?,
        }),
        _ => Err(unreadable()),
    }
}

/// The civil date in Africa/Johannesburg (UTC+2 all year: no daylight saving).
pub(crate) fn johannesburg_date(at: DateTime<Utc>) -> NaiveDate {
    let sast = FixedOffset::east_opt(2 * 3600).expect("BUG: UTC+2 is a valid offset");
    at.with_timezone(&sast).date_naive()
}

fn recipient(applicant: &applicants::Applicant) -> Recipient {
    Recipient {
        applicant_id: applicant.applicant_id,
        name: applicant.first_names.clone().unwrap_or_else(|| "there".to_owned()),
        msisdn: applicant.mobile(),
        email: applicant.email.clone(),
    }
}
