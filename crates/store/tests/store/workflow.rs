//! The journey through the store's functions: drafts, submission, search, documents, bureau,
//! notifications, OTP and sessions.

use pocket_store::StoreError;
use pocket_store::applicants::{self, Channel, ConsentPurpose};
use pocket_store::applications::{self, ApplicationStatus, NewApplication};
use pocket_store::bureau::{self, BureauResult};
use pocket_store::documents::{self, DocumentKind, NewDocument, Verification};
use pocket_store::notifications::{self, NewNotification, NotificationChannel, NotificationStatus};
use pocket_store::portal::{self, OtpPurpose};
use sqlx::PgPool;

use crate::common::{self, at};

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_draft_cannot_be_submitted_before_its_details_are_complete(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let applicant = applicants::upsert_by_msisdn(&mut conn, &common::mobile(1)).await.unwrap();
    assert_eq!(
        applicants::upsert_by_msisdn(&mut conn, &common::mobile(1)).await.unwrap(),
        applicant
    );
    let product_id = applications::product_id(&mut conn, "short_term").await.unwrap();
    let created = applications::create(
        &mut conn,
        &NewApplication {
            applicant_id: applicant,
            product_id,
            channel: Channel::Portal,
            partner_id: None,
            created_by_officer_id: None,
            requested_amount_cents: 200_000,
            requested_term_days: 60,
        },
    )
    .await
    .unwrap();
    assert!(created.reference.starts_with("PL-"));
    let early = applications::submit(&mut conn, created.application_id, at(2026, 11, 25)).await;
    assert!(
        matches!(&early, Err(StoreError::Rejected { constraint }) if constraint == "application_submitted_complete_check")
    );
    applications::update_details(&mut conn, created.application_id, &common::details())
        .await
        .unwrap();
    applications::submit(&mut conn, created.application_id, at(2026, 11, 25)).await.unwrap();
    let app = applications::get(&mut conn, created.application_id).await.unwrap();
    assert_eq!(app.status, ApplicationStatus::Submitted);
    // A stale transition loses.
    let stale = applications::transition(
        &mut conn,
        app.application_id,
        ApplicationStatus::Draft,
        ApplicationStatus::Cancelled,
        None,
    )
    .await;
    assert!(matches!(stale, Err(StoreError::NotFound { .. })));
    let found = applications::search(&mut conn, &created.reference, 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        applications::queue(&mut conn, ApplicationStatus::Submitted, 10).await.unwrap().len(),
        1
    );
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn documents_bureau_results_and_consents_are_kept_with_their_evidence(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let f = common::loan(&mut conn, 1).await;
    let doc = documents::add(
        &mut conn,
        &NewDocument {
            application_id: f.application_id,
            kind: DocumentKind::Payslip,
            storage_key: "documents/abc/payslip-1.pdf".into(),
            file_name: "payslip-1.pdf".into(),
            size_bytes: 123_456,
            content_type: "application/pdf".into(),
            sha256: "b".repeat(64),
        },
    )
    .await
    .unwrap();
    let no_reason = documents::verify(
        &mut conn,
        doc,
        f.officer_id,
        Verification::Rejected,
        None,
        at(2026, 11, 3),
    )
    .await;
    assert!(
        matches!(&no_reason, Err(StoreError::Rejected { constraint }) if constraint == "document_verified_check")
    );
    documents::verify(&mut conn, doc, f.officer_id, Verification::Verified, None, at(2026, 11, 3))
        .await
        .unwrap();
    assert_eq!(
        documents::for_application(&mut conn, f.application_id).await.unwrap()[0]
            .verification_status,
        Verification::Verified
    );

    let consent = applicants::record_consent(
        &mut conn,
        f.applicant_id,
        ConsentPurpose::BureauEnquiry,
        "bureau-v3",
        Channel::Portal,
    )
    .await
    .unwrap();
    let enquiry = bureau::request(&mut conn, f.application_id, consent).await.unwrap();
    let result = BureauResult {
        matched: true,
        score: Some(655),
        adverse_listings: 1,
        judgments: 0,
        monthly_obligations_cents: 85_000,
        raw_response_key: "bureau/raw/1.xml".into(),
        summary: serde_json::json!({"accounts": 3}),
    };
    bureau::record_result(&mut conn, enquiry, "XDS-1", &result, at(2026, 11, 2)).await.unwrap();
    let latest = bureau::latest(&mut conn, f.application_id).await.unwrap().unwrap();
    assert_eq!(latest.result, Some(result));

    applicants::withdraw_consent(&mut conn, consent, Channel::Portal).await.unwrap();
    assert_eq!(
        applicants::active_consent(&mut conn, f.applicant_id, ConsentPurpose::BureauEnquiry)
            .await
            .unwrap(),
        None
    );
    let all = applicants::consents(&mut conn, f.applicant_id).await.unwrap();
    assert!(all.iter().any(|c| c.consent_id == consent && !c.is_active()));
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_notification_is_recorded_once_sent_by_one_worker_and_marked_delivered(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let now = at(2026, 11, 25);
    let new = NewNotification {
        applicant_id: None,
        channel: NotificationChannel::Sms,
        recipient: common::msisdn(1),
        template_code: "debit_reminder".into(),
        subject: None,
        body: "Pocket Loans: R1 219.00 will be debited on 25 Nov.".into(),
        idempotency_key: "reminder:instalment-1".into(),
        send_after: now,
    };
    let (id, created) = notifications::enqueue(&mut conn, &new).await.unwrap();
    assert_eq!(notifications::enqueue(&mut conn, &new).await.unwrap(), (id, false));
    assert!(created);
    let claimed = notifications::claim_due(&mut conn, now, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert!(notifications::claim_due(&mut conn, now, 10).await.unwrap().is_empty());
    notifications::mark_sent(&mut conn, id, "clickatell-abc", now).await.unwrap();
    assert!(notifications::mark_delivered(&mut conn, "clickatell-abc", now).await.unwrap());
    let bad =
        NewNotification { recipient: "0821234567".into(), idempotency_key: "x".into(), ..new };
    assert!(notifications::enqueue(&mut conn, &bad).await.is_err());
    let status: String =
        sqlx::query_scalar("select status from notification where notification_id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(status, NotificationStatus::Delivered.as_str());
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_one_time_pin_allows_only_its_attempts_and_a_session_ends_when_revoked(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let now = at(2026, 11, 25);
    let msisdn = common::mobile(1);
    let otp = portal::create_otp(
        &mut conn,
        &msisdn,
        OtpPurpose::SignIn,
        &"c".repeat(64),
        now + chrono::Duration::minutes(5),
        2,
    )
    .await
    .unwrap();
    assert_eq!(portal::record_otp_attempt(&mut conn, otp).await.unwrap().attempts, 1);
    assert!(!portal::record_otp_attempt(&mut conn, otp).await.unwrap().is_open(now));
    assert!(matches!(
        portal::record_otp_attempt(&mut conn, otp).await,
        Err(StoreError::NotFound { .. })
    ));

    let token = "d".repeat(64);
    portal::create_session(&mut conn, &token, &msisdn, None, now + chrono::Duration::hours(1))
        .await
        .unwrap();
    assert!(portal::find_session(&mut conn, &token, now).await.unwrap().is_some());
    assert!(
        portal::find_session(&mut conn, &token, now + chrono::Duration::hours(2))
            .await
            .unwrap()
            .is_none()
    );
    portal::revoke_session(&mut conn, &token, now).await.unwrap();
    assert!(portal::find_session(&mut conn, &token, now).await.unwrap().is_none());
}
