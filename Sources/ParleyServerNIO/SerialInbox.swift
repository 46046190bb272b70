import DequeModule
import NIOCore

/// The serial inbox of one connection: input items run one at a time and in order (one may
/// await the model while later ones wait), and it says when too much waits: `isCongested`
/// turns on when `limit` items wait and off again once half of them have drained, so a
/// connection pauses reading (`ReadPause`) and the peer's TCP window fills instead of our
/// memory. A value type; the connection actor owns it.
public struct SerialInbox<Item> {
    private var waiting = Deque<Item>()
    /// An item is being handled (its work may be awaiting something).
    public private(set) var busy = false
    /// Items waiting at which the inbox becomes congested.
    public let limit: Int
    /// Too much waits: reading should pause (hysteresis: on at `limit`, off at half of it).
    public private(set) var isCongested = false

    public init(limit: Int) {
        precondition(limit > 0)
        self.limit = limit
    }

    /// Items waiting, not counting the one being handled.
    public var count: Int { waiting.count }
    public var isEmpty: Bool { waiting.isEmpty }

    /// Adds an item at the end; true when nothing is being handled, so the caller starts
    /// handling (`next()`).
    public mutating func push(_ item: Item) -> Bool {
        waiting.append(item)
        if waiting.count >= limit { isCongested = true }
        return !busy
    }

    /// The next item to handle, marking the inbox busy; nil (and not busy) when empty.
    public mutating func next() -> Item? {
        guard let item = waiting.popFirst() else {
            busy = false
            // An idle connection keeps no queue storage.
            waiting = Deque()
            return nil
        }
        busy = true
        if isCongested, waiting.count <= limit / 2 { isCongested = false }
        return item
    }

    /// The first waiting item, left in place.
    public var first: Item? { waiting.first }

    /// Marks the inbox busy without taking an item (work that holds later items back).
    public mutating func hold() {
        busy = true
    }

    /// Work on the item handled last is done; the caller takes the next one with `next()`.
    public mutating func finished() {
        busy = false
        if waiting.isEmpty { waiting = Deque() }
    }

    /// Whether this inbox has paused its channel's reads (`updateReading(of:)`).
    public private(set) var readingPaused = false

    /// Pauses or resumes reading from `channel` as congestion starts or ends; call it after
    /// `push` and `next` (on the channel's event loop).
    public mutating func updateReading(of channel: any Channel) {
        guard isCongested != readingPaused else { return }
        readingPaused = isCongested
        ReadPause.set(readingPaused, on: channel)
    }

    /// Drops everything waiting (the connection is closing).
    public mutating func removeAll() {
        waiting = Deque()
        isCongested = false
    }
}
