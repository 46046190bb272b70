import NIOCore
import Synchronization

/// The open connections of one listener, for its timers and its shutdown: a connection
/// is tracked when its channel is set up and forgotten when the channel goes inactive.
public final class ConnectionRegistry<Connection: XMPPStreamConnection>: Sendable {
    private let connections = Mutex<[ObjectIdentifier: Connection]>([:])

    public init() {}

    public func track(_ connection: Connection) {
        connections.withLock { $0[ObjectIdentifier(connection)] = connection }
    }

    public func forget(_ connection: Connection) {
        _ = connections.withLock { $0.removeValue(forKey: ObjectIdentifier(connection)) }
    }

    /// Every open connection, in no particular order.
    public var open: [Connection] { connections.withLock { Array($0.values) } }

    /// The open connections whose channel runs on `loop`.
    public func connections(on loop: any EventLoop) -> [Connection] {
        connections.withLock { $0.values.filter { $0.channel.eventLoop === loop } }
    }
}
