import Foundation
import ParleyCore
import ParleyMUC
import ParleyServerNIO
import ParleyXML
import ParleyXMPP
import Testing
import XMPPTestSupport

@testable import XMPPC2SPlugin

/// A client that stops reading in a busy room: its send queue is bounded, it is cut off
/// with policy-violation, the others see it leave with a status, and the room goes on.
@Suite(.serialized) struct C2SSendQueueTests {
    static let rooms = "conference.\(C2SHarness.domain)"

    func join(_ client: XMPPTestClient, as nick: String) async throws {
        client.send("<presence to='busy@\(Self.rooms)/\(nick)'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>")
        _ = try await client.element(where: "\(nick)'s self-presence") {
            $0.name == "presence" && $0[attribute: "from"] == "busy@\(Self.rooms)/\(nick)"
        }
    }

    @Test func aClientThatStopsReadingIsCutOffAndTheRoomGoesOn() async throws {
        let server = try await C2SHarness(accounts: [("alice", "alicepw"), ("bob", "bobpw"), ("carol", "carolpw")]) {
            $0.sendQueue = SendQueueLimit(bytes: 65_536)
        }
        defer { Task { await server.stop() } }
        let muc = MUCService(domain: Self.rooms, chat: server.chat, codec: XMPPStanzaCodec(), locksNewRooms: false)
        let link = try server.chat.attachComponent(domain: Self.rooms, handler: muc)
        defer { link.detach() }

        let carol = try await XMPPTestClient(port: server.port, domain: C2SHarness.domain, receiveBuffer: 4096)
        _ = try await carol.login("carol", "carolpw")
        try await join(carol, as: "carol")
        try await carol.setReading(false)
        let bob = try await server.client()
        _ = try await bob.login("bob", "bobpw")
        try await join(bob, as: "bob")
        let alice = try await server.client()
        _ = try await alice.login("alice", "alicepw")
        try await join(alice, as: "alice")

        // 12 MB for each reader: more than the kernel buffers and the 64 KiB limit.
        let filler = String(repeating: "x", count: 1_200)
        let count = 10_000
        for index in 0..<count {
            alice.send("<message to='busy@\(Self.rooms)' type='groupchat'><body>\(index) \(filler)</body></message>")
        }
        var carolLeft: XMLElement?
        var last = -1
        while last < count - 1 {
            let element = try await bob.element("the room's traffic", seconds: 30)
            if element.name == "presence", element[attribute: "from"] == "busy@\(Self.rooms)/carol" { carolLeft = element }
            if element.name == "message", let body = element.firstChild(named: "body")?.text,
                let index = body.split(separator: " ").first.flatMap({ Int($0) })
            {
                #expect(index == last + 1, "bob missed messages")
                last = index
            }
        }
        let left = try #require(carolLeft, "bob was never told that carol left")
        #expect(left[attribute: "type"] == "unavailable")
        #expect(left.firstChild(named: "status", namespace: "jabber:client")?.text == "disconnected: the client stopped reading")
        // Carol's connection was closed: what the kernel still held reaches her, then the end.
        try await carol.setReading(true)
        _ = try await carol.elementsUntilClosed(seconds: 20)
        await alice.close()
        await bob.close()
    }
}
