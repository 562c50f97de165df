//! `GET /api/v1/quote`: the itemised quote adds up and stays within the caps; out-of-range and
//! malformed parameters are 422 problems that name the parameter and the limit.

use serde_json::Value;
use sqlx::PgPool;

use crate::common::{fields, partner, policy, problem, start};

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_quote_is_itemised_and_adds_up(pool: PgPool) {
    let server = start(&pool, policy()).await;
    let key = partner(&pool, "Leads Inc").await;
    let response =
        server.get("/api/v1/quote?amount_cents=200000&term_days=30&first_loan=true", &key).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let q: Value = response.json().await.unwrap();
    let cents = |name: &str| q[name].as_i64().unwrap_or_else(|| panic!("{name} in {q}"));
    assert_eq!(cents("principal_cents"), 200_000);
    assert_eq!(
        cents("total_repayable_cents"),
        cents("principal_cents")
            + cents("interest_cents")
            + cents("initiation_fee_cents")
            + cents("service_fee_cents")
            + cents("vat_cents")
    );
    // credit-law.md: 5% a month on a first loan, for 30 days of R2 000: R100 of interest at most.
    assert!(cents("interest_cents") > 0 && cents("interest_cents") <= 10_000, "{q}");
    assert!(cents("vat_cents") > 0, "VAT on the fees: {q}");
    assert_eq!(q["monthly_interest_rate_bp"].as_i64().unwrap(), 500, "{q}");
    assert_eq!(q["monthly_interest_rate_percent"], "5.00");
    assert!(q["regulations_effective_from"].as_str().is_some_and(|d| d.len() == 10), "{q}");

    // A subsequent loan is capped lower.
    let later: Value = server
        .get("/api/v1/quote?amount_cents=200000&term_days=30&first_loan=false", &key)
        .await
        .json()
        .await
        .unwrap();
    assert!(later["interest_cents"].as_i64() < q["interest_cents"].as_i64(), "{later}");
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn out_of_range_input_says_which_limit_was_broken(pool: PgPool) {
    let server = start(&pool, policy()).await;
    let key = partner(&pool, "Leads Inc").await;

    let p = problem(
        server.get("/api/v1/quote?amount_cents=100&term_days=30&first_loan=true", &key).await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["amount_cents"]);
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("smallest loan"), "{p}");

    let p = problem(
        server.get("/api/v1/quote?amount_cents=900000000&term_days=30&first_loan=true", &key).await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["amount_cents"]);

    let p = problem(
        server.get("/api/v1/quote?amount_cents=200000&term_days=1000&first_loan=true", &key).await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["term_days"]);
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("days"), "{p}");

    let p = problem(
        server.get("/api/v1/quote?amount_cents=abc&term_days=-5x&first_loan=maybe&x=1", &key).await,
        422,
    )
    .await;
    let mut named = fields(&p);
    named.sort();
    assert_eq!(named, ["amount_cents", "first_loan", "term_days", "x"]);

    let p = problem(server.get("/api/v1/quote", &key).await, 422).await;
    assert_eq!(fields(&p).len(), 3, "every missing parameter is named: {p}");
}
