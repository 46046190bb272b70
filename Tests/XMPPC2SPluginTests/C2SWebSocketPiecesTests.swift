import HTTPTypes
import ParleyXML
import Testing

@testable import XMPPC2SPlugin

/// The pure pieces of XMPP over WebSocket: the handshake's checks (RFC 7395 §3.1) and the
/// XEP-0156 host-meta documents.
@Suite struct C2SWebSocketPiecesTests {
    private func fields(upgrade: String? = "websocket", protocols: [String]) -> HTTPFields {
        var fields = HTTPFields()
        if let upgrade { fields[.upgrade] = upgrade }
        for value in protocols { fields.append(HTTPField(name: .secWebSocketProtocol, value: value)) }
        return fields
    }

    /// Why the endpoint's policy refuses `fields`, or nil when it accepts them.
    private func refusal(
        _ fields: HTTPFields, authority: String?, allowedOrigins: [String] = []
    ) -> WebSocketHandshake.Refusal? {
        guard case .failure(let refusal) = WebSocketHandshake.policy(allowedOrigins: allowedOrigins).check(fields, authority: authority)
        else { return nil }
        return refusal
    }

    @Test func theXMPPSubprotocolIsRequired() throws {
        #expect(refusal(fields(protocols: ["xmpp"]), authority: nil) == nil)
        #expect(refusal(fields(protocols: ["chat, xmpp"]), authority: nil) == nil)
        #expect(refusal(fields(protocols: ["chat", "xmpp"]), authority: nil) == nil)
        #expect(refusal(fields(upgrade: "WebSocket", protocols: ["xmpp"]), authority: nil) == nil)
        #expect(refusal(fields(protocols: []), authority: nil) == .noSubprotocol)
        #expect(refusal(fields(protocols: ["XMPP"]), authority: nil) == .noSubprotocol)
        #expect(refusal(fields(protocols: ["xmpp-ish"]), authority: nil) == .noSubprotocol)
        #expect(refusal(fields(upgrade: nil, protocols: ["xmpp"]), authority: nil) == .notAnUpgrade)
        #expect(WebSocketHandshake.Refusal.noSubprotocol.status == .badRequest)
        #expect(WebSocketHandshake.Refusal.notAnUpgrade.status.code == 426)
        // RFC 6455 §4.2.2 /subprotocol/: the handshake's answer names `xmpp`.
        #expect(try WebSocketHandshake.policy(allowedOrigins: []).check(fields(protocols: ["chat", "xmpp"]), authority: nil).get() == "xmpp")
    }

    @Test func browsersMustComeFromAnAllowedOrigin() {
        var fields = fields(protocols: ["xmpp"])
        fields[.origin] = "http://chat.example.test:5280"
        // Same origin by default: the page's authority is the request's.
        #expect(refusal(fields, authority: "chat.example.test:5280") == nil)
        #expect(refusal(fields, authority: "CHAT.example.test:5280") == nil)
        #expect(refusal(fields, authority: "other.test:5280") == .originNotAllowed)
        #expect(refusal(fields, authority: nil) == .originNotAllowed)
        // A configured list replaces the same-origin rule.
        #expect(
            refusal(fields, authority: "x", allowedOrigins: ["http://chat.example.test:5280"]) == nil)
        #expect(refusal(fields, authority: "x", allowedOrigins: ["https://a.test"]) == .originNotAllowed)
        #expect(refusal(fields, authority: "x", allowedOrigins: ["*"]) == nil)
        fields[.origin] = "null"
        #expect(refusal(fields, authority: "chat.example.test:5280") == .originNotAllowed)
        #expect(WebSocketHandshake.Refusal.originNotAllowed.status == .badRequest)
    }

    @Test func hostMetaNamesTheEndpoint() throws {
        let url = HostMeta.webSocketURL(authority: "chat.example.test:5280", fallback: "127.0.0.1:5280", secure: false)
        #expect(url == "ws://chat.example.test:5280/xmpp-websocket")
        let meta = HostMeta(webSockets: [url])
        let xrd = try XMLStreamParser.parseDocument(meta.xrd)
        #expect(xrd.name == "XRD")
        #expect(xrd.namespace == HostMeta.xrdNamespace)
        let link = try #require(xrd.firstChild(named: "Link", namespace: HostMeta.xrdNamespace))
        #expect(link.attribute("rel") == "urn:xmpp:alt-connections:websocket")
        #expect(link.attribute("href") == url)
        #expect(
            meta.json
                == "{\"links\":[{\"href\":\"ws://chat.example.test:5280/xmpp-websocket\",\"rel\":\"urn:xmpp:alt-connections:websocket\"}]}\n")
    }

    @Test func anUnsafeHostHeaderFallsBackToTheListenersAddress() {
        for authority in ["evil.test/\"><script>", "a b", "", "user@host"] {
            #expect(
                HostMeta.webSocketURL(authority: authority, fallback: "127.0.0.1:5280", secure: true)
                    == "wss://127.0.0.1:5280/xmpp-websocket")
        }
        #expect(HostMeta.webSocketURL(authority: nil, fallback: "[::1]:5280", secure: false) == "ws://[::1]:5280/xmpp-websocket")
    }

    @Test func hostMetaNamesTheBOSHEndpointToo() throws {
        let bosh = HostMeta.boshURL(authority: "chat.example.test", fallback: "127.0.0.1:5280", secure: true)
        #expect(bosh == "https://chat.example.test/http-bind")
        #expect(HostMeta.boshURL(authority: "a b", fallback: "127.0.0.1:5280", secure: false) == "http://127.0.0.1:5280/http-bind")
        let meta = HostMeta(webSockets: ["wss://chat.example.test/xmpp-websocket"], bosh: [bosh])
        let xrd = try XMLStreamParser.parseDocument(meta.xrd)
        let links = xrd.elements.map { [$0.attribute("rel"), $0.attribute("href")] }
        #expect(
            links == [
                ["urn:xmpp:alt-connections:websocket", "wss://chat.example.test/xmpp-websocket"],
                ["urn:xmpp:alt-connections:xbosh", bosh],
            ])
        #expect(meta.json.contains("{\"href\":\"https://chat.example.test/http-bind\",\"rel\":\"urn:xmpp:alt-connections:xbosh\"}"))
    }

    /// `http-public-url`: host-meta names the endpoints under the proxy's base URL; an
    /// option that is not a plain http(s) URL is refused.
    @Test func aPublicURLNamesTheEndpointsBehindAProxy() throws {
        let base = try #require(HostMeta.publicBase("https://chat.example.org/xmpp/"))
        #expect(
            HostMeta.published(at: base)
                == HostMeta(
                    webSockets: ["wss://chat.example.org/xmpp/xmpp-websocket"], bosh: ["https://chat.example.org/xmpp/http-bind"]))
        let plain = try #require(HostMeta.publicBase("http://127.0.0.1:8080"))
        #expect(HostMeta.published(at: plain).webSockets == ["ws://127.0.0.1:8080/xmpp-websocket"])
        for bad in [
            "ftp://chat.example.org", "https://chat.example.org/?q=1", "https://chat.example.org/#x", "https://u@chat.example.org",
            "https://chat.example.org/a b", "https://\"x\".org", "chat.example.org", "",
        ] {
            #expect(HostMeta.publicBase(bad) == nil, "\(bad)")
        }
    }
}
