import Logging
import ParleyIRC
import ParleyCore
import ParleyCred
import ParleyServerNIO
import ParleyXMPPNIO
import Synchronization

/// What every connection of one irc-server shares: settings, the model, the portal, the
/// nick table, the open connections and the server's fixed replies.
final class IRCServerShared: Sendable {
    let settings: IRCServerSettings
    let chat: ChatService
    let portal: Portal<ChatRealm>
    /// Where guests (`allow-guests`) log in: the portal itself when one of its checkers takes
    /// anonymous credentials (`--auth anonymous`), else the same realm behind an
    /// `AnonymousChecker` alone. A guest is an anonymous login under a generated name, a
    /// guest in the model (`ChatSession.isGuest`), never a specially named user.
    let guestPortal: Portal<ChatRealm>
    /// The TLS port's context, replaced by a reload (SIGHUP) when the files changed.
    let tls: ReloadableTLSContext?
    let logger: Logger
    /// The source of every server reply (`server-name`, default the chat domain).
    let serverName: String
    let nicks = IRCNickTable()
    /// Nicks given up lately, for WHOWAS.
    let history = IRCNickHistory()
    /// How occupants and senders are named on IRC (by session; foreign nicks escaped).
    let naming: IRCOccupantNaming
    /// The open connections, on the server runtime; their flush coalescers per loop.
    let connections: ConnectionRegistry<IRCConnection>
    /// Returns the garbage of registration bursts and closed connections to the system
    /// (the launcher's, in `parleyd`), so that an idle client costs what it holds.
    let memory: MemoryReturn
    let info: IRCServerInfo
    /// The MOTD lines (nil sends ERR_NOMOTD), replaced by a reload.
    let motd: Mutex<[String]?>
    /// The server operators (OPER), replaced by a reload.
    let operators: Mutex<IRCOperators>
    /// The most clients registered at once since start (RPL_LOCALUSERS 265).
    let maximumRegistered = Atomic<Int>(0)
    /// Message tags ↔ model payloads (IRCv3 message-tags, server-time, CTCP ACTION…).
    let mapping: IRCPayloadMapping
    /// Set once graceful shutdown began: connections accepted late are closed at once.
    let shuttingDown = Atomic<Bool>(false)
    /// Registered clients, and those of them invisible and operators (for LUSERS).
    let registeredCount = Atomic<Int>(0)
    let invisibleCount = Atomic<Int>(0)
    let operatorCount = Atomic<Int>(0)
    /// Numbers batch references (IRCv3 batch) uniquely on this server.
    private let batches = Atomic<Int>(0)
    func nextBatchReference() -> String {
        String(batches.wrappingAdd(1, ordering: .relaxed).newValue, radix: 36)
    }
    /// The store that knows which accounts exist (for protected nicks), if any.
    let accounts: (any AccountStore)?

    init(
        settings: IRCServerSettings, chat: ChatService, portal: Portal<ChatRealm>, tls: ReloadableTLSContext?,
        logger: Logger,
        motd: [String]?, operators: IRCOperators = IRCOperators(), memory: MemoryReturn = MemoryReturn()
    ) {
        self.memory = memory
        connections = ConnectionRegistry(memory: memory)
        self.settings = settings
        self.chat = chat
        self.portal = portal
        guestPortal =
            portal.checkers.contains { $0.accepts(AnonymousCredentials.self) }
            ? portal : Portal(realm: portal.realm, checkers: [AnonymousChecker()], logger: logger)
        self.tls = tls
        self.logger = logger
        serverName = settings.serverName ?? chat.domain
        naming = IRCOccupantNaming(nicks: nicks, domain: chat.domain, nickLength: settings.nickLength)
        mapping = IRCPayloadMapping(translation: chat.translation)
        info = IRCServerInfo(
            settings: settings, serverName: serverName, roomsPerSession: chat.configuration.maxRoomsPerSession)
        self.motd = Mutex(motd)
        self.operators = Mutex(operators)
        accounts = portal.checkers.lazy.compactMap { $0 as? any AccountStore }.first
    }

    /// Whether `name` is a registered account's name (checked off the event loop: the store
    /// may read a file). Without an account store nothing is protected.
    func accountExists(_ name: String) async -> Bool {
        guard let accounts, let user = Username(name) else { return false }
        return await Task.detached { (try? accounts.accountExists(user)) ?? false }.value
    }

    /// SIGHUP: reads the MOTD file and the TLS certificate and key again. What fails to load
    /// is reported and the running one stays.
    func reload() {
        do {
            let lines = try IRCServerPlugin.loadMOTD(settings)
            motd.withLock { $0 = lines }
            logger.notice("irc-server: MOTD reloaded", metadata: ["lines": "\(lines?.count ?? 0)"])
        } catch {
            logger.error("irc-server: MOTD not reloaded; the running one stays", metadata: ["error": "\(error)"])
        }
        do {
            let operators = try IRCServerPlugin.loadOperators(settings)
            self.operators.withLock { $0 = operators }
            logger.notice("irc-server: operators reloaded", metadata: ["count": "\(operators.operators.count)"])
        } catch {
            logger.error("irc-server: operators not reloaded; the running ones stay", metadata: ["error": "\(error)"])
        }
        tls?.reload(plugin: "irc-server", logger: logger)
    }

    /// SASL mechanisms usable on a connection (RFC 4616 §6: PLAIN needs TLS unless allowed).
    func saslMechanisms(secure: Bool) -> [String] {
        secure || settings.allowPlainWithoutTLS ? ["PLAIN"] : []
    }
}
