//! The JSON of the Clickatell One API (clickatell.md): the request body, and parsers of the
//! answers and of the status callback that never panic, whatever the bytes.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::error::{ClickatellError, ErrorCode};

/// The body of `POST /v1/message`.
pub fn request_body(messages: &[(String, String, Option<String>)]) -> String {
    // clickatell.md: `{"messages":[{"channel":"sms","to":"27821234567","content":"..."}]}`.
    let messages: Vec<Value> = messages
        .iter()
        .map(|(to, content, client_message_id)| {
            let mut message = json!({ "channel": "sms", "to": to, "content": content });
            if let Some(id) = client_message_id {
                message["clientMessageId"] = json!(id);
            }
            message
        })
        .collect();
    json!({ "messages": messages }).to_string()
}

/// One message of a send answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageAnswer {
    /// The recipient as Clickatell echoed it.
    pub to: String,
    /// The id Clickatell assigned, when accepted.
    pub api_message_id: Option<String>,
    /// Whether Clickatell accepted the message.
    pub accepted: bool,
    /// The error of a refused message.
    pub error: Option<(ErrorCode, String)>,
}

/// A send answer: per-message results, or an error for the whole request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SendAnswer {
    /// The messages, in request order.
    pub messages: Vec<MessageAnswer>,
    /// The error of the whole request (`"error": {...}` at the top level), if any.
    pub error: Option<(ErrorCode, String)>,
}

fn parse_json(body: &[u8]) -> Result<Value, ClickatellError> {
    serde_json::from_slice(body).map_err(|e| ClickatellError::Malformed(format!("not JSON: {e}")))
}

/// An `{"code":23,"description":"..."}` object; `null` is no error. Codes may come as numbers or
/// as strings of digits.
fn error_object(value: Option<&Value>) -> Result<Option<(ErrorCode, String)>, ClickatellError> {
    let Some(value) = value.filter(|v| !v.is_null()) else { return Ok(None) };
    let code = match value.get("code") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    let code = code
        .and_then(|c| u16::try_from(c).ok())
        .ok_or_else(|| ClickatellError::Malformed(format!("`{value}` is not an error object")))?;
    let description =
        value.get("description").and_then(Value::as_str).unwrap_or_default().to_owned();
    Ok(Some((ErrorCode::from_code(code), description)))
}

/// Reads the answer to `POST /v1/message` (202, 207, or an error status with an error body).
pub fn parse_send_answer(body: &[u8]) -> Result<SendAnswer, ClickatellError> {
    let value = parse_json(body)?;
    if !value.is_object() {
        return Err(ClickatellError::Malformed("the answer is not a JSON object".to_owned()));
    }
    let error = error_object(value.get("error"))?;
    let messages = match value.get("messages") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            items.iter().map(message_answer).collect::<Result<Vec<_>, _>>()?
        }
        Some(other) => {
            return Err(ClickatellError::Malformed(format!("`messages` is `{other}`")));
        }
    };
    if messages.is_empty() && error.is_none() {
        return Err(ClickatellError::Malformed("neither messages nor an error".to_owned()));
    }
    Ok(SendAnswer { messages, error })
}

fn message_answer(item: &Value) -> Result<MessageAnswer, ClickatellError> {
    let malformed = || ClickatellError::Malformed(format!("`{item}` is not a message answer"));
    let to = item.get("to").and_then(Value::as_str).ok_or_else(malformed)?.to_owned();
    let accepted = item.get("accepted").and_then(Value::as_bool).ok_or_else(malformed)?;
    let api_message_id = item
        .get("apiMessageId")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .map(str::to_owned);
    let error = error_object(item.get("error"))?;
    if accepted && api_message_id.is_none() {
        return Err(malformed());
    }
    Ok(MessageAnswer { to, api_message_id, accepted, error })
}

/// Where a message is on its way to the phone (clickatell.md, "Status").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// `QUEUED`.
    Queued,
    /// `SENT_TO_SUPPLIER`.
    SentToSupplier,
    /// `DEVICE_ACK`: the phone has it.
    DeviceAck,
    /// `READ`.
    Read,
    /// `EXPIRED`.
    Expired,
    /// `DELIVERY_FAILURE`.
    DeliveryFailure,
    /// `INSUFFICIENT_ACCOUNT_BALANCE`.
    InsufficientAccountBalance,
    /// `RECIPIENT_DOES_NOT_EXIST`.
    RecipientDoesNotExist,
    /// `ROUTING_ERROR`.
    RoutingError,
    /// A status the spec does not list, as sent.
    Other(String),
}

impl DeliveryStatus {
    /// The status a wire name stands for.
    pub fn parse(text: &str) -> DeliveryStatus {
        match text {
            "QUEUED" => DeliveryStatus::Queued,
            "SENT_TO_SUPPLIER" => DeliveryStatus::SentToSupplier,
            "DEVICE_ACK" => DeliveryStatus::DeviceAck,
            "READ" => DeliveryStatus::Read,
            "EXPIRED" => DeliveryStatus::Expired,
            "DELIVERY_FAILURE" => DeliveryStatus::DeliveryFailure,
            "INSUFFICIENT_ACCOUNT_BALANCE" => DeliveryStatus::InsufficientAccountBalance,
            "RECIPIENT_DOES_NOT_EXIST" => DeliveryStatus::RecipientDoesNotExist,
            "ROUTING_ERROR" => DeliveryStatus::RoutingError,
            other => DeliveryStatus::Other(other.to_owned()),
        }
    }

    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            DeliveryStatus::Queued => "QUEUED",
            DeliveryStatus::SentToSupplier => "SENT_TO_SUPPLIER",
            DeliveryStatus::DeviceAck => "DEVICE_ACK",
            DeliveryStatus::Read => "READ",
            DeliveryStatus::Expired => "EXPIRED",
            DeliveryStatus::DeliveryFailure => "DELIVERY_FAILURE",
            DeliveryStatus::InsufficientAccountBalance => "INSUFFICIENT_ACCOUNT_BALANCE",
            DeliveryStatus::RecipientDoesNotExist => "RECIPIENT_DOES_NOT_EXIST",
            DeliveryStatus::RoutingError => "ROUTING_ERROR",
            DeliveryStatus::Other(other) => other,
        }
    }

    /// Whether the phone received the message.
    pub fn is_delivered(&self) -> bool {
        matches!(self, DeliveryStatus::DeviceAck | DeliveryStatus::Read)
    }

    /// Whether the message will never reach the phone.
    pub fn is_failed(&self) -> bool {
        matches!(
            self,
            DeliveryStatus::Expired
                | DeliveryStatus::DeliveryFailure
                | DeliveryStatus::InsufficientAccountBalance
                | DeliveryStatus::RecipientDoesNotExist
                | DeliveryStatus::RoutingError
        )
    }
}

/// The status of one message, from `GET /v1/message/{id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageStatus {
    /// The status.
    pub status: DeliveryStatus,
    /// When Clickatell recorded it.
    pub timestamp: Option<DateTime<Utc>>,
}

fn timestamp(value: Option<&Value>) -> Option<DateTime<Utc>> {
    let millis = match value? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }?;
    DateTime::from_timestamp_millis(millis)
}

/// Reads `{"sms":{"status":"QUEUED","timestamp":1506607698000}}`.
pub fn parse_status_answer(body: &[u8]) -> Result<MessageStatus, ClickatellError> {
    let value = parse_json(body)?;
    if let Some((code, description)) = error_object(value.get("error"))? {
        return Err(ClickatellError::Refused { code, description, retry_after: None });
    }
    let sms = value
        .get("sms")
        .ok_or_else(|| ClickatellError::Malformed("no `sms` in the status answer".to_owned()))?;
    let status = sms
        .get("status")
        .and_then(Value::as_str)
        .ok_or_else(|| ClickatellError::Malformed(format!("`{sms}` has no status")))?;
    Ok(MessageStatus {
        status: DeliveryStatus::parse(status),
        timestamp: timestamp(sms.get("timestamp")),
    })
}

/// One status change from a callback (clickatell.md, "Status callback").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusUpdate {
    /// The `apiMessageId` the send answer gave.
    pub message_id: String,
    /// The id the sender put on the message, if any.
    pub client_message_id: Option<String>,
    /// The new status.
    pub status: DeliveryStatus,
    /// Clickatell's numeric status code, if sent.
    pub status_code: Option<i64>,
    /// The channel, normally `sms`.
    pub channel: Option<String>,
    /// When the status changed.
    pub timestamp: Option<DateTime<Utc>>,
}

/// Reads a status callback body: `{"integrationId", "integrationName", "event":
/// {"messageStatusUpdate": [{"channel", "timestamp", "statusCode", "status", "messageId",
/// "clientMessageId"}]}}`. The endpoint that receives it must check the secret first
/// ([`super::CallbackSecret::matches`]) and store updates idempotently (clickatell.md).
pub fn parse_status_callback(body: &[u8]) -> Result<Vec<StatusUpdate>, ClickatellError> {
    let value = parse_json(body)?;
    let updates = value
        .get("event")
        .and_then(|event| event.get("messageStatusUpdate"))
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ClickatellError::Malformed("no `event.messageStatusUpdate` array".to_owned())
        })?;
    updates
        .iter()
        .map(|update| {
            let malformed =
                || ClickatellError::Malformed(format!("`{update}` is not a status update"));
            let text = |key: &str| update.get(key).and_then(Value::as_str).map(str::to_owned);
            let status_code = match update.get("statusCode") {
                Some(Value::Number(n)) => n.as_i64(),
                Some(Value::String(s)) => s.trim().parse().ok(),
                _ => None,
            };
            Ok(StatusUpdate {
                message_id: text("messageId").filter(|id| !id.is_empty()).ok_or_else(malformed)?,
                client_message_id: text("clientMessageId").filter(|id| !id.is_empty()),
                status: DeliveryStatus::parse(&text("status").ok_or_else(malformed)?),
                status_code,
                channel: text("channel"),
                timestamp: timestamp(update.get("timestamp")),
            })
        })
        .collect()
}
