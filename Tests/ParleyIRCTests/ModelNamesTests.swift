import ParleyCore
import ParleyIRC
import Testing

@Suite("IRC model: channel names, hostmasks, away")
struct ModelNamesTests {
    @Test func channelIsTheRoomWithoutItsPrefix() throws {
        let room = try #require(IRCChannelName.roomID(for: "#dev"))
        #expect(room == RoomID("dev"))
        #expect(room.displayName == "dev")
        #expect(IRCChannelName.channel(for: room) == "#dev")
        // The same room an XMPP client reaches as dev@conference.<domain>.
        #expect(IRCChannelName.roomID(for: "#Dev") == IRCChannelName.roomID(for: "#dev"))
        #expect(IRCChannelName.channel(for: IRCChannelName.roomID(for: "#Dev")!) == "#Dev")
        #expect(IRCChannelName.roomID(for: "#café") == RoomID("café"))
        #expect(IRCChannelName.roomID(for: "#a.b-c_d[e]") == RoomID("a.b-c_d[e]"))
    }

    @Test(arguments: [
        "dev", "#", "", "&dev", "#a b", "#a,b", "#a\u{7}b", "#a\u{0}b", "#a\rb", "#a\nb", "#a:b",
        "#a@b", "#a/b",  // no RoomID for these
        "##dev" + String(repeating: "x", count: 60),  // 65 bytes
        "#" + String(repeating: "é", count: 32),  // 65 bytes
    ])
    func invalidChannelNames(_ name: String) {
        #expect(IRCChannelName.roomID(for: name) == nil)
    }

    @Test func longestChannelNameIsAccepted() {
        let name = "#" + String(repeating: "x", count: IRCChannelName.maximumLength - 1)
        #expect(IRCChannelName.roomID(for: name) != nil)
        #expect(IRCChannelName.roomID(for: "##dev") == RoomID("#dev"))
    }

    @Test func hostmaskUsesLocalpartAndDomain() {
        #expect(IRCHostmask.of(nick: "Alice", user: UserID(localpart: "alice", domain: "example.com")) == "Alice!alice@example.com")
        #expect(IRCHostmask.of(nick: "g1", user: UserID(localpart: "~guest", domain: "Example.COM")) == "g1!~guest@example.com")
        #expect(IRCHostmask.of(nick: "svc", user: UserID(localpart: "", domain: "echo.example.com")) == "svc!*@echo.example.com")
    }

    @Test func awayMessageSetsAndClearsAway() {
        #expect(IRCAway.presence(forAwayMessage: "lunch") == Presence(.away, status: "lunch"))
        #expect(IRCAway.presence(forAwayMessage: nil) == Presence(.available))
        #expect(IRCAway.presence(forAwayMessage: "") == Presence(.available))
    }

    @Test func presenceShownAsAway() {
        #expect(IRCAway.awayMessage(for: Presence(.available, status: "here")) == nil)
        #expect(IRCAway.awayMessage(for: Presence(.chat)) == nil)
        #expect(IRCAway.awayMessage(for: .unavailable) == nil)
        #expect(IRCAway.awayMessage(for: Presence(.away, status: "lunch")) == "lunch")
        #expect(IRCAway.awayMessage(for: Presence(.xa, status: "on holiday")) == "on holiday")
        #expect(IRCAway.awayMessage(for: Presence(.away)) == "Away")
        #expect(IRCAway.awayMessage(for: Presence(.xa, status: "")) == "Extended away")
        #expect(IRCAway.awayMessage(for: Presence(.dnd)) == "Do not disturb")
        // AWAY → presence → AWAY keeps the text.
        #expect(IRCAway.awayMessage(for: IRCAway.presence(forAwayMessage: "brb")) == "brb")
    }
}
