import ParleyCore
import ParleyIRC

/// What changes who a registered client appears to be: its host (an operator's vhost,
/// IRCv3 chghost) and its realname (IRCv3 setname). Clients that negotiated the capability
/// are told with one line each, the client itself included.
extension IRCConnection {
    /// Shows `host` as this client's host from now on: `:old CHGHOST <user> <host>`.
    func changeHost(to host: String) async {
        let old = hostmask
        let (user, oldHost) = Self.userAndHost(of: old)
        guard host != oldHost else { return }
        mind?.updateRegistered { $0.hostmask = IRCHostmask.of(nick: nick, userPart: user, host: host) }
        let line = IRCMessage(source: old, command: "CHGHOST", parameters: [user, host])
        await tellPeersAndSelf(line, when: \.chghost)
    }

    /// `SETNAME :<realname>` (IRCv3 setname): at most NAMELEN, else FAIL INVALID_REALNAME.
    func setname(_ message: IRCMessage) async {
        guard capabilities.contains(.setname) else {
            return numeric(IRCNumeric.unknownCommand, ["SETNAME", "Unknown command"])
        }
        guard let realname = message.parameters.first, !realname.isEmpty,
            realname.count <= IRCServerInfo.realnameLength
        else {
            return send(
                IRCMessage(
                    source: serverName, command: "FAIL",
                    parameters: ["SETNAME", "INVALID_REALNAME", "Realname is empty or longer than \(IRCServerInfo.realnameLength)"]))
        }
        mind?.updateRegistered { $0.realname = realname }
        await tellPeersAndSelf(IRCMessage(source: hostmask, command: "SETNAME", parameters: [realname]), when: \.setname)
    }

    /// Writes `line` to this client and to every IRC client sharing a channel with it (each
    /// once) whose recipient view has `capability`.
    private func tellPeersAndSelf(_ line: IRCMessage, when capability: KeyPath<IRCRecipient, Bool>) async {
        if recipient[keyPath: capability] { send(line) }
        guard let session else { return }
        var told: Set<ObjectIdentifier> = []
        if let mind { told.insert(ObjectIdentifier(mind)) }
        for room in session.joinedRooms {
            guard let state = await roomState(room) else { continue }
            forEachIRCMember(of: state) { _, peer in
                guard told.insert(ObjectIdentifier(peer)).inserted, peer.recipient[keyPath: capability] else { return }
                peer.write([line])
            }
        }
    }
}
