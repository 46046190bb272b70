import Logging
import NIOCore
import NIOPosix
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO
import Synchronization
import Testing

/// `XMPPClient` against a scripted server on 127.0.0.1 port 0: a clear-stream login
/// (PLAIN allowed for the test), a stanza delivered, then a stanza beyond the client's
/// `XMLLimits`: the client drops the connection and schedules a reconnect.
@Suite struct XMPPClientLimitTests {
    /// Answers each step of the client's login by what it has received so far.
    final class ScriptedServer: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let oversized: Int
        private let received = Mutex("")
        private let step = Mutex(0)

        init(oversized: Int) { self.oversized = oversized }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let text = received.withLock { $0 += String(buffer: unwrapInboundIn(data)); return $0 }
            let header = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='example.test' version='1.0'>"
            let headers = text.components(separatedBy: "<stream:stream").count - 1
            // What the client must have sent for each answer: its header, its auth, its
            // second header (after success), its bind request.
            let answers: [(Bool, String)] = [
                (headers >= 1, header + "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"),
                (text.contains("</auth>"), "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"),
                (headers >= 2, header + "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>"),
                (text.contains("bind-1"), "<iq type='result' id='bind-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>bot@example.test/r</jid></bind></iq>"
                    + "<message from='x@example.test' id='small'><body>hi</body></message>"
                    + "<message from='x@example.test' id='big'><body>\(String(repeating: "a", count: oversized))</body></message>"),
            ]
            while let next = step.withLock({ $0 < answers.count && answers[$0].0 ? answers[$0].1 : nil }) {
                step.withLock { $0 += 1 }
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: next)), promise: nil)
            }
        }
    }

    @Test func aStanzaBeyondTheLimitDropsTheConnectionAndReconnects() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(ScriptedServer(oversized: 70_000)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        let settings = XMPPClientSettings(
            jid: JID("bot@example.test")!, password: "pw", requireTLS: false, allowPlainWithoutTLS: true,
            limits: XMLLimits(maxStanzaBytes: 65_536))
        let client = try XMPPClient(
            configuration: XMPPClientConfiguration(
                settings: settings, host: "127.0.0.1", port: server.localAddress!.port!, verification: .none,
                reconnectInitial: 30, reconnectMaximum: 60),
            logger: Logger(label: "test"))
        await client.start()
        // Should the client never reconnect, the stream ends after 10 s and the test fails.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(10))
            await client.stop()
        }
        defer { watchdog.cancel() }
        var seen: [XMPPClientEvent] = []
        for await event in client.events {
            seen.append(event)
            if case .reconnecting = event { break }
        }
        await client.stop()
        #expect(seen.first == .online(JID("bot@example.test/r")!))
        #expect(seen.contains { if case .stanza(let s) = $0 { s[attribute: "id"] == "small" } else { false } })
        #expect(!seen.contains { if case .stanza(let s) = $0 { s[attribute: "id"] == "big" } else { false } })
        #expect(seen.contains { if case .disconnected = $0 { true } else { false } })
        guard case .reconnecting(let wait)? = seen.last else { Issue.record("no reconnect: \(seen)"); return }
        #expect(wait >= 15 && wait <= 30)  // the first step (30 s) with equal jitter
    }
}
