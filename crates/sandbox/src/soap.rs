//! SOAP 1.1 plumbing both SOAP simulators share (netcash-niws.md, "Transport"; xds-connect.md):
//! reading the SOAPAction and the request envelope, and sending XML. How results and faults are
//! written differs between WCF (Netcash) and ASMX (XDS) and stays with each simulator. Written
//! independently of the clients' XML code in `pocket-providers`.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quick_xml::Reader;
use quick_xml::events::Event;

/// The SOAP 1.1 envelope namespace.
pub(crate) const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// One operation call read from a request body: the operation element and its child elements.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) operation: String,
    pub(crate) params: Vec<(String, String)>,
}

impl Call {
    /// The value of a parameter as sent, if it was sent.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// How strictly [`parse_request`] reads an envelope. The two simulators were written apart and
/// differ at the edges; each keeps its own reading so that no answer changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strictness {
    /// The Netcash simulator: parameters are read under any `Body` at the second level, and an
    /// envelope that stops before its end tags still counts.
    Lenient,
    /// The XDS simulator: parameters only under `Envelope/Body`, and an envelope that ends
    /// early is refused.
    Strict,
}

/// The `SOAPAction` header, empty when absent.
pub(crate) fn soap_action(headers: &HeaderMap) -> &str {
    headers.get("SOAPAction").and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// The operation a quoted `SOAPAction` names after `prefix` (both services quote it).
pub(crate) fn operation_of<'a>(action: &'a str, prefix: &str) -> Option<&'a str> {
    action.strip_prefix('"').and_then(|a| a.strip_suffix('"')).and_then(|a| a.strip_prefix(prefix))
}

/// An XML answer.
pub(crate) fn xml(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}

fn local(name: &[u8]) -> String {
    String::from_utf8_lossy(name).into_owned()
}

/// Reads `Envelope/Body/<Operation>/<Param>` whatever the namespace prefixes are.
pub(crate) fn parse_request(body: &str, strictness: Strictness) -> Result<Call, String> {
    let strict = strictness == Strictness::Strict;
    let mut reader = Reader::from_str(body);
    let mut path: Vec<String> = Vec::new();
    let mut call: Option<Call> = None;
    let mut text = String::new();
    let in_body = |path: &[String]| path.len() >= 2 && path[0] == "Envelope" && path[1] == "Body";
    // Where parameters are read: the lenient reading does not look at the root's name.
    let in_params = |path: &[String]| if strict { in_body(path) } else { path[1] == "Body" };
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => {
                path.push(local(e.local_name().as_ref()));
                text.clear();
                if path.len() == 3 && in_body(&path) {
                    call = Some(Call { operation: path[2].clone(), params: Vec::new() });
                }
            }
            Event::Empty(e) => {
                let name = local(e.local_name().as_ref());
                if path.len() == 2 && in_body(&path) {
                    call = Some(Call { operation: name, params: Vec::new() });
                } else if path.len() == 3
                    && in_params(&path)
                    && let Some(call) = call.as_mut()
                {
                    call.params.push((name, String::new()));
                }
            }
            Event::End(_) => {
                if path.len() == 4
                    && in_params(&path)
                    && let Some(call) = call.as_mut()
                {
                    call.params.push((path[3].clone(), std::mem::take(&mut text)));
                }
                path.pop();
            }
            Event::Text(t) => text.push_str(&t.decode().map_err(|e| e.to_string())?),
            Event::CData(c) => text.push_str(&c.decode().map_err(|e| e.to_string())?),
            Event::GeneralRef(r) => {
                if let Some(ch) = r.resolve_char_ref().map_err(|e| e.to_string())? {
                    text.push(ch);
                } else {
                    let name = r.decode().map_err(|e| e.to_string())?;
                    text.push(match name.as_ref() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => return Err(format!("unknown entity &{other};")),
                    });
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if strict && !path.is_empty() {
        return Err("the envelope ends early".to_owned());
    }
    call.ok_or_else(|| "no operation element in Envelope/Body".to_owned())
}
