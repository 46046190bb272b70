import SeededRandom
import ParleyXML
import Testing

/// Random element trees from a seeded generator: names, namespaces, attributes whose
/// values need escaping, and text with markup characters and unicode.
struct TreeGenerator {
    var random: SeededGenerator

    static let nameStarts: [Character] = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_éßø日本語")
    static let nameRest: [Character] = nameStarts + Array<Character>("0123456789-.·")
    static let namespaces = [
        "", "jabber:client", "urn:xmpp:receipts", "http://jabber.org/protocol/muc#user",
        "http://example.com/ns?x=1&y='2'&z=\"3\"", "urn:日本:ns", "urn:a<b>c",
    ]
    static let textPieces = [
        "a", "hello", " ", "  ", "<", ">", "&", "'", "\"", "]]>", "<![CDATA[", "&amp;", "&#65;", "\t", "\n", "\r\n",
        "\r", "é", "😀", "日本", "\u{FEFF}", "\u{10FFFF}", "\u{7F}", "\u{85}", "x y z", "-->", "<?pi?>",
    ]

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }

    mutating func name() -> String {
        var name = String(Self.nameStarts.randomElement(using: &random)!)
        for _ in 0..<int(0...8) { name.append(Self.nameRest.randomElement(using: &random)!) }
        // Names starting with "xml" are reserved.
        return name.lowercased().hasPrefix("xml") ? "x_" + name : name
    }

    mutating func namespace() -> String { Self.namespaces.randomElement(using: &random)! }

    mutating func text(nonEmpty: Bool) -> String {
        var text = ""
        for _ in 0..<int((nonEmpty ? 1 : 0)...6) { text += Self.textPieces.randomElement(using: &random)! }
        return text
    }

    mutating func attributes() -> [XMLAttribute] {
        var result: [XMLAttribute] = []
        for _ in 0..<int(0...4) {
            let namespace: String? =
                switch int(0...5) {
                case 0: xmlNamespaceURI
                case 1: Self.namespaces.filter { !$0.isEmpty }.randomElement(using: &random)!
                default: nil
                }
            let attribute = XMLAttribute(name(), namespace: namespace, value: text(nonEmpty: false))
            if !result.contains(where: { $0.name == attribute.name && $0.namespace == attribute.namespace }) {
                result.append(attribute)
            }
        }
        return result
    }

    mutating func element(depth: Int = 0) -> XMLElement {
        var element = XMLElement(name: name(), namespace: namespace(), attributes: attributes())
        if depth < 5 {
            for _ in 0..<int(0...(depth == 0 ? 5 : 3)) {
                if int(0...2) == 0 {
                    // Adjacent text merges when parsed: the generator merges it too.
                    element.append(text: text(nonEmpty: true))
                } else {
                    element.append(self.element(depth: depth + 1))
                }
            }
        }
        return element
    }
}

/// What a tree becomes after serializing: CR survives as `&#13;`; characters XML cannot
/// carry become U+FFFD; everything else is kept.
func normalizedForXML(_ element: XMLElement) -> XMLElement {
    var result = element
    result.attributes = element.attributes.map {
        XMLAttribute($0.name, namespace: $0.namespace, value: replacingNonXMLCharacters($0.value))
    }
    result.children = element.children.map {
        switch $0 {
        case .text(let text): .text(replacingNonXMLCharacters(text))
        case .element(let child): .element(normalizedForXML(child))
        }
    }
    return result
}

func replacingNonXMLCharacters(_ text: String) -> String {
    String(
        String.UnicodeScalarView(
            text.unicodeScalars.map { scalar in
                let value = scalar.value
                let allowed = value >= 0x20 || value == 0x9 || value == 0xA || value == 0xD
                return allowed && value != 0xFFFE && value != 0xFFFF ? scalar : "\u{FFFD}"
            }))
}

@Suite("Round trip")
struct RoundTripTests {
    @Test("parse(serialize(tree)) == tree for random trees (document mode)")
    func randomTreesAsDocuments() throws {
        var generator = TreeGenerator(random: SeededGenerator(seed: 20_240_601))
        for iteration in 0..<500 {
            let tree = generator.element()
            let bytes = tree.serialized()
            let parsed: XMLElement
            do {
                parsed = try XMLStreamParser.parseDocument(bytes)
            } catch {
                Issue.record("iteration \(iteration): \(error)\n\(String(decoding: bytes, as: UTF8.self))")
                return
            }
            #expect(parsed == tree, "iteration \(iteration): \(String(decoding: bytes, as: UTF8.self))")
            // serialize ∘ parse is stable.
            #expect(parsed.serialized() == bytes)
        }
    }

    @Test("parse(serialize(stanzas)) == stanzas inside a stream with an inherited namespace")
    func randomStanzasInAStream() throws {
        var generator = TreeGenerator(random: SeededGenerator(seed: 7))
        var stanzas: [XMLElement] = []
        var bytes = Array(streamHeader())
        for _ in 0..<200 {
            var stanza = generator.element()
            if generator.int(0...1) == 0 { stanza.namespace = "jabber:client" }
            stanzas.append(stanza)
            stanza.serialize(into: &bytes, inheritedNamespace: "jabber:client")
            bytes += Array("\n")
        }
        bytes += Array("</stream:stream>")
        let outcome = feed(bytes, cuts: [])
        #expect(outcome.error == nil)
        #expect(outcome.elements == stanzas)
        // Stanzas in the stream's namespace were written without a redundant xmlns.
        for stanza in stanzas where stanza.namespace == "jabber:client" {
            let written = String(decoding: stanza.serialized(inheritedNamespace: "jabber:client"), as: UTF8.self)
            #expect(!written.hasPrefix("<\(stanza.name) xmlns="))
        }
    }

    @Test("writing into a caller's buffer gives the same bytes, within the announced bound")
    func writingIntoARawBufferMatchesTheArrayForm() {
        var generator = TreeGenerator(random: SeededGenerator(seed: 99))
        for iteration in 0..<300 {
            let tree = generator.element()
            let inherited = iteration % 2 == 0 ? "" : tree.namespace
            let expected = tree.serialized(inheritedNamespace: inherited)
            let bound = XMLSerializer.maximumBytes(of: tree, inheritedNamespace: inherited)
            #expect(bound >= expected.count)
            let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: bound, alignment: 1)
            defer { raw.deallocate() }
            let count = XMLSerializer.write(tree, to: raw, inheritedNamespace: inherited)
            #expect(Array(raw[..<count]) == expected, "iteration \(iteration)")
        }
    }

    @Test("characters XML cannot carry are replaced, and the result parses")
    func nonXMLCharacters() throws {
        var generator = SeededGenerator(seed: 99)
        for _ in 0..<200 {
            let scalars = (0..<12).map { _ -> Unicode.Scalar in
                switch Int.random(in: 0...3, using: &generator) {
                case 0: Unicode.Scalar(UInt8.random(in: 0...0x1F, using: &generator))
                case 1: ["\u{FFFE}", "\u{FFFF}", "\u{FFFD}", "\u{EFBF}"].randomElement(using: &generator)!
                default: Unicode.Scalar(UInt8.random(in: 0x20...0x7E, using: &generator))
                }
            }
            let text = String(String.UnicodeScalarView(scalars))
            let tree = XMLElement(name: "a", attributes: [XMLAttribute("v", value: text)], children: [.text(text)])
            let parsed = try XMLStreamParser.parseDocument(tree.serialized())
            #expect(parsed == normalizedForXML(tree))
        }
    }

    @Test("serialize(parse(x)) is a fixed point after one pass")
    func serializeParseIsStable() throws {
        let inputs = [
            "<a:message xmlns:a='jabber:client' a:type='x' type='y'><a:body>hi &#x263A;</a:body></a:message>",
            "<x xmlns='urn:x' xmlns:p='urn:p'><p:y p:z='1'><w xmlns=''/></p:y><![CDATA[<&>]]></x>",
            "<t a='&#9;&#10;&#13;' b=\"'\">&#13;\r\n</t>",
            "<r xml:lang='en' xmlns:q='urn:q'><s q:a='1' q:b='2'><t q:c='3'/></s><u q:d='4'/></r>",
        ]
        for input in inputs {
            let once = try XMLStreamParser.parseDocument(input).serialized()
            let parsedOnce = try XMLStreamParser.parseDocument(once)
            #expect(parsedOnce == (try XMLStreamParser.parseDocument(input)))
            #expect(parsedOnce.serialized() == once, "\(String(decoding: once, as: UTF8.self))")
        }
    }
}
