import Foundation
import IRCTestSupport
import NIOCore
import NIOEmbedded
import ParleyIRC
import ParleyIRCNIO
import ParleyServerNIO
import Testing

@testable import IRCServerPlugin

/// `IRCMind` and its fan-out batching.
@Suite struct MindTests {
    @Test func fanOutBatchWritesSharedBufferAndFlushesOnceAtEnd() throws {
        let loop = EmbeddedEventLoop()
        let first = EmbeddedChannel(loop: loop)
        let second = EmbeddedChannel(loop: loop)
        let coalescer = LoopFlushCoalescer(loop: loop, headOfBurst: 0)
        let batch = IRCFanOutBatch(allocator: first.allocator)
        var line = first.allocator.buffer(capacity: 32)
        line.writeString("PRIVMSG #dev :hi\r\n")
        batch.add(line, to: IRCWriteFlusher(channel: first, coalescer: coalescer))
        batch.add(line, to: IRCWriteFlusher(channel: second, coalescer: coalescer))
        // Written but not flushed until the loop's coalesced flush runs.
        #expect(try first.readOutbound(as: ByteBuffer.self) == nil)
        batch.finish()
        loop.run()
        #expect(try first.readOutbound(as: ByteBuffer.self) == line)
        #expect(try second.readOutbound(as: ByteBuffer.self) == line)
        #expect(try first.readOutbound(as: ByteBuffer.self) == nil)
        _ = try first.finish()
        _ = try second.finish()
    }

    @Test func nickChangeIsShownOncePerPeer() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            try await alice.joinChannel("#a")
            try await alice.joinChannel("#b")
            let bob = try await server.registered("bob")
            try await bob.joinChannel("#a")
            try await bob.joinChannel("#b")
            bob.send("NICK bobby")
            let own = try await bob.waitFor("NICK")
            #expect(own.parameters == ["bobby"])
            let seen = try await alice.waitFor("NICK")
            #expect(seen.source == "bob!bob@example.test")
            #expect(seen.parameters == ["bobby"])
            #expect(await alice.receives("NICK") == false)
            #expect(await bob.receives("NICK") == false)
            // Messages now come from the new nick.
            bob.send("PRIVMSG #a :renamed")
            let message = try await alice.waitFor("PRIVMSG")
            #expect(message.source == "bobby!bob@example.test")
        }
    }

    @Test func quitIsOneQuitPerPeerWithTheReason() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            try await alice.joinChannel("#a")
            try await alice.joinChannel("#b")
            let bob = try await server.registered("bob")
            try await bob.joinChannel("#a")
            try await bob.joinChannel("#b")
            let carol = try await server.registered("carol")
            try await carol.joinChannel("#b")
            alice.send("QUIT :see you")
            let quit = try await bob.waitFor("QUIT")
            #expect(quit.source == "alice!alice@example.test")
            #expect(quit.parameters == ["Quit: see you"])
            let carolQuit = try await carol.waitFor("QUIT")
            #expect(carolQuit.parameters == ["Quit: see you"])
            // One QUIT however many channels are shared, and no PART.
            let later = await bob.drain(seconds: 0.5)
            #expect(!later.contains { $0.command == "QUIT" })
            #expect(!bob.received.contains { $0.command == "PART" })
            #expect(!carol.received.contains { $0.command == "PART" })
            // A dropped connection is a QUIT too.
            await carol.close()
            let dropped = try await bob.waitFor("QUIT", where: { $0.source?.hasPrefix("carol!") == true })
            #expect(dropped.parameters.count == 1)
        }
    }

    @Test func roomMessageReachesEveryMemberOnce() async throws {
        try await withChannelServer { server in
            var clients: [IRCTestClient] = []
            for name in ["alice", "bob", "carol", "dave"] {
                let client = try await server.registered(name, caps: name == "bob" ? ["message-tags"] : [])
                try await client.joinChannel("#big")
                clients.append(client)
            }
            clients[0].send("PRIVMSG #big :one")
            clients[0].send("PRIVMSG #big :two")
            for client in clients.dropFirst() {
                try await client.waitFor("PRIVMSG", where: { $0.parameters.last == "two" })
                let lines = client.received.filter { $0.command == "PRIVMSG" }
                #expect(lines.map { $0.parameters[1] } == ["one", "two"])
            }
            let bobLine = try #require(clients[1].received.last { $0.command == "PRIVMSG" })
            #expect(bobLine.tag("msgid") != nil)
            let carolLine = try #require(clients[2].received.last { $0.command == "PRIVMSG" })
            #expect(carolLine.tags.isEmpty)
        }
    }

    @Test func configurationChangeRendersModeDiffToAll() async throws {
        try await withChannelServer { server in
            let alice = try await server.registered("alice")
            try await alice.joinChannel("#dev")
            let bob = try await server.registered("bob")
            try await bob.joinChannel("#dev")
            alice.send("MODE #dev +s-t")
            let mode = try await bob.waitFor("MODE")
            #expect(mode.parameters == ["#dev", "+s-t"])
            #expect(mode.source == "alice!alice@example.test")
        }
    }
}
