/// The presence-subscription state of one contact in a user's contact list, as in
/// RFC 6121 §3 and Appendix A: whether each side sees the other's presence, and which
/// requests are still waiting for an answer.
///
/// `to`: the user receives the contact's presence. `from`: the contact receives the
/// user's presence. `pendingOut`: the user asked to see the contact and has no answer yet.
/// `pendingIn`: the contact asked to see the user and the user has not answered.
public struct Subscription: Hashable, Sendable, CustomStringConvertible {
    public private(set) var to: Bool
    public private(set) var from: Bool
    public private(set) var pendingOut: Bool
    public private(set) var pendingIn: Bool
    /// The user approved a request before it arrived (RFC 6121 §3.4, pre-approval).
    public private(set) var preApproved: Bool

    /// A state; the invariants of Appendix A are enforced (`to` excludes `pendingOut`,
    /// `from` excludes `pendingIn` and `preApproved`).
    public init(
        to: Bool = false, from: Bool = false, pendingOut: Bool = false, pendingIn: Bool = false,
        preApproved: Bool = false
    ) {
        self.to = to
        self.from = from
        self.pendingOut = pendingOut && !to
        self.pendingIn = pendingIn && !from
        self.preApproved = preApproved && !from
    }

    /// "None": neither side sees the other and nothing is pending.
    public static let none = Subscription()

    /// The `subscription` attribute of an XMPP roster item (RFC 6121 §2.1.2.5).
    public var summary: String {
        switch (to, from) {
        case (true, true): "both"
        case (true, false): "to"
        case (false, true): "from"
        case (false, false): "none"
        }
    }

    public var description: String {
        var parts = [summary]
        if pendingOut { parts.append("pending-out") }
        if pendingIn { parts.append("pending-in") }
        if preApproved { parts.append("pre-approved") }
        return parts.joined(separator: "+")
    }

    /// One presence-subscription stanza seen from the side of the contact list that holds
    /// this state: sent by its owner (outbound) or received by its owner (inbound).
    public enum Event: Hashable, Sendable, CaseIterable {
        case outboundSubscribe, outboundSubscribed, outboundUnsubscribe, outboundUnsubscribed
        case inboundSubscribe, inboundSubscribed, inboundUnsubscribe, inboundUnsubscribed
    }

    /// What the server does with the stanza after the state changed.
    public enum Disposition: Hashable, Sendable {
        /// Route it on (outbound) or deliver it to the owner (inbound).
        case forward
        /// Drop it silently: it would not change anything (RFC 6121 §3.1.3, §3.2.2, …).
        case drop
        /// Answer it on the owner's behalf with `subscribed`: the contact already has, or was
        /// pre-approved for, a subscription (RFC 6121 §3.1.3 rule 2, §3.4).
        case autoApprove
    }

    /// Applies `event` following RFC 6121 Appendix A and says what to do with the stanza.
    public mutating func apply(_ event: Event) -> Disposition {
        let before = self
        switch event {
        // A.1 / §3.1.2: the user asks to see the contact; always routed.
        case .outboundSubscribe:
            if !to { pendingOut = true }
            return .forward
        // A.2.1 / §3.1.3: the contact asks to see the user.
        case .inboundSubscribe:
            if from { return .autoApprove }
            if preApproved {
                preApproved = false
                from = true
                pendingIn = false
                return .autoApprove
            }
            if pendingIn { return .drop }
            pendingIn = true
            return .forward
        // A.1 / §3.1.5: the user approves the contact's request, or pre-approves (§3.4).
        case .outboundSubscribed:
            if pendingIn {
                pendingIn = false
                from = true
                return .forward
            }
            if !from { preApproved = true }
            return .drop
        // A.2.2 / §3.1.6: the contact approved the user's request.
        case .inboundSubscribed:
            guard pendingOut else { return .drop }
            pendingOut = false
            to = true
            return .forward
        // A.1 / §3.3.2: the user stops seeing the contact; always routed.
        case .outboundUnsubscribe:
            to = false
            pendingOut = false
            return .forward
        // A.2.3 / §3.3.3: the contact stops seeing the user.
        case .inboundUnsubscribe:
            from = false
            pendingIn = false
            return self == before ? .drop : .forward
        // A.1 / §3.2.2: the user denies or revokes the contact's subscription.
        case .outboundUnsubscribed:
            from = false
            pendingIn = false
            preApproved = false
            return .forward
        // A.2.4 / §3.2.3: the contact denied or revoked the user's subscription.
        case .inboundUnsubscribed:
            to = false
            pendingOut = false
            return self == before ? .drop : .forward
        }
    }
}
