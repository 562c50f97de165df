//! The debit-order provider, Netcash NIWS, over SOAP 1.1 (netcash-niws.md).
//!
//! [`DebitOrderProvider`] is what the use cases call; [`NetcashClient`] implements it over the
//! wire with reqwest. The endpoint is a URL in [`NetcashConfig`]: the real service or the local
//! simulator (`pocket-sandbox`), never a path that skips HTTP.

mod batch;
mod error;
mod report;
mod statement;
mod validation;
pub mod wire;

use std::future::Future;
use std::time::Duration;

use chrono::NaiveDate;

use crate::transport::TransportFailure;

pub use batch::{AccountReference, Batch, BatchError, DebitOrder, Instruction};
pub use error::NetcashError;
pub use report::{
    BatchState, BatchStatus, LineError, LoadReport, LoadState, parse_batch_statuses,
    parse_load_report, parse_load_reports,
};
pub use statement::{Statement, StatementLine, TransactionKind, parse_statement};
pub use validation::{
    AccountHolder, AccountRejection, AccountValidation, AccountValidator, NetcashValidationClient,
    PRODUCTION_VALIDATION_ENDPOINT, VALIDATE_BANK_ACCOUNT, ValidationConfig,
    parse_validation_result,
};
use wire::Answer;

/// The real service's endpoint (netcash-niws.md, "Transport").
pub const PRODUCTION_ENDPOINT: &str = "https://ws.netcash.co.za/NIWS/NIWS_NIF.svc";

/// netcash-niws.md: `FILE NOT READY` while the provider is still processing.
const FILE_NOT_READY: &str = "FILE NOT READY";

/// A service key (a GUID per product): a secret that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct ServiceKey(String);

impl ServiceKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> ServiceKey {
        ServiceKey(key.into())
    }

    /// The key itself, for the wire only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ServiceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServiceKey([REDACTED])")
    }
}

/// How to reach Netcash.
#[derive(Debug, Clone)]
pub struct NetcashConfig {
    /// `NIWS_NIF.svc` endpoint: [`PRODUCTION_ENDPOINT`] or a simulator's URL.
    pub endpoint: String,
    /// The debit order service key (batches, load reports, batch status).
    pub debit_order_key: ServiceKey,
    /// The account service key (statements).
    pub account_key: ServiceKey,
    /// The software vendor key written in every batch header.
    pub vendor_key: String,
    /// How long establishing a connection may take (failure: [`NetcashError::NotSent`]).
    pub connect_timeout: Duration,
    /// How long a whole call may take (failure after sending: [`NetcashError::OutcomeUnknown`]).
    pub timeout: Duration,
}

impl NetcashConfig {
    /// A configuration with timeouts of 10 s to connect and 60 s a call.
    pub fn new(
        endpoint: impl Into<String>,
        debit_order_key: ServiceKey,
        account_key: ServiceKey,
        vendor_key: impl Into<String>,
    ) -> NetcashConfig {
        NetcashConfig {
            endpoint: endpoint.into(),
            debit_order_key,
            account_key,
            vendor_key: vendor_key.into(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
        }
    }
}

/// The provider's receipt for an uploaded file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileToken(String);

impl FileToken {
    /// Wraps a token (for example one read back from the database).
    pub fn new(token: impl Into<String>) -> FileToken {
        FileToken(token.into())
    }

    /// The token.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The id to poll for a requested statement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PollingId(String);

impl PollingId {
    /// Wraps an id.
    pub fn new(id: impl Into<String>) -> PollingId {
        PollingId(id.into())
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A load report, or not yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadReportStatus {
    /// `FILE NOT READY`: poll again later.
    NotReady,
    /// The report.
    Ready(LoadReport),
}

/// A statement, or not yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatementStatus {
    /// `FILE NOT READY`: poll again later.
    NotReady,
    /// The statement.
    Ready(Statement),
}

/// The debit-order provider as the use cases see it.
pub trait DebitOrderProvider: Send + Sync {
    /// Uploads a batch. On [`NetcashError::OutcomeUnknown`] reconcile with
    /// [`DebitOrderProvider::uploads_for_date`] before uploading again.
    fn upload_batch(
        &self,
        batch: &Batch,
    ) -> impl Future<Output = Result<FileToken, NetcashError>> + Send;

    /// The load report of an upload.
    fn load_report(
        &self,
        token: &FileToken,
    ) -> impl Future<Output = Result<LoadReportStatus, NetcashError>> + Send;

    /// Recent batches and their states.
    fn batch_status(&self) -> impl Future<Output = Result<Vec<BatchStatus>, NetcashError>> + Send;

    /// The load reports of every upload on `date` (to reconcile after a timeout).
    fn uploads_for_date(
        &self,
        date: NaiveDate,
    ) -> impl Future<Output = Result<Vec<LoadReport>, NetcashError>> + Send;

    /// Asks for a statement from `from_date`.
    fn request_statement(
        &self,
        from_date: NaiveDate,
    ) -> impl Future<Output = Result<PollingId, NetcashError>> + Send;

    /// The statement asked for, or not yet.
    fn retrieve_statement(
        &self,
        id: &PollingId,
    ) -> impl Future<Output = Result<StatementStatus, NetcashError>> + Send;
}

/// The Netcash client over HTTP.
#[derive(Debug, Clone)]
pub struct NetcashClient {
    http: reqwest::Client,
    config: NetcashConfig,
}

impl NetcashClient {
    /// A client for the configured endpoint.
    pub fn new(config: NetcashConfig) -> Result<NetcashClient, NetcashError> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .build()
            .map_err(|e| NetcashError::NotSent(format!("building the HTTP client: {e}")))?;
        Ok(NetcashClient { http, config })
    }

    /// Calls one operation by name and returns its result string, or the error it stands for.
    /// The typed methods of [`DebitOrderProvider`] use it; it is public for operations the
    /// client does not wrap yet (netcash-niws.md lists more than are used).
    pub async fn call(
        &self,
        operation: &str,
        params: &[(&str, &str)],
    ) -> Result<String, NetcashError> {
        // netcash-niws.md: `SOAPAction: "http://tempuri.org/INIWS_NIF/<Operation>"`, quoted.
        soap_call(&self.http, &self.config.endpoint, "INIWS_NIF", operation, params).await
    }
}

/// Posts one operation of a NIWS service whose SOAP contract is `contract`, and returns its
/// result string or the error it stands for. Every NIWS service answers in the same two
/// channels, so the NIF client and the validation client read answers alike.
async fn soap_call(
    http: &reqwest::Client,
    endpoint: &str,
    contract: &str,
    operation: &str,
    params: &[(&str, &str)],
) -> Result<String, NetcashError> {
    let envelope = wire::request_envelope(operation, params);
    let response = http
        .post(endpoint)
        .header("Content-Type", "text/xml; charset=utf-8")
        // netcash-niws.md: SOAPAction quoted, `http://tempuri.org/<Contract>/<Operation>`.
        .header("SOAPAction", format!("\"{}{contract}/{operation}\"", wire::TNS))
        .body(envelope)
        .send()
        .await
        .map_err(transport_error)?;
    let status = response.status();
    let body = response.bytes().await.map_err(transport_error)?;
    let answer = std::str::from_utf8(&body)
        .map_err(|e| NetcashError::Malformed(e.to_string()))
        .and_then(|b| wire::parse_answer(operation, b));
    match answer {
        // netcash-niws.md: protocol errors are SOAP faults with HTTP 500.
        Ok(Answer::Fault { code, message }) => Err(NetcashError::Fault { code, message }),
        Ok(Answer::Result(_)) | Err(_) if !status.is_success() => {
            Err(NetcashError::Http { status: status.as_u16() })
        }
        Ok(Answer::Result(result)) => match error::business_error(&result) {
            // netcash-niws.md: business errors are HTTP 200 with a code as the result.
            Some(business) => Err(business),
            None => Ok(result),
        },
        Err(malformed) => Err(malformed),
    }
}

/// Sorts a transport failure by whether the request can have reached the provider.
fn transport_error(error: reqwest::Error) -> NetcashError {
    NetcashError::from(TransportFailure::from(error))
}

fn ccyymmdd(date: NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

impl DebitOrderProvider for NetcashClient {
    async fn upload_batch(&self, batch: &Batch) -> Result<FileToken, NetcashError> {
        let file = batch.file(&self.config.debit_order_key, &self.config.vendor_key);
        let key = self.config.debit_order_key.expose();
        let token = self.call("BatchFileUpload", &[("ServiceKey", key), ("File", &file)]).await?;
        let token = token.trim();
        if token.is_empty() || token.contains(char::is_whitespace) {
            return Err(NetcashError::Malformed(format!("`{token}` is not a file token")));
        }
        Ok(FileToken::new(token))
    }

    async fn load_report(&self, token: &FileToken) -> Result<LoadReportStatus, NetcashError> {
        let key = self.config.debit_order_key.expose();
        let params = [("ServiceKey", key), ("FileToken", token.as_str())];
        let text = self.call("RequestFileUploadReport", &params).await?;
        if text.trim() == FILE_NOT_READY {
            return Ok(LoadReportStatus::NotReady);
        }
        parse_load_report(&text).map(LoadReportStatus::Ready)
    }

    async fn batch_status(&self) -> Result<Vec<BatchStatus>, NetcashError> {
        let key = self.config.debit_order_key.expose();
        let text = self.call("RetrieveBatchStatus", &[("ServiceKey", key)]).await?;
        parse_batch_statuses(&text)
    }

    async fn uploads_for_date(&self, date: NaiveDate) -> Result<Vec<LoadReport>, NetcashError> {
        let key = self.config.debit_order_key.expose();
        let date = ccyymmdd(date);
        let params = [("ServiceKey", key), ("Date", date.as_str())];
        let text = self.call("RequestCombinedUploadReportForDate", &params).await?;
        if text.trim() == "NO CHANGE" {
            return Ok(Vec::new());
        }
        parse_load_reports(&text)
    }

    async fn request_statement(&self, from_date: NaiveDate) -> Result<PollingId, NetcashError> {
        let key = self.config.account_key.expose();
        let date = ccyymmdd(from_date);
        let params = [("ServiceKey", key), ("FromActionDate", date.as_str())];
        let id = self.call("RequestMerchantStatement", &params).await?;
        let id = id.trim();
        if id.is_empty() || id.contains(char::is_whitespace) {
            return Err(NetcashError::Malformed(format!("`{id}` is not a polling id")));
        }
        Ok(PollingId::new(id))
    }

    async fn retrieve_statement(&self, id: &PollingId) -> Result<StatementStatus, NetcashError> {
        let key = self.config.account_key.expose();
        let params = [("ServiceKey", key), ("PollingId", id.as_str())];
        let text = self.call("RetrieveMerchantStatement", &params).await?;
        if text.trim() == FILE_NOT_READY {
            return Ok(StatementStatus::NotReady);
        }
        parse_statement(&text).map(StatementStatus::Ready)
    }
}
