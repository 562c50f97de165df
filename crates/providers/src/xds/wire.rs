//! SOAP 1.1 on the client's side for XDS Connect: request envelopes, the one result string (or
//! fault) of an answer, and the small element tree the result string is parsed into again
//! (xds-connect.md: "parse the envelope, then parse the string again").

use quick_xml::Reader;
use quick_xml::events::{BytesRef, Event};

use super::error::{XdsError, malformed};
use crate::netcash::wire::escape_into;

const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// xds-connect.md: namespace `http://www.web.xds.co.za/XDSConnectWS`.
pub const NAMESPACE: &str = "http://www.web.xds.co.za/XDSConnectWS";

/// The quoted SOAPAction of `operation`.
pub fn soap_action(operation: &str) -> String {
    // xds-connect.md: `"http://www.web.xds.co.za/XDSConnectWS/<Operation>"`, with the quotes.
    format!("\"{NAMESPACE}/{operation}\"")
}

/// The request envelope for `operation` with its parameters in order (ASMX document/literal:
/// the operation element and its parameters in the service's namespace).
pub fn request_envelope(operation: &str, params: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(
        320 + params.iter().map(|(n, v)| 2 * n.len() + v.len() + 5).sum::<usize>(),
    );
    out.push_str("<soap:Envelope xmlns:soap=\"");
    out.push_str(SOAP_ENV);
    out.push_str("\"><soap:Body><");
    out.push_str(operation);
    out.push_str(" xmlns=\"");
    out.push_str(NAMESPACE);
    out.push_str("\">");
    for (name, value) in params {
        out.push('<');
        out.push_str(name);
        out.push('>');
        escape_into(&mut out, value);
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
    out.push_str("</");
    out.push_str(operation);
    out.push_str("></soap:Body></soap:Envelope>");
    out
}

/// What an answer's body holds.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// The text of `<Op>Result`, unescaped once.
    Result(String),
    /// A SOAP fault.
    Fault {
        /// The `faultcode`.
        code: String,
        /// The `faultstring`.
        message: String,
    },
}

/// One XML element: its local name, its own text, and its child elements.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// The local name (any namespace prefix dropped).
    pub name: String,
    /// The text directly inside, entities resolved.
    pub text: String,
    /// The child elements in order.
    pub children: Vec<Element>,
}

impl Element {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child named `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of the first child named `name`, if present and not blank.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim()).filter(|t| !t.is_empty())
    }
}

fn resolve(reference: &BytesRef<'_>, text: &mut String) -> Result<(), XdsError> {
    match reference.resolve_char_ref().map_err(malformed)? {
        Some(ch) => text.push(ch),
        None => text.push(match reference.decode().map_err(malformed)?.as_ref() {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            other => return Err(malformed(format!("unknown entity &{other};"))),
        }),
    }
    Ok(())
}

/// Parses a whole document into its root element, whatever the namespace prefixes are. Built
/// with an explicit stack, so deep nesting cannot overflow the call stack.
pub fn parse_document(xml: &str) -> Result<Element, XdsError> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = reader.read_event().map_err(malformed)?;
        let attach =
            |element: Element, stack: &mut Vec<Element>, root: &mut Option<Element>| match stack
                .last_mut()
            {
                Some(parent) => {
                    parent.children.push(element);
                    Ok(())
                }
                None if root.is_none() => {
                    *root = Some(element);
                    Ok(())
                }
                None => Err(malformed("more than one root element")),
            };
        match event {
            Event::Start(e) => {
                if root.is_some() && stack.is_empty() {
                    return Err(malformed("more than one root element"));
                }
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                stack.push(Element { name, ..Element::default() });
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                attach(Element { name, ..Element::default() }, &mut stack, &mut root)?;
            }
            Event::End(_) => {
                let element = stack.pop().ok_or_else(|| malformed("an end tag without a start"))?;
                attach(element, &mut stack, &mut root)?;
            }
            Event::Text(t) => {
                let text = t.decode().map_err(malformed)?;
                match stack.last_mut() {
                    Some(top) => top.text.push_str(&text),
                    None if text.trim().is_empty() => {}
                    None => return Err(malformed("text outside the root element")),
                }
            }
            Event::CData(c) => {
                let text = c.decode().map_err(malformed)?;
                let top = stack.last_mut().ok_or_else(|| malformed("CDATA outside the root"))?;
                top.text.push_str(&text);
            }
            Event::GeneralRef(r) => {
                let top =
                    stack.last_mut().ok_or_else(|| malformed("a reference outside the root"))?;
                resolve(&r, &mut top.text)?;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(malformed("the document ends early"));
    }
    root.ok_or_else(|| malformed("no element in the document"))
}

/// Reads `Envelope/Body/<operation>Response/<operation>Result` or `Envelope/Body/Fault`.
pub fn parse_answer(operation: &str, body: &str) -> Result<Answer, XdsError> {
    let envelope = parse_document(body)?;
    if envelope.name != "Envelope" {
        return Err(malformed(format!("the root is {}, not Envelope", envelope.name)));
    }
    let body = envelope.child("Body").ok_or_else(|| malformed("no Body in the envelope"))?;
    if let Some(fault) = body.child("Fault") {
        let text = |name: &str| fault.child(name).map(|c| c.text.trim().to_owned());
        return Ok(Answer::Fault {
            code: text("faultcode").unwrap_or_default(),
            message: text("faultstring").unwrap_or_default(),
        });
    }
    let response = format!("{operation}Response");
    let result = format!("{operation}Result");
    body.child(&response)
        .and_then(|r| r.child(&result))
        .map(|r| Answer::Result(r.text.clone()))
        .ok_or_else(|| malformed(format!("no {response}/{result} in the envelope")))
}
