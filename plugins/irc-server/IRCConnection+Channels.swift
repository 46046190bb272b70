import Foundation
import ParleyCore
import ParleyIRC

/// Channel commands (RFC 2812 §3.2): JOIN, PART, TOPIC, NAMES, LIST, MODE, KICK, INVITE,
/// each mapped onto the model's room operations. What the room then tells its occupants
/// (the JOIN burst, PART, TOPIC, MODE…) reaches clients through `IRCMind`; the commands
/// here send only the numerics the issuer alone gets.
extension IRCConnection {
    /// Runs a command of a registered client that this half of the server knows; false when
    /// it is not one (the caller answers 421).
    func handleRegisteredCommand(_ message: IRCMessage) async -> Bool {
        switch message.command {
        case "JOIN": await join(message)
        case "PART": await part(message)
        case "TOPIC": await topic(message)
        case "NAMES": await names(message)
        case "LIST": await list(message)
        case "MODE": await mode(message)
        case "KICK": await kick(message)
        case "INVITE": await invite(message)
        case "PRIVMSG", "NOTICE", "TAGMSG": await privmsg(message)
        case "AWAY": await away(message)
        case "WHO": await who(message)
        case "WHOIS": await whois(message)
        case "WHOWAS": whowas(message)
        case "USERHOST": userhost(message)
        case "ISON": ison(message)
        case "OPER": await oper(message)
        case "KILL": await kill(message)
        case "SETNAME": await setname(message)
        default: return false
        }
        return true
    }

    // MARK: JOIN (RFC 2812 §3.2.1)

    /// `JOIN #a,#b key1,key2`; `JOIN 0` leaves every channel.
    func join(_ message: IRCMessage) async {
        guard let session else { return }
        guard let first = message.parameters.first, !first.isEmpty else {
            return numeric(IRCNumeric.needMoreParams, ["JOIN", "Not enough parameters"])
        }
        if first == "0" {
            for room in session.joinedRooms { await session.leave(room, message: nil) }
            return
        }
        let channels = first.split(separator: ",", omittingEmptySubsequences: true).map(String.init)
        let keys = message.parameters.count > 1 ? message.parameters[1].split(separator: ",").map(String.init) : []
        let presence = IRCAway.presence(forAwayMessage: mind?.awayMessage)
        guard let nickname = Nickname(nick) else { return }
        // Bans see a guest as IRC shows it: `~<username>`.
        let guestUsername = session.isGuest ? String(Self.userAndHost(of: hostmask).0.dropFirst()) : nil
        for (index, channel) in channels.enumerated() {
            guard let room = IRCChannelName.roomID(for: channel) else {
                numeric(IRCNumeric.noSuchChannel, [channel, "No such channel"])
                continue
            }
            let key = index < keys.count ? keys[index] : nil
            do {
                // RFC 2811 §3.1: whoever creates a channel is its operator (`@`, not `~`).
                try await session.join(
                    room, as: nickname, password: key, presence: presence, founding: .operator, guestUsername: guestUsername)
            } catch {
                reply(to: error, channel: channel, command: "JOIN")
            }
        }
    }

    // MARK: PART (RFC 2812 §3.2.2)

    func part(_ message: IRCMessage) async {
        guard let session else { return }
        guard let first = message.parameters.first, !first.isEmpty else {
            return numeric(IRCNumeric.needMoreParams, ["PART", "Not enough parameters"])
        }
        let reason = message.parameters.count > 1 ? message.parameters[1] : nil
        for channel in first.split(separator: ",").map(String.init) {
            guard let room = IRCChannelName.roomID(for: channel), shared.chat.room(room) != nil else {
                numeric(IRCNumeric.noSuchChannel, [channel, "No such channel"])
                continue
            }
            guard session.joinedRooms.contains(room) else {
                numeric(IRCNumeric.notOnChannel, [channel, "You're not on that channel"])
                continue
            }
            await session.leave(room, message: reason)
        }
    }

    // MARK: TOPIC (RFC 2812 §3.2.4)

    func topic(_ message: IRCMessage) async {
        guard let session else { return }
        guard let channel = message.parameters.first else {
            return numeric(IRCNumeric.needMoreParams, ["TOPIC", "Not enough parameters"])
        }
        guard let room = IRCChannelName.roomID(for: channel), let state = await roomState(room) else {
            return numeric(IRCNumeric.noSuchChannel, [channel, "No such channel"])
        }
        let joined = state.occupant(of: session.id) != nil
        if message.parameters.count < 2 {
            guard joined || !state.configuration.hidden else {
                return numeric(IRCNumeric.notOnChannel, [channel, "You're not on that channel"])
            }
            if let topic = state.topic, !topic.text.isEmpty {
                let setter = topic.setBy.map { shared.naming.nick($0, in: room) }
                for line in IRCEventRenderer.topicReply(topic, channel: channel, setter: setter, for: recipient) {
                    send(line)
                }
            } else {
                numeric(IRCNumeric.noTopic, [channel, "No topic is set"])
            }
            return
        }
        guard joined else { return numeric(IRCNumeric.notOnChannel, [channel, "You're not on that channel"]) }
        let text = String(message.parameters[1].prefix(IRCServerInfo.topicLength))
        do {
            try await session.setTopic(text, in: room)
        } catch {
            reply(to: error, channel: channel, command: "TOPIC")
        }
    }

    // MARK: NAMES (RFC 2812 §3.2.5), LIST (§3.2.6)

    func names(_ message: IRCMessage) async {
        guard let session else { return }
        guard let first = message.parameters.first, !first.isEmpty else {
            return numeric(IRCNumeric.endOfNames, ["*", "End of /NAMES list"])
        }
        for channel in first.split(separator: ",").map(String.init) {
            if let room = IRCChannelName.roomID(for: channel), let state = await roomState(room),
                state.occupant(of: session.id) != nil || !state.configuration.hidden
            {
                // RFC 2812 §3.2.5: from outside, invisible members are not listed.
                let member = state.occupant(of: session.id) != nil
                let occupants = state.occupants.values.sorted { $0.nick.key < $1.nick.key }.filter { occupant in
                    member || !isInvisible(occupant)
                }
                for line in IRCEventRenderer.names(
                    channel: channel, occupants: occupants, configuration: state.configuration, for: recipient,
                    naming: shared.naming)
                {
                    send(line)
                }
            } else {
                numeric(IRCNumeric.endOfNames, [channel, "End of /NAMES list"])
            }
        }
    }

    func list(_ message: IRCMessage) async {
        guard let session else { return }
        var wanted: Set<RoomID>?
        if let first = message.parameters.first, first.hasPrefix("#") {
            wanted = Set(first.split(separator: ",").compactMap { IRCChannelName.roomID(for: String($0)) })
        }
        numeric(IRCNumeric.listStart, ["Channel", "Users  Name"])
        var rows: [(String, Int, String)] = []
        for room in shared.chat.allRooms {
            if let wanted, !wanted.contains(room.id) { continue }
            let state = await room.snapshot
            guard !state.isEmpty else { continue }
            // RFC 2811 §4.2.6: secret channels are listed only to their members.
            guard !state.configuration.hidden || state.occupant(of: session.id) != nil else { continue }
            rows.append((IRCChannelName.channel(for: room.id), state.occupants.count, state.topic?.text ?? ""))
        }
        for (channel, count, topic) in rows.sorted(by: { $0.0 < $1.0 }) {
            numeric(IRCNumeric.list, [channel, String(count), topic])
        }
        numeric(IRCNumeric.listEnd, ["End of /LIST"])
    }

    // MARK: KICK (RFC 2812 §3.2.8)

    /// `KICK #chan nick1,nick2 :reason`: the model's role `.none`.
    func kick(_ message: IRCMessage) async {
        guard let session else { return }
        guard message.parameters.count >= 2 else {
            return numeric(IRCNumeric.needMoreParams, ["KICK", "Not enough parameters"])
        }
        let channel = message.parameters[0]
        guard let room = IRCChannelName.roomID(for: channel), shared.chat.room(room) != nil else {
            return numeric(IRCNumeric.noSuchChannel, [channel, "No such channel"])
        }
        guard session.joinedRooms.contains(room) else {
            return numeric(IRCNumeric.notOnChannel, [channel, "You're not on that channel"])
        }
        let reason = message.parameters.count > 2 ? message.parameters[2] : nil
        // Targets are the names IRC shows (foreign occupants in their IRC form).
        let occupants = await roomState(room)?.occupants.values.map { $0 } ?? []
        for target in message.parameters[1].split(separator: ",").map(String.init) {
            guard let nickname = shared.naming.modelNick(for: target, among: occupants) else {
                numeric(IRCNumeric.userNotInChannel, [target, channel, "They aren't on that channel"])
                continue
            }
            do {
                try await session.setRole(.none, of: nickname, in: room, reason: reason)
            } catch {
                reply(to: error, channel: channel, command: "KICK", target: target)
            }
        }
    }

    // MARK: INVITE (modern.ircdocs.horse "INVITE message", IRCv3 invite-notify)

    /// 403 for a channel that does not exist, 442 from outside, 443 for a member, 482 into
    /// +i without being an operator; else 341 (and 301 when the invitee is away) and the
    /// invitation, which lets the invitee past +i, ban masks, +k and +l (RoomState.join).
    func invite(_ message: IRCMessage) async {
        guard let session else { return }
        guard message.parameters.count >= 2 else {
            return numeric(IRCNumeric.needMoreParams, ["INVITE", "Not enough parameters"])
        }
        let target = message.parameters[0]
        let channel = message.parameters[1]
        guard let (invitee, shownNick) = await invitee(named: target, seenBy: session) else {
            return numeric(IRCNumeric.noSuchNick, [target, "No such nick/channel"])
        }
        guard let room = IRCChannelName.roomID(for: channel), let state = await roomState(room) else {
            return numeric(IRCNumeric.noSuchChannel, [channel, "No such channel"])
        }
        guard state.occupant(of: session.id) != nil else {
            return numeric(IRCNumeric.notOnChannel, [channel, "You're not on that channel"])
        }
        if state.occupants.values.contains(where: { $0.user == invitee }) {
            return numeric(IRCNumeric.userOnChannel, [shownNick, channel, "is already on channel"])
        }
        do {
            try await session.invite(invitee, to: room)
        } catch {
            return reply(to: error, channel: channel, command: "INVITE", target: target)
        }
        numeric(IRCNumeric.inviting, [shownNick, channel])
        if let away = shared.nicks.entry(for: shownNick)?.mind?.awayMessage { numeric(IRCNumeric.away, [shownNick, away]) }
        // IRCv3 invite-notify: channel operators who asked are told too.
        let line = IRCEventRenderer.invitation(room: room, inviter: hostmask, invitee: shownNick)
        forEachIRCMember(of: state) { occupant, mind in
            guard !occupant.sessions.contains(session.id), occupant.role == .moderator,
                mind.recipient.inviteNotify
            else { return }
            mind.write([line])
        }
    }

    /// The user an INVITE names, and the nick to show for it: an IRC client by its nick,
    /// else an occupant of another protocol as this client sees it in a room they share
    /// (its nick or foreign form, never a string compared with the model nick).
    private func invitee(named target: String, seenBy session: ChatSession) async -> (UserID, String)? {
        if let entry = shared.nicks.entry(for: target), let user = entry.userID { return (user, entry.nick) }
        for room in session.joinedRooms {
            guard let state = await roomState(room),
                let nick = shared.naming.modelNick(for: target, among: state.occupants.values),
                let occupant = state.occupants[nick]
            else { continue }
            return (occupant.user, shared.naming.nick(of: occupant))
        }
        return nil
    }

    // MARK: Shared helpers

    /// The current state of a room, nil when it does not exist.
    func roomState(_ room: RoomID) async -> RoomState? {
        guard let room = shared.chat.room(room) else { return nil }
        let state = await room.snapshot
        return state.isEmpty ? nil : state
    }

    /// Whether an occupant is an IRC client of this server with user mode +i.
    func isInvisible(_ occupant: Occupant) -> Bool {
        shared.naming.ircEntry(of: occupant)?.registered?.modes.contains(.invisible) == true
    }

    /// This client as a rendering recipient.
    var recipient: IRCRecipient {
        mind?.recipient ?? IRCRecipient(serverName: shared.serverName, nick: nick)
    }

    /// Calls `body` for every session of a room's occupants that is an IRC client of this
    /// server, with its mind (to write lines that are not model events: invite-notify). The
    /// client is found by session, never by nick.
    func forEachIRCMember(of state: RoomState, _ body: (Occupant, IRCMind) -> Void) {
        for occupant in state.occupants.values {
            for session in occupant.sessions {
                guard let mind = shared.nicks.entry(ofSession: session)?.mind else { continue }
                body(occupant, mind)
            }
        }
    }

    /// The numeric for a refused room operation (the mapping in docs/irc-server.md).
    func reply(to error: RoomError, channel: String, command: String, target: String? = nil) {
        switch error {
        case .banned:
            if command == "PRIVMSG" || command == "NOTICE" || command == "TAGMSG" {
                numeric(IRCNumeric.cannotSendToChannel, [channel, "Cannot send to channel"])
            } else {
                numeric(IRCNumeric.bannedFromChannel, [channel, "Cannot join channel (+b)"])
            }
        case .membersOnly: numeric(IRCNumeric.inviteOnlyChannel, [channel, "Cannot join channel (+i)"])
        case .badPassword: numeric(IRCNumeric.badChannelKey, [channel, "Cannot join channel (+k)"])
        case .full: numeric(IRCNumeric.channelIsFull, [channel, "Cannot join channel (+l)"])
        case .nicknameInUse: numeric(IRCNumeric.nicknameInUse, [nick, "Nickname is already in use"])
        case .notInRoom:
            if command == "PRIVMSG" || command == "NOTICE" || command == "TAGMSG" {
                // RFC 2812 §3.3.1: +n refuses senders from outside (404).
                numeric(IRCNumeric.cannotSendToChannel, [channel, "Cannot send to channel"])
            } else {
                numeric(IRCNumeric.notOnChannel, [channel, "You're not on that channel"])
            }
        case .notAllowed: numeric(IRCNumeric.channelOperatorPrivilegesNeeded, [channel, "You're not channel operator"])
        case .noSuchOccupant:
            numeric(IRCNumeric.userNotInChannel, [target ?? "*", channel, "They aren't on that channel"])
        case .noSuchRoom: numeric(IRCNumeric.noSuchChannel, [channel, "No such channel"])
        case .locked:
            // XEP-0045 §10.1.1: a room an XMPP owner created waits for its configuration.
            numeric(IRCNumeric.unavailableResource, [channel, "Channel is new and not yet configured by its owner"])
        case .cannotSpeak: numeric(IRCNumeric.cannotSendToChannel, [channel, "Cannot send to channel"])
        case .banListFull: numeric(IRCNumeric.banListFull, [channel, target ?? "*", "Channel ban list is full"])
        case .tooManyRooms: numeric(IRCNumeric.tooManyChannels, [channel, "You have joined too many channels"])
        case .roomLimitReached:
            numeric(IRCNumeric.tooManyChannels, [channel, "The server holds its most channels"])
        case .tooFast: numeric(IRCNumeric.tryAgain, [command, "Please wait a while and try again."])
        case .invalid(let why): numeric(IRCNumeric.needMoreParams, [command, why])
        case .sessionClosed: break
        }
    }
}
