//! The administrator's use cases: officers (created from a SCRAM verifier computed here, so the
//! password never leaves the desktop), new versions of prices, regulatory parameters and policy
//! thresholds checked against the law's caps by the domain, message templates checked against
//! the placeholders the outbox fills in, declared public holidays, and partner keys.
//!
//! What is checked here is checked again by the database, which has the last word: the grants
//! (only `pocket_admin`), the unique effective dates (no two values on one day), the history
//! guard (no value from a past day: migration 20261205000015) and the CHECK constraints.

use chrono::NaiveDate;
use pocket_domain::{Money, RegulatoryParameters};
use pocket_store::admin::{self as store_admin, NewPrice};
use pocket_store::officers::{self, NewOfficer, OfficerGroup};
use pocket_store::{StoreError, parameters, partners, scram};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::notify::{self, NotifyError};
use crate::partner_keys::{self, NewKey};

/// Why an administrator's change was refused before reaching the database.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// A value is malformed or out of range; the text says which and why, for the administrator.
    #[error("{0}")]
    Invalid(String),
    /// The change would break a rule of the law (a price above an NCA cap).
    #[error("{0}")]
    AboveCap(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(text: impl Into<String>) -> AdminError {
    AdminError::Invalid(text.into())
}

/// A name, title or label: trimmed, not empty, at most `max` characters, no control characters.
pub fn clean_text(what: &str, text: &str, max: usize) -> Result<String, AdminError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid(format!("{what} cannot be empty.")));
    }
    if text.chars().count() > max {
        return Err(invalid(format!("{what} is at most {max} characters.")));
    }
    if text.chars().any(char::is_control) {
        return Err(invalid(format!("{what} cannot hold control characters.")));
    }
    Ok(text.to_owned())
}

/// An e-mail address of a plain shape (one @, a dot in the domain, no spaces).
pub fn clean_email(text: &str) -> Result<String, AdminError> {
    let text = clean_text("The e-mail address", text, 254)?;
    let valid = text.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
    }) && !text.contains(char::is_whitespace);
    if !valid {
        return Err(invalid("That is not an e-mail address."));
    }
    Ok(text)
}

/// The login names `create_officer` accepts (migration 20261125000006).
pub fn check_login(login: &str) -> Result<(), AdminError> {
    let valid = (3..=63).contains(&login.len())
        && login.starts_with(|c: char| c.is_ascii_lowercase())
        && login.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !login.starts_with("pg_")
        && !login.starts_with("pocket_");
    if valid {
        Ok(())
    } else {
        Err(invalid(
            "A login is 3 to 63 lowercase letters, digits or underscores, starting with a letter.",
        ))
    }
}

/// The shortest password an officer may have. NIST SP 800-63B section 5.1.1.2 asks for at least
/// 8 characters and a check against common and context-specific passwords; a login to the
/// lending database gets more.
pub const MIN_PASSWORD: usize = 12;

/// Refuses a weak password: too short or too long, not printable ASCII, built from the login or
/// name, a run of one character, or a well-known password.
///
/// Printable ASCII only: the verifier is computed without SASLprep (RFC 4013), which leaves
/// ASCII unchanged but would map other characters, so a non-ASCII password could not sign in.
pub fn check_password(password: &str, login: &str, full_name: &str) -> Result<(), AdminError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(invalid(format!("The password needs at least {MIN_PASSWORD} characters.")));
    }
    if password.len() > 128 {
        return Err(invalid("The password is at most 128 characters."));
    }
    if !password.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(invalid(
            "The password may use letters, digits, spaces and the punctuation of an English keyboard.",
        ));
    }
    let lower = password.to_lowercase();
    let distinct = lower.chars().collect::<std::collections::BTreeSet<_>>().len();
    if distinct < 5 {
        return Err(invalid("The password repeats too few characters: choose a less simple one."));
    }
    let mut context = vec![login.to_lowercase()];
    context.extend(full_name.split_whitespace().map(str::to_lowercase).filter(|p| p.len() >= 3));
    if context.iter().any(|c| !c.is_empty() && lower.contains(c.as_str())) {
        return Err(invalid("The password cannot contain the login or the officer's name."));
    }
    const COMMON: &[&str] = &[
        "password",
        "123456",
        "qwerty",
        "letmein",
        "welcome",
        "pocketloans",
        "iloveyou",
        "admin",
        "abc123",
        "monkey",
        "dragon",
        "football",
        "sunshine",
    ];
    if COMMON.iter().any(|c| lower.contains(c)) {
        return Err(invalid("The password is built on a well-known password: choose another."));
    }
    Ok(())
}

/// The most an officer may approve alone: the largest loan the law allows is R8 000 today, so a
/// limit above R1 000 000 is a typing mistake.
pub const MAX_APPROVAL_LIMIT_CENTS: i64 = 100_000_000;

/// What the administrator typed to create an officer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficerForm {
    pub login_name: String,
    pub full_name: String,
    pub email: String,
    pub group: OfficerGroup,
    pub approval_limit_cents: i64,
}

/// Creates an officer's login. The password is turned into a SCRAM-SHA-256 verifier here and
/// only the verifier is sent (DESIGN.md decision 1).
pub async fn create_officer(
    conn: &mut PgConnection,
    form: &OfficerForm,
    password: &str,
) -> Result<Uuid, AdminError> {
    let login = form.login_name.trim();
    check_login(login)?;
    let full_name = clean_text("The name", &form.full_name, 100)?;
    let email = clean_email(&form.email)?;
    check_limit(form.approval_limit_cents)?;
    check_password(password, login, &full_name)?;
    let new = NewOfficer {
        login_name: login.to_owned(),
        group: form.group,
        full_name,
        email,
        approval_limit_cents: form.approval_limit_cents,
    };
    Ok(officers::create_with_verifier(conn, &new, &scram::verifier(password)).await?)
}

fn check_limit(cents: i64) -> Result<(), AdminError> {
    if !(0..=MAX_APPROVAL_LIMIT_CENTS).contains(&cents) {
        return Err(invalid("An approval limit is between R0 and R1 000 000."));
    }
    Ok(())
}

/// Changes an officer's approval limit.
pub async fn set_approval_limit(
    conn: &mut PgConnection,
    officer_id: Uuid,
    cents: i64,
) -> Result<(), AdminError> {
    check_limit(cents)?;
    Ok(officers::set_approval_limit(conn, officer_id, cents).await?)
}

/// The codes of the regulatory parameters and what each is measured in (the fields of
/// `pocket_domain::RegulatoryParameters` and the collection rules; credit-law.md).
pub const REGULATORY_CODES: &[(&str, &str)] = &[
    ("max_principal", "cents"),
    ("max_term_days", "days"),
    ("interest_cap_first_loan", "basis_points"),
    ("interest_cap_subsequent", "basis_points"),
    ("initiation_fee_base", "cents"),
    ("initiation_fee_threshold", "cents"),
    ("initiation_fee_rate_above_threshold", "basis_points"),
    ("initiation_fee_maximum", "cents"),
    ("initiation_fee_max_share_of_principal", "basis_points"),
    ("service_fee_cap_per_month", "cents"),
    ("vat_rate", "basis_points"),
    ("quote_valid_business_days", "business_days"),
    ("record_retention", "months"),
    ("two_day_lead", "business_days"),
    ("max_representments_code_02", "count"),
];

/// The codes of the lending policy's thresholds and their units (the fields of
/// `pocket_domain::PolicyThresholds`).
pub const POLICY_CODES: &[(&str, &str)] = &[
    ("minimum_age", "years"),
    ("minimum_net_income", "cents"),
    ("decline_below_score", "score"),
    ("refer_below_score", "score"),
    ("max_adverse_listings", "count"),
    ("max_judgments", "count"),
    ("max_instalment_to_net_income", "basis_points"),
    ("first_loan_limit", "cents"),
    ("repeat_loan_limit", "cents"),
    ("offer_step", "cents"),
    ("affordability_buffer", "basis_points"),
    ("min_days_to_first_instalment", "days"),
];

/// A new version of an effective-dated value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVersion {
    pub code: String,
    pub effective_from: NaiveDate,
    pub value: i64,
    /// Where the value comes from (regulatory: the law; policy: what it means).
    pub note: String,
}

fn check_value(unit: &str, value: i64) -> Result<(), AdminError> {
    let (low, high, what) = match unit {
        "basis_points" => (0, 10_000, "A rate is between 0 and 10 000 basis points (100%)."),
        "cents" => (0, 100_000_000_000, "An amount is between R0 and R1 000 000 000."),
        "days" | "business_days" => (0, 3_660, "A number of days is between 0 and 3 660."),
        "months" => (0, 1_200, "A number of months is between 0 and 1 200."),
        "years" => (0, 120, "A number of years is between 0 and 120."),
        "score" => (0, 1_000, "A bureau score is between 0 and 1 000."),
        _ => (0, 1_000_000, "A count is between 0 and 1 000 000."),
    };
    if (low..=high).contains(&value) { Ok(()) } else { Err(invalid(what)) }
}

fn check_starts(effective_from: NaiveDate, today: NaiveDate) -> Result<(), AdminError> {
    if effective_from < today {
        return Err(invalid(
            "A new value starts today or later: what was in force on a past day stays as it was.",
        ));
    }
    Ok(())
}

/// Adds a regulatory parameter from a date on. The whole set of caps that results is rebuilt by
/// the domain, and every product's prices in force from that date must stay within it.
pub async fn add_regulatory(
    conn: &mut PgConnection,
    new: &NewVersion,
    today: NaiveDate,
) -> Result<Uuid, AdminError> {
    let Some((code, unit)) = REGULATORY_CODES.iter().find(|(c, _)| *c == new.code.trim()) else {
        return Err(invalid("That is not a regulatory parameter the platform knows."));
    };
    check_starts(new.effective_from, today)?;
    check_value(unit, new.value)?;
    let source = clean_text("The source (the regulation it comes from)", &new.note, 200)?;
    if let Some(stored) = store_admin::regulatory_unit(conn, code).await?
        && stored != *unit
    {
        return Err(invalid(format!("{code} is stored in {stored}, not {unit}.")));
    }
    // The caps as they would be from that date on: the set in force then with the new value,
    // and every later set on record, which keeps the new value until this code changes again.
    let history = parameters::regulations(conn).await?;
    let later_versions: Vec<NaiveDate> = store_admin::regulatory_history(conn)
        .await?
        .into_iter()
        .filter(|v| v.code == *code && v.effective_from > new.effective_from)
        .map(|v| v.effective_from)
        .collect();
    let mut periods: Vec<RegulatoryParameters> = Vec::new();
    if let Ok(first) = RegulatoryParameters::select(&history, new.effective_from) {
        let mut first = first.clone();
        first.effective_from = new.effective_from;
        periods.push(first);
    }
    periods.extend(history.iter().filter(|r| r.effective_from > new.effective_from).cloned());
    for caps in &mut periods {
        if !later_versions.iter().any(|d| *d <= caps.effective_from) {
            with_value(caps, code, new.value)?;
        }
    }
    for (i, caps) in periods.iter().enumerate() {
        let until = periods.get(i + 1).map(|next| next.effective_from);
        check_prices_within(conn, caps, until).await?;
    }
    Ok(parameters::set_regulatory(conn, code, new.effective_from, new.value, unit, &source).await?)
}

/// Puts one regulatory parameter's value into a set of caps (codes outside the pricing caps
/// change nothing the prices depend on).
fn with_value(caps: &mut RegulatoryParameters, code: &str, value: i64) -> Result<(), AdminError> {
    let rate = |v: i64| parameters::bp_to_rate(v).map_err(AdminError::from);
    match code {
        "max_principal" => caps.max_principal = Money::from_cents(value),
        "max_term_days" => {
            caps.max_term_days = u32::try_from(value).map_err(|_| invalid("Too many days."))?;
        }
        "interest_cap_first_loan" => caps.interest_cap_first_loan = rate(value)?,
        "interest_cap_subsequent" => caps.interest_cap_subsequent = rate(value)?,
        "initiation_fee_base" => caps.initiation_fee_cap.base = Money::from_cents(value),
        "initiation_fee_threshold" => caps.initiation_fee_cap.threshold = Money::from_cents(value),
        "initiation_fee_rate_above_threshold" => {
            caps.initiation_fee_cap.rate_above_threshold = rate(value)?;
        }
        "initiation_fee_maximum" => caps.initiation_fee_cap.maximum = Money::from_cents(value),
        "initiation_fee_max_share_of_principal" => {
            caps.initiation_fee_cap.max_share_of_principal = rate(value)?;
        }
        "service_fee_cap_per_month" => caps.service_fee_cap_per_month = Money::from_cents(value),
        "vat_rate" => caps.vat_rate = rate(value)?,
        _ => {}
    }
    Ok(())
}

/// Every product's prices in force while `caps` apply (from their date until `until`, or for
/// good) must be at or below them.
async fn check_prices_within(
    conn: &mut PgConnection,
    caps: &RegulatoryParameters,
    until: Option<NaiveDate>,
) -> Result<(), AdminError> {
    let start = caps.effective_from;
    let prices = store_admin::price_history(conn).await?;
    let products = store_admin::products(conn).await?;
    for product in products {
        let mine: Vec<_> = prices.iter().filter(|p| p.product_id == product.product_id).collect();
        // The version in force at the start (the list is newest first), and every later one
        // that starts while these caps apply.
        let in_force = mine.iter().find(|p| p.effective_from <= start);
        let later = mine
            .iter()
            .filter(|p| p.effective_from > start && until.is_none_or(|u| p.effective_from < u));
        for price in in_force.into_iter().chain(later) {
            let proposed = ProposedPrice {
                interest_first_loan_bp: price.interest_first_loan_bp,
                interest_subsequent_loan_bp: price.interest_subsequent_loan_bp,
                service_fee_monthly_cents: price.service_fee_monthly_cents,
            };
            if let Err(AdminError::AboveCap(why)) = within_caps(&proposed, caps) {
                return Err(AdminError::AboveCap(format!(
                    "{why} {} charges more from {}: give it a lower price from that date first.",
                    product.name,
                    price.effective_from.max(start)
                )));
            }
        }
    }
    Ok(())
}

/// A product's prices, as proposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProposedPrice {
    pub interest_first_loan_bp: i32,
    pub interest_subsequent_loan_bp: i32,
    pub service_fee_monthly_cents: i64,
}

/// Whether prices are within the NCA caps (Reg 42 Table A for interest, Reg 44 for the service
/// fee), as the domain holds them.
pub fn within_caps(price: &ProposedPrice, caps: &RegulatoryParameters) -> Result<(), AdminError> {
    let cap_first = parameters::rate_to_bp(caps.interest_cap_first_loan);
    let cap_later = parameters::rate_to_bp(caps.interest_cap_subsequent);
    let fee_cap = caps.service_fee_cap_per_month;
    if price.interest_first_loan_bp > cap_first {
        return Err(AdminError::AboveCap(format!(
            "Interest on a first loan may be at most {} a month (NCA Reg 42 Table A).",
            caps.interest_cap_first_loan
        )));
    }
    if price.interest_subsequent_loan_bp > cap_later {
        return Err(AdminError::AboveCap(format!(
            "Interest on a later loan may be at most {} a month (NCA Reg 42 Table A).",
            caps.interest_cap_subsequent
        )));
    }
    if Money::from_cents(price.service_fee_monthly_cents) > fee_cap {
        return Err(AdminError::AboveCap(format!(
            "The service fee may be at most {fee_cap} a month (NCA Reg 44)."
        )));
    }
    Ok(())
}

/// Adds a version of a product's prices from a date on, checked against the caps in force on
/// that date and against every later set of caps already on record.
pub async fn add_price(
    conn: &mut PgConnection,
    new: &NewPrice,
    today: NaiveDate,
) -> Result<Uuid, AdminError> {
    check_starts(new.effective_from, today)?;
    if !matches!(new.interest_convention.as_str(), "flat_month" | "daily") {
        return Err(invalid("Interest is charged flat per month or daily."));
    }
    if new.interest_first_loan_bp < 0
        || new.interest_subsequent_loan_bp < 0
        || new.service_fee_monthly_cents < 0
    {
        return Err(invalid("Prices cannot be negative."));
    }
    let proposed = ProposedPrice {
        interest_first_loan_bp: new.interest_first_loan_bp,
        interest_subsequent_loan_bp: new.interest_subsequent_loan_bp,
        service_fee_monthly_cents: new.service_fee_monthly_cents,
    };
    let history = parameters::regulations(conn).await?;
    let in_force = RegulatoryParameters::select(&history, new.effective_from)
        .map_err(|e| AdminError::Store(StoreError::Inconsistent(e.to_string())))?;
    within_caps(&proposed, in_force)?;
    for later in history.iter().filter(|r| r.effective_from > new.effective_from) {
        within_caps(&proposed, later).map_err(|e| match e {
            AdminError::AboveCap(why) => {
                AdminError::AboveCap(format!("From {}: {why}", later.effective_from))
            }
            other => other,
        })?;
    }
    Ok(store_admin::add_price(conn, new).await?)
}

/// Adds a lending-policy threshold from a date on; the policy that results must still make sense
/// to the domain (adults only, the decline score below the referral score, limits within the
/// law's largest loan).
pub async fn add_policy(
    conn: &mut PgConnection,
    new: &NewVersion,
    today: NaiveDate,
) -> Result<Uuid, AdminError> {
    let Some((code, unit)) = POLICY_CODES.iter().find(|(c, _)| *c == new.code.trim()) else {
        return Err(invalid("That is not a policy threshold the platform knows."));
    };
    check_starts(new.effective_from, today)?;
    check_value(unit, new.value)?;
    let description = clean_text("The description", &new.note, 200)?;
    if let Some(stored) = store_admin::policy_unit(conn, code).await?
        && stored != *unit
    {
        return Err(invalid(format!("{code} is stored in {stored}, not {unit}.")));
    }
    let values = parameters::policy_in_force(conn, new.effective_from).await?;
    let value = |values: &std::collections::BTreeMap<String, parameters::Parameter>, c: &str| {
        if c == *code { Some(new.value) } else { values.get(c).map(|p| p.value) }
    };
    if *code == "minimum_age" && new.value < 18 {
        // The Children's Act 38 of 2005 s17: a person under 18 is a minor.
        return Err(invalid("The minimum age is at least 18."));
    }
    if let (Some(decline), Some(refer)) =
        (value(&values, "decline_below_score"), value(&values, "refer_below_score"))
        && decline > refer
    {
        return Err(invalid("The decline score must be at or below the referral score."));
    }
    if matches!(*code, "first_loan_limit" | "repeat_loan_limit")
        && let Ok(caps) = parameters::regulations_on(conn, new.effective_from).await
        && new.value > caps.max_principal.cents()
    {
        return Err(AdminError::AboveCap(format!(
            "A loan may be at most {} (NCA Reg 39(2)).",
            caps.max_principal
        )));
    }
    Ok(parameters::set_policy(conn, code, new.effective_from, new.value, unit, &description)
        .await?)
}

/// A message template as the administrator wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateForm {
    pub code: String,
    pub channel: String,
    pub subject: Option<String>,
    pub body: String,
}

/// The longest SMS body: clickatell.md allows concatenated messages, billed per part; six parts
/// are enough for any of ours.
pub const MAX_SMS_BODY: usize = 918;
pub const MAX_EMAIL_BODY: usize = 20_000;

/// The template rendered with an example message, by the outbox's own [`notify::render`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub subject: Option<String>,
    pub body: String,
    /// The placeholders this template may use.
    pub placeholders: Vec<String>,
}

/// Checks a template and renders it with the example values; an unknown placeholder, a missing
/// subject on an e-mail (or a subject on an SMS) and an oversized body are refused.
pub fn preview(form: &TemplateForm) -> Result<Preview, AdminError> {
    let Some(message) = notify::example(form.code.trim()) else {
        return Err(invalid("The platform sends no message by that template code."));
    };
    let channel: &'static str = match form.channel.as_str() {
        "sms" => "sms",
        "email" => "email",
        _ => return Err(invalid("A template is for SMS or e-mail.")),
    };
    let body = form.body.trim();
    if body.is_empty() {
        return Err(invalid("The message cannot be empty."));
    }
    let max = if channel == "sms" { MAX_SMS_BODY } else { MAX_EMAIL_BODY };
    if body.chars().count() > max {
        return Err(invalid(format!("The message is at most {max} characters.")));
    }
    if body.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(invalid("The message cannot hold control characters."));
    }
    let subject = match (channel, form.subject.as_deref().map(str::trim)) {
        ("email", Some(s)) if !s.is_empty() => Some(clean_text("The subject", s, 200)?),
        ("email", _) => return Err(invalid("An e-mail needs a subject.")),
        (_, Some(s)) if !s.is_empty() => return Err(invalid("An SMS has no subject.")),
        _ => None,
    };
    let values = message.placeholder_values("Thandi");
    let placeholders: Vec<String> = values.iter().map(|(k, _)| (*k).to_owned()).collect();
    let render = |text: &str| {
        notify::render(message.template(), channel, text, &values).map_err(|e| match e {
            NotifyError::MissingValue { placeholder, .. } => invalid(format!(
                "{{{{{placeholder}}}}} is not a value this message has; it may use {}.",
                placeholders.iter().map(|p| format!("{{{{{p}}}}}")).collect::<Vec<_>>().join(", ")
            )),
            NotifyError::Store(e) => AdminError::Store(e),
        })
    };
    let rendered_subject = subject.as_deref().map(render).transpose()?;
    let rendered_body = render(body)?;
    if body.contains("{{") && rendered_body.contains("{{") {
        return Err(invalid("A placeholder is not closed with }}."));
    }
    Ok(Preview { subject: rendered_subject, body: rendered_body, placeholders })
}

/// Publishes a new version of a template (the previous one is retired, kept for history).
pub async fn publish_template(
    conn: &mut PgConnection,
    form: &TemplateForm,
) -> Result<i32, AdminError> {
    preview(form)?;
    let subject = form.subject.as_deref().map(str::trim).filter(|s| !s.is_empty());
    Ok(parameters::publish_template(
        conn,
        form.code.trim(),
        &form.channel,
        subject,
        form.body.trim(),
    )
    .await?)
}

/// Declares an extra public holiday (collections.md: the President may declare one; debit
/// orders then move to the next business day).
pub async fn add_holiday(
    conn: &mut PgConnection,
    date: NaiveDate,
    name: &str,
    declared_by: &str,
    today: NaiveDate,
) -> Result<Uuid, AdminError> {
    if date < today {
        return Err(invalid("A declared holiday is today or later."));
    }
    let name = clean_text("The holiday's name", name, 100)?;
    let declared_by = clean_text("Who declared it", declared_by, 200)?;
    Ok(parameters::add_holiday(conn, date, &name, &declared_by).await?)
}

/// Removes a holiday declared by mistake, before it takes effect.
pub async fn remove_holiday(
    conn: &mut PgConnection,
    id: Uuid,
    today: NaiveDate,
) -> Result<(), AdminError> {
    let holiday = store_admin::holiday(conn, id).await?;
    if holiday.holiday_date <= today {
        return Err(invalid("A holiday that has taken effect stays on record."));
    }
    Ok(store_admin::remove_holiday(conn, id).await?)
}

/// Creates a partner.
pub async fn create_partner(
    conn: &mut PgConnection,
    name: &str,
    contact_email: Option<&str>,
) -> Result<Uuid, AdminError> {
    let name = clean_text("The partner's name", name, 100)?;
    let email = contact_email.map(str::trim).filter(|e| !e.is_empty()).map(clean_email);
    let email = email.transpose()?;
    Ok(partners::create(conn, &name, email.as_deref()).await?)
}

/// Issues a key for a partner: the key is returned once and never stored.
pub async fn issue_key(
    conn: &mut PgConnection,
    partner_id: Uuid,
    label: &str,
) -> Result<(Uuid, NewKey), AdminError> {
    let label = label.trim();
    if label.chars().count() > 100 || label.chars().any(char::is_control) {
        return Err(invalid("A key's label is at most 100 printable characters."));
    }
    Ok(partner_keys::issue(conn, partner_id, label).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passwords_are_refused_and_a_good_one_passes() {
        let ok = |p: &str| check_password(p, "thabo_m", "Thabo Mokoena").is_ok();
        assert!(!ok("short1!"));
        assert!(!ok("aaaaaaaaaaaaaaaa"));
        assert!(!ok("thabo_m-2026-ok!"));
        assert!(!ok("mokoena-is-great"));
        assert!(!ok("Password123456"));
        assert!(!ok("ünïcödé-pässwörd"));
        assert!(!ok(&"x9".repeat(80)));
        assert!(ok("river-stone-tiger-58"));
    }

    #[test]
    fn logins_follow_the_database_rule() {
        assert!(check_login("thabo_m").is_ok());
        for bad in ["ab", "Thabo", "1abc", "pocket_admin", "pg_x", "a-b-c", "x'; drop"] {
            assert!(check_login(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn prices_above_the_nca_caps_are_refused() {
        let caps = RegulatoryParameters::south_africa_2018();
        let at_cap = ProposedPrice {
            interest_first_loan_bp: 500,
            interest_subsequent_loan_bp: 300,
            service_fee_monthly_cents: 6_000,
        };
        assert!(within_caps(&at_cap, &caps).is_ok());
        let above = ProposedPrice { interest_first_loan_bp: 501, ..at_cap };
        assert!(matches!(within_caps(&above, &caps), Err(AdminError::AboveCap(_))));
        let fee = ProposedPrice { service_fee_monthly_cents: 6_001, ..at_cap };
        assert!(matches!(within_caps(&fee, &caps), Err(AdminError::AboveCap(_))));
    }

    #[test]
    fn a_template_preview_uses_the_outbox_renderer_and_refuses_unknown_placeholders() {
        let form = |body: &str| TemplateForm {
            code: "debit_reminder".into(),
            channel: "sms".into(),
            subject: None,
            body: body.into(),
        };
        let p = preview(&form("R{{amount}} on {{date}} for {{reference}}")).unwrap();
        assert_eq!(p.body, "R1500.00 on 24 Dec 2026 for PL-0001234");
        let refused = preview(&form("Hello {{balance}}")).unwrap_err().to_string();
        assert!(refused.contains("{{balance}}"), "{refused}");
        assert!(preview(&form("   ")).is_err());
        assert!(preview(&form(&"x".repeat(MAX_SMS_BODY + 1))).is_err());
        assert!(preview(&TemplateForm { code: "nope".into(), ..form("x") }).is_err());
        let email = TemplateForm { channel: "email".into(), ..form("Dear {{name}}") };
        assert!(preview(&email).is_err(), "an e-mail needs a subject");
        let sms_subject = TemplateForm { subject: Some("Hi".into()), ..form("x") };
        assert!(preview(&sms_subject).is_err());
    }

    #[test]
    fn names_and_emails_are_cleaned() {
        assert_eq!(clean_text("Name", "  Acme  ", 10).unwrap(), "Acme");
        assert!(clean_text("Name", "", 10).is_err());
        assert!(clean_text("Name", &"x".repeat(11), 10).is_err());
        assert!(clean_text("Name", "a\u{0}b", 10).is_err());
        assert!(clean_email("ops@acme.co.za").is_ok());
        for bad in ["ops", "ops@", "@acme.co.za", "ops@acme", "o ps@acme.co.za", "a@b@c.co"] {
            assert!(clean_email(bad).is_err(), "{bad}");
        }
    }
}
