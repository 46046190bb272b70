import Foundation
import Logging
import NIOPosix
import ParleyCore
import ParleyXML
import ParleyXMPP
import ServiceLifecycle
import Testing
import WebStatusPlugin

let quiet = Logger(label: "web-status-test", factory: { _ in SwiftLogNoOpLogHandler() })

/// A real chat service (in-memory contact lists) with the web-status component attached
/// in process on `status.example.com`, its store in a temporary directory, and alice
/// logged in with a recording mind.
final class WebStatusWorld: Sendable {
    static let domain = "example.com"
    let componentAddress = UserID(localpart: "", domain: "status.example.com")
    let service: ChatService
    let directory: TemporaryDirectory
    let settings: WebStatusSettings
    let store: RegistrationStore
    let pages: PageAddress
    let relay = Relay()
    let link: LocalComponentLink
    let board: StatusBoard
    let component: WebStatusComponent
    let alice: ChatSession
    let aliceMind = RecordingMind()

    init(
        settings: WebStatusSettings = WebStatusSettings(), directory: TemporaryDirectory? = nil, service: ChatService? = nil,
        resource: String = "phone", presence: Presence = Presence()
    ) async throws {
        self.settings = settings
        self.directory = try directory ?? TemporaryDirectory()
        self.service =
            service
            ?? ChatService(
                configuration: ChatServiceConfiguration(domain: Self.domain), contacts: InMemoryContactListStore(),
                executors: .queues(count: 2), logger: quiet)
        store = RegistrationStore(storageDirectory: self.directory.path, domain: "status.example.com")
        board = StatusBoard(
            registrations: try store.load(),
            tracker: PresenceTracker(
                maximumSessions: settings.maximumSessionsPerUser, maximumStatusLength: settings.maximumStatusLength))
        pages = PageAddress(settings: settings)
        link = try self.service.attachComponent(domain: "status.example.com", handler: relay)
        component = WebStatusComponent(
            link: link, board: board, store: store, settings: settings, pages: pages, logger: quiet)
        relay.set(component)
        await component.linkEstablished()
        alice = try await self.service.openSession(
            for: UserID(localpart: "alice", domain: Self.domain), resource: resource, mind: aliceMind)
        await alice.setPresence(presence)
        await component.settle()
    }

    /// The component goes away (as when parleyd stops); the store stays.
    func detach() async {
        await component.settle()
        relay.set(nil)
        link.detach()
    }

    /// Sends an IQ from alice to `to` (the component's domain by default) and waits for
    /// its answer; returns the answer's kind and its first payload element.
    func iq(_ kind: Query.Kind, _ xml: String, to: UserID? = nil) async throws -> (Query.Kind, XMLElement?) {
        let id = UUID().uuidString
        let element = try XMLStreamParser.parseDocument(xml)
        try await alice.send(
            Query(
                id: id, kind: kind, from: .session(alice.id), to: SessionID(user: to ?? componentAddress, resource: ""),
                payloads: XMPPExtensionCodec().payloads(from: [element])))
        let answer = try await waitUntil("the answer to iq \(id)") { aliceMind.queries.first { $0.id == id } }
        #expect(answer.from == .user(to ?? componentAddress))
        #expect(answer.to == alice.id)
        return (answer.kind, answer.payloads.first?.native?.value as? XMLElement)
    }

    /// The stanza error condition carried by an error answer's payload.
    static func condition(_ payload: XMLElement?) -> String? {
        guard let payload, payload.name == "error" else { return nil }
        return StanzaError(from: XMLElement(name: "iq", children: [.element(payload)]))?.condition.rawValue
    }

    /// Registers alice with `fields` (var → value) and returns her page id, read from the
    /// headline the component sends.
    func register(_ fields: [String: String]) async throws -> String {
        aliceMind.clear()
        var xml = "<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'>"
        xml += "<field var='FORM_TYPE' type='hidden'><value>jabber:iq:register</value></field>"
        for (variable, value) in fields.sorted(by: { $0.key < $1.key }) {
            xml += "<field var='\(variable)'><value>\(value)</value></field>"
        }
        let (kind, _) = try await iq(.set, xml + "</x></query>")
        #expect(kind == .result)
        let headline = try await waitUntil("the page headline") {
            aliceMind.messages.first { $0.kind == .headline && $0.from == .user(componentAddress) }
        }
        let body = try #require(headline.body)
        let range = try #require(body.range(of: #"/status/[0-9a-f]{32}"#, options: .regularExpression))
        return String(body[range].dropFirst("/status/".count))
    }
}

/// The HTTP side on 127.0.0.1, a free port, run as a service until `stop()`.
final class RunningHTTP: Sendable {
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let port: Int

    init(board: StatusBoard, settings: WebStatusSettings, pages: PageAddress) async throws {
        let application = StatusHTTPServer.application(
            board: board, settings: settings, pages: pages, eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: quiet)
        let group = ServiceGroup(services: [application], logger: quiet)
        self.group = group
        task = Task { try await group.run() }
        port = try await waitUntil("the HTTP server to bind") { pages.boundPort }
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}
