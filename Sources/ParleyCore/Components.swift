/// A service on a domain of its own (`echo.example.com`, `conference.example.com`): the
/// receiving side of a component, in model terms. The service hands it every event
/// addressed to its domain, together with the address on that domain it was sent to.
///
/// Like `SessionMind.deliver`, `deliver` is called on the executor of a user or a room and
/// must not block; throwing tells the sender the component cannot take it now (XMPP
/// service-unavailable).
public protocol ComponentHandler: AnyObject, Sendable {
    /// The protocol the component speaks, to choose payload forms (`TranslationTable`).
    var protocolFamily: ProtocolFamily { get }
    /// Hands one event, sent to `to` on the component's domain, to the component.
    func deliver(_ event: ChatEvent, to: Address) throws
    /// The link is up: once in process; over XEP-0114 after every successful handshake,
    /// so a component can re-announce its presence and probe the users it follows.
    func linkEstablished() async
    /// The component is stopping (graceful shutdown), its link still up: time to say
    /// goodbye to what it holds (a gateway's QUIT to its IRC networks). Bounded by the host.
    func stopping() async
}

extension ComponentHandler {
    public func linkEstablished() async {}
    public func stopping() async {}
}

/// The sending side of a component: what an echo bot, a web-presence service, a MUC
/// service or a gateway calls to act. Two implementations share this API: the in-process
/// `LocalComponentLink` from `ChatService.attachComponent`, and the XEP-0114 component
/// client that carries the same calls over a socket to a router it does not control.
///
/// Every call's sender must be on one of the component's domains (`DeliveryError.invalidSender`
/// otherwise): a component cannot forge a user.
public protocol ComponentLink: Sendable {
    /// The component's domain, the domain of every address it sends from.
    var domain: String { get }
    /// Sends a message from an address on the component's domain.
    nonisolated(nonsending) func send(_ message: Message) async throws(DeliveryError)
    /// Sends a request or answer to one session (an XMPP IQ to a full JID).
    nonisolated(nonsending) func send(_ query: Query) async throws(DeliveryError)
    /// Sends presence from `from` to a user's available sessions or to one session.
    nonisolated(nonsending) func sendPresence(_ presence: Presence, from: SessionID, to: Address) async throws(DeliveryError)
    /// Asks for, grants, cancels or refuses a presence subscription (RFC 6121 §3).
    func sendSubscription(_ request: SubscriptionRequest, from: UserID, to: UserID) async throws(DeliveryError)
    /// Asks for the current presence of `user`, which answers only if `from` is
    /// subscribed to it (RFC 6121 §4.3).
    func probe(_ user: UserID, from: UserID) async throws(DeliveryError)
    /// Sends without waiting, in order with every other `post`: what a handler calls from
    /// inside `deliver`, which must not wait. A failure is logged, not thrown.
    func post(_ traffic: ComponentTraffic)
    /// Posts `message` to each of `targets` (its `to` set to each), in order with every
    /// other `post`: one event to many subscribers. In process it is delivered in one pass
    /// (`ChatService.deliver(_:toEach:)`); the default posts one message per target.
    func post(_ message: Message, toEach targets: [Address])
    /// Registers `observer`, called with true when posted traffic has started to pile up
    /// (the server reads slower than the component posts) and with false once it has
    /// drained: a component that relays from elsewhere (a gateway) pauses its reading in
    /// between instead of overrunning the link's bounded queue. Links that never pile up
    /// never call it.
    func onCongestionChange(_ observer: @escaping @Sendable (_ congested: Bool) -> Void)
}

extension ComponentLink {
    public func onCongestionChange(_ observer: @escaping @Sendable (_ congested: Bool) -> Void) {}

    public func post(_ message: Message, toEach targets: [Address]) {
        for target in targets {
            var copy = message
            copy.to = target
            post(.message(copy))
        }
    }
}

/// Why a component could not be attached to a domain.
public enum ComponentAttachError: Error, Sendable, Equatable {
    /// Another component holds the domain (XMPP conflict): the first one keeps it.
    case domainTaken(String)
    /// The domain is the chat service's own.
    case reservedDomain(String)
}

/// One attached component in the service's route table: a component's own domain, or
/// the route for every remote domain (server-to-server federation).
final class ComponentRoute: Sendable {
    /// The component's domain; empty for the remote-domains route.
    let domain: String
    let handler: any ComponentHandler

    init(domain: String, handler: any ComponentHandler) {
        self.domain = domain
        self.handler = handler
    }

    /// Whether this is the route of every domain served neither here nor by a component.
    var isRemoteDomains: Bool { domain.isEmpty }

    /// Whether traffic through this route may come from `senderDomain`: a component sends
    /// from its own domain; the remote route from any domain that is neither the service's
    /// nor a component's (the federation adapter checks each stream's authenticated domains).
    func accepts(senderDomain: String, of service: ChatService) -> Bool {
        guard isRemoteDomains else { return senderDomain == domain }
        return !senderDomain.isEmpty && senderDomain != service.domain && !service.hasComponent(for: senderDomain)
    }

    /// Hands `event` to the component; false when it refused.
    func deliver(_ event: ChatEvent, to address: Address) -> Bool {
        (try? deliverOrThrow(event, to: address)) != nil
    }

    /// Hands `event` to the component, passing on why it refused: its own `DeliveryError`
    /// (federation's `notRoutable` for a denied domain), else `recipientUnavailable`.
    func deliverOrThrow(_ event: ChatEvent, to address: Address) throws(DeliveryError) {
        do {
            try handler.deliver(event, to: address)
        } catch let error as DeliveryError {
            throw error
        } catch {
            throw .recipientUnavailable
        }
    }
}

extension ChatService {
    /// Attaches `handler` as the component serving `domain`; what it sends goes through the
    /// returned link. A domain already attached is refused: the first component keeps it.
    public func attachComponent(domain: String, handler: any ComponentHandler) throws(ComponentAttachError)
        -> LocalComponentLink
    {
        let domain = Normalization.foldedNFC(domain)
        guard domain != self.domain else { throw .reservedDomain(domain) }
        let route = ComponentRoute(domain: domain, handler: handler)
        let (attached, created) = components.value(for: domain) { route }
        guard created, attached === route else { throw .domainTaken(domain) }
        logger.info("component attached", metadata: ["domain": "\(domain)"])
        return LocalComponentLink(service: self, route: route)
    }

    /// Whether a component serves `domain` now.
    public func hasComponent(for domain: String) -> Bool { components[domain] != nil }

    /// The handler attached to `domain` (already normalized, as in a parsed JID): an adapter
    /// hands an in-process service of its own protocol (the MUC service) its clients'
    /// stanzas directly, with their sessions, instead of as model traffic.
    public func componentHandler(for domain: String) -> (any ComponentHandler)? { components[domain]?.handler }

    /// The domains with an attached component.
    public var componentDomains: [String] { components.allValues.map(\.domain).sorted() }

    func detachComponent(_ route: ComponentRoute) {
        if route.isRemoteDomains {
            remoteDomains.withLock { if $0 === route { $0 = nil } }
            logger.info("remote domains detached")
            return
        }
        components.remove(route.domain, ifIdenticalTo: route)
        logger.info("component detached", metadata: ["domain": "\(route.domain)"])
    }

    /// Attaches `handler` as the route of every domain that is neither this service's nor a
    /// component's: what server-to-server federation (`xmpp-s2s`) serves. Traffic through the
    /// returned link may come from any such domain. One handler at a time.
    public func attachRemoteDomains(handler: any ComponentHandler) throws(ComponentAttachError) -> LocalComponentLink {
        let route = ComponentRoute(domain: "", handler: handler)
        let attached = remoteDomains.withLock { current -> Bool in
            guard current == nil else { return false }
            current = route
            return true
        }
        guard attached else { throw .domainTaken("*") }
        logger.info("remote domains attached")
        return LocalComponentLink(service: self, route: route)
    }

    /// Whether remote domains are routed (federation is on).
    public var routesRemoteDomains: Bool { remoteDomains.withLock { $0 != nil } }

    /// Routes `event` to the component serving the domain of `address`, or to the remote
    /// route for any other domain: nil when none serves it, false when it refused.
    func routeToComponent(_ event: ChatEvent, to address: Address) -> Bool? {
        componentRoute(for: address)?.deliver(event, to: address)
    }

    /// The route of the domain of `address`: its component's, or the remote route.
    func componentRoute(for address: Address) -> ComponentRoute? {
        guard let domain = address.user?.domain, domain != self.domain else { return nil }
        return components[domain] ?? remoteDomains.withLock { $0 }
    }
}
