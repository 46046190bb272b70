import ParleyCore
import ParleyXML
import ParleyXMPP

/// IQ handling: one answer per get or set (RFC 6120 §8.2.3), dispatched by the namespace
/// of the one child, in the manner of the c2s IQ handlers.
extension WebStatusDesk {
    /// What answers a request: a result with an optional payload, or a stanza error.
    enum Reply {
        case result(XMLElement?)
        case error(StanzaError)
        /// A `set` in a namespace that defines only `get` (as c2s answers it).
        static let getOnly = Reply.error(StanzaError(.featureNotImplemented, text: "only get is defined here"))
    }

    /// The name the component gives itself in disco#info.
    static let identity = DiscoInfo.Identity(category: "component", type: "presence", name: "Web presence")
    /// XEP-0030 §3.1 features, each listed once.
    static let features = [XMPPNamespace.discoInfo, XMPPNamespace.discoItems, XMPPNamespace.register]

    func answer(_ query: Query) async {
        guard query.kind.isRequest else { return }
        let requester: SessionID
        switch query.from {
        case .session(let session): requester = session
        case .user(let user): requester = SessionID(user: user, resource: "")
        case .room, .occupant: return  // rooms send no IQs to components
        }
        var followUp: [ComponentTraffic] = []
        let reply = await reply(to: query, from: requester, then: &followUp)
        let answer: Query
        switch reply {
        case .result(let payload):
            answer = Query(
                id: query.id, kind: .result, from: .user(query.to.user), to: requester,
                payloads: payload.map { [codec.payload(for: $0)] } ?? [])
        case .error(let error):
            // The error child in the model's XMPP form (`jabber:client`), as c2s carries one.
            answer = Query(
                id: query.id, kind: .error, from: .user(query.to.user), to: requester,
                payloads: [codec.payload(for: error.element(namespace: XMPPNamespace.client))])
        }
        await send(.query(answer))
        for traffic in followUp { await send(traffic) }
    }

    /// The answer to `query`; what must follow the answer is appended to `followUp`.
    private func reply(to query: Query, from requester: SessionID, then followUp: inout [ComponentTraffic]) async
        -> Reply
    {
        // RFC 6120 §8.5.1-style: the component's domain answers; no user lives on it.
        guard query.to.user.localpart.isEmpty else { return .error(StanzaError(.serviceUnavailable)) }
        // RFC 6120 §8.2.3: a get or set has exactly one child (an XML one, here).
        guard query.payloads.count == 1, let child = query.payloads[0].native?.value as? XMLElement else {
            return .error(StanzaError(.badRequest, text: "a get or set iq has exactly one child element"))
        }
        let isSet = query.kind == .set
        switch (child.namespace, child.name) {
        case (XMPPNamespace.discoInfo, "query"):
            guard !isSet else { return .getOnly }
            // XEP-0030 §3.1: a node the entity does not know is item-not-found.
            guard child[attribute: "node"] == nil else { return .error(StanzaError(.itemNotFound)) }
            return .result(DiscoInfo(identities: [Self.identity], features: Self.features).element)
        case (XMPPNamespace.discoItems, "query"):
            guard !isSet else { return .getOnly }
            guard child[attribute: "node"] == nil else { return .error(StanzaError(.itemNotFound)) }
            return .result(DiscoItems().element)  // XEP-0030 §4: no items
        case (XMPPNamespace.register, "query"):
            guard isSet else { return registrationForm(for: requester.user) }
            return await register(child, from: requester.user, then: &followUp)
        default:
            // RFC 6120 §8.4: a namespace not understood is service-unavailable.
            return .error(StanzaError(.serviceUnavailable))
        }
    }

    // MARK: XEP-0077

    /// §3.1: the form, with the current values and the page address when registered.
    private func registrationForm(for user: UserID) -> Reply {
        let current = board.registration(of: user)
        return .result(RegistrationForm.query(current: current, pageURL: current.map { pages.url(forID: $0.id) }))
    }

    /// §3.1, §3.2: registers, updates or removes; the store is written before the answer.
    private func register(_ child: XMLElement, from user: UserID, then followUp: inout [ComponentTraffic]) async
        -> Reply
    {
        guard user.username != nil else {
            return .error(StanzaError(.notAllowed, text: "only users register with this service"))
        }
        let current = board.registration(of: user)
        let request: RegistrationForm.Request
        do {
            request = try RegistrationForm.request(from: child, current: current?.settings)
        } catch {
            return .error(error)
        }
        var table = board.registrations
        let registration: StatusRegistration
        switch request {
        case .remove:
            // §3.2: only a registered entity can cancel its registration.
            guard current != nil else { return .error(ParleyXMPP.Registration.registrationRequired) }
            table.remove(user)
            guard await save(table) else { return .error(StanzaError(.internalServerError)) }
            logger.info("web-status registration removed", metadata: ["user": "\(user)"])
            // §3.3 and §3.2: stop seeing the user's presence, and cancel theirs.
            followUp = [
                .subscription(.unsubscribe, from: me, to: user), .subscription(.unsubscribed, from: me, to: user),
            ]
            return .result(nil)
        case .register(let chosen):
            if var existing = current {
                existing.settings = chosen
                registration = existing
            } else {
                guard table.count < settings.maximumRegistrations else {
                    return .error(StanzaError(.resourceConstraint, text: "this service is full"))
                }
                var id = StatusRegistration.newID()
                while table.containsID(id) { id = StatusRegistration.newID() }
                registration = StatusRegistration(user: user, id: id, settings: chosen)
            }
        }
        table.upsert(registration)
        guard await save(table) else { return .error(StanzaError(.internalServerError)) }
        logger.info(
            "web-status registration stored",
            metadata: ["user": "\(user)", "new": "\(current == nil)"])
        followUp = welcome(registration)
        return .result(nil)
    }

    /// Writes `table`, then shows it; false (and nothing changed) when the write failed.
    private func save(_ table: RegistrationTable) async -> Bool {
        do {
            try await store.save(table)
        } catch {
            logger.error(
                "web-status cannot write its registrations", metadata: ["path": "\(store.path)", "error": "\(error)"])
            return false
        }
        board.commit(table)
        return true
    }

    /// After a registration: ask to see the user's presence (RFC 6121 §3.1.1; when it is
    /// already granted, the user's server answers by itself with `subscribed` and the
    /// current presence, §3.1.3), and tell them their page's address in a headline.
    private func welcome(_ registration: StatusRegistration) -> [ComponentTraffic] {
        let url = pages.url(forID: registration.id)
        let headline = Message(
            kind: .headline, from: .user(me), to: .user(registration.user),
            body: "Your web status page is \(url) (JSON: \(url).json).", subject: "Web presence")
        return [.subscription(.subscribe, from: me, to: registration.user), .message(headline)]
    }
}
