//! SOAP 1.1 on the simulator's side: reading a request envelope, writing results, faults and the
//! WSDL (netcash-niws.md, "Transport"). Written independently of the client's XML code.

use quick_xml::Reader;
use quick_xml::events::Event;

/// The target namespace of every operation (netcash-niws.md, "Transport").
pub(crate) const TNS: &str = "http://tempuri.org/";
const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// One operation call read from a request body: the operation element and its child elements.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) operation: String,
    pub(crate) params: Vec<(String, String)>,
}

impl Call {
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
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
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => {
                path.push(local(e.local_name().as_ref()));
                text.clear();
                if path.len() == 3 && path[0] == "Envelope" && path[1] == "Body" {
                    call = Some(Call { operation: path[2].clone(), params: Vec::new() });
                }
            }
            Event::Empty(e) => {
                let name = local(e.local_name().as_ref());
                if path.len() == 2 && path[0] == "Envelope" && path[1] == "Body" {
                    call = Some(Call { operation: name, params: Vec::new() });
                } else if path.len() == 3
                    && path[1] == "Body"
                    && let Some(call) = call.as_mut()
                {
                    call.params.push((name, String::new()));
                }
            }
            Event::End(_) => {
                if path.len() == 4
                    && path[1] == "Body"
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
    call.ok_or_else(|| "no operation element in Envelope/Body".to_owned())
}

/// Escapes text content as WCF does: markup characters, and carriage returns as `&#xD;`
/// (netcash-niws.md: "line breaks inside may arrive as `&#xD;`").
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            other => out.push(other),
        }
    }
    out
}

/// `<Op>Response/<Op>Result` holding one string (netcash-niws.md, "Transport").
pub(crate) fn result_envelope(operation: &str, result: &str) -> String {
    format!(
        "<s:Envelope xmlns:s=\"{SOAP_ENV}\"><s:Body><{operation}Response xmlns=\"{TNS}\">\
         <{operation}Result>{}</{operation}Result></{operation}Response></s:Body></s:Envelope>",
        escape(result)
    )
}

/// A SOAP 1.1 fault as WCF writes it.
pub(crate) fn fault_envelope(code: &str, message: &str) -> String {
    format!(
        "<s:Envelope xmlns:s=\"{SOAP_ENV}\"><s:Body><s:Fault><faultcode \
         xmlns:a=\"http://schemas.microsoft.com/ws/2005/05/addressing/none\">{}</faultcode>\
         <faultstring xml:lang=\"en-US\">{}</faultstring></s:Fault></s:Body></s:Envelope>",
        escape(code),
        escape(message)
    )
}

/// A WSDL describing the operations the simulator implements, each taking and returning strings.
pub(crate) fn wsdl(endpoint: &str, operations: &[(&str, &[&str])]) -> String {
    let mut types = String::new();
    let mut messages = String::new();
    let mut port_ops = String::new();
    let mut binding_ops = String::new();
    for (op, params) in operations {
        types.push_str(&format!("<xs:element name=\"{op}\"><xs:complexType><xs:sequence>"));
        for p in *params {
            types.push_str(&format!(
                "<xs:element minOccurs=\"0\" name=\"{p}\" nillable=\"true\" type=\"xs:string\"/>"
            ));
        }
        types.push_str("</xs:sequence></xs:complexType></xs:element>");
        types.push_str(&format!(
            "<xs:element name=\"{op}Response\"><xs:complexType><xs:sequence><xs:element \
             minOccurs=\"0\" name=\"{op}Result\" nillable=\"true\" type=\"xs:string\"/>\
             </xs:sequence></xs:complexType></xs:element>"
        ));
        messages.push_str(&format!(
            "<wsdl:message name=\"INIWS_NIF_{op}_InputMessage\"><wsdl:part name=\"parameters\" \
             element=\"tns:{op}\"/></wsdl:message><wsdl:message \
             name=\"INIWS_NIF_{op}_OutputMessage\"><wsdl:part name=\"parameters\" \
             element=\"tns:{op}Response\"/></wsdl:message>"
        ));
        port_ops.push_str(&format!(
            "<wsdl:operation name=\"{op}\"><wsdl:input message=\"tns:INIWS_NIF_{op}_InputMessage\"/>\
             <wsdl:output message=\"tns:INIWS_NIF_{op}_OutputMessage\"/></wsdl:operation>"
        ));
        binding_ops.push_str(&format!(
            "<wsdl:operation name=\"{op}\"><soap:operation soapAction=\"{TNS}INIWS_NIF/{op}\" \
             style=\"document\"/><wsdl:input><soap:body use=\"literal\"/></wsdl:input>\
             <wsdl:output><soap:body use=\"literal\"/></wsdl:output></wsdl:operation>"
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
         <wsdl:definitions name=\"NIWS_NIF\" targetNamespace=\"{TNS}\" xmlns:tns=\"{TNS}\" \
         xmlns:wsdl=\"http://schemas.xmlsoap.org/wsdl/\" \
         xmlns:soap=\"http://schemas.xmlsoap.org/wsdl/soap/\" \
         xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\
         <wsdl:types><xs:schema elementFormDefault=\"qualified\" targetNamespace=\"{TNS}\">{types}\
         </xs:schema></wsdl:types>{messages}<wsdl:portType name=\"INIWS_NIF\">{port_ops}\
         </wsdl:portType><wsdl:binding name=\"BasicHttpBinding_INIWS_NIF\" type=\"tns:INIWS_NIF\">\
         <soap:binding transport=\"http://schemas.xmlsoap.org/soap/http\"/>{binding_ops}\
         </wsdl:binding><wsdl:service name=\"NIWS_NIF\"><wsdl:port \
         name=\"BasicHttpBinding_INIWS_NIF\" binding=\"tns:BasicHttpBinding_INIWS_NIF\">\
         <soap:address location=\"{endpoint}\"/></wsdl:port></wsdl:service></wsdl:definitions>"
    )
}
