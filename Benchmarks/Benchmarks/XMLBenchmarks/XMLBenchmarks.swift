import Benchmark
import ParleyXML

/// The typical message stanza of the performance target (about 150 bytes on the wire).
let stanzaText =
    "<message to='bob@example.com/phone' from='alice@example.com/laptop' type='chat' id='m1'>"
    + "<body>Hello there, how are you today?</body></message>"
let streamHeaderText =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
    + " to='example.com' version='1.0'>"

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 1_000_000
    )

    // One feed per stanza, as when each read from the socket holds one stanza.
    Benchmark("XML parse: message stanza, one feed each") { benchmark in
        let stanza = Array(stanzaText.utf8)
        let parser = XMLStreamParser()
        var events: [XMLStreamEvent] = []
        events.reserveCapacity(16)
        try parser.feed(streamHeaderText.utf8, into: &events)
        events.removeAll(keepingCapacity: true)
        benchmark.startMeasurement()
        try stanza.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations {
                try parser.feed(bytes, into: &events)
                blackHole(events)
                events.removeAll(keepingCapacity: true)
            }
        }
        benchmark.stopMeasurement()
        precondition(events.isEmpty)
    }

    // Many stanzas per feed (4 KiB reads under load): the cost of the per-feed work.
    Benchmark("XML parse: message stanzas, 4 KiB feeds") { benchmark in
        let stanzasPerBlock = 1_000
        let block = Array(String(repeating: stanzaText, count: stanzasPerBlock).utf8)
        let parser = XMLStreamParser()
        var events: [XMLStreamEvent] = []
        events.reserveCapacity(64)
        try parser.feed(streamHeaderText.utf8, into: &events)
        events.removeAll(keepingCapacity: true)
        var parsed = 0
        var offset = 0
        benchmark.startMeasurement()
        try block.withUnsafeBytes { bytes in
            // One scaled iteration is one stanza: feed 4 KiB at a time until enough came out.
            let wanted = benchmark.scaledIterations.count
            while parsed < wanted {
                let end = min(bytes.count, offset + 4096)
                try parser.feed(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), into: &events)
                parsed += events.count
                blackHole(events)
                events.removeAll(keepingCapacity: true)
                offset = end == bytes.count ? 0 : end
            }
        }
        benchmark.stopMeasurement()
    }

    Benchmark("XML serialize: message stanza") { benchmark in
        let element = try XMLStreamParser.parseDocument(
            "<message xmlns='jabber:client' to='bob@example.com/phone' from='alice@example.com/laptop' type='chat' id='m1'>"
                + "<body>Hello there, how are you today?</body></message>")
        var buffer: [UInt8] = []
        buffer.reserveCapacity(64 * 1024)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            element.serialize(into: &buffer, inheritedNamespace: "jabber:client")
            if buffer.count > 60 * 1024 {
                blackHole(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        benchmark.stopMeasurement()
        blackHole(buffer)
    }
}
