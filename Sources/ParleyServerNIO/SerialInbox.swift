import DequeModule
import NIOCore

/// The serial inbox of one connection: input items run one at a time and in order (one may
/// await the model while later ones wait), and it says when too much waits: `isCongested`
/// turns on when `limit` items wait and off again once half of them have drained, so a
/// connection pauses reading (`ReadPause`) and the peer's TCP window fills instead of our
/// memory. A value type; the connection actor owns it. Inlinable, so that each connection
/// type gets it specialized: it sits on every connection's per-stanza path.
public struct SerialInbox<Item> {
    @usableFromInline var waiting = Deque<Item>()
    @usableFromInline var _busy = false
    /// An item is being handled (its work may be awaiting something).
    @inlinable public var busy: Bool { _busy }
    /// Items waiting at which the inbox becomes congested.
    public let limit: Int
    @usableFromInline var _isCongested = false
    /// Too much waits: reading should pause (hysteresis: on at `limit`, off at half of it).
    @inlinable public var isCongested: Bool { _isCongested }

    @inlinable
    public init(limit: Int) {
        precondition(limit > 0)
        self.limit = limit
    }

    /// Items waiting, not counting the one being handled.
    @inlinable
    public var count: Int { waiting.count }
    @inlinable
    public var isEmpty: Bool { waiting.isEmpty }

    /// Adds an item at the end; true when nothing was being handled: the inbox is then busy
    /// and the caller starts handling (`next()` until nil). Later pushes return false until
    /// it is idle again, so one connection never runs two handling loops at once.
    @inlinable
    public mutating func push(_ item: Item) -> Bool {
        waiting.append(item)
        if waiting.count >= limit { _isCongested = true }
        guard !_busy else { return false }
        _busy = true
        return true
    }

    /// The next item to handle, marking the inbox busy; nil (and not busy) when empty.
    @inlinable
    public mutating func next() -> Item? {
        guard let item = waiting.popFirst() else {
            // The storage stays for the next burst (one allocation per burst would cost
            // every message); `compact()` drops it from an idle connection.
            _busy = false
            return nil
        }
        _busy = true
        if isCongested, waiting.count <= limit / 2 { _isCongested = false }
        return item
    }

    /// The first waiting item, left in place.
    @inlinable
    public var first: Item? { waiting.first }

    /// Marks the inbox busy without taking an item (work that holds later items back).
    @inlinable
    public mutating func hold() {
        _busy = true
    }

    /// Work on the item handled last is done; the caller takes the next one with `next()`.
    @inlinable
    public mutating func finished() {
        _busy = false
        if waiting.isEmpty { waiting = Deque() }
    }

    @usableFromInline var _readingPaused = false
    /// Whether this inbox has paused its channel's reads (`updateReading(of:)`).
    @inlinable public var readingPaused: Bool { _readingPaused }

    /// Pauses or resumes reading from `channel` as congestion starts or ends; call it after
    /// `push` and `next` (on the channel's event loop).
    @inlinable
    public mutating func updateReading(of channel: any Channel) {
        updateReading { ReadPause.set($0, on: channel) }
    }

    /// The same for a transport that is not one channel: `pause(true)` when congestion
    /// starts, `pause(false)` when it ends.
    @inlinable
    public mutating func updateReading(_ pause: (Bool) -> Void) {
        guard isCongested != readingPaused else { return }
        _readingPaused = isCongested
        pause(readingPaused)
    }

    /// Drops the queue's storage when nothing waits and nothing is handled (an idle
    /// connection keeps no queue memory); called by the connection's idle check.
    @inlinable
    public mutating func compact() {
        if waiting.isEmpty, !_busy { waiting = Deque() }
    }

    /// Drops everything waiting (the connection is closing).
    @inlinable
    public mutating func removeAll() {
        waiting = Deque()
        _isCongested = false
    }
}
