//! The reports and administration commands on the mock runtime, signed in as the demo officers:
//! an administrator's changes go through, officers and auditors are refused by the database, and
//! hostile input (overlapping or back-dated versions, prices above the NCA caps, unknown template
//! placeholders, empty or oversized names, weak passwords) is refused with a plain message.

use chrono::NaiveDate;
use serde_json::{Value, json};
use sqlx::PgPool;

use super::{Shell, code, common};

/// A login in the demo's namespace (`demo_<tag>_<name>`), so the tests' cleanup drops it too.
async fn demo_login(pool: &PgPool, name: &str) -> String {
    let thabo = common::login(pool, "thabo").await;
    let tag = thabo.trim_end_matches("thabo");
    format!("{tag}{name}")
}

async fn today(pool: &PgPool) -> NaiveDate {
    sqlx::query_scalar("select business_today()").fetch_one(pool).await.unwrap()
}

fn days(d: NaiveDate, n: i64) -> String {
    (d + chrono::Duration::days(n)).to_string()
}

impl Shell {
    async fn ask(&self, cmd: &str, request: Value) -> Result<Value, Value> {
        self.call(cmd, json!({ "request": request })).await
    }
}

fn officer(login: &str, password: &str) -> Value {
    json!({
        "login": login, "full_name": "Nomsa Dlamini", "email": "nomsa@pocketloans.co.za",
        "role": "officer", "approval_limit_cents": 200_000, "password": password
    })
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn an_administrator_manages_officers_and_nobody_else_may(pool: PgPool) {
    common::seed(&pool, 20).await;
    let newbie = demo_login(&pool, "nomsa").await;
    let strong = "kettle-orbit-violet-93";
    let shell = Shell::new(&pool);

    // Others are refused by the database, whatever the shell lets through.
    for who in ["thabo", "fatima", "johan"] {
        shell.sign_in(&common::login(&pool, who).await).await;
        let refused = shell.ask("admin_create_officer", officer(&newbie, strong)).await;
        assert_eq!(code(&refused.unwrap_err()), "forbidden", "{who} created an officer");
    }

    shell.sign_in(&common::login(&pool, "priya").await).await;
    let before = shell.call("admin_officers", json!({})).await.unwrap();
    assert!(before.as_array().unwrap().iter().any(|o| o["role"] == "admin"));

    // Hostile and weak input is refused before anything is stored.
    for (login, password, why) in [
        (newbie.as_str(), "short", "too short"),
        (newbie.as_str(), "aaaaaaaaaaaaaaaa", "one character"),
        (newbie.as_str(), &format!("{newbie}-x1"), "contains the login"),
        (newbie.as_str(), "dlamini-rocks-2026", "contains the name"),
        (newbie.as_str(), "Password-is-good-1", "a well-known password"),
        ("Robert'); DROP ROLE x;--", strong, "a hostile login"),
        ("pocket_admin", strong, "a group's name as a login"),
    ] {
        let refused = shell.ask("admin_create_officer", officer(login, password)).await;
        assert_eq!(code(&refused.unwrap_err()), "invalid", "{why}");
    }
    for (field, value) in [
        ("full_name", json!("")),
        ("full_name", json!("   ")),
        ("full_name", json!("x".repeat(101))),
        ("email", json!("not-an-email")),
        ("approval_limit_cents", json!(-1)),
        ("approval_limit_cents", json!(i64::MAX)),
    ] {
        let mut request = officer(&newbie, strong);
        request[field] = value;
        let refused = shell.ask("admin_create_officer", request).await;
        assert_eq!(code(&refused.unwrap_err()), "invalid", "{field}");
    }
    let roles: i64 = sqlx::query_scalar("select count(*) from pg_roles where rolname = $1")
        .bind(&newbie)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(roles, 0, "nothing was created by the refused attempts");

    // A good one: the login exists, its password is a SCRAM verifier, and it signs in.
    let created = shell.ask("admin_create_officer", officer(&newbie, strong)).await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let stored: String = sqlx::query_scalar("select rolpassword from pg_authid where rolname = $1")
        .bind(&newbie)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(stored.starts_with("SCRAM-SHA-256$4096:"), "{stored}");
    assert!(!stored.contains(strong));
    let again = shell.ask("admin_create_officer", officer(&newbie, strong)).await;
    assert_eq!(code(&again.unwrap_err()), "conflict");

    // Role and limit change in one transaction; the login moves group.
    let change = json!({ "officer_id": id, "role": "supervisor", "approval_limit_cents": 500_000 });
    shell.ask("admin_change_officer", change).await.unwrap();
    let (group, limit): (String, i64) = sqlx::query_as(
        "select group_role, approval_limit_cents from officer where officer_id = $1::uuid",
    )
    .bind(&id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((group.as_str(), limit), ("pocket_supervisor", 500_000));
    let groups: Vec<String> = sqlx::query_scalar(
        "select g.rolname::text from pg_auth_members m join pg_roles g on g.oid = m.roleid
         join pg_roles l on l.oid = m.member where l.rolname = $1",
    )
    .bind(&newbie)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(groups, ["pocket_supervisor"]);
    let nothing = json!({ "officer_id": id, "role": null, "approval_limit_cents": null });
    assert_eq!(code(&shell.ask("admin_change_officer", nothing).await.unwrap_err()), "invalid");
    let bad_limit = json!({ "officer_id": id, "role": "admin", "approval_limit_cents": -5 });
    assert_eq!(code(&shell.ask("admin_change_officer", bad_limit).await.unwrap_err()), "invalid");
    let group_kept: String =
        sqlx::query_scalar("select group_role from officer where officer_id = $1::uuid")
            .bind(&id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(group_kept, "pocket_supervisor", "a refused change changes nothing");

    // An administrator cannot demote or disable themselves.
    let me = shell.call("whoami", json!({})).await.unwrap()["officer_id"].clone();
    let demote = json!({ "officer_id": me, "role": "officer", "approval_limit_cents": null });
    assert_eq!(code(&shell.ask("admin_change_officer", demote).await.unwrap_err()), "forbidden");
    let disable_me = shell.ask("admin_disable_officer", json!({ "id": me })).await;
    assert_eq!(code(&disable_me.unwrap_err()), "invalid");

    // The new supervisor signs in with the password the administrator chose.
    let other = Shell::new(&pool);
    let signed = other
        .call("sign_in", json!({ "request": { "login": newbie, "password": strong } }))
        .await
        .unwrap();
    assert_eq!(signed["role"], "supervisor");
    // An officer cannot change roles either (the function is granted to administrators only).
    let promote = json!({ "officer_id": id, "role": "admin", "approval_limit_cents": null });
    assert_eq!(code(&other.ask("admin_change_officer", promote).await.unwrap_err()), "forbidden");
    other.call("sign_out", json!({})).await.unwrap();

    // Disabled: the login can no longer sign in, the row stays.
    shell.ask("admin_disable_officer", json!({ "id": id })).await.unwrap();
    let refused = other
        .call("sign_in", json!({ "request": { "login": newbie, "password": strong } }))
        .await
        .unwrap_err();
    assert_eq!(code(&refused), "bad_credentials");
    let twice = shell.ask("admin_disable_officer", json!({ "id": id })).await;
    assert_eq!(code(&twice.unwrap_err()), "invalid");
    let list = shell.call("admin_officers", json!({})).await.unwrap();
    let row = list.as_array().unwrap().iter().find(|o| o["officer_id"] == id.as_str()).unwrap();
    assert_eq!(row["active"], false);
    assert_eq!(
        code(&shell.ask("admin_disable_officer", json!({ "id": "x" })).await.unwrap_err()),
        "invalid"
    );
    common::drop_logins(&pool).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn prices_and_parameters_are_new_versions_within_the_caps(pool: PgPool) {
    common::seed(&pool, 10).await;
    let today = today(&pool).await;
    let shell = Shell::new(&pool);
    shell.sign_in(&common::login(&pool, "priya").await).await;
    let pricing = shell.call("admin_pricing", json!({})).await.unwrap();
    let product = pricing["products"][0]["product_id"].as_str().unwrap().to_owned();
    assert!(pricing["prices"].as_array().unwrap().iter().any(|p| p["in_force"] == true));
    assert!(pricing["regulatory"].as_array().unwrap().iter().any(|p| p["code"] == "vat_rate"));
    let price = |from: String, first: i64, fee: i64| {
        json!({
            "product_id": product, "effective_from": from, "interest_first_loan_bp": first,
            "interest_subsequent_loan_bp": 300, "service_fee_monthly_cents": fee,
            "charge_initiation_fee": true, "interest_convention": "daily"
        })
    };

    // Within the caps, from a future day: a new version, the old one untouched.
    shell.ask("admin_add_price", price(days(today, 30), 450, 5_000)).await.unwrap();
    // The same day again: the unique constraint refuses the overlap.
    let overlap = shell.ask("admin_add_price", price(days(today, 30), 400, 5_000)).await;
    assert_eq!(code(&overlap.unwrap_err()), "conflict");
    // Above the caps (Reg 42: 5% a month on a first loan; Reg 44: R60 a month).
    let above = shell.ask("admin_add_price", price(days(today, 40), 501, 5_000)).await.unwrap_err();
    assert_eq!(code(&above), "invalid");
    assert!(above["message"].as_str().unwrap().contains("Reg 42"), "{above}");
    let fee = shell.ask("admin_add_price", price(days(today, 40), 400, 6_001)).await.unwrap_err();
    assert!(fee["message"].as_str().unwrap().contains("Reg 44"), "{fee}");
    // The past is not rewritten, by the shell nor by the database itself.
    let past = shell.ask("admin_add_price", price(days(today, -1), 400, 5_000)).await;
    assert_eq!(code(&past.unwrap_err()), "invalid");
    let mut options = pool.connect_options().as_ref().clone();
    options = options.username(&common::login(&pool, "priya").await).password(common::PASSWORD);
    let admin_pool = sqlx::postgres::PgPoolOptions::new().connect_with(options).await.unwrap();
    let backdated = sqlx::query(
        "insert into regulatory_parameter (code, effective_from, value, unit, source)
         values ('vat_rate', current_date - 400, 1600, 'basis_points', 'x')",
    )
    .execute(&admin_pool)
    .await
    .unwrap_err();
    assert!(backdated.to_string().contains("past"), "{backdated}");
    let edit = sqlx::query("update regulatory_parameter set value = 1 where code = 'vat_rate'")
        .execute(&admin_pool)
        .await
        .unwrap_err();
    assert!(edit.to_string().contains("history"), "{edit}");
    admin_pool.close().await;
    for (field, value) in [
        ("interest_convention", json!("weekly")),
        ("product_id", json!("not-a-uuid")),
        ("effective_from", json!("31/12/2026")),
        ("service_fee_monthly_cents", json!(-1)),
    ] {
        let mut request = price(days(today, 50), 400, 5_000);
        request[field] = value;
        assert_eq!(code(&shell.ask("admin_add_price", request).await.unwrap_err()), "invalid");
    }

    // A regulatory parameter: a new VAT rate from a future day.
    let version = |code: &str, from: String, value: i64| json!({ "code": code, "effective_from": from, "value": value, "note": "Budget speech" });
    shell.ask("admin_add_regulatory", version("vat_rate", days(today, 60), 1_600)).await.unwrap();
    let overlap =
        shell.ask("admin_add_regulatory", version("vat_rate", days(today, 60), 1_550)).await;
    assert_eq!(code(&overlap.unwrap_err()), "conflict");
    // Lowering a cap below a price on record is refused: lower the price first.
    let lower = shell
        .ask("admin_add_regulatory", version("interest_cap_first_loan", days(today, 90), 400))
        .await
        .unwrap_err();
    assert!(lower["message"].as_str().unwrap().contains("lower price"), "{lower}");
    for hostile in [
        version("no_such_code", days(today, 10), 1),
        version("vat_rate", days(today, 10), 10_001),
        version("vat_rate", days(today, 10), -1),
        version("vat_rate", days(today, -10), 1_500),
        json!({ "code": "vat_rate", "effective_from": days(today, 10), "value": 1500, "note": "" }),
        json!({ "code": "vat_rate", "effective_from": days(today, 10), "value": 1500, "note": "x".repeat(201) }),
    ] {
        let refused = shell.ask("admin_add_regulatory", hostile.clone()).await;
        assert_eq!(code(&refused.unwrap_err()), "invalid", "{hostile}");
    }
    let future = shell.call("admin_pricing", json!({})).await.unwrap();
    let vat: Vec<&Value> = future["regulatory"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["code"] == "vat_rate")
        .collect();
    assert_eq!(vat.len(), 3);
    assert!(vat.iter().any(|v| v["future"] == true && v["value"] == 1_600));
    assert!(vat.iter().any(|v| v["in_force"] == true && v["value"] == 1_500));

    // Officers and auditors are refused by the database.
    for who in ["thabo", "fatima"] {
        shell.sign_in(&common::login(&pool, who).await).await;
        let refused = shell.ask("admin_add_price", price(days(today, 70), 400, 5_000)).await;
        assert_eq!(code(&refused.unwrap_err()), "forbidden", "{who}");
        let refused =
            shell.ask("admin_add_regulatory", version("vat_rate", days(today, 70), 1_600)).await;
        assert_eq!(code(&refused.unwrap_err()), "forbidden", "{who}");
    }
    common::drop_logins(&pool).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn policy_templates_and_holidays(pool: PgPool) {
    common::seed(&pool, 10).await;
    let today = today(&pool).await;
    let shell = Shell::new(&pool);
    shell.sign_in(&common::login(&pool, "priya").await).await;

    // Policy thresholds.
    let version = |code: &str, value: i64| json!({ "code": code, "effective_from": days(today, 14), "value": value, "note": "Risk committee" });
    let policy = shell.call("admin_policy", json!({})).await.unwrap();
    assert!(policy["thresholds"].as_array().unwrap().iter().any(|t| t["code"] == "minimum_age"));
    shell.ask("admin_add_policy", version("refer_below_score", 620)).await.unwrap();
    for (hostile, why) in [
        (version("decline_below_score", 700), "decline above refer"),
        (version("minimum_age", 16), "a minor"),
        (version("first_loan_limit", 900_000), "above the NCA's largest loan"),
        (version("no_such_threshold", 1), "unknown code"),
    ] {
        let refused = shell.ask("admin_add_policy", hostile).await;
        assert_eq!(code(&refused.unwrap_err()), "invalid", "{why}");
    }
    let overlap = shell.ask("admin_add_policy", version("refer_below_score", 630)).await;
    assert_eq!(code(&overlap.unwrap_err()), "conflict");

    // Templates: previewed by the outbox's renderer, unknown placeholders refused.
    let template = |body: &str| json!({ "code": "debit_reminder", "channel": "sms", "subject": null, "body": body });
    let preview = shell
        .ask(
            "admin_preview_template",
            template("Pocket Loans: R{{amount}} goes off on {{date}} ({{reference}})."),
        )
        .await
        .unwrap();
    assert_eq!(preview["body"], "Pocket Loans: R1500.00 goes off on 24 Dec 2026 (PL-0001234).");
    let unknown =
        shell.ask("admin_preview_template", template("Hi {{balance}}")).await.unwrap_err();
    assert_eq!(code(&unknown), "invalid");
    assert!(unknown["message"].as_str().unwrap().contains("{{balance}}"));
    for hostile in [
        template(""),
        template(&"x".repeat(5_000)),
        json!({ "code": "debit_reminder", "channel": "fax", "subject": null, "body": "x" }),
        json!({ "code": "application_received", "channel": "email", "subject": null, "body": "x" }),
        json!({ "code": "'; drop table message_template; --", "channel": "sms", "subject": null, "body": "x" }),
    ] {
        let refused = shell.ask("admin_publish_template", hostile.clone()).await;
        assert_eq!(code(&refused.unwrap_err()), "invalid", "{hostile}");
    }
    let published = shell
        .ask("admin_publish_template", template("Pocket Loans: R{{amount}} on {{date}}."))
        .await
        .unwrap();
    assert_eq!(published["version"], 2);
    let templates = shell.call("admin_templates", json!({})).await.unwrap();
    let reminders: Vec<&Value> = templates
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["code"] == "debit_reminder" && t["channel"] == "sms")
        .collect();
    assert_eq!(reminders.len(), 2);
    assert_eq!(reminders.iter().filter(|t| t["active"] == true).count(), 1);
    assert_eq!(reminders[0]["version"], 2);

    // Holidays: a future one is declared and removed; the past is refused.
    let holiday = |date: String, name: &str| json!({ "date": date, "name": name, "declared_by": "Proclamation 12 of 2026" });
    let added =
        shell.ask("admin_add_holiday", holiday(days(today, 20), "Election day")).await.unwrap();
    let again = shell.ask("admin_add_holiday", holiday(days(today, 20), "Twice")).await;
    assert_eq!(code(&again.unwrap_err()), "conflict");
    for hostile in [
        holiday(days(today, -3), "Yesterday"),
        holiday(days(today, 21), ""),
        holiday(days(today, 21), &"x".repeat(101)),
        holiday("2026-02-30".into(), "No such day"),
    ] {
        let refused = shell.ask("admin_add_holiday", hostile.clone()).await;
        assert_eq!(code(&refused.unwrap_err()), "invalid", "{hostile}");
    }
    let holidays = shell.call("admin_holidays", json!({})).await.unwrap();
    assert!(
        holidays
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["name"] == "Election day" && h["removable"] == true)
    );
    shell.ask("admin_remove_holiday", json!({ "id": added["id"] })).await.unwrap();
    let gone = shell.ask("admin_remove_holiday", json!({ "id": added["id"] })).await;
    assert_eq!(code(&gone.unwrap_err()), "not_found");

    for who in ["thabo", "fatima"] {
        shell.sign_in(&common::login(&pool, who).await).await;
        let refused = shell.ask("admin_add_policy", version("refer_below_score", 640)).await;
        assert_eq!(code(&refused.unwrap_err()), "forbidden", "{who}");
        let refused =
            shell.ask("admin_publish_template", template("R{{amount}} on {{date}}")).await;
        assert_eq!(code(&refused.unwrap_err()), "forbidden", "{who}");
        let refused = shell.ask("admin_add_holiday", holiday(days(today, 25), "Another")).await;
        assert_eq!(code(&refused.unwrap_err()), "forbidden", "{who}");
    }
    let active: i32 = sqlx::query_scalar(
        "select version from message_template where code = 'debit_reminder' and channel = 'sms' and active",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(active, 2, "the refused publications changed nothing");
    common::drop_logins(&pool).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_partner_key_is_shown_once_works_and_is_revoked(pool: PgPool) {
    common::seed(&pool, 10).await;
    let shell = Shell::new(&pool);
    shell.sign_in(&common::login(&pool, "priya").await).await;
    for hostile in [
        json!({ "name": "", "contact_email": null }),
        json!({ "name": "x".repeat(101), "contact_email": null }),
        json!({ "name": "Bad\u{7}Bell", "contact_email": null }),
        json!({ "name": "Acme Leads", "contact_email": "nope" }),
    ] {
        let refused = shell.ask("admin_create_partner", hostile.clone()).await;
        assert_eq!(code(&refused.unwrap_err()), "invalid", "{hostile}");
    }
    let partner = shell
        .ask(
            "admin_create_partner",
            json!({ "name": "Acme Leads", "contact_email": "api@acme.co.za" }),
        )
        .await
        .unwrap();
    let twice = shell
        .ask("admin_create_partner", json!({ "name": "Acme Leads", "contact_email": null }))
        .await;
    assert_eq!(code(&twice.unwrap_err()), "conflict");
    let partner_id = partner["id"].as_str().unwrap();
    let long_label = shell
        .ask("admin_issue_key", json!({ "partner_id": partner_id, "label": "x".repeat(101) }))
        .await;
    assert_eq!(code(&long_label.unwrap_err()), "invalid");
    let issued = shell
        .ask("admin_issue_key", json!({ "partner_id": partner_id, "label": "production" }))
        .await
        .unwrap();
    let key = issued["key"].as_str().unwrap();
    let prefix = issued["prefix"].as_str().unwrap();
    assert_eq!(pocket_workflows::partner_keys::key_prefix(key), Some(prefix));

    // Only the hash is stored, and the key is not in the audit log either.
    let hash: String =
        sqlx::query_scalar("select key_hash from partner_api_key where key_prefix = $1")
            .bind(prefix)
            .fetch_one(&pool)
            .await
            .unwrap();
    // SHA-256 computed by PostgreSQL, independently of the code that made the key.
    let expected: String =
        sqlx::query_scalar("select encode(sha256(convert_to($1, 'UTF8')), 'hex')")
            .bind(key)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(hash, expected);
    let leaked: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where new_row::text like '%' || $1 || '%' or new_row::text like '%' || $2 || '%'",
    )
    .bind(key)
    .bind(&hash)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(leaked, 0);
    // The partner API finds the live key by its prefix.
    let mut conn = pool.acquire().await.unwrap();
    assert!(pocket_store::partners::find_key(&mut conn, prefix).await.unwrap().is_some());
    let listed = shell.call("admin_partners", json!({})).await.unwrap();
    let row = listed.as_array().unwrap().iter().find(|p| p["name"] == "Acme Leads").unwrap();
    assert_eq!(row["keys"][0]["prefix"], prefix);
    assert!(!listed.to_string().contains(key), "the list never shows the key");

    // Officers cannot see keys at all; auditors see them but cannot revoke.
    shell.sign_in(&common::login(&pool, "thabo").await).await;
    assert_eq!(code(&shell.call("admin_partners", json!({})).await.unwrap_err()), "forbidden");
    let refused =
        shell.ask("admin_issue_key", json!({ "partner_id": partner_id, "label": "" })).await;
    assert_eq!(code(&refused.unwrap_err()), "forbidden");
    shell.sign_in(&common::login(&pool, "fatima").await).await;
    shell.call("admin_partners", json!({})).await.unwrap();
    let refused = shell.ask("admin_revoke_key", json!({ "id": issued["id"] })).await;
    assert_eq!(code(&refused.unwrap_err()), "forbidden");

    shell.sign_in(&common::login(&pool, "priya").await).await;
    shell.ask("admin_revoke_key", json!({ "id": issued["id"] })).await.unwrap();
    assert!(pocket_store::partners::find_key(&mut conn, prefix).await.unwrap().is_none());
    let again = shell.ask("admin_revoke_key", json!({ "id": issued["id"] })).await;
    assert_eq!(code(&again.unwrap_err()), "not_found");
    drop(conn);
    common::drop_logins(&pool).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_audit_log_is_filtered_and_paged(pool: PgPool) {
    common::seed(&pool, 10).await;
    let today = today(&pool).await;
    let priya = common::login(&pool, "priya").await;
    let shell = Shell::new(&pool);
    shell.sign_in(&priya).await;
    for (n, name) in ["One", "Two", "Three"].iter().enumerate() {
        let request = json!({ "date": days(today, 30 + n as i64), "name": name, "declared_by": "Proclamation" });
        shell.ask("admin_add_holiday", request).await.unwrap();
    }
    let page = |before: Option<i64>| {
        json!({ "table": "public_holiday", "row_key": null, "login": priya, "from": today.to_string(),
                "to": today.to_string(), "before_seq": before, "page_size": 2 })
    };
    let first = shell.ask("admin_audit", page(None)).await.unwrap();
    let rows = first["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["table"] == "public_holiday" && r["login"] == priya.as_str()));
    assert!(rows[0]["seq"].as_i64() > rows[1]["seq"].as_i64(), "newest first");
    assert!(rows[0]["changes"].as_array().unwrap().iter().any(|c| c == "name: Three"));
    assert!(first["tables"].as_array().unwrap().iter().any(|t| t == "public_holiday"));
    let next = first["next_before_seq"].as_i64().expect("an older page");
    let second = shell.ask("admin_audit", page(Some(next))).await.unwrap();
    assert_eq!(second["rows"].as_array().unwrap().len(), 1);
    assert_eq!(second["next_before_seq"], Value::Null);
    // One row's history by its key.
    let key = rows[0]["row_key"].clone();
    let one = shell
        .ask("admin_audit", json!({ "table": "public_holiday", "row_key": key, "login": null, "from": null, "to": null, "before_seq": null, "page_size": 50 }))
        .await
        .unwrap();
    assert_eq!(one["rows"].as_array().unwrap().len(), 1);
    let hostile = json!({ "table": "x; drop table audit_log", "row_key": null, "login": null, "from": null, "to": null, "before_seq": null, "page_size": 50 });
    assert_eq!(code(&shell.ask("admin_audit", hostile).await.unwrap_err()), "invalid");

    // The auditor reads the log; an officer may not.
    shell.sign_in(&common::login(&pool, "fatima").await).await;
    assert_eq!(
        shell.ask("admin_audit", page(None)).await.unwrap()["rows"].as_array().unwrap().len(),
        2
    );
    shell.sign_in(&common::login(&pool, "thabo").await).await;
    assert_eq!(code(&shell.ask("admin_audit", page(None)).await.unwrap_err()), "forbidden");
    common::drop_logins(&pool).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn reports_add_up_and_export_as_csv(pool: PgPool) {
    common::seed(&pool, 200).await;
    let today = today(&pool).await;
    let (from, to) = (days(today, -400), days(today, 30));
    let shell = Shell::new(&pool);
    shell.sign_in(&common::login(&pool, "sipho").await).await;
    let report = |kind: &str| json!({ "kind": kind, "from": from, "to": to });

    let book = shell.ask("run_report", report("loan_book")).await.unwrap();
    let (loans, balance): (i64, i64) = sqlx::query_as(
        "select count(*), coalesce(sum(balance_cents), 0)::bigint from loan
         where disbursed_on between $1::date and $2::date",
    )
    .bind(&from)
    .bind(&to)
    .fetch_one(&pool)
    .await
    .unwrap();
    let rows = book["book"].as_array().unwrap();
    assert!(loans > 0, "the demo data has loans");
    assert_eq!(rows.iter().map(|r| r["loans"].as_i64().unwrap()).sum::<i64>(), loans);
    assert_eq!(rows.iter().map(|r| r["balance_cents"].as_i64().unwrap()).sum::<i64>(), balance);

    let funnel = shell.ask("run_report", report("funnel")).await.unwrap();
    let stages: Vec<i64> = funnel["funnel"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["applications"].as_i64().unwrap())
        .collect();
    let created: i64 =
        sqlx::query_scalar("select count(*) from application").fetch_one(&pool).await.unwrap();
    assert_eq!(stages[0], created, "every demo application started in the range");
    assert!(stages[..6].windows(2).all(|w| w[0] >= w[1]), "a funnel narrows: {stages:?}");
    let paid_out: i64 =
        sqlx::query_scalar("select count(*) from application where status = 'paid_out'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(stages[5] >= paid_out);

    let collections = shell.ask("run_report", report("collections")).await.unwrap();
    let presented: i64 = sqlx::query_scalar(
        "select count(*) from presentment where action_date between $1::date and $2::date and status <> 'cancelled'",
    )
    .bind(&from)
    .bind(&to)
    .fetch_one(&pool)
    .await
    .unwrap();
    let counted: i64 = collections["collection_days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            ["successful", "unpaid", "other_failed", "in_flight"]
                .iter()
                .map(|k| d[*k].as_i64().unwrap())
                .sum::<i64>()
        })
        .sum();
    assert_eq!(counted, presented);
    assert!(
        collections["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| !r["meaning"].as_str().unwrap().is_empty())
    );

    let arrears = shell.ask("run_report", report("arrears")).await.unwrap();
    let buckets: Vec<&str> = arrears["ageing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["bucket"].as_str().unwrap())
        .collect();
    assert_eq!(buckets, ["1-30", "31-60", "61-90", "90+"]);
    let late = pocket_store::arrears::arrears(
        &mut pool.acquire().await.unwrap(),
        NaiveDate::parse_from_str(&to, "%Y-%m-%d").unwrap(),
    )
    .await
    .unwrap();
    let in_buckets: i64 =
        arrears["ageing"].as_array().unwrap().iter().map(|b| b["loans"].as_i64().unwrap()).sum();
    assert_eq!(in_buckets, late.len() as i64, "the same loans as the collections screen's arrears");

    // Hostile ranges.
    for (f, t) in [
        ("2026-12-01", "2026-11-01"),
        ("2019-01-01", "2026-01-01"),
        ("soon", "later"),
        ("2026-02-30", "2026-03-01"),
    ] {
        let refused =
            shell.ask("run_report", json!({ "kind": "funnel", "from": f, "to": t })).await;
        assert_eq!(code(&refused.unwrap_err()), "invalid", "{f}..{t}");
    }
    assert!(
        shell
            .ask("run_report", json!({ "kind": "everything", "from": from, "to": to }))
            .await
            .is_err()
    );

    // The export writes the same rows as CSV to the file the officer named.
    let dir = std::env::temp_dir().join(format!("pocket-export-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("loan-book.csv");
    let exported = shell
        .ask(
            "export_report",
            json!({ "report": report("loan_book"), "path": path.to_str().unwrap() }),
        )
        .await
        .unwrap();
    assert_eq!(exported["rows"], rows.len());
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "status,loans,principal_rands,balance_rands");
    assert_eq!(lines.len(), rows.len() + 1);
    let first = &rows[0];
    let expected = format!(
        "{},{},{}.{:02},",
        first["status"].as_str().unwrap(),
        first["loans"],
        first["principal_cents"].as_i64().unwrap() / 100,
        first["principal_cents"].as_i64().unwrap() % 100
    );
    assert!(lines[1].starts_with(&expected), "{} vs {expected}", lines[1]);
    assert_eq!(exported["bytes"], text.len());
    for bad in ["../../etc/passwd.csv", "/no/such/folder/x.csv", "report.exe", ""] {
        let refused =
            shell.ask("export_report", json!({ "report": report("funnel"), "path": bad })).await;
        assert_eq!(code(&refused.unwrap_err()), "invalid", "{bad}");
    }
    assert!(!dir.join("loan-book.csv.part").exists());
    std::fs::remove_dir_all(&dir).unwrap();
    common::drop_logins(&pool).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn every_change_is_refused_to_officers_auditors_and_collections_clerks(pool: PgPool) {
    common::seed(&pool, 10).await;
    let today = today(&pool).await;
    // Rows to aim at, arranged as the superuser.
    let lerato: String = sqlx::query_scalar(
        "select officer_id::text from officer where login_name like '%\\_lerato'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let holiday: String = sqlx::query_scalar(
        "insert into public_holiday (holiday_date, name, declared_by) values ($1, 'Arranged', 'Test')
         returning public_holiday_id::text",
    )
    .bind(today + chrono::Duration::days(40))
    .fetch_one(&pool)
    .await
    .unwrap();
    let (partner, key): (String, String) = sqlx::query_as(
        "select partner_id::text, partner_api_key_id::text from partner_api_key where revoked_at is null limit 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let product: String = sqlx::query_scalar("select product_id::text from product limit 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    let later = days(today, 45);
    let changes = [
        ("admin_create_officer", officer("demo_x_intruder", "kettle-orbit-violet-93")),
        (
            "admin_change_officer",
            json!({ "officer_id": lerato, "role": "admin", "approval_limit_cents": null }),
        ),
        (
            "admin_change_officer",
            json!({ "officer_id": lerato, "role": null, "approval_limit_cents": 99_000_000 }),
        ),
        ("admin_disable_officer", json!({ "id": lerato })),
        (
            "admin_add_price",
            json!({ "product_id": product, "effective_from": later, "interest_first_loan_bp": 400,
            "interest_subsequent_loan_bp": 300, "service_fee_monthly_cents": 5000, "charge_initiation_fee": true,
            "interest_convention": "daily" }),
        ),
        (
            "admin_add_regulatory",
            json!({ "code": "vat_rate", "effective_from": later, "value": 1600, "note": "x" }),
        ),
        (
            "admin_add_policy",
            json!({ "code": "offer_step", "effective_from": later, "value": 5000, "note": "x" }),
        ),
        (
            "admin_publish_template",
            json!({ "code": "otp", "channel": "sms", "subject": null, "body": "PIN {{pin}}" }),
        ),
        ("admin_add_holiday", json!({ "date": later, "name": "Intruder day", "declared_by": "x" })),
        ("admin_remove_holiday", json!({ "id": holiday })),
        ("admin_create_partner", json!({ "name": "Intruder Leads", "contact_email": null })),
        ("admin_issue_key", json!({ "partner_id": partner, "label": "x" })),
        ("admin_revoke_key", json!({ "id": key })),
    ];
    let audit_before: i64 =
        sqlx::query_scalar("select count(*) from audit_log").fetch_one(&pool).await.unwrap();
    let shell = Shell::new(&pool);
    for who in ["thabo", "sipho", "fatima", "johan"] {
        shell.sign_in(&common::login(&pool, who).await).await;
        for (command, request) in &changes {
            let refused = shell.ask(command, request.clone()).await;
            let error = refused.expect_err(&format!("{who} ran {command}"));
            assert_eq!(code(&error), "forbidden", "{who} {command}: {error}");
            assert_eq!(error["detail"], Value::Null, "only administrators see the detail");
        }
    }
    let audit_after: i64 =
        sqlx::query_scalar("select count(*) from audit_log").fetch_one(&pool).await.unwrap();
    assert_eq!(audit_after, audit_before, "nothing changed");
    // The administrator's refusals carry the detail.
    shell.sign_in(&common::login(&pool, "priya").await).await;
    let refused = shell
        .ask(
            "admin_add_holiday",
            json!({ "date": days(today, 40), "name": "Twice", "declared_by": "x" }),
        )
        .await;
    let error = refused.unwrap_err();
    assert_eq!(code(&error), "conflict");
    assert!(
        error["detail"].as_str().is_some_and(|d| d.contains("public_holiday_date_key")),
        "{error}"
    );
    common::drop_logins(&pool).await;
}
