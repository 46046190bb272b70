import Foundation

/// A throwaway OpenLDAP slapd on 127.0.0.1 with users and groups under dc=example,dc=test.
public final class SlapdServer: @unchecked Sendable {
    /// A person entry under ou=people: uid, password (stored as {SSHA}), cn (display name).
    /// The entry also has `sn` (the last word of the name), `displayName` and
    /// `mail` (`<uid>@example.test`).
    public struct User: Sendable, Hashable {
        public var uid: String
        public var password: String
        public var displayName: String
        public init(uid: String, password: String, displayName: String) {
            self.uid = uid
            self.password = password
            self.displayName = displayName
        }
    }

    /// A groupOfNames under ou=groups whose `member` values are the members' DNs (the
    /// empty DN for a group without members, since groupOfNames needs one).
    public struct Group: Sendable, Hashable {
        public var name: String
        /// The members' uids.
        public var members: [String]
        public init(name: String, members: [String]) {
            self.name = name
            self.members = members
        }
    }

    public static let suffix = "dc=example,dc=test"
    public static let peopleBase = "ou=people,dc=example,dc=test"
    public static let groupsBase = "ou=groups,dc=example,dc=test"
    public static let serviceDN = "cn=parley,ou=services,dc=example,dc=test"
    public static let servicePassword = "service-secret"
    /// The database's rootDN (bypasses access control; for tests that modify entries).
    public static let adminDN = "cn=admin,dc=example,dc=test"
    public static let adminPassword = "admin-secret"
    /// "ou=elsewhere,dc=example,dc=test": a referral entry (objectClass referral +
    /// extensibleObject, `ref` = ldap://127.0.0.1:<port>/ou=elsewhere,dc=example,dc=test),
    /// i.e. a referral loop back to itself.
    public static let referralBase = "ou=elsewhere,dc=example,dc=test"

    /// alice/alice-secret "Alice Liddell", bob/bob-secret "Bob Builder",
    /// carol/carol-secret "Carol Danvers", dave/dave-secret "Dave Lister".
    public static let defaultUsers: [User] = [
        User(uid: "alice", password: "alice-secret", displayName: "Alice Liddell"),
        User(uid: "bob", password: "bob-secret", displayName: "Bob Builder"),
        User(uid: "carol", password: "carol-secret", displayName: "Carol Danvers"),
        User(uid: "dave", password: "dave-secret", displayName: "Dave Lister"),
    ]

    /// Engineering: alice, bob, carol; Support: carol, dave.
    public static let defaultGroups: [Group] = [
        Group(name: "Engineering", members: ["alice", "bob", "carol"]),
        Group(name: "Support", members: ["carol", "dave"]),
    ]

    /// The DN of a user: "uid=<uid>,ou=people,dc=example,dc=test" (the uid escaped as an
    /// RFC 4514 attribute value when it holds special characters).
    public static func dn(of uid: String) -> String { "uid=\(SlapdFixture.escapedRDNValue(uid)),\(peopleBase)" }

    /// The ldap:// port.
    public let port: UInt16
    /// The ldaps:// port.
    public let tlsPort: UInt16
    /// "ldap://127.0.0.1:<port>" (StartTLS works on it with `caFile`).
    public var uri: String { "ldap://127.0.0.1:\(port)" }
    /// "ldaps://127.0.0.1:<tlsPort>".
    public var ldapsURI: String { "ldaps://127.0.0.1:\(tlsPort)" }
    /// PEM of the CA that signed slapd's certificate (SAN IP:127.0.0.1 and DNS:localhost);
    /// StartTLS on `uri` and `ldapsURI` both work with it.
    public let caFile: String
    /// PEM of an unrelated CA (for "bad CA" tests).
    public let otherCAFile: String
    /// The temporary folder with slapd.d, the database and the LDIF files.
    public let folder: String

    private let directory: TemporaryDirectory
    private let lock = NSLock()
    private var running: SlapdProcess?
    private var lastLog: SlapdLog?

    /// Sets up a new directory in a temporary folder and starts slapd (ready when it
    /// accepts connections). `bulkUsers` adds that many more users "user00001"… with
    /// password "bulk-secret" and cn "Bulk User 00001"….
    public init(users: [User] = defaultUsers, groups: [Group] = defaultGroups, bulkUsers: Int = 0) throws {
        let certificates = try TestCertificates.shared()
        var attempt = 0
        while true {
            attempt += 1
            let directory = try TemporaryDirectory()
            SlapdLeftovers.add(folder: directory.path)
            let port = try freePort()
            var tlsPort = try freePort()
            while tlsPort == port { tlsPort = try freePort() }
            try Self.prepare(
                folder: directory.path, port: port, certificates: certificates, users: users, groups: groups,
                bulkUsers: bulkUsers)
            do {
                let process = try SlapdProcess(folder: directory.path, port: port, tlsPort: tlsPort)
                running = process
                lastLog = process.log
            } catch is SlapdProcess.AddressInUse where attempt < 3 {
                // Another test took a port between freePort() and slapd's bind: new ports.
                SlapdLeftovers.remove(folder: directory.path)
                continue
            } catch {
                SlapdLeftovers.remove(folder: directory.path)
                throw error
            }
            self.directory = directory
            self.folder = directory.path
            self.port = port
            self.tlsPort = tlsPort
            self.caFile = certificates.caFile
            self.otherCAFile = certificates.otherCAFile
            return
        }
    }

    /// Starts again after `stop()`, same ports and data (ready when it accepts).
    public func start() throws {
        try lock.withLock {
            if let running, running.isRunning { return }
            let process = try SlapdProcess(folder: folder, port: port, tlsPort: tlsPort)
            running = process
            lastLog = process.log
        }
    }

    /// Stops slapd by its pid (SIGTERM, then SIGKILL after 5 s) and waits for it to exit.
    public func stop() {
        let stopping = lock.withLock {
            defer { running = nil }
            return running
        }
        stopping?.stop()
    }

    /// Whether slapd is running (false after `stop()` or if it died).
    public var isRunning: Bool { lock.withLock { running?.isRunning ?? false } }

    /// The process id while running (for tests that pause it with SIGSTOP/SIGCONT).
    public var pid: Int32? {
        lock.withLock {
            guard let running, running.isRunning else { return nil }
            return running.pid
        }
    }

    /// What the latest slapd run wrote (its unconditional log lines only, such as "slapd
    /// starting" and, after a clean SIGTERM, "slapd stopped."; the last 64 KiB).
    public var output: String { lock.withLock { lastLog?.text ?? "" } }

    deinit {
        stop()
        SlapdLeftovers.remove(folder: folder)
    }

    /// Writes the LDIF files, loads them with slapadd (config as database 0, entries as
    /// database 1) and hands the folder to the openldap user.
    private static func prepare(
        folder: String, port: UInt16, certificates: TestCertificates, users: [User], groups: [Group], bulkUsers: Int
    ) throws {
        for sub in ["slapd.d", "data", "run"] {
            try FileManager.default.createDirectory(atPath: "\(folder)/\(sub)", withIntermediateDirectories: true)
        }
        let config = try SlapdFixture.config(folder: folder, certificates: certificates, rootPassword: adminPassword)
        try config.write(toFile: "\(folder)/config.ldif", atomically: false, encoding: .utf8)
        let entries = SlapdFixture.entries(users: users, groups: groups, bulkUsers: bulkUsers, port: port)
        try entries.write(toFile: "\(folder)/entries.ldif", atomically: false, encoding: .utf8)
        try slapadd(["-n", "0", "-F", "\(folder)/slapd.d", "-l", "\(folder)/config.ldif"])
        // -q: no consistency checks, much faster for the bulk users.
        try slapadd(["-q", "-n", "1", "-F", "\(folder)/slapd.d", "-l", "\(folder)/entries.ldif"])
        if let owner = OpenLDAPUser.current {
            try owner.own(folder)
            for sub in ["slapd.d", "data", "run"] { try owner.ownRecursively("\(folder)/\(sub)") }
        }
    }

    private static func slapadd(_ arguments: [String]) throws {
        let result = try ChildProcess.run("/usr/sbin/slapadd", arguments, timeout: 120)
        guard result.status == 0 else {
            throw TestFailure("slapadd \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderrText)")
        }
    }
}
