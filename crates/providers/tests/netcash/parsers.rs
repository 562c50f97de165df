//! Every response parser fed arbitrary input: no panic, only typed errors.

use pocket_providers::netcash::wire::{Answer, escape_into, parse_answer};
use pocket_providers::netcash::{
    NetcashError, parse_batch_statuses, parse_load_reports, parse_statement,
};
use proptest::prelude::*;

fn only_malformed<T: std::fmt::Debug>(result: Result<T, NetcashError>) {
    if let Err(error) = result {
        assert!(matches!(error, NetcashError::Malformed(_)), "{error:?}");
    }
}

/// Text built from the pieces the parsers look for, so the cases reach past the first check.
fn report_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("###BEGIN ".to_owned()),
        Just("###END".to_owned()),
        Just("###ERROR:".to_owned()),
        Just("Acc Ref :".to_owned()),
        Just(" Line :".to_owned()),
        Just(" SUCCESSFUL".to_owned()),
        Just(" WITH ERRORS".to_owned()),
        Just(" UNSUCCESSFUL".to_owned()),
        Just("R1.00".to_owned()),
        Just("20261201".to_owned()),
        Just("\t".to_owned()),
        Just("\n".to_owned()),
        Just("TDD".to_owned()),
        Just("DRU".to_owned()),
        Just("Code: ".to_owned()),
        Just("+".to_owned()),
        Just("-".to_owned()),
        "[0-9.]{0,20}",
        ".{0,8}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

fn envelope_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">".to_owned()),
        Just("<s:Body>".to_owned()),
        Just("<XResponse>".to_owned()),
        Just("<XResult>".to_owned()),
        Just("</XResult>".to_owned()),
        Just("</XResponse>".to_owned()),
        Just("</s:Body>".to_owned()),
        Just("</s:Envelope>".to_owned()),
        Just("<s:Fault><faultcode>".to_owned()),
        Just("</faultcode></s:Fault>".to_owned()),
        Just("&#xD;".to_owned()),
        Just("&#9999999;".to_owned()),
        Just("&amp;".to_owned()),
        Just("&bogus;".to_owned()),
        Just("<![CDATA[x]]>".to_owned()),
        ".{0,8}",
    ];
    prop::collection::vec(piece, 0..30).prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn the_envelope_parser_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        only_malformed(parse_answer("X", &String::from_utf8_lossy(&bytes)));
    }

    #[test]
    fn the_envelope_parser_never_panics_on_envelope_like_text(text in envelope_like()) {
        only_malformed(parse_answer("X", &text));
    }

    #[test]
    fn the_load_report_parser_never_panics(text in report_like()) {
        only_malformed(parse_load_reports(&text));
        only_malformed(parse_batch_statuses(&text));
    }

    #[test]
    fn the_statement_parser_never_panics(text in report_like()) {
        only_malformed(parse_statement(&text));
    }

    #[test]
    fn the_text_parsers_never_panic_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        only_malformed(parse_load_reports(&text));
        only_malformed(parse_statement(&text));
        only_malformed(parse_batch_statuses(&text));
    }

    #[test]
    fn any_text_escaped_into_a_result_reads_back_the_same(text in "[^\\x00-\\x08\\x0B-\\x1F]{0,64}") {
        let mut envelope = String::from(
            "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>\
             <XResponse xmlns=\"http://tempuri.org/\"><XResult>",
        );
        escape_into(&mut envelope, &text);
        envelope.push_str("</XResult></XResponse></s:Body></s:Envelope>");
        prop_assert_eq!(parse_answer("X", &envelope).expect("parsed"), Answer::Result(text));
    }
}
