import Foundation
import ParleyCred
import ParleyXML
import Testing

@testable import ParleyXMPP

/// The accept side of XEP-0114 as a state machine: header checks, handshake, closing.
@Suite struct ComponentAcceptStateTests {
    func makeState() -> ComponentAcceptState {
        ComponentAcceptState(secret: { $0 == "echo.localhost" ? "s" : nil }, makeID: { "id1" })
    }

    func header(to: String?, namespace: String = XMPPNamespace.component, root: String = XMPPNamespace.streams)
        -> XMLStreamHeader
    {
        XMLStreamHeader(
            name: "stream", namespace: root, prefix: "stream",
            attributes: to.map { [XMLAttribute("to", value: $0)] } ?? [],
            namespaceDeclarations: [XMLNamespaceDeclaration(prefix: nil, uri: namespace)])
    }

    func handshake(_ digest: String) -> XMLStreamEvent {
        .element(XMLElement(name: "handshake", namespace: XMPPNamespace.component, children: [.text(digest)]))
    }

    func text(_ bytes: [UInt8]?) -> String { String(decoding: bytes ?? [], as: UTF8.self) }

    func refusal(_ header: XMLStreamHeader) -> StreamError.Condition? {
        var state = makeState()
        guard case .close(let error) = state.received(.streamStart(header)) else { return nil }
        return error?.condition
    }

    @Test func aConfiguredDomainIsAcceptedAndAuthenticatedByItsHandshake() {
        var state = makeState()
        guard case .send(let bytes) = state.received(.streamStart(header(to: "Echo.Localhost"))) else {
            Issue.record("no header sent")
            return
        }
        #expect(text(bytes).contains("from='echo.localhost'") || text(bytes).contains("from=\"echo.localhost\""))
        #expect(text(bytes).contains("id1"))
        #expect(!state.isAuthenticated)
        let digest = ComponentHandshake.digest(streamID: "id1", secret: "s")
        #expect(state.received(handshake(" \(digest)\n")) == .verified(domain: "echo.localhost"))
        #expect(!state.isAuthenticated)
        state.attached()
        #expect(state.domain == "echo.localhost")
        let message = XMLElement(name: "message", namespace: XMPPNamespace.component)
        #expect(state.received(.element(message)) == .stanza(message, domain: "echo.localhost"))
    }

    @Test func headerRefusals() {
        #expect(refusal(header(to: "web.localhost")) == .hostUnknown)
        #expect(refusal(header(to: nil)) == .hostUnknown)
        #expect(refusal(header(to: "a@echo.localhost")) == .hostUnknown)
        #expect(refusal(header(to: "echo.localhost", namespace: XMPPNamespace.client)) == .invalidNamespace)
        #expect(refusal(header(to: "echo.localhost", root: "urn:other")) == .invalidNamespace)
    }

    @Test func aRefusedHeaderIsAnsweredWithOurHeaderBeforeTheError() {
        // RFC 6120 §4.9.1.2: the error follows our own stream header.
        var state = makeState()
        guard case .close(let error) = state.received(.streamStart(header(to: "web.localhost"))) else {
            Issue.record("not refused")
            return
        }
        let closing = text(state.closingBytes(error: error))
        let header = closing.range(of: "<stream:stream")
        let condition = closing.range(of: "host-unknown")
        #expect(header != nil && condition != nil && header!.lowerBound < condition!.lowerBound)
        #expect(closing.hasSuffix("</stream:stream>"))
        #expect(state.closingBytes(error: nil) == nil)
        #expect(state.received(.streamEnd) == .none)
    }

    @Test func aWrongHandshakeOrAStanzaBeforeItIsNotAuthorized() {
        var state = makeState()
        _ = state.received(.streamStart(header(to: "echo.localhost")))
        let wrong = ComponentHandshake.digest(streamID: "id1", secret: "other")
        guard case .close(let error) = state.received(handshake(wrong)) else {
            Issue.record("a wrong digest was accepted")
            return
        }
        #expect(error?.condition == .notAuthorized)
        var early = makeState()
        _ = early.received(.streamStart(header(to: "echo.localhost")))
        guard case .close(let other) = early.received(.element(XMLElement(name: "message", namespace: XMPPNamespace.component))) else {
            Issue.record("a stanza before the handshake was accepted")
            return
        }
        #expect(other?.condition == .notAuthorized)
        // After our header, closing sends no second header.
        #expect(!text(early.closingBytes(error: other)).contains("<stream:stream"))
    }

    @Test func aStanzaBeforeTheHeaderAndASecondHeaderAreNotWellFormed() {
        var state = makeState()
        guard case .close(let error) = state.received(.element(XMLElement(name: "message", namespace: XMPPNamespace.component))) else {
            Issue.record("a stanza before the header was accepted")
            return
        }
        #expect(error?.condition == .notWellFormed)
        var twice = makeState()
        _ = twice.received(.streamStart(header(to: "echo.localhost")))
        guard case .close(let again) = twice.received(.streamStart(header(to: "echo.localhost"))) else {
            Issue.record("a second header was accepted")
            return
        }
        #expect(again?.condition == .notWellFormed)
    }

    @Test func anAbandonedStreamIgnoresWhatFollows() {
        var state = makeState()
        _ = state.received(.streamStart(header(to: "echo.localhost")))
        state.abandon()
        #expect(state.isClosed)
        #expect(state.received(.streamEnd) == .none)
        #expect(state.closingBytes(error: nil) == nil)
    }
}
