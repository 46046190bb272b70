import NIOCore
import Testing

@testable import XMPPC2SPlugin

/// XEP-0352 in the outbox: what an inactive client's session holds, and what releases it,
/// always in order. (`scheduled` collects which calls asked for a flush.)
@Suite struct C2SOutboxTests {
    func buffer(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
    func texts(_ buffers: [ByteBuffer]) -> [String] { buffers.map { String(buffer: $0) } }

    @Test func anActiveClientGetsEverythingAtOnce() {
        var outbox = C2SOutbox()
        let first = outbox.add(buffer("presence"), important: false)
        let second = outbox.add(buffer("message"), important: true)
        #expect(first && !second)  // one flush for both
        #expect(texts(outbox.take()) == ["presence", "message"])
        let next = outbox.add(buffer("next"), important: false)
        #expect(next)
    }

    @Test func anInactiveClientWakesOnlyForWhatMattersAndInOrder() {
        var outbox = C2SOutbox()
        var scheduled: [Bool] = []
        scheduled.append(outbox.setInactive(true))
        scheduled.append(outbox.add(buffer("p1"), important: false))
        scheduled.append(outbox.add(buffer("typing"), important: false))
        #expect(scheduled == [false, false, false])
        #expect(outbox.take().isEmpty)
        let woken = outbox.add(buffer("hello"), important: true)
        #expect(woken)
        #expect(texts(outbox.take()) == ["p1", "typing", "hello"])
        let held = outbox.add(buffer("p2"), important: false)
        let active = outbox.setInactive(false)
        #expect(!held && active)
        #expect(texts(outbox.take()) == ["p2"])
    }

    @Test func heldStanzasAreBounded() {
        var outbox = C2SOutbox()
        _ = outbox.setInactive(true)
        var scheduled = 0
        for index in 0..<C2SOutbox.maximumHeld where outbox.add(buffer("p\(index)"), important: false) { scheduled += 1 }
        #expect(scheduled == 0)
        let overflow = outbox.add(buffer("one more"), important: false)
        #expect(overflow)
        let all = texts(outbox.take())
        #expect(all.count == C2SOutbox.maximumHeld + 1)
        #expect(all.first == "p0" && all.last == "one more")
    }
}
