/// What one HTTP response of a BOSH session carries, before it is wrapped in its `<body/>`
/// (`BOSHBodyWriter`): the stream's bytes queued for the client (each a whole element that
/// stands alone, qualified by its namespace), and whether the session ends with it.
public struct BOSHResponse: Sendable, Equatable {
    public var payload: [UInt8]
    /// Whether this is `<body type='terminate'/>` (XEP-0124 §13, §17.2).
    public var terminates: Bool
    /// The terminal condition; nil for an orderly end.
    public var condition: BOSHCondition?
    /// Whether this answers the session creation request (§7.2: it carries the session's
    /// attributes).
    public var creation: Bool

    public init(payload: [UInt8] = [], terminates: Bool = false, condition: BOSHCondition? = nil, creation: Bool = false) {
        self.payload = payload
        self.terminates = terminates
        self.condition = condition
        self.creation = creation
    }

    /// An empty `<body/>` (a held request whose `wait` is over, §8).
    public static let empty = BOSHResponse()

    /// `<body type='terminate' condition='…'/>`.
    public static func terminate(_ condition: BOSHCondition?, payload: [UInt8] = []) -> BOSHResponse {
        BOSHResponse(payload: payload, terminates: true, condition: condition)
    }
}
