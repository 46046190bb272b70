import ParleyXML

/// The opening `<stream:stream>` tag a server sends (RFC 6120 §4.7), serialized.
public enum XMPPStreamHeader {
    /// The header with `attributes`, declaring `contentNamespace` as the default namespace
    /// (`jabber:client`, `jabber:component:accept`) and the `stream` prefix.
    /// `declarations` adds prefixes (a server stream's `db`, XEP-0220 §2.1.1).
    public static func bytes(
        contentNamespace: String, attributes: [XMLAttribute], declarations: [XMLNamespaceDeclaration] = []
    ) -> [UInt8] {
        let header = XMLStreamHeader(
            name: "stream", namespace: XMPPNamespace.streams, prefix: "stream", attributes: attributes,
            namespaceDeclarations: [
                XMLNamespaceDeclaration(prefix: nil, uri: contentNamespace),
                XMLNamespaceDeclaration(prefix: "stream", uri: XMPPNamespace.streams),
            ] + declarations)
        var bytes: [UInt8] = []
        XMLSerializer.writeStreamHeader(header, into: &bytes)
        return bytes
    }
}
