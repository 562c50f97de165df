//! The collections scenario the end-to-end and fault tests share: four loans paid out on one day
//! and collected by real workers over PostgreSQL and the Netcash simulator (real HTTP), one
//! simulated day at a time, with the faults a test chooses.
//!
//! The loans, all paid on the last working day of the month with three monthly instalments:
//! * `A` collects every instalment, is paid up, then the last debit comes back unpaid (code 02)
//!   days later: the collection is reversed, the loan owes again, and the instalment is presented
//!   again on the next payday and collected;
//! * `B`'s first debit returns code 02 and succeeds when presented again on the next payday;
//! * `C`'s first debit returns code 04 (payment stopped): collection stops, the mandate is
//!   suspended, an officer is flagged; the loan is settled by EFT;
//! * `D`'s first debit succeeds, then is disputed (code 30): the collection is reversed, the loan
//!   is held and flagged; it is settled by EFT.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use pocket_domain::{BusinessCalendar, Money, Msisdn, PaydayRule, Schedule, ScheduleRequest};
use pocket_providers::netcash::{
    Batch, BatchStatus, DebitOrderProvider, FileToken, LoadReport, LoadReportStatus, NetcashClient,
    NetcashConfig, NetcashError, PollingId, ServiceKey, StatementStatus,
};
use pocket_sandbox::netcash::{
    self as sim, DEFAULT_ACCOUNT_KEY, DEFAULT_DEBIT_ORDER_KEY, DEFAULT_VENDOR_KEY, Fault,
    NetcashSimulator,
};
use pocket_store::applicants::{self, Channel, Profile};
use pocket_store::applications::{
    self, ApplicationDetails, ApplicationStatus, EmploymentType, NewApplication, PayFrequency,
};
use pocket_store::collections as store;
use pocket_store::decisions::{self, DecisionSource, NewDecision, Outcome};
use pocket_store::ledger;
use pocket_store::loans::{self, LoanStatus};
use pocket_store::mandates::AuthenticationType;
use pocket_store::officers::{self, NewOfficer, OfficerGroup};
use pocket_store::parameters;
use pocket_store::portal::{self, OtpPurpose};
use pocket_store::quotes::{self, NewAgreement, NewQuote};
use pocket_workflows::collections::payout::{MandateTerms, PayOut, pay_out};
use pocket_workflows::collections::{self, DAILY_JOB, STATEMENT_JOB, manual};
use pocket_workflows::worker::{Handlers, NewJob, TestClock, Worker, WorkerConfig};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// The job kinds of collections (the only ones the scenario's workers run).
pub const KINDS: [&str; 5] = [
    collections::DAILY_JOB,
    collections::SUBMIT_JOB,
    collections::LOAD_REPORT_JOB,
    collections::STATEMENT_JOB,
    collections::MANDATE_JOB,
];

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("BUG: a test date")
}

/// 06:00 in Johannesburg on `day`, when the daily run starts.
pub fn morning(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(4, 0, 0).expect("BUG: a time"))
}

/// The pay-out day and the last day the scenario runs.
pub const PAY_OUT: (i32, u32, u32) = (2026, 12, 1);
pub const LAST_DAY: (i32, u32, u32) = (2027, 4, 2);

/// A client of the simulator with the simulator's keys.
pub fn client(sim: &NetcashSimulator) -> NetcashClient {
    let mut config = NetcashConfig::new(
        sim.url(),
        ServiceKey::new(DEFAULT_DEBIT_ORDER_KEY),
        ServiceKey::new(DEFAULT_ACCOUNT_KEY),
        DEFAULT_VENDOR_KEY,
    );
    config.timeout = StdDuration::from_secs(10);
    NetcashClient::new(config).expect("a Netcash client")
}

/// A provider that, once armed, lets one batch upload reach the provider and then never returns:
/// the worker running it is "killed between submitting and recording" by the test.
#[derive(Debug, Clone)]
pub struct PausingProvider {
    inner: NetcashClient,
    armed: Arc<AtomicBool>,
    pub paused: Arc<Notify>,
}

impl PausingProvider {
    pub fn new(inner: NetcashClient) -> PausingProvider {
        PausingProvider {
            inner,
            armed: Arc::new(AtomicBool::new(false)),
            paused: Arc::new(Notify::new()),
        }
    }

    pub fn arm(&self) {
        self.armed.store(true, Ordering::SeqCst);
    }
}

impl DebitOrderProvider for PausingProvider {
    async fn upload_batch(&self, batch: &Batch) -> Result<FileToken, NetcashError> {
        let token = self.inner.upload_batch(batch).await?;
        if batch.name().starts_with("LOANS-") && self.armed.swap(false, Ordering::SeqCst) {
            self.paused.notify_one();
            std::future::pending::<()>().await;
        }
        Ok(token)
    }

    async fn load_report(&self, token: &FileToken) -> Result<LoadReportStatus, NetcashError> {
        self.inner.load_report(token).await
    }

    async fn batch_status(&self) -> Result<Vec<BatchStatus>, NetcashError> {
        self.inner.batch_status().await
    }

    async fn uploads_for_date(&self, date: NaiveDate) -> Result<Vec<LoadReport>, NetcashError> {
        self.inner.uploads_for_date(date).await
    }

    async fn request_statement(&self, from: NaiveDate) -> Result<PollingId, NetcashError> {
        self.inner.request_statement(from).await
    }

    async fn retrieve_statement(&self, id: &PollingId) -> Result<StatementStatus, NetcashError> {
        self.inner.retrieve_statement(id).await
    }
}

/// A worker running in a task on its own pool, as another process would.
#[derive(Debug)]
pub struct RunningWorker {
    pub pool: PgPool,
    token: CancellationToken,
    handle: JoinHandle<()>,
}

impl RunningWorker {
    pub async fn start<P: DebitOrderProvider + 'static>(
        pool: &PgPool,
        name: &str,
        provider: P,
        clock: &TestClock,
    ) -> RunningWorker {
        // The worker works as its own group role, as `pocket worker` does in production, so a
        // grant the cycle needs and the role lacks fails the scenario.
        let own = PgPoolOptions::new()
            .max_connections(8)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    sqlx::Executor::execute(&mut *conn, "set role pocket_worker").await?;
                    Ok(())
                })
            })
            .connect_with((*pool.connect_options()).clone())
            .await
            .expect("a worker's own pool");
        let handlers =
            collections::register(Handlers::new(), provider, BusinessCalendar::south_africa());
        let config = WorkerConfig {
            worker_id: name.to_owned(),
            concurrency: 4,
            poll_interval: StdDuration::from_millis(20),
            lease: Duration::minutes(5),
            heartbeat_interval: StdDuration::from_secs(3600),
            grace_period: StdDuration::from_secs(5),
            jitter: 0.0,
        };
        let worker = Worker::new(own.clone(), config, handlers, clock.clone());
        let token = CancellationToken::new();
        let handle = tokio::spawn(worker.run(token.clone()));
        RunningWorker { pool: own, token, handle }
    }

    /// Stops gracefully.
    pub async fn stop(self) {
        self.token.cancel();
        let _ = tokio::time::timeout(StdDuration::from_secs(30), self.handle).await;
        self.pool.close().await;
    }

    /// Kills the worker: its task is aborted and its connections closed, as when the process dies.
    pub async fn kill(self) {
        self.handle.abort();
        let _ = self.handle.await;
        self.pool.close().await;
    }
}

/// Waits until no collections job is due or running, moving the clock over backoffs and leases.
pub async fn drain(pool: &PgPool, clock: &TestClock) {
    let kinds: Vec<String> = KINDS.iter().map(|k| (*k).to_owned()).collect();
    for round in 0..6000u32 {
        let now = pocket_workflows::worker::Clock::now(clock);
        let (busy, later): (i64, i64) = sqlx::query_as(
            "select count(*) filter (where status = 'running' or (status = 'queued' and run_at <= $2)),
                    count(*) filter (where status = 'queued' and run_at > $2)
             from job where kind = any($1)",
        )
        .bind(&kinds)
        .bind(now)
        .fetch_one(pool)
        .await
        .expect("count jobs");
        if busy == 0 {
            if later == 0 {
                return;
            }
            clock.advance(Duration::minutes(2));
        } else if round % 100 == 99 {
            // A job held by a worker that died keeps its lease until the lease runs out.
            clock.advance(Duration::minutes(1));
        }
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    }
    panic!("the collections jobs did not settle");
}

/// Jobs of the collections kinds that gave up.
pub async fn dead_jobs(pool: &PgPool) -> Vec<(String, Option<String>)> {
    let kinds: Vec<String> = KINDS.iter().map(|k| (*k).to_owned()).collect();
    sqlx::query_as("select kind, last_error from job where kind = any($1) and status = 'dead'")
        .bind(&kinds)
        .fetch_all(pool)
        .await
        .expect("dead jobs")
}

/// One loan of the scenario.
#[derive(Debug, Clone)]
pub struct ScenarioLoan {
    pub label: char,
    pub loan_id: Uuid,
    pub mandate_id: Uuid,
    pub instalment_ids: Vec<Uuid>,
}

/// Creates an applicant, an application that an officer approves, the quote, the signed
/// agreement and the paid-out loan with its mandate request, as the portal and the desktop do.
pub async fn open_loan(
    pool: &PgPool,
    label: char,
    officer_id: Uuid,
    now: DateTime<Utc>,
) -> ScenarioLoan {
    let mut tx = pool.begin().await.unwrap();
    let day = collections::sast_date(now);
    let n = u32::from(label) - u32::from('A');
    let msisdn = Msisdn::parse(&format!("08312300{n:02}")).unwrap();
    let profile = Profile {
        first_names: Some(format!("Client {label}")),
        surname: Some("Mokoena".to_owned()),
        ..Profile::default()
    };
    let applicant_id = applicants::create(&mut tx, &msisdn, &profile).await.unwrap();
    let product_id = applications::product_id(&mut tx, "short_term").await.unwrap();
    let created = applications::create(
        &mut tx,
        &NewApplication {
            applicant_id,
            product_id,
            channel: Channel::Portal,
            partner_id: None,
            created_by_officer_id: None,
            requested_amount_cents: 200_000,
            requested_term_days: 90,
        },
    )
    .await
    .unwrap();
    let application_id = created.application_id;
    applications::update_details(
        &mut tx,
        application_id,
        &ApplicationDetails {
            requested_amount_cents: 200_000,
            requested_term_days: 90,
            employer_name: Some("Shoprite".to_owned()),
            employment_type: Some(EmploymentType::Permanent),
            pay_frequency: Some(PayFrequency::Monthly),
            payday: Some("last_working_day".to_owned()),
            gross_income_cents: Some(2_500_000),
            net_income_cents: Some(1_900_000),
            declared_expenses_cents: Some(600_000),
            declared_debt_cents: Some(300_000),
            bank_branch_code: Some("250655".to_owned()),
            bank_account_number: Some(format!("6212345678{n}")),
            bank_account_type: Some(1),
            bank_account_holder: Some(format!("C {label} Mokoena")),
        },
    )
    .await
    .unwrap();
    applications::submit(&mut tx, application_id, now).await.unwrap();

    let calendar = BusinessCalendar::south_africa();
    let regulations = parameters::regulations_on(&mut tx, day).await.unwrap();
    let product =
        parameters::product_parameters(&mut tx, product_id, day, &regulations).await.unwrap();
    let schedule = Schedule::build(
        &regulations,
        &product,
        &calendar,
        &ScheduleRequest {
            amount: Money::from_cents(200_000),
            first_loan: true,
            disbursement_date: day,
            max_term_days: 90,
            payday_rule: PaydayRule::LastWorkingDay,
            min_days_to_first_instalment: 7,
        },
    )
    .expect("a schedule");
    let quote = &schedule.quote;
    let term = i32::try_from(quote.term_days).unwrap();
    applications::transition(
        &mut tx,
        application_id,
        ApplicationStatus::Submitted,
        ApplicationStatus::PreApproved,
        None,
    )
    .await
    .unwrap();
    let quote_id = quotes::offer(
        &mut tx,
        &NewQuote {
            application_id,
            principal_cents: quote.principal.cents(),
            term_days: term,
            first_loan: true,
            interest_rate_bp: parameters::rate_to_bp(quote.interest_rate_per_month),
            interest_cents: quote.interest.cents(),
            initiation_fee_cents: quote.initiation_fee.cents(),
            service_fee_cents: quote.service_fees.cents(),
            vat_cents: quote.vat().cents(),
            total_repayable_cents: quote.total_repayable.cents(),
            instalment_count: i32::try_from(schedule.instalments.len()).unwrap(),
            first_instalment_date: schedule.instalments[0].due_date,
            valid_until: calendar.add_business_days(day, 5),
        },
    )
    .await
    .unwrap();
    let decision_id = decisions::record(
        &mut tx,
        &NewDecision {
            application_id,
            source: DecisionSource::Officer,
            outcome: Outcome::Approve,
            reason_codes: vec![],
            approved_amount_cents: Some(quote.principal.cents()),
            approved_term_days: Some(term),
            decided_by_officer_id: Some(officer_id),
            policy_version: None,
            note: Some("documents verified".to_owned()),
            affordability_assessment_id: None,
        },
    )
    .await
    .unwrap();
    applications::transition(
        &mut tx,
        application_id,
        ApplicationStatus::PreApproved,
        ApplicationStatus::Approved,
        None,
    )
    .await
    .unwrap();
    quotes::accept(&mut tx, quote_id, day, now).await.unwrap();
    let otp = portal::create_otp(
        &mut tx,
        &msisdn,
        OtpPurpose::SignAgreement,
        "0000000000000000000000000000000000000000000000000000000000000000",
        now + Duration::minutes(5),
        3,
    )
    .await
    .unwrap();
    portal::record_otp_attempt(&mut tx, otp).await.unwrap();
    portal::mark_otp_verified(&mut tx, otp, now).await.unwrap();
    let agreement_id = quotes::sign(
        &mut tx,
        &NewAgreement {
            application_id,
            quote_id,
            text_version: "agreement-2026.1".to_owned(),
            otp_challenge_id: otp,
            document_storage_key: None,
            signed_at: now,
            cooling_off_until: calendar.add_business_days(day, 5),
        },
    )
    .await
    .unwrap();
    applications::transition(
        &mut tx,
        application_id,
        ApplicationStatus::Approved,
        ApplicationStatus::Signed,
        None,
    )
    .await
    .unwrap();
    let paid = pay_out(
        &mut tx,
        &PayOut {
            application_id,
            applicant_id,
            agreement_id,
            decision_id,
            first_loan: true,
            interest_rate_bp: parameters::rate_to_bp(quote.interest_rate_per_month),
            schedule: &schedule,
            disbursement_reference: format!("EFT-{}", created.reference),
            mandate: MandateTerms {
                contract_reference: created.reference.replace('-', ""),
                payday_rule: PaydayRule::LastWorkingDay,
                authentication_type: AuthenticationType::Tt1,
                branch_code: "250655".to_owned(),
                account_number: format!("6212345678{n}"),
                account_type: 1,
                account_holder: format!("C {label} Mokoena"),
            },
        },
        now,
    )
    .await
    .unwrap();
    applications::transition(
        &mut tx,
        application_id,
        ApplicationStatus::Signed,
        ApplicationStatus::PaidOut,
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    ScenarioLoan {
        label,
        loan_id: paid.loan_id,
        mandate_id: paid.mandate_id,
        instalment_ids: paid.instalment_ids,
    }
}

/// The faults a run injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Faults {
    /// The provider drops the connection after receiving the batch built on this day.
    pub upload_timeout_on: Option<NaiveDate>,
    /// The worker is killed after the batch built on this day reached the provider, before it
    /// recorded the token; a fresh worker carries on.
    pub kill_after_upload_on: Option<NaiveDate>,
    /// Every day's statement is read twice.
    pub statement_twice: bool,
    /// Two workers run at once, and every day's run is enqueued twice.
    pub two_workers: bool,
}

/// A posting as compared across runs: kind, cents, effective date.
pub type PostingRow = (String, i64, NaiveDate);
/// A loan's end: status, balance and every posting, sorted.
pub type LoanEnd = (LoanStatus, i64, Vec<PostingRow>);
/// A presentment as compared across runs: instalment sequence, attempt, action date, status,
/// reason code.
pub type PresentmentRow = (i32, i32, NaiveDate, String, Option<String>);

/// What a run ends with, comparable across runs (no ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ending {
    /// Per loan label.
    pub loans: BTreeMap<char, LoanEnd>,
    /// Per loan label, sorted.
    pub presentments: BTreeMap<char, Vec<PresentmentRow>>,
    /// Batch uploads that reached the provider.
    pub uploads: usize,
}

/// A run of the scenario and what it observed on the way.
#[derive(Debug)]
pub struct Run {
    pub loans: Vec<ScenarioLoan>,
    pub ending: Ending,
    /// Days on which a loan's stored balance differed from its postings (always none).
    pub unbalanced_days: Vec<NaiveDate>,
    /// Days on which an instalment had two active presentments (always none).
    pub doubly_presented_days: Vec<NaiveDate>,
    /// Account references the provider loaded more than once (always none).
    pub loaded_twice: Vec<String>,
    pub dead: Vec<(String, Option<String>)>,
    /// Batches whose sending was settled by asking the provider after an unknown outcome.
    pub reconciled_batches: i64,
    /// Statements read.
    pub statement_loads: i64,
    /// Batch uploads that reached the provider, as the provider counts them.
    pub upload_calls: usize,
}

async fn reference_of(pool: &PgPool, instalment_id: Uuid, attempt: i32) -> Option<String> {
    sqlx::query_scalar(
        "select account_reference from presentment where instalment_id = $1 and attempt = $2",
    )
    .bind(instalment_id)
    .bind(attempt)
    .fetch_optional(pool)
    .await
    .expect("a presentment reference")
}

/// A new loan officer (a database login, shared by every database of the cluster, hence the
/// random name): the one who approves the scenario's loans.
pub async fn officer(pool: &PgPool) -> Uuid {
    let mut conn = pool.acquire().await.unwrap();
    officers::create(
        &mut conn,
        &NewOfficer {
            login_name: format!("officer_{}", &Uuid::new_v4().simple().to_string()[..12]),
            group: OfficerGroup::Officer,
            full_name: "Thandi Officer".to_owned(),
            email: "thandi@pocketloans.example.co.za".to_owned(),
            approval_limit_cents: 1_000_000,
        },
        "correct horse battery staple",
    )
    .await
    .unwrap()
}

/// Runs the whole scenario on `pool` with a fresh simulator.
pub async fn run(pool: &PgPool, faults: Faults) -> Run {
    let first = date(PAY_OUT.0, PAY_OUT.1, PAY_OUT.2);
    let last = date(LAST_DAY.0, LAST_DAY.1, LAST_DAY.2);
    let simulator = NetcashSimulator::start(sim::NetcashConfig::new(first)).await.unwrap();
    let clock = TestClock::new(morning(first));
    let pausing = PausingProvider::new(client(&simulator));
    let mut workers = vec![RunningWorker::start(pool, "worker-1", pausing.clone(), &clock).await];
    if faults.two_workers {
        workers.push(RunningWorker::start(pool, "worker-2", client(&simulator), &clock).await);
    }

    let officer_id = officer(pool).await;
    let mut loans = Vec::new();
    for label in ['A', 'B', 'C', 'D'] {
        loans.push(open_loan(pool, label, officer_id, morning(first)).await);
    }
    let loan = |label: char| {
        loans.iter().find(|l| l.label == label).expect("BUG: a scenario loan").clone()
    };

    let mut unbalanced_days = Vec::new();
    let mut doubly_presented_days = Vec::new();
    let mut late_injected = false;
    let mut dispute_injected = false;
    let mut settled = false;
    let mut day = first;
    while day <= last {
        simulator.set_today(day);
        clock.set(morning(day));
        if faults.upload_timeout_on == Some(day) {
            simulator.inject("BatchFileUpload", Fault::DropConnection);
        }
        if faults.kill_after_upload_on == Some(day) {
            pausing.arm();
        }
        {
            let mut conn = pool.acquire().await.unwrap();
            let job = NewJob::now(DAILY_JOB, serde_json_date(day), morning(day))
                .with_key(format!("{DAILY_JOB}:{day}"));
            pocket_store::jobs::enqueue(&mut conn, &job).await.unwrap();
            if faults.two_workers {
                let again = NewJob::now(DAILY_JOB, serde_json_date(day), morning(day))
                    .with_key(format!("{DAILY_JOB}:{day}:again"));
                pocket_store::jobs::enqueue(&mut conn, &again).await.unwrap();
            }
        }
        if faults.kill_after_upload_on == Some(day) {
            tokio::time::timeout(StdDuration::from_secs(30), pausing.paused.notified())
                .await
                .expect("the batch reached the provider");
            let killed = workers.remove(0);
            killed.kill().await;
            workers.insert(
                0,
                RunningWorker::start(pool, "worker-3", client(&simulator), &clock).await,
            );
        }
        drain(pool, &clock).await;
        if faults.statement_twice {
            let mut conn = pool.acquire().await.unwrap();
            let from = day
                .checked_sub_days(chrono::Days::new(collections::STATEMENT_LOOKBACK_DAYS))
                .unwrap();
            let job = NewJob::now(
                STATEMENT_JOB,
                serde_json::json!({ "from": from.to_string(), "date": day.to_string() }),
                pocket_workflows::worker::Clock::now(&clock),
            )
            .with_key(format!("{STATEMENT_JOB}:{day}:again"));
            pocket_store::jobs::enqueue(&mut conn, &job).await.unwrap();
            drop(conn);
            drain(pool, &clock).await;
        }
        simulator.clear_faults();

        // What the bank will say about the debits just presented.
        if let Some(r) = reference_of(pool, loan('B').instalment_ids[0], 1).await {
            simulator.return_unpaid(&r, "02");
        }
        if let Some(r) = reference_of(pool, loan('C').instalment_ids[0], 1).await {
            simulator.return_unpaid(&r, "04");
        }
        if !dispute_injected
            && let Some(r) = reference_of(pool, loan('D').instalment_ids[0], 1).await
        {
            simulator.inject_dispute(&r, date(2027, 1, 8));
            dispute_injected = true;
        }
        if !late_injected && let Some(r) = reference_of(pool, loan('A').instalment_ids[2], 1).await
        {
            simulator.inject_late_unpaid(&r, "02", date(2027, 3, 3));
            late_injected = true;
        }
        // The officer settles the stopped and the disputed loan by EFT.
        if day == date(2027, 1, 20) && !settled {
            let mut tx = pool.begin().await.unwrap();
            for label in ['C', 'D'] {
                manual::settle(&mut tx, loan(label).loan_id, day, &format!("EFT {label}"))
                    .await
                    .unwrap();
            }
            tx.commit().await.unwrap();
            settled = true;
        }

        let mut conn = pool.acquire().await.unwrap();
        if !ledger::unbalanced_loans(&mut conn).await.unwrap().is_empty() {
            unbalanced_days.push(day);
        }
        if store::instalments_with_two_active(&mut conn).await.unwrap() != 0 {
            doubly_presented_days.push(day);
        }
        day = day.succ_opt().unwrap();
    }
    for w in workers {
        w.stop().await;
    }
    let ending = ending(pool, &loans, &simulator).await;
    let mut seen = std::collections::BTreeSet::new();
    let loaded_twice =
        simulator.loaded_references().into_iter().filter(|r| !seen.insert(r.clone())).collect();
    let dead = dead_jobs(pool).await;
    let reconciled_batches = sqlx::query_scalar(
        "select count(distinct p.collection_batch_id) from presentment_event e
         join presentment p on p.presentment_id = e.presentment_id
         where e.detail->>'how' like 'reconciled%'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let statement_loads =
        sqlx::query_scalar("select count(*) from statement_load").fetch_one(pool).await.unwrap();
    let upload_calls = simulator.received("BatchFileUpload");
    Run {
        loans,
        ending,
        unbalanced_days,
        doubly_presented_days,
        loaded_twice,
        dead,
        reconciled_batches,
        statement_loads,
        upload_calls,
    }
}

fn serde_json_date(day: NaiveDate) -> serde_json::Value {
    serde_json::json!({ "date": day.to_string() })
}

/// What a run ended with.
pub async fn ending(pool: &PgPool, loans: &[ScenarioLoan], simulator: &NetcashSimulator) -> Ending {
    let mut conn = pool.acquire().await.unwrap();
    let mut by_loan = BTreeMap::new();
    let mut presentments = BTreeMap::new();
    for l in loans {
        let loan = loans::get(&mut conn, l.loan_id).await.unwrap();
        let mut postings: Vec<(String, i64, NaiveDate)> = ledger::postings(&mut conn, l.loan_id)
            .await
            .unwrap()
            .into_iter()
            .map(|p| (p.kind.as_str().to_owned(), p.amount_cents, p.effective_date))
            .collect();
        postings.sort();
        by_loan.insert(l.label, (loan.status, loan.balance_cents, postings));
        let instalments = loans::instalments(&mut conn, l.loan_id).await.unwrap();
        let seq: BTreeMap<Uuid, i32> =
            instalments.iter().map(|i| (i.instalment_id, i.sequence)).collect();
        let mut rows: Vec<_> = store::for_loan(&mut conn, l.loan_id)
            .await
            .unwrap()
            .into_iter()
            .map(|p| {
                (
                    seq[&p.instalment_id],
                    p.attempt,
                    p.action_date,
                    p.status.as_str().to_owned(),
                    p.reason_code,
                )
            })
            .collect();
        rows.sort();
        presentments.insert(l.label, rows);
    }
    Ending { loans: by_loan, presentments, uploads: simulator.received("BatchFileUpload") }
}
