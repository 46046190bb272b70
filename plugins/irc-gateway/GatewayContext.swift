import ParleyCore
import ParleyIRCNIO

/// What every puppet of one gateway shares: where it sends, its domain and addressing,
/// and how it connects to networks.
struct GatewayContext: Sendable {
    let link: any ComponentLink
    let settings: GatewaySettings

    var domain: String { link.domain }

    /// The model user behind a gateway address (`#chan%net@irc.<domain>`).
    func user(_ address: GatewayAddress) -> UserID {
        UserID(localpart: address.localpart(fixedNetwork: settings.fixedNetwork) ?? "", domain: domain)
    }

    /// The occupant `nick` of a channel, as a session of the channel's user.
    func occupant(_ nick: String, of channel: GatewayAddress) -> SessionID {
        SessionID(user: user(channel), resource: nick)
    }
}

/// The gateway's options (docs/irc-gateway.md), as `IRCGatewayPlugin` read them.
struct GatewaySettings: Sendable {
    /// biboumi's `fixed_irc_server`: the one network, addressed without `%network`.
    var fixedNetwork: String?
    /// Plain-text ports and TLS ports (biboumi's `ports` and `tls_ports`); TLS is tried
    /// when there is a TLS port, plain text only when there is none.
    var ports: [Int] = []
    var tlsPorts: [Int] = [6697]
    var tls = IRCClientTLS()
    /// The real name sent in USER.
    var realname = "Parley IRC gateway user"
    /// The client library's settings for what is not per user (rate limit, reconnects).
    var rateLimit = IRCRateLimiter.Settings()
    var reconnectMaximum = 60.0

    /// The IRC client configuration for `nick` of `user` on `network`.
    func clientConfiguration(network: String, nick: String, user: UserID) -> IRCClientConfiguration {
        var configuration = IRCClientConfiguration(host: network, port: tlsPorts.first ?? ports.first ?? 6667, nick: nick)
        configuration.tls = tlsPorts.isEmpty ? nil : tls
        // RFC 2812 §3.1.3: the user name; the account's localpart, made IRC safe.
        let username = String(user.localpart.filter { $0.isLetter || $0.isNumber }.prefix(10))
        configuration.username = username.isEmpty ? "parley" : username
        configuration.realname = realname
        configuration.rateLimit = rateLimit
        configuration.reconnectMaximum = reconnectMaximum
        return configuration
    }
}
