//! The simulated bureau's consumers: a fixed table of ID numbers with known records, and a
//! deterministic record derived from the digits of any other valid ID number (xds-connect.md:
//! "The local simulator answers per ID number from a fixture table").

use super::soap::escape;

/// Matched, no accounts and no score: too little data to score (a thin file).
pub const THIN_FILE_ID: &str = "8804125011087";
/// Score 712, three accounts in good standing, R4 799.50 a month, nothing adverse.
pub const GOOD_PAYER_ID: &str = "9102030123082";
/// Score 583, two adverse listings and one default alert, R1 100.00 a month.
pub const ADVERSE_LISTINGS_ID: &str = "7906155128086";
/// Score 521, two judgments, R650.00 a month.
pub const JUDGMENTS_ID: &str = "8509300881085";
/// Score 640, nothing adverse, but R14 870.00 a month in instalments (over-indebted).
pub const OVER_INDEBTED_ID: &str = "7201215347086";
/// A valid ID number with no record at the bureau.
pub const NO_MATCH_ID: &str = "9607140219083";

/// A consumer's record as the simulator keeps it; amounts in cents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Profile {
    pub(crate) first_name: String,
    pub(crate) surname: String,
    pub(crate) score: Option<u32>,
    /// (subscriber, status, balance)
    pub(crate) adverse: Vec<(String, String, i64)>,
    /// (case number, plaintiff, amount)
    pub(crate) judgments: Vec<(String, String, i64)>,
    /// (company, amount)
    pub(crate) defaults: Vec<(String, i64)>,
    /// (subscriber, account type, monthly instalment, balance)
    pub(crate) accounts: Vec<(String, String, i64, i64)>,
}

fn s(text: &str) -> String {
    text.to_owned()
}

fn person(first_name: &str, surname: &str, score: Option<u32>) -> Profile {
    Profile {
        first_name: s(first_name),
        surname: s(surname),
        score,
        adverse: Vec::new(),
        judgments: Vec::new(),
        defaults: Vec::new(),
        accounts: Vec::new(),
    }
}

/// The record of `id` (13 valid digits), or `None` when the bureau has no record.
pub(crate) fn profile(id: &str) -> Option<Profile> {
    let profile = match id {
        NO_MATCH_ID => return None,
        THIN_FILE_ID => person("Lerato", "Mokoena", None),
        GOOD_PAYER_ID => Profile {
            accounts: vec![
                (s("Absa Vehicle Finance"), s("Instalment sale"), 345_000, 18_750_000),
                (s("Edgars"), s("Open account"), 45_050, 210_000),
                (s("FNB Credit Card"), s("Credit card"), 89_900, 1_230_000),
            ],
            ..person("Thabo", "Nkosi", Some(712))
        },
        ADVERSE_LISTINGS_ID => Profile {
            adverse: vec![
                (s("Cellular Provider A"), s("Handed over"), 325_000),
                (s("Retailer B"), s("Written off"), 120_000),
            ],
            defaults: vec![(s("Telkom"), 89_000)],
            accounts: vec![(s("Retailer B"), s("Open account"), 110_000, 120_000)],
            ..person("Pieter", "van der Merwe", Some(583))
        },
        JUDGMENTS_ID => Profile {
            judgments: vec![
                (s("2019/12345"), s("Standard Bank"), 4_500_000),
                (s("2021/6789"), s("City of Tshwane"), 1_250_050),
            ],
            accounts: vec![(s("Unsecured lender C"), s("Personal loan"), 65_000, 900_000)],
            ..person("Ayesha", "Patel", Some(521))
        },
        OVER_INDEBTED_ID => Profile {
            accounts: vec![
                (s("Nedbank Home Loans"), s("Mortgage"), 980_000, 95_000_000),
                (s("WesBank"), s("Instalment sale"), 412_000, 28_000_000),
                (s("Capitec"), s("Personal loan"), 95_000, 2_400_000),
            ],
            ..person("Johan", "Botha", Some(640))
        },
        other => derived(other),
    };
    Some(profile)
}

/// A deterministic record from the digits of an ID number outside the table: a score from 480
/// to 779, zero to three accounts, now and then an adverse listing or a judgment.
fn derived(id: &str) -> Profile {
    let seed = id.bytes().fold(17u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b - b'0')));
    let score = 480 + u32::try_from(seed % 300).expect("BUG: below 300");
    let mut profile = person("Test", &format!("Consumer {}", &id[6..10]), Some(score));
    for i in 0..(seed / 7) % 4 {
        let instalment =
            20_000 + i64::try_from((seed >> (8 * i)) % 200).expect("BUG: small") * 1_000;
        profile.accounts.push((
            format!("Lender {}", i + 1),
            s("Personal loan"),
            instalment,
            instalment * 12,
        ));
    }
    if (seed / 11) % 5 == 0 {
        profile.adverse.push((s("Retailer D"), s("Handed over"), 150_000));
    }
    if (seed / 13) % 10 == 0 {
        profile.judgments.push((s("2022/4242"), s("Retailer D"), 300_000));
    }
    profile
}

fn rands(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn element(out: &mut String, name: &str, value: &str) {
    out.push_str(&format!("<{name}>{}</{name}>", escape(value)));
}

/// The match answer of `ConnectConsumerMatch`.
pub(crate) fn match_xml(id: &str, profile: &Profile, enquiry_id: u64, result_id: u64) -> String {
    let mut out = String::from("<ListOfConsumers><ConsumerDetails>");
    element(&mut out, "ConsumerID", &(enquiry_id * 3 + 100_000).to_string());
    element(&mut out, "FirstName", &profile.first_name);
    element(&mut out, "Surname", &profile.surname);
    element(&mut out, "IDNo", id);
    element(&mut out, "EnquiryID", &enquiry_id.to_string());
    element(&mut out, "EnquiryResultID", &result_id.to_string());
    out.push_str("</ConsumerDetails></ListOfConsumers>");
    out
}

/// The consumer credit report of `ConnectGetResult` (section names modelled on XDS's consumer
/// trace report: a guess where the spec is silent).
pub(crate) fn report_xml(id: &str, profile: &Profile, enquiry_id: u64) -> String {
    let mut out = String::from("<Consumer><ConsumerDetail>");
    element(&mut out, "EnquiryID", &enquiry_id.to_string());
    element(&mut out, "IDNo", id);
    element(&mut out, "FirstName", &profile.first_name);
    element(&mut out, "Surname", &profile.surname);
    out.push_str("</ConsumerDetail>");
    if let Some(score) = profile.score {
        out.push_str("<ConsumerScoring>");
        element(&mut out, "FinalScore", &score.to_string());
        out.push_str("</ConsumerScoring>");
    }
    for (subscriber, status, balance) in &profile.adverse {
        out.push_str("<ConsumerAdverseInfo>");
        element(&mut out, "SubscriberName", subscriber);
        element(&mut out, "CurrentBalanceAmt", &rands(*balance));
        element(&mut out, "DataStatus", status);
        out.push_str("</ConsumerAdverseInfo>");
    }
    for (case, plaintiff, amount) in &profile.judgments {
        out.push_str("<ConsumerJudgement>");
        element(&mut out, "CaseNumber", case);
        element(&mut out, "PlaintiffName", plaintiff);
        element(&mut out, "DisputeAmt", &rands(*amount));
        out.push_str("</ConsumerJudgement>");
    }
    for (company, amount) in &profile.defaults {
        out.push_str("<ConsumerDefaultAlert>");
        element(&mut out, "Company", company);
        element(&mut out, "Amount", &rands(*amount));
        out.push_str("</ConsumerDefaultAlert>");
    }
    for (subscriber, kind, instalment, balance) in &profile.accounts {
        out.push_str("<ConsumerAccountStatus>");
        element(&mut out, "SubscriberName", subscriber);
        element(&mut out, "AccountType", kind);
        element(&mut out, "MonthlyInstalmentAmt", &rands(*instalment));
        element(&mut out, "CurrentBalanceAmt", &rands(*balance));
        out.push_str("</ConsumerAccountStatus>");
    }
    out.push_str("</Consumer>");
    out
}
