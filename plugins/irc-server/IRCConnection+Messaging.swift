import Foundation
import ParleyCore
import ParleyIRC

/// PRIVMSG, NOTICE and TAGMSG (RFC 2812 §3.3, IRCv3 message-tags) to channels and nicks,
/// and AWAY (RFC 2812 §4.1, IRCv3 away-notify).
extension IRCConnection {
    /// The most targets one PRIVMSG/NOTICE/TAGMSG may name (ISUPPORT MAXTARGETS).
    static let maximumTargets = 4

    func privmsg(_ message: IRCMessage) async {
        guard let session else { return }
        let command = message.command
        // RFC 2812 §3.3.2: a NOTICE never gets an error reply.
        let quiet = command == "NOTICE"
        let isTagOnly = command == "TAGMSG"
        guard let first = message.parameters.first, !first.isEmpty else {
            if !quiet { numeric(IRCNumeric.noRecipient, ["No recipient given (\(command))"]) }
            return
        }
        let text: String? = isTagOnly ? nil : message.parameters.count > 1 ? message.parameters[1] : nil
        if !isTagOnly && (text ?? "").isEmpty {
            if !quiet { numeric(IRCNumeric.noTextToSend, ["No text to send"]) }
            return
        }
        let (body, payloads) = shared.mapping.inbound(tags: message.tags, text: text)
        if isTagOnly && !payloads.contains(where: { $0.native?.family == .irc || $0.meaning != nil }) { return }
        let targets = first.split(separator: ",", omittingEmptySubsequences: true).map(String.init)
        if !isTagOnly { mind?.updateRegistered { $0.spokeAt = UInt32(Date().timeIntervalSince1970) } }
        for (index, target) in targets.enumerated() {
            guard index < Self.maximumTargets else {
                if !quiet { numeric(IRCNumeric.tooManyTargets, [target, "Too many targets"]) }
                continue
            }
            // STATUSMSG (modern.ircdocs.horse): `@#chan` reaches the channel's operators only.
            let status = target.first.flatMap { IRCEventRenderer.audience(forStatusPrefix: $0) }
            let channelName = status == nil ? target : String(target.dropFirst())
            if channelName.hasPrefix("#") {
                guard let room = IRCChannelName.roomID(for: channelName) else {
                    if !quiet { numeric(IRCNumeric.noSuchChannel, [channelName, "No such channel"]) }
                    continue
                }
                var roomPayloads = payloads
                if quiet { roomPayloads.append(IRCEventRenderer.noticeMarker) }
                if status != nil, let prefix = target.first { roomPayloads.append(IRCEventRenderer.marker(.statusMessage, value: String(prefix))) }
                // The room mints the message's id (the `msgid` every member sees).
                let outgoing = Message(
                    kind: .room, from: .session(session.id), to: .room(room), body: body,
                    payloads: roomPayloads)
                do {
                    try await session.send(outgoing, audience: status)
                } catch {
                    guard !quiet else { continue }
                    switch error {
                    case .room(let roomError): reply(to: roomError, channel: channelName, command: command)
                    default: numeric(IRCNumeric.cannotSendToChannel, [target, "Cannot send to channel"])
                    }
                }
            } else {
                // IRCv3 message-ids: a direct message gets a server id of the same form.
                await sendDirect(
                    id: MessageID.mint(), to: target, body: body, payloads: payloads, command: command, quiet: quiet,
                    from: session)
            }
        }
    }

    /// A message to a nick: the model session behind it, as `.chat` (PRIVMSG, TAGMSG) or
    /// `.notice`; 301 when the target is away; echo-message back to the sender.
    private func sendDirect(
        id: String, to target: String, body: String?, payloads: [ExtensionPayload], command: String, quiet: Bool,
        from session: ChatSession
    ) async {
        guard let entry = shared.nicks.entry(for: target), let targetSession = entry.session else {
            if !quiet { numeric(IRCNumeric.noSuchNick, [target, "No such nick/channel"]) }
            return
        }
        var outgoing = Message(
            id: id, kind: quiet ? .notice : .chat, from: .session(session.id), to: .session(targetSession.id),
            body: body, payloads: payloads)
        do {
            try await session.send(outgoing)
        } catch {
            if !quiet { numeric(IRCNumeric.noSuchNick, [target, "No such nick/channel"]) }
            return
        }
        if command == "PRIVMSG", let away = entry.mind?.awayMessage {
            numeric(IRCNumeric.away, [entry.nick, away])
        }
        let me = recipient
        if me.echoMessage {
            // IRCv3 echo-message: the sender sees its message as the target got it.
            outgoing.timestamp = outgoing.timestamp ?? Date()
            for line in IRCEventRenderer.message(
                outgoing, source: hostmask, target: entry.nick, messageTags: me.messageTags,
                serverTime: me.serverTime, account: me.accountTag ? account : nil, mapping: shared.mapping)
            {
                send(line)
            }
        }
    }

    // MARK: AWAY (RFC 2812 §4.1)

    /// `AWAY :text` sets the away presence (306), `AWAY` clears it (305); the rooms then
    /// tell away-notify peers through `occupantChanged`.
    func away(_ message: IRCMessage) async {
        guard let session else { return }
        var text = message.parameters.first
        if let current = text, current.isEmpty { text = nil }
        if let current = text { text = String(current.prefix(IRCServerInfo.awayLength)) }
        mind?.awayMessage = text
        await session.setPresence(IRCAway.presence(forAwayMessage: text))
        if text == nil {
            numeric(IRCNumeric.unaway, ["You are no longer marked as being away"])
        } else {
            numeric(IRCNumeric.nowAway, ["You have been marked as being away"])
        }
    }
}
