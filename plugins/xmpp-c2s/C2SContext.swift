import Logging
import ParleyCore
import ParleyCred
import ParleyXML
import ParleyXMPP

/// The stanza hooks of the c2s listener.
typealias C2SHooks = StanzaHooks<C2SContext>

/// What a c2s feature gets while it handles a stanza of a bound session: the session,
/// the chat service, and a way to send to the client and to end its stream. Handlers run
/// on the connection's executor, one stanza at a time.
struct C2SContext: Sendable {
    /// The client's session in the model.
    let session: ChatSession
    /// The client's full JID.
    let jid: JID
    /// The chat service the session belongs to.
    let chat: ChatService
    let logger: Logger
    private let connection: C2SConnection

    init(session: ChatSession, chat: ChatService, logger: Logger, connection: C2SConnection) {
        self.session = session
        self.jid = JID(session.id)
        self.chat = chat
        self.logger = logger
        self.connection = connection
    }

    /// Writes `element` to the client.
    func send(_ element: XMLElement) async {
        await connection.write(element)
    }

    /// Ends the client's stream with `error` (RFC 6120 §4.9).
    func closeStream(_ error: StreamError) async {
        await connection.closeStream(error: error)
    }

    /// Asks the client a question from the server's JID (an IQ get with `child`); `answer`
    /// gets the reply IQ on the connection's executor, or nil (error-free timeout, the
    /// client left). False when the client has too many open questions.
    @discardableResult
    func ask(_ child: XMLElement, answer: @escaping @Sendable (XMLElement?) -> Void) async -> Bool {
        await connection.ask(child, answer: answer)
    }

    /// Whether the client already sent its first available presence (RFC 6121 §4.2):
    /// false while a broadcast-presence hook sees the initial one.
    var hasSentInitialPresence: Bool {
        get async { await connection.sentInitialPresence }
    }

    /// What the account's own bare JID advertises to it (XEP-0030 §3.1), from every feature.
    var accountFeatures: [String] { connection.shared.hooks.accountFeatures }

    /// The session's mind (what the model tells this client), once bound.
    var mind: C2SMind? {
        get async { await connection.mind }
    }
}

/// One c2s feature: the hooks it registers, in the manner of a Prosody module. Adding a
/// feature is a new file with one of these and a line in `C2SShared`.
protocol C2SFeature: Sendable {
    func register(in hooks: inout C2SHooks)
}

extension IQRequest {
    /// An account's own data is asked for at the server or at its own bare JID (no `to`,
    /// the domain, or the account's bare JID); another account's is forbidden.
    func checkOwnAccount() throws(StanzaError) {
        if let to, to.localpart != nil, to.bare != from.bare { throw StanzaError(.forbidden) }
    }
}

/// A bare `<iq type='result'/>`.
enum IQResult {
    static func empty(id: String, to: JID?) -> XMLElement {
        var iq = XMLElement(
            name: "iq", namespace: XMPPNamespace.client,
            attributes: [XMLAttribute("type", value: "result"), XMLAttribute("id", value: id)])
        iq[attribute: "to"] = to?.description
        return iq
    }
}
