import ParleyCore
import Testing

@testable import ParleyXMPP

/// XEP-0106 between room names and JID localparts: escaped where a localpart cannot hold
/// the character, and reversible for every room name.
@Suite struct RoomJIDMappingTests {
    let rooms = RoomJIDMapping(domain: "conference.example.org")

    @Test(arguments: [
        ("dev", "dev"), ("a&b", "a\\26b"), ("it's", "it\\27s"), ("x:y<z>", "x\\3ay\\3cz\\3e"), ("say\"hi\"", "say\\22hi\\22"),
        ("c:\\5cpath", "c\\3a\\5c5cpath"), ("back\\slash", "back\\slash"),
    ])
    func escapesWhatALocalpartCannotHold(name: String, localpart: String) throws {
        let room = try #require(RoomID(name))
        #expect(RoomJIDMapping.localpart(of: room) == localpart)
        #expect(RoomJIDMapping.room(localpart: localpart)?.displayName == name)
    }

    @Test func theRoomJIDParsesBackToTheSameRoom() throws {
        let room = try #require(RoomID("a&b"))
        let nick = try #require(Nickname("Alice"))
        let jid = try #require(JID(rooms.jid(of: room, nick: nick).description))
        #expect(jid.resource == "Alice")
        #expect(rooms.room(of: jid) == room)
    }

    @Test func otherDomainsAndTheServiceItselfAreNoRoom() throws {
        #expect(rooms.room(of: try #require(JID("dev@conference.other.org"))) == nil)
        #expect(rooms.room(of: try #require(JID("conference.example.org"))) == nil)
    }

    @Test func roundTripsRandomNames() throws {
        let alphabet = Array("ab\\&'\":<>2f5c0")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let name = String((0..<Int.random(in: 1...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            guard let room = RoomID(name) else { continue }
            let localpart = RoomJIDMapping.localpart(of: room)
            #expect(!localpart.contains { "\"&'/:<>@ ".contains($0) }, "\(name) → \(localpart)")
            #expect(RoomJIDMapping.room(localpart: localpart)?.displayName == name, "\(name) → \(localpart)")
        }
    }
}
