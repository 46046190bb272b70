import ParleyCore
import ParleyXML

/// Translates XEP-0114 stanzas (`jabber:component:accept`, every stanza with explicit
/// `from` and `to`) to and from `ComponentTraffic`. The router and the component client
/// both use it, so a component written against the model sees the same values in
/// process and across a socket.
public struct ComponentStanzaCodec: Sendable {
    public let stanzas: XMPPStanzaCodec

    /// `namespace` is the stream's content namespace: `jabber:component:accept`, or
    /// `jabber:server` on a server-to-server stream, whose stanzas also carry both addresses.
    public init(extensions: XMPPExtensionCodec = XMPPExtensionCodec(), namespace: String = XMPPNamespace.component) {
        stanzas = XMPPStanzaCodec(extensions: extensions, namespace: namespace)
    }

    public var namespace: String { stanzas.namespace }

    // MARK: XML → model

    /// The traffic one stanza carries. XEP-0114 §3: stanzas on a component stream carry
    /// both addresses; a missing or malformed one is `improper-addressing` / `jid-malformed`.
    func decodedTraffic(from stanza: XMLElement) throws(ComponentStanzaError) -> ComponentTraffic? {
        guard let fromText = stanza[attribute: "from"], let toText = stanza[attribute: "to"] else {
            throw .stream(StreamError(.improperAddressing, text: "component stanzas need both 'from' and 'to'"))
        }
        guard let from = JID(fromText), let to = JID(toText) else { throw .stanza(StanzaError(.jidMalformed)) }
        switch stanza.name {
        case "message":
            return .message(stanzas.message(from: stanza, to: to.userAddress, sender: from.userAddress))
        case "presence":
            return try presence(stanza, from: from, to: to)
        case "iq":
            // RFC 6120 §8.2.3: id and type are required; a get or set has exactly one child.
            guard let id = stanza[attribute: "id"],
                let kind = stanza[attribute: "type"].flatMap(Query.Kind.init(rawValue:))
            else { throw .stanza(StanzaError(.badRequest, text: "an iq needs an id and a type")) }
            if kind.isRequest && stanza.elements.count != 1 {
                throw .stanza(StanzaError(.badRequest, text: "a get or set iq has exactly one child element"))
            }
            return .query(
                Query(
                    id: id, kind: kind, from: from.userAddress, to: Self.session(to),
                    payloads: stanzas.extensions.payloads(from: stanza.elements)))
        default:
            throw .stream(StreamError(.unsupportedStanzaType, text: "unexpected <\(stanza.name)/>"))
        }
    }

    private func presence(_ stanza: XMLElement, from: JID, to: JID) throws(ComponentStanzaError) -> ComponentTraffic? {
        switch stanza[attribute: "type"] {
        case nil, "unavailable", "error":
            do {
                return .presence(try stanzas.presence(from: stanza), from: Self.session(from), to: to.userAddress)
            } catch {
                throw .stanza(error)
            }
        case "probe":
            return .probe(from: from.userID, to: to.userID)
        case let type?:
            guard let request = SubscriptionRequest(rawValue: type) else {
                throw .stanza(StanzaError(.badRequest, text: "unknown presence type"))
            }
            return .subscription(request, from: from.userID, to: to.userID)
        }
    }

    /// A JID as a model session; a bare JID is the session with an empty name.
    static func session(_ jid: JID) -> SessionID { jid.sessionID ?? SessionID(user: jid.userID, resource: "") }

    // MARK: model → XML

    /// The stanza for `traffic`; nil when an address has no JID (rooms belong to MUC).
    func encodedElement(for traffic: ComponentTraffic) -> XMLElement? {
        switch traffic {
        case .message(let message):
            guard let from = Self.jid(message.from), let to = Self.jid(message.to) else { return nil }
            return stanzas.element(for: message, from: from.description, to: to.description)
        case .presence(let presence, let from, let to):
            guard let to = Self.jid(to) else { return nil }
            return stanzas.element(for: presence, from: JID(from), to: to)
        case .subscription(let request, let from, let to):
            return stanzas.element(for: request, from: JID(from), to: JID(to))
        case .probe(let from, let to):
            return XMLElement(
                name: "presence", namespace: namespace,
                attributes: [
                    XMLAttribute("from", value: JID(from).description), XMLAttribute("to", value: JID(to).description),
                    XMLAttribute("type", value: "probe"),
                ])
        case .query(let query):
            guard let from = Self.jid(query.from) else { return nil }
            var iq = XMLElement(
                name: "iq", namespace: namespace,
                attributes: [
                    XMLAttribute("from", value: from.description), XMLAttribute("to", value: JID(query.to).description),
                    XMLAttribute("type", value: query.kind.rawValue), XMLAttribute("id", value: query.id),
                ])
            for element in stanzas.extensions.elements(for: query.payloads) { iq.append(element) }
            return iq
        }
    }

    /// The JID of a user or session address; rooms have none here.
    public static func jid(_ address: Address) -> JID? {
        switch address {
        case .user(let user): JID(user)
        case .session(let session): JID(session)
        case .room, .occupant: nil
        }
    }
}

/// Why a component stanza was refused: a stanza error answers that stanza only; a stream
/// error ends the component's stream (RFC 6120 §4.9, §8.3).
public enum ComponentStanzaError: Error, Sendable, Equatable {
    case stanza(StanzaError)
    case stream(StreamError)
}
