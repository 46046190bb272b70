import SeededRandom
import ParleyXML
import ParleyXMPP
import Testing

/// Parses one literal XML element for a payload test.
func payloadXML(_ text: String) throws -> XMLElement {
    try XMLStreamParser.parseDocument(text)
}

/// The stanza error `body` throws, nil when it does not throw.
/// (Any other error fails the test.)
func caughtStanzaError(_ body: () throws -> Void) -> StanzaError? {
    do {
        try body()
        return nil
    } catch let error as StanzaError {
        return error
    } catch {
        Issue.record("expected a StanzaError, got \(error)")
        return nil
    }
}

/// The data form error `body` throws, nil when it does not throw.
/// (Any other error fails the test.)
func caughtDataFormError(_ body: () throws -> Void) -> DataFormError? {
    do {
        try body()
        return nil
    } catch let error as DataFormError {
        return error
    } catch {
        Issue.record("expected a DataFormError, got \(error)")
        return nil
    }
}

/// The shared seeded generator (SplitMix64), so that property tests replay exactly.
typealias PayloadTestRandom = SeededGenerator
