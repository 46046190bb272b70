import SeededRandom
import ParleyXML


let streamsNS = "http://etherx.jabber.org/streams"

/// A client stream header as an XMPP client writes it.
func streamHeader(to domain: String = "example.com", extra: String = "") -> String {
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='\(streamsNS)' to='\(domain)' version='1.0' xml:lang='en'\(extra)>"
}

/// What feeding some input produced: the events, and the error if one was thrown.
struct FeedOutcome: Equatable, CustomStringConvertible {
    var events: [XMLStreamEvent]
    var error: XMLStreamError.Condition?

    var elements: [XMLElement] {
        events.compactMap { if case .element(let element) = $0 { element } else { nil } }
    }

    var description: String { "\(events.count) events, error: \(error.map { "\($0)" } ?? "none")" }
}

/// Feeds `input` cut at the given offsets (sorted, inside the input), then `finish()` if
/// asked; stops at the first error, as a connection would.
func feed(
    _ input: [UInt8], cuts: [Int], limits: XMLLimits = .default, mode: XMLStreamParser.Mode = .stream,
    finish: Bool = false, parser existing: XMLStreamParser? = nil
) -> FeedOutcome {
    let parser = existing ?? XMLStreamParser(limits: limits, mode: mode)
    var events: [XMLStreamEvent] = []
    var start = 0
    do {
        for cut in cuts + [input.count] where cut >= start {
            try parser.feed(input[start..<cut], into: &events)
            start = cut
        }
        if finish { try parser.finish(into: &events) }
        return FeedOutcome(events: events, error: nil)
    } catch {
        return FeedOutcome(events: events, error: error.condition)
    }
}

/// The chunking verifier: feeds the same input in one chunk, byte by byte, and cut at
/// random places (`iterations` times, seeded), and returns every outcome that differs from
/// the bulk one, with the cuts that produced it. Empty means chunking changed nothing.
func chunkingDifferences(
    _ input: [UInt8], iterations: Int = 200, seed: UInt64 = 0x5EED, limits: XMLLimits = .default,
    mode: XMLStreamParser.Mode = .stream, finish: Bool = false
) -> (bulk: FeedOutcome, differences: [(cuts: [Int], outcome: FeedOutcome)]) {
    let bulk = feed(input, cuts: [], limits: limits, mode: mode, finish: finish)
    var differences: [(cuts: [Int], outcome: FeedOutcome)] = []
    func check(_ cuts: [Int]) {
        let outcome = feed(input, cuts: cuts, limits: limits, mode: mode, finish: finish)
        if outcome != bulk { differences.append((cuts, outcome)) }
    }
    check(Array(0..<input.count))  // byte by byte (the empty first chunk included)
    var generator = SeededGenerator(seed: seed)
    for _ in 0..<iterations {
        guard input.count > 1 else { break }
        let count = Int.random(in: 1...min(input.count - 1, 40), using: &generator)
        let cuts = (0..<count).map { _ in Int.random(in: 1..<input.count, using: &generator) }
        check(Array(Set(cuts)).sorted())
    }
    return (bulk, differences)
}

extension Array where Element == UInt8 {
    init(_ string: String) { self = Array(string.utf8) }
}
