import ParleyIRC

/// Everything an `IRCClient` needs to know about one network: where it is, who we are
/// there, what to negotiate, how fast to talk and how to decode what it says.
public struct IRCClientConfiguration: Sendable {
    /// SASL PLAIN credentials (IRCv3 sasl-3.1, RFC 4616).
    public struct SASL: Sendable, Hashable {
        public var account: String
        public var password: String
        /// When true, a failed authentication closes the connection instead of going on
        /// unauthenticated.
        public var required: Bool

        public init(account: String, password: String, required: Bool = false) {
            self.account = account
            self.password = password
            self.required = required
        }
    }

    /// The capabilities Parley's client asks for when the server offers them.
    public static let defaultCapabilities: Set<String> = [
        "sasl", "message-tags", "server-time", "echo-message", "away-notify", "account-notify", "multi-prefix",
        "batch", "userhost-in-names", "invite-notify", IRCMultiline.capability, IRCChatHistory.capability,
    ]

    /// Host name or address of the server.
    public var host: String
    /// TCP port (6667 plain, 6697 TLS by convention).
    public var port: Int
    /// TLS settings, or nil for a plain connection.
    public var tls: IRCClientTLS?
    /// The nick we ask for; the fallback nicks derive from it.
    public var nick: String
    /// The user name sent in USER.
    public var username: String
    /// The real name sent in USER.
    public var realname: String
    /// The connection password sent with PASS before NICK, if any (RFC 2812 §3.1.1).
    public var password: String?
    /// SASL PLAIN credentials, if any; `sasl` is only requested when these are set.
    public var sasl: SASL?
    /// Capabilities to request when offered (`sasl` also needs `sasl` credentials).
    public var capabilities: Set<String>
    /// How many alternative nicks to try after 433/432/436 during registration.
    public var nickAttempts: Int
    /// The nick length assumed before the server's ISUPPORT says (RFC 1459 says 9; most
    /// modern servers allow 30 or more).
    public var assumedNickLength: Int
    /// Channels to join once registered (name → key).
    public var channels: [String: String?]
    /// The charset used for lines that are not valid UTF-8.
    public var encodingFallback: IRCTextDecoding.Fallback
    /// The outgoing rate limit.
    public var rateLimit: IRCRateLimiter.Settings
    /// The first reconnect wait in seconds.
    public var reconnectInitial: Double
    /// The longest reconnect wait in seconds.
    public var reconnectMaximum: Double
    /// Whether a lost connection is re-established at all.
    public var reconnects: Bool
    /// How long to wait for the TCP (and TLS) connection, in seconds.
    public var connectTimeout: Double

    public init(
        host: String, port: Int = 6667, tls: IRCClientTLS? = nil, nick: String, username: String? = nil,
        realname: String? = nil, password: String? = nil, sasl: SASL? = nil,
        capabilities: Set<String> = IRCClientConfiguration.defaultCapabilities, nickAttempts: Int = 5,
        assumedNickLength: Int = 30, channels: [String: String?] = [:],
        encodingFallback: IRCTextDecoding.Fallback = .latin1, rateLimit: IRCRateLimiter.Settings = .init(),
        reconnectInitial: Double = 1, reconnectMaximum: Double = 60, reconnects: Bool = true, connectTimeout: Double = 10
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.nick = nick
        self.username = username ?? nick
        self.realname = realname ?? nick
        self.password = password
        self.sasl = sasl
        self.capabilities = capabilities
        self.nickAttempts = nickAttempts
        self.assumedNickLength = assumedNickLength
        self.channels = channels
        self.encodingFallback = encodingFallback
        self.rateLimit = rateLimit
        self.reconnectInitial = reconnectInitial
        self.reconnectMaximum = reconnectMaximum
        self.reconnects = reconnects
        self.connectTimeout = connectTimeout
    }
}

/// TLS for an IRC client connection.
public struct IRCClientTLS: Sendable, Hashable {
    /// How the server's certificate is checked.
    public enum Verification: Sendable, Hashable {
        /// Against the system's trust roots, with the host name.
        case system
        /// Against the certificates in this PEM file (a private CA or a self-signed
        /// server certificate), with the host name.
        case caFile(String)
        /// Not at all: only when explicitly asked (test networks, pinned elsewhere).
        case none
    }

    public var verification: Verification
    /// The SNI and verification name; the configured host when nil (unless it is an address).
    public var serverName: String?

    public init(verification: Verification = .system, serverName: String? = nil) {
        self.verification = verification
        self.serverName = serverName
    }
}
