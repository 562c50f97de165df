//! What the administration screens read and the few writes the other modules do not already
//! have: the history of every effective-dated value, product pricing versions, template versions,
//! declared holidays with their keys, partners with their keys, officers' group changes, and the
//! audit log searched by table, row, person and time (keyset pages, newest first).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::error::{Result, found};
use crate::officers::OfficerGroup;

/// Moves an officer to another group role (SECURITY DEFINER `set_officer_group`, migration
/// 20261205000015: only `pocket_admin` may call it, and not on themselves).
pub async fn set_officer_group(
    conn: &mut PgConnection,
    officer_id: Uuid,
    group: OfficerGroup,
) -> Result<()> {
    sqlx::query!("select set_officer_group($1, $2)", officer_id, group.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// One version of an effective-dated value (a regulatory parameter or a policy threshold).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub id: Uuid,
    pub code: String,
    pub effective_from: NaiveDate,
    pub value: i64,
    pub unit: String,
    /// The law it comes from (regulatory) or what it means (policy).
    pub note: String,
    pub created_at: DateTime<Utc>,
}

/// Every regulatory parameter version, by code, newest first.
pub async fn regulatory_history(conn: &mut PgConnection) -> Result<Vec<Version>> {
    Ok(sqlx::query_as!(
        Version,
        r#"select regulatory_parameter_id as id, code, effective_from, value, unit,
                  source as note, created_at
           from regulatory_parameter order by code, effective_from desc"#
    )
    .fetch_all(conn)
    .await?)
}

/// Every lending-policy threshold version, by code, newest first.
pub async fn policy_history(conn: &mut PgConnection) -> Result<Vec<Version>> {
    Ok(sqlx::query_as!(
        Version,
        r#"select lending_policy_threshold_id as id, code, effective_from, value, unit,
                  description as note, created_at
           from lending_policy_threshold order by code, effective_from desc"#
    )
    .fetch_all(conn)
    .await?)
}

/// A product with its limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub product_id: Uuid,
    pub code: String,
    pub name: String,
    pub min_principal_cents: i64,
    pub max_principal_cents: i64,
    pub min_term_days: i32,
    pub max_term_days: i32,
    pub active: bool,
}

pub async fn products(conn: &mut PgConnection) -> Result<Vec<Product>> {
    Ok(sqlx::query_as!(
        Product,
        r#"select product_id, code, name, min_principal_cents, max_principal_cents, min_term_days,
                  max_term_days, active
           from product order by name, code"#
    )
    .fetch_all(conn)
    .await?)
}

/// One version of a product's prices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceVersion {
    pub product_pricing_id: Uuid,
    pub product_id: Uuid,
    pub effective_from: NaiveDate,
    pub interest_first_loan_bp: i32,
    pub interest_subsequent_loan_bp: i32,
    pub service_fee_monthly_cents: i64,
    pub charge_initiation_fee: bool,
    pub interest_convention: String,
    pub created_at: DateTime<Utc>,
}

/// Every pricing version of every product, newest first.
pub async fn price_history(conn: &mut PgConnection) -> Result<Vec<PriceVersion>> {
    Ok(sqlx::query_as!(
        PriceVersion,
        r#"select product_pricing_id, product_id, effective_from, interest_first_loan_bp,
                  interest_subsequent_loan_bp, service_fee_monthly_cents, charge_initiation_fee,
                  interest_convention, created_at
           from product_pricing order by product_id, effective_from desc"#
    )
    .fetch_all(conn)
    .await?)
}

/// A new version of a product's prices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPrice {
    pub product_id: Uuid,
    pub effective_from: NaiveDate,
    pub interest_first_loan_bp: i32,
    pub interest_subsequent_loan_bp: i32,
    pub service_fee_monthly_cents: i64,
    pub charge_initiation_fee: bool,
    pub interest_convention: String,
}

pub async fn add_price(conn: &mut PgConnection, new: &NewPrice) -> Result<Uuid> {
    Ok(sqlx::query_scalar!(
        r#"insert into product_pricing (product_id, effective_from, interest_first_loan_bp,
                                        interest_subsequent_loan_bp, service_fee_monthly_cents,
                                        charge_initiation_fee, interest_convention)
           values ($1, $2, $3, $4, $5, $6, $7) returning product_pricing_id"#,
        new.product_id,
        new.effective_from,
        new.interest_first_loan_bp,
        new.interest_subsequent_loan_bp,
        new.service_fee_monthly_cents,
        new.charge_initiation_fee,
        new.interest_convention,
    )
    .fetch_one(conn)
    .await?)
}

/// The unit an effective-dated code has been stored with, if it exists.
pub async fn regulatory_unit(conn: &mut PgConnection, code: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar!(
        "select unit from regulatory_parameter where code = $1 order by effective_from desc limit 1",
        code
    )
    .fetch_optional(conn)
    .await?)
}

pub async fn policy_unit(conn: &mut PgConnection, code: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar!(
        "select unit from lending_policy_threshold where code = $1 order by effective_from desc limit 1",
        code
    )
    .fetch_optional(conn)
    .await?)
}

/// One version of a message template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateVersion {
    pub code: String,
    pub channel: String,
    pub version: i32,
    pub subject: Option<String>,
    pub body: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// Every template version, the active ones first within each code and channel.
pub async fn templates(conn: &mut PgConnection) -> Result<Vec<TemplateVersion>> {
    Ok(sqlx::query_as!(
        TemplateVersion,
        r#"select code, channel, version, subject, body, active, created_at
           from message_template order by code, channel, active desc, version desc"#
    )
    .fetch_all(conn)
    .await?)
}

/// A declared holiday with its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredHoliday {
    pub public_holiday_id: Uuid,
    pub holiday_date: NaiveDate,
    pub name: String,
    pub declared_by: String,
}

pub async fn holidays(conn: &mut PgConnection) -> Result<Vec<DeclaredHoliday>> {
    Ok(sqlx::query_as!(
        DeclaredHoliday,
        r#"select public_holiday_id, holiday_date, name, declared_by
           from public_holiday order by holiday_date desc"#
    )
    .fetch_all(conn)
    .await?)
}

pub async fn holiday(conn: &mut PgConnection, id: Uuid) -> Result<DeclaredHoliday> {
    let row = sqlx::query_as!(
        DeclaredHoliday,
        r#"select public_holiday_id, holiday_date, name, declared_by
           from public_holiday where public_holiday_id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    found(row, "public holiday")
}

pub async fn remove_holiday(conn: &mut PgConnection, id: Uuid) -> Result<()> {
    let done = sqlx::query!("delete from public_holiday where public_holiday_id = $1", id)
        .execute(conn)
        .await?;
    found((done.rows_affected() == 1).then_some(()), "public holiday")
}

/// A partner with the number of live keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerLine {
    pub partner_id: Uuid,
    pub name: String,
    pub contact_email: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

pub async fn partners(conn: &mut PgConnection) -> Result<Vec<PartnerLine>> {
    Ok(sqlx::query_as!(
        PartnerLine,
        "select partner_id, name, contact_email, active, created_at from partner order by name"
    )
    .fetch_all(conn)
    .await?)
}

/// A key as the administrator sees it: never its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLine {
    pub partner_api_key_id: Uuid,
    pub partner_id: Uuid,
    pub key_prefix: String,
    pub label: String,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub async fn keys(conn: &mut PgConnection) -> Result<Vec<KeyLine>> {
    Ok(sqlx::query_as!(
        KeyLine,
        r#"select partner_api_key_id, partner_id, key_prefix, label, last_used_at, revoked_at,
                  created_at
           from partner_api_key order by partner_id, revoked_at nulls first, created_at desc"#
    )
    .fetch_all(conn)
    .await?)
}

/// Revokes a live key by its id; false when it is unknown or revoked already.
pub async fn revoke_key(
    conn: &mut PgConnection,
    partner_api_key_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query!(
        r#"update partner_api_key set revoked_at = $2
           where partner_api_key_id = $1 and revoked_at is null"#,
        partner_api_key_id,
        now
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What the audit log viewer filters on; every part is optional.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditFilter {
    pub table_name: Option<String>,
    pub row_key: Option<String>,
    /// The real login that made the change.
    pub login_role: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Entries older than this sequence number (the next page).
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// The newest entries matching the filter.
pub async fn audit(conn: &mut PgConnection, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
    Ok(sqlx::query_as!(
        AuditEntry,
        r#"select audit_log_id, seq, table_name, row_key, action, old_row, new_row, login_role,
                  effective_role, txid, occurred_at
           from audit_log
           where ($1::text is null or table_name = $1)
             and ($2::text is null or row_key = $2)
             and ($3::text is null or login_role = $3)
             and ($4::timestamptz is null or occurred_at >= $4)
             and ($5::timestamptz is null or occurred_at < $5)
             and ($6::bigint is null or seq < $6)
           order by seq desc
           limit $7"#,
        f.table_name,
        f.row_key,
        f.login_role,
        f.from,
        f.until,
        f.before_seq,
        f.limit
    )
    .fetch_all(conn)
    .await?)
}

/// The tables the audit log has entries for (the viewer's filter choices).
pub async fn audited_tables(conn: &mut PgConnection) -> Result<Vec<String>> {
    // A loose index scan: one probe of audit_log_table_seq_idx per table instead of a scan of
    // the whole log.
    Ok(sqlx::query_scalar!(
        r#"with recursive t(name) as (
               (select table_name from audit_log order by table_name limit 1)
               union all
               select (select table_name from audit_log where table_name > t.name
                       order by table_name limit 1)
               from t where t.name is not null)
           select name as "name!" from t where name is not null"#
    )
    .fetch_all(conn)
    .await?)
}

/// Today as a business date, as the database's history guard sees it (Africa/Johannesburg).
pub async fn business_today(conn: &mut PgConnection) -> Result<NaiveDate> {
    Ok(sqlx::query_scalar!(r#"select business_today() as "today!""#).fetch_one(conn).await?)
}
