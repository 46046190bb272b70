import Foundation

/// The settings of `xmpp-s2s`, each bounded (see `XMPPS2SPlugin.options`).
struct S2SSettings: Sendable {
    var host = "127.0.0.1"
    /// RFC 6120 §14.7: the IANA port of server-to-server streams.
    var port = 5269
    /// XEP-0368: a port where streams are TLS from the first byte; -1: none.
    var directTLSPort = -1
    /// PEM certificate chain and key; nil: a self-signed one for the domain in storage/tls/.
    var certificatePath: String?
    var keyPath: String?
    /// PEM trust roots for remote servers' certificates; nil: the system's bundle.
    var caFile: String?
    /// RFC 6120 §5.3.1: TLS before authentication and stanzas, both ways.
    var requireTLS = true
    /// Refuse remote servers whose certificate does not verify (no dialback on top of an
    /// unauthenticated TLS channel), like Prosody's `s2s_secure_auth`.
    var requireValidCertificate = false
    /// Offer and use Server Dialback (XEP-0220) where SASL EXTERNAL is not possible.
    var dialback = true
    /// Static routes: domain → host and port, before any DNS look-up.
    var hosts = S2SStaticHosts()
    /// Domains allowed to federate; empty: every domain not denied.
    var allowedDomains: Set<String> = []
    var deniedDomains: Set<String> = []
    /// Seconds to open a TCP connection to one address.
    var connectTimeout = 10.0
    /// Seconds from connect to an authenticated stream, either way.
    var negotiationTimeout = 30.0
    /// Seconds a stream may carry no stanza before it is closed.
    var idleTimeout = 600.0
    /// Stanzas waiting for a remote domain while its connection is set up; beyond it new
    /// ones are bounced with resource-constraint.
    var queueLimit = 1000
    /// Bytes written to a remote server and not taken by its socket; beyond it the server
    /// is cut off (it does not read) and what waits is bounced.
    var sendQueueLimitBytes = 4 << 20
    /// RFC 6120 §13.12: the largest stanza accepted.
    var maxStanzaBytes = 262_144
    /// Stanzas a second one incoming stream may send (token bucket, one second's burst);
    /// above it: policy-violation.
    var maxStanzasPerSecond = 50_000
    /// Stanzas from one stream waiting for the chat model before reading pauses.
    var inboundQueueLimit = 64
    /// Incoming streams open at once.
    var maxIncomingStreams = 1000
    /// Sessions one remote domain's users may hold in this process's rooms.
    var roomSessionsPerDomain = 500
    /// Outgoing streams (pairs of domains) at once, set up or being set up.
    var maxOutgoingStreams = 1000
    /// Seconds of silence before a whitespace keepalive (RFC 6120 §4.6.1).
    var keepaliveInterval = 60.0

    /// Whether `domain` may federate with us.
    func admits(_ domain: String) -> Bool {
        if deniedDomains.contains(domain) { return false }
        return allowedDomains.isEmpty || allowedDomains.contains(domain)
    }
}

/// The `hosts` option: where a remote domain's server is, without DNS
/// (`example.org=10.0.0.5:5269,other.example=[::1]:5270`).
struct S2SStaticHosts: Sendable, Equatable {
    struct Target: Sendable, Equatable {
        var host: String
        var port: Int
        /// `xmpps://host:port`: TLS from the first byte (XEP-0368).
        var directTLS = false
    }

    private(set) var targets: [String: Target] = [:]

    init() {}

    /// Parses `domain=host:port` entries separated by commas; the port defaults to 5269;
    /// `domain=xmpps://host:port` connects with direct TLS (XEP-0368).
    init(parsing text: String) throws(S2SOptionError) {
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw S2SOptionError("'\(entry)': expected domain=host[:port]")
            }
            let domain = parts[0].lowercased()
            var host = parts[1]
            let directTLS = host.hasPrefix("xmpps://")
            if directTLS { host.removeFirst("xmpps://".count) }
            var port = 5269
            if host.hasPrefix("[") {
                guard let close = host.firstIndex(of: "]") else { throw S2SOptionError("'\(entry)': unclosed [") }
                let rest = host[host.index(after: close)...]
                if rest.hasPrefix(":") {
                    guard let number = Int(rest.dropFirst()), (1...65535).contains(number) else {
                        throw S2SOptionError("'\(entry)': bad port")
                    }
                    port = number
                }
                host = String(host[host.index(after: host.startIndex)..<close])
            } else if let colon = host.lastIndex(of: ":") {
                guard let number = Int(host[host.index(after: colon)...]), (1...65535).contains(number) else {
                    throw S2SOptionError("'\(entry)': bad port")
                }
                port = number
                host = String(host[..<colon])
            }
            guard !host.isEmpty else { throw S2SOptionError("'\(entry)': no host") }
            targets[domain] = Target(host: host, port: port, directTLS: directTLS)
        }
    }

    subscript(domain: String) -> Target? { targets[domain] }
}

/// A bad `xmpp-s2s` option value.
struct S2SOptionError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
