import ParleyXML
import Testing

@testable import ParleyXMPP

/// The `<text/>` of a stream error made from a parser failure says what is wrong in words
/// (RFC 6120 §4.9.2), never the Swift value of the error.
@Suite struct StreamErrorTextTests {
    static let failures: [XMLStreamError] =
        [
            XMLStreamError(.notWellFormed, message: "Opening and ending tag mismatch: body line 1 and message\n"),
            XMLStreamError(.notWellFormed), XMLStreamError(.invalidUTF8), XMLStreamError(.unsupportedEncoding),
            XMLStreamError(.restrictedXML(.dtd)), XMLStreamError(.restrictedXML(.entityDeclaration)),
            XMLStreamError(.restrictedXML(.entityReference)), XMLStreamError(.restrictedXML(.processingInstruction)),
            XMLStreamError(.restrictedXML(.comment)),
        ] + XMLLimits.Kind.allCases.map { XMLStreamError(.limitExceeded($0)) }

    @Test(arguments: failures)
    func theTextIsWordsNotATypeDump(failure: XMLStreamError) throws {
        let error = StreamError(failure)
        let text = try #require(error.text)
        #expect(error.condition.rawValue == failure.streamErrorCondition)
        for dump in ["XMLStreamError", "ParleyXML", "restrictedXML", "limitExceeded", "notWellFormed", "\n"] {
            #expect(!text.contains(dump), "\(text)")
        }
    }

    @Test func aDTDSaysSoWithTheRule() {
        #expect(StreamError(XMLStreamError(.restrictedXML(.dtd))).text == "DTDs are not allowed in XMPP streams (RFC 6120 §11.1)")
    }

    @Test func libxml2sDetailFollowsTheRule() {
        let error = StreamError(XMLStreamError(.notWellFormed, message: "Opening and ending tag mismatch: body line 1 and message\n"))
        #expect(error.text == "the XML is not well-formed: Opening and ending tag mismatch: body line 1 and message")
    }

    @Test func aLimitNamesWhatWasMeasured() {
        #expect(StreamError(XMLStreamError(.limitExceeded(.stanzaBytes))).text == "the size of a stanza exceeds this server's limit")
        #expect(StreamError(XMLStreamError(.limitExceeded(.stanzaBytes))).condition == .policyViolation)
    }
}
