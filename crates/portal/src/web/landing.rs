//! The landing page: a loan calculator (a GET form, so it works without JavaScript) showing the
//! full, itemised cost of a loan from the domain's pricing, with the parameters in force today
//! (credit-law.md: interest, initiation fee, service fee and VAT within the NCA caps, Reg 42).

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::response::Response;
use axum_extra::extract::CookieJar;
use chrono::NaiveDate;
use pocket_domain::{Money, Quote, quote};
use pocket_store::{applications, parameters};
use serde::Deserialize;
use sqlx::PgConnection;

use super::errors::render;
use super::forms::{Page, money};
use super::security::{SESSION_COOKIE, visitor};
use super::{PortalRef, WebError};
use crate::server::AppState;

/// An itemised quote as the pages show it.
#[derive(Debug, Clone)]
pub struct Costs {
    pub principal: String,
    pub term_days: u32,
    pub rate: String,
    pub interest: String,
    pub initiation_fee: String,
    pub service_fees: String,
    pub vat: String,
    pub cost_of_credit: String,
    pub total_repayable: String,
}

impl Costs {
    pub fn from_quote(q: &Quote) -> Costs {
        let fees = q.initiation_fee;
        Costs {
            principal: q.principal.to_string(),
            term_days: q.term_days,
            rate: q.interest_rate_per_month.to_string(),
            interest: q.interest.to_string(),
            initiation_fee: fees.to_string(),
            service_fees: q.service_fees.to_string(),
            vat: q.vat().to_string(),
            cost_of_credit: q.cost_of_credit.to_string(),
            total_repayable: q.total_repayable.to_string(),
        }
    }
}

/// The product's limits, for hints.
#[derive(Debug, Clone)]
pub struct Limits {
    pub min_amount: String,
    pub max_amount: String,
    pub min_days: u32,
    pub max_days: u32,
}

/// Prices a first loan of `amount` over `term_days`, repaid at the end of the term, with the
/// parameters in force on `today`. `Ok(Err(..))` is an amount or term out of range, in words.
pub async fn calculate(
    conn: &mut PgConnection,
    amount: Money,
    term_days: u32,
    today: NaiveDate,
) -> Result<(Result<Quote, String>, Limits), WebError> {
    let regulations = parameters::regulations_on(conn, today).await.map_err(WebError::internal)?;
    let product_id = applications::product_id(conn, pocket_workflows::apply::PORTAL_PRODUCT)
        .await
        .map_err(WebError::internal)?;
    let product = parameters::product_parameters(conn, product_id, today, &regulations)
        .await
        .map_err(WebError::internal)?;
    let max_amount = product.max_amount.min(regulations.max_principal);
    let limits = Limits {
        min_amount: product.min_amount.to_string(),
        max_amount: max_amount.to_string(),
        min_days: product.min_term_days,
        max_days: product.max_term_days.min(regulations.max_term_days),
    };
    let priced = quote(&regulations, &product, amount, term_days, true, None).map_err(|e| {
        let text = e.to_string();
        let mut chars = text.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
            None => text,
        }
    });
    Ok((priced, limits))
}

#[derive(Debug, Deserialize)]
pub struct CalculatorQuery {
    amount: Option<String>,
    term: Option<String>,
}

#[derive(Template)]
#[template(path = "landing.html")]
struct Landing {
    page: Page,
    amount: String,
    term: String,
    costs: Option<Costs>,
    error: Option<String>,
    limits: Limits,
    signed_in: bool,
}

/// `GET /?amount=2000&term=30`.
pub async fn page(
    State(state): State<AppState>,
    Extension(portal): Extension<PortalRef>,
    jar: CookieJar,
    Query(q): Query<CalculatorQuery>,
) -> Result<(CookieJar, Response), WebError> {
    let today = super::journey::today(&state);
    let amount_text = q.amount.unwrap_or_else(|| "2000".to_owned());
    let term_text = q.term.unwrap_or_else(|| "30".to_owned());
    let mut conn = state.db.acquire().await.map_err(WebError::internal)?;
    let amount = super::forms::parse_rand(&amount_text);
    let term = term_text.trim().parse::<u32>();
    let (costs, error, limits) = match (amount, term) {
        (Ok(amount), Ok(term)) => {
            let (priced, limits) = calculate(&mut conn, amount, term, today).await?;
            match priced {
                Ok(q) => (Some(Costs::from_quote(&q)), None, limits),
                Err(e) => (None, Some(e), limits),
            }
        }
        (Err(_), _) => {
            let (_, limits) = calculate(&mut conn, Money::from_cents(200_000), 30, today).await?;
            (None, Some("Enter the amount in rand, like 2000".to_owned()), limits)
        }
        (_, Err(_)) => {
            let (_, limits) = calculate(&mut conn, Money::from_cents(200_000), 30, today).await?;
            (None, Some("Enter the number of days, like 30".to_owned()), limits)
        }
    };
    let signed_in = jar.get(SESSION_COOKIE).is_some();
    let (jar, basis) = visitor(&portal, jar);
    let csrf = super::security::csrf_token(&portal, &basis);
    let landing = Landing {
        page: Page::new("Loan calculator", csrf, signed_in),
        amount: amount_text,
        term: term_text,
        costs,
        error,
        limits,
        signed_in,
    };
    Ok((jar, render(&landing)))
}

/// Cents for the templates.
pub fn rands(cents: i64) -> String {
    money(cents)
}
