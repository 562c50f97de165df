//! The administration screen: officers, prices and regulatory parameters, policy thresholds,
//! message templates, declared holidays, partner keys and the audit log. The rules are in
//! `pocket_workflows::admin`; what a role may do is the database's call (only `pocket_admin` is
//! granted the writes; an auditor may read what the grants let them read).

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use pocket_contract::admin::{
    AuditPage, AuditRequest, AuditRow, Created, HolidayRow, IdRequest, IssuedKey, KeyRow,
    NewHolidayRequest, NewKeyRequest, NewOfficerRequest, NewPartnerRequest, NewPriceRequest,
    NewVersionRequest, OfficerChange, OfficerRow, PartnerRow, Policy, PriceRow, Pricing,
    ProductRow, Published, TemplatePreview, TemplateRequest, TemplateRow, VersionRow,
};
use pocket_contract::{CommandError, ErrorCode, Role};
use pocket_store::admin::{self as store_admin, AuditFilter, NewPrice, Version};
use pocket_store::officers::{self, OfficerGroup};
use pocket_workflows::admin::{self as rules, AdminError, NewVersion, OfficerForm, TemplateForm};
use sqlx::PgConnection;
use sqlx::pool::PoolConnection;
use tauri::State;

use super::{Answer, uuid};
use crate::error::{command_error, invalid, store};
use crate::session::{Current, Desktop, role};

/// South Africa keeps one offset all year (no daylight saving), so a business date starts at
/// midnight UTC+2.
fn johannesburg() -> FixedOffset {
    FixedOffset::east_opt(2 * 3600).expect("BUG: a valid offset")
}

fn group(role: Role) -> OfficerGroup {
    match role {
        Role::Officer => OfficerGroup::Officer,
        Role::Supervisor => OfficerGroup::Supervisor,
        Role::Collections => OfficerGroup::Collections,
        Role::Admin => OfficerGroup::Admin,
        Role::Auditor => OfficerGroup::Auditor,
    }
}

fn date(text: &str, admin: bool) -> Answer<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| invalid("Dates are written YYYY-MM-DD.", admin))
}

/// A refused administrative change, as the officer reads it.
fn refused(error: AdminError, admin: bool) -> CommandError {
    match error {
        AdminError::Invalid(what) | AdminError::AboveCap(what) => {
            command_error(ErrorCode::Invalid, what.clone(), what, admin)
        }
        AdminError::Store(e) => stored(e, admin),
    }
}

/// A store failure, with the plain reason for the constraints an administrator can run into.
fn stored(error: pocket_store::StoreError, admin: bool) -> CommandError {
    let message = match error.constraint() {
        Some(
            "regulatory_parameter_code_effective_key"
            | "lending_policy_threshold_code_effective_key"
            | "product_pricing_effective_key",
        ) => Some("A value already starts on that day: choose another day."),
        Some(c) if c.ends_with("_not_backdated") => {
            Some("A new value starts today or later: the past stays as it was.")
        }
        Some(c) if c.ends_with("_history_frozen") => {
            Some("That value is in force or past: add a new value instead.")
        }
        Some("officer_login_name_key") => Some("That login is taken."),
        Some("officer_own_role") => Some("Administrators cannot change their own role."),
        Some("partner_name_key") => Some("A partner by that name exists already."),
        Some("public_holiday_date_key") => Some("A holiday is declared on that day already."),
        _ => None,
    };
    match message {
        Some(m) => {
            let code = match &error {
                pocket_store::StoreError::Forbidden { .. } => ErrorCode::Forbidden,
                pocket_store::StoreError::Conflict { .. } => ErrorCode::Conflict,
                _ => ErrorCode::Invalid,
            };
            command_error(code, m, error, admin)
        }
        None => store(error, admin),
    }
}

struct Work {
    current: Current,
    conn: PoolConnection<sqlx::Postgres>,
}

impl Work {
    async fn start(desktop: &State<'_, Desktop>) -> Answer<Work> {
        let current = desktop.current()?;
        let admin = current.admin();
        let conn = current.pool.acquire().await.map_err(|e| store(e.into(), admin))?;
        Ok(Work { current, conn })
    }

    fn admin(&self) -> bool {
        self.current.admin()
    }

    fn conn(&mut self) -> &mut PgConnection {
        &mut self.conn
    }

    /// Today's business date as the database sees it (the history guard uses the same).
    async fn today(&mut self) -> Answer<NaiveDate> {
        let admin = self.admin();
        store_admin::business_today(self.conn()).await.map_err(|e| store(e, admin))
    }
}

#[tauri::command]
pub async fn admin_officers(desktop: State<'_, Desktop>) -> Answer<Vec<OfficerRow>> {
    let mut w = Work::start(&desktop).await?;
    let admin = w.admin();
    let list = officers::list(w.conn()).await.map_err(|e| store(e, admin))?;
    Ok(list
        .into_iter()
        .map(|o| OfficerRow {
            officer_id: o.officer_id.to_string(),
            login: o.login_name,
            full_name: o.full_name,
            email: o.email,
            role: role(o.group),
            approval_limit_cents: o.approval_limit_cents,
            active: o.active,
            created_at: o.created_at.to_rfc3339(),
        })
        .collect())
}

#[tauri::command]
pub async fn admin_create_officer(
    desktop: State<'_, Desktop>,
    request: NewOfficerRequest,
) -> Answer<Created> {
    let mut w = Work::start(&desktop).await?;
    let admin = w.admin();
    let form = OfficerForm {
        login_name: request.login,
        full_name: request.full_name,
        email: request.email,
        group: group(request.role),
        approval_limit_cents: request.approval_limit_cents,
    };
    let id = rules::create_officer(w.conn(), &form, &request.password)
        .await
        .map_err(|e| refused(e, admin))?;
    Ok(Created { id: id.to_string() })
}

#[tauri::command]
pub async fn admin_change_officer(
    desktop: State<'_, Desktop>,
    request: OfficerChange,
) -> Answer<()> {
    let mut w = Work::start(&desktop).await?;
    let admin = w.admin();
    let id = uuid(&request.officer_id, admin)?;
    if request.role.is_none() && request.approval_limit_cents.is_none() {
        return Err(invalid("Nothing to change.", admin));
    }
    let mut tx = sqlx::Connection::begin(w.conn()).await.map_err(|e| store(e.into(), admin))?;
    if let Some(cents) = request.approval_limit_cents {
        rules::set_approval_limit(&mut tx, id, cents).await.map_err(|e| refused(e, admin))?;
    }
    if let Some(role) = request.role {
        store_admin::set_officer_group(&mut tx, id, group(role))
            .await
            .map_err(|e| stored(e, admin))?;
    }
    tx.commit().await.map_err(|e| store(e.into(), admin))?;
    Ok(())
}

#[tauri::command]
pub async fn admin_disable_officer(desktop: State<'_, Desktop>, request: IdRequest) -> Answer<()> {
    let mut w = Work::start(&desktop).await?;
    let admin = w.admin();
    let id = uuid(&request.id, admin)?;
    if id == w.current.officer.officer_id {
        return Err(invalid("You cannot disable your own login.", admin));
    }
    officers::disable(w.conn(), id).await.map_err(|e| stored(e, admin))
}

fn versions(list: Vec<Version>, today: NaiveDate) -> Vec<VersionRow> {
    // The newest version on or before today of each code is the one in force.
    let mut in_force: HashMap<String, NaiveDate> = HashMap::new();
    for v in &list {
        if v.effective_from <= today {
            let e = in_force.entry(v.code.clone()).or_insert(v.effective_from);
            *e = (*e).max(v.effective_from);
        }
    }
    list.into_iter()
        .map(|v| VersionRow {
            in_force: in_force.get(&v.code) == Some(&v.effective_from),
            future: v.effective_from > today,
            id: v.id.to_string(),
            code: v.code,
            effective_from: v.effective_from.to_string(),
            value: v.value,
            unit: v.unit,
            note: v.note,
        })
        .collect()
}

fn codes(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(c, u)| ((*c).to_owned(), (*u).to_owned())).collect()
}

#[tauri::command]
pub async fn admin_pricing(desktop: State<'_, Desktop>) -> Answer<Pricing> {
    let mut w = Work::start(&desktop).await?;
    let admin = w.admin();
    let today = w.today().await?;
    let fail = |e| store(e, admin);
    let products = store_admin::products(w.conn()).await.map_err(fail)?;
    let prices = store_admin::price_history(w.conn()).await.map_err(fail)?;
    let regulatory = store_admin::regulatory_history(w.conn()).await.map_err(fail)?;
    let mut current: HashMap<_, NaiveDate> = HashMap::new();
    for p in prices.iter().filter(|p| p.effective_from <= today) {
        let e = current.entry(p.product_id).or_insert(p.effective_from);
        *e = (*e).max(p.effective_from);
    }
    Ok(Pricing {
        products: products
            .into_iter()
            .map(|p| ProductRow {
                product_id: p.product_id.to_string(),
                code: p.code,
                name: p.name,
                min_principal_cents: p.min_principal_cents,
                max_principal_cents: p.max_principal_cents,
                min_term_days: p.min_term_days,
                max_term_days: p.max_term_days,
            })
            .collect(),
        prices: prices
            .into_iter()
            .map(|p| PriceRow {
                in_force: current.get(&p.product_id) == Some(&p.effective_from),
                future: p.effective_from > today,
                id: p.product_pricing_id.to_string(),
                product_id: p.product_id.to_string(),
                effective_from: p.effective_from.to_string(),
                interest_first_loan_bp: p.interest_first_loan_bp,
                interest_subsequent_loan_bp: p.interest_subsequent_loan_bp,
                service_fee_monthly_cents: p.service_fee_monthly_cents,
                charge_initiation_fee: p.charge_initiation_fee,
                interest_convention: p.interest_convention,
            })
            .collect(),
        regulatory: versions(regulatory, today),
        regulatory_codes: codes(rules::REGULATORY_CODES),
    })
}

#[tauri::command]
pub async fn admin_add_price(
    desktop: State<'_, Desktop>,
    request: NewPriceRequest,
) -> Answer<Created> {
    let mut w = Work::start(&desktop).await?;
    let admin = w.admin();
    let today = w.today().await?;
    let new = NewPrice {
        product_id: uuid(&request.product_id, admin)?,
        effective_from: date(&request.effective_from, admin)?,
        interest_first_loan_bp: request.interest_first_loan_bp,
        interest_subsequent_loan_bp: request.interest_subsequent_loan_bp,
        service_fee_monthly_cents: request.service_fee_monthly_cents,
        charge_initiation_fee: request.charge_initiation_fee,
        interest_convention: request.interest_convention,
    };
    let id = rules::add_price(w.conn(), &new, today).await.map_err(|e| refused(e, admin))?;
    Ok(Created { id: id.to_string() })
}

fn version(request: NewVersionRequest, admin: bool) -> Answer<NewVersion> {
    Ok(NewVersion {
        effective_from: date(&request.effective_from, admin)?,
        code: request.code,
        value: request.value,
        note: request.note,
    })
}

#[tauri::command]
pub async fn admin_add_regulatory(
    desktop: State<'_, Desktop>,
    request: NewVersionRequest,
) -> Answer<Created> {
    let mut w = Work::start(&desktop).await?;
    let admin = w.admin();
    let today = w.today().await?;
    let new = version(request, admin)?;
    let id = rules::add_regulatory(w.conn(), &new, today).await.map_err(|e| refused(e, admin))?;
    Ok(Created { id: id.to_string() })
}

#[tauri::command]
pub async fn admin_policy(desktop: State<'_, Desktop>) -> Answer<Policy> {
    let mut w = Work::start(&desktop).await?;
    let admin = w.admin();
    let today = w.today().await?;
    let list = store_admin::policy_history(w.conn()).await.map_err(|e| store(e, admin))?;
    Ok(Policy { thresholds: versions(list, today), codes: codes(rules::POLICY_CODES) })
}

#[tauri::command]
pub async fn admin_add_policy(
    desktop: State<'_, Desktop>,
    request: NewVersionRequest,
) -> Answer<Created> {
    let mut w = Work::start(&desktop).await?;
    let admin = w.admin();
    let today = w.today().await?;
    let new = version(request, admin)?;
    let id = rules::add_policy(w.conn(), &new, today).await.map_err(|e| refused(e, admin))?;
    Ok(Created { id: id.to_string() })
}

#[tauri::command]
pub async fn admin_templates(desktop: State<'_, Desktop>) -> Answer<Vec<TemplateRow>> {
    let mut w = Work::start(&desktop).await?;
    let admin = w.admin();
    let list = store_admin::templates(w.conn()).await.map_err(|e| store(e, admin))?;
    Ok(list
        .into_iter()
        .map(|t| TemplateRow {
            code: t.code,
            channel: t.channel,
            version: t.version,
            subject: t.subject,
            body: t.body,
            active: t.active,
            created_at: t.created_at.to_rfc3339(),
        })
        .collect())
}

fn template_form(request: TemplateRequest) -> TemplateForm {
    TemplateForm {
        code: request.code,
        channel: request.channel,
        subject: request.subject,
        body: request.body,
    }
}

/// Renders a template with example values, as the outbox would; nothing is stored.
#[tauri::command]
pub fn admin_preview_template(
    desktop: State<'_, Desktop>,
    request: TemplateRequest,
) -> Answer<TemplatePreview> {
    let admin = desktop.current()?.admin();
    let p = rules::preview(&template_form(request)).map_err(|e| refused(e, admin))?;
    Ok(TemplatePreview { subject: p.subject, body: p.body, placeholders: p.placeholders })
}

#[tauri::command]
pub async fn admin_publish_template(
    desktop: State<'_, Desktop>,
    request: TemplateRequest,
) -> Answer<Published> {
    let mut w = Work::start(&desktop).await?;
    let admin = w.admin();
    let mut tx = sqlx::Connection::begin(w.conn()).await.map_err(|e| store(e.into(), admin))?;
    let version = rules::publish_template(&mut tx, &template_form(request))
        .await
        .map_err(|e| refused(e, admin))?;
    tx.commit().await.map_err(|e| store(e.into(), admin))?;
    Ok(Published { version })
}

#[tauri::command]
pub async fn admin_holidays(desktop: State<'_, Desktop>) -> Answer<Vec<HolidayRow>> {
    let mut w = Work::start(&desktop).await?;
    let admin = w.admin();
    let today = w.today().await?;
    let list = store_admin::holidays(w.conn()).await.map_err(|e| store(e, admin))?;
    Ok(list
        .into_iter()
        .map(|h| HolidayRow {
            id: h.public_holiday_id.to_string(),
            date: h.holiday_date.to_string(),
            removable: h.holiday_date > today,
            name: h.name,
            declared_by: h.declared_by,
        })
        .collect())
}

#[tauri::command]
pub async fn admin_add_holiday(
    desktop: State<'_, Desktop>,
    request: NewHolidayRequest,
) -> Answer<Created> {
    let mut w = Work::start(&desktop).await?;
    let admin = w.admin();
    let today = w.today().await?;
    let day = date(&request.date, admin)?;
    let id = rules::add_holiday(w.conn(), day, &request.name, &request.declared_by, today)
        .await
        .map_err(|e| refused(e, admin))?;
    Ok(Created { id: id.to_string() })
}

#[tauri::command]
pub async fn admin_remove_holiday(desktop: State<'_, Desktop>, request: IdRequest) -> Answer<()> {
    let mut w = Work::start(&desktop).await?;
    let admin = w.admin();
    let today = w.today().await?;
    let id = uuid(&request.id, admin)?;
    rules::remove_holiday(w.conn(), id, today).await.map_err(|e| refused(e, admin))
}

#[tauri::command]
pub async fn admin_partners(desktop: State<'_, Desktop>) -> Answer<Vec<PartnerRow>> {
    let mut w = Work::start(&desktop).await?;
    let admin = w.admin();
    let partners = store_admin::partners(w.conn()).await.map_err(|e| store(e, admin))?;
    let keys = store_admin::keys(w.conn()).await.map_err(|e| store(e, admin))?;
    Ok(partners
        .into_iter()
        .map(|p| PartnerRow {
            keys: keys
                .iter()
                .filter(|k| k.partner_id == p.partner_id)
                .map(|k| KeyRow {
                    id: k.partner_api_key_id.to_string(),
                    prefix: k.key_prefix.clone(),
                    label: k.label.clone(),
                    last_used_at: k.last_used_at.map(|t| t.to_rfc3339()),
                    revoked_at: k.revoked_at.map(|t| t.to_rfc3339()),
                    created_at: k.created_at.to_rfc3339(),
                })
                .collect(),
            partner_id: p.partner_id.to_string(),
            name: p.name,
            contact_email: p.contact_email,
            active: p.active,
        })
        .collect())
}

#[tauri::command]
pub async fn admin_create_partner(
    desktop: State<'_, Desktop>,
    request: NewPartnerRequest,
) -> Answer<Created> {
    let mut w = Work::start(&desktop).await?;
    let admin = w.admin();
    let id = rules::create_partner(w.conn(), &request.name, request.contact_email.as_deref())
        .await
        .map_err(|e| refused(e, admin))?;
    Ok(Created { id: id.to_string() })
}

/// Issues a key; the answer carries the key this once (it is never stored or logged).
#[tauri::command]
pub async fn admin_issue_key(
    desktop: State<'_, Desktop>,
    request: NewKeyRequest,
) -> Answer<IssuedKey> {
    let mut w = Work::start(&desktop).await?;
    let admin = w.admin();
    let partner_id = uuid(&request.partner_id, admin)?;
    let (id, key) = rules::issue_key(w.conn(), partner_id, &request.label)
        .await
        .map_err(|e| refused(e, admin))?;
    tracing::info!(prefix = %key.prefix, "partner key issued");
    Ok(IssuedKey { id: id.to_string(), prefix: key.prefix, key: key.key })
}

#[tauri::command]
pub async fn admin_revoke_key(desktop: State<'_, Desktop>, request: IdRequest) -> Answer<()> {
    let mut w = Work::start(&desktop).await?;
    let admin = w.admin();
    let id = uuid(&request.id, admin)?;
    let revoked =
        store_admin::revoke_key(w.conn(), id, Utc::now()).await.map_err(|e| stored(e, admin))?;
    if !revoked {
        return Err(command_error(
            ErrorCode::NotFound,
            "No live key has that id (it may be revoked already).",
            "no live key",
            admin,
        ));
    }
    Ok(())
}

/// The most audit entries one page shows.
pub const MAX_AUDIT_PAGE: u32 = 200;

/// Checks the audit log's filter.
pub fn audit_filter(request: &AuditRequest) -> Result<AuditFilter, &'static str> {
    if request.page_size == 0 || request.page_size > MAX_AUDIT_PAGE {
        return Err("Rows per page must be between 1 and 200.");
    }
    fn text(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    let table = text(&request.table);
    if table.is_some_and(|t| {
        t.len() > 63 || !t.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    }) {
        return Err("Unknown table.");
    }
    let row_key = text(&request.row_key);
    if row_key.is_some_and(|r| r.chars().count() > 200) {
        return Err("A row key is at most 200 characters.");
    }
    let login = text(&request.login);
    if login.is_some_and(|l| l.chars().count() > 63) {
        return Err("A login is at most 63 characters.");
    }
    let day = |v: &Option<String>| -> Result<Option<DateTime<Utc>>, &'static str> {
        match text(v) {
            None => Ok(None),
            Some(t) => {
                let d = NaiveDate::parse_from_str(t, "%Y-%m-%d")
                    .map_err(|_| "Dates are written YYYY-MM-DD.")?;
                let start = d.and_hms_opt(0, 0, 0).expect("BUG: midnight exists");
                Ok(johannesburg()
                    .from_local_datetime(&start)
                    .single()
                    .map(|t| t.with_timezone(&Utc)))
            }
        }
    };
    let from = day(&request.from)?;
    let until = day(&request.to)?.map(|t| t + chrono::Duration::days(1));
    if let (Some(f), Some(u)) = (from, until)
        && f >= u
    {
        return Err("The range ends before it starts.");
    }
    if request.before_seq.is_some_and(|s| s <= 0) {
        return Err("There is nothing before the first entry.");
    }
    Ok(AuditFilter {
        table_name: table.map(str::to_owned),
        row_key: row_key.map(str::to_owned),
        login_role: login.map(str::to_owned),
        from,
        until,
        before_seq: request.before_seq,
        // One more than asked, to know whether an older page exists.
        limit: i64::from(request.page_size) + 1,
    })
}

/// What changed in a row, column by column (`updated_at` left out: it always changes).
pub fn changes(old: Option<&serde_json::Value>, new: Option<&serde_json::Value>) -> Vec<String> {
    let short = |v: &serde_json::Value| {
        let text = match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if text.chars().count() > 80 {
            format!("{}…", text.chars().take(80).collect::<String>())
        } else {
            text
        }
    };
    let empty = serde_json::Map::new();
    let old_map = old.and_then(|v| v.as_object()).unwrap_or(&empty);
    let new_map = new.and_then(|v| v.as_object()).unwrap_or(&empty);
    let mut columns: Vec<&String> = old_map.keys().chain(new_map.keys()).collect();
    columns.sort();
    columns.dedup();
    columns
        .into_iter()
        .filter(|c| c.as_str() != "updated_at")
        .filter_map(|c| match (old_map.get(c), new_map.get(c)) {
            (Some(a), Some(b)) if a == b => None,
            (Some(a), Some(b)) => Some(format!("{c}: {} → {}", short(a), short(b))),
            (None, Some(b)) => Some(format!("{c}: {}", short(b))),
            (Some(a), None) => Some(format!("{c}: {} (removed)", short(a))),
            (None, None) => None,
        })
        .collect()
}

#[tauri::command]
pub async fn admin_audit(desktop: State<'_, Desktop>, request: AuditRequest) -> Answer<AuditPage> {
    let mut w = Work::start(&desktop).await?;
    let admin = w.admin();
    let filter = audit_filter(&request).map_err(|what| invalid(what, admin))?;
    let mut entries = store_admin::audit(w.conn(), &filter).await.map_err(|e| store(e, admin))?;
    let more = entries.len() as i64 > i64::from(request.page_size);
    entries.truncate(request.page_size as usize);
    let tables = store_admin::audited_tables(w.conn()).await.map_err(|e| store(e, admin))?;
    Ok(AuditPage {
        next_before_seq: if more { entries.last().map(|e| e.seq) } else { None },
        rows: entries
            .into_iter()
            .map(|e| AuditRow {
                changes: changes(e.old_row.as_ref(), e.new_row.as_ref()),
                seq: e.seq,
                table: e.table_name,
                row_key: e.row_key,
                action: e.action,
                login: e.login_role,
                role: e.effective_role,
                at: e.occurred_at.to_rfc3339(),
            })
            .collect(),
        tables,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_update_shows_only_what_changed() {
        let old = json!({"name": "A", "value": 1, "updated_at": "t1", "same": true});
        let new = json!({"name": "B", "value": 1, "updated_at": "t2", "same": true});
        assert_eq!(changes(Some(&old), Some(&new)), ["name: A → B"]);
        let inserted = changes(None, Some(&json!({"code": "vat_rate", "value": 1600})));
        assert_eq!(inserted, ["code: vat_rate", "value: 1600"]);
        let long = changes(None, Some(&json!({"body": "x".repeat(200)})));
        assert!(long[0].chars().count() < 100);
    }

    #[test]
    fn hostile_audit_filters_are_refused() {
        let ok = AuditRequest { page_size: 50, ..AuditRequest::default() };
        assert_eq!(audit_filter(&ok).unwrap().limit, 51);
        let bad = |r: AuditRequest| audit_filter(&r).is_err();
        assert!(bad(AuditRequest { page_size: 0, ..ok.clone() }));
        assert!(bad(AuditRequest { page_size: 5000, ..ok.clone() }));
        assert!(bad(AuditRequest { table: Some("officer; drop table x".into()), ..ok.clone() }));
        assert!(bad(AuditRequest { row_key: Some("x".repeat(201)), ..ok.clone() }));
        assert!(bad(AuditRequest { from: Some("2026-13-01".into()), ..ok.clone() }));
        assert!(bad(AuditRequest {
            from: Some("2026-12-02".into()),
            to: Some("2026-12-01".into()),
            ..ok.clone()
        }));
        assert!(bad(AuditRequest { before_seq: Some(-1), ..ok.clone() }));
        let day = audit_filter(&AuditRequest {
            from: Some("2026-12-01".into()),
            to: Some("2026-12-01".into()),
            ..ok
        })
        .unwrap();
        assert_eq!(day.from.unwrap().to_rfc3339(), "2026-11-30T22:00:00+00:00");
        assert_eq!(day.until.unwrap().to_rfc3339(), "2026-12-01T22:00:00+00:00");
    }
}
