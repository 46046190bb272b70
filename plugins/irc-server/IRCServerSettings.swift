import ParleyServerNIO
import ParleyLauncher

/// The settings of one `irc-server` instance, each bounded (see `IRCServerPlugin.options`).
struct IRCServerSettings: Sendable {
    var host = "127.0.0.1"
    /// What a client may leave unread before it is cut off ("Max SendQ exceeded").
    var sendQueue = SendQueueLimit()
    /// Plain-text port (RFC 1459 §1: 6667 by convention); 0 picks a free one.
    var port = 6667
    /// TLS port (RFC 7194: 6697); nil = no TLS listener.
    var tlsPort: Int? = 6697
    /// PEM files; both nil: a self-signed certificate in `storage/tls/`.
    var certificatePath: String?
    var keyPath: String?
    /// The server name in every reply's source; nil = the chat domain.
    var serverName: String?
    /// The ISUPPORT `NETWORK` token.
    var network = "Parley"
    /// A text file whose lines form the MOTD; nil = a short built-in one.
    var motdFile: String?
    /// Whether clients that do not log in may register (as guest users).
    var allowGuests = false
    /// Whether a nick equal to an account's name is reserved to that account.
    var protectAccountNicks = true
    /// RFC 4616 §6: PLAIN over a clear connection only when explicitly allowed.
    var allowPlainWithoutTLS = false
    /// Seconds of client silence before the server sends PING.
    var pingInterval = 120.0
    /// Seconds the server waits for any line after its PING before closing.
    var pingTimeout = 60.0
    /// Seconds from connect to a completed registration.
    var registrationTimeout = 60.0
    /// Open connections accepted at once (more are closed with an ERROR).
    var maxConnections = 10_000
    /// Lines a client may send at once before they are held back.
    var floodBurst = 10
    /// Lines per second a client may send in the long run.
    var floodRate = 2.0
    /// Failed SASL or PASS attempts before the connection is closed.
    var maxAuthFailures = 3
    /// Longest nick (ISUPPORT NICKLEN).
    var nickLength = 30
    /// The server operators' file (`IRCOperators`); nil: no operators.
    var opersFile: String?
    /// IRCv3 utf8-only: refuse lines that are not UTF-8 (FAIL … INVALID_UTF8) instead of
    /// reading them as Latin-1.
    var utf8Only = true
}
