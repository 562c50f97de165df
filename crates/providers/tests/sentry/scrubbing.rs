//! An event that carries every kind of personal data in every place, captured in memory with
//! the real hooks: none of it survives, and what is not personal does (sentry.md, "Tests").

use std::collections::BTreeMap;

use pocket_providers::telemetry::{SentrySettings, client_options, scrub_text};
use proptest::prelude::*;
use sentry::protocol::{Breadcrumb, Event, Exception, Level, Request, User, Value};

use crate::{ACCOUNT, EMAIL, ID_NUMBER, PHONES, leaks};

fn personal_sentence() -> String {
    format!(
        "applicant {ID_NUMBER} ({EMAIL}, phones {}) account {ACCOUNT} failed at \
         2026-11-25T18:51:20Z in job 42",
        PHONES.join(" / ")
    )
}

#[test]
fn no_personal_data_survives_in_any_part_of_an_event() {
    let settings = SentrySettings {
        dsn: None,
        environment: Some("test".to_owned()),
        release: Some("pocket@0.1.0".to_owned()),
    };
    let sentence = personal_sentence();
    let events = sentry::test::with_captured_events_options(
        || {
            sentry::add_breadcrumb(Breadcrumb {
                message: Some(format!("SMS to {} queued", PHONES[1])),
                data: BTreeMap::from([
                    ("recipient".to_owned(), Value::from(PHONES[0])),
                    ("account_number".to_owned(), Value::from(ACCOUNT)),
                    ("loan".to_owned(), Value::from("L-1042")),
                ]),
                category: Some("notification".to_owned()),
                ..Default::default()
            });
            let mut extra = BTreeMap::new();
            extra.insert("detail".to_owned(), Value::from(sentence.clone()));
            extra.insert("id_number".to_owned(), Value::from(ID_NUMBER));
            extra.insert("numeric_account".to_owned(), Value::from(62_001_234_567_u64));
            extra.insert(
                "nested".to_owned(),
                serde_json::json!({ "contact": [EMAIL, PHONES[2]], "attempts": 3 }),
            );
            extra.insert("presentment".to_owned(), Value::from("P-1042"));
            let mut tags = BTreeMap::new();
            tags.insert("applicant".to_owned(), format!("{ID_NUMBER} {EMAIL}"));
            tags.insert("email".to_owned(), "anything".to_owned());
            tags.insert("provider".to_owned(), "netcash".to_owned());
            let request = Request {
                url: format!("https://portal.pocketloans.co.za/apply?msisdn={}&step=2", PHONES[3])
                    .parse()
                    .ok(),
                method: Some("POST".to_owned()),
                data: Some(format!("{{\"id_number\":\"{ID_NUMBER}\",\"email\":\"{EMAIL}\"}}")),
                query_string: Some(format!("msisdn={}&step=2", PHONES[3])),
                cookies: Some("session=abc123456789".to_owned()),
                headers: BTreeMap::from([
                    ("Authorization".to_owned(), "Bearer abcdef".to_owned()),
                    ("Cookie".to_owned(), "session=abc".to_owned()),
                    ("User-Agent".to_owned(), "Mozilla/5.0".to_owned()),
                    ("X-Contact".to_owned(), EMAIL.to_owned()),
                ]),
                ..Default::default()
            };
            sentry::capture_event(Event {
                message: Some(sentence.clone()),
                level: Level::Error,
                exception: vec![Exception {
                    ty: "MandateError".to_owned(),
                    value: Some(format!("no mandate for {ID_NUMBER}, call {}", PHONES[4])),
                    ..Default::default()
                }]
                .into(),
                extra,
                tags,
                request: Some(request),
                user: Some(User {
                    id: Some("applicant-17".to_owned()),
                    email: Some(EMAIL.to_owned()),
                    ip_address: Some("196.25.1.1".parse().expect("an address")),
                    username: Some(ID_NUMBER.to_owned()),
                    ..Default::default()
                }),
                ..Default::default()
            });
        },
        client_options(&settings),
    );
    assert_eq!(events.len(), 1);
    let event = &events[0];
    let json = serde_json::to_string(event).expect("serialises");
    assert!(leaks(&json).is_empty(), "{:?} in {json}", leaks(&json));

    // What is not personal survives.
    let message = event.message.as_deref().expect("a message");
    assert!(message.contains("applicant [id-number]"), "{message}");
    assert!(
        message.contains("[email]") && message.contains("[phone]") && message.contains("[number]")
    );
    assert!(message.contains("2026-11-25T18:51:20Z in job 42"), "{message}");
    assert_eq!(event.exception.values[0].ty, "MandateError");
    assert_eq!(
        event.exception.values[0].value.as_deref(),
        Some("no mandate for [id-number], call [phone]")
    );
    assert_eq!(event.tags.get("provider").map(String::as_str), Some("netcash"));
    assert_eq!(event.tags.get("email").map(String::as_str), Some("[redacted]"));
    assert_eq!(event.extra.get("presentment"), Some(&Value::from("P-1042")));
    assert_eq!(event.extra["nested"]["attempts"], 3);
    let breadcrumb = &event.breadcrumbs.values[0];
    assert_eq!(breadcrumb.message.as_deref(), Some("SMS to [phone] queued"));
    assert_eq!(breadcrumb.data.get("loan"), Some(&Value::from("L-1042")));
    assert_eq!(breadcrumb.category.as_deref(), Some("notification"));
    let request = event.request.as_ref().expect("the request stays");
    assert!(request.data.is_none() && request.cookies.is_none());
    assert!(
        !request.headers.contains_key("Authorization") && !request.headers.contains_key("Cookie")
    );
    assert_eq!(request.headers.get("User-Agent").map(String::as_str), Some("Mozilla/5.0"));
    assert_eq!(request.method.as_deref(), Some("POST"));
    let user = event.user.as_ref().expect("the user id stays");
    assert_eq!(user.id.as_deref(), Some("applicant-17"));
    assert!(user.email.is_none() && user.ip_address.is_none() && user.username.is_none());
    assert_eq!(event.environment.as_deref(), Some("test"));
    assert_eq!(event.release.as_deref(), Some("pocket@0.1.0"));
}

#[test]
fn without_a_dsn_sentry_is_off() {
    assert!(pocket_providers::telemetry::init_sentry(SentrySettings::default()).is_none());
    let settings = SentrySettings { dsn: Some("  ".to_owned()), ..Default::default() };
    assert!(pocket_providers::telemetry::init_sentry(settings).is_none());
    let settings = SentrySettings { dsn: Some("not a dsn".to_owned()), ..Default::default() };
    assert!(pocket_providers::telemetry::init_sentry(settings).is_none());
    assert!(!client_options(&SentrySettings::default()).send_default_pii);
}

proptest! {
    #[test]
    fn the_scrubber_never_panics_on_arbitrary_text(text in any::<String>()) {
        let _ = scrub_text(&text);
    }

    #[test]
    fn personal_data_inside_arbitrary_text_never_survives(
        before in "[a-zA-Z :,.()+-]{0,20}",
        after in "[a-zA-Z :,.()-]{0,20}",
        which in 0usize..8,
    ) {
        let personal = [ID_NUMBER, ACCOUNT, EMAIL, PHONES[0], PHONES[1], PHONES[2], PHONES[3], PHONES[4]];
        let text = format!("{before} {} {after}", personal[which]);
        let scrubbed = scrub_text(&text);
        prop_assert!(leaks(&scrubbed).is_empty(), "{} -> {}", text, scrubbed);
    }
}
