import Foundation
import ParleyCore
import Synchronization
import Testing

@testable import ParleyCred

#if canImport(Glibc)
import Glibc
#endif

@Suite("Flat-file store: contact lists")
struct ContactStoreTests {
    func address(_ text: String) -> UserID { UserID(parsing: text)! }

    static let sampleText = """
        # parley-contacts 1
        version = 7

        [contact juliet@example.com]
        name = Juliet
        group = Friends
        group = Work
        subscription = both

        [contact nurse@example.com]
        subscription = none
        pending-out = yes
        pre-approved = yes

        [contact romeo@example.net]
        name = \\x20Ro\\\\meo\\n
        group = a=b
        subscription = to
        pending-in = yes

        """

    var sample: ContactList {
        ContactList(
            contacts: [
                Contact(
                    address: address("juliet@example.com"), name: "Juliet", groups: ["Work", "Friends"],
                    subscription: Subscription(to: true, from: true)),
                Contact(
                    address: address("nurse@example.com"),
                    subscription: Subscription(pendingOut: true, preApproved: true)),
                Contact(
                    address: address("romeo@example.net"), name: " Ro\\meo\n", groups: ["a=b"],
                    subscription: Subscription(to: true, pendingIn: true)),
            ], version: 7)
    }

    @Test("the file format is exactly as documented, and parses back")
    func format() throws {
        let bytes = ContactFile.serialize(sample)
        #expect(String(decoding: bytes, as: UTF8.self) == Self.sampleText)
        #expect(try ContactFile.parse(bytes, path: "x") == sample)
    }

    @Test("values with every awkward character round-trip")
    func escaping() throws {
        for value in ["plain", " lead", "trail ", "\\", "a\tb", "line\nbreak\r", "\u{0}\u{1F}\u{7F}", "é ü", "x = y", "#no", "[s]"] {
            #expect(TextFormat.unescape(Substring(TextFormat.escape(value))) == value, "\(value.debugDescription)")
            let list = ContactList(contacts: [Contact(address: address("a@b"), name: value, groups: [value])], version: 1)
            #expect(try ContactFile.parse(ContactFile.serialize(list), path: "x") == list)
        }
        #expect(TextFormat.unescape("\\q") == nil)
        #expect(TextFormat.unescape("\\x4") == nil)
        #expect(TextFormat.unescape("\\u{110000}") == nil)
        #expect(TextFormat.unescape("\\u{e9}") == "é")
    }

    @Test(
        "contact files are parsed strictly, errors name the line",
        arguments: [
            ("# parley-contacts 1\n", 0, "no 'version' line"),
            ("# parley-contacts 1\n[contact a@b]\n", 2, "'version' must come before"),
            ("# parley-contacts 1\nversion = -1\n", 2, "non-negative integer"),
            ("# parley-contacts 1\nversion = 1\nversion = 2\n", 3, "duplicate 'version'"),
            ("# parley-contacts 1\nversion = 1\nname = x\n", 3, "before the first contact"),
            ("# parley-contacts 1\nversion = 1\n[friend a@b]\n", 3, "unknown section"),
            ("# parley-contacts 1\nversion = 1\n[contact a@b@c]\n", 3, "not an address"),
            ("# parley-contacts 1\nversion = 1\n[contact a@b]\n", 3, "has no 'subscription'"),
            ("# parley-contacts 1\nversion = 1\n[contact a@b]\nsubscription = all\n", 4, "none, to, from or both"),
            ("# parley-contacts 1\nversion = 1\n[contact a@b]\nsubscription = to\npending-out = yes\n", 3, "pending-out contradicts"),
            ("# parley-contacts 1\nversion = 1\n[contact a@b]\nsubscription = from\npending-in = yes\n", 3, "pending-in contradicts"),
            ("# parley-contacts 1\nversion = 1\n[contact a@b]\nsubscription = both\npre-approved = yes\n", 3, "pre-approved contradicts"),
            ("# parley-contacts 1\nversion = 1\n[contact a@b]\nsubscription = to\n[contact A@B]\n", 5, "listed twice"),
            ("# parley-contacts 1\nversion = 1\n[contact a@b]\ngroup = g\ngroup = g\n", 5, "listed twice"),
            ("# parley-contacts 1\nversion = 1\n[contact a@b]\nname = \n", 4, "empty 'name'"),
            ("# parley-contacts 1\nversion = 1\n[contact a@b]\ncolour = red\n", 4, "unknown key 'colour'"),
            ("# parley-contacts 1\nversion = 1\n[contact a@b]\npending-in = maybe\n", 4, "yes or no"),
            ("# parley-contacts 1\nversion = 1\n[contact a@b\n", 3, "without ']'"),
            ("# parley-contacts 1\nversion = 1\n[contact a@b]\nname = \\z\n", 4, "invalid escape"),
            ("# parley-contacts 1\r\nversion = 1\n", 1, "header"),
        ])
    func strictContactParser(content: String, line: Int, reason: String) {
        let error = #expect(throws: StoreError.self) { try ContactFile.parse(Array(content.utf8), path: "u.contacts") }
        guard case .corruptFile(_, let actualLine, let actualReason) = error else {
            Issue.record("expected corruptFile, got \(String(describing: error))")
            return
        }
        #expect(actualLine == line)
        #expect(actualReason.contains(reason), "\(actualReason)")
    }

    @Test("a list written by the store reads back in a new instance, and a user without a file has an empty list")
    func persistence() async throws {
        let dir = TemporaryDirectory()
        let store = try FlatFileStore(directory: dir.path, iterations: testIterations)
        let sample = self.sample
        try await store.updateContactList(of: user("alice")) { list in
            for contact in sample.sorted { list.upsert(contact) }
        }
        let reopened = try FlatFileStore(directory: dir.path, iterations: testIterations)
        let list = try await reopened.contactList(of: user("alice"))
        #expect(list.contacts == sample.contacts)
        #expect(list.version == 3)
        #expect(try await reopened.contactList(of: user("bob")) == ContactList())
        #expect(!FileManager.default.fileExists(atPath: reopened.contactsPath(for: user("bob"))))
    }

    @Test("an update that changes nothing does not write")
    func noOpUpdate() async throws {
        let dir = TemporaryDirectory()
        let store = try FlatFileStore(directory: dir.path, iterations: testIterations)
        let count = try await store.updateContactList(of: user("alice")) { $0.contacts.count }
        #expect(count == 0)
        #expect(!FileManager.default.fileExists(atPath: store.contactsPath(for: user("alice"))))
    }

    @Test("an update that throws leaves the file as it was")
    func throwingUpdate() async throws {
        struct Refused: Error {}
        let dir = TemporaryDirectory()
        let store = try FlatFileStore(directory: dir.path, iterations: testIterations)
        try await store.updateContactList(of: user("alice")) { $0.upsert(Contact(address: UserID(parsing: "b@x")!)) }
        let path = store.contactsPath(for: user("alice"))
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        await #expect(throws: Refused.self) {
            try await store.updateContactList(of: user("alice")) { list in
                list.upsert(Contact(address: UserID(parsing: "c@x")!))
                throw Refused()
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(try await store.contactList(of: user("alice")).contacts.count == 1)
    }

    @Test("a hand-edited contact list is seen without a restart")
    func handEdit() async throws {
        let dir = TemporaryDirectory()
        let store = try FlatFileStore(directory: dir.path, iterations: testIterations)
        try await store.updateContactList(of: user("alice")) { $0.upsert(Contact(address: UserID(parsing: "b@x")!)) }
        #expect(try await store.contactList(of: user("alice")).contacts.count == 1)
        try Self.sampleText.write(toFile: store.contactsPath(for: user("alice")), atomically: false, encoding: .utf8)
        #expect(try await store.contactList(of: user("alice")) == sample)
        // And the next update builds on the edit.
        _ = try await store.updateContactList(of: user("alice")) { $0.remove(UserID(parsing: "nurse@example.com")!) }
        let list = try await FlatFileStore(directory: dir.path, iterations: testIterations).contactList(of: user("alice"))
        #expect(list.version == 8)
        #expect(list.contacts.count == 2)
    }

    @Test("a corrupt contact list is refused, logged with file and line, and not overwritten")
    func corruptContacts() async throws {
        let dir = TemporaryDirectory()
        let logs = LogCapture()
        let store = try FlatFileStore(directory: dir.path, iterations: testIterations, logger: logs.logger)
        let path = store.contactsPath(for: user("alice"))
        let broken = "# parley-contacts 1\nversion = 1\n[contact a@b]\nsubscription = sideways\n"
        try broken.write(toFile: path, atomically: false, encoding: .utf8)
        await #expect(throws: StoreError.corruptFile(path: path, line: 4, reason: "subscription must be none, to, from or both")) {
            try await store.contactList(of: user("alice"))
        }
        await #expect(throws: StoreError.self) {
            try await store.updateContactList(of: user("alice")) { $0.upsert(Contact(address: UserID(parsing: "c@x")!)) }
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == broken)
        #expect(logs.all.contains { $0.hasPrefix("error") && $0.contains("alice.contacts:4") })
        // Other users' lists are unaffected.
        try await store.updateContactList(of: user("bob")) { $0.upsert(Contact(address: UserID(parsing: "c@x")!)) }
        #expect(try await store.contactList(of: user("bob")).contacts.count == 1)
    }

    @Test("concurrent updates from tasks and from two store instances lose nothing")
    func concurrentUpdates() async throws {
        let dir = TemporaryDirectory()
        let first = try FlatFileStore(directory: dir.path, iterations: testIterations)
        let second = try FlatFileStore(directory: dir.path, iterations: testIterations)
        let counter = address("counter@example.com")
        let tasks = 8
        let rounds = 25
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<tasks {
                let store = index % 2 == 0 ? first : second
                group.addTask {
                    for _ in 0..<rounds {
                        try await store.updateContactList(of: user("alice")) { list in
                            let value = Int(list[counter]?.name ?? "0")!
                            list.upsert(Contact(address: counter, name: String(value + 1)))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        for store in [first, second] {
            let list = try await store.contactList(of: user("alice"))
            #expect(list[counter]?.name == String(tasks * rounds))
            #expect(list.version == UInt64(tasks * rounds))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/contacts").sorted() == [".lock", "alice.contacts"])
    }

    @Test("updates wait for the cross-process flock on contacts/.lock")
    func honoursFlock() async throws {
        let dir = TemporaryDirectory()
        let store = try FlatFileStore(directory: dir.path, iterations: testIterations)
        let path = store.contactsPath(for: user("alice"))
        // Stand-in for another process: an independent descriptor holding the lock.
        let fd = open(dir.path + "/contacts/.lock", O_RDWR | O_CREAT, 0o600)
        #expect(fd >= 0)
        #expect(flock(fd, LOCK_EX) == 0)
        let update = Task.detached {
            try await store.updateContactList(of: user("alice")) { $0.upsert(Contact(address: UserID(parsing: "b@x")!)) }
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(!FileManager.default.fileExists(atPath: path), "the update ran while another holder had the lock")
        flock(fd, LOCK_UN)
        close(fd)
        try await update.value
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test("the in-memory checker also stores contact lists")
    func inMemoryContacts() async throws {
        let memory = try InMemoryChecker(accounts: [("a", "b")], iterations: testIterations)
        try await memory.updateContactList(of: user("a")) { $0.upsert(Contact(address: UserID(parsing: "b@x")!)) }
        #expect(try await memory.contactList(of: user("a")).contacts.count == 1)
    }
}
