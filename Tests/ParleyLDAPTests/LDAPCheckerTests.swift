import Foundation
import Logging
import ParleyCore
import ParleyCred
import ParleyLDAP
import PeerTestSupport
import Testing

/// The outcome of a credential check as a value, for `#expect` on the error case.
func checked(_ checker: any CredentialChecker, _ username: String, _ password: String) async -> Result<
    Username, CredentialError
> {
    do throws(CredentialError) {
        return .success(try await checker.check(UsernamePassword(username: username, password: password)))
    } catch {
        return .failure(error)
    }
}

/// Settings for `server` in search mode as the service account, with short time limits.
func searchSettings(_ server: SlapdServer) -> LDAPSettings {
    var settings = LDAPSettings(uri: server.uri)
    settings.bindDN = SlapdServer.serviceDN
    settings.bindPassword = SlapdServer.servicePassword
    settings.base = SlapdServer.peopleBase
    settings.connectTimeout = 2
    settings.timeout = 3
    settings.retryInterval = 0.2
    return settings
}

/// A realm that hands out the user name, for logins through a real `Portal`.
struct NameRealm: Realm {
    func requestAvatar(for user: Username, mind: Void) async throws -> (avatar: Username, logout: @Sendable () async -> Void) {
        (user, {})
    }
}

@Suite(.serialized) struct LDAPCheckerTests {
    private let alice = Username("alice")!

    @Test func searchModeFindsTheEntryAndBinds() async throws {
        let server = try SlapdServer()
        defer { server.stop() }
        let store = LDAPStore(settings: searchSettings(server))
        #expect(store.acceptedCredentials.count == 1)
        #expect(store.accepts(UsernamePassword.self))
        #expect(!(store as Any is any SCRAMRecordSource))
        #expect(await checked(store, "alice", "alice-secret") == .success(alice))
        // The name is normalized before the search.
        #expect(await checked(store, "ALICE", "alice-secret") == .success(alice))
        #expect(await checked(store, "alice", "bob-secret") == .failure(.wrongPassword(alice)))
        #expect(await checked(store, "alice", "") == .failure(.wrongPassword(alice)))
        #expect(await checked(store, "zed", "whatever") == .failure(.unknownUser("zed")))
        #expect(await checked(store, "zed", "") == .failure(.unknownUser("zed")))
        // Filter metacharacters are escaped (RFC 4515): `*` is no wildcard.
        #expect(await checked(store, "*", "alice-secret") == .failure(.unknownUser("*")))
        #expect(await checked(store, "al*", "alice-secret") == .failure(.unknownUser("al*")))
        #expect(await checked(store, "alice)(uid=*", "alice-secret") == .failure(.unknownUser("alice)(uid=*")))
        // Not a user name at all.
        #expect(await checked(store, "a b", "x") == .failure(.unknownUser("a b")))
        await #expect(throws: CredentialError.unsupportedCredentials("AnonymousCredentials")) {
            _ = try await store.check(AnonymousCredentials())
        }
    }

    @Test func severalMatchingEntriesAreATemporaryFailure() async throws {
        let server = try SlapdServer()
        defer { server.stop() }
        var settings = searchSettings(server)
        settings.filter = "(|(uid=%u)(uid=bob))"
        let checker = LDAPChecker(directory: LDAPDirectory(settings: settings, logger: Logger(label: "test")))
        guard case .failure(.temporaryFailure(let detail)) = await checked(checker, "alice", "alice-secret") else {
            Issue.record("not a temporary failure")
            return
        }
        #expect(detail.contains("several entries"))
        // Only bob matched: a normal login.
        #expect(await checked(checker, "bob", "bob-secret") == .success(Username("bob")!))
    }

    @Test func templateModeBindsDirectlyAndCannotTellUnknownFromWrong() async throws {
        let server = try SlapdServer()
        defer { server.stop() }
        var settings = LDAPSettings(uri: server.uri)
        settings.dnTemplate = "uid=%u," + SlapdServer.peopleBase
        settings.connectTimeout = 2
        settings.timeout = 3
        let store = LDAPStore(settings: settings)
        #expect(await checked(store, "Alice", "alice-secret") == .success(alice))
        #expect(await checked(store, "alice", "nope") == .failure(.unknownUser("alice")))
        #expect(await checked(store, "alice", "") == .failure(.unknownUser("alice")))
        #expect(await checked(store, "zed", "nope") == .failure(.unknownUser("zed")))
        // DN metacharacters are escaped (RFC 4514): no other entry can be reached.
        #expect(await checked(store, "alice,ou=people", "alice-secret") == .failure(.unknownUser("alice,ou=people")))
    }

    @Test func anOutageIsATemporaryFailureAndLoginsRecover() async throws {
        let server = try SlapdServer()
        defer { server.stop() }
        let store = LDAPStore(settings: searchSettings(server))
        #expect(await checked(store, "alice", "alice-secret") == .success(alice))
        server.stop()
        let down = await within(10) { await checked(store, "alice", "alice-secret") }
        guard case .failure(.temporaryFailure(let detail))? = down else {
            Issue.record("expected a temporary failure, got \(String(describing: down))")
            return
        }
        #expect(detail.contains("LDAP"))
        #expect(!detail.contains("alice-secret"))
        #expect(CredentialError.temporaryFailure(detail).condition == .temporaryAuthFailure)
        try server.start()
        let recovered = await within(10) { () -> Bool in
            while true {
                if await checked(store, "alice", "alice-secret") == .success(Username("alice")!) { return true }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(recovered == true)
    }

    @Test func aChainFallsThroughOnlyForUnknownUsers() async throws {
        let server = try SlapdServer()
        defer { server.stop() }
        let folder = try TemporaryDirectory()
        let files = try FlatFileStore(directory: folder.path)
        try files.addAccount(Username("svc")!, password: "svc-pass")
        try files.addAccount(alice, password: "file-pass")
        let registry = AuthKindRegistry()
        try LDAPAuthKind.register(in: registry)
        let context = AuthContext(storageDirectory: folder.path, logger: Logger(label: "test"))
        let ldap = try registry.makeChecker(
            from: "ldap:uri=\(server.uri);bind-dn=\(SlapdServer.serviceDN);bind-password=\(SlapdServer.servicePassword)"
                + ";base=\(SlapdServer.peopleBase);timeout=3",
            context: context)
        let portal = Portal(realm: NameRealm(), checkers: [ldap, files])
        // No SCRAM: the LDAP store cannot serve it; PLAIN only over TLS.
        #expect(portal.mechanisms(secureTransport: true) == ["PLAIN"])
        #expect(portal.mechanisms(secureTransport: false) == [])

        func login(_ name: String, _ password: String) async -> Result<Username, CredentialError> {
            do throws(CredentialError) {
                return .success(try await portal.login(UsernamePassword(username: name, password: password)).avatarID)
            } catch {
                return .failure(error)
            }
        }
        #expect(await login("alice", "alice-secret") == .success(alice))
        #expect(await login("svc", "svc-pass") == .success(Username("svc")!))
        #expect(await login("svc", "wrong") == .failure(.wrongPassword(Username("svc")!)))
        // alice is known to LDAP: a wrong LDAP password stops there, though the file store
        // would have accepted "file-pass".
        #expect(await login("alice", "file-pass") == .failure(.wrongPassword(alice)))
        #expect(await login("nobody", "x") == .failure(.unknownUser("nobody")))
    }
}
