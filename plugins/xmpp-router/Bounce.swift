import ParleyCore
import ParleyXML
import ParleyXMPP

/// Where a stanza queued for a component came from, so that it can be answered with an
/// error if it is never written (the component was cut off or went away).
enum BounceOrigin: Sendable {
    /// Through the chat model (a user, an in-process component): the error goes back
    /// through the model, from the component's address.
    case model(ComponentTraffic)
    /// From another component of this router, on the fast path: the error goes straight to
    /// that component's outbox. The stanza itself is not kept: it is read back from the
    /// queued bytes if it is ever bounced (rarely), which keeps the fast path lean.
    case component(ComponentOutbox)
}

/// The error replies for stanzas a component never got (RFC 6120 §8.3.1), as pure
/// functions. Only what expects an answer is answered: messages of type chat or normal
/// (RFC 6121 §8.5.2) and IQ requests (RFC 6120 §8.2.3); an error is never answered with
/// an error (§8.3.1), and presence, headlines and groupchat are dropped.
enum Bounce {
    /// The condition a bounced stanza carries.
    static let error = StanzaError(.serviceUnavailable, text: "the component went away before it got this stanza")

    /// Whether model traffic expects an answer.
    static func expectsAnswer(_ traffic: ComponentTraffic) -> Bool {
        switch traffic {
        case .message(let message): message.kind == .chat || message.kind == .normal
        case .query(let query): query.kind.isRequest
        case .presence, .subscription, .probe: false
        }
    }

    /// Whether a component stanza expects an answer.
    static func expectsAnswer(_ stanza: XMLElement) -> Bool {
        switch stanza.name {
        case "message":
            let type = stanza[attribute: "type"]
            return type == nil || type == "chat" || type == "normal"
        case "iq":
            let type = stanza[attribute: "type"]
            return type == "get" || type == "set"
        default:
            return false
        }
    }

    /// The error reply to model traffic, from the address it was sent to; nil when none is
    /// due or the sender has no address to answer.
    static func reply(to traffic: ComponentTraffic, extensions: XMPPExtensionCodec, error: StanzaError = Bounce.error)
        -> ComponentTraffic?
    {
        guard expectsAnswer(traffic) else { return nil }
        // The model carries XMPP's error element as a payload; c2s writes it in jabber:client.
        let payload = extensions.payload(for: error.element(namespace: XMPPNamespace.client))
        switch traffic {
        case .message(let message):
            return .message(Message(id: message.id, kind: .error, from: message.to, to: message.from, payloads: [payload]))
        case .query(let query):
            let requester: SessionID
            switch query.from {
            case .session(let session): requester = session
            case .user(let user): requester = SessionID(user: user, resource: "")
            case .room, .occupant: return nil
            }
            return .query(Query(id: query.id, kind: .error, from: .session(query.to), to: requester, payloads: [payload]))
        case .presence, .subscription, .probe:
            return nil
        }
    }

    /// A stanza read back from the bytes it was queued as (serialized in the component
    /// namespace, which it inherits from the stream); nil if they do not parse.
    static func stanza(serialized bytes: [UInt8]) -> XMLElement? {
        let open = Array("<s xmlns='\(XMPPNamespace.component)'>".utf8)
        let limits = XMLLimits(maxStanzaBytes: bytes.count + 256, maxTextBytes: bytes.count + 256)
        let wrapper = try? XMLStreamParser.parseDocument(open + bytes + Array("</s>".utf8), limits: limits)
        return wrapper?.elements.first
    }

    /// The error reply to a component stanza (addresses swapped, the payload kept); nil when
    /// none is due.
    static func reply(to stanza: XMLElement, error: StanzaError = Bounce.error) -> XMLElement? {
        guard expectsAnswer(stanza) else { return nil }
        return error.reply(to: stanza)
    }
}
