//! The applicant's own steps around the decision: starting or resuming a draft, recording the
//! POPIA consents, accepting the quote, signing the agreement with a one-time PIN, and asking for
//! a human review of an automated decision. Shared by the web portal and the partner API.

use chrono::{DateTime, NaiveDate, Utc};
use pocket_domain::BusinessCalendar;
use pocket_store::StoreError;
use pocket_store::applicants::{self, Channel, ConsentPurpose};
use pocket_store::applications::{self, Application, ApplicationStatus, NewApplication};
use pocket_store::portal::{self, OtpPurpose};
use pocket_store::quotes::{self, NewAgreement, QuoteStatus};
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

/// The product the public portal sells.
pub const PORTAL_PRODUCT: &str = "short_term";

/// The versions of the consent texts the portal shows (POPIA s11: each consent is recorded with
/// the version of the text the applicant saw). Change the version with the text.
pub const BUREAU_CONSENT_VERSION: &str = "bureau-2026-11";
pub const PROCESSING_CONSENT_VERSION: &str = "processing-2026-11";
pub const MARKETING_CONSENT_VERSION: &str = "marketing-2026-11";
pub const DEBIT_ORDER_CONSENT_VERSION: &str = "debit-order-2026-11";
/// The version of the agreement text (NCA s93, Reg 30, Form 20.2).
pub const AGREEMENT_VERSION: &str = "agreement-2026-11";

/// Business days of the cooling-off window after signing (credit-law.md: offer a cooling-off
/// cancellation window; NCA s121 gives five business days).
pub const COOLING_OFF_BUSINESS_DAYS: u32 = 5;

/// Why a step of the applicant was refused.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("the application is no longer a draft")]
    NotADraft,
    #[error("there is no open quote to accept")]
    NoOpenQuote,
    #[error("the quote must be accepted before the agreement is signed")]
    QuoteNotAccepted,
    #[error("the agreement is already signed")]
    AlreadySigned,
    #[error("the one-time PIN was not verified for signing")]
    PinNotVerified,
    #[error("a review can be asked for only after a decision")]
    NotDecided,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The applicant's current application: the newest one unless it has ended, else a new draft
/// for `amount_cents` over `term_days` (a draft is resumable on any device: it lives here).
pub async fn current_or_new(
    conn: &mut PgConnection,
    applicant_id: Uuid,
    amount_cents: i64,
    term_days: i32,
) -> Result<Application, ApplyError> {
    if let Some(existing) = applications::latest_for_applicant(conn, applicant_id).await? {
        let ended = matches!(
            existing.status,
            ApplicationStatus::Cancelled | ApplicationStatus::Expired | ApplicationStatus::PaidOut
        );
        if !ended {
            return Ok(existing);
        }
    }
    let product_id = applications::product_id(conn, PORTAL_PRODUCT).await?;
    let created = applications::create(
        conn,
        &NewApplication {
            applicant_id,
            product_id,
            channel: Channel::Portal,
            partner_id: None,
            created_by_officer_id: None,
            requested_amount_cents: amount_cents,
            requested_term_days: term_days,
        },
    )
    .await?;
    Ok(applications::get(conn, created.application_id).await?)
}

/// The consents given on the consents step. Bureau enquiry and processing are required to
/// apply; marketing is a separate, optional opt-in (POPIA s69).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consents {
    pub bureau_enquiry: bool,
    pub processing: bool,
    pub marketing: bool,
}

/// Records each consent given (purpose, text version, time and channel), unless an active one
/// for the same purpose and text version is already on record.
pub async fn record_consents(
    conn: &mut PgConnection,
    applicant_id: Uuid,
    consents: Consents,
    channel: Channel,
) -> Result<(), ApplyError> {
    let mut tx = conn.begin().await.map_err(StoreError::from)?;
    let held = applicants::consents(&mut tx, applicant_id).await?;
    let wanted = [
        (consents.bureau_enquiry, ConsentPurpose::BureauEnquiry, BUREAU_CONSENT_VERSION),
        (consents.processing, ConsentPurpose::Processing, PROCESSING_CONSENT_VERSION),
        (consents.marketing, ConsentPurpose::Marketing, MARKETING_CONSENT_VERSION),
    ];
    for (given, purpose, version) in wanted {
        let active =
            held.iter().any(|c| c.purpose == purpose && c.text_version == version && c.is_active());
        if given && !active {
            applicants::record_consent(&mut tx, applicant_id, purpose, version, channel).await?;
        }
    }
    // Marketing is an opt-in that can be taken back on the same form (POPIA s69).
    if !consents.marketing {
        for c in held.iter().filter(|c| c.purpose == ConsentPurpose::Marketing && c.is_active()) {
            applicants::withdraw_consent(&mut tx, c.consent_id, channel).await?;
        }
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// NCA s92, Reg 28: the applicant accepts the open quote (the pre-agreement statement) while it
/// still binds.
pub async fn accept_quote(
    conn: &mut PgConnection,
    application_id: Uuid,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Uuid, ApplyError> {
    let quote = quotes::current_for_application(conn, application_id)
        .await?
        .ok_or(ApplyError::NoOpenQuote)?;
    match quote.status {
        QuoteStatus::Accepted => Ok(quote.quote_id),
        QuoteStatus::Offered => {
            quotes::accept(conn, quote.quote_id, today, now).await.map_err(|e| match e {
                StoreError::NotFound { .. } => ApplyError::NoOpenQuote,
                other => other.into(),
            })?;
            Ok(quote.quote_id)
        }
        _ => Err(ApplyError::NoOpenQuote),
    }
}

/// What [`sign`] recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub agreement_id: Uuid,
    pub cooling_off_until: NaiveDate,
}

/// NCA s93, Reg 30: signs the agreement on the accepted quote with a verified one-time PIN, and
/// records the applicant's consent to the debit order (the DebiCheck mandate itself is requested
/// by the payout flow: the portal's login may not write mandates). An application an officer
/// already approved moves to `signed`; a pre-approved one keeps its status until the officer's
/// approval (the schema lets the portal move only `approved` to `signed`).
pub async fn sign(
    conn: &mut PgConnection,
    application_id: Uuid,
    otp_challenge_id: Uuid,
    calendar: &BusinessCalendar,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Signed, ApplyError> {
    let mut tx = conn.begin().await.map_err(StoreError::from)?;
    if quotes::signed_agreement(&mut tx, application_id).await?.is_some() {
        return Err(ApplyError::AlreadySigned);
    }
    let quote = quotes::current_for_application(&mut tx, application_id)
        .await?
        .filter(|q| q.status == QuoteStatus::Accepted)
        .ok_or(ApplyError::QuoteNotAccepted)?;
    let challenge = portal::get_otp(&mut tx, otp_challenge_id).await?;
    if challenge.purpose != OtpPurpose::SignAgreement || challenge.verified_at.is_none() {
        return Err(ApplyError::PinNotVerified);
    }
    let application = applications::get(&mut tx, application_id).await?;
    let cooling_off_until = calendar.add_business_days(today, COOLING_OFF_BUSINESS_DAYS);
    let agreement_id = quotes::sign(
        &mut tx,
        &NewAgreement {
            application_id,
            quote_id: quote.quote_id,
            text_version: AGREEMENT_VERSION.to_string(),
            otp_challenge_id,
            document_storage_key: None,
            signed_at: now,
            cooling_off_until,
        },
    )
    .await?;
    applicants::record_consent(
        &mut tx,
        application.applicant_id,
        ConsentPurpose::DebitOrder,
        DEBIT_ORDER_CONSENT_VERSION,
        Channel::Portal,
    )
    .await?;
    if application.status == ApplicationStatus::Approved {
        applications::transition(
            &mut tx,
            application_id,
            ApplicationStatus::Approved,
            ApplicationStatus::Signed,
            Some("signed by the applicant with a one-time PIN"),
        )
        .await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(Signed { agreement_id, cooling_off_until })
}

/// POPIA s71 (credit-law.md): the applicant asks a person to review an automated decision.
/// Returns false when a review was already asked for.
pub async fn request_review(
    conn: &mut PgConnection,
    application_id: Uuid,
    channel: Channel,
) -> Result<bool, ApplyError> {
    let application = applications::get(conn, application_id).await?;
    if matches!(application.status, ApplicationStatus::Draft | ApplicationStatus::Submitted) {
        return Err(ApplyError::NotDecided);
    }
    Ok(applications::request_review(conn, application_id, channel).await?)
}
