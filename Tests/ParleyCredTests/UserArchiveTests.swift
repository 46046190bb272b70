import Foundation
import ParleyCore
import Testing

@testable import ParleyCred

/// `FlatFileUserArchive`: one-to-one lines with their addresses and native payloads,
/// reading back in a new instance, retention, preferences written atomically.
@Suite struct UserArchiveTests {
    let alice = UserID(parsing: "alice@example.org")!
    let bobPhone = SessionID(user: UserID(parsing: "bob@example.org")!, resource: "phone / 2")

    /// Writes a native payload of the `test` family as its key and value joined.
    struct TestNatives: NativePayloadText {
        var family: ProtocolFamily { ProtocolFamily("test") }
        func text(of payload: NativePayload) -> String? { payload.value as? String }
        func payload(key: String, text: String) -> ExtensionPayload? {
            ExtensionPayload(native: NativePayload(family: family, key: key, value: text))
        }
    }

    func message(_ index: Int, incoming: Bool) -> ArchivedMessage {
        let from: Address = incoming ? .session(bobPhone) : .user(alice)
        let to: Address = incoming ? .user(alice) : .session(bobPhone)
        var message = Message(
            id: "client-\(index)", kind: .chat, from: from, to: to, body: "line \(index)\nsecond\tpart",
            timestamp: Date(timeIntervalSince1970: 1_765_000_000 + Double(index)),
            payloads: [
                ExtensionPayload(native: NativePayload(family: ProtocolFamily("test"), key: "{urn:x}enc", value: "<enc>\tsecret\n</enc>")),
                ExtensionPayload(meaning: .correction(of: "client-0")),
            ])
        message.archiveID = "a\(index)"
        return ArchivedMessage(message: message, sender: from.user, peer: incoming ? from : to)
    }

    @Test func aOneToOneLineKeepsAddressesIdsAndNativePayloads() throws {
        let original = message(1, incoming: true)
        let line = ArchiveLine.encode(original, natives: TestNatives())
        #expect(!line.contains("\n"))
        let decoded = try #require(ArchiveLine.decode(Substring(line), owner: alice, natives: TestNatives()))
        #expect(decoded == original)
        #expect(decoded.id == "a1" && decoded.message.id == "client-1")
        // Without a payload writer, only the meanings stay.
        let plain = try #require(ArchiveLine.decode(Substring(ArchiveLine.encode(original, natives: nil)), owner: alice, natives: nil))
        #expect(plain.message.payloads == [ExtensionPayload(meaning: .correction(of: "client-0"))])
    }

    @Test func messagesAndPreferencesSurviveANewInstance() throws {
        let dir = TemporaryDirectory()
        let user = Username("alice")!
        do {
            let archive = try FlatFileUserArchive(directory: dir.path, domain: "example.org", natives: TestNatives())
            for index in 0..<5 { archive.append(message(index, incoming: index % 2 == 0), for: user) }
            #expect(archive.preferences(of: user) == ArchivePreferences())
            try archive.setPreferences(
                ArchivePreferences(default: .roster, always: [bobPhone.user], never: [UserID(parsing: "eve@example.org")!]), of: user)
        }
        let reopened = try FlatFileUserArchive(directory: dir.path, domain: "example.org", natives: TestNatives())
        var query = ArchiveQuery(max: 2)
        query.lastPage = true
        let page = try reopened.query(user, query)
        #expect(page.messages.map(\.id) == ["a3", "a4"])
        #expect(page.count == 5)
        #expect(page.messages.last == message(4, incoming: true))
        #expect(reopened.preferences(of: user).default == .roster)
        #expect(reopened.preferences(of: user).never == [UserID(parsing: "eve@example.org")!])
        #expect(try reopened.query(Username("bob")!, ArchiveQuery(max: 10)).messages.isEmpty)
    }

    @Test func retentionKeepsTheNewestAndRemovalForgetsEverything() throws {
        let dir = TemporaryDirectory()
        let user = Username("alice")!
        let archive = try FlatFileUserArchive(directory: dir.path, domain: "example.org", maxMessages: 4)
        for index in 0..<20 { archive.append(message(index, incoming: false), for: user) }
        #expect(try archive.query(user, ArchiveQuery(max: 100)).messages.map(\.id) == ["a16", "a17", "a18", "a19"])
        try archive.setPreferences(ArchivePreferences(default: .never), of: user)
        archive.removeArchive(of: user)
        #expect(try archive.query(user, ArchiveQuery(max: 100)).messages.isEmpty)
        #expect(archive.preferences(of: user) == ArchivePreferences())
        #expect(!FileManager.default.fileExists(atPath: "\(dir.path)/alice"))
    }
}
