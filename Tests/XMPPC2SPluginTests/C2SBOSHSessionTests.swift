import Foundation
import NIOCore
import NIOPosix
import ParleyServerNIO
import ParleyXML
import ParleyXMPP
import Testing
import XMPPTestSupport

@testable import XMPPC2SPlugin

/// BOSH sessions (XEP-0124, XEP-0206) in this process, through the route's exchange (no
/// HTTP), beside a TCP client: the same session logic as TCP behind a BOSH transport.
@Suite(.serialized) struct C2SBOSHSessionTests {
    /// A BOSH client that hands its bodies straight to `C2SBOSHRoute.exchange`.
    struct Client {
        let shared: C2SShared
        var rid: UInt64 = 4242
        var sid: String?
        let loop = MultiThreadedEventLoopGroup.singleton.next()

        mutating func send(_ payload: String = "", attributes: String = "") async throws -> XMLElement {
            rid += 1
            let sid = self.sid.map { " sid='\($0)'" } ?? ""
            let text = "<body rid='\(rid)'\(sid)\(attributes) xmlns='\(XMPPNamespace.httpBind)' xmlns:xmpp='\(XMPPNamespace.xbosh)'>\(payload)</body>"
            let answer = await C2SBOSHRoute.exchange(ByteBuffer(string: text), eventLoop: loop, peer: "test", shared: shared,
                connection: BOSHConnection(overTLS: false, local: nil, peer: nil))
            return try XMLStreamParser.parseDocument(answer)
        }

        /// Creation, PLAIN, restart, bind: the bound JID.
        mutating func login(_ user: String, _ password: String, resource: String) async throws -> String {
            let created = try await send(attributes: " to='\(C2SHarness.domain)' wait='60' hold='1' xmpp:version='1.0'")
            sid = created.attribute("sid")
            #expect(created.firstChild(named: "features", namespace: XMPPNamespace.streams) != nil)
            let token = Data("\0\(user)\0\(password)".utf8).base64EncodedString()
            let success = try await send("<auth xmlns='\(XMPPNamespace.sasl)' mechanism='PLAIN'>\(token)</auth>")
            #expect(success.firstChild(named: "success", namespace: XMPPNamespace.sasl) != nil)
            let restarted = try await send(attributes: " to='\(C2SHarness.domain)' xmpp:restart='true'")
            #expect(restarted.firstChild(named: "features", namespace: XMPPNamespace.streams) != nil)
            let bound = try await send(
                "<iq xmlns='jabber:client' type='set' id='b'><bind xmlns='\(XMPPNamespace.bind)'><resource>\(resource)</resource></bind></iq>")
            return try #require(
                bound.firstChild(named: "iq", namespace: XMPPNamespace.client)?.firstChild(named: "bind", namespace: XMPPNamespace.bind)?
                    .firstChild(named: "jid", namespace: XMPPNamespace.bind)?.text)
        }

        /// Polls until an answer holds an element matching `match`.
        mutating func poll(_ what: String, _ match: (XMLElement) -> Bool) async throws -> XMLElement {
            for _ in 0..<20 {
                if let found = try await send().elements.first(where: match) { return found }
            }
            throw XMPPTestClient.Timeout(waitingFor: what)
        }
    }

    private static func harness(_ configure: @escaping (inout C2SSettings) -> Void = { _ in }) async throws -> C2SHarness {
        try await C2SHarness { settings in
            settings.requireTLS = false
            settings.allowPlainWithoutTLS = true
            settings.boshMaxWait = 1
            configure(&settings)
        }
    }

    /// Alice on TCP, subscribed to bob on BOSH (available): she sees him go when his session ends.
    private static func watchedBOSHClient(on server: C2SHarness) async throws -> (alice: XMPPTestClient, bob: Client, jid: String) {
        let alice = try await server.client()
        try await alice.login("alice", "alicepw", tls: false)
        var bob = Client(shared: server.shared)
        let jid = try await bob.login("bob", "bobpw", resource: "web")
        _ = try await bob.send("<presence xmlns='jabber:client'/>")
        alice.send("<presence to='bob@example.test' type='subscribe'/>")
        _ = try await bob.poll("alice's subscribe") { $0.name == "presence" && $0.attribute("type") == "subscribe" }
        _ = try await bob.send("<presence xmlns='jabber:client' to='alice@example.test' type='subscribed'/>")
        _ = try await alice.element(where: "bob available") {
            $0.name == "presence" && $0[attribute: "type"] == nil && $0[attribute: "from"] == jid
        }
        return (alice, bob, jid)
    }

    @Test func theClientsTerminateEndsTheSessionAndContactsSeeItGo() async throws {
        let server = try await Self.harness()
        defer { Task { await server.stop() } }
        var (alice, bob, jid) = try await Self.watchedBOSHClient(on: server)
        let end = try await bob.send(attributes: " type='terminate'")
        #expect(end.attribute("type") == "terminate")
        let gone = try await alice.element(where: "bob unavailable") {
            $0.name == "presence" && $0[attribute: "type"] == "unavailable"
        }
        #expect(gone[attribute: "from"] == jid)
        let after = try await bob.send()
        #expect(after.attribute("type") == "terminate")
        #expect(after.attribute("condition") == "item-not-found")
    }

    /// XEP-0124 §10: no request open for `inactivity` seconds (1 here) ends the session.
    @Test func aClientThatStopsPollingIsGoneAfterInactivity() async throws {
        let server = try await Self.harness { $0.boshInactivity = 1 }
        defer { Task { await server.stop() } }
        var (alice, bob, jid) = try await Self.watchedBOSHClient(on: server)
        let gone = try await alice.element(where: "bob unavailable") {
            $0.name == "presence" && $0[attribute: "type"] == "unavailable"
        }
        #expect(gone[attribute: "from"] == jid)
        #expect(server.shared.boshSessions.count == 0)
        #expect(try await bob.send().attribute("condition") == "item-not-found")
    }

    @Test func aClientThatStopsFetchingIsCutOffAndOthersAreUndisturbed() async throws {
        let server = try await Self.harness { $0.sendQueue = SendQueueLimit(bytes: 8192) }
        defer { Task { await server.stop() } }
        var bob = Client(shared: server.shared)
        let jid = try await bob.login("bob", "bobpw", resource: "web")
        var carol = Client(shared: server.shared, rid: 9000)
        _ = try await carol.login("alice", "alicepw", resource: "other")
        let alice = try await server.client()
        try await alice.login("alice", "alicepw", tls: false)
        // Bob makes no request from now on; alice writes him more than 8 KiB.
        let text = String(repeating: "x", count: 1000)
        for index in 0..<20 { alice.send("<message to='\(jid)' type='chat' id='m\(index)'><body>\(text)</body></message>") }
        var waited = 0
        while server.shared.boshSessions.count > 1, waited < 500 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        #expect(server.shared.boshSessions.count == 1, "bob's session ended, carol's did not")
        let after = try await bob.send()
        #expect(after.attribute("condition") == "item-not-found")
        // The other BOSH session and the TCP client still work.
        let pong = try await carol.send("<iq xmlns='jabber:client' type='get' id='p' to='example.test'><ping xmlns='urn:xmpp:ping'/></iq>")
        #expect(pong.firstChild(named: "iq", namespace: XMPPNamespace.client)?.attribute("type") == "result")
        let answer = try await alice.iq("<iq type='get' id='p2' to='example.test'><ping xmlns='urn:xmpp:ping'/></iq>", id: "p2")
        #expect(answer[attribute: "type"] == "result")
    }
}
