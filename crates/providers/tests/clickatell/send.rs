//! Sending messages and reading their status (clickatell.md, "202 accepted", "207 partial",
//! "Status").

use pocket_providers::clickatell::{
    ClickatellError, DeliveryStatus, ErrorCode, MessageId, SmsSender,
};
use pocket_sandbox::clickatell::DEFAULT_OPTED_OUT_NUMBER;

use crate::{sms, spawn};

#[tokio::test]
async fn accepted_messages_get_ids_and_reach_the_provider_as_msisdn_digits() {
    let (sim, client) = spawn().await;
    let outcomes = client
        .send(&[
            sms("082 123 4567", "Pocket Loans: your PIN is 4821."),
            sms("+27 71 555 0101", "Hi"),
        ])
        .await;
    assert_eq!(outcomes.len(), 2);
    let ids: Vec<MessageId> =
        outcomes.iter().map(|o| o.result.clone().expect("accepted")).collect();
    assert_ne!(ids[0], ids[1]);
    let received = sim.messages();
    // clickatell.md: "MSISDN digits, no plus".
    assert_eq!(received[0].to, "27821234567");
    assert_eq!(received[0].content, "Pocket Loans: your PIN is 4821.");
    assert_eq!(received[0].client_message_id.as_deref(), Some("notification-082 123 4567"));
    assert_eq!(received[1].to, "27715550101");
    assert_eq!(received[0].api_message_id, ids[0].as_str());
}

#[tokio::test]
async fn a_partial_answer_gives_each_message_its_own_outcome() {
    let (sim, client) = spawn().await;
    let outcomes =
        client.send(&[sms("0821234567", "one"), sms(DEFAULT_OPTED_OUT_NUMBER, "two")]).await;
    assert!(outcomes[0].result.is_ok());
    let error = outcomes[1].result.clone().expect_err("opted out");
    // clickatell.md: "26 recipient opted out": permanent, and about the person.
    assert_eq!(error.code(), Some(ErrorCode::RecipientOptedOut));
    assert!(error.is_permanent() && !error.is_safe_to_retry());
    assert!(ErrorCode::RecipientOptedOut.is_about_the_recipient());
    assert_eq!(outcomes[1].to.clickatell_digits(), DEFAULT_OPTED_OUT_NUMBER);
    // A permanent refusal is not retried.
    assert_eq!(sim.requests(), 1);
}

#[tokio::test]
async fn the_status_of_a_message_follows_its_delivery() {
    let (sim, client) = spawn().await;
    let outcomes = client.send(&[sms("0821234567", "hello")]).await;
    let id = outcomes[0].result.clone().expect("accepted");
    let status = client.status(&id).await.expect("a status");
    assert_eq!(status.status, DeliveryStatus::Queued);
    assert!(status.timestamp.is_some());
    sim.deliver_all().await.expect("no callback to post");
    let status = client.status(&id).await.expect("a status");
    assert_eq!(status.status, DeliveryStatus::DeviceAck);
    assert!(status.status.is_delivered());
}

#[tokio::test]
async fn the_status_of_an_unknown_message_is_a_typed_refusal() {
    let (_sim, client) = spawn().await;
    let error = client.status(&MessageId::new("ffffffff")).await.expect_err("unknown");
    // clickatell.md: "41 resource does not exist".
    assert_eq!(error.code(), Some(ErrorCode::ResourceDoesNotExist), "{error:?}");
    let error = client.status(&MessageId::new("../etc")).await.expect_err("not an id");
    assert!(matches!(error, ClickatellError::Refused { .. }));
}
