//! Pricing: the regulatory caps in force on a date, the lender's own prices, and quotes that
//! never exceed a cap.
//!
//! # Conventions
//! - **A cap month is 30 days.** The interest cap and the service fee cap are "per month"
//!   (NCA Regulations 42 and 44, credit-law.md). The worked vectors in credit-law.md treat a
//!   30-day loan as exactly one month, so a cap for `d` days is the monthly cap times `d / 30`.
//!   The daily interest convention (monthly rate x 12 / 365 per day) is always below that.
//! - **Maximum term: 180 days.** Regulation 39(2) allows "at most 6 months"; any six
//!   consecutive calendar months have at least 181 days, so 180 days is within six months
//!   whichever month a loan starts in.
//! - **Interest accrues on the outstanding principal.** The principal is repaid in equal
//!   shares, one per instalment (remainder cents on the last), and each period's interest is the
//!   rate on the principal outstanding during that period only, so no instalment pays interest
//!   on principal already repaid.
//! - **Service fee pro-rating (verify).** Regulation 44 allows R60 per month "pro-rated for a
//!   part month" without saying how. The fee here accrues by the day at the monthly fee / 30 for
//!   every day of the term, so it can never exceed R60 per 30 days (R60 / 30 is exactly R2.00 a
//!   day).
//! - **Clamping.** When the lender's prices would exceed a cap, the cap wins and the quote
//!   lists what was clamped in [`Quote::caps_applied`]. Amounts and terms are not clamped: an
//!   amount or a term out of range is an error.
//! - Every product of money and a rate is rounded once with the crate's one rounding
//!   ([`crate::money`]).

use std::fmt;

use chrono::NaiveDate;

use crate::money::{Money, Overflow, Rate};

/// Days in a month for the caps and the flat-month convention (see the module documentation).
pub const DAYS_PER_CAP_MONTH: i64 = 30;

/// How interest accrues for a part of a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InterestConvention {
    /// A month is 30 days: interest for `d` days is the monthly rate x `d / 30`.
    FlatMonth,
    /// Interest accrues daily at the monthly rate x 12 / 365.
    Daily,
}

impl InterestConvention {
    /// Interest on `principal` for `days` days at `rate_per_month`, rounded once.
    pub fn interest(
        self,
        principal: Money,
        rate_per_month: Rate,
        days: u32,
    ) -> Result<Money, Overflow> {
        let days = i64::from(days);
        match self {
            Self::FlatMonth => {
                principal.times_rate_fraction(rate_per_month, days, DAYS_PER_CAP_MONTH)
            }
            Self::Daily => principal.times_rate_fraction(rate_per_month, 12 * days, 365),
        }
    }
}

/// An initiation fee of the shape of NCA Regulation 42 Table B: a base, plus a rate on the
/// principal above a threshold, at most a maximum and at most a share of the principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InitiationFeeFormula {
    /// The fixed part (R165 in the cap).
    pub base: Money,
    /// The principal above which the rate applies (R1 000 in the cap).
    pub threshold: Money,
    /// The rate on the principal above the threshold (10% in the cap).
    pub rate_above_threshold: Rate,
    /// The largest fee (R1 050 in the cap).
    pub maximum: Money,
    /// The largest share of the principal (15% in the cap).
    pub max_share_of_principal: Rate,
}

impl InitiationFeeFormula {
    /// The fee for a principal: min(base + rate x (principal - threshold), maximum,
    /// share x principal), never below zero.
    pub fn fee_for(&self, principal: Money) -> Result<Money, Overflow> {
        let above = principal.checked_sub(self.threshold)?.max(Money::ZERO);
        let formula = self.base.checked_add(above.times_rate(self.rate_above_threshold)?)?;
        let share = principal.times_rate(self.max_share_of_principal)?;
        Ok(formula.min(self.maximum).min(share).max(Money::ZERO))
    }
}

/// The regulator's caps in force from a date (credit-law.md). In production these rows come
/// from an effective-dated table; the constructors here are the seed values.
///
/// VAT is part of the parameter set rather than a separate list: a VAT change is rare and
/// simply adds a new row (see [`RegulatoryParameters::south_africa_2018`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegulatoryParameters {
    /// The first day these parameters apply.
    pub effective_from: NaiveDate,
    /// The largest principal of a short-term credit transaction.
    pub max_principal: Money,
    /// The longest term in days (see the module documentation for the 180-day conversion).
    pub max_term_days: u32,
    /// The interest cap per month on a consumer's first loan.
    pub interest_cap_first_loan: Rate,
    /// The interest cap per month on subsequent loans within the same calendar year.
    pub interest_cap_subsequent: Rate,
    /// The initiation fee cap.
    pub initiation_fee_cap: InitiationFeeFormula,
    /// The service fee cap per month.
    pub service_fee_cap_per_month: Money,
    /// VAT on fees (not on interest).
    pub vat_rate: Rate,
}

/// No regulatory parameters are in force on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectError {
    /// Every parameter set starts after the date.
    NoneInForce {
        /// The date asked about.
        on: NaiveDate,
    },
    /// Two parameter sets start on the same day, so which applies is ambiguous.
    Ambiguous {
        /// The shared effective date.
        effective_from: NaiveDate,
    },
}

impl fmt::Display for SelectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoneInForce { on } => write!(f, "no credit regulations are on record for {on}"),
            Self::Ambiguous { effective_from } => {
                write!(f, "two sets of credit regulations start on {effective_from}; remove one")
            }
        }
    }
}

impl std::error::Error for SelectError {}

impl RegulatoryParameters {
    /// The caps of the NCA Regulations as amended by GN 1080 (GG 39379), in force from
    /// 6 May 2016, with VAT at 14% (credit-law.md).
    pub fn south_africa_2016() -> RegulatoryParameters {
        RegulatoryParameters {
            effective_from: NaiveDate::from_ymd_opt(2016, 5, 6).expect("BUG: a real date"),
            // NCA Regulation 39(2) (credit-law.md): at most R8 000 ...
            max_principal: Money::from_rands(8_000),
            // ... repayable within at most 6 months, here 180 days (module documentation).
            max_term_days: 180,
            // NCA Regulation 42, Table A (credit-law.md): 5% a month on a first loan, 3% on
            // subsequent loans within the same calendar year.
            interest_cap_first_loan: Rate::from_percent(5),
            interest_cap_subsequent: Rate::from_percent(3),
            // NCA Regulation 42, Table B / Regulation 43 (credit-law.md): R165 + 10% above
            // R1 000, at most R1 050 and at most 15% of the principal.
            initiation_fee_cap: InitiationFeeFormula {
                base: Money::from_rands(165),
                threshold: Money::from_rands(1_000),
                rate_above_threshold: Rate::from_percent(10),
                maximum: Money::from_rands(1_050),
                max_share_of_principal: Rate::from_percent(15),
            },
            // NCA Regulation 44 (credit-law.md): R60 a month.
            service_fee_cap_per_month: Money::from_rands(60),
            // VAT 14% until 31 March 2018 (credit-law.md).
            vat_rate: Rate::from_percent(14),
        }
    }

    /// The same caps with VAT at 15% from 1 April 2018 (credit-law.md).
    pub fn south_africa_2018() -> RegulatoryParameters {
        RegulatoryParameters {
            effective_from: NaiveDate::from_ymd_opt(2018, 4, 1).expect("BUG: a real date"),
            vat_rate: Rate::from_percent(15),
            ..RegulatoryParameters::south_africa_2016()
        }
    }

    /// Every parameter set this crate knows, oldest first.
    pub fn south_africa_history() -> Vec<RegulatoryParameters> {
        vec![RegulatoryParameters::south_africa_2016(), RegulatoryParameters::south_africa_2018()]
    }

    /// The parameter set in force on `on`: the one with the latest effective date on or before
    /// it.
    pub fn select(
        parameters: &[RegulatoryParameters],
        on: NaiveDate,
    ) -> Result<&RegulatoryParameters, SelectError> {
        let latest = parameters
            .iter()
            .filter(|p| p.effective_from <= on)
            .max_by_key(|p| p.effective_from)
            .ok_or(SelectError::NoneInForce { on })?;
        let same_day = parameters.iter().filter(|p| p.effective_from == latest.effective_from);
        if same_day.count() > 1 {
            return Err(SelectError::Ambiguous { effective_from: latest.effective_from });
        }
        Ok(latest)
    }

    /// The interest cap per month for a first or a subsequent loan.
    pub fn interest_cap(&self, first_loan: bool) -> Rate {
        if first_loan { self.interest_cap_first_loan } else { self.interest_cap_subsequent }
    }
}

/// The lender's own prices and limits for a product. They may be below the caps; where they are
/// above, the caps win.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProductParameters {
    /// Interest per month on a first loan.
    pub interest_per_month_first_loan: Rate,
    /// Interest per month on a subsequent loan.
    pub interest_per_month_subsequent: Rate,
    /// The initiation fee formula.
    pub initiation_fee: InitiationFeeFormula,
    /// The service fee per month, pro-rated by the day.
    pub service_fee_per_month: Money,
    /// The smallest principal lent.
    pub min_amount: Money,
    /// The largest principal lent (the legal maximum also applies).
    pub max_amount: Money,
    /// The shortest term in days.
    pub min_term_days: u32,
    /// The longest term in days (the legal maximum also applies).
    pub max_term_days: u32,
    /// How interest accrues for part of a month.
    pub interest_convention: InterestConvention,
}

impl ProductParameters {
    /// A product priced exactly at the caps, lending R500 to the legal maximum for 7 days to the
    /// legal maximum term, on the flat-month convention.
    pub fn at_the_caps(reg: &RegulatoryParameters) -> ProductParameters {
        ProductParameters {
            interest_per_month_first_loan: reg.interest_cap_first_loan,
            interest_per_month_subsequent: reg.interest_cap_subsequent,
            initiation_fee: reg.initiation_fee_cap,
            service_fee_per_month: reg.service_fee_cap_per_month,
            min_amount: Money::from_rands(500),
            max_amount: reg.max_principal,
            min_term_days: 7,
            max_term_days: reg.max_term_days,
            interest_convention: InterestConvention::FlatMonth,
        }
    }

    /// The interest rate per month for a first or a subsequent loan.
    pub fn interest_rate(&self, first_loan: bool) -> Rate {
        if first_loan {
            self.interest_per_month_first_loan
        } else {
            self.interest_per_month_subsequent
        }
    }
}

/// A price the cap overrode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CapApplied {
    /// The product's interest rate per month was above the cap.
    InterestRate {
        /// The product's rate.
        product: Rate,
        /// The cap used instead.
        cap: Rate,
    },
    /// The product's initiation fee was above the cap for this principal.
    InitiationFee {
        /// The product's fee.
        product: Money,
        /// The cap used instead.
        cap: Money,
    },
    /// The product's monthly service fee was above the cap.
    ServiceFee {
        /// The product's fee per month.
        product: Money,
        /// The cap used instead.
        cap: Money,
    },
}

impl CapApplied {
    /// A plain-language statement of what was clamped.
    pub fn describe(&self) -> String {
        match self {
            Self::InterestRate { product, cap } => format!(
                "the product's interest of {product} a month is above the legal {cap}, so {cap} is charged"
            ),
            Self::InitiationFee { product, cap } => format!(
                "the product's initiation fee of {product} is above the legal {cap}, so {cap} is charged"
            ),
            Self::ServiceFee { product, cap } => format!(
                "the product's service fee of {product} a month is above the legal {cap}, so {cap} is charged"
            ),
        }
    }
}

/// One repayment period of a quote: from the previous instalment (or disbursement) to this one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QuotePeriod {
    /// 1 for the first instalment.
    pub number: u32,
    /// Days from disbursement to this instalment.
    pub day: u32,
    /// Days in this period.
    pub days: u32,
    /// The principal outstanding during the period.
    pub opening_principal: Money,
    /// The principal repaid at the end of the period.
    pub principal: Money,
    /// Interest on the opening principal for the period's days.
    pub interest: Money,
    /// The service fee for the period's days.
    pub service_fee: Money,
    /// VAT on the service fee.
    pub vat_on_service_fee: Money,
}

/// An itemised quote (the figures of the pre-agreement statement, s92 and Form 20).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Quote {
    /// The principal debt.
    pub principal: Money,
    /// Days from disbursement to the last instalment.
    pub term_days: u32,
    /// Whether the first-loan cap applies.
    pub first_loan: bool,
    /// The interest convention used.
    pub interest_convention: InterestConvention,
    /// The interest rate per month charged (the product's rate, or the cap when lower).
    pub interest_rate_per_month: Rate,
    /// The service fee per month charged (the product's fee, or the cap when lower).
    pub service_fee_per_month: Money,
    /// The VAT rate on fees.
    pub vat_rate: Rate,
    /// The initiation fee before VAT.
    pub initiation_fee: Money,
    /// VAT on the initiation fee.
    pub vat_on_initiation_fee: Money,
    /// The repayment periods, in order.
    pub periods: Vec<QuotePeriod>,
    /// Total interest.
    pub interest: Money,
    /// Total service fees before VAT.
    pub service_fees: Money,
    /// VAT on the service fees.
    pub vat_on_service_fees: Money,
    /// Everything but the principal: fees, VAT and interest.
    pub cost_of_credit: Money,
    /// Principal plus cost of credit.
    pub total_repayable: Money,
    /// Prices the caps overrode.
    pub caps_applied: Vec<CapApplied>,
}

impl Quote {
    /// Total VAT.
    pub fn vat(&self) -> Money {
        self.vat_on_initiation_fee
            .checked_add(self.vat_on_service_fees)
            .expect("BUG: VAT totals were checked when the quote was made")
    }

    /// The cost of credit spread over 30-day months: cost x 30 / term days.
    pub fn cost_per_30_days(&self) -> Money {
        self.cost_of_credit
            .times_fraction(DAYS_PER_CAP_MONTH, i64::from(self.term_days))
            .expect("BUG: a smaller amount than the cost of credit fits")
    }

    /// The cost of credit as a rate per 30 days on the principal, for comparing offers
    /// (rounded half up to a part per million; a display figure, not money).
    pub fn cost_rate_per_30_days(&self) -> Rate {
        let numerator = i128::from(self.cost_of_credit.cents())
            * i128::from(DAYS_PER_CAP_MONTH)
            * i128::from(Rate::PPM_PER_UNIT);
        let denominator = i128::from(self.principal.cents()) * i128::from(self.term_days);
        if denominator <= 0 {
            return Rate::ZERO;
        }
        let ppm = (2 * numerator + denominator) / (2 * denominator);
        Rate::from_ppm(u32::try_from(ppm).unwrap_or(u32::MAX))
    }

    /// The instalment due at the end of each period: principal, interest, service fee with
    /// VAT, and the initiation fee with VAT in equal shares (remainder cents on the last).
    pub fn instalment_totals(&self) -> Vec<Money> {
        let initiation = self
            .initiation_fee
            .checked_add(self.vat_on_initiation_fee)
            .expect("BUG: checked when the quote was made");
        let shares = initiation.split_with_remainder_last(self.periods.len());
        self.periods
            .iter()
            .zip(shares)
            .map(|(p, share)| {
                Money::checked_sum([
                    p.principal,
                    p.interest,
                    p.service_fee,
                    p.vat_on_service_fee,
                    share,
                ])
                .expect("BUG: instalments are smaller than the checked total")
            })
            .collect()
    }
}

/// A quote that is out of range or a breach of a cap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuoteError {
    /// The amount is zero or negative.
    AmountNotPositive,
    /// The amount is below the product's minimum.
    AmountBelowMinimum {
        /// The smallest amount.
        minimum: Money,
    },
    /// The amount is above the product's or the law's maximum.
    AmountAboveMaximum {
        /// The largest amount.
        maximum: Money,
        /// True when the limit is the law's rather than the product's.
        legal_limit: bool,
    },
    /// The term is shorter than the product allows.
    TermTooShort {
        /// The shortest term in days.
        minimum_days: u32,
    },
    /// The term is longer than the product or the law allows.
    TermTooLong {
        /// The longest term in days.
        maximum_days: u32,
        /// True when the limit is the law's rather than the product's.
        legal_limit: bool,
    },
    /// The instalment days are empty, not increasing, or do not end on the last day of the term.
    BadInstalmentDays,
    /// An amount was too large to calculate with.
    Overflow,
    /// The quote would exceed a cap. This is a bug in the pricing; it is returned rather than
    /// quoted so a consumer is never offered an unlawful price.
    CapExceeded(CapBreach),
}

impl fmt::Display for QuoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AmountNotPositive => f.write_str("the loan amount must be more than zero"),
            Self::AmountBelowMinimum { minimum } => {
                write!(f, "the smallest loan is {minimum}")
            }
            Self::AmountAboveMaximum { maximum, legal_limit: true } => {
                write!(f, "the law allows a short-term loan of at most {maximum}")
            }
            Self::AmountAboveMaximum { maximum, legal_limit: false } => {
                write!(f, "the largest loan is {maximum}")
            }
            Self::TermTooShort { minimum_days } => {
                write!(f, "the loan must run for at least {minimum_days} days")
            }
            Self::TermTooLong { maximum_days, legal_limit: true } => {
                write!(f, "the law allows a short-term loan to run for at most {maximum_days} days")
            }
            Self::TermTooLong { maximum_days, legal_limit: false } => {
                write!(f, "the loan can run for at most {maximum_days} days")
            }
            Self::BadInstalmentDays => f.write_str(
                "the repayment days must be in order and the last must be the end of the term",
            ),
            Self::Overflow => f.write_str("an amount was too large to calculate with"),
            Self::CapExceeded(breach) => {
                write!(f, "the price would break the law, so it is not offered: {breach}")
            }
        }
    }
}

impl std::error::Error for QuoteError {}

impl From<Overflow> for QuoteError {
    fn from(_: Overflow) -> Self {
        QuoteError::Overflow
    }
}

/// A way in which a quote exceeds a cap or does not add up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CapBreach {
    /// The principal is above the legal maximum.
    Principal,
    /// The term is above the legal maximum.
    Term,
    /// A period's interest is above the cap on its outstanding principal.
    Interest {
        /// The period's number.
        period: u32,
    },
    /// The initiation fee is above the cap.
    InitiationFee,
    /// A period's service fee is above the pro-rated cap.
    ServiceFee {
        /// The period's number.
        period: u32,
    },
    /// The periods do not add up to the principal and the term, or the totals to the items.
    Inconsistent,
}

impl fmt::Display for CapBreach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Principal => f.write_str("the amount is above the legal maximum"),
            Self::Term => f.write_str("the term is above the legal maximum"),
            Self::Interest { period } => {
                write!(f, "the interest of instalment {period} is above the legal cap")
            }
            Self::InitiationFee => f.write_str("the initiation fee is above the legal cap"),
            Self::ServiceFee { period } => {
                write!(f, "the service fee of instalment {period} is above the legal cap")
            }
            Self::Inconsistent => f.write_str("the quote's figures do not add up"),
        }
    }
}

impl std::error::Error for CapBreach {}

/// Checks a quote against every cap in `reg` and checks that its figures add up. Pricing runs
/// this on every quote it makes; it is public so that a stored quote can be checked again.
pub fn check_caps(quote: &Quote, reg: &RegulatoryParameters) -> Result<(), CapBreach> {
    let overflow = |_: Overflow| CapBreach::Inconsistent;
    if quote.principal > reg.max_principal {
        return Err(CapBreach::Principal);
    }
    if quote.term_days > reg.max_term_days {
        return Err(CapBreach::Term);
    }
    let interest_cap = reg.interest_cap(quote.first_loan);
    let mut outstanding = quote.principal;
    let mut day = 0;
    for period in &quote.periods {
        if period.opening_principal != outstanding || period.day != day + period.days {
            return Err(CapBreach::Inconsistent);
        }
        day = period.day;
        let days = i64::from(period.days);
        // NCA Regulation 42, Table A (credit-law.md): the monthly cap on the principal
        // outstanding, for the period's days on 30-day months.
        let cap = outstanding
            .times_rate_fraction(interest_cap, days, DAYS_PER_CAP_MONTH)
            .map_err(overflow)?;
        if period.interest > cap {
            return Err(CapBreach::Interest { period: period.number });
        }
        // NCA Regulation 44 (credit-law.md): R60 a month, pro-rated by the day (verify).
        let fee_cap = reg
            .service_fee_cap_per_month
            .times_fraction(days, DAYS_PER_CAP_MONTH)
            .map_err(overflow)?;
        if period.service_fee > fee_cap {
            return Err(CapBreach::ServiceFee { period: period.number });
        }
        outstanding = outstanding.checked_sub(period.principal).map_err(overflow)?;
    }
    if !outstanding.is_zero() || day != quote.term_days || quote.periods.is_empty() {
        return Err(CapBreach::Inconsistent);
    }
    // NCA Regulation 42, Table B / Regulation 43 (credit-law.md).
    if quote.initiation_fee > reg.initiation_fee_cap.fee_for(quote.principal).map_err(overflow)? {
        return Err(CapBreach::InitiationFee);
    }
    let interest =
        Money::checked_sum(quote.periods.iter().map(|p| p.interest)).map_err(overflow)?;
    let service =
        Money::checked_sum(quote.periods.iter().map(|p| p.service_fee)).map_err(overflow)?;
    let service_vat =
        Money::checked_sum(quote.periods.iter().map(|p| p.vat_on_service_fee)).map_err(overflow)?;
    let cost = Money::checked_sum([
        quote.initiation_fee,
        quote.vat_on_initiation_fee,
        interest,
        service,
        service_vat,
    ])
    .map_err(overflow)?;
    if interest != quote.interest
        || service != quote.service_fees
        || service_vat != quote.vat_on_service_fees
        || cost != quote.cost_of_credit
        || quote.principal.checked_add(cost).map_err(overflow)? != quote.total_repayable
    {
        return Err(CapBreach::Inconsistent);
    }
    Ok(())
}

/// Quotes a loan of `amount` over `term_days` days.
///
/// `instalment_days` are the days after disbursement on which instalments fall, increasing,
/// the last equal to `term_days`; `None` means a single repayment at the end of the term.
/// `first_loan` is whether this is the consumer's first loan in the calendar year (the 5% cap)
/// or a subsequent one (the 3% cap), per NCA Regulation 42 Table A (credit-law.md).
pub fn quote(
    reg: &RegulatoryParameters,
    product: &ProductParameters,
    amount: Money,
    term_days: u32,
    first_loan: bool,
    instalment_days: Option<&[u32]>,
) -> Result<Quote, QuoteError> {
    check_amount(reg, product, amount)?;
    check_term(reg, product, term_days)?;
    let single = [term_days];
    let days = instalment_days.unwrap_or(&single);
    let increasing = days.windows(2).all(|w| w[0] < w[1]);
    if days.is_empty() || days[0] == 0 || !increasing || days.last() != Some(&term_days) {
        return Err(QuoteError::BadInstalmentDays);
    }

    let mut caps_applied = Vec::new();
    let rate_cap = reg.interest_cap(first_loan);
    let product_rate = product.interest_rate(first_loan);
    let rate = product_rate.min(rate_cap);
    if product_rate > rate_cap {
        caps_applied.push(CapApplied::InterestRate { product: product_rate, cap: rate_cap });
    }
    let fee_cap = reg.service_fee_cap_per_month;
    let service_fee_per_month = product.service_fee_per_month.min(fee_cap).max(Money::ZERO);
    if product.service_fee_per_month > fee_cap {
        caps_applied
            .push(CapApplied::ServiceFee { product: product.service_fee_per_month, cap: fee_cap });
    }
    let product_initiation = product.initiation_fee.fee_for(amount)?;
    let initiation_cap = reg.initiation_fee_cap.fee_for(amount)?;
    let initiation_fee = product_initiation.min(initiation_cap);
    if product_initiation > initiation_cap {
        caps_applied
            .push(CapApplied::InitiationFee { product: product_initiation, cap: initiation_cap });
    }

    let principal_shares = amount.split_with_remainder_last(days.len());
    let mut periods = Vec::with_capacity(days.len());
    let mut outstanding = amount;
    let mut previous_day = 0;
    for (index, (&day, principal)) in days.iter().zip(principal_shares).enumerate() {
        let period_days = day - previous_day;
        let whole_days = i64::from(period_days);
        let interest = product.interest_convention.interest(outstanding, rate, period_days)?;
        // The cap is applied per period as well, so that no convention can exceed it.
        let interest_cap =
            outstanding.times_rate_fraction(rate_cap, whole_days, DAYS_PER_CAP_MONTH)?;
        let service_fee = service_fee_per_month.times_fraction(whole_days, DAYS_PER_CAP_MONTH)?;
        // credit-law.md: VAT applies to fees, not interest.
        let vat_on_service_fee = service_fee.times_rate(reg.vat_rate)?;
        periods.push(QuotePeriod {
            number: u32::try_from(index + 1).expect("BUG: fewer instalments than days"),
            day,
            days: period_days,
            opening_principal: outstanding,
            principal,
            interest: interest.min(interest_cap),
            service_fee,
            vat_on_service_fee,
        });
        outstanding = outstanding.checked_sub(principal)?;
        previous_day = day;
    }

    let interest = Money::checked_sum(periods.iter().map(|p| p.interest))?;
    let service_fees = Money::checked_sum(periods.iter().map(|p| p.service_fee))?;
    let vat_on_service_fees = Money::checked_sum(periods.iter().map(|p| p.vat_on_service_fee))?;
    let vat_on_initiation_fee = initiation_fee.times_rate(reg.vat_rate)?;
    let cost_of_credit = Money::checked_sum([
        initiation_fee,
        vat_on_initiation_fee,
        interest,
        service_fees,
        vat_on_service_fees,
    ])?;
    let quote = Quote {
        principal: amount,
        term_days,
        first_loan,
        interest_convention: product.interest_convention,
        interest_rate_per_month: rate,
        service_fee_per_month,
        vat_rate: reg.vat_rate,
        initiation_fee,
        vat_on_initiation_fee,
        periods,
        interest,
        service_fees,
        vat_on_service_fees,
        cost_of_credit,
        total_repayable: amount.checked_add(cost_of_credit)?,
        caps_applied,
    };
    check_caps(&quote, reg).map_err(QuoteError::CapExceeded)?;
    Ok(quote)
}

fn check_amount(
    reg: &RegulatoryParameters,
    product: &ProductParameters,
    amount: Money,
) -> Result<(), QuoteError> {
    if !amount.is_positive() {
        return Err(QuoteError::AmountNotPositive);
    }
    if amount < product.min_amount {
        return Err(QuoteError::AmountBelowMinimum { minimum: product.min_amount });
    }
    // NCA Regulation 39(2) (credit-law.md): at most R8 000.
    if amount > reg.max_principal {
        return Err(QuoteError::AmountAboveMaximum {
            maximum: reg.max_principal.min(product.max_amount),
            legal_limit: reg.max_principal <= product.max_amount,
        });
    }
    if amount > product.max_amount {
        return Err(QuoteError::AmountAboveMaximum {
            maximum: product.max_amount,
            legal_limit: false,
        });
    }
    Ok(())
}

fn check_term(
    reg: &RegulatoryParameters,
    product: &ProductParameters,
    term_days: u32,
) -> Result<(), QuoteError> {
    if term_days == 0 || term_days < product.min_term_days {
        return Err(QuoteError::TermTooShort { minimum_days: product.min_term_days.max(1) });
    }
    // NCA Regulation 39(2) (credit-law.md): at most 6 months, here 180 days.
    if term_days > reg.max_term_days {
        return Err(QuoteError::TermTooLong {
            maximum_days: reg.max_term_days.min(product.max_term_days),
            legal_limit: reg.max_term_days <= product.max_term_days,
        });
    }
    if term_days > product.max_term_days {
        return Err(QuoteError::TermTooLong {
            maximum_days: product.max_term_days,
            legal_limit: false,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn rands(r: i64) -> Money {
        Money::from_rands(r)
    }

    #[test]
    fn the_worked_vectors_of_credit_law_md_hold_for_a_30_day_first_loan() {
        // credit-law.md "Worked vectors": interest, initiation fee and service fee before VAT.
        let reg = RegulatoryParameters::south_africa_2018();
        let product = ProductParameters::at_the_caps(&reg);
        let cases = [
            (rands(1_000), Some(rands(50)), rands(150), rands(60)),
            (rands(3_000), Some(rands(150)), rands(365), rands(60)),
            (rands(8_000), None, rands(865), rands(60)),
        ];
        for (amount, interest, initiation, service) in cases {
            let q = quote(&reg, &product, amount, 30, true, None).expect("a valid quote");
            if let Some(interest) = interest {
                assert_eq!(q.interest, interest, "{amount}");
            }
            assert_eq!(q.initiation_fee, initiation, "{amount}");
            assert_eq!(q.service_fees, service, "{amount}");
            assert!(q.caps_applied.is_empty());
        }
    }

    #[test]
    fn a_r1000_first_loan_for_30_days_costs_the_itemised_total_with_vat() {
        let reg = RegulatoryParameters::south_africa_2018();
        let product = ProductParameters::at_the_caps(&reg);
        let q = quote(&reg, &product, rands(1_000), 30, true, None).expect("valid");
        assert_eq!(q.vat_on_initiation_fee, Money::from_cents(2_250));
        assert_eq!(q.vat_on_service_fees, rands(9));
        assert_eq!(q.cost_of_credit, Money::from_cents(29_150));
        assert_eq!(q.total_repayable, Money::from_cents(129_150));
        assert_eq!(q.instalment_totals(), vec![Money::from_cents(129_150)]);
        assert_eq!(q.cost_per_30_days(), Money::from_cents(29_150));
    }

    #[test]
    fn vat_was_14_percent_before_april_2018() {
        let history = RegulatoryParameters::south_africa_history();
        let before = RegulatoryParameters::select(&history, date(2018, 3, 31)).expect("in force");
        let after = RegulatoryParameters::select(&history, date(2018, 4, 1)).expect("in force");
        assert_eq!(before.vat_rate, Rate::from_percent(14));
        assert_eq!(after.vat_rate, Rate::from_percent(15));
        assert_eq!(
            RegulatoryParameters::select(&history, date(2016, 5, 5)),
            Err(SelectError::NoneInForce { on: date(2016, 5, 5) })
        );
        let doubled =
            [RegulatoryParameters::south_africa_2016(), RegulatoryParameters::south_africa_2016()];
        assert!(matches!(
            RegulatoryParameters::select(&doubled, date(2020, 1, 1)),
            Err(SelectError::Ambiguous { .. })
        ));
    }

    #[test]
    fn a_subsequent_loan_is_capped_at_3_percent_a_month() {
        let reg = RegulatoryParameters::south_africa_2018();
        let mut product = ProductParameters::at_the_caps(&reg);
        product.interest_per_month_subsequent = Rate::from_percent(5);
        let q = quote(&reg, &product, rands(1_000), 30, false, None).expect("valid");
        assert_eq!(q.interest, rands(30));
        assert_eq!(
            q.caps_applied,
            vec![CapApplied::InterestRate {
                product: Rate::from_percent(5),
                cap: Rate::from_percent(3)
            }]
        );
    }

    #[test]
    fn prices_above_the_caps_are_clamped_and_recorded() {
        let reg = RegulatoryParameters::south_africa_2018();
        let mut product = ProductParameters::at_the_caps(&reg);
        product.service_fee_per_month = rands(99);
        product.initiation_fee.base = rands(500);
        let q = quote(&reg, &product, rands(3_000), 30, true, None).expect("valid");
        assert_eq!(q.service_fees, rands(60));
        assert_eq!(q.initiation_fee, rands(365));
        assert_eq!(q.caps_applied.len(), 2);
    }

    #[test]
    fn interest_accrues_only_on_the_outstanding_principal() {
        let reg = RegulatoryParameters::south_africa_2018();
        let product = ProductParameters::at_the_caps(&reg);
        // Three monthly instalments on R3 000: R1 000 of principal is repaid each time.
        let q = quote(&reg, &product, rands(3_000), 90, true, Some(&[30, 60, 90])).expect("valid");
        let interest: Vec<Money> = q.periods.iter().map(|p| p.interest).collect();
        assert_eq!(interest, vec![rands(150), rands(100), rands(50)]);
        assert_eq!(q.interest, rands(300));
        assert_eq!(q.service_fees, rands(180));
        let totals = q.instalment_totals();
        assert_eq!(Money::checked_sum(totals), Ok(q.total_repayable));
    }

    #[test]
    fn the_daily_convention_charges_less_than_the_flat_month() {
        let reg = RegulatoryParameters::south_africa_2018();
        let mut product = ProductParameters::at_the_caps(&reg);
        product.interest_convention = InterestConvention::Daily;
        let q = quote(&reg, &product, rands(1_000), 30, true, None).expect("valid");
        // R1 000 x 5% x 12 x 30 / 365 = R49.315..., rounded once.
        assert_eq!(q.interest, Money::from_cents(4_932));
    }

    #[test]
    fn part_months_pro_rate_the_service_fee_by_the_day() {
        let reg = RegulatoryParameters::south_africa_2018();
        let product = ProductParameters::at_the_caps(&reg);
        let q = quote(&reg, &product, rands(1_000), 14, true, None).expect("valid");
        assert_eq!(q.service_fees, rands(28));
        assert_eq!(q.interest, Money::from_cents(2_333));
    }

    #[test]
    fn out_of_range_requests_are_refused_with_plain_messages() {
        let reg = RegulatoryParameters::south_africa_2018();
        let product = ProductParameters::at_the_caps(&reg);
        let cases = [
            (rands(0), 30, QuoteError::AmountNotPositive),
            (rands(100), 30, QuoteError::AmountBelowMinimum { minimum: rands(500) }),
            (
                rands(8_001),
                30,
                QuoteError::AmountAboveMaximum { maximum: rands(8_000), legal_limit: true },
            ),
            (rands(1_000), 3, QuoteError::TermTooShort { minimum_days: 7 }),
            (rands(1_000), 181, QuoteError::TermTooLong { maximum_days: 180, legal_limit: true }),
        ];
        for (amount, term, expected) in cases {
            assert_eq!(quote(&reg, &product, amount, term, true, None), Err(expected.clone()));
        }
        assert_eq!(
            QuoteError::AmountAboveMaximum { maximum: rands(8_000), legal_limit: true }.to_string(),
            "the law allows a short-term loan of at most R8 000.00"
        );
        assert_eq!(
            quote(&reg, &product, rands(1_000), 30, true, Some(&[20, 10])),
            Err(QuoteError::BadInstalmentDays)
        );
        assert_eq!(
            quote(&reg, &product, rands(1_000), 30, true, Some(&[10, 20])),
            Err(QuoteError::BadInstalmentDays)
        );
    }

    #[test]
    fn a_tampered_quote_fails_the_cap_check() {
        let reg = RegulatoryParameters::south_africa_2018();
        let product = ProductParameters::at_the_caps(&reg);
        let mut q = quote(&reg, &product, rands(1_000), 30, true, None).expect("valid");
        q.periods[0].interest = rands(51);
        assert_eq!(check_caps(&q, &reg), Err(CapBreach::Interest { period: 1 }));
        q.periods[0].interest = rands(50);
        q.initiation_fee = rands(151);
        assert_eq!(check_caps(&q, &reg), Err(CapBreach::InitiationFee));
    }
}
