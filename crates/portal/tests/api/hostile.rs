//! Hostile input to the submission: malformed JSON, wrong types, unknown fields, oversized
//! bodies, a missing consent, another media type, and injection strings that are stored verbatim.

use pocket_sandbox::xds::GOOD_PAYER_ID;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::common::{application, fields, partner, policy, problem, start};

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn malformed_bodies_are_400_and_other_media_types_415(pool: PgPool) {
    let server = start(&pool, policy()).await;
    let key = partner(&pool, "Leads Inc").await;
    for body in ["{", "", "null", "[1, 2]", "\"text\"", "{\"applicant\": }", "\u{0}"] {
        let response = server
            .http
            .post(server.url("/api/v1/applications"))
            .bearer_auth(&key)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        problem(response, 400).await;
    }
    let form = server
        .http
        .post(server.url("/api/v1/applications"))
        .bearer_auth(&key)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("a=b")
        .send()
        .await
        .unwrap();
    problem(form, 415).await;
    let count: i64 =
        sqlx::query_scalar("select count(*) from application").fetch_one(&pool).await.unwrap();
    assert_eq!(count, 0);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn wrong_types_unknown_fields_and_bad_values_are_listed_field_by_field(pool: PgPool) {
    let server = start(&pool, policy()).await;
    let key = partner(&pool, "Leads Inc").await;
    let mut body = application(GOOD_PAYER_ID, "0831234567");
    body["loan"]["amount_cents"] = json!("lots");
    body["loan"]["term_days"] = json!(30.5);
    body["applicant"]["id_number"] = json!("9102030123083");
    body["applicant"]["mobile"] = json!("12345");
    body["applicant"]["is_admin"] = json!(true);
    body["bank"]["account_type"] = json!(9);
    body["employment"]["employment_type"] = json!("astronaut");
    body["employment"]["net_income_cents"] = json!(99_999_999);
    body["employment"]["payday"] = json!("whenever");
    body["consents"] = json!([{ "purpose": "processing", "text_version": "v1" }]);
    body["status"] = json!("approved");
    let p = problem(server.post_json("/api/v1/applications", &key, &body).await, 422).await;
    let mut named = fields(&p);
    named.sort();
    assert_eq!(
        named,
        [
            "applicant.id_number",
            "applicant.is_admin",
            "applicant.mobile",
            "bank.account_type",
            "consents",
            "employment.employment_type",
            "employment.net_income_cents",
            "employment.payday",
            "loan.amount_cents",
            "loan.term_days",
            "status",
        ],
        "{p}"
    );
    let messages = p["errors"].to_string();
    assert!(messages.contains("bureau"), "the missing consent is explained: {messages}");

    // Everything missing is named too.
    let p = problem(server.post_json("/api/v1/applications", &key, &json!({})).await, 422).await;
    assert_eq!(fields(&p).len(), 6, "{p}");

    // A loan outside the limits names the limit.
    let mut body = application(GOOD_PAYER_ID, "0831234567");
    body["loan"]["amount_cents"] = json!(10);
    let p = problem(server.post_json("/api/v1/applications", &key, &body).await, 422).await;
    assert_eq!(fields(&p), ["loan.amount_cents"]);
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("smallest loan"));

    let count: i64 =
        sqlx::query_scalar("select count(*) from application").fetch_one(&pool).await.unwrap();
    assert_eq!(count, 0, "nothing is recorded from an invalid request");
    let consents: i64 =
        sqlx::query_scalar("select count(*) from consent").fetch_one(&pool).await.unwrap();
    assert_eq!(consents, 0);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn an_oversized_body_is_413(pool: PgPool) {
    let server = start(&pool, policy()).await;
    let key = partner(&pool, "Leads Inc").await;
    let mut body = application(GOOD_PAYER_ID, "0831234567");
    body["applicant"]["first_names"] = Value::String("A".repeat(200 * 1024));
    let p = problem(server.post_json("/api/v1/applications", &key, &body).await, 413).await;
    assert!(p.get("errors").is_none());
    let bad_key = server
        .http
        .post(server.url("/api/v1/applications"))
        .bearer_auth(&key)
        .header("Idempotency-Key", "has spaces in it")
        .json(&application(GOOD_PAYER_ID, "0831234567"))
        .send()
        .await
        .unwrap();
    assert_eq!(fields(&problem(bad_key, 422).await), ["Idempotency-Key"]);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn injection_strings_are_stored_verbatim(pool: PgPool) {
    let server = start(&pool, policy()).await;
    let key = partner(&pool, "Leads Inc").await;
    let sql = "Robert'); DROP TABLE applicant;--";
    let html = "<script>alert(1)</script> & \"quotes\"";
    let mut body = application(GOOD_PAYER_ID, "0831234567");
    body["applicant"]["first_names"] = json!(sql);
    body["applicant"]["surname"] = json!(html);
    body["employment"]["employer_name"] = json!("O'Brien & Sons <b>Ltd</b>");
    let response = server.post_json("/api/v1/applications", &key, &body).await;
    assert_eq!(response.status(), 201);
    let (first, last, employer): (String, String, String) = sqlx::query_as(
        "select p.first_names, p.surname, a.employer_name
         from application a join applicant p using (applicant_id)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(first, sql);
    assert_eq!(last, html);
    assert_eq!(employer, "O'Brien & Sons <b>Ltd</b>");
}
