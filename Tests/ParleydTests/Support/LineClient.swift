import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP client that speaks lines, for driving text-chat from tests.
final class LineClient {
    private let fd: Int32
    private var buffer: [UInt8] = []

    init(port: UInt16, host: String = "127.0.0.1") throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw TestFailure("connect to \(host):\(port) failed")
        }
    }

    deinit { close(fd) }

    func send(_ line: String) {
        let bytes = Array((line + "\r\n").utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// The next line, or nil when the peer closed or nothing came within the timeout.
    func readLine() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                var line = Array(buffer[..<newline])
                buffer.removeFirst(newline + 1)
                if line.last == 13 { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            // A signal (SIGCHLD from another test's child process) interrupts a recv that has
            // SO_RCVTIMEO set even under SA_RESTART (signal(7)): read again, it is not the end.
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return nil }
            buffer += chunk[..<count]
        }
    }

    /// Reads lines until one satisfies `match`, skipping others; fails after the timeout.
    @discardableResult
    func expect(_ description: String = "a matching line", _ match: (String) -> Bool) throws -> String {
        var seen: [String] = []
        while let line = readLine() {
            if match(line) { return line }
            seen.append(line)
        }
        throw TestFailure("expected \(description); got \(seen)")
    }

    @discardableResult
    func expect(prefix: String) throws -> String {
        try expect("a line starting with '\(prefix)'") { $0.hasPrefix(prefix) }
    }

    /// True when the peer closed the connection (after any remaining lines).
    func readsToEnd() -> Bool {
        while readLine() != nil {}
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, 0) == 0
    }
}
