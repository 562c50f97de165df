//! SOAP 1.1 envelopes on the client's side: building requests with escaping and reading the one
//! result string (or fault) out of an answer (netcash-niws.md, "Transport").

use quick_xml::Reader;
use quick_xml::events::Event;

use super::NetcashError;

const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// netcash-niws.md: target namespace `http://tempuri.org/`.
pub(crate) const TNS: &str = "http://tempuri.org/";

/// Appends `text` escaped for element content. Tabs and carriage returns become character
/// references so they survive any normalisation (netcash-niws.md shows `&#9;` in `File`).
pub fn escape_into(out: &mut String, text: &str) {
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        let replacement = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\t' => "&#9;",
            b'\r' => "&#xD;",
            _ => continue,
        };
        out.push_str(&text[start..i]);
        out.push_str(replacement);
        start = i + 1;
    }
    out.push_str(&text[start..]);
}

/// The request envelope for `operation` with its parameters in order.
pub fn request_envelope(operation: &str, params: &[(&str, &str)]) -> String {
    let size: usize = params.iter().map(|(n, v)| 2 * n.len() + v.len() * 9 / 8 + 16).sum();
    let mut out = String::with_capacity(size + 256);
    out.push_str("<env:Envelope xmlns:env=\"");
    out.push_str(SOAP_ENV);
    out.push_str("\" xmlns:tns=\"");
    out.push_str(TNS);
    out.push_str("\"><env:Body><tns:");
    out.push_str(operation);
    out.push('>');
    for (name, value) in params {
        out.push_str("<tns:");
        out.push_str(name);
        out.push('>');
        escape_into(&mut out, value);
        out.push_str("</tns:");
        out.push_str(name);
        out.push('>');
    }
    out.push_str("</tns:");
    out.push_str(operation);
    out.push_str("></env:Body></env:Envelope>");
    out
}

/// What an answer's body holds.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// The text of `<Op>Result`, line breaks normalised to `\n`.
    Result(String),
    /// A SOAP fault.
    Fault {
        /// The `faultcode`.
        code: String,
        /// The `faultstring`.
        message: String,
    },
}

fn malformed(why: impl std::fmt::Display) -> NetcashError {
    NetcashError::Malformed(why.to_string())
}

/// Reads `Envelope/Body/<operation>Response/<operation>Result` or `Envelope/Body/Fault`,
/// whatever the namespace prefixes are. `&#xD;` and CR LF line breaks come back as `\n`.
pub fn parse_answer(operation: &str, body: &str) -> Result<Answer, NetcashError> {
    let response = format!("{operation}Response");
    let result = format!("{operation}Result");
    let mut reader = Reader::from_str(body);
    let mut path: Vec<Vec<u8>> = Vec::new();
    let mut text = String::new();
    let mut found: Option<String> = None;
    let mut fault: Option<(String, String)> = None;
    let mut in_fault = false;
    let is_at = |path: &[Vec<u8>], names: &[&[u8]]| {
        path.len() == names.len() && path.iter().zip(names).all(|(a, b)| a.as_slice() == *b)
    };
    loop {
        let event = reader.read_event().map_err(malformed)?;
        match event {
            Event::Start(e) => {
                path.push(e.local_name().as_ref().to_vec());
                text.clear();
                if is_at(&path, &[b"Envelope", b"Body", b"Fault"]) {
                    in_fault = true;
                    fault = Some((String::new(), String::new()));
                }
            }
            Event::Empty(e) => {
                let mut full = path.clone();
                full.push(e.local_name().as_ref().to_vec());
                if is_at(&full, &[b"Envelope", b"Body", response.as_bytes(), result.as_bytes()]) {
                    found = Some(String::new());
                }
            }
            Event::End(_) => {
                if is_at(&path, &[b"Envelope", b"Body", response.as_bytes(), result.as_bytes()]) {
                    found = Some(std::mem::take(&mut text));
                } else if in_fault && path.len() == 4 {
                    let value = std::mem::take(&mut text);
                    if let Some((code, message)) = fault.as_mut() {
                        match path[3].as_slice() {
                            b"faultcode" => *code = value,
                            b"faultstring" => *message = value,
                            _ => {}
                        }
                    }
                }
                if path.len() == 3 {
                    in_fault = false;
                }
                path.pop();
            }
            Event::Text(t) => text.push_str(&t.decode().map_err(malformed)?),
            Event::CData(c) => text.push_str(&c.decode().map_err(malformed)?),
            Event::GeneralRef(r) => match r.resolve_char_ref().map_err(malformed)? {
                Some(ch) => text.push(ch),
                None => text.push(match r.decode().map_err(malformed)?.as_ref() {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    other => return Err(malformed(format!("unknown entity &{other};"))),
                }),
            },
            Event::Eof => break,
            _ => {}
        }
    }
    if !path.is_empty() {
        return Err(malformed("the envelope ends early"));
    }
    if let Some((code, message)) = fault {
        return Ok(Answer::Fault {
            code: code.trim().to_owned(),
            message: message.trim().to_owned(),
        });
    }
    let text = found.ok_or_else(|| malformed(format!("no {result} in the envelope")))?;
    Ok(Answer::Result(normalise_line_breaks(text)))
}

fn normalise_line_breaks(text: String) -> String {
    if text.contains('\r') { text.replace("\r\n", "\n").replace('\r', "\n") } else { text }
}
