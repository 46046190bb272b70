import ParleyComponent
import ParleyCore

/// The component as the chat service (or the XEP-0114 connector) sees it: `deliver` never
/// waits; IQ requests and messages to the service go into a bounded inbox that one task
/// empties in order into the `PubSubDesk`. A full inbox is a refusal (the sender of a
/// request gets `service-unavailable`).
final class PubSubComponent: ComponentHandler {
    let protocolFamily = ProtocolFamily.xmpp
    private let inbox: ComponentInbox<Work>

    /// One unit of work for the desk.
    enum Work: Sendable {
        case query(Query)
        case message(Message)
    }

    init(desk: PubSubDesk, queueLimit: Int) {
        inbox = ComponentInbox(limit: queueLimit) { await desk.handle($0) }
    }

    func deliver(_ event: ChatEvent, to: Address) throws {
        switch event {
        case .query(let query) where query.kind.isRequest:
            try inbox.enqueue(.query(query))
        case .message(let message) where message.kind == .normal:
            // §8.6: an owner's answer to a subscription authorization form.
            try inbox.enqueue(.message(message))
        default:
            break  // presence, answers, errors, headlines: nothing waits for them, nothing loops
        }
    }

    /// Waits until everything delivered before this call has been handled (for tests).
    func settle() async { await inbox.settle() }
}
