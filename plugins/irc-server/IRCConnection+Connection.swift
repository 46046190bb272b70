import ParleyCore
import ParleyIRC

extension IRCConnection {
    /// NICK after registration (RFC 2812 §3.1.2): the nick table first, then the occupant
    /// nick in every joined room (undone everywhere if one room refuses), then NICK to the
    /// client itself (peers learn it from the rooms).
    func changeNick(to requested: String) async {
        let old = nick
        guard shared.nicks.claim(requested, for: self, replacing: nil) else {
            numeric(IRCNumeric.nicknameInUse, [requested, "Nickname is already in use"])
            return
        }
        let caseChangeOnly = IRCNickTable.fold(requested) == IRCNickTable.fold(old)
        func giveBack() { if !caseChangeOnly { shared.nicks.release(requested, for: self) } }
        guard await nickAllowed(requested) else {
            giveBack()
            refuseReservedNick(requested)
            return
        }
        guard let session, let newNick = Nickname(requested), let oldNick = Nickname(old) else {
            giveBack()
            return
        }
        var changed: [RoomID] = []
        for room in session.joinedRooms {
            do {
                try await session.changeNick(in: room, to: newNick)
                changed.append(room)
            } catch {
                for done in changed { try? await session.changeNick(in: done, to: oldNick) }
                giveBack()
                numeric(IRCNumeric.nicknameInUse, [requested, "Nickname is already in use in \(IRCChannelName.channel(for: room))"])
                return
            }
        }
        let oldMask = hostmask
        if !caseChangeOnly { rememberNick() }
        registration.nick = requested
        // Move the entry (session, hostmask) to the new nick, then drop the old one.
        if !caseChangeOnly {
            shared.nicks.release(requested, for: self)
            _ = shared.nicks.claim(requested, for: self, replacing: old)
        } else {
            _ = shared.nicks.claim(requested, for: self)
        }
        mind?.update(nick: requested, capabilities: capabilities)
        send(IRCMessage(source: oldMask, command: "NICK", parameters: [requested]))
    }

    /// QUIT (RFC 2812 §3.1.7): end the session with the reason (its rooms tell the peers,
    /// who each see one `QUIT :Quit: reason`), then ERROR and close.
    func quit(_ reason: String) async {
        await session?.close(message: "Quit: " + reason)
        close("Closing Link: \(reason)")
    }
}
