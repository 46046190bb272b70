import CLDAP
import Logging
import NIOPosix
import Synchronization

/// The connections of one role (searches as the service account, or user binds) and the
/// threads that use them: `poolSize` threads of a `NIOThreadPool`, each job taking a free
/// connection or opening one, so at most `poolSize` connections exist. libldap blocks, so
/// no job ever runs on an event loop or on the Swift cooperative pool.
final class LDAPConnectionPool: Sendable {
    /// What the connections of a pool are for.
    enum Role: String, Sendable {
        /// Searches, bound as `bind-dn` (or anonymous) when the connection opens.
        case search
        /// User binds; the connection stays bound as the last user.
        case bind
    }

    private struct State {
        var idle: [LDAPConnection] = []
        /// Jobs submitted and not finished (running or waiting for a thread).
        var inFlight = 0
        var isShutDown = false
    }

    let role: Role
    private let settings: LDAPSettings
    private let logger: Logger
    private let health: LDAPServerHealth
    private let size: Int
    private let threads: NIOThreadPool
    private let state = Mutex(State())

    init(role: Role, settings: LDAPSettings, health: LDAPServerHealth, logger: Logger) {
        self.role = role
        self.settings = settings
        self.health = health
        self.logger = logger
        self.size = max(1, settings.poolSize)
        self.threads = NIOThreadPool(numberOfThreads: size)
        threads.start()
    }

    /// Jobs submitted and not finished (running or waiting for a thread).
    var inFlight: Int { state.withLock { $0.inFlight } }

    static let shutDownError = LDAPError.operation(code: LDAP_UNAVAILABLE, message: "the LDAP directory is shut down")

    /// Runs `operation` on one of the pool's threads with a connection. Fails at once when
    /// the server was unreachable a moment ago, or when `maxWaiting` jobs already wait.
    func run<T: Sendable>(
        _ operation: @escaping @Sendable (LDAPConnection) throws(LDAPError) -> T
    ) async throws(LDAPError) -> T {
        try health.checkReachable()
        let refusal: LDAPError? = state.withLock { state in
            if state.isShutDown { return LDAPConnectionPool.shutDownError }
            let waiting = max(0, state.inFlight - size)
            if state.inFlight >= size + max(0, settings.maxWaiting) { return .busy(waiting: waiting) }
            state.inFlight += 1
            return nil
        }
        if let refusal { throw refusal }
        let result: Result<T, LDAPError> = await withCheckedContinuation { continuation in
            threads.submit { workState in
                let result: Result<T, LDAPError>
                switch workState {
                case .active: result = Result { () throws(LDAPError) -> T in try self.perform(operation) }
                case .cancelled: result = .failure(LDAPConnectionPool.shutDownError)
                }
                self.state.withLock { $0.inFlight -= 1 }
                continuation.resume(returning: result)
            }
        }
        return try result.get()
    }

    /// On a pool thread: takes a connection and runs `operation`. A connection that fails
    /// at the connection level is discarded; when it was a reused one (the server may have
    /// restarted since), the operation is tried once more on a fresh connection.
    private func perform<T>(_ operation: (LDAPConnection) throws(LDAPError) -> T) throws(LDAPError) -> T {
        try health.checkReachable()
        let (connection, reused) = try checkOut()
        do throws(LDAPError) {
            let value = try operation(connection)
            checkIn(connection)
            return value
        } catch where error.isConnectionLevel {
            connection.close()
            guard reused else { throw error }
            logger.debug(
                "LDAP connection failed, retrying on a fresh one",
                metadata: ["ldap.role": "\(role.rawValue)", "error": "\(error)"])
        } catch {
            checkIn(connection)
            throw error
        }
        let fresh = try open()
        do throws(LDAPError) {
            let value = try operation(fresh)
            checkIn(fresh)
            return value
        } catch {
            if error.isConnectionLevel { fresh.close() } else { checkIn(fresh) }
            throw error
        }
    }

    private func checkOut() throws(LDAPError) -> (LDAPConnection, reused: Bool) {
        if let idle = state.withLock({ $0.idle.popLast() }) { return (idle, true) }
        return (try open(), false)
    }

    private func checkIn(_ connection: LDAPConnection) {
        let keep = state.withLock { state in
            guard !state.isShutDown else { return false }
            state.idle.append(connection)
            return true
        }
        if !keep { connection.close() }
    }

    private func open() throws(LDAPError) -> LDAPConnection {
        do throws(LDAPError) {
            let connection = try LDAPConnection.open(settings: settings, bindAsService: role == .search)
            health.connectionOpened()
            logger.debug(
                "LDAP connection opened",
                metadata: ["ldap.uri": "\(settings.uri)", "ldap.role": "\(role.rawValue)"])
            return connection
        } catch {
            switch error {
            case .unreachable, .timeout: health.markUnreachable()
            default: break
            }
            logger.warning(
                "LDAP connection failed",
                metadata: ["ldap.uri": "\(settings.uri)", "ldap.role": "\(role.rawValue)", "error": "\(error)"])
            throw error
        }
    }

    /// Unbinds the idle connections and stops the threads; connections in use are closed
    /// when their job ends, and jobs still queued fail.
    func shutdown() {
        let idle: [LDAPConnection]? = state.withLock { state in
            guard !state.isShutDown else { return nil }
            state.isShutDown = true
            defer { state.idle = [] }
            return state.idle
        }
        guard let idle else { return }
        for connection in idle { connection.close() }
        threads.shutdownGracefully { _ in }
    }
}
