//! The review desk's commands: documents viewed (bytes checked against the record, every view
//! traced), the verification checklist, requests for documents through the outbox, notes, and the
//! history from the audit log; with the refusals of roles without the right and hostile input.

use std::path::Path;

use pocket_desktop::Desktop;
use pocket_store::documents::DocumentKind;
use serde_json::{Value, json};
use sqlx::PgPool;
use tauri::ipc::{CallbackFn, InvokeBody, InvokeResponseBody};
use tauri::test::INVOKE_KEY;
use tauri::webview::InvokeRequest;

use super::{Shell, code, common, status_of};
use common::files;

/// The shell with the document store in `folder`.
fn shell_with_documents(pool: &PgPool, folder: &Path) -> Shell {
    let mut config = common::config(pool);
    config.documents = Some(folder.display().to_string());
    Shell::with(Desktop::new(Ok(config)))
}

impl Shell {
    /// Calls a command whose answer is raw bytes.
    async fn call_bytes(&self, cmd: &str, args: Value) -> Result<Vec<u8>, Value> {
        let window = self.window.clone();
        let request = InvokeRequest {
            cmd: cmd.to_owned(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("a URL"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_owned(),
        };
        tokio::task::spawn_blocking(move || {
            tauri::test::get_ipc_response(&window, request).map(|body| match body {
                InvokeResponseBody::Raw(bytes) => bytes,
                InvokeResponseBody::Json(json) => panic!("bytes expected, got JSON {json}"),
            })
        })
        .await
        .expect("the IPC call finishes")
    }

    async fn view(&self, application_id: &str, document_id: &str) -> Result<Vec<u8>, Value> {
        let request = json!({ "application_id": application_id, "document_id": document_id });
        self.call_bytes("view_document", json!({ "request": request })).await
    }

    async fn casework(&self, id: &str) -> Result<Value, Value> {
        self.call("casework", json!({ "request": { "application_id": id } })).await
    }

    async fn verify(&self, request: Value) -> Result<Value, Value> {
        self.call("verify_document", json!({ "request": request })).await
    }

    async fn request_documents(&self, request: Value) -> Result<Value, Value> {
        self.call("request_documents", json!({ "request": request })).await
    }

    async fn note(&self, id: &str, body: &str) -> Result<Value, Value> {
        self.call("add_note", json!({ "request": { "application_id": id, "body": body } })).await
    }
}

async fn views_of(pool: &PgPool, document_id: &str) -> Vec<String> {
    sqlx::query_scalar(
        "select login_role from document_view where document_id = $1::uuid order by seq",
    )
    .bind(document_id)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn documents_are_shown_as_recorded_and_every_view_is_traced(pool: PgPool) {
    common::seed(&pool, 40).await;
    let (id, _) = common::referred_application(&pool, 150_000, 0).await;
    let (other, _) = common::referred_application(&pool, 150_000, 1).await;
    let folder = files::folder("view");
    let png = files::id_card_png();
    let pdf = files::pdf(&["Payslip November 2026", "Gross R 18 500.00"]);
    let id_copy =
        files::store(&pool, &folder, &id, DocumentKind::IdCopy, "id.png", png.clone()).await;
    let payslip =
        files::store(&pool, &folder, &id, DocumentKind::Payslip, "payslip.pdf", pdf.clone()).await;
    let elsewhere =
        files::store(&pool, &folder, &other, DocumentKind::Payslip, "p.pdf", files::pdf(&["x"]))
            .await;
    let (thabo, fatima, johan) = (
        common::login(&pool, "thabo").await,
        common::login(&pool, "fatima").await,
        common::login(&pool, "johan").await,
    );
    let shell = shell_with_documents(&pool, &folder);

    shell.sign_in(&thabo).await;
    assert_eq!(shell.view(&id, &id_copy).await.unwrap(), png);
    assert_eq!(shell.view(&id, &payslip).await.unwrap(), pdf);
    assert_eq!(views_of(&pool, &id_copy).await, vec![thabo.clone()]);
    let work = shell.casework(&id).await.unwrap();
    assert_eq!(work["viewer_ready"], true);
    let trail = work["trail"].as_array().unwrap();
    let viewed: Vec<_> = trail.iter().filter(|t| t["action"] == "view").collect();
    assert_eq!(viewed.len(), 2);
    assert!(viewed.iter().any(|t| t["changes"][0] == "id.png" && t["who"] == thabo.as_str()));

    // Hostile and mistaken requests: another application's document, unknown and malformed ids,
    // wrong types.
    assert_eq!(code(&shell.view(&id, &elsewhere).await.unwrap_err()), "not_found");
    let unknown = uuid::Uuid::new_v4().to_string();
    assert_eq!(code(&shell.view(&id, &unknown).await.unwrap_err()), "not_found");
    assert_eq!(code(&shell.view(&id, "../../etc/passwd").await.unwrap_err()), "invalid");
    assert_eq!(code(&shell.view("", &payslip).await.unwrap_err()), "invalid");
    let wrong = shell
        .call_bytes(
            "view_document",
            json!({ "request": { "application_id": 7, "document_id": [] } }),
        )
        .await
        .unwrap_err();
    assert!(wrong.as_str().is_some_and(|e| e.contains("invalid type")), "{wrong}");
    assert_eq!(views_of(&pool, &elsewhere).await.len(), 0);

    // A file whose bytes no longer match its record is never shown (same size, other bytes),
    // nor a file gone from storage; the attempt is still traced.
    let key: String =
        sqlx::query_scalar("select storage_key from document where document_id = $1::uuid")
            .bind(&payslip)
            .fetch_one(&pool)
            .await
            .unwrap();
    let mut tampered = pdf.clone();
    let at = tampered.len() / 2;
    tampered[at] ^= 0x20;
    std::fs::write(folder.join(&key), &tampered).unwrap();
    let refused = shell.view(&id, &payslip).await.unwrap_err();
    assert_eq!(code(&refused), "internal");
    assert!(refused["message"].as_str().unwrap().contains("does not match its record"));
    std::fs::write(folder.join(&key), [&pdf[..], b"appended"].concat()).unwrap();
    assert_eq!(code(&shell.view(&id, &payslip).await.unwrap_err()), "internal");
    std::fs::remove_file(folder.join(&key)).unwrap();
    let missing = shell.view(&id, &payslip).await.unwrap_err();
    assert!(missing["message"].as_str().unwrap().contains("not in storage"));
    assert_eq!(views_of(&pool, &payslip).await.len(), 4);

    // The auditor may look (and is traced) but not verify; a collections clerk may not look.
    shell.sign_in(&fatima).await;
    assert_eq!(shell.view(&id, &id_copy).await.unwrap(), png);
    assert_eq!(views_of(&pool, &id_copy).await, [thabo.clone(), fatima.clone()]);
    assert_eq!(shell.casework(&id).await.unwrap()["can_verify"], false);
    shell.sign_in(&johan).await;
    assert_eq!(code(&shell.view(&id, &id_copy).await.unwrap_err()), "forbidden");
    assert_eq!(views_of(&pool, &id_copy).await.len(), 2);

    // Without the store in the settings, the app says so.
    let bare = Shell::new(&pool);
    bare.sign_in(&thabo).await;
    assert_eq!(code(&bare.view(&id, &id_copy).await.unwrap_err()), "unavailable");
    assert_eq!(bare.casework(&id).await.unwrap()["viewer_ready"], false);

    // The trace cannot be edited, even by the owner of the tables.
    let edited = sqlx::query("update document_view set login_role = 'nobody'").execute(&pool).await;
    assert!(edited.is_err());
    let _ = std::fs::remove_dir_all(&folder);
    common::drop_logins(&pool).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_document_is_verified_only_with_its_whole_checklist(pool: PgPool) {
    common::seed(&pool, 40).await;
    let (id, _) = common::referred_application(&pool, 150_000, 0).await;
    let folder = files::folder("verify");
    let doc =
        files::store(&pool, &folder, &id, DocumentKind::Payslip, "p.pdf", files::pdf(&["p"])).await;
    let shell = shell_with_documents(&pool, &folder);
    shell.sign_in(&common::login(&pool, "thabo").await).await;

    let work = shell.casework(&id).await.unwrap();
    let checklist = work["checklists"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["document_id"] == doc.as_str())
        .unwrap()
        .clone();
    let items: Vec<String> = checklist["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(items, ["employer_matches", "income_matches", "recent"]);
    let request = |verified: bool, confirmed: &[&str], reason: Option<&str>| {
        json!({ "application_id": id, "document_id": doc, "verified": verified,
                "confirmed": confirmed, "reason": reason })
    };

    // Incomplete, unknown items, a rejection without a reason or with an oversized one.
    let refused = shell.verify(request(true, &["employer_matches"], None)).await.unwrap_err();
    assert_eq!(code(&refused), "invalid");
    assert!(refused["message"].as_str().unwrap().contains("every item"));
    let refused = shell.verify(request(true, &["id_number_matches"], None)).await.unwrap_err();
    assert_eq!(code(&refused), "invalid");
    assert_eq!(code(&shell.verify(request(false, &[], None)).await.unwrap_err()), "invalid");
    assert_eq!(code(&shell.verify(request(false, &[], Some("  "))).await.unwrap_err()), "invalid");
    let long = "x".repeat(501);
    assert_eq!(code(&shell.verify(request(false, &[], Some(&long))).await.unwrap_err()), "invalid");
    let huge = "x".repeat(100_000);
    assert_eq!(code(&shell.verify(request(false, &[], Some(&huge))).await.unwrap_err()), "invalid");
    let many: Vec<&str> = vec!["recent"; 50];
    assert_eq!(code(&shell.verify(request(true, &many, None)).await.unwrap_err()), "invalid");
    let wrong = shell
        .verify(json!({ "application_id": id, "document_id": doc, "verified": "yes",
                        "confirmed": "all", "reason": null }))
        .await
        .unwrap_err();
    assert!(wrong.as_str().is_some_and(|e| e.contains("invalid type")), "{wrong}");
    let unknown = uuid::Uuid::new_v4().to_string();
    let mut other = request(true, &["employer_matches", "income_matches", "recent"], None);
    other["document_id"] = json!(unknown);
    assert_eq!(code(&shell.verify(other).await.unwrap_err()), "not_found");
    let status: String =
        sqlx::query_scalar("select verification_status from document where document_id = $1::uuid")
            .bind(&doc)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "pending");

    // Rejected with a reason, then verified with every item: both recorded with the officer.
    let answer = shell.verify(request(false, &["recent"], Some("Cut off at the bottom"))).await;
    assert_eq!(answer.unwrap()["verification_status"], "rejected");
    let all = ["employer_matches", "income_matches", "recent", "recent"];
    assert_eq!(
        shell.verify(request(true, &all, None)).await.unwrap()["verification_status"],
        "verified"
    );
    let (status, by): (String, String) = sqlx::query_as(
        "select d.verification_status, o.full_name from document d
         join officer o on o.officer_id = d.verified_by_officer_id where d.document_id = $1::uuid",
    )
    .bind(&doc)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((status.as_str(), by.as_str()), ("verified", "Thabo Mokoena"));
    let checks: Vec<(String, Vec<String>)> = sqlx::query_as(
        "select verdict, confirmed from document_check where document_id = $1::uuid order by seq",
    )
    .bind(&doc)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(checks.len(), 2);
    assert_eq!(checks[1].1, ["employer_matches", "income_matches", "recent"]);
    let work = shell.casework(&id).await.unwrap();
    let checklist = work["checklists"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["document_id"] == doc.as_str())
        .unwrap()
        .clone();
    assert_eq!(checklist["verdict"], "verified");
    assert_eq!(checklist["checked_by"], "Thabo Mokoena");
    assert!(checklist["items"].as_array().unwrap().iter().all(|i| i["confirmed"] == true));

    // Roles without the right are refused; the database refuses them too.
    for who in ["fatima", "johan", "priya"] {
        shell.sign_in(&common::login(&pool, who).await).await;
        let refused = shell.verify(request(false, &[], Some("no"))).await.unwrap_err();
        assert_eq!(code(&refused), "forbidden", "{who}");
    }
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("set role pocket_auditor").execute(&mut *conn).await.unwrap();
    let insert = sqlx::query(
        "insert into document_check (document_id, application_id, officer_id, verdict, confirmed)
         select document_id, application_id, verified_by_officer_id, 'verified', '{x}'
         from document where document_id = $1::uuid",
    )
    .bind(&doc)
    .execute(&mut *conn)
    .await;
    assert!(insert.is_err(), "an auditor cannot write a check");
    sqlx::query("reset role").execute(&mut *conn).await.unwrap();
    drop(conn);

    // An application past review takes no verdicts.
    sqlx::query("update application set status = 'declined' where application_id = $1::uuid")
        .bind(&id)
        .execute(&pool)
        .await
        .unwrap();
    shell.sign_in(&common::login(&pool, "thabo").await).await;
    let refused = shell.verify(request(false, &[], Some("late"))).await.unwrap_err();
    assert_eq!(code(&refused), "conflict");
    let _ = std::fs::remove_dir_all(&folder);
    common::drop_logins(&pool).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn requested_documents_reach_the_applicant_by_sms_and_email(pool: PgPool) {
    common::seed(&pool, 40).await;
    let (id, reference) = common::referred_application(&pool, 150_000, 0).await;
    sqlx::query(
        "update applicant set email = 'applicant@example.co.za', do_not_contact = false,
                notifications_opted_out = false
         where applicant_id = (select applicant_id from application where application_id = $1::uuid)",
    )
    .bind(&id)
    .execute(&pool)
    .await
    .unwrap();
    let shell = Shell::new(&pool);
    shell.sign_in(&common::login(&pool, "thabo").await).await;
    let request =
        |kinds: Value, note: Value| json!({ "application_id": id, "kinds": kinds, "note": note });

    // Refused: nothing asked for, unknown kinds, "other" without saying what, oversized notes,
    // wrong types.
    for (kinds, note) in [
        (json!([]), Value::Null),
        (json!(["selfie"]), Value::Null),
        (json!(["other"]), Value::Null),
        (json!(["payslip"]), json!("x".repeat(1001))),
        (json!(["payslip"]), json!("x".repeat(100_000))),
        (json!(vec!["payslip"; 50]), Value::Null),
    ] {
        let refused = shell.request_documents(request(kinds.clone(), note)).await.unwrap_err();
        assert_eq!(code(&refused), "invalid", "{kinds}");
    }
    let wrong = shell.request_documents(request(json!("payslip"), json!(5))).await.unwrap_err();
    assert!(wrong.as_str().is_some_and(|e| e.contains("invalid type")), "{wrong}");
    assert_eq!(status_of(&pool, &id).await, "referred");

    let note = "The March payslip is cut off; please send all three again.";
    let answer = shell
        .request_documents(request(json!(["payslip", "bank_statement", "payslip"]), json!(note)))
        .await
        .unwrap();
    assert_eq!(answer["status"], "documents_requested");
    assert_eq!(status_of(&pool, &id).await, "documents_requested");
    let messages: Vec<(String, String)> = sqlx::query_as(
        "select n.channel, n.body from notification n
         where n.idempotency_key like $1 || '%' order by n.channel",
    )
    .bind(format!("documents_requested:{}", answer["document_request_id"].as_str().unwrap()))
    .fetch_all(&pool)
    .await
    .unwrap();
    let channels: Vec<_> = messages.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(channels, ["email", "sms"], "{messages:?}");
    for (_, body) in &messages {
        assert!(
            body.contains(&reference) && body.contains("payslips") && body.contains("March"),
            "{body}"
        );
    }
    let jobs: i64 = sqlx::query_scalar(
        "select count(*) from job where kind = 'notification.send'
         and payload->>'notification_id' in (select notification_id::text from notification
                                             where template_code = 'documents_requested'
                                               and body like '%March payslip%')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(jobs, 2, "each message has its send job in the outbox");
    let work = shell.casework(&id).await.unwrap();
    let requests = work["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["kinds"], json!(["payslip", "bank_statement"]));
    assert_eq!(requests[0]["requested_by"], "Thabo Mokoena");

    // A second request while waiting keeps the status; roles without the right are refused.
    shell.request_documents(request(json!(["id_copy"]), Value::Null)).await.unwrap();
    assert_eq!(shell.casework(&id).await.unwrap()["requests"].as_array().unwrap().len(), 2);
    for who in ["fatima", "johan"] {
        shell.sign_in(&common::login(&pool, who).await).await;
        let refused = shell.request_documents(request(json!(["id_copy"]), Value::Null)).await;
        assert_eq!(code(&refused.unwrap_err()), "forbidden", "{who}");
    }
    // A decided application takes no requests.
    sqlx::query("update application set status = 'declined' where application_id = $1::uuid")
        .bind(&id)
        .execute(&pool)
        .await
        .unwrap();
    shell.sign_in(&common::login(&pool, "lerato").await).await;
    let refused = shell.request_documents(request(json!(["id_copy"]), Value::Null)).await;
    assert_eq!(code(&refused.unwrap_err()), "conflict");
    common::drop_logins(&pool).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn notes_are_appended_and_the_history_comes_from_the_audit_log(pool: PgPool) {
    common::seed(&pool, 40).await;
    let (id, _) = common::referred_application(&pool, 150_000, 0).await;
    let shell = Shell::new(&pool);
    let thabo = common::login(&pool, "thabo").await;
    shell.sign_in(&thabo).await;

    for body in ["", "   \n ", &"x".repeat(2001), &"x".repeat(100_000)] {
        assert_eq!(code(&shell.note(&id, body).await.unwrap_err()), "invalid");
    }
    let unknown = uuid::Uuid::new_v4().to_string();
    assert_eq!(code(&shell.note(&unknown, "hello").await.unwrap_err()), "not_found");
    assert_eq!(code(&shell.casework(&unknown).await.unwrap_err()), "not_found");
    assert_eq!(code(&shell.casework("1; drop table application").await.unwrap_err()), "invalid");
    let wrong = shell.call("casework", json!({ "request": { "application_id": ["x"] } }));
    assert!(wrong.await.unwrap_err().as_str().is_some_and(|e| e.contains("invalid type")));
    assert_eq!(code(&shell.note("not-an-id", "hello").await.unwrap_err()), "invalid");
    let wrong = shell.call("add_note", json!({ "request": { "application_id": id, "body": 42 } }));
    assert!(wrong.await.unwrap_err().as_str().is_some_and(|e| e.contains("invalid type")));

    shell.note(&id, "Called the employer: income confirmed.").await.unwrap();
    shell.note(&id, &"é".repeat(2000)).await.unwrap();
    let work = shell.casework(&id).await.unwrap();
    let notes = work["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[1]["body"], "Called the employer: income confirmed.");
    assert_eq!(notes[1]["written_by"], "Thabo Mokoena");
    let edited = sqlx::query("update application_note set body = 'changed'").execute(&pool).await;
    assert!(edited.is_err(), "notes are append-only");

    // The history from the audit log shows the approval's status change and the note, by login.
    shell.call(
        "approve",
        json!({ "request": { "application_id": id, "amount_cents": null, "term_days": null, "note": null } }),
    )
    .await
    .unwrap();
    let trail = shell.casework(&id).await.unwrap()["trail"].as_array().unwrap().clone();
    assert!(trail.iter().any(|t| t["subject"] == "application"
        && t["who"] == thabo.as_str()
        && t["changes"].as_array().unwrap().iter().any(|c| c == "status: referred → approved")));
    assert!(trail.iter().any(|t| t["subject"] == "application_note" && t["action"] == "insert"));
    assert!(trail.iter().any(|t| t["subject"] == "decision" && t["action"] == "insert"));

    // The auditor reads notes and history; writes nothing. A collections clerk reads neither.
    shell.sign_in(&common::login(&pool, "fatima").await).await;
    let work = shell.casework(&id).await.unwrap();
    assert_eq!(work["notes"].as_array().unwrap().len(), 2);
    assert_eq!(work["can_note"], false);
    assert_eq!(code(&shell.note(&id, "hello").await.unwrap_err()), "forbidden");
    shell.sign_in(&common::login(&pool, "johan").await).await;
    assert_eq!(code(&shell.casework(&id).await.unwrap_err()), "forbidden");
    common::drop_logins(&pool).await;
}
