import Foundation
import NIOCore
import NIOPosix
import ParleyXML
import ParleyXMPP
import Testing
import XMPPTestSupport

/// A remote server that authenticates our stream and then stops reading: past
/// `send-queue-limit` the stream is cut off and what waits bounces with
/// remote-server-timeout, instead of our memory growing.
@Suite(.serialized) struct S2SStallTests {
    /// A fake receiving server for `stall.test` (no TLS): it opens its stream, offers
    /// dialback, says every key is valid, then never reads again.
    final class StallingServer: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        private var seen = ""

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            seen += buffer.readString(length: buffer.readableBytes) ?? ""
            if seen.contains("<stream:stream"), !seen.contains("§header") {
                seen += "§header"
                write(
                    "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'"
                        + " xmlns:db='jabber:server:dialback' from='stall.test' id='s1' version='1.0'>"
                        + "<stream:features><dialback xmlns='urn:xmpp:features:dialback'/></stream:features>", context)
            }
            if seen.contains("</db:result>") {
                write("<db:result from='stall.test' to='a.test' type='valid'/>", context)
                // From now on nothing is read: the socket's buffers fill, then NIO's.
                context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
                seen = "§done"
            }
        }

        private func write(_ text: String, _ context: ChannelHandlerContext) {
            var out = context.channel.allocator.buffer(capacity: text.utf8.count)
            out.writeString(text)
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        }
        typealias OutboundOut = ByteBuffer
    }

    @Test func aServerThatStopsReadingIsCutOff() async throws {
        let fake = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(ChannelOptions.socketOption(.so_rcvbuf), value: 4096)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(StallingServer()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(fake.localAddress?.port)
        let a = try await S2SWorld(
            domain: "a.test", s2sPort: try await S2SWorld.freePort(),
            s2s: ["hosts": "stall.test=127.0.0.1:\(port)", "require-tls": "false", "send-queue-limit": "65536"],
            accounts: [("alice", "alicepw")])
        let (alice, _) = try await a.user("alice", "alicepw")
        let body = String(repeating: "x", count: 60_000)
        for index in 0..<200 {
            alice.send("<message to='zed@stall.test' type='chat' id='s\(index)'><body>\(body)</body></message>")
        }
        let bounce = try await alice.element(where: "a bounce", seconds: 30) { $0.name == "message" }
        #expect(bounce[attribute: "type"] == "error")
        #expect(bounce.firstChild(named: "error")?.firstChild(named: "remote-server-timeout") != nil)
        await alice.close()
        try await fake.close()
        await a.stop()
    }
}
