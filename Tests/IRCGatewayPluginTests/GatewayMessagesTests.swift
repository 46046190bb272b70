import ParleyCore
import ParleyIRC
import ParleyMUC
import ParleyXML
import Testing

@testable import IRCGatewayPlugin

/// IRC lines ↔ XMPP messages through the translation table.
@Suite struct GatewayMessagesTests {
    let messages = GatewayMessages()

    @Test func inboundKeepsClientTagsAndTheIdButNoDelayOrOriginID() {
        let line = IRCMessage(
            tags: [IRCTag("time", "2026-12-07T10:00:00.000Z"), IRCTag("msgid", "m42"), IRCTag("+draft/reply", "m41")],
            source: "bob!b@h", command: "PRIVMSG", parameters: ["#dev", "\u{1}ACTION agrees\u{1}"])
        let (body, payloads, id) = messages.inbound(line)
        #expect(body == "agrees")
        #expect(id == "m42")
        #expect(payloads.compactMap(\.meaning) == [.reply(to: "m41"), .action])
        #expect(!payloads.contains { $0.native?.key == "time" || $0.native?.key == "msgid" })
        // A TAGMSG has no body: a reaction alone.
        let react = IRCMessage(
            tags: [IRCTag("+draft/react", "👍"), IRCTag("+draft/reply", "m41")], source: "bob!b@h", command: "TAGMSG",
            parameters: ["#dev"])
        let (none, reaction, _) = messages.inbound(react)
        #expect(none == nil)
        #expect(reaction.compactMap(\.meaning).contains(.reaction(to: "m41", emoji: "👍")))
    }

    @Test func outboundCutsLinesAndTagsOnlyTheFirst() throws {
        let reply = Message(
            kind: .room, from: .user(UserID(localpart: "alice", domain: "example.org")), to: .room(RoomID("dev")!),
            body: "first\nsecond", payloads: [ExtensionPayload(meaning: .reply(to: "m41"))])
        let lines = try messages.lines(for: reply, to: "#dev", from: "alice", tags: true)
        #expect(lines.map(\.parameters) == [["#dev", "first"], ["#dev", "second"]])
        #expect(lines[0].tags == [IRCTag("+draft/reply", "m41")])
        #expect(lines[1].tags.isEmpty)
        // Without message-tags on the network, no tags; a tags-only message then sends nothing.
        #expect(try messages.lines(for: reply, to: "#dev", from: "alice", tags: false).allSatisfy { $0.tags.isEmpty })
        var reaction = reply
        reaction.body = nil
        reaction.payloads = [ExtensionPayload(meaning: .reaction(to: "m41", emoji: "👍"))]
        #expect(try messages.lines(for: reaction, to: "#dev", from: "alice", tags: false).isEmpty)
        let tagmsg = try messages.lines(for: reaction, to: "#dev", from: "alice", tags: true)
        #expect(tagmsg.map(\.command) == ["TAGMSG"])
        // A long /me stays an ACTION in every piece, each under the 512-byte line.
        var action = reply
        action.body = String(repeating: "word ", count: 300)
        action.payloads = [ExtensionPayload(meaning: .action)]
        let pieces = try messages.lines(for: action, to: "#dev", from: "alice", tags: false)
        #expect(pieces.count > 1)
        #expect(pieces.allSatisfy { IRCCTCPAction.unwrap($0.parameters[1]) != nil && $0.parameters[1].utf8.count < 450 })
    }

    @Test func aCorrectionIsOneMarkedLineAndALongMessageIsRefused() throws {
        var correction = Message(
            kind: .room, from: .user(UserID(localpart: "alice", domain: "example.org")), to: .room(RoomID("dev")!),
            body: "fixed\ntext " + String(repeating: "long ", count: 200),
            payloads: [ExtensionPayload(meaning: .correction(of: "m1"))])
        let one = try messages.lines(for: correction, to: "#dev", from: "alice", tags: false)
        #expect(one.count == 1)
        #expect(one[0].parameters[1].hasPrefix("(correction) fixed text long"))
        #expect(one[0].parameters[1].hasSuffix("…"))
        correction.payloads = []
        correction.body = String(repeating: "line\n", count: GatewayMessages.maximumLines + 1)
        #expect(throws: GatewayMessages.Refusal.tooLong(lines: GatewayMessages.maximumLines + 1)) {
            try messages.lines(for: correction, to: "#dev", from: "alice", tags: false)
        }
        correction.body = String(repeating: "line\n", count: GatewayMessages.maximumLines)
        #expect(try messages.lines(for: correction, to: "#dev", from: "alice", tags: false).count == GatewayMessages.maximumLines)
    }

    @Test func theStanzaIDNamesTheRoom() throws {
        let payload = GatewayMessages.stanzaID("m42", by: "#dev%irc.example.net@irc.example.org")
        let element = try #require(payload.native?.value as? XMLElement)
        #expect(element.namespace == MUCNamespace.stanzaID)
        #expect(element[attribute: "id"] == "m42" && element[attribute: "by"] == "#dev%irc.example.net@irc.example.org")
    }
}
