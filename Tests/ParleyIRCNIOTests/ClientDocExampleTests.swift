import ParleyIRC
import ParleyIRCNIO
import Testing

// The usage example of docs/irc-client.md, kept here so it keeps compiling (and working).
/// Joins #parley, says hello once joined, prints the member list, and returns the first
/// reply.
func firstReply(configuration: IRCClientConfiguration) async throws -> String? {
    let client = try IRCClient(configuration: configuration)
    await client.start()
    await client.join("#parley")
    for await event in client.events {
        switch event {
        case .joined(let channel):
            await client.send(IRCMessage(command: "PRIVMSG", parameters: [channel, "hello"]))
        case .namesChanged(let channel):
            let members = await client.members(of: channel) ?? []
            print(channel, members.map { $0.prefixes + $0.nick })
        case .message(let message) where message.command == "PRIVMSG":
            await client.stop()
            return message.parameters.last
        default:
            break
        }
    }
    return nil
}

/// `IRCClient` over a real loopback socket against a scripted server.
@Suite struct ClientDocExampleTests {
    @Test func theDocumentedExampleGetsAReply() async throws {
        let server = ClientFakeServer()
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let configuration = IRCClientConfiguration(host: "127.0.0.1", port: port, nick: "parleybot")
        let reply = try await firstReply(configuration: configuration)
        #expect(reply == "hi there")
        // The server reads the QUIT a moment after the client has closed.
        for _ in 0..<250 where server.received.first?.last?.hasPrefix("QUIT") != true {
            try await Task.sleep(for: .milliseconds(20))
        }
        let lines = server.received.first ?? []
        #expect(
            Array(lines.prefix(6)) == [
                "CAP LS 302", "NICK parleybot", "USER parleybot 0 * parleybot", "CAP REQ multi-prefix", "CAP END",
                "JOIN #parley",
            ])
        #expect(lines.contains("PRIVMSG #parley hello"))
        #expect(lines.last?.hasPrefix("QUIT") == true)
    }

    @Test func aDroppedConnectionIsReestablishedAndTheChannelRejoined() async throws {
        let server = ClientFakeServer(dropFirstConnectionAfterJoin: true)
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let configuration = IRCClientConfiguration(
            host: "127.0.0.1", port: port, nick: "parleybot", capabilities: [], channels: ["#parley": nil],
            rateLimit: .init(burst: 2, interval: 0.01), reconnectInitial: 0.05, reconnectMaximum: 0.2)
        let client = try IRCClient(configuration: configuration)
        await client.start()
        var joins = 0
        var sawReconnecting = false
        // One iterator for the whole test: an AsyncStream has a single consumer.
        var events = client.events.makeAsyncIterator()
        while let event = await events.next() {
            if case .reconnecting = event { sawReconnecting = true }
            if event == .joined(channel: "#parley") {
                joins += 1
                if joins == 2 { break }
            }
        }
        #expect(sawReconnecting)
        #expect(await client.members(of: "#parley")?.map(\.nick) == ["bob", "parleybot"])
        // More lines than the burst all go out, paced by the rate limiter.
        for number in 1...5 {
            await client.send(IRCMessage(command: "PRIVMSG", parameters: ["#parley", "line \(number)"]))
        }
        await client.send(IRCMessage(command: "PRIVMSG", parameters: ["#parley", "hello"]))
        while let event = await events.next() {
            if case .message = event { break }
        }
        await client.stop()
        let second = server.received.count > 1 ? server.received[1] : []
        #expect(server.received.count == 2)
        #expect(second.filter { $0.hasPrefix("PRIVMSG") } == (1...5).map { "PRIVMSG #parley :line \($0)" } + ["PRIVMSG #parley hello"])
        #expect(second.contains("JOIN #parley"))
    }
}
