import ParleyCore
import Testing

@testable import ParleyCred

@Suite("Portal: checkers, fall-through, mechanisms, logout")
struct PortalTests {
    @Test("an unknown user in one checker falls through to the next")
    func fallThrough() async throws {
        let first = ScriptedChecker("first") { credentials throws(CredentialError) in
            throw .unknownUser((credentials as! UsernamePassword).username)
        }
        let second = ScriptedChecker("second") { credentials throws(CredentialError) in
            user((credentials as! UsernamePassword).username)
        }
        let portal = Portal(realm: TestRealm(), checkers: [first, second])
        let login = try await portal.login(UsernamePassword(username: "Bob", password: "x"), mind: "mind-1")
        #expect(login.avatarID == user("bob"))
        #expect(login.avatar == TestRealm.Avatar(user: user("bob"), mind: "mind-1"))
        #expect(first.callCount == 1)
        #expect(second.callCount == 1)
    }

    @Test("a wrong password for a known user stops the chain")
    func wrongPasswordStops() async throws {
        let first = ScriptedChecker("first") { _ throws(CredentialError) in throw .wrongPassword(user("alice")) }
        let second = ScriptedChecker("second") { _ throws(CredentialError) in user("alice") }
        let portal = Portal(realm: TestRealm(), checkers: [first, second])
        await #expect(throws: CredentialError.wrongPassword(user("alice"))) {
            try await portal.login(UsernamePassword(username: "alice", password: "x"), mind: "m")
        }
        #expect(second.callCount == 0)
    }

    @Test("a temporary failure (corrupt record) stops the chain too")
    func temporaryFailureStops() async throws {
        let first = ScriptedChecker("first") { _ throws(CredentialError) in throw .temporaryFailure("corrupt") }
        let second = ScriptedChecker("second") { _ throws(CredentialError) in user("alice") }
        let portal = Portal(realm: TestRealm(), checkers: [first, second])
        await #expect(throws: CredentialError.temporaryFailure("corrupt")) {
            try await portal.login(UsernamePassword(username: "alice", password: "x"), mind: "m")
        }
        #expect(second.callCount == 0)
    }

    @Test("the first checker that knows the user decides, in order")
    func order() async throws {
        let memoryA = try InMemoryChecker(accounts: [("alice", "a-pass")], iterations: testIterations)
        let memoryB = try InMemoryChecker(
            accounts: [("alice", "b-pass"), ("bob", "b-pass")], iterations: testIterations)
        let portal = Portal(realm: TestRealm(), checkers: [memoryA, memoryB])
        #expect(try await portal.login(UsernamePassword(username: "alice", password: "a-pass"), mind: "").avatarID == user("alice"))
        await #expect(throws: CredentialError.wrongPassword(user("alice"))) {
            try await portal.login(UsernamePassword(username: "alice", password: "b-pass"), mind: "")
        }
        #expect(try await portal.login(UsernamePassword(username: "bob", password: "b-pass"), mind: "").avatarID == user("bob"))
        await #expect(throws: CredentialError.unknownUser("carol")) {
            try await portal.login(UsernamePassword(username: "carol", password: "x"), mind: "")
        }
        // SCRAM records come from the first source that has the user.
        let recordA = try await portal.scramRecord(for: user("alice"), algorithm: .sha256)
        #expect(recordA == (try await memoryA.scramRecord(for: user("alice"), algorithm: .sha256)))
        let recordB = try await portal.scramRecord(for: user("bob"), algorithm: .sha1)
        #expect(recordB == (try await memoryB.scramRecord(for: user("bob"), algorithm: .sha1)))
        #expect(try await portal.scramRecord(for: user("carol"), algorithm: .sha1) == nil)
    }

    @Test("checkers are only given the credentials they accept")
    func acceptedTypes() async throws {
        let passwordOnly = ScriptedChecker("pw") { _ throws(CredentialError) in user("x") }
        let portal = Portal(realm: TestRealm(), checkers: [passwordOnly, AnonymousChecker()])
        let login = try await portal.login(AnonymousCredentials(trace: "t"), mind: "")
        #expect(login.avatarID.value.hasPrefix("anon"))
        #expect(passwordOnly.callCount == 0)
        let other = try await portal.login(AnonymousCredentials(), mind: "")
        #expect(other.avatarID != login.avatarID)

        let noAnonymous = Portal(realm: TestRealm(), checkers: [passwordOnly])
        await #expect(throws: CredentialError.unsupportedCredentials("AnonymousCredentials")) {
            try await noAnonymous.login(AnonymousCredentials(), mind: "")
        }
        #expect(CredentialError.unsupportedCredentials("").condition == .invalidMechanism)
    }

    @Test("the realm can refuse, and its CredentialError reaches the caller")
    func realmRefuses() async throws {
        let portal = Portal(
            realm: TestRealm(refuse: ["alice"]),
            checkers: [try InMemoryChecker(accounts: [("alice", "pw")], iterations: testIterations)])
        await #expect(throws: CredentialError.accountDisabled(user("alice"))) {
            try await portal.login(UsernamePassword(username: "alice", password: "pw"), mind: "")
        }
    }

    @Test("logout runs the realm's logout once, however often it is called")
    func logoutIdempotent() async throws {
        let realm = TestRealm()
        let portal = Portal(
            realm: realm, checkers: [try InMemoryChecker(accounts: [("alice", "pw")], iterations: testIterations)])
        let login = try await portal.login(UsernamePassword(username: "alice", password: "pw"), mind: "")
        #expect(!login.isLoggedOut)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { await login.logout() } }
        }
        await login.logout()
        #expect(login.isLoggedOut)
        #expect(realm.logoutCount(user("alice")) == 1)
        // A second login has its own logout.
        let again = try await portal.login(UsernamePassword(username: "alice", password: "pw"), mind: "")
        await again.logout()
        #expect(realm.logoutCount(user("alice")) == 2)
    }

    @Test("mechanisms follow the checkers and the transport")
    func mechanisms() async throws {
        let memory = try InMemoryChecker(accounts: [("a", "b")], iterations: testIterations)
        let portal = Portal(realm: TestRealm(), checkers: [memory])
        #expect(portal.mechanisms(secureTransport: true) == ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"])
        #expect(portal.mechanisms(secureTransport: false) == ["SCRAM-SHA-256", "SCRAM-SHA-1"])
        #expect(
            portal.mechanisms(secureTransport: false, allowPlainWithoutTLS: true)
                == ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"])
        #expect(portal.saslMechanisms == ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"])

        let withAnonymous = Portal(realm: TestRealm(), checkers: [memory, AnonymousChecker()])
        #expect(withAnonymous.mechanisms(secureTransport: false) == ["SCRAM-SHA-256", "SCRAM-SHA-1", "ANONYMOUS"])

        let anonymousOnly = Portal(realm: TestRealm(), checkers: [AnonymousChecker()])
        #expect(anonymousOnly.mechanisms(secureTransport: true) == ["ANONYMOUS"])

        // A password-only store (LDAP-like) in the chain cannot serve SCRAM for its users.
        let ldapLike = ScriptedChecker("ldap") { _ throws(CredentialError) in user("x") }
        let chain = Portal(realm: TestRealm(), checkers: [ldapLike, memory])
        #expect(chain.mechanisms(secureTransport: true) == ["PLAIN"])
        #expect(chain.mechanisms(secureTransport: false) == [])

        let none = Portal(realm: TestRealm(), checkers: [])
        #expect(none.saslMechanisms == [])
    }

    @Test("a realm without a mind logs in without one")
    func voidMind() async throws {
        struct Plain: Realm {
            func requestAvatar(for user: Username, mind: Void) async throws -> (
                avatar: String, logout: @Sendable () async -> Void
            ) { (user.value, {}) }
        }
        let portal = Portal(
            realm: Plain(), checkers: [try InMemoryChecker(accounts: [("a", "b")], iterations: testIterations)])
        #expect(try await portal.login(UsernamePassword(username: "A", password: "b")).avatar == "a")
    }

    @Test("unknown user and wrong password are the same condition but different log details")
    func conditions() {
        let unknown = CredentialError.unknownUser("x")
        let wrong = CredentialError.wrongPassword(user("x"))
        #expect(unknown.condition == .notAuthorized && wrong.condition == .notAuthorized)
        #expect(unknown.logDescription != wrong.logDescription)
        #expect(unknown.fallsThrough && !wrong.fallsThrough)
        #expect(SASLCondition.temporaryAuthFailure.rawValue == "temporary-auth-failure")
    }
}
