//! Effective-dated parameters (credit-law.md: every legal number is a parameter with an effective
//! date), product pricing, lending-policy thresholds, expense norms, declared public holidays and
//! message templates. The value in force on a day is the newest row effective on or before it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use pocket_domain::affordability::ExpenseNormBand as DomainBand;
use pocket_domain::pricing::InitiationFeeFormula;
use pocket_domain::{
    BusinessCalendar, ExpenseNorms, InterestConvention, Money, PolicyThresholds, ProductParameters,
    Rate, RegulatoryParameters,
};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::{Result, StoreError, found};

/// A parameter's value in force, with its unit (`cents`, `basis_points`, `months`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    pub code: String,
    pub value: i64,
    pub unit: String,
    pub effective_from: NaiveDate,
}

/// The regulatory parameter `code` in force on `on`.
pub async fn regulatory(conn: &mut PgConnection, code: &str, on: NaiveDate) -> Result<Parameter> {
    let row = sqlx::query_as!(
        Parameter,
        r#"select code, value, unit, effective_from from regulatory_parameter
           where code = $1 and effective_from <= $2
           order by effective_from desc limit 1"#,
        code,
        on
    )
    .fetch_optional(conn)
    .await?;
    found(row, "regulatory parameter")
}

/// Every regulatory parameter in force on `on`, by code.
pub async fn regulatory_in_force(
    conn: &mut PgConnection,
    on: NaiveDate,
) -> Result<BTreeMap<String, Parameter>> {
    let rows = sqlx::query_as!(
        Parameter,
        r#"select distinct on (code) code, value, unit, effective_from from regulatory_parameter
           where effective_from <= $1
           order by code, effective_from desc"#,
        on
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|p| (p.code.clone(), p)).collect())
}

/// Adds a value from a date on (an administrator's change; the old value stays for history).
pub async fn set_regulatory(
    conn: &mut PgConnection,
    code: &str,
    effective_from: NaiveDate,
    value: i64,
    unit: &str,
    source: &str,
) -> Result<Uuid> {
    Ok(sqlx::query_scalar!(
        r#"insert into regulatory_parameter (code, effective_from, value, unit, source)
           values ($1, $2, $3, $4, $5) returning regulatory_parameter_id"#,
        code,
        effective_from,
        value,
        unit,
        source
    )
    .fetch_one(conn)
    .await?)
}

/// Every lending-policy threshold in force on `on`, by code.
pub async fn policy_in_force(
    conn: &mut PgConnection,
    on: NaiveDate,
) -> Result<BTreeMap<String, Parameter>> {
    let rows = sqlx::query_as!(
        Parameter,
        r#"select distinct on (code) code, value, unit, effective_from from lending_policy_threshold
           where effective_from <= $1
           order by code, effective_from desc"#,
        on
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|p| (p.code.clone(), p)).collect())
}

pub async fn set_policy(
    conn: &mut PgConnection,
    code: &str,
    effective_from: NaiveDate,
    value: i64,
    unit: &str,
    description: &str,
) -> Result<Uuid> {
    Ok(sqlx::query_scalar!(
        r#"insert into lending_policy_threshold (code, effective_from, value, unit, description)
           values ($1, $2, $3, $4, $5) returning lending_policy_threshold_id"#,
        code,
        effective_from,
        value,
        unit,
        description
    )
    .fetch_one(conn)
    .await?)
}

/// A band of the Reg 23A Table 1 minimum expense norms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpenseNormBand {
    pub income_from_cents: i64,
    pub fixed_factor_cents: i64,
    pub rate_above_bp: i32,
    pub effective_from: NaiveDate,
}

/// The expense norm bands in force on `on`, lowest band first.
pub async fn expense_norms(conn: &mut PgConnection, on: NaiveDate) -> Result<Vec<ExpenseNormBand>> {
    Ok(sqlx::query_as!(
        ExpenseNormBand,
        r#"select income_from_cents, fixed_factor_cents, rate_above_bp, effective_from
           from expense_norm_band
           where effective_from = (select max(effective_from) from expense_norm_band where effective_from <= $1)
           order by income_from_cents"#,
        on
    )
    .fetch_all(conn)
    .await?)
}

/// A product's pricing in force on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pricing {
    pub product_id: Uuid,
    pub effective_from: NaiveDate,
    pub interest_first_loan_bp: i32,
    pub interest_subsequent_loan_bp: i32,
    pub service_fee_monthly_cents: i64,
    pub charge_initiation_fee: bool,
    pub interest_convention: String,
}

pub async fn pricing(conn: &mut PgConnection, product_id: Uuid, on: NaiveDate) -> Result<Pricing> {
    let row = sqlx::query_as!(
        Pricing,
        r#"select product_id, effective_from, interest_first_loan_bp, interest_subsequent_loan_bp,
                  service_fee_monthly_cents, charge_initiation_fee, interest_convention
           from product_pricing where product_id = $1 and effective_from <= $2
           order by effective_from desc limit 1"#,
        product_id,
        on
    )
    .fetch_optional(conn)
    .await?;
    found(row, "product pricing")
}

/// A declared extra public holiday (the statutory ones are computed by the domain calendar).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    pub holiday_date: NaiveDate,
    pub name: String,
    pub declared_by: String,
}

pub async fn add_holiday(
    conn: &mut PgConnection,
    date: NaiveDate,
    name: &str,
    declared_by: &str,
) -> Result<Uuid> {
    Ok(sqlx::query_scalar!(
        r#"insert into public_holiday (holiday_date, name, declared_by) values ($1, $2, $3)
           returning public_holiday_id"#,
        date,
        name,
        declared_by
    )
    .fetch_one(conn)
    .await?)
}

pub async fn holidays(
    conn: &mut PgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Holiday>> {
    Ok(sqlx::query_as!(
        Holiday,
        r#"select holiday_date, name, declared_by from public_holiday
           where holiday_date between $1 and $2 order by holiday_date"#,
        from,
        to
    )
    .fetch_all(conn)
    .await?)
}

/// The active version of a message template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub code: String,
    pub channel: String,
    pub version: i32,
    pub subject: Option<String>,
    pub body: String,
}

pub async fn template(conn: &mut PgConnection, code: &str, channel: &str) -> Result<Template> {
    let row = sqlx::query_as!(
        Template,
        r#"select code, channel, version, subject, body from message_template
           where code = $1 and channel = $2 and active"#,
        code,
        channel
    )
    .fetch_optional(conn)
    .await?;
    found(row, "message template")
}

/// Publishes a new version of a template and retires the previous one.
pub async fn publish_template(
    conn: &mut PgConnection,
    code: &str,
    channel: &str,
    subject: Option<&str>,
    body: &str,
) -> Result<i32> {
    sqlx::query!(
        "update message_template set active = false where code = $1 and channel = $2 and active",
        code,
        channel
    )
    .execute(&mut *conn)
    .await?;
    Ok(sqlx::query_scalar!(
        r#"insert into message_template (code, channel, version, subject, body)
           select $1, $2, coalesce(max(version), 0) + 1, $3, $4
           from message_template where code = $1 and channel = $2
           returning version"#,
        code,
        channel,
        subject,
        body
    )
    .fetch_one(conn)
    .await?)
}

/// Reads a set of parameters in force as domain types; each missing code is an error that names
/// it, so an administrator knows what to add.
struct InForce<'a>(&'a BTreeMap<String, Parameter>);

impl InForce<'_> {
    fn value(&self, code: &str) -> Result<i64> {
        self.0
            .get(code)
            .map(|p| p.value)
            .ok_or_else(|| StoreError::Inconsistent(format!("parameter {code} is not set")))
    }

    fn money(&self, code: &str) -> Result<Money> {
        Ok(Money::from_cents(self.value(code)?))
    }

    fn rate(&self, code: &str) -> Result<Rate> {
        bp_to_rate(self.value(code)?)
    }

    fn count(&self, code: &str) -> Result<u32> {
        u32::try_from(self.value(code)?)
            .map_err(|_| StoreError::Inconsistent(format!("parameter {code} is out of range")))
    }
}

/// Basis points (what the database stores) to the domain's parts-per-million rate.
pub fn bp_to_rate(bp: i64) -> Result<Rate> {
    u32::try_from(bp)
        .ok()
        .and_then(|bp| bp.checked_mul(100))
        .map(Rate::from_ppm)
        .ok_or_else(|| StoreError::Inconsistent(format!("rate of {bp} basis points")))
}

/// The domain's rate in basis points (rates in this product are whole basis points).
pub fn rate_to_bp(rate: Rate) -> i32 {
    i32::try_from(rate.ppm() / 100).expect("BUG: a rate in basis points fits an i32")
}

/// The whole history of the credit regulations: one set per day on which any parameter changed,
/// each holding the values in force that day. The domain selects the set for a date.
pub async fn regulations(conn: &mut PgConnection) -> Result<Vec<RegulatoryParameters>> {
    let days = sqlx::query_scalar!(
        "select distinct effective_from from regulatory_parameter order by effective_from"
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut history = Vec::with_capacity(days.len());
    for day in days {
        let map = regulatory_in_force(conn, day).await?;
        let p = InForce(&map);
        // Sets that lack a pricing parameter (the first days of a partial history) are skipped.
        let Ok(max_principal) = p.money("max_principal") else { continue };
        history.push(RegulatoryParameters {
            effective_from: day,
            max_principal,
            max_term_days: p.count("max_term_days")?,
            interest_cap_first_loan: p.rate("interest_cap_first_loan")?,
            interest_cap_subsequent: p.rate("interest_cap_subsequent")?,
            initiation_fee_cap: InitiationFeeFormula {
                base: p.money("initiation_fee_base")?,
                threshold: p.money("initiation_fee_threshold")?,
                rate_above_threshold: p.rate("initiation_fee_rate_above_threshold")?,
                maximum: p.money("initiation_fee_maximum")?,
                max_share_of_principal: p.rate("initiation_fee_max_share_of_principal")?,
            },
            service_fee_cap_per_month: p.money("service_fee_cap_per_month")?,
            vat_rate: p.rate("vat_rate")?,
        });
    }
    Ok(history)
}

/// The credit regulations in force on a day.
pub async fn regulations_on(
    conn: &mut PgConnection,
    on: NaiveDate,
) -> Result<RegulatoryParameters> {
    let history = regulations(conn).await?;
    RegulatoryParameters::select(&history, on)
        .cloned()
        .map_err(|e| StoreError::Inconsistent(e.to_string()))
}

/// The lending policy in force on a day.
pub async fn policy_thresholds(conn: &mut PgConnection, on: NaiveDate) -> Result<PolicyThresholds> {
    let map = policy_in_force(conn, on).await?;
    let p = InForce(&map);
    Ok(PolicyThresholds {
        minimum_age: p.count("minimum_age")?,
        minimum_net_income: p.money("minimum_net_income")?,
        decline_below_score: p.count("decline_below_score")?,
        refer_below_score: p.count("refer_below_score")?,
        max_adverse_listings: p.count("max_adverse_listings")?,
        max_judgments: p.count("max_judgments")?,
        max_instalment_to_net_income: p.rate("max_instalment_to_net_income")?,
        first_loan_limit: p.money("first_loan_limit")?,
        repeat_loan_limit: p.money("repeat_loan_limit")?,
        offer_step: p.money("offer_step")?,
        affordability_buffer: p.rate("affordability_buffer")?,
        min_days_to_first_instalment: p.count("min_days_to_first_instalment")?,
    })
}

/// The Reg 23A expense norms in force on a day, as the domain's table.
pub async fn expense_norms_on(conn: &mut PgConnection, on: NaiveDate) -> Result<ExpenseNorms> {
    let bands = expense_norms(conn, on).await?;
    let effective_from = bands
        .first()
        .map(|b| b.effective_from)
        .ok_or_else(|| StoreError::Inconsistent(format!("no expense norms in force on {on}")))?;
    let uppers: Vec<Option<Money>> = bands
        .iter()
        .skip(1)
        .map(|b| Some(Money::from_cents(b.income_from_cents)))
        .chain(std::iter::once(None))
        .collect();
    let domain_bands = bands
        .iter()
        .zip(uppers)
        .map(|(b, upper)| {
            Ok(DomainBand {
                lower_bound: Money::from_cents(b.income_from_cents),
                upper_bound: upper,
                fixed_factor: Money::from_cents(b.fixed_factor_cents),
                rate_above_lower_bound: bp_to_rate(i64::from(b.rate_above_bp))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    ExpenseNorms::new(effective_from, domain_bands)
        .map_err(|e| StoreError::Inconsistent(e.to_string()))
}

/// A product's parameters on a day: its pricing, its limits, and an initiation fee at the legal
/// formula when the product charges one.
pub async fn product_parameters(
    conn: &mut PgConnection,
    product_id: Uuid,
    on: NaiveDate,
    regulations: &RegulatoryParameters,
) -> Result<ProductParameters> {
    let price = pricing(&mut *conn, product_id, on).await?;
    let limits = sqlx::query!(
        r#"select min_principal_cents, max_principal_cents, min_term_days, max_term_days
           from product where product_id = $1"#,
        product_id
    )
    .fetch_optional(conn)
    .await?;
    let limits = found(limits, "product")?;
    let days = |d: i32| {
        u32::try_from(d).map_err(|_| StoreError::Inconsistent(format!("term of {d} days")))
    };
    let initiation_fee = if price.charge_initiation_fee {
        regulations.initiation_fee_cap
    } else {
        InitiationFeeFormula {
            base: Money::ZERO,
            threshold: Money::ZERO,
            rate_above_threshold: Rate::ZERO,
            maximum: Money::ZERO,
            max_share_of_principal: Rate::ZERO,
        }
    };
    Ok(ProductParameters {
        interest_per_month_first_loan: bp_to_rate(i64::from(price.interest_first_loan_bp))?,
        interest_per_month_subsequent: bp_to_rate(i64::from(price.interest_subsequent_loan_bp))?,
        initiation_fee,
        service_fee_per_month: Money::from_cents(price.service_fee_monthly_cents),
        min_amount: Money::from_cents(limits.min_principal_cents),
        max_amount: Money::from_cents(limits.max_principal_cents),
        min_term_days: days(limits.min_term_days)?,
        max_term_days: days(limits.max_term_days)?,
        interest_convention: match price.interest_convention.as_str() {
            "daily" => InterestConvention::Daily,
            _ => InterestConvention::FlatMonth,
        },
    })
}

/// The business calendar: the statutory holidays the domain computes plus every declared one
/// stored here.
pub async fn calendar(conn: &mut PgConnection) -> Result<BusinessCalendar> {
    let declared = sqlx::query_as!(
        Holiday,
        "select holiday_date, name, declared_by from public_holiday order by holiday_date"
    )
    .fetch_all(conn)
    .await?;
    let mut calendar = BusinessCalendar::south_africa();
    for holiday in declared {
        calendar.add_extra_holiday(holiday.holiday_date, holiday.name);
    }
    Ok(calendar)
}
