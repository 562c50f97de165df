//! Credit bureau enquiries (each resting on the applicant's bureau consent, POPIA s11) and their
//! results, kept unchanged as evidence of the assessment (NCA s80/s81).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::{Result, found};

text_enum! {
    pub enum EnquiryStatus {
        Pending => "pending",
        Completed => "completed",
        Failed => "failed",
    }
}

/// The bureau's answer, as the provider client parsed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BureauResult {
    pub matched: bool,
    pub score: Option<i32>,
    pub adverse_listings: i32,
    pub judgments: i32,
    pub monthly_obligations_cents: i64,
    /// Where the raw response was stored (object storage key).
    pub raw_response_key: String,
    pub summary: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enquiry {
    pub bureau_enquiry_id: Uuid,
    pub application_id: Uuid,
    pub status: EnquiryStatus,
    pub provider_reference: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub result: Option<BureauResult>,
}

pub async fn request(
    conn: &mut PgConnection,
    application_id: Uuid,
    consent_id: Uuid,
) -> Result<Uuid> {
    Ok(sqlx::query_scalar!(
        r#"insert into bureau_enquiry (application_id, consent_id) values ($1, $2)
           returning bureau_enquiry_id"#,
        application_id,
        consent_id
    )
    .fetch_one(conn)
    .await?)
}

/// Stores the result and completes the enquiry, in the caller's transaction.
pub async fn record_result(
    conn: &mut PgConnection,
    bureau_enquiry_id: Uuid,
    provider_reference: &str,
    result: &BureauResult,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    let done = sqlx::query!(
        r#"update bureau_enquiry set status = 'completed', provider_reference = $2, completed_at = $3
           where bureau_enquiry_id = $1 and status = 'pending'"#,
        bureau_enquiry_id,
        provider_reference,
        now
    )
    .execute(&mut *conn)
    .await?;
    found((done.rows_affected() == 1).then_some(()), "pending bureau enquiry")?;
    Ok(sqlx::query_scalar!(
        r#"insert into bureau_result (bureau_enquiry_id, matched, score, adverse_listings, judgments,
                                      monthly_obligations_cents, raw_response_key, summary)
           values ($1, $2, $3, $4, $5, $6, $7, $8) returning bureau_result_id"#,
        bureau_enquiry_id,
        result.matched,
        result.score,
        result.adverse_listings,
        result.judgments,
        result.monthly_obligations_cents,
        result.raw_response_key,
        result.summary,
    )
    .fetch_one(conn)
    .await?)
}

pub async fn record_failure(
    conn: &mut PgConnection,
    bureau_enquiry_id: Uuid,
    error: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query!(
        r#"update bureau_enquiry set status = 'failed', error = $2, completed_at = $3
           where bureau_enquiry_id = $1 and status = 'pending'"#,
        bureau_enquiry_id,
        error,
        now
    )
    .execute(conn)
    .await?;
    found((done.rows_affected() == 1).then_some(()), "pending bureau enquiry")
}

/// The newest enquiry of an application with its result, if any.
pub async fn latest(conn: &mut PgConnection, application_id: Uuid) -> Result<Option<Enquiry>> {
    let row = sqlx::query!(
        r#"select e.bureau_enquiry_id, e.application_id, e.status as "status: EnquiryStatus",
                  e.provider_reference, e.requested_at, e.completed_at,
                  r.matched as "matched?", r.score, r.adverse_listings as "adverse_listings?",
                  r.judgments as "judgments?", r.monthly_obligations_cents as "monthly_obligations_cents?",
                  r.raw_response_key as "raw_response_key?", r.summary as "summary?"
           from bureau_enquiry e
           left join bureau_result r on r.bureau_enquiry_id = e.bureau_enquiry_id
           where e.application_id = $1
           order by e.requested_at desc, e.bureau_enquiry_id limit 1"#,
        application_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| Enquiry {
        bureau_enquiry_id: r.bureau_enquiry_id,
        application_id: r.application_id,
        status: r.status,
        provider_reference: r.provider_reference,
        requested_at: r.requested_at,
        completed_at: r.completed_at,
        result: r.matched.map(|matched| BureauResult {
            matched,
            score: r.score,
            adverse_listings: r.adverse_listings.unwrap_or(0),
            judgments: r.judgments.unwrap_or(0),
            monthly_obligations_cents: r.monthly_obligations_cents.unwrap_or(0),
            raw_response_key: r.raw_response_key.unwrap_or_default(),
            summary: r.summary.unwrap_or_default(),
        }),
    }))
}
