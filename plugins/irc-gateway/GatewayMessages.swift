import ParleyCore
import ParleyIRC
import ParleyMUC
import ParleyXML

/// Messages between a channel on IRC and its XMPP room: IRCv3 tags ↔ extension payloads
/// through the shared translation table (`IRCPayloadMapping`), the network's `msgid` as
/// the room's XEP-0359 stanza-id, and a message cut into IRC lines. Pure.
struct GatewayMessages: Sendable {
    let mapping: IRCPayloadMapping

    init(translation: TranslationTable = .standard) {
        mapping = IRCPayloadMapping(translation: translation)
    }

    /// What an IRC PRIVMSG, NOTICE or TAGMSG says, for XMPP: the body (a CTCP ACTION
    /// unwrapped into `.action`), the payloads of its client tags (`+draft/reply`,
    /// `+draft/react`, `+typing`), and its `msgid`. `time` and `msgid` are left out of the
    /// payloads: on a live message they would read as a XEP-0203 delay (history) and a
    /// sender's origin-id.
    func inbound(_ line: IRCMessage) -> (body: String?, payloads: [ExtensionPayload], id: String?) {
        let text = line.command == "TAGMSG" ? nil : line.parameters.dropFirst().first
        let (body, payloads) = mapping.inbound(tags: line.tags, text: text)
        let kept = payloads.filter { payload in
            switch payload.meaning {
            case .messageID?, .timestamp?: return false
            default: return !(payload.native.map { $0.family == .irc && ($0.key == "msgid" || $0.key == "time") } ?? false)
            }
        }
        let id = line.tags.first { $0.key == "msgid" }?.value.flatMap { $0.isEmpty ? nil : $0 }
        return (body, kept, id)
    }

    /// The XEP-0359 `<stanza-id/>` a room puts on a message: here the network's msgid.
    static func stanzaID(_ id: String, by room: String) -> ExtensionPayload {
        GatewayMUCRendering.payload(
            XMLElement(
                name: "stanza-id", namespace: MUCNamespace.stanzaID,
                attributes: [XMLAttribute("id", value: id), XMLAttribute("by", value: room)]))
    }

    /// The most IRC lines one XMPP message may become; a longer one is refused rather than
    /// flooding the channel (and the rate limiter) for minutes.
    static let maximumLines = 20

    /// Why a message cannot go to IRC.
    enum Refusal: Error, Equatable {
        case tooLong(lines: Int)

        var text: String {
            switch self {
            case .tooLong(let lines):
                "too long for IRC: it would take \(lines) lines, at most \(GatewayMessages.maximumLines) are sent"
            }
        }
    }

    /// The lines that carry an XMPP message to `target` from `nick`: the client tags its
    /// payloads have an IRC form for (when the network takes `message-tags`) on the first,
    /// the body cut at line breaks and under 512 bytes (as the network will relay it, with
    /// room for a long host), a `/me` as CTCP ACTION in every piece; a body-less message
    /// with tags is a TAGMSG. A XEP-0308 correction, which IRC cannot express, is one line
    /// marked `(correction)`, never a silent duplicate.
    func lines(for message: Message, to target: String, from nick: String, tags allowed: Bool) throws(Refusal)
        -> [IRCMessage]
    {
        let tags = clientTags(of: message, allowed)
        guard let body = message.body, !body.isEmpty else {
            return tags.isEmpty ? [] : [IRCMessage(tags: tags, command: "TAGMSG", parameters: [target])]
        }
        let isAction = message.meanings.contains(.action)
        let isCorrection = message.meanings.contains { if case .correction = $0 { true } else { false } }
        let budget = Self.budget(nick: nick, target: target, action: isAction)
        var pieces: [String]
        if isCorrection {
            let flat = body.split(whereSeparator: \.isNewline).joined(separator: " ")
            let marked = Self.correctionMarker + flat
            let cut = IRCTextSplitter.pieces(of: marked, budget: budget - 3)
            pieces = [cut.count > 1 ? cut[0] + "…" : cut[0]]
        } else {
            pieces = IRCTextSplitter.pieces(of: body, budget: budget)
            guard pieces.count <= Self.maximumLines else { throw .tooLong(lines: pieces.count) }
        }
        return pieces.enumerated().map { index, piece in
            IRCMessage(
                tags: index == 0 ? tags : [], command: "PRIVMSG",
                parameters: [target, isAction ? IRCCTCPAction.wrap(piece) : piece])
        }
    }

    /// The client tags `message`'s payloads have an IRC form for, when the network takes
    /// `message-tags`.
    func clientTags(of message: Message, _ allowed: Bool) -> [IRCTag] {
        allowed ? mapping.outbound(message, clientTags: true, serverTime: false).tags.filter(\.isClientOnly) : []
    }

    /// The bytes of text one PRIVMSG to `target` from `nick` carries, as the network will
    /// relay it (with room for a long user and host, and the CTCP ACTION wrapping).
    static func budget(nick: String, target: String, action: Bool) -> Int {
        max(64, IRCLimits.maximumBodyBytes - (nick.utf8.count + 10 + 63 + target.utf8.count + 12 + (action ? 9 : 0)))
    }

    /// What starts the one line a XEP-0308 correction becomes (docs/irc-gateway.md).
    static let correctionMarker = "(correction) "
}
