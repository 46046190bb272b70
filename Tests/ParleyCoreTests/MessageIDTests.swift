import Foundation
import ParleyCore
import Testing

/// The ids a room gives the messages it accepts (XEP-0359 stanza-id, IRC `msgid`).
@Suite("Message ids minted by the model")
struct MessageIDTests {
    /// The message the room delivered for one post.
    private func post(_ message: Message, in room: inout RoomFixture, from who: String) throws -> Message {
        let effects = try room.state.post(message, from: session(who), now: room.t0)
        for case .everyone(.message(let posted, _), _) in effects { return posted }
        Issue.record("the post must reach everyone")
        return message
    }

    @Test func twoMessagesGetDifferentIds() throws {
        var room = RoomFixture()
        try room.join("alice")
        let first = try post(room.message("one"), in: &room, from: "alice")
        let second = try post(room.message("two"), in: &room, from: "alice")
        let firstID = try #require(first.id)
        let secondID = try #require(second.id)
        #expect(firstID != secondID)
    }

    @Test func theSenderCannotChooseTheId() throws {
        var room = RoomFixture()
        try room.join("alice")
        var message = room.message("hello")
        message.id = "chosen-by-sender"
        let posted = try post(message, in: &room, from: "alice")
        #expect(posted.id != "chosen-by-sender")
        // The sender's own id stays, as the origin id its adapter matches the echo by.
        #expect(posted.originID == "chosen-by-sender")
    }

    @Test func aMessageWithoutIdStillGetsOne() throws {
        var room = RoomFixture()
        try room.join("alice")
        var message = room.message("hello")
        message.id = nil
        let posted = try post(message, in: &room, from: "alice")
        #expect(posted.id?.isEmpty == false)
        #expect(posted.originID == nil)
    }

    @Test func historyKeepsTheMintedId() throws {
        var room = RoomFixture()
        try room.join("alice")
        let posted = try post(room.message("kept"), in: &room, from: "alice")
        #expect(room.state.history.map(\.id) == [posted.id])
        let delivered = try room.join("bob")
        #expect(room.snapshot(in: delivered, for: session("bob"))?.history.map(\.id) == [posted.id])
    }

    @Test func idsAreUniqueAcrossRooms() throws {
        var dev = RoomFixture("dev")
        var ops = RoomFixture("ops")
        try dev.join("alice")
        try ops.join("alice")
        var seen = Set<String>()
        for index in 0..<200 {
            let inDev = try post(dev.message("d\(index)"), in: &dev, from: "alice")
            let inOps = try post(ops.message("o\(index)"), in: &ops, from: "alice")
            seen.insert(try #require(inDev.id))
            seen.insert(try #require(inOps.id))
        }
        #expect(seen.count == 400)
    }

    @Test func idsAre26CharactersOfLowercaseBase32() {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz234567")
        for _ in 0..<100 {
            let id = MessageID.mint()
            #expect(id.count == 26)
            #expect(id.allSatisfy { allowed.contains($0) })
        }
    }
}
