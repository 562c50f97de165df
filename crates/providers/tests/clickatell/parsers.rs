//! The parsers on the spec's examples, and on arbitrary input (no panic, only typed errors).

use pocket_providers::clickatell::{
    ClickatellError, DeliveryStatus, ErrorCode, parse_send_answer, parse_status_answer,
    parse_status_callback, sms_parts,
};
use proptest::prelude::*;

#[test]
fn the_spec_examples_parse() {
    // clickatell.md: "202 accepted".
    let answer = parse_send_answer(
        br#"{"messages":[{"apiMessageId":"02ca87d5","accepted":true,"to":"27821234567"}],"error":null}"#,
    )
    .expect("parses");
    assert!(answer.messages[0].accepted);
    assert_eq!(answer.messages[0].api_message_id.as_deref(), Some("02ca87d5"));
    // clickatell.md: "207 partial".
    let answer = parse_send_answer(
        br#"{"messages":[{"error":{"code":23,"description":"Invalid or missing parameter: to ."},"accepted":false,"to":"27999abcde"}],"error":null}"#,
    )
    .expect("parses");
    assert_eq!(answer.messages[0].error.as_ref().map(|e| e.0), Some(ErrorCode::InvalidParameter));
    // clickatell.md: "401".
    let answer = parse_send_answer(
        br#"{"error":{"code":1,"description":"Invalid or missing integration API Key"}}"#,
    )
    .expect("parses");
    assert_eq!(answer.error.map(|e| e.0), Some(ErrorCode::InvalidApiKey));
    // clickatell.md: "Status".
    let status = parse_status_answer(br#"{"sms":{"status":"QUEUED","timestamp":1506607698000}}"#)
        .expect("parses");
    assert_eq!(status.status, DeliveryStatus::Queued);
    assert_eq!(status.timestamp.map(|t| t.timestamp()), Some(1_506_607_698));
    // clickatell.md: "Status callback (webhook) body".
    let updates = parse_status_callback(
        br#"{"integrationId":"1","integrationName":"pocket","event":{"messageStatusUpdate":[
            {"channel":"sms","timestamp":1506607698000,"statusCode":4,"status":"DEVICE_ACK",
             "messageId":"02ca87d5","clientMessageId":"n-1"}]}}"#,
    )
    .expect("parses");
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].status, DeliveryStatus::DeviceAck);
    assert_eq!(updates[0].client_message_id.as_deref(), Some("n-1"));
    assert_eq!(updates[0].status_code, Some(4));
}

#[test]
fn unreadable_answers_are_malformed() {
    for body in [&b""[..], b"<html>", b"[]", b"{}", b"{\"messages\":7}", b"{\"error\":{\"x\":1}}"] {
        let error = parse_send_answer(body).expect_err("unreadable");
        assert!(matches!(error, ClickatellError::Malformed(_)), "{error:?}");
    }
    assert!(parse_status_callback(b"{\"event\":{}}").is_err());
    assert!(parse_status_answer(b"{\"sms\":{}}").is_err());
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_the_parsers(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_send_answer(&bytes);
        let _ = parse_status_answer(&bytes);
        let _ = parse_status_callback(&bytes);
    }

    #[test]
    fn arbitrary_json_like_text_never_panics_the_parsers(
        text in r#"\{("(messages|error|sms|event|messageStatusUpdate|code|to|accepted|apiMessageId|status|messageId)"|[\[\]{}:,0-9.e+-]|true|false|null|"[a-z ]{0,5}"){0,40}"#,
    ) {
        let _ = parse_send_answer(text.as_bytes());
        let _ = parse_status_answer(text.as_bytes());
        let _ = parse_status_callback(text.as_bytes());
    }

    #[test]
    fn part_counts_never_panic_and_are_at_least_one(text in any::<String>()) {
        prop_assert!(sms_parts(&text).parts >= 1);
    }
}
