import Foundation
import ParleyCore
import Testing

/// A stand-in for an XML element tree: the model must carry it without looking inside.
struct TestElement: NativeValue, Equatable {
    var namespace: String
    var name: String
    var attributes: [String: String] = [:]
    var text: String?
}

/// A native value of a type the model has never seen, never equal to anything else.
struct OtherNativeValue: NativeValue, Equatable {
    var raw: String
}

@Suite("Extension payloads and the translation table")
struct TranslationTableTests {
    /// A fresh table with the standard rules, so drop counts are this test's own.
    func freshTable() -> TranslationTable { TranslationTable(rules: TranslationTable.standard.rules) }

    // MARK: Payload values

    @Test func nativePayloadEqualityComparesValues() {
        let element = TestElement(namespace: "urn:example:custom", name: "thing", attributes: ["a": "1"])
        let a = NativePayload(family: .xmpp, key: "{urn:example:custom}thing", value: element)
        let same = NativePayload(family: .xmpp, key: "{urn:example:custom}thing", value: element)
        var changed = element
        changed.attributes["a"] = "2"
        let different = NativePayload(family: .xmpp, key: "{urn:example:custom}thing", value: changed)
        #expect(a == same)
        #expect(a != different)
        // Same key, a value of another type: not the same.
        #expect(a != NativePayload(family: .xmpp, key: "{urn:example:custom}thing", value: OtherNativeValue(raw: "x")))
        // Same value, another family or key: not the same.
        #expect(a != NativePayload(family: .irc, key: "{urn:example:custom}thing", value: element))
        #expect(a != NativePayload(family: .xmpp, key: "{urn:example:custom}other", value: element))
    }

    @Test func extensionMeaningKinds() {
        let meanings: [ExtensionMeaning] = [
            .messageID("1"), .reply(to: "1"), .reaction(to: "1", emoji: "👍"), .correction(of: "1"),
            .retraction(of: "1"), .typing(.composing), .timestamp(fixedNow), .formatting(markup: "<b>x</b>"), .action,
            .invitation(room: RoomID("dev")!, reason: nil),
        ]
        #expect(meanings.map(\.kind) == ExtensionKind.allCases)
    }

    @Test func messageMeaningsListsTypedPayloadsOnly() {
        let untyped = ExtensionPayload(native: NativePayload(family: .irc, key: "+example/x", value: "1"))
        let reply = ExtensionPayload(meaning: .reply(to: "m1"), native: NativePayload(family: .irc, key: "+draft/reply", value: "m1"))
        let message = Message(from: .user(user("a")), to: .user(user("b")), body: "hi", payloads: [untyped, reply, ExtensionPayload(meaning: .action)])
        #expect(message.meanings == [.reply(to: "m1"), .action])
    }

    // MARK: Same protocol: the original form, unchanged

    @Test func unknownXMPPElementTravelsUnchangedBetweenXMPPEndpoints() {
        let table = freshTable()
        let element = TestElement(namespace: "urn:example:unknown:0", name: "blob", attributes: ["x": "1"], text: "payload")
        let native = NativePayload(family: .xmpp, key: "{urn:example:unknown:0}blob", value: element)
        #expect(table.kind(of: native.key, in: .xmpp) == nil)
        let delivery = table.delivery(of: ExtensionPayload(native: native), to: .xmpp)
        #expect(delivery == .native(native))
        guard case .native(let out) = delivery else { return }
        #expect((out.value as? TestElement) == element)
        #expect(table.dropCounts.isEmpty)
    }

    @Test func unknownIRCClientTagTravelsUnchangedBetweenIRCEndpoints() {
        let table = freshTable()
        let native = NativePayload(family: .irc, key: "+example.com/mood", value: "sleepy\\sand\\:happy")
        #expect(table.kind(of: native.key, in: .irc) == nil)
        #expect(table.delivery(of: ExtensionPayload(native: native), to: .irc) == .native(native))
        #expect(table.dropCounts.isEmpty)
    }

    @Test func knownPayloadKeepsNativeFormForSameProtocol() {
        // Even when the meaning is known, the same protocol gets the original bytes back.
        let table = freshTable()
        let element = TestElement(namespace: "urn:xmpp:reply:0", name: "reply", attributes: ["id": "m1", "to": "x@y"])
        let native = NativePayload(family: .xmpp, key: "{urn:xmpp:reply:0}reply", value: element)
        let payload = ExtensionPayload(meaning: .reply(to: "m1"), native: native)
        #expect(table.delivery(of: payload, to: .xmpp) == .native(native))
    }

    // MARK: Across protocols: the typed meaning, rendered

    @Test func ircReplyRendersAsXMPPReply() {
        let table = freshTable()
        let payload = ExtensionPayload(
            meaning: .reply(to: "abc"), native: NativePayload(family: .irc, key: "+draft/reply", value: "abc"))
        #expect(table.delivery(of: payload, to: .xmpp) == .render(.reply(to: "abc"), .xmlElement(namespace: "urn:xmpp:reply:0", name: "reply")))
        #expect(table.kind(of: "+draft/reply", in: .irc) == .reply)
    }

    @Test func xmppReplyRendersAsIRCTag() {
        let table = freshTable()
        let payload = ExtensionPayload(
            meaning: .reply(to: "abc"),
            native: NativePayload(family: .xmpp, key: "{urn:xmpp:reply:0}reply", value: TestElement(namespace: "urn:xmpp:reply:0", name: "reply")))
        #expect(table.delivery(of: payload, to: .irc) == .render(.reply(to: "abc"), .ircTag("+draft/reply")))
        #expect(table.kind(of: "{urn:xmpp:reply:0}reply", in: .xmpp) == .reply)
    }

    @Test func serverTimeAndDelayTranslateBothWays() {
        let table = freshTable()
        let when = Date(timeIntervalSince1970: 1_234_567_890)
        let fromIRC = ExtensionPayload(meaning: .timestamp(when), native: NativePayload(family: .irc, key: "time", value: "2009-02-13T23:31:30.000Z"))
        let fromXMPP = ExtensionPayload(
            meaning: .timestamp(when),
            native: NativePayload(family: .xmpp, key: "{urn:xmpp:delay}delay", value: TestElement(namespace: "urn:xmpp:delay", name: "delay")))
        #expect(table.delivery(of: fromIRC, to: .xmpp) == .render(.timestamp(when), .xmlElement(namespace: "urn:xmpp:delay", name: "delay")))
        #expect(table.delivery(of: fromXMPP, to: .irc) == .render(.timestamp(when), .ircTag("time")))
        #expect(table.kind(of: "time", in: .irc) == .timestamp)
        #expect(table.kind(of: "{urn:xmpp:delay}delay", in: .xmpp) == .timestamp)
    }

    @Test(arguments: TypingState.allCases)
    func everyChatStateElementIsTyping(_ state: TypingState) {
        let table = freshTable()
        let key = "{http://jabber.org/protocol/chatstates}\(state.rawValue)"
        #expect(table.kind(of: key, in: .xmpp) == .typing)
        let payload = ExtensionPayload(
            meaning: .typing(state),
            native: NativePayload(family: .xmpp, key: key, value: TestElement(namespace: "http://jabber.org/protocol/chatstates", name: state.rawValue)))
        #expect(table.delivery(of: payload, to: .irc) == .render(.typing(state), .ircTag("+typing")))
    }

    @Test func ircTypingRendersInChatStatesNamespace() {
        let table = freshTable()
        #expect(table.kind(of: "+typing", in: .irc) == .typing)
        let payload = ExtensionPayload(meaning: .typing(.paused), native: NativePayload(family: .irc, key: "+typing", value: "paused"))
        #expect(table.delivery(of: payload, to: .xmpp) == .render(.typing(.paused), .xmlElement(namespace: "http://jabber.org/protocol/chatstates", name: "*")))
    }

    @Test func wildcardDoesNotLeakToOtherNamespacesOrFamilies() {
        let table = freshTable()
        #expect(table.kind(of: "{http://jabber.org/protocol/chatstatesX}composing", in: .xmpp) == nil)
        #expect(table.kind(of: "{http://jabber.org/protocol/chatstates}composing", in: .irc) == nil)
        #expect(table.kind(of: "composing", in: .xmpp) == nil)
        #expect(table.kind(of: "{urn:xmpp:reply:0}other", in: .xmpp) == nil)
        #expect(table.kind(of: "+typing", in: ProtocolFamily("matrix")) == nil)
    }

    @Test func standardKeysMapToTheirKinds() {
        let table = freshTable()
        #expect(table.kind(of: "{urn:xmpp:sid:0}origin-id", in: .xmpp) == .messageID)
        #expect(table.kind(of: "msgid", in: .irc) == .messageID)
        #expect(table.kind(of: "+draft/react", in: .irc) == .reaction)
        #expect(table.kind(of: "{urn:xmpp:reactions:0}reactions", in: .xmpp) == .reaction)
        #expect(table.kind(of: "{urn:xmpp:message-correct:0}replace", in: .xmpp) == .correction)
        #expect(table.kind(of: "{urn:xmpp:message-retract:1}retract", in: .xmpp) == .retraction)
        #expect(table.kind(of: "{http://jabber.org/protocol/xhtml-im}html", in: .xmpp) == .formatting)
        // Every kind has a rule.
        for kind in ExtensionKind.allCases { #expect(table.rule(for: kind)?.kind == kind) }
    }

    @Test func meaningWithoutNativeFormRenders() {
        // A bot or the server itself attaches a bare meaning: every protocol that knows it renders it.
        let table = freshTable()
        #expect(table.delivery(of: ExtensionPayload(meaning: .action), to: .irc) == .render(.action, .bodyConvention("CTCP ACTION")))
        #expect(table.delivery(of: ExtensionPayload(meaning: .action), to: .xmpp) == .render(.action, .bodyConvention("/me prefix")))
        #expect(NativeForm.bodyConvention("CTCP ACTION").payloadKey == nil)
        #expect(NativeForm.ircTag("time").payloadKey == "time")
        #expect(NativeForm.xmlElement(namespace: "urn:a", name: "b").payloadKey == "{urn:a}b")
    }

    // MARK: Untranslatable: dropped by rule, and counted

    @Test func correctionHasNoIRCFormAndIsCountedWhenDropped() {
        let table = freshTable()
        let payload = ExtensionPayload(
            meaning: .correction(of: "m1"),
            native: NativePayload(family: .xmpp, key: "{urn:xmpp:message-correct:0}replace", value: TestElement(namespace: "urn:xmpp:message-correct:0", name: "replace")))
        guard case .drop(let reason) = table.delivery(of: payload, to: .irc) else {
            Issue.record("a correction must be dropped for IRC")
            return
        }
        #expect(table.dropCounts == [reason: 1])
        _ = table.delivery(of: payload, to: .irc)
        #expect(table.dropCounts == [reason: 2])
        // Delivering it to XMPP is not a drop.
        _ = table.delivery(of: payload, to: .xmpp)
        #expect(table.dropCounts == [reason: 2])
    }

    @Test func unknownPayloadAcrossProtocolsIsDroppedAndCounted() {
        let table = freshTable()
        let unknownXML = ExtensionPayload(native: NativePayload(family: .xmpp, key: "{urn:example:unknown:0}blob", value: TestElement(namespace: "urn:example:unknown:0", name: "blob")))
        let unknownTag = ExtensionPayload(native: NativePayload(family: .irc, key: "+example.com/mood", value: "sleepy"))
        guard case .drop(let xmlReason) = table.delivery(of: unknownXML, to: .irc),
            case .drop(let tagReason) = table.delivery(of: unknownTag, to: .xmpp)
        else {
            Issue.record("payloads without a known meaning must be dropped across protocols")
            return
        }
        #expect(xmlReason != tagReason)
        _ = table.delivery(of: unknownTag, to: .xmpp)
        #expect(table.dropCounts == [xmlReason: 1, tagReason: 2])
    }

    @Test func dropCountsAreKeptPerTable() {
        let first = freshTable()
        let second = freshTable()
        _ = first.delivery(of: ExtensionPayload(meaning: .retraction(of: "x")), to: .irc)
        #expect(first.dropCounts.values.reduce(0, +) == 1)
        #expect(second.dropCounts.isEmpty)
    }

    @Test func deliveriesKeepPayloadOrder() {
        let table = freshTable()
        let tag = NativePayload(family: .irc, key: "+example.com/x", value: "1")
        let payloads = [
            ExtensionPayload(meaning: .messageID("m9"), native: NativePayload(family: .irc, key: "msgid", value: "m9")),
            ExtensionPayload(native: tag),
            ExtensionPayload(meaning: .correction(of: "m8")),
        ]
        let toIRC = table.deliveries(of: payloads, to: .irc)
        #expect(toIRC.count == 3)
        #expect(toIRC[0] == .native(NativePayload(family: .irc, key: "msgid", value: "m9")))
        #expect(toIRC[1] == .native(tag))
        guard case .drop = toIRC[2] else {
            Issue.record("correction has no IRC form")
            return
        }
        let toXMPP = table.deliveries(of: payloads, to: .xmpp)
        #expect(toXMPP[0] == .render(.messageID("m9"), .xmlElement(namespace: "urn:xmpp:sid:0", name: "origin-id")))
        guard case .drop = toXMPP[1] else {
            Issue.record("an unknown IRC tag has no XMPP form")
            return
        }
        #expect(toXMPP[2] == .render(.correction(of: "m8"), .xmlElement(namespace: "urn:xmpp:message-correct:0", name: "replace")))
    }

    @Test func customRulesAndFamilies() {
        let matrix = ProtocolFamily("matrix")
        let table = TranslationTable(rules: [
            TranslationRule(.reply, [.irc: .ircTag("+draft/reply"), matrix: .xmlElement(namespace: "m.relates_to", name: "m.in_reply_to")])
        ])
        let payload = ExtensionPayload(meaning: .reply(to: "e1"), native: NativePayload(family: .irc, key: "+draft/reply", value: "e1"))
        #expect(table.delivery(of: payload, to: matrix) == .render(.reply(to: "e1"), .xmlElement(namespace: "m.relates_to", name: "m.in_reply_to")))
        guard case .drop = table.delivery(of: payload, to: .xmpp) else {
            Issue.record("no XMPP form in this table")
            return
        }
        #expect(table.dropCounts.count == 1)
        #expect(matrix.description == "matrix")
    }
}
