/// The service's bounds: what a request past them gets is the XEP-0060 error named by
/// each field. Values outside a field's range are clamped to it.
public struct PubSubLimits: Hashable, Sendable {
    /// Bytes of one item's serialized payload, 1 KiB…1 MiB (default 64 KiB); past it:
    /// `not-acceptable` + `payload-too-big` (§7.1.3.4).
    public var maximumPayloadBytes: Int
    /// Bytes of a NodeID, 1…1024 (default 256); past it: `not-acceptable`.
    public var maximumNodeIDBytes: Int
    /// Bytes of an ItemID, 1…1024 (default 256); past it: `not-acceptable`.
    public var maximumItemIDBytes: Int
    /// The largest `pubsub#max_items` a node may have, 1…10,000 (default 1,000).
    public var maximumItemsPerNode: Int
    /// Nodes one bare JID may own, 1…100,000 (default 100); past it: `policy-violation` +
    /// `max-nodes-exceeded` (§8.1.1 leaves the condition to the service).
    public var maximumNodesPerOwner: Int
    /// Nodes on the service, 1…1,000,000 (default 10,000); past it: `resource-constraint`.
    public var maximumNodes: Int
    /// Subscriptions of one node, 1…1,000,000 (default 100,000); past it: `policy-violation` +
    /// `too-many-subscriptions` (§6.1.3.9).
    public var maximumSubscriptionsPerNode: Int
    /// Bytes of stored payloads on the whole service, 64 KiB…64 GiB (default 256 MiB); a
    /// publish that would store more: `resource-constraint` (XEP-0060 names no condition).
    public var maximumStoredBytes: Int

    public init(
        maximumPayloadBytes: Int = 64 * 1024, maximumNodeIDBytes: Int = 256, maximumItemIDBytes: Int = 256,
        maximumItemsPerNode: Int = 1000, maximumNodesPerOwner: Int = 100, maximumNodes: Int = 10_000,
        maximumSubscriptionsPerNode: Int = 100_000, maximumStoredBytes: Int = 256 * 1024 * 1024
    ) {
        self.maximumPayloadBytes = min(max(maximumPayloadBytes, 1024), 1024 * 1024)
        self.maximumNodeIDBytes = min(max(maximumNodeIDBytes, 1), 1024)
        self.maximumItemIDBytes = min(max(maximumItemIDBytes, 1), 1024)
        self.maximumItemsPerNode = min(max(maximumItemsPerNode, 1), 10_000)
        self.maximumNodesPerOwner = min(max(maximumNodesPerOwner, 1), 100_000)
        self.maximumNodes = min(max(maximumNodes, 1), 1_000_000)
        self.maximumSubscriptionsPerNode = min(max(maximumSubscriptionsPerNode, 1), 1_000_000)
        self.maximumStoredBytes = min(max(maximumStoredBytes, 64 * 1024), 64 * 1024 * 1024 * 1024)
    }

    /// Whether `id` may name a node or an item: 1…`limit` bytes of UTF-8 without control
    /// characters (NUL included) and without a `..` path segment (`../x`, `x/..`). It never
    /// becomes a path as it is (the store encodes it), but a name that looks like a path
    /// trick is refused anyway.
    public static func isAcceptableID(_ id: String, limit: Int) -> Bool {
        !id.isEmpty && id.utf8.count <= limit
            && !id.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0.properties.generalCategory == .control }
            && !id.split(separator: "/", omittingEmptySubsequences: false).contains("..")
    }
}
