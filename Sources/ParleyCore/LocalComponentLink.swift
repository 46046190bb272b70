/// An in-process component's way into the chat service: no socket and no XML, the same
/// `ComponentLink` API an external component uses over XEP-0114. Every call checks that
/// the sender is on the component's domain.
public final class LocalComponentLink: ComponentLink {
    public let service: ChatService
    let route: ComponentRoute
    /// What `post` hands to one task, which sends in order.
    private let posted: AsyncStream<ComponentTraffic>.Continuation

    init(service: ChatService, route: ComponentRoute) {
        self.service = service
        self.route = route
        let (stream, posted) = AsyncStream.makeStream(of: ComponentTraffic.self, bufferingPolicy: .bufferingNewest(100_000))
        self.posted = posted
        Task { [weak self, service] in
            for await traffic in stream {
                guard let self else { return }
                do {
                    try await self.send(traffic)
                } catch {
                    service.logger.debug("posted traffic refused", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    public var domain: String { route.domain }

    /// Gives the domain up; events for it then get `notRoutable`.
    public func detach() {
        posted.finish()
        service.detachComponent(route)
    }

    public func post(_ traffic: ComponentTraffic) { posted.yield(traffic) }

    private func check(_ sender: UserID?) throws(DeliveryError) {
        guard let sender, sender.domain == domain else { throw .invalidSender(sender?.description ?? "a room") }
    }

    nonisolated(nonsending) public func send(_ message: Message) async throws(DeliveryError) {
        try check(message.from.user)
        var message = message
        if message.timestamp == nil { message.timestamp = service.clock() }
        try await service.route(message)
    }

    nonisolated(nonsending) public func send(_ query: Query) async throws(DeliveryError) {
        try check(query.from.user)
        try await service.route(query)
    }

    nonisolated(nonsending) public func sendPresence(_ presence: Presence, from: SessionID, to: Address) async throws(DeliveryError) {
        try check(from.user)
        try await service.routePresence(presence, from: from, to: to)
    }

    public func sendSubscription(_ request: SubscriptionRequest, from: UserID, to: UserID) async throws(DeliveryError) {
        try check(from)
        do {
            try await service.deliverSubscription(request, from: from, to: to)
        } catch let error as DeliveryError {
            throw error
        } catch {
            service.logger.error("contact list update failed", metadata: ["to": "\(to)", "error": "\(error)"])
            throw .recipientUnavailable
        }
    }

    public func probe(_ user: UserID, from: UserID) async throws(DeliveryError) {
        try check(from)
        try await service.answerProbe(of: user, from: from)
    }
}
