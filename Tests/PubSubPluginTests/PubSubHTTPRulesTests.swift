import Foundation
import Logging
import ParleyCore
import ParleyCred
import ParleyPubSub
import ParleyXMPP
import Synchronization
import Testing

@testable import PubSubPlugin

/// The HTTP face's small rules: node ids from URLs, Basic credentials, status codes, and
/// the bounds of the event streams.
@Suite struct PubSubHTTPRulesTests {
    @Test func nodeIDsArePercentDecodedOnceAndHeldToTheServiceRules() {
        let limit = PubSubLimits().maximumNodeIDBytes
        #expect(PubSubHTTPFace.nodeID("news", limit: limit) == "news")
        #expect(PubSubHTTPFace.nodeID("caf%C3%A9", limit: limit) == "café")
        #expect(PubSubHTTPFace.nodeID("a%2Fb", limit: limit) == "a/b")
        #expect(PubSubHTTPFace.nodeID("x%2Eatom", limit: limit) == "x.atom")
        #expect(PubSubHTTPFace.nodeID("%2541", limit: limit) == "%41", "decoded once, not twice")
        for refused in [
            "", "..", "%2E%2E", "..%2Fx", "a%2F..%2Fb", "x%00", "x%0A", "%zz", "%C3", String(repeating: "a", count: limit + 1),
        ] {
            #expect(PubSubHTTPFace.nodeID(Substring(refused), limit: limit) == nil, "\(refused)")
        }
    }

    @Test func basicCredentialsFollowRFC7617() {
        let encoded = Data("alice:pass:with:colons".utf8).base64EncodedString()
        #expect(PubSubHTTPAuth.basicCredentials("Basic \(encoded)")! == ("alice", "pass:with:colons"))
        #expect(PubSubHTTPAuth.basicCredentials("basic \(encoded)")! == ("alice", "pass:with:colons"))
        let utf8 = Data("zoë:pässword".utf8).base64EncodedString()
        #expect(PubSubHTTPAuth.basicCredentials("Basic \(utf8)")! == ("zoë", "pässword"))
        for refused in ["Bearer \(encoded)", "Basic", "Basic !!!", "Basic \(Data("nocolon".utf8).base64EncodedString())"] {
            #expect(PubSubHTTPAuth.basicCredentials(refused) == nil, "\(refused)")
        }
        #expect(PubSubHTTPAuth.challenge(realm: "pubsub.localhost") == "Basic realm=\"pubsub.localhost\", charset=\"UTF-8\"")
    }

    @Test func errorsMapToStatusCodes() {
        let cases: [(PubSubError, Bool, Int)] = [
            (.nodeNotFound, false, 404), (.forbidden, false, 403), (PubSubError(.notAuthorized), true, 401),
            (PubSubError(.notAuthorized), false, 403), (PubSubError(.notAllowed, .closedNode), false, 403),
            (PubSubError(.notAcceptable, .payloadTooBig), false, 413), (PubSubError(.notAcceptable), false, 400),
            (PubSubError(.badRequest, .payloadRequired), false, 400), (PubSubError(.conflict, .preconditionNotMet), false, 409),
            (PubSubError(.resourceConstraint), false, 503), (PubSubError(.internalServerError), false, 500),
        ]
        for (error, anonymous, code) in cases {
            #expect(PubSubHTTPResponses.status(of: error, anonymous: anonymous).code == code, "\(error)")
        }
    }

    @Test func streamsAreCappedAndASlowReaderIsDropped() async {
        let hub = PubSubEventHub(maximumStreams: 2, bufferedEvents: 3)
        let dropped = Mutex(0)
        let slow = hub.follow("n") { dropped.withLock { $0 += 1 } }
        let other = hub.follow("m") {}
        #expect(slow != nil && other != nil && hub.count == 2)
        #expect(hub.follow("n") {} == nil, "a third stream is refused")

        // The slow reader reads nothing: three events wait, the fourth drops it.
        for index in 0..<3 { hub.send(.retracted(["\(index)"]), node: "n") }
        #expect(dropped.withLock { $0 } == 0)
        hub.send(.retracted(["3"]), node: "n")
        #expect(dropped.withLock { $0 } == 1)
        #expect(hub.count == 1, "its place is free")
        var received = 0
        for await _ in slow!.stream { received += 1 }
        #expect(received == 3, "what it had buffered, then the end")

        // A reader that goes away frees its place too; a deletion ends the node's streams.
        other!.end()
        #expect(hub.count == 0)
        let reader = hub.follow("m") {}
        hub.send(.deleted, node: "m")
        var events: [String] = []
        for await event in reader!.stream { events.append(String(decoding: event, as: UTF8.self)) }
        #expect(events == ["event: delete\ndata: {\"node\":\"m\"}\n\n"])
        #expect(hub.count == 0)
    }
}

/// A portal on a chat service of `localhost` that knows alice (password `alicepw`).
func testPortal() throws -> Portal<ChatRealm> {
    let chat = ChatService(
        configuration: ChatServiceConfiguration(domain: "localhost"), contacts: InMemoryContactListStore(),
        executors: .queues(count: 1), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    let checker = try InMemoryChecker(accounts: [("alice", "alicepw")], iterations: 4096)
    return Portal(realm: ChatRealm(service: chat), checkers: [checker])
}

/// HTTP Basic logins go through the portal, and are refused over plain HTTP unless allowed.
@Suite struct PubSubHTTPLoginTests {
    let portal: Portal<ChatRealm>

    init() throws {
        portal = try testPortal()
    }

    func requester(_ user: String?, _ password: String, allowPlain: Bool = true) async -> PubSubHTTPAuth.Requester {
        let header = user.map { "Basic " + Data("\($0):\(password)".utf8).base64EncodedString() }
        return await PubSubHTTPAuth.requester(
            authorization: header, acceptCredentials: allowPlain, portal: portal, domain: "localhost", failureDelay: .zero)
    }

    @Test func theRequesterIsTheAccountThePortalAccepts() async {
        #expect(await requester(nil, "") == .anonymous)
        #expect(await requester("Alice", "alicepw") == .user(JID("alice@localhost")!), "the portal normalizes the name")
        #expect(await requester("alice", "wrong") == .refused(.unauthorized, "wrong user name or password"))
        #expect(await requester("nobody", "x") == .refused(.unauthorized, "wrong user name or password"))
        guard case .refused(.forbidden, _) = await requester("alice", "alicepw", allowPlain: false) else {
            Issue.record("Basic credentials over plain HTTP must be refused unless allowed")
            return
        }
        #expect(
            await PubSubHTTPAuth.requester(authorization: "Bearer abc", acceptCredentials: true, portal: portal, domain: "localhost")
                == .refused(.unauthorized, "expected HTTP Basic credentials (RFC 7617)"))
    }
}
