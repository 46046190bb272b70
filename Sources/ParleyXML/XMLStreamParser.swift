import CLibXML2

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// libxml2 wants `xmlInitParser()` once per process before contexts are used on several
/// threads; a global `let` runs it exactly once, thread-safely.
private let libxml2Initialized: Bool = {
    xmlInitParser()
    return true
}()

/// A streaming XML parser for one connection, over libxml2's SAX2 push parser.
///
/// Feed it bytes as they arrive, in chunks of any size (one byte too); it reports the
/// stream header as soon as the root's start tag is complete, one `XMLElement` tree per
/// top-level child of the root, and the end of the stream. DTDs, entity declarations,
/// references to other than the five predefined entities, processing instructions and
/// comments are refused (`restrictedXML`), never expanded; the input must be UTF-8; the
/// `XMLLimits` bound what a peer can make it hold. After an error the parser is dead:
/// every later `feed` throws the same error until `reset()`.
///
/// Not thread-safe and not `Sendable`: one connection owns it.
public final class XMLStreamParser {
    /// How top-level structure is reported.
    public enum Mode: Hashable, Sendable {
        /// An XMPP-style stream: `.streamStart` for the root's start tag, `.element` for each
        /// child of the root, `.streamEnd` for the root's end tag.
        case stream
        /// A standalone document: one `.element` for the root, nothing else.
        case document
    }

    /// The limits in force.
    public let limits: XMLLimits
    /// The reporting mode.
    public let mode: Mode

    /// Input is handed to libxml2 in slices of at most this many bytes, so the stanza
    /// limit is checked at least that often even when a caller feeds a huge buffer.
    private static let sliceSize = 16_384
    private static let options = Int32(bitPattern: XML_PARSE_NONET.rawValue)
    private static let initialBufferBytes = 512

    /// libxml2's context; nil while the parser hibernates (see `hibernate()`).
    private var context: xmlParserCtxtPtr? { state.pointee.context }
    /// Everything the SAX callbacks touch lives behind this pointer, which is also
    /// libxml2's user data: accesses through it carry no dynamic exclusivity checks (a
    /// class's stored properties would, on every callback), and the callbacks need no
    /// reference counting to reach it.
    private let state: UnsafeMutablePointer<ParserState>

    /// Creates a parser for a new stream (or document).
    public init(limits: XMLLimits = .default, mode: Mode = .stream) {
        _ = libxml2Initialized
        self.limits = limits
        self.mode = mode
        state = .allocate(capacity: 1)
        let context = XMLStreamParser.makeContext(userData: UnsafeMutableRawPointer(state))
        state.initialize(to: ParserState(context: context, limits: limits, mode: mode))
    }

    /// A push-parser context whose SAX callbacks reach `userData` (the `ParserState`).
    private static func makeContext(userData: UnsafeMutableRawPointer) -> xmlParserCtxtPtr {
        // libxml2 starts each context with a 4 KiB input buffer; pushed chunks grow it as
        // needed, so a small start costs nothing on large stanzas and saves about 3.5 KiB
        // per connection.
        parley_set_default_buffer_size(Int32(initialBufferBytes))
        var handler = ParserState.makeSAXHandler()
        // libxml2 copies the handler. The user data outlives every callback: callbacks
        // only run inside `feed` and `finish`, and `deinit` frees the context first.
        guard let context = xmlCreatePushParserCtxt(&handler, userData, nil, 0, nil) else {
            fatalError("libxml2 could not allocate a parser context")
        }
        xmlCtxtUseOptions(context, XMLStreamParser.options)
        return context
    }

    deinit {
        if let context { xmlFreeParserCtxt(context) }
        state.deinitialize(count: 1)
        state.deallocate()
    }

    // MARK: Hibernation

    /// Whether libxml2's context is released (an idle stream between stanzas).
    public var isHibernating: Bool { context == nil }

    /// Releases libxml2's context and the name cache while a stream is idle between two
    /// stanzas: about 18 KiB per connection. The next `feed` rebuilds them and replays a
    /// start tag with the root's namespace declarations, so stanzas parse exactly as
    /// before. Returns false (and changes nothing) unless the stream is open, healthy and
    /// at a stanza boundary with nothing but whitespace buffered.
    public func hibernate() -> Bool {
        guard let context, state.pointee.canHibernate, let input = context.pointee.input,
            let cur = input.pointee.cur, let end = input.pointee.end
        else { return false }
        // Bytes libxml2 holds unparsed must be whitespace between stanzas, which a stream
        // ignores; anything else is the start of a stanza.
        var pointer = cur
        while pointer < end {
            switch pointer.pointee {
            case 0x20, 0x09, 0x0A, 0x0D: pointer += 1
            default: return false
            }
        }
        xmlFreeParserCtxt(context)
        state.pointee.hibernate()
        return true
    }

    /// Rebuilds the context after `hibernate()` and replays the root's start tag.
    private func wake() {
        let context = XMLStreamParser.makeContext(userData: UnsafeMutableRawPointer(state))
        let header = state.pointee.wake(context: context)
        header.withUnsafeBufferPointer { bytes in
            bytes.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                _ = xmlParseChunk(context, $0, Int32(bytes.count), 0)
            }
        }
        state.pointee.woke(replayedBytes: header.count)
    }

    /// Starts a new stream on the same connection (the XMPP restart after STARTTLS and
    /// SASL): forgets all state, including a previous error, and reuses libxml2's context.
    public func reset() {
        if let context {
            xmlCtxtResetPush(context, nil, 0, nil, nil)
            context.pointee.userData = UnsafeMutableRawPointer(state)
            xmlCtxtUseOptions(context, XMLStreamParser.options)
        } else {
            state.pointee.context = XMLStreamParser.makeContext(userData: UnsafeMutableRawPointer(state))
        }
        state.pointee.reset()
    }

    // MARK: Feeding

    /// Parses the next bytes of the stream and appends the events they complete to
    /// `events`. On an error, the events completed before the fault are still appended,
    /// then the error is thrown; the parser is dead afterwards.
    public func feed(_ bytes: UnsafeRawBufferPointer, into events: inout [XMLStreamEvent])
        throws(XMLStreamError)
    {
        // `state.pointee` is read afresh after each libxml2 call: the callbacks change it.
        if let failure = state.pointee.failure { throw failure }
        if context == nil && bytes.count > 0 { wake() }
        guard let context else { return }
        var offset = 0
        let total = bytes.count
        while offset < total {
            let end = min(total, offset &+ XMLStreamParser.sliceSize)
            let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<end])
            var length = slice.count
            // A fault found in the raw bytes: the bytes before it are parsed first.
            var byteFault: XMLStreamError?
            if let (bad, fault) = state.pointee.validator.validate(slice) {
                length = bad
                byteFault = ParserState.classify(fault, byte: slice[bad], at: state.pointee.fed &+ bad)
            }
            if let excess = state.pointee.scanner.scan(
                UnsafeRawBufferPointer(rebasing: slice[..<length]), maxAttributes: limits.maxAttributes)
            {
                length = excess
                byteFault = XMLStreamError(
                    .limitExceeded(.attributes), message: "more than \(limits.maxAttributes) attributes on one element")
            }
            if length > 0 {
                _ = slice.baseAddress!.withMemoryRebound(to: CChar.self, capacity: length) {
                    xmlParseChunk(context, $0, Int32(length), 0)
                }
                state.pointee.fed &+= length
            }
            state.pointee.afterChunk(byteFault: byteFault)
            if let failure = state.pointee.failure {
                state.pointee.deliver(into: &events)
                throw failure
            }
            offset = end
        }
        state.pointee.deliver(into: &events)
    }

    /// Parses the next bytes and appends the events they complete to `events`.
    public func feed<Bytes: Sequence<UInt8>>(_ bytes: Bytes, into events: inout [XMLStreamEvent])
        throws(XMLStreamError)
    {
        // The closure-taking standard library functions rethrow untyped errors: carry the
        // typed error out as a value.
        func feedBuffer(_ buffer: UnsafeRawBufferPointer) -> XMLStreamError? {
            do throws(XMLStreamError) {
                try feed(buffer, into: &events)
                return nil
            } catch {
                return error
            }
        }
        let result: XMLStreamError?? = bytes.withContiguousStorageIfAvailable {
            feedBuffer(UnsafeRawBufferPointer($0))
        }
        let error: XMLStreamError? =
            switch result {
            case .some(let error): error
            case .none: Array(bytes).withUnsafeBytes { feedBuffer($0) }
            }
        if let error { throw error }
    }

    /// Parses the next bytes and returns the events they complete. Events completed before
    /// an error are lost with this form; use `feed(_:into:)` to keep them.
    public func feed<Bytes: Sequence<UInt8>>(_ bytes: Bytes) throws(XMLStreamError) -> [XMLStreamEvent] {
        var events: [XMLStreamEvent] = []
        try feed(bytes, into: &events)
        return events
    }

    /// Declares the end of input: throws `notWellFormed` if the document (or stream) is
    /// not complete. A server does not need it for a stream closed by the peer; it is what
    /// makes `parseDocument` refuse a truncated document.
    public func finish(into events: inout [XMLStreamEvent]) throws(XMLStreamError) {
        if let failure = state.pointee.failure { throw failure }
        if !state.pointee.validator.isAtBoundary {
            state.pointee.fail(XMLStreamError(.invalidUTF8, message: "input ends inside a UTF-8 sequence"))
        } else {
            if context == nil { wake() }
            xmlParseChunk(context, nil, 0, 1)
            state.pointee.afterFinish()
        }
        state.pointee.deliver(into: &events)
        if let failure = state.pointee.failure { throw failure }
    }

    /// Parses one standalone element (a whole document; an XML declaration is allowed).
    public static func parseDocument<Bytes: Sequence<UInt8>>(
        _ bytes: Bytes, limits: XMLLimits = .default
    ) throws(XMLStreamError) -> XMLElement {
        try XMLStreamParser(limits: limits, mode: .document).root(of: bytes)
    }

    /// Parses one standalone element with this parser (document mode), which is reset
    /// first and can parse the next document afterwards: libxml2's context and the name
    /// cache are reused instead of made for each document (XMPP over WebSocket parses one
    /// document per message).
    public func parseDocument<Bytes: Sequence<UInt8>>(reusing bytes: Bytes) throws(XMLStreamError) -> XMLElement {
        precondition(mode == .document, "parseDocument(reusing:) needs a parser in document mode")
        reset()
        return try root(of: bytes)
    }

    /// The whole document `bytes`, fed to this parser (document mode) and finished.
    private func root<Bytes: Sequence<UInt8>>(of bytes: Bytes) throws(XMLStreamError) -> XMLElement {
        var events: [XMLStreamEvent] = []
        try feed(bytes, into: &events)
        try finish(into: &events)
        guard case .element(let root)? = events.first else {
            throw XMLStreamError(.notWellFormed, message: "no root element")
        }
        return root
    }

    /// Names libxml2's dictionary holds (each distinct element, attribute and prefix name
    /// it has seen since the context was made); a reused parser is replaced when it grows
    /// past a bound, so a peer cannot grow it without end.
    public var internedNames: Int {
        guard let context, let dict = context.pointee.dict else { return 0 }
        return Int(xmlDictSize(dict))
    }

    /// Parses one standalone element from a string.
    public static func parseDocument(_ text: String, limits: XMLLimits = .default)
        throws(XMLStreamError) -> XMLElement
    {
        try parseDocument(text.utf8, limits: limits)
    }
}

/// One connection owns a parser; it is not to be shared between threads.
@available(*, unavailable)
extension XMLStreamParser: Sendable {}

/// The parser's state and the SAX callbacks that build element trees from libxml2's
/// events. It lives at a fixed address owned by its `XMLStreamParser`.
private struct ParserState {
    /// nil while hibernating; every callback runs with it set.
    var context: xmlParserCtxtPtr!
    let limits: XMLLimits
    let mode: XMLStreamParser.Mode

    var validator = UTF8Validator()
    var scanner = StartTagScanner()
    var names = NameCache()
    var dictionary: UnsafeMutableRawPointer?

    /// Events produced by the callbacks of the current `feed`.
    var pending: [XMLStreamEvent] = []
    /// Open elements below the stream root (in document mode, from the root down).
    var stack: [XMLElement] = []
    /// Current element nesting depth, the root counting as 1.
    var depth = 0
    var failure: XMLStreamError?
    /// Bytes handed to libxml2 since the stream (re)started.
    var fed = 0
    /// Stream position where the current stanza's byte count starts.
    var boundary = 0
    var rootClosed = false
    /// The root's name and namespace declarations, to replay its scope after hibernation.
    var header: XMLStreamHeader?
    /// Replaying the root's start tag after hibernation: no `.streamStart` is reported.
    var replaying = false

    init(context: xmlParserCtxtPtr, limits: XMLLimits, mode: XMLStreamParser.Mode) {
        self.context = context
        self.limits = limits
        self.mode = mode
        dictionary = UnsafeMutableRawPointer(context.pointee.dict)
        pending.reserveCapacity(8)
    }

    mutating func reset() {
        // The name cache is keyed by pointers into libxml2's dictionary: drop it if the
        // dictionary is not the same one.
        let newDictionary = UnsafeMutableRawPointer(context.pointee.dict)
        if newDictionary != dictionary {
            names = NameCache()
            dictionary = newDictionary
        }
        validator.reset()
        scanner.reset()
        pending.removeAll(keepingCapacity: true)
        stack.removeAll(keepingCapacity: true)
        depth = 0
        failure = nil
        fed = 0
        boundary = 0
        rootClosed = false
        header = nil
    }

    /// Open stream, no error, between two stanzas, no partial UTF-8 sequence or tag.
    var canHibernate: Bool {
        mode == .stream && header != nil && failure == nil && depth == 1 && stack.isEmpty && !rootClosed
            && validator.isAtBoundary && scanner.isInContent
    }

    mutating func hibernate() {
        context = nil
        names.release()
        pending = []
        stack = []
    }

    /// Takes the new context; returns the bytes to replay: the root's start tag with its
    /// namespace declarations only (attributes do not affect how stanzas parse).
    mutating func wake(context: xmlParserCtxtPtr) -> [UInt8] {
        self.context = context
        dictionary = UnsafeMutableRawPointer(context.pointee.dict)
        names = NameCache()
        depth = 0
        replaying = true
        var bytes: [UInt8] = []
        if let header { XMLSerializer.writeStreamHeader(header, into: &bytes, xmlDeclaration: false) }
        return bytes
    }

    /// After the replay: positions count from the end of the replayed tag, which is a
    /// stanza boundary.
    mutating func woke(replayedBytes: Int) {
        replaying = false
        fed = replayedBytes
        boundary = replayedBytes
    }

    mutating func afterChunk(byteFault: XMLStreamError?) {
        if failure == nil, let byteFault { fail(byteFault) }
        if failure == nil, !rootClosed, fed &- boundary > limits.maxStanzaBytes {
            fail(XMLStreamError(
                .limitExceeded(.stanzaBytes), message: "more than \(limits.maxStanzaBytes) bytes in one stanza"))
        }
    }

    mutating func afterFinish() {
        if failure == nil, mode == .document, !rootClosed {
            fail(XMLStreamError(.notWellFormed, message: "no complete root element"))
        }
    }

    mutating func deliver(into events: inout [XMLStreamEvent]) {
        guard !pending.isEmpty else { return }
        if events.isEmpty {
            swap(&events, &pending)
        } else {
            events.append(contentsOf: pending)
            pending.removeAll(keepingCapacity: true)
        }
    }

    static func classify(_ fault: UTF8Validator.Fault, byte: UInt8, at position: Int) -> XMLStreamError {
        // The first two bytes tell UTF-16 and UTF-32 (BOM, or a NUL beside '<') from UTF-8.
        if position == 0 && (byte == 0xFE || byte == 0xFF) {
            return XMLStreamError(.unsupportedEncoding, message: "UTF-16 or UTF-32 byte-order mark")
        }
        switch fault {
        case .nul where position < 2:
            return XMLStreamError(.unsupportedEncoding, message: "UTF-16 or UTF-32 input (NUL byte at start)")
        case .nul:
            return XMLStreamError(.notWellFormed, message: "NUL character at byte \(position)")
        case .invalid:
            return XMLStreamError(.invalidUTF8, message: "invalid UTF-8 at byte \(position)")
        }
    }

    mutating func fail(_ error: XMLStreamError) {
        if failure == nil { failure = error }
        xmlStopParser(context)
    }

    /// The stream position libxml2 has parsed up to (raw bytes: the input is UTF-8, so no
    /// decoder sits between the pushed bytes and `cur`).
    @inline(__always)
    private var position: Int {
        guard let input = context.pointee.input else { return fed }
        return Int(input.pointee.consumed) &+ input.pointee.base.distance(to: input.pointee.cur)
    }

    @inline(__always)
    private mutating func checkStanzaBytes(at position: Int) -> Bool {
        if position &- boundary > limits.maxStanzaBytes {
            fail(XMLStreamError(
                .limitExceeded(.stanzaBytes), message: "more than \(limits.maxStanzaBytes) bytes in one stanza"))
            return false
        }
        return true
    }

    @inline(__always)
    private mutating func string(forName pointer: UnsafePointer<xmlChar>) -> String? {
        if let cached = names.lookup(pointer) { return cached }
        return makeName(pointer)
    }

    private mutating func makeName(_ pointer: UnsafePointer<xmlChar>) -> String? {
        let length = strlen(UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self))
        guard length <= limits.maxNameBytes else {
            fail(XMLStreamError(.limitExceeded(.nameBytes), message: "a name longer than \(limits.maxNameBytes) bytes"))
            return nil
        }
        let buffer = UnsafeBufferPointer(start: pointer, count: length)
        // Only a namespace URI can hold '&' (see `decodeAmpersands`); names cannot.
        let value =
            memchr(pointer, 0x26, length) == nil
            ? String(decoding: buffer, as: UTF8.self) : ParserState.decodeAmpersands(buffer)
        assert(dictionary.map { xmlDictOwns(OpaquePointer($0), pointer) == 1 } ?? false)
        names.insert(pointer, value)
        return value
    }

    @inline(__always)
    private mutating func attributeValue(_ start: UnsafePointer<xmlChar>, _ end: UnsafePointer<xmlChar>) -> String? {
        let length = start.distance(to: end)
        guard length <= limits.maxAttributeValueBytes else {
            fail(XMLStreamError(
                .limitExceeded(.attributeValueBytes),
                message: "an attribute value longer than \(limits.maxAttributeValueBytes) bytes"))
            return nil
        }
        let buffer = UnsafeBufferPointer(start: start, count: length)
        if memchr(start, 0x26, length) == nil {
            return String(decoding: buffer, as: UTF8.self)
        }
        return ParserState.decodeAmpersands(buffer)
    }

    /// Without entity substitution (which stays off: it is what expands entities),
    /// libxml2 hands the `&amp;` and `&#38;` of an attribute value (and of a namespace
    /// declaration) to SAX as the five bytes `&#38;`, leaving the "reparsing" to a tree
    /// builder. Every other reference is already replaced, and references to other
    /// entities are refused, so the only `&` left in a value starts `&#38;`.
    static func decodeAmpersands(_ buffer: UnsafeBufferPointer<UInt8>) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(buffer.count)
        var index = 0
        while index < buffer.count {
            let byte = buffer[index]
            bytes.append(byte)
            if byte == 0x26, index + 4 < buffer.count, buffer[index + 1] == 0x23, buffer[index + 2] == 0x33,
                buffer[index + 3] == 0x38, buffer[index + 4] == 0x3B
            {
                index += 5
            } else {
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: SAX events

    mutating func startDocument() {
        guard failure == nil else { return }
        let declared = context.pointee.encoding ?? context.pointee.input?.pointee.encoding
        guard let declared else { return }
        let name = String(cString: declared)
        let lowered = name.lowercased()
        if lowered != "utf-8" && lowered != "utf8" {
            fail(XMLStreamError(.unsupportedEncoding, message: "encoding '\(name)' declared; only UTF-8 is accepted"))
        }
    }

    mutating func startElement(
        _ localname: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?,
        _ uri: UnsafePointer<xmlChar>?, _ namespaceCount: Int32,
        _ namespaces: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, _ attributeCount: Int32,
        _ attributeList: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
    ) {
        guard failure == nil, let localname else { return }
        depth &+= 1
        if depth > limits.maxDepth {
            fail(XMLStreamError(.limitExceeded(.depth), message: "elements nested deeper than \(limits.maxDepth)"))
            return
        }
        if Int(attributeCount) &+ Int(namespaceCount) > limits.maxAttributes {
            fail(XMLStreamError(
                .limitExceeded(.attributes), message: "more than \(limits.maxAttributes) attributes on one element"))
            return
        }
        let here = position
        guard checkStanzaBytes(at: here) else { return }
        guard let name = string(forName: localname) else { return }
        var namespace = ""
        if let uri {
            guard let resolved = string(forName: uri) else { return }
            namespace = resolved
        }
        var attributes: [XMLAttribute] = []
        if attributeCount > 0, let attributeList {
            attributes.reserveCapacity(Int(attributeCount))
            for index in 0..<Int(attributeCount) {
                // Five pointers per attribute: localname, prefix, URI, value start, value end.
                let entry = attributeList + index &* 5
                guard let attributeName = entry[0].flatMap({ string(forName: $0) }) else { return }
                var attributeNamespace: String?
                if let attributeURI = entry[2] {
                    guard let resolved = string(forName: attributeURI) else { return }
                    attributeNamespace = resolved
                }
                guard let start = entry[3], let end = entry[4], let value = attributeValue(start, end) else { return }
                attributes.append(XMLAttribute(attributeName, namespace: attributeNamespace, value: value))
            }
        }
        if mode == .stream && depth == 1 {
            var declarations: [XMLNamespaceDeclaration] = []
            if namespaceCount > 0, let namespaces {
                declarations.reserveCapacity(Int(namespaceCount))
                for index in 0..<Int(namespaceCount) {
                    var declaredPrefix: String?
                    if let pointer = namespaces[index &* 2] {
                        guard let value = string(forName: pointer) else { return }
                        declaredPrefix = value
                    }
                    guard let pointer = namespaces[index &* 2 &+ 1], let value = string(forName: pointer) else {
                        return
                    }
                    declarations.append(XMLNamespaceDeclaration(prefix: declaredPrefix, uri: value))
                }
            }
            var rootPrefix: String?
            if let prefix {
                guard let value = string(forName: prefix) else { return }
                rootPrefix = value
            }
            if !replaying {
                let header = XMLStreamHeader(
                    name: name, namespace: namespace, prefix: rootPrefix, attributes: attributes,
                    namespaceDeclarations: declarations)
                // Only the namespace scope is needed to replay the tag after hibernation.
                self.header = XMLStreamHeader(
                    name: name, namespace: namespace, prefix: rootPrefix, namespaceDeclarations: declarations)
                pending.append(.streamStart(header))
            }
            // `cur` is at the start tag's closing '>': stanzas are counted from after it.
            boundary = here &+ 1
            return
        }
        stack.append(XMLElement(name: name, namespace: namespace, attributes: attributes, children: []))
    }

    mutating func endElement() {
        guard failure == nil else { return }
        defer { depth &-= 1 }
        if mode == .stream && depth == 1 {
            rootClosed = true
            pending.append(.streamEnd)
            return
        }
        guard let element = stack.popLast() else { return }
        if stack.isEmpty {
            let here = position
            guard checkStanzaBytes(at: here) else { return }
            boundary = here
            if mode == .document { rootClosed = true }
            pending.append(.element(element))
        } else {
            stack[stack.count &- 1].children.append(.element(element))
        }
    }

    mutating func characters(_ pointer: UnsafePointer<xmlChar>?, _ length: Int32) {
        // Text between stanzas (whitespace keepalives) is not part of any tree.
        guard failure == nil, let pointer, length > 0, !stack.isEmpty else { return }
        let buffer = UnsafeBufferPointer(start: pointer, count: Int(length))
        let top = stack.count &- 1
        if case .text(var text)? = stack[top].children.last {
            stack[top].children.removeLast()
            text += String(decoding: buffer, as: UTF8.self)
            guard text.utf8.count <= limits.maxTextBytes else {
                failText()
                return
            }
            stack[top].children.append(.text(text))
        } else {
            guard buffer.count <= limits.maxTextBytes else {
                failText()
                return
            }
            stack[top].children.append(.text(String(decoding: buffer, as: UTF8.self)))
        }
    }

    mutating func failText() {
        fail(XMLStreamError(.limitExceeded(.textBytes), message: "a text longer than \(limits.maxTextBytes) bytes"))
    }

    mutating func refuse(_ kind: XMLStreamError.RestrictedXML) {
        guard failure == nil else { return }
        let message: String =
            switch kind {
            case .dtd: "document type declarations are not allowed"
            case .entityDeclaration: "entity and markup declarations are not allowed"
            case .entityReference: "references to entities other than the predefined five are not allowed"
            case .processingInstruction: "processing instructions are not allowed"
            case .comment: "comments are not allowed"
            }
        fail(XMLStreamError(.restrictedXML(kind), message: message))
    }

    mutating func structuredError(_ error: xmlErrorPtr?) {
        guard failure == nil, let error else { return }
        let details = error.pointee
        // Warnings (a relative namespace URI, …) do not make a document unusable.
        if details.level == XML_ERR_WARNING || details.level == XML_ERR_NONE { return }
        let code = Int(details.code)
        // libxml2 raises "xmlns:p: 'urn:日本' is not a valid URI" (its own URI parser wants
        // ASCII) as an error, but it is a warning code, the declaration is still bound, and
        // Namespaces in XML makes no well-formedness rule of it.
        if code == Int(XML_WAR_NS_URI.rawValue) || code == Int(XML_WAR_NS_URI_RELATIVE.rawValue) { return }
        var message = details.message.map { String(cString: $0) } ?? ""
        while message.last?.isNewline == true { message.removeLast() }
        if details.line > 0 { message += " (line \(details.line))" }
        let condition: XMLStreamError.Condition =
            switch code {
            case Int(XML_ERR_UNSUPPORTED_ENCODING.rawValue), Int(XML_ERR_UNKNOWN_ENCODING.rawValue),
                Int(XML_ERR_INVALID_ENCODING.rawValue):
                .unsupportedEncoding
            case Int(XML_ERR_UNDECLARED_ENTITY.rawValue), Int(XML_WAR_UNDECLARED_ENTITY.rawValue),
                Int(XML_ERR_UNPARSED_ENTITY.rawValue), Int(XML_ERR_ENTITY_IS_EXTERNAL.rawValue),
                Int(XML_ERR_ENTITY_IS_PARAMETER.rawValue), Int(XML_ERR_ENTITY_LOOP.rawValue),
                Int(XML_ERR_ENTITYREF_IN_PROLOG.rawValue), Int(XML_ERR_ENTITYREF_IN_EPILOG.rawValue),
                Int(XML_ERR_PEREF_IN_PROLOG.rawValue), Int(XML_ERR_PEREF_IN_EPILOG.rawValue):
                .restrictedXML(.entityReference)
            default:
                .notWellFormed
            }
        fail(XMLStreamError(condition, message: message, libxml2Code: code))
    }

    // MARK: The SAX handler

    /// Calls `body` on the state behind libxml2's user-data pointer.
    @inline(__always)
    private static func with(_ userData: UnsafeMutableRawPointer?, _ body: (inout ParserState) -> Void) {
        guard let userData else { return }
        body(&userData.assumingMemoryBound(to: ParserState.self).pointee)
    }

    /// Built per parser: C callbacks cannot capture context, and a global `xmlSAXHandler`
    /// would not be `Sendable`. libxml2 copies it into the context.
    static func makeSAXHandler() -> xmlSAXHandler {
        var handler = xmlSAXHandler()
        handler.initialized = UInt32(XML_SAX2_MAGIC)
        handler.startDocument = { userData in ParserState.with(userData) { $0.startDocument() } }
        handler.startElementNs = { userData, localname, prefix, uri, namespaceCount, namespaces, attributeCount, _, attributes in
            ParserState.with(userData) {
                $0.startElement(localname, prefix, uri, namespaceCount, namespaces, attributeCount, attributes)
            }
        }
        handler.endElementNs = { userData, _, _, _ in ParserState.with(userData) { $0.endElement() } }
        handler.characters = { userData, pointer, length in ParserState.with(userData) { $0.characters(pointer, length) } }
        handler.ignorableWhitespace = { userData, pointer, length in
            ParserState.with(userData) { $0.characters(pointer, length) }
        }
        // CDATA sections are text.
        handler.cdataBlock = { userData, pointer, length in ParserState.with(userData) { $0.characters(pointer, length) } }
        // Refused constructs: each stops the parser before anything is expanded or loaded.
        // `getEntity` and `resolveEntity` stay NULL: only the predefined entities resolve.
        handler.internalSubset = { userData, _, _, _ in ParserState.with(userData) { $0.refuse(.dtd) } }
        handler.externalSubset = { userData, _, _, _ in ParserState.with(userData) { $0.refuse(.dtd) } }
        handler.entityDecl = { userData, _, _, _, _, _ in ParserState.with(userData) { $0.refuse(.entityDeclaration) } }
        handler.notationDecl = { userData, _, _, _ in ParserState.with(userData) { $0.refuse(.entityDeclaration) } }
        handler.unparsedEntityDecl = { userData, _, _, _, _ in ParserState.with(userData) { $0.refuse(.entityDeclaration) } }
        handler.elementDecl = { userData, _, _, _ in ParserState.with(userData) { $0.refuse(.entityDeclaration) } }
        handler.attributeDecl = { userData, _, _, _, _, _, _ in ParserState.with(userData) { $0.refuse(.entityDeclaration) } }
        handler.reference = { userData, _ in ParserState.with(userData) { $0.refuse(.entityReference) } }
        handler.processingInstruction = { userData, _, _ in ParserState.with(userData) { $0.refuse(.processingInstruction) } }
        handler.comment = { userData, _ in ParserState.with(userData) { $0.refuse(.comment) } }
        handler.serror = { userData, error in ParserState.with(userData) { $0.structuredError(error) } }
        return handler
    }
}
