import Logging
import ParleyCore

/// The web presence component (the seed's exmpp `web_status`, finished), written against
/// the model: the same object runs in process and as an external XEP-0114 component,
/// only the `ComponentLink` differs.
///
/// Presence of registered users is recorded on the board as it arrives (cheap, one lock).
/// IQs, subscriptions, probes and link changes wait in a bounded inbox and are handled
/// in order by one task (`WebStatusDesk`), which writes the store before it answers:
/// `deliver` never blocks, and a full inbox is a refusal (service-unavailable to the sender).
public final class WebStatusComponent: ComponentHandler {
    public let protocolFamily = ProtocolFamily.xmpp
    public let board: StatusBoard
    private let inbox: AsyncStream<Work>.Continuation

    /// One unit of work for the desk.
    enum Work: Sendable {
        case query(Query)
        case subscription(UserID, SubscriptionRequest)
        case probe(UserID)
        case linkEstablished
        /// Resumes when everything before it was handled.
        case barrier(CheckedContinuation<Void, Never>)
    }

    /// The inbox was full: the sender is told the component cannot take it now.
    struct Busy: Error {}

    public init(
        link: any ComponentLink, board: StatusBoard, store: RegistrationStore, settings: WebStatusSettings,
        pages: PageAddress, logger: Logger
    ) {
        self.board = board
        let (work, inbox) = AsyncStream.makeStream(
            of: Work.self, bufferingPolicy: .bufferingOldest(max(1, settings.queueLimit)))
        self.inbox = inbox
        let desk = WebStatusDesk(
            link: link, board: board, store: store, settings: settings, pages: pages, logger: logger)
        Task {
            for await item in work { await desk.handle(item) }
        }
    }

    deinit { inbox.finish() }

    public func deliver(_ event: ChatEvent, to: Address) throws {
        switch event {
        case .presence(let from, let presence):
            board.observe(presence, from: from)
        case .query(let query) where query.kind.isRequest:
            try enqueue(.query(query))
        case .subscription(let from, let request):
            try enqueue(.subscription(from, request))
        case .probe(let from):
            try enqueue(.probe(from))
        default:
            break  // messages, IQ answers, errors: nothing here waits for them, and nothing loops
        }
    }

    public func linkEstablished() async {
        _ = inbox.yield(.linkEstablished)
    }

    /// Waits until everything delivered before this call has been handled.
    public func settle() async {
        await withCheckedContinuation { continuation in
            if case .dropped = inbox.yield(.barrier(continuation)) { continuation.resume() }
        }
    }

    private func enqueue(_ work: Work) throws {
        switch inbox.yield(work) {
        case .enqueued: return
        case .dropped, .terminated: throw Busy()
        @unknown default: throw Busy()
        }
    }
}
