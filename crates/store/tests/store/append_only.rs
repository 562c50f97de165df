//! Append-only tables refuse UPDATE, DELETE and TRUNCATE for everyone, the owner included.

use pocket_store::StoreError;
use sqlx::PgPool;

use crate::common;

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn append_only_tables_refuse_update_and_delete_even_for_the_owner(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let f = common::loan(&mut conn, 1).await;
    common::present(&mut conn, &f, 0, 1).await.unwrap();
    let tables = [
        "audit_log",
        "ledger_posting",
        "presentment_event",
        "application_status_history",
        "consent",
        "affordability_assessment",
    ];
    for table in tables {
        let count: i64 = sqlx::query_scalar(&format!("select count(*) from {table}"))
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        // Tables without rows in the fixture still prove the trigger through TRUNCATE below.
        if count > 0 {
            for sql in [
                format!("update {table} set {table}_id = {table}_id"),
                format!("delete from {table}"),
            ] {
                let result: Result<_, StoreError> =
                    sqlx::raw_sql(&sql).execute(&mut *conn).await.map_err(Into::into);
                assert!(
                    matches!(&result, Err(StoreError::AppendOnly { constraint }) if *constraint == format!("{table}_append_only")),
                    "{sql}: {result:?}"
                );
            }
        }
        let truncate: Result<_, StoreError> = sqlx::raw_sql(&format!("truncate {table} cascade"))
            .execute(&mut *conn)
            .await
            .map_err(Into::into);
        assert!(
            matches!(truncate, Err(StoreError::AppendOnly { .. })),
            "truncate {table}: {truncate:?}"
        );
    }
    assert!(
        sqlx::query_scalar!(
            r#"select rolsuper as "s!" from pg_roles where rolname = current_user"#
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap()
    );
}
