import ParleyCore
import ParleyMUC
import ParleyXML
import ParleyXMPP

/// The XMPP leg of a relay bridge as a value type: the bot's occupant in a MUC room on
/// another server (XEP-0045). It builds the join and the self-ping, turns the local room's
/// messages into groupchat stanzas for the far room and the far room's stanzas into what
/// to post locally (or why not), and keeps the id map for replies and corrections. No I/O:
/// `XMPPRelayBridge` runs it.
struct MUCRelayLeg: Sendable {
    /// The far room's bare JID (`dev@conference.example.org`).
    let room: JID
    /// Our nick there.
    let nick: String
    let format: RelayFormat
    private(set) var ids: RelayIDMap
    /// Our self-presence arrived (§7.2.3, status 110).
    private(set) var isJoined = false
    /// The subject arrived: the room's history on join is over (§7.2.16).
    private(set) var historyOver = false
    /// The id of the self-ping in flight (XEP-0410).
    private(set) var pendingPing: String?
    private var serial = 0

    init(room: JID, nick: String, format: RelayFormat, idCapacity: Int = 2_000) {
        self.room = room.bare
        self.nick = nick
        self.format = format
        self.ids = RelayIDMap(capacity: idCapacity)
    }

    /// Our occupant JID in the far room.
    var occupant: JID { room.with(resource: nick) }

    // MARK: Joining and staying

    /// §7.2.2 join, asking for no history (§7.2.14: `maxstanzas='0'`); the history a room
    /// sends anyway is recognised and not relayed. Resets what the last join knew.
    mutating func join() -> XMLElement {
        isJoined = false
        historyOver = false
        pendingPing = nil
        var x = XMLElement(name: "x", namespace: MUCNamespace.muc)
        x.append(XMLElement(name: "history", namespace: MUCNamespace.muc, attributes: [XMLAttribute("maxstanzas", value: "0")]))
        return XMLElement(
            name: "presence", namespace: XMPPNamespace.client,
            attributes: [XMLAttribute("to", value: occupant.description)], children: [.element(x)])
    }

    /// XEP-0410 §3: a ping to our own occupant JID; the room answers it while we are in.
    /// `nil` with a ping still unanswered: the caller treats that as a lost connection.
    mutating func selfPing() -> XMLElement? {
        guard pendingPing == nil else { return nil }
        let id = mint("ping")
        pendingPing = id
        return XMLElement(
            name: "iq", namespace: XMPPNamespace.client,
            attributes: [
                XMLAttribute("type", value: "get"), XMLAttribute("id", value: id),
                XMLAttribute("to", value: occupant.description),
            ],
            children: [.element(XMLElement(name: "ping", namespace: XMPPNamespace.ping))])
    }

    // MARK: Local room → far room

    /// The groupchat stanza relaying `message` (said by `sender` in the local room) to the
    /// far room, and what it could not carry; nil with a reason when nothing can go.
    /// `relayed` is true when the sender is another relay bot of this process: its body
    /// already names who spoke, so no second prefix is added.
    mutating func outbound(_ message: Message, sender: String, relayed: Bool) -> (stanza: XMLElement?, dropped: [String]) {
        guard let body = message.body else { return (nil, ["tags-only messages (reactions, typing) to the other room"]) }
        let isAction = message.meanings.contains(.action)
        let text: String
        if relayed {
            text = isAction ? XMPPExtensionCodec.actionPrefix + body : body
        } else {
            text = isAction ? XMPPExtensionCodec.actionPrefix + "\(RelayFormat.safe(sender)) \(body)" : format.prefix(sender) + body
        }
        let id = mint("relay")
        var stanza = XMLElement(
            name: "message", namespace: XMPPNamespace.client,
            attributes: [
                XMLAttribute("to", value: room.description), XMLAttribute("type", value: "groupchat"),
                XMLAttribute("id", value: id),
            ],
            children: [.element(XMLElement(name: "body", namespace: XMPPNamespace.client, children: [.text(text)]))])
        var dropped: [String] = []
        for meaning in message.meanings {
            switch meaning {
            case .reply(let to):
                // XEP-0461 §3: in a groupchat, the room's stanza-id of the message.
                if let far = ids.counterpart(of: to, in: .local, for: .reply) {
                    stanza.append(Self.reference("reply", Self.replyNamespace, id: far))
                } else {
                    dropped.append("reply references to messages the other room does not have")
                }
            case .correction(let of):
                // XEP-0308 §3: the `id` of the message corrected, which we sent.
                if let far = ids.counterpart(of: of, in: .local, for: .correction) {
                    stanza.append(Self.reference("replace", Self.correctionNamespace, id: far))
                } else {
                    dropped.append("corrections of messages the other room does not have (sent as new messages)")
                }
            default:
                continue
            }
        }
        ids.link(local: .init(stanzaID: message.id, id: message.originID), far: .init(stanzaID: nil, id: id))
        return (stanza, dropped)
    }

    /// Our own relayed message came back from the local room with the id the room gave it.
    mutating func localReflection(_ message: Message) {
        if let origin = message.originID, let id = message.id { ids.learn(stanzaID: id, forID: origin, on: .local) }
    }

    // MARK: Helpers

    static let replyNamespace = "urn:xmpp:reply:0"
    static let correctionNamespace = "urn:xmpp:message-correct:0"

    static func reference(_ name: String, _ namespace: String, id: String) -> XMLElement {
        XMLElement(name: name, namespace: namespace, attributes: [XMLAttribute("id", value: id)])
    }

    mutating func mint(_ prefix: String) -> String {
        serial += 1
        return "\(prefix)-\(MessageID.mint().prefix(10))-\(serial)"
    }

    mutating func noteJoined() {
        isJoined = true
    }

    mutating func noteLeft() {
        isJoined = false
    }

    mutating func noteHistoryOver() {
        historyOver = true
    }

    mutating func notePingAnswered() {
        pendingPing = nil
    }

    mutating func link(local: RelayIDMap.IDs, far: RelayIDMap.IDs) {
        ids.link(local: local, far: far)
    }

    mutating func learnFar(stanzaID: String, forID id: String) {
        ids.learn(stanzaID: stanzaID, forID: id, on: .far)
    }
}
