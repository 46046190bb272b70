import Testing

@testable import IRCGatewayPlugin

/// The bounded map between local and far message ids.
@Suite struct RelayIDMapTests {
    @Test func repliesPreferStanzaIDsCorrectionsPreferTheSendersID() {
        var map = RelayIDMap()
        map.link(local: .init(stanzaID: "L-sid", id: "L-id"), far: .init(stanzaID: nil, id: "F-id"))
        #expect(map.counterpart(of: "L-sid", in: .local, for: .reply) == "F-id")  // only the id known yet
        map.learn(stanzaID: "F-sid", forID: "F-id", on: .far)
        #expect(map.counterpart(of: "L-sid", in: .local, for: .reply) == "F-sid")
        #expect(map.counterpart(of: "L-id", in: .local, for: .correction) == "F-id")
        #expect(map.counterpart(of: "F-sid", in: .far, for: .reply) == "L-sid")
        #expect(map.counterpart(of: "F-id", in: .far, for: .correction) == "L-id")
        #expect(map.counterpart(of: "L-sid", in: .far, for: .reply) == nil)  // sides do not mix
        #expect(map.counterpart(of: "unknown", in: .local, for: .reply) == nil)
    }

    @Test func theOldestLinksAreForgottenBeyondTheCapacity() {
        var map = RelayIDMap(capacity: 3)
        for n in 0..<5 { map.link(local: .init(stanzaID: "l\(n)", id: nil), far: .init(stanzaID: "f\(n)", id: nil)) }
        #expect(map.count == 3)
        #expect(map.counterpart(of: "l0", in: .local, for: .reply) == nil)
        #expect(map.counterpart(of: "l1", in: .local, for: .reply) == nil)
        #expect(map.counterpart(of: "l2", in: .local, for: .reply) == "f2")
        #expect(map.counterpart(of: "f4", in: .far, for: .reply) == "l4")
    }
}
