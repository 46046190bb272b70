import Foundation
import IRCTestSupport
import ParleyIRC
import ParleyCore
import ParleyServerNIO
import Testing

@testable import IRCServerPlugin

/// A client that stops reading in a busy channel is cut off ("Max SendQ exceeded") once
/// its send queue passes `max-send-queue`; the others see it quit and get every line.
@Suite(.serialized) struct SendQueueTests {
    @Test func aClientThatStopsReadingIsCutOffAndTheChannelGoesOn() async throws {
        let server = try await ServerHarness(accounts: [("alice", "alicepw"), ("bob", "bobpw"), ("carol", "carolpw")]) {
            $0.sendQueue = SendQueueLimit(bytes: 65_536)
        }
        defer { Task { await server.stop() } }
        let carol = try await IRCTestClient(port: server.port, receiveBuffer: 4096)
        try await carol.register(nick: "carol", sasl: ("carol", "carolpw"))
        carol.send("JOIN #busy")
        try await carol.waitFor("366")
        try await carol.setReading(false)
        let bob = try await server.registered("bob")
        bob.send("JOIN #busy")
        try await bob.waitFor("366")

        // A fast talker in the model (no IRC flood control): 10,000 lines of 400 bytes.
        let talker = try await server.chat.openSession(
            for: UserID(localpart: "alice", domain: ServerHarness.domain), resource: "model", mind: QuietMind())
        let room = try #require(RoomID("busy"))
        try await talker.join(room, as: try #require(Nickname("alice")))
        let filler = String(repeating: "x", count: 400)
        let count = 10_000
        for index in 0..<count {
            try await talker.send(Message(kind: .room, from: .session(talker.id), to: .room(room), body: "\(index) \(filler)"))
        }
        var quit: IRCMessage?
        var last = -1
        while last < count - 1 {
            let line = try await bob.waitUntil("the channel's traffic", timeout: 30) { $0.command == "PRIVMSG" || $0.command == "QUIT" }
            if line.command == "QUIT", line.source?.hasPrefix("carol!") == true { quit = line }
            if line.command == "PRIVMSG", let index = line.parameters.last?.split(separator: " ").first.flatMap({ Int($0) }) {
                #expect(index == last + 1, "bob missed lines")
                last = index
            }
        }
        #expect(quit?.parameters.last == "Max SendQ exceeded")
        try await carol.setReading(true)
        _ = try await carol.waitForClose(timeout: 20)
        await talker.close()
    }
}
