import Foundation
import PeerTestSupport
import Testing

/// Checks the throwaway slapd itself with OpenLDAP's own command-line clients.
@Suite struct SlapdServerTests {
    private func whoami(
        _ uri: String, _ dn: String, _ password: String, startTLS: Bool = false, caFile: String? = nil
    ) throws -> ChildProcess.Result {
        // LDAPTLS_CACERT overrides ldap.conf's TLS_CACERT (LDAPNOINIT would ignore it too).
        var environment = ProcessInfo.processInfo.environment
        if let caFile { environment["LDAPTLS_CACERT"] = caFile }
        let arguments = ["-x", "-H", uri, "-D", dn, "-w", password, "-o", "nettimeout=5"] + (startTLS ? ["-ZZ"] : [])
        return try ChildProcess.run("/usr/bin/ldapwhoami", arguments, environment: environment, timeout: 15)
    }

    private func search(_ server: SlapdServer, base: String, filter: String, _ attributes: [String]) throws -> ChildProcess.Result {
        let arguments = ["-x", "-LLL", "-H", server.uri, "-b", base, "-o", "ldif-wrap=no", filter] + attributes
        return try ChildProcess.run(
            "/usr/bin/ldapsearch", arguments, environment: ["LDAPNOINIT": "1"], timeout: 15)
    }

    @Test func startsAndChecksPasswords() throws {
        let server = try SlapdServer()
        #expect(server.isRunning)
        #expect(server.pid != nil)
        let alice = try whoami(server.uri, SlapdServer.dn(of: "alice"), "alice-secret")
        #expect(alice.status == 0, "\(alice.stderrText)")
        #expect(alice.stdoutText.contains("dn:uid=alice,ou=people,dc=example,dc=test"))
        let wrong = try whoami(server.uri, SlapdServer.dn(of: "alice"), "bob-secret")
        #expect(wrong.status == 49)
        let service = try whoami(server.uri, SlapdServer.serviceDN, SlapdServer.servicePassword)
        #expect(service.status == 0, "\(service.stderrText)")
    }

    @Test func holdsTheGroupsAndHidesPasswords() throws {
        let server = try SlapdServer()
        let groups = try search(server, base: SlapdServer.groupsBase, filter: "(cn=Support)", ["member"])
        #expect(groups.status == 0, "\(groups.stderrText)")
        #expect(groups.stdoutText.contains("member: uid=carol,ou=people,dc=example,dc=test"))
        #expect(groups.stdoutText.contains("member: uid=dave,ou=people,dc=example,dc=test"))
        #expect(!groups.stdoutText.contains("uid=alice"))
        let people = try search(server, base: SlapdServer.peopleBase, filter: "(uid=bob)", ["cn", "userPassword"])
        #expect(people.stdoutText.contains("cn: Bob Builder"))
        #expect(!people.stdoutText.contains("userPassword"))
    }

    @Test func stopsAndStartsAgainOnTheSamePort() throws {
        let server = try SlapdServer()
        let firstPID = try #require(server.pid)
        server.stop()
        #expect(!server.isRunning)
        #expect(server.pid == nil)
        #expect(server.output.contains("slapd stopped."), "SIGTERM, not SIGKILL: \(server.output)")
        #expect(kill(firstPID, 0) != 0)  // gone and reaped
        let down = try whoami(server.uri, SlapdServer.dn(of: "bob"), "bob-secret")
        #expect(down.status != 0)
        try server.start()
        #expect(server.isRunning)
        #expect(server.pid != firstPID)
        let up = try whoami(server.uri, SlapdServer.dn(of: "bob"), "bob-secret")
        #expect(up.status == 0, "\(up.stderrText)")
    }

    @Test func stopsWhilePaused() throws {
        let server = try SlapdServer()
        let pid = try #require(server.pid)
        #expect(kill(pid, SIGSTOP) == 0)
        #expect(server.isRunning)
        server.stop()
        #expect(!server.isRunning)
        #expect(kill(pid, 0) != 0)
        #expect(server.output.contains("slapd stopped."), "\(server.output)")
    }

    @Test func speaksTLSWithItsCA() throws {
        let server = try SlapdServer()
        let dn = SlapdServer.dn(of: "carol")
        let ldaps = try whoami(server.ldapsURI, dn, "carol-secret", caFile: server.caFile)
        #expect(ldaps.status == 0, "\(ldaps.stderrText)")
        let startTLS = try whoami(server.uri, dn, "carol-secret", startTLS: true, caFile: server.caFile)
        #expect(startTLS.status == 0, "\(startTLS.stderrText)")
        let badCA = try whoami(server.ldapsURI, dn, "carol-secret", caFile: server.otherCAFile)
        #expect(badCA.status != 0)
    }

    @Test func loadsBulkUsers() throws {
        let server = try SlapdServer(users: [], groups: [SlapdServer.Group(name: "Empty", members: [])], bulkUsers: 120)
        let last = try whoami(server.uri, SlapdServer.dn(of: "user00120"), "bulk-secret")
        #expect(last.status == 0, "\(last.stderrText)")
        let all = try search(server, base: SlapdServer.peopleBase, filter: "(uid=user*)", ["cn"])
        #expect(all.stdoutText.components(separatedBy: "\ndn: ").count == 120)
        #expect(all.stdoutText.contains("cn: Bulk User 00007"))
    }

    @Test func refersBackToItself() throws {
        let server = try SlapdServer()
        let result = try ChildProcess.run(
            "/usr/bin/ldapsearch",
            ["-x", "-LLL", "-H", server.uri, "-b", SlapdServer.suffix, "-s", "one", "(ou=*)", "ou"],
            environment: ["LDAPNOINIT": "1"], timeout: 15)
        #expect(result.stdoutText.contains("ldap://127.0.0.1:\(server.port)/ou=elsewhere,dc=example,dc=test"))
    }

    @Test func deinitStopsIt() throws {
        var server: SlapdServer? = try SlapdServer()
        let pid = try #require(server?.pid)
        let folder = try #require(server?.folder)
        server = nil
        #expect(kill(pid, 0) != 0)
        #expect(!FileManager.default.fileExists(atPath: folder))
    }
}
