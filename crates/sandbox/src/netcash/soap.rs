//! SOAP 1.1 on the simulator's side as WCF writes it: results, faults and the WSDL
//! (netcash-niws.md, "Transport"), over the envelope reading in [`crate::soap`]. Written
//! independently of the client's XML code.

use crate::soap::{SOAP_ENV, Strictness};

pub(crate) use crate::soap::Call;

/// The target namespace of every operation (netcash-niws.md, "Transport").
pub(crate) const TNS: &str = "http://tempuri.org/";

/// Reads `Envelope/Body/<Operation>/<Param>` whatever the namespace prefixes are.
pub(crate) fn parse_request(body: &str) -> Result<Call, String> {
    crate::soap::parse_request(body, Strictness::Lenient)
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
