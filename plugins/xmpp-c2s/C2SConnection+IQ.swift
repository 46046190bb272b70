import ParleyCore
import ParleyXML
import ParleyXMPP

extension C2SConnection {
    /// RFC 6120 §8.2.3 and RFC 6121 §8.5: IQs to the server, to the account itself and to
    /// other clients.
    func routeIQ(_ iq: XMLElement, to: JID?, session: ChatSession) async {
        guard let id = iq[attribute: "id"], let type = iq[attribute: "type"].flatMap(Query.Kind.init(rawValue:)) else {
            // §8.2.3: id and type are required; a missing one is bad-request.
            reject(iq, StanzaError(.badRequest, text: "an iq needs an id and a type of get, set, result or error"))
            return
        }
        // §8.2.3: a get or set has exactly one child.
        if type.isRequest && iq.elements.count != 1 {
            reject(iq, StanzaError(.badRequest, text: "a get or set iq has exactly one child element"))
            return
        }
        let own = JID(session.id)
        switch to {
        case nil:
            await serve(iq, id: id, type: type, from: own, to: nil)
        case let to? where to.localpart == nil && to.resource == nil && to.domain == domain:
            await serve(iq, id: id, type: type, from: own, to: to)
        case let to? where to.domain != domain:
            // A component's domain (XEP-0114), or nowhere: this server has no s2s.
            let query = Query(
                id: id, kind: type, from: .session(session.id), to: SessionID(user: to.userID, resource: to.resource ?? ""),
                payloads: codec.extensions.payloads(from: iq.elements))
            do {
                try await session.send(query)
            } catch {
                if type.isRequest { reject(iq, Self.stanzaError(for: error)) }
            }
        case let to? where to.bare == own.bare && to.resource == nil:
            // §8.5.2.1.3 / RFC 6121 §2.1.3: handled by the server for the account.
            await serve(iq, id: id, type: type, from: own, to: to)
        case let to? where to.resource == nil:
            // RFC 6121 §8.5.2.1.3: the server answers for another account, through the
            // features' account hooks (PEP, XEP-0163); nothing else is offered for it.
            // XEP-0191 §5.3: not between an account and an address it blocks.
            if let error = await shared.chat.blockingError(from: .session(session.id), to: .user(to.userID)) {
                if type.isRequest { reject(iq, StanzaError(delivery: error)) }
                return
            }
            await serve(iq, id: id, type: type, from: own, to: to)
        case let to?:
            // §8.5.3.1: to a full JID, delivered to that session only.
            guard let target = to.sessionID else { return }
            let query = Query(
                id: id, kind: type, from: .session(session.id), to: target,
                payloads: codec.extensions.payloads(from: iq.elements))
            do {
                try await session.send(query)
            } catch {
                if type.isRequest { reject(iq, StanzaError(delivery: error)) }
            }
        }
    }

    /// IQs the server answers itself, through the features' hooks (`C2SFeature`).
    private func serve(_ iq: XMLElement, id: String, type: Query.Kind, from: JID, to: JID?) async {
        // Results and errors: answers to the server's own questions, else nothing waits.
        if !type.isRequest {
            if to?.localpart == nil { answered(iq, id: id) }
            return
        }
        guard let kind = IQRequest.Kind(rawValue: type.rawValue), let child = iq.elements.first, let session else { return }
        let request = IQRequest(iq: iq, id: id, type: kind, child: child, from: from, to: to)
        let context = C2SContext(session: session, chat: shared.chat, logger: shared.logger, connection: self)
        let reply = await shared.hooks.dispatch(request, context: context) { error in
            log(.error, "IQ handler failed", ["namespace": "\(child.namespace)", "error": "\(error)"])
        }
        switch reply {
        case .result(let payload):
            var result = XMLElement(
                name: "iq", namespace: XMPPNamespace.client,
                attributes: [XMLAttribute("type", value: "result"), XMLAttribute("id", value: id)])
            if let to { result[attribute: "from"] = to.description }
            result[attribute: "to"] = from.description
            if let payload { result.append(payload) }
            write(result)
        case .error(let error):
            var reply = error.reply(to: iq)
            reply[attribute: "from"] = to?.description
            reply[attribute: "to"] = from.description
            write(reply)
        case .handled:
            break
        }
    }
}
