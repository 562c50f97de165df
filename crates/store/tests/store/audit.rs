//! The audit trigger records table, key, action, old and new rows, the real login and the role in
//! effect, and the transaction.

use pocket_store::audit;
use sqlx::PgPool;

use crate::common::{self, day};

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn changing_a_holiday_as_admin_is_audited_with_the_login_and_the_role_in_effect(
    pool: PgPool,
) {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("set local role pocket_admin").execute(&mut *tx).await.unwrap();
    let id = pocket_store::parameters::add_holiday(
        &mut tx,
        day(2026, 5, 29),
        "Election day",
        "Proclamation 1 of 2026",
    )
    .await
    .unwrap();
    sqlx::query!(
        "update public_holiday set name = 'National election day' where public_holiday_id = $1",
        id
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    let txid: i64 =
        sqlx::query_scalar!(r#"select txid_current() as "t!""#).fetch_one(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();

    let mut conn = pool.acquire().await.unwrap();
    let entries = audit::for_row(&mut conn, "public_holiday", &id.to_string()).await.unwrap();
    assert_eq!(entries.len(), 2);
    let (insert, update) = (&entries[0], &entries[1]);
    assert_eq!((insert.action.as_str(), update.action.as_str()), ("insert", "update"));
    assert!(insert.old_row.is_none());
    assert_eq!(update.old_row.as_ref().unwrap()["name"], "Election day");
    assert_eq!(update.new_row.as_ref().unwrap()["name"], "National election day");
    let me: String =
        sqlx::query_scalar("select session_user::text").fetch_one(&pool).await.unwrap();
    assert_eq!(update.login_role, me);
    assert_eq!(update.effective_role, "pocket_admin");
    assert_eq!(update.txid, txid);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_audit_copy_leaves_out_api_key_hashes(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let partner = pocket_store::partners::create(&mut conn, "Leads4U", None).await.unwrap();
    let key =
        pocket_store::partners::add_key(&mut conn, partner, "AbCdEf12", &"a".repeat(64), "main")
            .await
            .unwrap();
    let entries = audit::for_row(&mut conn, "partner_api_key", &key.to_string()).await.unwrap();
    let row = entries[0].new_row.as_ref().unwrap();
    assert_eq!(row["key_prefix"], "AbCdEf12");
    assert!(row.get("key_hash").is_none());
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn every_status_change_of_an_application_lands_in_its_history(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let f = common::loan(&mut conn, 1).await;
    let history = pocket_store::applications::history(&mut conn, f.application_id).await.unwrap();
    let statuses: Vec<_> = history.iter().map(|h| h.to_status.as_str()).collect();
    assert_eq!(statuses, vec!["draft", "submitted", "pre_approved", "approved"]);
    assert_eq!(history[1].from_status.map(|s| s.as_str()), Some("draft"));
    let recent = audit::recent(&mut conn, None, 500).await.unwrap();
    assert!(
        recent.iter().any(|e| e.table_name == "loan" && e.row_key == Some(f.loan_id.to_string()))
    );
}
