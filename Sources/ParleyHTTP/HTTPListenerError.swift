/// Why a plugin's routes could not be mounted, or a shared listener could not run. The
/// descriptions name the address, the path and the plugins, for the operator.
public enum HTTPListenerError: Error, CustomStringConvertible, Equatable {
    /// A path prefix that is not a literal path (`HTTPPathPrefix`).
    case invalidPrefix(String, reason: String)
    /// `prefix` overlaps `existing`, already mounted by `owner` on the same listener.
    case prefixClaimed(prefix: String, existing: String, owner: String, address: HTTPAddress)
    /// `plugin` wants the listener at `address` to serve `asked` (plain HTTP or HTTPS with
    /// its files) where `owner`, mounted first, set it to serve `existing`.
    case tlsDisagreement(plugin: String, asked: String, owner: String, existing: String, address: HTTPAddress)
    /// `plugin` asks for `GET /` on the listener at `address`, which already redirects to
    /// `owner`'s home page.
    case homeClaimed(plugin: String, owner: String, address: HTTPAddress)
    /// Routes mounted after the listener started: every plugin mounts while it is built.
    case alreadyRunning(HTTPAddress)
    /// The server failed (it could not bind its port, most often).
    case failed(address: HTTPAddress, contributors: [String], reason: String)

    public var description: String {
        switch self {
        case .invalidPrefix(let prefix, let reason):
            "the HTTP path prefix '\(prefix)' is not valid: \(reason)"
        case .prefixClaimed(let prefix, let existing, let owner, let address):
            existing == prefix
                ? "the HTTP path \(prefix) on \(address) is already served by \(owner); give one of them another http-port"
                : "the HTTP path \(prefix) on \(address) overlaps \(existing), already served by \(owner); "
                    + "give one of them another http-port"
        case .tlsDisagreement(let plugin, let asked, let owner, let existing, let address):
            "\(plugin) asks for \(asked) on \(address), where \(owner) serves \(existing); "
                + "give both the same TLS settings, or one of them another http-port"
        case .homeClaimed(let plugin, let owner, let address):
            "\(plugin) asks for / on \(address), which already leads to \(owner)'s page; give one of them another http-port"
        case .alreadyRunning(let address):
            "the HTTP listener on \(address) already runs: routes are mounted while the plugins are built"
        case .failed(let address, let contributors, let reason):
            "the HTTP listener on \(address) (\(contributors.joined(separator: ", "))) failed: \(reason)"
        }
    }
}
