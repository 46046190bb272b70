import ParleyCore
import ParleyCred
import ParleyPubSub
import ParleyPubSubStore
import ParleyXMPP
import Synchronization

/// Every account's PEP nodes on disk (docs/storage.md, `pep/`): one folder per account,
/// named by its user name's safe encoding, holding `account.conf` (the user name, so a
/// long name's hashed folder still says whose it is) and that account's nodes in the
/// layout of `storage/pubsub/` (`PubSubStore`: atomic writes, a torn temporary file
/// never read).
final class PEPStore: Sendable {
    let directory: String
    let domain: String
    let limits: PubSubLimits
    private let root: FlatFileSettingsStore
    /// The account stores opened so far.
    private let stores = Mutex<[Username: PubSubStore]>([:])

    static let accountKind = "pep-account"
    static let accountRecord = "account"

    init(directory: String, domain: String, limits: PubSubLimits) throws {
        self.directory = directory
        self.domain = domain
        self.limits = limits
        root = try FlatFileSettingsStore(directory: directory, kind: "pep")
    }

    /// Every account's nodes; a folder whose name is not an account's is an error naming it.
    func loadAll() throws -> [(owner: JID, nodes: [PubSubNode])] {
        var accounts: [(owner: JID, nodes: [PubSubNode])] = []
        for folder in try root.substores(kind: Self.accountKind) {
            // A folder without its account record is a creation cut short: nothing in it yet.
            guard let name = try folder.load(Self.accountRecord)["user"] else { continue }
            guard let user = Username(name) else { throw PEPStoreError.unknownFolder(folder.directory) }
            let nodes = try store(of: user).load()
            if !nodes.isEmpty { accounts.append((JID(localpart: user.value, domain: domain), nodes)) }
        }
        return accounts
    }

    /// Writes what `changes` name, as `service` holds it now.
    func apply(_ changes: [PubSubChange], of service: PubSubService) throws {
        guard let user = service.jid.userID.username else { throw PEPStoreError.notAnAccount(service.jid.description) }
        try store(of: user).apply(changes, from: service)
    }

    private func store(of user: Username) throws -> PubSubStore {
        if let store = stores.withLock({ $0[user] }) { return store }
        let folder = try root.substore(user.value, kind: Self.accountKind)
        if try folder.load(Self.accountRecord)["user"] != user.value {
            try folder.save(Self.accountRecord, ["user": user.value])
        }
        let store = try PubSubStore(directory: folder.directory, limits: limits)
        stores.withLock { $0[user] = store }
        return store
    }
}

/// Why `storage/pep/` could not be read or written.
enum PEPStoreError: Error, CustomStringConvertible {
    case unknownFolder(String)
    case notAnAccount(String)

    var description: String {
        switch self {
        case .unknownFolder(let path): "\(path)/account.conf does not name an account (docs/storage.md)"
        case .notAnAccount(let jid): "\(jid) is not an account"
        }
    }
}
