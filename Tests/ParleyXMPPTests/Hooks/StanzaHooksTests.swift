import ParleyXML
import Synchronization
import Testing

@testable import ParleyXMPP

/// The stanza hook table without sockets: routing by namespace and type, by message
/// type and target, by presence kind; order; and the uniform error mapping.
@Suite struct StanzaHooksTests {
    /// What the handlers saw, in order (the context of these tests).
    final class Trace: Sendable {
        private let calls = Mutex<[String]>([])
        func note(_ call: String) { calls.withLock { $0.append(call) } }
        var all: [String] { calls.withLock { $0 } }
    }

    struct Boom: Error {}

    static let me = JID("alice@example.test/laptop")!

    func request(_ type: IQRequest.Kind, _ namespace: String, child name: String = "query", to: JID? = nil) throws
        -> IQRequest
    {
        let iq = try XMLStreamParser.parseDocument(
            "<iq xmlns='jabber:client' type='\(type.rawValue)' id='q1'><\(name) xmlns='\(namespace)'/></iq>")
        return IQRequest(iq: iq, id: "q1", type: type, child: iq.elements[0], from: Self.me, to: to)
    }

    func stanza(_ xml: String, to: String?) throws -> RoutedStanza {
        let element = try XMLStreamParser.parseDocument(xml)
        return RoutedStanza(element: element, to: to.flatMap { JID($0) }, domain: "example.test")
    }

    func condition(_ reply: IQReply) -> StanzaError.Condition? {
        if case .error(let error) = reply { return error.condition }
        return nil
    }

    func isResult(_ reply: IQReply) -> Bool {
        if case .result = reply { return true }
        return false
    }

    @Test func iqsGoToTheHandlerForTheirNamespaceAndType() async throws {
        var hooks = StanzaHooks<Trace>()
        hooks.onIQ(.get, namespace: "urn:a") { _, trace in trace.note("a get"); return .result(nil) }
        hooks.onIQ(.set, namespace: "urn:a") { _, trace in trace.note("a set"); return .result(nil) }
        hooks.onIQ(.get, namespace: "urn:b") { _, trace in trace.note("b get"); return .result(nil) }
        let trace = Trace()
        let unexpected: (any Error) -> Void = { Issue.record("unexpected \($0)") }
        #expect(isResult(await hooks.dispatch(try request(.set, "urn:a"), context: trace, unexpected: unexpected)))
        #expect(isResult(await hooks.dispatch(try request(.get, "urn:b"), context: trace, unexpected: unexpected)))
        #expect(isResult(await hooks.dispatch(try request(.get, "urn:a"), context: trace, unexpected: unexpected)))
        #expect(trace.all == ["a set", "b get", "a get"])
    }

    /// RFC 6121 §8.5.2.1.3: an IQ to another account's bare JID reaches only the handlers
    /// registered for accounts; the server's and the requester's own go to the others.
    @Test func iqsToAnotherAccountReachOnlyAccountHandlers() async throws {
        var hooks = StanzaHooks<Trace>()
        hooks.onIQ(.get, namespace: "urn:a") { _, trace in trace.note("own"); return .result(nil) }
        hooks.onAccountIQ(.get, namespace: "urn:a") { request, trace in
            trace.note("account \(request.to!)")
            return .result(nil)
        }
        hooks.onIQ(.get, namespace: "urn:server-only") { _, trace in trace.note("server only"); return .result(nil) }
        let trace = Trace()
        let unexpected: (any Error) -> Void = { Issue.record("unexpected \($0)") }
        let bob = JID("bob@example.test")!
        #expect(isResult(await hooks.dispatch(try request(.get, "urn:a", to: bob), context: trace, unexpected: unexpected)))
        #expect(isResult(await hooks.dispatch(try request(.get, "urn:a", to: Self.me.bare), context: trace, unexpected: unexpected)))
        #expect(isResult(await hooks.dispatch(try request(.get, "urn:a"), context: trace, unexpected: unexpected)))
        // A namespace only the server answers is unknown for another account (§8.4).
        let other = await hooks.dispatch(try request(.get, "urn:server-only", to: bob), context: trace, unexpected: unexpected)
        #expect(condition(other) == .serviceUnavailable)
        // A namespace accounts know, not with this type (§8.3.3.3).
        let set = await hooks.dispatch(try request(.set, "urn:a", to: bob), context: trace, unexpected: unexpected)
        #expect(condition(set) == .featureNotImplemented)
        #expect(trace.all == ["account bob@example.test", "own", "own"])
    }

    @Test func iqsNoFeatureAnswersAreMappedAsRFC6120Says() async throws {
        var hooks = StanzaHooks<Trace>()
        hooks.onIQ(.get, namespace: "urn:only-get") { _, _ in .result(nil) }
        hooks.onIQ(.get, namespace: "urn:passes") { _, _ in nil }
        let unexpected: (any Error) -> Void = { Issue.record("unexpected \($0)") }
        // §8.4: a namespace no one understands.
        #expect(condition(await hooks.dispatch(try request(.get, "urn:unknown"), context: Trace(), unexpected: unexpected)) == .serviceUnavailable)
        // §8.3.3.3: the namespace is known, not this type.
        #expect(condition(await hooks.dispatch(try request(.set, "urn:only-get"), context: Trace(), unexpected: unexpected)) == .featureNotImplemented)
        // Every handler passed.
        #expect(condition(await hooks.dispatch(try request(.get, "urn:passes"), context: Trace(), unexpected: unexpected)) == .serviceUnavailable)
    }

    @Test func aThrownStanzaErrorIsTheReplyAndAnythingElseIsInternalServerError() async throws {
        var hooks = StanzaHooks<Trace>()
        hooks.onIQ(.get, namespace: "urn:refuses") { _, _ in throw StanzaError(.forbidden, text: "not yours") }
        hooks.onIQ(.get, namespace: "urn:breaks") { _, _ in throw Boom() }
        let seen = Trace()
        let refused = await hooks.dispatch(try request(.get, "urn:refuses"), context: Trace()) { _ in seen.note("logged") }
        guard case .error(let error) = refused else {
            Issue.record("\(refused)")
            return
        }
        #expect(error == StanzaError(.forbidden, text: "not yours"))
        #expect(seen.all.isEmpty, "a stanza error is an answer, not a fault")
        let broken = await hooks.dispatch(try request(.get, "urn:breaks"), context: Trace()) { error in
            seen.note(error is Boom ? "logged Boom" : "logged other")
        }
        #expect(condition(broken) == .internalServerError)
        #expect(seen.all == ["logged Boom"])
    }

    @Test func sameKeyHandlersRunByPriorityThenRegistrationAndMayPass() async throws {
        var hooks = StanzaHooks<Trace>()
        hooks.onIQ(.get, namespace: "urn:x") { _, trace in trace.note("first"); return nil }
        hooks.onIQ(.get, namespace: "urn:x") { _, trace in trace.note("second"); return .result(nil) }
        hooks.onIQ(.get, namespace: "urn:x") { _, trace in trace.note("third"); return .result(nil) }
        hooks.onIQ(.get, namespace: "urn:x", priority: 10) { _, trace in trace.note("urgent"); return nil }
        let trace = Trace()
        let reply = await hooks.dispatch(try request(.get, "urn:x"), context: trace) { Issue.record("\($0)") }
        #expect(isResult(reply))
        #expect(trace.all == ["urgent", "first", "second"])
    }

    @Test func messagesGoByTypeAndTarget() async throws {
        var hooks = StanzaHooks<Trace>()
        hooks.onMessage(.groupchat, to: .remote) { _, trace in trace.note("groupchat to a service"); return .handled }
        hooks.onMessage(nil, to: .server) { _, trace in trace.note("anything to the server"); return .handled }
        hooks.onMessage(.chat, to: .account) { _, trace in trace.note("chat, passed"); return .pass }
        let trace = Trace()
        let fail: (any Error) -> Void = { Issue.record("\($0)") }
        let room = try stanza("<message type='groupchat' to='room@muc.example.test'/>", to: "room@muc.example.test")
        #expect(room.target == .remote)
        #expect(await hooks.dispatch(message: room, context: trace, unexpected: fail).isHandled)
        let server = try stanza("<message to='example.test'/>", to: "example.test")
        #expect(await hooks.dispatch(message: server, context: trace, unexpected: fail).isHandled)
        let chat = try stanza("<message type='chat' to='bob@example.test'/>", to: "bob@example.test")
        #expect(!(await hooks.dispatch(message: chat, context: trace, unexpected: fail).isHandled))
        // No `to`: the sender's own account (RFC 6120 §8.1.1.1); a chat to a remote domain has no hook.
        let own = try stanza("<message type='chat'/>", to: nil)
        #expect(own.target == .account)
        _ = await hooks.dispatch(message: own, context: trace, unexpected: fail)
        let remoteChat = try stanza("<message type='chat' to='x@elsewhere.test'/>", to: "x@elsewhere.test")
        #expect(!(await hooks.dispatch(message: remoteChat, context: trace, unexpected: fail).isHandled))
        #expect(trace.all == ["groupchat to a service", "anything to the server", "chat, passed", "chat, passed"])
    }

    @Test func typedAndUntypedMessageHooksRunInOneOrder() async throws {
        var hooks = StanzaHooks<Trace>()
        hooks.onMessage(nil, to: .account) { _, trace in trace.note("any"); return .pass }
        hooks.onMessage(.chat, to: .account, priority: 5) { _, trace in trace.note("chat"); return .pass }
        hooks.onMessage(.headline, to: .account) { _, trace in trace.note("headline"); return .pass }
        let trace = Trace()
        _ = await hooks.dispatch(message: try stanza("<message type='chat' to='b@example.test'/>", to: "b@example.test"), context: trace) { _ in }
        #expect(trace.all == ["chat", "any"])
    }

    @Test func presenceGoesByKind() async throws {
        var hooks = StanzaHooks<Trace>()
        hooks.onPresence(.directed) { stanza, trace in trace.note("directed \(stanza.to!.description)"); return .handled }
        hooks.onPresence(.subscription) { _, _ in throw StanzaError(.notAllowed) }
        let trace = Trace()
        let fail: (any Error) -> Void = { Issue.record("\($0)") }
        #expect(await hooks.dispatch(presence: try stanza("<presence to='room@muc.example.test/nick'/>", to: "room@muc.example.test/nick"), context: trace, unexpected: fail).isHandled)
        #expect(!(await hooks.dispatch(presence: try stanza("<presence/>", to: nil), context: trace, unexpected: fail).isHandled))
        let refused = await hooks.dispatch(
            presence: try stanza("<presence type='subscribe' to='bob@example.test'/>", to: "bob@example.test"), context: trace,
            unexpected: fail)
        guard case .failed(let error) = refused else {
            Issue.record("\(refused)")
            return
        }
        #expect(error.condition == .notAllowed)
        // A type RFC 6121 does not define reaches no hook.
        #expect(!(await hooks.dispatch(presence: try stanza("<presence type='bogus'/>", to: nil), context: trace, unexpected: fail).isHandled))
        #expect(trace.all == ["directed room@muc.example.test/nick"])
    }

    @Test func advertisedFeaturesAreKeptOnceInOrder() {
        var hooks = StanzaHooks<Trace>()
        hooks.advertise("urn:xmpp:ping")
        hooks.advertise("jabber:iq:version")
        hooks.advertise("urn:xmpp:ping")
        #expect(hooks.features == ["urn:xmpp:ping", "jabber:iq:version"])
    }
}

extension HookResult {
    var isHandled: Bool {
        if case .handled = self { return true }
        return false
    }
}
