//! Changes to applications (and loans, presentments, batches, jobs) are announced on one channel.

use pocket_store::applicants;
use pocket_store::listen::{self, Change, ChangeOp};
use sqlx::PgPool;

use crate::common;

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn creating_an_application_notifies_the_listener_with_its_table_key_and_operation(
    pool: PgPool,
) {
    let mut listener = listen::listener(&pool).await.unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let applicant = applicants::upsert_by_msisdn(&mut conn, &common::mobile(1)).await.unwrap();
    let product_id = pocket_store::applications::product_id(&mut conn, "short_term").await.unwrap();
    let created = pocket_store::applications::create(
        &mut conn,
        &pocket_store::applications::NewApplication {
            applicant_id: applicant,
            product_id,
            channel: applicants::Channel::Portal,
            partner_id: None,
            created_by_officer_id: None,
            requested_amount_cents: 100_000,
            requested_term_days: 30,
        },
    )
    .await
    .unwrap();
    let notification = listener.recv().await.unwrap();
    assert_eq!(
        Change::parse(&notification),
        Some(Change {
            table: "application".into(),
            id: created.application_id.to_string(),
            op: ChangeOp::Insert
        })
    );
}

#[test]
fn a_payload_that_is_not_ours_is_ignored() {
    assert_eq!(Change::from_payload("not json"), None);
    assert_eq!(Change::from_payload(r#"{"table":"job","id":"1","op":"merge"}"#), None);
}
