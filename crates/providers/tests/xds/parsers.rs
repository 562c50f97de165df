//! The envelope and report parsers fed arbitrary and XML-like input, escaped or not: no panic,
//! only typed errors; and the double parse of an escaped report.

use pocket_domain::Money;
use pocket_providers::netcash::wire::escape_into;
use pocket_providers::xds::wire::{Answer, parse_answer};
use pocket_providers::xds::{BureauReport, XdsError, parse_match, parse_report};
use proptest::prelude::*;

fn only_typed<T: std::fmt::Debug>(result: Result<T, XdsError>) {
    if let Err(error) = result {
        assert!(matches!(error, XdsError::Malformed(_) | XdsError::Business { .. }), "{error:?}");
    }
}

fn report_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<Consumer>".to_owned()),
        Just("</Consumer>".to_owned()),
        Just("<ConsumerDetail><EnquiryID>1</EnquiryID></ConsumerDetail>".to_owned()),
        Just("<ConsumerScoring><FinalScore>".to_owned()),
        Just("</FinalScore></ConsumerScoring>".to_owned()),
        Just("<ConsumerAccountStatus><MonthlyInstalmentAmt>".to_owned()),
        Just("</MonthlyInstalmentAmt></ConsumerAccountStatus>".to_owned()),
        Just("<ConsumerJudgement><DisputeAmt>".to_owned()),
        Just("</DisputeAmt></ConsumerJudgement>".to_owned()),
        Just("<NoResult><Error>".to_owned()),
        Just("</Error></NoResult>".to_owned()),
        Just("<NoResult><NotFound/></NoResult>".to_owned()),
        Just("&lt;".to_owned()),
        Just("&amp;lt;".to_owned()),
        Just("&#x0;".to_owned()),
        Just("<![CDATA[x]]>".to_owned()),
        "[0-9 .R-]{0,24}",
        ".{0,8}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

fn envelope_around(result: &str) -> String {
    let mut out = String::from(
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>\
         <ConnectGetResultResponse xmlns=\"http://www.web.xds.co.za/XDSConnectWS\">\
         <ConnectGetResultResult>",
    );
    escape_into(&mut out, result);
    out.push_str(
        "</ConnectGetResultResult></ConnectGetResultResponse></soap:Body></soap:Envelope>",
    );
    out
}

proptest! {
    #[test]
    fn the_envelope_parser_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        only_typed(parse_answer("ConnectGetResult", &String::from_utf8_lossy(&bytes)));
    }

    #[test]
    fn the_report_parsers_never_panic_on_arbitrary_text(text in ".{0,256}") {
        only_typed(parse_report(&text));
        only_typed(parse_match(&text));
    }

    #[test]
    fn the_report_parsers_never_panic_on_report_like_text(text in report_like()) {
        only_typed(parse_report(&text));
        only_typed(parse_match(&text));
    }

    #[test]
    fn a_report_like_text_escaped_into_an_envelope_reads_back_and_parses_the_same(text in report_like()) {
        let answer = parse_answer("ConnectGetResult", &envelope_around(&text));
        let Ok(Answer::Result(inner)) = answer else { return Ok(()) };
        prop_assert_eq!(format!("{:?}", parse_report(&inner)), format!("{:?}", parse_report(&text)));
    }
}

#[test]
fn an_escaped_report_is_parsed_twice_into_a_typed_report() {
    let report = "<Consumer><ConsumerDetail><EnquiryID>7</EnquiryID></ConsumerDetail>\
                  <ConsumerScoring><FinalScore>650</FinalScore></ConsumerScoring>\
                  <ConsumerAccountStatus><SubscriberName>A &amp; B</SubscriberName>\
                  <MonthlyInstalmentAmt>1250.50</MonthlyInstalmentAmt></ConsumerAccountStatus>\
                  </Consumer>";
    let Answer::Result(inner) =
        parse_answer("ConnectGetResult", &envelope_around(report)).expect("an envelope")
    else {
        panic!("a result")
    };
    let BureauReport::Matched(parsed) = parse_report(&inner).expect("a report") else {
        panic!("a match")
    };
    assert_eq!(parsed.score, Some(650));
    assert_eq!(parsed.accounts[0].subscriber, "A & B");
    assert_eq!(parsed.monthly_obligations, Money::from_cents(125_050));
}

#[test]
fn a_negative_instalment_is_malformed() {
    let report = "<Consumer><ConsumerDetail/><ConsumerAccountStatus>\
                  <MonthlyInstalmentAmt>-10.00</MonthlyInstalmentAmt></ConsumerAccountStatus></Consumer>";
    assert!(matches!(parse_report(report), Err(XdsError::Malformed(_))));
}
