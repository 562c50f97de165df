//! The reason-code policy (collections.md, "Unpaid (return) reason codes"): what the engine does
//! after each unpaid or dispute. Code 02 is presented again on a later payday, at most 2 more
//! times; 22 once more; the codes that need a new mandate stop collection and suspend the mandate;
//! legal codes, a deceased holder (no further SMS), recalls and unknown codes stop and go to a
//! person; disputes have had their collection reversed and stop until a person acts.

use chrono::{NaiveDate, Weekday};
use pocket_domain::{BusinessCalendar, NextAction, PaydayRule, ReasonCode};
use pocket_store::collections::{Returned, Stop};

/// The payday terms of a mandate, from which the next payday follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaydayTerms {
    /// `monthly`, `fortnightly` or `weekly`.
    pub frequency: String,
    /// Day of the month, or of the week (1 Monday .. 7 Sunday).
    pub collection_day: i32,
    pub first_collection_date: NaiveDate,
}

impl PaydayTerms {
    /// The consumer's payday rule as the mandate records it (the demo data and pay-out write
    /// day 31 for the last working day and 24 for the Friday before the 25th).
    pub fn rule(&self) -> PaydayRule {
        let weekday = match self.collection_day {
            1 => Weekday::Mon,
            2 => Weekday::Tue,
            3 => Weekday::Wed,
            4 => Weekday::Thu,
            6 => Weekday::Sat,
            7 => Weekday::Sun,
            _ => Weekday::Fri,
        };
        match self.frequency.as_str() {
            "weekly" => PaydayRule::Weekly(weekday),
            "fortnightly" => {
                PaydayRule::Fortnightly { weekday, anchor: self.first_collection_date }
            }
            _ => match self.collection_day {
                31 => PaydayRule::LastWorkingDay,
                24 => PaydayRule::FridayBeforeThe25th,
                d => PaydayRule::FixedDay(u32::try_from(d.clamp(1, 31)).unwrap_or(1)),
            },
        }
    }
}

/// What the policy decided for one returned debit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Present the instalment again on this day.
    RePresent { instalment_id: uuid::Uuid, on: NaiveDate },
    /// Stop collecting the loan until a person acts.
    Stop(Stop),
}

/// collections.md: a presentment is attempt 1; code 02 allows 2 more, 22 one more.
fn attempts_allowed(further: u8) -> i32 {
    1 + i32::from(further)
}

/// Decides what follows one returned debit. `earliest` is the first action date a new two-day
/// batch can still reach (two business days from today).
pub fn decide(
    calendar: &BusinessCalendar,
    returned: &Returned,
    terms: &PaydayTerms,
    earliest: NaiveDate,
) -> Decision {
    let code = ReasonCode::parse(&returned.reason_code);
    let stop = |action: &'static str, suspend: bool, no_sms: bool| {
        Decision::Stop(Stop {
            loan_id: returned.loan_id,
            presentment_id: returned.presentment_id,
            mandate_id: returned.mandate_id,
            reason_code: returned.reason_code.clone(),
            action,
            note: format!("unpaid code {code}"),
            suspend_mandate: suspend,
            no_sms,
        })
    };
    match code.next_action() {
        NextAction::RePresent { further_attempts, on_later_payday } => {
            if returned.attempt >= attempts_allowed(further_attempts) {
                return stop("review", false, false);
            }
            let after = returned.action_date.succ_opt().unwrap_or(returned.action_date);
            let from = after.max(earliest);
            let on = if on_later_payday {
                // collections.md: 02 only on a later payday.
                terms
                    .rule()
                    .next_paydays(calendar, from, 1)
                    .first()
                    .copied()
                    .unwrap_or_else(|| calendar.next_business_day_on_or_after(from))
            } else {
                calendar.next_business_day_on_or_after(from)
            };
            Decision::RePresent { instalment_id: returned.instalment_id, on }
        }
        NextAction::StopNewMandate { .. } => stop("new_mandate", true, false),
        NextAction::StopLegal => stop("legal", false, false),
        // collections.md, code 18: stop, flag, no further contact by SMS.
        NextAction::StopDeceased => stop("deceased", true, true),
        NextAction::StopReview => stop("review", false, false),
        NextAction::ReverseAndFlag => stop("dispute", true, false),
        NextAction::RouteToPerson => stop("route_to_person", false, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn returned(code: &str, attempt: i32) -> Returned {
        Returned {
            presentment_id: Uuid::new_v4(),
            loan_id: Uuid::new_v4(),
            instalment_id: Uuid::new_v4(),
            mandate_id: Uuid::new_v4(),
            attempt,
            action_date: date(2026, 11, 30),
            reason_code: code.to_owned(),
            was_collected: false,
            line_date: date(2026, 11, 30),
        }
    }

    fn monthly_last_working_day() -> PaydayTerms {
        PaydayTerms {
            frequency: "monthly".into(),
            collection_day: 31,
            first_collection_date: date(2026, 11, 30),
        }
    }

    #[test]
    fn code_02_goes_again_on_the_next_payday_twice_then_stops() {
        let cal = BusinessCalendar::south_africa();
        let terms = monthly_last_working_day();
        let first = decide(&cal, &returned("02", 1), &terms, date(2026, 12, 3));
        assert!(matches!(first, Decision::RePresent { on, .. } if on == date(2026, 12, 31)));
        let second = decide(&cal, &returned("02", 2), &terms, date(2026, 12, 3));
        assert!(matches!(second, Decision::RePresent { .. }));
        let third = decide(&cal, &returned("02", 3), &terms, date(2026, 12, 3));
        assert!(matches!(third, Decision::Stop(Stop { action: "review", .. })));
    }

    #[test]
    fn code_04_needs_a_new_mandate_and_18_stops_all_sms() {
        let cal = BusinessCalendar::south_africa();
        let terms = monthly_last_working_day();
        let stopped = decide(&cal, &returned("04", 1), &terms, date(2026, 12, 3));
        assert!(matches!(
            stopped,
            Decision::Stop(Stop {
                action: "new_mandate",
                suspend_mandate: true,
                no_sms: false,
                ..
            })
        ));
        let deceased = decide(&cal, &returned("18", 1), &terms, date(2026, 12, 3));
        assert!(matches!(deceased, Decision::Stop(Stop { action: "deceased", no_sms: true, .. })));
    }

    #[test]
    fn disputes_and_unknown_codes_go_to_a_person() {
        let cal = BusinessCalendar::south_africa();
        let terms = monthly_last_working_day();
        let dispute = decide(&cal, &returned("30", 1), &terms, date(2026, 12, 3));
        assert!(matches!(dispute, Decision::Stop(Stop { action: "dispute", .. })));
        let unknown = decide(&cal, &returned("UNK", 1), &terms, date(2026, 12, 3));
        assert!(matches!(unknown, Decision::Stop(Stop { action: "route_to_person", .. })));
    }
}
