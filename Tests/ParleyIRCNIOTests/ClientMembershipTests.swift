import ParleyIRC
import ParleyIRCNIO
import Testing

/// NAMES tracking: 353/366 forms, and JOIN/PART/QUIT/KICK/NICK/MODE updates.
@Suite struct ClientMembershipTests {
    @Test func namesWithMultiPrefixAndUserhostInNames() {
        var state = registeredState()
        _ = state.feed(":me!u@h JOIN #chan")
        #expect(state.feed(":srv 353 me = #chan :~@alice!a@ha +bob @%carol").isEmpty)
        _ = state.feed(":srv 353 me = #chan :me")
        let end = state.feed(":srv 366 me #chan :End of /NAMES list.")
        #expect(end.events.last == .namesChanged(channel: "#chan"))
        guard case .memberChanged("#chan", .listed(let listed))? = end.events.first else {
            Issue.record("no listed change: \(end.events)")
            return
        }
        #expect(listed.map(\.nick) == ["alice", "bob", "carol", "me"])
        let members = state.members(of: "#CHAN") ?? []
        #expect(members.map(\.nick) == ["alice", "bob", "carol", "me"])
        #expect(members.map(\.prefixes) == ["~@", "+", "@%", ""])
        #expect(members[0].user == "a" && members[0].host == "ha")
    }

    @Test func joinPartQuitKickAndNickUpdateTheRoster() {
        var state = registeredState()
        _ = state.feed(":me!u@h JOIN #a", ":me!u@h JOIN #b")
        _ = state.feed(":srv 353 me = #a :me @bob carol", ":srv 366 me #a :End")
        _ = state.feed(":srv 353 me = #b :me bob", ":srv 366 me #b :End")
        #expect(
            state.feed(":dave!d@h JOIN #a").events == [
                .memberChanged(channel: "#a", .joined(IRCChannelMember(nick: "dave", user: "d", host: "h"))),
                .namesChanged(channel: "#a"),
            ])
        #expect(state.members(of: "#a")?.map(\.nick) == ["bob", "carol", "dave", "me"])
        #expect(
            state.feed(":carol!c@h PART #a :bye").events == [
                .memberChanged(channel: "#a", .parted(nick: "carol", reason: "bye")), .namesChanged(channel: "#a"),
            ])
        #expect(state.member("carol", of: "#a") == nil)
        let renamed = state.feed(":bob!b@h NICK robert")
        #expect(
            renamed.events == [
                .memberChanged(channel: "#a", .renamed(from: "bob", to: IRCChannelMember(nick: "robert", prefixes: "@"))),
                .namesChanged(channel: "#a"),
                .memberChanged(channel: "#b", .renamed(from: "bob", to: IRCChannelMember(nick: "robert"))),
                .namesChanged(channel: "#b"),
            ])
        #expect(state.member("robert", of: "#a")?.prefixes == "@")
        #expect(state.member("bob", of: "#a") == nil)
        #expect(
            state.feed(":robert!b@h KICK #a dave :out").events.first
                == .memberChanged(channel: "#a", .kicked(nick: "dave", by: "robert", reason: "out")))
        #expect(state.member("dave", of: "#a") == nil)
        let quit = state.feed(":robert!b@h QUIT :gone")
        #expect(
            quit.events == [
                .memberChanged(channel: "#a", .quit(nick: "robert", reason: "gone")), .namesChanged(channel: "#a"),
                .memberChanged(channel: "#b", .quit(nick: "robert", reason: "gone")), .namesChanged(channel: "#b"),
            ])
        #expect(state.members(of: "#b")?.map(\.nick) == ["me"])
    }

    @Test func modeChangesPrefixesAndSkipsOtherParameters() {
        var state = registeredState()
        _ = state.feed(":me!u@h JOIN #a", ":srv 353 me = #a :me bob carol", ":srv 366 me #a :End")
        let mode = state.feed(":op!o@h MODE #a +kov-l+bh secret bob carol *!*@bad bob")
        #expect(mode.events.contains(.namesChanged(channel: "#a")))
        // One change per member, in the order of the mode string.
        #expect(
            mode.events.filter { if case .memberChanged = $0 { true } else { false } } == [
                .memberChanged(channel: "#a", .prefixesChanged(IRCChannelMember(nick: "bob", prefixes: "@%"))),
                .memberChanged(channel: "#a", .prefixesChanged(IRCChannelMember(nick: "carol", prefixes: "+"))),
            ])
        #expect(state.member("bob", of: "#a")?.prefixes == "@%")
        #expect(state.member("carol", of: "#a")?.prefixes == "+")
        _ = state.feed(":op!o@h MODE #a -o+v bob bob")
        #expect(state.member("bob", of: "#a")?.prefixes == "%+")
    }

    @Test func ourOwnPartAndKickForgetTheChannel() {
        var state = registeredState()
        _ = state.join("#a")
        _ = state.join("#b")
        _ = state.feed(":me!u@h JOIN #a", ":me!u@h JOIN #b")
        #expect(state.joinedChannels == ["#a", "#b"])
        let parted = state.feed(":me!u@h PART #a :later")
        #expect(parted.events == [.parted(channel: "#a", reason: "later")])
        let kicked = state.feed(":op!o@h KICK #b me :go away")
        #expect(kicked.events == [.kicked(channel: "#b", by: "op", reason: "go away")])
        #expect(state.joinedChannels.isEmpty && state.wantedChannels.isEmpty)
        #expect(state.members(of: "#a") == nil)
    }

    @Test func ourNickChangeIsTrackedCaseInsensitively() {
        var state = registeredState()
        let changed = state.feed(":ME!u@h NICK newme")
        #expect(changed.events.first == .nickChanged(from: "me", to: "newme"))
        #expect(state.nick == "newme")
    }

    @Test func rfc1459FoldingAppliesByDefault() {
        var state = IRCClientState(configuration: IRCClientConfiguration(host: "h", nick: "me[1]", capabilities: []))
        _ = state.connected()
        _ = state.feed(":srv 001 me[1] :hi", ":me{1}!u@h JOIN #Chan[x]")
        #expect(state.joinedChannels == ["#Chan[x]"])
        #expect(state.members(of: "#chan{x}")?.map(\.nick) == ["me{1}"])
    }
}
