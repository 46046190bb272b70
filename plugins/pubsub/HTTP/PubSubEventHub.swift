import Synchronization

/// The readers of nodes' server-sent event streams. Each event is rendered once and
/// handed to every reader of its node through a bounded buffer (`bufferedEvents`); a
/// reader whose buffer is full is dropped (its stream ends and its `drop` closes the
/// connection) rather than buffered without limit. At most `maximumStreams` are open at
/// once, over every node.
public final class PubSubEventHub: Sendable {
    public let maximumStreams: Int
    public let bufferedEvents: Int
    private let state = Mutex(State())

    private struct State {
        var readers: [String: [UInt64: Reader]] = [:]
        var count = 0
        var lastID: UInt64 = 0
    }

    private struct Reader {
        let continuation: AsyncStream<[UInt8]>.Continuation
        let drop: @Sendable () -> Void
    }

    /// One reader's stream, and how to end it (when its connection closes).
    public struct Follower: Sendable {
        public let stream: AsyncStream<[UInt8]>
        let continuation: AsyncStream<[UInt8]>.Continuation

        /// Ends the stream and frees its place.
        public func end() { continuation.finish() }
    }

    public init(maximumStreams: Int, bufferedEvents: Int) {
        self.maximumStreams = maximumStreams
        self.bufferedEvents = max(1, bufferedEvents)
    }

    /// A new reader of `node`'s events; nil when `maximumStreams` are open. `drop` is
    /// called when the reader falls `bufferedEvents` behind.
    public func follow(_ node: String, drop: @escaping @Sendable () -> Void) -> Follower? {
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream(
            bufferingPolicy: .bufferingOldest(bufferedEvents))
        let id: UInt64? = state.withLock { state in
            guard state.count < maximumStreams else { return nil }
            state.lastID += 1
            state.count += 1
            state.readers[node, default: [:]][state.lastID] = Reader(continuation: continuation, drop: drop)
            return state.lastID
        }
        guard let id else { return nil }
        continuation.onTermination = { [weak self] _ in self?.remove(node, id) }
        return Follower(stream: stream, continuation: continuation)
    }

    /// Streams open now.
    public var count: Int { state.withLock { $0.count } }

    /// Hands `event` to `node`'s readers; a deletion ends their streams after it.
    public func send(_ event: PubSubFeedEvent, node: String) {
        let readers = state.withLock { $0.readers[node].map { Array($0.values) } ?? [] }
        guard !readers.isEmpty else { return }
        let bytes = PubSubFeedRenderer.event(event, node: node)
        // Outside the lock: finishing a stream runs its onTermination, which takes it.
        for reader in readers {
            if case .dropped = reader.continuation.yield(bytes) {
                reader.continuation.finish()
                reader.drop()
            } else if event == .deleted {
                reader.continuation.finish()
            }
        }
    }

    private func remove(_ node: String, _ id: UInt64) {
        state.withLock { state in
            guard state.readers[node]?.removeValue(forKey: id) != nil else { return }
            state.count -= 1
            if state.readers[node]?.isEmpty == true { state.readers[node] = nil }
        }
    }
}
