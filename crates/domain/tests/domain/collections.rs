//! Property tests: no sequence of events gives an instalment two active presentments or more
//! than two instructions in a payment cycle.

use chrono::Days;
use pocket_domain::collections::{
    InstalmentCollections, PresentmentEvent, PresentmentId, ReasonCode,
};
use proptest::prelude::*;

use crate::date;

#[derive(Debug, Clone)]
enum Op {
    Present { day: u64, cycle: u64 },
    Apply { which: usize, event: PresentmentEvent },
    NewMandate,
}

fn event_strategy() -> impl Strategy<Value = PresentmentEvent> {
    prop_oneof![
        Just(PresentmentEvent::Submitted),
        Just(PresentmentEvent::SubmissionTimedOut),
        Just(PresentmentEvent::FoundOnReconciliation),
        Just(PresentmentEvent::NotFoundOnReconciliation),
        Just(PresentmentEvent::LoadAccepted),
        Just(PresentmentEvent::LoadRejected),
        Just(PresentmentEvent::Paid),
        Just(PresentmentEvent::Cancelled),
        prop::sample::select(vec!["02", "02", "22", "04", "18", "30", "32", "99"])
            .prop_map(|code| PresentmentEvent::Unpaid(ReasonCode::parse(code))),
    ]
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u64..120, 0u64..4).prop_map(|(day, cycle)| Op::Present { day, cycle }),
        6 => (0usize..8, event_strategy()).prop_map(|(which, event)| Op::Apply { which, event }),
        1 => Just(Op::NewMandate),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn no_sequence_of_events_creates_two_active_presentments(
        ops in prop::collection::vec(op_strategy(), 1..80)
    ) {
        let start = date(2026, 1, 1);
        let mut collections = InstalmentCollections::new();
        for op in ops {
            match op {
                Op::Present { day, cycle } => {
                    let _ = collections.present(start + Days::new(day), start + Days::new(cycle * 30));
                }
                Op::Apply { which, event } => {
                    let count = collections.presentments().len();
                    if count > 0 {
                        let id = PresentmentId(u32::try_from(which % count).unwrap());
                        let _ = collections.apply(id, &event);
                    }
                }
                Op::NewMandate => collections.new_mandate(),
            }
            let presentments = collections.presentments();
            let active = presentments.iter().filter(|p| p.state.is_active()).count();
            prop_assert!(active <= 1, "two active presentments: {presentments:?}");
            for p in presentments {
                let in_cycle = presentments
                    .iter()
                    .filter(|q| q.cycle == p.cycle && q.state.reached_the_bank())
                    .count();
                prop_assert!(in_cycle <= 2, "more than two instructions in a cycle");
            }
        }
    }
}
