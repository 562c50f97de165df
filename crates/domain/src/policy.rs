//! The credit policy: thresholds, and a deterministic decision that pre-approves an offer,
//! refers the application to a person, or declines it with every reason that applies.
//!
//! # Decisions
//! - Every rule is evaluated; a decline lists all failing rules (declining and referring ones),
//!   not only the first, because the consumer may ask for the reasons (NCA s62, credit-law.md)
//!   and an automatic decline must state them (POPIA s71, credit-law.md).
//! - A decline needs a rule that the applicant clearly fails. Missing or doubtful information
//!   (no bureau match, the bureau unavailable, a score in the refer band, figures that do not
//!   add up) refers the application to a person instead.
//! - The offer is the largest amount that is at most the amount requested, the customer's limit,
//!   the product maximum and the legal maximum, in steps of [`PolicyThresholds::offer_step`]
//!   (the requested amount itself is tried first), whose monthly-equivalent instalment fits both
//!   the affordability assessment and the instalment-to-net-income ratio. Instalments grow with
//!   the amount, so a binary search finds it.

use std::fmt;

use chrono::NaiveDate;

use crate::affordability::{
    AffordabilityError, AffordabilityInput, Assessment, ExpenseNorms, assess,
};
use crate::calendar::{BusinessCalendar, PaydayRule};
use crate::identity::SaIdNumber;
use crate::money::{Money, Rate};
use crate::pricing::{ProductParameters, QuoteError, RegulatoryParameters};
use crate::schedule::{Schedule, ScheduleError, ScheduleRequest, instalment_dates};

/// The lowest age at which anyone may be lent to (identity.md: 18 or older on the application
/// date). Policy can require more, never less.
pub const LEGAL_MINIMUM_AGE: u32 = 18;

/// The version of these rules recorded with every automated decision, so a decision can be
/// explained later by the rules that made it (NCA Reg 55(1)(b), POPIA s71).
pub const POLICY_VERSION: &str = "policy-2016.1";

/// The lender's credit policy.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PolicyThresholds {
    /// The youngest age lent to; values below 18 are treated as 18.
    pub minimum_age: u32,
    /// The lowest net monthly income lent to.
    pub minimum_net_income: Money,
    /// Bureau scores below this are declined.
    pub decline_below_score: u32,
    /// Bureau scores from `decline_below_score` up to below this are referred to a person.
    pub refer_below_score: u32,
    /// The most adverse listings allowed.
    pub max_adverse_listings: u32,
    /// The most judgments allowed.
    pub max_judgments: u32,
    /// The largest monthly instalment as a share of net income.
    pub max_instalment_to_net_income: Rate,
    /// The largest loan for a first-time customer.
    pub first_loan_limit: Money,
    /// The largest loan for a customer who has borrowed before.
    pub repeat_loan_limit: Money,
    /// Offers are made in multiples of this amount (when below the amount requested).
    pub offer_step: Money,
    /// The share of discretionary income kept back as a safety buffer.
    pub affordability_buffer: Rate,
    /// The fewest days between payout and the first instalment.
    pub min_days_to_first_instalment: u32,
}

impl PolicyThresholds {
    /// A reasonable starting policy, for tests, demos and the seed data.
    pub fn standard() -> PolicyThresholds {
        PolicyThresholds {
            minimum_age: LEGAL_MINIMUM_AGE,
            minimum_net_income: Money::from_rands(2_500),
            decline_below_score: 550,
            refer_below_score: 600,
            max_adverse_listings: 0,
            max_judgments: 0,
            max_instalment_to_net_income: Rate::from_percent(30),
            first_loan_limit: Money::from_rands(3_000),
            repeat_loan_limit: Money::from_rands(8_000),
            offer_step: Money::from_rands(100),
            affordability_buffer: Rate::from_percent(10),
            min_days_to_first_instalment: 5,
        }
    }
}

/// What the credit bureau returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BureauResult {
    /// A record for the consumer.
    Found(BureauRecord),
    /// No record matched the consumer's ID number.
    NoMatch,
    /// The bureau could not be reached or answered with an error.
    Unavailable,
}

/// The parts of a bureau record the policy uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BureauRecord {
    /// The bureau's score.
    pub score: u32,
    /// Adverse listings on the record.
    pub adverse_listings: u32,
    /// Judgments on the record.
    pub judgments: u32,
    /// Monthly repayments of credit on the record.
    pub monthly_obligations: Money,
}

/// An application as the policy sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Application {
    /// The applicant's ID number.
    pub id_number: SaIdNumber,
    /// The day of application (and of payout, if approved).
    pub application_date: NaiveDate,
    /// The amount asked for.
    pub requested_amount: Money,
    /// The longest term asked for, in days.
    pub requested_term_days: u32,
    /// Whether this is the consumer's first loan in the calendar year (the pricing cap).
    pub first_loan: bool,
    /// Whether the consumer has borrowed from the lender before (the loan limit).
    pub repeat_customer: bool,
    /// When the consumer is paid.
    pub payday_rule: PaydayRule,
    /// Gross monthly income.
    pub gross_monthly_income: Money,
    /// Net monthly income.
    pub net_monthly_income: Money,
    /// Declared necessary expenses.
    pub declared_expenses: Money,
    /// Declared debt repayments.
    pub declared_debt_repayments: Money,
    /// Whether an expense disclosure was signed.
    pub expense_disclosure_signed: bool,
    /// The bureau's answer.
    pub bureau: BureauResult,
}

/// Everything a decision needs; all of it borrowed, so deciding allocates little.
#[derive(Debug, Clone, Copy)]
pub struct DecisionInput<'a> {
    /// The application.
    pub application: &'a Application,
    /// The credit policy.
    pub thresholds: &'a PolicyThresholds,
    /// The caps in force on the application date.
    pub regulations: &'a RegulatoryParameters,
    /// The Regulation 23A expense norms in force on the application date.
    pub expense_norms: &'a ExpenseNorms,
    /// The product's prices and limits.
    pub product: &'a ProductParameters,
    /// The business calendar.
    pub calendar: &'a BusinessCalendar,
}

/// A reason for referring or declining, with a stable machine code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionReason {
    /// Younger than the minimum age.
    UnderAge {
        /// Age on the application date.
        age: u32,
        /// The minimum age.
        minimum: u32,
    },
    /// Net income below the minimum.
    IncomeBelowMinimum {
        /// The net income.
        net_income: Money,
        /// The minimum.
        minimum: Money,
    },
    /// No bureau record matched the ID number.
    BureauNoMatch,
    /// The bureau could not be consulted.
    BureauUnavailable,
    /// The score is below the decline threshold.
    ScoreBelowMinimum {
        /// The score.
        score: u32,
        /// The lowest score accepted.
        minimum: u32,
    },
    /// The score is in the band a person reviews.
    ScoreInReferBand {
        /// The score.
        score: u32,
    },
    /// More adverse listings than allowed.
    TooManyAdverseListings {
        /// Listings found.
        count: u32,
        /// Listings allowed.
        maximum: u32,
    },
    /// More judgments than allowed.
    TooManyJudgments {
        /// Judgments found.
        count: u32,
        /// Judgments allowed.
        maximum: u32,
    },
    /// The income and expense figures cannot be assessed as given.
    AffordabilityInputInvalid(AffordabilityError),
    /// Even the smallest loan's instalment does not fit.
    NotAffordable {
        /// The largest monthly instalment that fits.
        max_monthly_instalment: Money,
        /// The monthly instalment of the smallest loan.
        smallest_monthly_instalment: Money,
    },
    /// The amount or term asked for is outside what is lent.
    RequestOutOfRange(QuoteError),
    /// No payday falls within the term asked for.
    NoPaydayInTerm,
    /// The loan could not be priced (a bug or bad product settings); a person looks at it.
    PricingFailed(String),
}

impl DecisionReason {
    /// A stable machine code, stored with declined applications (Reg 55(1)(b), credit-law.md).
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnderAge { .. } => "under_age",
            Self::IncomeBelowMinimum { .. } => "income_below_minimum",
            Self::BureauNoMatch => "bureau_no_match",
            Self::BureauUnavailable => "bureau_unavailable",
            Self::ScoreBelowMinimum { .. } => "score_below_minimum",
            Self::ScoreInReferBand { .. } => "score_in_refer_band",
            Self::TooManyAdverseListings { .. } => "too_many_adverse_listings",
            Self::TooManyJudgments { .. } => "too_many_judgments",
            Self::AffordabilityInputInvalid(_) => "affordability_input_invalid",
            Self::NotAffordable { .. } => "not_affordable",
            Self::RequestOutOfRange(_) => "request_out_of_range",
            Self::NoPaydayInTerm => "no_payday_in_term",
            Self::PricingFailed(_) => "pricing_failed",
        }
    }

    /// A plain-language explanation for the consumer or officer.
    pub fn describe(&self) -> String {
        match self {
            Self::UnderAge { age, minimum } => {
                format!("the applicant is {age}, and we lend only from age {minimum}")
            }
            Self::IncomeBelowMinimum { net_income, minimum } => {
                format!("the take-home pay of {net_income} is below the minimum of {minimum}")
            }
            Self::BureauNoMatch => {
                "the credit bureau has no record for this ID number, so a person must check it"
                    .to_owned()
            }
            Self::BureauUnavailable => {
                "the credit bureau could not be reached, so a person must check the application"
                    .to_owned()
            }
            Self::ScoreBelowMinimum { score, minimum } => {
                format!("the credit score of {score} is below the minimum of {minimum}")
            }
            Self::ScoreInReferBand { score } => {
                format!("the credit score of {score} needs a person to review the application")
            }
            Self::TooManyAdverseListings { count, maximum } => format!(
                "the credit record has {count} adverse listings; at most {maximum} are allowed"
            ),
            Self::TooManyJudgments { count, maximum } => {
                format!("the credit record has {count} judgments; at most {maximum} are allowed")
            }
            Self::AffordabilityInputInvalid(error) => {
                format!("the income and expense figures need checking: {error}")
            }
            Self::NotAffordable { max_monthly_instalment, smallest_monthly_instalment } => format!(
                "the smallest loan needs {smallest_monthly_instalment} a month, but at most \
                 {max_monthly_instalment} a month is affordable"
            ),
            Self::RequestOutOfRange(error) => format!("the request cannot be met: {error}"),
            Self::NoPaydayInTerm => {
                "no payday falls within the loan term asked for; a longer term would work"
                    .to_owned()
            }
            Self::PricingFailed(detail) => {
                format!("the loan could not be priced, so a person must check it: {detail}")
            }
        }
    }
}

impl fmt::Display for DecisionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// What limited the offer to its amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OfferLimit {
    /// The amount requested.
    Requested,
    /// The customer's loan limit.
    CustomerLimit,
    /// The product's maximum.
    ProductMaximum,
    /// The legal maximum.
    LegalMaximum,
    /// Affordability (or the instalment-to-income ratio).
    Affordability,
}

/// A pre-approved offer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Offer {
    /// The amount offered.
    pub amount: Money,
    /// The amount asked for.
    pub requested_amount: Money,
    /// What set the amount.
    pub limited_by: OfferLimit,
    /// The repayment schedule (with its quote).
    pub schedule: Schedule,
    /// The affordability assessment, kept as evidence.
    pub assessment: Assessment,
    /// The largest monthly instalment allowed (affordability and ratio).
    pub max_monthly_instalment: Money,
}

impl Offer {
    /// Whether less than the requested amount is offered.
    pub fn is_reduced(&self) -> bool {
        self.amount < self.requested_amount
    }
}

/// The outcome of a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Pre-approved; the offer may be less than requested.
    PreApproved {
        /// The offer.
        offer: Box<Offer>,
    },
    /// A person must review the application.
    Referred {
        /// Why.
        reasons: Vec<DecisionReason>,
    },
    /// Declined, with every reason that applies.
    Declined {
        /// Why.
        reasons: Vec<DecisionReason>,
    },
}

impl Decision {
    /// The reasons, empty for a pre-approval.
    pub fn reasons(&self) -> &[DecisionReason] {
        match self {
            Self::PreApproved { .. } => &[],
            Self::Referred { reasons } | Self::Declined { reasons } => reasons,
        }
    }
}

/// Decides an application. Pure and deterministic: the same input gives the same decision.
pub fn decide(input: &DecisionInput<'_>) -> Decision {
    let app = input.application;
    let policy = input.thresholds;
    let mut declines = Vec::new();
    let mut referrals = Vec::new();

    // identity.md: the applicant must be 18 or older on the application date; policy may ask
    // for more.
    let minimum_age = policy.minimum_age.max(LEGAL_MINIMUM_AGE);
    let age = app.id_number.age_on(app.application_date);
    if age < minimum_age {
        declines.push(DecisionReason::UnderAge { age, minimum: minimum_age });
    }
    if app.net_monthly_income < policy.minimum_net_income {
        declines.push(DecisionReason::IncomeBelowMinimum {
            net_income: app.net_monthly_income,
            minimum: policy.minimum_net_income,
        });
    }

    let bureau_obligations = match app.bureau {
        BureauResult::Found(record) => {
            if record.score < policy.decline_below_score {
                declines.push(DecisionReason::ScoreBelowMinimum {
                    score: record.score,
                    minimum: policy.decline_below_score,
                });
            } else if record.score < policy.refer_below_score {
                referrals.push(DecisionReason::ScoreInReferBand { score: record.score });
            }
            if record.adverse_listings > policy.max_adverse_listings {
                declines.push(DecisionReason::TooManyAdverseListings {
                    count: record.adverse_listings,
                    maximum: policy.max_adverse_listings,
                });
            }
            if record.judgments > policy.max_judgments {
                declines.push(DecisionReason::TooManyJudgments {
                    count: record.judgments,
                    maximum: policy.max_judgments,
                });
            }
            record.monthly_obligations
        }
        BureauResult::NoMatch => {
            referrals.push(DecisionReason::BureauNoMatch);
            Money::ZERO
        }
        BureauResult::Unavailable => {
            referrals.push(DecisionReason::BureauUnavailable);
            Money::ZERO
        }
    };

    // NCA Regulation 23A (credit-law.md): existing obligations are those declared plus those
    // on the bureau record.
    let affordability_input = AffordabilityInput {
        gross_monthly_income: app.gross_monthly_income,
        net_monthly_income: app.net_monthly_income,
        declared_expenses: app.declared_expenses,
        declared_debt_repayments: app.declared_debt_repayments,
        bureau_monthly_obligations: bureau_obligations,
        expense_disclosure_signed: app.expense_disclosure_signed,
    };
    let offer = match assess(&affordability_input, input.expense_norms, policy.affordability_buffer)
    {
        Ok(assessment) => match find_offer(input, assessment) {
            Ok(offer) => Some(offer),
            Err(reason @ DecisionReason::PricingFailed(_)) => {
                referrals.push(reason);
                None
            }
            Err(reason) => {
                declines.push(reason);
                None
            }
        },
        Err(error) => {
            referrals.push(DecisionReason::AffordabilityInputInvalid(error));
            None
        }
    };

    if !declines.is_empty() {
        declines.extend(referrals);
        return Decision::Declined { reasons: declines };
    }
    if !referrals.is_empty() {
        return Decision::Referred { reasons: referrals };
    }
    match offer {
        Some(offer) => Decision::PreApproved { offer: Box::new(offer) },
        None => Decision::Referred {
            reasons: vec![DecisionReason::PricingFailed("no offer was found".to_owned())],
        },
    }
}

/// The largest offer that fits, or the reason there is none.
fn find_offer(input: &DecisionInput<'_>, assessment: Assessment) -> Result<Offer, DecisionReason> {
    let app = input.application;
    let policy = input.thresholds;
    let (reg, product) = (input.regulations, input.product);

    let term_limit = reg.max_term_days.min(product.max_term_days);
    if app.requested_term_days > term_limit {
        return Err(DecisionReason::RequestOutOfRange(QuoteError::TermTooLong {
            maximum_days: term_limit,
            legal_limit: reg.max_term_days <= product.max_term_days,
        }));
    }
    if !app.requested_amount.is_positive() {
        return Err(DecisionReason::RequestOutOfRange(QuoteError::AmountNotPositive));
    }
    if app.requested_amount < product.min_amount {
        return Err(DecisionReason::RequestOutOfRange(QuoteError::AmountBelowMinimum {
            minimum: product.min_amount,
        }));
    }

    let customer_limit =
        if app.repeat_customer { policy.repeat_loan_limit } else { policy.first_loan_limit };
    let limits = [
        (app.requested_amount, OfferLimit::Requested),
        (customer_limit, OfferLimit::CustomerLimit),
        (product.max_amount, OfferLimit::ProductMaximum),
        (reg.max_principal, OfferLimit::LegalMaximum),
    ];
    let (ceiling, ceiling_reason) =
        limits.into_iter().min_by_key(|(amount, _)| *amount).expect("BUG: four limits");
    if ceiling < product.min_amount {
        // Only a limit set below the product's smallest loan gets here: a setting to fix.
        return Err(DecisionReason::PricingFailed(format!(
            "the most that may be lent ({ceiling}) is below the product's smallest loan ({})",
            product.min_amount
        )));
    }

    let request = ScheduleRequest {
        amount: ceiling,
        first_loan: app.first_loan,
        disbursement_date: app.application_date,
        max_term_days: app.requested_term_days,
        payday_rule: app.payday_rule,
        min_days_to_first_instalment: policy.min_days_to_first_instalment,
    };
    let dates = instalment_dates(input.calendar, &request);
    if dates.is_empty() {
        return Err(DecisionReason::NoPaydayInTerm);
    }
    let price = |amount: Money| -> Result<Schedule, DecisionReason> {
        Schedule::from_dates(
            reg,
            product,
            input.calendar,
            amount,
            app.first_loan,
            app.application_date,
            &dates,
            app.payday_rule.paydays_per_year(),
        )
        .map_err(|error| match error {
            ScheduleError::Quote(
                e @ (QuoteError::TermTooShort { .. }
                | QuoteError::TermTooLong { .. }
                | QuoteError::AmountBelowMinimum { .. }
                | QuoteError::AmountAboveMaximum { .. }),
            ) => DecisionReason::RequestOutOfRange(e),
            ScheduleError::NoPaydayInTerm => DecisionReason::NoPaydayInTerm,
            other => DecisionReason::PricingFailed(other.to_string()),
        })
    };

    let ratio_cap = app
        .net_monthly_income
        .times_rate(policy.max_instalment_to_net_income)
        .map_err(|e| DecisionReason::PricingFailed(e.to_string()))?;
    let max_monthly = assessment.max_affordable_instalment.min(ratio_cap);
    let fits = |schedule: &Schedule| schedule.monthly_equivalent_instalment() <= max_monthly;
    let offer = |amount: Money, limited_by: OfferLimit, schedule: Schedule| Offer {
        amount,
        requested_amount: app.requested_amount,
        limited_by,
        schedule,
        assessment: assessment.clone(),
        max_monthly_instalment: max_monthly,
    };

    let at_ceiling = price(ceiling)?;
    if fits(&at_ceiling) {
        return Ok(offer(ceiling, ceiling_reason, at_ceiling));
    }
    // Search whole steps between the product minimum and the ceiling for the largest that fits.
    let step = policy.offer_step.cents().max(1);
    let mut low = (product.min_amount.cents() + step - 1) / step;
    let mut high = (ceiling.cents() - 1) / step;
    let mut best: Option<(Money, Schedule)> = None;
    while low <= high {
        let middle = low + (high - low) / 2;
        let amount = Money::from_cents(middle * step);
        let schedule = price(amount)?;
        if fits(&schedule) {
            best = Some((amount, schedule));
            low = middle + 1;
        } else {
            high = middle - 1;
        }
    }
    match best {
        Some((amount, schedule)) => Ok(offer(amount, OfferLimit::Affordability, schedule)),
        None => {
            let smallest = price(product.min_amount)?;
            Err(DecisionReason::NotAffordable {
                max_monthly_instalment: max_monthly,
                smallest_monthly_instalment: smallest.monthly_equivalent_instalment(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn application() -> Application {
        let today = date(2026, 3, 2);
        Application {
            id_number: SaIdNumber::parse("7503305044089", today).expect("valid"),
            application_date: today,
            requested_amount: Money::from_rands(2_000),
            requested_term_days: 35,
            first_loan: true,
            repeat_customer: false,
            payday_rule: PaydayRule::FixedDay(25),
            gross_monthly_income: Money::from_rands(12_000),
            net_monthly_income: Money::from_rands(10_000),
            declared_expenses: Money::from_rands(4_000),
            declared_debt_repayments: Money::from_rands(1_000),
            expense_disclosure_signed: false,
            bureau: BureauResult::Found(BureauRecord {
                score: 650,
                adverse_listings: 0,
                judgments: 0,
                monthly_obligations: Money::from_rands(800),
            }),
        }
    }

    struct World {
        thresholds: PolicyThresholds,
        reg: RegulatoryParameters,
        norms: ExpenseNorms,
        product: ProductParameters,
        calendar: BusinessCalendar,
    }

    impl World {
        fn new() -> World {
            let reg = RegulatoryParameters::south_africa_2018();
            let product = ProductParameters::at_the_caps(&reg);
            World {
                thresholds: PolicyThresholds::standard(),
                reg,
                norms: ExpenseNorms::regulation_23a_2015(),
                product,
                calendar: BusinessCalendar::south_africa(),
            }
        }

        fn decide(&self, app: &Application) -> Decision {
            decide(&DecisionInput {
                application: app,
                thresholds: &self.thresholds,
                regulations: &self.reg,
                expense_norms: &self.norms,
                product: &self.product,
                calendar: &self.calendar,
            })
        }
    }

    #[test]
    fn a_good_application_is_pre_approved_for_the_amount_requested() {
        let world = World::new();
        let decision = world.decide(&application());
        let Decision::PreApproved { offer } = decision else {
            panic!("expected a pre-approval, got {decision:?}");
        };
        assert_eq!(offer.amount, Money::from_rands(2_000));
        assert_eq!(offer.limited_by, OfferLimit::Requested);
        assert!(!offer.is_reduced());
        assert_eq!(offer.schedule.instalments.len(), 1);
    }

    #[test]
    fn a_first_loan_is_limited_to_the_first_loan_limit() {
        let world = World::new();
        let mut app = application();
        app.requested_amount = Money::from_rands(5_000);
        app.gross_monthly_income = Money::from_rands(24_000);
        app.net_monthly_income = Money::from_rands(20_000);
        let Decision::PreApproved { offer } = world.decide(&app) else { panic!("expected offer") };
        assert_eq!(offer.amount, Money::from_rands(3_000));
        assert_eq!(offer.limited_by, OfferLimit::CustomerLimit);
        assert!(offer.is_reduced());
    }

    #[test]
    fn an_offer_shrinks_to_what_is_affordable() {
        let world = World::new();
        let mut app = application();
        app.repeat_customer = true;
        app.requested_amount = Money::from_rands(8_000);
        let Decision::PreApproved { offer } = world.decide(&app) else { panic!("expected offer") };
        assert_eq!(offer.limited_by, OfferLimit::Affordability);
        assert!(offer.amount < Money::from_rands(8_000));
        assert_eq!(offer.amount.cents() % 10_000, 0);
        assert!(offer.schedule.monthly_equivalent_instalment() <= offer.max_monthly_instalment);
        // One step more would not fit.
        let next = offer.amount.checked_add(Money::from_rands(100)).expect("fits");
        let dates: Vec<NaiveDate> = offer.schedule.instalments.iter().map(|i| i.due_date).collect();
        let bigger = Schedule::from_dates(
            &world.reg,
            &world.product,
            &world.calendar,
            next,
            true,
            app.application_date,
            &dates,
            12,
        )
        .expect("valid");
        assert!(bigger.monthly_equivalent_instalment() > offer.max_monthly_instalment);
    }

    #[test]
    fn a_decline_lists_every_failing_rule() {
        let world = World::new();
        let mut app = application();
        app.id_number = SaIdNumber::parse("1001015000083", app.application_date).expect("valid");
        app.net_monthly_income = Money::from_rands(2_000);
        app.gross_monthly_income = Money::from_rands(2_200);
        app.bureau = BureauResult::Found(BureauRecord {
            score: 500,
            adverse_listings: 2,
            judgments: 1,
            monthly_obligations: Money::ZERO,
        });
        let decision = world.decide(&app);
        let codes: Vec<&str> = decision.reasons().iter().map(DecisionReason::code).collect();
        assert!(matches!(decision, Decision::Declined { .. }));
        assert_eq!(
            codes,
            vec![
                "under_age",
                "income_below_minimum",
                "score_below_minimum",
                "too_many_adverse_listings",
                "too_many_judgments",
                "not_affordable",
            ]
        );
        assert!(decision.reasons()[0].describe().contains("we lend only from age 18"));
    }

    #[test]
    fn no_bureau_match_refers_the_application() {
        let world = World::new();
        let mut app = application();
        app.bureau = BureauResult::NoMatch;
        let decision = world.decide(&app);
        assert_eq!(decision, Decision::Referred { reasons: vec![DecisionReason::BureauNoMatch] });
        assert_eq!(decision.reasons()[0].code(), "bureau_no_match");
    }

    #[test]
    fn a_score_in_the_refer_band_is_referred() {
        let world = World::new();
        let mut app = application();
        app.bureau = BureauResult::Found(BureauRecord {
            score: 575,
            adverse_listings: 0,
            judgments: 0,
            monthly_obligations: Money::ZERO,
        });
        assert_eq!(
            world.decide(&app),
            Decision::Referred { reasons: vec![DecisionReason::ScoreInReferBand { score: 575 }] }
        );
    }

    #[test]
    fn policy_cannot_lower_the_legal_minimum_age() {
        let mut world = World::new();
        world.thresholds.minimum_age = 16;
        let mut app = application();
        app.id_number = SaIdNumber::parse("0901015000085", app.application_date).expect("valid");
        let decision = world.decide(&app);
        assert_eq!(decision.reasons()[0], DecisionReason::UnderAge { age: 17, minimum: 18 });
    }

    #[test]
    fn a_term_without_a_payday_is_declined() {
        let world = World::new();
        let mut app = application();
        app.requested_term_days = 10;
        assert_eq!(
            world.decide(&app),
            Decision::Declined { reasons: vec![DecisionReason::NoPaydayInTerm] }
        );
    }

    #[test]
    fn deciding_twice_gives_the_same_decision() {
        let world = World::new();
        let app = application();
        assert_eq!(world.decide(&app), world.decide(&app));
    }
}
