import NIOCore
import NIOPosix
import ParleyIRC
import Synchronization
import Testing

@testable import ParleyIRCNIO

/// `IRCClient` with an `onEvent` callback: events on the client's loop, in order, and the
/// `onLoop` operations without a hop.
@Suite struct ClientCallbackTests {
    @Test func eventsArriveOnTheLoopAndOnLoopOperationsWork() async throws {
        let server = ClientFakeServer()
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let configuration = IRCClientConfiguration(host: "127.0.0.1", port: port, nick: "parleybot")

        let events = Mutex<[IRCClientEvent]>([])
        let reply = loop.makePromise(of: String.self)
        let holder = Mutex<IRCClient?>(nil)
        let client = try IRCClient(configuration: configuration, loop: loop) { event in
            // Called on the loop: the client's own operations run at once from here.
            loop.preconditionInEventLoop()
            events.withLock { $0.append(event) }
            guard let client = holder.withLock({ $0 }) else { return }
            switch event {
            case .joined(let channel):
                client.onLoop.send(IRCMessage(command: "PRIVMSG", parameters: [channel, "hello"]))
            case .message(let message) where message.command == "PRIVMSG":
                reply.succeed(message.parameters.last ?? "")
            default:
                break
            }
        }
        holder.withLock { $0 = client }
        try await loop.submit {
            client.onLoop.start()
            client.onLoop.join("#parley")
        }.get()
        #expect(try await reply.futureResult.get() == "hi there")
        #expect(try await loop.submit { client.onLoop.members(of: "#parley")?.map(\.nick) }.get() == ["bob", "parleybot"])
        try await loop.flatSubmit { client.onLoop.stop() }.get()
        let seen = events.withLock { $0 }
        #expect(seen.contains(.joined(channel: "#parley")))
        // The stream of a callback client carries nothing.
        var none = client.events.makeAsyncIterator()
        #expect(await none.next() == nil)
    }

    @Test func whileReadingIsPausedNothingArrivesAndOnResumingItDoes() async throws {
        let server = ClientFakeServer()
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let configuration = IRCClientConfiguration(host: "127.0.0.1", port: port, nick: "parleybot")
        let joined = loop.makePromise(of: Void.self)
        let replies = Mutex<[String]>([])
        let client = try IRCClient(configuration: configuration, loop: loop) { event in
            switch event {
            case .joined: joined.succeed()
            case .message(let message) where message.command == "PRIVMSG":
                replies.withLock { $0.append(message.parameters.last ?? "") }
            default: break
            }
        }
        try await loop.submit {
            client.onLoop.start()
            client.onLoop.join("#parley")
        }.get()
        try await joined.futureResult.get()
        try await loop.submit {
            client.onLoop.setReading(false)
            client.onLoop.send(IRCMessage(command: "PRIVMSG", parameters: ["#parley", "hello"]))
        }.get()
        // The server answers at once; the answer waits in the socket while reading is off.
        for _ in 0..<100 where !(server.received.first ?? []).contains("PRIVMSG #parley hello") {
            try await Task.sleep(for: .milliseconds(10))
        }
        try await Task.sleep(for: .milliseconds(200))
        #expect(replies.withLock { $0 }.isEmpty)
        try await loop.submit { client.onLoop.setReading(true) }.get()
        for _ in 0..<200 where replies.withLock({ $0 }).isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        #expect(replies.withLock { $0 } == ["hi there"])
        try await loop.flatSubmit { client.onLoop.stop() }.get()
    }
}
