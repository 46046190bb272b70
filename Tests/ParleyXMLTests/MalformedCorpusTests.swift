import SeededRandom
import Foundation
import ParleyXML
import Testing

/// One case of `Corpus/manifest.json`: a file, the condition it must be refused with, and
/// how many events may come out before the refusal.
struct CorpusCase: Decodable, CustomTestStringConvertible, Sendable {
    var file: String
    /// `notWellFormed`, `invalidUTF8`, `unsupportedEncoding`, `restrictedXML.<kind>` or
    /// `limitExceeded.<kind>`.
    var condition: String
    /// Events reported before the error (`0`: nothing at all got through).
    var events: Int
    var note: String
    /// Limits other than the defaults, by `XMLLimits` property name.
    var limits: [String: Int]?
    /// Call `finish()` after the bytes (the fault is the end of input).
    var finish: Bool?

    var testDescription: String { file }

    var expectedCondition: XMLStreamError.Condition? {
        let parts = condition.split(separator: ".", maxSplits: 1).map(String.init)
        switch (parts.first, parts.count == 2 ? parts[1] : nil) {
        case ("notWellFormed", nil): return .notWellFormed
        case ("invalidUTF8", nil): return .invalidUTF8
        case ("unsupportedEncoding", nil): return .unsupportedEncoding
        case ("restrictedXML", let kind?): return XMLStreamError.RestrictedXML(rawValue: kind).map { .restrictedXML($0) }
        case ("limitExceeded", let kind?): return XMLLimits.Kind(rawValue: kind).map { .limitExceeded($0) }
        default: return nil
        }
    }

    var xmlLimits: XMLLimits {
        var result = XMLLimits()
        for (key, value) in limits ?? [:] {
            switch key {
            case "maxStanzaBytes": result.maxStanzaBytes = value
            case "maxDepth": result.maxDepth = value
            case "maxAttributes": result.maxAttributes = value
            case "maxAttributeValueBytes": result.maxAttributeValueBytes = value
            case "maxTextBytes": result.maxTextBytes = value
            case "maxNameBytes": result.maxNameBytes = value
            default: Issue.record("unknown limit \(key) in the manifest")
            }
        }
        return result
    }

    var bytes: [UInt8] {
        get throws {
            let url = try #require(Bundle.module.url(forResource: file, withExtension: nil, subdirectory: "Corpus"))
            return [UInt8](try Data(contentsOf: url))
        }
    }
}

func loadCorpusManifest() -> [CorpusCase] {
    guard let url = Bundle.module.url(forResource: "manifest", withExtension: "json", subdirectory: "Corpus"),
        let data = try? Data(contentsOf: url),
        let cases = try? JSONDecoder().decode([CorpusCase].self, from: data)
    else { return [] }
    return cases
}

@Suite("Malformed corpus")
struct MalformedCorpusTests {
    static let cases = loadCorpusManifest()

    @Test("the manifest loads and lists every corpus file")
    func manifestIsComplete() throws {
        #expect(Self.cases.count >= 50)
        let directory = try #require(Bundle.module.resourceURL?.appendingPathComponent("Corpus"))
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0 != "manifest.json" }
        #expect(Set(files) == Set(Self.cases.map(\.file)))
        #expect(Set(Self.cases.map(\.file)).count == Self.cases.count)
        for corpusCase in Self.cases {
            #expect(corpusCase.expectedCondition != nil, "bad condition for \(corpusCase.file)")
        }
        // The constructs the issue names are all there.
        for name in [
            "billion-laughs.xml", "external-entity.xml", "dtd.xml", "processing-instruction.xml", "comment.xml",
            "mismatched-tag.xml", "invalid-utf8.bin", "latin1-declaration.xml", "utf16-bom.bin", "too-deep.xml",
            "too-many-attributes.xml", "oversized-stanza.xml", "unbound-prefix.xml", "duplicate-attribute.xml",
            "text-after-end.xml", "nul-byte.bin",
        ] {
            #expect(files.contains(name), "\(name) missing")
        }
    }

    @Test("each file is refused with exactly its condition, in bulk and byte by byte", arguments: cases)
    func refusedWithCondition(_ corpusCase: CorpusCase) throws {
        let bytes = try corpusCase.bytes
        let expected = try #require(corpusCase.expectedCondition)
        let finish = corpusCase.finish ?? false
        let bulk = feed(bytes, cuts: [], limits: corpusCase.xmlLimits, finish: finish)
        #expect(bulk.error == expected, "\(corpusCase.note)")
        #expect(bulk.events.count == corpusCase.events, "\(corpusCase.note): \(bulk.events)")
        let byteByByte = feed(bytes, cuts: Array(0..<bytes.count), limits: corpusCase.xmlLimits, finish: finish)
        #expect(byteByByte == bulk)
        var generator = SeededGenerator(seed: UInt64(bytes.count))
        let cuts = Set((0..<8).map { _ in Int.random(in: 0...bytes.count, using: &generator) }).sorted()
        #expect(feed(bytes, cuts: cuts, limits: corpusCase.xmlLimits, finish: finish) == bulk)
    }

    @Test("refused constructs let no element through, and nothing is expanded")
    func restrictedConstructsEmitNoElements() throws {
        for corpusCase in Self.cases where corpusCase.condition.hasPrefix("restrictedXML") || corpusCase.condition == "unsupportedEncoding" {
            let outcome = feed(try corpusCase.bytes, cuts: [], limits: corpusCase.xmlLimits)
            let texts = outcome.elements.flatMap { $0.elements.map(\.text) + [$0.text] }
            #expect(!texts.contains { $0.contains("lol") || $0.contains("root:") }, "\(corpusCase.file)")
            if corpusCase.file.contains("laughs") || corpusCase.file.contains("entity") || corpusCase.file.contains("dtd") {
                #expect(outcome.elements.isEmpty, "\(corpusCase.file)")
            }
        }
    }

    @Test("the same files in document mode are refused with the same condition")
    func documentMode() throws {
        for corpusCase in Self.cases {
            let bytes = try corpusCase.bytes
            let expected = try #require(corpusCase.expectedCondition)
            do {
                _ = try XMLStreamParser.parseDocument(bytes, limits: corpusCase.xmlLimits)
                Issue.record("\(corpusCase.file) was accepted as a document")
            } catch {
                // In document mode the limits count the whole document as one "stanza".
                if case .limitExceeded = expected {
                    #expect(error.condition == expected || error.condition == .limitExceeded(.stanzaBytes), "\(corpusCase.file)")
                } else if corpusCase.file == "text-after-end.xml" || corpusCase.file == "second-root.xml" {
                    #expect(error.condition == .notWellFormed)
                } else {
                    #expect(error.condition == expected, "\(corpusCase.file): \(error)")
                }
            }
        }
    }
}
