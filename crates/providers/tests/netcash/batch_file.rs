//! The H/K/T/F file and its envelope (netcash-niws.md, "Batch file" and "Request envelope
//! shape").

use pocket_domain::Money;
use pocket_providers::netcash::wire::{Answer, parse_answer, request_envelope};
use pocket_providers::netcash::{AccountReference, Batch, BatchError, Instruction, ServiceKey};

use crate::{action_date, batch, order};

#[test]
fn the_file_has_header_key_lines_in_k_order_and_a_footer_with_count_and_sum() {
    let file = batch(&[("P-1", 10_000), ("P-22", 15_000)]).file(&ServiceKey::new("KEY"), "VENDOR");
    assert_eq!(
        file,
        "H\tKEY\t1\tTwoDay\tLOANS-20261201-1\t20261201\tVENDOR\n\
         K\t101\t102\t131\t132\t133\t134\t135\t136\t162\n\
         T\tP-1\tCustomer P-1\t1\tT NKOSI\t1\t250655\t0\t62001230001\t10000\n\
         T\tP-22\tCustomer P-22\t1\tT NKOSI\t1\t250655\t0\t62001230022\t15000\n\
         F\t2\t25000\t9999"
    );
}

#[test]
fn the_batch_name_is_loans_the_action_date_and_the_sequence() {
    assert_eq!(Batch::new(Instruction::SameDay, action_date(), 7).name(), "LOANS-20261201-7");
}

#[test]
fn an_account_reference_has_two_to_twenty_two_characters() {
    assert!(AccountReference::parse("P").is_err());
    assert!(AccountReference::parse("P1").is_ok());
    assert!(AccountReference::parse(&"P".repeat(22)).is_ok());
    assert_eq!(
        AccountReference::parse(&"P".repeat(23)),
        Err(BatchError::AccountReferenceLength { found: 23 })
    );
    assert!(AccountReference::parse("P\t1").is_err(), "a tab would break the file");
}

#[test]
fn names_with_line_breaks_and_amounts_that_are_not_positive_are_refused() {
    let mut batch = Batch::new(Instruction::TwoDay, action_date(), 1);
    let mut bad_name = order("P-1", 100);
    bad_name.holder = "T\nNKOSI".to_owned();
    assert_eq!(batch.push(bad_name), Err(BatchError::Text { field: "account holder name" }));
    let mut zero = order("P-1", 100);
    zero.amount = Money::ZERO;
    assert_eq!(batch.push(zero), Err(BatchError::AmountNotPositive { cents: 0 }));
    assert!(batch.orders().is_empty());
}

#[test]
fn the_envelope_escapes_markup_and_writes_tabs_as_character_references() {
    let envelope = request_envelope("BatchFileUpload", &[("File", "H\tA&B <x>\nF")]);
    assert!(envelope.contains("<tns:File>H&#9;A&amp;B &lt;x&gt;\nF</tns:File>"), "{envelope}");
    assert!(
        envelope
            .starts_with("<env:Envelope xmlns:env=\"http://schemas.xmlsoap.org/soap/envelope/\"")
    );
}

#[test]
fn a_result_is_read_whatever_the_prefixes_and_with_carriage_returns_as_line_breaks() {
    let answers = [
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>\
         <XResponse xmlns=\"http://tempuri.org/\"><XResult>a&#xD;\nb&#xD;c</XResult></XResponse>\
         </s:Body></s:Envelope>",
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>\
         <t:XResponse xmlns:t=\"http://tempuri.org/\"><t:XResult>a\r\nb\rc</t:XResult>\
         </t:XResponse></soap:Body></soap:Envelope>",
    ];
    for answer in answers {
        assert_eq!(
            parse_answer("X", answer).expect("parsed"),
            Answer::Result("a\nb\nc".to_owned())
        );
    }
}
