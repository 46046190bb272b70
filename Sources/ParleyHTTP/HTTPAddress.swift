/// Where one HTTP listener binds: a host (a name or an address literal, as the plugins'
/// `http-host` options spell it) and a TCP port (0: the system picks one when it binds).
/// Two plugins naming the same address share one listener.
public struct HTTPAddress: Hashable, Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`, an IPv6 literal in brackets (RFC 3986 §3.2.2).
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
