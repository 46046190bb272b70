import Foundation
import ParleyCore
import ParleyIRC

/// Turns the model's room and chat events into the IRC lines one recipient must see. Pure:
/// no state, no I/O; the state it needs (the previous configuration of a room, who the
/// recipient is, how occupants are named on IRC) is passed in. `IRCMind` calls it and writes
/// the result.
///
/// Every nick and source comes from `IRCOccupantNaming` (found by session, foreign nicks in
/// their IRC form); every text from another protocol goes through `IRCTextSplitter` or, for
/// one-line fields, the encoder's `wireSafe()`: no rendered event can forge a line, a nick
/// or an op prefix.
enum IRCEventRenderer {
    /// A numeric from the server to the recipient (the nick is the first parameter).
    static func numeric(_ code: String, _ parameters: [String], for recipient: IRCRecipient) -> IRCMessage {
        IRCMessage(source: recipient.serverName, command: code, parameters: [recipient.nick] + parameters)
    }

    // MARK: Entering (RFC 2812 §3.2.1: JOIN, then the topic and NAMES)

    /// The JOIN burst of a channel the recipient entered: its own JOIN, the topic (332/333
    /// or nothing), and NAMES (353…/366). History is not replayed: IRC has none without
    /// chathistory.
    static func entered(_ snapshot: RoomSnapshot, for recipient: IRCRecipient, naming: IRCOccupantNaming)
        -> [IRCMessage]
    {
        let channel = IRCChannelName.channel(for: snapshot.room)
        var lines = [join(snapshot.you, channel: channel, for: recipient, naming: naming)]
        if let topic = snapshot.topic, !topic.text.isEmpty {
            let setter = topic.setBy.map { naming.nick($0, in: snapshot.room) }
            lines += topicReply(topic, channel: channel, setter: setter, for: recipient)
        }
        lines += names(
            channel: channel, occupants: snapshot.occupants, configuration: snapshot.configuration, for: recipient,
            naming: naming)
        return lines
    }

    /// 332 RPL_TOPIC and 333 RPL_TOPICWHOTIME.
    /// `setter` is the nick of who set it, as IRC shows it (the server when nil).
    static func topicReply(_ topic: Topic, channel: String, setter: String?, for recipient: IRCRecipient)
        -> [IRCMessage]
    {
        [
            numeric(IRCNumeric.topic, [channel, topic.text], for: recipient),
            numeric(
                IRCNumeric.topicWhoTime,
                [channel, setter ?? recipient.serverName, String(Int(topic.at.timeIntervalSince1970))],
                for: recipient),
        ]
    }

    /// 353 RPL_NAMREPLY lines (as many as the 512-byte limit needs) and 366 RPL_ENDOFNAMES.
    /// `=` public, `@` secret (+s) channel (RFC 2812 §5.1); prefixes per multi-prefix;
    /// `nick!user@host` per userhost-in-names.
    static func names(
        channel: String, occupants: [Occupant], configuration: RoomConfiguration, for recipient: IRCRecipient,
        naming: IRCOccupantNaming
    ) -> [IRCMessage] {
        let symbol = configuration.hidden ? "@" : "="
        // ":server 353 nick = #chan :" plus CR LF.
        let overhead = recipient.serverName.utf8.count + recipient.nick.utf8.count + channel.utf8.count + 14
        let budget = IRCLimits.maximumBodyBytes - overhead
        var lines: [IRCMessage] = []
        var current = ""
        for occupant in occupants {
            let prefixes = IRCChannelModes.prefixes(
                of: occupant, moderated: configuration.moderated, multiPrefix: recipient.multiPrefix)
            let name = prefixes + (recipient.userhostInNames ? naming.source(of: occupant) : naming.nick(of: occupant))
            if !current.isEmpty && current.utf8.count + 1 + name.utf8.count > budget {
                lines.append(numeric(IRCNumeric.namReply, [symbol, channel, current], for: recipient))
                current = ""
            }
            current += current.isEmpty ? name : " " + name
        }
        if !current.isEmpty {
            lines.append(numeric(IRCNumeric.namReply, [symbol, channel, current], for: recipient))
        }
        lines.append(numeric(IRCNumeric.endOfNames, [channel, "End of /NAMES list"], for: recipient))
        return lines
    }

    // MARK: Occupants

    /// Another occupant entered: its JOIN, and for away-notify its AWAY when it came in away
    /// (IRCv3 away-notify: "when a user joins a channel … while away").
    static func joined(_ occupant: Occupant, room: RoomID, for recipient: IRCRecipient, naming: IRCOccupantNaming)
        -> [IRCMessage]
    {
        let join = join(occupant, channel: IRCChannelName.channel(for: room), for: recipient, naming: naming)
        guard recipient.awayNotify, let away = IRCAway.awayMessage(for: occupant.presence) else { return [join] }
        return [join, IRCMessage(source: join.source, command: "AWAY", parameters: [away])]
    }

    /// JOIN of `occupant`; with extended-join `JOIN #chan <account or *> :<realname>`.
    static func join(_ occupant: Occupant, channel: String, for recipient: IRCRecipient, naming: IRCOccupantNaming)
        -> IRCMessage
    {
        let source = naming.source(of: occupant)
        guard recipient.extendedJoin else { return IRCMessage(source: source, command: "JOIN", parameters: [channel]) }
        return IRCMessage(
            source: source, command: "JOIN",
            parameters: [channel, naming.account(of: occupant) ?? "*", naming.realname(of: occupant)])
    }

    /// An occupant left: PART with its message, KICK for a kick or a ban (the MODE +b line
    /// of an IRC ban is sent by the banning command), PART with a fixed reason when its
    /// connection failed or the server stops, QUIT when its session ended (RFC 2812 §3.1.7;
    /// the mind sends one QUIT per quitting session, not one per shared channel).
    static func left(
        _ occupant: Occupant, reason: LeaveReason, room: RoomID, for recipient: IRCRecipient, naming: IRCOccupantNaming
    ) -> IRCMessage {
        let channel = IRCChannelName.channel(for: room)
        let nick = naming.nick(of: occupant)
        let source = naming.source(of: occupant)
        func part(_ text: String?) -> IRCMessage {
            IRCMessage(source: source, command: "PART", parameters: text.map { [channel, $0] } ?? [channel])
        }
        func kick(by: Occupant?, _ text: String) -> IRCMessage {
            IRCMessage(
                source: by.map { naming.source(of: $0) } ?? recipient.serverName, command: "KICK",
                parameters: [channel, nick, text])
        }
        switch reason {
        case .left(let text): return part(text.flatMap { $0.isEmpty ? nil : $0 })
        case .kicked(let by, let text): return kick(by: by?.occupant, text ?? by.map { naming.nick(of: $0.occupant) } ?? nick)
        case .banned(let by, let text): return kick(by: by?.occupant, text ?? "Banned")
        case .membershipRevoked: return kick(by: nil, "Membership revoked")
        case .deliveryFailed: return part("Connection lost")
        case .shutdown: return part("Server shutting down")
        case .destroyed(let text, let alternate):
            return kick(by: nil, ["Channel destroyed", text, alternate.map { "moved to \($0)" }].compactMap { $0 }.joined(separator: ": "))
        case .disconnected(let text):
            return IRCMessage(
                source: source, command: "QUIT",
                parameters: [text.flatMap { $0.isEmpty ? nil : $0 } ?? "Client Quit"])
        }
    }

    /// A nick, role, affiliation or presence change: NICK (when `renderNick`), MODE for
    /// prefix changes, AWAY for away-notify. The MODE line comes from `actor` (the hostmask
    /// of who changed it, XEP-0045 §8/§9 `<actor/>`), or from the server when nil.
    static func changed(
        old: Occupant, new: Occupant, room: RoomID, moderated: Bool, renderNick: Bool, actor: String? = nil,
        for recipient: IRCRecipient, naming: IRCOccupantNaming
    ) -> [IRCMessage] {
        var lines: [IRCMessage] = []
        let newNick = naming.nick(of: new)
        if renderNick && old.nick.displayName != new.nick.displayName {
            lines.append(IRCMessage(source: naming.source(of: old, asNick: old.nick), command: "NICK", parameters: [newNick]))
        }
        let before = IRCChannelModes.prefixes(of: old, moderated: moderated, multiPrefix: true)
        let after = IRCChannelModes.prefixes(of: new, moderated: moderated, multiPrefix: true)
        if before != after {
            var modes = ""
            var parameters: [String] = []
            var sign: Character? = nil
            for (prefix, letter) in prefixLetters {
                let had = before.contains(prefix)
                let has = after.contains(prefix)
                guard had != has else { continue }
                let wanted: Character = has ? "+" : "-"
                if sign != wanted {
                    modes.append(wanted)
                    sign = wanted
                }
                modes.append(letter)
                parameters.append(newNick)
            }
            if !modes.isEmpty {
                lines.append(
                    IRCMessage(
                        source: actor ?? recipient.serverName, command: "MODE",
                        parameters: [IRCChannelName.channel(for: room), modes] + parameters))
            }
        }
        if recipient.awayNotify, old.presence != new.presence {
            let before = IRCAway.awayMessage(for: old.presence)
            let after = IRCAway.awayMessage(for: new.presence)
            if before != after {
                // IRCv3 away-notify: AWAY with the message when away, without when back.
                lines.append(
                    IRCMessage(source: naming.source(of: new), command: "AWAY", parameters: after.map { [$0] } ?? []))
            }
        }
        return lines
    }

    /// Prefix characters and their mode letters, as PREFIX=(qaov)~&@+ pairs them.
    static let prefixLetters: [(Character, Character)] = [("~", "q"), ("&", "a"), ("@", "o"), ("+", "v")]

    // MARK: Topic and modes

    /// TOPIC from the setter's source (the server when unknown).
    static func topicChanged(_ topic: Topic, room: RoomID, setter: String?, for recipient: IRCRecipient) -> IRCMessage {
        IRCMessage(
            source: setter ?? recipient.serverName, command: "TOPIC",
            parameters: [IRCChannelName.channel(for: room), topic.text])
    }

    /// The MODE line for a configuration change: flag, key and limit differences, from
    /// `actor` (the hostmask of who changed it) or the server when nil; nil when nothing
    /// IRC shows changed.
    static func configurationChanged(
        from old: RoomConfiguration, to new: RoomConfiguration, room: RoomID, actor: String? = nil,
        for recipient: IRCRecipient
    ) -> IRCMessage? {
        let change = modeDiff(from: old, to: new)
        guard !change.modes.isEmpty else { return nil }
        return IRCMessage(
            source: actor ?? recipient.serverName, command: "MODE",
            parameters: [IRCChannelName.channel(for: room), change.modes] + change.parameters)
    }

    /// `+mk-t key` for the flags, key and limit that differ (RFC 2811 §4).
    static func modeDiff(from old: RoomConfiguration, to new: RoomConfiguration) -> (modes: String, parameters: [String]) {
        var adding = ""
        var removing = ""
        var addParameters: [String] = []
        var removeParameters: [String] = []
        let flags: [(Character, KeyPath<RoomConfiguration, Bool>)] = [
            ("i", \.membersOnly), ("m", \.moderated), ("t", \.topicRestricted), ("s", \.hidden), ("P", \.persistent),
        ]
        for (letter, path) in flags where old[keyPath: path] != new[keyPath: path] {
            if new[keyPath: path] { adding.append(letter) } else { removing.append(letter) }
        }
        if old.allowsExternalMessages != new.allowsExternalMessages {
            // +n is "no external messages".
            if new.allowsExternalMessages { removing.append("n") } else { adding.append("n") }
        }
        if old.password != new.password {
            if let key = new.password {
                adding.append("k")
                addParameters.append(key)
            } else {
                removing.append("k")
                removeParameters.append("*")
            }
        }
        if old.maxOccupants != new.maxOccupants {
            if let limit = new.maxOccupants {
                adding.append("l")
                addParameters.append(String(limit))
            } else {
                removing.append("l")
            }
        }
        var modes = ""
        if !adding.isEmpty { modes += "+" + adding }
        if !removing.isEmpty { modes += "-" + removing }
        return (modes, addParameters + removeParameters)
    }

    // MARK: Messages

    /// The native IRC payloads the server adds to a room message for its own rendering,
    /// stripped before it renders: a room makes every message kind `.room`, so how it was
    /// sent travels as a payload.
    enum Marker: String {
        /// Sent as NOTICE. Rule: NOTICE when the message kind is `.notice` or `.headline`,
        /// or it carries this marker; PRIVMSG otherwise.
        case notice = "NOTICE"
        /// Sent to a STATUSMSG target (`@` of `PRIVMSG @#chan`, the value), so that the
        /// members who get it see the target it was sent to.
        case statusMessage = "STATUSMSG"
    }

    static func marker(_ kind: Marker, value: String = "") -> ExtensionPayload {
        ExtensionPayload(native: NativePayload(family: .irc, key: kind.rawValue, value: value))
    }

    /// The NOTICE marker payload.
    static var noticeMarker: ExtensionPayload { marker(.notice) }

    /// Whether a payload is one of the server's markers.
    static func isMarker(_ payload: ExtensionPayload) -> Bool {
        guard let native = payload.native, native.family == .irc else { return false }
        return Marker(rawValue: native.key) != nil
    }

    /// The value of a marker a message carries, nil without it.
    static func markerValue(_ kind: Marker, in message: Message) -> String? {
        guard !message.payloads.isEmpty else { return nil }
        let found = message.payloads.first { $0.native?.family == .irc && $0.native?.key == kind.rawValue }
        return found.map { $0.native?.value as? String ?? "" }
    }

    /// The target IRC shows for a room message: the channel, after its STATUSMSG prefix.
    static func target(of message: Message, in room: RoomID) -> String {
        let channel = IRCChannelName.channel(for: room)
        guard let prefix = markerValue(.statusMessage, in: message), prefix.count == 1, "~@+".contains(prefix)
        else { return channel }
        return prefix + channel
    }

    /// The privilege a STATUSMSG prefix stands for (ISUPPORT STATUSMSG=~@+).
    static func audience(forStatusPrefix prefix: Character) -> RoomPrivilege? {
        switch prefix {
        case "~": .owner
        case "@": .operator
        case "+": .voice
        default: nil
        }
    }

    /// Whether a message is shown as NOTICE.
    static func isNotice(_ message: Message) -> Bool {
        message.kind == .notice || message.kind == .headline || markerValue(.notice, in: message) != nil
    }

    /// A message as PRIVMSG, NOTICE or (no body, tags only) TAGMSG from `source` to
    /// `target`, in the recipient's variant: tags per message-tags and server-time, the
    /// server's `msgid` (the model message id) with message-tags, `account` when given (the
    /// recipient negotiated account-tag and the sender has one). Empty when nothing is left
    /// to send (a tags-only message to a client without message-tags).
    ///
    /// The body is cut by `IRCTextSplitter` at every line break and at the 512-byte budget
    /// of this source, command and target, so text from another protocol can never add a
    /// line of its own; a `/me` stays a CTCP ACTION in every piece. The first piece carries
    /// every tag, the others only `time` (a `msgid` names one line).
    static func message(
        _ message: Message, source: String, target: String, messageTags: Bool, serverTime: Bool,
        account: String? = nil, mapping: IRCPayloadMapping
    ) -> [IRCMessage] {
        var outgoing = message
        if outgoing.payloads.contains(where: isMarker) {
            outgoing.payloads.removeAll(where: isMarker)
        }
        let (mapped, text) = mapping.outbound(outgoing, clientTags: messageTags, serverTime: serverTime)
        var tags = mapped
        if messageTags, let id = message.id, !tags.contains(where: { $0.key == "msgid" }) {
            tags.append(IRCTag("msgid", id))
        }
        // IRCv3 account-tag: the sender's account, on every line of the message.
        if let account { tags.append(IRCTag("account", account)) }
        if message.body == nil {
            // IRCv3 TAGMSG: a tags-only message, only for clients with message-tags.
            guard messageTags, tags.contains(where: \.isClientOnly) else { return [] }
            return [IRCMessage(tags: tags, source: source, command: "TAGMSG", parameters: [target])]
        }
        let command = isNotice(message) ? "NOTICE" : "PRIVMSG"
        let action = IRCCTCPAction.unwrap(text)
        // RFC 1459 §2.3: ":source COMMAND target :text" within 510 bytes (CTCP adds 9).
        let fixed = source.utf8.count + command.utf8.count + target.utf8.count + 5 + (action == nil ? 0 : 9)
        let pieces = IRCTextSplitter.pieces(of: action ?? text, budget: IRCLimits.maximumBodyBytes - fixed)
        if pieces.count == 1, action == nil {
            return [IRCMessage(tags: tags, source: source, command: command, parameters: [target, pieces[0]])]
        }
        let laterTags = tags.filter { $0.key == "time" || $0.key == "account" }
        return pieces.enumerated().map { index, piece in
            IRCMessage(
                tags: index == 0 ? tags : laterTags, source: source, command: command,
                parameters: [target, action == nil ? piece : IRCCTCPAction.wrap(piece)])
        }
    }

    /// INVITE to the recipient (RFC 2812 §3.2.7), or invite-notify to a channel op.
    static func invitation(room: RoomID, inviter: String, invitee: String) -> IRCMessage {
        IRCMessage(source: inviter, command: "INVITE", parameters: [invitee, IRCChannelName.channel(for: room)])
    }
}
