import Foundation
import ParleyCred
import ParleyLDAP
import Testing

@Suite struct LDAPSettingsParsingTests {
    private let minimal = "uri=ldap://127.0.0.1:3890;base=ou=people,dc=example,dc=test"

    /// The error `argument` raises; fails the test when it parses.
    private func failure(_ argument: String, sourceLocation: SourceLocation = #_sourceLocation) -> LDAPSettingsError? {
        do {
            let settings = try LDAPSettings(parsing: argument)
            Issue.record("parsed: \(settings)", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    /// `argument` fails naming `key` in both the error and its description.
    private func expectRefused(
        _ argument: String, key: String, mentioning words: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let error = failure(argument, sourceLocation: sourceLocation) else { return }
        #expect(error.key == key, "\(error)", sourceLocation: sourceLocation)
        #expect(error.description.hasPrefix("\(key):") || error.description.contains("'\(key)'"), "\(error)", sourceLocation: sourceLocation)
        for word in words {
            #expect(error.description.contains(word), "\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func aFullStringSetsEveryKey() throws {
        let directory = NSTemporaryDirectory() + "parley-ldap-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let caFile = directory + "/ca.pem"
        try Data("not checked here".utf8).write(to: URL(fileURLWithPath: caFile))
        let settings = try LDAPSettings(
            parsing: """
                uri=ldap://ldap.example.test:389; starttls=yes; ca-file=\(caFile); tls-verify=no;
                bind-dn=cn=parley,ou=services,dc=example,dc=test; bind-password=se=cr,et ;
                base=ou=people,dc=example,dc=test; filter=(&(objectClass=person)(uid=%u));
                user-attribute=uid; name-attribute=displayName; pool=16; connect-timeout=1.5; timeout=4;
                retry=0; max-waiting=10; size-limit=5000; group-base=ou=groups,dc=example,dc=test;
                group-filter=(objectClass=posixGroup); group-name-attribute=description;
                member-attribute=memberUid; member-format=uid; group-refresh=60;
                """)
        #expect(settings.uri == "ldap://ldap.example.test:389")
        #expect(settings.startTLS)
        #expect(settings.caFile == caFile)
        #expect(!settings.verifyCertificate)
        #expect(settings.bindDN == "cn=parley,ou=services,dc=example,dc=test")
        #expect(settings.bindPassword == "se=cr,et ")  // a password keeps its spaces
        #expect(settings.base == "ou=people,dc=example,dc=test")
        #expect(settings.effectiveFilter == "(&(objectClass=person)(uid=%u))")
        #expect(settings.nameAttribute == "displayName")
        #expect(settings.poolSize == 16)
        #expect(settings.connectTimeout == 1.5)
        #expect(settings.timeout == 4)
        #expect(settings.retryInterval == 0)
        #expect(settings.maxWaiting == 10)
        #expect(settings.sizeLimit == 5000)
        #expect(settings.groupBase == "ou=groups,dc=example,dc=test")
        #expect(settings.groupFilter == "(objectClass=posixGroup)")
        #expect(settings.groupNameAttribute == "description")
        #expect(settings.memberAttribute == "memberUid")
        #expect(settings.memberFormat == .uid)
        #expect(settings.groupRefresh == 60)
        #expect(!settings.logSummary.contains("se=cr"))
    }

    @Test func theMinimalStringKeepsTheDefaults() throws {
        let settings = try LDAPSettings(parsing: minimal)
        var expected = LDAPSettings(uri: "ldap://127.0.0.1:3890")
        expected.base = "ou=people,dc=example,dc=test"
        #expect(settings == expected)
        let template = try LDAPSettings(parsing: "uri=ldaps://h;dn-template=uid=%u,ou=people,dc=x")
        #expect(template.dnTemplate == "uid=%u,ou=people,dc=x")
        #expect(template.usersBase == "ou=people,dc=x")
    }

    @Test func theBindPasswordFileGivesItsFirstLine() throws {
        let path = NSTemporaryDirectory() + "parley-ldap-pw-" + UUID().uuidString
        try Data("s3cret;x\nsecond line\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let settings = try LDAPSettings(parsing: minimal + ";bind-dn=cn=svc;bind-password-file=\(path)")
        #expect(settings.bindPassword == "s3cret;x")
    }

    @Test func unknownKeysAreNamedWithTheKnownOnes() {
        expectRefused(minimal + ";poool=3", key: "poool", mentioning: ["unknown key", "pool", "group-refresh"])
    }

    @Test func anEntryWithoutEqualsIsShown() {
        let error = failure(minimal + ";starttls")
        #expect(error == .missingEquals(entry: "starttls"))
        #expect(error?.description.contains("'starttls'") == true)
    }

    @Test func badValuesSayWhatIsExpected() {
        expectRefused(minimal + ";pool=0", key: "pool", mentioning: ["'0' is not a whole number from 1 to 64"])
        expectRefused(minimal + ";pool=many", key: "pool")
        expectRefused(minimal + ";timeout=-1", key: "timeout", mentioning: ["seconds"])
        expectRefused(minimal + ";connect-timeout=inf", key: "connect-timeout")
        expectRefused(minimal + ";retry=x", key: "retry")
        expectRefused(minimal + ";max-waiting=-1", key: "max-waiting")
        expectRefused(minimal + ";size-limit=0", key: "size-limit")
        expectRefused(minimal + ";starttls=maybe", key: "starttls", mentioning: ["yes or no"])
        expectRefused(minimal + ";tls-verify=2", key: "tls-verify")
        expectRefused(minimal + ";user-attribute=u id", key: "user-attribute", mentioning: ["attribute"])
        expectRefused(minimal + ";name-attribute=", key: "name-attribute")
        expectRefused(minimal + ";group-base=ou=g;member-format=cn", key: "member-format", mentioning: ["dn or uid"])
        expectRefused(minimal + ";group-base=ou=g;group-refresh=0", key: "group-refresh")
        expectRefused(minimal + ";group-base=ou=g;member-attribute=1.2.", key: "member-attribute")
        expectRefused(minimal + ";group-base=ou=g;group-name-attribute=-cn", key: "group-name-attribute")
    }

    @Test func aKeyGivenTwiceIsRefused() {
        expectRefused(minimal + "; pool=2; pool=3", key: "pool", mentioning: ["twice"])
    }

    @Test func theURIIsRequiredAndChecked() {
        expectRefused("base=dc=x", key: "uri", mentioning: ["missing"])
        expectRefused("uri=http://h;base=dc=x", key: "uri", mentioning: ["ldap://", "ldaps://"])
        expectRefused("uri=ldap://;base=dc=x", key: "uri")
        expectRefused("uri=ldap://h/dc=x;base=dc=x", key: "uri", mentioning: ["no DN"])
        expectRefused("uri=ldap://h:0;base=dc=x", key: "uri", mentioning: ["port"])
        expectRefused("uri=ldap://h:99999;base=dc=x", key: "uri")
        #expect(throws: Never.self) { try LDAPSettings(parsing: "uri=LDAP://[::1]:389/;base=dc=x") }
    }

    @Test func startTLSIsRefusedWithLDAPS() {
        expectRefused("uri=ldaps://h;base=dc=x;starttls=yes", key: "starttls", mentioning: ["ldaps://"])
        #expect(throws: Never.self) { try LDAPSettings(parsing: "uri=ldaps://h;base=dc=x;starttls=no") }
    }

    @Test func baseOrDNTemplateExactlyOnce() {
        expectRefused("uri=ldap://h", key: "base", mentioning: ["dn-template"])
        expectRefused("uri=ldap://h;base=dc=x;dn-template=uid=%u,dc=x", key: "dn-template", mentioning: ["not both"])
        expectRefused("uri=ldap://h;dn-template=uid=%u,dc=x;filter=(uid=%u)", key: "filter")
    }

    @Test func thePlaceholderIsRequired() {
        expectRefused("uri=ldap://h;dn-template=uid=alice,dc=x", key: "dn-template", mentioning: ["%u"])
        expectRefused(minimal + ";filter=(uid=alice)", key: "filter", mentioning: ["%u"])
    }

    @Test func filtersNeedParentheses() {
        expectRefused(minimal + ";filter=uid=%u", key: "filter", mentioning: ["parentheses"])
        expectRefused(minimal + ";filter=(&(uid=%u)", key: "filter", mentioning: ["balanced"])
        expectRefused(minimal + ";group-base=ou=g;group-filter=objectClass=groupOfNames", key: "group-filter")
    }

    @Test func filesMustBeReadable() {
        let missing = "/nonexistent/parley-\(UUID().uuidString)"
        expectRefused(
            minimal + ";bind-dn=cn=svc;bind-password-file=\(missing)", key: "bind-password-file", mentioning: [missing])
        expectRefused(minimal + ";ca-file=\(missing)", key: "ca-file", mentioning: [missing])
    }

    @Test func theServiceAccountIsConsistent() {
        expectRefused(minimal + ";bind-password=x", key: "bind-dn")
        expectRefused(
            minimal + ";bind-dn=cn=svc;bind-password=x;bind-password-file=/etc/hostname", key: "bind-password-file",
            mentioning: ["not both"])
    }

    @Test func groupKeysNeedAGroupBase() {
        expectRefused(minimal + ";member-format=uid", key: "group-base", mentioning: ["member-format"])
        expectRefused("uri=ldap://h;dn-template=uid=%u;group-base=ou=g", key: "dn-template", mentioning: ["parent"])
    }

    @Test func theKindStringNamesTheBadKey() throws {
        let registry = AuthKindRegistry()
        try LDAPAuthKind.register(in: registry)
        #expect(registry.knownKinds.contains { $0.name == "ldap" && $0.summary.contains("docs/ldap.md") })
        let context = AuthContext(logger: .init(label: "test"))
        #expect {
            _ = try registry.makeChecker(from: "ldap:" + minimal + ";pool=0", context: context)
        } throws: { error in
            guard case AuthStringError.invalidArgument(kind: "ldap", let message) = error else { return false }
            return message.hasPrefix("pool:")
        }
        #expect(throws: AuthStringError.self) { _ = try registry.makeChecker(from: "ldap", context: context) }
        // Making the store does not connect: nothing listens on this port.
        let store = try registry.makeChecker(from: "ldap:uri=ldap://127.0.0.1:1;base=dc=x", context: context)
        #expect(store is LDAPStore)
        #expect(throws: AuthStringError.duplicateKind("ldap")) { try LDAPAuthKind.register(in: registry) }
    }
}
