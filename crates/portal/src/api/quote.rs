//! `GET /api/v1/quote`: the itemised quote of a loan, priced by `pocket_domain::pricing` with the
//! regulatory parameters and the product's prices in force today (credit-law.md: NCA Regulations
//! 42 to 44, the caps on interest, initiation and service fees, and VAT on fees).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use pocket_domain::pricing::{self, QuoteError, RegulatoryParameters};
use pocket_domain::{Money, ProductParameters};
use pocket_store::{applications, parameters};
use serde::Serialize;
use sqlx::PgConnection;
use utoipa::{IntoParams, ToSchema};

use crate::api::auth::Partner;
use crate::api::problem::{FieldError, Problem, store_failure};
use crate::server::AppState;

/// The one product offered through the API.
pub const PRODUCT: &str = "short_term";

/// The query of a quote.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct QuoteQuery {
    /// The principal in cents (R1 000.00 is 100000); the product's and the law's limits apply.
    #[param(minimum = 1)]
    amount_cents: i64,
    /// Days from payout to the last repayment.
    #[param(minimum = 1)]
    term_days: i32,
    /// Whether this is the consumer's first loan in the year (the higher interest cap applies).
    first_loan: bool,
}

/// An itemised quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct QuoteResponse {
    pub principal_cents: i64,
    pub term_days: i32,
    pub first_loan: bool,
    /// Interest over the term.
    pub interest_cents: i64,
    /// The initiation fee before VAT.
    pub initiation_fee_cents: i64,
    /// The service fees over the term before VAT.
    pub service_fee_cents: i64,
    /// VAT on the initiation and service fees (never on interest).
    pub vat_cents: i64,
    /// Principal, interest, fees and VAT.
    pub total_repayable_cents: i64,
    /// The interest rate charged per month, in basis points (500 is 5%).
    pub monthly_interest_rate_bp: i32,
    /// The same as a percentage with two decimals (`"5.00"`).
    pub monthly_interest_rate_percent: String,
    /// The date from which the regulatory parameters used are in force.
    pub regulations_effective_from: NaiveDate,
}

/// The civil date in Africa/Johannesburg (UTC+2 all year).
pub fn johannesburg_date(at: DateTime<Utc>) -> NaiveDate {
    let sast = FixedOffset::east_opt(2 * 3600).expect("BUG: UTC+2 is a valid offset");
    at.with_timezone(&sast).date_naive()
}

/// The regulations and the product's parameters in force on `on`.
pub async fn pricing_on(
    conn: &mut PgConnection,
    on: NaiveDate,
) -> pocket_store::Result<(RegulatoryParameters, ProductParameters)> {
    let regulations = parameters::regulations_on(conn, on).await?;
    let product_id = applications::product_id(conn, PRODUCT).await?;
    let product = parameters::product_parameters(conn, product_id, on, &regulations).await?;
    Ok((regulations, product))
}

/// The field a pricing refusal is about, and the limit broken in words.
pub fn quote_error(error: &QuoteError, amount_field: &str, term_field: &str) -> FieldError {
    let field = match error {
        QuoteError::AmountNotPositive
        | QuoteError::AmountBelowMinimum { .. }
        | QuoteError::AmountAboveMaximum { .. } => amount_field,
        QuoteError::TermTooShort { .. } | QuoteError::TermTooLong { .. } => term_field,
        _ => amount_field,
    };
    FieldError::new(field, error.to_string())
}

/// Prices a loan, or the field errors that say which limit was broken.
pub fn price(
    regulations: &RegulatoryParameters,
    product: &ProductParameters,
    amount_cents: i64,
    term_days: i32,
    first_loan: bool,
) -> Result<QuoteResponse, FieldError> {
    let term = u32::try_from(term_days).map_err(|_| {
        FieldError::new(
            "term_days",
            format!("the loan must run for at least {} days", product.min_term_days),
        )
    })?;
    let q = pricing::quote(
        regulations,
        product,
        Money::from_cents(amount_cents),
        term,
        first_loan,
        None,
    )
    .map_err(|e| quote_error(&e, "amount_cents", "term_days"))?;
    let bp = parameters::rate_to_bp(q.interest_rate_per_month);
    Ok(QuoteResponse {
        principal_cents: q.principal.cents(),
        term_days,
        first_loan,
        interest_cents: q.interest.cents(),
        initiation_fee_cents: q.initiation_fee.cents(),
        service_fee_cents: q.service_fees.cents(),
        vat_cents: q.vat().cents(),
        total_repayable_cents: q.total_repayable.cents(),
        monthly_interest_rate_bp: bp,
        monthly_interest_rate_percent: format!("{}.{:02}", bp / 100, bp % 100),
        regulations_effective_from: regulations.effective_from,
    })
}

/// The itemised quote of a loan.
#[utoipa::path(
    get,
    path = "/api/v1/quote",
    tag = "quotes",
    params(QuoteQuery),
    security(("partner_key" = [])),
    responses(
        (status = 200, description = "The itemised quote", body = QuoteResponse),
        (status = 401, description = "No key, or an unknown or revoked one", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is missing, malformed or out of range; `errors` says which limit was broken", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Try again shortly", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn quote(
    State(state): State<AppState>,
    _partner: Partner,
    query: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<QuoteResponse>, Problem> {
    let Query(query) =
        query.map_err(|_| Problem::invalid_field("query", "the query string is not readable"))?;
    let mut errors = Vec::new();
    for name in query.keys() {
        if !["amount_cents", "term_days", "first_loan"].contains(&name.as_str()) {
            errors.push(FieldError::new(name.clone(), "is not a parameter of this request"));
        }
    }
    let amount = parse::<i64>(&query, "amount_cents", "a whole number of cents", &mut errors);
    let term = parse::<i32>(&query, "term_days", "a whole number of days", &mut errors);
    let first_loan = parse::<bool>(&query, "first_loan", "true or false", &mut errors);
    let (Some(amount), Some(term), Some(first_loan)) = (amount, term, first_loan) else {
        return Err(Problem::invalid(errors));
    };
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let today = johannesburg_date(state.clock.now());
    let mut conn = state.db.acquire().await.map_err(|e| store_failure("quote", &e.into()))?;
    let (regulations, product) =
        pricing_on(&mut conn, today).await.map_err(|e| store_failure("quote", &e))?;
    price(&regulations, &product, amount, term, first_loan)
        .map(Json)
        .map_err(|e| Problem::invalid(vec![e]))
}

fn parse<T: std::str::FromStr>(
    query: &HashMap<String, String>,
    name: &str,
    expected: &str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    match query.get(name) {
        None => {
            errors.push(FieldError::new(name, "is required"));
            None
        }
        Some(v) => match v.trim().parse() {
            Ok(v) => Some(v),
            Err(_) => {
                errors.push(FieldError::new(name, format!("must be {expected}")));
                None
            }
        },
    }
}
