import Foundation
import Logging
import NIOPosix
import ParleyComponent
import ParleyCore
import ParleyCred
import ParleyLauncher
import ParleyXML
import Synchronization

/// A component handler that records what it is handed and how often its link came up;
/// it refuses deliveries when told to.
final class RecordingHandler: ComponentHandler {
    let protocolFamily = ProtocolFamily.xmpp
    private let state = Mutex<(events: [(ChatEvent, Address)], links: Int, failing: Bool)>(([], 0, false))

    struct Refused: Error {}

    func deliver(_ event: ChatEvent, to: Address) throws {
        try state.withLock { state throws(Refused) in
            if state.failing { throw Refused() }
            state.events.append((event, to))
        }
    }

    func linkEstablished() async { state.withLock { $0.links += 1 } }

    var events: [(ChatEvent, Address)] { state.withLock { $0.events } }
    var links: Int { state.withLock { $0.links } }
    func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }

    var messages: [Message] {
        events.compactMap { if case .message(let message) = $0.0 { message } else { nil } }
    }
}

/// A session mind that records every event.
final class RecordingMind: SessionMind {
    let protocolFamily = ProtocolFamily.xmpp
    private let state = Mutex<[ChatEvent]>([])

    func deliver(_ event: ChatEvent) throws { state.withLock { $0.append(event) } }

    var events: [ChatEvent] { state.withLock { $0 } }
    var messages: [Message] {
        events.compactMap { if case .message(let message) = $0 { message } else { nil } }
    }
}

/// Waits (polling every 10 ms, at most `timeout` seconds) until `condition` holds.
func eventually(_ what: String, timeout: Double = 10, _ condition: () async -> Bool) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    throw TestFailure("timed out waiting for \(what)")
}

/// A logger that stays quiet unless a test fails loudly.
func quietLogger(_ label: String = "test.component") -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .critical
    return logger
}

/// A connector to `server` with quick reconnects (20 ms doubling up to 200 ms).
func makeConnector(
    _ server: AcceptSideServer, secret: String = "s3cret", configure: (inout ComponentConnectorSettings) -> Void = { _ in }
) -> ComponentConnector {
    var settings = ComponentConnectorSettings(
        domain: server.domain, host: "127.0.0.1", port: server.port, secret: secret, reconnectInitial: 0.02,
        reconnectMaximum: 0.2)
    configure(&settings)
    return ComponentConnector(settings: settings, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: quietLogger())
}

/// A connector running `handler` in a task; `stop()` shuts it down and waits for the end.
struct RunningConnector {
    let connector: ComponentConnector
    let task: Task<Void, Never>

    init(_ connector: ComponentConnector, handler: any ComponentHandler) {
        self.connector = connector
        task = Task { await connector.run(handler: handler) }
    }

    func stop() async {
        connector.shutdown()
        await task.value
    }
}

/// A chat service on `localhost` and a plugin context around it, for hosting components.
func makeContext(domain: String = "localhost") -> PluginContext {
    let logger = quietLogger()
    let chat = ChatService(configuration: ChatServiceConfiguration(domain: domain), contacts: InMemoryContactListStore(), logger: logger)
    let portal = Portal(realm: ChatRealm(service: chat), checkers: [], logger: logger)
    return PluginContext(
        chat: chat, portal: portal, eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
        storageDirectory: NSTemporaryDirectory(), logger: logger)
}

/// Parses one stanza written as text (test input from the "server").
func stanza(_ xml: String) throws -> XMLElement {
    let document = try XMLStreamParser.parseDocument(xml)
    return document
}

extension XMLElement {
    /// The text of the first child element named `name`, if any.
    func childText(_ name: String) -> String? { elements.first { $0.name == name }?.text }
}
