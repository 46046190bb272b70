import Foundation
import ParleyCore
import Testing

@testable import ParleyCred

/// `rooms/<name>.room` files (docs/storage.md) and `FlatFileRoomStore`.
@Suite struct RoomStoreTests {
    var sample: PersistentRoom {
        var configuration = RoomConfiguration()
        configuration.persistent = true
        configuration.membersOnly = true
        configuration.password = " pass\nword "
        configuration.maxOccupants = 40
        configuration.historyLength = 7
        configuration.name = "Développement"
        configuration.description = "line one\nline two"
        return PersistentRoom(
            id: RoomID("Dev&Ops")!, configuration: configuration,
            affiliations: [
                UserID(parsing: "alice@example.org")!: .owner, UserID(parsing: "bob@example.org")!: .member,
                UserID(parsing: "eve@example.org")!: .outcast,
            ],
            topic: Topic(text: "release = friday", setBy: Nickname("Alice"), at: Date(timeIntervalSince1970: 1_765_000_000.25)),
            bans: [
                RoomBan(
                    mask: "*!*@spam.example", setBy: "alice!alice@example.org", at: Date(timeIntervalSince1970: 1_765_000_100),
                    outcasts: [UserID(parsing: "eve@example.org")!])
            ])
    }

    @Test func aRoomReadsBackFromItsFile() throws {
        let text = String(decoding: RoomFile.serialize(sample), as: UTF8.self)
        #expect(text.hasPrefix("# parley-room 1\nname = Dev&Ops\n"))
        #expect(text.contains("owner = alice@example.org\n"))
        #expect(try RoomFile.parse(RoomFile.serialize(sample), path: "x") == sample)
    }

    @Test(arguments: [
        ("# parley-room 1\nname = dev\ncolour = blue\n", 3, "unknown key"),
        ("# parley-room 1\nname = dev\nname = ops\n", 3, "duplicate"),
        ("# parley-room 1\nname = dev\nmoderated = maybe\n", 3, "yes or no"),
        ("# parley-room 1\nname = dev\nsubject = hi\n", 3, "subject-at"),
        ("# parley-room 1\nname = dev\nowner = not an address\n", 3, "not an address"),
        ("# parley-room 1\nname = dev\n[ban *!*@x]\nat = 2026-12-07T10:00:00.000Z\n", 3, "set-by"),
        ("# parley-room 1\nhistory-length = 20\n", 0, "name"),
        ("# parley-room 2\nname = dev\n", 1, "header"),
    ])
    func strictParsingNamesTheLine(text: String, line: Int, reason: String) {
        do {
            _ = try RoomFile.parse(Array(text.utf8), path: "dev.room")
            Issue.record("accepted: \(text)")
        } catch .corruptFile(_, let actualLine, let actualReason) {
            #expect(actualLine == line)
            #expect(actualReason.contains(reason), "\(actualReason)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func theStoreSavesLoadsAndRemovesRooms() throws {
        let dir = TemporaryDirectory()
        let store = try FlatFileRoomStore(directory: "\(dir.path)/rooms")
        try store.save(sample)
        #expect(FileManager.default.fileExists(atPath: "\(dir.path)/rooms/dev%26ops.room"))
        #expect(try FlatFileRoomStore(directory: "\(dir.path)/rooms").loadRooms() == [sample])
        // No temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir.path)/rooms") == ["dev%26ops.room"])
        try store.removeRoom(sample.id)
        try store.removeRoom(sample.id)
        #expect(try store.loadRooms().isEmpty)
    }

    @Test func aFileUnderAnotherRoomsNameIsRefused() throws {
        let dir = TemporaryDirectory()
        let store = try FlatFileRoomStore(directory: dir.path)
        try Data(RoomFile.serialize(sample)).write(to: URL(fileURLWithPath: "\(dir.path)/other.room"))
        #expect(throws: StoreError.self) { try store.loadRooms() }
    }
}
