import Foundation
import NIOPosix
import ParleyHTTP
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A WebSocket endpoint on a real loopback listener: what handshakes it refuses, with which
/// status (RFC 6455 §4.2.2), and that the other routes on the listener are not disturbed.
@Suite struct WebSocketEndpointLiveTests {
    private func endpoint() -> WebSocketEndpoint {
        WebSocketEndpoint(
            policy: WebSocketUpgradePolicy(subprotocols: ["test"], subprotocolRequired: true, allowedOrigins: []),
            limits: HTTPWebSocketLimits(maximumMessageSize: 1024, pingInterval: 60),
            refusalMessage: { WebSocketUpgradePolicy.handshakeMessage(for: $0) ?? "refused: \($0)" },
            serving: .onEventLoop { _, _ in })
    }

    /// A GET with `fields`; redirects are not followed.
    private func request(_ port: Int, _ path: String, _ fields: [String: String]) async throws
        -> (status: Int, version: String?, body: String)
    {
        var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)\(path)")))
        for (name, value) in fields { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return (http.statusCode, http.value(forHTTPHeaderField: "Sec-WebSocket-Version"), String(decoding: data, as: UTF8.self))
    }

    @Test func refusedHandshakesGetTheirStatusAndOtherRoutesStillAnswer() async throws {
        let registry = HTTPListeners(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: quiet)
        let listener = registry.listener(host: "127.0.0.1", port: 0)
        try listener.mount(
            HTTPMount(contributor: "test", prefix: "/socket", limits: HTTPLimits(), webSocket: endpoint(), routes: { _ in }))
        try listener.mount(helloMount("web-status", "/status"))
        let running = RunningRegistry(registry)
        let port = try await waitFor("the listener to bind") { listener.boundPort }
        let handshake = [
            "Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Protocol": "test",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        ]

        // §4.2.2: a version other than 13 is 426 naming the version the server speaks.
        let oldVersion = try await request(port, "/socket", handshake.merging(["Sec-WebSocket-Version": "8"]) { $1 })
        #expect(oldVersion.status == 426, "\(oldVersion)")
        #expect(oldVersion.version == "13", "\(oldVersion)")
        #expect(oldVersion.body.contains("version 13"))
        // No key: 400, answered rather than sent on as a plain request (no redirect loop).
        var keyless = handshake.merging(["Sec-WebSocket-Version": "13"]) { $1 }
        keyless["Sec-WebSocket-Key"] = nil
        let noKey = try await request(port, "/socket", keyless)
        #expect(noKey.status == 400, "\(noKey)")
        #expect(noKey.body.contains("Sec-WebSocket-Key"))
        // The endpoint's own refusals, and a plain request to its path.
        let wrong = try await request(port, "/socket/", handshake.merging(["Sec-WebSocket-Version": "13", "Sec-WebSocket-Protocol": "other"]) { $1 })
        #expect(wrong.status == 400 && wrong.body.contains("noSubprotocol"), "\(wrong)")
        #expect(try await get(port, "/socket").status == 426)
        #expect(try await get(port, "/status/hello") == (200, "hello"))
        try await running.stop()
    }
}
