import Foundation

/// Runs a program to completion for the end-to-end tests, reading its standard output and
/// standard error while it runs (so a chatty one cannot block), optionally with a deadline.
public enum ChildProcess {
    /// What a finished program left: its exit status and everything it wrote.
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: Data
        public let stderr: Data
        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// The program did not finish within the time allowed (it was killed by its pid).
    public struct TimedOut: Error {}

    /// Runs `executable arguments` with `input` on standard input (or /dev/null when nil) and
    /// `environment` (this process's when nil); waits at most `timeout` seconds for both
    /// pipes to end, then kills it and throws `TimedOut`.
    public static func run(
        _ executable: String, _ arguments: [String], input: String? = nil, environment: [String: String]? = nil,
        timeout: TimeInterval? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        let outData = LockedData()
        let errData = LockedData()
        let group = DispatchGroup()
        for (pipe, sink) in [(stdout, outData), (stderr, errData)] {
            group.enter()
            DispatchQueue.global().async {
                sink.set(pipe.fileHandleForReading.readDataToEndOfFile())
                group.leave()
            }
        }
        if group.wait(timeout: timeout.map { .now() + $0 } ?? .distantFuture) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TimedOut()
        }
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: outData.get(), stderr: errData.get())
    }

    /// `run` on a dispatch thread, for async tests: waiting for the program never holds
    /// one of the cooperative pool's threads (two on this machine), which an in-process
    /// server under test needs in order to answer the program.
    public static func runDetached(
        _ executable: String, _ arguments: [String], input: String? = nil, environment: [String: String]? = nil,
        timeout: TimeInterval? = nil
    ) async throws -> Result {
        try await offThePool { try run(executable, arguments, input: input, environment: environment, timeout: timeout) }
    }

    final class LockedData: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func set(_ value: Data) { lock.withLock { data = value } }
        func get() -> Data { lock.withLock { data } }
    }
}

/// Runs `body`, which blocks (waits for a process, sleeps), on a dispatch thread, so that an
/// async test waiting for it does not hold one of the cooperative pool's threads (two on
/// this machine), which in-process clients and servers need to make progress.
public func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}

/// A loopback TCP port that was free a moment ago (the kernel's pick for port 0).
public func freePort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else { throw TestFailure("no free port") }
    return UInt16(bigEndian: address.sin_port)
}
