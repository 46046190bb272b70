/// A JID's affiliation with a node (XEP-0060 §4.1), from most to least privileged.
public enum Affiliation: String, Hashable, Sendable, CaseIterable {
    case owner
    case publisher
    case publishOnly = "publish-only"
    case member
    case none
    case outcast

    /// §4.1 table: may publish items.
    public var mayPublish: Bool { self == .owner || self == .publisher || self == .publishOnly }
    /// §4.1 table: may retrieve items (publish-only and outcasts may not).
    public var mayRetrieve: Bool { self != .publishOnly && self != .outcast }
    /// §4.1 table: may retract items (owner any item, publisher its own: here any, as
    /// §7.2 leaves it to the service; publish-only its own).
    public var mayRetract: Bool { mayPublish }
}
