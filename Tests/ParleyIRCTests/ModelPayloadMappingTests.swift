import Foundation
import ParleyCore
import ParleyIRC
import Testing

/// A stand-in for an XML element tree from the XMPP side.
private struct XMLStandIn: NativeValue, Equatable {
    var name: String
}

@Suite("IRC model: tags and CTCP ACTION ↔ payloads")
struct ModelPayloadMappingTests {
    /// A fresh table, so drop counts are this test's own.
    func freshMapping() -> IRCPayloadMapping {
        IRCPayloadMapping(translation: TranslationTable(rules: TranslationTable.standard.rules))
    }

    let alice = UserID(localpart: "alice", domain: "example.com")
    let dev = RoomID("dev")!

    func message(id: String? = nil, body: String? = "hi", timestamp: Date? = nil, payloads: [ExtensionPayload]) -> Message {
        Message(id: id, kind: .room, from: .occupant(dev, Nickname("alice")!), to: .room(dev), body: body,
            timestamp: timestamp, payloads: payloads)
    }

    // MARK: Inbound

    @Test func knownTagsGiveMeaningAndNativeForm() {
        let mapping = freshMapping()
        let tags = [
            IRCTag("+draft/reply", "m1"), IRCTag("+typing", "active"), IRCTag("time", "2026-11-22T01:02:03.456Z"),
            IRCTag("msgid", "abc"),
        ]
        let (body, payloads) = mapping.inbound(tags: tags, text: "hello")
        #expect(body == "hello")
        #expect(payloads.map(\.meaning) == [
            .reply(to: "m1"), .typing(.composing), .timestamp(IRCServerTime.parse("2026-11-22T01:02:03.456Z")!),
            .messageID("abc"),
        ])
        #expect(payloads.map(\.native) == tags.map { NativePayload(family: .irc, key: $0.key, value: $0.value!) })
        #expect(mapping.translation.dropCounts.isEmpty)
    }

    @Test func reactionTakesItsTargetFromTheReplyTag() {
        let mapping = freshMapping()
        let (body, payloads) = mapping.inbound(tags: [IRCTag("+draft/react", "👍"), IRCTag("+draft/reply", "m7")], text: nil)
        #expect(body == nil)
        #expect(payloads.map(\.meaning) == [.reaction(to: "m7", emoji: "👍"), .reply(to: "m7")])
        // Without a target the reaction means nothing the model knows, but IRC keeps it.
        let (_, alone) = mapping.inbound(tags: [IRCTag("+draft/react", "👍")], text: nil)
        #expect(alone == [ExtensionPayload(native: NativePayload(family: .irc, key: "+draft/react", value: "👍"))])
    }

    @Test func unparsableKnownValuesStayNativeOnly() {
        let (_, payloads) = freshMapping().inbound(tags: [IRCTag("+typing", "maybe"), IRCTag("time", "yesterday")], text: "x")
        #expect(payloads.count == 2)
        #expect(payloads.allSatisfy { $0.meaning == nil && $0.native?.family == .irc })
    }

    @Test func unknownServerTagFromClientIsDroppedAndCounted() {
        let mapping = freshMapping()
        let (_, payloads) = mapping.inbound(tags: [IRCTag("example.com/secret", "1"), IRCTag("+example.com/x", "2")], text: "hi")
        #expect(payloads == [ExtensionPayload(native: NativePayload(family: .irc, key: "+example.com/x", value: "2"))])
        #expect(mapping.translation.dropCounts == ["irc:example.com/secret has no known meaning for irc-server": 1])
    }

    // MARK: Round trips IRC → model → IRC

    @Test(arguments: [
        [IRCTag("+draft/reply", "m1")],
        [IRCTag("+typing", "active")], [IRCTag("+typing", "paused")], [IRCTag("+typing", "done")],
        [IRCTag("+draft/react", "🎉"), IRCTag("+draft/reply", "m2")],
        [IRCTag("+example.com/x", "sleepy and\\happy;")],
        [IRCTag("+example.com/flag")],
    ])
    func clientTagsRoundTrip(_ tags: [IRCTag]) {
        let mapping = freshMapping()
        let (body, payloads) = mapping.inbound(tags: tags, text: "hi")
        let out = mapping.outbound(message(body: body, payloads: payloads), clientTags: true, serverTime: true)
        #expect(out.tags == tags)
        #expect(out.text == "hi")
        #expect(mapping.translation.dropCounts.isEmpty)
    }

    @Test func serverTagsRoundTripThroughTheMessage() {
        let mapping = freshMapping()
        let tags = [IRCTag("time", "2026-11-22T01:02:03.456Z"), IRCTag("msgid", "abc")]
        let (_, payloads) = mapping.inbound(tags: tags, text: "hi")
        // Without Message.id and Message.timestamp, the payloads give them.
        #expect(mapping.outbound(message(payloads: payloads), clientTags: true, serverTime: true).tags == tags)
        // The server's own id and time win over what a client claimed.
        let now = Date(timeIntervalSince1970: 1_800_000_000.5)
        let own = mapping.outbound(message(id: "srv1", timestamp: now, payloads: payloads), clientTags: true, serverTime: true)
        #expect(own.tags == [IRCTag("time", "2027-01-15T08:00:00.500Z"), IRCTag("msgid", "srv1")])
    }

    // MARK: Outbound

    @Test func capabilitiesDecideWhichTagsAreSent() {
        let mapping = freshMapping()
        let when = Date(timeIntervalSince1970: 1_234_567_890.123)
        let payloads = [
            ExtensionPayload(meaning: .reply(to: "m1"), native: NativePayload(family: .irc, key: "+draft/reply", value: "m1")),
            ExtensionPayload(native: NativePayload(family: .irc, key: "+example.com/x", value: "1")),
        ]
        let full = mapping.outbound(message(id: "id1", timestamp: when, payloads: payloads), clientTags: true, serverTime: true)
        #expect(full.tags == [IRCTag("time", "2009-02-13T23:31:30.123Z"), IRCTag("msgid", "id1"), IRCTag("+draft/reply", "m1"), IRCTag("+example.com/x", "1")])
        let noTime = mapping.outbound(message(id: "id1", timestamp: when, payloads: payloads), clientTags: true, serverTime: false)
        #expect(noTime.tags == [IRCTag("msgid", "id1"), IRCTag("+draft/reply", "m1"), IRCTag("+example.com/x", "1")])
        let onlyTime = mapping.outbound(message(id: "id1", timestamp: when, payloads: payloads), clientTags: false, serverTime: true)
        #expect(onlyTime.tags == [IRCTag("time", "2009-02-13T23:31:30.123Z")])
        let none = mapping.outbound(message(id: "id1", timestamp: when, payloads: payloads), clientTags: false, serverTime: false)
        #expect(none.tags.isEmpty)
        #expect(none.text == "hi")
        // No payloads at all: the fast path obeys the same rules.
        let bare = mapping.outbound(message(id: "id2", timestamp: when, payloads: []), clientTags: false, serverTime: true)
        #expect(bare.tags == [IRCTag("time", "2009-02-13T23:31:30.123Z")])
        #expect(mapping.outbound(message(id: "id2", payloads: []), clientTags: true, serverTime: true).tags == [IRCTag("msgid", "id2")])
        #expect(mapping.translation.dropCounts.isEmpty)
    }

    @Test func xmppMeaningsRenderAsIRCTags() {
        let mapping = freshMapping()
        let payloads = [
            ExtensionPayload(meaning: .reply(to: "x"), native: NativePayload(family: .xmpp, key: "{urn:xmpp:reply:0}reply", value: "x")),
            ExtensionPayload(meaning: .typing(.paused), native: NativePayload(family: .xmpp, key: "{http://jabber.org/protocol/chatstates}paused", value: XMLStandIn(name: "paused"))),
            ExtensionPayload(meaning: .timestamp(Date(timeIntervalSince1970: 0))),
        ]
        let out = mapping.outbound(message(payloads: payloads), clientTags: true, serverTime: true)
        #expect(out.tags == [IRCTag("time", "1970-01-01T00:00:00.000Z"), IRCTag("+draft/reply", "x"), IRCTag("+typing", "paused")])
        #expect(mapping.translation.dropCounts.isEmpty)
    }

    @Test func meaningOnlyPayloadsRender() {
        let mapping = freshMapping()
        let out = mapping.outbound(message(body: nil, payloads: [
            ExtensionPayload(meaning: .typing(.composing)), ExtensionPayload(meaning: .reaction(to: "m3", emoji: "❤️")),
        ]), clientTags: true, serverTime: false)
        #expect(out.tags == [IRCTag("+typing", "active"), IRCTag("+draft/react", "❤️"), IRCTag("+draft/reply", "m3")])
        #expect(out.text == "")
        // XEP-0085 active, inactive and gone are all "not typing".
        for state in [TypingState.active, .inactive, .gone] {
            let done = mapping.outbound(message(payloads: [ExtensionPayload(meaning: .typing(state))]), clientTags: true, serverTime: false)
            #expect(done.tags == [IRCTag("+typing", "done")])
        }
    }

    @Test func replyAndReactionShareOneReplyTag() {
        let out = freshMapping().outbound(message(payloads: [
            ExtensionPayload(meaning: .reply(to: "m3")), ExtensionPayload(meaning: .reaction(to: "m3", emoji: "👍")),
        ]), clientTags: true, serverTime: false)
        #expect(out.tags == [IRCTag("+draft/reply", "m3"), IRCTag("+draft/react", "👍")])
    }

    @Test func correctionHasNoIRCFormAndIsCounted() {
        let mapping = freshMapping()
        let correction = ExtensionPayload(
            meaning: .correction(of: "m1"),
            native: NativePayload(family: .xmpp, key: "{urn:xmpp:message-correct:0}replace", value: XMLStandIn(name: "replace")))
        let unknownXML = ExtensionPayload(native: NativePayload(family: .xmpp, key: "{urn:example:0}blob", value: XMLStandIn(name: "blob")))
        let out = mapping.outbound(message(payloads: [correction, unknownXML]), clientTags: true, serverTime: false)
        #expect(out.tags.isEmpty)
        #expect(out.text == "hi")
        #expect(mapping.translation.dropCounts == [
            "correction has no irc form": 1, "xmpp:{urn:example:0}blob has no known meaning for irc": 1,
        ])
    }

    @Test func formattingIsNeitherRenderedNorDropped() {
        let mapping = freshMapping()
        let html = ExtensionPayload(meaning: .formatting(markup: "<b>hi</b>"),
            native: NativePayload(family: .xmpp, key: "{http://jabber.org/protocol/xhtml-im}html", value: XMLStandIn(name: "html")))
        let out = mapping.outbound(message(payloads: [html]), clientTags: true, serverTime: false)
        #expect(out.tags.isEmpty)
        #expect(out.text == "hi")
        #expect(mapping.translation.dropCounts.isEmpty)
    }

    // MARK: CTCP ACTION

    @Test func ctcpActionInAndOut() {
        let mapping = freshMapping()
        let (body, payloads) = mapping.inbound(tags: [], text: "\u{1}ACTION waves\u{1}")
        #expect(body == "waves")
        #expect(payloads == [ExtensionPayload(meaning: .action)])
        let out = mapping.outbound(message(body: body, payloads: payloads), clientTags: false, serverTime: false)
        #expect(out.text == "\u{1}ACTION waves\u{1}")
        #expect(out.tags.isEmpty)
        // An XMPP /me (meaning only) comes out the same way.
        #expect(mapping.outbound(message(body: "dances", payloads: [ExtensionPayload(meaning: .action)]), clientTags: true, serverTime: false).text
            == "\u{1}ACTION dances\u{1}")
    }

    @Test func ctcpActionEdgeCases() {
        #expect(IRCCTCPAction.unwrap("\u{1}ACTION waves") == "waves")  // no closing \u{1}
        #expect(IRCCTCPAction.unwrap("\u{1}ACTION\u{1}") == "")
        #expect(IRCCTCPAction.unwrap("\u{1}ACTIONS x\u{1}") == nil)
        #expect(IRCCTCPAction.unwrap("\u{1}VERSION\u{1}") == nil)
        #expect(IRCCTCPAction.unwrap("ACTION waves") == nil)
        #expect(IRCCTCPAction.unwrap("\u{1}ACTION  two spaces\u{1}") == " two spaces")
        let (body, payloads) = freshMapping().inbound(tags: [], text: "\u{1}VERSION\u{1}")
        #expect(body == "\u{1}VERSION\u{1}")
        #expect(payloads.isEmpty)
    }

    // MARK: Commands

    @Test func anInvitationIsACommandNeitherTaggedNorDropped() {
        let mapping = freshMapping()
        let invitation = ExtensionPayload(meaning: .invitation(room: dev, reason: "come"), native: NativePayload(
            family: .xmpp, key: "{jabber:x:conference}x", value: XMLStandIn(name: "x")))
        let direct = Message(
            kind: .chat, from: .user(alice), to: .user(UserID(localpart: "bob", domain: "example.com")), body: "join us",
            payloads: [ExtensionPayload(meaning: .typing(.active)), invitation])
        #expect(mapping.commandMeanings(of: direct) == [.invitation(room: dev, reason: "come")])
        let (tags, text) = mapping.outbound(direct, clientTags: true, serverTime: false)
        #expect(tags.map(\.key) == ["+typing"])
        #expect(text == "join us")
        #expect(mapping.translation.dropCounts.isEmpty)
        #expect(mapping.commandMeanings(of: message(payloads: [ExtensionPayload(meaning: .action)])).isEmpty)
    }

    // MARK: server-time

    @Test func serverTimeFormatsWithMilliseconds() {
        #expect(IRCServerTime.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(IRCServerTime.format(Date(timeIntervalSince1970: 1_234_567_890.123)) == "2009-02-13T23:31:30.123Z")
        #expect(IRCServerTime.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000Z")
        #expect(IRCServerTime.format(Date(timeIntervalSince1970: -0.001)) == "1969-12-31T23:59:59.999Z")
        #expect(IRCServerTime.format(Date(timeIntervalSince1970: 1_795_309_323.456)) == "2026-11-22T01:02:03.456Z")
    }

    @Test func serverTimeParses() {
        #expect(IRCServerTime.parse("2026-11-22T01:02:03.456Z") == Date(timeIntervalSince1970: 1_795_309_323.456))
        #expect(IRCServerTime.parse("2009-02-13T23:31:30Z") == Date(timeIntervalSince1970: 1_234_567_890))
        #expect(IRCServerTime.parse("2009-02-13T23:31:30.1Z") == Date(timeIntervalSince1970: 1_234_567_890.1))
        #expect(IRCServerTime.parse("2009-02-13T23:31:30.123456Z") == Date(timeIntervalSince1970: 1_234_567_890.123))
        #expect(IRCServerTime.parse("2000-02-29T00:00:00.000Z") == Date(timeIntervalSince1970: 951_782_400))
        for bad in ["", "2009-02-13", "2009-02-13T23:31:30", "2009-02-13T23:31:30+01:00", "2009-02-13T23:31:30.Z",
            "2009-13-01T00:00:00Z", "2001-02-29T00:00:00Z", "2009-02-13T24:00:00Z", "2009-02-13 23:31:30Z",
            "2009-02-13T23:31:30Zx"]
        {
            #expect(IRCServerTime.parse(bad) == nil, "\(bad)")
        }
        // Round trip for a spread of instants, to the millisecond.
        for seconds in stride(from: -2_000_000_000.0, through: 4_000_000_000.0, by: 123_456_789.125) {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(IRCServerTime.parse(IRCServerTime.format(date)) == date)
        }
    }
}
