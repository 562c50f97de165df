//! Building and serialising a batch of 100 000 debit orders, and parsing a statement of 100 000
//! lines, with throughput in bytes.

use chrono::NaiveDate;
use criterion::{BenchmarkId, Criterion, Throughput, black_box, criterion_group, criterion_main};
use pocket_domain::{AccountNumber, AccountType, BranchCode, Money};
use pocket_providers::netcash::wire::request_envelope;
use pocket_providers::netcash::{
    AccountReference, Batch, DebitOrder, Instruction, ServiceKey, parse_statement,
};

const N: usize = 100_000;

fn orders() -> Vec<DebitOrder> {
    (0..N)
        .map(|i| DebitOrder {
            account_reference: AccountReference::parse(&format!("P-{i:08}")).expect("a reference"),
            account_name: format!("Customer number {i}"),
            holder: "T NKOSI".to_owned(),
            account_type: AccountType::Current,
            branch_code: BranchCode::parse("250655").expect("a branch"),
            account_number: AccountNumber::parse(&format!("62{i:09}")).expect("a number"),
            amount: Money::from_cents(10_000 + (i as i64 % 50_000)),
        })
        .collect()
}

fn build_and_serialise(orders: &[DebitOrder], key: &ServiceKey) -> String {
    let date = NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date");
    let mut batch = Batch::new(Instruction::TwoDay, date, 1);
    for order in orders {
        batch.push(order.clone()).expect("valid");
    }
    let file = batch.file(key, "24ade73c-98cf-47b3-99be-cc7b867b3080");
    request_envelope("BatchFileUpload", &[("ServiceKey", key.expose()), ("File", &file)])
}

fn statement_text() -> String {
    let mut text =
        String::from("20261201\tOBL\t0\tOpening balance\t0.00\t+\t0.00\t\t\t\tBalance\n");
    for i in 0..N {
        let (kind, description, sign) = if i % 10 == 0 {
            ("DRU", "Debit order unpaid - Code: 02".to_owned(), '-')
        } else {
            ("TDD", format!("Customer number {i}"), '+')
        };
        text.push_str(&format!(
            "20261201\t{kind}\t{i}\t{description}\t{}.{:02}\t{sign}\t0.00\tP-{i:08}\tLOANS-20261201-1\t\tDebit orders\n",
            100 + i % 500,
            i % 100
        ));
    }
    text.push_str("20261201\tCBL\t0\tClosing balance\t0.00\t+\t0.00\t\t\t\tBalance");
    text
}

fn benches(c: &mut Criterion) {
    let orders = orders();
    let key = ServiceKey::new("5a0e1c3b-7d24-4f6e-9b8a-2c1d0e9f7a61");
    let size = build_and_serialise(&orders, &key).len();
    let mut group = c.benchmark_group("netcash");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(size as u64));
    group.bench_function(BenchmarkId::new("build_and_serialise_batch", N), |b| {
        b.iter(|| build_and_serialise(black_box(&orders), &key))
    });
    let text = statement_text();
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function(BenchmarkId::new("parse_statement_lines", N), |b| {
        b.iter(|| parse_statement(black_box(&text)).expect("parsed"))
    });
    group.finish();
    println!(
        "envelope of {N} debit orders: {size} bytes; statement of {N} lines: {} bytes",
        text.len()
    );
}

criterion_group!(netcash, benches);
criterion_main!(netcash);
