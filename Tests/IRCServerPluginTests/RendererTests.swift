import Foundation
@testable import ParleyCore
import ParleyIRC
import Testing

@testable import IRCServerPlugin

/// `IRCEventRenderer`: model events → IRC lines, per recipient capabilities.
@Suite struct RendererTests {
    static let domain = "example.com"
    static let room = RoomID("dev")!
    /// No IRC client registered: every occupant is named as a foreign one (as is when valid).
    static let naming = IRCOccupantNaming(nicks: IRCNickTable(), domain: "example.test", nickLength: 30)

    static func occupant(
        _ nick: String, role: Role = .participant, affiliation: Affiliation = .none, presence: Presence = Presence()
    ) -> Occupant {
        let user = UserID(localpart: nick.lowercased(), domain: domain)
        return Occupant(
            nick: Nickname(nick)!, user: user, sessions: [SessionID(user: user, resource: "r")], role: role,
            affiliation: affiliation, presence: presence)
    }

    /// `nick`'s first session and occupant, as a room event names who acted.
    static func actor(_ nick: String, role: Role = .moderator) -> RoomActor {
        let occupant = occupant(nick, role: role)
        return RoomActor(session: occupant.sessions[0], occupant: occupant)
    }

    static func recipient(_ configure: (inout IRCRecipient) -> Void = { _ in }) -> IRCRecipient {
        var recipient = IRCRecipient(serverName: "irc.example.com", nick: "alice")
        configure(&recipient)
        return recipient
    }

    static func snapshot(occupants: [Occupant], topic: Topic? = nil) -> RoomSnapshot {
        RoomSnapshot(
            room: room, you: occupants[0], occupants: occupants, topic: topic, history: [],
            configuration: RoomConfiguration(), created: false)
    }

    @Test func enteredBurstHasJoinTopicAndNames() {
        let alice = Self.occupant("alice", role: .moderator, affiliation: .owner)
        let bob = Self.occupant("bob")
        let topic = Topic(text: "Welcome", setBy: Nickname("alice"), at: Date(timeIntervalSince1970: 1_700_000_000))
        let lines = IRCEventRenderer.entered(Self.snapshot(occupants: [alice, bob], topic: topic), for: Self.recipient(), naming: Self.naming)
        #expect(lines.map(\.command) == ["JOIN", "332", "333", "353", "366"])
        #expect(lines[0].source == "alice!alice@example.com")
        #expect(lines[0].parameters == ["#dev"])
        #expect(lines[1].parameters == ["alice", "#dev", "Welcome"])
        #expect(lines[2].parameters == ["alice", "#dev", "alice", "1700000000"])
        // Without multi-prefix only the highest prefix: the owner shows `~`.
        #expect(lines[3].parameters == ["alice", "=", "#dev", "~alice bob"])
        #expect(lines[4].parameters == ["alice", "#dev", "End of /NAMES list"])
    }

    @Test func namesWithMultiPrefixAndUserhostInNames() {
        let alice = Self.occupant("alice", role: .moderator, affiliation: .owner)
        let bob = Self.occupant("bob")
        let lines = IRCEventRenderer.entered(
            Self.snapshot(occupants: [alice, bob]),
            for: Self.recipient {
                $0.multiPrefix = true
                $0.userhostInNames = true
            }, naming: Self.naming)
        #expect(lines.map(\.command) == ["JOIN", "353", "366"])
        #expect(lines[1].parameters[3] == "~@alice!alice@example.com bob!bob@example.com")
    }

    @Test func namesAreSplitUnder512Bytes() {
        let occupants = (0..<200).map { Self.occupant("user\($0)-with-a-long-nick") }
        let lines = IRCEventRenderer.names(
            channel: "#dev", occupants: occupants, configuration: RoomConfiguration(), for: Self.recipient(),
            naming: Self.naming)
        #expect(lines.count > 2)
        #expect(lines.allSatisfy { $0.serialized().utf8.count + 2 <= 512 })
        let listed = lines.dropLast().flatMap { $0.parameters[3].split(separator: " ").map(String.init) }
        #expect(listed == occupants.map(\.nick.displayName))
        #expect(lines.last?.command == "366")
    }

    @Test func secretChannelUsesAtSymbol() {
        var configuration = RoomConfiguration()
        configuration.hidden = true
        let lines = IRCEventRenderer.names(
            channel: "#dev", occupants: [Self.occupant("bob")], configuration: configuration, for: Self.recipient(),
            naming: Self.naming)
        #expect(lines[0].parameters[1] == "@")
    }

    @Test func leavingReasons() {
        let bob = Self.occupant("bob")
        let r = Self.recipient()
        let part = IRCEventRenderer.left(bob, reason: .left("bye"), room: Self.room, for: r, naming: Self.naming)
        #expect(part.serialized() == ":bob!bob@example.com PART #dev bye")
        let silent = IRCEventRenderer.left(bob, reason: .left(nil), room: Self.room, for: r, naming: Self.naming)
        #expect(silent.serialized() == ":bob!bob@example.com PART #dev")
        let kick = IRCEventRenderer.left(
            bob, reason: .kicked(by: Self.actor("alice"), reason: "spam"), room: Self.room, for: r, naming: Self.naming)
        // The kicker's full source, found from the event's actor (no nick look-up).
        #expect(kick.serialized() == ":alice!alice@example.com KICK #dev bob spam")
        let ban = IRCEventRenderer.left(bob, reason: .banned(by: nil, reason: nil), room: Self.room, for: r, naming: Self.naming)
        #expect(ban.serialized() == ":irc.example.com KICK #dev bob Banned")
        let lost = IRCEventRenderer.left(bob, reason: .deliveryFailed, room: Self.room, for: r, naming: Self.naming)
        #expect(lost.command == "PART" && lost.parameters == ["#dev", "Connection lost"])
        let quit = IRCEventRenderer.left(bob, reason: .disconnected("Quit: bye"), room: Self.room, for: r, naming: Self.naming)
        #expect(quit.serialized() == ":bob!bob@example.com QUIT :Quit: bye")
        let gone = IRCEventRenderer.left(bob, reason: .disconnected(nil), room: Self.room, for: r, naming: Self.naming)
        #expect(gone.command == "QUIT" && gone.parameters == ["Client Quit"])
    }

    @Test func roleChangeBecomesMode() {
        let old = Self.occupant("bob")
        var new = old
        new.role = .moderator
        let lines = IRCEventRenderer.changed(
            old: old, new: new, room: Self.room, moderated: false, renderNick: true, for: Self.recipient(), naming: Self.naming)
        #expect(lines.map { $0.serialized() } == [":irc.example.com MODE #dev +o bob"])
        let back = IRCEventRenderer.changed(
            old: new, new: old, room: Self.room, moderated: false, renderNick: true, for: Self.recipient(), naming: Self.naming)
        #expect(back.map { $0.serialized() } == [":irc.example.com MODE #dev -o bob"])
        let byAlice = IRCEventRenderer.changed(
            old: old, new: new, room: Self.room, moderated: false, renderNick: true,
            actor: "alice!alice@example.com", for: Self.recipient(), naming: Self.naming)
        #expect(byAlice.map { $0.serialized() } == [":alice!alice@example.com MODE #dev +o bob"])
    }

    @Test func nickChangeOnlyWhenAsked() {
        let old = Self.occupant("bob")
        var new = old
        new.nick = Nickname("bobby")!
        let shown = IRCEventRenderer.changed(
            old: old, new: new, room: Self.room, moderated: false, renderNick: true, for: Self.recipient(), naming: Self.naming)
        #expect(shown.map { $0.serialized() } == [":bob!bob@example.com NICK bobby"])
        let hidden = IRCEventRenderer.changed(
            old: old, new: new, room: Self.room, moderated: false, renderNick: false, for: Self.recipient(), naming: Self.naming)
        #expect(hidden.isEmpty)
    }

    @Test func awayNotifyOnlyForCapability() {
        let old = Self.occupant("bob")
        var new = old
        new.presence = Presence(.away, status: "lunch")
        let without = IRCEventRenderer.changed(
            old: old, new: new, room: Self.room, moderated: false, renderNick: true, for: Self.recipient(), naming: Self.naming)
        #expect(without.isEmpty)
        let with = IRCEventRenderer.changed(
            old: old, new: new, room: Self.room, moderated: false, renderNick: true,
            for: Self.recipient { $0.awayNotify = true }, naming: Self.naming)
        #expect(with.map { $0.serialized() } == [":bob!bob@example.com AWAY lunch"])
        let back = IRCEventRenderer.changed(
            old: new, new: old, room: Self.room, moderated: false, renderNick: true,
            for: Self.recipient { $0.awayNotify = true }, naming: Self.naming)
        #expect(back.map { $0.serialized() } == [":bob!bob@example.com AWAY"])
    }

    @Test func configurationDiffIsOneModeLine() {
        let old = RoomConfiguration()
        var new = old
        new.moderated = true
        new.password = "secret"
        new.topicRestricted = false
        new.maxOccupants = 10
        let line = IRCEventRenderer.configurationChanged(from: old, to: new, room: Self.room, for: Self.recipient())
        #expect(line?.serialized() == ":irc.example.com MODE #dev +mkl-t secret 10")
        let undo = IRCEventRenderer.configurationChanged(from: new, to: old, room: Self.room, for: Self.recipient())
        #expect(undo?.serialized() == ":irc.example.com MODE #dev +t-mkl *")
        #expect(IRCEventRenderer.configurationChanged(from: old, to: old, room: Self.room, for: Self.recipient()) == nil)
        let byAlice = IRCEventRenderer.configurationChanged(
            from: old, to: new, room: Self.room, actor: "alice!alice@example.com", for: Self.recipient())
        #expect(byAlice?.source == "alice!alice@example.com")
        var external = old
        external.allowsExternalMessages = true
        #expect(
            IRCEventRenderer.configurationChanged(from: old, to: external, room: Self.room, for: Self.recipient())?
                .serialized() == ":irc.example.com MODE #dev -n")
    }

    static func roomMessage(body: String?, payloads: [ExtensionPayload] = []) -> Message {
        Message(
            id: "abc", kind: .room, from: .occupant(room, Nickname("bob")!), to: .room(room), body: body,
            timestamp: Date(timeIntervalSince1970: 1_700_000_000.5), payloads: payloads)
    }

    @Test func messageVariants() {
        let mapping = IRCPayloadMapping()
        let custom = ExtensionPayload(native: NativePayload(family: .irc, key: "+example.com/x", value: "1"))
        let message = Self.roomMessage(body: "hi there", payloads: [custom])
        let plain = IRCEventRenderer.message(
            message, source: "bob!bob@example.com", target: "#dev", messageTags: false, serverTime: false,
            mapping: mapping).first
        #expect(plain?.serialized() == ":bob!bob@example.com PRIVMSG #dev :hi there")
        let tagged = IRCEventRenderer.message(
            message, source: "bob!bob@example.com", target: "#dev", messageTags: true, serverTime: true,
            mapping: mapping).first
        #expect(tagged?.tag("msgid") == .some("abc"))
        #expect(tagged?.tag("time") == .some("2023-11-14T22:13:20.500Z"))
        #expect(tagged?.tag("+example.com/x") == .some("1"))
        let timeOnly = IRCEventRenderer.message(
            message, source: "bob!bob@example.com", target: "#dev", messageTags: false, serverTime: true,
            mapping: mapping).first
        #expect(timeOnly?.tags.map(\.key) == ["time"])
    }

    @Test func noticeMarkerAndTagOnlyMessages() {
        let mapping = IRCPayloadMapping()
        let notice = Self.roomMessage(body: "note", payloads: [IRCEventRenderer.noticeMarker])
        let line = IRCEventRenderer.message(
            notice, source: "bob", target: "#dev", messageTags: true, serverTime: false, mapping: mapping).first
        #expect(line?.command == "NOTICE")
        #expect(line?.tags.contains { $0.key == IRCEventRenderer.Marker.notice.rawValue } == false)

        let typing = Self.roomMessage(
            body: nil,
            payloads: [ExtensionPayload(meaning: .typing(.composing), native: NativePayload(family: .irc, key: "+typing", value: "active"))])
        let tagmsg = IRCEventRenderer.message(
            typing, source: "bob", target: "#dev", messageTags: true, serverTime: false, mapping: mapping).first
        #expect(tagmsg?.command == "TAGMSG")
        #expect(tagmsg?.tag("+typing") != nil)
        let dropped = IRCEventRenderer.message(
            typing, source: "bob", target: "#dev", messageTags: false, serverTime: true, mapping: mapping).first
        #expect(dropped == nil)
    }

    @Test func variantIndexCoversFourCases() {
        var seen = Set<Int>()
        for tags in [false, true] {
            for time in [false, true] {
                let r = Self.recipient {
                    $0.messageTags = tags
                    $0.serverTime = time
                }
                seen.insert(r.messageVariant)
            }
        }
        #expect(seen == [0, 1, 2, 3])
    }
}
