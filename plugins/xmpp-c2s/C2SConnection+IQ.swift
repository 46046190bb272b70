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
            // §8.5.2.1.3: the server answers for another account; nothing is offered for it.
            if type.isRequest { reject(iq, StanzaError(.serviceUnavailable)) }
        case let to?:
            // §8.5.3.1: to a full JID, delivered to that session only.
            guard let target = to.sessionID else { return }
            let query = Query(
                id: id, kind: type, from: .session(session.id), to: target,
                payloads: codec.extensions.payloads(from: iq.elements))
            do {
                try await session.send(query)
            } catch {
                if type.isRequest { reject(iq, StanzaError(.serviceUnavailable)) }
            }
        }
    }

    /// IQs the server answers itself, dispatched by the namespace of the child.
    private func serve(_ iq: XMLElement, id: String, type: Query.Kind, from: JID, to: JID?) async {
        guard type.isRequest, let child = iq.elements.first else { return }  // results and errors: nothing waits here
        let request = IQRequest(iq: iq, id: id, isSet: type == .set, child: child, from: from, to: to)
        let reply: IQReply
        if let handler = shared.iqHandlers[child.namespace] {
            reply = await handler.handle(request, connection: self)
        } else {
            // RFC 6120 §8.4: an IQ in a namespace not understood is service-unavailable.
            reply = .error(StanzaError(.serviceUnavailable))
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

/// An IQ get or set the server answers: what came in, already checked.
struct IQRequest {
    let iq: XMLElement
    let id: String
    let isSet: Bool
    /// The one child element (its namespace chose the handler).
    let child: XMLElement
    /// The requester's full JID.
    let from: JID
    /// The server, the requester's bare JID, or nil when the IQ had no `to`.
    let to: JID?
}

/// A handler's answer.
enum IQReply {
    /// An IQ result, with an optional payload.
    case result(XMLElement?)
    /// An IQ error.
    case error(StanzaError)
    /// The handler wrote what was needed itself.
    case handled

    /// A `set` in a namespace that defines only `get` (RFC 6120 §8.3.3.3).
    static let getOnly = IQReply.error(StanzaError(.featureNotImplemented, text: "only get is defined here"))
}

/// A server-side IQ handler for one namespace, in the manner of a Prosody module.
protocol IQHandler: Sendable {
    /// The namespace of the child elements it answers.
    var namespace: String { get }
    /// Features it adds to the server's disco#info (XEP-0030).
    var features: [String] { get }
    func handle(_ request: IQRequest, connection: C2SConnection) async -> IQReply
}
