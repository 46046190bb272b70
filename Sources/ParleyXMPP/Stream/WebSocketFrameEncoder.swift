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
        guard let tag = startTag(element) else { return element }
        let name = element[tag.nameStart..<tag.nameEnd]
        let declaration: String
        if name.starts(with: Array("stream:".utf8)) {
            guard !tag.declaresStream else { return element }
            declaration = " xmlns:stream='\(XMPPNamespace.streams)'"
        } else if name.contains(UInt8(ascii: ":")) || tag.declaresDefault {
            return element
        } else {
            declaration = " xmlns='\(contentNamespace)'"
        }
        var result: [UInt8] = []
        result.reserveCapacity(element.count + declaration.utf8.count)
        result += element[..<tag.nameEnd]
        result += declaration.utf8
        result += element[tag.nameEnd...]
        return result
    }

    /// The first start tag: where its name lies, and whether it declares a default
    /// namespace (` xmlns=`) or the `stream` prefix (` xmlns:stream=`), reading only
    /// outside quoted attribute values; nil when there is no whole start tag.
    private static func startTag(_ bytes: [UInt8]) -> (nameStart: Int, nameEnd: Int, declaresDefault: Bool, declaresStream: Bool)? {
        guard let open = bytes.firstIndex(of: UInt8(ascii: "<")) else { return nil }
        var index = open + 1
        let nameStart = index
        while index < bytes.count, !isNameEnd(bytes[index]) { index += 1 }
        let nameEnd = index
        guard nameEnd > nameStart else { return nil }
        let defaultDeclaration = Array(" xmlns=".utf8)
        let streamDeclaration = Array(" xmlns:stream=".utf8)
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
