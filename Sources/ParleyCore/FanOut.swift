/// Scratch space shared by the deliveries of one room event to many sessions, so that an
/// adapter renders the event once per variant (its wire bytes are the same for every
/// recipient with the same settings) instead of once per recipient, and defers work such as
/// flushing sockets to the end of the fan-out.
///
/// A room makes one for each event it sends to everyone, hands it to every mind with
/// `SessionMind.deliver(_:fanOut:)`, and calls the deferred work when the last mind has
/// been called. It is used on the room's executor only, for the length of one fan-out.
public final class FanOut: @unchecked Sendable {
    // Confined to the room's executor for one fan-out; never stored by minds.
    private var firstKey: ObjectIdentifier?
    private var first: AnyObject?
    private var memos: [ObjectIdentifier: AnyObject] = [:]
    private var deferred: [() -> Void] = []

    public init() {}

    /// The object an adapter keeps for this fan-out under `key`, made on first use. The
    /// key must stand for `T` alone: use `ObjectIdentifier(T.self)`.
    public func memo<T: AnyObject>(_ key: ObjectIdentifier, make: () -> T) -> T {
        // One adapter per fan-out is the common case: its object sits in the first slot.
        if key == firstKey, let first { return unsafeDowncast(first, to: T.self) }
        if let existing = memos[key] as? T { return existing }
        let made = make()
        if first == nil {
            firstKey = key
            first = made
        } else {
            memos[key] = made
        }
        return made
    }

    /// Runs `work` once every recipient got the event (for example one flush per socket or
    /// one hop per event loop instead of one per recipient).
    public func atEnd(_ work: @escaping () -> Void) {
        deferred.append(work)
    }

    /// Runs the deferred work in the order it was registered.
    public func finish() {
        let work = deferred
        deferred = []
        memos = [:]
        first = nil
        firstKey = nil
        for item in work { item() }
    }
}
