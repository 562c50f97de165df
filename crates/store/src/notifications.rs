//! The notifications outbox (DESIGN.md decision 2): a message is recorded in the same transaction
//! as the change that causes it, and the worker sends it, records the provider's id and later the
//! delivery status. The idempotency key makes recording twice harmless.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::{Result, found};

text_enum! {
    pub enum NotificationChannel {
        Sms => "sms",
        Email => "email",
    }
}

text_enum! {
    pub enum NotificationStatus {
        Pending => "pending",
        Sending => "sending",
        Sent => "sent",
        Delivered => "delivered",
        Failed => "failed",
        Cancelled => "cancelled",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    pub applicant_id: Option<Uuid>,
    pub channel: NotificationChannel,
    /// E.164 for SMS, an address for email.
    pub recipient: String,
    pub template_code: String,
    pub subject: Option<String>,
    pub body: String,
    pub idempotency_key: String,
    pub send_after: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub notification_id: Uuid,
    pub applicant_id: Option<Uuid>,
    pub channel: NotificationChannel,
    pub recipient: String,
    pub template_code: String,
    pub subject: Option<String>,
    pub body: String,
    pub status: NotificationStatus,
    pub idempotency_key: String,
    pub provider_message_id: Option<String>,
    pub attempts: i32,
    pub last_error: Option<String>,
}

/// Records a message once per idempotency key; returns its key and whether it was new.
pub async fn enqueue(conn: &mut PgConnection, n: &NewNotification) -> Result<(Uuid, bool)> {
    let inserted = sqlx::query_scalar!(
        r#"insert into notification (applicant_id, channel, recipient, template_code, subject, body,
                                     idempotency_key, send_after)
           values ($1, $2, $3, $4, $5, $6, $7, $8)
           on conflict (idempotency_key) do nothing
           returning notification_id"#,
        n.applicant_id,
        n.channel.as_str(),
        n.recipient,
        n.template_code,
        n.subject,
        n.body,
        n.idempotency_key,
        n.send_after,
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = inserted {
        return Ok((id, true));
    }
    let existing = sqlx::query_scalar!(
        "select notification_id from notification where idempotency_key = $1",
        n.idempotency_key
    )
    .fetch_optional(conn)
    .await?;
    Ok((found(existing, "notification")?, false))
}

/// Takes up to `limit` due messages for sending, skipping rows another worker holds, and marks
/// them `sending` with one more attempt counted.
pub async fn claim_due(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Notification>> {
    Ok(sqlx::query_as!(
        Notification,
        r#"with due as (
               select notification_id from notification
               where status = 'pending' and send_after <= $1
               order by send_after, notification_id
               limit $2
               for update skip locked)
           update notification n set status = 'sending', attempts = n.attempts + 1
           from due where n.notification_id = due.notification_id
           returning n.notification_id, n.applicant_id, n.channel as "channel: NotificationChannel",
                     n.recipient, n.template_code, n.subject, n.body,
                     n.status as "status: NotificationStatus", n.idempotency_key,
                     n.provider_message_id, n.attempts, n.last_error"#,
        now,
        limit
    )
    .fetch_all(conn)
    .await?)
}

pub async fn mark_sent(
    conn: &mut PgConnection,
    notification_id: Uuid,
    provider_message_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query!(
        r#"update notification set status = 'sent', provider_message_id = $2, sent_at = $3, last_error = null
           where notification_id = $1"#,
        notification_id,
        provider_message_id,
        now
    )
    .execute(conn)
    .await?;
    found((done.rows_affected() == 1).then_some(()), "notification")
}

/// A delivery receipt from the provider, matched on the provider's message id.
pub async fn mark_delivered(
    conn: &mut PgConnection,
    provider_message_id: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query!(
        r#"update notification set status = 'delivered', delivered_at = $2
           where provider_message_id = $1 and status in ('sent', 'delivered')"#,
        provider_message_id,
        now
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A failed send: back to `pending` at `retry_at`, or `failed` for good when `retry_at` is `None`.
pub async fn mark_failed(
    conn: &mut PgConnection,
    notification_id: Uuid,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> Result<()> {
    let done = sqlx::query!(
        r#"update notification
           set status = case when $3::timestamptz is null then 'failed' else 'pending' end,
               send_after = coalesce($3, send_after), last_error = $2
           where notification_id = $1"#,
        notification_id,
        error,
        retry_at
    )
    .execute(conn)
    .await?;
    found((done.rows_affected() == 1).then_some(()), "notification")
}

pub async fn for_applicant(
    conn: &mut PgConnection,
    applicant_id: Uuid,
) -> Result<Vec<Notification>> {
    Ok(sqlx::query_as!(
        Notification,
        r#"select notification_id, applicant_id, channel as "channel: NotificationChannel", recipient,
                  template_code, subject, body, status as "status: NotificationStatus", idempotency_key,
                  provider_message_id, attempts, last_error
           from notification where applicant_id = $1 order by created_at, notification_id"#,
        applicant_id
    )
    .fetch_all(conn)
    .await?)
}

/// One message by its id.
pub async fn get(conn: &mut PgConnection, notification_id: Uuid) -> Result<Notification> {
    let row = sqlx::query_as!(
        Notification,
        r#"select notification_id, applicant_id, channel as "channel: NotificationChannel", recipient,
                  template_code, subject, body, status as "status: NotificationStatus", idempotency_key,
                  provider_message_id, attempts, last_error
           from notification where notification_id = $1"#,
        notification_id
    )
    .fetch_optional(conn)
    .await?;
    found(row, "notification")
}

/// Takes one message for sending (the worker's job for it holds the lease), counting an attempt.
/// `None` when it was sent, delivered, failed or cancelled already, so a job that runs twice
/// sends once. A message left `sending` by a worker that died is taken again.
pub async fn start_sending(
    conn: &mut PgConnection,
    notification_id: Uuid,
) -> Result<Option<Notification>> {
    Ok(sqlx::query_as!(
        Notification,
        r#"update notification set status = 'sending', attempts = attempts + 1
           where notification_id = $1 and status in ('pending', 'sending')
           returning notification_id, applicant_id, channel as "channel: NotificationChannel",
                     recipient, template_code, subject, body,
                     status as "status: NotificationStatus", idempotency_key,
                     provider_message_id, attempts, last_error"#,
        notification_id
    )
    .fetch_optional(conn)
    .await?)
}

/// Cancels a message that must not be sent (the applicant may not be contacted), with the reason.
pub async fn cancel(conn: &mut PgConnection, notification_id: Uuid, reason: &str) -> Result<()> {
    let done = sqlx::query!(
        r#"update notification set status = 'cancelled', last_error = $2
           where notification_id = $1 and status in ('pending', 'sending')"#,
        notification_id,
        reason
    )
    .execute(conn)
    .await?;
    found((done.rows_affected() == 1).then_some(()), "notification")
}

/// A failed delivery reported by the provider after it accepted the message.
pub async fn mark_undelivered(
    conn: &mut PgConnection,
    provider_message_id: &str,
    error: &str,
) -> Result<bool> {
    let done = sqlx::query!(
        r#"update notification set status = 'failed', last_error = $2
           where provider_message_id = $1 and status in ('sent', 'delivered', 'failed')"#,
        provider_message_id,
        error
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Whether an applicant may be contacted at all, and whether only legally required messages may
/// reach them (migration 20261125000007).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactPreferences {
    pub do_not_contact: bool,
    pub notifications_opted_out: bool,
}

pub async fn contact_preferences(
    conn: &mut PgConnection,
    applicant_id: Uuid,
) -> Result<ContactPreferences> {
    let row = sqlx::query_as!(
        ContactPreferences,
        r#"select do_not_contact, notifications_opted_out from applicant where applicant_id = $1"#,
        applicant_id
    )
    .fetch_optional(conn)
    .await?;
    found(row, "applicant")
}

/// Records the applicant's choice about messages the law does not require.
pub async fn set_opted_out(
    conn: &mut PgConnection,
    applicant_id: Uuid,
    opted_out: bool,
) -> Result<()> {
    let done = sqlx::query!(
        "update applicant set notifications_opted_out = $2 where applicant_id = $1",
        applicant_id,
        opted_out
    )
    .execute(conn)
    .await?;
    found((done.rows_affected() == 1).then_some(()), "applicant")
}
