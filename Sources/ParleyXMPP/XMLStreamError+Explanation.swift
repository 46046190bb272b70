import Foundation
import ParleyXML

extension XMLStreamError {
    /// What is wrong with the peer's XML, in words, for the `<text/>` of the stream error
    /// (RFC 6120 §4.9.2): the rule broken, then libxml2's detail where it has one.
    public var explanation: String {
        let detail = message.trimmingCharacters(in: .whitespacesAndNewlines)
        switch condition {
        case .notWellFormed:
            return detail.isEmpty ? "the XML is not well-formed" : "the XML is not well-formed: \(detail)"
        case .invalidUTF8:
            return "the stream holds bytes that are not valid UTF-8 (RFC 6120 §11.6)"
        case .unsupportedEncoding:
            return "XMPP streams must be encoded in UTF-8 (RFC 6120 §11.6)"
        case .restrictedXML(let construct):
            return "\(construct.explanation) are not allowed in XMPP streams (RFC 6120 §11.1)"
        case .limitExceeded(let kind):
            return "\(kind.explanation) exceeds this server's limit"
        }
    }
}

extension XMLStreamError.RestrictedXML {
    /// The refused construct, plural, as a sentence subject.
    var explanation: String {
        switch self {
        case .dtd: "DTDs"
        case .entityDeclaration: "entity, notation, element and attribute-list declarations"
        case .entityReference: "references to entities other than the five predefined ones"
        case .processingInstruction: "processing instructions"
        case .comment: "comments"
        }
    }
}

extension XMLLimits.Kind {
    /// What was measured, as a sentence subject.
    var explanation: String {
        switch self {
        case .stanzaBytes: "the size of a stanza"
        case .depth: "the nesting depth of an element"
        case .attributes: "the number of attributes on an element"
        case .attributeValueBytes: "the size of an attribute value"
        case .textBytes: "the size of a text run"
        case .nameBytes: "the length of a name or namespace"
        }
    }
}
