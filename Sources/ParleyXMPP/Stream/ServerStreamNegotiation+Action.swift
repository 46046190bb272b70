import ParleyCore
import ParleyCred
import ParleyXML

extension ServerStreamNegotiation {
    /// What the connection does next, in order. Framing (stream header bytes or
    /// `<open/>`), sockets, the portal and the model stay with the connection.
    public enum Action: Sendable {
        /// Send our stream header with this id (RFC 6120 §4.7.3).
        case openStream(id: String)
        /// Send this element on the stream.
        case send(XMLElement)
        /// Put TLS under the stream now (after `<proceed/>` went out, RFC 6120 §5.4.2.3).
        case startTLS
        /// The stream restarts: the parser forgets the old one before the next byte is
        /// read (RFC 6120 §5.4.3.3, §6.4.6).
        case restartStream
        /// Look up the SCRAM record and pass the answer to `receiveSCRAMRecord`.
        case fetchSCRAMRecord(Username, SCRAMAlgorithm)
        /// Ask the portal about these credentials and pass the answer to `receiveLogin`.
        case checkCredentials(any Credentials)
        /// A SASL attempt failed (for the log); when `delay`, pause before answering, as a
        /// brake on password guessing, and skip the rest if the stream closed meanwhile.
        case authenticationFailed(CredentialError, delay: Bool)
        /// Keep the login the portal just granted: the stream is authenticated.
        case acceptLogin
        /// Log out of the login the portal just granted: it is not used.
        case refuseLogin
        /// In-band registration before authentication (XEP-0077 §3.1): answer this IQ.
        case register(XMLElement)
        /// Open a session for this resource and pass the answer to `receiveBind`.
        case bindResource(iq: XMLElement, resource: String)
        /// Keep the session just opened: the stream is bound.
        case acceptSession
        /// Close the session just opened: the stream closed meanwhile.
        case refuseSession
        /// XEP-0198 §5: resume the session `<resume previd h/>` names instead of binding;
        /// pass the answer to `receiveResume`.
        case resumeSession(XMLElement)
        /// Keep the session just resumed: the stream is bound to it; send `<resumed/>` and
        /// the unacknowledged stanzas.
        case acceptResumption
        /// A nonza of the bound stream for a feature the connection runs: XEP-0198's
        /// `<enable/>`, `<r/>`, `<a/>`; XEP-0352's `<active/>`, `<inactive/>`.
        case nonza(XMLElement)
        /// A stanza of the bound stream, its `from` checked (RFC 6120 §8.1.2.1).
        case stanza(XMLElement)
        /// The peer closed its stream (RFC 6120 §4.4): end the session.
        case endSession
        /// Close the stream: our header first when `openFirst` has its id (§4.9.1.1),
        /// the error if any, the closing tag, then the connection.
        case closeStream(StreamError?, openFirst: String?)
    }

    /// The answer to `.bindResource`.
    public enum BindResult: Sendable {
        /// The session is open under this full JID.
        case bound(JID)
        /// RFC 6120 §7.6.2: the session could not be opened.
        case refused(StanzaError)
    }

    /// The answer to `.resumeSession`.
    public enum ResumeResult: Sendable {
        /// The session is resumed under this full JID; the connection writes `<resumed/>`
        /// and what the client missed itself, in that order (§5).
        case resumed(JID)
        /// XEP-0198 §5: it cannot be; `reply` is the `<failed/>`, and the client may bind.
        case failed(reply: XMLElement)
    }

    /// What the portal granted, for `receiveLogin`.
    public struct Granted: Sendable, Hashable {
        /// The avatar id the checkers agreed on (SCRAM checks it against its record).
        public var avatarID: Username
        /// The account's bare JID (the resource is bound to it).
        public var account: JID

        public init(avatarID: Username, account: JID) {
            self.avatarID = avatarID
            self.account = account.bare
        }
    }
}
