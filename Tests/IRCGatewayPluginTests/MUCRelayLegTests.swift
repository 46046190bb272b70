import ParleyCore
import ParleyXML
import ParleyXMPP
import Testing

@testable import IRCGatewayPlugin

/// The XMPP leg of a relay bridge, without a network: joins, history, reflections, what
/// crosses and what does not, and how reply and correction ids are translated.
@Suite struct MUCRelayLegTests {
    static let room = JID("dev@conference.far.test")!
    static let local = RoomID("dev")!
    static let session = SessionID(user: UserID(localpart: "relay-xmpp", domain: "localhost"), resource: "r")

    static func leg() throws -> MUCRelayLeg {
        MUCRelayLeg(room: room, nick: "relay", format: try #require(RelayFormat("<{nick}> ")))
    }

    static func stanza(_ text: String) throws -> XMLElement {
        try XMLStreamParser.parseDocument(
            "<s:stream xmlns='jabber:client' xmlns:s='http://etherx.jabber.org/streams'>\(text)</s:stream>"
        ).elements[0]
    }

    static let selfPresence =
        "<presence from='dev@conference.far.test/relay'><x xmlns='http://jabber.org/protocol/muc#user'><status code='110'/></x></presence>"

    /// A leg that has joined and seen the subject.
    static func joined() throws -> MUCRelayLeg {
        var leg = try leg()
        _ = leg.join()
        #expect(leg.inbound(try stanza(selfPresence)) == [.joined])
        #expect(leg.inbound(try stanza("<message from='dev@conference.far.test' type='groupchat'><subject/></message>")).isEmpty)
        return leg
    }

    static func message(_ body: String?, id: String = "m1", originID: String? = "o1", payloads: [ExtensionPayload] = [])
        -> Message
    {
        Message(id: id, originID: originID, kind: .room, from: .occupant(local, Nickname("Alice")!), to: .room(local), body: body, payloads: payloads)
    }

    @Test func theJoinAsksForNoHistory() throws {
        var leg = try Self.leg()
        let join = leg.join()
        #expect(join[attribute: "to"] == "dev@conference.far.test/relay")
        #expect(join.firstChild(named: "x")?.firstChild(named: "history")?[attribute: "maxstanzas"] == "0")
    }

    @Test func historyBeforeTheSubjectAndOwnReflectionsAreNotRelayed() throws {
        var leg = try Self.leg()
        _ = leg.join()
        let early = try Self.stanza("<message from='dev@conference.far.test/bob' type='groupchat'><body>before</body></message>")
        #expect(leg.inbound(early) == [.drop("the other room's history on join")])
        #expect(leg.inbound(try Self.stanza(Self.selfPresence)) == [.joined])
        let history = try Self.stanza(
            "<message from='dev@conference.far.test/bob' type='groupchat'><body>old</body><delay xmlns='urn:xmpp:delay' from='dev@conference.far.test' stamp='2020-01-01T00:00:00Z'/></message>")
        #expect(leg.inbound(history) == [.drop("the other room's history on join")])
        _ = leg.inbound(try Self.stanza("<message from='dev@conference.far.test' type='groupchat'><subject>topic</subject></message>"))
        #expect(leg.inbound(history) == [.drop("the other room's history on join")])  // delay from the room
        let own = try Self.stanza("<message from='dev@conference.far.test/relay' type='groupchat'><body>&lt;Alice&gt; hi</body></message>")
        #expect(leg.inbound(own).isEmpty)
        let subject = try Self.stanza("<message from='dev@conference.far.test/bob' type='groupchat'><subject>new</subject></message>")
        #expect(leg.inbound(subject) == [.drop("subject changes in the other room")])
        let presence = try Self.stanza("<presence from='dev@conference.far.test/carol'/>")
        #expect(leg.inbound(presence) == [.drop("joins, parts and nick changes in the other room")])
        let elsewhere = try Self.stanza("<message from='other@conference.far.test/bob' type='groupchat'><body>x</body></message>")
        #expect(leg.inbound(elsewhere).isEmpty)
    }

    @Test func aFarMessageAndActionArePostedWithTheSendersNick() throws {
        var leg = try Self.joined()
        let said = try Self.stanza("<message from='dev@conference.far.test/bob&#x200B;' type='groupchat' id='b1'><body>hello</body></message>")
        guard case .post(let post)? = leg.inbound(said).first else { Issue.record("not posted"); return }
        #expect(post.body == "<bob> hello" && !post.isAction)
        let waved = try Self.stanza("<message from='dev@conference.far.test/bob' type='groupchat'><body>/me waves</body></message>")
        guard case .post(let action)? = leg.inbound(waved).first else { Issue.record("not posted"); return }
        #expect(action.body == "bob waves" && action.isAction)
        #expect(action.message(from: Self.session, to: Self.local).meanings == [.action])
        let reaction = try Self.stanza("<message from='dev@conference.far.test/bob' type='groupchat'><reactions xmlns='urn:xmpp:reactions:0' id='x'/></message>")
        #expect(leg.inbound(reaction) == [.drop("tags-only messages (reactions, chat states) from the other room")])
        let chat = try Self.stanza("<message from='dev@conference.far.test/bob' type='chat'><body>psst</body></message>")
        #expect(leg.inbound(chat) == [.drop("private messages and invitations in the other room")])
    }

    @Test func localMessagesGoOutWithThePrefixAndWithoutOneFromAnotherBridge() throws {
        var leg = try Self.joined()
        let (stanza, dropped) = leg.outbound(Self.message("hi"), sender: "Alice", relayed: false)
        #expect(dropped.isEmpty)
        #expect(stanza?[attribute: "to"] == "dev@conference.far.test" && stanza?[attribute: "type"] == "groupchat")
        #expect(stanza?.firstChild(named: "body")?.text == "<Alice> hi")
        let action = leg.outbound(Self.message("waves", payloads: [ExtensionPayload(meaning: .action)]), sender: "Alice", relayed: false)
        #expect(action.stanza?.firstChild(named: "body")?.text == "/me Alice waves")
        let fromIRC = leg.outbound(Self.message("<bob> hi", id: "m9"), sender: "irc", relayed: true)
        #expect(fromIRC.stanza?.firstChild(named: "body")?.text == "<bob> hi")
        let tagsOnly = leg.outbound(Self.message(nil), sender: "Alice", relayed: false)
        #expect(tagsOnly.stanza == nil && tagsOnly.dropped == ["tags-only messages (reactions, typing) to the other room"])
    }

    @Test func repliesAndCorrectionsKeepTheirReferenceBothWays() throws {
        var leg = try Self.joined()
        // Local → far: Alice's message, its reflection in the far room gives the stanza-id.
        let first = leg.outbound(Self.message("hi", id: "L-sid", originID: "L-id"), sender: "Alice", relayed: false)
        let sentID = try #require(first.stanza?[attribute: "id"])
        let reflection = try Self.stanza(
            "<message from='dev@conference.far.test/relay' type='groupchat' id='\(sentID)'><body>x</body><stanza-id xmlns='urn:xmpp:sid:0' by='dev@conference.far.test' id='F-sid'/></message>")
        #expect(leg.inbound(reflection).isEmpty)
        let fix = leg.outbound(
            Self.message("hello", id: "L2", originID: "L2-id", payloads: [ExtensionPayload(meaning: .correction(of: "L-id"))]),
            sender: "Alice", relayed: false)
        #expect(fix.stanza?.firstChild(named: "replace", namespace: "urn:xmpp:message-correct:0")?[attribute: "id"] == sentID)
        // Far → local: bob replies to the relayed message by its far stanza-id.
        let reply = try Self.stanza(
            "<message from='dev@conference.far.test/bob' type='groupchat' id='b2'><body>re</body><reply xmlns='urn:xmpp:reply:0' to='dev@conference.far.test/relay' id='F-sid'/><stanza-id xmlns='urn:xmpp:sid:0' by='dev@conference.far.test' id='F2-sid'/></message>")
        guard case .post(let post)? = leg.inbound(reply).first else { Issue.record("not posted"); return }
        #expect(post.replyTo == "L-sid")
        #expect(post.message(from: Self.session, to: Self.local).meanings == [.reply(to: "L-sid")])
        // Our post comes back from the local room with the room's id; a local reply to it
        // names the far message's stanza-id.
        var reflected = Self.message("<bob> re", id: "L3-sid", originID: post.id)
        leg.localReflection(reflected)
        reflected = Self.message("ok", id: "L4", originID: nil, payloads: [ExtensionPayload(meaning: .reply(to: "L3-sid"))])
        let answer = leg.outbound(reflected, sender: "Alice", relayed: false)
        #expect(answer.stanza?.firstChild(named: "reply", namespace: "urn:xmpp:reply:0")?[attribute: "id"] == "F2-sid")
        // bob corrects his message by its id: the local correction names our post's id.
        let correction = try Self.stanza(
            "<message from='dev@conference.far.test/bob' type='groupchat' id='b3'><body>re!</body><replace xmlns='urn:xmpp:message-correct:0' id='b2'/></message>")
        guard case .post(let fixed)? = leg.inbound(correction).first else { Issue.record("not posted"); return }
        #expect(fixed.correcting == post.id)
        // An unknown reference is counted; the body still crosses.
        let orphan = leg.outbound(
            Self.message("?", payloads: [ExtensionPayload(meaning: .reply(to: "nowhere"))]), sender: "Alice", relayed: false)
        #expect(orphan.stanza != nil && orphan.dropped == ["reply references to messages the other room does not have"])
        // A stanza-id claimed by someone else than the room is not the room's.
        let forged = try Self.stanza(
            "<message from='dev@conference.far.test/relay' type='groupchat' id='\(try #require(orphan.stanza?[attribute: "id"]))'><body>x</body><stanza-id xmlns='urn:xmpp:sid:0' by='evil@far.test' id='EVIL'/></message>")
        _ = leg.inbound(forged)
        #expect(leg.ids.counterpart(of: "m1", in: .local, for: .reply) != "EVIL")
    }

    @Test func leavingTheRoomOrAFailedSelfPingAsksForARejoin() throws {
        var leg = try Self.joined()
        let firstPing = leg.selfPing()
        let ping = try #require(firstPing)
        #expect(ping[attribute: "to"] == "dev@conference.far.test/relay" && ping.firstChild(named: "ping") != nil)
        #expect(leg.selfPing() == nil)  // one in flight: unanswered means the caller reconnects
        let id = try #require(ping[attribute: "id"])
        let stillIn = try Self.stanza(
            "<iq from='dev@conference.far.test/relay' type='error' id='\(id)'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")
        #expect(leg.inbound(stillIn).isEmpty && leg.isJoined)
        let secondPing = leg.selfPing()
        let second = try #require(secondPing?[attribute: "id"])
        let out = try Self.stanza(
            "<iq from='dev@conference.far.test/relay' type='error' id='\(second)'><error type='modify'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")
        #expect(leg.inbound(out) == [.rejoin(reason: "self-ping: not-acceptable")])
        #expect(!leg.isJoined)
        var kicked = try Self.joined()
        let kick = try Self.stanza(
            "<presence from='dev@conference.far.test/relay' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><status code='307'/><status code='110'/></x></presence>")
        #expect(kicked.inbound(kick) == [.rejoin(reason: "we left the room (status 307,110)")])
    }
}
