//! The journey a demanding applicant makes on a cheap phone: calculator, PIN sign-in, every
//! step, an upload, submit, the pre-approval decided by a real worker against the XDS
//! simulator's good payer, acceptance, signing with a PIN, and the application page.

use std::sync::atomic::Ordering;

use pocket_sandbox::xds::GOOD_PAYER_ID;
use sqlx::PgPool;

use crate::common::{Platform, output_dir, pdf, start};
use crate::driver::Browser;

/// The most a page may transfer on an empty cache, everything included.
const PAGE_BUDGET: u64 = 50 * 1024;

struct Run<'a> {
    p: &'a Platform,
    b: Browser,
    javascript: bool,
    weights: Vec<(String, u64)>,
}

impl Run<'_> {
    /// After a page arrived: a screenshot, no console error, and (with JavaScript) its weight.
    async fn arrived(&mut self, name: &str) {
        self.b.shot(name).await;
        assert_eq!(
            self.b.script_ran().await,
            self.javascript,
            "{name}: JavaScript on is {}",
            self.javascript
        );
        let errors = self.b.console_errors().await;
        assert!(errors.is_empty(), "console errors on {name}: {errors:#?}");
        if self.javascript {
            let bytes = self.b.transferred().await;
            self.weights.push((name.to_owned(), bytes));
            assert!(bytes <= PAGE_BUDGET, "{name} transferred {bytes} bytes, above {PAGE_BUDGET}");
            assert!(bytes > 0, "{name}: nothing measured");
        }
    }

    /// Before a navigation: with JavaScript, an empty cache (so each page is measured as a
    /// first visit).
    async fn before(&self) {
        if self.javascript {
            self.b.clear_cache().await;
        }
    }

    async fn goto(&mut self, path: &str, name: &str) {
        self.before().await;
        self.b.goto(&self.p.at(path)).await;
        self.arrived(name).await;
    }

    async fn submit(&mut self, action: &str, name: &str) {
        self.before().await;
        self.b.submit(action).await;
        self.arrived(name).await;
    }

    async fn sign_in_pin(&mut self, digits: &str, action: &str, name: &str) {
        let pin = self.p.last_pin(digits);
        self.b.fill("pin", &pin).await;
        self.submit(action, name).await;
    }
}

async fn journey(pool: PgPool, javascript: bool) {
    let p = start(&pool).await;
    let label = if javascript { "browser-js" } else { "browser-no-js" };
    let shots = output_dir(label);
    let b = Browser::start(javascript, shots.clone()).await;
    let mut run = Run { p: &p, b, javascript, weights: Vec::new() };
    let (mobile, digits) =
        if javascript { ("082 555 1001", "27825551001") } else { ("0835551002", "27835551002") };

    run.goto("/", "calculator").await;
    run.b.fill("amount", "R2 500").await;
    run.b.fill("term", "45").await;
    run.submit("/", "calculator-quote").await;
    assert!(run.b.html().await.contains("Total you repay"));

    run.goto("/sign-in", "sign-in").await;
    run.b.fill("mobile", mobile).await;
    run.submit("/sign-in", "pin").await;
    run.sign_in_pin(digits, "/sign-in/pin", "personal").await;
    assert!(run.b.url().await.ends_with("/apply/personal"));

    for (name, value) in [
        ("first_names", "Thabo"),
        ("surname", "Nkosi"),
        ("id_number", GOOD_PAYER_ID),
        ("address_line1", "12 Vilakazi Street"),
        ("suburb", "Orlando West"),
        ("city", "Soweto"),
        ("postal_code", "1804"),
    ] {
        run.b.fill(name, value).await;
    }
    run.submit("/apply/personal", "employment").await;
    run.b.fill("employer_name", "Shoprite").await;
    run.b.choose("employment_type", "permanent").await;
    run.b.choose("pay_frequency", "monthly").await;
    run.b.choose("payday", "last_working_day").await;
    run.b.fill("gross_income", "25000").await;
    run.b.fill("net_income", "19 000").await;
    run.submit("/apply/employment", "expenses").await;
    run.b.fill("declared_expenses", "6000").await;
    run.b.fill("declared_debt", "3000").await;
    run.submit("/apply/expenses", "bank").await;
    run.b.fill("account_holder", "T Nkosi").await;
    run.b.fill("branch_code", "250655").await;
    run.b.fill("account_number", "62123456789").await;
    run.b.choose("account_type", "1").await;
    run.submit("/apply/bank", "loan").await;
    run.b.fill("amount", "2000").await;
    run.b.fill("term", "60").await;
    run.submit("/apply/loan", "consents").await;
    run.b.tick("bureau_enquiry").await;
    run.b.tick("processing").await;
    run.submit("/apply/consents", "documents").await;

    let file = shots.join("payslip.pdf");
    std::fs::write(&file, pdf()).expect("a file to upload");
    run.b.choose("kind", "payslip").await;
    let input = run
        .b
        .client
        .find(fantoccini::Locator::Css("input[name='file']"))
        .await
        .expect("file input");
    input.send_keys(&file.display().to_string()).await.expect("file chosen");
    run.submit("/application/documents", "uploaded").await;
    assert!(run.b.html().await.contains("payslip.pdf"), "the upload is listed");

    run.goto("/apply/review", "review").await;
    run.submit("/apply/submit", "deciding").await;
    run.b.wait_for_text("pre-approved").await;
    run.arrived("pre-approved").await;
    assert_eq!(p.bureau.enquiries().len(), 1);

    run.submit("/application/accept", "agreement").await;
    run.submit("/application/sign/pin", "signing-pin").await;
    run.sign_in_pin(digits, "/application/sign", "signed").await;
    assert!(run.b.html().await.contains("Signed with your one-time PIN"));
    run.goto("/application", "status").await;
    assert!(run.b.html().await.contains("You signed your agreement"));

    let signed: i64 =
        sqlx::query_scalar("select count(*) from agreement").fetch_one(&pool).await.unwrap();
    assert_eq!(signed, 1);
    assert_eq!(
        p.portal.beacon_reports.load(Ordering::Relaxed),
        0,
        "no client-side error was reported"
    );
    for (page, bytes) in &run.weights {
        println!("{label}: {page}: {bytes} bytes");
    }
    println!("{label}: screenshots in {}", shots.display());
    run.b.close().await;
    p.stop().await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_whole_journey_in_chromium_on_a_phone(pool: PgPool) {
    journey(pool, true).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_whole_journey_in_chromium_with_javascript_off(pool: PgPool) {
    journey(pool, false).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_large_photo_is_shrunk_on_the_phone_before_it_is_sent(pool: PgPool) {
    let p = start(&pool).await;
    let shots = output_dir("browser-photo");
    let mut b = Browser::start(true, shots).await;
    b.goto(&p.at("/sign-in")).await;
    b.fill("mobile", "0825551003").await;
    b.submit("/sign-in").await;
    b.fill("pin", &p.last_pin("27825551003")).await;
    b.submit("/sign-in/pin").await;
    b.goto(&p.at("/apply/documents")).await;
    // A 2600x2600 photo-like PNG of random pixels (tens of megabytes) chosen in the file input.
    let script = "const done = arguments[arguments.length - 1];\
        const c = document.createElement('canvas'); c.width = 2600; c.height = 2600;\
        const ctx = c.getContext('2d'); const img = ctx.createImageData(2600, 2600);\
        for (let i = 0; i < img.data.length; i++) { img.data[i] = i % 4 === 3 ? 255 : (Math.random() * 256) | 0; }\
        ctx.putImageData(img, 0, 0);\
        c.toBlob(function (blob) {\
          const dt = new DataTransfer(); dt.items.add(new File([blob], 'photo.png', { type: 'image/png' }));\
          document.querySelector(\"input[name='file']\").files = dt.files; done(blob.size);\
        }, 'image/png');";
    let original = b.client.execute_async(script, vec![]).await.expect("a photo is chosen");
    let original = original.as_u64().expect("its size");
    assert!(original > 10 * 1024 * 1024, "the photo is larger than the upload limit: {original}");
    b.choose("kind", "proof_of_address").await;
    b.submit("/application/documents").await;
    b.shot("photo-uploaded").await;
    let (name, kind, size): (String, String, i64) =
        sqlx::query_as("select file_name, content_type, size_bytes from document")
            .fetch_one(&pool)
            .await
            .expect("the photo arrived");
    assert_eq!(kind, "image/jpeg", "shrunk to a JPEG on the phone");
    assert_eq!(name, "photo.jpg");
    assert!((size as u64) < original / 2, "{size} bytes sent for a {original}-byte photo");
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "{errors:#?}");
    b.close().await;
    p.stop().await;
}
