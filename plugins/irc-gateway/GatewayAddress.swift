import ParleyIRC

/// What a JID on the gateway's domain names, in biboumi's addressing, so that users,
/// bookmarks and scripts move over unchanged:
///
/// | JID | names |
/// |---|---|
/// | `#chan%irc.example.net@irc.<domain>` | the channel `#chan` on `irc.example.net` (a MUC room) |
/// | `nick%irc.example.net@irc.<domain>` | the user `nick` there (private messages) |
/// | `irc.example.net@irc.<domain>` | the network (its server messages) |
/// | `irc.<domain>` | the gateway |
///
/// With a fixed network (biboumi's `fixed_irc_server`) the `%network` part is left out:
/// `#chan@irc.<domain>`, `nick@irc.<domain>`.
enum GatewayAddress: Hashable, Sendable {
    case channel(network: String, name: String)
    case person(network: String, nick: String)
    case network(String)
    case gateway

    /// Whether this names a network (whose JID has the network's commands).
    var isNetwork: Bool {
        if case .network = self { return true }
        return false
    }

    /// The channel prefixes recognised in a localpart before the network is known
    /// (RFC 2811 §2.1: `#`, `&`, `+`, `!`).
    static let channelPrefixes: Set<Character> = ["#", "&", "+", "!"]

    /// Parses a localpart (nil: the gateway itself). Returns nil for a name that is not one
    /// of the forms above or whose network is no host name.
    init?(localpart: String?, fixedNetwork: String?) {
        guard let localpart, !localpart.isEmpty else {
            self = .gateway
            return
        }
        let name: Substring
        let network: String
        if let fixedNetwork {
            guard !localpart.contains("%") else { return nil }
            name = Substring(localpart)
            network = fixedNetwork
        } else if let percent = localpart.lastIndex(of: "%") {
            name = localpart[..<percent]
            network = localpart[localpart.index(after: percent)...].lowercased()
            guard !name.isEmpty, IRCHostname.isValid(network) else { return nil }
        } else {
            let host = localpart.lowercased()
            guard IRCHostname.isValid(host) else { return nil }
            self = .network(host)
            return
        }
        guard !name.contains(where: { $0 == " " || $0 == "," || $0.isNewline || $0 == "\u{7}" }) else { return nil }
        if let first = name.first, Self.channelPrefixes.contains(first) {
            guard name.count > 1 else { return nil }
            self = .channel(network: network, name: String(name))
        } else {
            self = .person(network: network, nick: String(name))
        }
    }

    /// The network this address is on, nil for the gateway itself.
    var network: String? {
        switch self {
        case .channel(let network, _), .person(let network, _): network
        case .network(let network): network
        case .gateway: nil
        }
    }

    /// The localpart that names this address (the inverse of `init`).
    func localpart(fixedNetwork: String?) -> String? {
        switch self {
        case .channel(let network, let name), .person(let network, let name):
            fixedNetwork == network ? name : "\(name)%\(network)"
        case .network(let network): network
        case .gateway: nil
        }
    }
}
