import XMPPTestSupport
import ParleyXML
import ParleyXMPP
import Testing

/// The outbound queue: bounded, and what a vanished component never got is answered with
/// errors.
@Suite(.serialized) struct RouterQueueTests {
    /// What became of `count` messages `sender` sent to `sink` (a component that stopped
    /// reading and gets cut off): the ids the sink received once it read again, and the
    /// errors the sender got, by id.
    struct Accounting {
        var delivered: [String] = []
        var errors: [String: XMLElement] = [:]
        var bounced: [XMLElement] { errors.values.filter { StanzaError(from: $0)?.text?.contains("went away") == true } }
    }

    func account(count: Int, sender: XMPPTestClient, sink: XMPPTestClient, server: RouterHarness) async throws -> Accounting {
        var result = Accounting()
        func record(_ element: XMLElement) {
            if element.name == "message", element[attribute: "type"] == "error", let id = element[attribute: "id"] {
                result.errors[id] = element
            }
        }
        // Errors come while the sink is still attached (refused at the limit), then the
        // bounces and, once it is detached, remote-server-not-found for the rest.
        try await server.waitForComponent("echo.example.test", attached: false)
        try await sink.setReading(true)
        result.delivered = try await sink.elementsUntilClosed().filter { $0.name == "message" }.compactMap { $0[attribute: "id"] }
        while result.errors.count + result.delivered.count < count {
            record(try await sender.element("the remaining errors", seconds: 30))
        }
        return result
    }

    /// A component stops reading; a user keeps sending. The router cuts the component off
    /// at its queue limit, and every message is accounted for exactly once: received by the
    /// component, or answered to the user with an error (the queued ones bounced with
    /// service-unavailable from the component's address).
    @Test func queuedStanzasFromAUserToAComponentThatStopsReadingAreBounced() async throws {
        let server = try await RouterHarness(router: ["queue-limit": "\(1 << 20)"])
        defer { Task { await server.stop() } }
        let bot = try await server.component(receiveBuffer: 8192)
        try await bot.setReading(false)
        let (alice, _) = try await server.user()
        // 10 MiB: more than the socket buffers on both sides (up to 4 MiB) and the queue hold.
        let body = String(repeating: "b", count: 16 * 1024)
        let count = 640
        for index in 0..<count {
            alice.send("<message to='echo.example.test' type='chat' id='q\(index)'><body>\(body)</body></message>")
        }
        let result = try await account(count: count, sender: alice, sink: bot, server: server)
        #expect(result.errors.count + result.delivered.count == count)
        #expect(Set(result.delivered).isDisjoint(with: result.errors.keys), "a message was both delivered and bounced")
        #expect(
            !result.bounced.isEmpty,
            "no queued stanza was bounced: \(result.delivered.count) delivered, errors \(result.errors.values.map { StanzaError(from: $0)?.text ?? "?" }.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 })")
        #expect(result.bounced.allSatisfy { $0[attribute: "from"] == "echo.example.test" })
        let conditions = Set(result.errors.values.compactMap { StanzaError(from: $0)?.condition })
        #expect(conditions.isSubset(of: [.serviceUnavailable, .remoteServerNotFound]), "\(conditions)")
    }

    /// The same between two components on the fast path: the sender is paused while the
    /// sink's queue is full (backpressure), the sink is cut off when it takes no byte for
    /// the stall timeout, and the sender resumes and gets every unwritten message back as
    /// an error.
    @Test func aComponentThatStopsReadingIsCutOffAndItsSenderGetsErrors() async throws {
        let server = try await RouterHarness(router: ["queue-limit": "\(1 << 20)", "stall-timeout": "3"])
        defer { Task { await server.stop() } }
        let sink = try await server.component(receiveBuffer: 8192)
        try await sink.setReading(false)
        let sender = try await server.component("web.example.test", secret: "w3b")
        let body = String(repeating: "c", count: 16 * 1024)
        let count = 640
        for index in 0..<count {
            sender.send(
                "<message from='web.example.test' to='echo.example.test' type='chat' id='f\(index)'><body>\(body)</body></message>")
        }
        let result = try await account(count: count, sender: sender, sink: sink, server: server)
        #expect(result.errors.count + result.delivered.count == count)
        #expect(Set(result.delivered).isDisjoint(with: result.errors.keys), "a message was both delivered and bounced")
        #expect(!result.bounced.isEmpty, "no queued stanza was bounced")
        for error in result.bounced {
            #expect(error[attribute: "from"] == "echo.example.test" && error[attribute: "to"] == "web.example.test")
            // The original payload comes back with the error (RFC 6120 §8.3.1).
            #expect(error.firstChild(named: "body")?.text == body)
        }
    }

    @Test func anIdleStreamGetsWhitespaceKeepalives() async throws {
        let server = try await RouterHarness(router: ["keepalive": "1"])
        defer { Task { await server.stop() } }
        let bot = try await server.component()
        let before = bot.bytesReceived
        for _ in 0..<100 where bot.bytesReceived == before {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(bot.bytesReceived > before)
    }
}
