import Foundation
import ParleyCore
import Testing

@testable import ParleyCred

/// `FlatFileRoomArchive`: appended lines, reading back in a new instance, torn lines,
/// retention by count and by age.
@Suite struct RoomArchiveTests {
    let room = RoomID("Dev")!

    func message(_ index: Int, at seconds: Double? = nil, body: String? = nil) -> ArchivedMessage {
        ArchivedMessage(
            message: Message(
                id: "id\(index)", originID: "client-\(index)", kind: .room, from: .occupant(room, Nickname("Alice")!),
                to: .room(room), body: body ?? "message \(index)",
                timestamp: Date(timeIntervalSince1970: seconds ?? 1_765_000_000 + Double(index))),
            sender: UserID(parsing: "alice@example.org"))
    }

    func all(_ archive: FlatFileRoomArchive) throws -> [ArchivedMessage] {
        try archive.query(room, ArchiveQuery(max: 1_000)).messages
    }

    @Test func aLineKeepsTheMessageItsMeaningsAndHostileText() throws {
        var original = message(1, body: "two\nlines\twith tab and \\ backslash ")
        original.message.payloads = [
            ExtensionPayload(meaning: .action), ExtensionPayload(meaning: .reply(to: "id0")),
            ExtensionPayload(meaning: .reaction(to: "id0", emoji: "👍 ok")),
        ]
        original.message.subject = nil
        let line = ArchiveLine.encode(original)
        #expect(!line.contains("\n"))
        #expect(ArchiveLine.decode(Substring(line), room: room) == original)
    }

    @Test func messagesSurviveANewInstanceAndATornLastLine() throws {
        let dir = TemporaryDirectory()
        do {
            let archive = try FlatFileRoomArchive(directory: dir.path)
            for index in 0..<5 { archive.append(message(index), in: room) }
        }
        // A crash in the middle of the next line.
        let segment = "\(dir.path)/dev/1.log"
        let handle = try #require(FileHandle(forWritingAtPath: segment))
        handle.seekToEndOfFile()
        handle.write(Data("id=torn\tat=2026-".utf8))
        try handle.close()
        let reopened = try FlatFileRoomArchive(directory: dir.path)
        #expect(try all(reopened).map(\.id) == ["id0", "id1", "id2", "id3", "id4"])
        reopened.append(message(5), in: room)
        #expect(try all(reopened).map(\.id) == ["id0", "id1", "id2", "id3", "id4", "id5"])
        #expect(reopened.newest(room, count: 2).map(\.id) == ["id4", "id5"])
        #expect(try all(reopened) .first == message(0))
    }

    @Test func retentionByCountDeletesWholeOldSegments() throws {
        let dir = TemporaryDirectory()
        let archive = try FlatFileRoomArchive(directory: dir.path, maxMessages: 8)
        for index in 0..<50 { archive.append(message(index), in: room) }
        let kept = try all(archive).map(\.id)
        #expect(kept == (42..<50).map { "id\($0)" })
        let segments = try FileManager.default.contentsOfDirectory(atPath: "\(dir.path)/dev")
        #expect(segments.count <= 5, "\(segments)")
    }

    @Test func retentionByAgeDropsOldMessages() throws {
        let dir = TemporaryDirectory()
        let now = Date(timeIntervalSince1970: 2_000_000_000)
        let archive = try FlatFileRoomArchive(directory: dir.path, maxMessages: 100, maxAge: 3_600, clock: { now })
        archive.append(message(0, at: now.timeIntervalSince1970 - 7_200), in: room)
        archive.append(message(1, at: now.timeIntervalSince1970 - 60), in: room)
        #expect(try all(archive).map(\.id) == ["id1"])
    }

    @Test func removingARoomsArchiveDeletesItsFiles() throws {
        let dir = TemporaryDirectory()
        let archive = try FlatFileRoomArchive(directory: dir.path)
        archive.append(message(0), in: room)
        archive.removeArchive(of: room)
        #expect(!FileManager.default.fileExists(atPath: "\(dir.path)/dev"))
        #expect(try all(archive).isEmpty)
        archive.append(message(1), in: room)
        #expect(try all(archive).map(\.id) == ["id1"])
    }
}
