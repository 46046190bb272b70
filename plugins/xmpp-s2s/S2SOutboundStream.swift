import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import ParleyServerNIO
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO

/// One TCP connection of an outgoing server-to-server stream (the originating side,
/// `S2SConnectState`) on its channel's event loop: it negotiates TLS and authentication,
/// then writes what its `S2SOutbound` hands it. It reports to that owner: established,
/// verification answers, failure.
final actor S2SOutboundStream: XMPPStreamConnection {
    nonisolated let channel: any Channel
    nonisolated var unownedExecutor: UnownedSerialExecutor { channel.eventLoop.executor.asUnownedSerialExecutor() }
    nonisolated var eventLoop: any EventLoop { channel.eventLoop }

    private var state: S2SConnectState
    private let parser: ConnectionParser
    private let shared: S2SShared
    private weak var owner: S2SOutbound?
    private let certificate = S2SCertificateBox()
    private var reported = false

    init(channel: any Channel, parser: ConnectionParser, configuration: S2SConnectState.Configuration, shared: S2SShared, owner: S2SOutbound) {
        self.channel = channel
        self.parser = parser
        self.state = S2SConnectState(configuration: configuration)
        self.shared = shared
        self.owner = owner
    }

    /// Opens the stream (our header).
    func start() {
        write(state.start())
    }

    /// Direct TLS (XEP-0368): TLS is in front from the first byte (`tlsHandler()`); the
    /// header follows the handshake.
    func startWithTLS() {
        state.startWithTLS()
    }

    /// The TLS client handler for this connection, naming the remote domain (SNI) and
    /// recording what its certificate proves.
    nonisolated func tlsHandler(context: NIOSSLContext, remote: String) throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(
            context: context, serverHostname: remote,
            customVerificationCallback: S2SCertificateBox.callback(trust: shared.trust, box: certificate))
    }

    func receive(_ event: XMLStreamEvent) {
        perform(state.received(event))
    }

    func failed(_ error: any Error) {
        let reason: S2SFailure
        if let streamError = error as? StreamError {
            reason = .refused(streamError)
            close(sending: streamError)
        } else {
            reason = .protocolError("\(error)")
            channel.close(promise: nil)
        }
        report(reason)
    }

    nonisolated func userInboundEvent(_ event: Any) -> Bool {
        guard case .handshakeCompleted? = event as? TLSUserEvent else { return false }
        assumeIsolated { $0.tlsUp() }
        return true
    }

    nonisolated func channelInactive() {
        assumeIsolated { $0.inactive() }
    }

    private func inactive() {
        state.abandon()
        report(.closedByPeer)
    }

    func tick() {}

    // MARK: Writing (owner calls, on the loop)

    /// Writes `buffer`; flushed with `flush()`.
    func write(buffer: ByteBuffer, promise: EventLoopPromise<Void>?) {
        channel.write(buffer, promise: promise)
    }

    func flush() {
        channel.flush()
    }

    /// Asks the authoritative server about a key (XEP-0220 §2.1.3); false when it cannot be
    /// written on this stream now.
    func verify(_ request: DialbackVerification) -> Bool {
        guard let bytes = state.verify(request) else { return false }
        write(bytes)
        return true
    }

    var canVerify: Bool { state.canVerify }

    /// Ends the stream politely (idle, shutdown).
    func close(sending error: StreamError?) {
        guard let bytes = state.closingBytes(error: error) else {
            channel.close(promise: nil)
            return
        }
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        let channel = self.channel
        channel.writeAndFlush(buffer).whenComplete { _ in channel.close(promise: nil) }
        channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
    }

    // MARK: Actions

    private func perform(_ actions: [S2SConnectState.Action]) {
        for action in actions {
            switch action {
            case .send(let bytes):
                write(bytes)
            case .startTLS:
                startTLS()
            case .restart(let bytes):
                parser.parser.reset()
                write(bytes)
            case .established(let method):
                owner?.established(self, method: method)
            case .readyToVerify:
                owner?.readyToVerify(self)
            case .verified(let request, let outcome):
                owner?.verified(request, outcome: outcome)
            case .fail(let error, let reason):
                close(sending: error)
                report(reason)
            }
        }
    }

    /// RFC 6120 §5.4.3.3: TLS in front of everything, then a new stream once it is up.
    private func startTLS() {
        do {
            let handler = try tlsHandler(context: shared.clientTLS, remote: state.configuration.remote)
            try channel.pipeline.syncOperations.addHandler(handler, position: .first)
        } catch {
            close(sending: nil)
            report(.tls("cannot start TLS: \(error)"))
            return
        }
        parser.parser.reset()
    }

    private func tlsUp() {
        perform(state.tlsEstablished(certificateNames: certificate.names))
    }

    private func write(_ bytes: [UInt8]) {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        channel.writeAndFlush(buffer, promise: nil)
    }

    private func report(_ reason: S2SFailure) {
        guard !reported else { return }
        reported = true
        let verifications = state.takeUnansweredVerifications()
        owner?.streamEnded(self, reason: reason, unanswered: verifications)
    }
}
