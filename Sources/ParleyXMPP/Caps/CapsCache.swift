import Synchronization

/// What the server has learnt of clients' features, by XEP-0115 verification string: one
/// disco#info query per `ver` (§6.3), shared by every client that sends it, kept only when
/// the answer hashes to that `ver` (§5.4: a forged answer cannot poison the cache).
/// Bounded: the oldest entries go first. Thread-safe.
public final class CapsCache: Sendable {
    /// The most verification strings kept (a client software's version is one).
    public let capacity: Int

    private struct State {
        var features: [String: Set<String>] = [:]
        /// Insertion order, for eviction.
        var order: [String] = []
        /// Asked and not yet answered.
        var asked: Set<String> = []
    }
    private let state = Mutex(State())

    public init(capacity: Int = 10_000) {
        self.capacity = max(1, capacity)
    }

    /// The features of clients that send `ver`, when learnt.
    public func features(for ver: String) -> Set<String>? {
        state.withLock { $0.features[ver] }
    }

    /// Whether the server should ask a client that sent `caps` for its disco#info now:
    /// true once per unknown `ver` until it is answered or `forget(asked:)` is called.
    public func shouldAsk(_ caps: EntityCapabilities) -> Bool {
        guard caps.hash == "sha-1" else { return false }
        return state.withLock { state in
            guard state.features[caps.ver] == nil, !state.asked.contains(caps.ver), state.asked.count < capacity else {
                return false
            }
            state.asked.insert(caps.ver)
            return true
        }
    }

    /// The question about `caps` got no usable answer (an error, a timeout): another
    /// client sending the same `ver` may be asked.
    public func forget(asked caps: EntityCapabilities) {
        _ = state.withLock { $0.asked.remove(caps.ver) }
    }

    /// Records `info` as what clients sending `caps` support, if it hashes to `caps.ver`;
    /// returns whether it did.
    @discardableResult
    public func learn(_ caps: EntityCapabilities, info: DiscoInfo) -> Bool {
        let verified = caps.hash == "sha-1" && EntityCapabilities.verificationString(of: info) == caps.ver
        return state.withLock { state in
            state.asked.remove(caps.ver)
            guard verified, state.features[caps.ver] == nil else { return verified }
            if state.order.count >= capacity {
                let evicted = state.order.prefix(max(1, capacity / 10))
                for ver in evicted { state.features[ver] = nil }
                state.order.removeFirst(evicted.count)
            }
            state.features[caps.ver] = Set(info.features)
            state.order.append(caps.ver)
            return true
        }
    }

    /// The nodes a client with `features` wants notifications of (XEP-0163 §4, the
    /// "+notify" convention of XEP-0060 §9.2: `urn:xmpp:avatar:metadata+notify`).
    public static func notifyNodes(_ features: Set<String>) -> Set<String> {
        let suffix = "+notify"
        return Set(features.compactMap { $0.hasSuffix(suffix) && $0.count > suffix.count ? String($0.dropLast(suffix.count)) : nil })
    }
}
