//! The South African business calendar (public holidays and business days) and payday rules.
//!
//! Holidays are computed for any year from the Public Holidays Act 36 of 1994 (collections.md);
//! dates the President declares (election days, for example) are added by an administrator as
//! extra holidays.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// A public holiday on a given date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holiday<'a> {
    /// The holiday's name, such as "Freedom Day".
    pub name: &'a str,
    /// True when the day is a holiday only because the named holiday fell on a Sunday.
    pub observed: bool,
}

impl fmt::Display for Holiday<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.observed { write!(f, "{} (observed)", self.name) } else { f.write_str(self.name) }
    }
}

/// Easter Sunday of a Gregorian year, by the anonymous Gregorian algorithm
/// (Meeus/Jones/Butcher).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(
        year,
        u32::try_from(month).expect("BUG: Easter falls in March or April"),
        u32::try_from(day).expect("BUG: Easter's day of month is positive"),
    )
    .expect("BUG: the Easter algorithm gives a real date")
}

// Public Holidays Act 36 of 1994, Schedule 1 (collections.md): the fixed-date holidays.
const FIXED_HOLIDAYS: [(u32, u32, &str); 10] = [
    (1, 1, "New Year's Day"),
    (3, 21, "Human Rights Day"),
    (4, 27, "Freedom Day"),
    (5, 1, "Workers' Day"),
    (6, 16, "Youth Day"),
    (8, 9, "National Women's Day"),
    (9, 24, "Heritage Day"),
    (12, 16, "Day of Reconciliation"),
    (12, 25, "Christmas Day"),
    (12, 26, "Day of Goodwill"),
];

/// The statutory holidays that fall on their own date (not the Sunday rule) in a year, in date
/// order.
fn statutory_holidays(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let mut days: Vec<(NaiveDate, &'static str)> = FIXED_HOLIDAYS
        .iter()
        .map(|&(month, day, name)| {
            let date =
                NaiveDate::from_ymd_opt(year, month, day).expect("BUG: fixed holidays exist");
            (date, name)
        })
        .collect();
    let easter = easter_sunday(year);
    // Public Holidays Act 36 of 1994 (collections.md): Good Friday and Family Day, the Monday
    // after Easter.
    days.push((easter - Days::new(2), "Good Friday"));
    days.push((easter + Days::new(1), "Family Day"));
    days.sort();
    days
}

/// The statutory holiday that falls on `date` itself (not by the Sunday rule), if any.
fn statutory_name(date: NaiveDate) -> Option<&'static str> {
    let (month, day) = (date.month(), date.day());
    if let Some(&(_, _, name)) = FIXED_HOLIDAYS.iter().find(|&&(m, d, _)| (m, d) == (month, day)) {
        return Some(name);
    }
    // Easter is between 22 March and 25 April, so Good Friday and Family Day fall in March or
    // April; other months skip the Easter computation.
    if month == 3 || month == 4 {
        let easter = easter_sunday(date.year());
        if date == easter - Days::new(2) {
            return Some("Good Friday");
        }
        if date == easter + Days::new(1) {
            return Some("Family Day");
        }
    }
    None
}

/// Holidays added by an administrator: dates the President declares under s2A of the Public
/// Holidays Act (collections.md), such as election days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BusinessCalendar {
    extra: BTreeMap<NaiveDate, String>,
}

impl BusinessCalendar {
    /// The statutory South African calendar with no extra holidays.
    pub fn south_africa() -> BusinessCalendar {
        BusinessCalendar::default()
    }

    /// The statutory calendar plus the declared holidays this crate knows of (see
    /// [`known_declared_holidays`]). The database's table of extra dates is the real source.
    pub fn south_africa_with_known_declarations() -> BusinessCalendar {
        let mut calendar = BusinessCalendar::south_africa();
        for (date, name) in known_declared_holidays() {
            calendar.add_extra_holiday(date, name);
        }
        calendar
    }

    /// Adds a declared holiday. Adding a date twice keeps the later name.
    pub fn add_extra_holiday(&mut self, date: NaiveDate, name: impl Into<String>) {
        self.extra.insert(date, name.into());
    }

    /// Builder form of [`BusinessCalendar::add_extra_holiday`].
    pub fn with_extra_holiday(mut self, date: NaiveDate, name: impl Into<String>) -> Self {
        self.add_extra_holiday(date, name);
        self
    }

    /// The extra holidays, in date order.
    pub fn extra_holidays(&self) -> impl Iterator<Item = (NaiveDate, &str)> {
        self.extra.iter().map(|(date, name)| (*date, name.as_str()))
    }

    /// Every public holiday of a year, in date order, including observed days and extras.
    pub fn holidays_in_year(&self, year: i32) -> Vec<(NaiveDate, Holiday<'_>)> {
        let mut all: Vec<(NaiveDate, Holiday<'_>)> = Vec::new();
        let statutory = statutory_holidays(year);
        for &(date, name) in &statutory {
            all.push((date, Holiday { name, observed: false }));
        }
        // Public Holidays Act 36 of 1994 s2(1) (collections.md): a holiday on a Sunday makes the
        // Monday a holiday. When that Monday is already a holiday (Christmas on a Sunday, so
        // 26 December is the Day of Goodwill) the observed day moves on to the next day that is
        // not a holiday: the Presidency declared exactly that under s2A for 27 December 2016 and
        // 27 December 2022, so computing it keeps the twelve paid holidays (verify for future
        // years against the Presidency's declaration).
        for &(date, name) in &statutory {
            if date.weekday() == Weekday::Sun {
                let mut observed = date + Days::new(1);
                while all.iter().any(|(d, _)| *d == observed) {
                    observed = observed + Days::new(1);
                }
                all.push((observed, Holiday { name, observed: true }));
            }
        }
        // A Sunday holiday on 25 December or later can push its observed day into the next year,
        // and last year's late-December Sunday holidays can land here.
        for (date, holiday) in self.observed_spillover_from(year - 1) {
            all.push((date, holiday));
        }
        all.retain(|(date, _)| date.year() == year);
        for (date, name) in self.extra.range(
            NaiveDate::from_ymd_opt(year, 1, 1).expect("BUG: 1 January exists")
                ..=NaiveDate::from_ymd_opt(year, 12, 31).expect("BUG: 31 December exists"),
        ) {
            // An extra on a statutory date replaces it, as [`BusinessCalendar::holiday`] does.
            all.retain(|(d, _)| d != date);
            all.push((*date, Holiday { name: name.as_str(), observed: false }));
        }
        all.sort_by_key(|(date, _)| *date);
        all
    }

    /// Observed days that a year's Sunday holidays push into the following year.
    fn observed_spillover_from(&self, year: i32) -> Vec<(NaiveDate, Holiday<'static>)> {
        let statutory = statutory_holidays(year);
        let mut taken: Vec<NaiveDate> = statutory.iter().map(|(d, _)| *d).collect();
        let mut spill = Vec::new();
        for &(date, name) in &statutory {
            if date.weekday() == Weekday::Sun {
                let mut observed = date + Days::new(1);
                while taken.contains(&observed) {
                    observed = observed + Days::new(1);
                }
                taken.push(observed);
                if observed.year() > year {
                    spill.push((observed, Holiday { name, observed: true }));
                }
            }
        }
        spill
    }

    /// The public holiday on `date`, with its name, if there is one. Extras added by an
    /// administrator come first.
    pub fn holiday(&self, date: NaiveDate) -> Option<Holiday<'_>> {
        if let Some(name) = self.extra.get(&date) {
            return Some(Holiday { name, observed: false });
        }
        if let Some(name) = statutory_name(date) {
            return Some(Holiday { name, observed: false });
        }
        self.statutory_observed_on(date)
    }

    /// The statutory holiday observed on `date` by the Sunday rule, if any.
    fn statutory_observed_on(&self, date: NaiveDate) -> Option<Holiday<'_>> {
        // Only fixed-date holidays can fall on a Sunday (Good Friday and Family Day never do),
        // and at most two of them are consecutive (25 and 26 December), so the Sunday that
        // causes an observed day is at most three days before it.
        for back in 1..=3 {
            let sunday = date - Days::new(back);
            if sunday.weekday() != Weekday::Sun {
                continue;
            }
            let name = statutory_name(sunday)?;
            let mut observed = sunday + Days::new(1);
            while statutory_name(observed).is_some() {
                observed = observed + Days::new(1);
            }
            return (observed == date).then_some(Holiday { name, observed: true });
        }
        None
    }

    /// Whether `date` is a public holiday.
    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.holiday(date).is_some()
    }

    /// Whether `date` is a business day: not a Saturday, Sunday or public holiday
    /// (collections.md, "Action dates and the calendar").
    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.is_holiday(date)
    }

    /// The business day `n` business days after `date` (`n = 0` gives `date` itself if it is a
    /// business day, otherwise the next business day).
    pub fn add_business_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut current = date;
        while !self.is_business_day(current) {
            current = current.succ_opt().expect("BUG: dates stay within chrono's range");
        }
        let mut remaining = n;
        while remaining > 0 {
            current = current.succ_opt().expect("BUG: dates stay within chrono's range");
            if self.is_business_day(current) {
                remaining -= 1;
            }
        }
        current
    }

    /// `date` if it is a business day, otherwise the closest business day before it (the
    /// "date adjustment" of collections.md).
    pub fn previous_business_day_on_or_before(&self, date: NaiveDate) -> NaiveDate {
        let mut current = date;
        while !self.is_business_day(current) {
            current = current.pred_opt().expect("BUG: dates stay within chrono's range");
        }
        current
    }

    /// `date` if it is a business day, otherwise the next business day after it.
    pub fn next_business_day_on_or_after(&self, date: NaiveDate) -> NaiveDate {
        self.add_business_days(date, 0)
    }

    /// How many business days lie after `start` up to and including `end` (zero when `end` is
    /// not after `start`). A two-day batch needs `business_days_between(today, action) >= 2`.
    pub fn business_days_between(&self, start: NaiveDate, end: NaiveDate) -> u32 {
        let mut count = 0;
        let mut current = start;
        while current < end {
            current = current.succ_opt().expect("BUG: dates stay within chrono's range");
            if self.is_business_day(current) {
                count += 1;
            }
        }
        count
    }
}

/// Holidays declared by the President under s2A of the Public Holidays Act that this crate
/// knows of (verify each against the Government Gazette; the administrator's table is the real
/// source). The 27 December declarations of 2016 and 2022 are not listed: the Sunday rule as
/// computed here already gives them.
pub fn known_declared_holidays() -> Vec<(NaiveDate, &'static str)> {
    [
        ((2016, 8, 3), "Local government elections"),
        ((2019, 5, 8), "National and provincial elections"),
        ((2021, 11, 1), "Local government elections"),
        ((2023, 12, 15), "Rugby World Cup victory holiday"),
        ((2024, 5, 29), "National and provincial elections"),
    ]
    .into_iter()
    .map(|((y, m, d), name)| {
        (NaiveDate::from_ymd_opt(y, m, d).expect("BUG: declared holidays are real dates"), name)
    })
    .collect()
}

/// When a consumer is paid; collections fall on paydays (collections.md).
///
/// Every rule's nominal date, when it is not a business day, moves to the previous business
/// day (collections.md: "A payday on a weekend or holiday moves to the previous business day
/// (date adjustment)").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaydayRule {
    /// A fixed day of the month; 29, 30 and 31 become the last day of shorter months.
    FixedDay(u32),
    /// The last business day of the month.
    LastWorkingDay,
    /// The Friday before the 25th: the last Friday strictly before the 25th, so the 18th to the
    /// 24th (collections.md; the reading "on or before" would give the 25th itself when it is a
    /// Friday: verify with the employer).
    FridayBeforeThe25th,
    /// Every week on a weekday.
    Weekly(Weekday),
    /// Every second week on a weekday; the first payday is the first such weekday on or after
    /// the anchor date, and paydays repeat every 14 days from it (both ways).
    Fortnightly {
        /// The weekday of payment.
        weekday: Weekday,
        /// A date that fixes which weeks are paydays.
        anchor: NaiveDate,
    },
}

/// Why a payday rule is not usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaydayRuleError {
    /// A fixed day outside 1-31.
    NoSuchDayOfMonth(u32),
}

impl fmt::Display for PaydayRuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSuchDayOfMonth(day) => {
                write!(f, "{day} is not a day of the month; use 1 to 31")
            }
        }
    }
}

impl std::error::Error for PaydayRuleError {}

fn last_day_of_month(year: i32, month: u32) -> NaiveDate {
    let (next_year, next_month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    NaiveDate::from_ymd_opt(next_year, next_month, 1)
        .and_then(|d| d.pred_opt())
        .expect("BUG: every month has a last day")
}

fn next_month(year: i32, month: u32) -> (i32, u32) {
    if month == 12 { (year + 1, 1) } else { (year, month + 1) }
}

impl PaydayRule {
    /// A fixed day of the month, checked to be 1-31.
    pub fn fixed_day(day: u32) -> Result<PaydayRule, PaydayRuleError> {
        if (1..=31).contains(&day) {
            Ok(PaydayRule::FixedDay(day))
        } else {
            Err(PaydayRuleError::NoSuchDayOfMonth(day))
        }
    }

    /// How many paydays a year: 12, 26 or 52.
    pub fn paydays_per_year(&self) -> u32 {
        match self {
            Self::FixedDay(_) | Self::LastWorkingDay | Self::FridayBeforeThe25th => 12,
            Self::Weekly(_) => 52,
            Self::Fortnightly { .. } => 26,
        }
    }

    /// The monthly rules' nominal payday in a month, before date adjustment.
    fn nominal_in_month(&self, calendar: &BusinessCalendar, year: i32, month: u32) -> NaiveDate {
        match *self {
            Self::FixedDay(day) => {
                let last = last_day_of_month(year, month);
                // 29, 30 and 31 clamp to the month's last day (February has 28 or 29).
                let day = day.clamp(1, last.day());
                NaiveDate::from_ymd_opt(year, month, day).expect("BUG: clamped to the month")
            }
            Self::LastWorkingDay => {
                calendar.previous_business_day_on_or_before(last_day_of_month(year, month))
            }
            Self::FridayBeforeThe25th => {
                let mut date =
                    NaiveDate::from_ymd_opt(year, month, 24).expect("BUG: every month has a 24th");
                while date.weekday() != Weekday::Fri {
                    date = date.pred_opt().expect("BUG: within the month");
                }
                date
            }
            Self::Weekly(_) | Self::Fortnightly { .. } => {
                unreachable!("BUG: weekly rules have no monthly date")
            }
        }
    }

    /// The first nominal date of a weekly or fortnightly rule on or after `from`.
    fn first_periodic_on_or_after(&self, from: NaiveDate) -> (NaiveDate, u64) {
        match *self {
            Self::Weekly(weekday) => {
                let mut date = from;
                while date.weekday() != weekday {
                    date = date.succ_opt().expect("BUG: within range");
                }
                (date, 7)
            }
            Self::Fortnightly { weekday, anchor } => {
                let mut first = anchor;
                while first.weekday() != weekday {
                    first = first.succ_opt().expect("BUG: within range");
                }
                let offset = (from - first).num_days().rem_euclid(14);
                let step = u64::try_from((14 - offset) % 14).expect("BUG: 0..14");
                (from + Days::new(step), 14)
            }
            _ => unreachable!("BUG: monthly rules are not periodic by days"),
        }
    }

    /// The next `count` paydays on or after `from`, each a business day, in order.
    pub fn next_paydays(
        &self,
        calendar: &BusinessCalendar,
        from: NaiveDate,
        count: usize,
    ) -> Vec<NaiveDate> {
        let mut paydays = Vec::with_capacity(count);
        // Date adjustment only moves a date earlier, so a payday on or after `from` always comes
        // from a nominal date on or after `from`: scanning nominal dates from `from` finds all.
        let push = |nominal: NaiveDate, paydays: &mut Vec<NaiveDate>| {
            let adjusted = calendar.previous_business_day_on_or_before(nominal);
            if adjusted >= from && paydays.last() != Some(&adjusted) {
                paydays.push(adjusted);
            }
        };
        match self {
            Self::FixedDay(_) | Self::LastWorkingDay | Self::FridayBeforeThe25th => {
                let (mut year, mut month) = (from.year(), from.month());
                while paydays.len() < count {
                    push(self.nominal_in_month(calendar, year, month), &mut paydays);
                    (year, month) = next_month(year, month);
                }
            }
            Self::Weekly(_) | Self::Fortnightly { .. } => {
                let (mut nominal, step) = self.first_periodic_on_or_after(from);
                while paydays.len() < count {
                    push(nominal, &mut paydays);
                    nominal = nominal + Days::new(step);
                }
            }
        }
        paydays
    }

    /// Every payday from `start` to `end`, both included, in order.
    pub fn paydays_between(
        &self,
        calendar: &BusinessCalendar,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Vec<NaiveDate> {
        let mut paydays = Vec::new();
        let mut from = start;
        // Fetch in small batches until the range is passed; ranges are a few months long.
        loop {
            let batch = self.next_paydays(calendar, from, 8);
            for date in batch {
                if date > end {
                    return paydays;
                }
                paydays.push(date);
                from = date.succ_opt().expect("BUG: within range");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn easter_falls_on_the_known_dates() {
        let cases = [
            (2000, date(2000, 4, 23)),
            (2016, date(2016, 3, 27)),
            (2019, date(2019, 4, 21)),
            (2022, date(2022, 4, 17)),
            (2024, date(2024, 3, 31)),
            (2025, date(2025, 4, 20)),
            (2026, date(2026, 4, 5)),
            (2038, date(2038, 4, 25)),
        ];
        for (year, easter) in cases {
            assert_eq!(easter_sunday(year), easter, "{year}");
        }
    }

    #[test]
    fn good_friday_and_family_day_follow_easter() {
        let calendar = BusinessCalendar::south_africa();
        let cases = [
            (date(2024, 3, 29), "Good Friday"),
            (date(2024, 4, 1), "Family Day"),
            (date(2026, 4, 3), "Good Friday"),
            (date(2026, 4, 6), "Family Day"),
        ];
        for (day, name) in cases {
            assert_eq!(calendar.holiday(day).map(|h| h.name), Some(name), "{day}");
        }
    }

    #[test]
    fn a_sunday_holiday_makes_the_next_free_day_a_holiday() {
        let calendar = BusinessCalendar::south_africa();
        // 2022: Christmas on Sunday, the Day of Goodwill on Monday, so Tuesday 27 is observed.
        assert_eq!(calendar.holiday(date(2022, 12, 26)).map(|h| h.name), Some("Day of Goodwill"));
        let observed = calendar.holiday(date(2022, 12, 27)).expect("27 December 2022");
        assert_eq!(observed.to_string(), "Christmas Day (observed)");
        assert!(!calendar.is_holiday(date(2022, 12, 28)));
        // 2023: New Year's Day on Sunday, so Monday 2 January.
        assert!(calendar.is_holiday(date(2023, 1, 2)));
        // 2021: Human Rights Day on Sunday, so Monday 22 March.
        assert!(calendar.is_holiday(date(2021, 3, 22)));
        // 2025: Freedom Day on Sunday, so Monday 28 April.
        assert!(calendar.is_holiday(date(2025, 4, 28)));
        // 2026: Women's Day on Sunday, so Monday 10 August.
        assert!(calendar.is_holiday(date(2026, 8, 10)));
    }

    #[test]
    fn a_year_has_its_twelve_holidays_plus_observed_days() {
        let calendar = BusinessCalendar::south_africa();
        let holidays = calendar.holidays_in_year(2022);
        let dates: Vec<NaiveDate> = holidays.iter().map(|(d, _)| *d).collect();
        assert_eq!(
            dates,
            vec![
                date(2022, 1, 1),
                date(2022, 3, 21),
                date(2022, 4, 15),
                date(2022, 4, 18),
                date(2022, 4, 27),
                date(2022, 5, 1),
                date(2022, 5, 2),
                date(2022, 6, 16),
                date(2022, 8, 9),
                date(2022, 9, 24),
                date(2022, 12, 16),
                date(2022, 12, 25),
                date(2022, 12, 26),
                date(2022, 12, 27),
            ]
        );
        for (day, holiday) in &holidays {
            assert_eq!(calendar.holiday(*day), Some(*holiday), "{day}");
        }
    }

    #[test]
    fn extra_holidays_added_by_an_administrator_count() {
        let calendar = BusinessCalendar::south_africa()
            .with_extra_holiday(date(2024, 5, 29), "National and provincial elections");
        assert_eq!(
            calendar.holiday(date(2024, 5, 29)).map(|h| h.name),
            Some("National and provincial elections")
        );
        assert!(!calendar.is_business_day(date(2024, 5, 29)));
        assert!(BusinessCalendar::south_africa().is_business_day(date(2024, 5, 29)));
    }

    #[test]
    fn business_day_arithmetic_skips_weekends_and_holidays() {
        let calendar = BusinessCalendar::south_africa();
        // Thursday 28 March 2024 plus one business day skips Good Friday, the weekend and Family
        // Day.
        assert_eq!(calendar.add_business_days(date(2024, 3, 28), 1), date(2024, 4, 2));
        assert_eq!(
            calendar.previous_business_day_on_or_before(date(2024, 4, 1)),
            date(2024, 3, 28)
        );
        assert_eq!(calendar.business_days_between(date(2024, 3, 28), date(2024, 4, 2)), 1);
        assert_eq!(calendar.business_days_between(date(2024, 4, 2), date(2024, 3, 28)), 0);
        assert_eq!(calendar.add_business_days(date(2024, 3, 30), 0), date(2024, 4, 2));
    }

    #[test]
    fn fixed_day_paydays_clamp_and_move_back() {
        let calendar = BusinessCalendar::south_africa();
        let rule = PaydayRule::fixed_day(31).expect("valid");
        // January 31 2026 is a Saturday, so Friday 30; February clamps to 28 (a Saturday), so
        // Friday 27; March 31 is a Tuesday.
        assert_eq!(
            rule.next_paydays(&calendar, date(2026, 1, 1), 3),
            vec![date(2026, 1, 30), date(2026, 2, 27), date(2026, 3, 31)]
        );
        assert!(PaydayRule::fixed_day(32).is_err());
        // The 25th of December 2022 moves back past the weekend to Friday 23 December.
        let rule = PaydayRule::FixedDay(25);
        assert_eq!(rule.next_paydays(&calendar, date(2022, 12, 1), 1), vec![date(2022, 12, 23)]);
    }

    #[test]
    fn last_working_day_paydays_are_the_last_business_days() {
        let calendar = BusinessCalendar::south_africa();
        assert_eq!(
            PaydayRule::LastWorkingDay.next_paydays(&calendar, date(2026, 5, 1), 3),
            vec![date(2026, 5, 29), date(2026, 6, 30), date(2026, 7, 31)]
        );
    }

    #[test]
    fn friday_before_the_25th_paydays() {
        let calendar = BusinessCalendar::south_africa();
        // 2026: 25 April is a Saturday, so Friday 24; 25 September is a Friday, so Friday 18;
        // March 2027: the Friday before the 25th is the 19th.
        let rule = PaydayRule::FridayBeforeThe25th;
        assert_eq!(rule.next_paydays(&calendar, date(2026, 4, 1), 1), vec![date(2026, 4, 24)]);
        assert_eq!(rule.next_paydays(&calendar, date(2026, 9, 1), 1), vec![date(2026, 9, 18)]);
        // 2025: 21 March (Human Rights Day) is the Friday before the 25th, so Thursday 20.
        assert_eq!(rule.next_paydays(&calendar, date(2025, 3, 1), 1), vec![date(2025, 3, 20)]);
    }

    #[test]
    fn weekly_and_fortnightly_paydays() {
        let calendar = BusinessCalendar::south_africa();
        // Fridays from 20 March 2024: Good Friday 29 March moves back to Thursday 28.
        assert_eq!(
            PaydayRule::Weekly(Weekday::Fri).next_paydays(&calendar, date(2024, 3, 20), 3),
            vec![date(2024, 3, 22), date(2024, 3, 28), date(2024, 4, 5)]
        );
        let rule = PaydayRule::Fortnightly { weekday: Weekday::Fri, anchor: date(2026, 1, 2) };
        assert_eq!(
            rule.next_paydays(&calendar, date(2026, 1, 10), 3),
            vec![date(2026, 1, 16), date(2026, 1, 30), date(2026, 2, 13)]
        );
        assert_eq!(
            rule.paydays_between(&calendar, date(2026, 1, 10), date(2026, 2, 13)),
            vec![date(2026, 1, 16), date(2026, 1, 30), date(2026, 2, 13)]
        );
    }
}
