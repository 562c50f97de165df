//! The administration screen (administrators only; the database refuses everyone else): officers,
//! prices and regulatory parameters with effective dates, policy thresholds, message templates,
//! declared public holidays, partner API keys and the audit log.

use serde::{Deserialize, Serialize};

use crate::Role;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerRow {
    pub officer_id: String,
    pub login: String,
    pub full_name: String,
    pub email: String,
    pub role: Role,
    pub approval_limit_cents: i64,
    pub active: bool,
    pub created_at: String,
}

/// A new officer. The password is turned into a SCRAM verifier by the shell; only the verifier
/// reaches the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOfficerRequest {
    pub login: String,
    pub full_name: String,
    pub email: String,
    pub role: Role,
    pub approval_limit_cents: i64,
    pub password: String,
}

/// Change an officer's role and approval limit (either may stay as it is).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerChange {
    pub officer_id: String,
    pub role: Option<Role>,
    pub approval_limit_cents: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdRequest {
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Created {
    pub id: String,
}

/// One version of an effective-dated value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRow {
    pub id: String,
    pub code: String,
    pub effective_from: String,
    pub value: i64,
    pub unit: String,
    /// The law it comes from (regulatory) or what it means (policy).
    pub note: String,
    /// Whether this is the value in force today.
    pub in_force: bool,
    /// Whether it starts after today.
    pub future: bool,
}

/// A new version of a regulatory parameter or a policy threshold, from a date on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewVersionRequest {
    pub code: String,
    pub effective_from: String,
    pub value: i64,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRow {
    pub product_id: String,
    pub code: String,
    pub name: String,
    pub min_principal_cents: i64,
    pub max_principal_cents: i64,
    pub min_term_days: i32,
    pub max_term_days: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceRow {
    pub id: String,
    pub product_id: String,
    pub effective_from: String,
    pub interest_first_loan_bp: i32,
    pub interest_subsequent_loan_bp: i32,
    pub service_fee_monthly_cents: i64,
    pub charge_initiation_fee: bool,
    pub interest_convention: String,
    pub in_force: bool,
    pub future: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPriceRequest {
    pub product_id: String,
    pub effective_from: String,
    pub interest_first_loan_bp: i32,
    pub interest_subsequent_loan_bp: i32,
    pub service_fee_monthly_cents: i64,
    pub charge_initiation_fee: bool,
    /// `flat_month` or `daily`.
    pub interest_convention: String,
}

/// Products, their prices and the regulatory parameters, with their histories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pricing {
    pub products: Vec<ProductRow>,
    pub prices: Vec<PriceRow>,
    pub regulatory: Vec<VersionRow>,
    /// The codes a new regulatory version may have, with their units.
    pub regulatory_codes: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub thresholds: Vec<VersionRow>,
    pub codes: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateRow {
    pub code: String,
    pub channel: String,
    pub version: i32,
    pub subject: Option<String>,
    pub body: String,
    pub active: bool,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateRequest {
    pub code: String,
    /// `sms` or `email`.
    pub channel: String,
    pub subject: Option<String>,
    pub body: String,
}

/// A template rendered with example values by the outbox's own renderer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplatePreview {
    pub subject: Option<String>,
    pub body: String,
    pub placeholders: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    pub version: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidayRow {
    pub id: String,
    pub date: String,
    pub name: String,
    pub declared_by: String,
    /// Whether it may still be removed (it has not taken effect).
    pub removable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewHolidayRequest {
    pub date: String,
    pub name: String,
    pub declared_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRow {
    pub id: String,
    pub prefix: String,
    pub label: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerRow {
    pub partner_id: String,
    pub name: String,
    pub contact_email: Option<String>,
    pub active: bool,
    pub keys: Vec<KeyRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPartnerRequest {
    pub name: String,
    pub contact_email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewKeyRequest {
    pub partner_id: String,
    pub label: String,
}

/// A new key: `key` is shown this once and never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedKey {
    pub id: String,
    pub prefix: String,
    pub key: String,
}

/// A page of the audit log, newest first; every filter is optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AuditRequest {
    pub table: Option<String>,
    pub row_key: Option<String>,
    /// The login that made the change.
    pub login: Option<String>,
    /// From this business date on (`YYYY-MM-DD`, Africa/Johannesburg).
    pub from: Option<String>,
    /// Up to and including this business date.
    pub to: Option<String>,
    /// The next page: entries older than this sequence number.
    pub before_seq: Option<i64>,
    /// 1 to 200.
    pub page_size: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub seq: i64,
    pub table: String,
    pub row_key: Option<String>,
    pub action: String,
    pub login: String,
    pub role: String,
    pub at: String,
    /// The columns that changed: `column: old → new` (all columns for an insert or delete).
    pub changes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    /// The `before_seq` of the next (older) page, when there is one.
    pub next_before_seq: Option<i64>,
    /// The tables the log holds entries for.
    pub tables: Vec<String>,
}
