import Foundation
import Logging
import ParleyCore
import Testing

@testable import ParleyCred

@Suite("--auth strings")
struct AuthKindRegistryTests {
    func context(_ storage: String = "storage") -> AuthContext {
        AuthContext(storageDirectory: storage, logger: Logger(label: "test"), iterations: testIterations)
    }

    @Test("the default registry knows anonymous, file and memory")
    func builtins() {
        #expect(AuthKindRegistry.default.knownKinds.map(\.name) == ["anonymous", "file", "memory"])
        #expect(AuthKindRegistry(builtins: false).knownKinds.isEmpty)
    }

    @Test("an unknown kind lists every known kind with its summary")
    func unknownKind() {
        let registry = AuthKindRegistry()
        let error = #expect(throws: AuthStringError.self) { try registry.makeChecker(from: "lpad:x", context: context()) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.hasPrefix("unknown auth kind 'lpad'; known kinds: anonymous ("))
        for kind in registry.knownKinds {
            #expect(text.contains("\(kind.name) (\(kind.summary))"))
        }
        #expect(text.contains("memory (accounts in memory, memory:USER:PASS[,USER:PASS...])"))
        let empty = #expect(throws: AuthStringError.self) { try registry.makeChecker(from: "", context: context()) }
        #expect(empty.map { "\($0)" }?.hasPrefix("empty auth string; known kinds: anonymous") == true)
    }

    @Test(
        "malformed arguments name the problem",
        arguments: [
            ("memory:alice:x,bob", "memory: entry 2 'bob' has no ':' between user and password"),
            ("memory:", "memory: needs USER:PASS[,USER:PASS...]"),
            ("memory", "memory: needs USER:PASS[,USER:PASS...]"),
            ("memory:alice:x,alice:y", "memory: entry 2: user 'alice' is listed twice"),
            ("memory:a b:x", "memory: entry 1 has an invalid user name 'a b'"),
            ("memory:alice:", "memory: entry 1 ('alice'): malformed request: empty password"),
            ("anonymous:yes", "anonymous: takes no argument"),
            ("file:", "file: empty directory"),
        ])
    func malformed(string: String, message: String) {
        let error = #expect(throws: AuthStringError.self) {
            try AuthKindRegistry.default.makeChecker(from: string, context: context())
        }
        #expect(error.map { "\($0)" } == message)
    }

    @Test("a memory password is never echoed in an error")
    func noPasswordInErrors() {
        let error = #expect(throws: AuthStringError.self) {
            try AuthKindRegistry.default.makeChecker(from: "memory:bad user:hunter2", context: context())
        }
        #expect(error.map { "\($0)" }?.contains("hunter2") == false)
    }

    @Test("memory: passwords may contain ':' and both PLAIN and SCRAM work")
    func memory() async throws {
        let checker = try AuthKindRegistry.default.makeChecker(from: "memory:alice:se:cret,Bob:pw", context: context())
        let memory = try #require(checker as? InMemoryChecker)
        #expect(memory.usernames == [user("alice"), user("bob")])
        let portal = Portal(realm: TestRealm(), checkers: [checker])
        #expect(try await portal.login(UsernamePassword(username: "alice", password: "se:cret"), mind: "").avatarID == user("alice"))
        var client = SCRAMClient(algorithm: .sha1, username: "bob", password: "pw")
        let (final, _) = try await runSCRAM(client: &client, portal: portal, mind: "m")
        guard case .succeed = final else {
            Issue.record("expected success, got \(final)")
            return
        }
        #expect(try await memory.scramRecord(for: user("alice"), algorithm: .sha256)?.iterations == testIterations)
    }

    @Test("file:DIR opens a store under DIR; plain 'file' uses the storage directory")
    func file() async throws {
        let dir = TemporaryDirectory()
        let explicit = try AuthKindRegistry.default.makeChecker(from: "file:\(dir.path)/data", context: context())
        let store = try #require(explicit as? FlatFileStore)
        #expect(store.directory == "\(dir.path)/data")
        #expect(FileManager.default.fileExists(atPath: "\(dir.path)/data/accounts"))
        #expect(FileManager.default.fileExists(atPath: "\(dir.path)/data/contacts"))
        try store.addAccount(user("alice"), password: "pw")

        let implicit = try AuthKindRegistry.default.makeChecker(from: "file", context: context("\(dir.path)/data"))
        let sameStore = try #require(implicit as? FlatFileStore)
        #expect(sameStore.iterations == testIterations)
        #expect(try await sameStore.check(UsernamePassword(username: "alice", password: "pw")) == user("alice"))
        #expect(implicit is any ContactListStore)
        #expect(implicit is any SCRAMRecordSource)

        // Missing parents are created; a path that is a file is refused with its name.
        _ = try AuthKindRegistry.default.makeChecker(from: "file:\(dir.path)/a/b/c", context: context())
        #expect(FileManager.default.fileExists(atPath: "\(dir.path)/a/b/c/accounts"))
        _ = FileManager.default.createFile(atPath: "\(dir.path)/plain-file", contents: Data())
        let error = #expect(throws: AuthStringError.self) {
            try AuthKindRegistry.default.makeChecker(from: "file:\(dir.path)/plain-file", context: context())
        }
        #expect(error.map { "\($0)" } == "file: mkdir \(dir.path)/plain-file: Not a directory")
    }

    @Test("anonymous gives fresh names")
    func anonymous() async throws {
        let checker = try AuthKindRegistry.default.makeChecker(from: "anonymous", context: context())
        let first = try await checker.check(AnonymousCredentials())
        let second = try await checker.check(AnonymousCredentials())
        #expect(first != second)
        #expect(first.value.wholeMatch(of: /anon[a-z2-7]{11}/) != nil)
    }

    @Test("a custom kind can be registered, listed and used")
    func customKind() async throws {
        let registry = AuthKindRegistry()
        try registry.register(kind: "static", summary: "one fixed user, static:NAME") { argument, _ in
            guard let argument, let name = Username(argument) else {
                throw AuthStringError.invalidArgument(kind: "static", message: "needs a NAME")
            }
            return ScriptedChecker("static") { credentials throws(CredentialError) in
                guard (credentials as? UsernamePassword)?.username == argument else { throw .unknownUser("?") }
                return name
            }
        }
        #expect(registry.knownKinds.map(\.name) == ["anonymous", "file", "memory", "static"])
        let checker = try registry.makeChecker(from: "static:zoe", context: context())
        let portal = Portal(realm: TestRealm(), checkers: [checker])
        #expect(try await portal.login(UsernamePassword(username: "zoe", password: "any"), mind: "").avatarID == user("zoe"))
        #expect(throws: AuthStringError.invalidArgument(kind: "static", message: "needs a NAME")) {
            try registry.makeChecker(from: "static", context: context())
        }
        #expect(throws: AuthStringError.duplicateKind("static")) {
            try registry.register(kind: "static", summary: "again") { _, _ in AnonymousChecker() }
        }
        #expect(throws: AuthStringError.self) {
            try registry.register(kind: "Bad Kind", summary: "") { _, _ in AnonymousChecker() }
        }
        let error = #expect(throws: AuthStringError.self) { try registry.makeChecker(from: "statik", context: context()) }
        #expect(error.map { "\($0)" }?.contains("static (one fixed user, static:NAME)") == true)
        // Other registries are unaffected.
        #expect(!AuthKindRegistry.default.knownKinds.map(\.name).contains("static"))
    }

    @Test("a factory's own error is wrapped with the kind")
    func wrappedError() {
        struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }
        let registry = AuthKindRegistry(builtins: false)
        try? registry.register(kind: "boom", summary: "fails") { _, _ in throw Boom() }
        #expect(throws: AuthStringError.invalidArgument(kind: "boom", message: "boom")) {
            try registry.makeChecker(from: "boom", context: context())
        }
    }
}

/// Secrets in `--auth` strings never reach a log line or an error message.
@Suite struct AuthStringRedactionTests {
    @Test func passwordsAndSecretsAreHidden() {
        #expect(AuthStringRedaction.redact("memory:alice:pw,bob:pw2") == "memory:<redacted>")
        #expect(
            AuthStringRedaction.redact("ldap:uri=ldap://h;bind-dn=cn=a,dc=b;bind-password=s3;cret;pool=2")
                == "ldap:uri=ldap://h;bind-dn=cn=a,dc=b;bind-password=<redacted>;cret;pool=2")
        #expect(AuthStringRedaction.redact("x:client-secret=abc") == "x:client-secret=<redacted>")
        #expect(AuthStringRedaction.redact("ldap:bind-password-file=/etc/p") == "ldap:bind-password-file=/etc/p")
        #expect(AuthStringRedaction.redact("file:/var/lib/parley") == "file:/var/lib/parley")
        #expect(AuthStringRedaction.redact("anonymous") == "anonymous")
    }
}
