//! CSV as spreadsheets read it (RFC 4180): comma-separated, CRLF line ends, a field quoted when
//! it holds a comma, a quote or a line break, with its quotes doubled. A field that a spreadsheet
//! would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is
//! prefixed with an apostrophe, so an exported name like `=HYPERLINK(...)` stays text (OWASP,
//! "CSV Injection"). Numbers are written by the exporter as numbers and are not touched.

/// One cell of a row: text from the data (guarded) or a number (written as is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Number(i64),
    /// Cents written as rands with two decimals (`-12.50`), as a number.
    Rands(i64),
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::Text(text.to_owned())
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell::Text(text)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Number(n)
    }
}

/// A text field made safe for a spreadsheet and quoted when it must be.
pub fn field(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

fn rands(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// The whole file: the header and the rows.
pub fn write(header: &[&str], rows: &[Vec<Cell>]) -> String {
    let mut out = String::new();
    let line = |cells: Vec<String>, out: &mut String| {
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    };
    line(header.iter().map(|h| field(h)).collect(), &mut out);
    for row in rows {
        let cells = row
            .iter()
            .map(|c| match c {
                Cell::Text(t) => field(t),
                Cell::Number(n) => n.to_string(),
                Cell::Rands(c) => rands(*c),
            })
            .collect();
        line(cells, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commas_quotes_and_line_breaks_are_quoted() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("cr\rlf"), "\"cr\rlf\"");
        assert_eq!(field(""), "");
    }

    #[test]
    fn formulas_are_kept_as_text() {
        assert_eq!(field("=1+2"), "'=1+2");
        assert_eq!(field("+27821234567"), "'+27821234567");
        assert_eq!(field("-5"), "'-5");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(field("\tx"), "'\tx");
        assert_eq!(
            field("=HYPERLINK(\"http://x\",\"a,b\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"a,b\"\")\""
        );
        assert_eq!(field("a=b"), "a=b");
    }

    #[test]
    fn a_file_has_a_header_crlf_lines_and_numbers_as_numbers() {
        let rows = vec![
            vec![Cell::from("active"), Cell::Number(3), Cell::Rands(150_050)],
            vec![Cell::from("x,y"), Cell::Number(-2), Cell::Rands(-5)],
            vec![Cell::from("=cmd|' /C calc'!A0"), Cell::Number(0), Cell::Rands(0)],
        ];
        let text = write(&["status", "loans", "principal (R)"], &rows);
        assert_eq!(
            text,
            "status,loans,principal (R)\r\nactive,3,1500.50\r\n\"x,y\",-2,-0.05\r\n'=cmd|' /C calc'!A0,0,0.00\r\n"
        );
    }
}
