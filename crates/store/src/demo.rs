//! A realistic, deterministic demo data set, made through the same store functions the product
//! uses and the domain's rules: valid SA ID numbers, SA mobile numbers, universal branch codes,
//! quotes and schedules from `pocket_domain` pricing on business days, decisions from the lending
//! policy, presentments with mixed results, balanced ledgers, officers in every group (created
//! through the SCRAM function), notifications and jobs.
//!
//! The seed runs only into a database without applicants, in one transaction: a second run
//! changes nothing and reports what is there (`DemoSummary::already_seeded`).
//!
//! Officer logins are PostgreSQL roles, which are cluster-wide, so their names carry a short tag
//! derived from the database name (`demo_<tag>_thabo`); every demo officer's password is
//! [`DEMO_PASSWORD`].

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use pocket_domain::policy::{self, BureauRecord, BureauResult as PolicyBureau};
use pocket_domain::{
    Bank, BusinessCalendar, Decision, DecisionInput, ExpenseNorms, Money, Msisdn, PaydayRule,
    PolicyThresholds, ReasonCode, RegulatoryParameters, SaIdNumber, Schedule,
    collections::NextAction,
};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::applicants::{self, Channel, ConsentPurpose, Profile};
use crate::applications::{
    self, ApplicationDetails, ApplicationStatus, EmploymentType, NewApplication, PayFrequency,
};
use crate::bureau::{self, BureauResult};
use crate::collections::{
    self, BatchStatus, Instruction, NewEvent, NewPresentment, PresentmentStatus,
};
use crate::decisions::{self, Assessment, DecisionSource, NewDecision, Outcome};
use crate::documents::{self, DocumentKind, NewDocument, Verification};
use crate::error::{Result, StoreError};
use crate::jobs::{self, NewJob};
use crate::ledger::{self, NewPosting, PostingKind};
use crate::loans::{self, InstalmentStatus, LoanStatus, NewInstalment, NewLoan};
use crate::mandates::{self, AuthenticationType, MandateStatus, NewMandate};
use crate::notifications::{self, NewNotification, NotificationChannel};
use crate::officers::{NewOfficer, OfficerGroup};
use crate::parameters;
use crate::portal::{self, OtpPurpose};
use crate::quotes::{self, NewAgreement, NewQuote};
use crate::{officers, partners, scram};

/// The password of every demo officer login.
pub const DEMO_PASSWORD: &str = "pocket-demo-2026";

/// How much demo data to make, from which seed, as of which day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoOptions {
    pub applicants: usize,
    pub seed: u64,
    pub today: NaiveDate,
}

/// What the database holds after seeding, read back from it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    /// True when the database already had applicants and nothing was added.
    pub already_seeded: bool,
    pub applicants: i64,
    pub applications_by_status: BTreeMap<String, i64>,
    pub loans_by_status: BTreeMap<String, i64>,
    pub presentments_by_status: BTreeMap<String, i64>,
    pub unpaids_by_reason: BTreeMap<String, i64>,
    /// Login name and group of each officer.
    pub officers: Vec<(String, String)>,
    pub collection_batches: i64,
    pub ledger_postings: i64,
    pub notifications: i64,
    pub jobs: i64,
    pub disbursed_cents: i64,
    pub collected_cents: i64,
    pub outstanding_cents: i64,
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rand = |cents: i64| Money::from_cents(cents).to_string();
        let list = |map: &BTreeMap<String, i64>| {
            map.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ")
        };
        if self.already_seeded {
            writeln!(f, "The database already had data; nothing was added.")?;
        }
        writeln!(f, "Applicants: {}", self.applicants)?;
        writeln!(f, "Applications: {}", list(&self.applications_by_status))?;
        writeln!(f, "Loans: {}", list(&self.loans_by_status))?;
        writeln!(f, "Presentments: {}", list(&self.presentments_by_status))?;
        writeln!(f, "Unpaids by reason code: {}", list(&self.unpaids_by_reason))?;
        writeln!(
            f,
            "Money: {} paid out, {} collected, {} outstanding",
            rand(self.disbursed_cents),
            rand(self.collected_cents),
            rand(self.outstanding_cents)
        )?;
        writeln!(
            f,
            "Batches {}, ledger postings {}, notifications {}, jobs {}",
            self.collection_batches, self.ledger_postings, self.notifications, self.jobs
        )?;
        let logins: Vec<String> =
            self.officers.iter().map(|(login, group)| format!("{login} ({group})")).collect();
        write!(f, "Officers (password {DEMO_PASSWORD:?}): {}", logins.join(", "))
    }
}

/// Seeds the demo data set into an empty database, or reports what is there.
pub async fn seed(pool: &PgPool, options: DemoOptions) -> Result<DemoSummary> {
    let mut tx = pool.begin().await?;
    // Two seeders of one database wait for each other instead of both seeing it empty.
    sqlx::query!("select pg_advisory_xact_lock(7212498031)").fetch_one(&mut *tx).await?;
    let existing = sqlx::query_scalar!(r#"select count(*) as "n!" from applicant"#)
        .fetch_one(&mut *tx)
        .await?;
    if existing > 0 {
        tx.rollback().await?;
        let mut conn = pool.acquire().await?;
        let mut summary = summarize(&mut conn).await?;
        summary.already_seeded = true;
        return Ok(summary);
    }
    let mut seeder = Seeder::prepare(&mut tx, options).await?;
    for i in 0..options.applicants {
        seeder.applicant(&mut tx, i).await?;
    }
    seeder.finish(&mut tx).await?;
    collections_desk(&mut tx, options.today, seeder.now).await?;
    tx.commit().await?;
    let mut conn = pool.acquire().await?;
    summarize(&mut conn).await
}

/// Drops the login roles of this database's demo officers (roles outlive a dropped database).
pub async fn drop_demo_logins(pool: &PgPool) -> Result<usize> {
    let logins =
        sqlx::query_scalar!("select login_name from officer where login_name like 'demo\\_%'")
            .fetch_all(pool)
            .await?;
    for login in &logins {
        // The name came from the officer table, which the login pattern constrains.
        sqlx::query(&format!("drop role if exists {login}")).execute(pool).await?;
    }
    Ok(logins.len())
}

/// Counts what the database holds.
pub async fn summarize(conn: &mut PgConnection) -> Result<DemoSummary> {
    let pairs = |rows: Vec<(Option<String>, Option<i64>)>| -> BTreeMap<String, i64> {
        rows.into_iter().map(|(k, v)| (k.unwrap_or_default(), v.unwrap_or_default())).collect()
    };
    let applications =
        sqlx::query!("select status, count(*) as n from application group by status")
            .fetch_all(&mut *conn)
            .await?;
    let loans = sqlx::query!("select status, count(*) as n from loan group by status")
        .fetch_all(&mut *conn)
        .await?;
    let presentments =
        sqlx::query!("select status, count(*) as n from presentment group by status")
            .fetch_all(&mut *conn)
            .await?;
    let unpaids = sqlx::query!(
        "select reason_code, count(*) as n from presentment where reason_code is not null group by reason_code"
    )
    .fetch_all(&mut *conn)
    .await?;
    let officers =
        sqlx::query!("select login_name, group_role from officer order by group_role, login_name")
            .fetch_all(&mut *conn)
            .await?;
    let totals = sqlx::query!(
        r#"select
             (select count(*) from applicant) as "applicants!",
             (select count(*) from collection_batch) as "batches!",
             (select count(*) from ledger_posting) as "postings!",
             (select count(*) from notification) as "notifications!",
             (select count(*) from job) as "jobs!",
             (select coalesce(sum(principal_cents), 0)::bigint from loan) as "disbursed!",
             (select coalesce(-sum(amount_cents), 0)::bigint from ledger_posting
               where kind in ('collection', 'payment')
                  or (kind = 'reversal' and reverses_posting_id in
                      (select ledger_posting_id from ledger_posting where kind in ('collection', 'payment'))))
               as "collected!",
             (select coalesce(sum(balance_cents), 0)::bigint from loan) as "outstanding!""#
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(DemoSummary {
        already_seeded: false,
        applicants: totals.applicants,
        applications_by_status: pairs(
            applications.into_iter().map(|r| (Some(r.status), r.n)).collect(),
        ),
        loans_by_status: pairs(loans.into_iter().map(|r| (Some(r.status), r.n)).collect()),
        presentments_by_status: pairs(
            presentments.into_iter().map(|r| (Some(r.status), r.n)).collect(),
        ),
        unpaids_by_reason: pairs(unpaids.into_iter().map(|r| (r.reason_code, r.n)).collect()),
        officers: officers.into_iter().map(|r| (r.login_name, r.group_role)).collect(),
        collection_batches: totals.batches,
        ledger_postings: totals.postings,
        notifications: totals.notifications,
        jobs: totals.jobs,
        disbursed_cents: totals.disbursed,
        collected_cents: totals.collected,
        outstanding_cents: totals.outstanding,
    })
}

/// Where an applicant's story should end, if the lending policy agrees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Draft,
    Submitted,
    PreApproved,
    Referred,
    DocumentsRequested,
    Declined,
    Approved,
    Signed,
    PaidOut,
    Cancelled,
    Expired,
}

impl Target {
    /// A fixed mix, so that every status appears in any set of more than twenty applicants and
    /// nearly half of them have loans.
    fn for_index(i: usize) -> Target {
        match i % 20 {
            0 => Target::Draft,
            1 => Target::Submitted,
            2 => Target::PreApproved,
            3 => Target::Referred,
            4 => Target::DocumentsRequested,
            5 | 6 => Target::Declined,
            7 => Target::Approved,
            8 => Target::Signed,
            9 => Target::Cancelled,
            10 => Target::Expired,
            _ => Target::PaidOut,
        }
    }

    fn beyond_pre_approval(self) -> bool {
        matches!(
            self,
            Target::DocumentsRequested
                | Target::Approved
                | Target::Signed
                | Target::PaidOut
                | Target::Cancelled
                | Target::Expired
        )
    }
}

#[derive(Debug, Clone)]
struct DemoOfficer {
    officer_id: Uuid,
    group: OfficerGroup,
    limit_cents: i64,
}

#[derive(Debug, Clone, Copy)]
struct BatchSlot {
    collection_batch_id: Uuid,
}

struct Seeder {
    rng: ChaCha8Rng,
    today: NaiveDate,
    now: DateTime<Utc>,
    calendar: BusinessCalendar,
    regulations: Vec<RegulatoryParameters>,
    norms: ExpenseNorms,
    thresholds: PolicyThresholds,
    product_id: Uuid,
    partners: Vec<Uuid>,
    officers: Vec<DemoOfficer>,
    templates: HashMap<(String, String), String>,
    batches: BTreeMap<NaiveDate, BatchSlot>,
    notification_count: u64,
}

impl fmt::Debug for Seeder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Seeder").field("today", &self.today).finish_non_exhaustive()
    }
}

const FIRST_NAMES: [&str; 40] = [
    "Thandi",
    "Sipho",
    "Lerato",
    "Thabo",
    "Nomvula",
    "Bongani",
    "Zanele",
    "Mandla",
    "Palesesa",
    "Kagiso",
    "Naledi",
    "Lwazi",
    "Ayanda",
    "Themba",
    "Nokuthula",
    "Sibusiso",
    "Refilwe",
    "Tshepo",
    "Busisiwe",
    "Vusi",
    "Johan",
    "Annelie",
    "Pieter",
    "Marike",
    "Riaan",
    "Chantel",
    "Priya",
    "Rajesh",
    "Fatima",
    "Yusuf",
    "Michelle",
    "Craig",
    "Nicole",
    "Shaun",
    "Lindiwe",
    "Karabo",
    "Mpho",
    "Dineo",
    "Andile",
    "Khanyisile",
];
const SURNAMES: [&str; 36] = [
    "Nkosi",
    "Dlamini",
    "Ndlovu",
    "Khumalo",
    "Mokoena",
    "Mthembu",
    "Zulu",
    "Mahlangu",
    "Sithole",
    "Mofokeng",
    "Molefe",
    "Nel",
    "Botha",
    "van der Merwe",
    "Pretorius",
    "Naidoo",
    "Pillay",
    "Govender",
    "Moodley",
    "Jacobs",
    "Adams",
    "Petersen",
    "Williams",
    "Smith",
    "Radebe",
    "Maseko",
    "Shabalala",
    "Mabaso",
    "Ngcobo",
    "Cele",
    "Baloyi",
    "Maluleke",
    "Hlongwane",
    "Kekana",
    "Modise",
    "Tau",
];
const PLACES: [(&str, &str, &str); 14] = [
    ("Soweto", "Johannesburg", "1804"),
    ("Alexandra", "Johannesburg", "2090"),
    ("Tembisa", "Ekurhuleni", "1632"),
    ("Mamelodi", "Pretoria", "0122"),
    ("Khayelitsha", "Cape Town", "7784"),
    ("Mitchells Plain", "Cape Town", "7785"),
    ("Umlazi", "Durban", "4031"),
    ("Chatsworth", "Durban", "4092"),
    ("Mdantsane", "East London", "5219"),
    ("Motherwell", "Gqeberha", "6211"),
    ("Seshego", "Polokwane", "0742"),
    ("Mangaung", "Bloemfontein", "9323"),
    ("KwaNobuhle", "Kariega", "6242"),
    ("Galeshewe", "Kimberley", "8345"),
];
const STREETS: [&str; 10] = [
    "Vilakazi Street",
    "Main Road",
    "Church Street",
    "Voortrekker Road",
    "Mandela Drive",
    "Jan Smuts Avenue",
    "Govan Mbeki Road",
    "Market Street",
    "Station Road",
    "Long Street",
];
const EMPLOYERS: [&str; 16] = [
    "Shoprite Checkers",
    "Pick n Pay",
    "Spar Group",
    "Eskom",
    "Transnet",
    "SAPS",
    "Department of Education",
    "Netcare",
    "Mr Price",
    "Clicks Group",
    "Woolworths",
    "Tiger Brands",
    "City of Johannesburg",
    "Sasol",
    "MTN",
    "Vodacom",
];
const MOBILE_PREFIXES: [&str; 14] =
    ["82", "83", "84", "72", "73", "74", "76", "79", "81", "71", "60", "61", "63", "65"];
const BANKS: [Bank; 9] = [
    Bank::Capitec,
    Bank::Capitec,
    Bank::Fnb,
    Bank::StandardBank,
    Bank::Absa,
    Bank::Nedbank,
    Bank::TymeBank,
    Bank::AfricanBank,
    Bank::Discovery,
];
const OFFICERS: [(&str, &str, OfficerGroup, i64); 10] = [
    ("thabo", "Thabo Mokoena", OfficerGroup::Officer, 300_000),
    ("lerato", "Lerato Molefe", OfficerGroup::Officer, 300_000),
    ("sipho", "Sipho Ndlovu", OfficerGroup::Supervisor, 800_000),
    ("anneli", "Annelie Botha", OfficerGroup::Supervisor, 800_000),
    ("johan", "Johan Pretorius", OfficerGroup::Collections, 0),
    ("ayanda", "Ayanda Zulu", OfficerGroup::Collections, 0),
    ("priya", "Priya Naidoo", OfficerGroup::Admin, 0),
    ("craig", "Craig Williams", OfficerGroup::Admin, 0),
    ("fatima", "Fatima Adams", OfficerGroup::Auditor, 0),
    ("karabo", "Karabo Tau", OfficerGroup::Auditor, 0),
];

/// The Luhn check digit over the first 12 digits of an ID number (identity.md).
fn luhn_digit(payload: &[u8]) -> u8 {
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    u8::try_from((10 - sum % 10) % 10).expect("BUG: a digit")
}

fn inconsistent(what: impl fmt::Display) -> StoreError {
    StoreError::Inconsistent(what.to_string())
}

impl Seeder {
    async fn prepare(conn: &mut PgConnection, options: DemoOptions) -> Result<Seeder> {
        let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
        let today = options.today;
        let now = today.and_time(NaiveTime::from_hms_opt(10, 0, 0).expect("BUG: a time")).and_utc();

        // Holidays declared by the President that the domain knows of (collections.md keeps a
        // table of them, which an administrator extends).
        for (date, name) in pocket_domain::calendar::known_declared_holidays() {
            parameters::add_holiday(conn, date, name, "Presidential proclamation").await?;
        }
        let calendar = parameters::calendar(conn).await?;
        let regulations = parameters::regulations(conn).await?;
        let norms = parameters::expense_norms_on(conn, today).await?;
        let thresholds = parameters::policy_thresholds(conn, today).await?;
        let product_id = applications::product_id(conn, "short_term").await?;

        let database = sqlx::query_scalar!(r#"select current_database() as "name!""#)
            .fetch_one(&mut *conn)
            .await?;
        let tag: String = Sha256::digest(database.as_bytes())
            .iter()
            .take(3)
            .map(|b| format!("{b:02x}"))
            .collect();
        let mut officers = Vec::new();
        for (name, full_name, group, limit_cents) in OFFICERS {
            let salt: [u8; 16] = rng.r#gen();
            let verifier = scram::verifier_with(DEMO_PASSWORD, &salt, scram::ITERATIONS);
            let new = NewOfficer {
                login_name: format!("demo_{tag}_{name}"),
                group,
                full_name: full_name.to_owned(),
                email: format!("{name}@pocketloans.example.co.za"),
                approval_limit_cents: limit_cents,
            };
            let officer_id = officers::create_with_verifier(conn, &new, &verifier).await?;
            officers.push(DemoOfficer { officer_id, group, limit_cents });
        }

        let mut partner_ids = Vec::new();
        for (name, prefix) in [("Leads4Loans", "L4LDEMO1"), ("CashConnect Media", "CCMDEMO1")] {
            let partner_id = partners::create(conn, name, Some("partners@example.co.za")).await?;
            let key_hash = hex(&Sha256::digest(format!("{prefix}-demo-secret").as_bytes()));
            partners::add_key(conn, partner_id, prefix, &key_hash, "demo").await?;
            partner_ids.push(partner_id);
        }

        let templates =
            sqlx::query!("select code, channel, body from message_template where active")
                .fetch_all(&mut *conn)
                .await?
                .into_iter()
                .map(|r| ((r.code, r.channel), r.body))
                .collect();

        Ok(Seeder {
            rng,
            today,
            now,
            calendar,
            regulations,
            norms,
            thresholds,
            product_id,
            partners: partner_ids,
            officers,
            templates,
            batches: BTreeMap::new(),
            notification_count: 0,
        })
    }

    fn officer(&mut self, groups: &[OfficerGroup]) -> DemoOfficer {
        let pool: Vec<&DemoOfficer> =
            self.officers.iter().filter(|o| groups.contains(&o.group)).collect();
        (*pool.choose(&mut self.rng).expect("BUG: every group has demo officers")).clone()
    }

    fn regulations_on(&self, on: NaiveDate) -> Result<RegulatoryParameters> {
        RegulatoryParameters::select(&self.regulations, on).cloned().map_err(inconsistent)
    }

    fn at(&self, day: NaiveDate) -> DateTime<Utc> {
        day.and_time(NaiveTime::from_hms_opt(9, 30, 0).expect("BUG: a time")).and_utc()
    }

    /// One applicant and everything that happened to them.
    async fn applicant(&mut self, conn: &mut PgConnection, i: usize) -> Result<()> {
        let target = Target::for_index(i);
        let ago = match target {
            Target::PaidOut => self.rng.gen_range(4..170),
            Target::Expired => self.rng.gen_range(12..40),
            Target::PreApproved => self.rng.gen_range(0..3),
            _ => self.rng.gen_range(0..10),
        };
        let applied_on =
            self.calendar.previous_business_day_on_or_before(self.today - Duration::days(ago));

        // Identity (identity.md): an adult born 1966-2004, a valid Luhn digit, a unique number.
        let birth = NaiveDate::from_ymd_opt(
            self.rng.gen_range(1966..=2004),
            self.rng.gen_range(1..=12),
            self.rng.gen_range(1..=28),
        )
        .expect("BUG: day 1-28 exists in every month");
        let female = self.rng.gen_bool(0.52);
        let sequence = (i % 5000) as u32 + if female { 0 } else { 5000 };
        let citizenship = if self.rng.gen_bool(0.93) { 0 } else { 1 };
        let text = format!(
            "{:02}{:02}{:02}{:04}{}8",
            birth.year() % 100,
            birth.month(),
            birth.day(),
            sequence,
            citizenship
        );
        let digits: Vec<u8> = text.bytes().map(|b| b - b'0').collect();
        let id_text = format!("{text}{}", luhn_digit(&digits));
        let id_number = SaIdNumber::parse(&id_text, applied_on).map_err(inconsistent)?;
        let prefix = MOBILE_PREFIXES[self.rng.gen_range(0..MOBILE_PREFIXES.len())];
        let mobile = Msisdn::parse(&format!("0{prefix}{i:07}")).map_err(inconsistent)?;
        let msisdn = mobile.as_e164();

        let first = *FIRST_NAMES.choose(&mut self.rng).expect("BUG: names");
        let surname = *SURNAMES.choose(&mut self.rng).expect("BUG: names");
        let (suburb, city, postal) = *PLACES.choose(&mut self.rng).expect("BUG: places");
        let email_name: String = format!("{first}.{surname}").to_lowercase().replace(' ', "");
        let profile = Profile {
            id_number: Some(id_number.as_digits()),
            first_names: Some(first.to_owned()),
            surname: Some(surname.to_owned()),
            email: Some(format!("{email_name}{i}@example.co.za")),
            date_of_birth: Some(id_number.birth_date()),
            address_line1: Some(format!(
                "{} {}",
                self.rng.gen_range(1..400),
                STREETS.choose(&mut self.rng).expect("BUG: streets")
            )),
            address_line2: None,
            suburb: Some(suburb.to_owned()),
            city: Some(city.to_owned()),
            postal_code: Some(postal.to_owned()),
        };
        let applicant_id = applicants::create(conn, &mobile, &profile).await?;

        let channel_roll = self.rng.gen_range(0..20);
        let (channel, partner_id, created_by) = match channel_roll {
            0..=2 => {
                (Channel::Partner, Some(self.partners[channel_roll % self.partners.len()]), None)
            }
            3 | 4 => {
                let officer = self.officer(&[OfficerGroup::Officer, OfficerGroup::Supervisor]);
                (Channel::Officer, None, Some(officer.officer_id))
            }
            _ => (Channel::Portal, None, None),
        };
        // POPIA s11 and s69: separate consents, each with the text version shown.
        applicants::record_consent(
            conn,
            applicant_id,
            ConsentPurpose::Processing,
            "processing-v2",
            channel,
        )
        .await?;
        let bureau_consent = applicants::record_consent(
            conn,
            applicant_id,
            ConsentPurpose::BureauEnquiry,
            "bureau-v3",
            channel,
        )
        .await?;
        if self.rng.gen_bool(0.35) {
            let marketing = applicants::record_consent(
                conn,
                applicant_id,
                ConsentPurpose::Marketing,
                "marketing-v1",
                channel,
            )
            .await?;
            if self.rng.gen_bool(0.1) {
                applicants::withdraw_consent(conn, marketing, channel).await?;
            }
        }

        // Money: healthy incomes for most, thin ones for the stories that end in a decline.
        let gross_rands: i64 = match target {
            Target::Declined => self.rng.gen_range(3_000..9_000),
            _ => self.rng.gen_range(9_000..38_000),
        };
        let gross = gross_rands * 100;
        let net = gross * self.rng.gen_range(74..86) / 100;
        let expenses = gross * self.rng.gen_range(18..35) / 100;
        let debts = gross * self.rng.gen_range(0..12) / 100;
        let requested_rands: i64 = match self.rng.gen_range(0..10) {
            0..=5 => self.rng.gen_range(5..=30) * 100,
            6..=8 => self.rng.gen_range(30..=60) * 100,
            _ => self.rng.gen_range(60..=80) * 100,
        };
        let term_days: i32 = 30 * self.rng.gen_range(1..=6);
        let (payday_rule, pay_frequency, payday) = match self.rng.gen_range(0..20) {
            0..=6 => (PaydayRule::FixedDay(25), PayFrequency::Monthly, "monthly:25".to_owned()),
            7..=11 => {
                (PaydayRule::LastWorkingDay, PayFrequency::Monthly, "last_working_day".to_owned())
            }
            12..=14 => (
                PaydayRule::FridayBeforeThe25th,
                PayFrequency::Monthly,
                "friday_before_25th".to_owned(),
            ),
            15 | 16 => (PaydayRule::FixedDay(15), PayFrequency::Monthly, "monthly:15".to_owned()),
            17 => (PaydayRule::Weekly(Weekday::Fri), PayFrequency::Weekly, "weekly:fri".to_owned()),
            _ => {
                let anchor = NaiveDate::from_ymd_opt(2026, 1, 2).expect("BUG: a date");
                (
                    PaydayRule::Fortnightly { weekday: Weekday::Fri, anchor },
                    PayFrequency::Fortnightly,
                    "fortnightly:fri:2026-01-02".to_owned(),
                )
            }
        };
        let bank = BANKS[self.rng.gen_range(0..BANKS.len())];
        let account_number =
            format!("{}{:09}", self.rng.gen_range(1..10), self.rng.gen_range(0..1_000_000_000u32));
        let account_type: i16 = if self.rng.gen_bool(0.7) { 1 } else { 2 };
        let holder = format!("{} {surname}", &first[..1]);

        let created = applications::create(
            conn,
            &NewApplication {
                applicant_id,
                product_id: self.product_id,
                channel,
                partner_id,
                created_by_officer_id: created_by,
                requested_amount_cents: requested_rands * 100,
                requested_term_days: term_days,
            },
        )
        .await?;
        let application_id = created.application_id;
        let reference = created.reference.clone();
        applications::update_details(
            conn,
            application_id,
            &ApplicationDetails {
                requested_amount_cents: requested_rands * 100,
                requested_term_days: term_days,
                employer_name: Some(
                    EMPLOYERS.choose(&mut self.rng).expect("BUG: employers").to_string(),
                ),
                employment_type: Some(if self.rng.gen_bool(0.8) {
                    EmploymentType::Permanent
                } else {
                    EmploymentType::Contract
                }),
                pay_frequency: Some(pay_frequency),
                payday: Some(payday),
                gross_income_cents: Some(gross),
                net_income_cents: Some(net),
                declared_expenses_cents: Some(expenses),
                declared_debt_cents: Some(debts),
                bank_branch_code: Some(bank.universal_branch_code().as_str().to_owned()),
                bank_account_number: Some(account_number.clone()),
                bank_account_type: Some(account_type),
                bank_account_holder: Some(holder.clone()),
            },
        )
        .await?;
        if target == Target::Draft {
            return Ok(());
        }
        let applied_at = self.at(applied_on);
        applications::submit(conn, application_id, applied_at).await?;
        self.notify(
            conn,
            applicant_id,
            &msisdn,
            "application_received",
            &reference,
            &[("reference", &reference)],
            applied_at,
        )
        .await?;
        let enquiry = bureau::request(conn, application_id, bureau_consent).await?;
        if target == Target::Submitted {
            // The bureau has not answered yet: the worker's job is queued.
            let job = NewJob::now(
                "bureau.enquire",
                serde_json::json!({ "bureau_enquiry_id": enquiry.to_string() }),
                self.now,
            )
            .with_key(format!("bureau:{enquiry}"));
            jobs::enqueue(conn, &job).await?;
            return Ok(());
        }

        // The bureau's answer, steered by the story (the policy still decides).
        let record = match target {
            Target::Declined if self.rng.gen_bool(0.5) => BureauRecord {
                score: self.rng.gen_range(420..545),
                adverse_listings: self.rng.gen_range(1..4),
                judgments: self.rng.gen_range(0..2),
                monthly_obligations: Money::from_cents(gross * self.rng.gen_range(20..45) / 100),
            },
            Target::Referred => BureauRecord {
                score: self.rng.gen_range(555..598),
                adverse_listings: 0,
                judgments: 0,
                monthly_obligations: Money::from_cents(debts),
            },
            _ => BureauRecord {
                score: self.rng.gen_range(610..790),
                adverse_listings: 0,
                judgments: 0,
                monthly_obligations: Money::from_cents(
                    debts + gross * self.rng.gen_range(0..6) / 100,
                ),
            },
        };
        let decided_at = applied_at + Duration::seconds(self.rng.gen_range(3..40));
        bureau::record_result(
            conn,
            enquiry,
            &format!("XDS-{:08}", i + 1),
            &BureauResult {
                matched: true,
                score: Some(i32::try_from(record.score).map_err(inconsistent)?),
                adverse_listings: i32::try_from(record.adverse_listings).map_err(inconsistent)?,
                judgments: i32::try_from(record.judgments).map_err(inconsistent)?,
                monthly_obligations_cents: record.monthly_obligations.cents(),
                raw_response_key: format!("demo/bureau/{reference}.xml"),
                summary: serde_json::json!({ "accounts": self.rng.gen_range(1..9), "enquiries_90_days": self.rng.gen_range(0..4) }),
            },
            decided_at,
        )
        .await?;

        // The lending policy decides (PRODUCT.md step 5).
        let regulations = self.regulations_on(applied_on)?;
        let product =
            parameters::product_parameters(conn, self.product_id, applied_on, &regulations).await?;
        let policy_application = policy::Application {
            id_number,
            application_date: applied_on,
            requested_amount: Money::from_cents(requested_rands * 100),
            requested_term_days: u32::try_from(term_days).map_err(inconsistent)?,
            first_loan: true,
            repeat_customer: false,
            payday_rule,
            gross_monthly_income: Money::from_cents(gross),
            net_monthly_income: Money::from_cents(net),
            declared_expenses: Money::from_cents(expenses),
            declared_debt_repayments: Money::from_cents(debts),
            expense_disclosure_signed: false,
            bureau: PolicyBureau::Found(record),
        };
        let decision = pocket_domain::decide(&DecisionInput {
            application: &policy_application,
            thresholds: &self.thresholds,
            regulations: &regulations,
            expense_norms: &self.norms,
            product: &product,
            calendar: &self.calendar,
        });
        let offer = match &decision {
            Decision::PreApproved { offer } => offer,
            other => {
                // NCA s62: a refusal always has reasons; the domain promises them.
                if other.reasons().is_empty() {
                    return Err(inconsistent(format!(
                        "a decision without reasons for {reference}"
                    )));
                }
                let (outcome, status) = match other {
                    Decision::Referred { .. } => (Outcome::Refer, ApplicationStatus::Referred),
                    _ => (Outcome::Decline, ApplicationStatus::Declined),
                };
                decisions::record(conn, &NewDecision::from_policy(application_id, other, None)?)
                    .await?;
                applications::transition(
                    conn,
                    application_id,
                    ApplicationStatus::Submitted,
                    status,
                    None,
                )
                .await?;
                let word = if outcome == Outcome::Refer {
                    "being reviewed by an officer"
                } else {
                    "declined"
                };
                self.notify(
                    conn,
                    applicant_id,
                    &msisdn,
                    "decision",
                    &reference,
                    &[
                        ("reference", &reference),
                        ("outcome", word),
                        ("link", "https://pocketloans.example.co.za/a"),
                    ],
                    decided_at,
                )
                .await?;
                if status == ApplicationStatus::Referred && target == Target::DocumentsRequested {
                    self.request_documents(
                        conn,
                        applicant_id,
                        &msisdn,
                        application_id,
                        &reference,
                        ApplicationStatus::Referred,
                        decided_at,
                    )
                    .await?;
                }
                return Ok(());
            }
        };

        // Pre-approved: keep the Reg 23A worksheet, the decision and the quote (s92).
        let a = &offer.assessment;
        let schedule: &Schedule = &offer.schedule;
        let assessment_id = decisions::record_assessment(
            conn,
            &Assessment {
                application_id,
                gross_income_cents: a.input.gross_monthly_income.cents(),
                statutory_deductions_cents: a.statutory_deductions.cents(),
                declared_expenses_cents: a.input.declared_expenses.cents(),
                norm_expenses_cents: a.expense_norm.cents(),
                expenses_used_cents: a.expenses_used.cents(),
                expense_disclosure_signed: a.input.expense_disclosure_signed,
                declared_debt_cents: a.input.declared_debt_repayments.cents(),
                bureau_debt_cents: a.input.bureau_monthly_obligations.cents(),
                debt_used_cents: a.obligations_used.cents(),
                discretionary_income_cents: a.discretionary_income.cents(),
                proposed_instalment_cents: schedule.monthly_equivalent_instalment().cents(),
                affordable: true,
                norm_effective_from: self.norms.effective_from(),
            },
        )
        .await?;
        let quote = &schedule.quote;
        let quoted_term = i32::try_from(quote.term_days).map_err(inconsistent)?;
        let new = NewDecision::from_policy(application_id, &decision, Some(assessment_id))?;
        decisions::record(conn, &new).await?;
        applications::transition(
            conn,
            application_id,
            ApplicationStatus::Submitted,
            ApplicationStatus::PreApproved,
            None,
        )
        .await?;
        // NCA s92, Reg 28: the quote binds for 5 business days.
        let valid_until = self.calendar.add_business_days(applied_on, 5);
        let quote_id = quotes::offer(
            conn,
            &NewQuote {
                application_id,
                principal_cents: quote.principal.cents(),
                term_days: quoted_term,
                first_loan: quote.first_loan,
                interest_rate_bp: parameters::rate_to_bp(quote.interest_rate_per_month),
                interest_cents: quote.interest.cents(),
                initiation_fee_cents: quote.initiation_fee.cents(),
                service_fee_cents: quote.service_fees.cents(),
                vat_cents: quote.vat().cents(),
                total_repayable_cents: quote.total_repayable.cents(),
                instalment_count: i32::try_from(schedule.instalments.len())
                    .map_err(inconsistent)?,
                first_instalment_date: schedule.instalments[0].due_date,
                valid_until,
            },
        )
        .await?;
        self.notify(
            conn,
            applicant_id,
            &msisdn,
            "decision",
            &reference,
            &[
                ("reference", &reference),
                ("outcome", "pre-approved"),
                ("link", "https://pocketloans.example.co.za/a"),
            ],
            decided_at,
        )
        .await?;
        if !target.beyond_pre_approval() {
            return Ok(());
        }
        match target {
            Target::DocumentsRequested => {
                return self
                    .request_documents(
                        conn,
                        applicant_id,
                        &msisdn,
                        application_id,
                        &reference,
                        ApplicationStatus::PreApproved,
                        decided_at,
                    )
                    .await;
            }
            Target::Cancelled => {
                applications::transition(
                    conn,
                    application_id,
                    ApplicationStatus::PreApproved,
                    ApplicationStatus::Cancelled,
                    Some("cancelled by the applicant"),
                )
                .await?;
                return Ok(());
            }
            Target::Expired => {
                quotes::expire(conn, self.today).await?;
                applications::transition(
                    conn,
                    application_id,
                    ApplicationStatus::PreApproved,
                    ApplicationStatus::Expired,
                    Some("the quote lapsed"),
                )
                .await?;
                return Ok(());
            }
            _ => {}
        }

        // Documents, verified by an officer, then the officer's approval (maker-checker above the
        // officer's limit).
        let verifier = self.officer(&[OfficerGroup::Officer, OfficerGroup::Supervisor]);
        let payslips = if self.rng.gen_bool(0.7) {
            DocumentKind::Payslip
        } else {
            DocumentKind::BankStatement
        };
        for (n, kind) in
            [DocumentKind::IdCopy, payslips, payslips, payslips, DocumentKind::ProofOfAddress]
                .into_iter()
                .enumerate()
        {
            let storage_key = format!("demo/{reference}/{}-{n}.pdf", kind.as_str());
            let document_id = documents::add(
                conn,
                &NewDocument {
                    application_id,
                    kind,
                    sha256: hex(&Sha256::digest(storage_key.as_bytes())),
                    file_name: format!("{}-{n}.pdf", kind.as_str()),
                    storage_key,
                    size_bytes: self.rng.gen_range(80_000..2_000_000),
                    content_type: "application/pdf".to_owned(),
                },
            )
            .await?;
            documents::verify(
                conn,
                document_id,
                verifier.officer_id,
                Verification::Verified,
                None,
                decided_at + Duration::hours(2),
            )
            .await?;
        }
        let maker = self.officer(&[OfficerGroup::Officer, OfficerGroup::Supervisor]);
        let officer_decision = decisions::record(
            conn,
            &NewDecision {
                application_id,
                source: DecisionSource::Officer,
                outcome: Outcome::Approve,
                reason_codes: vec![],
                approved_amount_cents: Some(offer.amount.cents()),
                approved_term_days: Some(quoted_term),
                decided_by_officer_id: Some(maker.officer_id),
                policy_version: None,
                note: Some("documents verified".to_owned()),
                affordability_assessment_id: Some(assessment_id),
            },
        )
        .await?;
        if offer.amount.cents() > maker.limit_cents {
            let checker = loop {
                let candidate = self.officer(&[OfficerGroup::Supervisor]);
                if candidate.officer_id != maker.officer_id {
                    break candidate;
                }
            };
            decisions::second_approve(
                conn,
                officer_decision,
                checker.officer_id,
                decided_at + Duration::hours(3),
            )
            .await?;
        }
        applications::transition(
            conn,
            application_id,
            ApplicationStatus::PreApproved,
            ApplicationStatus::Approved,
            None,
        )
        .await?;
        if target == Target::Approved {
            return Ok(());
        }

        // The applicant accepts and signs with a one-time PIN (s93, Reg 30).
        quotes::accept(conn, quote_id, applied_on, decided_at + Duration::hours(4)).await?;
        let signed_at = decided_at + Duration::hours(4);
        let otp = portal::create_otp(
            conn,
            &mobile,
            OtpPurpose::SignAgreement,
            &hex(&Sha256::digest(format!("{i}").as_bytes())),
            signed_at + Duration::minutes(5),
            3,
        )
        .await?;
        portal::record_otp_attempt(conn, otp).await?;
        portal::mark_otp_verified(conn, otp, signed_at).await?;
        let agreement_id = quotes::sign(
            conn,
            &NewAgreement {
                application_id,
                quote_id,
                text_version: "agreement-2026.1".to_owned(),
                otp_challenge_id: otp,
                document_storage_key: Some(format!("demo/{reference}/agreement.pdf")),
                signed_at,
                cooling_off_until: self.calendar.add_business_days(applied_on, 5),
            },
        )
        .await?;
        applications::transition(
            conn,
            application_id,
            ApplicationStatus::Approved,
            ApplicationStatus::Signed,
            None,
        )
        .await?;
        if target == Target::Signed {
            return Ok(());
        }

        // Pay-out: the loan, its schedule, the disbursement postings and the DebiCheck mandate.
        let loan_id = loans::create(
            conn,
            &NewLoan {
                application_id,
                applicant_id,
                agreement_id,
                decision_id: officer_decision,
                principal_cents: quote.principal.cents(),
                term_days: quoted_term,
                interest_rate_bp: parameters::rate_to_bp(quote.interest_rate_per_month),
                first_loan: true,
                total_repayable_cents: quote.total_repayable.cents(),
                disbursed_on: schedule.disbursement_date,
                disbursement_reference: Some(format!("EFT-{reference}")),
            },
        )
        .await?;
        let rows: Vec<NewInstalment> = schedule
            .instalments
            .iter()
            .map(|s| NewInstalment {
                sequence: i32::try_from(s.number).expect("BUG: few instalments"),
                due_date: s.due_date,
                principal_cents: s.principal.cents(),
                interest_cents: s.interest.cents(),
                fee_cents: s.initiation_fee.cents() + s.service_fee.cents(),
                vat_cents: s.vat.cents(),
            })
            .collect();
        let instalment_ids = loans::add_instalments(conn, loan_id, &rows).await?;
        let disbursed_on = schedule.disbursement_date;
        for (kind, amount) in [
            (PostingKind::Principal, quote.principal),
            (PostingKind::InitiationFee, quote.initiation_fee),
            (PostingKind::Vat, quote.vat_on_initiation_fee),
        ] {
            self.post(
                conn,
                loan_id,
                kind,
                amount.cents(),
                disbursed_on,
                None,
                None,
                &format!("pay-out {reference}"),
            )
            .await?;
        }
        let largest =
            schedule.instalments.iter().map(|s| s.total.cents()).max().unwrap_or_default();
        let (frequency, collection_day) = match payday_rule {
            PaydayRule::FixedDay(d) => ("monthly", i32::try_from(d).expect("BUG: a day")),
            PaydayRule::LastWorkingDay => ("monthly", 31),
            PaydayRule::FridayBeforeThe25th => ("monthly", 24),
            PaydayRule::Weekly(_) => ("weekly", 5),
            PaydayRule::Fortnightly { .. } => ("fortnightly", 5),
        };
        let mandate_id = mandates::create(
            conn,
            &NewMandate {
                application_id,
                loan_id: Some(loan_id),
                contract_reference: reference.replace('-', ""),
                frequency: frequency.to_owned(),
                collection_day,
                instalment_cents: largest,
                first_collection_cents: schedule.instalments[0].total.cents(),
                first_collection_date: schedule.instalments[0].due_date,
                // collections.md: typically 1.5 times the instalment.
                max_collection_cents: largest * 3 / 2,
                date_adjustment_allowed: true,
                tracking_days: 3,
                authentication_type: if self.rng.gen_bool(0.8) {
                    AuthenticationType::Tt1
                } else {
                    AuthenticationType::Tt2
                },
                branch_code: bank.universal_branch_code().as_str().to_owned(),
                account_number,
                account_type,
                account_holder: holder,
            },
        )
        .await?;
        mandates::set_status(
            conn,
            mandate_id,
            MandateStatus::Authenticated,
            signed_at + Duration::minutes(2),
        )
        .await?;
        applications::transition(
            conn,
            application_id,
            ApplicationStatus::Signed,
            ApplicationStatus::PaidOut,
            None,
        )
        .await?;
        let amount_text = quote.principal.plain().to_string();
        self.notify(
            conn,
            applicant_id,
            &msisdn,
            "paid_out",
            &reference,
            &[("amount", &amount_text), ("reference", &reference)],
            self.at(disbursed_on),
        )
        .await?;

        // Collections up to today (collections.md).
        let ctx = LoanCtx { loan_id, mandate_id, applicant_id, msisdn, reference, payday_rule };
        self.collect(conn, &ctx, schedule, &instalment_ids).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn request_documents(
        &mut self,
        conn: &mut PgConnection,
        applicant_id: Uuid,
        msisdn: &str,
        application_id: Uuid,
        reference: &str,
        from: ApplicationStatus,
        at: DateTime<Utc>,
    ) -> Result<()> {
        applications::transition(
            conn,
            application_id,
            from,
            ApplicationStatus::DocumentsRequested,
            Some("three latest payslips"),
        )
        .await?;
        self.notify(
            conn,
            applicant_id,
            msisdn,
            "documents_requested",
            reference,
            &[("documents", "your three latest payslips"), ("reference", reference)],
            at + Duration::hours(1),
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn post(
        &mut self,
        conn: &mut PgConnection,
        loan_id: Uuid,
        kind: PostingKind,
        cents: i64,
        on: NaiveDate,
        instalment_id: Option<Uuid>,
        presentment_id: Option<Uuid>,
        reference: &str,
    ) -> Result<Option<Uuid>> {
        if cents == 0 {
            return Ok(None);
        }
        let posting = NewPosting {
            loan_id,
            kind,
            amount: Money::from_cents(cents),
            effective_date: on,
            instalment_id,
            presentment_id,
            reference: reference.to_owned(),
        };
        Ok(Some(ledger::post(conn, &posting).await?))
    }

    /// The batch for an action date, opened on first use.
    async fn batch(&mut self, conn: &mut PgConnection, action_date: NaiveDate) -> Result<Uuid> {
        if let Some(slot) = self.batches.get(&action_date) {
            return Ok(slot.collection_batch_id);
        }
        let batch = collections::open_batch(conn, action_date, Instruction::TwoDay).await?;
        self.batches
            .insert(action_date, BatchSlot { collection_batch_id: batch.collection_batch_id });
        Ok(batch.collection_batch_id)
    }

    fn file_token(action_date: NaiveDate) -> String {
        format!("1002{}.{}.5684", action_date.format("%Y%m%d"), action_date.ordinal())
    }

    /// Presents one instalment on a day; returns the presentment.
    #[allow(clippy::too_many_arguments)]
    async fn present(
        &mut self,
        conn: &mut PgConnection,
        ctx: &LoanCtx,
        instalment_id: Uuid,
        sequence: u32,
        attempt: i32,
        amount_cents: i64,
        action_date: NaiveDate,
    ) -> Result<Uuid> {
        let presentment_id = collections::create_presentment(
            conn,
            &NewPresentment {
                instalment_id,
                loan_id: ctx.loan_id,
                mandate_id: ctx.mandate_id,
                attempt,
                amount_cents,
                action_date,
                account_reference: format!(
                    "{}I{sequence:02}A{attempt}",
                    ctx.reference.replace('-', "")
                ),
            },
        )
        .await?;
        let batch = self.batch(conn, action_date).await?;
        collections::assign_to_batch(conn, batch, &[presentment_id]).await?;
        Ok(presentment_id)
    }

    async fn event(
        &mut self,
        conn: &mut PgConnection,
        presentment_id: Uuid,
        to_status: PresentmentStatus,
        reason_code: Option<&str>,
        action_date: NaiveDate,
    ) -> Result<()> {
        collections::record_event(
            conn,
            &NewEvent {
                presentment_id,
                to_status,
                reason_code: reason_code.map(str::to_owned),
                provider_reference: Some(Self::file_token(action_date)),
                detail: serde_json::json!({ "source": "demo" }),
            },
        )
        .await?;
        Ok(())
    }

    /// Every instalment due up to today is presented, with mixed results; the ones due in the
    /// next few days wait in open batches.
    async fn collect(
        &mut self,
        conn: &mut PgConnection,
        ctx: &LoanCtx,
        schedule: &Schedule,
        instalment_ids: &[Uuid],
    ) -> Result<()> {
        let mut stopped: Option<(ReasonCode, NaiveDate)> = None;
        let mut first_unpaid: Option<NaiveDate> = None;
        let mut last_paid: Option<NaiveDate> = None;
        let mut all_paid = true;
        let horizon = self.calendar.add_business_days(self.today, 3);
        for (k, instalment) in schedule.instalments.iter().enumerate() {
            let instalment_id = instalment_ids[k];
            let due = instalment.due_date;
            let amount = instalment.total.cents();
            if due > horizon || stopped.is_some() {
                all_paid = false;
                continue;
            }
            if due >= self.today {
                // Waiting: presented in a batch that has not run yet (the one active presentment).
                let p = self
                    .present(conn, ctx, instalment_id, instalment.number, 1, amount, due)
                    .await?;
                if due == self.today {
                    self.event(conn, p, PresentmentStatus::Submitted, None, due).await?;
                }
                loans::set_instalment_status(conn, instalment_id, InstalmentStatus::Presented, 0)
                    .await?;
                let amount_text = instalment.total.plain().to_string();
                let date_text = due.format("%d %b").to_string();
                self.notify(
                    conn,
                    ctx.applicant_id,
                    &ctx.msisdn,
                    "debit_reminder",
                    &format!("{}:{k}", ctx.reference),
                    &[("amount", &amount_text), ("date", &date_text)],
                    self.at(due) - Duration::days(2),
                )
                .await?;
                all_paid = false;
                continue;
            }
            // The period's charges fall due with the instalment (the initiation fee was charged at
            // pay-out); the ledger accrues them whether or not the debit succeeds.
            let period = &schedule.quote.periods[k];
            let why = format!("instalment {} of {}", instalment.number, ctx.reference);
            let charges = [
                (PostingKind::Interest, period.interest),
                (PostingKind::ServiceFee, period.service_fee),
                (PostingKind::Vat, period.vat_on_service_fee),
            ];
            for (kind, amount) in charges {
                let cents = amount.cents();
                self.post(conn, ctx.loan_id, kind, cents, due, Some(instalment_id), None, &why)
                    .await?;
            }

            let mut attempt = 1;
            let mut action_date = due;
            loop {
                let p = self
                    .present(
                        conn,
                        ctx,
                        instalment_id,
                        instalment.number,
                        attempt,
                        amount,
                        action_date,
                    )
                    .await?;
                self.event(conn, p, PresentmentStatus::Submitted, None, action_date).await?;
                let success_odds = if attempt == 1 { 0.8 } else { 0.6 };
                if self.rng.gen_bool(success_odds) {
                    self.event(conn, p, PresentmentStatus::Successful, None, action_date).await?;
                    let collected = self
                        .post(
                            conn,
                            ctx.loan_id,
                            PostingKind::Collection,
                            -amount,
                            action_date,
                            Some(instalment_id),
                            Some(p),
                            &format!("debit order {}", Self::file_token(action_date)),
                        )
                        .await?
                        .expect("BUG: instalments are positive");
                    loans::set_instalment_status(
                        conn,
                        instalment_id,
                        InstalmentStatus::Paid,
                        amount,
                    )
                    .await?;
                    last_paid = Some(action_date);
                    // collections.md codes 30/32: a dispute, within 40 days, reverses the collection.
                    if action_date + Duration::days(10) < self.today && self.rng.gen_bool(0.02) {
                        let code = if self.rng.gen_bool(0.5) { "30" } else { "32" };
                        self.event(conn, p, PresentmentStatus::Disputed, Some(code), action_date)
                            .await?;
                        ledger::reverse(
                            conn,
                            collected,
                            action_date + Duration::days(7),
                            &format!("dispute code {code}"),
                        )
                        .await?;
                        loans::set_instalment_status(
                            conn,
                            instalment_id,
                            InstalmentStatus::Unpaid,
                            0,
                        )
                        .await?;
                        stopped = Some((ReasonCode::parse(code), action_date));
                        first_unpaid.get_or_insert(action_date);
                        all_paid = false;
                    }
                    break;
                }
                let code = match self.rng.gen_range(0..100) {
                    0..=64 => "02",
                    65..=72 => "22",
                    73..=78 => "04",
                    79..=83 => "12",
                    84..=87 => "26",
                    88..=90 => "03",
                    91..=93 => "34",
                    94..=95 => "18",
                    96..=97 => "08",
                    _ => "99",
                };
                self.event(conn, p, PresentmentStatus::Unpaid, Some(code), action_date).await?;
                loans::set_instalment_status(conn, instalment_id, InstalmentStatus::Unpaid, 0)
                    .await?;
                first_unpaid.get_or_insert(action_date);
                let reason = ReasonCode::parse(code);
                let action = reason.next_action();
                if action.sms_contact_allowed() {
                    let amount_text = instalment.total.plain().to_string();
                    let date_text = action_date.format("%d %b").to_string();
                    self.notify(
                        conn,
                        ctx.applicant_id,
                        &ctx.msisdn,
                        "unpaid",
                        &format!("{}:{k}:{attempt}", ctx.reference),
                        &[("amount", &amount_text), ("date", &date_text)],
                        self.at(action_date) + Duration::days(3),
                    )
                    .await?;
                }
                match action {
                    NextAction::RePresent { further_attempts, on_later_payday }
                        if attempt <= i32::from(further_attempts) =>
                    {
                        // A later payday for code 02; the next business day for code 22.
                        let next = if on_later_payday {
                            ctx.payday_rule.next_paydays(
                                &self.calendar,
                                action_date + Duration::days(1),
                                1,
                            )[0]
                        } else {
                            self.calendar.add_business_days(action_date, 1)
                        };
                        attempt += 1;
                        if next >= self.today {
                            // The re-presentment waits in a future batch.
                            if next <= horizon {
                                self.present(
                                    conn,
                                    ctx,
                                    instalment_id,
                                    instalment.number,
                                    attempt,
                                    amount,
                                    next,
                                )
                                .await?;
                            }
                            all_paid = false;
                            break;
                        }
                        action_date = next;
                    }
                    NextAction::RePresent { .. } => {
                        all_paid = false;
                        break;
                    }
                    _ => {
                        stopped = Some((reason, action_date));
                        all_paid = false;
                        break;
                    }
                }
            }
        }

        // What the results mean for the loan (collections.md table).
        if let Some((reason, on)) = &stopped {
            mandates::set_status(conn, ctx.mandate_id, MandateStatus::Suspended, self.at(*on))
                .await?;
            let action = reason.next_action();
            if matches!(action, NextAction::StopDeceased) {
                applicants::set_do_not_contact(conn, ctx.applicant_id, true).await?;
            }
            if matches!(action, NextAction::StopLegal) {
                // A supervisor writes off a sequestrated or liquidated estate's debt.
                loans::write_off(
                    conn,
                    ctx.loan_id,
                    self.today,
                    &format!("estate {} (code {})", reason.meaning(), reason.code()),
                )
                .await?;
                return Ok(());
            }
        }
        if all_paid && stopped.is_none() {
            loans::set_status(
                conn,
                ctx.loan_id,
                LoanStatus::PaidUp,
                last_paid.unwrap_or(self.today),
            )
            .await?;
        } else if let Some(on) = first_unpaid {
            loans::set_status(conn, ctx.loan_id, LoanStatus::InArrears, on).await?;
        }
        Ok(())
    }

    /// An outbox message rendered from the active template; past ones were sent and delivered.
    #[allow(clippy::too_many_arguments)]
    async fn notify(
        &mut self,
        conn: &mut PgConnection,
        applicant_id: Uuid,
        msisdn: &str,
        template: &str,
        key: &str,
        values: &[(&str, &str)],
        at: DateTime<Utc>,
    ) -> Result<()> {
        let mut body = self
            .templates
            .get(&(template.to_owned(), "sms".to_owned()))
            .cloned()
            .ok_or_else(|| inconsistent(format!("no sms template {template}")))?;
        for (name, value) in values {
            body = body.replace(&format!("{{{{{name}}}}}"), value);
        }
        let (id, created) = notifications::enqueue(
            conn,
            &NewNotification {
                applicant_id: Some(applicant_id),
                channel: NotificationChannel::Sms,
                recipient: msisdn.to_owned(),
                template_code: template.to_owned(),
                subject: None,
                body,
                idempotency_key: format!("{template}:{key}"),
                send_after: at,
            },
        )
        .await?;
        if created && at <= self.now {
            self.notification_count += 1;
            let provider_id = format!("demo-{:08x}", self.notification_count);
            sqlx::query!("update notification set status = 'sending', attempts = 1 where notification_id = $1", id)
                .execute(&mut *conn)
                .await?;
            notifications::mark_sent(conn, id, &provider_id, at).await?;
            if self.rng.gen_bool(0.95) {
                notifications::mark_delivered(conn, &provider_id, at + Duration::seconds(20))
                    .await?;
            }
        }
        Ok(())
    }

    /// Batches learn their fate: processed in the past, loaded today, open in the future with a
    /// submission job queued.
    async fn finish(&mut self, conn: &mut PgConnection) -> Result<()> {
        let batches: Vec<(NaiveDate, BatchSlot)> =
            self.batches.iter().map(|(d, s)| (*d, *s)).collect();
        for (action_date, slot) in batches {
            let token = Self::file_token(action_date);
            let batch = collections::get_batch(conn, slot.collection_batch_id).await?;
            // netcash-niws.md load report format.
            let report = format!(
                "###BEGIN {} SUCCESSFUL 01:29 PM R{} {}\n###END 01:29 PM",
                batch.name,
                Money::from_cents(batch.total_cents).plain(),
                action_date.format("%Y%m%d")
            );
            let at = self.at(action_date);
            if action_date < self.today {
                collections::set_batch_status(
                    conn,
                    slot.collection_batch_id,
                    BatchStatus::Submitted,
                    Some(&token),
                    None,
                    at,
                )
                .await?;
                collections::set_batch_status(
                    conn,
                    slot.collection_batch_id,
                    BatchStatus::Processed,
                    None,
                    Some(&report),
                    at,
                )
                .await?;
            } else if action_date == self.today {
                collections::set_batch_status(
                    conn,
                    slot.collection_batch_id,
                    BatchStatus::Loaded,
                    Some(&token),
                    Some(&report),
                    self.now,
                )
                .await?;
            } else {
                let job = NewJob {
                    kind: "batch.submit".to_owned(),
                    payload: serde_json::json!({ "collection_batch_id": slot.collection_batch_id.to_string() }),
                    run_at: self.now,
                    max_attempts: 5,
                    idempotency_key: Some(format!("batch.submit:{}", batch.name)),
                };
                jobs::enqueue(conn, &job).await?;
            }
        }
        let poll = NewJob::now(
            "statement.poll",
            serde_json::json!({ "from": self.today.to_string() }),
            self.now,
        )
        .with_key(format!("statement.poll:{}", self.today));
        jobs::enqueue(conn, &poll).await?;
        Ok(())
    }
}

/// What the collections of one loan need to know.
#[derive(Debug)]
struct LoanCtx {
    loan_id: Uuid,
    mandate_id: Uuid,
    applicant_id: Uuid,
    msisdn: String,
    reference: String,
    payday_rule: PaydayRule,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the collections screens need to show something real: the flags and holds that the
/// reason-code policy (collections.md table) puts on loans whose collection stopped, and one batch
/// whose load report dropped a line with the provider's message (netcash-niws.md, "Load report").
/// Runs after the batches learned their fate, in the seeding transaction.
async fn collections_desk(
    conn: &mut PgConnection,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<()> {
    use pocket_domain::{NextAction, ReasonCode};

    // The latest returned debit of each loan still collecting.
    let returned = sqlx::query!(
        r#"select distinct on (p.loan_id) p.presentment_id, p.loan_id, p.mandate_id, p.attempt,
                  p.action_date, p.reason_code as "reason_code!"
           from presentment p join loan l on l.loan_id = p.loan_id
           where p.status in ('unpaid', 'disputed') and p.reason_code is not null
             and l.status in ('active', 'in_arrears')
           order by p.loan_id, p.action_date desc, p.attempt desc"#
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut stops = Vec::new();
    for r in returned {
        let code = ReasonCode::parse(&r.reason_code);
        let (action, suspend, no_sms) = match code.next_action() {
            NextAction::RePresent { further_attempts, .. } => {
                if r.attempt <= i32::from(further_attempts) {
                    continue;
                }
                ("review", false, false)
            }
            NextAction::StopNewMandate { .. } => ("new_mandate", true, false),
            NextAction::StopLegal => ("legal", false, false),
            NextAction::StopDeceased => ("deceased", true, true),
            NextAction::StopReview => ("review", false, false),
            NextAction::ReverseAndFlag => ("dispute", true, false),
            NextAction::RouteToPerson => ("route_to_person", false, false),
        };
        stops.push((
            r.action_date,
            collections::Stop {
                loan_id: r.loan_id,
                presentment_id: r.presentment_id,
                mandate_id: r.mandate_id,
                reason_code: r.reason_code.clone(),
                action,
                note: format!("unpaid code {code}"),
                suspend_mandate: suspend,
                no_sms,
            },
        ));
    }
    for (on, stop) in stops {
        collections::apply_stops(&mut *conn, std::slice::from_ref(&stop), on).await?;
    }

    // When no debit order waits from today on (all the demo's instalments fall due later), the
    // batch of the first day instalments fall due is built now, as the daily run builds it.
    let waiting = sqlx::query_scalar!(
        r#"select exists (select from presentment where action_date >= $1
                          and status in ('pending', 'submitted')) as "waiting!""#,
        today
    )
    .fetch_one(&mut *conn)
    .await?;
    if !waiting {
        let next_due = sqlx::query_scalar!(
            r#"select min(i.due_date) from instalment i join loan l on l.loan_id = i.loan_id
               where i.status = 'scheduled' and i.due_date >= $1
                 and l.status in ('active', 'in_arrears') and l.collection_hold is null
                 and exists (select from mandate m where m.loan_id = l.loan_id and m.status = 'authenticated')"#,
            today
        )
        .fetch_one(&mut *conn)
        .await?;
        if let Some(on) = next_due {
            collections::create_presentments(&mut *conn, on).await?;
            collections::build_batch(&mut *conn, on, Instruction::TwoDay).await?;
        }
    }
    // The fullest batch from today on: loaded by the provider with one line dropped (a two-day
    // batch is loaded before its action date).
    let batch = sqlx::query!(
        r#"select b.collection_batch_id, b.name, b.action_date from collection_batch b
           join presentment p on p.collection_batch_id = b.collection_batch_id
           where b.action_date >= $1 and p.status in ('pending', 'submitted')
           group by b.collection_batch_id
           order by count(*) desc, b.action_date, b.sequence limit 1"#,
        today
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(batch) = batch else { return Ok(()) };
    let detail = serde_json::json!({ "demo": true });
    collections::move_batch_presentments(
        &mut *conn,
        batch.collection_batch_id,
        &[PresentmentStatus::Pending],
        PresentmentStatus::Submitted,
        None,
        &detail,
    )
    .await?;
    let dropped = sqlx::query_scalar!(
        "select account_reference from presentment where collection_batch_id = $1 order by account_reference limit 1",
        batch.collection_batch_id
    )
    .fetch_one(&mut *conn)
    .await?;
    let message = "Bank account number has incorrect length (min 4, max 11 characters)".to_owned();
    collections::reject_lines(
        &mut *conn,
        batch.collection_batch_id,
        std::slice::from_ref(&dropped),
        std::slice::from_ref(&message),
        today,
    )
    .await?;
    collections::move_batch_presentments(
        &mut *conn,
        batch.collection_batch_id,
        &[PresentmentStatus::Submitted],
        PresentmentStatus::Loaded,
        None,
        &detail,
    )
    .await?;
    let loaded = sqlx::query!(
        r#"select count(*) as "n!", coalesce(sum(amount_cents), 0)::bigint as "total!"
           from presentment where collection_batch_id = $1 and status = 'loaded'"#,
        batch.collection_batch_id
    )
    .fetch_one(&mut *conn)
    .await?;
    // netcash-niws.md load report format, as the load report step stores it.
    let report = format!(
        "{} SUCCESSFUL WITH ERRORS {}\nAcc Ref :{dropped} Line :2 {message}",
        batch.name, loaded.total
    );
    collections::set_batch_status(
        &mut *conn,
        batch.collection_batch_id,
        BatchStatus::Submitted,
        Some(&format!("DEMO-{}", batch.action_date.format("%Y%m%d"))),
        None,
        now,
    )
    .await?;
    collections::set_batch_status(
        &mut *conn,
        batch.collection_batch_id,
        BatchStatus::LoadedWithErrors,
        None,
        Some(&report),
        now,
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_luhn_digit_matches_a_known_id_number() {
        // identity.md: 7503305044089 is valid.
        let digits: Vec<u8> = "750330504408".bytes().map(|b| b - b'0').collect();
        assert_eq!(luhn_digit(&digits), 9);
    }

    #[test]
    fn the_story_mix_covers_every_status() {
        let targets: std::collections::HashSet<_> =
            (0..20).map(|i| format!("{:?}", Target::for_index(i))).collect();
        assert_eq!(targets.len(), 11);
    }
}
