import NIOCore
import NIOSSL
import ParleyServerNIO
import ParleyXML
import ParleyXMPP
import Synchronization

/// One BOSH session (XEP-0124, XEP-0206) as the transport of a `C2SConnection`: the
/// stream's writes are queued in the session's `BOSHSessionMachine` and leave as the
/// answers of the client's HTTP requests, which `C2SBOSHRoute` hands in with `exchange`.
/// This class only carries out the machine's actions: it resumes the waiting requests,
/// passes payloads to the connection in `rid` order, and ends the connection with the
/// session. Every machine step runs on `eventLoop`, the connection's.
final class BOSHTransport: C2STransport {
    let eventLoop: any EventLoop
    let allocator = ByteBufferAllocator()
    let peer: String
    let parameters: BOSHParameters
    /// The creation request's stream header, read again at each restart (XEP-0206 §5).
    let header: XMLStreamHeader
    /// Whether the session began secure (`C2SShared.isSecureWebClient`); its later requests
    /// must come as secure, or a stream the server treats as encrypted would cross in clear.
    let isSecure: Bool
    private let sessions: BOSHSessions
    private let state: Mutex<State>

    private struct State {
        var machine: BOSHSessionMachine
        var waiters: [BOSHSessionMachine.Waiter: CheckedContinuation<[UInt8], Never>] = [:]
        var nextWaiter: BOSHSessionMachine.Waiter = 1
        weak var connection: C2SConnection?

        mutating func wait(_ continuation: CheckedContinuation<[UInt8], Never>) -> BOSHSessionMachine.Waiter {
            defer { nextWaiter += 1 }
            waiters[nextWaiter] = continuation
            return nextWaiter
        }
    }

    /// A session made by `creation`, whose HTTP request waits on `continuation`.
    init(
        parameters: BOSHParameters, creation: BOSHRequest, continuation: CheckedContinuation<[UInt8], Never>,
        eventLoop: any EventLoop, peer: String, sessions: BOSHSessions, isSecure: Bool
    ) {
        self.isSecure = isSecure
        self.eventLoop = eventLoop
        self.peer = peer
        self.parameters = parameters
        self.header = creation.streamHeader
        self.sessions = sessions
        let machine = BOSHSessionMachine(parameters: parameters, rid: creation.rid, waiter: 0, now: Self.now())
        self.state = Mutex(State(machine: machine, waiters: [0: continuation]))
    }

    /// Connects the session to the connection it carries, and opens the stream (XEP-0206 §3).
    func attach(_ connection: C2SConnection) {
        state.withLock { $0.connection = connection }
        eventLoop.execute { [header] in connection.assumeIsolated { $0.receive(.streamStart(header)) } }
    }

    var connection: C2SConnection? { state.withLock { $0.connection } }

    /// One request of this session: its answer's bytes, once the machine gives one.
    func exchange(_ request: BOSHRequest) async -> [UInt8] {
        await withCheckedContinuation { continuation in
            eventLoop.execute {
                let actions = self.state.withLock { state in
                    let waiter = state.wait(continuation)
                    return state.machine.receive(request, waiter: waiter, now: Self.now())
                }
                self.perform(actions)
            }
        }
    }

    private func perform(_ actions: [BOSHSessionMachine.Action]) {
        for action in actions {
            switch action {
            case .respond(let waiter, let response):
                let (continuation, streamID) = state.withLock { ($0.waiters.removeValue(forKey: waiter), $0.machine.streamID) }
                continuation?.resume(returning: BOSHBodyWriter.bytes(response, parameters: parameters, streamID: streamID))
            case .deliver(let elements):
                connection?.assumeIsolated { connection in
                    for element in elements { connection.receive(.element(element)) }
                }
            case .restartStream:
                connection?.assumeIsolated { [header] in $0.receive(.streamStart(header)) }
            case .clientTerminated(let elements):
                // XEP-0124 §13: the payload first (an unavailable presence), then the stream's end.
                connection?.assumeIsolated { connection in
                    for element in elements { connection.receive(.element(element)) }
                    connection.receive(.streamEnd)
                }
            case .sessionEnded(let condition):
                sessions.remove(parameters.sid)
                if let connection {
                    connection.assumeIsolated { $0.log(.info, "BOSH session ended", ["condition": "\(condition?.rawValue ?? "none")"]) }
                    connection.channelInactive()
                }
            }
        }
    }

    private func step(_ body: (inout BOSHSessionMachine) -> [BOSHSessionMachine.Action]) {
        perform(state.withLock { body(&$0.machine) })
    }

    private static func now() -> BOSHSessionMachine.Instant { NIODeadline.now().uptimeNanoseconds }

    // MARK: C2STransport

    var isActive: Bool { state.withLock { !$0.machine.isEnded } }
    /// The session's inactivity (XEP-0124 §10) stands for the stream's keepalives.
    var keepsAliveInStream: Bool { false }
    var elementsStandAlone: Bool { true }

    func write(_ element: ByteBuffer) {
        // XEP-0206 §2: each element in <body/> is qualified by its own namespace.
        let standalone = element.withUnsafeReadableBytes { WebSocketFrameEncoder.standalone($0) }
        state.withLock { $0.machine.enqueue(standalone) }
    }

    func flush() { step { $0.flush(now: Self.now()) } }

    func writeOpening(id: String, domain: String) { state.withLock { $0.machine.streamOpened(id: id) } }

    func closeStream(after error: ByteBuffer?) {
        let standalone = error.map { $0.withUnsafeReadableBytes { WebSocketFrameEncoder.standalone($0) } }
        step { $0.close(streamError: standalone) }
    }

    func close() { step { $0.abort(.undefinedCondition) } }

    /// Never offered: TLS is the HTTP listener's (`https:`).
    func startTLS(_ context: NIOSSLContext) throws { throw BOSHNoSTARTTLS() }

    /// The route waits for room before it hands in a request's payload (`C2SConnection.waitForRoom`).
    func pauseReading(_ paused: Bool) {}

    func isSendQueueExceeded(_ limit: SendQueueLimit) -> Bool { state.withLock { $0.machine.pendingBytes > limit.bytes } }

    func tick(now: NIODeadline) { step { $0.tick(now: now.uptimeNanoseconds) } }
}

/// STARTTLS asked of a BOSH stream (the negotiation never offers it there).
struct BOSHNoSTARTTLS: Error {}
