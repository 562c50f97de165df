//! Property tests: schedules fall on business days and add up to the total to the cent.

use chrono::{Days, Weekday};
use pocket_domain::calendar::{BusinessCalendar, PaydayRule};
use pocket_domain::money::Money;
use pocket_domain::pricing::{ProductParameters, QuoteError, RegulatoryParameters};
use pocket_domain::schedule::{Schedule, ScheduleError, ScheduleRequest};
use proptest::prelude::*;

use crate::date;

fn weekday(n: u8) -> Weekday {
    [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri][usize::from(n % 5)]
}

fn rule_strategy() -> impl Strategy<Value = PaydayRule> {
    prop_oneof![
        (1u32..=31).prop_map(PaydayRule::FixedDay),
        Just(PaydayRule::LastWorkingDay),
        Just(PaydayRule::FridayBeforeThe25th),
        (0u8..5).prop_map(|n| PaydayRule::Weekly(weekday(n))),
        (0u8..5, 0u64..400).prop_map(|(n, offset)| PaydayRule::Fortnightly {
            weekday: weekday(n),
            anchor: date(2020, 1, 1) + Days::new(offset),
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    #[test]
    fn schedules_fall_on_business_days_and_sum_to_the_total(
        rule in rule_strategy(),
        start_offset in 0u64..4_000,
        amount in 50_000i64..=800_000,
        term in 7u32..=180,
        first_loan in prop::bool::ANY,
        min_days in 1u32..10,
    ) {
        let reg = RegulatoryParameters::south_africa_2018();
        let product = ProductParameters::at_the_caps(&reg);
        let calendar = BusinessCalendar::south_africa_with_known_declarations();
        let disbursement = date(2018, 4, 1) + Days::new(start_offset);
        let request = ScheduleRequest {
            amount: Money::from_cents(amount),
            first_loan,
            disbursement_date: disbursement,
            max_term_days: term,
            payday_rule: rule,
            min_days_to_first_instalment: min_days,
        };
        match Schedule::build(&reg, &product, &calendar, &request) {
            Ok(schedule) => {
                let mut previous = disbursement;
                for instalment in &schedule.instalments {
                    prop_assert!(calendar.is_business_day(instalment.due_date));
                    prop_assert!(instalment.due_date > previous);
                    prop_assert!(instalment.due_date <= disbursement + Days::new(u64::from(term)));
                    previous = instalment.due_date;
                }
                prop_assert_eq!(schedule.total(), schedule.quote.total_repayable);
                let principal =
                    Money::checked_sum(schedule.instalments.iter().map(|i| i.principal)).unwrap();
                prop_assert_eq!(principal, request.amount);
            }
            // A short term can miss every payday, or end before the product's minimum term.
            Err(ScheduleError::NoPaydayInTerm)
            | Err(ScheduleError::Quote(QuoteError::TermTooShort { .. })) => {}
            Err(other) => prop_assert!(false, "unexpected error {other:?}"),
        }
    }
}
