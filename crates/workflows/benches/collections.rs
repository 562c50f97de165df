//! The collections cycle at scale (`cargo xtask bench-collections`): 1 000 000 instalments due on
//! one action date, against the PostgreSQL of `DATABASE_URL` (a scratch database is created and
//! dropped). It prints four numbers and their ratios:
//!
//! 1. creating the presentments and building the batch (the database work and the file text);
//! 2. the floor for it: PostgreSQL's own `COPY` of as many presentment rows into a table shaped
//!    like `presentment` (same indexes, no triggers);
//! 3. ingesting a statement with 1 000 000 results (parsing, storing the lines, the events, the
//!    ledger postings and the instalments; 1% come back unpaid with code 02);
//! 4. the floor for it: `COPY` of the statement's rows into a table and a single set-based
//!    `UPDATE` of the presentment-shaped table from it.
//!
//! After the ratios it prints, for reference, each floor plus the COPY of the rows the rules
//! require on top (an opening event per presentment; a result event and a collection posting per
//! line), into tables shaped like `presentment_event` and `ledger_posting`.
//!
//! The seed bypasses what is not measured: loans are inserted with triggers off
//! (`session_replication_role = replica`), so their applications and agreements are not created.
//! The SQL of the seed and of the floors lives here because it is the benchmark's scaffolding,
//! not the product's; the measured steps call the product's store and workflow functions.

use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};
use pocket_domain::BusinessCalendar;
use pocket_providers::netcash::{ServiceKey, parse_statement};
use pocket_store::collections as store;
use pocket_workflows::collections::{presentments, statement};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection as _, Executor as _, PgConnection, PgPool};

/// How many instalments: 1 000 000, or `POCKET_BENCH_INSTALMENTS` for a quick look.
fn instalments() -> i64 {
    std::env::var("POCKET_BENCH_INSTALMENTS").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000_000)
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

async fn scratch(url: &str) -> (PgPool, PgConnection, String) {
    let mut admin = PgConnection::connect(url).await.expect("connect to DATABASE_URL");
    let name = format!("pocket_bench_collections_{}", std::process::id());
    admin.execute(format!("drop database if exists {name}").as_str()).await.unwrap();
    admin.execute(format!("create database {name}").as_str()).await.unwrap();
    let options: sqlx::postgres::PgConnectOptions = url.parse().expect("a database URL");
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .connect_with(options.database(&name))
        .await
        .expect("connect to the scratch database");
    pocket_store::MIGRATOR.run(&pool).await.expect("migrate");
    (pool, admin, name)
}

/// 1 000 000 loans, each with one instalment due on `due` and an authenticated mandate. Each loan
/// has its own application (the key is unique); the applicant, decision and agreement are shared.
async fn seed(pool: &PgPool, due: NaiveDate) {
    let mut conn = pool.acquire().await.unwrap();
    conn.execute("set session_replication_role = replica").await.unwrap();
    let setup = [
        "insert into applicant (msisdn, first_names) values ('+27831230000', 'Bench')",
        "insert into application (applicant_id, product_id, channel, requested_amount_cents, requested_term_days)
         select (select applicant_id from applicant limit 1), (select product_id from product limit 1),
                'portal', 100000, 30
         from generate_series(1, $1)",
        "insert into decision (application_id, source, outcome, policy_version, reason_codes)
         select application_id, 'policy', 'refer', 'bench', '{}' from application limit 1",
        "insert into quote (application_id, principal_cents, term_days, first_loan, interest_rate_bp,
                            interest_cents, initiation_fee_cents, service_fee_cents, vat_cents,
                            total_repayable_cents, instalment_count, first_instalment_date, valid_until)
         select application_id, 100000, 30, true, 500, 0, 0, 0, 0, 100000, 1, current_date, current_date
         from application limit 1",
        "insert into otp_challenge (msisdn, purpose, pin_hash, expires_at)
         values ('+27831230000', 'sign_agreement', 'x', now())",
        "insert into agreement (application_id, quote_id, text_version, otp_challenge_id, cooling_off_until)
         select q.application_id, q.quote_id, 'bench', (select otp_challenge_id from otp_challenge limit 1),
                current_date
         from quote q limit 1",
    ];
    for sql in setup {
        let query = sqlx::query(sql);
        let query = if sql.contains("$1") { query.bind(instalments()) } else { query };
        query.execute(&mut *conn).await.unwrap_or_else(|e| panic!("seed: {e}: {sql}"));
    }
    sqlx::query(
        "insert into loan (application_id, applicant_id, agreement_id, decision_id,
                           principal_cents, term_days, interest_rate_bp, first_loan,
                           total_repayable_cents, disbursed_on)
         select a.application_id, a.applicant_id, (select agreement_id from agreement limit 1),
                (select decision_id from decision limit 1), 100000, 30, 500, true, 150000, $1::date - 30
         from application a",
    )
    .bind(due)
    .execute(&mut *conn)
    .await
    .unwrap();
    sqlx::query(
        "insert into instalment (loan_id, sequence, due_date, principal_cents, interest_cents,
                                 fee_cents, vat_cents, amount_cents)
         select loan_id, 3, $1, 100000, 20000, 26087, 3913, 150000 from loan",
    )
    .bind(due)
    .execute(&mut *conn)
    .await
    .unwrap();
    sqlx::query(
        "insert into mandate (loan_id, application_id, contract_reference, frequency, collection_day,
                              instalment_cents, first_collection_cents, first_collection_date,
                              max_collection_cents, date_adjustment_allowed, authentication_type,
                              branch_code, account_number, account_type, account_holder, status,
                              authenticated_at)
         select loan_id, application_id, 'M' || lpad(row_number() over ()::text, 10, '0'), 'monthly', 31,
                150000, 150000, $1, 225000, true, 'tt1', '250655',
                lpad((62000000000 + row_number() over ())::text, 11, '0'), 1, 'A Holder',
                'authenticated', now()
         from loan",
    )
    .bind(due)
    .execute(&mut *conn)
    .await
    .unwrap();
    // Last month's instalment, presented and collected, with its events: production tables are
    // never empty, and the planner must see them as they are.
    sqlx::query(
        "insert into instalment (loan_id, sequence, due_date, principal_cents, interest_cents,
                                 fee_cents, vat_cents, amount_cents, paid_cents, status, charges_posted_on)
         select loan_id, 2, $1::date - 31, 100000, 20000, 26087, 3913, 150000, 150000, 'paid', $1::date - 31
         from loan",
    )
    .bind(due)
    .execute(&mut *conn)
    .await
    .unwrap();
    sqlx::query(
        "insert into presentment (instalment_id, loan_id, mandate_id, attempt, amount_cents, action_date,
                                  account_reference, status)
         select i.instalment_id, i.loan_id, m.mandate_id, 1, 150000, i.due_date,
                'H' || lpad(row_number() over ()::text, 12, '0'), 'successful'
         from instalment i join mandate m on m.loan_id = i.loan_id where i.sequence = 2",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    sqlx::query(
        "insert into presentment_event (presentment_id, from_status, to_status, effective_role)
         select presentment_id, s.f, s.t, 'pocket_worker' from presentment
         cross join (values (null, 'pending'), ('pending', 'submitted'), ('submitted', 'successful')) as s(f, t)",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    sqlx::query(
        "insert into ledger_posting (loan_id, kind, amount_cents, effective_date, reference)
                 select loan_id, 'principal', principal_cents, disbursed_on, 'pay-out' from loan",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    sqlx::query("update loan set balance_cents = principal_cents")
        .execute(&mut *conn)
        .await
        .unwrap();
    conn.execute("set session_replication_role = origin").await.unwrap();
    conn.execute("vacuum analyze").await.unwrap();
}

/// Presentments + batch: the store's set-based statements, then the file text.
async fn present(pool: &PgPool, due: NaiveDate) -> (Duration, Duration, usize) {
    let now = Utc.from_utc_datetime(&due.and_hms_opt(4, 0, 0).unwrap());
    let start = Instant::now();
    let mut tx = pool.begin().await.unwrap();
    let prepared = presentments::prepare(&mut tx, due, now).await.expect("prepare");
    tx.commit().await.unwrap();
    let db = start.elapsed();
    let batch = prepared.batch.expect("a batch");
    let mut conn = pool.acquire().await.unwrap();
    let lines = store::batch_lines(&mut conn, batch.collection_batch_id).await.unwrap();
    let mut file = pocket_providers::netcash::Batch::new(
        pocket_providers::netcash::Instruction::TwoDay,
        due,
        u32::try_from(batch.sequence).unwrap(),
    );
    for l in &lines {
        file.push(pocket_providers::netcash::DebitOrder {
            account_reference: pocket_providers::netcash::AccountReference::parse(
                &l.account_reference,
            )
            .unwrap(),
            account_name: l.account_holder.clone(),
            holder: l.account_holder.clone(),
            account_type: pocket_domain::AccountType::from_code(1).unwrap(),
            branch_code: pocket_domain::BranchCode::parse(&l.branch_code).unwrap(),
            account_number: pocket_domain::AccountNumber::parse(&l.account_number).unwrap(),
            amount: pocket_domain::Money::from_cents(l.amount_cents),
        })
        .unwrap();
    }
    let text = file.file(&ServiceKey::new("5a0e1c3b-7d24-4f6e-9b8a-2c1d0e9f7a61"), "vendor");
    assert_eq!(u64::try_from(lines.len()).unwrap(), prepared.presentments);
    (db, start.elapsed() - db, text.len())
}

/// The statement the provider would send the next morning: 99% collected, 1% unpaid (02).
async fn statement_text(pool: &PgPool, due: NaiveDate) -> String {
    let refs: Vec<(String, i64)> = sqlx::query_as(
        "select account_reference, amount_cents from presentment where action_date = $1 order by account_reference",
    )
    .bind(due)
    .fetch_all(pool)
    .await
    .unwrap();
    // The presentments are loaded at the bank before results come back.
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query(
        "insert into presentment_event (presentment_id, from_status, to_status)
         select presentment_id, status, 'submitted' from presentment where status = 'pending'",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    let d = due.format("%Y%m%d");
    let mut out = String::with_capacity(refs.len() * 110);
    out.push_str(&format!("{d}\tOBL\t0\tOpening balance\t0.00\t+\t0.00\t\t\t\tBalance\r\n"));
    for (n, (r, cents)) in refs.iter().enumerate() {
        let rands = format!("{}.{:02}", cents / 100, cents % 100);
        if n % 100 == 0 {
            out.push_str(&format!(
                "{d}\tDRU\t{n}\tDebit order unpaid - Code: 02\t{rands}\t-\t0.00\t{r}\tLOANS-{d}-1\t\tDebit orders\r\n"
            ));
        } else {
            out.push_str(&format!(
                "{d}\tTDD\t{n}\tA Holder\t{rands}\t+\t0.00\t{r}\tLOANS-{d}-1\t\tDebit orders\r\n"
            ));
        }
    }
    out
}

async fn ingest(pool: &PgPool, text: &str, due: NaiveDate) -> (Duration, statement::Ingested) {
    let calendar = BusinessCalendar::south_africa();
    let today = due.succ_opt().unwrap();
    let now = Utc.from_utc_datetime(&today.and_hms_opt(4, 0, 0).unwrap());
    let start = Instant::now();
    let parsed = parse_statement(text).expect("the statement parses");
    let rows = statement::rows(&parsed);
    let mut tx = pool.begin().await.unwrap();
    let done = statement::ingest(&mut tx, &calendar, due, today, &rows, now).await.expect("ingest");
    tx.commit().await.unwrap();
    (start.elapsed(), done)
}

/// PostgreSQL's floor: COPY of presentment-shaped rows into a table like `presentment` (its
/// indexes, no triggers), and COPY of the statement plus one set-based UPDATE.
async fn floors(pool: &PgPool, due: NaiveDate) -> (Duration, Duration) {
    let mut conn = pool.acquire().await.unwrap();
    conn.execute(
        "create table presentment_floor (like presentment including defaults including indexes)",
    )
    .await
    .unwrap();
    conn.execute("create table statement_floor (like statement_line including defaults)")
        .await
        .unwrap();
    let rows: Vec<(uuid::Uuid, uuid::Uuid, uuid::Uuid, String)> = sqlx::query_as(
        "select i.instalment_id, i.loan_id, m.mandate_id, p.account_reference
         from presentment p join instalment i using (instalment_id) join mandate m on m.mandate_id = p.mandate_id
         where p.action_date = $1",
    )
    .bind(due)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let mut data = String::with_capacity(rows.len() * 140);
    for (n, (i, l, m, r)) in rows.iter().enumerate() {
        data.push_str(&format!(
            "{}\t{i}\t{l}\t{m}\t1\t150000\t{due}\tF{:019}\tpending\n",
            uuid::Uuid::new_v4(),
            n
        ));
        let _ = r;
    }
    let start = Instant::now();
    let mut copy = conn
        .copy_in_raw(
            "copy presentment_floor (presentment_id, instalment_id, loan_id, mandate_id, attempt, amount_cents,
                                     action_date, account_reference, status) from stdin",
        )
        .await
        .unwrap();
    copy.send(data.as_bytes()).await.unwrap();
    copy.finish().await.unwrap();
    let copy_presentments = start.elapsed();

    let mut lines = String::with_capacity(rows.len() * 100);
    let load = uuid::Uuid::new_v4();
    for n in 0..rows.len() {
        let kind = if n % 100 == 0 { "unpaid" } else { "collected" };
        lines.push_str(&format!("{load}\t{n}\t{due}\t{kind}\tF{n:019}\t\\N\t150000\t{n}\n"));
    }
    let start = Instant::now();
    let mut copy = conn
        .copy_in_raw(
            "copy statement_floor (load_id, line_no, line_date, kind, account_reference, reason_text,
                                   amount_cents, transaction_id) from stdin",
        )
        .await
        .unwrap();
    copy.send(lines.as_bytes()).await.unwrap();
    copy.finish().await.unwrap();
    sqlx::query(
        "update presentment_floor p
         set status = case when s.kind = 'collected' then 'successful' else 'unpaid' end
         from statement_floor s where s.account_reference = p.account_reference",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    (copy_presentments, start.elapsed())
}

/// What the floors leave out but the rules require (collections.md rules 3 and 5), on the same
/// footing: COPY of one opening event per presentment into a table shaped like
/// `presentment_event` (added to floor 2), and COPY of one result event and one collection
/// posting per line into tables shaped like `presentment_event` and `ledger_posting` (added to
/// floor 4). Printed next to the floors, never instead of them.
async fn written_floors(pool: &PgPool, due: NaiveDate) -> (Duration, Duration) {
    let mut conn = pool.acquire().await.unwrap();
    for sql in [
        "create table event_floor (like presentment_event including defaults including indexes)",
        "create table result_floor (like presentment_event including defaults including indexes)",
        "create table posting_floor (like ledger_posting including defaults including indexes)",
    ] {
        conn.execute(sql).await.unwrap();
    }
    let rows: Vec<(uuid::Uuid, uuid::Uuid, uuid::Uuid)> =
        sqlx::query_as("select presentment_id, loan_id, instalment_id from presentment_floor")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    let mut opening = String::with_capacity(rows.len() * 50);
    let mut results = String::with_capacity(rows.len() * 60);
    let mut postings = String::with_capacity(rows.len() * 160);
    for (n, (p, l, i)) in rows.iter().enumerate() {
        opening.push_str(&format!(
            "{p}	{n}	pending
"
        ));
        results.push_str(&format!(
            "{p}	{n}	submitted	successful
"
        ));
        postings.push_str(&format!(
            "{l}	collection	-150000	{due}	{i}	{p}	debit order F{n:019}	{n}
"
        ));
    }
    let copy = |sql: &'static str, data: String| {
        let pool = pool.clone();
        async move {
            let mut conn = pool.acquire().await.unwrap();
            let start = Instant::now();
            let mut copy = conn.copy_in_raw(sql).await.unwrap();
            copy.send(data.as_bytes()).await.unwrap();
            copy.finish().await.unwrap();
            start.elapsed()
        }
    };
    let events =
        copy("copy event_floor (presentment_id, seq, to_status) from stdin", opening).await;
    let ingest =
        copy("copy result_floor (presentment_id, seq, from_status, to_status) from stdin", results)
            .await
            + copy(
                "copy posting_floor (loan_id, kind, amount_cents, effective_date, instalment_id,
                                 presentment_id, reference, seq) from stdin",
                postings,
            )
            .await;
    (events, ingest)
}

fn main() {
    let url = std::env::var("DATABASE_URL")
        .expect("DATABASE_URL (cargo xtask bench-collections sets it)");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let (pool, mut admin, name) = scratch(&url).await;
        let due = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        let t = Instant::now();
        seed(&pool, due).await;
        println!(
            "seeded {} loans, instalments and mandates in {}",
            instalments(),
            secs(t.elapsed())
        );

        let (db, file, bytes) = present(&pool, due).await;
        let presenting = db + file;
        println!(
            "1. presentments + batch:      {} (database {}, file of {} MB {})",
            secs(presenting),
            secs(db),
            bytes / 1_000_000,
            secs(file)
        );
        let text = statement_text(&pool, due).await;
        if let Some(path) = std::env::var_os("POCKET_BENCH_STATEMENT_TO") {
            std::fs::write(path, &text).expect("write the statement");
        }
        let (ingesting, done) = ingest(&pool, &text, due).await;
        println!(
            "3. statement ingest:          {} ({} lines: {} collected, {} returned)",
            secs(ingesting),
            done.lines,
            done.collected,
            done.returned
        );
        let (copy_floor, update_floor) = floors(&pool, due).await;
        println!("2. floor, COPY presentments:  {}", secs(copy_floor));
        println!("4. floor, COPY + UPDATE:      {}", secs(update_floor));
        println!(
            "ratios: presenting {:.1}x its floor, ingesting {:.1}x its floor",
            presenting.as_secs_f64() / copy_floor.as_secs_f64(),
            ingesting.as_secs_f64() / update_floor.as_secs_f64()
        );
        let (events, results) = written_floors(&pool, due).await;
        println!(
            "with the rows the rules require (not the floors): 2 + COPY of the opening events {} \
             ({:.1}x); 4 + COPY of the result events and postings {} ({:.1}x)",
            secs(copy_floor + events),
            presenting.as_secs_f64() / (copy_floor + events).as_secs_f64(),
            secs(update_floor + results),
            ingesting.as_secs_f64() / (update_floor + results).as_secs_f64()
        );
        pool.close().await;
        if std::env::var_os("POCKET_BENCH_KEEP").is_some() {
            println!("kept database {name}");
        } else {
            admin
                .execute(format!("drop database if exists {name} with (force)").as_str())
                .await
                .unwrap();
        }
    });
}
