import ParleyIRC
import Testing

@testable import ParleyIRCNIO

/// `draft/multiline` and `chathistory` batches in `IRCClientState`, fed the exact lines of
/// the IRCv3 specs' examples (extensions/multiline.md and chathistory.md "Examples"): no
/// server on Debian offers them (docs/irc-gateway.md).
@Suite struct ClientBatchTests {
    /// A state registered as `n` after negotiating `ls` (all requested).
    func negotiated(_ ls: String) -> (IRCClientState, [IRCClientAction]) {
        var state = IRCClientState(configuration: IRCClientConfiguration(host: "irc.example.com", nick: "n"))
        _ = state.connected()
        let request = state.feed(":irc.example.com CAP * LS :\(ls)")
        let wanted = request.sentLines.first?.split(separator: " ", maxSplits: 2).last.map { String($0.trimmingPrefix(":")) } ?? ""
        var actions = state.feed(":irc.example.com CAP n ACK :\(wanted)")
        actions += state.feed(":irc.example.com 001 n :Welcome")
        return (state, actions)
    }

    static let multiline = "batch message-tags echo-message draft/multiline=max-bytes=4096,max-lines=24"
    static let history = "batch message-tags server-time draft/chathistory"

    /// multiline "Examples": Server sending the same batch (the client example relayed).
    static let serverBatch = [
        "@msgid=xxx;account=account :n!u@h BATCH +123 draft/multiline #channel",
        "@batch=123 :n!u@h PRIVMSG #channel hello",
        "@batch=123 :n!u@h PRIVMSG #channel :",
        "@batch=123 :n!u@h PRIVMSG #channel :how is ",
        "@batch=123;draft/multiline-concat :n!u@h PRIVMSG #channel :everyone?",
        "BATCH -123",
    ]

    @Test func theMultilineCapabilityIsRequestedAndItsLimitsReported() {
        let (state, actions) = negotiated(Self.multiline)
        #expect(state.enabledCapabilities.contains("draft/multiline"))
        #expect(state.multilineLimits == IRCMultiline.Limits(maximumBytes: 4096, maximumLines: 24))
        let events = actions.events
        #expect(events.contains(.multilineEnabled(.init(maximumBytes: 4096, maximumLines: 24))))
        // After capabilitiesEnabled, so that a user reading both sees the capabilities first.
        let enabled = events.firstIndex { if case .capabilitiesEnabled = $0 { true } else { false } }
        let limits = events.firstIndex { if case .multilineEnabled = $0 { true } else { false } }
        #expect(enabled != nil && limits != nil && enabled! < limits!)
    }

    @Test func withoutBatchTheMultilineCapabilityGivesNoLimits() {
        // multiline "Dependencies": batch MUST be negotiated.
        let (state, actions) = negotiated("draft/multiline=max-bytes=4096")
        #expect(state.multilineLimits == nil)
        #expect(!actions.events.contains { if case .multilineEnabled = $0 { true } else { false } })
    }

    @Test func theSpecsServerBatchIsOneMessageWithTheBatchTags() {
        var (state, _) = negotiated(Self.multiline)
        var events: [IRCClientEvent] = []
        for line in Self.serverBatch.dropLast() { events += state.feed(line).events }
        #expect(events.isEmpty)  // "wait until the full batch has been received"
        let closing = state.feed(Self.serverBatch.last!).events
        // "Final concatenated message", with the opening BATCH's msgid and account.
        let combined = IRCMessage(
            tags: [IRCTag("msgid", "xxx"), IRCTag("account", "account")], source: "n!u@h", command: "PRIVMSG",
            parameters: ["#channel", "hello\n\nhow is everyone?"])
        #expect(closing == [.message(combined)])
    }

    @Test func aNoticeBatchIsOneNotice() {
        // "This example is also valid if every instance of PRIVMSG is replaced with NOTICE."
        var (state, _) = negotiated(Self.multiline)
        let events = state.events(of: Self.serverBatch.map { $0.replacing("PRIVMSG", with: "NOTICE") })
        guard case .message(let message)? = events.first, events.count == 1 else {
            Issue.record("\(events)")
            return
        }
        #expect(message.command == "NOTICE" && message.parameters == ["#channel", "hello\n\nhow is everyone?"])
    }

    @Test func withoutTheCapabilityTheSameLinesAreLinesAsBefore() {
        // A server without draft/multiline (ngircd, InspIRCd 3) never sends such a batch;
        // if one came, nothing is collected: each line is reported as it was before.
        var (state, _) = negotiated("batch message-tags")
        let events = state.events(of: Self.serverBatch)
        let texts = events.compactMap { event -> String? in if case .message(let m) = event { m.parameters[1] } else { nil } }
        #expect(texts == ["hello", "", "how is ", "everyone?"])
        #expect(events.filter { if case .other = $0 { true } else { false } }.count == 2)  // the BATCH lines
    }

    @Test func aBatchMixingPrivmsgAndNoticeDropsTheOddLineAndSaysSo() {
        // multiline "Examples", Mixing PRIVMSG and NOTICE (invalid).
        var (state, _) = negotiated(Self.multiline)
        let events = state.events(of: [
            ":n!u@h BATCH +792da7 draft/multiline #channel",
            "@batch=792da7 :n!u@h PRIVMSG #channel :this starts with a PRIVMSG",
            "@batch=792da7 :n!u@h NOTICE #channel :but ends with a NOTICE",
            "@batch=792da7 :n!u@h PRIVMSG #other :another target", ":n!u@h BATCH -792da7",
        ])
        #expect(events.count == 2)
        #expect(events.contains(.batchLimited(type: "draft/multiline", reason: "2 lines dropped (over the limits or not allowed in it)")))
        #expect(events.contains { if case .message(let m) = $0 { m.parameters[1] == "this starts with a PRIVMSG" } else { false } })
    }

    @Test func theServersMaxLinesAndMaxBytesBoundWhatIsKept() {
        // multiline "Capabilities": max-lines counts every line, concat ones included.
        var (state, _) = negotiated("batch draft/multiline=max-bytes=12,max-lines=3")
        var lines = [":n!u@h BATCH +b draft/multiline #c"]
        lines += ["one", "two", "three", "four"].map { "@batch=b :n!u@h PRIVMSG #c \($0)" }
        lines.append("BATCH -b")
        let events = state.events(of: lines)
        // "one\ntwo\nthree" is 13 bytes > 12: three is dropped too.
        #expect(events.contains { if case .message(let m) = $0 { m.parameters[1] == "one\ntwo" } else { false } })
        #expect(events.contains(.batchLimited(type: "draft/multiline", reason: "2 lines dropped (over the limits or not allowed in it)")))
    }

    @Test func aBatchNeverClosedIsDeliveredAfterTheSpanAndItsStragglersDropped() {
        var (state, _) = negotiated(Self.multiline)
        state.batches.bounds.span = 3
        var events = state.feed(":n!u@h BATCH +open draft/multiline #c", "@batch=open :n!u@h PRIVMSG #c :part one").events
        events += state.feed("PING :a", "PING :b").events
        #expect(events.isEmpty)
        let lateActions = state.feed("PING :c")
        #expect(lateActions.sentLines == ["PONG c"])  // the line that ends the wait is still handled
        let late = lateActions.events
        #expect(late.contains(.batchLimited(type: "draft/multiline", reason: "not closed after 3 lines; delivered with 1 lines")))
        #expect(late.contains { if case .message(let m) = $0 { m.parameters[1] == "part one" } else { false } })
        // What the server sends of it afterwards is dropped, not shown as live lines.
        #expect(state.feed("@batch=open :n!u@h PRIVMSG #c :part two", "BATCH -open").events.isEmpty)
        #expect(state.feed(":n!u@h PRIVMSG #c :live").events.count == 1)
    }

    @Test func tooManyOpenBatchesCloseTheOldestFirst() {
        var (state, _) = negotiated(Self.multiline)
        var events: [IRCClientEvent] = []
        for index in 0..<8 {
            events += state.feed(":n!u@h BATCH +r\(index) draft/multiline #c", "@batch=r\(index) :n!u@h PRIVMSG #c :m\(index)").events
        }
        #expect(events.isEmpty)
        events = state.feed(":n!u@h BATCH +r8 draft/multiline #c").events
        #expect(events.first == .batchLimited(type: "draft/multiline", reason: "more than 8 batches open at once; delivered with 1 lines"))
        #expect(events.contains { if case .message(let m) = $0 { m.parameters[1] == "m0" } else { false } })
        #expect(state.batches.open.count == 8)
    }

    @Test func aReconnectForgetsOpenBatches() {
        var (state, _) = negotiated(Self.multiline)
        _ = state.feed(":n!u@h BATCH +x draft/multiline #c", "@batch=x :n!u@h PRIVMSG #c :half")
        _ = state.disconnected(reason: "EOF", jitter: 0)
        #expect(state.batches.open.isEmpty)
    }

    @Test func chatHistoryIsAvailableWithTheCapabilityAndTheISupportToken() {
        var (state, _) = negotiated(Self.history)
        let events = state.feed(":irc.host 005 n CHANTYPES=# CHATHISTORY=50 :are supported by this server").events
        #expect(events.last == .historyAvailable(limit: 50))
        // Without the capability the token alone says nothing.
        var (plain, _) = negotiated("batch server-time")
        #expect(!plain.feed(":irc.host 005 n CHATHISTORY=50 :are supported").events.contains(.historyAvailable(limit: 50)))
    }

    @Test func theSpecsLatestReplyIsOneHistoryEvent() {
        // chathistory "Examples": Requesting the latest conversation upon joining a channel.
        var (state, _) = negotiated(Self.history)
        let reply = [
            ":irc.host BATCH +ID chathistory #channel",
            "@batch=ID;msgid=1234;time=2019-01-04T14:33:26.123Z :nick!ident@host PRIVMSG #channel :message",
            "@batch=ID;msgid=1235;time=2019-01-04T14:33:38.123Z :nick!ident@host NOTICE #channel :message",
            "@batch=ID;msgid=1238;time=2019-01-04T14:34:17.123Z;+client-tag=val :nick!ident@host PRIVMSG #channel :\u{1}ACTION message\u{1}",
            ":irc.host BATCH -ID",
        ]
        let events = state.events(of: reply)
        guard case .history(let target, let messages)? = events.first, events.count == 1 else {
            Issue.record("\(events)")
            return
        }
        #expect(target == "#channel")
        #expect(messages.map { $0.tag("msgid") } == ["1234", "1235", "1238"])
        #expect(messages.allSatisfy { $0.tag("batch") == nil && $0.tag("time") != nil })
        #expect(messages.map(\.command) == ["PRIVMSG", "NOTICE", "PRIVMSG"])
    }

    @Test func anEmptyReplyIsAnEmptyHistoryAndAMultilineInsideIsOneOfItsMessages() {
        var (state, _) = negotiated(Self.history + " draft/multiline=max-bytes=4096")
        #expect(state.feed(":irc.host BATCH +e chathistory #c", ":irc.host BATCH -e").events == [.history(target: "#c", [])])
        let events = state.events(of: [
            ":irc.host BATCH +h chathistory #c",
            "@batch=h;msgid=1;time=2019-01-04T14:33:26.123Z :a!u@h PRIVMSG #c :single",
            "@batch=h;msgid=2;time=2019-01-04T14:33:27.123Z :a!u@h BATCH +m draft/multiline #c",
            "@batch=m :a!u@h PRIVMSG #c :two",
            "@batch=m :a!u@h PRIVMSG #c :lines",
            "@batch=h BATCH -m",
            ":irc.host BATCH -h",
        ])
        guard case .history(_, let messages)? = events.first, events.count == 1 else {
            Issue.record("\(events)")
            return
        }
        #expect(messages.map { $0.parameters[1] } == ["single", "two\nlines"])
        #expect(messages.last?.tag("msgid") == "2")
    }
}

extension IRCClientState {
    /// The events of feeding `lines` one by one.
    mutating func events(of lines: [String]) -> [IRCClientEvent] {
        lines.flatMap { feed($0).events }
    }
}
