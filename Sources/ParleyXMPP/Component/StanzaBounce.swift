import ParleyCore
import ParleyXML

/// The error replies for stanzas a component or a remote server never got (RFC 6120
/// §8.3.1), as pure functions. Only what expects an answer is answered: messages of type
/// chat or normal (RFC 6121 §8.5.2) and IQ requests (RFC 6120 §8.2.3); an error is never answered with
/// an error (§8.3.1), and presence, headlines and groupchat are dropped.
public enum Bounce {
    /// The condition a bounced stanza carries.
    public static let error = StanzaError(.serviceUnavailable, text: "the component went away before it got this stanza")

    /// Whether model traffic expects an answer.
    public static func expectsAnswer(_ traffic: ComponentTraffic) -> Bool {
        switch traffic {
        case .message(let message): message.kind == .chat || message.kind == .normal
        case .query(let query): query.kind.isRequest
        case .presence, .subscription, .probe: false
        }
    }

    /// Whether a component stanza expects an answer.
    public static func expectsAnswer(_ stanza: XMLElement) -> Bool {
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
    public static func reply(to traffic: ComponentTraffic, extensions: XMPPExtensionCodec, error: StanzaError = Bounce.error)
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
    public static func stanza(serialized bytes: [UInt8]) -> XMLElement? {
        let open = Array("<s xmlns='\(XMPPNamespace.component)'>".utf8)
        let limits = XMLLimits(maxStanzaBytes: bytes.count + 256, maxTextBytes: bytes.count + 256)
        let wrapper = try? XMLStreamParser.parseDocument(open + bytes + Array("</s>".utf8), limits: limits)
        return wrapper?.elements.first
    }

    /// The error reply to a component stanza (addresses swapped, the payload kept); nil when
    /// none is due.
    public static func reply(to stanza: XMLElement, error: StanzaError = Bounce.error) -> XMLElement? {
        guard expectsAnswer(stanza) else { return nil }
        return error.reply(to: stanza)
    }

    /// The stanza error for a delivery the model refused (RFC 6120 §8.3.3), nil when the
    /// stanza is dropped silently: presence to an unavailable user (RFC 6121 §4.6.2),
    /// headlines and errors (§8.5.2), answers to requests.
    public static func stanzaError(for error: DeliveryError, traffic: ComponentTraffic) -> StanzaError? {
        switch traffic {
        case .message(let message):
            guard message.kind != .error && message.kind != .headline else { return nil }
        case .query(let query):
            guard query.kind.isRequest else { return nil }
        case .presence, .subscription, .probe:
            guard case .notRoutable = error else { return nil }
        }
        if case .room = error { return StanzaError(.itemNotFound, text: "rooms are served by their own service") }
        return StanzaError(delivery: error)
    }
}

extension StanzaError {
    /// The stanza error for a delivery the model refused (RFC 6120 §8.3.3; XEP-0191 §5.3).
    public init(delivery error: DeliveryError) {
        switch error {
        case .notRoutable(let domain): self.init(.remoteServerNotFound, text: "no route to \(domain.prefix(100))")
        case .invalidSender: self.init(.forbidden)
        case .blockedBySender: self = .blocked
        case .recipientUnavailable, .room, .sessionClosed, .blockedByRecipient: self.init(.serviceUnavailable)
        }
    }

    /// XEP-0191 §5.3: a message or request to an address the sender blocks.
    public static var blocked: StanzaError {
        StanzaError(
            .notAcceptable, text: "you block this address",
            applicationCondition: XMLElement(name: "blocked", namespace: XMPPNamespace.blockingErrors))
    }
}

extension StanzaError {
    /// The error for a message offline storage did not keep (RFC 6121 §8.5.2.1: no such
    /// account; a full store is a temporary condition); nil when it was kept.
    public init?(notKept outcome: OfflineOutcome) {
        switch outcome {
        case .kept: return nil
        case .noSuchAccount: self.init(.serviceUnavailable)
        case .full: self.init(.serviceUnavailable, type: .wait, text: "the recipient's offline storage is full")
        case .failed: self.init(.internalServerError)
        }
    }
}
