/// A request or its answer between two sessions, routed by the model without looking
/// inside: an XMPP IQ (RFC 6120 §8.2.3) between clients, or any protocol's equivalent.
/// The payloads carry the request in its native form.
public struct Query: Sendable, Equatable {
    /// The four IQ types: requests expect exactly one answer.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case get, set, result, error

        /// Whether this kind is a request that must be answered.
        public var isRequest: Bool { self == .get || self == .set }
    }

    /// The requester's id, echoed by the answer.
    public var id: String
    public var kind: Kind
    public var from: Address
    /// Queries go to one session: the model never picks a session for a request.
    public var to: SessionID
    public var payloads: [ExtensionPayload]

    public init(id: String, kind: Kind, from: Address, to: SessionID, payloads: [ExtensionPayload] = []) {
        self.id = id
        self.kind = kind
        self.from = from
        self.to = to
        self.payloads = payloads
    }
}
