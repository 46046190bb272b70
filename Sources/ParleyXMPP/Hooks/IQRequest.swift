import ParleyXML

/// An IQ get or set that the server answers itself, already checked (RFC 6120 §8.2.3:
/// an id, a type, exactly one child).
public struct IQRequest: Sendable {
    /// The request types (results and errors are answers, never requests).
    public enum Kind: String, Sendable, Hashable {
        case get, set
    }

    public let iq: XMLElement
    public let id: String
    public let type: Kind
    /// The one child element (its namespace chose the handler).
    public let child: XMLElement
    /// The requester's full JID.
    public let from: JID
    /// The server, a local account's bare JID (the requester's or, for `onAccountIQ`
    /// handlers, another's), or nil when the IQ had no `to`.
    public let to: JID?

    public var isSet: Bool { type == .set }

    /// Whether the IQ goes to a local account other than the requester's (a bare JID
    /// with a localpart): `StanzaHooks.onAccountIQ` handlers answer those.
    public var isToAnotherAccount: Bool {
        guard let to, to.localpart != nil else { return false }
        return to.bare != from.bare
    }

    public init(iq: XMLElement, id: String, type: Kind, child: XMLElement, from: JID, to: JID?) {
        self.iq = iq
        self.id = id
        self.type = type
        self.child = child
        self.from = from
        self.to = to
    }
}

/// A handler's answer to an `IQRequest`.
public enum IQReply: Sendable {
    /// An IQ result, with an optional payload.
    case result(XMLElement?)
    /// An IQ error.
    case error(StanzaError)
    /// The handler wrote what was needed itself.
    case handled
}
