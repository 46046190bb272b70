import Synchronization

/// The open BOSH sessions of one listener by `sid`, at most `limit` at once (XEP-0124 §7.2:
/// the `sid` is the session's only credential, so it is random and long).
final class BOSHSessions: Sendable {
    let limit: Int
    private let sessions = Mutex<[String: BOSHTransport]>([:])

    init(limit: Int) {
        self.limit = limit
    }

    /// Adds `session` unless `limit` are open; false when full.
    func insert(_ session: BOSHTransport) -> Bool {
        sessions.withLock { sessions in
            guard sessions.count < limit else { return false }
            sessions[session.parameters.sid] = session
            return true
        }
    }

    func session(_ sid: String) -> BOSHTransport? { sessions.withLock { $0[sid] } }

    func remove(_ sid: String) { _ = sessions.withLock { $0.removeValue(forKey: sid) } }

    var count: Int { sessions.withLock { $0.count } }

    /// 128 random bits in hex, from the system's cryptographic generator.
    static func makeSID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let text = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }.joined()
    }
}
