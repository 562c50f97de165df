//! SOAP 1.1 on the XDS simulator's side, as an ASMX service writes it: reading a request
//! envelope, writing results and faults (xds-connect.md). Written independently of the client's
//! XML code in `pocket-providers`.

use quick_xml::Reader;
use quick_xml::events::Event;

/// xds-connect.md: namespace `http://www.web.xds.co.za/XDSConnectWS`.
pub(crate) const NAMESPACE: &str = "http://www.web.xds.co.za/XDSConnectWS";
const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// One operation call read from a request body.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) operation: String,
    pub(crate) params: Vec<(String, String)>,
}

impl Call {
    /// The trimmed value of a parameter, empty when absent.
    pub(crate) fn param(&self, name: &str) -> &str {
        self.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim()).unwrap_or("")
    }
}

fn local(name: &[u8]) -> String {
    String::from_utf8_lossy(name).into_owned()
}

/// Reads `Envelope/Body/<Operation>/<Param>` whatever the namespace prefixes are.
pub(crate) fn parse_request(body: &str) -> Result<Call, String> {
    let mut reader = Reader::from_str(body);
    let mut path: Vec<String> = Vec::new();
    let mut call: Option<Call> = None;
    let mut text = String::new();
    let in_body = |path: &[String]| path.len() >= 2 && path[0] == "Envelope" && path[1] == "Body";
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
                    && in_body(&path)
                    && let Some(call) = call.as_mut()
                {
                    call.params.push((name, String::new()));
                }
            }
            Event::End(_) => {
                if path.len() == 4
                    && in_body(&path)
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
    if !path.is_empty() {
        return Err("the envelope ends early".to_owned());
    }
    call.ok_or_else(|| "no operation element in Envelope/Body".to_owned())
}

/// Escapes text content: the markup characters.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            other => out.push(other),
        }
    }
    out
}

/// `<Op>Response/<Op>Result` holding one string, escaped (xds-connect.md: "Results are escaped
/// XML inside the `...Result` element").
pub(crate) fn result_envelope(operation: &str, result: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope xmlns:soap=\"{SOAP_ENV}\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"><soap:Body><{operation}Response \
         xmlns=\"{NAMESPACE}\"><{operation}Result>{}</{operation}Result></{operation}Response>\
         </soap:Body></soap:Envelope>",
        escape(result)
    )
}

/// A SOAP 1.1 fault as ASMX writes it.
pub(crate) fn fault_envelope(code: &str, message: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope xmlns:soap=\"{SOAP_ENV}\">\
         <soap:Body><soap:Fault><faultcode>{}</faultcode><faultstring>{}</faultstring>\
         <detail /></soap:Fault></soap:Body></soap:Envelope>",
        escape(code),
        escape(message)
    )
}
