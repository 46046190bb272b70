import ParleyCore
import ParleyXML

/// XMPP payloads written as XML text for a store (a user's archive line, XEP-0313) and
/// read back through the extension codec, so they come back with their meanings.
public struct XMPPPayloadText: NativePayloadText {
    public let extensions: XMPPExtensionCodec
    /// Largest payload kept; a bigger one is stored by its meaning only.
    public static let maximumBytes = 64 * 1024

    public init(extensions: XMPPExtensionCodec) { self.extensions = extensions }

    public var family: ProtocolFamily { .xmpp }

    public func text(of payload: NativePayload) -> String? {
        guard let element = payload.value as? XMLElement else { return nil }
        var bytes: [UInt8] = []
        XMLSerializer.write(element, into: &bytes)
        guard bytes.count <= Self.maximumBytes else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func payload(key: String, text: String) -> ExtensionPayload? {
        var limits = XMLLimits.default
        limits.maxStanzaBytes = Self.maximumBytes
        guard let element = try? XMLStreamParser.parseDocument(text, limits: limits),
            "{\(element.namespace)}\(element.name)" == key
        else { return nil }
        return extensions.payload(for: element)
    }
}
