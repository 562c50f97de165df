//! Property tests: the balance is the sum of the postings and in duplum is never exceeded.

use pocket_domain::ledger::{Ledger, LedgerError, Posting, PostingKind};
use pocket_domain::money::Money;
use proptest::prelude::*;

use crate::date;

#[derive(Debug, Clone)]
enum Op {
    Post(PostingKind, i64),
    Accrue(PostingKind, i64),
    MarkDefault,
    Cure,
}

fn op_strategy() -> impl Strategy<Value = Op> {
    let non_charge = prop_oneof![
        Just(PostingKind::Disbursement),
        Just(PostingKind::Collection),
        Just(PostingKind::CollectionReversal),
        Just(PostingKind::ManualPayment),
        Just(PostingKind::ManualPaymentReversal),
        Just(PostingKind::WriteOff),
        Just(PostingKind::Refund),
    ];
    let charge = prop_oneof![
        Just(PostingKind::InitiationFee),
        Just(PostingKind::ServiceFee),
        Just(PostingKind::Vat),
        Just(PostingKind::InterestAccrual),
        Just(PostingKind::DefaultAdministrationCharge),
        Just(PostingKind::CollectionCost),
    ];
    prop_oneof![
        3 => (non_charge, 1i64..1_000_000).prop_map(|(k, a)| Op::Post(k, a)),
        5 => (charge, 1i64..100_000).prop_map(|(k, a)| Op::Accrue(k, a)),
        1 => Just(Op::MarkDefault),
        1 => Just(Op::Cure),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    #[test]
    fn the_balance_is_the_sum_of_postings_and_in_duplum_holds(
        ops in prop::collection::vec(op_strategy(), 1..60)
    ) {
        let mut ledger = Ledger::new();
        let day = date(2026, 3, 2);
        // (limit, accrued so far) of the current default period, tracked independently.
        let mut period: Option<(Money, Money)> = None;
        for (i, op) in ops.into_iter().enumerate() {
            match op {
                Op::Post(kind, cents) => {
                    let posting = Posting::new(kind, Money::from_cents(cents), day, format!("op{i}"))
                        .expect("valid");
                    ledger.post(posting).expect("non-charges post");
                }
                Op::Accrue(kind, cents) => {
                    let accrual = ledger
                        .accrue(kind, Money::from_cents(cents), day, format!("op{i}"))
                        .expect("charges accrue");
                    if let Some((limit, accrued)) = &mut period {
                        *accrued = accrued.checked_add(accrual.posted).unwrap();
                        prop_assert!(*accrued <= *limit, "in duplum exceeded");
                    } else {
                        prop_assert_eq!(accrual.posted, Money::from_cents(cents));
                    }
                }
                Op::MarkDefault => match ledger.mark_default(day) {
                    Ok(p) => {
                        prop_assert!(period.is_none());
                        prop_assert_eq!(p.limit, ledger.balance());
                        period = Some((p.limit, Money::ZERO));
                    }
                    Err(LedgerError::AlreadyInDefault) => prop_assert!(period.is_some()),
                    Err(LedgerError::NothingUnpaid) => prop_assert!(!ledger.balance().is_positive()),
                    Err(other) => prop_assert!(false, "unexpected {other:?}"),
                },
                Op::Cure => {
                    ledger.cure_default();
                    period = None;
                }
            }
            let sum = Money::checked_sum(ledger.postings().iter().map(Posting::signed_amount)).unwrap();
            prop_assert_eq!(ledger.balance(), sum);
            let b = ledger.breakdown();
            let parts = Money::checked_sum([b.principal, b.fees, b.interest, b.unallocated]).unwrap();
            prop_assert_eq!(parts, sum);
        }
    }
}
