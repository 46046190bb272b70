import Foundation
import ParleyCore
import ParleyIRC

/// Server operators (RFC 2812 §3.1.4 OPER, §3.7.1 KILL, §4.7 WALLOPS) and user modes
/// (§3.1.5 `i`, `w`, `o`), from `opers-file` (`IRCOperators`).
extension IRCConnection {
    /// `OPER <name> <password>`: 381 and user mode +o, or 464 / 491. An operator with a
    /// vhost shows it as its host from then on (IRCv3 chghost).
    func oper(_ message: IRCMessage) async {
        guard message.parameters.count >= 2 else {
            return numeric(IRCNumeric.needMoreParams, ["OPER", "Not enough parameters"])
        }
        let (user, _) = Self.userAndHost(of: hostmask)
        let from = user + "@" + (channel.remoteAddress?.ipAddress ?? "unknown")
        let operators = shared.operators.withLock { $0 }
        let (name, password) = (message.parameters[0], message.parameters[1])
        // One PBKDF2: off the event loop.
        let outcome = await Task.detached { operators.check(name: name, password: password, from: from) }.value
        guard !closed, mind != nil else { return }
        switch outcome {
        case .noOperHost:
            log(.notice, "OPER refused: no such operator here", ["name": "\(name)", "from": "\(from)"])
            numeric(IRCNumeric.noOperHost, ["No O-lines for your host"])
            operFailed()
        case .passwordMismatch:
            log(.notice, "OPER refused: wrong password", ["name": "\(name)", "from": "\(from)"])
            numeric(IRCNumeric.passwordMismatch, ["Password incorrect"])
            operFailed()
        case .loggedIn(let name, let vhost):
            log(.notice, "OPER", ["name": "\(name)", "from": "\(from)"])
            let modes = mind?.registered?.modes ?? []
            mind?.updateRegistered { $0.modes.insert(.operator) }
            countModes(from: modes, to: modes.union(.operator))
            numeric(IRCNumeric.youreOper, ["You are now an IRC operator"])
            send(IRCMessage(source: nick, command: "MODE", parameters: [nick, "+o"]))
            if let vhost { await changeHost(to: vhost) }
        }
    }

    /// A failed OPER: after `max-auth-failures` of them the connection is closed, as after
    /// failed SASL attempts (each attempt costs the server a PBKDF2).
    private func operFailed() {
        operFailures += 1
        if operFailures >= shared.settings.maxAuthFailures { close("Too many failed OPER attempts") }
    }

    /// `KILL <nick> :<reason>` (operators only): the client gets KILL and ERROR and is
    /// closed; its channels see `QUIT :Killed (<oper> (<reason>))`.
    func kill(_ message: IRCMessage) async {
        guard isOperator else { return noPrivileges() }
        guard let target = message.parameters.first, !target.isEmpty else {
            return numeric(IRCNumeric.needMoreParams, ["KILL", "Not enough parameters"])
        }
        guard let entry = shared.nicks.entry(for: target), entry.session != nil else {
            return numeric(IRCNumeric.noSuchNick, [target, "No such nick/channel"])
        }
        let reason = String((message.parameters.count > 1 ? message.parameters[1] : nick).prefix(IRCServerInfo.kickLength))
        let killer = hostmask
        let text = "Killed (\(nick) (\(reason)))"
        log(.notice, "KILL", ["target": "\(entry.nick)", "reason": "\(reason)"])
        await entry.connection.killed(by: killer, reason: reason, quitMessage: text)
    }

    /// This client was killed by an operator.
    func killed(by killer: String, reason: String, quitMessage: String) {
        guard !closed else { return }
        send(IRCMessage(source: killer, command: "KILL", parameters: [nick, reason]))
        closingMessage = quitMessage
        close("Closing Link: \(serverName) (\(quitMessage))")
    }

    /// `WALLOPS :<text>` (operators only), to every user with user mode +w.
    func wallops(_ message: IRCMessage) {
        guard isOperator else { return noPrivileges() }
        guard let text = message.parameters.first, !text.isEmpty else {
            return numeric(IRCNumeric.needMoreParams, ["WALLOPS", "Not enough parameters"])
        }
        let line = IRCMessage(source: hostmask, command: "WALLOPS", parameters: [String(text.prefix(400))])
        for entry in shared.nicks.registered where entry.registered?.modes.contains(.wallops) == true {
            entry.mind?.write([line])
        }
    }

    var isOperator: Bool { mind?.registered?.modes.contains(.operator) ?? false }

    private func noPrivileges() {
        numeric(IRCNumeric.noPrivileges, ["Permission Denied- You're not an IRC operator"])
    }

    /// User modes on oneself: 221 without changes; `+i`, `-i`, `+w`, `-w`, `-o` (`+o`
    /// only through OPER), answered with the MODE line of what changed.
    func userMode(_ target: String, _ parameters: [String]) {
        guard IRCNickTable.fold(target) == IRCNickTable.fold(nick) else {
            if shared.nicks.entry(for: target) == nil {
                return numeric(IRCNumeric.noSuchNick, [target, "No such nick/channel"])
            }
            return numeric(IRCNumeric.usersDontMatch, ["Can't change mode for other users"])
        }
        let current = mind?.registered?.modes ?? []
        guard let letters = parameters.first else {
            return numeric(IRCNumeric.userModeIs, [current.modeString])
        }
        var modes = current
        var adding = true
        var unknown = false
        for letter in letters {
            switch letter {
            case "+": adding = true
            case "-": adding = false
            default:
                guard let mode = IRCUserModes.mode(for: letter) else {
                    unknown = true
                    continue
                }
                if mode == .operator && adding { continue }
                if adding { modes.insert(mode) } else { modes.remove(mode) }
            }
        }
        if unknown { numeric(IRCNumeric.userModeUnknownFlag, ["Unknown MODE flag"]) }
        guard modes != current else { return }
        mind?.updateRegistered { $0.modes = modes }
        countModes(from: current, to: modes)
        send(IRCMessage(source: nick, command: "MODE", parameters: [nick, Self.modeChange(from: current, to: modes)]))
    }

    /// Keeps LUSERS' invisible and operator counts in step with a client's modes.
    func countModes(from old: IRCUserModes, to new: IRCUserModes) {
        func delta(_ mode: IRCUserModes) -> Int { (new.contains(mode) ? 1 : 0) - (old.contains(mode) ? 1 : 0) }
        shared.invisibleCount.wrappingAdd(delta(.invisible), ordering: .relaxed)
        shared.operatorCount.wrappingAdd(delta(.operator), ordering: .relaxed)
    }

    /// `+w-i` for the letters that differ.
    static func modeChange(from old: IRCUserModes, to new: IRCUserModes) -> String {
        let added = IRCUserModes.letters.filter { new.contains($0.1) && !old.contains($0.1) }.map(\.0)
        let removed = IRCUserModes.letters.filter { old.contains($0.1) && !new.contains($0.1) }.map(\.0)
        return (added.isEmpty ? "" : "+" + String(added)) + (removed.isEmpty ? "" : "-" + String(removed))
    }
}
