import Synchronization

/// An in-process component's way into the chat service: no socket and no XML, the same
/// `ComponentLink` API an external component uses over XEP-0114. Every call checks that
/// the sender is on the component's domain.
public final class LocalComponentLink: ComponentLink {
    public let service: ChatService
    let route: ComponentRoute
    /// What `post` queued, sent in order by one task at a time.
    private let queue = Mutex(PostQueue())
    /// The most posts waiting; beyond it the newest are dropped (and logged).
    static let maximumWaiting = 100_000

    /// One `post`: traffic, or one message to many addresses.
    private enum Posted: Sendable {
        case traffic(ComponentTraffic)
        case fanOut(Message, [Address])
    }

    private struct PostQueue {
        var items: [Posted] = []
        var draining = false
        var finished = false
    }

    init(service: ChatService, route: ComponentRoute) {
        self.service = service
        self.route = route
    }

    /// Queues `item`; the first post into an idle queue starts the task that drains it.
    private func enqueue(_ item: Posted) {
        let start = queue.withLock { queue -> Bool? in
            guard !queue.finished else { return false }
            guard queue.items.count < Self.maximumWaiting else { return nil }
            queue.items.append(item)
            defer { queue.draining = true }
            return !queue.draining
        }
        switch start {
        case true?: Task { await self.drain() }
        case false?: break
        case nil: service.logger.warning("posted traffic dropped: too much waiting", metadata: ["domain": "\(domain)"])
        }
    }

    /// Sends everything queued, in order. What was posted meanwhile is taken as one batch:
    /// consecutive fan-outs of a batch are delivered together (`ChatService.deliver(_:)`
    /// with a batch), so a subscriber gets a burst of events in one write.
    private func drain() async {
        while true {
            let batch = queue.withLock { queue -> [Posted] in
                let items = queue.items
                queue.items = []
                if items.isEmpty { queue.draining = false }
                return items
            }
            if batch.isEmpty { return }
            var fanOuts: [(Message, [Address])] = []
            for item in batch {
                switch item {
                case .fanOut(var message, let targets):
                    do {
                        try check(message.from.user)
                    } catch {
                        service.logger.debug("posted traffic refused", metadata: ["error": "\(error)"])
                        continue
                    }
                    if message.timestamp == nil { message.timestamp = service.clock() }
                    fanOuts.append((message, targets))
                case .traffic(let traffic):
                    await flush(&fanOuts)
                    do {
                        try await send(traffic)
                    } catch {
                        service.logger.debug("posted traffic refused", metadata: ["error": "\(error)"])
                    }
                }
            }
            await flush(&fanOuts)
        }
    }

    private func flush(_ fanOuts: inout [(Message, [Address])]) async {
        guard !fanOuts.isEmpty else { return }
        await service.deliver(fanOuts)
        fanOuts = []
    }

    /// The component's domain; empty for the remote-domains route.
    public var domain: String { route.domain }

    /// Gives the domain up; events for it then get `notRoutable`.
    public func detach() {
        queue.withLock { $0.finished = true }
        service.detachComponent(route)
    }

    public func post(_ traffic: ComponentTraffic) { enqueue(.traffic(traffic)) }

    public func post(_ message: Message, toEach targets: [Address]) { enqueue(.fanOut(message, targets)) }

    private func check(_ sender: UserID?) throws(DeliveryError) {
        guard let sender, route.accepts(senderDomain: sender.domain, of: service) else {
            throw .invalidSender(sender?.description ?? "a room")
        }
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
