import ParleyCore
import Synchronization

/// A `ComponentLink` for tests that keeps what a component posts and sends nowhere.
public final class RecordingComponentLink: ComponentLink {
    public let domain: String
    private let posted = Mutex<[ComponentTraffic]>([])

    public init(domain: String) {
        self.domain = domain
    }

    public func send(_ message: Message) async throws(DeliveryError) { post(.message(message)) }
    public func send(_ query: Query) async throws(DeliveryError) { post(.query(query)) }
    public func sendPresence(_ presence: Presence, from: SessionID, to: Address) async throws(DeliveryError) {
        post(.presence(presence, from: from, to: to))
    }
    public func sendSubscription(_ request: SubscriptionRequest, from: UserID, to: UserID) async throws(DeliveryError) {
        post(.subscription(request, from: from, to: to))
    }
    public func probe(_ user: UserID, from: UserID) async throws(DeliveryError) { post(.probe(from: from, to: user)) }
    public func post(_ traffic: ComponentTraffic) { posted.withLock { $0.append(traffic) } }

    /// Everything posted or sent, in order.
    public var traffic: [ComponentTraffic] { posted.withLock { $0 } }
}
