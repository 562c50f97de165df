//! The review desk in the real app: an officer opens an application, views an ID photo (zoomed and
//! rotated) and a PDF payslip inside the app, verifies the photo against its checklist, asks the
//! applicant for documents and writes a note; screenshots of each screen.

use fantoccini::Client;
use pocket_store::documents::DocumentKind;
use sqlx::PgPool;

use super::{common, open_by_search, sign_in};
use common::driver::{self, find, shot, until};
use common::files;

async fn open_document(client: &Client, kind: &str) {
    let button = format!("tr.document-row[data-kind='{kind}'] button.view-document");
    find(client, &button).await.click().await.expect("opening the document");
    find(client, "#viewer").await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn an_officer_views_and_verifies_documents_in_the_real_app(pool: PgPool) {
    common::seed(&pool, 40).await;
    let (id, reference) = common::referred_application(&pool, 150_000, 0).await;
    let folder = files::folder("e2e");
    let photo = files::store(
        &pool,
        &folder,
        &id,
        DocumentKind::IdCopy,
        "id-card.png",
        files::id_card_png(),
    )
    .await;
    let pdf = files::pdf(&[
        "Payslip - November 2026",
        "Employer: Acme Mining (Pty) Ltd",
        "Gross pay: R 18 500.00",
        "Net pay: R 14 210.35",
    ]);
    files::store(&pool, &folder, &id, DocumentKind::Payslip, "payslip-nov.pdf", pdf).await;
    let thabo = common::login(&pool, "thabo").await;
    let mut settings = common::config_json(&pool);
    settings["documents"] = serde_json::json!(folder.display().to_string());
    let config = driver::write_config(&settings);
    let (processes, client) = driver::launch(&config).await;

    sign_in(&client, &thabo).await;
    open_by_search(&client, &reference).await;
    find(&client, "tr.document-row[data-kind='id_copy']").await;

    // The ID photo, shown inside the app, then zoomed and turned.
    open_document(&client, "id_copy").await;
    until(
        &client,
        "the photo drawn",
        "const i = document.querySelector('#viewer-image'); return !!i && i.complete && i.naturalWidth === 480",
    )
    .await;
    shot(&client, "07-document-image").await;
    for _ in 0..2 {
        find(&client, "button[title='Zoom in (+)']").await.click().await.expect("zooming");
    }
    find(&client, "#viewer-rotate").await.click().await.expect("rotating");
    until(
        &client,
        "the zoom",
        "return document.querySelector('#viewer-zoom').textContent === '150%'",
    )
    .await;
    shot(&client, "08-document-image-zoomed").await;

    // The checklist: every item confirmed, then verified.
    for check in ["id_number_matches", "name_matches", "photo_legible"] {
        find(&client, &format!("input[data-check='{check}']"))
            .await
            .click()
            .await
            .expect("ticking");
    }
    find(&client, "#verify-document").await.click().await.expect("verifying");
    find(&client, ".toast-success").await;
    find(&client, "#checked-by").await;
    let status: String =
        sqlx::query_scalar("select verification_status from document where document_id = $1::uuid")
            .bind(&photo)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "verified");
    find(&client, "#viewer-close").await.click().await.expect("closing");
    until(&client, "the viewer closed", "return document.querySelector('#viewer') === null").await;

    // The PDF payslip, in the webview's own PDF viewer.
    open_document(&client, "payslip").await;
    find(&client, "#viewer-pdf").await;
    until(
        &client,
        "the PDF loaded in its frame",
        "const f = document.querySelector('#viewer-pdf'); return !!f && f.src.startsWith('blob:')",
    )
    .await;
    // WebKit shows a PDF in its own viewer (pdf.js) in a frame inside the blob's frame: wait
    // there until the payslip's text is drawn.
    client.enter_frame(0).await.expect("into the blob's frame");
    client.enter_frame(0).await.expect("into the PDF viewer's frame");
    until(
        &client,
        "the PDF's text drawn",
        "return [...document.querySelectorAll('.textLayer')].some(l => l.textContent.includes('Gross pay'))",
    )
    .await;
    client.enter_parent_frame().await.expect("back from the viewer's frame");
    client.enter_parent_frame().await.expect("back from the blob's frame");
    shot(&client, "09-document-pdf").await;
    find(&client, "#viewer-close").await.click().await.expect("closing");

    // Documents requested from the applicant, and a note.
    find(&client, "#request-documents").await.click().await.expect("opening the request");
    find(&client, "input[data-kind='bank_statement']").await.click().await.expect("ticking");
    find(&client, "#request-note")
        .await
        .send_keys("Please include the salary deposit of November.")
        .await
        .expect("typing");
    shot(&client, "10-request-documents").await;
    find(&client, "#confirm-request").await.click().await.expect("requesting");
    find(&client, "#status .badge[data-status='documents_requested']").await;
    find(&client, "#requests").await;
    find(&client, "#new-note")
        .await
        .send_keys("Called the employer: income confirmed.")
        .await
        .expect("typing");
    find(&client, "#add-note").await.click().await.expect("adding the note");
    until(
        &client,
        "the note listed",
        "return [...document.querySelectorAll('.note-row p')].some(p => p.textContent.includes('income confirmed'))",
    )
    .await;
    until(
        &client,
        "the views in the audit log",
        "return document.querySelectorAll('#audit-trail tr.trail-view').length >= 2",
    )
    .await;
    client.execute("document.querySelector('#notes').scrollIntoView()", vec![]).await.unwrap();
    shot(&client, "11-notes-and-audit-log").await;

    let views: i64 =
        sqlx::query_scalar("select count(*) from document_view where application_id = $1::uuid")
            .bind(&id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(views, 2);

    client.close().await.expect("closing the session");
    drop(processes);
    let _ = std::fs::remove_file(&config);
    let _ = std::fs::remove_dir_all(&folder);
    common::drop_logins(&pool).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn above_the_limit_the_app_waits_for_a_second_officer(pool: PgPool) {
    common::seed(&pool, 40).await;
    let (id, reference) = common::referred_application(&pool, 500_000, 0).await;
    let thabo = common::login(&pool, "thabo").await;
    let sipho = common::login(&pool, "sipho").await;
    let config = driver::write_config(&common::config_json(&pool));
    let (processes, client) = driver::launch(&config).await;

    // R5 000 is above the officer's R3 000: the approval is recorded and waits.
    sign_in(&client, &thabo).await;
    open_by_search(&client, &reference).await;
    find(&client, "#approve").await.click().await.expect("approving");
    find(&client, "#awaiting-second").await;
    find(&client, "#status .badge[data-status='referred']").await;
    shot(&client, "12-awaiting-second-approval").await;

    // A supervisor gives the second approval.
    find(&client, "#sign-out").await.click().await.expect("signing out");
    find(&client, "#login").await;
    sign_in(&client, &sipho).await;
    open_by_search(&client, &reference).await;
    let label = find(&client, "#approve").await.text().await.unwrap();
    assert!(label.starts_with("Second approval"), "{label}");
    find(&client, "#approve").await.click().await.expect("second approval");
    find(&client, "#status .badge[data-status='approved']").await;
    shot(&client, "13-second-approval").await;
    let (maker, checker): (Option<String>, Option<String>) = sqlx::query_as(
        "select m.login_name, c.login_name from decision d
         left join officer m on m.officer_id = d.decided_by_officer_id
         left join officer c on c.officer_id = d.second_approver_officer_id
         where d.application_id = $1::uuid and d.source = 'officer'",
    )
    .bind(&id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((maker, checker), (Some(thabo), Some(sipho)));

    client.close().await.expect("closing the session");
    drop(processes);
    let _ = std::fs::remove_file(&config);
    common::drop_logins(&pool).await;
}
