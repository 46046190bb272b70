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
    /// Seconds a channel every resource has left stays joined before PART (a client that
    /// reconnects within it causes no PART and JOIN); 0: at once.
    var idleTimeout = 60
    /// Whether a channel stays joined when every resource has left, unless the user's
    /// channel setting says otherwise (biboumi's `persistent_by_default`).
    var persistentByDefault = false
    /// The messages kept per channel for the history on entry.
    var historyLength = 20
    /// The networks users may reach (lower-case hosts); empty: any.
    var allowedNetworks: Set<String> = []
    /// How many networks one user may be connected to at once.
    var maximumNetworksPerUser = 10
    /// How many channels one user may be in on one network.
    var maximumChannelsPerNetwork = 100

    /// One way to reach a network: a port, with TLS or not.
    struct Endpoint: Equatable, Sendable {
        let port: Int
        let tls: Bool
    }

    /// Where to connect, in order: the TLS ports, then the plain-text ones (biboumi's
    /// order). The gateway's options give plain ports only without TLS ports; a user who
    /// configures plain ports gets them after the TLS ones (a fallback they chose).
    func endpoints(_ user: NetworkSettings) -> [Endpoint] {
        let tls = user.tlsPorts ?? tlsPorts
        let plain = user.ports ?? (tlsPorts.isEmpty ? ports : [])
        return tls.map { Endpoint(port: $0, tls: true) } + plain.map { Endpoint(port: $0, tls: false) }
    }

    /// The IRC client configuration for `user` on `network` at `endpoint`, asking for
    /// `nick` unless the user configured one.
    func clientConfiguration(
        network: String, endpoint: Endpoint, nick: String, user: UserID, settings: NetworkSettings
    ) -> IRCClientConfiguration {
        var configuration = IRCClientConfiguration(host: network, port: endpoint.port, nick: settings.nick ?? nick)
        if endpoint.tls {
            var tls = self.tls
            if settings.verifyCertificate == false { tls.verification = .none }
            configuration.tls = tls
        }
        // RFC 2812 §3.1.3: the user name; configured, else the account's localpart made IRC safe.
        let fallback = String(user.localpart.filter { $0.isLetter || $0.isNumber }.prefix(10))
        configuration.username = settings.username ?? (fallback.isEmpty ? "parley" : fallback)
        configuration.realname = settings.realname ?? realname
        configuration.password = settings.password
        if let password = settings.saslPassword {
            configuration.sasl = .init(account: settings.username ?? settings.nick ?? nick, password: password)
        }
        if let encoding = settings.encodingIn { configuration.encodingFallback = encoding }
        if let limit = settings.throttleLimit {
            // biboumi's throttle_limit: a negative value turns throttling off (no wait at all).
            configuration.rateLimit = IRCRateLimiter.Settings(burst: max(1, limit), interval: limit < 0 ? 0 : 1)
        } else {
            configuration.rateLimit = rateLimit
        }
        configuration.reconnectMaximum = reconnectMaximum
        return configuration
    }
}
