//! Money in integer cents (ZAR), exact decimal rates, and the one rounding rule of the crate.
//!
//! # Amounts
//! [`Money`] is a whole number of cents in an `i64`. It may be negative: a loan account that was
//! overpaid (a collection arrived after a manual payment settled the loan, say) owes the consumer
//! money, and the ledger shows that as a negative balance. Functions that need a positive amount
//! (a loan principal, a fee) check for it themselves. Arithmetic is checked: every operation that
//! could overflow returns `Result<Money, Overflow>`; nothing wraps silently.
//!
//! # Rates
//! [`Rate`] is an exact decimal stored as integer parts per million (ppm): 5% is 50 000 ppm,
//! 6.75% is 67 500 ppm, 8.2% is 82 000 ppm. Every rate in the credit law is exact at this
//! precision, so no rate is ever a float.
//!
//! # The one rounding
//! Whenever an amount is multiplied by a rate, or by a rate and a fraction (interest for `d` days
//! is `principal x rate x d / 30`), the whole product is computed in `i128` as one exact rational
//! number and rounded **once, at the end, half away from zero, to the cent** (`0.5` cent becomes
//! `1` cent, `-0.5` cent becomes `-1` cent). The only functions that round are
//! [`Money::times_rate`], [`Money::times_rate_fraction`] and [`Money::times_fraction`], and all
//! three call the same private `round_half_away_from_zero`. A cap is itself such a product, rounded
//! the same way; "never exceeds the cap" means never exceeds the cap so rounded to the cent.

use std::fmt;
use std::str::FromStr;

/// An amount of South African rand, held as a whole number of cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

/// An arithmetic result did not fit: the amounts involved are far beyond anything a loan can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow;

impl fmt::Display for Overflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an amount was too large to calculate with")
    }
}

impl std::error::Error for Overflow {}

/// Why a piece of text is not an amount of money.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyParseError {
    /// Nothing was typed.
    Empty,
    /// A character that has no place in an amount.
    InvalidCharacter(char),
    /// More than two digits after the decimal point.
    TooManyDecimals,
    /// More than one decimal point, or no digits.
    Malformed,
    /// The amount is too large.
    TooLarge,
}

impl fmt::Display for MoneyParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("no amount was given"),
            Self::InvalidCharacter(c) => {
                write!(f, "the amount contains '{c}', which is not allowed")
            }
            Self::TooManyDecimals => f.write_str("an amount has at most two digits for cents"),
            Self::Malformed => f.write_str("the amount is not written as rand and cents"),
            Self::TooLarge => f.write_str("the amount is too large"),
        }
    }
}

impl std::error::Error for MoneyParseError {}

/// Rounds `numerator / denominator` to the nearest integer, halves away from zero.
///
/// This is the crate's only rounding of money (see the module documentation).
fn round_half_away_from_zero(numerator: i128, denominator: i128) -> i128 {
    assert!(denominator > 0, "BUG: a rounding denominator must be positive");
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    // Comparing twice the remainder with the denominator finds "half or more" exactly.
    if remainder.abs() * 2 >= denominator { quotient + numerator.signum() } else { quotient }
}

impl Money {
    /// No money at all.
    pub const ZERO: Money = Money(0);

    /// An amount from a whole number of cents.
    pub const fn from_cents(cents: i64) -> Money {
        Money(cents)
    }

    /// An amount from a whole number of rand, for amounts written in code (caps, limits, tests).
    ///
    /// Amounts typed by people go through [`Money::parse`] instead, which cannot panic.
    pub const fn from_rands(rands: i64) -> Money {
        match rands.checked_mul(100) {
            Some(cents) => Money(cents),
            None => panic!("BUG: a rand amount written in code is too large for Money"),
        }
    }

    /// The amount in cents.
    pub const fn cents(self) -> i64 {
        self.0
    }

    /// Whether the amount is exactly zero.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Whether the amount is above zero.
    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// Whether the amount is below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// The sum, or [`Overflow`].
    pub fn checked_add(self, other: Money) -> Result<Money, Overflow> {
        self.0.checked_add(other.0).map(Money).ok_or(Overflow)
    }

    /// The difference, or [`Overflow`].
    pub fn checked_sub(self, other: Money) -> Result<Money, Overflow> {
        self.0.checked_sub(other.0).map(Money).ok_or(Overflow)
    }

    /// The amount times a whole number, or [`Overflow`].
    pub fn checked_mul(self, factor: i64) -> Result<Money, Overflow> {
        self.0.checked_mul(factor).map(Money).ok_or(Overflow)
    }

    /// The amount with its sign flipped, or [`Overflow`] for the most negative amount.
    pub fn checked_neg(self) -> Result<Money, Overflow> {
        self.0.checked_neg().map(Money).ok_or(Overflow)
    }

    /// Splits the amount into `parts` equal whole-cent shares: the first `parts - 1` shares are
    /// the amount divided by `parts` rounded toward zero, and the last takes the remainder cents.
    ///
    /// This is a division, not a rounding: the shares always add up to the amount exactly.
    pub fn split_with_remainder_last(self, parts: usize) -> Vec<Money> {
        assert!(parts > 0, "BUG: an amount cannot be split into zero parts");
        let count = i64::try_from(parts).expect("BUG: a split has a small number of parts");
        let share = self.0 / count;
        // The shares before the last add up to at most the amount, so the last cannot overflow.
        let last = self.0 - share * (count - 1);
        let mut shares = vec![Money(share); parts - 1];
        shares.push(Money(last));
        shares
    }

    /// Adds up amounts, or [`Overflow`].
    pub fn checked_sum<I: IntoIterator<Item = Money>>(amounts: I) -> Result<Money, Overflow> {
        amounts.into_iter().try_fold(Money::ZERO, Money::checked_add)
    }

    /// The amount times a rate, rounded once (the crate's one rounding).
    pub fn times_rate(self, rate: Rate) -> Result<Money, Overflow> {
        self.times_rate_fraction(rate, 1, 1)
    }

    /// The amount times a rate times `numerator / denominator`, as one exact rational number
    /// rounded once at the end (the crate's one rounding). Interest for `d` days at a monthly
    /// rate on the 30-day-month convention is `times_rate_fraction(rate, d, 30)`.
    pub fn times_rate_fraction(
        self,
        rate: Rate,
        numerator: i64,
        denominator: i64,
    ) -> Result<Money, Overflow> {
        assert!(denominator > 0, "BUG: a fraction's denominator must be positive");
        let exact_numerator = i128::from(self.0)
            .checked_mul(i128::from(rate.ppm()))
            .and_then(|n| n.checked_mul(i128::from(numerator)))
            .ok_or(Overflow)?;
        let exact_denominator =
            i128::from(Rate::PPM_PER_UNIT).checked_mul(i128::from(denominator)).ok_or(Overflow)?;
        let rounded = round_half_away_from_zero(exact_numerator, exact_denominator);
        i64::try_from(rounded).map(Money).map_err(|_| Overflow)
    }

    /// The amount times `numerator / denominator`, rounded once (the crate's one rounding).
    pub fn times_fraction(self, numerator: i64, denominator: i64) -> Result<Money, Overflow> {
        self.times_rate_fraction(Rate::ONE, numerator, denominator)
    }

    /// Parses an amount as people type it: `1234.56`, `R1 234.56`, `-R20`, `R 50.5`.
    ///
    /// Spaces separate thousands; the decimal separator is a point. A leading minus is allowed
    /// because ledger adjustments can be negative.
    pub fn parse(text: &str) -> Result<Money, MoneyParseError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(MoneyParseError::Empty);
        }
        let (negative, rest) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let rest = rest.strip_prefix('R').unwrap_or(rest);
        let mut rands: i64 = 0;
        let mut cents: i64 = 0;
        let mut decimals = 0u32;
        let mut seen_point = false;
        let mut seen_digit = false;
        for c in rest.chars() {
            match c {
                ' ' | '\u{a0}' if !seen_point => {}
                '.' if !seen_point => seen_point = true,
                '0'..='9' => {
                    seen_digit = true;
                    let digit = i64::from(c.to_digit(10).expect("BUG: matched a decimal digit"));
                    if seen_point {
                        decimals += 1;
                        if decimals > 2 {
                            return Err(MoneyParseError::TooManyDecimals);
                        }
                        cents = cents * 10 + digit;
                    } else {
                        rands = rands
                            .checked_mul(10)
                            .and_then(|r| r.checked_add(digit))
                            .ok_or(MoneyParseError::TooLarge)?;
                    }
                }
                '.' => return Err(MoneyParseError::Malformed),
                other => return Err(MoneyParseError::InvalidCharacter(other)),
            }
        }
        if !seen_digit {
            return Err(MoneyParseError::Malformed);
        }
        // "R50.5" means fifty rand and fifty cents.
        if decimals == 1 {
            cents *= 10;
        }
        let total = rands
            .checked_mul(100)
            .and_then(|r| r.checked_add(cents))
            .ok_or(MoneyParseError::TooLarge)?;
        Ok(Money(if negative { -total } else { total }))
    }

    /// A display form without the thousands separator, `R1234.56`, for places where spaces
    /// would be misread (file exports, SMS text).
    pub fn plain(self) -> PlainMoney {
        PlainMoney(self)
    }
}

impl FromStr for Money {
    type Err = MoneyParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Money::parse(s)
    }
}

fn write_money(f: &mut fmt::Formatter<'_>, money: Money, group: bool) -> fmt::Result {
    let sign = if money.0 < 0 { "-" } else { "" };
    let abs = money.0.unsigned_abs();
    let rands = abs / 100;
    let cents = abs % 100;
    let digits = rands.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        // South African style groups thousands with a space.
        if group && i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(c);
    }
    write!(f, "{sign}R{grouped}.{cents:02}")
}

impl fmt::Display for Money {
    /// `R1 234.56`, `-R20.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_money(f, *self, true)
    }
}

/// [`Money`] displayed without a thousands separator: `R1234.56`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlainMoney(Money);

impl fmt::Display for PlainMoney {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_money(f, self.0, false)
    }
}

/// An exact non-negative decimal rate, held as parts per million (1% = 10 000 ppm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Rate(u32);

/// Why a piece of text is not a rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateParseError {
    /// Nothing was typed.
    Empty,
    /// A character other than digits, one decimal point, and an optional trailing `%`.
    Malformed,
    /// More than four decimal places of a percentage (finer than one part per million).
    TooPrecise,
    /// The rate is too large.
    TooLarge,
}

impl fmt::Display for RateParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("no rate was given"),
            Self::Malformed => f.write_str("the rate is not a percentage like 6.75"),
            Self::TooPrecise => f.write_str("a rate has at most four digits after the point"),
            Self::TooLarge => f.write_str("the rate is too large"),
        }
    }
}

impl std::error::Error for RateParseError {}

impl Rate {
    /// Parts per million in 100%.
    pub const PPM_PER_UNIT: u32 = 1_000_000;
    /// 0%.
    pub const ZERO: Rate = Rate(0);
    /// 100%.
    pub const ONE: Rate = Rate(Self::PPM_PER_UNIT);

    /// A rate from parts per million (50 000 is 5%).
    pub const fn from_ppm(ppm: u32) -> Rate {
        Rate(ppm)
    }

    /// A whole-number percentage, for rates written in code (`Rate::from_percent(15)`).
    pub const fn from_percent(percent: u32) -> Rate {
        match percent.checked_mul(10_000) {
            Some(ppm) => Rate(ppm),
            None => panic!("BUG: a percentage written in code is too large for Rate"),
        }
    }

    /// The rate in parts per million.
    pub const fn ppm(self) -> u32 {
        self.0
    }

    /// Parses a percentage such as `"6.75"`, `"15"` or `"8.2%"` exactly.
    pub fn from_percent_str(text: &str) -> Result<Rate, RateParseError> {
        let trimmed = text.trim();
        let trimmed = trimmed.strip_suffix('%').unwrap_or(trimmed).trim_end();
        if trimmed.is_empty() {
            return Err(RateParseError::Empty);
        }
        let (whole, fraction) = match trimmed.split_once('.') {
            Some((w, f)) => (w, f),
            None => (trimmed, ""),
        };
        let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction)
        {
            return Err(RateParseError::Malformed);
        }
        // One percent is 10 000 ppm, so four decimal places of a percentage are exact.
        if fraction.len() > 4 {
            return Err(RateParseError::TooPrecise);
        }
        let whole: u64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| RateParseError::TooLarge)?
        };
        let mut fraction_ppm: u64 = 0;
        for (i, c) in fraction.chars().enumerate() {
            let digit = u64::from(c.to_digit(10).expect("BUG: checked to be a digit"));
            fraction_ppm += digit * 10u64.pow(3 - u32::try_from(i).expect("BUG: at most 4"));
        }
        let ppm = whole
            .checked_mul(10_000)
            .and_then(|w| w.checked_add(fraction_ppm))
            .ok_or(RateParseError::TooLarge)?;
        u32::try_from(ppm).map(Rate).map_err(|_| RateParseError::TooLarge)
    }

    /// `100% - self`, or zero when the rate is 100% or more.
    pub fn complement(self) -> Rate {
        Rate(Self::PPM_PER_UNIT.saturating_sub(self.0))
    }
}

impl fmt::Display for Rate {
    /// `5%`, `6.75%`, `8.2%`: as many decimals as needed, no trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / 10_000;
        let fraction = self.0 % 10_000;
        if fraction == 0 {
            write!(f, "{whole}%")
        } else {
            let digits = format!("{fraction:04}");
            write!(f, "{whole}.{}%", digits.trim_end_matches('0'))
        }
    }
}

impl FromStr for Rate {
    type Err = RateParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Rate::from_percent_str(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_displays_with_a_space_between_thousands() {
        let cases = [
            (123_456, "R1 234.56"),
            (0, "R0.00"),
            (5, "R0.05"),
            (-2_000, "-R20.00"),
            (100_000_000, "R1 000 000.00"),
            (99_999, "R999.99"),
        ];
        for (cents, shown) in cases {
            assert_eq!(Money::from_cents(cents).to_string(), shown);
        }
        assert_eq!(Money::from_cents(123_456).plain().to_string(), "R1234.56");
    }

    #[test]
    fn money_parses_the_ways_people_type_it() {
        let cases = [
            ("1234.56", 123_456),
            ("R1 234.56", 123_456),
            (" R 50.5 ", 5_050),
            ("-R20", -2_000),
            ("8000", 800_000),
        ];
        for (text, cents) in cases {
            assert_eq!(Money::parse(text), Ok(Money::from_cents(cents)), "{text}");
        }
        assert_eq!(Money::parse("1.234"), Err(MoneyParseError::TooManyDecimals));
        assert_eq!(Money::parse("12a"), Err(MoneyParseError::InvalidCharacter('a')));
        assert_eq!(Money::parse(""), Err(MoneyParseError::Empty));
        assert_eq!(Money::parse("R"), Err(MoneyParseError::Malformed));
    }

    #[test]
    fn rates_parse_exactly_from_percentages() {
        let cases = [("5", 50_000), ("6.75", 67_500), ("8.2", 82_000), ("15%", 150_000)];
        for (text, ppm) in cases {
            let rate = Rate::from_percent_str(text).expect("valid");
            assert_eq!(rate.ppm(), ppm);
        }
        assert_eq!(Rate::from_ppm(67_500).to_string(), "6.75%");
        assert_eq!(Rate::from_ppm(82_000).to_string(), "8.2%");
        assert_eq!(Rate::from_percent(15).to_string(), "15%");
        assert_eq!(Rate::from_percent_str("1.23456"), Err(RateParseError::TooPrecise));
        assert_eq!(Rate::from_percent_str("abc"), Err(RateParseError::Malformed));
    }

    #[test]
    fn rounding_is_half_away_from_zero_once_at_the_end() {
        // 15% of 10 cents is 1.5 cents: rounds up to 2.
        assert_eq!(
            Money::from_cents(10).times_rate(Rate::from_percent(15)),
            Ok(Money::from_cents(2))
        );
        // 15% of 3 cents is 0.45 cents: rounds down to 0.
        assert_eq!(Money::from_cents(3).times_rate(Rate::from_percent(15)), Ok(Money::ZERO));
        // A negative half rounds away from zero.
        assert_eq!(
            Money::from_cents(-10).times_rate(Rate::from_percent(15)),
            Ok(Money::from_cents(-2))
        );
        // R1 000 at 5% for 31 of 30 days is R51.666..., rounded once to R51.67.
        let interest = Money::from_rands(1_000).times_rate_fraction(Rate::from_percent(5), 31, 30);
        assert_eq!(interest, Ok(Money::from_cents(5_167)));
    }

    #[test]
    fn splitting_puts_the_remainder_cents_last() {
        let shares = Money::from_cents(1_000).split_with_remainder_last(3);
        assert_eq!(
            shares,
            vec![Money::from_cents(333), Money::from_cents(333), Money::from_cents(334)]
        );
    }

    #[test]
    fn arithmetic_reports_overflow_instead_of_wrapping() {
        assert_eq!(Money::from_cents(i64::MAX).checked_add(Money::from_cents(1)), Err(Overflow));
        assert_eq!(Money::from_cents(i64::MAX).checked_mul(2), Err(Overflow));
        assert_eq!(Money::from_cents(i64::MAX).times_rate(Rate::from_percent(200)), Err(Overflow));
    }
}
