import Logging
import ParleyServerNIO
import ParleyCore
import ParleyPubSub
import ParleyPubSubStore
import ParleyXML
import ParleyXMPP

/// The component's serial worker, the thin shell around `PubSubService`: reads a request,
/// fetches the contact lists its access check needs, runs the state machine, writes what
/// changed (undoing the change when the write fails), then answers and sends the
/// notifications (XEP-0060 §4.3) with `link.post`, in that order; the HTTP face's event
/// streams (`feed`) hear of a publish, retraction, purge or deletion after that. The HTTP
/// face's reads and publishes run here too (`PubSubDesk+HTTP.swift`).
actor PubSubDesk {
    var service: PubSubService
    private let store: PubSubStore
    let contacts: PubSubContacts
    private let link: any ComponentLink
    private let logger: Logger
    private let feed: PubSubEventHub?
    private let codec = XMPPExtensionCodec()

    /// Told when a write released its buffers (a node's file holds every subscription).
    private let memory: MemoryReturn?

    init(
        service: PubSubService, store: PubSubStore, contacts: PubSubContacts, link: any ComponentLink, logger: Logger,
        memory: MemoryReturn? = nil, feed: PubSubEventHub? = nil
    ) {
        self.memory = memory
        self.service = service
        self.store = store
        self.contacts = contacts
        self.link = link
        self.logger = logger
        self.feed = feed
    }

    /// The service's own address (its bare domain).
    private var me: UserID { UserID(localpart: "", domain: link.domain) }

    func handle(_ work: PubSubComponent.Work) async {
        switch work {
        case .query(let query): await answer(query)
        case .message(let message): await authorization(message)
        }
    }

    // MARK: IQs

    private func answer(_ query: Query) async {
        let requester: JID
        switch query.from {
        case .session(let session): requester = JID(session)
        case .user(let user): requester = JID(user)
        case .room, .occupant: return  // rooms send no IQs to components
        }
        let result = await result(of: query, from: requester)
        let payloads: [ExtensionPayload]
        let kind: Query.Kind
        switch result {
        case .success(let payload):
            kind = .result
            payloads = payload.map { [codec.payload(for: $0)] } ?? []
        case .failure(let error):
            kind = .error
            payloads = [codec.payload(for: error.element())]
        }
        link.post(.query(Query(id: query.id, kind: kind, from: .user(query.to.user), to: requesterSession(requester),
            payloads: payloads)))
    }

    /// What answers `query`; notifications leave after the answer.
    private func result(of query: Query, from requester: JID) async -> Result<XMLElement?, PubSubError> {
        // The service's domain answers; no entity lives on it (RFC 6120 §8.5.1 style).
        guard query.to.user.localpart.isEmpty else { return .failure(PubSubError(.serviceUnavailable)) }
        // RFC 6120 §8.2.3: a get or set has exactly one child.
        guard query.payloads.count == 1, let child = query.payloads[0].native?.value as? XMLElement else {
            return .failure(PubSubError(.badRequest, text: "a get or set iq has exactly one child element"))
        }
        let request: PubSubRequest
        do {
            request = try PubSubRequest.parse(child, isSet: query.kind == .set)
        } catch {
            return .failure(error)
        }
        return await perform(request, from: requester)
    }

    /// Runs `request` from `requester` (an IQ's, or an HTTP POST's): the access facts, the
    /// state machine, the store, then the notifications and the event streams.
    func perform(_ request: PubSubRequest, from requester: JID) async -> Result<XMLElement?, PubSubError> {
        let facts = await contacts.facts(for: service.ownersNeedingFacts(for: request))
        let before = request.node.map { service.nodes[$0] }
        let outcome = service.handle(request, from: requester, facts: facts)
        guard commit(outcome, undo: request.node, before: before ?? nil) else {
            return .failure(PubSubError(.internalServerError, text: "the service could not store this change"))
        }
        send(outcome.notifications)
        if let feed, case .success(let result) = outcome.result,
            let (node, events) = PubSubFeedEvent.of(request, result: result, requester: requester, nodes: service.nodes)
        {
            for event in events { feed.send(event, node: node) }
        }
        return outcome.result
    }

    /// Writes `outcome`'s changes; when that fails, puts the node back as it was and logs.
    private func commit(_ outcome: PubSubOutcome, undo named: String?, before: PubSubNode?) -> Bool {
        guard !outcome.changes.isEmpty else { return true }
        do {
            try store.apply(outcome.changes, from: service)
            memory?.noteRelease()
            return true
        } catch {
            logger.error("pubsub cannot write its storage", metadata: ["path": "\(store.directory)", "error": "\(error)"])
            for id in Set(outcome.changes.map(\.node)) { service.restore(id, to: id == named ? before : nil) }
            return false
        }
    }

    // MARK: Messages

    /// §8.6: an owner answers a pending subscription's authorization form. A stale or
    /// forged answer changes nothing; it came in a message, so nothing is answered.
    private func authorization(_ message: Message) async {
        guard case .session(let session) = message.from else { return }
        let owner = JID(session)
        for payload in message.payloads {
            guard let element = payload.native?.value as? XMLElement,
                element.name == "x", element.namespace == XMPPNamespace.dataForms,
                let form = try? DataForm(element: element),
                form.formType == PubSubNamespace.subscribeAuthorization
            else { continue }
            let named = form.value(of: "pubsub#node")
            let before = named.flatMap { service.nodes[$0] }
            let outcome = service.authorize(form, from: owner)
            if let error = outcome.error {
                logger.debug("pubsub authorization ignored", metadata: ["from": "\(owner)", "error": "\(error)"])
            } else if commit(outcome, undo: named, before: before) {
                send(outcome.notifications)
            }
        }
    }

    // MARK: Sending

    /// §4.3: each notification in a message from the service, of the node's
    /// `notification_type` (forms and subscription changes: `normal`). The subscribers of
    /// one event share one message, fanned out in one pass (`post(_:toEach:)`).
    private func send(_ notifications: [PubSubNotification]) {
        var index = notifications.startIndex
        while index < notifications.endIndex {
            let first = notifications[index]
            var targets: [Address] = []
            // Copies of one event compare equal at once (their storage is shared).
            while index < notifications.endIndex, notifications[index].type == first.type,
                notifications[index].delay == first.delay, notifications[index].payload == first.payload
            {
                let to = notifications[index].to
                targets.append(to.sessionID.map { .session($0) } ?? .user(to.userID))
                index += 1
            }
            let kind: Message.Kind = first.type == .headline ? .headline : .normal
            // §6.1.7: an item sent after the fact says when it was published (XEP-0203).
            let delay = first.delay.map { [ExtensionPayload(meaning: .timestamp($0))] } ?? []
            let message = Message(
                kind: kind, from: .user(me), to: .user(me), payloads: [codec.payload(for: first.payload)] + delay)
            if targets.count == 1 {
                var single = message
                single.to = targets[0]
                link.post(.message(single))
            } else {
                link.post(message, toEach: targets)
            }
        }
    }

    private func requesterSession(_ jid: JID) -> SessionID {
        jid.sessionID ?? SessionID(user: jid.userID, resource: "")
    }
}
