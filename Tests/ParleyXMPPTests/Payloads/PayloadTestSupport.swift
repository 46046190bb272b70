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

/// A small deterministic generator (SplitMix64), so that property tests replay exactly.
struct PayloadTestRandom: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
