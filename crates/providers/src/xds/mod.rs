//! The credit bureau, XDS Connect, over SOAP 1.1 (xds-connect.md).
//!
//! [`CreditBureau`] is what the use cases call; [`XdsClient`] implements it over the wire with
//! reqwest. The endpoint is a URL in [`XdsConfig`]: the real service or the local simulator
//! (`pocket-sandbox`), never a path that skips HTTP.
//!
//! An enquiry cannot be made without a recorded consent and a reason: [`Enquiry::new`] takes
//! both as required typed values (xds-connect.md: "an enquiry without recorded consent is
//! refused by the product").

mod error;
mod report;
pub mod wire;

use std::future::Future;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use pocket_domain::SaIdNumber;
use pocket_domain::policy::BureauResult;

pub use error::XdsError;
pub use report::{
    AdverseListing, BureauReport, ConsumerReport, CreditAccount, DefaultAlert, EnquiryIds,
    Judgment, parse_match, parse_report,
};
use report::{ResultXml, match_ids, read_result, report_of};
use wire::Answer;

/// The real service's endpoint (xds-connect.md).
pub const PRODUCTION_ENDPOINT: &str = "https://www.web.xds.co.za/xdsconnect/XDSConnectWS.asmx";
/// The acceptance-test endpoint (xds-connect.md).
pub const UAT_ENDPOINT: &str = "https://www.uat.xds.co.za/xdsconnect/XDSConnectWS.asmx";

/// The password of the XDS user: a secret that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wraps a password.
    pub fn new(password: impl Into<String>) -> Password {
        Password(password.into())
    }

    /// The password itself, for the wire only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([REDACTED])")
    }
}

/// A session ticket from `Login`: a bearer secret that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Ticket(String);

impl Ticket {
    /// The ticket itself, for the wire only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Ticket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ticket([REDACTED])")
    }
}

/// The reference of the consumer's recorded consent to a bureau enquiry (POPIA s11,
/// credit-law.md), sent with the enquiry so the bureau's log carries it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConsentReference(String);

/// A consent reference that is blank or too long.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a consent reference is 1 to 64 printable characters")]
pub struct InvalidConsentReference;

impl ConsentReference {
    /// The reference of a stored consent: 1 to 64 printable characters, no surrounding blanks.
    pub fn parse(reference: &str) -> Result<ConsentReference, InvalidConsentReference> {
        let trimmed = reference.trim();
        if trimmed.is_empty() || trimmed.len() > 64 || trimmed.chars().any(char::is_control) {
            return Err(InvalidConsentReference);
        }
        Ok(ConsentReference(trimmed.to_owned()))
    }

    /// The reference.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why the enquiry is made (NCA: a bureau may be searched only for a prescribed purpose).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnquiryReason {
    /// Assessing an application for credit.
    CreditApplication,
    /// Reviewing an existing customer's account (for example a further loan).
    AccountReview,
}

impl EnquiryReason {
    /// The `EnquiryReason` sent on the wire (a guess: the spec does not list the values).
    pub fn as_wire(self) -> &'static str {
        match self {
            EnquiryReason::CreditApplication => "Application for credit",
            EnquiryReason::AccountReview => "Account review",
        }
    }
}

/// A bureau enquiry about one consumer. Every field is required: there is no enquiry without a
/// consent and a reason.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Enquiry {
    id_number: SaIdNumber,
    reason: EnquiryReason,
    consent: ConsentReference,
}

impl Enquiry {
    /// An enquiry about `id_number`, for `reason`, allowed by the consent `consent`.
    pub fn new(id_number: SaIdNumber, reason: EnquiryReason, consent: ConsentReference) -> Enquiry {
        Enquiry { id_number, reason, consent }
    }

    /// The consumer's ID number.
    pub fn id_number(&self) -> &SaIdNumber {
        &self.id_number
    }

    /// The reason.
    pub fn reason(&self) -> EnquiryReason {
        self.reason
    }

    /// The consent that allows it.
    pub fn consent(&self) -> &ConsentReference {
        &self.consent
    }
}

/// How to reach XDS Connect.
#[derive(Debug, Clone)]
pub struct XdsConfig {
    /// `XDSConnectWS.asmx` endpoint: [`PRODUCTION_ENDPOINT`], [`UAT_ENDPOINT`] or a simulator's.
    pub endpoint: String,
    /// The XDS user name (`strUser`).
    pub user: String,
    /// The XDS password (`strPwd`).
    pub password: Password,
    /// The report product to enquire for (`ProductId`), as agreed with XDS.
    pub product_id: String,
    /// How long a kept ticket is used before logging in again (xds-connect.md: a ticket is
    /// valid for about 5 hours, so a little less).
    pub ticket_lifetime: Duration,
    /// How long establishing a connection may take (failure: [`XdsError::NotSent`]).
    pub connect_timeout: Duration,
    /// How long a whole call may take (failure after sending: [`XdsError::OutcomeUnknown`]).
    pub timeout: Duration,
}

impl XdsConfig {
    /// A configuration with a ticket lifetime of 4 h 30 min and timeouts of 10 s to connect
    /// and 60 s a call.
    pub fn new(
        endpoint: impl Into<String>,
        user: impl Into<String>,
        password: Password,
        product_id: impl Into<String>,
    ) -> XdsConfig {
        XdsConfig {
            endpoint: endpoint.into(),
            user: user.into(),
            password,
            product_id: product_id.into(),
            ticket_lifetime: Duration::from_secs(4 * 3600 + 30 * 60),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
        }
    }
}

/// The credit bureau as the use cases see it.
pub trait CreditBureau: Send + Sync {
    /// Matches the consumer by ID number and fetches the report. On
    /// [`XdsError::OutcomeUnknown`] the bureau may have logged the enquiry.
    fn enquire(
        &self,
        enquiry: &Enquiry,
    ) -> impl Future<Output = Result<BureauReport, XdsError>> + Send;
}

/// The outcome of an enquiry as the lending policy takes it: an error is
/// [`BureauResult::Unavailable`], which the policy refers to a person.
pub fn bureau_result(outcome: &Result<BureauReport, XdsError>) -> BureauResult {
    match outcome {
        Ok(report) => report.to_bureau_result(),
        Err(_) => BureauResult::Unavailable,
    }
}

#[derive(Debug)]
struct KeptTicket {
    ticket: Ticket,
    issued: Instant,
}

/// The XDS Connect client over HTTP. It logs in on first use and keeps the ticket.
#[derive(Debug)]
pub struct XdsClient {
    http: reqwest::Client,
    config: XdsConfig,
    ticket: Mutex<Option<KeptTicket>>,
}

impl XdsClient {
    /// A client for the configured endpoint.
    pub fn new(config: XdsConfig) -> Result<XdsClient, XdsError> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .build()
            .map_err(|e| XdsError::NotSent(format!("building the HTTP client: {e}")))?;
        Ok(XdsClient { http, config, ticket: Mutex::new(None) })
    }

    fn kept(&self) -> MutexGuard<'_, Option<KeptTicket>> {
        self.ticket.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Calls one operation by name and returns its result string (still XML for most
    /// operations), or the error it stands for. Public for operations the client does not wrap.
    pub async fn call(&self, operation: &str, params: &[(&str, &str)]) -> Result<String, XdsError> {
        let response = self
            .http
            .post(&self.config.endpoint)
            .header("Content-Type", "text/xml; charset=utf-8")
            .header("SOAPAction", wire::soap_action(operation))
            .body(wire::request_envelope(operation, params))
            .send()
            .await
            .map_err(error::transport_error)?;
        let status = response.status();
        let body = response.bytes().await.map_err(error::transport_error)?;
        let answer = std::str::from_utf8(&body)
            .map_err(error::malformed)
            .and_then(|b| wire::parse_answer(operation, b));
        match answer {
            // SOAP 1.1: a fault comes with HTTP 500.
            Ok(Answer::Fault { code, message }) => Err(XdsError::Fault { code, message }),
            Ok(Answer::Result(_)) | Err(_) if !status.is_success() => {
                Err(XdsError::Http { status: status.as_u16() })
            }
            Ok(Answer::Result(result)) => Ok(result),
            Err(malformed) => Err(malformed),
        }
    }

    /// Logs in and keeps the new ticket (xds-connect.md: `Login(strUser, strPwd)`).
    pub async fn login(&self) -> Result<Ticket, XdsError> {
        let params =
            [("strUser", self.config.user.as_str()), ("strPwd", self.config.password.expose())];
        let text = self.call("Login", &params).await?;
        let text = text.trim();
        if text.starts_with('<') {
            // Guess (the spec is silent): a refused login answers `<NoResult><Error>`.
            let message = match read_result(text) {
                Ok(ResultXml::TicketProblem(message)) | Err(XdsError::Business { message }) => {
                    message
                }
                Ok(ResultXml::NotFound) => "user not found".to_owned(),
                Ok(ResultXml::Document(root)) => {
                    return Err(error::malformed(format!(
                        "a login answer rooted at {}",
                        root.name
                    )));
                }
                Err(other) => return Err(other),
            };
            return Err(XdsError::LoginRefused(message));
        }
        if text.is_empty() || text.contains(char::is_whitespace) {
            return Err(error::malformed("the login answer is not a ticket"));
        }
        let ticket = Ticket(text.to_owned());
        *self.kept() = Some(KeptTicket { ticket: ticket.clone(), issued: Instant::now() });
        Ok(ticket)
    }

    /// Asks the bureau whether `ticket` is still valid (xds-connect.md: `IsTicketValid`).
    pub async fn is_ticket_valid(&self, ticket: &Ticket) -> Result<bool, XdsError> {
        let text = self.call("IsTicketValid", &[("XDSConnectTicket", ticket.expose())]).await?;
        match text.trim() {
            "true" | "True" => Ok(true),
            "false" | "False" => Ok(false),
            other => Err(error::malformed(format!("`{other}` is not a boolean"))),
        }
    }

    /// The kept ticket if it is young enough, otherwise a new one.
    async fn ticket(&self) -> Result<Ticket, XdsError> {
        let kept = self
            .kept()
            .as_ref()
            .filter(|k| k.issued.elapsed() < self.config.ticket_lifetime)
            .map(|k| k.ticket.clone());
        match kept {
            Some(ticket) => Ok(ticket),
            None => self.login().await,
        }
    }

    /// Calls `operation` with the ticket first; a ticket the bureau refuses is renewed once and
    /// the call retried once (xds-connect.md: "A ticket that expired is renewed once and the
    /// call retried").
    async fn ticketed(
        &self,
        operation: &str,
        params: &[(&str, &str)],
    ) -> Result<ResultXml, XdsError> {
        let ticket = self.ticket().await?;
        match self.call_with(&ticket, operation, params).await? {
            ResultXml::TicketProblem(_) => {
                let renewed = self.login().await?;
                match self.call_with(&renewed, operation, params).await? {
                    ResultXml::TicketProblem(message) => Err(XdsError::TicketRejected(message)),
                    answer => Ok(answer),
                }
            }
            answer => Ok(answer),
        }
    }

    async fn call_with(
        &self,
        ticket: &Ticket,
        operation: &str,
        params: &[(&str, &str)],
    ) -> Result<ResultXml, XdsError> {
        let mut all = Vec::with_capacity(params.len() + 1);
        all.push(("ConnectTicket", ticket.expose()));
        all.extend_from_slice(params);
        read_result(&self.call(operation, &all).await?)
    }

    /// Matches the consumer (xds-connect.md: `ConnectConsumerMatch`): the enquiry ids, or `None`
    /// when nobody on record has the ID number.
    pub async fn consumer_match(&self, enquiry: &Enquiry) -> Result<Option<EnquiryIds>, XdsError> {
        let id_number = enquiry.id_number.as_digits();
        let params = [
            ("ProductId", self.config.product_id.as_str()),
            ("EnquiryReason", enquiry.reason.as_wire()),
            ("IdNumber", id_number.as_str()),
            // Guess: the consent travels as the enquirer's own reference, so the bureau's
            // enquiry log carries it (xds-connect.md: "logged with its reason and the consent").
            ("YourReference", enquiry.consent.as_str()),
        ];
        match self.ticketed("ConnectConsumerMatch", &params).await? {
            ResultXml::NotFound => Ok(None),
            ResultXml::Document(root) => match_ids(&root).map(Some),
            ResultXml::TicketProblem(message) => Err(XdsError::TicketRejected(message)),
        }
    }

    /// Fetches the report of a match (xds-connect.md: `ConnectGetResult`).
    pub async fn get_result(&self, ids: &EnquiryIds) -> Result<BureauReport, XdsError> {
        let params = [
            ("EnquiryID", ids.enquiry_id.as_str()),
            ("EnquiryResultID", ids.enquiry_result_id.as_str()),
            ("ProductID", self.config.product_id.as_str()),
        ];
        match self.ticketed("ConnectGetResult", &params).await? {
            ResultXml::NotFound => Ok(BureauReport::NoMatch),
            ResultXml::Document(root) => report_of(&root).map(BureauReport::Matched),
            ResultXml::TicketProblem(message) => Err(XdsError::TicketRejected(message)),
        }
    }
}

impl CreditBureau for XdsClient {
    async fn enquire(&self, enquiry: &Enquiry) -> Result<BureauReport, XdsError> {
        match self.consumer_match(enquiry).await? {
            None => Ok(BureauReport::NoMatch),
            Some(ids) => self.get_result(&ids).await,
        }
    }
}
