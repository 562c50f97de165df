//! `pocket worker` decides a submitted application: the `bureau.enquire` job reaches the XDS
//! simulator over HTTP with the configured login, and the application leaves `submitted`.

use sqlx::PgPool;

use crate::common::{application_status, eventually, spawn_app, submitted_application};

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_worker_enquires_at_the_bureau_and_pre_approves_a_good_payer(pool: PgPool) {
    let app = spawn_app(&pool).await;
    let application_id = submitted_application(&pool).await;

    eventually("the application is pre-approved", || async {
        application_status(&pool, application_id).await == "pre_approved"
    })
    .await;
    assert_eq!(app.bureau.enquiries().len(), 1, "one enquiry at the bureau");
    app.stop().await.expect("the worker stops cleanly");
}
