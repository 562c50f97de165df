//! Every fixture of the simulator mapped to the typed report and to the policy's bureau input
//! (xds-connect.md: "a match (or no match) on the ID number, a score, judgments and defaults,
//! adverse listings, and the monthly instalments of existing accounts").

use pocket_domain::Money;
use pocket_domain::policy::{BureauRecord, BureauResult};
use pocket_providers::xds::{BureauReport, ConsumerReport, CreditBureau, bureau_result};
use pocket_sandbox::xds::{
    ADVERSE_LISTINGS_ID, GOOD_PAYER_ID, JUDGMENTS_ID, NO_MATCH_ID, OVER_INDEBTED_ID, THIN_FILE_ID,
};

use crate::{enquiry, spawn};

async fn report_of(id: &str) -> ConsumerReport {
    let (_sim, client) = spawn().await;
    match client.enquire(&enquiry(id)).await.expect("a report") {
        BureauReport::Matched(report) => report,
        BureauReport::NoMatch => panic!("{id} should match"),
    }
}

#[tokio::test]
async fn a_good_payer_has_a_high_score_nothing_adverse_and_the_sum_of_three_instalments() {
    let report = report_of(GOOD_PAYER_ID).await;
    assert_eq!(report.score, Some(712));
    assert_eq!(report.accounts.len(), 3);
    assert!(report.adverse_listings.is_empty() && report.judgments.is_empty());
    assert_eq!(report.monthly_obligations, Money::from_cents(479_950));
    assert_eq!(
        BureauReport::Matched(report).to_bureau_result(),
        BureauResult::Found(BureauRecord {
            score: 712,
            adverse_listings: 0,
            judgments: 0,
            monthly_obligations: Money::from_cents(479_950),
        })
    );
}

#[tokio::test]
async fn adverse_listings_and_default_alerts_both_count_as_adverse_for_the_policy() {
    let report = report_of(ADVERSE_LISTINGS_ID).await;
    assert_eq!(report.score, Some(583));
    assert_eq!(report.adverse_listings.len(), 2);
    assert_eq!(report.adverse_listings[0].status, "Handed over");
    assert_eq!(report.adverse_listings[0].amount, Money::from_rands(3_250));
    assert_eq!(report.defaults.len(), 1);
    assert_eq!(report.monthly_obligations, Money::from_rands(1_100));
    let BureauResult::Found(record) = BureauReport::Matched(report).to_bureau_result() else {
        panic!("a record")
    };
    assert_eq!((record.adverse_listings, record.judgments), (3, 0));
}

#[tokio::test]
async fn judgments_are_counted_with_their_amounts() {
    let report = report_of(JUDGMENTS_ID).await;
    assert_eq!(report.score, Some(521));
    assert_eq!(report.judgments.len(), 2);
    assert_eq!(report.judgments[1].amount, Money::from_cents(1_250_050));
    assert_eq!(report.judgments[0].plaintiff, "Standard Bank");
    let BureauResult::Found(record) = BureauReport::Matched(report).to_bureau_result() else {
        panic!("a record")
    };
    assert_eq!((record.judgments, record.monthly_obligations), (2, Money::from_rands(650)));
}

#[tokio::test]
async fn an_over_indebted_consumer_carries_large_monthly_obligations() {
    let report = report_of(OVER_INDEBTED_ID).await;
    assert_eq!(report.score, Some(640));
    assert_eq!(report.monthly_obligations, Money::from_rands(14_870));
}

#[tokio::test]
async fn a_thin_file_matches_without_score_and_is_referred_as_no_match() {
    let report = report_of(THIN_FILE_ID).await;
    assert_eq!(report.score, None);
    assert!(report.accounts.is_empty());
    assert_eq!(report.monthly_obligations, Money::ZERO);
    assert_eq!(BureauReport::Matched(report).to_bureau_result(), BureauResult::NoMatch);
}

#[tokio::test]
async fn an_unknown_consumer_is_no_match_without_a_result_call() {
    let (sim, client) = spawn().await;
    let outcome = client.enquire(&enquiry(NO_MATCH_ID)).await;
    assert_eq!(outcome.as_ref().expect("an answer"), &BureauReport::NoMatch);
    assert_eq!(bureau_result(&outcome), BureauResult::NoMatch);
    assert_eq!(sim.received("ConnectGetResult"), 0);
}

#[tokio::test]
async fn any_other_valid_id_number_gets_the_same_report_every_time() {
    let (_sim, client) = spawn().await;
    let id = "8001015009087";
    let first = client.enquire(&enquiry(id)).await.expect("a report");
    let second = client.enquire(&enquiry(id)).await.expect("a report");
    let (BureauReport::Matched(a), BureauReport::Matched(b)) = (first, second) else {
        panic!("both match")
    };
    assert!(a.score.is_some_and(|s| (480..780).contains(&s)));
    assert_eq!(
        (a.score, a.accounts, a.monthly_obligations),
        (b.score, b.accounts, b.monthly_obligations)
    );
}

#[tokio::test]
async fn the_enquiry_reaches_the_bureau_with_its_reason_and_consent_reference() {
    let (sim, client) = spawn().await;
    client.enquire(&enquiry(GOOD_PAYER_ID)).await.expect("a report");
    let logged = sim.enquiries();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].id_number, GOOD_PAYER_ID);
    assert_eq!(logged[0].reason, "Application for credit");
    assert_eq!(logged[0].your_reference, "C-1");
}
