import Foundation
import NIOCore
import NIOEmbedded
import ParleyCore
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO
import Testing

@testable import XMPPC2SPlugin

/// Room messages to XMPP sessions: one serialization per fan-out, whatever the number of
/// recipients, and each copy addressed to its own recipient.
@Suite(.serialized) struct C2SRoomFanOutTests {
    @Test func aRoomMessageIsSerializedOnceForEveryXMPPRecipient() async throws {
        let server = try await C2SHarness()
        defer { Task { await server.stop() } }
        let shared = server.shared
        let room = try #require(RoomID("dev"))
        var channels: [NIOAsyncTestingChannel] = []
        var sessions: [ChatSession] = []
        for index in 0..<5 {
            let channel = NIOAsyncTestingChannel()
            try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5222))
            let connection = C2SConnection(channel: channel, shared: shared, parser: ConnectionParser(limits: .default))
            let mind = C2SMind(channel: channel, codec: shared.codec, connection: connection, rooms: shared.rooms)
            let session = try await server.chat.openSession(
                for: UserID(localpart: "user\(index)", domain: C2SHarness.domain), resource: "r'\(index)", mind: mind)
            mind.bind(JID(session.id))
            try await session.join(room, as: try #require(Nickname("user\(index)")))
            channels.append(channel)
            sessions.append(session)
        }
        for channel in channels { _ = try await groupchats(on: channel) }  // the joins' events

        let before = C2SFannedStanza.renderings.load(ordering: .relaxed)
        let body = "hello <all> & 'you'"
        try await sessions[0].send(Message(kind: .room, from: .session(sessions[0].id), to: .room(room), body: body))
        let after = C2SFannedStanza.renderings.load(ordering: .relaxed)
        #expect(after - before == 1, "one serialization for \(channels.count) recipients")

        for (index, channel) in channels.enumerated() {
            let received = try await groupchats(on: channel)
            #expect(received.count == 1, "recipient \(index): \(received)")
            let stanza = try #require(received.first)
            // XEP-0045 §7.4: from the sender's occupant JID, to this recipient's full JID.
            #expect(stanza[attribute: "to"] == "user\(index)@example.test/r'\(index)")
            #expect(stanza[attribute: "from"] == "dev@conference.example.test/user0")
            #expect(stanza.firstChild(named: "body")?.text == body)
        }
        for session in sessions { await session.close() }
    }

    /// The groupchat messages written to `channel` so far.
    private func groupchats(on channel: NIOAsyncTestingChannel) async throws -> [XMLElement] {
        await channel.testingEventLoop.run()
        var found: [XMLElement] = []
        while let buffer = try await channel.readOutbound(as: ByteBuffer.self) {
            let element = try XMLStreamParser.parseDocument(Array(buffer.readableBytesView))
            if element.name == "message", element[attribute: "type"] == "groupchat" { found.append(element) }
        }
        return found
    }
}
