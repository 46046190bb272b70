import Logging
import ParleyLDAP
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` in its own task and waits at most `seconds` for it: nil means it did not
/// return in time (the test then fails instead of hanging).
func within<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () async -> T) async -> T? {
    let waiter = Waiter<T>()
    return await withCheckedContinuation { continuation in
        waiter.slot.withLock { $0 = continuation }
        Task {
            let value = await body()
            waiter.resume(value)
        }
        Task {
            try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            waiter.resume(nil)
        }
    }
}

/// Whichever of `within`'s two tasks finishes first resumes the caller.
private final class Waiter<T: Sendable>: Sendable {
    let slot = Mutex<CheckedContinuation<T?, Never>?>(nil)
    func resume(_ value: T?) { slot.withLock { $0.take() }?.resume(returning: value) }
}

/// The outcome of a directory call as a value, for `#expect` on the error case.
func outcome<T: Sendable>(_ body: () async throws(LDAPError) -> T) async -> Result<T, LDAPError> {
    do throws(LDAPError) {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

let testLogger = Logger(label: "parley.ldap.tests")

/// A TCP socket on 127.0.0.1 that listens but never accepts or answers: the kernel
/// completes connections into its backlog, and nothing is ever read.
final class SilentListener: @unchecked Sendable {
    let port: UInt16
    private let descriptor: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ListenerError.socket }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw ListenerError.socket
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        descriptor = fd
        port = UInt16(bigEndian: address.sin_port)
    }

    deinit { close(descriptor) }

    enum ListenerError: Error { case socket }
}

/// A port on 127.0.0.1 that nothing listens on (bound once, then released): connecting
/// is refused.
func refusedPort() throws -> UInt16 {
    let listener = try SilentListener()
    return listener.port
}
