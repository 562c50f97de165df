//! The result strings of XDS Connect, parsed a second time out of the envelope (xds-connect.md:
//! "Results are escaped XML inside the `...Result` element"): the match, the consumer credit
//! report, and the `<NoResult>` answers; and the report mapped to what the lending policy uses.

use pocket_domain::Money;
use pocket_domain::policy::{BureauRecord, BureauResult};

use super::error::{XdsError, malformed};
use super::wire::{Element, parse_document};

/// The ids `ConnectConsumerMatch` returns, which `ConnectGetResult` takes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnquiryIds {
    /// `EnquiryID`.
    pub enquiry_id: String,
    /// `EnquiryResultID`.
    pub enquiry_result_id: String,
}

/// What the bureau found for an ID number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BureauReport {
    /// No consumer on record with the ID number.
    NoMatch,
    /// The consumer's credit report.
    Matched(ConsumerReport),
}

/// The parts of a consumer credit report the product uses (xds-connect.md: "a match, a score,
/// judgments and defaults, adverse listings, and the monthly instalments of existing accounts").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerReport {
    /// The bureau's enquiry id, to log with the enquiry.
    pub enquiry_id: String,
    /// The bureau's score; `None` for a thin file the bureau cannot score.
    pub score: Option<u32>,
    /// Adverse listings by credit providers.
    pub adverse_listings: Vec<AdverseListing>,
    /// Court judgments.
    pub judgments: Vec<Judgment>,
    /// Default alerts.
    pub defaults: Vec<DefaultAlert>,
    /// Existing credit accounts.
    pub accounts: Vec<CreditAccount>,
    /// The sum of the accounts' monthly instalments.
    pub monthly_obligations: Money,
}

/// An adverse listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdverseListing {
    /// The credit provider who listed it.
    pub subscriber: String,
    /// The amount listed.
    pub amount: Money,
    /// The bureau's status text, for example "Handed over".
    pub status: String,
}

/// A court judgment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgment {
    /// The case number.
    pub case_number: String,
    /// The plaintiff.
    pub plaintiff: String,
    /// The amount of the judgment.
    pub amount: Money,
}

/// A default alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultAlert {
    /// The company that raised it.
    pub company: String,
    /// The amount in default.
    pub amount: Money,
}

/// An existing credit account and what it costs each month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditAccount {
    /// The credit provider.
    pub subscriber: String,
    /// The kind of account, as the bureau names it.
    pub account_type: String,
    /// The monthly instalment.
    pub monthly_instalment: Money,
    /// The balance owed.
    pub balance: Money,
}

impl BureauReport {
    /// The bureau's answer as the lending policy takes it.
    ///
    /// The domain's record has no place for "matched but unscored" (a thin file): such a report
    /// becomes [`BureauResult::NoMatch`], which the policy refers to a person rather than
    /// declining (policy.rs: missing information refers). Default alerts count as adverse
    /// listings, since the domain's record has no separate count for them.
    pub fn to_bureau_result(&self) -> BureauResult {
        match self {
            BureauReport::NoMatch => BureauResult::NoMatch,
            BureauReport::Matched(report) => match report.score {
                None => BureauResult::NoMatch,
                Some(score) => BureauResult::Found(BureauRecord {
                    score,
                    adverse_listings: count(report.adverse_listings.len() + report.defaults.len()),
                    judgments: count(report.judgments.len()),
                    monthly_obligations: report.monthly_obligations,
                }),
            },
        }
    }
}

impl From<&BureauReport> for BureauResult {
    fn from(report: &BureauReport) -> BureauResult {
        report.to_bureau_result()
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A result string read as XML: a `<NoResult>` answer, or a document to read further.
#[derive(Debug)]
pub(crate) enum ResultXml {
    /// `<NoResult><NotFound>`: nothing on record.
    NotFound,
    /// `<NoResult><Error>` that names the ticket: renew it and try again once.
    TicketProblem(String),
    /// Anything else: the root element.
    Document(Element),
}

/// Parses a result string the second time, and sorts out the bureau's `<NoResult>` answers.
pub(crate) fn read_result(text: &str) -> Result<ResultXml, XdsError> {
    let root = parse_document(text)?;
    if root.name != "NoResult" {
        return Ok(ResultXml::Document(root));
    }
    if root.child("NotFound").is_some() {
        return Ok(ResultXml::NotFound);
    }
    let error = root.child_text("Error").unwrap_or("no reason given").to_owned();
    // Guess (the spec is silent on the wording): the bureau names the ticket in the error text
    // when the ticket expired or is not valid.
    if error.to_ascii_lowercase().contains("ticket") {
        Ok(ResultXml::TicketProblem(error))
    } else {
        Err(XdsError::Business { message: error })
    }
}

/// Reads the answer of `ConnectConsumerMatch`: the enquiry ids, or `None` when no consumer
/// matched (`<NoResult><NotFound>`).
pub fn parse_match(text: &str) -> Result<Option<EnquiryIds>, XdsError> {
    match read_result(text)? {
        ResultXml::NotFound => Ok(None),
        ResultXml::TicketProblem(message) => Err(XdsError::Business { message }),
        ResultXml::Document(root) => match_ids(&root).map(Some),
    }
}

pub(crate) fn match_ids(root: &Element) -> Result<EnquiryIds, XdsError> {
    if root.name != "ListOfConsumers" {
        return Err(malformed(format!("a match answer rooted at {}", root.name)));
    }
    let consumer = root
        .child("ConsumerDetails")
        .ok_or_else(|| malformed("no ConsumerDetails in the match"))?;
    let field = |name: &str| {
        consumer
            .child_text(name)
            .map(str::to_owned)
            .ok_or_else(|| malformed(format!("no {name} in the match")))
    };
    Ok(EnquiryIds { enquiry_id: field("EnquiryID")?, enquiry_result_id: field("EnquiryResultID")? })
}

/// Reads the consumer credit report that `ConnectGetResult` returns.
pub fn parse_report(text: &str) -> Result<BureauReport, XdsError> {
    match read_result(text)? {
        ResultXml::NotFound => Ok(BureauReport::NoMatch),
        ResultXml::TicketProblem(message) => Err(XdsError::Business { message }),
        ResultXml::Document(root) => report_of(&root).map(BureauReport::Matched),
    }
}

fn amount(element: &Element, name: &str) -> Result<Money, XdsError> {
    let Some(text) = element.child_text(name) else { return Ok(Money::ZERO) };
    let money = Money::parse(text).map_err(|e| malformed(format!("{name} `{text}`: {e}")))?;
    if money.is_negative() {
        return Err(malformed(format!("{name} `{text}` is negative")));
    }
    Ok(money)
}

fn text_of(element: &Element, name: &str) -> String {
    element.child_text(name).unwrap_or_default().to_owned()
}

pub(crate) fn report_of(root: &Element) -> Result<ConsumerReport, XdsError> {
    if root.name != "Consumer" {
        return Err(malformed(format!("a report rooted at {}", root.name)));
    }
    let detail = root.child("ConsumerDetail").ok_or_else(|| malformed("no ConsumerDetail"))?;
    let enquiry_id = text_of(detail, "EnquiryID");
    let score = match root.child("ConsumerScoring").and_then(|s| s.child_text("FinalScore")) {
        None => None,
        Some(text) => {
            Some(text.parse::<u32>().map_err(|e| malformed(format!("FinalScore `{text}`: {e}")))?)
        }
    };
    let adverse_listings = root
        .children_named("ConsumerAdverseInfo")
        .map(|e| {
            Ok(AdverseListing {
                subscriber: text_of(e, "SubscriberName"),
                amount: amount(e, "CurrentBalanceAmt")?,
                status: text_of(e, "DataStatus"),
            })
        })
        .collect::<Result<Vec<_>, XdsError>>()?;
    let judgments = root
        .children_named("ConsumerJudgement")
        .map(|e| {
            Ok(Judgment {
                case_number: text_of(e, "CaseNumber"),
                plaintiff: text_of(e, "PlaintiffName"),
                amount: amount(e, "DisputeAmt")?,
            })
        })
        .collect::<Result<Vec<_>, XdsError>>()?;
    let defaults = root
        .children_named("ConsumerDefaultAlert")
        .map(|e| Ok(DefaultAlert { company: text_of(e, "Company"), amount: amount(e, "Amount")? }))
        .collect::<Result<Vec<_>, XdsError>>()?;
    let accounts = root
        .children_named("ConsumerAccountStatus")
        .map(|e| {
            Ok(CreditAccount {
                subscriber: text_of(e, "SubscriberName"),
                account_type: text_of(e, "AccountType"),
                monthly_instalment: amount(e, "MonthlyInstalmentAmt")?,
                balance: amount(e, "CurrentBalanceAmt")?,
            })
        })
        .collect::<Result<Vec<_>, XdsError>>()?;
    let monthly_obligations = Money::checked_sum(accounts.iter().map(|a| a.monthly_instalment))
        .map_err(|_| malformed("the monthly instalments overflow"))?;
    Ok(ConsumerReport {
        enquiry_id,
        score,
        adverse_listings,
        judgments,
        defaults,
        accounts,
        monthly_obligations,
    })
}
