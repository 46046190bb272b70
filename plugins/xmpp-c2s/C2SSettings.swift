import Foundation
import ParleyLauncher
import ParleyServerNIO
import ParleyXML
import ParleyXMPP

/// The settings of one `xmpp-c2s` listener, each bounded (see `XMPPC2SPlugin.options`).
struct C2SSettings: Sendable {
    var host = "127.0.0.1"
    var port = 5222
    /// XEP-0368: a second port where TLS starts with the first byte; -1: none.
    var directTLSPort = -1
    /// RFC 7395 WebSocket (and XEP-0156 host-meta) on the shared HTTP listener at this
    /// address; port -1: none.
    var httpHost = "127.0.0.1"
    var httpPort = -1
    /// A second HTTP listener over TLS with the same endpoints; -1: none.
    var httpsPort = -1
    /// Where clients reach the web endpoints through a proxy, for host-meta; nil: the
    /// request's own `Host`.
    var httpPublicURL: URL?
    /// That listener serves HTTPS (`wss:`) with the STARTTLS certificate; then PLAIN and
    /// SCRAM are offered over WebSocket as over a TLS stream.
    var httpTLS = false
    /// Browser origins allowed to open the WebSocket (`scheme://host[:port]`, `*`); empty:
    /// the same origin only. Clients that send no `Origin` are not browsers and always may.
    var httpAllowedOrigins: [String] = []
    /// XEP-0124/XEP-0206 BOSH at `/http-bind` on the same listener: the longest `wait` granted
    /// (seconds), the inactivity after which a session ends (seconds), and the most sessions at once.
    var boshMaxWait = 60
    var boshInactivity = 60
    var boshMaxSessions = 1024
    /// A clear WebSocket whose peer and local address are loopback counts as secure
    /// (Prosody's `secure_interfaces`; `LoopbackSecurity`).
    var httpSecureLoopback = true
    /// The browser chat page at `/chat` on that listener.
    var httpChatPage = true
    /// A folder whose `index.html`, `chat.css` and `chat.js` replace the built-in page; nil:
    /// the built-in one.
    var httpChatPageDirectory: String?
    /// PEM files; both nil: a self-signed certificate in `storage/tls/`.
    var certificatePath: String?
    var keyPath: String?
    /// RFC 6120 §5.3.1: TLS is mandatory-to-negotiate before SASL.
    var requireTLS = true
    /// RFC 4616 §6 / RFC 6120 §13.8: PLAIN over a clear transport only when explicitly allowed.
    var allowPlainWithoutTLS = false
    /// XEP-0077 in-band registration.
    var registration = true
    /// RFC 6120 §13.12: the largest stanza accepted; larger ones are a policy violation.
    var maxStanzaBytes = 262_144
    /// The parser's bounds for a client's stanzas: the defaults with `maxStanzaBytes`.
    var xmlLimits: XMLLimits {
        var limits = XMLLimits.default
        limits.maxStanzaBytes = maxStanzaBytes
        return limits
    }
    /// Seconds a connection may take from connect to a bound resource.
    var negotiationTimeout = 30.0
    /// Seconds without any byte from the client before `connection-timeout`.
    var idleTimeout = 600.0
    /// Seconds without any byte to the client before a whitespace keepalive (RFC 6120 §4.6.1).
    var keepaliveInterval = 60.0
    /// Seconds the server waits before answering a failed authentication (against guessing).
    var authFailureDelay = 1.0
    /// Failed authentications after which the stream is closed.
    var maxAuthFailures = 3
    /// Messages kept per offline user (RFC 6121 §8.5.2.2: offline storage).
    var offlineLimit = 100
    /// The domain under which rooms appear to XMPP clients (XEP-0045 room JIDs
    /// `room@domain/nick`); nil: `conference.` and the served domain.
    var roomsDomain: String?
    /// XEP-0163 personal eventing on every account, stored in `storage/pep/`.
    var pep = true
    /// XEP-0215: the STUN and TURN services announced, and the secret TURN credentials are
    /// made from (nil: none), valid this many seconds.
    var externalServices: [ExternalService] = []
    var turnSecret: String?
    var turnCredentialLifetime = 86_400.0
    /// XEP-0363 file upload on the HTTP listeners: on or off, largest file, bytes kept per
    /// account, and days a file is kept.
    var upload = true
    var uploadMaxFileBytes = 10 << 20
    var uploadQuotaBytes = 100 << 20
    var uploadExpiryDays = 7
    /// Largest vCard (XEP-0054), and largest element of private storage (XEP-0049), in bytes.
    var vcardMaxBytes = 131_072
    /// XEP-0313 archives of every account's one-to-one messages in `storage/user-archive/`.
    var archive = true
    /// Most messages kept in one account's archive; older ones are deleted.
    var archiveMaxMessages = 10_000
    /// Seconds a message stays in an account's archive; nil keeps it until the count limit.
    var archiveMaxAge: TimeInterval?
    /// Stanzas queued for one connection before the server stops reading from it.
    var inboundQueueLimit = 64
    /// XEP-0198: seconds a session whose client vanished waits for a resumption; 0 offers
    /// acknowledgements only.
    var resumeTimeout = 300
    /// XEP-0198: most stanzas kept for a session waiting for a resumption.
    var maxUnacknowledged = 1_000
    /// What a client may leave unread before it is cut off (`policy-violation`).
    var sendQueue = SendQueueLimit()
}
