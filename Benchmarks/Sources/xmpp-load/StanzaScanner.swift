/// A tiny incremental scanner that finds the boundaries of top-level elements in an XMPP
/// stream, without building a tree and without libxml2.
///
/// It knows just enough XML for what servers send to clients (RFC 6120 §11.1 forbids
/// comments, processing instructions after the prolog, DTDs and entity declarations):
/// start tags with quoted attributes, end tags, self-closing tags, the `<?xml …?>`
/// declaration and text. `<!` (comment, CDATA, DOCTYPE) is reported as an error rather
/// than guessed at. Attribute values and text are not decoded: callers look for the few
/// attributes they need in the raw bytes (see `StanzaView`).
///
/// Usage: feed the bytes not yet consumed, starting where the previous item ended; the
/// scanner remembers how far it has looked, so each byte is examined once.
struct StanzaScanner {
    enum Kind: Equatable {
        case message, presence, iq
        case features, proceed, success, failure, streamError
        case other
    }

    enum Item: Equatable {
        /// The stream header (`<stream:stream …>`), possibly preceded by the XML declaration.
        case streamOpened(length: Int)
        /// A complete top-level element (a stanza or a nonza), possibly preceded by whitespace.
        case element(Kind, length: Int)
        /// `</stream:stream>`.
        case streamClosed(length: Int)
        /// Something this scanner refuses; `reason` says what.
        case malformed(reason: String)
    }

    private enum State {
        case text
        case lt                 // after '<'
        case startName          // inside a start tag's name
        case inTag              // inside a start tag, after the name
        case quoted(UInt8)      // inside an attribute value
        case slash              // '/' inside a start tag: expects '>'
        case endTag             // inside '</…'
        case declaration        // inside '<?…'
        case declarationQ       // '?' inside '<?…', expects '>'
    }

    private var state = State.text
    /// How far into the unconsumed bytes the scanner has looked.
    private var position = 0
    /// Element depth: 0 outside the stream, 1 inside `<stream:stream>`, 2+ inside a stanza.
    private(set) var depth = 0
    /// Offsets (from the start of the current item) of the top-level element's name.
    private var nameStart = 0
    private var nameEnd = 0
    /// Longest top-level element accepted, in bytes.
    let maxItemBytes: Int

    /// Whether the input is a sequence of whole elements with no enclosing stream element
    /// (RFC 7395: `<open/>`, then one element per WebSocket message): the scanner starts
    /// inside the stream, and `<open/>` and `<close/>` are elements of kind `.other`.
    let framed: Bool

    init(maxItemBytes: Int = 1 << 20, framed: Bool = false) {
        self.maxItemBytes = maxItemBytes
        self.framed = framed
        self.depth = framed ? 1 : 0
    }

    /// Forgets everything: for a stream restart (after STARTTLS and after SASL success).
    mutating func reset() {
        self = StanzaScanner(maxItemBytes: maxItemBytes, framed: framed)
    }

    /// Scans `bytes` (the unconsumed input, starting at the current item) and returns the
    /// next complete item, or nil when more input is needed. After an item is returned,
    /// the caller must drop its `length` bytes before calling again.
    mutating func next(_ bytes: UnsafeRawBufferPointer) -> Item? {
        var i = position
        let count = bytes.count
        while i < count {
            let c = bytes[i]
            switch state {
            case .text:
                if c == UInt8(ascii: "<") { state = .lt }
            case .lt:
                switch c {
                case UInt8(ascii: "/"):
                    state = .endTag
                case UInt8(ascii: "?"):
                    state = .declaration
                case UInt8(ascii: "!"):
                    return .malformed(reason: "comment, CDATA or DTD in the stream")
                default:
                    state = .startName
                    if depth == 1 || depth == 0 { nameStart = i; nameEnd = i + 1 }
                }
            case .startName:
                if c == UInt8(ascii: ">") || c == UInt8(ascii: "/") || isSpace(c) {
                    if depth <= 1 { nameEnd = i }
                    state = .inTag
                    continue  // look at this byte again in .inTag
                }
            case .inTag:
                switch c {
                case UInt8(ascii: "'"), UInt8(ascii: "\""):
                    state = .quoted(c)
                case UInt8(ascii: "/"):
                    state = .slash
                case UInt8(ascii: ">"):
                    state = .text
                    depth += 1
                    if depth == 1 {
                        guard isStreamName(bytes, nameStart, nameEnd) else {
                            return .malformed(reason: "the stream does not start with <stream:stream>")
                        }
                        return complete(.streamOpened(length: i + 1))
                    }
                default:
                    break
                }
            case .quoted(let q):
                if c == q { state = .inTag }
            case .slash:
                guard c == UInt8(ascii: ">") else { return .malformed(reason: "'/' inside a start tag") }
                state = .text
                if depth == 1 {
                    return complete(.element(kind(bytes), length: i + 1))
                }
                if depth == 0 { return .malformed(reason: "empty stream element") }
            case .endTag:
                if c == UInt8(ascii: ">") {
                    state = .text
                    depth -= 1
                    if depth == 1 {
                        return complete(.element(kind(bytes), length: i + 1))
                    }
                    if depth == 0 { return complete(.streamClosed(length: i + 1)) }
                    if depth < 0 { return .malformed(reason: "end tag without a start tag") }
                }
            case .declaration:
                if c == UInt8(ascii: "?") { state = .declarationQ }
            case .declarationQ:
                state = c == UInt8(ascii: ">") ? .text : (c == UInt8(ascii: "?") ? .declarationQ : .declaration)
            }
            i += 1
        }
        position = count
        if count > maxItemBytes { return .malformed(reason: "an element longer than \(maxItemBytes) bytes") }
        return nil
    }

    private mutating func complete(_ item: Item) -> Item {
        position = 0
        nameStart = 0
        nameEnd = 0
        return item
    }

    @inline(__always) private func isSpace(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09
    }

    private func isStreamName(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool {
        // Any prefix is allowed (`stream:stream` is conventional); the local name must be `stream`.
        let name = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        let local = name.lastIndex(of: UInt8(ascii: ":")).map { name[($0 + 1)...] } ?? name[...]
        return local.elementsEqual("stream".utf8)
    }

    private func kind(_ bytes: UnsafeRawBufferPointer) -> Kind {
        let name = UnsafeRawBufferPointer(rebasing: bytes[nameStart..<nameEnd])
        switch name.count {
        case 7:
            if name.elementsEqual("message".utf8) { return .message }
            if name.elementsEqual("proceed".utf8) { return .proceed }
            if name.elementsEqual("success".utf8) { return .success }
            if name.elementsEqual("failure".utf8) { return .failure }
        case 8:
            if name.elementsEqual("presence".utf8) { return .presence }
        case 2:
            if name.elementsEqual("iq".utf8) { return .iq }
        default:
            break
        }
        // Stream-namespace elements carry the stream prefix (`stream:features`, `stream:error`).
        if let colon = name.lastIndex(of: UInt8(ascii: ":")) {
            let local = name[(colon + 1)...]
            if local.elementsEqual("features".utf8) { return .features }
            if local.elementsEqual("error".utf8) { return .streamError }
        }
        return .other
    }
}

/// Read-only helpers over one scanned element's raw bytes.
enum StanzaView {
    /// The value of attribute `name` on the element's start tag (raw, undecoded), or nil.
    static func attribute(_ name: String, in bytes: UnsafeRawBufferPointer) -> Substring? {
        // Find the start tag's extent first: up to the first '>' outside quotes.
        var i = 0
        let n = bytes.count
        while i < n && bytes[i] != UInt8(ascii: "<") { i += 1 }
        var quote: UInt8 = 0
        var tagEnd = n
        var j = i
        while j < n {
            let c = bytes[j]
            if quote != 0 {
                if c == quote { quote = 0 }
            } else if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                quote = c
            } else if c == UInt8(ascii: ">") {
                tagEnd = j
                break
            }
            j += 1
        }
        let tag = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[i..<tagEnd]), as: UTF8.self)
        // Attributes are `name='v'` or `name="v"`, preceded by whitespace; a quoted value
        // may itself contain `name=`, so walk attribute by attribute.
        var s = tag[...]
        // Skip '<' and the element name.
        while let c = s.first, !(c == " " || c == "\t" || c == "\n" || c == "\r") { s = s.dropFirst() }
        while true {
            s = s.drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
            guard let eq = s.firstIndex(of: "=") else { return nil }
            let attrName = s[s.startIndex..<eq].trimmingCharacters(in: " \t\r\n")
            var rest = s[s.index(after: eq)...].drop(while: { $0 == " " })
            guard let q = rest.first, q == "'" || q == "\"" else { return nil }
            rest = rest.dropFirst()
            guard let close = rest.firstIndex(of: q) else { return nil }
            if attrName == name { return rest[rest.startIndex..<close] }
            s = rest[rest.index(after: close)...]
        }
    }

    /// Whether `needle` occurs anywhere in `bytes`.
    static func contains(_ needle: String, in bytes: UnsafeRawBufferPointer) -> Bool {
        find(Array(needle.utf8), in: bytes, from: 0) != nil
    }

    /// The offset of the first occurrence of `needle` at or after `from`.
    static func find(_ needle: [UInt8], in bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let first = needle.first, needle.count <= bytes.count else { return nil }
        var i = from
        let last = bytes.count - needle.count
        while i <= last {
            if bytes[i] == first {
                var k = 1
                while k < needle.count && bytes[i + k] == needle[k] { k += 1 }
                if k == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    /// The decimal number at the start of the first `<body>` text, or nil.
    static func leadingNumberInBody(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard let at = find(bodyOpen, in: bytes, from: 0) else { return nil }
        var i = at + bodyOpen.count
        var value: UInt64 = 0
        var digits = 0
        while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
            value = value &* 10 &+ UInt64(bytes[i] - UInt8(ascii: "0"))
            digits += 1
            i += 1
        }
        return digits > 0 ? value : nil
    }

    private static let bodyOpen = Array("<body>".utf8)

    /// The value of the first attribute `name` anywhere in `text`, on any element (either
    /// quote; raw, undecoded): for answers kept as text, such as an iq result.
    static func firstAttribute(_ name: String, in text: String) -> Substring? {
        let needle = " \(name)="
        var rest = text[...]
        while let at = rest.firstRange(of: needle) {
            let after = rest[at.upperBound...]
            guard let quote = after.first, quote == "'" || quote == "\"" else {
                rest = after
                continue
            }
            let value = after.dropFirst()
            guard let end = value.firstIndex(of: quote) else { return nil }
            return value[..<end]
        }
        return nil
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return s
    }
}
