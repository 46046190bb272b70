import Foundation

/// One run of slapd in the foreground: started, drained, waited for until both ports
/// accept, and stopped by its pid.
///
/// Spawned with posix_spawn rather than Foundation's Process: test code runs on threads
/// that block SIGTERM, a child inherits that mask, and slapd would then ignore SIGTERM.
final class SlapdProcess: @unchecked Sendable {
    /// slapd could not bind a port (someone took it after `freePort()`).
    struct AddressInUse: Error {}

    let pid: pid_t
    let log: SlapdLog
    private let lock = NSLock()
    private var exitStatus: Int32?

    /// Starts `slapd -F folder/slapd.d` on both ports and returns once it accepts
    /// connections on them (≤ 10 s); throws with slapd's output if it exits first.
    init(folder: String, port: UInt16, tlsPort: UInt16) throws {
        // -d 32768 ("none"): stay in the foreground and log only what is always logged
        // (startup failures such as a port in use) to standard error.
        var arguments = [
            "/usr/sbin/slapd", "-d", "32768", "-F", "\(folder)/slapd.d",
            "-h", "ldap://127.0.0.1:\(port)/ ldaps://127.0.0.1:\(tlsPort)/",
        ]
        if OpenLDAPUser.current != nil { arguments += ["-u", "openldap", "-g", "openldap"] }
        let (pid, output) = try Self.spawn(arguments)
        self.pid = pid
        self.log = SlapdLog()
        log.drain(fd: output)
        SlapdLeftovers.add(pid: pid)

        let deadline = Date().addingTimeInterval(10)
        while !(Self.accepts(port) && Self.accepts(tlsPort)) {
            if let status = exited() {
                SlapdLeftovers.remove(pid: pid)
                log.waitForEnd(timeout: 2)
                if log.text.contains("Address already in use") { throw AddressInUse() }
                throw TestFailure("slapd exited with status \(status): \(log.text)")
            }
            if Date() > deadline {
                stop()
                throw TestFailure("slapd did not accept on ports \(port)/\(tlsPort) within 10 s: \(log.text)")
            }
            usleep(10_000)
        }
    }

    var isRunning: Bool { exited() == nil }

    /// SIGTERM (and SIGCONT, in case a test paused it), then SIGKILL after 5 s; returns
    /// once it has exited and been reaped.
    func stop() {
        defer { SlapdLeftovers.remove(pid: pid) }
        guard exited() == nil else { return }
        kill(pid, SIGTERM)
        kill(pid, SIGCONT)
        let deadline = Date().addingTimeInterval(5)
        while exited() == nil && Date() < deadline { usleep(5_000) }
        lock.withLock {
            guard exitStatus == nil else { return }
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            exitStatus = status
            SlapdLeftovers.remove(pid: pid)
        }
        log.waitForEnd(timeout: 2)
    }

    /// The wait status once slapd has exited (reaping it then), nil while it runs.
    private func exited() -> Int32? {
        lock.withLock {
            if let exitStatus { return exitStatus }
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid || (result < 0 && errno == ECHILD) {
                exitStatus = status
                SlapdLeftovers.remove(pid: pid)  // reaped: the pid may be reused now
            }
            return exitStatus
        }
    }

    /// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+), which Swift's Glibc
    /// module does not export (it needs _GNU_SOURCE): without it a pipe some other test
    /// opened at that moment could stay open in slapd, and its reader would wait for slapd.
    private static let closeFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// posix_spawn with standard input from /dev/null, standard output and error into a
    /// new pipe (whose read end is returned), every other descriptor closed, no blocked
    /// signals and default handling of the stopping ones.
    private static func spawn(_ arguments: [String]) throws -> (pid_t, Int32) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw TestFailure("pipe failed: errno \(errno)") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        defer { close(fds[1]) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        _ = closeFrom?(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
        guard result == 0 else {
            close(fds[0])
            throw TestFailure("posix_spawn \(arguments[0]) failed: \(String(cString: strerror(result)))")
        }
        return (pid, fds[0])
    }

    /// Whether a TCP connection to 127.0.0.1:`port` succeeds now.
    static func accepts(_ port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

/// slapd's output, read on a thread of its own until the pipe ends (so slapd never blocks
/// on a full pipe); keeps the last 64 KiB.
final class SlapdLog: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let ended = DispatchSemaphore(value: 0)
    private static let limit = 64 * 1024

    var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }

    /// Reads `fd` on a new thread until it ends, then closes it.
    func drain(fd: Int32) {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                append(buffer[0..<count])
            }
            close(fd)
            ended.signal()
        }
        thread.name = "slapd-output"
        thread.start()
    }

    /// Waits (at most `timeout` seconds) until the pipe has ended.
    func waitForEnd(timeout: TimeInterval) {
        if ended.wait(timeout: .now() + timeout) == .success { ended.signal() }
    }

    private func append(_ bytes: ArraySlice<UInt8>) {
        lock.withLock {
            data.append(contentsOf: bytes)
            if data.count > Self.limit { data.removeFirst(data.count - Self.limit) }
        }
    }
}

/// The slapd processes and folders still alive in this test process, killed and removed
/// when it exits normally (a server kept in a static or global is never deinitialized).
enum SlapdLeftovers {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var pids: Set<Int32> = []
    nonisolated(unsafe) private static var folders: Set<String> = []
    private static let installed: Void = {
        atexit { SlapdLeftovers.cleanUp() }
    }()

    static func add(pid: Int32) {
        _ = installed
        lock.withLock { _ = pids.insert(pid) }
    }

    static func remove(pid: Int32) { lock.withLock { _ = pids.remove(pid) } }

    static func add(folder: String) {
        _ = installed
        lock.withLock { _ = folders.insert(folder) }
    }

    static func remove(folder: String) { lock.withLock { _ = folders.remove(folder) } }

    private static func cleanUp() {
        let (pids, folders) = lock.withLock { (Self.pids, Self.folders) }
        for pid in pids {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        for folder in folders { try? FileManager.default.removeItem(atPath: folder) }
    }
}
