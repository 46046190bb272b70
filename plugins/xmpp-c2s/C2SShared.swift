import Logging
import NIOCore
import ParleyLauncher
import ParleyCore
import ParleyCred
import ParleyMUC
import ParleyPubSub
import ParleyXMPP
import ParleyXMPPNIO

/// What every connection of one listener shares: settings, the model, the portal, TLS,
/// the features' hooks and the offline store, plus the set of open connections for shutdown.
final class C2SShared: Sendable {
    let settings: C2SSettings
    let chat: ChatService
    let portal: Portal<ChatRealm>
    /// STARTTLS's context, replaced by a reload (SIGHUP) when the files changed.
    let tls: ReloadableTLSContext?
    let codec: XMPPStanzaCodec
    let offline: OfflineStore
    /// Offline storage as one service for clients and for the model (messages from other adapters).
    let offlineKeeper: OfflineKeeper
    let logger: Logger
    /// XEP-0398: vCard photo and XEP-0084 avatar as one, and the hash in presence (with PEP).
    let avatars: AvatarConversion?
    /// Tells an account's app servers of messages no active session took (XEP-0357).
    let push: PushNotifier
    /// The store that can create, change and delete accounts (XEP-0077), if any.
    let accounts: (any AccountStore)?
    /// The features' stanza hooks (IQ handlers and message and presence hooks).
    let hooks: C2SHooks
    /// The domain of rooms' JIDs (XEP-0045), `conference.<domain>` unless configured.
    let roomsDomain: String
    /// Renders room events as MUC stanzas (XEP-0045), for every client's mind.
    let rooms: MUCEventRenderer
    /// A stream negotiation in its initial state (RFC 6120 §4–§7), copied for each
    /// connection; the copies share one configuration.
    let negotiation: ServerStreamNegotiation
    /// The same over RFC 7395 WebSocket framing on a clear connection: no STARTTLS (§3.9:
    /// TLS is the `wss:` layer's), PLAIN only with `allow-plain-without-tls`.
    let webSocketNegotiation: ServerStreamNegotiation
    /// The TCP negotiation on XEP-0368's direct TLS port: secure from the first byte (no STARTTLS).
    let directTLSNegotiation: ServerStreamNegotiation
    /// The same over XEP-0206 BOSH on a clear connection.
    let boshNegotiation: ServerStreamNegotiation
    /// Both secure from the first byte: over a listener with TLS (`https-port`, or
    /// `http-port` with `http-tls`), or from loopback to loopback (`isSecureWebClient`).
    let webSocketNegotiationOverTLS: ServerStreamNegotiation
    let boshNegotiationOverTLS: ServerStreamNegotiation
    /// The open BOSH sessions by `sid`, bounded by `bosh-max-sessions`.
    let boshSessions: BOSHSessions
    /// Returns released parser memory to the system (the launcher's, in `parleyd`).
    let memory: MemoryReturn
    /// The open connections, for the sweepers and shutdown.
    let connections: ConnectionRegistry<C2SConnection>
    /// Sessions that can be resumed (XEP-0198 §5), by resumption id.
    let resumptions = C2SResumptions()

    /// `extraFeatures` register their hooks after the built-in features (and before disco,
    /// which lists what they advertise).
    init(
        settings: C2SSettings, chat: ChatService, portal: Portal<ChatRealm>, tls: ReloadableTLSContext?, storageDirectory: String,
        logger: Logger, extraFeatures: [any C2SFeature] = [], memory: MemoryReturn = MemoryReturn()
    ) throws {
        self.memory = memory
        self.connections = ConnectionRegistry(memory: memory)
        self.settings = settings
        self.chat = chat
        self.portal = portal
        self.tls = tls
        self.offline = OfflineStore(directory: "\(storageDirectory)/offline", limit: settings.offlineLimit)
        self.logger = logger
        let accounts = portal.checkers.lazy.compactMap { $0 as? any AccountStore }.first
        self.accounts = accounts
        self.roomsDomain = settings.roomsDomain ?? "conference.\(chat.domain)"
        let roomJIDs = RoomJIDMapping(domain: roomsDomain)
        let extensions = XMPPExtensionCodec(table: chat.translation, rooms: roomJIDs)
        self.codec = XMPPStanzaCodec(extensions: extensions)
        // XEP-0357: app servers hear of messages kept offline or held for a resumption.
        let pushRegistrations = PushRegistrations(
            store: AccountElementStore(directory: "\(storageDirectory)/push", maximumBytes: 64 * 1024))
        self.push = PushNotifier(registrations: pushRegistrations, chat: chat, extensions: extensions)
        offlineKeeper = OfflineKeeper(store: offline, codec: codec, domain: chat.domain, accounts: accounts, push: push)
        chat.attachOfflineStore(offlineKeeper)
        self.rooms = MUCEventRenderer(rooms: roomJIDs, codec: codec)
        var negotiation = ServerStreamNegotiation.Configuration(
            domain: chat.domain, tlsAvailable: tls != nil, requireTLS: settings.requireTLS,
            mechanismsOverTLS: portal.mechanisms(secureTransport: true),
            mechanismsInClear: portal.mechanisms(secureTransport: false, allowPlainWithoutTLS: settings.allowPlainWithoutTLS),
            allowPlainWithoutTLS: settings.allowPlainWithoutTLS, registration: settings.registration && accounts != nil,
            maxAuthFailures: settings.maxAuthFailures)
        // XEP-0198 on TCP and WebSocket streams; BOSH has its own acknowledgements (XEP-0124 §9).
        negotiation.streamManagement = true
        negotiation.clientStateIndication = true
        self.negotiation = ServerStreamNegotiation(configuration: negotiation)
        var webSocket = negotiation
        webSocket.framing = .webSocket
        webSocket.tlsAvailable = false
        self.webSocketNegotiation = ServerStreamNegotiation(configuration: webSocket)
        var bosh = webSocket
        bosh.framing = .bosh
        bosh.streamManagement = false
        self.boshNegotiation = ServerStreamNegotiation(configuration: bosh)
        self.webSocketNegotiationOverTLS = ServerStreamNegotiation(configuration: webSocket, secure: true)
        self.directTLSNegotiation = ServerStreamNegotiation(configuration: negotiation, secure: true)
        self.boshNegotiationOverTLS = ServerStreamNegotiation(configuration: bosh, secure: true)
        self.boshSessions = BOSHSessions(limit: settings.boshMaxSessions)
        var features: [any C2SFeature] = [PingFeature(), VersionFeature(), SessionFeature(), RosterFeature(), CarbonsFeature()]
        // XEP-0191: the model enforces each user's block list, kept in storage/blocklists/.
        chat.attachBlockListStore(try FlatFileBlockListStore(directory: "\(storageDirectory)/blocklists"))
        features.append(BlockingFeature())
        features.append(PushFeature(registrations: pushRegistrations))
        features.append(
            ExternalServicesFeature(
                services: settings.externalServices, turnSecret: settings.turnSecret, lifetime: settings.turnCredentialLifetime))
        if settings.archive {
            // XEP-0313 for accounts: the model archives each one-to-one message it routes.
            let archive = try FlatFileUserArchive(
                directory: "\(storageDirectory)/user-archive", domain: chat.domain, maxMessages: settings.archiveMaxMessages,
                maxAge: settings.archiveMaxAge, natives: XMPPPayloadText(extensions: extensions), logger: logger)
            chat.attachUserArchive(archive)
            features.append(AccountArchiveFeature(archive: archive, codec: codec))
        }
        var pepAccount: PEPAccount?
        if settings.pep {
            // XEP-0163 on every account; a payload may be as large as a stanza (avatars).
            let limits = PubSubLimits(maximumPayloadBytes: settings.maxStanzaBytes, maximumNodesPerOwner: 100, maximumNodes: 100)
            let store = try PEPStore(directory: "\(storageDirectory)/pep", domain: chat.domain, limits: limits)
            let services = try PEPServices(store: store, limits: limits, memory: memory)
            let delivery = PEPDelivery(
                chat: chat, codec: extensions, caps: CapsCache(), services: services,
                exists: { [accounts] user in await Self.accountExists(user, in: accounts) })
            features.append(PEPFeature(services: services, delivery: delivery))
            pepAccount = PEPAccount(services: services, delivery: delivery)
        }
        // XEP-0054 and XEP-0049, each element a file of its own under storage/vcard/ and storage/private/.
        let exists: @Sendable (Username) async -> Bool = { [accounts] user in await Self.accountExists(user, in: accounts) }
        let vcards = AccountElementStore(directory: "\(storageDirectory)/vcard", maximumBytes: settings.vcardMaxBytes)
        let privateXML = AccountElementStore(directory: "\(storageDirectory)/private", maximumBytes: settings.vcardMaxBytes)
        let avatars = pepAccount.map(AvatarConversion.init(pep:))
        self.avatars = avatars
        features.append(VCardFeature(store: vcards, exists: exists, avatars: avatars))
        features.append(PrivateStorageFeature(store: privateXML, pep: pepAccount))
        if settings.registration, let accounts {
            features.append(
                RegisterFeature(accounts: accounts) { user in
                    vcards.removeAll(of: user)
                    privateXML.removeAll(of: user)
                    pushRegistrations.removeAll(of: user)
                })
        }
        features += extraFeatures
        // XEP-0030 §4: the server's items are the components attached to it now.
        features.append(
            DiscoFeature(services: { [chat] in chat.componentDomains.map { DiscoItems.Item(jid: JID(localpart: nil, domain: $0)) } }))
        var hooks = C2SHooks()
        for feature in features { feature.register(in: &hooks) }
        self.hooks = hooks
    }

    /// Whether a web client's stream is secure from its first byte: it came over a listener
    /// with TLS (`wss:`, `https:`), or clear from `peer` to `local`, both loopback, while
    /// `http-secure-loopback` is on (`LoopbackSecurity`).
    func isSecureWebClient(overTLS: Bool, local: SocketAddress?, peer: SocketAddress?) -> Bool {
        overTLS || LoopbackSecurity.isSecure(local: local, peer: peer, enabled: settings.httpSecureLoopback)
    }

    /// The negotiation a WebSocket client starts in (`isSecureWebClient`).
    func webSocketNegotiation(overTLS: Bool, local: SocketAddress?, peer: SocketAddress?) -> ServerStreamNegotiation {
        isSecureWebClient(overTLS: overTLS, local: local, peer: peer) ? webSocketNegotiationOverTLS : webSocketNegotiation
    }

    /// SIGHUP: reads the TLS certificate and key again; a failure keeps the running ones.
    func reloadTLS() {
        tls?.reload(plugin: "xmpp-c2s", logger: logger)
    }

    /// Whether `user` has an account (RFC 6121 §8.5.2: messages to no account are refused).
    /// Without an account store every name counts as existing.
    func accountExists(_ user: Username) async -> Bool {
        await Self.accountExists(user, in: accounts)
    }

    static func accountExists(_ user: Username, in accounts: (any AccountStore)?) async -> Bool {
        guard let accounts else { return true }
        return await Task.detached { (try? accounts.accountExists(user)) ?? false }.value
    }
}
