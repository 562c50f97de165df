//! Sentry error tracking for the server processes, with personal data scrubbed (sentry.md).
//!
//! [`init_sentry`] is off without a DSN. Every event and breadcrumb passes through
//! [`scrub_event`] and [`scrub_breadcrumb`] before it leaves the process: SA ID numbers, bank
//! account numbers (and any run of six or more digits), phone numbers and e-mail addresses are
//! replaced by placeholders, and request bodies, cookies and credentials are dropped. When in
//! doubt the scrubber removes too much rather than too little.

use std::borrow::Cow;
use std::sync::Arc;

use sentry::protocol::{Breadcrumb, Context, Event, Map, Value};

/// Placeholder of an SA ID number (13 digits).
pub const ID_NUMBER: &str = "[id-number]";
/// Placeholder of a phone number.
pub const PHONE: &str = "[phone]";
/// Placeholder of an e-mail address.
pub const EMAIL: &str = "[email]";
/// Placeholder of a run of 6 to 12 or 14 and more digits (bank accounts and the like).
pub const NUMBER: &str = "[number]";
/// Placeholder of a value dropped for its key or its kind.
pub const REDACTED: &str = "[redacted]";

/// What Sentry needs from configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SentrySettings {
    /// The DSN; `None` (or empty) turns Sentry off.
    pub dsn: Option<String>,
    /// `production`, `staging`, `development`.
    pub environment: Option<String>,
    /// The release, for example `pocket-portal@0.1.0`.
    pub release: Option<String>,
}

impl SentrySettings {
    /// Reads `SENTRY_DSN`, `SENTRY_ENVIRONMENT` and `SENTRY_RELEASE` (sentry.md).
    pub fn from_env() -> SentrySettings {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        SentrySettings {
            dsn: var("SENTRY_DSN"),
            environment: var("SENTRY_ENVIRONMENT"),
            release: var("SENTRY_RELEASE"),
        }
    }
}

/// The client options: no default PII, and the scrubbing hooks. The DSN is not set here
/// (see [`init_sentry`]), so tests can use these options with a test transport.
pub fn client_options(settings: &SentrySettings) -> sentry::ClientOptions {
    let mut options = sentry::ClientOptions::default();
    options.environment = settings.environment.clone().map(Cow::Owned);
    options.release = settings.release.clone().map(Cow::Owned);
    // sentry.md: `send_default_pii` alone does not scrub; the hooks below do.
    options.send_default_pii = false;
    options.before_send = Some(Arc::new(|event| Some(scrub_event(event))));
    options.before_breadcrumb = Some(Arc::new(|breadcrumb| Some(scrub_breadcrumb(breadcrumb))));
    options
}

/// Starts Sentry; `None` without a DSN (sentry.md: "No DSN means Sentry is off, silently"), and
/// also with a DSN that does not parse (said once on standard error). Keep the guard alive for
/// the life of the process: dropping it flushes the queue.
pub fn init_sentry(settings: SentrySettings) -> Option<sentry::ClientInitGuard> {
    let dsn = settings.dsn.as_deref().map(str::trim).filter(|d| !d.is_empty())?;
    let dsn = match dsn.parse::<sentry::types::Dsn>() {
        Ok(dsn) => dsn,
        Err(e) => {
            eprintln!("SENTRY_DSN is not a valid DSN ({e}); Sentry is off");
            return None;
        }
    };
    let mut options = client_options(&settings);
    options.dsn = Some(dsn);
    Some(sentry::init(options))
}

// Keys whose values are dropped whatever they hold.
const SECRET_KEYS: &[&str] = &[
    "authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "proxy-authorization",
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "session",
    "email",
    "e-mail",
    "phone",
    "mobile",
    "msisdn",
    "cell",
    "id_number",
    "idnumber",
    "sa_id",
    "account_number",
    "accountnumber",
    "bank_account",
    "body",
];

fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    SECRET_KEYS.iter().any(|secret| key.contains(secret))
}

/// Scrubs an event: every free text, the extra data, tags, breadcrumbs, the request (whose body,
/// cookies and credentials go), the user (only an id stays), exceptions and stack frame
/// variables (dropped).
pub fn scrub_event(mut event: Event<'static>) -> Event<'static> {
    scrub_option(&mut event.message);
    if let Some(entry) = &mut event.logentry {
        entry.message = scrub_text(&entry.message).into_owned();
        entry.params.iter_mut().for_each(scrub_value);
    }
    scrub_option(&mut event.transaction);
    scrub_option(&mut event.culprit);
    for exception in &mut event.exception.values {
        scrub_option(&mut exception.value);
        for stacktrace in
            [&mut exception.stacktrace, &mut exception.raw_stacktrace].into_iter().flatten()
        {
            stacktrace.frames.iter_mut().for_each(|frame| frame.vars.clear());
        }
        exception.mechanism.iter_mut().for_each(|m| {
            scrub_option(&mut m.description);
            scrub_map(&mut m.data);
        });
    }
    for thread in &mut event.threads.values {
        if let Some(stacktrace) = &mut thread.stacktrace {
            stacktrace.frames.iter_mut().for_each(|frame| frame.vars.clear());
        }
    }
    scrub_map(&mut event.extra);
    let tags = std::mem::take(&mut event.tags);
    event.tags = tags
        .into_iter()
        .map(|(key, value)| {
            let value =
                if is_secret_key(&key) { REDACTED.to_owned() } else { scrub_text(&value).into() };
            (key, value)
        })
        .collect();
    let breadcrumbs = std::mem::take(&mut event.breadcrumbs.values);
    event.breadcrumbs.values = breadcrumbs.into_iter().map(scrub_breadcrumb).collect();
    if let Some(request) = &mut event.request {
        // sentry.md: request bodies go, and so do cookies and credentials.
        request.data = None;
        request.cookies = None;
        request.env.clear();
        request.headers.retain(|name, _| !is_secret_key(name));
        request.headers.values_mut().for_each(|v| *v = scrub_text(v).into_owned());
        scrub_option(&mut request.query_string);
        if let Some(url) = &request.url {
            let text = url.as_str();
            let scrubbed = scrub_text(text);
            if scrubbed != text {
                request.url = scrubbed.parse().ok();
            }
        }
    }
    if let Some(user) = &mut event.user {
        user.email = None;
        user.ip_address = None;
        user.username = None;
        user.other.clear();
        scrub_option(&mut user.id);
    }
    for context in event.contexts.values_mut() {
        if let Context::Other(map) = context {
            scrub_map(map);
        }
    }
    event
}

/// Scrubs a breadcrumb: its message and data.
pub fn scrub_breadcrumb(mut breadcrumb: Breadcrumb) -> Breadcrumb {
    scrub_option(&mut breadcrumb.message);
    scrub_map(&mut breadcrumb.data);
    breadcrumb
}

fn scrub_option(text: &mut Option<String>) {
    if let Some(t) = text
        && let Cow::Owned(scrubbed) = scrub_text(t)
    {
        *t = scrubbed;
    }
}

fn scrub_map(map: &mut Map<String, Value>) {
    for (key, value) in map.iter_mut() {
        if is_secret_key(key) {
            *value = Value::String(REDACTED.to_owned());
        } else {
            scrub_value(value);
        }
    }
}

fn scrub_value(value: &mut Value) {
    match value {
        Value::String(text) => {
            if let Cow::Owned(scrubbed) = scrub_text(text) {
                *text = scrubbed;
            }
        }
        // A number of six digits or more may be an account or an ID number.
        Value::Number(n) if n.to_string().bytes().filter(u8::is_ascii_digit).count() >= 6 => {
            *value = Value::String(NUMBER.to_owned());
        }
        Value::Array(items) => items.iter_mut().for_each(scrub_value),
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if is_secret_key(key) {
                    *item = Value::String(REDACTED.to_owned());
                } else {
                    scrub_value(item);
                }
            }
        }
        _ => {}
    }
}

/// Replaces e-mail addresses, SA phone numbers in their usual spellings (`082 123 4567`,
/// `+27 82 123 4567`, `0027821234567`, `(082) 123-4567`), 13-digit runs (SA ID numbers) and
/// any other run of six digits or more (bank account numbers, and unavoidably some harmless
/// numbers: over-scrubbing is the safe side). Short numbers, dates and times survive.
pub fn scrub_text(text: &str) -> Cow<'_, str> {
    let needs = text.contains('@') || text.bytes().filter(u8::is_ascii_digit).count() >= 6;
    if !needs {
        return Cow::Borrowed(text);
    }
    let without_emails = scrub_emails(text);
    let scrubbed = scrub_numbers(&without_emails);
    if scrubbed == text { Cow::Borrowed(text) } else { Cow::Owned(scrubbed) }
}

fn is_local_char(c: char) -> bool {
    c.is_alphanumeric() || "._%+-'".contains(c)
}

fn is_domain_char(c: char) -> bool {
    c.is_alphanumeric() || c == '.' || c == '-'
}

fn scrub_emails(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '@' {
            i += 1;
            continue;
        }
        let mut start = i;
        while start > copied && is_local_char(chars[start - 1]) {
            start -= 1;
        }
        let mut end = i + 1;
        while end < chars.len() && is_domain_char(chars[end]) {
            end += 1;
        }
        // A trailing full stop ends the sentence, not the domain.
        while end > i + 1 && chars[end - 1] == '.' {
            end -= 1;
        }
        let domain: String = chars[i + 1..end].iter().collect();
        let is_email = start < i
            && domain.split('.').count() >= 2
            && domain.split('.').all(|label| !label.is_empty());
        if is_email {
            out.extend(&chars[copied..start]);
            out.push_str(EMAIL);
            copied = end;
            i = end;
        } else {
            i += 1;
        }
    }
    out.extend(&chars[copied..]);
    out
}

/// The end (exclusive) of an SA mobile number spelt from `start`, if one is there.
fn phone_at(chars: &[char], start: usize) -> Option<usize> {
    let mut digits = String::new();
    let mut ends = Vec::new();
    let mut i = start;
    if chars.get(i) == Some(&'+') {
        i += 1;
    }
    let mut last_was_separator = true;
    while i < chars.len() && digits.len() < 13 {
        let c = chars[i];
        if c.is_ascii_digit() {
            digits.push(c);
            ends.push(i + 1);
            last_was_separator = false;
        } else if matches!(c, ' ' | '-' | '(' | ')') && !(last_was_separator && c != '(') {
            last_was_separator = c != ')';
        } else {
            break;
        }
        i += 1;
    }
    // identity.md: 9 digits after the country code, starting with 6, 7 or 8.
    let mobile = |d: Option<u8>| d.is_some_and(|d| (b'6'..=b'8').contains(&d));
    let bytes = digits.as_bytes();
    let count = if digits.starts_with("0027") && mobile(bytes.get(4).copied()) {
        13
    } else if digits.starts_with("27") && mobile(bytes.get(2).copied()) {
        11
    } else if digits.starts_with('0') && mobile(bytes.get(1).copied()) {
        10
    } else {
        return None;
    };
    let end = *ends.get(count - 1)?;
    let followed_by_digit = chars.get(end).is_some_and(char::is_ascii_digit);
    (!followed_by_digit).then_some(end)
}

fn scrub_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at_boundary = i == 0 || !chars[i - 1].is_ascii_digit();
        if at_boundary
            && (c == '+' || c == '(' || c.is_ascii_digit())
            && let Some(end) = phone_at(&chars, i)
        {
            out.push_str(PHONE);
            i = end;
            continue;
        }
        if c.is_ascii_digit() {
            let mut end = i;
            while end < chars.len() && chars[end].is_ascii_digit() {
                end += 1;
            }
            match end - i {
                13 => out.push_str(ID_NUMBER),
                n if n >= 6 => out.push_str(NUMBER),
                _ => out.extend(&chars[i..end]),
            }
            i = end;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_personal_data_in_text_becomes_a_placeholder() {
        let cases = [
            ("ID 7503305044089 failed", "ID [id-number] failed"),
            ("mail thandi.nkosi+loans@example.co.za.", "mail [email]."),
            ("call 082 123 4567 now", "call [phone] now"),
            ("call +27 82 123 4567", "call [phone]"),
            ("call 0027821234567", "call [phone]"),
            ("call 27821234567", "call [phone]"),
            ("call (082) 123-4567", "call [phone]"),
            ("account 62001234567 at 250655", "account [number] at [number]"),
            (
                "at 2026-11-25T18:51:20Z job 42 took 1234 ms",
                "at 2026-11-25T18:51:20Z job 42 took 1234 ms",
            ),
            ("loan 5a0e1c3b-7d24-4f6e", "loan 5a0e1c3b-7d24-4f6e"),
            ("user@localhost is no address", "user@localhost is no address"),
        ];
        for (text, expected) in cases {
            assert_eq!(scrub_text(text), expected, "{text}");
        }
    }
}
