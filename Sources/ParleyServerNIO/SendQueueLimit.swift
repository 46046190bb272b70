import NIOCore
import Synchronization

/// The bound on what a client that does not read may leave waiting to be written (its
/// send queue, IRC's "SendQ"): past `bytes`, the listener cuts the client off, so a slow
/// reader costs bounded memory and never holds a room back. Checked on the channel's loop
/// after each flush, and only while the channel is above its high-water mark.
public struct SendQueueLimit: Sendable {
    public let bytes: Int

    /// The default of every listener: room history and a large room's member list fit.
    public static let defaultBytes = 1 << 20

    public init(bytes: Int = Self.defaultBytes) {
        self.bytes = bytes
    }

    /// Whether `channel` holds more than `bytes` not yet taken by the socket; on its loop.
    public func isExceeded(by channel: any Channel) -> Bool {
        guard !channel.isWritable else { return false }
        let buffered = (try? channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        return buffered > bytes
    }
}

/// Set when the server cut a client off on purpose (its send queue overflowed): the
/// client's session mind then drops what the model still sends, instead of reporting the
/// session unreachable, until the session closes with its reason — so its rooms tell the
/// others why it left ("Max SendQ exceeded"), not "connection lost".
public final class CutOffFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public func set() { flag.store(true, ordering: .relaxed) }

    public var isSet: Bool { flag.load(ordering: .relaxed) }
}
