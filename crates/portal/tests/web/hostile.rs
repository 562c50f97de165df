//! Hostile input on the web side: forms without or with a wrong CSRF token, PIN guessing, PIN
//! floods, SQL and HTML in every text field, hostile uploads, and abuse of the error beacon.

use pocket_sandbox::xds::GOOD_PAYER_ID;
use sqlx::PgPool;

use crate::common::{
    client, fill_steps, get, hidden, pdf, png, post, sign_in, start, start_with, upload,
};

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn forms_without_the_right_csrf_token_change_nothing(pool: PgPool) {
    let p = start(&pool).await;
    let visitor = client();
    let form = get(&visitor, &p.at("/sign-in")).await;
    // Missing.
    let r = visitor.post(p.at("/sign-in")).form(&[("mobile", "0825550303")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    // Wrong.
    let wrong =
        post(&visitor, &p.at("/sign-in"), "0".repeat(64).as_str(), &[("mobile", "0825550303")])
            .await;
    assert_eq!(wrong.status, 403);
    assert!(wrong.html.contains("nothing was changed"));
    // Another visitor's token.
    let other = client();
    let theirs = get(&other, &p.at("/sign-in")).await;
    assert_ne!(hidden(&theirs.html, "csrf"), hidden(&form.html, "csrf"));
    let stolen = post(
        &visitor,
        &p.at("/sign-in"),
        &hidden(&theirs.html, "csrf"),
        &[("mobile", "0825550303")],
    )
    .await;
    assert_eq!(stolen.status, 403);
    assert!(p.sms.messages().is_empty(), "no PIN was sent");

    // Signed in: a step posted with the pre-sign-in token or none is refused, and not saved.
    let signed = sign_in(&p, &visitor, "0825550303", "27825550303").await;
    assert!(signed.url.ends_with("/apply/personal"));
    let refused = post(
        &visitor,
        &p.at("/apply/personal"),
        &hidden(&form.html, "csrf"),
        &[("first_names", "Mallory")],
    )
    .await;
    assert_eq!(refused.status, 403);
    let r = visitor.post(p.at("/apply/submit")).form(&[("x", "y")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let names: Vec<Option<String>> =
        sqlx::query_scalar("select first_names from applicant").fetch_all(&pool).await.unwrap();
    assert_eq!(names, [None]);
    p.stop().await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_pin_is_void_after_five_wrong_guesses_even_for_the_right_one(pool: PgPool) {
    let p = start(&pool).await;
    let c = client();
    let form = get(&c, &p.at("/sign-in")).await;
    let sent =
        post(&c, &p.at("/sign-in"), &hidden(&form.html, "csrf"), &[("mobile", "0715550404")]).await;
    let challenge = hidden(&sent.html, "challenge");
    let pin = p.last_pin("27715550404");
    let wrong = if pin == "000000" { "111111" } else { "000000" };
    for left in (0..5).rev() {
        let page = post(
            &c,
            &p.at("/sign-in/pin"),
            &hidden(&sent.html, "csrf"),
            &[("challenge", &challenge), ("pin", wrong)],
        )
        .await;
        assert_eq!(page.status, 422);
        if left > 0 {
            assert!(page.html.contains("not right"), "{}", page.html);
        } else {
            assert!(page.html.contains("can no longer be used"), "{}", page.html);
        }
    }
    let late = post(
        &c,
        &p.at("/sign-in/pin"),
        &hidden(&sent.html, "csrf"),
        &[("challenge", &challenge), ("pin", &pin)],
    )
    .await;
    assert_eq!(late.status, 422);
    assert!(late.html.contains("can no longer be used"));
    let sessions: i64 =
        sqlx::query_scalar("select count(*) from portal_session").fetch_one(&pool).await.unwrap();
    assert_eq!(sessions, 0, "no session from a void PIN");
    // Not a PIN at all, and a made-up challenge.
    let junk = post(
        &c,
        &p.at("/sign-in/pin"),
        &hidden(&sent.html, "csrf"),
        &[("challenge", &challenge), ("pin", "12ab")],
    )
    .await;
    assert!(junk.html.contains("A PIN is 6 digits"));
    let made_up = post(
        &c,
        &p.at("/sign-in/pin"),
        &hidden(&sent.html, "csrf"),
        &[("challenge", &uuid::Uuid::new_v4().to_string()), ("pin", "123456")],
    )
    .await;
    assert!(made_up.html.contains("can no longer be used"));
    p.stop().await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn pin_sends_are_limited_per_number_and_per_address(pool: PgPool) {
    let p = start(&pool).await;
    let c = client();
    let form = get(&c, &p.at("/sign-in")).await;
    let csrf = hidden(&form.html, "csrf");
    for _ in 0..3 {
        let ok = post(&c, &p.at("/sign-in"), &csrf, &[("mobile", "0605550505")]).await;
        assert_eq!(ok.status, 200);
    }
    let fourth = post(&c, &p.at("/sign-in"), &csrf, &[("mobile", "060 555 0505")]).await;
    assert_eq!(fourth.status, 429);
    assert!(fourth.html.contains("Wait 15 minutes"));
    assert_eq!(p.sms.messages().len(), 3);
    // Per address: ten sends in the window, whatever the numbers.
    for i in 0..7 {
        let number = format!("061555{:04}", i);
        let ok = post(&c, &p.at("/sign-in"), &csrf, &[("mobile", &number)]).await;
        assert_eq!(ok.status, 200, "send {i}");
    }
    let eleventh = post(&c, &p.at("/sign-in"), &csrf, &[("mobile", "0625559999")]).await;
    assert_eq!(eleventh.status, 429);
    assert_eq!(p.sms.messages().len(), 10);
    // Not a mobile number: a plain error, nothing sent.
    let landline = post(&c, &p.at("/sign-in"), &csrf, &[("mobile", "011 555 0000")]).await;
    assert_eq!(landline.status, 422);
    assert!(landline.html.contains("not a cellphone number"), "{}", landline.html);
    p.stop().await;
}

const HOSTILE: [&str; 3] = [
    "<script>alert('x')</script>",
    "Robert'); DROP TABLE applicant;--",
    "\"><img src=x onerror=alert(1)>",
];

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn sql_and_html_in_every_text_field_are_stored_verbatim_and_shown_escaped(pool: PgPool) {
    let p = start(&pool).await;
    let c = client();
    sign_in(&p, &c, "0725550606", "27725550606").await;
    fill_steps(&p, &c, GOOD_PAYER_ID, "Thabo", "Nkosi").await;
    let [script, sql, attr] = HOSTILE;
    let personal = get(&c, &p.at("/apply/personal")).await;
    let saved = post(
        &c,
        &p.at("/apply/personal"),
        &hidden(&personal.html, "csrf"),
        &[
            ("first_names", script),
            ("surname", sql),
            ("id_number", GOOD_PAYER_ID),
            ("email", ""),
            ("address_line1", attr),
            ("address_line2", script),
            ("suburb", sql),
            ("city", attr),
            ("postal_code", "1804"),
        ],
    )
    .await;
    assert!(saved.url.ends_with("/apply/employment"), "{}", saved.html);
    let employment = get(&c, &p.at("/apply/employment")).await;
    let saved = post(
        &c,
        &p.at("/apply/employment"),
        &hidden(&employment.html, "csrf"),
        &[
            ("employer_name", script),
            ("employment_type", "permanent"),
            ("pay_frequency", "monthly"),
            ("payday", "last_working_day"),
            ("gross_income", "25000"),
            ("net_income", "19000"),
        ],
    )
    .await;
    assert!(saved.url.ends_with("/apply/expenses"));
    let bank = get(&c, &p.at("/apply/bank")).await;
    post(
        &c,
        &p.at("/apply/bank"),
        &hidden(&bank.html, "csrf"),
        &[
            ("account_holder", sql),
            ("branch_code", "250655"),
            ("account_number", "62123456789"),
            ("account_type", "1"),
        ],
    )
    .await;

    let (first, surname, line1, line2, suburb, city): (
        String,
        String,
        String,
        String,
        String,
        String,
    ) = sqlx::query_as(
        "select first_names, surname, address_line1, address_line2, suburb, city from applicant",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((first.as_str(), surname.as_str(), line1.as_str()), (script, sql, attr));
    assert_eq!((line2.as_str(), suburb.as_str(), city.as_str()), (script, sql, attr));
    let (employer, holder): (String, String) =
        sqlx::query_as("select employer_name, bank_account_holder from application")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((employer.as_str(), holder.as_str()), (script, sql));
    let tables: i64 =
        sqlx::query_scalar("select count(*) from applicant").fetch_one(&pool).await.unwrap();
    assert_eq!(tables, 1, "the table is still there");

    for path in ["/apply/personal", "/apply/employment", "/apply/bank", "/apply/review"] {
        let page = get(&c, &p.at(path)).await;
        assert!(!page.html.contains("<script>alert"), "{path} shows raw HTML");
        assert!(!page.html.contains("<img src=x"), "{path} shows raw HTML");
        assert!(
            page.html.contains("&lt;script&gt;")
                || page.html.contains("&#x27;")
                || page.html.contains("&#39;"),
            "{path}"
        );
    }
    // Out of range and malformed values get plain errors, and are not saved.
    let loan = get(&c, &p.at("/apply/loan")).await;
    let bad = post(
        &c,
        &p.at("/apply/loan"),
        &hidden(&loan.html, "csrf"),
        &[("amount", "R9 999 999"), ("term", "2")],
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("There is a problem"));
    let personal = get(&c, &p.at("/apply/personal")).await;
    let bad_id = post(
        &c,
        &p.at("/apply/personal"),
        &hidden(&personal.html, "csrf"),
        &[
            ("first_names", "A"),
            ("surname", "B"),
            ("id_number", "9102030123083"),
            ("address_line1", "x"),
            ("city", "y"),
            ("postal_code", "12"),
        ],
    )
    .await;
    assert_eq!(bad_id.status, 422);
    assert!(bad_id.html.contains("Enter a valid South African ID number"), "{}", bad_id.html);
    assert!(bad_id.html.contains("check digit"));
    assert!(bad_id.html.contains("A postal code has 4 digits"));
    let long = "x".repeat(500);
    let too_long = post(
        &c,
        &p.at("/apply/personal"),
        &hidden(&personal.html, "csrf"),
        &[
            ("first_names", &long),
            ("surname", "B"),
            ("id_number", GOOD_PAYER_ID),
            ("address_line1", "x"),
            ("city", "y"),
            ("postal_code", "1804"),
        ],
    )
    .await;
    assert_eq!(too_long.status, 422);
    p.stop().await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn hostile_uploads_are_refused_and_names_cannot_reach_the_file_system(pool: PgPool) {
    let p = start_with(&pool, |portal| {
        portal.documents = portal.documents.clone().with_max_bytes(256 * 1024);
    })
    .await;
    let c = client();
    sign_in(&p, &c, "0845550707", "27845550707").await;
    let page = fill_steps(&p, &c, GOOD_PAYER_ID, "Thabo", "Nkosi").await;

    // Too large.
    let mut big = pdf();
    big.splice(9..9, std::iter::repeat_n(b' ', 300 * 1024));
    let r = upload(&p, &c, &page.html, "payslip", "big.pdf", "application/pdf", big).await;
    assert_eq!(r.status, 422);
    assert!(r.html.contains("larger than"), "{}", r.html);
    // A program named like a PDF.
    let r = upload(
        &p,
        &c,
        &page.html,
        "payslip",
        "payslip.pdf",
        "application/pdf",
        b"MZ\x90\x00\x03 this is a program".to_vec(),
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.html.contains("must be a PDF or a photo"));
    // HTML named like a PDF.
    let r = upload(
        &p,
        &c,
        &page.html,
        "payslip",
        "payslip.pdf",
        "application/pdf",
        b"<html><script>alert(1)</script></html>".to_vec(),
    )
    .await;
    assert_eq!(r.status, 422);
    // A file that starts like a PDF but is not one (no end of file marker).
    let r = upload(
        &p,
        &c,
        &page.html,
        "payslip",
        "payslip.pdf",
        "application/pdf",
        b"%PDF-1.7\n<html>not really</html>".to_vec(),
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.html.contains("damaged or incomplete"), "{}", r.html);
    // Empty.
    let r = upload(&p, &c, &page.html, "payslip", "empty.pdf", "application/pdf", Vec::new()).await;
    assert_eq!(r.status, 422);
    // A kind that is not on the list.
    let r = upload(&p, &c, &page.html, "agreement", "x.pdf", "application/pdf", pdf()).await;
    assert_eq!(r.status, 422);
    let count: i64 =
        sqlx::query_scalar("select count(*) from document").fetch_one(&pool).await.unwrap();
    assert_eq!(count, 0, "nothing hostile was recorded");

    // A PNG labelled as a PDF is stored as what it is; a path in the name is only a name.
    let r = upload(
        &p,
        &c,
        &page.html,
        "proof_of_address",
        "../../etc/passwd",
        "application/pdf",
        png(),
    )
    .await;
    assert!(r.url.ends_with("/apply/documents"), "{}", r.html);
    let (name, kind, key): (String, String, String) =
        sqlx::query_as("select file_name, content_type, storage_key from document")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(name, "passwd");
    assert_eq!(kind, "image/png");
    assert!(key.starts_with("documents/") && !key.contains(".."), "{key}");
    assert!(p.documents.join(&key).is_file(), "stored inside the documents folder");
    // No file appeared outside it (nothing was written beside the folder).
    let siblings: Vec<_> = std::fs::read_dir(p.documents.parent().unwrap()).unwrap().collect();
    assert!(siblings.iter().all(|e| e.as_ref().unwrap().path().is_dir()));
    // Without a CSRF token the upload is refused before the file is read.
    let part = reqwest::multipart::Part::bytes(pdf()).file_name("a.pdf");
    let form = reqwest::multipart::Form::new().text("kind", "payslip").part("file", part);
    let r = c.post(p.at("/application/documents")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 403);
    p.stop().await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_error_beacon_is_size_and_rate_limited(pool: PgPool) {
    let p = start_with(&pool, |portal| portal.limits.beacons_per_minute = 2).await;
    let c = client();
    let big = "x".repeat(3000);
    let r = c.post(p.at("/beacon")).body(big).send().await.unwrap();
    assert_eq!(r.status(), 413);
    let huge = "x".repeat(100_000);
    let r = c.post(p.at("/beacon")).body(huge).send().await.unwrap();
    assert_eq!(r.status(), 413);
    let r = c
        .post(p.at("/beacon"))
        .body(r#"{"kind":"error","message":"x is undefined"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = c.post(p.at("/beacon")).body("y").send().await.unwrap();
    assert_eq!(r.status(), 429, "two reports a minute, counting refused ones");
    assert_eq!(p.portal.beacon_reports.load(std::sync::atomic::Ordering::Relaxed), 1);
    // Unknown pages and internal paths get the friendly page, not a trace.
    let page = get(&c, &p.at("/no/such/page")).await;
    assert_eq!(page.status, 404);
    assert!(page.html.contains("Page not found"));
    let page = get(&c, &p.at("/static/../../Cargo.toml")).await;
    assert_eq!(page.status, 404);
    p.stop().await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_pin_expires_after_five_minutes_and_a_session_after_twelve_hours(pool: PgPool) {
    let p = start(&pool).await;
    let c = client();
    let form = get(&c, &p.at("/sign-in")).await;
    let sent =
        post(&c, &p.at("/sign-in"), &hidden(&form.html, "csrf"), &[("mobile", "0735550808")]).await;
    let pin = p.last_pin("27735550808");
    p.clock.advance(chrono::Duration::minutes(5) + chrono::Duration::seconds(1));
    let late = post(
        &c,
        &p.at("/sign-in/pin"),
        &hidden(&sent.html, "csrf"),
        &[("challenge", &hidden(&sent.html, "challenge")), ("pin", &pin)],
    )
    .await;
    assert_eq!(late.status, 422);
    assert!(late.html.contains("can no longer be used"), "{}", late.html);

    let signed = sign_in(&p, &c, "0735550808", "27735550808").await;
    assert!(signed.url.ends_with("/apply/personal"));
    p.clock.advance(chrono::Duration::hours(11));
    assert!(get(&c, &p.at("/apply")).await.url.contains("/apply/"));
    p.clock.advance(chrono::Duration::hours(1) + chrono::Duration::seconds(1));
    let after = get(&c, &p.at("/apply")).await;
    assert!(after.url.ends_with("/sign-in"), "the session ended: {}", after.url);
    p.stop().await;
}
