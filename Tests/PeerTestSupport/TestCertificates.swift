import Foundation

/// A test CA, a server certificate it signed (SAN IP:127.0.0.1 and DNS:localhost) and an
/// unrelated second CA, made once per test process with the `openssl` CLI in a temporary
/// folder that is removed when the process exits.
public struct TestCertificates: Sendable {
    /// The folder holding every file below.
    public let folder: String
    /// PEM of the CA that signed `serverCertificate`.
    public let caFile: String
    /// PEM of the server certificate (EC P-256, valid for 127.0.0.1 and localhost).
    public let serverCertificate: String
    /// PEM of the server's private key; owned by the `openldap` user when run as root.
    public let serverKey: String
    /// PEM of a CA that signed nothing here (for "bad CA" tests).
    public let otherCAFile: String

    /// The process-wide set, made on first use.
    public static func shared() throws -> TestCertificates { try made.get() }

    private static let made: Result<TestCertificates, any Error> = Result {
        let folder = NSTemporaryDirectory() + "parley-test-tls-\(getpid())-" + UUID().uuidString
        try FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        cleanupFolder.set(folder)
        atexit { if let folder = TestCertificates.cleanupFolder.get() { try? FileManager.default.removeItem(atPath: folder) } }
        return try make(in: folder)
    }

    private static let cleanupFolder = LockedPath()

    private static func make(in folder: String) throws -> TestCertificates {
        let ca = folder + "/ca.pem", caKey = folder + "/ca.key"
        let other = folder + "/other-ca.pem", otherKey = folder + "/other-ca.key"
        let csr = folder + "/server.csr", cert = folder + "/server.pem", key = folder + "/server.key"
        let extensions = folder + "/server.ext"
        try """
            basicConstraints = CA:FALSE
            keyUsage = digitalSignature, keyEncipherment
            extendedKeyUsage = serverAuth
            subjectAltName = IP:127.0.0.1, DNS:localhost

            """.write(toFile: extensions, atomically: true, encoding: .utf8)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(["req", "-x509", "-new"] + ec + ["-keyout", caKey, "-out", ca, "-days", "3650", "-subj", "/CN=Parley Test CA"])
        try openssl(["req", "-x509", "-new"] + ec + ["-keyout", otherKey, "-out", other, "-days", "3650", "-subj", "/CN=Parley Other CA"])
        try openssl(["req", "-new"] + ec + ["-keyout", key, "-out", csr, "-subj", "/CN=localhost"])
        try openssl([
            "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-days", "3650",
            "-extfile", extensions, "-out", cert,
        ])
        // slapd drops to the openldap user before it reads the key.
        if let owner = OpenLDAPUser.current { try owner.own(key) }
        return TestCertificates(folder: folder, caFile: ca, serverCertificate: cert, serverKey: key, otherCAFile: other)
    }

    private static func openssl(_ arguments: [String]) throws {
        let result = try ChildProcess.run("/usr/bin/openssl", arguments, timeout: 30)
        guard result.status == 0 else {
            throw TestFailure("openssl \(arguments.joined(separator: " ")) failed: \(result.stderrText)")
        }
    }

    private final class LockedPath: @unchecked Sendable {
        private let lock = NSLock()
        private var path: String?
        func set(_ value: String) { lock.withLock { path = value } }
        func get() -> String? { lock.withLock { path } }
    }
}

/// The `openldap` system user slapd runs as, when this process is root (nil otherwise:
/// slapd then runs as the current user and nothing needs a new owner).
struct OpenLDAPUser: Sendable {
    let uid: uid_t
    let gid: gid_t

    static let current: OpenLDAPUser? = {
        guard geteuid() == 0, let entry = getpwnam("openldap") else { return nil }
        return OpenLDAPUser(uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
    }()

    /// Gives `path` (not what is below it) to this user.
    func own(_ path: String) throws {
        guard chown(path, uid, gid) == 0 else { throw TestFailure("chown \(path) failed: errno \(errno)") }
    }

    /// Gives `path` and everything below it to this user.
    func ownRecursively(_ path: String) throws {
        try own(path)
        guard let enumerator = FileManager.default.enumerator(atPath: path) else { return }
        for case let relative as String in enumerator { try own(path + "/" + relative) }
    }
}
