//! Notifications to applicants: a message per event, rendered from the active template of each
//! channel, recorded in the outbox together with the job that sends it (in the caller's
//! transaction), sent by the worker through the SMS and email providers, and followed up by the
//! delivery reports that Clickatell posts back.
//!
//! Who may be contacted (migration 20261125000007): `do_not_contact` stops every message (a
//! deceased account holder, collections.md code 18); an applicant who opted out of notifications
//! still gets the messages the law requires ([`Message::is_legally_required`]).

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use pocket_domain::{Money, Msisdn};
use pocket_providers::clickatell::{
    ClickatellError, OutgoingSms, SmsSender, StatusUpdate, sms_parts,
};
use pocket_providers::ses::{Email, EmailSender, SesError};
use pocket_store::notifications::{self, NewNotification, Notification, NotificationChannel};
use pocket_store::{StoreError, jobs::NewJob, parameters};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::worker::{HandlerFuture, JobContext, JobError, JobHandler};

/// The job kind that sends one notification.
pub const SEND_JOB: &str = "notification.send";

/// Something the platform tells an applicant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    OneTimePin { pin: String },
    ApplicationReceived { reference: String },
    PreApproved { reference: String, amount: Money, link: String },
    Referred { reference: String, link: String },
    DocumentsRequested { reference: String, documents: Vec<String>, link: String },
    Approved { reference: String, amount: Money },
    Declined { reference: String, reasons: Vec<String>, link: String },
    PaidOut { reference: String, amount: Money, link: String },
    DebitTomorrow { reference: String, amount: Money, date: NaiveDate },
    DebitFailed { reference: String, amount: Money, date: NaiveDate },
    PaidUp { reference: String, link: String },
}

impl Message {
    /// The template code (message_template.code).
    pub fn template(&self) -> &'static str {
        match self {
            Message::OneTimePin { .. } => "otp",
            Message::ApplicationReceived { .. } => "application_received",
            Message::PreApproved { .. } => "pre_approved",
            Message::Referred { .. } => "decision",
            Message::DocumentsRequested { .. } => "documents_requested",
            Message::Approved { .. } => "approved",
            Message::Declined { .. } => "declined",
            Message::PaidOut { .. } => "paid_out",
            Message::DebitTomorrow { .. } => "debit_reminder",
            Message::DebitFailed { .. } => "unpaid",
            Message::PaidUp { .. } => "paid_up",
        }
    }

    /// Whether the message goes out even to an applicant who opted out of notifications: the PIN
    /// they asked for, and the reasons for a decline (NCA s62: a consumer may ask why credit was
    /// refused; POPIA s71: an automated decision must let the person make representations).
    pub fn is_legally_required(&self) -> bool {
        is_legally_required(self.template())
    }

    /// The values the templates fill in, besides the applicant's name.
    fn values(&self) -> Vec<(&'static str, String)> {
        let rands = |m: &Money| m.plain().to_string().trim_start_matches('R').to_string();
        let date = |d: &NaiveDate| d.format("%-d %b %Y").to_string();
        match self {
            Message::OneTimePin { pin } => vec![("pin", pin.clone())],
            Message::ApplicationReceived { reference } => vec![("reference", reference.clone())],
            Message::PreApproved { reference, amount, link } => vec![
                ("reference", reference.clone()),
                ("amount", rands(amount)),
                ("link", link.clone()),
            ],
            Message::Referred { reference, link } => vec![
                ("reference", reference.clone()),
                ("outcome", "being reviewed by an officer".to_string()),
                ("link", link.clone()),
            ],
            Message::DocumentsRequested { reference, documents, link } => vec![
                ("reference", reference.clone()),
                ("documents", documents.join(", ")),
                ("link", link.clone()),
            ],
            Message::Approved { reference, amount } => {
                vec![("reference", reference.clone()), ("amount", rands(amount))]
            }
            Message::Declined { reference, reasons, link } => vec![
                ("reference", reference.clone()),
                ("reasons", reasons.join("; ")),
                ("link", link.clone()),
            ],
            Message::PaidOut { reference, amount, link } => vec![
                ("reference", reference.clone()),
                ("amount", rands(amount)),
                ("link", link.clone()),
            ],
            Message::DebitTomorrow { reference, amount, date: d }
            | Message::DebitFailed { reference, amount, date: d } => {
                vec![("reference", reference.clone()), ("amount", rands(amount)), ("date", date(d))]
            }
            Message::PaidUp { reference, link } => {
                vec![("reference", reference.clone()), ("link", link.clone())]
            }
        }
    }
}

/// Every template code the platform sends, with an example of its message: the administration
/// screen checks a new version's placeholders against it and previews the version with the very
/// [`render`] the outbox uses.
pub fn examples() -> Vec<Message> {
    let amount = Money::from_cents(150_000);
    let date = NaiveDate::from_ymd_opt(2026, 12, 24).expect("BUG: a valid example date");
    let reference = || "PL-0001234".to_string();
    let link = || "https://pocketloans.co.za/account".to_string();
    vec![
        Message::OneTimePin { pin: "482913".to_string() },
        Message::ApplicationReceived { reference: reference() },
        Message::PreApproved { reference: reference(), amount, link: link() },
        Message::Referred { reference: reference(), link: link() },
        Message::DocumentsRequested {
            reference: reference(),
            documents: vec!["your latest payslip".to_string(), "a bank statement".to_string()],
            link: link(),
        },
        Message::Approved { reference: reference(), amount },
        Message::Declined {
            reference: reference(),
            reasons: vec!["The instalment is not affordable".to_string()],
            link: link(),
        },
        Message::PaidOut { reference: reference(), amount, link: link() },
        Message::DebitTomorrow { reference: reference(), amount, date },
        Message::DebitFailed { reference: reference(), amount, date },
        Message::PaidUp { reference: reference(), link: link() },
    ]
}

/// The example message of a template code, if the platform sends one by that code.
pub fn example(template: &str) -> Option<Message> {
    examples().into_iter().find(|m| m.template() == template)
}

impl Message {
    /// The values a template of this message may use, the applicant's name included, as
    /// [`notify`] fills them in.
    pub fn placeholder_values(&self, name: &str) -> Vec<(&'static str, String)> {
        let mut values = self.values();
        values.push(("name", name.to_string()));
        values
    }
}

fn is_legally_required(template: &str) -> bool {
    matches!(template, "otp" | "declined")
}

/// Whom a message is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub applicant_id: Uuid,
    /// How the applicant is greeted in emails.
    pub name: String,
    pub msisdn: Msisdn,
    pub email: Option<String>,
}

/// Why a message could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("template {template} ({channel}) needs a value for {{{{{placeholder}}}}}")]
    MissingValue { template: String, channel: &'static str, placeholder: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Fills `{{name}}` placeholders; a placeholder left without a value is an error, so a broken
/// text is never sent.
pub fn render(
    template: &str,
    channel: &'static str,
    text: &str,
    values: &[(&str, String)],
) -> Result<String, NotifyError> {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let name = after[..end].trim();
        match values.iter().find(|(k, _)| *k == name) {
            Some((_, value)) => out.push_str(value),
            None => {
                return Err(NotifyError::MissingValue {
                    template: template.to_string(),
                    channel,
                    placeholder: name.to_string(),
                });
            }
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The HTML part of an email: the text, escaped, in a plain accessible layout.
pub fn html_body(subject: &str, text: &str) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
    };
    let paragraphs: String =
        text.split("\n\n").map(|p| format!("<p>{}</p>", escape(p.trim()))).collect();
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family:sans-serif;font-size:16px;line-height:1.5\">{paragraphs}\
         <p>Pocket Loans</p></body></html>",
        escape(subject)
    )
}

/// Records `message` for `recipient` on every channel it has a template and an address for, each
/// with the job that sends it, on `conn` (the caller's transaction: DESIGN.md decision 2).
/// `key` makes the call idempotent (the same event twice records it once). Returns the
/// notifications recorded now; none when the applicant may not be contacted.
pub async fn notify(
    conn: &mut PgConnection,
    recipient: &Recipient,
    message: &Message,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, NotifyError> {
    let prefs = notifications::contact_preferences(conn, recipient.applicant_id).await?;
    if prefs.do_not_contact || (prefs.notifications_opted_out && !message.is_legally_required()) {
        return Ok(Vec::new());
    }
    let mut values = message.values();
    values.push(("name", recipient.name.clone()));
    let template = message.template();
    let mut recorded = Vec::new();
    let channels = [
        (NotificationChannel::Sms, Some(recipient.msisdn.as_e164().to_string())),
        (NotificationChannel::Email, recipient.email.clone()),
    ];
    for (channel, address) in channels {
        let Some(address) = address else { continue };
        let found = match parameters::template(conn, template, channel.as_str()).await {
            Ok(t) => t,
            Err(StoreError::NotFound { .. }) => continue,
            Err(e) => return Err(e.into()),
        };
        let channel_name = match channel {
            NotificationChannel::Sms => "sms",
            NotificationChannel::Email => "email",
        };
        let body = render(template, channel_name, &found.body, &values)?;
        if channel == NotificationChannel::Sms && sms_parts(&body).parts > 1 {
            // clickatell.md: a long message is split and billed per part; worth knowing.
            tracing::warn!(template, parts = sms_parts(&body).parts, "SMS longer than one part");
        }
        let subject = found
            .subject
            .as_deref()
            .map(|s| render(template, channel_name, s, &values))
            .transpose()?;
        let (id, created) = notifications::enqueue(
            conn,
            &NewNotification {
                applicant_id: Some(recipient.applicant_id),
                channel,
                recipient: address,
                template_code: template.to_string(),
                subject,
                body,
                idempotency_key: format!("{template}:{key}:{channel_name}"),
                send_after: now,
            },
        )
        .await?;
        if created {
            let job = NewJob::now(SEND_JOB, json!({ "notification_id": id }), now)
                .with_key(format!("{SEND_JOB}:{id}"));
            pocket_store::jobs::enqueue(conn, &job).await?;
            recorded.push(id);
        }
    }
    Ok(recorded)
}

/// The worker's handler for [`SEND_JOB`]: sends one notification through its channel's provider
/// and records the outcome. Running it twice sends once (the notification's status guards it).
pub struct SendNotification<S, E> {
    pub sms: S,
    pub email: E,
    /// The sender address of emails.
    pub from: String,
}

impl<S, E> fmt::Debug for SendNotification<S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendNotification").field("from", &self.from).finish_non_exhaustive()
    }
}

impl<S: SmsSender + 'static, E: EmailSender + 'static> JobHandler for SendNotification<S, E> {
    fn run<'a>(&'a self, ctx: &'a JobContext, payload: &'a serde_json::Value) -> HandlerFuture<'a> {
        Box::pin(self.send(ctx, payload))
    }
}

/// What a send came to, before it is recorded.
enum Sent {
    Accepted(String),
    Retry(String),
    Failed(String),
}

impl<S: SmsSender, E: EmailSender> SendNotification<S, E> {
    async fn send(&self, ctx: &JobContext, payload: &serde_json::Value) -> Result<(), JobError> {
        let id = payload
            .get("notification_id")
            .and_then(|v| v.as_str())
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| JobError::permanent("payload lacks a notification_id"))?;
        let db = |e: StoreError| JobError::retryable(format!("database: {e}"));
        let mut conn = ctx.pool().acquire().await.map_err(|e| db(e.into()))?;
        let Some(notification) = notifications::start_sending(&mut conn, id).await.map_err(db)?
        else {
            // Sent, delivered, failed or cancelled already: nothing to do twice.
            return Ok(());
        };
        if let Some(applicant_id) = notification.applicant_id {
            let prefs =
                notifications::contact_preferences(&mut conn, applicant_id).await.map_err(db)?;
            // The preferences may have changed since the message was recorded.
            let why = if prefs.do_not_contact {
                Some("the applicant may not be contacted")
            } else if prefs.notifications_opted_out
                && !is_legally_required(&notification.template_code)
            {
                Some("the applicant opted out of notifications")
            } else {
                None
            };
            if let Some(why) = why {
                notifications::cancel(&mut conn, id, why).await.map_err(db)?;
                return Ok(());
            }
        }
        let outcome = match notification.channel {
            NotificationChannel::Sms => self.send_sms(&notification).await,
            NotificationChannel::Email => self.send_email(&notification).await,
        };
        let now = ctx.now();
        match outcome {
            Sent::Accepted(provider_id) => {
                notifications::mark_sent(&mut conn, id, &provider_id, now).await.map_err(db)?;
                Ok(())
            }
            Sent::Retry(why) => {
                // Back to pending so the job's next attempt can take it again.
                notifications::mark_failed(&mut conn, id, &why, Some(now)).await.map_err(db)?;
                Err(JobError::Retryable(why))
            }
            Sent::Failed(why) => {
                notifications::mark_failed(&mut conn, id, &why, None).await.map_err(db)?;
                Err(JobError::Permanent(why))
            }
        }
    }

    async fn send_sms(&self, n: &Notification) -> Sent {
        let to = match Msisdn::parse(&n.recipient) {
            Ok(to) => to,
            Err(e) => return Sent::Failed(format!("recipient: {e}")),
        };
        let message = OutgoingSms {
            to,
            content: n.body.clone(),
            client_message_id: Some(n.notification_id.to_string()),
        };
        let outcome = self.sms.send(std::slice::from_ref(&message)).await;
        match outcome.into_iter().next().map(|o| o.result) {
            Some(Ok(id)) => Sent::Accepted(id.as_str().to_string()),
            Some(Err(e)) => sms_failure(&e),
            None => Sent::Retry("the SMS provider gave no outcome".to_string()),
        }
    }

    async fn send_email(&self, n: &Notification) -> Sent {
        let subject = n.subject.clone().unwrap_or_else(|| "Pocket Loans".to_string());
        let email = Email {
            from: self.from.clone(),
            to: vec![n.recipient.clone()],
            html: Some(html_body(&subject, &n.body)),
            subject,
            text: n.body.clone(),
        };
        match self.email.send(&email).await {
            Ok(id) => Sent::Accepted(id.as_str().to_string()),
            Err(e) => email_failure(&e),
        }
    }
}

fn sms_failure(e: &ClickatellError) -> Sent {
    if e.is_permanent() {
        Sent::Failed(e.to_string())
    } else {
        // Retryable refusals were already retried with backoff by the client. An unknown outcome
        // is retried too: a second copy of a notice costs little, a missing one may cost a loan.
        Sent::Retry(e.to_string())
    }
}

fn email_failure(e: &SesError) -> Sent {
    // ses.md: throttling is retried, a rejection never.
    if e.is_permanent() { Sent::Failed(e.to_string()) } else { Sent::Retry(e.to_string()) }
}

/// Applies Clickatell's delivery reports (from the status webhook) to the outbox. Returns how
/// many notifications changed; reports for unknown ids are ignored, so a replay is harmless.
pub async fn record_sms_statuses(
    conn: &mut PgConnection,
    updates: &[StatusUpdate],
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut changed = 0;
    for update in updates {
        let at = update.timestamp.unwrap_or(now);
        let done = if update.status.is_delivered() {
            notifications::mark_delivered(conn, &update.message_id, at).await?
        } else if update.status.is_failed() {
            let why = format!("not delivered: {}", update.status.as_str());
            notifications::mark_undelivered(conn, &update.message_id, &why).await?
        } else {
            false
        };
        changed += usize::from(done);
    }
    Ok(changed)
}
