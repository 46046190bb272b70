import Foundation
import ParleyCore
import ParleyIRC

/// MODE (RFC 2812 §3.1.5 user modes, §3.2.3 channel modes; RFC 2811 §4): channel flags,
/// key and limit become the room configuration, prefix modes become roles and
/// affiliations (`IRCChannelModes.memberChange`), +b masks are the room's ban list
/// (`RoomState.addBan`), which makes the matching occupants outcasts.
extension IRCConnection {
    func mode(_ message: IRCMessage) async {
        guard let target = message.parameters.first else {
            return numeric(IRCNumeric.needMoreParams, ["MODE", "Not enough parameters"])
        }
        if target.hasPrefix("#") {
            await channelMode(target, Array(message.parameters.dropFirst()))
        } else {
            userMode(target, Array(message.parameters.dropFirst()))
        }
    }

    func channelMode(_ channel: String, _ parameters: [String]) async {
        guard let session else { return }
        guard let room = IRCChannelName.roomID(for: channel), let state = await roomState(room) else {
            return numeric(IRCNumeric.noSuchChannel, [channel, "No such channel"])
        }
        let me = state.occupant(of: session.id)
        guard let modes = parameters.first else {
            // 324 RPL_CHANNELMODEIS; the key and limit only to members.
            let shown = IRCChannelModes.modeString(for: state.configuration, showParameters: me != nil)
            return numeric(IRCNumeric.channelModeIs, [channel, shown.modes] + shown.parameters)
        }
        let (changes, problems) = IRCChannelModes.parse(modes, parameters: Array(parameters.dropFirst()))
        for problem in problems {
            switch problem {
            case .unknownMode(let letter):
                numeric(IRCNumeric.unknownMode, [String(letter), "is unknown mode char to me for \(channel)"])
            case .missingParameter(let letter):
                numeric(IRCNumeric.needMoreParams, ["MODE", "Not enough parameters for +\(letter)"])
            case .invalidLimit(let text):
                // modern.ircdocs.horse ERR_INVALIDMODEPARAM (696).
                numeric(IRCNumeric.invalidModeParam, [channel, "l", text, "Invalid limit: a positive number is needed"])
            case .invalidKey(let text):
                numeric(IRCNumeric.invalidModeParam, [channel, "k", text, "Invalid key: no commas, spaces or control characters"])
            }
        }
        if changes.contains(.listBans) {
            // RPL_BANLIST 367 / RPL_ENDOFBANLIST 368, to anyone who may see the channel.
            if me != nil || !state.configuration.hidden {
                for entry in state.bans {
                    numeric(
                        IRCNumeric.banList, [channel, entry.mask, entry.setBy, String(Int(entry.at.timeIntervalSince1970))])
                }
            }
            numeric(IRCNumeric.endOfBanList, [channel, "End of channel ban list"])
        }
        let edits = changes.filter { $0 != .listBans }
        guard !edits.isEmpty else { return }
        guard let me else { return numeric(IRCNumeric.notOnChannel, [channel, "You're not on that channel"]) }
        guard me.mayModerate else {
            return numeric(IRCNumeric.channelOperatorPrivilegesNeeded, [channel, "You're not channel operator"])
        }

        // Flags, key and limit: one configuration change (one MODE line from the room).
        let configuration = IRCChannelModes.apply(edits, to: state.configuration)
        if configuration != state.configuration {
            // IRC +m silences everyone without voice at once, where a moderated MUC room
            // keeps its participants: the room takes the voice of unvoiced occupants as it
            // becomes moderated, and gives it back after -m.
            do {
                try await session.configure(room, configuration, revokingVoice: true)
            } catch {
                reply(to: error, channel: channel, command: "MODE")
            }
        }
        for change in edits {
            switch change {
            case .member(let mode, let targetNick, let adding):
                // Each change is computed from the room as the previous one left it
                // (`+ov bob bob` gives both).
                let current = await roomState(room) ?? state
                guard let nickname = shared.naming.modelNick(for: targetNick, among: current.occupants.values),
                    let occupant = current.occupants[nickname]
                else {
                    numeric(IRCNumeric.userNotInChannel, [targetNick, channel, "They aren't on that channel"])
                    continue
                }
                guard let change = IRCChannelModes.memberChange(
                    mode: mode, adding: adding, occupant: occupant, moderated: configuration.moderated)
                else { continue }
                do {
                    switch change {
                    case .role(let role): try await session.setRole(role, of: occupant.nick, in: room)
                    case .voice(let voiced): try await session.setVoice(voiced, of: occupant.nick, in: room)
                    case .affiliation(let affiliation):
                        try await session.setAffiliation(affiliation, of: occupant.user, in: room)
                    }
                } catch {
                    reply(to: error, channel: channel, command: "MODE", target: targetNick)
                }
            case .ban(let mask, let adding):
                // The room announces the list change (MODE ±b from the setter) and removes
                // the occupants a new mask matches.
                do {
                    if adding {
                        try await session.addBan(mask, in: room)
                    } else {
                        try await session.removeBan(mask, in: room)
                    }
                } catch {
                    reply(to: error, channel: channel, command: "MODE", target: mask)
                }
            case .flag, .key, .limit, .listBans:
                continue
            }
        }
    }
}
