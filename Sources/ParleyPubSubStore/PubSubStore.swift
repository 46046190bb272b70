import ParleyCred
import ParleyPubSub
import ParleyXML
import Synchronization

/// The nodes of one publish-subscribe service on disk (docs/storage.md, `pubsub/`): one
/// folder per node, named by the node id's safe encoding (`FileSafeName`, never the raw
/// id), holding `node.conf` (configuration, affiliations, subscriptions) and
/// `items/<item>.conf` (one persisted item each). Every file is written atomically
/// (temporary file, fsync, rename, fsync of the directory) by `FlatFileSettingsStore`.
/// It takes any directory: `storage/pubsub/` for the component, a folder per account for PEP.
public final class PubSubStore: Sendable {
    public let directory: String
    public let limits: PubSubLimits
    private let root: FlatFileSettingsStore
    /// The `order` the next written item gets: one more than any read or written.
    private let nextOrder = Mutex<UInt64>(1)

    static let nodeKind = "pubsub-node"
    static let itemKind = "pubsub-item"
    static let nodeRecord = "node"
    static let itemsFolder = "items"
    /// `node.conf` holds every subscription: up to 32 MiB.
    static let nodeFileBytes = 32 * 1024 * 1024

    /// Opens (and creates when missing, mode 0700) the store in `directory`.
    public init(directory: String, limits: PubSubLimits) throws(PubSubStoreError) {
        self.directory = directory
        self.limits = limits
        do {
            root = try FlatFileSettingsStore(directory: directory, kind: "pubsub", maximumFileBytes: 4096)
        } catch {
            throw .store(error)
        }
    }

    /// An item file holds one payload, escaped (at most twice its size) and a few keys.
    var itemFileBytes: Int { limits.maximumPayloadBytes * 2 + 4096 }

    // MARK: Reading

    /// Every node with its persisted items (the newest `max_items`, oldest first). A folder
    /// without `node.conf` (a creation cut short) is skipped; temporary files a crash left
    /// behind are never read; a file that does not read back is an error naming it.
    public func load() throws(PubSubStoreError) -> [PubSubNode] {
        var nodes: [PubSubNode] = []
        var highest: UInt64 = 0
        do {
            for folder in try root.substores(kind: Self.nodeKind, maximumFileBytes: Self.nodeFileBytes) {
                guard var node = try readNode(folder) else { continue }
                let items = try folder.substore(Self.itemsFolder, kind: Self.itemKind, maximumFileBytes: itemFileBytes)
                var read: [(item: PublishedItem, order: UInt64)] = []
                for (path, record) in try items.loadAllWithPaths() {
                    let entry = try Self.decode(record, in: path) { (record) throws(PubSubRecords.Invalid) in
                        try PubSubRecords.item(from: record, limits: payloadLimits)
                    }
                    highest = max(highest, entry.order)
                    read.append(entry)
                }
                read.sort { $0.order < $1.order }
                let keep = node.configuration.persistItems ? node.configuration.maxItems : 0
                node.items = read.suffix(keep).map(\.item)
                nodes.append(node)
            }
        } catch {
            throw .store(error)
        }
        nextOrder.withLock { $0 = max($0, highest + 1) }
        return nodes
    }

    /// The node `folder` holds; nil when its `node.conf` never landed.
    private func readNode(_ folder: FlatFileSettingsStore) throws(StoreError) -> PubSubNode? {
        let record = try folder.load(Self.nodeRecord)
        guard !record.isEmpty else { return nil }
        let path = "\(folder.directory)/\(Self.nodeRecord).conf"
        let node = try Self.decode(record, in: path) { (record) throws(PubSubRecords.Invalid) in
            try PubSubRecords.node(from: record, maximumItems: limits.maximumItemsPerNode)
        }
        guard PubSubLimits.isAcceptableID(node.id, limit: limits.maximumNodeIDBytes) else {
            throw .corruptFile(path: path, line: 0, reason: "unacceptable node id")
        }
        return node
    }

    /// What `read` makes of `record`, or the file's error.
    private static func decode<T>(
        _ record: [String: String], in path: String, _ read: ([String: String]) throws(PubSubRecords.Invalid) -> T
    ) throws(StoreError) -> T {
        do {
            return try read(record)
        } catch {
            throw .corruptFile(path: path, line: 0, reason: error.reason)
        }
    }

    /// Payloads are parsed as stanzas are, with room for the largest one allowed.
    private var payloadLimits: XMLLimits {
        var limits = XMLLimits.default
        limits.maxStanzaBytes = max(limits.maxStanzaBytes, self.limits.maximumPayloadBytes * 2)
        limits.maxTextBytes = max(limits.maxTextBytes, self.limits.maximumPayloadBytes * 2)
        return limits
    }

    // MARK: Writing

    /// Writes what `changes` name, reading their current state from `service`, in order.
    /// Every id is checked before anything touches the disk.
    public func apply(_ changes: [PubSubChange], from service: PubSubService) throws(PubSubStoreError) {
        for change in changes {
            try check(node: change.node)
            switch change {
            case .item(_, let id), .itemRemoved(_, let id): try check(item: id)
            case .node, .nodeRemoved: break
            }
        }
        do {
            for change in changes { try write(change, from: service) }
        } catch {
            throw .store(error)
        }
    }

    private func write(_ change: PubSubChange, from service: PubSubService) throws(StoreError) {
        switch change {
        case .node(let id):
            guard let node = service.nodes[id] else { return }
            try folder(of: id).save(Self.nodeRecord, PubSubRecords.record(of: node))
        case .item(let nodeID, let id):
            guard let item = service.nodes[nodeID]?.item(id) else { return }
            let order = nextOrder.withLock { value in
                defer { value += 1 }
                return value
            }
            try items(of: nodeID).save(id, PubSubRecords.record(of: item, order: order))
        case .itemRemoved(let nodeID, let id):
            try items(of: nodeID).remove(id)
        case .nodeRemoved(let id):
            try folder(of: id).removeAll()
        }
    }

    private func folder(of node: String) throws(StoreError) -> FlatFileSettingsStore {
        try root.substore(node, kind: Self.nodeKind, maximumFileBytes: Self.nodeFileBytes)
    }

    private func items(of node: String) throws(StoreError) -> FlatFileSettingsStore {
        try folder(of: node).substore(Self.itemsFolder, kind: Self.itemKind, maximumFileBytes: itemFileBytes)
    }

    private func check(node id: String) throws(PubSubStoreError) {
        guard PubSubLimits.isAcceptableID(id, limit: limits.maximumNodeIDBytes) else { throw .unacceptableID(id) }
    }

    private func check(item id: String) throws(PubSubStoreError) {
        guard PubSubLimits.isAcceptableID(id, limit: limits.maximumItemIDBytes) else { throw .unacceptableID(id) }
    }
}
