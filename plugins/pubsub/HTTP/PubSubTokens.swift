import Crypto
import Foundation
import ParleyCred
import ParleyPubSub
import ParleyXMPP
import Synchronization

/// Per-node publishing tokens of the HTTP face: an owner of a node asks for one
/// (`POST /pubsub/<node>/token` with HTTP Basic), and a script holding it publishes to
/// that node alone (`Authorization: Bearer <token>`), as that owner, without the
/// account's password. One token per node: a new one replaces it; `DELETE` revokes it.
/// Only the token's SHA-256 is kept (`storage/pubsub-http/<service domain>/<node>.conf`), with
/// the owner and the node's creation time: a token dies with its node (a node of the
/// same name created later does not take it).
final class PubSubTokens: Sendable {
    /// What a token lets its holder do.
    struct Grant: Sendable, Equatable {
        /// Publishes as this bare JID (the publish model and affiliations still decide).
        let owner: JID
        /// The node's creation time when the token was made (XEP-0082, as the node store
        /// writes it, so that it compares equal after a restart).
        let nodeCreated: String
        /// SHA-256 of the token, lowercase hex.
        let digest: String
    }

    private let store: FlatFileSettingsStore
    private let grants: Mutex<[String: Grant]>

    /// Reads every token record of `store` (one per node).
    init(store: FlatFileSettingsStore) throws {
        self.store = store
        var grants: [String: Grant] = [:]
        for (path, record) in try store.loadAllWithPaths() {
            guard let node = record["node"], let owner = record["owner"].flatMap(JID.init),
                let created = record["node-created"], let digest = record["sha256"]
            else {
                throw StoreError.corruptFile(path: path, line: 1, reason: "a token needs node, owner, node-created and sha256")
            }
            grants[node] = Grant(owner: owner, nodeCreated: created, digest: digest)
        }
        self.grants = Mutex(grants)
    }

    /// A new token for `node`, made by `owner`, replacing any other; written before it is returned.
    func issue(for node: PubSubNode, owner: JID) throws -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        // base64url without padding (RFC 4648 §5): safe in a header and on a command line.
        let token = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let grant = Grant(
            owner: owner.bare, nodeCreated: XMPPDateTime.string(from: node.created), digest: Self.digest(token))
        try store.save(
            node.id,
            ["node": node.id, "owner": grant.owner.description, "node-created": grant.nodeCreated, "sha256": grant.digest])
        grants.withLock { $0[node.id] = grant }
        return token
    }

    /// Forgets `node`'s token.
    func revoke(_ node: String) throws {
        try store.remove(node)
        grants.withLock { $0[node] = nil }
    }

    /// The owner `token` publishes as on `node`, if it is that node's token.
    func owner(presenting token: String, for node: PubSubNode) -> JID? {
        guard let grant = grants.withLock({ $0[node.id] }), grant.nodeCreated == XMPPDateTime.string(from: node.created),
            grant.digest == Self.digest(token)
        else { return nil }
        return grant.owner
    }

    static func digest(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}
