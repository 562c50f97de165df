//! The desktop's commands without a window: tauri's mock runtime drives the same command
//! handlers the app registers, through the IPC, against a fresh PostgreSQL database with the demo
//! data, signed in as real officer logins (DESIGN.md decision 1).

mod admin;
#[path = "../common/mod.rs"]
mod common;

use std::time::Duration;

use pocket_desktop::Desktop;
use serde_json::{Value, json};
use sqlx::PgPool;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;
use tauri::{Listener, WebviewWindow, WebviewWindowBuilder};
use tokio::sync::mpsc;

/// The app with its commands on the mock runtime, and its window.
struct Shell {
    _app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
}

impl Shell {
    fn new(pool: &PgPool) -> Shell {
        Shell::with(Desktop::new(Ok(common::config(pool))))
    }

    fn with(desktop: Desktop) -> Shell {
        let app = pocket_desktop::builder(mock_builder(), desktop)
            .build(mock_context(noop_assets()))
            .expect("the mock app builds");
        let window = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("the mock window");
        Shell { _app: app, window }
    }

    /// Calls a command through the IPC as the UI does; the error is the JSON of CommandError.
    async fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
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
        // The command runs on tauri's own runtime; waiting for it blocks, so not on this one.
        tokio::task::spawn_blocking(move || {
            tauri::test::get_ipc_response(&window, request)
                .map(|body| body.deserialize::<Value>().expect("a JSON answer"))
        })
        .await
        .expect("the IPC call finishes")
    }

    async fn sign_in(&self, login: &str) -> Value {
        self.call("sign_in", json!({ "request": { "login": login, "password": common::PASSWORD } }))
            .await
            .unwrap_or_else(|e| panic!("{login} signs in: {e}"))
    }

    async fn queue(&self, request: Value) -> Result<Value, Value> {
        self.call("queue", json!({ "request": request })).await
    }

    async fn application(&self, id: &str) -> Result<Value, Value> {
        self.call("application", json!({ "request": { "application_id": id } })).await
    }

    async fn approve(&self, id: &str) -> Result<Value, Value> {
        let request =
            json!({ "application_id": id, "amount_cents": null, "term_days": null, "note": null });
        self.call("approve", json!({ "request": request })).await
    }
}

fn queue_request(status: Option<&str>, search: Option<&str>) -> Value {
    json!({
        "status": status, "search": search, "channel": null, "min_amount_cents": null,
        "max_amount_cents": null, "sort": "waiting", "page": 0, "page_size": 50
    })
}

fn code(error: &Value) -> &str {
    error["code"].as_str().unwrap_or_else(|| panic!("a CommandError, got {error}"))
}

async fn status_of(pool: &PgPool, id: &str) -> String {
    sqlx::query_scalar("select status from application where application_id = $1::uuid")
        .bind(id)
        .fetch_one(pool)
        .await
        .expect("the application")
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn an_officer_signs_in_finds_an_application_and_approves_it_within_the_limit(pool: PgPool) {
    common::seed(&pool, 60).await;
    let (id, reference) = common::referred_application(&pool, 250_000, 0).await;
    let thabo = common::login(&pool, "thabo").await;
    let shell = Shell::new(&pool);

    let session = shell.sign_in(&thabo).await;
    assert_eq!(session["role"], "officer");
    assert_eq!(session["approval_limit_cents"], 300_000);
    assert_eq!(shell.call("whoami", json!({})).await.unwrap()["login"], thabo.as_str());

    // The queue: counts per status over the book, and the referred tab holds the application.
    let page = shell.queue(queue_request(Some("referred"), None)).await.unwrap();
    let counted: i64 =
        sqlx::query_scalar("select count(*) from application where status = 'referred'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(page["total"], counted);
    let referred = page["counts"].as_array().unwrap().iter().find(|c| c["status"] == "referred");
    assert_eq!(referred.unwrap()["count"], counted);
    assert!(page["rows"].as_array().unwrap().iter().any(|r| r["reference"] == reference.as_str()));

    // Search finds it by reference, by ID number, by mobile number (as typed locally) and by name.
    let (id_number, msisdn, surname): (String, String, String) = sqlx::query_as(
        "select p.id_number, p.msisdn, p.surname from application a
         join applicant p using (applicant_id) where a.application_id = $1::uuid",
    )
    .bind(&id)
    .fetch_one(&pool)
    .await
    .unwrap();
    let local_mobile = format!("0{}", &msisdn[3..]);
    for term in [reference.as_str(), &id_number, &local_mobile, &surname.to_lowercase()] {
        let found = shell.queue(queue_request(None, Some(term))).await.unwrap();
        let rows = found["rows"].as_array().unwrap();
        assert!(rows.iter().any(|r| r["application_id"] == id.as_str()), "search {term:?}");
    }
    let none = shell.queue(queue_request(None, Some("%_%no-such-applicant"))).await.unwrap();
    assert_eq!(none["total"], 0);

    // The application page, then the approval within the officer's limit.
    let view = shell.application(&id).await.unwrap();
    assert_eq!(view["reference"], reference.as_str());
    assert_eq!(view["can_approve"], true);
    assert_eq!(view["open_for_decision"], true);
    assert!(view["history"].as_array().is_some_and(|h| !h.is_empty()));
    let answer = shell.approve(&id).await.unwrap();
    assert_eq!(answer["outcome"], "approved");
    assert_eq!(status_of(&pool, &id).await, "approved");
    // The applicant is told through the outbox, in the same transaction (DESIGN.md decision 2).
    let told: i64 = sqlx::query_scalar(
        "select count(*) from notification n join application a on a.applicant_id = n.applicant_id
         where a.application_id = $1::uuid and n.template_code = 'approved'",
    )
    .bind(&id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(told >= 1, "the approval message is queued");
    let view = shell.application(&id).await.unwrap();
    assert_eq!(view["status"], "approved");
    assert_eq!(view["can_approve"], false);
    // Deciding twice is a conflict, not a second decision.
    assert_eq!(code(&shell.approve(&id).await.unwrap_err()), "conflict");

    shell.call("sign_out", json!({})).await.unwrap();
    assert_eq!(code(&shell.call("whoami", json!({})).await.unwrap_err()), "not_signed_in");
    assert_eq!(code(&shell.queue(queue_request(None, None)).await.unwrap_err()), "not_signed_in");
    common::drop_logins(&pool).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn above_the_limit_a_second_officer_must_approve(pool: PgPool) {
    common::seed(&pool, 60).await;
    let (id, _) = common::referred_application(&pool, 500_000, 0).await;
    let (thabo, lerato, sipho) = (
        common::login(&pool, "thabo").await,
        common::login(&pool, "lerato").await,
        common::login(&pool, "sipho").await,
    );
    let shell = Shell::new(&pool);

    shell.sign_in(&thabo).await;
    let answer = shell.approve(&id).await.unwrap();
    assert_eq!(answer["outcome"], "awaiting_second_approval");
    assert_eq!(status_of(&pool, &id).await, "referred");
    // The maker cannot also be the checker.
    assert_eq!(code(&shell.approve(&id).await.unwrap_err()), "conflict");

    // Another officer whose limit (R3 000) does not cover R5 000 is refused.
    shell.sign_in(&lerato).await;
    let view = shell.application(&id).await.unwrap();
    assert_eq!(view["can_second_approve"], false);
    assert!(
        view["decisions"].as_array().unwrap().iter().any(|d| d["awaiting_second_approval"] == true)
    );
    assert_eq!(code(&shell.approve(&id).await.unwrap_err()), "forbidden");
    assert_eq!(status_of(&pool, &id).await, "referred");

    // A supervisor (R8 000) completes it.
    shell.sign_in(&sipho).await;
    assert_eq!(shell.application(&id).await.unwrap()["can_second_approve"], true);
    let answer = shell.approve(&id).await.unwrap();
    assert_eq!(answer["outcome"], "approved");
    assert_eq!(status_of(&pool, &id).await, "approved");
    let (maker, checker): (Option<String>, Option<String>) = sqlx::query_as(
        "select m.full_name, c.full_name from decision d
         left join officer m on m.officer_id = d.decided_by_officer_id
         left join officer c on c.officer_id = d.second_approver_officer_id
         where d.application_id = $1::uuid and d.source = 'officer'",
    )
    .bind(&id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(maker.as_deref(), Some("Thabo Mokoena"));
    assert_eq!(checker.as_deref(), Some("Sipho Ndlovu"));
    common::drop_logins(&pool).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn officers_without_the_right_are_refused_and_only_admins_see_the_detail(pool: PgPool) {
    common::seed(&pool, 60).await;
    let (id, _) = common::referred_application(&pool, 100_000, 0).await;
    let shell = Shell::new(&pool);

    // An auditor reads the application but may not decide it.
    shell.sign_in(&common::login(&pool, "fatima").await).await;
    let view = shell.application(&id).await.unwrap();
    assert_eq!(view["can_approve"], false);
    let refused = shell.approve(&id).await.unwrap_err();
    assert_eq!(code(&refused), "forbidden");
    assert_eq!(refused["detail"], Value::Null);
    assert!(refused["reference"].as_str().is_some_and(|r| r.starts_with("E-")));

    // A collections clerk's grants do not reach decisions or documents: the database refuses.
    shell.sign_in(&common::login(&pool, "johan").await).await;
    assert_eq!(code(&shell.application(&id).await.unwrap_err()), "forbidden");
    assert_eq!(code(&shell.approve(&id).await.unwrap_err()), "forbidden");

    // An administrator is refused as well, and sees the detail.
    shell.sign_in(&common::login(&pool, "priya").await).await;
    let refused = shell.approve(&id).await.unwrap_err();
    assert_eq!(code(&refused), "forbidden");
    assert!(refused["detail"].as_str().is_some_and(|d| !d.is_empty()));
    assert_eq!(status_of(&pool, &id).await, "referred");
    common::drop_logins(&pool).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_database_refuses_a_decision_even_when_the_code_is_bypassed(pool: PgPool) {
    // DESIGN.md decision 1: the grants have the last word. An auditor's connection with an
    // officer's record forged in memory still cannot lock or decide the application.
    common::seed(&pool, 40).await;
    let (id, _) = common::referred_application(&pool, 100_000, 0).await;
    let fatima = common::login(&pool, "fatima").await;
    let mut options = pool.connect_options().as_ref().clone();
    options = options.username(&fatima).password(common::PASSWORD);
    let auditor = sqlx::postgres::PgPoolOptions::new().connect_with(options).await.unwrap();
    let mut conn = auditor.acquire().await.unwrap();
    let mut forged = pocket_store::officers::current(&mut conn).await.unwrap().unwrap();
    forged.group = pocket_store::officers::OfficerGroup::Officer;
    forged.approval_limit_cents = 10_000_000;
    let id = uuid::Uuid::parse_str(&id).unwrap();
    let refused = pocket_workflows::review::approve(
        &mut conn,
        &forged,
        id,
        &pocket_workflows::review::Terms::default(),
        chrono::Utc::now(),
    )
    .await;
    assert!(
        matches!(
            refused,
            Err(pocket_workflows::review::ReviewError::Store(
                pocket_store::StoreError::Forbidden { .. }
            ))
        ),
        "{refused:?}"
    );
    drop(conn);
    auditor.close().await;
    common::drop_logins(&pool).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn declines_need_known_reasons(pool: PgPool) {
    common::seed(&pool, 40).await;
    let (id, _) = common::referred_application(&pool, 100_000, 0).await;
    let shell = Shell::new(&pool);
    shell.sign_in(&common::login(&pool, "thabo").await).await;
    let decline = |reasons: Value| json!({ "request": { "application_id": id, "reasons": reasons, "note": "checked payslips" } });
    let none = shell.call("decline", decline(json!([]))).await.unwrap_err();
    assert_eq!(code(&none), "invalid");
    let unknown = shell.call("decline", decline(json!(["'; drop table decision; --"]))).await;
    assert_eq!(code(&unknown.unwrap_err()), "invalid");
    let too_many = shell.call("decline", decline(json!(vec!["other"; 11]))).await;
    assert_eq!(code(&too_many.unwrap_err()), "invalid");
    assert_eq!(status_of(&pool, &id).await, "referred");

    let done = shell.call("decline", decline(json!(["income_unverified", "other"]))).await.unwrap();
    assert_eq!(done["status"], "declined");
    assert_eq!(status_of(&pool, &id).await, "declined");
    let reasons: Vec<String> = sqlx::query_scalar(
        "select unnest(reason_codes) from decision
         where application_id = $1::uuid and source = 'officer'",
    )
    .bind(&id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(reasons, ["income_unverified", "other"]);
    // The decline reasons the UI offers are exactly the ones the use case accepts.
    let offered: Vec<&str> = pocket_contract::DECLINE_REASONS.iter().map(|(c, _)| *c).collect();
    let accepted: Vec<&str> =
        pocket_workflows::review::DECLINE_REASONS.iter().map(|(c, _)| *c).collect();
    assert_eq!(offered, accepted);
    common::drop_logins(&pool).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn bad_credentials_and_hostile_requests_are_refused(pool: PgPool) {
    common::seed(&pool, 20).await;
    let thabo = common::login(&pool, "thabo").await;
    let shell = Shell::new(&pool);
    let sign_in = |login: &str, password: &str| json!({ "request": { "login": login, "password": password } });
    for (login, password) in [
        (thabo.as_str(), "wrong-password"),
        ("no_such_officer", common::PASSWORD),
        ("Robert'); DROP TABLE officer;--", common::PASSWORD),
        (thabo.as_str(), ""),
    ] {
        let refused = shell.call("sign_in", sign_in(login, password)).await.unwrap_err();
        assert_eq!(code(&refused), "bad_credentials", "{login:?}");
    }
    // The server's own superuser is not an officer of the back office.
    let not_officer: Result<Value, Value> = shell.call("whoami", json!({})).await;
    assert_eq!(code(&not_officer.unwrap_err()), "not_signed_in");
    // A malformed request body is refused by the IPC layer before the command runs.
    assert!(shell.call("sign_in", json!({ "request": { "login": 5 } })).await.is_err());

    shell.sign_in(&thabo).await;
    let mut huge = queue_request(None, None);
    huge["page_size"] = json!(100_000);
    assert_eq!(code(&shell.queue(huge).await.unwrap_err()), "invalid");
    let mut bad_status = queue_request(None, None);
    bad_status["status"] = json!("approved' or '1'='1");
    assert_eq!(code(&shell.queue(bad_status).await.unwrap_err()), "invalid");
    assert_eq!(code(&shell.application("not-a-uuid").await.unwrap_err()), "invalid");
    let missing = shell.application("00000000-0000-4000-8000-000000000000").await;
    assert_eq!(code(&missing.unwrap_err()), "not_found");
    // A search full of LIKE wildcards matches them literally, not everything.
    let wild = shell.queue(queue_request(None, Some("%%%"))).await.unwrap();
    assert_eq!(wild["total"], 0);
    common::drop_logins(&pool).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn changes_in_the_database_reach_the_window_as_events(pool: PgPool) {
    common::seed(&pool, 20).await;
    let (id, _) = common::referred_application(&pool, 100_000, 0).await;
    let shell = Shell::new(&pool);
    let (tx, mut rx) = mpsc::unbounded_channel::<Value>();
    shell.window.listen_any(pocket_contract::CHANGE_EVENT, move |event| {
        let _ = tx.send(serde_json::from_str(event.payload()).expect("a JSON payload"));
    });
    shell.sign_in(&common::login(&pool, "thabo").await).await;

    // Another officer, the portal or the worker changes the application; the listener on the
    // officer's own connection may take a moment to start, so the change is repeated until seen.
    let touch = || {
        sqlx::query("update application set updated_at = now() where application_id = $1::uuid")
            .bind(&id)
            .execute(&pool)
    };
    let mut seen = false;
    'attempts: for _ in 0..20 {
        touch().await.unwrap();
        while let Ok(Some(event)) =
            tokio::time::timeout(Duration::from_millis(500), rx.recv()).await
        {
            if event["table"] == "application" && event["id"] == id.as_str() {
                assert_eq!(event["op"], "update");
                seen = true;
                break 'attempts;
            }
        }
    }
    assert!(seen, "the change arrived as a Tauri event");

    // After sign-out the listener stops: no further events.
    shell.call("sign_out", json!({})).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    while rx.try_recv().is_ok() {}
    touch().await.unwrap();
    let late = tokio::time::timeout(Duration::from_secs(1), rx.recv()).await;
    assert!(late.is_err(), "no events after sign-out: {late:?}");
    common::drop_logins(&pool).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn an_idle_session_locks_and_activity_keeps_it_open(pool: PgPool) {
    common::seed(&pool, 20).await;
    let desktop =
        Desktop::new(Ok(common::config(&pool))).with_idle_limit(Duration::from_millis(1500));
    let shell = Shell::with(desktop);
    shell.sign_in(&common::login(&pool, "thabo").await).await;
    // Activity within the limit keeps the session open.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(700)).await;
        shell.call("touch", json!({})).await.expect("still signed in");
    }
    // Idle past the limit: locked, and the officer must sign in again.
    tokio::time::sleep(Duration::from_millis(1800)).await;
    let locked = shell.queue(queue_request(None, None)).await.unwrap_err();
    assert_eq!(code(&locked), "not_signed_in");
    assert!(locked["message"].as_str().is_some_and(|m| m.contains("idle")), "{locked}");
    assert_eq!(code(&shell.call("whoami", json!({})).await.unwrap_err()), "not_signed_in");
    common::drop_logins(&pool).await;
}

mod loans;
mod payout;
mod review;
