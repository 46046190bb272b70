import Logging
import ParleyLDAP
import PeerTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The connection pool against a real slapd: searches, binds, limits, referrals, TLS,
/// outages and recovery, reuse and back-pressure.
@Suite(.serialized) struct LDAPDirectoryTests {
    private func settings(_ server: SlapdServer, service: Bool = true) -> LDAPSettings {
        var settings = LDAPSettings(uri: server.uri)
        if service {
            settings.bindDN = SlapdServer.serviceDN
            settings.bindPassword = SlapdServer.servicePassword
        }
        settings.connectTimeout = 2
        settings.timeout = 3
        return settings
    }

    private func findAlice(_ directory: LDAPDirectory) async -> Result<[LDAPEntry], LDAPError> {
        await outcome { () async throws(LDAPError) -> [LDAPEntry] in
            try await directory.search(
                base: SlapdServer.peopleBase, scope: .subtree,
                filter: "(uid=\(LDAPEscaping.filterValue("alice")))", attributes: ["cn"], sizeLimit: 10)
        }
    }

    private func bindAlice(_ directory: LDAPDirectory, _ password: String = "alice-secret") async
        -> Result<Bool, LDAPError>
    {
        await outcome { () async throws(LDAPError) -> Bool in
            try await directory.bind(dn: SlapdServer.dn(of: "alice"), password: password)
        }
    }

    @Test func searchFindsAliceAsServiceAndAnonymously() async throws {
        let server = try SlapdServer()
        for service in [true, false] {
            let directory = LDAPDirectory(settings: settings(server, service: service), logger: testLogger)
            defer { directory.shutdown() }
            let entries = try await findAlice(directory).get()
            #expect(entries.map(\.dn) == [SlapdServer.dn(of: "alice")])
            #expect(entries.first?.first("cn") == "Alice Liddell")
            #expect(entries.first?.first("CN") == "Alice Liddell")
            // A wildcard typed as a user name matches nothing once escaped (RFC 4515 §3).
            let injected = try await directory.search(
                base: SlapdServer.peopleBase, scope: .subtree,
                filter: "(uid=\(LDAPEscaping.filterValue("*")))", attributes: [], sizeLimit: 10)
            #expect(injected.isEmpty)
            let all = try await directory.search(
                base: SlapdServer.peopleBase, scope: .oneLevel, filter: "(uid=*)", attributes: [], sizeLimit: 10)
            #expect(all.count == 4)
            #expect(all.allSatisfy { $0.attributes.isEmpty })
        }
    }

    @Test func missingBaseIsNoEntries() async throws {
        let server = try SlapdServer()
        let directory = LDAPDirectory(settings: settings(server), logger: testLogger)
        defer { directory.shutdown() }
        let entries = try await directory.search(
            base: "ou=nowhere,\(SlapdServer.suffix)", scope: .subtree, filter: "(uid=alice)", attributes: [],
            sizeLimit: 10)
        #expect(entries.isEmpty)
    }

    @Test func bindChecksPasswords() async throws {
        let server = try SlapdServer()
        let directory = LDAPDirectory(settings: settings(server), logger: testLogger)
        defer { directory.shutdown() }
        #expect(try await bindAlice(directory).get() == true)
        #expect(try await bindAlice(directory, "wrong").get() == false)
        #expect(try await bindAlice(directory, "").get() == false)
        #expect(try await directory.bind(dn: SlapdServer.dn(of: "nobody"), password: "x") == false)
        #expect(try await directory.bind(dn: SlapdServer.dn(of: "bob"), password: "bob-secret") == true)
    }

    @Test func wrongServicePasswordIsServiceBindFailed() async throws {
        let server = try SlapdServer()
        var settings = settings(server)
        settings.bindPassword = "not-the-secret"
        let directory = LDAPDirectory(settings: settings, logger: testLogger)
        defer { directory.shutdown() }
        let error = await findAlice(directory).failure
        guard case .serviceBindFailed(let dn, _) = error else {
            Issue.record("expected serviceBindFailed, got \(String(describing: error))")
            return
        }
        #expect(dn == SlapdServer.serviceDN)
        #expect(!(error?.description.contains("not-the-secret") ?? true))
    }

    @Test func sizeLimitExceeded() async throws {
        let server = try SlapdServer(bulkUsers: 50)
        let directory = LDAPDirectory(settings: settings(server), logger: testLogger)
        defer { directory.shutdown() }
        let limited = await outcome { () async throws(LDAPError) -> [LDAPEntry] in
            try await directory.search(
                base: SlapdServer.peopleBase, scope: .subtree, filter: "(uid=user*)", attributes: ["uid"],
                sizeLimit: 10)
        }
        #expect(limited.failure == .sizeLimitExceeded(limit: 10))
        let all = try await directory.search(
            base: SlapdServer.peopleBase, scope: .subtree, filter: "(uid=user*)", attributes: ["uid"], sizeLimit: 50)
        #expect(all.count == 50)
        #expect(Set(all.compactMap { $0.first("uid") }).contains("user00050"))
    }

    @Test func referralIsNotFollowed() async throws {
        let server = try SlapdServer()
        let directory = LDAPDirectory(settings: settings(server), logger: testLogger)
        defer { directory.shutdown() }
        let result = await within(15) {
            await outcome { () async throws(LDAPError) -> [LDAPEntry] in
                try await directory.search(
                    base: SlapdServer.referralBase, scope: .subtree, filter: "(objectClass=*)", attributes: [],
                    sizeLimit: 10)
            }
        }
        guard case .some(.failure(.referral(let target))) = result else {
            Issue.record("expected a referral error, got \(String(describing: result))")
            return
        }
        #expect(target.contains("ldap://127.0.0.1:\(server.port)"))
    }

    @Test func startTLSWithCAFile() async throws {
        let server = try SlapdServer()
        var settings = settings(server)
        settings.startTLS = true
        settings.caFile = server.caFile
        let directory = LDAPDirectory(settings: settings, logger: testLogger)
        defer { directory.shutdown() }
        #expect(try await findAlice(directory).get().count == 1)
        #expect(try await bindAlice(directory).get() == true)
    }

    @Test func ldapsWithCAFile() async throws {
        let server = try SlapdServer()
        var settings = settings(server)
        settings.uri = server.ldapsURI
        settings.caFile = server.caFile
        let directory = LDAPDirectory(settings: settings, logger: testLogger)
        defer { directory.shutdown() }
        #expect(try await findAlice(directory).get().count == 1)
        #expect(try await bindAlice(directory).get() == true)
    }

    @Test(arguments: [false, true]) func untrustedCertificateIsTLSError(startTLS: Bool) async throws {
        let server = try SlapdServer()
        var settings = settings(server)
        if startTLS { settings.startTLS = true } else { settings.uri = server.ldapsURI }
        settings.caFile = server.otherCAFile
        let directory = LDAPDirectory(settings: settings, logger: testLogger)
        defer { directory.shutdown() }
        for result in [await findAlice(directory).map { _ in true }, await bindAlice(directory)] {
            guard case .failure(.tls(let message)) = result else {
                Issue.record("expected a TLS error, got \(result)")
                continue
            }
            #expect(message.lowercased().contains("certificate"), "\(message)")
        }
    }

    @Test(arguments: ["ldap", "ldaps"]) func refusedPortIsUnreachableNotTLS(scheme: String) async throws {
        var settings = LDAPSettings(uri: "\(scheme)://127.0.0.1:\(try refusedPort())")
        settings.startTLS = scheme == "ldap"
        settings.caFile = try SlapdServer().caFile
        let directory = LDAPDirectory(settings: settings, logger: testLogger)
        defer { directory.shutdown() }
        let result = await within(15) { await self.bindAlice(directory) }
        guard case .some(.failure(.unreachable(let uri, _))) = result else {
            Issue.record("expected unreachable, got \(String(describing: result))")
            return
        }
        #expect(uri == settings.uri)
    }

    @Test func missingCAFileIsTLSError() async throws {
        let server = try SlapdServer()
        var settings = settings(server)
        settings.uri = server.ldapsURI
        settings.caFile = "/nonexistent/ca.pem"
        let directory = LDAPDirectory(settings: settings, logger: testLogger)
        defer { directory.shutdown() }
        let error = await bindAlice(directory).failure
        guard case .tls(let message) = error else {
            Issue.record("expected a TLS error, got \(String(describing: error))")
            return
        }
        #expect(message.contains("/nonexistent/ca.pem"))
    }

    @Test func outageFailsPromptlyAndRecoversWithoutRestart() async throws {
        let server = try SlapdServer()
        var settings = settings(server)
        settings.retryInterval = 0.5
        let directory = LDAPDirectory(settings: settings, logger: testLogger)
        defer { directory.shutdown() }
        #expect(try await bindAlice(directory).get() == true)
        #expect(try await findAlice(directory).get().count == 1)

        server.stop()
        let down = await within(15) { await self.bindAlice(directory) }
        guard case .some(.failure(.unreachable(let uri, _))) = down else {
            Issue.record("expected unreachable, got \(String(describing: down))")
            return
        }
        #expect(uri == server.uri)
        let soon = await within(15) { await self.findAlice(directory) }
        guard case .some(.failure(.recentlyUnreachable(_, let retry))) = soon else {
            Issue.record("expected recentlyUnreachable, got \(String(describing: soon))")
            return
        }
        #expect(retry > 0 && retry <= 0.5)

        try server.start()
        try await Task.sleep(for: .milliseconds(600))
        // Both pools hold connections from before the restart: each is retried on a fresh one.
        #expect(try await findAlice(directory).get().count == 1)
        #expect(try await bindAlice(directory).get() == true)
        #expect(try await bindAlice(directory, "wrong").get() == false)
    }

    /// "ldaps" checks the handshake deadline (GnuTLS would spin forever), "starttls" the
    /// extended operation's timeout.
    @Test(arguments: ["ldap", "ldaps", "starttls"]) func silentServerTimesOut(scheme: String) async throws {
        let listener = try SilentListener()
        var settings = LDAPSettings(uri: "\(scheme == "ldaps" ? "ldaps" : "ldap")://127.0.0.1:\(listener.port)")
        settings.startTLS = scheme == "starttls"
        settings.connectTimeout = 1
        settings.timeout = 1
        settings.retryInterval = 0.2
        let directory = LDAPDirectory(settings: settings, logger: testLogger)
        defer { directory.shutdown() }
        let bind = await within(15) {
            await outcome { () async throws(LDAPError) -> Bool in
                try await directory.bind(dn: "uid=alice,dc=example,dc=test", password: "x")
            }
        }
        let search = await within(15) { await self.findAlice(directory) }
        for result in [bind?.map { _ in true }, search?.map { _ in true }] {
            switch result?.failure {
            case .timeout, .unreachable, .recentlyUnreachable: break
            default: Issue.record("expected a timeout, got \(String(describing: result))")
            }
        }
    }

    @Test func connectionsAreReused() async throws {
        let server = try SlapdServer()
        var settings = settings(server)
        settings.poolSize = 2
        let directory = LDAPDirectory(settings: settings, logger: testLogger)
        defer { directory.shutdown() }
        for _ in 0..<20 { #expect(try await bindAlice(directory).get() == true) }
        #expect(directory.connectionsOpened == 1)
        let results = await withTaskGroup(of: Bool?.self) { group in
            for index in 0..<40 {
                group.addTask {
                    try? await directory.bind(
                        dn: SlapdServer.dn(of: "bob"), password: index.isMultiple(of: 2) ? "bob-secret" : "no")
                }
            }
            return await group.reduce(into: [Bool?]()) { $0.append($1) }
        }
        #expect(results.filter { $0 == true }.count == 20)
        #expect(results.filter { $0 == false }.count == 20)
        #expect(directory.connectionsOpened <= 2)
        for _ in 0..<10 { #expect(try await findAlice(directory).get().count == 1) }
        #expect(directory.connectionsOpened <= 3)
    }

    @Test func busyWhenTooManyWait() async throws {
        let server = try SlapdServer()
        var settings = settings(server)
        settings.poolSize = 1
        settings.maxWaiting = 1
        // Long enough that the stopped server's binds stay in flight however late this task
        // runs on a loaded machine; SIGCONT ends them.
        settings.timeout = 30
        let directory = LDAPDirectory(settings: settings, logger: testLogger)
        defer { directory.shutdown() }
        #expect(try await bindAlice(directory).get() == true)
        let pid = try #require(server.pid)
        kill(pid, SIGSTOP)
        var resumed = false
        defer { if !resumed { kill(pid, SIGCONT) } }
        // Each bind is in flight before the next is made (polled, not slept on: on a loaded
        // machine a task may start late).
        func untilInFlight(_ count: Int) async throws {
            for _ in 0..<1500 where directory.bindsInFlight < count { try await Task.sleep(for: .milliseconds(10)) }
            try #require(directory.bindsInFlight == count)
        }
        let running = Task { await self.bindAlice(directory) }
        try await untilInFlight(1)
        let waiting = Task { await self.bindAlice(directory) }
        try await untilInFlight(2)
        let refused = await within(15) { await self.bindAlice(directory) }
        #expect(refused?.failure == .busy(waiting: 1))
        kill(pid, SIGCONT)
        resumed = true
        let first = await within(15) { await running.value }
        let second = await within(15) { await waiting.value }
        #expect(first != nil && second != nil)
        #expect(try await bindAlice(directory).get() == true)
    }

    @Test func shutdownMakesLaterCallsFail() async throws {
        let server = try SlapdServer()
        let directory = LDAPDirectory(settings: settings(server), logger: testLogger)
        #expect(try await bindAlice(directory).get() == true)
        directory.shutdown()
        #expect(await bindAlice(directory).failure != nil)
        #expect(await findAlice(directory).failure != nil)
    }
}
