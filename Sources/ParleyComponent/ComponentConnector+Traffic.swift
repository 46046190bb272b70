import NIOCore
import ParleyCore
import ParleyXML
import ParleyXMPP
import ParleyXMPPNIO

/// Stanzas both ways: the `ComponentLink` calls out, the server's stanzas in.
extension ComponentConnector {
    // MARK: ComponentLink (out)

    public func send(_ message: Message) async throws(DeliveryError) { try submit(.message(message)) }

    public func send(_ query: Query) async throws(DeliveryError) { try submit(.query(query)) }

    public func sendPresence(_ presence: Presence, from: SessionID, to: Address) async throws(DeliveryError) {
        try submit(.presence(presence, from: from, to: to))
    }

    public func sendSubscription(_ request: SubscriptionRequest, from: UserID, to: UserID) async throws(DeliveryError) {
        try submit(.subscription(request, from: from, to: to))
    }

    /// On the connector's loop (where the handler's `deliver` runs) the stanza is written at
    /// once, in the same flush as its neighbours; from elsewhere it hops there in order.
    public nonisolated func post(_ traffic: ComponentTraffic) {
        onLoop { $0.submitLogged(traffic) }
    }

    /// Runs `body` on the connector now when called on its loop, else after one hop there
    /// (NIO keeps the order of `execute`d tasks).
    private nonisolated func onLoop(_ body: @escaping @Sendable (isolated ComponentConnector) -> Void) {
        if loop.inEventLoop {
            assumeIsolated { body($0) }
        } else {
            loop.execute { [self] in assumeIsolated { body($0) } }
        }
    }

    /// `XMPPStanzaLink`: a stanza of an XMPP-speaking component, written like traffic.
    public nonisolated func post(_ stanza: XMLElement) {
        onLoop { $0.submitLogged(stanza) }
    }

    private func submitLogged(_ stanza: XMLElement) {
        // XEP-0114 §3: a component only sends from its own domain.
        guard let from = stanza[attribute: "from"].flatMap(JID.init), from.domain == domain else {
            logger.notice("a stanza not from the component's domain was not sent", metadata: ["from": "\(stanza[attribute: "from"] ?? "")"])
            return
        }
        do {
            try enqueue(stanza)
        } catch {
            noteDropped(error)
        }
    }

    private func submitLogged(_ traffic: ComponentTraffic) {
        do {
            try submit(traffic)
        } catch {
            noteDropped(error)
        }
    }

    /// A posted stanza was not sent (the queue was full, the link closing, a sender off
    /// the domain): counted, and logged as a warning the first time and at every power of
    /// ten, so that a congested link is visible without a line per stanza.
    private func noteDropped(_ error: DeliveryError) {
        dropped += 1
        guard SparseLog.isLogged(dropped) else { return }
        logger.warning(
            "stanzas not sent to the server", metadata: ["dropped": "\(dropped)", "limit": "\(settings.queueLimit)", "last": "\(error)"])
    }

    public func probe(_ user: UserID, from: UserID) async throws(DeliveryError) {
        try submit(.probe(from: from, to: user))
    }

    /// Model traffic as a stanza. XEP-0114 §3: every stanza carries a `from` on the
    /// component's domain.
    func submit(_ traffic: ComponentTraffic) throws(DeliveryError) {
        guard let sender = traffic.sender, sender.domain == domain else {
            throw .invalidSender(traffic.sender?.description ?? "a room")
        }
        guard let element = codec.element(for: traffic) else { throw .notRoutable("a room address") }
        try enqueue(element)
    }

    /// Writes `element` now, or queues it (bounded) until the stream is up and the socket
    /// drained.
    private func enqueue(_ element: XMLElement) throws(DeliveryError) {
        guard !stopping else { throw .recipientUnavailable }
        if let channel, state.isAuthenticated, pending.isEmpty, channel.isWritable {
            write(serialize(element, allocator: channel.allocator), to: channel)
            return
        }
        guard pending.count < settings.queueLimit else { throw .recipientUnavailable }
        pending.append(serialize(element, allocator: ByteBufferAllocator()))
        if !congested, pending.count >= settings.congestionMarks.high { setCongested(true) }
    }

    /// `ComponentLink`: observers hear when `pending` passes its high mark and when it is
    /// back at its low mark.
    public nonisolated func onCongestionChange(_ observer: @escaping @Sendable (Bool) -> Void) {
        onLoop { $0.congestionObservers.append(observer) }
    }

    private func setCongested(_ value: Bool) {
        congested = value
        logger.debug("component link congestion", metadata: ["congested": "\(value)", "queued": "\(pending.count)"])
        for observer in congestionObservers { observer(value) }
    }

    private func serialize(_ element: XMLElement, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 256)
        buffer.writeXML(element, inheritedNamespace: XMPPNamespace.component)
        return buffer
    }

    /// Writes queued stanzas, in order, while the stream is up and the socket takes them.
    func drain() {
        guard let channel, state.isAuthenticated else { return }
        while channel.isWritable, let buffer = pending.popFirst() {
            write(buffer, to: channel)
        }
        if congested, pending.count <= settings.congestionMarks.low { setCongested(false) }
    }

    /// Writes `buffer`; one flush per event-loop turn covers every write before it.
    func write(_ buffer: ByteBuffer, to channel: any Channel) {
        lastWrite = .now()
        channel.write(buffer, promise: nil)
        guard !flushScheduled else { return }
        flushScheduled = true
        loop.execute { [self] in
            assumeIsolated { connector in
                connector.flushScheduled = false
                connector.channel?.flush()
            }
        }
    }

    // MARK: The server's stanzas (in)

    /// One stanza from the server: to the handler, or an error reply.
    func deliver(_ stanza: XMLElement) {
        guard stanza.namespace == XMPPNamespace.component else {
            abandon(StreamError(.invalidNamespace, text: "stanzas here are in \(XMPPNamespace.component)"), retry: .backoff)
            return
        }
        if let component = handler as? any XMPPStanzaComponent {
            component.receive(stanza)
            return
        }
        let traffic: ComponentTraffic?
        do {
            traffic = try codec.traffic(from: stanza)
        } catch {
            switch error {
            case .stanza(let error):
                logger.info("component refused a stanza", metadata: ["error": "\(error)", "stanza": "\(stanza.name)"])
                answer(stanza, with: error)
            case .stream(let error):
                abandon(error, retry: .backoff)
            }
            return
        }
        guard let traffic, let handler else { return }
        let (event, to) = traffic.delivery
        guard to.user?.domain == domain else {
            answer(stanza, with: StanzaError(.serviceUnavailable, text: "\(to) is not served by this component"))
            return
        }
        do {
            try handler.deliver(event, to: to)
        } catch {
            // The handler cannot take it now (ComponentHandler.deliver): service-unavailable,
            // for requests only; presence to an unavailable entity is dropped (RFC 6121 §4.6.2).
            if stanza.name != "presence" { answer(stanza, with: StanzaError(.serviceUnavailable)) }
        }
    }

    /// RFC 6120 §8.3.1: the error reply to `stanza`, never to an error, nor to an IQ
    /// result (§8.2.3); our side of it is an address on our domain. A server that floods us
    /// with bad stanzas while not reading our replies gets none: they would pile up unbounded.
    private func answer(_ stanza: XMLElement, with error: StanzaError) {
        let type = stanza[attribute: "type"]
        guard type != "error", !(stanza.name == "iq" && type == "result"), let channel, state.isAuthenticated,
            channel.isWritable
        else { return }
        var reply = error.reply(to: stanza)
        if reply[attribute: "from"].flatMap(JID.init).map({ $0.domain == domain }) != true {
            reply[attribute: "from"] = domain
        }
        guard let to = reply[attribute: "to"], JID(to) != nil else { return }  // nobody to answer
        write(serialize(reply, allocator: channel.allocator), to: channel)
    }
}
