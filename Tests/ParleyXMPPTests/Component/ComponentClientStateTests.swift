import ParleyCred
import ParleyXML
import Testing

@testable import ParleyXMPP

/// XEP-0114 from the component's side: the handshake digest and the stream state machine.
@Suite struct ComponentClientStateTests {
    /// SHA-1("3BF96D32" + "secret") as Python's hashlib computes it (an independent
    /// implementation); 3BF96D32 is the stream id of XEP-0114's examples.
    @Test func theHandshakeIsTheHexSHA1OfStreamIDAndSecret() {
        #expect(ComponentHandshake.digest(streamID: "3BF96D32", secret: "secret") == "b09ea9b3b7f586be8a08d0a3dd7466f110aeb136")
        #expect(ComponentHandshake.verify("B09EA9B3B7F586BE8A08D0A3DD7466F110AEB136", streamID: "3BF96D32", secret: "secret"))
        #expect(!ComponentHandshake.verify("b09ea9b3b7f586be8a08d0a3dd7466f110aeb137", streamID: "3BF96D32", secret: "secret"))
        #expect(!ComponentHandshake.verify("b09ea9b3", streamID: "3BF96D32", secret: "secret"))
        #expect(!ComponentHandshake.verify(
            ComponentHandshake.digest(streamID: "other", secret: "secret"), streamID: "3BF96D32", secret: "secret"))
    }

    private func serverHeader(id: String?, namespace: String = XMPPNamespace.component) -> XMLStreamEvent {
        var attributes = [XMLAttribute("from", value: "echo.example.com")]
        if let id { attributes.append(XMLAttribute("id", value: id)) }
        return .streamStart(XMLStreamHeader(
            name: "stream", namespace: XMPPNamespace.streams, prefix: "stream", attributes: attributes,
            namespaceDeclarations: [
                XMLNamespaceDeclaration(prefix: nil, uri: namespace),
                XMLNamespaceDeclaration(prefix: "stream", uri: XMPPNamespace.streams),
            ]))
    }

    @Test func theHappyPathOpensHandshakesThenDelivers() throws {
        var state = ComponentClientState(domain: "echo.example.com", secret: "secret")
        guard case .send(let header) = state.connected() else { Issue.record("no header"); return }
        let text = String(decoding: header, as: UTF8.self)
        #expect(text.contains("to='echo.example.com'"))
        #expect(text.contains("xmlns='jabber:component:accept'"))
        guard case .send(let handshake) = state.received(serverHeader(id: "3BF96D32")) else {
            Issue.record("no handshake")
            return
        }
        #expect(String(decoding: handshake, as: UTF8.self)
            == "<handshake>b09ea9b3b7f586be8a08d0a3dd7466f110aeb136</handshake>")
        #expect(!state.isAuthenticated)
        #expect(state.received(.element(XMLElement(name: "handshake", namespace: XMPPNamespace.component))) == .authenticated)
        #expect(state.isAuthenticated)
        let message = XMLElement(name: "message", namespace: XMPPNamespace.component)
        #expect(state.received(.element(message)) == .deliver(message))
    }

    @Test func aWrongSecretWaitsTheLongestBackoff() {
        var state = ComponentClientState(domain: "echo.example.com", secret: "wrong")
        _ = state.connected()
        _ = state.received(serverHeader(id: "abc"))
        var error = XMLElement(name: "error", namespace: XMPPNamespace.streams)
        error.append(XMLElement(name: "not-authorized", namespace: XMPPNamespace.streamErrors))
        #expect(state.received(.element(error)) == .fail(reason: "stream error: not-authorized", retry: .longest))
        #expect(state.disconnected() == .none)
    }

    @Test func aShutdownOrADroppedConnectionIsRetried() {
        var state = ComponentClientState(domain: "echo.example.com", secret: "secret")
        _ = state.connected()
        _ = state.received(serverHeader(id: "abc"))
        _ = state.received(.element(XMLElement(name: "handshake", namespace: XMPPNamespace.component)))
        var error = XMLElement(name: "error", namespace: XMPPNamespace.streams)
        error.append(XMLElement(name: "system-shutdown", namespace: XMPPNamespace.streamErrors))
        #expect(state.received(.element(error)) == .fail(reason: "stream error: system-shutdown", retry: .backoff))

        var dropped = ComponentClientState(domain: "echo.example.com", secret: "secret")
        _ = dropped.connected()
        #expect(dropped.disconnected() == .fail(reason: "connection lost", retry: .backoff))
    }

    @Test func aHeaderWithoutIDOrOfTheWrongNamespaceIsRefused() {
        var noID = ComponentClientState(domain: "echo.example.com", secret: "secret")
        _ = noID.connected()
        #expect(noID.received(serverHeader(id: nil)) == .none)
        #expect(noID.received(.streamEnd) == .fail(reason: "the server's stream header has no id", retry: .longest))
        // COMPAT: Prosody's refusal of an unknown domain: `id=''`, then host-unknown.
        var unknown = ComponentClientState(domain: "echo.example.com", secret: "secret")
        _ = unknown.connected()
        #expect(unknown.received(serverHeader(id: "")) == .none)
        var error = XMLElement(name: "error", namespace: XMPPNamespace.streams)
        error.append(XMLElement(name: "host-unknown", namespace: XMPPNamespace.streamErrors))
        #expect(unknown.received(.element(error)) == .fail(reason: "stream error: host-unknown", retry: .longest))
        var client = ComponentClientState(domain: "echo.example.com", secret: "secret")
        _ = client.connected()
        #expect(client.received(serverHeader(id: "x", namespace: XMPPNamespace.client))
            == .fail(reason: "the server's stream is not a component stream", retry: .longest))
    }

    @Test func theStreamErrorTextIsInTheReasonAndLaterEventsAreIgnored() {
        var state = ComponentClientState(domain: "echo.example.com", secret: "secret")
        _ = state.connected()
        _ = state.received(serverHeader(id: "abc"))
        var error = XMLElement(name: "error", namespace: XMPPNamespace.streams)
        error.append(XMLElement(name: "conflict", namespace: XMPPNamespace.streamErrors))
        error.append(text: "domain taken", in: "text", namespace: XMPPNamespace.streamErrors)
        #expect(state.received(.element(error)) == .fail(reason: "stream error: conflict (domain taken)", retry: .longest))
        #expect(state.isOver)
        #expect(state.received(.element(XMLElement(name: "handshake", namespace: XMPPNamespace.component))) == .none)
        #expect(!state.isAuthenticated)
        #expect(state.received(.streamEnd) == .none)
    }

    /// COMPAT: a server that sends stream features on a component stream is tolerated.
    @Test func streamFeaturesAreSkipped() {
        var state = ComponentClientState(domain: "echo.example.com", secret: "secret")
        _ = state.connected()
        _ = state.received(serverHeader(id: "abc"))
        #expect(state.received(.element(XMLElement(name: "features", namespace: XMPPNamespace.streams))) == .none)
        #expect(state.received(.element(XMLElement(name: "handshake", namespace: XMPPNamespace.component))) == .authenticated)
    }

    /// RFC 6120 §4.4: we close, the server's closing tag then ends the connection, and
    /// nothing in between is delivered.
    @Test func aGracefulCloseWaitsForTheServersClosingTag() {
        var state = ComponentClientState(domain: "echo.example.com", secret: "secret")
        _ = state.connected()
        _ = state.received(serverHeader(id: "abc"))
        _ = state.received(.element(XMLElement(name: "handshake", namespace: XMPPNamespace.component)))
        #expect(state.close() == .send(Array("</stream:stream>".utf8)))
        #expect(!state.isAuthenticated)
        #expect(state.received(.element(XMLElement(name: "message", namespace: XMPPNamespace.component))) == .none)
        #expect(state.received(.streamEnd) == .closed)
        #expect(state.disconnected() == .none)

        var never = ComponentClientState(domain: "echo.example.com", secret: "secret")
        #expect(never.close() == .closed)
    }

    @Test func stanzasBeforeTheHandshakeAreAProtocolError() {
        var state = ComponentClientState(domain: "echo.example.com", secret: "secret")
        _ = state.connected()
        _ = state.received(serverHeader(id: "abc"))
        let early = state.received(.element(XMLElement(name: "message", namespace: XMPPNamespace.component)))
        guard case .fail(_, let retry) = early else {
            Issue.record("expected a failure, got \(early)")
            return
        }
        #expect(retry == .longest)
        #expect(!state.isAuthenticated)
    }
}
