import Synchronization

/// How a protocol expresses one kind of extension meaning.
public enum NativeForm: Hashable, Sendable {
    /// An IRCv3 message tag with this name (`time`, `+draft/reply`).
    case ircTag(String)
    /// An XMPP child element, `{namespace}name`; `name` may be `*` for any element of the
    /// namespace (XEP-0085 chat states are five element names in one namespace).
    case xmlElement(namespace: String, name: String)
    /// A convention inside the body text (CTCP ACTION on IRC, `/me ` in XMPP, XEP-0245).
    case bodyConvention(String)
    /// A command of its own beside the message (IRC INVITE for a direct invitation).
    case command(String)

    /// The key a `NativePayload` of this form carries; nil for body conventions and commands.
    public var payloadKey: String? {
        switch self {
        case .ircTag(let name): name
        case .xmlElement(let namespace, let name): "{\(namespace)}\(name)"
        case .bodyConvention, .command: nil
        }
    }
}

/// One row of the translation table: a kind of meaning and its form in each protocol.
public struct TranslationRule: Sendable {
    public let kind: ExtensionKind
    public let forms: [ProtocolFamily: NativeForm]

    public init(_ kind: ExtensionKind, _ forms: [ProtocolFamily: NativeForm]) {
        self.kind = kind
        self.forms = forms
    }
}

/// What an adapter should do with one payload when sending to a session of some protocol.
public enum PayloadDelivery: Sendable, Equatable {
    /// Same protocol as the sender: write the original form back, byte for byte in meaning.
    case native(NativePayload)
    /// Another protocol that knows this meaning: render it in the target's form.
    case render(ExtensionMeaning, NativeForm)
    /// Nothing in the target protocol expresses it: dropped, and counted (`dropCounts`).
    case drop(reason: String)
}

/// The translation rules between protocols as data that every adapter shares: which
/// native form expresses which meaning, and the one place where payloads that cannot be
/// translated are dropped and counted.
public final class TranslationTable: Sendable {
    public let rules: [TranslationRule]
    private let byKind: [ExtensionKind: TranslationRule]
    private let byKey: [ProtocolFamily: [String: ExtensionKind]]
    private let drops = Mutex<[String: Int]>([:])

    public init(rules: [TranslationRule]) {
        self.rules = rules
        var byKind: [ExtensionKind: TranslationRule] = [:]
        var byKey: [ProtocolFamily: [String: ExtensionKind]] = [:]
        for rule in rules {
            byKind[rule.kind] = rule
            for (family, form) in rule.forms {
                if let key = form.payloadKey { byKey[family, default: [:]][key] = rule.kind }
            }
        }
        self.byKind = byKind
        self.byKey = byKey
    }

    /// The meanings Parley knows and how XMPP and IRC express them.
    public static let standard = TranslationTable(rules: [
        // XEP-0359 origin-id; IRCv3 message-ids.
        TranslationRule(.messageID, [.xmpp: .xmlElement(namespace: "urn:xmpp:sid:0", name: "origin-id"), .irc: .ircTag("msgid")]),
        // XEP-0461 message replies; IRCv3 draft/reply client tag.
        TranslationRule(.reply, [.xmpp: .xmlElement(namespace: "urn:xmpp:reply:0", name: "reply"), .irc: .ircTag("+draft/reply")]),
        // XEP-0444 message reactions; IRCv3 draft/react client tag.
        TranslationRule(.reaction, [.xmpp: .xmlElement(namespace: "urn:xmpp:reactions:0", name: "reactions"), .irc: .ircTag("+draft/react")]),
        // XEP-0308 last message correction; IRC has no equivalent.
        TranslationRule(.correction, [.xmpp: .xmlElement(namespace: "urn:xmpp:message-correct:0", name: "replace")]),
        // XEP-0424 message retraction; IRC's draft/message-redaction is a command, not a tag.
        TranslationRule(.retraction, [.xmpp: .xmlElement(namespace: "urn:xmpp:message-retract:1", name: "retract")]),
        // XEP-0085 chat states; IRCv3 typing client tag.
        TranslationRule(.typing, [.xmpp: .xmlElement(namespace: "http://jabber.org/protocol/chatstates", name: "*"), .irc: .ircTag("+typing")]),
        // XEP-0203 delayed delivery; IRCv3 server-time.
        TranslationRule(.timestamp, [.xmpp: .xmlElement(namespace: "urn:xmpp:delay", name: "delay"), .irc: .ircTag("time")]),
        // XEP-0071 XHTML-IM; IRC formatting codes inside the body.
        TranslationRule(.formatting, [.xmpp: .xmlElement(namespace: "http://jabber.org/protocol/xhtml-im", name: "html"), .irc: .bodyConvention("mIRC formatting codes")]),
        // XEP-0245 /me; CTCP ACTION.
        TranslationRule(.action, [.xmpp: .bodyConvention("/me prefix"), .irc: .bodyConvention("CTCP ACTION")]),
        // XEP-0249 direct invitations; IRC INVITE (RFC 2812 §3.2.7).
        TranslationRule(.invitation, [.xmpp: .xmlElement(namespace: "jabber:x:conference", name: "x"), .irc: .command("INVITE")]),
    ])

    /// The rule for a kind of meaning.
    public func rule(for kind: ExtensionKind) -> TranslationRule? { byKind[kind] }

    /// The kind of meaning a native payload key expresses in `family`, if known. An XML key
    /// `{ns}name` also matches a rule written as `{ns}*`.
    public func kind(of key: String, in family: ProtocolFamily) -> ExtensionKind? {
        guard let keys = byKey[family] else { return nil }
        if let kind = keys[key] { return kind }
        if key.hasPrefix("{"), let close = key.firstIndex(of: "}") {
            return keys[String(key[...close]) + "*"]
        }
        return nil
    }

    /// Decides how one payload reaches a session that speaks `target`.
    public func delivery(of payload: ExtensionPayload, to target: ProtocolFamily) -> PayloadDelivery {
        if let native = payload.native, native.family == target {
            return .native(native)
        }
        if let meaning = payload.meaning {
            if let form = byKind[meaning.kind]?.forms[target] {
                return .render(meaning, form)
            }
            return countedDrop("\(meaning.kind.rawValue) has no \(target) form")
        }
        let key = payload.native.map { "\($0.family):\($0.key)" } ?? "?"
        return countedDrop("\(key) has no known meaning for \(target)")
    }

    /// Decides for every payload of a message or presence, in order.
    public func deliveries(of payloads: [ExtensionPayload], to target: ProtocolFamily) -> [PayloadDelivery] {
        payloads.map { delivery(of: $0, to: target) }
    }

    /// How many payloads were dropped for each reason since start.
    public var dropCounts: [String: Int] { drops.withLock { $0 } }

    private func countedDrop(_ reason: String) -> PayloadDelivery {
        drops.withLock { $0[reason, default: 0] += 1 }
        return .drop(reason: reason)
    }
}
