import NIOCore
import ParleyXML
import ParleyXMPP

extension ByteBuffer {
    /// Appends `element` serialized, omitting the namespace declaration when it equals
    /// the stream's default namespace (`jabber:client`).
    ///
    /// Elements of the streams namespace (`features`, `error`) are written with the
    /// `stream:` prefix that the stream header declares.
    // COMPAT: the prefix is not required by XML namespaces, but minimal clients and
    // load tools look for `<stream:features>` and `<stream:error>` literally, as every
    // major server writes them.
    public mutating func writeXML(_ element: XMLElement, inheritedNamespace: String) {
        if element.namespace == XMPPNamespace.streams && element.attributes.isEmpty {
            var bytes: [UInt8] = []
            bytes.append(contentsOf: "<stream:\(element.name)>".utf8)
            // Stream-level elements hold elements only; whitespace between them is dropped.
            for inner in element.elements {
                XMLSerializer.write(inner, into: &bytes, inheritedNamespace: inheritedNamespace)
            }
            bytes.append(contentsOf: "</stream:\(element.name)>".utf8)
            writeBytes(bytes)
        } else {
            let bound = XMLSerializer.maximumBytes(of: element, inheritedNamespace: inheritedNamespace)
            writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { destination in
                XMLSerializer.write(element, to: destination, inheritedNamespace: inheritedNamespace)
            }
        }
    }
}
