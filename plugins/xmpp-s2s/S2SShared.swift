import Logging
import NIOCore
import NIOSSL
import ParleyCore
import ParleyCred
import ParleyMUC
import ParleyServerNIO
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO
import Synchronization

/// What every server-to-server stream of one `parleyd` shares: settings, the chat model
/// and its link for remote domains, TLS, trust, the resolver, the dialback secret, and the
/// table of outgoing streams (one per pair of domains).
final class S2SShared: Sendable {
    let settings: S2SSettings
    let chat: ChatService
    let codec: ComponentStanzaCodec
    let logger: Logger
    let storageDirectory: String
    let resolver: S2SResolver
    /// XEP-0185: a secret per process; keys made before a restart no longer verify,
    /// which only costs a dialback round again.
    let dialbackSecret = SASLEncoding.randomID(bytes: 32)
    let xmlLimits: XMLLimits
    let eventLoopGroup: any EventLoopGroup
    /// Incoming streams, for the sweepers and shutdown.
    let connections: ConnectionRegistry<S2SInboundConnection>
    private let outbound = Mutex<[S2SDomainPair: S2SOutbound]>([:])
    private let roomGateways = Mutex<[String: S2SRoomGateway]>([:])
    private let linkBox = Mutex<LocalComponentLink?>(nil)

    init(
        settings: S2SSettings, chat: ChatService, tls: S2STLS, storageDirectory: String, resolver: S2SResolver,
        eventLoopGroup: any EventLoopGroup, logger: Logger, memory: MemoryReturn?
    ) {
        self.storageDirectory = storageDirectory
        self.settings = settings
        self.chat = chat
        self.codec = ComponentStanzaCodec(extensions: XMPPExtensionCodec(table: chat.translation), namespace: XMPPNamespace.server)
        self.logger = logger
        self.resolver = resolver
        self.eventLoopGroup = eventLoopGroup
        self.connections = ConnectionRegistry(memory: memory)
        var limits = XMLLimits.default
        limits.maxStanzaBytes = settings.maxStanzaBytes
        limits.maxTextBytes = settings.maxStanzaBytes
        self.xmlLimits = limits
        self.tls = Mutex(tls)
    }

    // MARK: TLS (replaced by a reload)

    private let tls: Mutex<S2STLS>
    var serverTLS: NIOSSLContext { tls.withLock { $0.server } }
    var clientTLS: NIOSSLContext { tls.withLock { $0.client } }
    /// XEP-0368: the same, with the ALPN protocol `xmpp-server`, for direct TLS.
    var directTLSServer: NIOSSLContext { tls.withLock { $0.directServer } }
    var directTLSClient: NIOSSLContext { tls.withLock { $0.directClient } }
    var trust: S2STrust { tls.withLock { $0.trust } }

    /// Reads the certificate and the trust roots again (SIGHUP); new streams use them, open
    /// ones keep theirs. A file that cannot be read leaves the old ones in place.
    func reloadTLS() {
        do {
            let fresh = try S2STLS.load(settings: settings, storageDirectory: storageDirectory, domain: chat.domain, logger: logger)
            tls.withLock { $0 = fresh }
            logger.notice("s2s TLS reloaded")
        } catch {
            logger.error("s2s TLS reload failed; keeping the previous certificate", metadata: ["error": "\(error)"])
        }
    }

    /// The link through which remote servers' traffic enters the model.
    var link: LocalComponentLink? { linkBox.withLock { $0 } }

    func attach(_ link: LocalComponentLink) { linkBox.withLock { $0 = link } }

    func detach() {
        let link = linkBox.withLock { box in
            defer { box = nil }
            return box
        }
        link?.detach()
    }

    /// Whether `domain` is served here: the chat domain, or a component's.
    func serves(_ domain: String) -> Bool {
        domain == chat.domain || chat.hasComponent(for: domain)
    }

    /// Whether `domain` may federate with us: not ours, not denied, allowed if a list is set.
    func admits(_ domain: String) -> Bool {
        !serves(domain) && settings.admits(domain)
    }

    func acceptConfiguration() -> S2SAcceptState.Configuration {
        var configuration = S2SAcceptState.Configuration(
            serves: { [weak self] in self?.serves($0) ?? false }, admits: { [weak self] in self?.admits($0) ?? false },
            dialbackSecret: dialbackSecret)
        configuration.requireTLS = settings.requireTLS
        configuration.dialback = settings.dialback
        configuration.requireValidCertificate = settings.requireValidCertificate
        return configuration
    }

    func connectConfiguration(for pair: S2SDomainPair) -> S2SConnectState.Configuration {
        var configuration = S2SConnectState.Configuration(local: pair.local, remote: pair.remote, dialbackSecret: dialbackSecret)
        configuration.requireTLS = settings.requireTLS
        configuration.requireValidCertificate = settings.requireValidCertificate
        configuration.dialback = settings.dialback
        return configuration
    }

    // MARK: Outgoing streams

    /// Sends `element` from `pair.local` to `pair.remote`; false when `max-outgoing-streams`
    /// pairs are in use already, or while shutting down.
    @discardableResult
    func send(_ element: XMLElement, _ pair: S2SDomainPair, origin: ComponentTraffic? = nil) -> Bool {
        // An outbound that retired (its send says so) leaves the table; a fresh one takes it.
        for _ in 0..<2 {
            guard let outbound = outbound(for: pair) else { return false }
            if outbound.send(element, origin: origin) { return true }
            forget(outbound)
        }
        return false
    }

    /// Asks the authoritative server of `pair.remote` to check a dialback key.
    func verify(_ request: DialbackVerification, answer: @escaping @Sendable (DialbackOutcome) -> Void) {
        let pair = S2SDomainPair(remote: request.originating, local: request.receiving)
        for _ in 0..<2 {
            guard let outbound = outbound(for: pair) else { break }
            if outbound.verify(request, answer: answer) { return }
            forget(outbound)
        }
        answer(.error(StanzaError(.resourceConstraint, type: .wait)))
    }

    /// Forgets `outbound` (retired: idle or failed with nothing waiting), so that the table
    /// holds only the domains in use.
    func forget(_ retired: S2SOutbound) {
        outbound.withLock { table in
            if table[retired.pair] === retired { table[retired.pair] = nil }
        }
    }

    /// The outgoing stream of `pair`, made on first use; nil when `max-outgoing-streams`
    /// other pairs are in use (each costs look-ups and a connection).
    private func outbound(for pair: S2SDomainPair) -> S2SOutbound? {
        outbound.withLock { table in
            if let existing = table[pair] { return existing }
            guard table.count < settings.maxOutgoingStreams || table[pair] != nil else { return nil }
            let made = S2SOutbound(pair: pair, loop: eventLoopGroup.next(), shared: self)
            table[pair] = made
            return made
        }
    }

    /// The gateway to the in-process MUC service on `domain`, if one serves it.
    func roomGateway(for domain: String) -> S2SRoomGateway? {
        guard let service = chat.componentHandler(for: domain) as? MUCService else { return nil }
        return roomGateways.withLock { gateways in
            if let existing = gateways[domain], existing.serves(service) { return existing }
            let made = S2SRoomGateway(service: service, shared: self, sessionsPerDomain: settings.roomSessionsPerDomain)
            gateways[domain] = made
            return made
        }
    }

    /// Every outgoing stream, for shutdown.
    func allOutbound() -> [S2SOutbound] { outbound.withLock { Array($0.values) } }
}
