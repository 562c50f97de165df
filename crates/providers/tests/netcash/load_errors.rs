//! Bad lines in a batch: `SUCCESSFUL WITH ERRORS` naming the right account references.

use pocket_providers::netcash::{DebitOrderProvider, LoadReportStatus, LoadState};

use crate::{batch, order, spawn};

#[tokio::test]
async fn lines_failing_check_digits_are_dropped_and_named_by_account_reference_and_line() {
    let (sim, client) = spawn().await;
    let p2 = order("P-2", 20_000);
    let p3 = order("P-3", 30_000);
    sim.fail_check_digits(p2.account_number.as_str());
    sim.fail_check_digits(p3.account_number.as_str());
    let token = client
        .upload_batch(&batch(&[("P-1", 10_000), ("P-2", 20_000), ("P-3", 30_000), ("P-4", 40_000)]))
        .await
        .expect("uploaded");
    client.load_report(&token).await.expect("first poll");
    let LoadReportStatus::Ready(report) = client.load_report(&token).await.expect("polled") else {
        panic!("ready on the second poll");
    };
    assert_eq!(report.state, LoadState::SuccessfulWithErrors);
    let dropped: Vec<(&str, u32)> =
        report.line_errors.iter().map(|e| (e.account_reference.as_str(), e.line)).collect();
    // Lines 1 and 2 are H and K, so the second and third orders are lines 4 and 5.
    assert_eq!(dropped, [("P-2", 4), ("P-3", 5)]);
    assert!(report.line_errors[0].message.contains("check digit"));
    assert_eq!(report.total.map(|t| t.cents()), Some(50_000));
}

#[tokio::test]
async fn a_batch_whose_every_line_fails_is_unsuccessful_with_an_error_line() {
    let (sim, client) = spawn().await;
    sim.fail_check_digits(order("P-1", 1).account_number.as_str());
    let token = client.upload_batch(&batch(&[("P-1", 10_000)])).await.expect("uploaded");
    client.load_report(&token).await.expect("first poll");
    let LoadReportStatus::Ready(report) = client.load_report(&token).await.expect("polled") else {
        panic!("ready on the second poll");
    };
    assert_eq!(report.state, LoadState::Unsuccessful);
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.line_errors[0].account_reference, "P-1");
}
