import Foundation
import Logging
import ParleyCore
import PeerTestSupport
import Testing

@testable import ParleyLDAP

/// Changes entries as the directory's administrator, through ldapmodify.
private func modify(_ server: SlapdServer, _ ldif: String) throws {
    let result = try ChildProcess.run(
        "/usr/bin/ldapmodify",
        ["-x", "-H", server.uri, "-D", SlapdServer.adminDN, "-w", SlapdServer.adminPassword], input: ldif, timeout: 10)
    guard result.status == 0 else { throw TestFailure("ldapmodify: \(result.stderrText)") }
}

private func groupSettings(_ server: SlapdServer) -> LDAPSettings {
    var settings = searchSettings(server)
    settings.groupBase = SlapdServer.groupsBase
    return settings
}

private func user(_ name: String) -> Username { Username(name)! }

@Suite(.serialized) struct LDAPSharedGroupsTests {
    @Test func groupOfNamesMembersSeeEachOther() async throws {
        let server = try SlapdServer()
        defer { server.stop() }
        let groups = LDAPSharedGroups(directory: LDAPDirectory(settings: groupSettings(server), logger: Logger(label: "test")))
        let (alice, generation) = try await groups.sharedContacts(of: user("alice"))
        #expect(generation == 1)
        #expect(
            alice == [
                SharedContact(user: user("bob"), name: "Bob Builder", groups: ["Engineering"]),
                SharedContact(user: user("carol"), name: "Carol Danvers", groups: ["Engineering"]),
            ])
        let carol = try await groups.sharedContacts(of: user("carol")).contacts
        #expect(carol.map(\.user) == [user("alice"), user("bob"), user("dave")])
        #expect(carol.first { $0.user == user("dave") }?.groups == ["Support"])
        #expect(try await groups.sharedContacts(of: user("nobody")).contacts.isEmpty)
    }

    @Test func aUserInTwoGroupsWithTheSameContactGetsBothGroupNames() async throws {
        let server = try SlapdServer(groups: [
            .init(name: "Engineering", members: ["alice", "bob"]), .init(name: "Climbing", members: ["alice", "bob", "dave"]),
        ])
        defer { server.stop() }
        let store = LDAPStore(settings: groupSettings(server))
        let alice = try await store.sharedContacts(of: user("alice")).contacts
        #expect(alice.first { $0.user == user("bob") }?.groups == ["Engineering", "Climbing"])
        #expect(alice.first { $0.user == user("dave") }?.groups == ["Climbing"])
    }

    @Test func posixGroupsWithMemberUid() async throws {
        let server = try SlapdServer()
        defer { server.stop() }
        try modify(
            server,
            """
            dn: cn=Ops,\(SlapdServer.groupsBase)
            changetype: add
            objectClass: posixGroup
            cn: Ops
            gidNumber: 5000
            memberUid: alice
            memberUid: Dave
            memberUid: stranger

            """)
        var settings = groupSettings(server)
        settings.groupFilter = "(objectClass=posixGroup)"
        settings.memberAttribute = "memberUid"
        settings.memberFormat = .uid
        let store = LDAPStore(settings: settings)
        let alice = try await store.sharedContacts(of: user("alice")).contacts
        // Names come from the user listing; a name that is in no entry still counts.
        #expect(
            alice == [
                SharedContact(user: user("dave"), name: "Dave Lister", groups: ["Ops"]),
                SharedContact(user: user("stranger"), name: nil, groups: ["Ops"]),
            ])
    }

    @Test func aStaleSnapshotIsServedWhileOneRefreshRuns() async throws {
        let server = try SlapdServer()
        defer { server.stop() }
        var settings = groupSettings(server)
        settings.groupRefresh = 0.2
        let groups = LDAPSharedGroups(directory: LDAPDirectory(settings: settings, logger: Logger(label: "test")))
        #expect(try await groups.sharedContacts(of: user("dave")).contacts.map(\.user) == [user("carol")])
        try modify(
            server,
            """
            dn: cn=Support,\(SlapdServer.groupsBase)
            changetype: modify
            add: member
            member: \(SlapdServer.dn(of: "alice"))

            """)
        try await Task.sleep(for: .milliseconds(300))
        // Stale: the old snapshot at once, and a refresh in the background.
        let stale = try await groups.sharedContacts(of: user("dave"))
        #expect(stale.contacts.map(\.user) == [user("carol")])
        #expect(stale.generation == 1)
        await groups.waitForRefresh()
        let fresh = try await groups.sharedContacts(of: user("dave"))
        #expect(fresh.contacts.map(\.user) == [user("alice"), user("carol")])
        #expect(fresh.generation == 2)
        // A refresh that finds the same contents keeps the generation.
        try await Task.sleep(for: .milliseconds(300))
        _ = try await groups.sharedContacts(of: user("dave"))
        await groups.waitForRefresh()
        #expect(try await groups.sharedContacts(of: user("dave")).generation == 2)
    }

    @Test func aFailedRefreshKeepsTheOldSnapshotAndAFailedFirstFetchThrows() async throws {
        let server = try SlapdServer()
        defer { server.stop() }
        var settings = groupSettings(server)
        settings.groupRefresh = 0.2
        let groups = LDAPSharedGroups(directory: LDAPDirectory(settings: settings, logger: Logger(label: "test")))
        let before = try await groups.sharedContacts(of: user("alice"))
        server.stop()
        try await Task.sleep(for: .milliseconds(300))
        let during = await within(10) { try? await groups.sharedContacts(of: user("alice")) }
        #expect(during??.contacts == before.contacts)
        await groups.waitForRefresh()
        let after = try await groups.sharedContacts(of: user("alice"))
        #expect(after.contacts == before.contacts)
        #expect(after.generation == before.generation)

        let fresh = LDAPSharedGroups(directory: LDAPDirectory(settings: settings, logger: Logger(label: "test")))
        let failed = await within(10) { () -> Bool in
            (try? await fresh.sharedContacts(of: user("alice"))) == nil
        }
        #expect(failed == true)
    }

    @Test func tooManyGroupsFailTheFetch() async throws {
        let server = try SlapdServer()
        defer { server.stop() }
        var settings = groupSettings(server)
        settings.sizeLimit = 1
        let store = LDAPStore(settings: settings)
        await #expect(throws: LDAPError.sizeLimitExceeded(limit: 1)) {
            _ = try await store.sharedContacts(of: user("alice"))
        }
    }

    @Test func withoutAGroupBaseNobodyHasSharedContacts() async throws {
        let store = LDAPStore(settings: try LDAPSettings(parsing: "uri=ldap://127.0.0.1:1;base=dc=x"))
        #expect(store.groups == nil)
        let (contacts, generation) = try await store.sharedContacts(of: user("alice"))
        #expect(contacts.isEmpty)
        #expect(generation == 0)
    }

    @Test func theRosterOfAnLDAPUserHasTheirGroups() async throws {
        let server = try SlapdServer()
        defer { server.stop() }
        let store = LDAPStore(settings: groupSettings(server))
        let contacts = SharedGroupContactStore(base: InMemoryContactListStore(), sources: [store], domain: "example.test")
        let list = try await contacts.contactList(of: user("alice"))
        let bob = try #require(list[UserID(user("bob"), domain: "example.test")])
        #expect(bob.name == "Bob Builder")
        #expect(bob.groups == ["Engineering"])
        #expect(bob.subscription == Subscription(to: true, from: true))
        #expect(list.contacts.count == 2)
    }

    @Test func memberDNsAreComparedWithoutCaseOrSpaces() {
        let normalized = LDAPDistinguishedName.normalized("UID=Alice , OU=People,dc=example, dc=test ")
        #expect(normalized == "uid=alice,ou=people,dc=example,dc=test")
        #expect(LDAPDistinguishedName.normalized("cn=a\\, b ,dc=x") == "cn=a\\, b,dc=x")
        #expect(LDAPDistinguishedName.normalized("cn=trailing\\ ") == "cn=trailing\\ ")
        #expect(LDAPDistinguishedName.normalized("cn=Two  Words") == "cn=two  words")
    }
}
