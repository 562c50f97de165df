//! The whole journey without JavaScript: calculator, PIN sign-in, every step (resumed on a
//! second device), an upload, submit, the decision by a real worker, acceptance, signing with a
//! PIN, and the application page.

use pocket_sandbox::xds::GOOD_PAYER_ID;
use sqlx::PgPool;

use crate::common::{
    client, fill_steps, get, hidden, pdf, post, sign_in, start, upload, wait_for_page,
};

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_good_payer_applies_is_pre_approved_accepts_and_signs_without_javascript(pool: PgPool) {
    let p = start(&pool).await;
    let phone = client();

    // The calculator: a GET form.
    let calc = get(&phone, &p.at("/?amount=R2+000&term=30")).await;
    assert_eq!(calc.status, 200);
    assert!(calc.html.contains("Total you repay"), "{}", calc.html);
    assert!(calc.html.contains("Initiation fee") && calc.html.contains("VAT on fees"));
    let too_much = get(&phone, &p.at("/?amount=900000&term=30")).await;
    assert!(too_much.html.contains("There is a problem"), "{}", too_much.html);

    // Sign in with the number spelled the way people write it.
    let signed_in = sign_in(&p, &phone, "+27 (82) 555-0101", "27825550101").await;
    assert!(signed_in.url.ends_with("/apply/personal"), "{}", signed_in.url);
    let sms = p.sms.messages();
    assert!(sms.iter().any(|m| m.content.contains("sign-in PIN")));
    // The PIN is stored only as a keyed hash, never in an outbox row.
    let pin = p.last_pin("27825550101");
    let stored: Vec<String> =
        sqlx::query_scalar("select pin_hash from otp_challenge").fetch_all(&pool).await.unwrap();
    assert!(stored.iter().all(|h| !h.contains(&pin) && h.len() > 64));
    let outbox: i64 =
        sqlx::query_scalar("select count(*) from notification where body like '%' || $1 || '%'")
            .bind(&pin)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(outbox, 0);

    // The first step, then the rest on another device.
    let personal = get(&phone, &p.at("/apply/personal")).await;
    let saved = post(
        &phone,
        &p.at("/apply/personal"),
        &hidden(&personal.html, "csrf"),
        &[
            ("first_names", "Thabo"),
            ("surname", "Nkosi"),
            ("id_number", "910203 0123 082"),
            ("address_line1", "12 Vilakazi Street"),
            ("city", "Soweto"),
            ("postal_code", "1804"),
        ],
    )
    .await;
    assert!(saved.url.ends_with("/apply/employment"), "{}", saved.html);
    let laptop = client();
    let resumed = sign_in(&p, &laptop, "082 555 0101", "27825550101").await;
    assert!(resumed.url.ends_with("/apply/employment"), "resumed at {}", resumed.url);
    let again = get(&laptop, &p.at("/apply/personal")).await;
    assert!(again.html.contains("value=\"Nkosi\""), "the draft was kept");

    let after_steps = fill_steps(&p, &laptop, GOOD_PAYER_ID, "Thabo", "Nkosi").await;
    assert!(after_steps.url.ends_with("/apply/documents"), "{}", after_steps.url);

    // An upload, then the same file again: one document.
    let uploaded =
        upload(&p, &laptop, &after_steps.html, "id_copy", "my id.pdf", "application/pdf", pdf())
            .await;
    assert!(uploaded.url.ends_with("/apply/documents"), "{}", uploaded.html);
    assert!(uploaded.html.contains("my id.pdf"));
    let again =
        upload(&p, &laptop, &uploaded.html, "id_copy", "my id.pdf", "application/pdf", pdf()).await;
    assert!(again.url.ends_with("/apply/documents"));
    let docs: i64 =
        sqlx::query_scalar("select count(*) from document").fetch_one(&pool).await.unwrap();
    assert_eq!(docs, 1, "a repeated upload is one document");

    // Submit: the worker decides through the bureau simulator.
    let review = get(&laptop, &p.at("/apply/review")).await;
    assert!(review.html.contains("Thabo Nkosi"));
    let deciding = post(&laptop, &p.at("/apply/submit"), &hidden(&review.html, "csrf"), &[]).await;
    assert!(deciding.url.ends_with("/application"), "{}", deciding.url);
    let offer = wait_for_page(&laptop, &p.at("/application"), "pre-approved").await;
    assert!(offer.contains("Accept this quote"), "{offer}");
    assert!(!offer.contains("http-equiv=\"refresh\""), "no refresh once decided");
    assert_eq!(p.bureau.enquiries().len(), 1);

    // Accept, read the agreement, sign with a PIN.
    let agreement = post(&laptop, &p.at("/application/accept"), &hidden(&offer, "csrf"), &[]).await;
    assert!(agreement.url.ends_with("/application/agreement"), "{}", agreement.url);
    assert!(agreement.html.contains("Loan agreement") && agreement.html.contains("Thabo Nkosi"));
    let pin_page =
        post(&laptop, &p.at("/application/sign/pin"), &hidden(&agreement.html, "csrf"), &[]).await;
    assert_eq!(pin_page.status, 200, "{}", pin_page.html);
    let pin = p.last_pin("27825550101");
    assert!(p.sms.messages().last().unwrap().content.contains("sign your loan agreement"));
    let signed = post(
        &laptop,
        &p.at("/application/sign"),
        &hidden(&pin_page.html, "csrf"),
        &[("challenge", &hidden(&pin_page.html, "challenge")), ("pin", &pin)],
    )
    .await;
    assert!(signed.url.ends_with("/application/agreement"), "{}", signed.html);
    assert!(signed.html.contains("Signed with your one-time PIN"), "{}", signed.html);

    let status = get(&laptop, &p.at("/application")).await;
    assert!(status.html.contains("You signed your agreement"), "{}", status.html);
    assert!(status.html.contains("Timeline") && status.html.contains("Quote accepted"));
    let agreements: i64 =
        sqlx::query_scalar("select count(*) from agreement where status = 'signed'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(agreements, 1);
    let purposes: Vec<String> = sqlx::query_scalar("select purpose from consent order by seq")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(purposes, ["bureau_enquiry", "processing", "debit_order"]);
    let channels: Vec<String> =
        sqlx::query_scalar("select distinct channel from consent").fetch_all(&pool).await.unwrap();
    assert_eq!(channels, ["portal"]);
    // The portal and the worker worked with their own roles' privileges only.
    let roles: Vec<(String, String)> = sqlx::query_as(
        "select to_status, effective_role from application_status_history order by seq",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let expected = [
        ("draft", "pocket_portal"),
        ("submitted", "pocket_portal"),
        ("pre_approved", "pocket_worker"),
    ];
    let expected: Vec<(String, String)> =
        expected.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect();
    assert_eq!(roles, expected);

    // Once paid out (by an officer, outside the portal), the page shows the loan through the
    // portal's SECURITY DEFINER window on it: balance, next debit order, schedule.
    let mut conn = pool.acquire().await.unwrap();
    let (application_id, applicant_id): (uuid::Uuid, uuid::Uuid) =
        sqlx::query_as("select application_id, applicant_id from application")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    let agreement_id: uuid::Uuid = sqlx::query_scalar("select agreement_id from agreement")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let quote_id: uuid::Uuid =
        sqlx::query_scalar("select quote_id from quote where status = 'accepted'")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    let principal: i64 =
        sqlx::query_scalar("select principal_cents from quote where quote_id = $1")
            .bind(quote_id)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    // An officer approves (the back office's step; here as plain rows).
    let officer_id: uuid::Uuid = sqlx::query_scalar(
        "insert into officer (login_name, full_name, email, group_role, approval_limit_cents)
         values ('tportalofficer', 'Test Officer', 'officer@example.co.za', 'pocket_officer', 1000000)
         returning officer_id",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let decision_id: uuid::Uuid = sqlx::query_scalar(
        "insert into decision (application_id, source, outcome, reason_codes, approved_amount_cents,
                               approved_term_days, decided_by_officer_id)
         select application_id, 'officer', 'approve', '{}', principal_cents, term_days, $2
         from quote where quote_id = $1 returning decision_id",
    )
    .bind(quote_id)
    .bind(officer_id)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert!(principal > 0);
    let quote = pocket_store::quotes::get(&mut conn, quote_id).await.unwrap();
    let today = chrono::Utc::now().date_naive();
    let loan_id = pocket_store::loans::create(
        &mut conn,
        &pocket_store::loans::NewLoan {
            application_id,
            applicant_id,
            agreement_id,
            decision_id,
            principal_cents: quote.principal_cents,
            term_days: quote.term_days,
            interest_rate_bp: quote.interest_rate_bp,
            first_loan: quote.first_loan,
            total_repayable_cents: quote.total_repayable_cents,
            disbursed_on: today,
            disbursement_reference: None,
        },
    )
    .await
    .unwrap();
    pocket_store::loans::add_instalments(
        &mut conn,
        loan_id,
        &[pocket_store::loans::NewInstalment {
            sequence: 1,
            due_date: quote.first_instalment_date,
            principal_cents: quote.principal_cents,
            interest_cents: quote.interest_cents,
            fee_cents: quote.initiation_fee_cents + quote.service_fee_cents,
            vat_cents: quote.vat_cents,
        }],
    )
    .await
    .unwrap();
    drop(conn);
    let with_loan = get(&laptop, &p.at("/application")).await;
    assert!(with_loan.html.contains("Your loan PL-"), "{}", with_loan.html);
    assert!(with_loan.html.contains("Next debit order"));
    let due = quote.first_instalment_date.format("%-d %B %Y").to_string();
    assert!(with_loan.html.contains(&due), "the next debit date {due} shows");
    assert!(
        with_loan
            .html
            .contains(&pocket_domain::Money::from_cents(quote.total_repayable_cents).to_string())
    );
    p.stop().await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_declined_applicant_sees_the_reasons_and_can_ask_for_a_human_review(pool: PgPool) {
    let p = start(&pool).await;
    let phone = client();
    sign_in(&p, &phone, "0835550202", "27835550202").await;
    fill_steps(&p, &phone, pocket_sandbox::xds::JUDGMENTS_ID, "Sipho", "Dlamini").await;
    let review = get(&phone, &p.at("/apply/review")).await;
    post(&phone, &p.at("/apply/submit"), &hidden(&review.html, "csrf"), &[]).await;
    let page = wait_for_page(&phone, &p.at("/application"), "Ask for a human review").await;
    assert!(page.contains("judgments") || page.contains("credit"), "{page}");
    let after = post(&phone, &p.at("/application/review"), &hidden(&page, "csrf"), &[]).await;
    assert!(after.html.contains("You asked for a person to review"), "{}", after.html);
    assert!(!after.html.contains("Ask for a human review</button>"));
    let requests: i64 =
        sqlx::query_scalar("select count(*) from review_request").fetch_one(&pool).await.unwrap();
    assert_eq!(requests, 1);
    p.stop().await;
}
