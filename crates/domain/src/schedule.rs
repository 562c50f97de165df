//! Repayment schedules: instalments on the consumer's paydays, adding up to the quote's total
//! to the cent.
//!
//! # Decisions
//! - Instalments fall on every payday (from a [`PaydayRule`] and the [`BusinessCalendar`])
//!   from `min_days_to_first_instalment` days after disbursement up to the end of the longest
//!   term asked for; the last payday ends the term. Paydays are business days by construction
//!   (the payday rule's date adjustment), and [`Schedule::from_dates`] refuses other dates.
//! - Each instalment is exactly its period of the quote: its share of the principal (equal
//!   shares, remainder cents on the last), the interest on the principal outstanding during the
//!   period, the period's pro-rated service fee with VAT, and an equal share of the initiation
//!   fee and its VAT (remainder cents on the last instalment). Instalments therefore decline
//!   slightly as the principal falls, and they add up to the quote's total to the cent.
//! - [`Schedule::monthly_equivalent_instalment`] scales the largest instalment to a month
//!   (x paydays a year / 12), which is the figure compared with affordability.

use std::fmt;

use chrono::NaiveDate;

use crate::calendar::{BusinessCalendar, PaydayRule};
use crate::money::Money;
use crate::pricing::{ProductParameters, Quote, QuoteError, RegulatoryParameters, quote};

/// One instalment of a schedule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Instalment {
    /// 1 for the first instalment.
    pub number: u32,
    /// The due date (a business day, and the collection's action date).
    pub due_date: NaiveDate,
    /// Principal repaid.
    pub principal: Money,
    /// Interest for the period.
    pub interest: Money,
    /// This instalment's share of the initiation fee, before VAT.
    pub initiation_fee: Money,
    /// The period's service fee, before VAT.
    pub service_fee: Money,
    /// VAT on this instalment's fees.
    pub vat: Money,
    /// Initiation fee share + service fee + VAT.
    pub fees: Money,
    /// Everything due on the due date.
    pub total: Money,
}

/// A loan's repayment schedule with the quote it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Schedule {
    /// The day the money is paid out; day 0 of the term.
    pub disbursement_date: NaiveDate,
    /// Paydays a year of the rule the dates come from (12, 26 or 52).
    pub paydays_per_year: u32,
    /// The quote the amounts come from.
    pub quote: Quote,
    /// The instalments in date order.
    pub instalments: Vec<Instalment>,
}

/// What a schedule needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScheduleRequest {
    /// The principal.
    pub amount: Money,
    /// Whether this is the consumer's first loan in the calendar year.
    pub first_loan: bool,
    /// The day the money is paid out.
    pub disbursement_date: NaiveDate,
    /// The longest term the consumer asked for, in days.
    pub max_term_days: u32,
    /// When the consumer is paid.
    pub payday_rule: PaydayRule,
    /// The fewest days between disbursement and the first instalment, so a debit order can be
    /// set up (the mandate, and a two-day batch's lead time, collections.md).
    pub min_days_to_first_instalment: u32,
}

/// Why a schedule cannot be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleError {
    /// No payday falls between the earliest first instalment and the end of the term.
    NoPaydayInTerm,
    /// An instalment date is not a business day, or not after disbursement, or out of order.
    BadDueDate(NaiveDate),
    /// The quote failed.
    Quote(QuoteError),
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoPaydayInTerm => {
                f.write_str("no payday falls within the loan term, so there is no date to repay on")
            }
            Self::BadDueDate(date) => write!(
                f,
                "{date} cannot be a due date: due dates are business days after the payout, in order"
            ),
            Self::Quote(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for ScheduleError {}

impl From<QuoteError> for ScheduleError {
    fn from(error: QuoteError) -> Self {
        ScheduleError::Quote(error)
    }
}

/// The paydays a loan's instalments fall on: every payday from `min_days_to_first_instalment`
/// days after disbursement up to `max_term_days` after it.
pub fn instalment_dates(calendar: &BusinessCalendar, request: &ScheduleRequest) -> Vec<NaiveDate> {
    let first = request.disbursement_date
        + chrono::Days::new(u64::from(request.min_days_to_first_instalment.max(1)));
    let last = request.disbursement_date + chrono::Days::new(u64::from(request.max_term_days));
    if first > last {
        return Vec::new();
    }
    request.payday_rule.paydays_between(calendar, first, last)
}

impl Schedule {
    /// A schedule with instalments on the consumer's paydays within the term.
    pub fn build(
        reg: &RegulatoryParameters,
        product: &ProductParameters,
        calendar: &BusinessCalendar,
        request: &ScheduleRequest,
    ) -> Result<Schedule, ScheduleError> {
        let dates = instalment_dates(calendar, request);
        if dates.is_empty() {
            return Err(ScheduleError::NoPaydayInTerm);
        }
        Schedule::from_dates(
            reg,
            product,
            calendar,
            request.amount,
            request.first_loan,
            request.disbursement_date,
            &dates,
            request.payday_rule.paydays_per_year(),
        )
    }

    /// A schedule with instalments on the given due dates (business days after disbursement,
    /// increasing). Policy uses this to price several amounts on the same dates.
    #[allow(clippy::too_many_arguments)]
    pub fn from_dates(
        reg: &RegulatoryParameters,
        product: &ProductParameters,
        calendar: &BusinessCalendar,
        amount: Money,
        first_loan: bool,
        disbursement_date: NaiveDate,
        due_dates: &[NaiveDate],
        paydays_per_year: u32,
    ) -> Result<Schedule, ScheduleError> {
        let mut offsets = Vec::with_capacity(due_dates.len());
        let mut previous = disbursement_date;
        for &date in due_dates {
            // collections.md: collections happen on business days only.
            if date <= previous || !calendar.is_business_day(date) {
                return Err(ScheduleError::BadDueDate(date));
            }
            let days = (date - disbursement_date).num_days();
            offsets.push(u32::try_from(days).map_err(|_| ScheduleError::BadDueDate(date))?);
            previous = date;
        }
        let term_days = *offsets.last().ok_or(ScheduleError::NoPaydayInTerm)?;
        let quote = quote(reg, product, amount, term_days, first_loan, Some(&offsets))?;
        let instalments = split_into_instalments(&quote, due_dates);
        Ok(Schedule { disbursement_date, paydays_per_year, quote, instalments })
    }

    /// The sum of all instalments (always the quote's total repayable).
    pub fn total(&self) -> Money {
        Money::checked_sum(self.instalments.iter().map(|i| i.total))
            .expect("BUG: instalments add up to the checked total repayable")
    }

    /// The largest instalment.
    pub fn largest_instalment(&self) -> Money {
        self.instalments.iter().map(|i| i.total).max().unwrap_or(Money::ZERO)
    }

    /// The largest instalment scaled to a month: x paydays a year / 12, rounded once. A monthly
    /// payday gives the instalment itself; a weekly one 52/12 of it.
    pub fn monthly_equivalent_instalment(&self) -> Money {
        self.largest_instalment()
            .times_fraction(i64::from(self.paydays_per_year), 12)
            .expect("BUG: a few times a checked instalment fits")
    }
}

fn split_into_instalments(quote: &Quote, due_dates: &[NaiveDate]) -> Vec<Instalment> {
    let n = quote.periods.len();
    let initiation = quote.initiation_fee.split_with_remainder_last(n);
    let initiation_vat = quote.vat_on_initiation_fee.split_with_remainder_last(n);
    let instalments: Vec<Instalment> = quote
        .periods
        .iter()
        .zip(due_dates)
        .zip(initiation.into_iter().zip(initiation_vat))
        .map(|((period, &due_date), (initiation_fee, initiation_vat))| {
            let vat = period
                .vat_on_service_fee
                .checked_add(initiation_vat)
                .expect("BUG: parts of a checked total fit");
            let fees = Money::checked_sum([initiation_fee, period.service_fee, vat])
                .expect("BUG: parts of a checked total fit");
            let total = Money::checked_sum([period.principal, period.interest, fees])
                .expect("BUG: parts of a checked total fit");
            Instalment {
                number: period.number,
                due_date,
                principal: period.principal,
                interest: period.interest,
                initiation_fee,
                service_fee: period.service_fee,
                vat,
                fees,
                total,
            }
        })
        .collect();
    let sum = Money::checked_sum(instalments.iter().map(|i| i.total))
        .expect("BUG: parts of a checked total fit");
    assert_eq!(sum, quote.total_repayable, "BUG: instalments must add up to the total repayable");
    instalments
}

#[cfg(test)]
mod tests {
    use chrono::Weekday;

    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn request(rule: PaydayRule, amount: i64, term: u32) -> ScheduleRequest {
        ScheduleRequest {
            amount: Money::from_rands(amount),
            first_loan: true,
            disbursement_date: date(2026, 3, 2),
            max_term_days: term,
            payday_rule: rule,
            min_days_to_first_instalment: 5,
        }
    }

    #[test]
    fn a_monthly_payday_loan_has_one_instalment_per_payday() {
        let reg = RegulatoryParameters::south_africa_2018();
        let product = ProductParameters::at_the_caps(&reg);
        let calendar = BusinessCalendar::south_africa();
        let schedule = Schedule::build(
            &reg,
            &product,
            &calendar,
            &request(PaydayRule::FixedDay(25), 3_000, 95),
        )
        .expect("valid");
        let dates: Vec<NaiveDate> = schedule.instalments.iter().map(|i| i.due_date).collect();
        // 25 April 2026 is a Saturday, so Friday 24 April.
        assert_eq!(dates, vec![date(2026, 3, 25), date(2026, 4, 24), date(2026, 5, 25)]);
        assert_eq!(schedule.quote.term_days, 84);
        assert_eq!(schedule.total(), schedule.quote.total_repayable);
        assert_eq!(schedule.monthly_equivalent_instalment(), schedule.largest_instalment());
        let principal = Money::checked_sum(schedule.instalments.iter().map(|i| i.principal));
        assert_eq!(principal, Ok(Money::from_rands(3_000)));
    }

    #[test]
    fn remainder_cents_go_on_the_last_instalment() {
        let reg = RegulatoryParameters::south_africa_2018();
        let product = ProductParameters::at_the_caps(&reg);
        let calendar = BusinessCalendar::south_africa();
        let mut req = request(PaydayRule::Weekly(Weekday::Fri), 1_000, 35);
        req.amount = Money::from_cents(100_001);
        let schedule = Schedule::build(&reg, &product, &calendar, &req).expect("valid");
        // Fridays from 13 March 2026; Good Friday (3 April) moves the last one to Thursday 2.
        assert_eq!(schedule.instalments.last().map(|i| i.due_date), Some(date(2026, 4, 2)));
        assert_eq!(schedule.instalments.len(), 4);
        let principal: Vec<i64> =
            schedule.instalments.iter().map(|i| i.principal.cents()).collect();
        assert_eq!(principal, vec![25_000, 25_000, 25_000, 25_001]);
        assert_eq!(schedule.total(), schedule.quote.total_repayable);
        assert!(schedule.instalments.iter().all(|i| calendar.is_business_day(i.due_date)));
    }

    #[test]
    fn no_payday_in_the_term_is_an_error() {
        let reg = RegulatoryParameters::south_africa_2018();
        let product = ProductParameters::at_the_caps(&reg);
        let calendar = BusinessCalendar::south_africa();
        let req = request(PaydayRule::FixedDay(1), 1_000, 20);
        assert_eq!(
            Schedule::build(&reg, &product, &calendar, &req),
            Err(ScheduleError::NoPaydayInTerm)
        );
    }

    #[test]
    fn due_dates_must_be_business_days() {
        let reg = RegulatoryParameters::south_africa_2018();
        let product = ProductParameters::at_the_caps(&reg);
        let calendar = BusinessCalendar::south_africa();
        let saturday = date(2026, 3, 28);
        assert_eq!(
            Schedule::from_dates(
                &reg,
                &product,
                &calendar,
                Money::from_rands(1_000),
                true,
                date(2026, 3, 2),
                &[saturday],
                12
            ),
            Err(ScheduleError::BadDueDate(saturday))
        );
    }
}
