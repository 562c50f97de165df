//! Upload, load report, batch status and statement, end to end.

use pocket_domain::{Money, ReasonCode};
use pocket_providers::netcash::{
    BatchState, DebitOrderProvider, LoadReportStatus, LoadState, StatementStatus,
};

use crate::{action_date, batch, date, spawn, today};

#[tokio::test]
async fn a_batch_loads_after_one_not_ready_poll_and_its_statement_shows_successes_and_unpaids() {
    let (sim, client) = spawn().await;
    // 02 and 26 cents are reason codes (collections.md); 45 cents is not.
    let batch = batch(&[("P-1", 50_000), ("P-2", 50_002), ("P-3", 30_026), ("P-4", 12_345)]);

    let token = client.upload_batch(&batch).await.expect("uploaded");
    assert_eq!(client.load_report(&token).await.expect("polled"), LoadReportStatus::NotReady);
    let LoadReportStatus::Ready(report) = client.load_report(&token).await.expect("polled") else {
        panic!("the report is ready on the second poll");
    };
    assert_eq!(report.batch_name, "LOANS-20261201-1");
    assert_eq!(report.state, LoadState::Successful);
    assert_eq!(report.total, Some(Money::from_cents(142_373)));
    assert_eq!(report.action_date, Some(action_date()));
    assert!(report.line_errors.is_empty());

    let statuses = client.batch_status().await.expect("statuses");
    assert_eq!(statuses.len(), 1);
    assert_eq!((statuses[0].token.clone(), statuses[0].state), (token, BatchState::Authorised));

    sim.set_today(date(2026, 12, 2));
    let id = client.request_statement(action_date()).await.expect("requested");
    assert_eq!(client.retrieve_statement(&id).await.expect("polled"), StatementStatus::NotReady);
    let StatementStatus::Ready(statement) = client.retrieve_statement(&id).await.expect("polled")
    else {
        panic!("the statement is ready on the second poll");
    };
    let collected: Vec<(&str, Money)> =
        statement.collected().map(|l| (l.account_reference.as_str(), l.amount)).collect();
    assert_eq!(collected, [("P-1", Money::from_cents(50_000)), ("P-4", Money::from_cents(12_345))]);
    let unpaid: Vec<(&str, &ReasonCode)> =
        statement.unpaid().map(|(l, code)| (l.account_reference.as_str(), code)).collect();
    assert_eq!(unpaid, [("P-2", &ReasonCode::NotProvidedFor), ("P-3", &ReasonCode::NoSuchAccount)]);
    assert_eq!(statement.opening_balance(), Some(Money::ZERO));
    assert_eq!(statement.closing_balance(), Some(Money::from_cents(62_345 - 80_028)));

    let statuses = client.batch_status().await.expect("statuses");
    assert_eq!(statuses[0].state, BatchState::Processed);
    assert!(today() < action_date());
}
