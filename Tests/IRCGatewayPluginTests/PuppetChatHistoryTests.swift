import Foundation
import ParleyCore
import ParleyIRC
import ParleyIRCNIO
import ParleyXML
import Testing

@testable import IRCGatewayPlugin

/// IRCv3 `draft/chathistory` through the gateway: on entering, `CHATHISTORY LATEST`, and
/// the spec's reply (extensions/chathistory.md "Examples"), read by the IRC client's state
/// machine, as the room's history (XEP-0045 §7.2.14) before the subject, with XEP-0203
/// delays from server-time.
@Suite struct PuppetChatHistoryTests {
    let base = PuppetStateTests()
    let multiline = PuppetMultilineTests()
    static let caps = "batch message-tags server-time draft/chathistory"
    static let desk = PuppetStateTests.desk
    static let phone = PuppetStateTests.phone
    static let listed = IRCClientEvent.memberChanged(
        channel: "#dev", .listed([IRCChannelMember(nick: "alice"), IRCChannelMember(nick: "nick")]))

    /// The spec's reply to `CHATHISTORY LATEST #channel * 50`, for #dev.
    static let reply = [
        ":irc.host BATCH +ID chathistory #dev",
        "@batch=ID;msgid=1234;time=2019-01-04T14:33:26.123Z :nick!ident@host PRIVMSG #dev :message",
        "@batch=ID;msgid=1235;time=2019-01-04T14:33:38.123Z :nick!ident@host NOTICE #dev :message",
        "@batch=ID;msgid=1238;time=2019-01-04T14:34:17.123Z;+client-tag=val :nick!ident@host PRIVMSG #dev :\u{1}ACTION message\u{1}",
        ":irc.host BATCH -ID",
    ]

    /// A puppet with `desk` entering #dev (asking for `history`) on a network that
    /// negotiated `ls` and says `isupport`; the actions of NAMES ending.
    func entering(
        history: Int? = nil, _ ls: String = Self.caps, isupport: String = "CHATHISTORY=50"
    ) -> (PuppetState, IRCClientState, [PuppetAction]) {
        var puppet = base.state()
        _ = puppet.handle(base.enter(Self.desk, history: history))
        var (client, events) = multiline.client(ls)
        for event in events { _ = puppet.receive(event) }
        _ = multiline.feed([":irc.host 005 alice \(isupport) :are supported by this server"], &client, &puppet)
        _ = puppet.receive(.other(base.irc(":irc.test 332 alice #dev :the topic")))
        let actions = puppet.receive(Self.listed)
        return (puppet, client, actions)
    }

    func timeout(_ actions: [PuppetAction]) -> (key: String, query: Int, after: Int)? {
        for action in actions { if case .scheduleHistoryTimeout(let key, let query, let after) = action { return (key, query, after) } }
        return nil
    }

    /// The XEP-0359 stanza-id of `message`.
    func stanzaID(_ message: Message) -> String? {
        message.payloads.compactMap { $0.native?.value as? XMLElement }.first { $0.name == "stanza-id" }?[attribute: "id"]
    }

    func bodies(_ actions: [PuppetAction]) -> [Message] {
        actions.compactMap { action -> Message? in if case .post(.message(let m)) = action, m.body != nil { m } else { nil } }
    }

    @Test func enteringAsksForTheLatestAndTheEntryWaitsForTheReply() {
        var (puppet, client, asked) = entering()
        // chathistory "Examples": Requesting the latest conversation upon joining a channel
        // (N: the gateway's history-length, 20, under the network's 50).
        #expect(multiline.sent(asked) == ["CHATHISTORY LATEST #dev * 20"])
        #expect(timeout(asked)?.after == GatewayHistory.timeout)
        #expect(base.posted(asked).isEmpty)
        let entry = multiline.feed(Self.reply, &client, &puppet)
        // §7.2: occupants, self, then the history, then the subject (§7.2.15).
        #expect(base.posted(entry) == [
            "nick available participant  → desk", "alice available participant 110 → desk",
            "nick: message → desk", "nick: message → desk", "nick: message → desk", "subject the topic by room → desk",
        ])
        let history = bodies(entry)
        // XEP-0203 delay from server-time; the msgid as stanza-id; the ACTION as /me.
        #expect(history.first?.meanings.contains(.timestamp(IRCServerTime.parse("2019-01-04T14:33:26.123Z")!)) == true)
        #expect(history.map(stanzaID) == ["1234", "1235", "1238"])
        #expect(history.last?.meanings.contains(.action) == true)
    }

    @Test func theCountIsTheResourcesMaxstanzasUnderTheNetworksLimit() {
        #expect(multiline.sent(entering(history: 2).2) == ["CHATHISTORY LATEST #dev * 2"])
        #expect(multiline.sent(entering(isupport: "CHATHISTORY=5").2) == ["CHATHISTORY LATEST #dev * 5"])
        #expect(multiline.sent(entering(isupport: "CHATHISTORY=0").2) == ["CHATHISTORY LATEST #dev * 20"])
        // maxstanzas=0: no request, the entry at once.
        let none = entering(history: 0).2
        #expect(multiline.sent(none).isEmpty)
        #expect(base.posted(none).last == "subject the topic by room → desk")
    }

    @Test func withoutTheCapabilityNothingIsAskedAndTheEntryIsAtOnce() {
        // A network like ngircd or InspIRCd 3: no draft/chathistory, as before.
        let (_, _, actions) = entering("batch message-tags server-time")
        #expect(multiline.sent(actions).isEmpty)
        #expect(timeout(actions) == nil)
        #expect(base.posted(actions).last == "subject the topic by room → desk")
    }

    @Test func aMessageSeenLiveWhileWaitingIsInTheHistoryOnce() {
        var (puppet, client, _) = entering()
        // Relayed after our JOIN, and also in the reply (chathistory "Client pseudocode").
        let live = multiline.feed(["@msgid=1238;time=2019-01-04T14:34:17.123Z :nick!ident@host PRIVMSG #dev :\u{1}ACTION message\u{1}",
                                   "@msgid=1240 :nick!ident@host PRIVMSG #dev :after"], &client, &puppet)
        #expect(base.posted(live).isEmpty)  // desk is still waiting for its entry
        let entry = multiline.feed(Self.reply, &client, &puppet)
        let ids = bodies(entry).map(stanzaID)
        #expect(ids == ["1234", "1235", "1238", "1240"])
    }

    @Test func aSecondResourceWaitsForTheSameRequest() {
        var (puppet, client, _) = entering()
        let second = puppet.handle(base.enter(Self.phone))
        #expect(multiline.sent(second).isEmpty && base.posted(second).isEmpty)
        let entry = multiline.feed(Self.reply, &client, &puppet)
        #expect(base.posted(entry).filter { $0.hasSuffix("→ phone") }.count == 6)
        #expect(base.posted(entry).filter { $0.hasSuffix("→ desk") }.count == 6)
    }

    @Test func noReplyInTimeGoesOnWithTheGatewaysHistoryAndALateReplyIsIgnored() {
        var (puppet, client, asked) = entering()
        guard let timer = timeout(asked) else {
            Issue.record("\(asked)")
            return
        }
        #expect(puppet.historyTimedOut(timer.key, query: timer.query + 1).isEmpty)  // another request's timer
        let fired = puppet.historyTimedOut(timer.key, query: timer.query)
        #expect(base.posted(fired) == [
            "nick available participant  → desk", "alice available participant 110 → desk", "subject the topic by room → desk",
        ])
        #expect(base.posted(multiline.feed(Self.reply, &client, &puppet)).isEmpty)
        #expect(puppet.historyTimedOut(timer.key, query: timer.query).isEmpty)
    }

    @Test func aRefusalEndsTheRequest() {
        // chathistory "Errors and Warnings": FAIL CHATHISTORY INVALID_TARGET <command> <target>.
        var (puppet, client, _) = entering()
        let other = multiline.feed([":irc.host FAIL CHATHISTORY INVALID_TARGET LATEST #else :Messages could not be retrieved"], &client, &puppet)
        #expect(base.posted(other).isEmpty)
        let refused = multiline.feed([":irc.host FAIL CHATHISTORY MESSAGE_ERROR LATEST #dev :Messages could not be retrieved"], &client, &puppet)
        #expect(base.posted(refused).last == "subject the topic by room → desk")
        // A refusal without a target ends every request.
        var (again, client2, _) = entering()
        let invalid = multiline.feed([":irc.host FAIL CHATHISTORY INVALID_PARAMS LATEST :Insufficient parameters"], &client2, &again)
        #expect(base.posted(invalid).last == "subject the topic by room → desk")
    }
}
