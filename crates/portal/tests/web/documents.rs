//! The document store under the upload pages (also used by the partner API): streamed in
//! chunks, typed by content, hashed on the way, deduplicated, and nothing left behind when an
//! upload fails half way.

use bytes::Bytes;
use futures_util::StreamExt;
use pocket_domain::Msisdn;
use pocket_store::applicants::{self, Channel, Profile};
use pocket_store::applications::{self, NewApplication};
use pocket_store::documents::DocumentKind;
use pocket_workflows::documents::{DocumentError, DocumentStore, FileType, Upload, display_name};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use crate::common::{output_dir, pdf};

async fn application(pool: &PgPool) -> Uuid {
    let mut conn = pool.acquire().await.unwrap();
    let msisdn = Msisdn::parse("0825551212").unwrap();
    let applicant = applicants::create(&mut conn, &msisdn, &Profile::default()).await.unwrap();
    let product_id = applications::product_id(&mut conn, "short_term").await.unwrap();
    applications::create(
        &mut conn,
        &NewApplication {
            applicant_id: applicant,
            product_id,
            channel: Channel::Portal,
            partner_id: None,
            created_by_officer_id: None,
            requested_amount_cents: 100_000,
            requested_term_days: 30,
        },
    )
    .await
    .unwrap()
    .application_id
}

fn chunks(
    bytes: Vec<u8>,
    size: usize,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    let parts: Vec<Result<Bytes, std::io::Error>> =
        bytes.chunks(size).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    futures_util::stream::iter(parts)
}

fn files_under(dir: &std::path::Path) -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        n += if path.is_dir() { files_under(&path) } else { 1 };
    }
    n
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_streamed_upload_is_hashed_typed_stored_and_read_back(pool: PgPool) {
    let dir = output_dir("document-store");
    let store = DocumentStore::from_location(dir.to_str().unwrap()).unwrap();
    let application_id = application(&pool).await;
    // A 3 MB PDF in 7-byte chunks: the head spans chunks, the hash covers everything.
    let mut file = b"%PDF-1.5\n".to_vec();
    file.extend(std::iter::repeat_n(b'a', 3 * 1024 * 1024));
    file.extend_from_slice(b"\n%%EOF\n");
    let upload = Upload {
        application_id,
        kind: DocumentKind::BankStatement,
        file_name: "C:\\Users\\me\\statement.pdf".into(),
    };
    let stored = store.store(&pool, &upload, chunks(file.clone(), 7 * 1024)).await.unwrap();
    assert!(stored.created);
    assert_eq!(stored.file_type, FileType::Pdf);
    assert_eq!(stored.size_bytes, file.len() as u64);
    assert_eq!(stored.sha256, hex::encode(Sha256::digest(&file)));

    let (doc, mut body) = store.open(&pool, application_id, stored.document_id).await.unwrap();
    assert_eq!(doc.file_name, "statement.pdf");
    assert_eq!(doc.content_type, "application/pdf");
    let mut back = Vec::new();
    while let Some(chunk) = body.next().await {
        back.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(back, file);
    // Another application cannot open it.
    let other = store.open(&pool, Uuid::new_v4(), stored.document_id).await;
    assert!(matches!(other, Err(DocumentError::Store(_))));

    // The same bytes again, split differently: the same document, no second object.
    let again = store.store(&pool, &upload, chunks(file, 64 * 1024)).await.unwrap();
    assert!(!again.created);
    assert_eq!(again.document_id, stored.document_id);
    assert_eq!(files_under(&dir), 1);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn an_interrupted_or_refused_upload_leaves_nothing_behind(pool: PgPool) {
    let dir = output_dir("document-store");
    let store =
        DocumentStore::from_location(dir.to_str().unwrap()).unwrap().with_max_bytes(64 * 1024);
    let application_id = application(&pool).await;
    let upload = Upload { application_id, kind: DocumentKind::Payslip, file_name: "p.pdf".into() };

    // The connection drops after some chunks.
    let mut parts: Vec<Result<Bytes, std::io::Error>> =
        vec![Ok(Bytes::from_static(b"%PDF-1.4\n")), Ok(Bytes::from(vec![b'x'; 4096]))];
    parts.push(Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset")));
    let r = store.store(&pool, &upload, futures_util::stream::iter(parts)).await;
    assert!(matches!(r, Err(DocumentError::Interrupted(_))), "{r:?}");
    // Too large, found while streaming.
    let mut big = b"%PDF-1.4\n".to_vec();
    big.extend(std::iter::repeat_n(b'x', 100 * 1024));
    let r = store.store(&pool, &upload, chunks(big, 4096)).await;
    assert!(matches!(r, Err(DocumentError::TooLarge { .. })), "{r:?}");
    // Cut short: no end marker.
    let r = store.store(&pool, &upload, chunks(b"%PDF-1.4\nhalf a file".to_vec(), 5)).await;
    assert!(matches!(r, Err(DocumentError::Unreadable(FileType::Pdf))), "{r:?}");
    // A JPEG without its end, a GIF, a ZIP.
    let r = store
        .store(&pool, &upload, chunks(vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5, 6, 7, 8], 3))
        .await;
    assert!(matches!(r, Err(DocumentError::Unreadable(FileType::Jpeg))), "{r:?}");
    let r = store.store(&pool, &upload, chunks(b"GIF89a.........".to_vec(), 100)).await;
    assert!(matches!(r, Err(DocumentError::UnsupportedType)));
    let r = store.store(&pool, &upload, chunks(b"PK\x03\x04zipzipzip".to_vec(), 100)).await;
    assert!(matches!(r, Err(DocumentError::UnsupportedType)));
    let r = store.store(&pool, &upload, chunks(Vec::new(), 1)).await;
    assert!(matches!(r, Err(DocumentError::Empty)));

    let rows: i64 =
        sqlx::query_scalar("select count(*) from document").fetch_one(&pool).await.unwrap();
    assert_eq!(rows, 0);
    assert_eq!(files_under(&dir), 0, "no partial object stays behind");

    // A good one still goes through.
    store.store(&pool, &upload, chunks(pdf(), 10)).await.unwrap();
    assert_eq!(files_under(&dir), 1);
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn concurrent_uploads_of_one_file_make_one_document(pool: PgPool) {
    let dir = output_dir("document-store");
    let store = DocumentStore::from_location(dir.to_str().unwrap()).unwrap();
    let application_id = application(&pool).await;
    let upload = Upload { application_id, kind: DocumentKind::IdCopy, file_name: "id.pdf".into() };
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let (store, pool, upload) = (store.clone(), pool.clone(), upload.clone());
            tokio::spawn(
                async move { store.store(&pool, &upload, chunks(pdf(), 16)).await.unwrap() },
            )
        })
        .collect();
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap());
    }
    assert_eq!(ids.iter().filter(|s| s.created).count(), 1);
    assert!(ids.iter().all(|s| s.document_id == ids[0].document_id));
    let rows: i64 =
        sqlx::query_scalar("select count(*) from document").fetch_one(&pool).await.unwrap();
    assert_eq!(rows, 1);
    assert_eq!(files_under(&dir), 1);
}

#[test]
fn types_come_from_the_content_and_names_lose_their_paths() {
    assert_eq!(FileType::sniff(b"%PDF-1.7"), Some(FileType::Pdf));
    assert_eq!(
        FileType::sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]),
        Some(FileType::Png)
    );
    assert_eq!(FileType::sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(FileType::Webp));
    assert_eq!(FileType::sniff(b"\0\0\0\x18ftypheic\0\0\0\0"), Some(FileType::Heic));
    assert_eq!(FileType::sniff(b"\0\0\0\x18ftypisom\0\0\0\0"), None, "an MP4 video is not a photo");
    assert_eq!(FileType::sniff(b"<!DOCTYPE html>"), None);
    assert_eq!(display_name("../../etc/passwd"), "passwd");
    assert_eq!(display_name("..\\..\\boot.ini"), "boot.ini");
    assert_eq!(display_name("/"), "upload");
    assert_eq!(display_name("..."), "upload");
    assert_eq!(display_name("a\u{0}b\nc.pdf"), "abc.pdf");
    assert_eq!(display_name(&"x".repeat(300)).len(), 100);
}
