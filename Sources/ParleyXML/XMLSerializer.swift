/// Writes element trees and stream headers as UTF-8 bytes, straight into a byte buffer.
///
/// - Text escapes `&`, `<`, `>` and CR (`&#13;`, which XML's end-of-line handling would
///   otherwise turn into LF); attribute values (always in single quotes) escape `&`, `<`,
///   `>`, `'`, `"`, TAB, LF and CR, which attribute-value normalization would otherwise
///   turn into spaces. So parsing what was written gives back the same tree.
/// - Characters XML cannot carry at all (C0 controls other than TAB, LF and CR — IRC's
///   formatting codes, say — and U+FFFE, U+FFFF) are written as U+FFFD instead of making
///   the output not well-formed.
/// - An element gets `xmlns='…'` only where its namespace differs from its parent's (the
///   root's parent namespace is the `inheritedNamespace` argument, e.g. `jabber:client` for
///   stanzas in a client stream). Namespaced attributes use `xml:` for the XML namespace
///   (never declared) and otherwise a generated `nsN` prefix declared on the element unless
///   an ancestor already declared one for that URI.
/// - Names are written as given: they must be valid XML names (parsed trees always are).
public enum XMLSerializer {
    /// Appends `element` to `buffer`, omitting the `xmlns` declaration when the element's
    /// namespace is `inheritedNamespace`.
    public static func write(_ element: XMLElement, into buffer: inout [UInt8], inheritedNamespace: String = "") {
        let bound = sizeBound(element, parentNamespace: inheritedNamespace, scopeDepth: 0)
        withWriter(into: &buffer, bound: bound) { writer in
            var scope: [(prefix: String, uri: String)] = []
            writeElement(element, parentNamespace: inheritedNamespace, scope: &scope, into: &writer)
        }
    }

    /// Bytes that `element` takes at most when written by `write(_:to:inheritedNamespace:)`.
    public static func maximumBytes(of element: XMLElement, inheritedNamespace: String = "") -> Int {
        sizeBound(element, parentNamespace: inheritedNamespace, scopeDepth: 0)
    }

    /// Writes `element` into `destination`, which holds at least `maximumBytes(of:)`
    /// bytes, and returns how many were written: for a caller's own buffer (a NIO
    /// `ByteBuffer`), without an intermediate array.
    public static func write(
        _ element: XMLElement, to destination: UnsafeMutableRawBufferPointer, inheritedNamespace: String = ""
    ) -> Int {
        guard let base = destination.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        var writer = RawWriter(cursor: base, end: base + destination.count)
        var scope: [(prefix: String, uri: String)] = []
        writeElement(element, parentNamespace: inheritedNamespace, scope: &scope, into: &writer)
        return base.distance(to: writer.cursor)
    }

    /// Appends a stream header: `<?xml version='1.0'?>` (if `xmlDeclaration`) and the
    /// root's start tag with its namespace declarations and attributes, left open.
    public static func writeStreamHeader(
        _ header: XMLStreamHeader, into buffer: inout [UInt8], xmlDeclaration: Bool = true
    ) {
        var bound = 32 + qualifiedNameBound(header.name, header.prefix) + declarationBound(header.prefix, header.namespace)
        var longestPrefix = header.prefix?.utf8.count ?? 0
        for declaration in header.namespaceDeclarations {
            bound += declarationBound(declaration.prefix, declaration.uri)
            longestPrefix = max(longestPrefix, declaration.prefix?.utf8.count ?? 0)
        }
        for attribute in header.attributes {
            // A namespaced attribute may use a declared prefix, longer than a generated one.
            bound += attributeBound(attribute) + longestPrefix
        }
        withWriter(into: &buffer, bound: bound) { writer in
            if xmlDeclaration { writer.literal("<?xml version='1.0'?>") }
            writer.byte(0x3C)  // <
            writeQualifiedName(header.name, prefix: header.prefix, into: &writer)
            var scope: [(prefix: String, uri: String)] = []
            var rootBound = false
            for declaration in header.namespaceDeclarations {
                writeDeclaration(prefix: declaration.prefix, uri: declaration.uri, into: &writer)
                if declaration.prefix == header.prefix { rootBound = declaration.uri == header.namespace }
                if let prefix = declaration.prefix { scope.append((prefix, declaration.uri)) }
            }
            if !rootBound && !(header.prefix == nil && header.namespace.isEmpty) {
                writeDeclaration(prefix: header.prefix, uri: header.namespace, into: &writer)
                if let prefix = header.prefix { scope.append((prefix, header.namespace)) }
            }
            for attribute in header.attributes {
                writeAttribute(attribute, scope: &scope, into: &writer)
            }
            writer.byte(0x3E)  // >
        }
    }

    /// Appends the stream footer, the root's end tag, e.g. `</stream:stream>`.
    public static func writeStreamFooter(_ header: XMLStreamHeader, into buffer: inout [UInt8]) {
        withWriter(into: &buffer, bound: 3 + qualifiedNameBound(header.name, header.prefix)) { writer in
            writer.literal("</")
            writeQualifiedName(header.name, prefix: header.prefix, into: &writer)
            writer.byte(0x3E)
        }
    }

    // MARK: Writing into the buffer

    /// Grows `buffer` by `bound` bytes, lets `body` write at most that many through raw
    /// pointers (one capacity check for the whole element instead of one per append), then
    /// drops what was not used. The writer checks every write against the bound.
    private static func withWriter(into buffer: inout [UInt8], bound: Int, _ body: (inout RawWriter) -> Void) {
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: bound))
        let written = buffer.withUnsafeMutableBufferPointer { all -> Int in
            let base = all.baseAddress! + start
            var writer = RawWriter(cursor: base, end: base + bound)
            body(&writer)
            return base.distance(to: writer.cursor)
        }
        buffer.removeLast(bound - written)
    }

    // MARK: Size bounds

    /// Bytes one escaped byte can become at most (`&quot;`).
    private static let escapeFactor = 6
    /// Bytes a generated `nsN` prefix can take.
    private static let generatedPrefixBound = 22

    private static func sizeBound(_ element: XMLElement, parentNamespace: String, scopeDepth: Int) -> Int {
        let name = element.name.utf8.count
        // <name xmlns='…'> … </name>
        var bound = 2 * name + 5
        if element.namespace != parentNamespace { bound += declarationBound(nil, element.namespace) }
        element.attributes.withUnsafeBufferPointer { attributes in
            for index in attributes.indices {
                bound += attributeBound(attributes[index])
            }
        }
        element.children.withUnsafeBufferPointer { children in
            for index in children.indices {
                switch children[index] {
                case .text(let text): bound += escapeFactor * text.utf8.count
                case .element(let child):
                    bound += sizeBound(child, parentNamespace: element.namespace, scopeDepth: scopeDepth + 1)
                }
            }
        }
        return bound
    }

    private static func attributeBound(_ attribute: XMLAttribute) -> Int {
        //  prefix:name='value' plus, for a namespaced one, its declaration.
        var bound = 4 + attribute.name.utf8.count + escapeFactor * attribute.value.utf8.count
        if let namespace = attribute.namespace, !namespace.isEmpty {
            bound += generatedPrefixBound + 1 + declarationBound("", namespace) + generatedPrefixBound
        }
        return bound
    }

    private static func declarationBound(_ prefix: String?, _ uri: String) -> Int {
        //  xmlns:prefix='uri'
        10 + (prefix?.utf8.count ?? 0) + escapeFactor * uri.utf8.count
    }

    private static func qualifiedNameBound(_ name: String, _ prefix: String?) -> Int {
        name.utf8.count + 1 + (prefix?.utf8.count ?? 0)
    }

    // MARK: Elements

    private static func writeElement(
        _ element: XMLElement, parentNamespace: String, scope: inout [(prefix: String, uri: String)],
        into writer: inout RawWriter
    ) {
        writer.byte(0x3C)  // <
        writer.raw(element.name)
        if element.namespace != parentNamespace {
            writeDeclaration(prefix: nil, uri: element.namespace, into: &writer)
        }
        let scopeMark = scope.count
        // Iterating through buffer pointers borrows the elements instead of copying them
        // (a retain and release per string each).
        element.attributes.withUnsafeBufferPointer { attributes in
            for index in attributes.indices {
                writeAttribute(attributes[index], scope: &scope, into: &writer)
            }
        }
        if element.children.isEmpty {
            writer.byte(0x2F)  // /
            writer.byte(0x3E)
        } else {
            writer.byte(0x3E)  // >
            element.children.withUnsafeBufferPointer { children in
                for index in children.indices {
                    switch children[index] {
                    case .text(let text):
                        writer.escaped(text, mask: textMask)
                    case .element(let child):
                        writeElement(child, parentNamespace: element.namespace, scope: &scope, into: &writer)
                    }
                }
            }
            writer.byte(0x3C)
            writer.byte(0x2F)
            writer.raw(element.name)
            writer.byte(0x3E)
        }
        if scope.count > scopeMark { scope.removeSubrange(scopeMark...) }
    }

    private static func writeAttribute(
        _ attribute: XMLAttribute, scope: inout [(prefix: String, uri: String)], into writer: inout RawWriter
    ) {
        if let namespace = attribute.namespace, !namespace.isEmpty {
            let prefix: String
            if namespace == xmlNamespaceURI {
                prefix = "xml"
            } else if let bound = scope.last(where: { $0.uri == namespace }) {
                prefix = bound.prefix
            } else {
                // Unique along the path from the root, so it never shadows a prefix in use
                // (a stream header may have declared an `nsN` of its own).
                var number = scope.count
                while scope.contains(where: { $0.prefix == "ns\(number)" }) { number += 1 }
                prefix = "ns\(number)"
                scope.append((prefix, namespace))
                writeDeclaration(prefix: prefix, uri: namespace, into: &writer)
            }
            writer.byte(0x20)
            writer.raw(prefix)
            writer.byte(0x3A)  // :
        } else {
            writer.byte(0x20)
        }
        writer.raw(attribute.name)
        writer.byte(0x3D)  // =
        writer.byte(0x27)  // '
        writer.escaped(attribute.value, mask: attributeMask)
        writer.byte(0x27)
    }

    private static func writeDeclaration(prefix: String?, uri: String, into writer: inout RawWriter) {
        if let prefix {
            writer.literal(" xmlns:")
            writer.raw(prefix)
            writer.literal("='")
        } else {
            writer.literal(" xmlns='")
        }
        writer.escaped(uri, mask: attributeMask)
        writer.byte(0x27)
    }

    private static func writeQualifiedName(_ name: String, prefix: String?, into writer: inout RawWriter) {
        if let prefix {
            writer.raw(prefix)
            writer.byte(0x3A)
        }
        writer.raw(name)
    }

    // MARK: Escaping

    /// Bit `b` set: byte `b` (below 0x40) needs escaping or replacing in text:
    /// C0 controls but TAB and LF, and `&`, `<`, `>`.
    fileprivate static var textMask: UInt64 { 0x5000_0040_FFFF_F9FF }

    /// The same for attribute values: every C0 control, and `"`, `&`, `'`, `<`, `>`.
    fileprivate static var attributeMask: UInt64 { 0x5000_00C4_FFFF_FFFF }
}

/// Writes through a raw pointer into space reserved beforehand, checking each write
/// against the end of that space.
private struct RawWriter {
    var cursor: UnsafeMutablePointer<UInt8>
    let end: UnsafeMutablePointer<UInt8>

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        precondition(cursor < end, "XMLSerializer size bound exceeded")
        cursor.initialize(to: value)
        cursor += 1
    }

    @inline(__always)
    mutating func bytes(_ source: UnsafeBufferPointer<UInt8>) {
        guard let base = source.baseAddress, source.count > 0 else { return }
        precondition(source.count <= cursor.distance(to: end), "XMLSerializer size bound exceeded")
        cursor.update(from: base, count: source.count)
        cursor += source.count
    }

    @inline(__always)
    mutating func literal(_ literal: StaticString) {
        literal.withUTF8Buffer { bytes($0) }
    }

    @inline(__always)
    mutating func raw(_ string: String) {
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { bytes($0) }
        if done == nil { for byte in string.utf8 { self.byte(byte) } }
    }

    @inline(__always)
    mutating func escaped(_ string: String, mask: UInt64) {
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { escaped($0, mask: mask) }
        if done == nil { Array(string.utf8).withUnsafeBufferPointer { escaped($0, mask: mask) } }
    }

    mutating func escaped(_ source: UnsafeBufferPointer<UInt8>, mask: UInt64) {
        let count = source.count
        var runStart = 0
        var index = 0
        while index < count {
            let byte = source[index]
            if byte < 0x40 {
                if (mask &>> UInt64(byte)) & 1 == 0 {
                    index &+= 1
                    continue
                }
            } else if byte != 0xEF {
                index &+= 1
                continue
            } else {
                // U+FFFE and U+FFFF (EF BF BE, EF BF BF) are not XML characters.
                if index &+ 2 < count, source[index &+ 1] == 0xBF, source[index &+ 2] & 0xFE == 0xBE {
                    flush(source, from: runStart, to: index)
                    literal("\u{FFFD}")
                    index &+= 3
                    runStart = index
                } else {
                    index &+= 1
                }
                continue
            }
            flush(source, from: runStart, to: index)
            switch byte {
            case 0x26: literal("&amp;")
            case 0x3C: literal("&lt;")
            case 0x3E: literal("&gt;")
            case 0x27: literal("&apos;")
            case 0x22: literal("&quot;")
            case 0x09: literal("&#9;")
            case 0x0A: literal("&#10;")
            case 0x0D: literal("&#13;")
            default: literal("\u{FFFD}")
            }
            index &+= 1
            runStart = index
        }
        flush(source, from: runStart, to: count)
    }

    @inline(__always)
    private mutating func flush(_ source: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) {
        if end > start {
            bytes(UnsafeBufferPointer(rebasing: source[start..<end]))
        }
    }
}

extension XMLElement {
    /// Appends the serialized element to `buffer` (see `XMLSerializer`).
    @inlinable
    public func serialize(into buffer: inout [UInt8], inheritedNamespace: String = "") {
        XMLSerializer.write(self, into: &buffer, inheritedNamespace: inheritedNamespace)
    }

    /// The serialized element as bytes.
    public func serialized(inheritedNamespace: String = "") -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(256)
        serialize(into: &buffer, inheritedNamespace: inheritedNamespace)
        return buffer
    }

    /// The serialized element as a string, for debugging and tests.
    public var xmlString: String {
        String(decoding: serialized(), as: UTF8.self)
    }
}
