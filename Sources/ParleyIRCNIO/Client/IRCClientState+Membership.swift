import ParleyIRC

extension IRCClientState {
    /// JOIN, PART, KICK, QUIT, NICK, MODE and NAMES (353/366): the channel rosters.
    mutating func receiveMembership(_ message: IRCMessage) -> [IRCClientAction] {
        let source = IRCUserHost(parsing: message.source ?? "")
        let fromSelf = !source.nick.isEmpty && caseMapping.equals(source.nick, nick)
        let parameters = message.parameters
        switch message.command {
        case "JOIN":
            // RFC 2812 §3.2.1; extended-join adds account and real name after the channel.
            guard let channel = parameters.first else { return [.event(.other(message))] }
            let key = fold(channel)
            let member = IRCChannelMember(nick: source.nick, user: source.user, host: source.host)
            if fromSelf {
                rosters[key] = IRCChannelRoster(name: channel, members: [fold(source.nick): member])
                if wanted[Self.wantedKey(channel)] == nil { wanted[Self.wantedKey(channel)] = (channel, nil) }
                return [.event(.joined(channel: channel)), .event(.namesChanged(channel: channel))]
            }
            guard let roster = rosters[key] else { return [] }
            let who = fold(source.nick)
            rosters[key]?.members[who] = member
            return [.event(.memberChanged(channel: roster.name, .joined(member))), .event(.namesChanged(channel: roster.name))]
        case "PART":
            guard let channel = parameters.first else { return [.event(.other(message))] }
            let key = fold(channel)
            if fromSelf {
                rosters[key] = nil
                wanted[Self.wantedKey(channel)] = nil
                return [.event(.parted(channel: channel, reason: parameters.count > 1 ? parameters[1] : nil))]
            }
            return remove(source.nick, from: key, .parted(nick: source.nick, reason: parameters.count > 1 ? parameters[1] : nil))
        case "KICK":
            guard parameters.count >= 2 else { return [.event(.other(message))] }
            let key = fold(parameters[0])
            let reason = parameters.count > 2 ? parameters[2] : nil
            if caseMapping.equals(parameters[1], nick) {
                let name = rosters[key]?.name ?? parameters[0]
                rosters[key] = nil
                wanted[Self.wantedKey(parameters[0])] = nil
                return [.event(.kicked(channel: name, by: source.nick, reason: reason))]
            }
            return remove(parameters[1], from: key, .kicked(nick: parameters[1], by: source.nick, reason: reason))
        case "QUIT":
            let who = fold(source.nick)
            let reason = parameters.first
            var actions: [IRCClientAction] = []
            for (key, roster) in rosters.sorted(by: { $0.key < $1.key }) where roster.members[who] != nil {
                rosters[key]?.members[who] = nil
                actions.append(.event(.memberChanged(channel: roster.name, .quit(nick: source.nick, reason: reason))))
                actions.append(.event(.namesChanged(channel: roster.name)))
            }
            return actions
        case "NICK":
            guard let new = parameters.first else { return [.event(.other(message))] }
            var actions: [IRCClientAction] = []
            if fromSelf {
                let old = nick
                nick = new
                actions.append(.event(.nickChanged(from: old, to: new)))
            }
            let old = fold(source.nick)
            for (key, roster) in rosters.sorted(by: { $0.key < $1.key }) {
                guard var member = roster.members[old] else { continue }
                member.nick = new
                let renamed = fold(new)
                rosters[key]?.members[old] = nil
                rosters[key]?.members[renamed] = member
                actions.append(.event(.memberChanged(channel: roster.name, .renamed(from: source.nick, to: member))))
                actions.append(.event(.namesChanged(channel: roster.name)))
            }
            return actions
        case "MODE":
            return receiveChannelMode(message)
        case IRCNumeric.namReply:
            // `353 me = #chan :@op +voice nick` (RFC 2812 §5.1; multi-prefix, userhost-in-names)
            guard parameters.count >= 4 else { return [.event(.other(message))] }
            let key = fold(parameters[2])
            let symbols = isupport.prefixes.map(\.symbol)
            var list = pendingNames[key] ?? [:]
            for entry in parameters[3].split(separator: " ") {
                let member = IRCChannelMember(namesEntry: entry, symbols: symbols)
                guard !member.nick.isEmpty else { continue }
                list[fold(member.nick)] = member
            }
            pendingNames[key] = list
            return []
        case IRCNumeric.endOfNames:
            guard parameters.count >= 2 else { return [.event(.other(message))] }
            let key = fold(parameters[1])
            let list = pendingNames.removeValue(forKey: key) ?? [:]
            guard let roster = rosters[key] else { return [.event(.other(message))] }
            rosters[key]?.members = list
            let listed = list.values.sorted { $0.nick < $1.nick }
            return [.event(.memberChanged(channel: roster.name, .listed(listed))), .event(.namesChanged(channel: roster.name))]
        default:
            return [.event(.other(message))]
        }
    }

    mutating func remove(_ who: String, from key: String, _ change: IRCMemberChange) -> [IRCClientAction] {
        let folded = fold(who)
        guard let roster = rosters[key], roster.members[folded] != nil else { return [] }
        rosters[key]?.members[folded] = nil
        return [.event(.memberChanged(channel: roster.name, change)), .event(.namesChanged(channel: roster.name))]
    }

    /// Channel MODE: prefix modes (`+o nick`, `-v nick`) update members; the other modes
    /// are walked only to pair parameters right (CHANMODES types A–D, RFC 2811 §4).
    mutating func receiveChannelMode(_ message: IRCMessage) -> [IRCClientAction] {
        let parameters = message.parameters
        guard parameters.count >= 2, let first = parameters[0].first, isupport.channelTypes.contains(first) else {
            return [.event(.other(message))]
        }
        let key = fold(parameters[0])
        guard rosters[key] != nil else { return [.event(.other(message))] }
        let prefixes = isupport.prefixes
        let symbols = prefixes.map(\.symbol)
        let groups = isupport.channelModes
        var arguments = parameters.dropFirst(2).makeIterator()
        var adding = true
        var changed: [String] = []  // folded nicks, in the order first changed
        for letter in parameters[1] {
            switch letter {
            case "+": adding = true
            case "-": adding = false
            default:
                if let prefix = prefixes.first(where: { $0.mode == letter }) {
                    guard let target = arguments.next() else { continue }
                    let folded = fold(target)
                    if var member = rosters[key]?.members[folded] {
                        member.set(prefix.symbol, adding, order: symbols)
                        rosters[key]?.members[folded] = member
                        if !changed.contains(folded) { changed.append(folded) }
                    }
                } else if groups.a.contains(letter) || groups.b.contains(letter) || (adding && groups.c.contains(letter)) {
                    _ = arguments.next()
                }
            }
        }
        var actions: [IRCClientAction] = [.event(.other(message))]
        guard !changed.isEmpty, let roster = rosters[key] else { return actions }
        for folded in changed {
            if let member = roster.members[folded] {
                actions.append(.event(.memberChanged(channel: roster.name, .prefixesChanged(member))))
            }
        }
        actions.append(.event(.namesChanged(channel: roster.name)))
        return actions
    }
}
