//! Bank account validation on the sibling service `NIWS_Validation.svc` (netcash-niws.md,
//! "Transport"; identity.md, "Bank accounts"): the real-time account verification (AVS-R) the
//! product calls before a mandate is requested, and whose result it keeps.
//!
//! The spec names the service but not its operation or result format. Everything below that the
//! spec does not say is a guess marked `(verify)`:
//!
//! - Operation `ValidateBankAccount` (the name in the public NIWS documentation) with SOAPAction
//!   `"http://tempuri.org/INIWS_Validation/ValidateBankAccount"` (verify: the contract name
//!   `INIWS_Validation` follows `INIWS_NIF`).
//! - Parameters in this order (verify): `ServiceKey` (the validation key), `AccountNumber`,
//!   `BranchCode`, `AccountType` (1 current, 2 savings, 3 transmission, as in field 133),
//!   `IdNumber` (13 digits), `Initials`, `Surname`. The public documentation's bank account check
//!   takes the first four; the last three are the AVS-R holder match (verify).
//! - One result string, like every other operation (netcash-niws.md): a pipe-separated line
//!   `code|exists|id|name|debits|open3m` (verify). `code` is the public documentation's: 0 valid,
//!   1 invalid branch code, 2 account number failed the check digits, 3 invalid account type,
//!   4 input data incorrect, 100 authentication failed, 200 general error. After code 0 come five
//!   flags, each `Y`, `N` or `U` (the bank did not answer that check) (verify). Codes 1 to 3 may
//!   come bare or with flags, which are then ignored (verify).
//! - Codes 100, 200 (and 311 for a key of another service) are business errors as everywhere;
//!   code 4 is one too (the request itself was wrong: permanent, do not retry as is).

use std::future::Future;
use std::time::Duration;

use pocket_domain::{AccountType, BankAccount, BankAccountWarning, SaIdNumber};

use super::{NetcashError, ServiceKey};

/// The real validation service's endpoint (netcash-niws.md, "Transport": sibling services).
pub const PRODUCTION_VALIDATION_ENDPOINT: &str =
    "https://ws.netcash.co.za/NIWS/NIWS_Validation.svc";

/// The operation (verify: the name in the public NIWS documentation).
pub const VALIDATE_BANK_ACCOUNT: &str = "ValidateBankAccount";

/// How to reach the validation service.
#[derive(Debug, Clone)]
pub struct ValidationConfig {
    /// `NIWS_Validation.svc` endpoint: [`PRODUCTION_VALIDATION_ENDPOINT`] or a simulator's URL.
    pub endpoint: String,
    /// netcash-niws.md: each product has its own service key; this is the validation key.
    pub validation_key: ServiceKey,
    /// How long establishing a connection may take (failure: [`NetcashError::NotSent`]).
    pub connect_timeout: Duration,
    /// How long a whole call may take (failure after sending: [`NetcashError::OutcomeUnknown`]).
    pub timeout: Duration,
}

impl ValidationConfig {
    /// A configuration with timeouts of 10 s to connect and 30 s a call (AVS-R is real time).
    pub fn new(endpoint: impl Into<String>, validation_key: ServiceKey) -> ValidationConfig {
        ValidationConfig {
            endpoint: endpoint.into(),
            validation_key,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
        }
    }

    /// The production endpoint with this key.
    pub fn production(validation_key: ServiceKey) -> ValidationConfig {
        ValidationConfig::new(PRODUCTION_VALIDATION_ENDPOINT, validation_key)
    }
}

/// The account holder to match (identity.md: the validation "also matches the account holder's ID
/// number and name").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountHolder {
    /// The holder's South African ID number.
    pub id_number: SaIdNumber,
    /// Initials, for example `T`.
    pub initials: String,
    /// Surname, for example `NKOSI`.
    pub surname: String,
}

/// Why the provider refused the bank details before looking the account up (result codes 1-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountRejection {
    /// Code 1: invalid branch code.
    InvalidBranchCode,
    /// Code 2: the account number failed the check-digit verification.
    CheckDigitsFailed,
    /// Code 3: invalid account type.
    InvalidAccountType,
}

/// The provider's verdict on an account, to keep with the application (identity.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountValidation {
    /// Set when the bank details were refused outright (codes 1-3); every check below is then
    /// false or unknown.
    pub rejection: Option<AccountRejection>,
    /// The account exists at the bank.
    pub account_exists: bool,
    /// The account number passed the bank's check-digit verification.
    pub check_digits_valid: bool,
    /// The ID number matches the account holder's; `None` when the bank did not say.
    pub id_number_matches: Option<bool>,
    /// The initials and surname match the account holder's; `None` when the bank did not say.
    pub name_matches: Option<bool>,
    /// The account accepts debits; `None` when the bank did not say.
    pub accepts_debits: Option<bool>,
    /// The account has been open longer than three months; `None` when the bank did not say.
    pub account_open_longer_than_3_months: Option<bool>,
    /// Things to tell the consumer or officer that do not invalidate the account.
    pub warnings: Vec<BankAccountWarning>,
}

impl AccountValidation {
    /// Whether a mandate may be requested on this account for this holder: it exists, passes
    /// the check digits, and no check answered "no". Unanswered checks do not block.
    pub fn passed(&self) -> bool {
        self.rejection.is_none()
            && self.account_exists
            && self.check_digits_valid
            && self.id_number_matches != Some(false)
            && self.name_matches != Some(false)
            && self.accepts_debits != Some(false)
    }
}

/// The bank account validation as the use cases see it.
pub trait AccountValidator: Send + Sync {
    /// Validates `account` for `holder` (AVS-R). A refused account is an `Ok` result with the
    /// reason; errors are only the call's failures, in [`NetcashError`] classes.
    fn validate_account(
        &self,
        account: &BankAccount,
        holder: &AccountHolder,
    ) -> impl Future<Output = Result<AccountValidation, NetcashError>> + Send;
}

/// The validation client over HTTP.
#[derive(Debug, Clone)]
pub struct NetcashValidationClient {
    http: reqwest::Client,
    config: ValidationConfig,
}

impl NetcashValidationClient {
    /// A client for the configured endpoint.
    pub fn new(config: ValidationConfig) -> Result<NetcashValidationClient, NetcashError> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .build()
            .map_err(|e| NetcashError::NotSent(format!("building the HTTP client: {e}")))?;
        Ok(NetcashValidationClient { http, config })
    }

    /// Calls one operation of the validation service and returns its result string, or the
    /// error it stands for (the same classes as [`super::NetcashClient::call`]).
    pub async fn call(
        &self,
        operation: &str,
        params: &[(&str, &str)],
    ) -> Result<String, NetcashError> {
        // netcash-niws.md: the sibling services share the NIF service's transport; the
        // contract `INIWS_Validation` is a guess (verify).
        super::soap_call(&self.http, &self.config.endpoint, "INIWS_Validation", operation, params)
            .await
    }
}

impl AccountValidator for NetcashValidationClient {
    async fn validate_account(
        &self,
        account: &BankAccount,
        holder: &AccountHolder,
    ) -> Result<AccountValidation, NetcashError> {
        let account_type = account.account_type().code().to_string();
        let id_number = holder.id_number.as_digits();
        let branch_code = account.branch_code();
        let params = [
            ("ServiceKey", self.config.validation_key.expose()),
            ("AccountNumber", account.account_number().as_str()),
            ("BranchCode", branch_code.as_str()),
            ("AccountType", account_type.as_str()),
            ("IdNumber", id_number.as_str()),
            ("Initials", holder.initials.trim()),
            ("Surname", holder.surname.trim()),
        ];
        let text = self.call(VALIDATE_BANK_ACCOUNT, &params).await?;
        parse_validation_result(&text, account)
    }
}

fn malformed(text: &str, why: &str) -> NetcashError {
    let shown: String = text.chars().take(80).collect();
    NetcashError::Malformed(format!("validation result `{shown}`: {why}"))
}

/// A `Y`/`N`/`U` flag (verify).
fn flag(text: &str, field: Option<&str>, name: &str) -> Result<Option<bool>, NetcashError> {
    match field.map(str::trim) {
        Some("Y") => Ok(Some(true)),
        Some("N") => Ok(Some(false)),
        Some("U") => Ok(None),
        Some(other) => Err(malformed(text, &format!("{name} flag `{other}` is not Y, N or U"))),
        None => Err(malformed(text, &format!("no {name} flag"))),
    }
}

/// Reads a validation result string (the format in this module's documentation, verify) into an
/// [`AccountValidation`] for `account`. Business codes (100, 200, 311) are the caller's to sort
/// out first, as [`NetcashValidationClient::call`] does; code 4 is a business error here.
pub fn parse_validation_result(
    text: &str,
    account: &BankAccount,
) -> Result<AccountValidation, NetcashError> {
    let line = text.trim();
    let mut fields = line.split('|');
    let code = fields.next().unwrap_or("").trim();
    let rejection = match code {
        "0" => None,
        "1" => Some(AccountRejection::InvalidBranchCode),
        "2" => Some(AccountRejection::CheckDigitsFailed),
        "3" => Some(AccountRejection::InvalidAccountType),
        "4" => {
            return Err(NetcashError::Business {
                code: "4".to_owned(),
                message: "input data incorrect".to_owned(),
            });
        }
        _ => return Err(malformed(text, "the code is not 0 to 4")),
    };
    let mut warnings = account.warnings();
    if let Some(rejection) = rejection {
        return Ok(AccountValidation {
            rejection: Some(rejection),
            account_exists: false,
            check_digits_valid: false,
            id_number_matches: None,
            name_matches: None,
            accepts_debits: None,
            account_open_longer_than_3_months: None,
            warnings,
        });
    }
    let account_exists = flag(text, fields.next(), "account exists")?;
    let id_number_matches = flag(text, fields.next(), "ID number")?;
    let name_matches = flag(text, fields.next(), "name")?;
    let accepts_debits = flag(text, fields.next(), "accepts debits")?;
    let open_3_months = flag(text, fields.next(), "open three months")?;
    if fields.next().is_some() {
        return Err(malformed(text, "more than six fields"));
    }
    // identity.md: debits into savings accounts are "a warning, not a hard error, unless the
    // provider says so": a provider's "no" is the hard `accepts_debits == Some(false)` instead.
    if account.account_type() == AccountType::Savings && accepts_debits == Some(false) {
        warnings.retain(|w| *w != BankAccountWarning::SavingsAccountMayRefuseDebits);
    }
    Ok(AccountValidation {
        rejection: None,
        account_exists: account_exists == Some(true),
        // Code 0: the check digits passed (the public documentation's "valid").
        check_digits_valid: true,
        id_number_matches,
        name_matches,
        accepts_debits,
        account_open_longer_than_3_months: open_3_months,
        warnings,
    })
}
