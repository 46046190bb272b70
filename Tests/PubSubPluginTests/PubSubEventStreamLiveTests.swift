import Foundation
import Logging
import NIOPosix
import ParleyCred
import ParleyHTTP
import ParleyPubSub
import ParleyPubSubStore
import ParleyXML
import ParleyXMPP
import ServiceLifecycle
import Synchronization
import Testing
import XMPPTestSupport

@testable import PubSubPlugin

#if canImport(Glibc)
import Glibc
#endif

/// The event stream's bound on a real socket: a reader that stops reading is dropped and
/// its connection closed, instead of its events piling up in the server.
@Suite struct PubSubEventStreamLiveTests {
    @Test func aReaderThatStopsReadingIsDroppedAndItsConnectionClosed() async throws {
        let directory = NSTemporaryDirectory() + "pubsub-stream-\(UUID().uuidString)"
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: directory + "-tokens")
        }
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let limits = PubSubLimits()
        var settings = PubSubHTTPSettings()
        settings.streamBuffer = 4
        let face = PubSubHTTPFace(
            settings: settings, portal: try testPortal(), accountDomain: "localhost", serviceDomain: "pubsub.localhost",
            limits: limits,
            tokens: try PubSubTokens(store: try FlatFileSettingsStore(directory: directory + "-tokens", kind: "pubsub-token")))
        let desk = PubSubDesk(
            service: PubSubService(jid: JID("pubsub.localhost")!, limits: limits),
            store: try PubSubStore(directory: directory, limits: limits), contacts: .unknown,
            link: RecordingComponentLink(domain: "pubsub.localhost"), logger: quiet, feed: face.hub)
        face.attach(desk)
        // A transient node that delivers payloads: publishing writes nothing to disk.
        let alice = JID("alice@localhost")!
        let transient = DataForm(
            type: .submit, formType: PubSubNamespace.nodeConfig,
            fields: [DataFormField(variable: "pubsub#persist_items", values: ["0"])])
        _ = try await desk.perform(.create(node: "n", configuration: transient), from: alice).get()

        let listener = HTTPListener(
            address: HTTPAddress(host: "127.0.0.1", port: 0), eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: quiet)
        try face.mount(on: listener, tls: nil, logger: quiet)
        let group = ServiceGroup(services: [try listener.application()], logger: quiet)
        let server = Task { try await group.run() }
        var port: Int?
        for _ in 0..<2_000 where port == nil {
            port = listener.boundPort
            try await Task.sleep(for: .milliseconds(5))
        }

        let reader = try await StalledReader.open(port: try #require(port), path: "/pubsub/n/events")
        #expect(await reader.read(until: ": following"), "the stream opened")
        #expect(face.hub.count == 1)
        // 60 KB events until the socket buffers and the reader's 4 events are full.
        let payload = XMLElement(name: "blob", namespace: "urn:test", children: [.text(String(repeating: "x", count: 60_000))])
        var published = 0
        while face.hub.count == 1 && published < 2_000 {
            _ = try await desk.perform(.publish(node: "n", items: [.init(id: nil, payload: payload)], options: nil), from: alice)
                .get()
            published += 1
        }
        #expect(face.hub.count == 0, "the reader was dropped after \(published) events")
        #expect(published < 2_000)
        #expect(await reader.readsToTheEnd(), "and its connection closed")

        // Closed from this side too, so that no response is left for the shutdown to wait for.
        reader.close()
        await group.triggerGracefulShutdown()
        try await server.value
    }
}

/// A client with a tiny receive buffer that sends one GET and then reads only when told.
/// Its blocking socket calls run on Dispatch threads: blocking the cooperative pool would
/// starve the server's handlers (Hummingbird answers on that pool) while suites run in parallel.
final class StalledReader: @unchecked Sendable {
    // `received` is touched by one call at a time, in the test's order.
    private let fd: Int32
    private var received = ""
    private let closed = Mutex(false)

    private init(fd: Int32) { self.fd = fd }

    /// Connects to 127.0.0.1:`port` and sends `GET path`.
    static func open(port: Int, path: String) async throws -> StalledReader {
        try await offThePool {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var small: Int32 = 4096
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            let reader = StalledReader(fd: fd)
            guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
            let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            _ = request.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            return reader
        }
    }

    deinit { close() }

    /// Closes the socket (once).
    func close() {
        guard !closed.withLock({ was in defer { was = true }; return was }) else { return }
        Glibc.close(fd)
    }

    /// Reads until `marker` has arrived; false on the end or a timeout first.
    func read(until marker: String) async -> Bool {
        await offThePool { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !received.contains(marker) {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                received += String(decoding: buffer[..<count], as: UTF8.self)
            }
            return true
        }
    }

    /// Reads everything left: true when the server closed the connection (end of stream
    /// or a reset) within the receive timeout.
    func readsToTheEnd() async -> Bool {
        await offThePool { [fd] in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count > 0 { continue }
                if count < 0 && errno == EINTR { continue }
                return count == 0 || errno == ECONNRESET
            }
        }
    }
}

/// Runs `body` on a Dispatch thread and waits for it without holding a pool thread.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}

/// `offThePool` for a body that cannot fail.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: body()) }
    }
}
