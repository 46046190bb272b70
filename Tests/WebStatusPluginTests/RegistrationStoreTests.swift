import Foundation
import ParleyCore
import Testing
import WebStatusPlugin

@Suite("web-status registrations on disk")
struct RegistrationStoreTests {
    let alice = UserID(localpart: "alice", domain: "example.com")
    let bob = UserID(localpart: "bob", domain: "example.net")

    func table() -> RegistrationTable {
        RegistrationTable([
            StatusRegistration(
                user: bob, id: "ffffffffffffffffffffffffffffffff", settings: PageSettings(showStatusMessage: true)),
            StatusRegistration(
                user: alice, id: "0123456789abcdef0123456789abcdef", settings: PageSettings(showJID: true)),
        ])
    }

    @Test func theFileIsReadableTextSortedByAddress() {
        let text = String(decoding: RegistrationFile.encode(table(), domain: "status.example.com"), as: UTF8.self)
        #expect(
            text == """
                # parley-web-status 1
                # The users registered with the web-status component status.example.com (docs/web-status.md).

                [user alice@example.com]
                id = 0123456789abcdef0123456789abcdef
                show-status = no
                show-jid = yes

                [user bob@example.net]
                id = ffffffffffffffffffffffffffffffff
                show-status = yes
                show-jid = no

                """)
    }

    @Test func encodeThenDecodeGivesTheSameTable() throws {
        let bytes = RegistrationFile.encode(table(), domain: "status.example.com")
        #expect(try RegistrationFile.decode(bytes, path: "f") == table())
        let empty = RegistrationFile.encode(RegistrationTable(), domain: "d")
        #expect(try RegistrationFile.decode(empty, path: "f").isEmpty)
    }

    @Test func saveReplacesTheFileAtomicallyAndANewStoreReadsItBack() async throws {
        let directory = try TemporaryDirectory()
        let store = RegistrationStore(storageDirectory: directory.path, domain: "status.example.com")
        #expect(store.path == directory.path + "/web-status/status.example.com.registrations")
        #expect(try store.load().isEmpty, "no file yet is no registrations")

        try await store.save(table())
        let firstInode = try inode(store.path)
        var smaller = table()
        smaller.remove(bob)
        try await store.save(smaller)
        // Replaced by a rename (a new inode), not rewritten in place; no temporary file left.
        #expect(try inode(store.path) != firstInode)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/web-status")
        #expect(names == ["status.example.com.registrations"])
        let attributes = try FileManager.default.attributesOfItem(atPath: store.path)
        #expect((attributes[.posixPermissions] as? Int).map { $0 & 0o077 } == 0, "mode 0600")

        let reloaded = try RegistrationStore(storageDirectory: directory.path, domain: "status.example.com").load()
        #expect(reloaded == smaller)
        #expect(reloaded.registration(forID: "0123456789abcdef0123456789abcdef")?.user == alice)
        #expect(reloaded[bob] == nil)
    }

    @Test(arguments: [
        ("# parley-web-status 2\n", 1),
        ("# parley-web-status 1\nid = 0123456789abcdef0123456789abcdef\n", 2),
        ("# parley-web-status 1\n[user alice@example.com]\nshow-jid = yes\n", 2),
        ("# parley-web-status 1\n[user alice@example.com]\nid = short\n", 3),
        ("# parley-web-status 1\n[user alice@example.com]\nid = 0123456789abcdef0123456789abcdef\ncolour = red\n", 4),
        ("# parley-web-status 1\n[user alice@example.com]\nid = 0123456789abcdef0123456789abcdef\nshow-jid = maybe\n", 4),
        ("# parley-web-status 1\n[user alice@example.com]\nid = 0123456789abcdef0123456789abcdef\nid = 0123456789abcdef0123456789abcdee\n", 4),
        ("# parley-web-status 1\n[user alice@example.com]\nid = 0123456789abcdef0123456789abcdef\n[user bob@example.com]\nid = 0123456789abcdef0123456789abcdef\n", 4),
        ("# parley-web-status 1\n[user alice@example.com]\nid = 0123456789abcdef0123456789abcdef\n[user Alice@Example.com]\n", 4),
        ("# parley-web-status 1\n[room dev]\n", 2),
        ("# parley-web-status 1\n[user example.com]\n", 2),
    ])
    func aCorruptFileIsRefusedNamingTheLine(text: String, line: Int) {
        let problem = #expect(throws: RegistrationFile.Problem.self) {
            try RegistrationFile.decode(Array(text.utf8), path: "reg")
        }
        #expect(problem?.line == line, "\(String(describing: problem))")
    }

    @Test func aCorruptFileStopsTheLoadInsteadOfBeingOverwritten() throws {
        let directory = try TemporaryDirectory()
        let store = RegistrationStore(storageDirectory: directory.path, domain: "status.example.com")
        try FileManager.default.createDirectory(atPath: directory.path + "/web-status", withIntermediateDirectories: true)
        try "# parley-web-status 1\n[user alice@example.com]\n".write(toFile: store.path, atomically: true, encoding: .utf8)
        #expect(throws: RegistrationFile.Problem.self) { try store.load() }
    }

    @Test func newIDsAreRandomHexAndNeverTheAddress() {
        let ids = (0..<100).map { _ in StatusRegistration.newID() }
        #expect(Set(ids).count == 100)
        for id in ids {
            #expect(id.count == 32 && id.allSatisfy(\.isHexDigit))
            #expect(StatusRegistration.isValidID(id))
        }
        #expect(!StatusRegistration.isValidID("YWxpY2VAZXhhbXBsZS5jb20="), "base64 padding is not an id character")
        #expect(!StatusRegistration.isValidID("../../etc/passwd-xxxxxxxx"))
        #expect(!StatusRegistration.isValidID("short"))
    }

    private func inode(_ path: String) throws -> UInt64 {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
    }
}
