import ParleyXML

/// Wraps a `BOSHResponse` in its `<body/>` (XEP-0124 §6), the bytes an HTTP response
/// carries (`text/xml; charset=utf-8`), with the project's serializer (escaping and
/// prefixes are its). The `stream` prefix is always declared: features and stream errors
/// need it (XEP-0206 §2, §6). A pure function, so a retransmitted response (§14.3) is the
/// same bytes again.
public enum BOSHBodyWriter {
    /// The content type of every response (§5).
    public static let contentType = "text/xml; charset=utf-8"

    /// `response` wrapped; the creation response (§7.2, XEP-0206 §4) carries
    /// `parameters` and the stream id (`authid`).
    public static func bytes(_ response: BOSHResponse, parameters: BOSHParameters?, streamID: String?) -> [UInt8] {
        var attributes: [XMLAttribute] = []
        if response.terminates { attributes.append(XMLAttribute("type", value: "terminate")) }
        if let condition = response.condition { attributes.append(XMLAttribute("condition", value: condition.rawValue)) }
        var declarations = [
            XMLNamespaceDeclaration(prefix: nil, uri: XMPPNamespace.httpBind),
            XMLNamespaceDeclaration(prefix: "stream", uri: XMPPNamespace.streams),
        ]
        if response.creation, let parameters {
            for (name, value) in [
                ("sid", parameters.sid), ("wait", "\(parameters.wait)"), ("requests", "\(parameters.requests)"),
                ("hold", "\(parameters.hold)"), ("inactivity", "\(parameters.inactivity)"),
                ("polling", "\(parameters.polling)"), ("ver", parameters.version), ("from", parameters.domain),
            ] {
                attributes.append(XMLAttribute(name, value: value))
            }
            if let streamID { attributes.append(XMLAttribute("authid", value: streamID)) }
            // XEP-0206 §4: the XMPP version, and that the server restarts the stream itself (§5).
            declarations.append(XMLNamespaceDeclaration(prefix: "xmpp", uri: XMPPNamespace.xbosh))
            attributes.append(XMLAttribute("version", namespace: XMPPNamespace.xbosh, value: "1.0"))
            attributes.append(XMLAttribute("restartlogic", namespace: XMPPNamespace.xbosh, value: "true"))
        }
        let header = XMLStreamHeader(
            name: "body", namespace: XMPPNamespace.httpBind, attributes: attributes, namespaceDeclarations: declarations)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256 + response.payload.count)
        XMLSerializer.writeStreamHeader(header, into: &bytes, xmlDeclaration: false)
        bytes += response.payload
        XMLSerializer.writeStreamFooter(header, into: &bytes)
        return bytes
    }
}
