//! Criterion benchmarks of the hot pure functions: quote, affordability, schedule, decision.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use pocket_domain::affordability::{AffordabilityInput, ExpenseNorms, assess};
use pocket_domain::calendar::{BusinessCalendar, PaydayRule};
use pocket_domain::identity::SaIdNumber;
use pocket_domain::money::{Money, Rate};
use pocket_domain::policy::{
    Application, BureauRecord, BureauResult, DecisionInput, PolicyThresholds, decide,
};
use pocket_domain::pricing::{ProductParameters, RegulatoryParameters, quote};
use pocket_domain::schedule::{Schedule, ScheduleRequest};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid bench date")
}

fn benches(c: &mut Criterion) {
    let reg = RegulatoryParameters::south_africa_2018();
    let product = ProductParameters::at_the_caps(&reg);
    let calendar = BusinessCalendar::south_africa_with_known_declarations();
    let today = date(2026, 3, 2);
    let norms = ExpenseNorms::regulation_23a_2015();

    c.bench_function("quote: R3 000 over three monthly instalments", |b| {
        b.iter(|| {
            quote(
                black_box(&reg),
                black_box(&product),
                black_box(Money::from_rands(3_000)),
                90,
                true,
                Some(&[30, 60, 90]),
            )
        })
    });

    let input = AffordabilityInput {
        gross_monthly_income: Money::from_rands(12_000),
        net_monthly_income: Money::from_rands(10_000),
        declared_expenses: Money::from_rands(4_000),
        declared_debt_repayments: Money::from_rands(1_000),
        bureau_monthly_obligations: Money::from_rands(800),
        expense_disclosure_signed: false,
    };
    c.bench_function("affordability assessment", |b| {
        b.iter(|| assess(black_box(&input), &norms, Rate::from_percent(10)))
    });

    let request = ScheduleRequest {
        amount: Money::from_rands(3_000),
        first_loan: true,
        disbursement_date: today,
        max_term_days: 90,
        payday_rule: PaydayRule::Weekly(chrono::Weekday::Fri),
        min_days_to_first_instalment: 5,
    };
    c.bench_function("schedule: weekly paydays over 90 days", |b| {
        b.iter(|| Schedule::build(&reg, &product, &calendar, black_box(&request)))
    });

    let application = Application {
        id_number: SaIdNumber::parse("7503305044089", today).expect("valid"),
        application_date: today,
        requested_amount: Money::from_rands(8_000),
        requested_term_days: 95,
        first_loan: true,
        repeat_customer: true,
        payday_rule: PaydayRule::FixedDay(25),
        gross_monthly_income: Money::from_rands(12_000),
        net_monthly_income: Money::from_rands(10_000),
        declared_expenses: Money::from_rands(4_000),
        declared_debt_repayments: Money::from_rands(1_000),
        expense_disclosure_signed: false,
        bureau: BureauResult::Found(BureauRecord {
            score: 650,
            adverse_listings: 0,
            judgments: 0,
            monthly_obligations: Money::from_rands(800),
        }),
    };
    let thresholds = PolicyThresholds::standard();
    c.bench_function("decide: one application, offer reduced by affordability", |b| {
        b.iter(|| {
            decide(black_box(&DecisionInput {
                application: &application,
                thresholds: &thresholds,
                regulations: &reg,
                expense_norms: &norms,
                product: &product,
                calendar: &calendar,
            }))
        })
    });
}

criterion_group!(domain, benches);
criterion_main!(domain);
