//! Sentry with personal data scrubbed (sentry.md): captured events in memory, delivery to the
//! sandbox's envelope sink over real HTTP, and the scrubber on arbitrary text.

mod scrubbing;
mod transport;

/// Personal data of every kind, spelt as it turns up in logs and errors.
pub(crate) const ID_NUMBER: &str = "7503305044089";
pub(crate) const ACCOUNT: &str = "62001234567";
pub(crate) const PHONES: &[&str] =
    &["082 123 4567", "+27 82 123 4567", "0821234567", "27821234567", "(082) 123-4567"];
pub(crate) const EMAIL: &str = "thandi.nkosi@example.co.za";

/// Whether `text` still holds any of the personal data above.
pub(crate) fn leaks(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    for needle in [ID_NUMBER, ACCOUNT, "821234567", "1234567"] {
        if text.contains(needle) {
            found.push(needle.to_owned());
        }
    }
    // Digits stitched together across separators (082 123 4567 read as one number).
    if digits.contains("821234567") {
        found.push("phone digits".to_owned());
    }
    for phone in PHONES {
        if text.contains(phone) {
            found.push((*phone).to_owned());
        }
    }
    if text.contains(EMAIL) || text.contains("thandi.nkosi@") || text.contains("@example.co.za") {
        found.push(EMAIL.to_owned());
    }
    found
}
