import Logging
import ParleyCore
import ParleyCred
import ParleyHTTP
import ParleyPubSub
import Synchronization

/// pubsub's HTTP face (docs/pubsub.md, "HTTP face"): what its routes need — the settings,
/// the event streams' hub, the portal for HTTP Basic logins, and the running desk (set
/// once the component runs; requests before that get `503`). Mounted at `/pubsub` on
/// the process's shared HTTP listener.
final class PubSubHTTPFace: Sendable {
    static let prefix = "/pubsub"

    let settings: PubSubHTTPSettings
    let hub: PubSubEventHub
    let portal: Portal<ChatRealm>
    /// The domain of the accounts HTTP Basic logs in (this `parleyd`'s chat domain).
    let accountDomain: String
    /// The service's JID, for Atom ids.
    let serviceDomain: String
    let limits: PubSubLimits
    /// Per-node publishing tokens.
    let tokens: PubSubTokens
    private let current = Mutex<PubSubDesk?>(nil)

    init(
        settings: PubSubHTTPSettings, portal: Portal<ChatRealm>, accountDomain: String, serviceDomain: String,
        limits: PubSubLimits, tokens: PubSubTokens
    ) {
        self.tokens = tokens
        self.settings = settings
        hub = PubSubEventHub(maximumStreams: settings.maximumStreams, bufferedEvents: settings.streamBuffer)
        self.portal = portal
        self.accountDomain = accountDomain
        self.serviceDomain = serviceDomain
        self.limits = limits
    }

    /// The desk requests go to from now on (the component's, on each link).
    func attach(_ desk: PubSubDesk) { current.withLock { $0 = desk } }

    var desk: PubSubDesk? { current.withLock { $0 } }

    /// Mounts the routes at `/pubsub` on `listener`, asking it for `tls` (nil: plain HTTP);
    /// logs "pubsub listening" once bound.
    func mount(on listener: HTTPListener, tls: HTTPTLS?, logger: Logger) throws {
        let host = settings.host
        let scheme = tls == nil ? "http" : "https"
        try listener.mount(
            HTTPMount(
                contributor: "pubsub", prefix: Self.prefix,
                limits: HTTPLimits(maximumConnections: settings.maximumConnections, idleTimeout: 30), tls: tls,
                routes: { group in
                    group.get(":node") { request, context in await self.read(request, context) }
                    group.get(":node/events") { request, context in await self.events(request, context) }
                    group.post(":node") { request, context in await self.publish(request, context) }
                    group.post(":node/token") { request, context in await self.issueToken(request, context) }
                    group.delete(":node/token") { request, context in await self.revokeToken(request, context) }
                },
                bound: { port in
                    logger.notice(
                        "pubsub listening",
                        metadata: [
                            "plugin": "pubsub", "host": "\(host)", "port": "\(port)", "path": "\(Self.prefix)/",
                            "scheme": "\(scheme)",
                        ])
                }))
    }
}
