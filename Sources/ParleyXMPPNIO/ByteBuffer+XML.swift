import NIOCore
import ParleyXML

extension ByteBuffer {
    /// Appends `element` serialized, omitting the namespace declaration when it equals
    /// the stream's default namespace (`jabber:client`).
    public mutating func writeXML(_ element: XMLElement, inheritedNamespace: String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        XMLSerializer.write(element, into: &bytes, inheritedNamespace: inheritedNamespace)
        writeBytes(bytes)
    }
}
