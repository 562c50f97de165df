//! SOAP 1.1 on the XDS simulator's side, as an ASMX service writes it: results and faults
//! (xds-connect.md), over the envelope reading in [`crate::soap`]. Written independently of the
//! client's XML code in `pocket-providers`.

use crate::soap::{SOAP_ENV, Strictness};

pub(crate) use crate::soap::Call;

/// xds-connect.md: namespace `http://www.web.xds.co.za/XDSConnectWS`.
pub(crate) const NAMESPACE: &str = "http://www.web.xds.co.za/XDSConnectWS";

impl Call {
    /// The trimmed value of a parameter, empty when absent: the bureau treats a missing
    /// parameter as an empty one.
    pub(crate) fn value(&self, name: &str) -> &str {
        self.param(name).map(str::trim).unwrap_or("")
    }
}

/// Reads `Envelope/Body/<Operation>/<Param>` whatever the namespace prefixes are, refusing an
/// envelope that ends early.
pub(crate) fn parse_request(body: &str) -> Result<Call, String> {
    crate::soap::parse_request(body, Strictness::Strict)
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
