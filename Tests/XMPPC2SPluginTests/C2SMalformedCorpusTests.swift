import Foundation
import ParleyXMPP
import Testing

@testable import XMPPC2SPlugin

/// The XML parser's malformed-input corpus sent to a live listener: each case ends its
/// stream with the RFC 6120 condition its parser error maps to, and the server keeps
/// serving everyone else.
@Suite(.serialized) struct C2SMalformedCorpusTests {
    struct Case: Decodable {
        let file: String
        let condition: String
        let finish: Bool?
        let limits: [String: Int]?
    }

    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ParleyXMLTests/Corpus")

    /// The cases a stream can meet: those that need the end of input (a stream never ends
    /// that way) or non-default limits other than the stanza size are left to ParleyXMLTests.
    static let cases: [Case] = {
        guard let data = try? Data(contentsOf: corpus.appendingPathComponent("manifest.json")),
            let all = try? JSONDecoder().decode([Case].self, from: data)
        else { return [] }
        return all.filter { $0.finish != true && ($0.limits ?? [:]).keys.allSatisfy { $0 == "maxStanzaBytes" } }
    }()

    /// The RFC 6120 condition for a corpus condition (`XMLStreamError.streamErrorCondition`).
    static func streamCondition(_ condition: String) -> String {
        switch condition.split(separator: ".").first {
        case "restrictedXML": "restricted-xml"
        case "limitExceeded": "policy-violation"
        case "unsupportedEncoding": "unsupported-encoding"
        default: "not-well-formed"
        }
    }

    @Test func everyCaseGetsItsStreamErrorAndTheServerKeepsServing() async throws {
        #expect(Self.cases.count >= 40, "the corpus was not found at \(Self.corpus.path)")
        let server = try await C2SHarness { $0.maxStanzaBytes = 4096 }
        defer { Task { await server.stop() } }
        for corpusCase in Self.cases {
            var text = try Data(contentsOf: Self.corpus.appendingPathComponent(corpusCase.file))
            // The corpus streams are addressed to example.com; the harness serves example.test.
            if let range = text.range(of: Data("to='example.com'".utf8)) {
                text.replaceSubrange(range, with: Data("to='example.test'".utf8))
            }
            let client = try await server.client()
            client.send(Array(text))
            do {
                try await client.expectStreamError(Self.streamCondition(corpusCase.condition), seconds: 10)
            } catch {
                Issue.record("\(corpusCase.file): \(error)")
            }
            await client.close()
        }
        let survivor = try await server.client()
        try await survivor.login("alice", "alicepw")
        let pong = try await survivor.iq("<iq type='get' id='alive'><ping xmlns='urn:xmpp:ping'/></iq>", id: "alive")
        #expect(pong[attribute: "type"] == "result")
    }
}
