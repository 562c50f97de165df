//! The loans and collections commands through the IPC on the mock runtime, signed in as the demo
//! officers of each role against a fresh database with the demo data: reads that match the
//! database, actions that change it as the rules say, and refusals by role and of hostile input
//! that leave it unchanged.

use chrono::{Datelike, Days, NaiveDate, Utc, Weekday};
use pocket_domain::BusinessCalendar;
use serde_json::{Value, json};
use sqlx::PgPool;

use super::{Shell, code, common};

/// Today as the shell sees it (Johannesburg).
fn today() -> NaiveDate {
    pocket_workflows::collections::sast_date(Utc::now())
}

fn loans_request(status: Option<&str>, search: Option<&str>, page: u32) -> Value {
    json!({ "status": status, "search": search, "page": page, "page_size": 20 })
}

async fn loans(shell: &Shell, request: Value) -> Result<Value, Value> {
    shell.call("loans", json!({ "request": request })).await
}

async fn loan(shell: &Shell, id: &str) -> Result<Value, Value> {
    shell.call("loan", json!({ "request": { "loan_id": id } })).await
}

async fn pay(
    shell: &Shell,
    id: &str,
    cents: i64,
    on: &str,
    reference: &str,
) -> Result<Value, Value> {
    let request =
        json!({ "loan_id": id, "amount_cents": cents, "received_on": on, "reference": reference });
    shell.call("record_payment", json!({ "request": request })).await
}

async fn move_date(shell: &Shell, instalment: &str, on: &str) -> Result<Value, Value> {
    let request = json!({ "instalment_id": instalment, "on": on });
    shell.call("move_collection_date", json!({ "request": request })).await
}

async fn write_off(shell: &Shell, id: &str, reason: &str) -> Result<Value, Value> {
    shell.call("write_off", json!({ "request": { "loan_id": id, "reason": reason } })).await
}

async fn balance(pool: &PgPool, id: &str) -> i64 {
    sqlx::query_scalar("select balance_cents from loan where loan_id = $1::uuid")
        .bind(id)
        .fetch_one(pool)
        .await
        .expect("the loan")
}

async fn loan_status(pool: &PgPool, id: &str) -> String {
    sqlx::query_scalar("select status from loan where loan_id = $1::uuid")
        .bind(id)
        .fetch_one(pool)
        .await
        .expect("the loan")
}

/// A collecting loan with a balance, no debit order in flight, and an instalment not yet due:
/// its id and that instalment's id.
async fn quiet_loan(pool: &PgPool, skip: i64) -> (String, String) {
    let (loan, instalment): (uuid::Uuid, uuid::Uuid) = sqlx::query_as(
        "select l.loan_id, i.instalment_id from loan l
         join lateral (select instalment_id from instalment i
                       where i.loan_id = l.loan_id and i.status = 'scheduled' and i.due_date > current_date
                       order by sequence limit 1) i on true
         where l.status in ('active', 'in_arrears') and l.balance_cents > 50000
           and l.collection_hold is null
           and not exists (select from presentment p where p.loan_id = l.loan_id
                           and p.status in ('pending', 'submitted', 'unknown', 'loaded'))
         order by l.disbursed_on, l.loan_id offset $1 limit 1",
    )
    .bind(skip)
    .fetch_one(pool)
    .await
    .expect("a quiet loan in the demo data (more applicants?)");
    (loan.to_string(), instalment.to_string())
}

/// The first Saturday on or after `from`.
fn saturday_on_or_after(from: NaiveDate) -> NaiveDate {
    from.iter_days().find(|d| d.weekday() == Weekday::Sat).expect("a Saturday comes")
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_collections_officer_finds_a_loan_records_a_payment_and_moves_a_date(pool: PgPool) {
    common::seed(&pool, 120).await;
    let johan = common::login(&pool, "johan").await;
    let shell = Shell::new(&pool);
    shell.sign_in(&johan).await;

    // The list: every loan, counts per status that match the book, and status filters.
    let page = loans(&shell, loans_request(None, None, 0)).await.unwrap();
    let book: i64 = sqlx::query_scalar("select count(*) from loan").fetch_one(&pool).await.unwrap();
    assert!(book > 0, "the demo has loans");
    assert_eq!(page["total"], book);
    let counted: i64 =
        page["counts"].as_array().unwrap().iter().map(|c| c["count"].as_i64().unwrap()).sum();
    assert_eq!(counted, book);
    let arrears: i64 = sqlx::query_scalar("select count(*) from loan where status = 'in_arrears'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let filtered = loans(&shell, loans_request(Some("in_arrears"), None, 0)).await.unwrap();
    assert_eq!(filtered["total"], arrears);
    assert!(filtered["rows"].as_array().unwrap().iter().all(|r| r["status"] == "in_arrears"));
    // Newest pay-out first, pages of 20 without overlap.
    let second = loans(&shell, loans_request(None, None, 1)).await.unwrap();
    let first_ids: Vec<&Value> =
        page["rows"].as_array().unwrap().iter().map(|r| &r["loan_id"]).collect();
    assert!(second["rows"].as_array().unwrap().iter().all(|r| !first_ids.contains(&&r["loan_id"])));

    // Search by reference, ID number and surname finds the loan.
    let (id, instalment) = quiet_loan(&pool, 0).await;
    let (reference, id_number, surname): (String, String, String) = sqlx::query_as(
        "select a.reference, p.id_number, p.surname from loan l
         join application a using (application_id) join applicant p on p.applicant_id = l.applicant_id
         where l.loan_id = $1::uuid",
    )
    .bind(&id)
    .fetch_one(&pool)
    .await
    .unwrap();
    for term in [reference.as_str(), &id_number, &surname.to_uppercase()] {
        let found = loans(&shell, loans_request(None, Some(term), 0)).await.unwrap();
        assert!(
            found["rows"].as_array().unwrap().iter().any(|r| r["loan_id"] == id.as_str()),
            "search {term:?}"
        );
    }
    let none = loans(&shell, loans_request(None, Some("%_%' or 1=1 --"), 0)).await.unwrap();
    assert_eq!(none["total"], 0);
    for bad in [
        json!({ "status": null, "search": null, "page": 0, "page_size": 0 }),
        json!({ "status": null, "search": null, "page": 0, "page_size": 201 }),
        json!({ "status": "overdue", "search": null, "page": 0, "page_size": 20 }),
        json!({ "status": null, "search": "x".repeat(101), "page": 0, "page_size": 20 }),
    ] {
        assert_eq!(code(&loans(&shell, bad.clone()).await.unwrap_err()), "invalid", "{bad}");
    }
    // A page past the end is empty, not an error.
    let beyond = loans(&shell, loans_request(None, None, 100_000)).await.unwrap();
    assert!(beyond["rows"].as_array().unwrap().is_empty());
    // Unknown and malformed loan ids, on every read.
    let nobody = uuid::Uuid::new_v4().to_string();
    assert_eq!(code(&loan(&shell, &nobody).await.unwrap_err()), "not_found");
    assert_eq!(code(&loan(&shell, "../../etc/passwd").await.unwrap_err()), "invalid");
    let quote = shell.call("settlement_quote", json!({ "request": { "loan_id": nobody } })).await;
    assert_eq!(code(&quote.unwrap_err()), "not_found");
    let statement = shell
        .call(
            "statement",
            json!({ "request": { "loan_id": nobody, "from": "2026-01-01", "to": "2026-02-01" } }),
        )
        .await;
    assert_eq!(code(&statement.unwrap_err()), "not_found");

    // The page: the ledger's running balance ends at the loan's balance; the role's actions.
    let view = loan(&shell, &id).await.unwrap();
    assert_eq!(view["reference"], reference.as_str());
    let before = balance(&pool, &id).await;
    let postings = view["postings"].as_array().unwrap();
    assert_eq!(postings.last().unwrap()["balance_cents"], before);
    assert!(!view["instalments"].as_array().unwrap().is_empty());
    assert!(!view["mandates"].as_array().unwrap().is_empty());
    assert_eq!(view["actions"]["record_payment"], true);
    assert_eq!(view["actions"]["move_date"], true);
    assert_eq!(view["actions"]["write_off"], false);
    let mandate = &view["mandates"][0];
    assert_eq!(mandate["account_last_digits"].as_str().unwrap().len(), 4);

    // A payment received today: a posting by this officer, the balance down by the amount.
    let today = today();
    let paid = pay(&shell, &id, 10_000, &today.to_string(), "FNB 12345").await.unwrap();
    assert_eq!(paid["balance_cents"], before - 10_000);
    assert_eq!(balance(&pool, &id).await, before - 10_000);
    let (kind, by, reference_kept): (String, String, String) = sqlx::query_as(
        "select kind, login_role, reference from ledger_posting where loan_id = $1::uuid order by seq desc limit 1",
    )
    .bind(&id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (kind.as_str(), by.as_str(), reference_kept.as_str()),
        ("payment", johan.as_str(), "EFT FNB 12345")
    );
    let view = loan(&shell, &id).await.unwrap();
    assert_eq!(
        view["postings"].as_array().unwrap().last().unwrap()["balance_cents"],
        before - 10_000
    );

    // Hostile payments: each refused with a clear code, none reaches the ledger.
    let now_balance = balance(&pool, &id).await;
    let tomorrow = today.checked_add_days(Days::new(1)).unwrap().to_string();
    let on = today.to_string();
    for (cents, day, reference, expected) in [
        (-100, on.as_str(), "x", "invalid"),
        (0, on.as_str(), "x", "invalid"),
        (100_000_001, on.as_str(), "x", "invalid"),
        (i64::MAX, on.as_str(), "x", "invalid"),
        (now_balance + 1, on.as_str(), "x", "invalid"),
        (100, tomorrow.as_str(), "x", "invalid"),
        (100, "2026-13-01", "x", "invalid"),
        (100, "yesterday", "x", "invalid"),
        (100, "1999-01-01", "x", "invalid"),
        (100, on.as_str(), "   ", "invalid"),
        (100, on.as_str(), &"r".repeat(61), "invalid"),
        (100, on.as_str(), "a\u{7}b", "invalid"),
    ] {
        let refused = pay(&shell, &id, cents, day, reference).await.unwrap_err();
        assert_eq!(code(&refused), expected, "{cents} on {day} ref {reference:?}: {refused}");
        assert!(refused["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert_eq!(balance(&pool, &id).await, now_balance);
    let unknown = uuid::Uuid::new_v4().to_string();
    assert_eq!(code(&pay(&shell, &unknown, 100, &on, "x").await.unwrap_err()), "not_found");
    assert_eq!(code(&pay(&shell, "not-an-id", 100, &on, "x").await.unwrap_err()), "invalid");
    // A malformed request (an amount as text, fields missing) never reaches the command.
    shell
        .call("record_payment", json!({ "request": { "loan_id": id, "amount_cents": "100" } }))
        .await
        .expect_err("a malformed request is refused");
    assert_eq!(balance(&pool, &id).await, now_balance);

    // Moving a collection date: the rules refuse a past day, a weekend, too little notice, past
    // six months, malformed and unknown input; a good date moves the instalment.
    let calendar = BusinessCalendar::south_africa();
    let earliest = pocket_workflows::loan_desk::earliest_collection_date(&calendar, today);
    let saturday = saturday_on_or_after(earliest);
    let too_soon = calendar.add_business_days(today, 1);
    let disbursed: NaiveDate =
        sqlx::query_scalar("select disbursed_on from loan where loan_id = $1::uuid")
            .bind(&id)
            .fetch_one(&pool)
            .await
            .unwrap();
    let too_late = calendar.next_business_day_on_or_after(
        pocket_workflows::loan_desk::latest_collection_date(disbursed)
            .checked_add_days(Days::new(1))
            .unwrap(),
    );
    let past = today.checked_sub_days(Days::new(3)).unwrap();
    for day in [past, saturday, too_soon, too_late] {
        let refused = move_date(&shell, &instalment, &day.to_string()).await.unwrap_err();
        assert_eq!(code(&refused), "invalid", "{day}: {refused}");
    }
    for bad in ["2026-02-30", "next week", "", "2026-1-5"] {
        assert_eq!(
            code(&move_date(&shell, &instalment, bad).await.unwrap_err()),
            "invalid",
            "{bad:?}"
        );
    }
    assert_eq!(
        code(&move_date(&shell, &unknown, &earliest.to_string()).await.unwrap_err()),
        "not_found"
    );
    let moved = move_date(&shell, &instalment, &earliest.to_string()).await.unwrap();
    assert_eq!(moved["on"], earliest.to_string());
    let due: NaiveDate =
        sqlx::query_scalar("select due_date from instalment where instalment_id = $1::uuid")
            .bind(&instalment)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(due, earliest);

    // A debit order in flight: its instalment's date cannot move.
    let in_flight: Option<String> = sqlx::query_scalar(
        "select p.instalment_id::text from presentment p join loan l using (loan_id)
         where p.status in ('pending', 'submitted', 'loaded') and l.status in ('active', 'in_arrears') limit 1",
    )
    .fetch_optional(&pool)
    .await
    .unwrap();
    if let Some(flying) = in_flight {
        let refused = move_date(&shell, &flying, &earliest.to_string()).await.unwrap_err();
        assert_eq!(code(&refused), "conflict", "{refused}");
    }

    // Settlement quote: the balance today (NCA s125), with the charges not yet due left out.
    let quote =
        shell.call("settlement_quote", json!({ "request": { "loan_id": id } })).await.unwrap();
    assert_eq!(quote["amount_cents"], balance(&pool, &id).await);
    assert_eq!(quote["on"], today.to_string());
    assert!(quote["charges_not_due_cents"].as_i64().unwrap() >= 0);

    // Statement: the whole life of the loan closes on the balance; a later period opens on the
    // balance of the day before; bad periods are refused.
    let whole = shell
        .call("statement", json!({ "request": { "loan_id": id, "from": disbursed.to_string(), "to": today.to_string() } }))
        .await
        .unwrap();
    assert_eq!(whole["opening_cents"], 0);
    assert_eq!(whole["closing_cents"], balance(&pool, &id).await);
    let lines = whole["lines"].as_array().unwrap();
    let sum: i64 = lines.iter().map(|l| l["amount_cents"].as_i64().unwrap()).sum();
    assert_eq!(sum, balance(&pool, &id).await);
    assert_eq!(
        whole["charges_cents"].as_i64().unwrap() + whole["credits_cents"].as_i64().unwrap(),
        sum
    );
    let later = disbursed.checked_add_days(Days::new(1)).unwrap();
    let part = shell
        .call("statement", json!({ "request": { "loan_id": id, "from": later.to_string(), "to": today.to_string() } }))
        .await
        .unwrap();
    let opening: i64 = sqlx::query_scalar(
        "select coalesce(sum(amount_cents), 0)::bigint from ledger_posting where loan_id = $1::uuid and effective_date < $2",
    )
    .bind(&id)
    .bind(later)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(part["opening_cents"], opening);
    assert_eq!(part["closing_cents"], balance(&pool, &id).await);
    for (from, to) in
        [("2026-12-10", "2026-12-01"), ("2020-01-01", "2026-01-01"), ("2026-12-01", "soon")]
    {
        let refused = shell
            .call("statement", json!({ "request": { "loan_id": id, "from": from, "to": to } }))
            .await
            .unwrap_err();
        assert_eq!(code(&refused), "invalid", "{from}..{to}");
    }

    // Collections may not write off: the database refuses, the loan is unchanged.
    let status = loan_status(&pool, &id).await;
    assert_eq!(code(&write_off(&shell, &id, "client emigrated").await.unwrap_err()), "forbidden");
    assert_eq!(loan_status(&pool, &id).await, status);
    common::drop_logins(&pool).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn only_collections_and_supervisors_act_and_only_supervisors_write_off(pool: PgPool) {
    common::seed(&pool, 120).await;
    let (thabo, fatima, sipho) = (
        common::login(&pool, "thabo").await,
        common::login(&pool, "fatima").await,
        common::login(&pool, "sipho").await,
    );
    let (id, instalment) = quiet_loan(&pool, 0).await;
    let (other, _) = quiet_loan(&pool, 1).await;
    let shell = Shell::new(&pool);
    let today = today();
    let earliest = pocket_workflows::loan_desk::earliest_collection_date(
        &BusinessCalendar::south_africa(),
        today,
    );
    let before = balance(&pool, &id).await;

    // A loan officer reads loans but neither records payments, moves dates nor asks for the run:
    // the database refuses even though the officer's grants allow pay-outs.
    shell.sign_in(&thabo).await;
    let view = loan(&shell, &id).await.unwrap();
    assert_eq!(view["actions"]["record_payment"], false);
    assert_eq!(view["actions"]["write_off"], false);
    assert_eq!(
        code(&pay(&shell, &id, 5_000, &today.to_string(), "EFT").await.unwrap_err()),
        "forbidden"
    );
    assert_eq!(
        code(&move_date(&shell, &instalment, &earliest.to_string()).await.unwrap_err()),
        "forbidden"
    );
    assert_eq!(
        code(&shell.call("collections_trigger", json!({ "request": {} })).await.unwrap_err()),
        "forbidden"
    );
    assert_eq!(code(&write_off(&shell, &id, "not mine to do").await.unwrap_err()), "forbidden");
    // Even straight through the database, a payment posting is refused to the officer.
    let mut conn = pool.acquire().await.unwrap();
    sqlx::raw_sql(&format!("set role {thabo}")).execute(&mut *conn).await.unwrap();
    let refused = sqlx::query(
        "insert into ledger_posting (loan_id, kind, amount_cents, effective_date, reference)
         values ($1::uuid, 'payment', -100, current_date, 'bypass')",
    )
    .bind(&id)
    .execute(&mut *conn)
    .await
    .expect_err("the payment guard refuses the officer");
    assert!(refused.to_string().contains("only collections or a supervisor"), "{refused}");
    sqlx::raw_sql("reset role").execute(&mut *conn).await.unwrap();
    drop(conn);

    // An auditor reads everything and changes nothing.
    shell.sign_in(&fatima).await;
    assert!(loans(&shell, loans_request(None, None, 0)).await.is_ok());
    assert!(loan(&shell, &id).await.is_ok());
    assert!(shell.call("collections_overview", json!({})).await.is_ok());
    assert_eq!(
        code(&pay(&shell, &id, 5_000, &today.to_string(), "EFT").await.unwrap_err()),
        "forbidden"
    );
    assert_eq!(code(&write_off(&shell, &id, "auditors do not").await.unwrap_err()), "forbidden");
    assert_eq!(balance(&pool, &id).await, before);

    // A supervisor records a payment and writes a loan off with its reason.
    shell.sign_in(&sipho).await;
    let view = loan(&shell, &id).await.unwrap();
    assert_eq!(view["actions"]["write_off"], true);
    assert!(pay(&shell, &id, 5_000, &today.to_string(), "EFT 9").await.is_ok());
    assert_eq!(balance(&pool, &id).await, before - 5_000);
    assert_eq!(code(&write_off(&shell, &other, "   ").await.unwrap_err()), "invalid");
    assert_eq!(code(&write_off(&shell, &other, &"x".repeat(501)).await.unwrap_err()), "invalid");
    let done = write_off(&shell, &other, "estate sequestrated, no dividend").await.unwrap();
    assert_eq!(done["status"], "written_off");
    assert!(done["ledger_posting_id"].is_string());
    assert_eq!(loan_status(&pool, &other).await, "written_off");
    assert_eq!(balance(&pool, &other).await, 0);
    // Once written off, nothing more: no second write-off, no payment, no quote.
    assert_eq!(code(&write_off(&shell, &other, "again and again").await.unwrap_err()), "conflict");
    assert_eq!(
        code(&pay(&shell, &other, 100, &today.to_string(), "EFT").await.unwrap_err()),
        "conflict"
    );
    let quote = shell.call("settlement_quote", json!({ "request": { "loan_id": other } })).await;
    assert_eq!(code(&quote.unwrap_err()), "conflict");
    // Not while a debit order is in flight.
    let flying: Option<String> = sqlx::query_scalar(
        "select l.loan_id::text from loan l where l.status in ('active', 'in_arrears')
         and exists (select from presentment p where p.loan_id = l.loan_id and p.status in ('pending', 'submitted', 'loaded'))
         limit 1",
    )
    .fetch_optional(&pool)
    .await
    .unwrap();
    if let Some(flying) = flying {
        assert_eq!(
            code(&write_off(&shell, &flying, "cannot wait for the result").await.unwrap_err()),
            "conflict"
        );
    }
    common::drop_logins(&pool).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn the_collections_screen_reads_calendar_batches_unpaids_and_flags(pool: PgPool) {
    common::seed(&pool, 120).await;
    let johan = common::login(&pool, "johan").await;
    let shell = Shell::new(&pool);
    shell.sign_in(&johan).await;
    let today = today();

    // The calendar: every business day of six weeks, counts and totals that match the book.
    let view = shell
        .call("collections_calendar", json!({ "request": { "from": null, "days": 42 } }))
        .await
        .unwrap();
    assert_eq!(view["today"], today.to_string());
    let calendar = BusinessCalendar::south_africa();
    let to = today.checked_add_days(Days::new(41)).unwrap();
    let business =
        today.iter_days().take_while(|d| *d <= to).filter(|d| calendar.is_business_day(*d)).count();
    let days = view["days"].as_array().unwrap();
    assert!(days.len() >= business);
    let presented: i64 = days.iter().map(|d| d["presentments"].as_i64().unwrap()).sum();
    let (count, total): (i64, i64) = sqlx::query_as(
        "select count(*), coalesce(sum(amount_cents), 0)::bigint from presentment where action_date between $1 and $2",
    )
    .bind(today)
    .bind(to)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(presented, count);
    let cents: i64 = days.iter().map(|d| d["presented_cents"].as_i64().unwrap()).sum();
    assert_eq!(cents, total);
    // A past period shows the results.
    let past = shell
        .call("collections_calendar", json!({ "request": { "from": today.checked_sub_days(Days::new(60)).unwrap().to_string(), "days": 60 } }))
        .await
        .unwrap();
    let collected: i64 =
        past["days"].as_array().unwrap().iter().map(|d| d["collected"].as_i64().unwrap()).sum();
    assert!(collected > 0, "the demo collected something in the last 60 days");
    for bad in [
        json!({ "from": null, "days": 0 }),
        json!({ "from": null, "days": 93 }),
        json!({ "from": "2026-02-31", "days": 5 }),
        json!({ "from": "<script>", "days": 5 }),
    ] {
        let refused =
            shell.call("collections_calendar", json!({ "request": bad })).await.unwrap_err();
        assert_eq!(code(&refused), "invalid", "{bad}");
    }

    // The batch the provider loaded with a dropped line: its report, the rejected line and the
    // provider's message, and the loan held and flagged.
    let (batch_date, name): (NaiveDate, String) = sqlx::query_as(
        "select action_date, name from collection_batch where status = 'loaded_with_errors' limit 1",
    )
    .fetch_one(&pool)
    .await
    .expect("the demo has a batch with a dropped line");
    let batches = shell
        .call(
            "collections_batches",
            json!({ "request": { "action_date": batch_date.to_string() } }),
        )
        .await
        .unwrap();
    let batch =
        batches["batches"].as_array().unwrap().iter().find(|b| b["name"] == name.as_str()).unwrap();
    assert!(batch["load_report"].as_str().unwrap().contains("SUCCESSFUL WITH ERRORS"));
    assert_eq!(batch["rejected"], 1);
    let rejected =
        batch["lines"].as_array().unwrap().iter().find(|l| l["status"] == "rejected").unwrap();
    assert!(rejected["message"].as_str().unwrap().contains("incorrect length"));
    let lines = i64::try_from(batch["lines"].as_array().unwrap().len()).unwrap();
    let in_db: i64 = sqlx::query_scalar(
        "select count(*) from presentment p join collection_batch b using (collection_batch_id) where b.name = $1",
    )
    .bind(&name)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(lines, in_db);
    for bad in ["", "2026-12-32", "today", "2026-12-01; drop table loan"] {
        let refused = shell
            .call("collections_batches", json!({ "request": { "action_date": bad } }))
            .await
            .unwrap_err();
        assert_eq!(code(&refused), "invalid", "{bad:?}");
    }
    let empty = shell
        .call("collections_batches", json!({ "request": { "action_date": "2001-01-02" } }))
        .await
        .unwrap();
    assert_eq!(empty["batches"].as_array().unwrap().len(), 0);

    // Unpaids by reason code as the database groups them, each with the rules' next action.
    let overview = shell.call("collections_overview", json!({})).await.unwrap();
    let groups: Vec<(String, i64, i64)> = sqlx::query_as(
        "select reason_code, count(*), sum(amount_cents)::bigint from presentment
         where status in ('unpaid', 'disputed') and reason_code is not null group by reason_code order by reason_code",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let unpaids = overview["unpaids"].as_array().unwrap();
    assert!(!groups.is_empty(), "the demo has unpaids");
    assert_eq!(unpaids.len(), groups.len());
    for (u, (code_, count, total)) in unpaids.iter().zip(&groups) {
        assert_eq!(
            (
                u["reason_code"].as_str().unwrap(),
                u["count"].as_i64().unwrap(),
                u["total_cents"].as_i64().unwrap()
            ),
            (code_.as_str(), *count, *total)
        );
        assert!(!u["next_action"].as_str().unwrap().is_empty());
    }
    if let Some(insufficient) = unpaids.iter().find(|u| u["reason_code"] == "02") {
        assert!(insufficient["next_action"].as_str().unwrap().contains("later payday"));
        assert_eq!(insufficient["re_presented"], true);
    }
    // Open flags: the count of the book, and the flagged loans show them.
    let open: i64 =
        sqlx::query_scalar("select count(*) from collection_flag where resolved_at is null")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(open > 0, "the demo has flags");
    assert_eq!(overview["open_flags"], open);
    assert_eq!(overview["may_trigger"], true);
    let flagged = overview["flags"][0]["loan_id"].as_str().unwrap().to_owned();
    let view = loan(&shell, &flagged).await.unwrap();
    assert!(!view["flags"].as_array().unwrap().is_empty());

    // The manual trigger records today's run for the worker; it calls no provider.
    let asked = shell.call("collections_trigger", json!({ "request": {} })).await.unwrap();
    assert_eq!(asked["for_date"], today.to_string());
    let (kind, payload, status): (String, Value, String) =
        sqlx::query_as("select kind, payload, status from job where job_id = $1::uuid")
            .bind(asked["job_id"].as_str().unwrap())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((kind.as_str(), status.as_str()), ("collections.daily", "queued"));
    assert_eq!(payload["date"], today.to_string());
    let overview = shell.call("collections_overview", json!({})).await.unwrap();
    assert!(
        overview["runs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["job_id"] == asked["job_id"] && r["manual"] == true)
    );
    // Asked twice in the same minute, it is one run.
    let twice: Vec<uuid::Uuid> = sqlx::query_scalar(
        "select trigger_collections_run(current_date, timestamptz '2026-12-05 10:00:30+00')
         union all select trigger_collections_run(current_date, timestamptz '2026-12-05 10:00:50+00')",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(twice[0], twice[1]);
    common::drop_logins(&pool).await;
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn a_flag_resolved_elsewhere_reaches_the_collections_page_as_an_event(pool: PgPool) {
    common::seed(&pool, 120).await;
    let flag: String = sqlx::query_scalar(
        "select collection_flag_id::text from collection_flag where resolved_at is null limit 1",
    )
    .fetch_one(&pool)
    .await
    .expect("the demo has open flags");
    let shell = Shell::new(&pool);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Value>();
    tauri::Listener::listen_any(&shell.window, pocket_contract::CHANGE_EVENT, move |event| {
        let _ = tx.send(serde_json::from_str(event.payload()).expect("a JSON payload"));
    });
    shell.sign_in(&common::login(&pool, "johan").await).await;

    // Another clerk resolves the flag; the listener on the officer's connection may take a
    // moment to start, so the change is repeated until seen.
    let mut seen = false;
    'attempts: for _ in 0..20 {
        sqlx::query(
            "update collection_flag set resolved_at = now() where collection_flag_id = $1::uuid",
        )
        .bind(&flag)
        .execute(&pool)
        .await
        .unwrap();
        while let Ok(Some(event)) =
            tokio::time::timeout(std::time::Duration::from_millis(500), rx.recv()).await
        {
            if event["table"] == "collection_flag" && event["id"] == flag.as_str() {
                seen = true;
                break 'attempts;
            }
        }
    }
    assert!(seen, "the flag's change arrived as a Tauri event");
    let overview = shell.call("collections_overview", json!({})).await.unwrap();
    assert!(
        overview["flags"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["collection_flag_id"] != flag.as_str())
    );
    common::drop_logins(&pool).await;
}
