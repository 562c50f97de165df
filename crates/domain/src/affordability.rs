//! Affordability assessment under NCA Regulation 23A: minimum expense norms, discretionary
//! income, and the largest instalment a consumer can afford.
//!
//! # Decisions
//! - **Expenses used.** The higher of the declared expenses and the Table 1 norm, unless the
//!   consumer signed an expense disclosure, in which case the declared figure stands
//!   (credit-law.md). [`ExpenseBasis`] records which.
//! - **Obligations used.** The higher of the declared debt repayments and the bureau's monthly
//!   obligations. The same debt usually appears in both, so adding them would count it twice;
//!   taking the higher never uses less than either source says. A declared figure well below
//!   the bureau's is worth a person's look, which [`Assessment::obligations_basis`] makes
//!   visible.
//! - **Statutory deductions** are gross minus net income (tax, UIF and the like).
//! - **Safety buffer.** The maximum instalment is the discretionary income less a configurable
//!   share of it, so that a small surprise expense does not make the loan unaffordable.

use std::fmt;

use chrono::NaiveDate;

use crate::money::{Money, Overflow, Rate};
use crate::pricing::SelectError;

/// One band of the Regulation 23A Table 1 minimum expense norms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExpenseNormBand {
    /// The band's lower bound; the percentage applies to income above it.
    pub lower_bound: Money,
    /// The band's upper bound, included; `None` for the top band.
    pub upper_bound: Option<Money>,
    /// The fixed factor.
    pub fixed_factor: Money,
    /// The share of income above the lower bound.
    pub rate_above_lower_bound: Rate,
}

/// The Regulation 23A Table 1 minimum expense norms in force from a date. Like every legal
/// number, the table is a parameter with an effective date (credit-law.md); the caller supplies
/// it from the database, and [`ExpenseNorms::regulation_23a_2015`] is the seed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExpenseNorms {
    effective_from: NaiveDate,
    bands: Vec<ExpenseNormBand>,
}

/// Why a table of expense norms is not usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpenseNormsError {
    /// The table has no bands.
    Empty,
    /// The first band does not start at zero income.
    DoesNotStartAtZero,
    /// A band's upper bound is not the next band's lower bound, or bounds go backwards.
    Gap,
    /// The last band has an upper bound, or another band has none.
    TopBand,
}

impl fmt::Display for ExpenseNormsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "the expense norm table has no bands",
            Self::DoesNotStartAtZero => "the expense norm table must start at an income of R0",
            Self::Gap => "each expense norm band must start where the previous one ends",
            Self::TopBand => "only the last expense norm band may be open-ended, and it must be",
        })
    }
}

impl std::error::Error for ExpenseNormsError {}

impl ExpenseNorms {
    /// A table of bands, checked to cover every income exactly once.
    pub fn new(
        effective_from: NaiveDate,
        bands: Vec<ExpenseNormBand>,
    ) -> Result<ExpenseNorms, ExpenseNormsError> {
        let first = bands.first().ok_or(ExpenseNormsError::Empty)?;
        if !first.lower_bound.is_zero() {
            return Err(ExpenseNormsError::DoesNotStartAtZero);
        }
        for pair in bands.windows(2) {
            let upper = pair[0].upper_bound.ok_or(ExpenseNormsError::TopBand)?;
            if upper != pair[1].lower_bound || upper <= pair[0].lower_bound {
                return Err(ExpenseNormsError::Gap);
            }
        }
        if bands.last().is_some_and(|band| band.upper_bound.is_some()) {
            return Err(ExpenseNormsError::TopBand);
        }
        Ok(ExpenseNorms { effective_from, bands })
    }

    /// NCA Regulation 23A, Table 1, in force from 13 March 2015 (credit-law.md): minimum
    /// necessary expenses = fixed factor + percentage of gross monthly income above the band's
    /// lower bound. The top band's 6.8% is marked (verify) in credit-law.md.
    pub fn regulation_23a_2015() -> ExpenseNorms {
        let band = |lower: i64, upper: Option<i64>, fixed: i64, ppm: u32| ExpenseNormBand {
            lower_bound: Money::from_cents(lower),
            upper_bound: upper.map(Money::from_cents),
            fixed_factor: Money::from_cents(fixed),
            rate_above_lower_bound: Rate::from_ppm(ppm),
        };
        let bands = vec![
            band(0, Some(80_000), 0, 1_000_000),
            band(80_000, Some(625_000), 80_000, 67_500),
            band(625_000, Some(2_500_000), 116_788, 90_000),
            band(2_500_000, Some(5_000_000), 285_538, 82_000),
            // (verify) in credit-law.md.
            band(5_000_000, None, 490_538, 68_000),
        ];
        let effective_from = NaiveDate::from_ymd_opt(2015, 3, 13).expect("BUG: a real date");
        ExpenseNorms::new(effective_from, bands).expect("BUG: Table 1 covers every income")
    }

    /// The table in force on `on`: the one with the latest effective date on or before it.
    pub fn select(norms: &[ExpenseNorms], on: NaiveDate) -> Result<&ExpenseNorms, SelectError> {
        let latest = norms
            .iter()
            .filter(|n| n.effective_from <= on)
            .max_by_key(|n| n.effective_from)
            .ok_or(SelectError::NoneInForce { on })?;
        if norms.iter().filter(|n| n.effective_from == latest.effective_from).count() > 1 {
            return Err(SelectError::Ambiguous { effective_from: latest.effective_from });
        }
        Ok(latest)
    }

    /// The first day the table applies.
    pub fn effective_from(&self) -> NaiveDate {
        self.effective_from
    }

    /// The bands, lowest income first.
    pub fn bands(&self) -> &[ExpenseNormBand] {
        &self.bands
    }

    /// The band a gross monthly income falls in. Bounds are in cents, so R800.00 is in the first
    /// band of Table 1 and R800.01 in the second, as Table 1 writes them.
    pub fn band_for(&self, gross_monthly_income: Money) -> &ExpenseNormBand {
        self.bands
            .iter()
            .find(|band| band.upper_bound.is_none_or(|upper| gross_monthly_income <= upper))
            .expect("BUG: the checked table ends with an open band")
    }

    /// The minimum necessary expenses for a gross monthly income.
    pub fn minimum_expenses(&self, gross_monthly_income: Money) -> Result<Money, Overflow> {
        let income = gross_monthly_income.max(Money::ZERO);
        let band = self.band_for(income);
        let above = income.checked_sub(band.lower_bound)?;
        band.fixed_factor.checked_add(above.times_rate(band.rate_above_lower_bound)?)
    }
}

/// What the consumer and the bureau say about a month's money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AffordabilityInput {
    /// Gross monthly income, validated from payslips or bank statements (Regulation 23A).
    pub gross_monthly_income: Money,
    /// Net monthly income after statutory deductions.
    pub net_monthly_income: Money,
    /// Necessary expenses the consumer declared.
    pub declared_expenses: Money,
    /// Debt repayments the consumer declared.
    pub declared_debt_repayments: Money,
    /// Monthly obligations on the credit bureau record.
    pub bureau_monthly_obligations: Money,
    /// Whether the consumer signed an expense disclosure confirming expenses below the norm.
    pub expense_disclosure_signed: bool,
}

/// Which expense figure the assessment used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExpenseBasis {
    /// The declared expenses were at or above the norm.
    Declared,
    /// The declared expenses were below the norm and no disclosure was signed, so the norm was
    /// used.
    Norm,
    /// The declared expenses were below the norm and the consumer signed a disclosure.
    DeclaredWithDisclosure,
}

/// Which obligations figure the assessment used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObligationsBasis {
    /// The declared repayments were at least the bureau's figure.
    Declared,
    /// The bureau's figure was higher than the declared repayments.
    Bureau,
}

/// Why an affordability input cannot be assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AffordabilityError {
    /// A figure is negative.
    NegativeAmount,
    /// Net income is more than gross income.
    NetAboveGross,
    /// An amount was too large to calculate with.
    Overflow,
}

impl fmt::Display for AffordabilityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NegativeAmount => f.write_str("income, expenses and debts cannot be negative"),
            Self::NetAboveGross => f.write_str("take-home pay cannot be more than gross pay"),
            Self::Overflow => f.write_str("an amount was too large to calculate with"),
        }
    }
}

impl std::error::Error for AffordabilityError {}

impl From<Overflow> for AffordabilityError {
    fn from(_: Overflow) -> Self {
        AffordabilityError::Overflow
    }
}

/// One line of an affordability worksheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WorksheetLine {
    /// What the line is.
    pub label: &'static str,
    /// The amount; deductions are shown as negative amounts.
    pub amount: Money,
}

/// The result of an affordability assessment, kept as evidence (s80/s81, Reg 55(1)(b)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Assessment {
    /// The input assessed.
    pub input: AffordabilityInput,
    /// Gross minus net income.
    pub statutory_deductions: Money,
    /// The Table 1 minimum expense norm.
    pub expense_norm: Money,
    /// The expenses used.
    pub expenses_used: Money,
    /// Which expense figure was used.
    pub expense_basis: ExpenseBasis,
    /// The obligations used.
    pub obligations_used: Money,
    /// Which obligations figure was used.
    pub obligations_basis: ObligationsBasis,
    /// Gross - statutory deductions - expenses - obligations; may be negative.
    pub discretionary_income: Money,
    /// The safety buffer's share of discretionary income.
    pub buffer_rate: Rate,
    /// The largest monthly instalment that fits, never below zero.
    pub max_affordable_instalment: Money,
}

impl Assessment {
    /// Whether a monthly repayment fits.
    pub fn affords(&self, monthly_repayment: Money) -> bool {
        monthly_repayment <= self.max_affordable_instalment
    }

    /// The assessment as worksheet lines, from gross income down to the maximum instalment.
    pub fn worksheet(&self) -> Vec<WorksheetLine> {
        let negative = |m: Money| m.checked_neg().expect("BUG: assessed amounts are not i64::MIN");
        let buffer = self
            .discretionary_income
            .max(Money::ZERO)
            .checked_sub(self.max_affordable_instalment)
            .expect("BUG: the instalment is at most the discretionary income");
        vec![
            WorksheetLine {
                label: "Gross monthly income",
                amount: self.input.gross_monthly_income,
            },
            WorksheetLine {
                label: "Statutory deductions",
                amount: negative(self.statutory_deductions),
            },
            WorksheetLine {
                label: match self.expense_basis {
                    ExpenseBasis::Declared => "Necessary expenses (declared)",
                    ExpenseBasis::Norm => "Necessary expenses (Regulation 23A norm)",
                    ExpenseBasis::DeclaredWithDisclosure => {
                        "Necessary expenses (declared, disclosure signed)"
                    }
                },
                amount: negative(self.expenses_used),
            },
            WorksheetLine {
                label: match self.obligations_basis {
                    ObligationsBasis::Declared => "Existing debt repayments (declared)",
                    ObligationsBasis::Bureau => "Existing debt repayments (credit bureau)",
                },
                amount: negative(self.obligations_used),
            },
            WorksheetLine { label: "Discretionary income", amount: self.discretionary_income },
            WorksheetLine { label: "Safety buffer", amount: negative(buffer) },
            WorksheetLine {
                label: "Maximum affordable instalment",
                amount: self.max_affordable_instalment,
            },
        ]
    }
}

/// Assesses affordability against the expense norms in force, with a safety buffer (a share of
/// discretionary income kept back).
pub fn assess(
    input: &AffordabilityInput,
    norms: &ExpenseNorms,
    buffer_rate: Rate,
) -> Result<Assessment, AffordabilityError> {
    let amounts = [
        input.gross_monthly_income,
        input.net_monthly_income,
        input.declared_expenses,
        input.declared_debt_repayments,
        input.bureau_monthly_obligations,
    ];
    if amounts.iter().any(|m| m.is_negative()) {
        return Err(AffordabilityError::NegativeAmount);
    }
    if input.net_monthly_income > input.gross_monthly_income {
        return Err(AffordabilityError::NetAboveGross);
    }
    let statutory_deductions = input.gross_monthly_income.checked_sub(input.net_monthly_income)?;
    let expense_norm = norms.minimum_expenses(input.gross_monthly_income)?;
    // NCA Regulation 23A (credit-law.md): below the norm, the norm is used unless the consumer
    // signs an expense disclosure; the system records which.
    let (expenses_used, expense_basis) = if input.declared_expenses >= expense_norm {
        (input.declared_expenses, ExpenseBasis::Declared)
    } else if input.expense_disclosure_signed {
        (input.declared_expenses, ExpenseBasis::DeclaredWithDisclosure)
    } else {
        (expense_norm, ExpenseBasis::Norm)
    };
    // NCA Regulation 23A (credit-law.md): obligations are those declared plus those on the
    // bureau record; the higher is used (module documentation).
    let (obligations_used, obligations_basis) =
        if input.declared_debt_repayments >= input.bureau_monthly_obligations {
            (input.declared_debt_repayments, ObligationsBasis::Declared)
        } else {
            (input.bureau_monthly_obligations, ObligationsBasis::Bureau)
        };
    // NCA Regulation 23A (credit-law.md): discretionary income = gross income - statutory
    // deductions - necessary expenses - existing debt repayments.
    let discretionary_income = input
        .gross_monthly_income
        .checked_sub(statutory_deductions)?
        .checked_sub(expenses_used)?
        .checked_sub(obligations_used)?;
    let max_affordable_instalment = if discretionary_income.is_positive() {
        let buffer = discretionary_income.times_rate(buffer_rate.min(Rate::ONE))?;
        discretionary_income.checked_sub(buffer)?
    } else {
        Money::ZERO
    };
    Ok(Assessment {
        input: *input,
        statutory_deductions,
        expense_norm,
        expenses_used,
        expense_basis,
        obligations_used,
        obligations_basis,
        discretionary_income,
        buffer_rate,
        max_affordable_instalment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cents(c: i64) -> Money {
        Money::from_cents(c)
    }

    #[test]
    fn the_regulation_23a_norm_matches_table_1_in_every_band() {
        // Table 1 (credit-law.md): the fixed factors are the norms at each band's lower bound,
        // so the table is continuous; these cases check each band's formula.
        let cases = [
            (0, 0),
            (50_000, 50_000),
            (80_000, 80_000),
            (80_001, 80_000),
            (400_000, 101_600),
            (625_000, 116_788),
            (625_001, 116_788),
            (1_000_000, 150_538),
            (2_500_000, 285_538),
            (3_000_000, 326_538),
            (5_000_000, 490_538),
            (6_000_000, 558_538),
        ];
        for (income, norm) in cases {
            let norms = ExpenseNorms::regulation_23a_2015();
            assert_eq!(norms.minimum_expenses(cents(income)), Ok(cents(norm)), "income {income}");
        }
    }

    #[test]
    fn each_band_ends_where_the_next_fixed_factor_begins() {
        for pair in ExpenseNorms::regulation_23a_2015().bands().windows(2) {
            let upper = pair[0].upper_bound.expect("not the top band");
            let at_upper = pair[0]
                .fixed_factor
                .checked_add(
                    upper
                        .checked_sub(pair[0].lower_bound)
                        .and_then(|m| m.times_rate(pair[0].rate_above_lower_bound))
                        .expect("fits"),
                )
                .expect("fits");
            assert_eq!(at_upper, pair[1].fixed_factor);
        }
    }

    fn norms() -> ExpenseNorms {
        ExpenseNorms::regulation_23a_2015()
    }

    #[test]
    fn a_norm_table_must_cover_every_income_once() {
        let day = NaiveDate::from_ymd_opt(2015, 3, 13).expect("valid");
        let mut bands = norms().bands().to_vec();
        assert_eq!(ExpenseNorms::new(day, Vec::new()), Err(ExpenseNormsError::Empty));
        let mut without_top = bands.clone();
        without_top.pop();
        assert_eq!(ExpenseNorms::new(day, without_top), Err(ExpenseNormsError::TopBand));
        bands.remove(1);
        assert_eq!(ExpenseNorms::new(day, bands), Err(ExpenseNormsError::Gap));
        let history = [norms()];
        assert!(ExpenseNorms::select(&history, day).is_ok());
        assert!(ExpenseNorms::select(&history, day.pred_opt().expect("valid")).is_err());
    }

    fn input() -> AffordabilityInput {
        AffordabilityInput {
            gross_monthly_income: Money::from_rands(10_000),
            net_monthly_income: Money::from_rands(8_500),
            declared_expenses: Money::from_rands(3_000),
            declared_debt_repayments: Money::from_rands(1_000),
            bureau_monthly_obligations: Money::from_rands(1_200),
            expense_disclosure_signed: false,
        }
    }

    #[test]
    fn discretionary_income_uses_the_higher_expenses_and_obligations() {
        let a = assess(&input(), &norms(), Rate::from_percent(10)).expect("valid");
        assert_eq!(a.statutory_deductions, Money::from_rands(1_500));
        assert_eq!(a.expense_basis, ExpenseBasis::Declared);
        assert_eq!(a.obligations_basis, ObligationsBasis::Bureau);
        assert_eq!(a.discretionary_income, Money::from_rands(4_300));
        assert_eq!(a.max_affordable_instalment, Money::from_rands(3_870));
        let total = Money::checked_sum(a.worksheet().iter().take(4).map(|l| l.amount));
        assert_eq!(total, Ok(a.discretionary_income));
    }

    #[test]
    fn declared_expenses_below_the_norm_need_a_signed_disclosure() {
        let mut low = input();
        low.declared_expenses = Money::from_rands(500);
        let a = assess(&low, &norms(), Rate::ZERO).expect("valid");
        assert_eq!(a.expense_basis, ExpenseBasis::Norm);
        assert_eq!(a.expenses_used, Money::from_cents(150_538));
        low.expense_disclosure_signed = true;
        let a = assess(&low, &norms(), Rate::ZERO).expect("valid");
        assert_eq!(a.expense_basis, ExpenseBasis::DeclaredWithDisclosure);
        assert_eq!(a.expenses_used, Money::from_rands(500));
    }

    #[test]
    fn no_discretionary_income_means_no_instalment_fits() {
        let mut poor = input();
        poor.declared_expenses = Money::from_rands(8_000);
        let a = assess(&poor, &norms(), Rate::from_percent(10)).expect("valid");
        assert!(a.discretionary_income.is_negative());
        assert_eq!(a.max_affordable_instalment, Money::ZERO);
        assert!(!a.affords(Money::from_cents(1)));
    }

    #[test]
    fn impossible_inputs_are_refused() {
        let mut bad = input();
        bad.net_monthly_income = Money::from_rands(20_000);
        assert_eq!(assess(&bad, &norms(), Rate::ZERO), Err(AffordabilityError::NetAboveGross));
        bad.net_monthly_income = Money::from_rands(-1);
        assert_eq!(assess(&bad, &norms(), Rate::ZERO), Err(AffordabilityError::NegativeAmount));
    }
}
