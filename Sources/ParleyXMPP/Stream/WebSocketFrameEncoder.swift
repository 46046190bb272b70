/// RFC 7395's framing, outbound: an element serialized for a TCP stream leans on the
/// stream header's declarations (its default namespace `jabber:client` and the `stream`
/// prefix); one WebSocket message stands alone (§3.3.3: each element is a whole document, and
/// qualified by its namespace), so those declarations move onto the element's own start tag. Works on
/// the serializer's bytes, so every writer (stanzas rendered once per fan-out included)
/// shares the TCP path's serialization.
public enum WebSocketFrameEncoder {
    /// `element` (one whole top-level element as written inside a TCP stream) with the
    /// declarations it inherited there: `xmlns:stream` for a `stream:` element (§3.4's
    /// `<stream:features>`, §3.5's `<stream:error>`), `xmlns='contentNamespace'`
    /// for an unprefixed one that declares no default namespace of its own.
    public static func standalone(_ element: [UInt8], contentNamespace: String = XMPPNamespace.client) -> [UInt8] {
        element.withUnsafeBytes { standalone($0, contentNamespace: contentNamespace) }
    }

    /// The same from bytes in place (a buffer's readable bytes): one copy.
    public static func standalone(
        _ element: UnsafeRawBufferPointer, contentNamespace: String = XMPPNamespace.client
    ) -> [UInt8] {
        guard let insertion = insertion(in: element, contentNamespace: contentNamespace) else { return Array(element) }
        var result: [UInt8] = []
        result.reserveCapacity(element.count + insertion.declaration.utf8.count)
        result += element[..<insertion.offset]
        result += insertion.declaration.utf8
        result += element[insertion.offset...]
        return result
    }

    /// What `standalone` adds to `element` and where (after the start tag's name), or nil
    /// when it stands alone as it is: for a writer that builds the frame's bytes itself
    /// without an intermediate copy.
    public static func insertion(
        in element: UnsafeRawBufferPointer, contentNamespace: String = XMPPNamespace.client
    ) -> (offset: Int, declaration: String)? {
        guard let tag = startTag(element) else { return nil }
        let name = element[tag.nameStart..<tag.nameEnd]
        if name.starts(with: streamPrefix) {
            return tag.declaresStream ? nil : (tag.nameEnd, " xmlns:stream='\(XMPPNamespace.streams)'")
        }
        if name.contains(UInt8(ascii: ":")) || tag.declaresDefault { return nil }
        return (tag.nameEnd, " xmlns='\(contentNamespace)'")
    }

    private static let streamPrefix = Array("stream:".utf8)
    private static let defaultDeclaration = Array(" xmlns=".utf8)
    private static let streamDeclaration = Array(" xmlns:stream=".utf8)

    /// The first start tag: where its name lies, and whether it declares a default
    /// namespace (` xmlns=`) or the `stream` prefix (` xmlns:stream=`), reading only
    /// outside quoted attribute values; nil when there is no whole start tag (an element
    /// not named `stream:…` is answered as soon as its default declaration is read).
    private static func startTag(
        _ bytes: UnsafeRawBufferPointer
    ) -> (nameStart: Int, nameEnd: Int, declaresDefault: Bool, declaresStream: Bool)? {
        guard let open = bytes.firstIndex(of: UInt8(ascii: "<")) else { return nil }
        var index = open + 1
        let nameStart = index
        while index < bytes.count, !isNameEnd(bytes[index]) { index += 1 }
        let nameEnd = index
        guard nameEnd > nameStart else { return nil }
        // Only a `stream:` element needs the rest of the tag read once a default namespace
        // is declared: for any other, that declaration is the whole answer.
        let isStreamName = bytes[nameStart..<nameEnd].starts(with: streamPrefix)
        var (declaresDefault, declaresStream) = (false, false)
        var quote: UInt8?
        while index < bytes.count {
            let byte = bytes[index]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                quote = byte
            } else if byte == UInt8(ascii: ">") {
                return (nameStart, nameEnd, declaresDefault, declaresStream)
            } else if byte == UInt8(ascii: " ") {
                declaresDefault = declaresDefault || bytes[index...].starts(with: defaultDeclaration)
                if declaresDefault && !isStreamName { return (nameStart, nameEnd, true, false) }
                declaresStream = declaresStream || bytes[index...].starts(with: streamDeclaration)
            }
            index += 1
        }
        return nil
    }

    private static func isNameEnd(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "\t")
            || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }
}
