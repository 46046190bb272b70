import Foundation

/// A throwaway IRC daemon for the client interop tests: started in the foreground with
/// its output in a log file, on loopback ports chosen once (so a restart reuses them),
/// and stopped by its own pid.
final class IRCDaemon: @unchecked Sendable {
    let executable: String
    let arguments: [String]
    let logPath: String
    /// The ports that must accept connections before the daemon counts as up.
    let ports: [Int]
    private var process: Process?

    init(executable: String, arguments: [String], logPath: String, ports: [Int]) {
        self.executable = executable
        self.arguments = arguments
        self.logPath = logPath
        self.ports = ports
    }

    var pid: Int32? { process?.processIdentifier }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Starts the daemon and waits (at most `timeout` seconds) until every port accepts.
    func start(timeout: TimeInterval = 20) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw TestFailure("\(executable) is not installed: run scripts/install-peers (scripts/test does)")
        }
        let deadline = Date().addingTimeInterval(timeout)
        // A port freed a moment ago may still be busy for the new process: try again.
        while true {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            process.standardOutput = log
            process.standardError = log
            process.standardInput = FileHandle.nullDevice
            try process.run()
            try? log.close()
            self.process = process
            while process.isRunning && Date() < deadline {
                if ports.allSatisfy(Self.accepts) { return }
                Thread.sleep(forTimeInterval: 0.05)
            }
            stop()
            guard Date() < deadline else { throw TestFailure("\(executable) did not come up; log:\n\(self.log)") }
            Thread.sleep(forTimeInterval: 0.3)
        }
    }

    /// Stops the daemon by its pid with SIGKILL: a child started by Foundation's `Process`
    /// from a test thread inherits a signal mask that blocks SIGTERM, so SIGTERM would only
    /// cost a wait (and for the restart tests an abrupt end is the harder case anyway).
    func stop() {
        guard let process, process.isRunning else {
            self.process = nil
            return
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    func restart() throws {
        stop()
        try start()
    }

    deinit { stop() }

    /// Whether a TCP connection to 127.0.0.1:`port` succeeds.
    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// A self-signed certificate for `localhost` and 127.0.0.1 (`openssl req -x509`) in
    /// `directory`; returns the certificate and key paths. The key is world-readable
    /// because daemons drop privileges before reading it again.
    static func makeCertificate(in directory: String) throws -> (certificate: String, key: String) {
        let certificate = directory + "/cert.pem"
        let key = directory + "/key.pem"
        let result = try ChildProcess.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ], timeout: 60)
        guard result.status == 0 else { throw TestFailure("openssl req failed: \(result.stderrText)") }
        chmod(key, 0o644)
        return (certificate, key)
    }
}

/// Debian's ngircd on loopback (plain and TLS ports), with a self-signed certificate.
final class NgircdServer: @unchecked Sendable {
    let directory: TemporaryDirectory
    let port: Int
    let tlsPort: Int
    let certificate: String
    let daemon: IRCDaemon

    init() throws {
        directory = try TemporaryDirectory()
        chmod(directory.path, 0o755)
        port = Int(try freePort())
        tlsPort = Int(try freePort())
        let files = try IRCDaemon.makeCertificate(in: directory.path)
        certificate = files.certificate
        let config = directory.path + "/ngircd.conf"
        // ngircd ignores `Bind =`; `Listen =` keeps it on loopback (PEERS.md). PAM, ident
        // and DNS lookups are off so registration is immediate.
        try """
            [Global]
            Name = irc.test
            Info = Parley interop test
            Listen = 127.0.0.1
            Ports = \(port)
            MotdPhrase = Parley test
            AdminInfo1 = test
            AdminEMail = test@example.invalid
            [Limits]
            MaxNickLength = 16
            MaxPenaltyTime = 0
            PingTimeout = 120
            PongTimeout = 20
            [Options]
            PAM = no
            Ident = no
            DNS = no
            [SSL]
            CertFile = \(files.certificate)
            KeyFile = \(files.key)
            Ports = \(tlsPort)
            """.write(toFile: config, atomically: true, encoding: .utf8)
        daemon = IRCDaemon(
            executable: "/usr/sbin/ngircd", arguments: ["--nodaemon", "--config", config],
            logPath: directory.path + "/ngircd.log", ports: [port, tlsPort])
        try daemon.start()
    }

    func restart() throws { try daemon.restart() }
    func stop() { daemon.stop() }
    deinit { daemon.stop() }
}
