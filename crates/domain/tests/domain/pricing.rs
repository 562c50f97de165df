//! Property tests: no quote exceeds any cap, whatever the product's prices.

use pocket_domain::money::{Money, Rate};
use pocket_domain::pricing::{
    InitiationFeeFormula, InterestConvention, ProductParameters, RegulatoryParameters, check_caps,
    quote,
};
use proptest::prelude::*;

fn product_strategy() -> impl Strategy<Value = ProductParameters> {
    (
        (0u32..=200_000, 0u32..=200_000),
        (0i64..=200_000, 0i64..=500_000, 0u32..=500_000, 0i64..=300_000, 0u32..=500_000),
        0i64..=20_000,
        prop::bool::ANY,
    )
        .prop_map(
            |((first, subsequent), (base, threshold, rate, max, share), service, daily)| {
                ProductParameters {
                    interest_per_month_first_loan: Rate::from_ppm(first),
                    interest_per_month_subsequent: Rate::from_ppm(subsequent),
                    initiation_fee: InitiationFeeFormula {
                        base: Money::from_cents(base),
                        threshold: Money::from_cents(threshold),
                        rate_above_threshold: Rate::from_ppm(rate),
                        maximum: Money::from_cents(max),
                        max_share_of_principal: Rate::from_ppm(share),
                    },
                    service_fee_per_month: Money::from_cents(service),
                    min_amount: Money::from_cents(1),
                    max_amount: Money::from_rands(8_000),
                    min_term_days: 1,
                    max_term_days: 180,
                    interest_convention: if daily {
                        InterestConvention::Daily
                    } else {
                        InterestConvention::FlatMonth
                    },
                }
            },
        )
}

/// A term and increasing instalment days ending on it.
fn instalments_strategy() -> impl Strategy<Value = (u32, Vec<u32>)> {
    (1u32..=180).prop_flat_map(|term| {
        prop::collection::btree_set(1..=term, 0..8).prop_map(move |set| {
            let mut days: Vec<u32> = set.into_iter().filter(|&d| d < term).collect();
            days.push(term);
            (term, days)
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn a_quote_never_exceeds_any_cap(
        product in product_strategy(),
        amount in 1i64..=800_000,
        (term, days) in instalments_strategy(),
        first_loan in prop::bool::ANY,
        vat_2016 in prop::bool::ANY,
    ) {
        let reg = if vat_2016 {
            RegulatoryParameters::south_africa_2016()
        } else {
            RegulatoryParameters::south_africa_2018()
        };
        let amount = Money::from_cents(amount);
        let q = quote(&reg, &product, amount, term, first_loan, Some(&days)).expect("in range");
        prop_assert_eq!(check_caps(&q, &reg), Ok(()));

        // The caps, computed here from credit-law.md rather than from the pricing code.
        prop_assert!(q.principal <= Money::from_rands(8_000));
        prop_assert!(q.term_days <= 180);
        let cap_rate = Rate::from_percent(if first_loan { 5 } else { 3 });
        let above = amount.checked_sub(Money::from_rands(1_000)).unwrap().max(Money::ZERO);
        let initiation_cap = Money::from_rands(165)
            .checked_add(above.times_rate(Rate::from_percent(10)).unwrap())
            .unwrap()
            .min(Money::from_rands(1_050))
            .min(amount.times_rate(Rate::from_percent(15)).unwrap());
        prop_assert!(q.initiation_fee <= initiation_cap, "initiation fee cap");
        let mut outstanding = amount;
        for period in &q.periods {
            let days = i64::from(period.days);
            let interest_cap = outstanding.times_rate_fraction(cap_rate, days, 30).unwrap();
            prop_assert!(period.interest <= interest_cap, "interest cap in period {}", period.number);
            prop_assert!(period.service_fee <= Money::from_cents(200 * days), "service fee cap");
            outstanding = outstanding.checked_sub(period.principal).unwrap();
        }
        prop_assert!(outstanding.is_zero());
        prop_assert!(q.service_fees <= Money::from_cents(200 * i64::from(term)));
        let whole_term_interest_cap =
            amount.times_rate_fraction(cap_rate, i64::from(term), 30).unwrap();
        prop_assert!(q.interest <= whole_term_interest_cap);
        let vat = q.initiation_fee.checked_add(q.service_fees).unwrap();
        prop_assert!(q.vat() <= vat.times_rate(Rate::from_percent(15)).unwrap().checked_add(Money::from_cents(8)).unwrap());
        let instalments = Money::checked_sum(q.instalment_totals()).unwrap();
        prop_assert_eq!(instalments, q.total_repayable);
    }

    #[test]
    fn a_quote_never_exceeds_the_initiation_fee_cap(amount in 1i64..=800_000) {
        let reg = RegulatoryParameters::south_africa_2018();
        let mut product = ProductParameters::at_the_caps(&reg);
        product.min_amount = Money::from_cents(1);
        product.initiation_fee.maximum = Money::from_rands(5_000);
        product.initiation_fee.max_share_of_principal = Rate::from_percent(100);
        let amount = Money::from_cents(amount);
        let q = quote(&reg, &product, amount, 30, true, None).expect("in range");
        prop_assert!(q.initiation_fee <= Money::from_rands(1_050));
        prop_assert!(q.initiation_fee <= amount.times_rate(Rate::from_percent(15)).unwrap());
    }
}
