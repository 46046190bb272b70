import NIOPosix
import ParleyXML

/// The document parsers of one event-loop thread, one per set of limits: RFC 7395 parses
/// each message as a document, and a parser reused message after message (its libxml2
/// context reset, not made anew) saves the context's allocation per message, while idle
/// sessions hold none. A parser whose dictionary of names has grown past
/// `maximumInternedNames` (a peer sending ever new names) is replaced.
final class DocumentParsers {
    static let maximumInternedNames = 4096

    /// Each thread reads and writes only its own value.
    nonisolated(unsafe) private static let perThread = ThreadSpecificVariable<DocumentParsers>()
    private var parsers: [XMLLimits: XMLStreamParser] = [:]

    /// The calling thread's parser for `limits`.
    static func parser(limits: XMLLimits) -> XMLStreamParser {
        let mine: DocumentParsers
        if let existing = perThread.currentValue {
            mine = existing
        } else {
            mine = DocumentParsers()
            perThread.currentValue = mine
        }
        if let parser = mine.parsers[limits], parser.internedNames <= maximumInternedNames { return parser }
        let parser = XMLStreamParser(limits: limits, mode: .document)
        mine.parsers[limits] = parser
        return parser
    }
}
