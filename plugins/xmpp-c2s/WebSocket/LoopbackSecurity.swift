import NIOCore

/// Which clear HTTP/WebSocket connections count as secure, as Prosody's
/// `secure_interfaces` (default: loopback) does: one whose peer AND local address are
/// loopback never left the machine, so it is either a local user or a reverse proxy on the
/// same host that terminated TLS. Such a stream offers what a TLS stream offers (RFC 6120
/// §5.3.1 and §13.8 ask for confidentiality on the wire; there is no wire here). Off with
/// `http-secure-loopback: false`, for a local proxy that forwards clear traffic.
enum LoopbackSecurity {
    /// Whether a connection from `peer` to `local` is treated as secure when `enabled`.
    static func isSecure(local: SocketAddress?, peer: SocketAddress?, enabled: Bool) -> Bool {
        enabled && isLoopback(local) && isLoopback(peer)
    }

    /// RFC 1122 §3.2.1.3 (127.0.0.0/8), RFC 4291 §2.5.3 (::1), and 127.0.0.0/8 mapped
    /// into IPv6 (RFC 4291 §2.5.5.2, `::ffff:127.0.0.1`). A Unix socket or no address: no.
    static func isLoopback(_ address: SocketAddress?) -> Bool {
        switch address {
        case .v4(let v4):
            // `sin_addr` is in network byte order: its first byte in memory is the first octet.
            return withUnsafeBytes(of: v4.address.sin_addr) { $0.first } == 127
        case .v6(let v6):
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            guard bytes.count == 16 else { return false }
            if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
            return bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff && bytes[12] == 127
        default:
            return false
        }
    }
}
