import Foundation
import ParleyCore
import ParleyXML

/// Translates `<message/>` and `<presence/>` between XML and the model (RFC 6121 §4.7,
/// §5.2): the core children become model fields, every other child an extension payload
/// (`XMPPExtensionCodec`), so nothing a client attached is lost on the way.
public struct XMPPStanzaCodec: Sendable {
    public let extensions: XMPPExtensionCodec
    /// The stream's content namespace (`jabber:client`, or `jabber:component:accept`).
    public let namespace: String

    public init(extensions: XMPPExtensionCodec = XMPPExtensionCodec(), namespace: String = XMPPNamespace.client) {
        self.extensions = extensions
        self.namespace = namespace
    }

    // MARK: Messages

    /// RFC 6121 §5.2.2: the message types; an absent or unknown type is `normal`.
    public static func kind(ofMessageType type: String?) -> Message.Kind {
        MessageType(type).kind
    }

    /// The XMPP type of a model message kind (a notice from IRC reads as `normal`).
    public static func messageType(of kind: Message.Kind) -> String? {
        switch kind {
        case .chat: "chat"
        case .room: "groupchat"
        case .headline: "headline"
        case .error: "error"
        case .normal, .notice: nil
        }
    }

    /// The model message for a client's `<message/>` addressed to `to`. The first body,
    /// subject and thread without a foreign `xml:lang` are model fields (RFC 6121
    /// §5.2.3–§5.2.5); further ones travel as payloads. A `/me ` body becomes an action.
    public func message(from stanza: XMLElement, to: Address, sender: Address) -> Message {
        var message = Message(
            id: stanza[attribute: "id"], kind: Self.kind(ofMessageType: stanza[attribute: "type"]), from: sender, to: to)
        var others: [XMLElement] = []
        for child in stanza.elements {
            guard child.namespace == namespace, child.attribute("lang", namespace: xmlNamespaceURI) == nil else {
                if let hint = Self.hint(child) {
                    message.hints.insert(hint)
                } else if StanzaID.isStanzaID(child), let user = to.user, StanzaID.isStanzaID(child, by: JID(user)) {
                    // XEP-0359 §5: a sender cannot supply the ids the recipient's archive gives.
                    continue
                }
                others.append(child)
                continue
            }
            switch child.name {
            case "body" where message.body == nil: message.body = child.text
            case "subject" where message.subject == nil: message.subject = child.text
            case "thread" where message.thread == nil && child.attributes.isEmpty: message.thread = child.text
            default: others.append(child)
            }
        }
        message.payloads = extensions.payloads(from: others)
        if let body = message.body {
            let (stripped, action) = extensions.decodeAction(body: body)
            message.body = stripped
            if let action { message.payloads.append(action) }
        }
        return message
    }

    /// The processing hint a child element gives (XEP-0334 §4; XEP-0280 §9 `<private/>`).
    static func hint(_ child: XMLElement) -> MessageHints? {
        switch (child.namespace, child.name) {
        case (XMPPNamespace.hints, "no-copy"), (XMPPNamespace.carbons, "private"): .noCopy
        case (XMPPNamespace.hints, "no-store"), (XMPPNamespace.hints, "no-permanent-store"): .noStore
        case (XMPPNamespace.hints, "store"): .store
        default: nil
        }
    }

    /// The `<message/>` a session receives for a model message.
    public func element(for message: Message, from: JID, to: JID) -> XMLElement {
        element(for: message, from: from.description, to: to.description)
    }

    /// The same, with the addresses already written out (a session caches its own).
    public func element(for message: Message, from: String, to: String) -> XMLElement {
        var stanza = XMLElement(name: "message", namespace: namespace)
        stanza.attributes.reserveCapacity(4)
        stanza.attributes.append(XMLAttribute("from", value: from))
        stanza.attributes.append(XMLAttribute("to", value: to))
        stanza[attribute: "type"] = Self.messageType(of: message.kind)
        stanza[attribute: "id"] = message.id
        if let subject = message.subject { stanza.append(text: subject, in: "subject", namespace: namespace) }
        if let body = extensions.encodeAction(body: message.body, payloads: message.payloads) {
            stanza.append(text: body, in: "body", namespace: namespace)
        }
        if let thread = message.thread { stanza.append(text: thread, in: "thread", namespace: namespace) }
        for element in extensions.elements(for: message.payloads) { stanza.append(element) }
        if let archiveID = message.archiveID {
            // XEP-0359 §3: the id the recipient's archive gave it, by the recipient's bare JID.
            let bare = to.firstIndex(of: "/").map { String(to[..<$0]) } ?? to
            stanza.append(StanzaID.element(id: archiveID, by: bare))
        }
        return stanza
    }

    // MARK: Presence

    /// The model presence of an available or unavailable `<presence/>` (RFC 6121 §4.7.2).
    /// A priority outside −128…127 or an unknown `<show/>` is a bad request.
    public func presence(from stanza: XMLElement) throws(StanzaError) -> Presence {
        if stanza[attribute: "type"] == "error" {
            // RFC 6120 §8.3: a refusal; everything in it, the <error/> first, is relayed as is.
            var refusal = Presence(.unavailable, payloads: extensions.payloads(from: stanza.elements))
            refusal.isError = true
            return refusal
        }
        var presence = Presence(stanza[attribute: "type"] == "unavailable" ? .unavailable : .available)
        var others: [XMLElement] = []
        var sawShow = false, sawStatus = false, sawPriority = false
        for child in stanza.elements {
            guard child.namespace == namespace, child.attribute("lang", namespace: xmlNamespaceURI) == nil else {
                others.append(child)
                continue
            }
            switch child.name {
            case "show" where !sawShow:
                sawShow = true
                guard presence.availability != .unavailable else { continue }
                switch child.text {
                case "away": presence.availability = .away
                case "chat": presence.availability = .chat
                case "dnd": presence.availability = .dnd
                case "xa": presence.availability = .xa
                default: throw StanzaError(.badRequest, text: "unknown <show/> value")
                }
            case "status" where !sawStatus:
                sawStatus = true
                presence.status = child.text
            case "priority" where !sawPriority:
                sawPriority = true
                guard let value = Int8(child.text.trimmingCharacters(in: .whitespaces)) else {
                    throw StanzaError(.badRequest, text: "priority must be an integer from -128 to 127")
                }
                presence.priority = value
            default:
                others.append(child)
            }
        }
        presence.payloads = extensions.payloads(from: others)
        return presence
    }

    /// The `<presence/>` a session receives for another session's presence.
    public func element(for presence: Presence, from: JID, to: JID) -> XMLElement {
        element(for: presence, from: from.description, to: to.description)
    }

    /// The same, with the addresses already written out.
    public func element(for presence: Presence, from: String, to: String) -> XMLElement {
        var stanza = XMLElement(name: "presence", namespace: namespace)
        stanza[attribute: "from"] = from
        stanza[attribute: "to"] = to
        switch presence.availability {
        case .unavailable: stanza[attribute: "type"] = presence.isError ? "error" : "unavailable"
        case .available: break
        case .away, .chat, .dnd, .xa: stanza.append(text: presence.availability.rawValue, in: "show", namespace: namespace)
        }
        if let status = presence.status { stanza.append(text: status, in: "status", namespace: namespace) }
        if presence.priority != 0 && presence.availability.isOnline {
            stanza.append(text: String(presence.priority), in: "priority", namespace: namespace)
        }
        for element in extensions.elements(for: presence.payloads) { stanza.append(element) }
        return stanza
    }

    /// A subscription presence (RFC 6121 §3) from a bare JID.
    public func element(for request: SubscriptionRequest, from: JID, to: JID) -> XMLElement {
        XMLElement(
            name: "presence", namespace: namespace,
            attributes: [
                XMLAttribute("from", value: from.description), XMLAttribute("to", value: to.description),
                XMLAttribute("type", value: request.rawValue),
            ])
    }
}

extension XMLElement {
    /// Appends `<name xmlns=namespace>text</name>`.
    public mutating func append(text: String, in name: String, namespace: String) {
        append(XMLElement(name: name, namespace: namespace, children: text.isEmpty ? [] : [.text(text)]))
    }
}

extension MessageType {
    /// The model's kind of message for this XMPP type.
    public var kind: Message.Kind {
        switch self {
        case .chat: .chat
        case .groupchat: .room
        case .headline: .headline
        case .error: .error
        case .normal: .normal
        }
    }
}
