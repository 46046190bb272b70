import Logging
import ParleyCore
import ParleyXML
import ParleyXMPP

/// The component's serial worker: answers IQs (XEP-0030 disco, XEP-0077 registration),
/// keeps the store and the board in step, and manages the presence subscriptions with
/// registered users (RFC 6121 §3). Runs on one task, one unit of work at a time.
struct WebStatusDesk: Sendable {
    let link: any ComponentLink
    let board: StatusBoard
    let store: RegistrationStore
    let settings: WebStatusSettings
    let pages: PageAddress
    let logger: Logger
    let codec = XMPPExtensionCodec()

    /// The component's own address (its bare domain).
    var me: UserID { UserID(localpart: "", domain: link.domain) }

    /// The presence the component shows its subscribers.
    static let ownPresence = Presence(.available, status: "Web presence")

    func handle(_ work: WebStatusComponent.Work) async {
        switch work {
        case .query(let query):
            await answer(query)
        case .subscription(let user, let request):
            await subscription(request, from: user)
        case .probe(let user):
            // RFC 6121 §4.3: anyone may see the component; it answers every probe.
            await send(.presence(Self.ownPresence, from: SessionID(user: me, resource: ""), to: .user(user)))
        case .linkEstablished:
            await linkEstablished()
        case .barrier(let continuation):
            continuation.resume()
        }
    }

    /// After a start or a reconnect: what was known about presence is stale, so every
    /// registered user is probed again (RFC 6121 §4.3); the answers fill the board.
    private func linkEstablished() async {
        board.forgetAllPresence()
        let users = board.registrations.all.map(\.user)
        logger.info("web-status probing registered users", metadata: ["count": "\(users.count)"])
        for user in users { await send(.probe(from: me, to: user)) }
    }

    /// RFC 6121 §3: a user's subscription requests and answers.
    private func subscription(_ request: SubscriptionRequest, from user: UserID) async {
        switch request {
        case .subscribe:
            // §3.1.5: granted to anyone, followed by the component's presence.
            await send(.subscription(.subscribed, from: me, to: user))
            await send(.presence(Self.ownPresence, from: SessionID(user: me, resource: ""), to: .user(user)))
        case .unsubscribed:
            // §3.2: the user revoked (or refused) the component's subscription: its page
            // shows offline until the user grants it again.
            board.forgetPresence(of: user)
        case .subscribed, .unsubscribe:
            break  // the presence that follows a grant arrives by itself
        }
    }

    /// Sends `traffic`; a failure is logged, never fatal (the peer may be gone).
    func send(_ traffic: ComponentTraffic) async {
        do {
            try await link.send(traffic)
        } catch {
            logger.debug("web-status send failed", metadata: ["error": "\(error)"])
        }
    }
}
