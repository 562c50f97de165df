//! `POST /api/v1/applications/{reference}/documents`: raw and multipart uploads streamed into
//! the document store, typed by their content, deduplicated by SHA-256, limited in size, and
//! refused for another partner's application.

use pocket_sandbox::xds::GOOD_PAYER_ID;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::common::{Server, application, fields, partner, policy, problem, start};

fn pdf(marker: &str, size: usize) -> Vec<u8> {
    let mut file = format!("%PDF-1.7\n% {marker}\n").into_bytes();
    file.resize(size - 7, b'0');
    file.extend_from_slice(b"\n%%EOF\n");
    file
}

async fn submit(server: &Server, key: &str) -> String {
    let created: Value = server
        .post_json("/api/v1/applications", key, &application(GOOD_PAYER_ID, "0831234567"))
        .await
        .json()
        .await
        .unwrap();
    created["reference"].as_str().expect("a reference").to_owned()
}

async fn raw(server: &Server, key: &str, path: &str, body: Vec<u8>) -> reqwest::Response {
    server
        .http
        .post(server.url(path))
        .bearer_auth(key)
        .header("content-type", "application/pdf")
        .body(body)
        .send()
        .await
        .unwrap()
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn uploads_are_stored_typed_by_content_and_deduplicated(pool: PgPool) {
    let server = start(&pool, policy()).await;
    let key = partner(&pool, "Leads Inc").await;
    let reference = submit(&server, &key).await;
    let path = format!("/api/v1/applications/{reference}/documents");

    let payslip = pdf("payslip", 500 * 1024);
    let response = raw(
        &server,
        &key,
        &format!("{path}?kind=payslip&file_name=../../etc/passwd"),
        payslip.clone(),
    )
    .await;
    assert_eq!(response.status(), 201);
    let stored: Value = response.json().await.unwrap();
    assert_eq!(stored["kind"], "payslip");
    assert_eq!(stored["content_type"], "application/pdf");
    assert_eq!(stored["size_bytes"], 500 * 1024);
    assert_eq!(stored["sha256"], hex::encode(Sha256::digest(&payslip)));
    assert_eq!(stored["created"], true);

    // The same file again is the same document.
    let again = raw(&server, &key, &format!("{path}?kind=payslip"), payslip.clone()).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["document_id"], stored["document_id"]);
    assert_eq!(again["created"], false);

    // A multipart form, the kind before the file.
    let statement = pdf("statement", 500 * 1024);
    let form = reqwest::multipart::Form::new()
        .text("kind", "bank_statement")
        .part("file", reqwest::multipart::Part::bytes(statement).file_name("statement.pdf"));
    let response =
        server.http.post(server.url(&path)).bearer_auth(&key).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let multipart: Value = response.json().await.unwrap();
    assert_eq!(multipart["kind"], "bank_statement");

    let rows: Vec<(String, String, i64)> =
        sqlx::query_as("select kind, file_name, size_bytes from document order by kind")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        rows,
        [
            ("bank_statement".into(), "statement.pdf".into(), 500 * 1024),
            ("payslip".into(), "passwd".into(), 500 * 1024)
        ]
    );
    let _ = std::fs::remove_dir_all(&server.documents);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn bad_uploads_are_refused_and_nothing_is_kept(pool: PgPool) {
    let server = start(&pool, policy()).await;
    let key = partner(&pool, "Leads Inc").await;
    let other = partner(&pool, "Other Leads").await;
    let reference = submit(&server, &key).await;
    let path = format!("/api/v1/applications/{reference}/documents");

    // Text that calls itself a PDF.
    let text = b"<html><script>alert(1)</script></html>".to_vec();
    problem(raw(&server, &key, &format!("{path}?kind=payslip"), text).await, 415).await;
    // A PDF cut short.
    let mut cut = pdf("cut", 4096);
    cut.truncate(2000);
    let p = problem(raw(&server, &key, &format!("{path}?kind=payslip"), cut).await, 422).await;
    assert_eq!(fields(&p), ["file"]);
    // No kind, an unknown kind, an empty file.
    let p = problem(raw(&server, &key, &path, pdf("a", 2048)).await, 422).await;
    assert_eq!(fields(&p), ["kind"]);
    let p = problem(raw(&server, &key, &format!("{path}?kind=selfie"), pdf("b", 2048)).await, 422)
        .await;
    assert_eq!(fields(&p), ["kind"]);
    problem(raw(&server, &key, &format!("{path}?kind=payslip"), Vec::new()).await, 422).await;
    // Larger than the store accepts.
    let huge = pdf("huge", 11 * 1024 * 1024);
    problem(raw(&server, &key, &format!("{path}?kind=payslip"), huge).await, 413).await;
    // Another partner's application, or none.
    problem(raw(&server, &other, &format!("{path}?kind=payslip"), pdf("c", 2048)).await, 404).await;
    problem(
        raw(
            &server,
            &key,
            "/api/v1/applications/PL-9999999/documents?kind=payslip",
            pdf("d", 2048),
        )
        .await,
        404,
    )
    .await;

    let count: i64 =
        sqlx::query_scalar("select count(*) from document").fetch_one(&pool).await.unwrap();
    assert_eq!(count, 0);
    let files = walk(&server.documents);
    assert!(files.is_empty(), "no file is left behind: {files:?}");
    let _ = std::fs::remove_dir_all(&server.documents);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(walk(&path));
            } else {
                found.push(path);
            }
        }
    }
    found
}
