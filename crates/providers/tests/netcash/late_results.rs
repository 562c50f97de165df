//! Unpaids and disputes that arrive days after a success (collections.md rule 4).

use pocket_domain::ReasonCode;
use pocket_providers::netcash::{DebitOrderProvider, Statement, StatementStatus};

use crate::{batch, date, spawn};

async fn statement_from(
    client: &pocket_providers::netcash::NetcashClient,
    from: chrono::NaiveDate,
) -> Statement {
    let id = client.request_statement(from).await.expect("requested");
    loop {
        match client.retrieve_statement(&id).await.expect("polled") {
            StatementStatus::Ready(statement) => return statement,
            StatementStatus::NotReady => continue,
        }
    }
}

#[tokio::test]
async fn a_late_unpaid_and_a_dispute_appear_in_a_later_statement_after_the_success() {
    let (sim, client) = spawn().await;
    client.upload_batch(&batch(&[("P-1", 50_000), ("P-4", 12_345)])).await.expect("uploaded");
    sim.set_today(date(2026, 12, 2));
    let first = statement_from(&client, date(2026, 12, 1)).await;
    assert_eq!(first.collected().count(), 2);
    assert_eq!(first.unpaid().count(), 0);

    sim.inject_late_unpaid("P-1", "04", date(2026, 12, 4));
    sim.inject_dispute("P-4", date(2026, 12, 7));
    sim.inject_late_unpaid("P-4", "99", date(2026, 12, 7));
    sim.set_today(date(2026, 12, 8));
    let later = statement_from(&client, date(2026, 12, 2)).await;
    assert_eq!(later.collected().count(), 0, "the successes were in the earlier statement");
    let unpaid: Vec<(&str, chrono::NaiveDate, &ReasonCode)> =
        later.unpaid().map(|(l, code)| (l.account_reference.as_str(), l.date, code)).collect();
    assert_eq!(
        unpaid,
        [
            ("P-1", date(2026, 12, 4), &ReasonCode::PaymentStopped),
            ("P-4", date(2026, 12, 7), &ReasonCode::NoAuthorityToDebit),
            ("P-4", date(2026, 12, 7), &ReasonCode::Unknown("99".to_owned())),
        ]
    );
    assert!(unpaid[1].2.is_dispute());
}
