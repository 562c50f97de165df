//! The simulated bank account validation service `NIWS_Validation.svc` (netcash-niws.md,
//! "Transport": sibling services; identity.md, "Bank accounts": AVS-R), on the same server and
//! with the same fault injection as `NIWS_NIF.svc`.
//!
//! The spec names the service but not its contract; this side guesses the same as the client
//! (each guess marked `(verify)`), written independently of it:
//!
//! - SOAPAction `"http://tempuri.org/INIWS_Validation/ValidateBankAccount"` (verify).
//! - Parameters `ServiceKey`, `AccountNumber`, `BranchCode`, `AccountType`, `IdNumber`,
//!   `Initials`, `Surname` (verify).
//! - Result `code|exists|id|name|debits|open3m` with flags `Y`/`N`/`U` after code 0, a bare code
//!   1 (invalid branch code), 2 (check digits failed), 3 (invalid account type) or 4 (input data
//!   incorrect), or the business codes 100 / 311 / 200 (verify).
//!
//! Rules, deterministic and readable:
//! - Branch codes: the universal branch codes of the known banks (identity.md) are valid; any
//!   other six digits is code 1.
//! - Account numbers the handle marked with `fail_check_digits`, or registered with failing
//!   check digits, are code 2.
//! - Account numbers ending in `0000` do not exist.
//! - [`NetcashSimulator::set_account`] registers facts that override these rules; the ID number
//!   and name match what was registered there (unregistered: they match).
//! - Savings accounts accept debits, except at African Bank ([`SAVINGS_REFUSE_DEBITS_AT`]), a
//!   rule of this simulator, not a fact about that bank.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use pocket_domain::{Bank, BranchCode};

use super::soap::Call;
use super::{NetcashSimulator, Service, Shared, SimState, niws_call};
use crate::server::KillSwitch;

/// The path of the validation service (netcash-niws.md, "Transport": sibling services).
pub const VALIDATION_PATH: &str = "/NIWS/NIWS_Validation.svc";
/// The validation service key the simulator accepts unless set otherwise.
pub const DEFAULT_VALIDATION_KEY: &str = "3c7e9a15-6b2d-4f80-a4c1-8e5d2b7f0a36";
/// The SOAPAction prefix of the validation contract (verify).
const ACTION_PREFIX: &str = "http://tempuri.org/INIWS_Validation/";
/// The operations of the validation service the simulator implements.
const OPERATIONS: &[&str] = &["ValidateBankAccount"];
/// The bank whose savings accounts refuse debits in this simulator (identity.md: "Debits into
/// savings accounts are refused by some banks").
pub const SAVINGS_REFUSE_DEBITS_AT: Bank = Bank::AfricanBank;

/// What the simulated bank knows about one account, registered through
/// [`NetcashSimulator::set_account`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountFacts {
    /// The account exists.
    pub exists: bool,
    /// The account number passes the bank's check digits.
    pub check_digits_valid: bool,
    /// The holder's ID number (13 digits); `None`: whatever is asked matches.
    pub id_number: Option<String>,
    /// The holder's surname; `None`: whatever is asked matches. Compared ignoring case.
    pub surname: Option<String>,
    /// Whether the account accepts debits; `None`: the bank does not say (`U`).
    pub accepts_debits: Option<bool>,
    /// Whether the account has been open longer than three months; `None`: `U`.
    pub open_longer_than_3_months: Option<bool>,
}

impl Default for AccountFacts {
    /// An existing, long-open account that accepts debits and matches any holder.
    fn default() -> AccountFacts {
        AccountFacts {
            exists: true,
            check_digits_valid: true,
            id_number: None,
            surname: None,
            accepts_debits: Some(true),
            open_longer_than_3_months: Some(true),
        }
    }
}

/// The validation service's part of the simulator state.
#[derive(Debug)]
pub(crate) struct ValidationState {
    key: String,
    accounts: BTreeMap<String, AccountFacts>,
}

impl Default for ValidationState {
    fn default() -> ValidationState {
        ValidationState { key: DEFAULT_VALIDATION_KEY.to_owned(), accounts: BTreeMap::new() }
    }
}

impl NetcashSimulator {
    /// The validation endpoint, `http://127.0.0.1:<port>/NIWS/NIWS_Validation.svc`.
    pub fn validation_url(&self) -> String {
        format!("http://{}{VALIDATION_PATH}", self.addr())
    }

    /// Registers what the bank knows about `account_number`, overriding the default rules.
    pub fn set_account(&self, account_number: &str, facts: AccountFacts) {
        self.shared.lock().validation.accounts.insert(account_number.to_owned(), facts);
    }

    /// Changes the validation service key the simulator accepts.
    pub fn set_validation_key(&self, key: &str) {
        self.shared.lock().validation.key = key.to_owned();
    }
}

fn flag(value: Option<bool>) -> char {
    match value {
        Some(true) => 'Y',
        Some(false) => 'N',
        None => 'U',
    }
}

impl SimState {
    /// netcash-niws.md: 100 authentication failure, 311 service key not valid for this service.
    fn check_validation_key(&self, call: &Call) -> Result<(), String> {
        let given = call.param("ServiceKey").unwrap_or("").trim();
        if given == self.validation.key {
            return Ok(());
        }
        if given == self.config.debit_order_key || given == self.config.account_key {
            return Err("311".to_owned());
        }
        Err("100".to_owned())
    }

    fn validate_bank_account(&self, call: &Call) -> Result<String, String> {
        self.check_validation_key(call)?;
        let param = |name: &str| call.param(name).unwrap_or("").trim();
        let number = param("AccountNumber");
        // Code 4 "input data incorrect": numbers the batch file would refuse too (4-11 digits),
        // a branch code that is not six digits, an ID number that is not 13 digits (verify).
        let digits = |s: &str, range: std::ops::RangeInclusive<usize>| {
            range.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
        };
        if !digits(number, 4..=11) || !digits(param("IdNumber"), 13..=13) {
            return Err("4".to_owned());
        }
        let Ok(branch) = BranchCode::parse(param("BranchCode")) else {
            return Err("4".to_owned());
        };
        // identity.md: universal branch codes of the known banks.
        let Some(bank) = Bank::from_universal_branch_code(branch) else {
            return Ok("1".to_owned());
        };
        // identity.md: 1 current/cheque, 2 savings, 3 transmission.
        let savings = match param("AccountType") {
            "1" | "3" => false,
            "2" => true,
            _ => return Ok("3".to_owned()),
        };
        let registered = self.validation.accounts.get(number);
        let failing = self.failing_check_digits.iter().any(|n| n == number);
        if failing || registered.is_some_and(|f| !f.check_digits_valid) {
            return Ok("2".to_owned());
        }
        let facts = registered.cloned().unwrap_or_else(|| AccountFacts {
            exists: !number.ends_with("0000"),
            accepts_debits: Some(!(savings && bank == SAVINGS_REFUSE_DEBITS_AT)),
            ..AccountFacts::default()
        });
        if !facts.exists {
            return Ok("0|N|U|U|U|U".to_owned());
        }
        let id_matches = facts.id_number.as_deref().is_none_or(|id| id == param("IdNumber"));
        let name_matches = facts
            .surname
            .as_deref()
            .is_none_or(|surname| surname.trim().eq_ignore_ascii_case(param("Surname")));
        Ok(format!(
            "0|Y|{}|{}|{}|{}",
            flag(Some(id_matches)),
            flag(Some(name_matches)),
            flag(facts.accepts_debits),
            flag(facts.open_longer_than_3_months)
        ))
    }
}

/// The validation service's contract on the simulator.
const VALIDATION: Service = Service {
    // netcash-niws.md: SOAPAction quoted; the `INIWS_Validation` contract is a guess (verify).
    action_prefix: ACTION_PREFIX,
    is_operation: |op| OPERATIONS.contains(&op),
    mismatch_detail: "",
    malformed: "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><Val",
    dispatch: |state, _, call| state.validate_bank_account(call).unwrap_or_else(|code| code),
};

/// The handler of `POST /NIWS/NIWS_Validation.svc`.
pub(super) async fn soap_call(
    State(shared): State<Arc<Shared>>,
    Extension(kill): Extension<KillSwitch>,
    headers: HeaderMap,
    body: String,
) -> Response {
    niws_call(&VALIDATION, &shared, &kill, &headers, &body).await
}
