//! How values read on screen: rands from cents (the domain's one formatting of money), dates and
//! times from the RFC 3339 text the shell sends, and status words as labels.

use pocket_domain::Money;

pub fn rand(cents: i64) -> String {
    Money::from_cents(cents).to_string()
}

pub fn opt_rand(cents: Option<i64>) -> String {
    cents.map(rand).unwrap_or_else(|| "—".to_owned())
}

/// `2026-11-25T09:30:00+00:00` as `2026-11-25 09:30`.
pub fn when(rfc3339: &str) -> String {
    let (date, rest) = rfc3339.split_once('T').unwrap_or((rfc3339, ""));
    let time: String = rest.chars().take(5).collect();
    if time.is_empty() { date.to_owned() } else { format!("{date} {time}") }
}

pub fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| "—".to_owned())
}

/// `documents_requested` as `Documents requested`.
pub fn words(code: &str) -> String {
    let spaced = code.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_words_read_plainly() {
        assert_eq!(when("2026-11-25T09:30:12.5+00:00"), "2026-11-25 09:30");
        assert_eq!(when("2026-11-25"), "2026-11-25");
        assert_eq!(words("documents_requested"), "Documents requested");
        assert_eq!(words(""), "");
    }
}
