import Foundation
import ParleyCore
import Testing

@testable import ParleyCred

#if canImport(Glibc)
import Glibc
#endif

@Suite("Flat-file store: accounts")
struct FlatFileAccountTests {
    func files(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    func text(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    func plain(_ name: String, _ password: String) -> UsernamePassword {
        UsernamePassword(username: name, password: password)
    }

    @Test("add, list, passwd and del")
    func lifecycle() throws {
        let dir = TemporaryDirectory()
        let store = try FlatFileStore(directory: dir.path, iterations: testIterations)
        try store.addAccount(user("alice"), password: "one")
        try store.addAccount(user("Bob"), password: "two")
        #expect(try store.listAccounts() == [user("alice"), user("bob")])
        #expect(try store.accountExists(user("ALICE")))
        #expect(throws: StoreError.accountExists(user("alice"))) { try store.addAccount(user("alice"), password: "x") }

        #expect(try store.checkPlain(plain("alice", "one")) == user("alice"))
        try store.setPassword(user("alice"), password: "uno")
        #expect(throws: CredentialError.wrongPassword(user("alice"))) { try store.checkPlain(plain("alice", "one")) }
        #expect(try store.checkPlain(plain("alice", "uno")) == user("alice"))
        #expect(throws: StoreError.noSuchAccount(user("carol"))) { try store.setPassword(user("carol"), password: "x") }

        try store.removeAccount(user("alice"))
        #expect(try store.listAccounts() == [user("bob")])
        #expect(try !store.accountExists(user("alice")))
        #expect(throws: CredentialError.unknownUser("alice")) { try store.checkPlain(plain("alice", "uno")) }
        #expect(throws: StoreError.noSuchAccount(user("alice"))) { try store.removeAccount(user("alice")) }
        #expect(throws: StoreError.invalidPassword("malformed request: empty password")) {
            try store.addAccount(user("dave"), password: "")
        }
        #expect(try !store.accountExists(user("dave")))
    }

    @Test("the account file holds SCRAM keys for both algorithms and never the password")
    func noClearPassword() throws {
        let dir = TemporaryDirectory()
        let store = try FlatFileStore(directory: dir.path, iterations: testIterations)
        let password = "Sup3r-Secret-Passw0rd"
        try store.addAccount(user("alice"), password: password)
        let path = store.accountPath(for: user("alice"))
        #expect(path == "\(dir.path)/accounts/alice.account")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes.range(of: Data(password.utf8)) == nil)
        #expect(bytes.range(of: Data(Bytes.base64(Array(password.utf8)).utf8)) == nil)
        let lines = try text(path).split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0] == "# parley-account 1")
        #expect(lines[1] == "username = alice")
        #expect(lines[2].wholeMatch(of: /scram-sha-1 = i=4096,s=[A-Za-z0-9+\/]{22}==,stored=[A-Za-z0-9+\/]{27}=,server=[A-Za-z0-9+\/]{27}=/) != nil)
        #expect(lines[3].wholeMatch(of: /scram-sha-256 = i=4096,s=[A-Za-z0-9+\/]{22}==,stored=[A-Za-z0-9+\/]{43}=,server=[A-Za-z0-9+\/]{43}=/) != nil)
        // The keys are the password's: the parsed record matches it.
        let record = try AccountRecord.parse(Array(bytes), path: path, expected: user("alice"))
        #expect(try record.records[.sha1]!.matches(password: password))
        #expect(try record.records[.sha256]!.matches(password: password))
        // Mode 0600: keys are password-equivalent for an offline guesser.
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        try store.setPassword(user("alice"), password: "another-\(password)")
        let changed = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(changed.range(of: Data(password.utf8)) == nil)
    }

    @Test("the example in docs/storage.md is a valid account file for alice/pencil")
    func documentedExample() throws {
        let example = """
            # parley-account 1
            username = alice
            scram-sha-1 = i=10000,s=tCM1lNyxaCeOFBbvkPFS9w==,stored=+nB3sVFoUhhcSNQ/99b/Fyvjc+U=,server=PBSXkB9HdpDCetnK0hn1fy28z/g=
            scram-sha-256 = i=10000,s=7B1aTf3AlgB8D94PeSXcGg==,stored=fy+lFXiQkxPnhRZPN1T8i12cloxegWzPiSdotWrzNAQ=,server=SKOJI2OINbk8flKJO7UBJHLS+jtVG0644NfZ7l5tlYI=

            """
        let record = try AccountRecord.parse(Array(example.utf8), path: "alice.account", expected: user("alice"))
        #expect(try record.records[.sha1]!.matches(password: "pencil"))
        #expect(try record.records[.sha256]!.matches(password: "pencil"))
        #expect(record.serialized() == Array(example.utf8))
    }

    @Test("PLAIN: one PBKDF2 for the first success, then the cached verifier")
    func plainCache() throws {
        let dir = TemporaryDirectory()
        let store = try FlatFileStore(directory: dir.path, iterations: testIterations)
        try store.addAccount(user("alice"), password: "pw")
        #expect(throws: CredentialError.wrongPassword(user("alice"))) { try store.checkPlain(plain("alice", "nope")) }
        #expect(store.plainDerivations.load(ordering: .relaxed) == 1)
        for _ in 0..<3 { #expect(try store.checkPlain(plain("Alice", "pw")) == user("alice")) }
        #expect(store.plainDerivations.load(ordering: .relaxed) == 2)
        // With the verifier cached, a wrong password is refused without PBKDF2 as well.
        #expect(throws: CredentialError.wrongPassword(user("alice"))) { try store.checkPlain(plain("alice", "pw2")) }
        #expect(store.plainDerivations.load(ordering: .relaxed) == 2)
        // A new password is a new file: the verifier does not survive it.
        try store.setPassword(user("alice"), password: "new")
        #expect(throws: CredentialError.wrongPassword(user("alice"))) { try store.checkPlain(plain("alice", "pw")) }
        #expect(try store.checkPlain(plain("alice", "new")) == user("alice"))
        #expect(store.plainDerivations.load(ordering: .relaxed) == 4)
        // Unknown users and invalid names never reach PBKDF2.
        #expect(throws: CredentialError.unknownUser("zed")) { try store.checkPlain(plain("zed", "pw")) }
        #expect(throws: CredentialError.unknownUser("a b")) { try store.checkPlain(plain("a b", "pw")) }
        #expect(store.plainDerivations.load(ordering: .relaxed) == 4)
    }

    @Test("a file replaced by hand (editor-style rename) is picked up at the next login")
    func handReplacement() throws {
        let dir = TemporaryDirectory()
        let store = try FlatFileStore(directory: dir.path, iterations: testIterations)
        try store.addAccount(user("alice"), password: "old")
        #expect(try store.checkPlain(plain("alice", "old")) == user("alice"))

        // Another tool writes a new file and renames it over the old one.
        var record = try AccountRecord.derive(user("alice"), password: "edited", iterations: testIterations)
        record.records[.sha1] = nil
        let path = store.accountPath(for: user("alice"))
        try Data(record.serialized()).write(to: URL(fileURLWithPath: path + ".new"))
        #expect(rename(path + ".new", path) == 0)

        #expect(throws: CredentialError.wrongPassword(user("alice"))) { try store.checkPlain(plain("alice", "old")) }
        #expect(try store.checkPlain(plain("alice", "edited")) == user("alice"))
    }

    @Test("an in-place hand edit is picked up at the next login")
    func handEditInPlace() async throws {
        let dir = TemporaryDirectory()
        let store = try FlatFileStore(directory: dir.path, iterations: testIterations)
        try store.addAccount(user("alice"), password: "pw")
        #expect(try store.checkPlain(plain("alice", "pw")) == user("alice"))
        let path = store.accountPath(for: user("alice"))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("# disabled by the admin\ndisabled = yes\n".utf8))
        try handle.close()
        #expect(throws: CredentialError.accountDisabled(user("alice"))) { try store.checkPlain(plain("alice", "pw")) }
        // The wrong password is still just a wrong password (no hint that the account is disabled).
        #expect(throws: CredentialError.wrongPassword(user("alice"))) { try store.checkPlain(plain("alice", "px")) }
        try store.setDisabled(user("alice"), false)
        #expect(try store.checkPlain(plain("alice", "pw")) == user("alice"))
        #expect(try !text(path).contains("disabled"))
    }

    @Test("a corrupt account file refuses that account, names the file and line, and leaves others working")
    func corruptAccount() async throws {
        let dir = TemporaryDirectory()
        let logs = LogCapture()
        let store = try FlatFileStore(directory: dir.path, iterations: testIterations, logger: logs.logger)
        try store.addAccount(user("alice"), password: "a")
        try store.addAccount(user("bob"), password: "b")
        let bobPath = store.accountPath(for: user("bob"))
        var lines = try text(bobPath).split(separator: "\n").map(String.init)
        lines[2] = "scram-sha-1 = i=4096,s=###,stored=AAAA,server=AAAA"
        try (lines.joined(separator: "\n") + "\n").write(toFile: bobPath, atomically: false, encoding: .utf8)

        let error = #expect(throws: CredentialError.self) { try store.checkPlain(plain("bob", "b")) }
        #expect(error?.condition == .temporaryAuthFailure)
        #expect(error?.logDescription.contains("\(bobPath):3: s= is not canonical base64") == true)
        #expect(logs.all.contains { $0.hasPrefix("error") && $0.contains("bob.account:3") })
        // SCRAM refuses too, rather than pretending the account does not exist.
        await #expect(throws: CredentialError.self) { try await store.scramRecord(for: user("bob"), algorithm: .sha256) }

        // Alice is unaffected, by PLAIN and by SCRAM through a portal.
        #expect(try store.checkPlain(plain("alice", "a")) == user("alice"))
        let portal = Portal(realm: TestRealm(), checkers: [store])
        var client = SCRAMClient(algorithm: .sha256, username: "alice", password: "a")
        let (final, _) = try await runSCRAM(client: &client, portal: portal, mind: "m")
        guard case .succeed = final else {
            Issue.record("alice should log in, got \(final)")
            return
        }
        #expect(try store.listAccounts() == [user("alice"), user("bob")])

        // A new password (`parleyd user passwd`) replaces the broken file and brings bob back.
        try store.setPassword(user("bob"), password: "b2")
        #expect(logs.all.contains { $0.hasPrefix("warning replacing corrupt account file \(bobPath):3") })
        #expect(try store.checkPlain(plain("bob", "b2")) == user("bob"))
    }

    @Test(
        "account files are parsed strictly, errors name the line",
        arguments: [
            ("# parley-account 2\nusername = a\n", 1, "header"),
            ("# parley-account 1\nusername = a\nfoo = bar\n", 3, "unknown key 'foo'"),
            ("# parley-account 1\nusername = a\nusername = a\n", 3, "duplicate 'username'"),
            ("# parley-account 1\nusername = A\n", 2, "not a normalized user name"),
            ("# parley-account 1\nusername = b\n", 2, "does not match the file name"),
            ("# parley-account 1\nusername = a\n", 0, "no scram-sha-1 or scram-sha-256 line"),
            ("# parley-account 1\n\n# comment\nscram-sha-1 = i=4096\n", 4, "needs i=, s=, stored= and server="),
            ("# parley-account 1\nusername = a\nscram-sha-1 = i=12,s=AAAA,stored=AAAA,server=AAAA\n", 3, "iteration count 12"),
            ("# parley-account 1\nusername = a\nscram-sha-1 = i=4096,s=AAAA,stored=AAAA,server=AAAA\n", 3, "StoredKey is 3 bytes"),
            ("# parley-account 1\nusername = a\nscram-sha-1 = i=4096,s=AAAA,x=1\n", 3, "unknown attribute 'x'"),
            ("# parley-account 1\nusername = a\nscram-sha-1 = i=4096,i=4096\n", 3, "duplicate attribute 'i'"),
            ("# parley-account 1\nusername = a\ndisabled = true\n", 3, "yes or no"),
            ("# parley-account 1\nusername = a\n[section]\n", 3, "sections are not allowed"),
            ("# parley-account 1\nusername = a\nno equals sign\n", 3, "expected 'key = value'"),
            ("# parley-account 1\nusername = a\u{7}\n", 2, "control character"),
            ("", 0, "empty file"),
        ])
    func strictAccountParser(content: String, line: Int, reason: String) {
        let error = #expect(throws: StoreError.self) {
            try AccountRecord.parse(Array(content.utf8), path: "a.account", expected: user("a"))
        }
        guard case .corruptFile(let path, let actualLine, let actualReason) = error else {
            Issue.record("expected corruptFile, got \(String(describing: error))")
            return
        }
        #expect(path == "a.account")
        #expect(actualLine == line)
        #expect(actualReason.contains(reason), "\(actualReason)")
    }

    @Test("SCRAM logins against the store run without PBKDF2 on the server", arguments: SCRAMAlgorithm.allCases)
    func scramAgainstStore(algorithm: SCRAMAlgorithm) async throws {
        let dir = TemporaryDirectory()
        let store = try FlatFileStore(directory: dir.path, iterations: testIterations)
        try store.addAccount(user("juliet"), password: "wherefore")
        let portal = Portal(realm: TestRealm(), checkers: [store])
        var client = SCRAMClient(algorithm: algorithm, username: "juliet", password: "wherefore")
        let (final, clientError) = try await runSCRAM(client: &client, portal: portal, mind: "m")
        guard case .succeed = final else {
            Issue.record("expected success, got \(final)")
            return
        }
        #expect(clientError == nil)
        #expect(store.plainDerivations.load(ordering: .relaxed) == 0)

        var wrong = SCRAMClient(algorithm: algorithm, username: "juliet", password: "wherefore?")
        let (failed, _) = try await runSCRAM(client: &wrong, portal: portal, mind: "m")
        #expect(failed == .fail(.wrongPassword(user("juliet")), serverFinal: "e=invalid-proof"))
    }

    @Test("a disabled account fails SCRAM with account-disabled after a valid proof")
    func disabledSCRAM() async throws {
        let dir = TemporaryDirectory()
        let store = try FlatFileStore(directory: dir.path, iterations: testIterations)
        try store.addAccount(user("juliet"), password: "pw")
        try store.setDisabled(user("juliet"), true)
        let portal = Portal(realm: TestRealm(), checkers: [store])
        var client = SCRAMClient(algorithm: .sha256, username: "juliet", password: "pw")
        let (final, _) = try await runSCRAM(client: &client, portal: portal, mind: "m")
        #expect(final == .fail(.accountDisabled(user("juliet")), serverFinal: "e=other-error"))
    }

    @Test("file-safe names encode everything outside [a-z0-9._-] and a leading dot")
    func fileSafeNames() throws {
        #expect(FileSafeName.encode(user("alice.smith-1_x")) == "alice.smith-1_x")
        #expect(FileSafeName.encode(user(".hidden")) == "%2Ehidden")
        #expect(FileSafeName.encode(user("..")) == "%2E.")
        #expect(FileSafeName.encode(user("a%b")) == "a%25b")
        #expect(FileSafeName.encode(user("josé")) == "jos%C3%A9")
        #expect(FileSafeName.encode(user("a~b")) == "a%7Eb")
        for name in [".hidden", "..", "a%b", "josé", "a~b", "ok"] {
            #expect(FileSafeName.decode(Substring(FileSafeName.encode(user(name)))) == user(name))
        }
        #expect(FileSafeName.decode("Alice") == nil)  // not a normalized encoding
        #expect(FileSafeName.decode("a%2") == nil)

        let long = user(String(repeating: "é", count: 300))
        let encoded = FileSafeName.encode(long)
        #expect(encoded.utf8.count <= 200)
        #expect(encoded.contains("~"))
        #expect(FileSafeName.decode(Substring(encoded)) == nil)

        let dir = TemporaryDirectory()
        let store = try FlatFileStore(directory: dir.path, iterations: testIterations)
        try store.addAccount(user(".hidden"), password: "x")
        try store.addAccount(long, password: "x")
        #expect(try files(dir.path + "/accounts").contains("%2Ehidden.account"))
        #expect(try Set(store.listAccounts()) == [user(".hidden"), long])
        #expect(try store.checkPlain(plain(long.value, "x")) == long)
    }

    @Test("writes leave no temporary files behind, and the listing ignores strays")
    func noTemporaryFiles() async throws {
        let dir = TemporaryDirectory()
        let store = try FlatFileStore(directory: dir.path, iterations: testIterations)
        try store.addAccount(user("alice"), password: "a")
        try store.setPassword(user("alice"), password: "b")
        try store.addAccount(user("bob"), password: "b")
        try store.removeAccount(user("bob"))
        for index in 0..<5 {
            try await store.updateContactList(of: user("alice")) {
                $0.upsert(Contact(address: UserID(parsing: "c\(index)@example.com")!))
            }
        }
        #expect(try files(dir.path + "/accounts") == [".lock", "alice.account"])
        #expect(try files(dir.path + "/contacts") == [".lock", "alice.contacts"])
        // A temporary file a crashed writer left behind is not an account.
        _ = FileManager.default.createFile(atPath: dir.path + "/accounts/carol.account.tmp-1-abc", contents: Data("x".utf8))
        #expect(try store.listAccounts() == [user("alice")])
    }

    @Test("removing an account removes its contact list")
    func removeRemovesContacts() async throws {
        let dir = TemporaryDirectory()
        let store = try FlatFileStore(directory: dir.path, iterations: testIterations)
        try store.addAccount(user("alice"), password: "a")
        try await store.updateContactList(of: user("alice")) { $0.upsert(Contact(address: UserID(parsing: "b@x")!)) }
        #expect(FileManager.default.fileExists(atPath: store.contactsPath(for: user("alice"))))
        try store.removeAccount(user("alice"))
        #expect(!FileManager.default.fileExists(atPath: store.contactsPath(for: user("alice"))))
        #expect(try await store.contactList(of: user("alice")) == ContactList())
    }

    @Test("a second store instance sees accounts the first one writes")
    func twoInstances() throws {
        let dir = TemporaryDirectory()
        let first = try FlatFileStore(directory: dir.path, iterations: testIterations)
        let second = try FlatFileStore(directory: dir.path, iterations: testIterations)
        try first.addAccount(user("alice"), password: "a")
        #expect(try second.checkPlain(plain("alice", "a")) == user("alice"))
        try first.setPassword(user("alice"), password: "b")
        #expect(throws: CredentialError.wrongPassword(user("alice"))) { try second.checkPlain(plain("alice", "a")) }
        #expect(try second.checkPlain(plain("alice", "b")) == user("alice"))
        try first.removeAccount(user("alice"))
        #expect(throws: CredentialError.unknownUser("alice")) { try second.checkPlain(plain("alice", "b")) }
    }
}
