import ParleyXML

/// A message or presence of a bound client on its way to the hooks, with where it goes.
public struct RoutedStanza: Sendable {
    public let element: XMLElement
    /// The parsed `to`, nil when the stanza had none.
    public let to: JID?
    /// What the `to` names (RFC 6120 §8.1.1.1: no `to` is the sender's own account).
    public let target: TargetKind

    public init(element: XMLElement, to: JID?, target: TargetKind) {
        self.element = element
        self.to = to
        self.target = target
    }

    /// Classifies `to` against the served `domain`.
    public init(element: XMLElement, to: JID?, domain: String) {
        let kind: TargetKind
        switch to {
        case nil: kind = .account
        case let to? where to.domain != domain: kind = .remote
        case let to? where to.localpart == nil: kind = .server
        case .some: kind = .account
        }
        self.init(element: element, to: to, target: kind)
    }
}

/// What a stanza's `to` names.
public enum TargetKind: Sendable, Hashable {
    /// The served domain itself (or one of its services' resources).
    case server
    /// A local account, bare or full (the sender's own when there is no `to`).
    case account
    /// Another domain: a component attached to this server, or a remote server.
    case remote
}

/// The message types of RFC 6121 §5.2.2; an absent or unknown type is `normal`.
public enum MessageType: String, Sendable, Hashable, CaseIterable {
    case chat, error, groupchat, headline, normal

    public init(_ attribute: String?) {
        self = attribute.flatMap(MessageType.init(rawValue:)) ?? .normal
    }
}

/// The kinds of presence a feature can ask for (RFC 6121 §4.7.1).
public enum PresenceKind: Sendable, Hashable {
    /// Available or unavailable without a `to`: broadcast to the contacts (§4.2, §4.4).
    case broadcast
    /// Available or unavailable to one address (§4.6), a room join for example.
    case directed
    /// subscribe, subscribed, unsubscribe, unsubscribed (§3).
    case subscription
    /// probe (§4.3).
    case probe
    /// error.
    case error

    /// nil for a type RFC 6121 does not define.
    public init?(_ stanza: RoutedStanza) {
        switch stanza.element[attribute: "type"] {
        case nil, "unavailable": self = stanza.to == nil ? .broadcast : .directed
        case "subscribe", "subscribed", "unsubscribe", "unsubscribed": self = .subscription
        case "probe": self = .probe
        case "error": self = .error
        default: return nil
        }
    }
}

/// A message or presence hook's answer.
public enum HookOutcome: Sendable {
    /// The stanza is dealt with: no later hook, no default routing.
    case handled
    /// Not this hook's: the next one (or the default routing) gets it.
    case pass
}

/// What the table did with a message or presence.
public enum HookResult: Sendable {
    case handled
    /// No hook took it: the caller's default routing applies.
    case unhandled
    /// A hook refused it: answer with this error (RFC 6120 §8.3).
    case failed(StanzaError)
}

/// The key of message hooks.
struct MessageFilter: Hashable, Sendable {
    let type: MessageType?
    let target: TargetKind
}
